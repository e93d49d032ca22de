//! `bulk import`: validate, split, submit, wait and report, resumably.

use crate::cli::ImportArgs;
use crate::error::Exit;
use crate::output::Printer;

pub fn run(args: ImportArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let _ = (args, printer);
    anyhow::bail!("not implemented yet")
}
