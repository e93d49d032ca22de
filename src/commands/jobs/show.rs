//! `bulk jobs show ID`: one job, as `field value` lines or (`--json`) the wire `Job`.

use crate::cli::JobIdArgs;
use crate::context::{connect, RemoteSettings};
use crate::error::Exit;
use crate::output::{table, Printer};

pub fn run(args: JobIdArgs, remote: &RemoteSettings, printer: &Printer) -> anyhow::Result<Exit> {
    let ctx = connect(remote, printer)?;
    let job = ctx
        .api
        .job(&ctx.job_id(&args.id)?, None)
        .map_err(anyhow::Error::from)?;
    if printer.json {
        printer.json_doc(&serde_json::to_value(&job)?)?;
    } else {
        let text = table::job_details(&job, printer.stdout_is_tty());
        printer.data(text.as_bytes())?;
    }
    Ok(Exit::Ok)
}
