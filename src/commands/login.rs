//! `bulk login`: profiles and credentials for a real service; `--status` shows the target.

use crate::cli::LoginArgs;
use crate::error::Exit;
use crate::output::Printer;

pub fn run(args: LoginArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let _ = (args, printer);
    anyhow::bail!("not implemented yet")
}
