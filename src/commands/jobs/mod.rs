//! `bulk jobs`: the job dashboard (`list`, the default), one job (`show`), and `wait`.

pub mod list;
pub mod show;
pub mod wait;

use crate::cli::{JobsArgs, JobsCommand};
use crate::error::Exit;
use crate::output::Printer;

pub fn run(args: JobsArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let remote = super::remote_settings(&args.remote);
    match args.command {
        None => list::run(args.list, &remote, printer),
        Some(JobsCommand::List(list)) => list::run(list, &remote, printer),
        Some(JobsCommand::Show(a)) => show::run(a, &remote, printer),
        Some(JobsCommand::Wait(a)) => wait::run(a, &remote, printer),
    }
}
