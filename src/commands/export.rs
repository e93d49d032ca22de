//! `bulk export`: run an export job and download its file.

use crate::cli::ExportArgs;
use crate::error::Exit;
use crate::output::Printer;

pub fn run(args: ExportArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let _ = (args, printer);
    anyhow::bail!("not implemented yet")
}
