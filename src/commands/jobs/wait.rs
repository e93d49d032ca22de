//! `bulk jobs wait ID`: wait (long-poll) until a job ends; exit as an import would. The waiting
//! itself is `Context::wait_for_job`, shared with `bulk export`.

use crate::api::wire::{Job, JobStatus};
use crate::cli::JobWaitArgs;
use crate::context::{connect, RemoteSettings};
use crate::error::Exit;
use crate::output::Printer;

pub fn run(args: JobWaitArgs, remote: &RemoteSettings, printer: &Printer) -> anyhow::Result<Exit> {
    let ctx = connect(remote, printer)?;
    let job = ctx.wait_for_job(&ctx.job_id(&args.id)?, args.timeout)?;
    if printer.json {
        printer.json_doc(&serde_json::to_value(&job)?)?;
    } else {
        report(printer, &job);
    }
    Ok(exit_for(&job))
}

/// The exit code of a finished job: 0 completed, 4 completed with row errors, 5 failed.
pub fn exit_for(job: &Job) -> Exit {
    match job.status {
        JobStatus::Completed => Exit::Ok,
        JobStatus::CompletedWithErrors => Exit::RowErrors,
        JobStatus::Failed => Exit::JobFailed,
        JobStatus::New | JobStatus::InProgress => Exit::Timeout,
    }
}

/// One line on stderr saying how a job ended and what to do next.
pub fn report(printer: &Printer, job: &Job) {
    let counts = format!(
        "{}, {} succeeded, {} failed ({} created, {} updated)",
        crate::output::plural(job.rows_total, "row"),
        crate::output::thousands(job.rows_succeeded),
        crate::output::thousands(job.rows_failed),
        crate::output::thousands(job.objects_created),
        crate::output::thousands(job.objects_updated)
    );
    match job.status {
        JobStatus::Completed => printer.info(format!("job {} completed: {counts}", job.id)),
        JobStatus::CompletedWithErrors => printer.problem(format!(
            "job {} completed with errors: {counts}; `bulk errors {}` downloads the failed rows",
            job.id, job.id
        )),
        JobStatus::Failed => printer.problem(format!(
            "job {} failed: {}",
            job.id,
            job.failure_reason
                .as_deref()
                .unwrap_or("the service gave no reason")
        )),
        JobStatus::New | JobStatus::InProgress => {
            printer.info(format!("job {} is {}", job.id, job.status.as_str()))
        }
    }
}
