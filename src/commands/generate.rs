//! `bulk generate` (hidden): shell completions and man pages from the clap definitions.

use crate::cli::GenerateArgs;
use crate::error::Exit;
use crate::output::Printer;

pub fn run(args: GenerateArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let _ = (args, printer);
    anyhow::bail!("not implemented yet")
}
