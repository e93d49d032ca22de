//! `bulk errors`: download a job's error CSV.

use crate::cli::ErrorsArgs;
use crate::error::Exit;
use crate::output::Printer;

pub fn run(args: ErrorsArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let _ = (args, printer);
    anyhow::bail!("not implemented yet")
}
