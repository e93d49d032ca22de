//! `bulk jobs wait ID`: wait (long-poll) until a job ends; exit as an import would. The waiting
//! loop is shared with `bulk export`.

use crate::api;
use crate::api::wait::{Update, WaitOptions, Waited};
use crate::api::wire::{Job, JobStatus};
use crate::cli::JobWaitArgs;
use crate::context::{connect, Context, RemoteSettings};
use crate::error::{Exit, Failure};
use crate::output::Printer;
use std::time::{Duration, Instant};

/// Longest single long-poll; short enough that a heartbeat is never more than 30 s late.
const POLL: Duration = Duration::from_secs(10);
/// Time between heartbeat lines when stderr is not a terminal.
const HEARTBEAT: Duration = Duration::from_secs(15);

pub fn run(args: JobWaitArgs, remote: &RemoteSettings, printer: &Printer) -> anyhow::Result<Exit> {
    let ctx = connect(remote, printer)?;
    let job = until_done(&ctx, &args.id, args.timeout)?;
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
        "{} rows, {} succeeded, {} failed ({} created, {} updated)",
        job.rows_total,
        job.rows_succeeded,
        job.rows_failed,
        job.objects_created,
        job.objects_updated
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

/// Waits until the job is no longer new or in progress and returns it. Past `timeout` it fails
/// with exit code 7 and names `bulk jobs wait ID` as the way to carry on. Never silent: status
/// changes are reported on a terminal, and a heartbeat line goes to stderr at least every 30 s
/// otherwise.
pub fn until_done(ctx: &Context, id: &str, timeout: Option<Duration>) -> anyhow::Result<Job> {
    let printer = &ctx.printer;
    let start = Instant::now();
    let mut last_beat = start;
    let mut last_status: Option<JobStatus> = None;
    let opts = WaitOptions {
        poll: POLL,
        deadline: timeout.map(|t| start + t),
        cancel: None,
    };
    let waited = api::wait::wait(&ctx.api, id, &opts, |update| {
        let Update::Job(job) = update else { return };
        if !job.status.is_active() {
            return;
        }
        let line = || {
            format!(
                "waiting for job {id}: {}, {}/{} rows, {} elapsed",
                job.status.as_str(),
                job.rows_processed,
                job.rows_total,
                human(start.elapsed())
            )
        };
        if printer.stderr_is_tty() {
            if last_status != Some(job.status) {
                printer.info(line());
            }
        } else if last_status.is_none() || last_beat.elapsed() >= HEARTBEAT {
            printer.info(line());
            last_beat = Instant::now();
        }
        last_status = Some(job.status);
    })
    .map_err(anyhow::Error::from)?;
    match waited {
        Waited::Done(job) => Ok(job),
        Waited::Gone(e) => Err(anyhow::Error::from(e)),
        Waited::TimedOut(_) | Waited::Cancelled(_) => {
            let job = ctx.api.job(id, None).map_err(anyhow::Error::from)?;
            if !job.status.is_active() {
                return Ok(job);
            }
            Err(Failure::new(
                Exit::Timeout,
                format!(
                    "timed out after {} waiting for job {id} ({}, {}/{} rows); it carries on in the service: `bulk jobs wait {id}` resumes waiting",
                    human(timeout.unwrap_or_default()),
                    job.status.as_str(),
                    job.rows_processed,
                    job.rows_total
                ),
            )
            .into())
        }
    }
}

/// `95s` -> `1m35s`.
fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}
