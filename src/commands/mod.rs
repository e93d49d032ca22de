//! One module per subcommand; each resolves its arguments into settings and does the work.

pub mod sandbox;

use crate::cli::{Cli, Command};
use crate::error::Exit;
use crate::output::Printer;

/// Runs the parsed command line and returns the exit status to use.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let printer = Printer::new(cli.global.json, cli.global.quiet);
    match cli.command {
        Command::Template(_) | Command::Validate(_) | Command::Split(_) => {
            let _ = &printer;
            Ok(Exit::Ok)
        }
        Command::Sandbox(args) => sandbox::run(args, &printer),
    }
}
