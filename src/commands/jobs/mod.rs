//! `bulk jobs`: the job dashboard (`list`), one job (`show`), and `wait`.

use crate::cli::JobsArgs;
use crate::error::Exit;
use crate::output::Printer;

pub fn run(args: JobsArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let _ = (args, printer);
    anyhow::bail!("not implemented yet")
}
