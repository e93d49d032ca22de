//! One module per subcommand; each resolves its arguments into settings and does the work.

pub mod errors;
pub mod export;
pub mod generate;
pub mod import;
pub mod jobs;
pub mod login;
pub mod plan;
pub mod sandbox;
pub mod split;
pub mod template;
pub mod validate;

use crate::api::wait::Cancel;
use crate::cli::{Cli, Command};
use crate::error::Exit;
use crate::output::Printer;

/// Runs the parsed command line and returns the exit status to use. `cancel` is the flag Ctrl-C
/// sets (armed by the commands that wait).
pub fn run(cli: Cli, cancel: &Cancel) -> anyhow::Result<Exit> {
    let printer = Printer::new(cli.global.json, cli.global.quiet);
    match cli.command {
        Command::Template(args) => template::run(args, &printer),
        Command::Validate(args) => validate::run(args, &printer),
        Command::Split(args) => split::run(args, &printer),
        Command::Sandbox(args) => sandbox::run(args, &printer, cancel),
        Command::Import(args) => import::run(args, &printer, cancel),
        Command::Export(args) => export::run(args, &printer),
        Command::Jobs(args) => jobs::run(args, &printer),
        Command::Errors(args) => errors::run(args, &printer),
        Command::Login(args) => login::run(args, &printer),
        Command::Generate(args) => generate::run(args, &printer),
    }
}

/// The settings to reach the service with, from a command's remote options.
pub fn remote_settings(args: &crate::cli::RemoteArgs) -> crate::context::RemoteSettings {
    crate::context::RemoteSettings {
        profile: args.profile.clone(),
        max_retries: Some(args.max_retries),
        rate: args.rate,
        batch: args.batch.map(|b| b as usize),
    }
}

pub use crate::input::typed::{open_csv, Opened};

/// Refuses to replace an existing file the admin named with `-o`, unless `--force` was given.
pub fn refuse_clobber(path: &std::path::Path, force: bool) -> anyhow::Result<()> {
    if !force && path.exists() {
        return Err(crate::error::Failure::usage(format!(
            "{} already exists; pass --force to replace it, or choose another -o",
            path.display()
        ))
        .into());
    }
    Ok(())
}
