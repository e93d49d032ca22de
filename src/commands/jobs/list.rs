//! `bulk jobs [list]`: the dashboard, newest first; a table on a terminal, tab-separated text
//! when piped, the wire `JobList` with `--json`.

use crate::api::wire::{Job, JobList, JobListQuery, JobStatus, JobType};
use crate::cli::JobsListArgs;
use crate::context::{connect, RemoteSettings};
use crate::error::{Exit, Failure};
use crate::output::{table, Printer};
use crate::schema::find_type;

/// The service's largest page.
const MAX_PAGE_SIZE: u64 = 100;

/// The list query, resolved and checked before anything is sent.
fn query(args: &JobsListArgs) -> anyhow::Result<JobListQuery> {
    let status = match args.status.as_deref() {
        None => None,
        Some(s) => Some(JobStatus::parse(&s.trim().to_lowercase().replace('-', "_")).ok_or_else(
            || {
                Failure::usage(format!(
                    "--status \"{s}\" is not a job status; use new, in_progress, completed, completed_with_errors or failed"
                ))
            },
        )?),
    };
    let job_type = match args.job_type.as_deref() {
        None => None,
        Some(k) => Some(JobType::parse(&k.trim().to_lowercase()).ok_or_else(|| {
            Failure::usage(format!(
                "--job-type \"{k}\" is not a job type; use import or export"
            ))
        })?),
    };
    let object_type = match args.object_type.as_deref() {
        None => None,
        Some(t) => Some(
            find_type(t)
                .map_err(|e| Failure::usage(format!("--type: {e}")))?
                .id
                .clone(),
        ),
    };
    Ok(JobListQuery {
        search: args.search.clone().filter(|s| !s.is_empty()),
        job_type,
        object_type,
        status,
        page: None,
        page_size: None,
    })
}

pub fn run(args: JobsListArgs, remote: &RemoteSettings, printer: &Printer) -> anyhow::Result<Exit> {
    let mut q = query(&args)?;
    let ctx = connect(remote, printer)?;
    let limit = args.limit;
    let page_size = limit.clamp(1, MAX_PAGE_SIZE);
    let mut jobs: Vec<Job> = Vec::new();
    let mut total = 0;
    let mut page = 1;
    while (jobs.len() as u64) < limit {
        q.page = Some(page);
        q.page_size = Some(page_size);
        let got = ctx.api.jobs(&q).map_err(anyhow::Error::from)?;
        total = got.total;
        let n = got.jobs.len() as u64;
        jobs.extend(got.jobs);
        if n < page_size || page * page_size >= total {
            break;
        }
        page += 1;
    }
    jobs.truncate(limit as usize);
    // The service sends newest first; a stable sort keeps that promise whatever it sends.
    jobs.sort_by_key(|j| std::cmp::Reverse(j.created_at));
    if printer.json {
        let list = JobList {
            total,
            page: 1,
            page_size: limit,
            jobs,
        };
        printer.json_doc(&serde_json::to_value(&list)?)?;
        return Ok(Exit::Ok);
    }
    if printer.stdout_is_tty() {
        if jobs.is_empty() {
            printer.info("no jobs match");
        } else {
            printer.data(table::jobs_table(&jobs, crate::context::MIN_ID_PREFIX).as_bytes())?;
        }
        if total > jobs.len() as u64 {
            printer.info(format!(
                "showing {} of {total} jobs; --limit N shows more",
                jobs.len()
            ));
        }
    } else {
        printer.data(table::jobs_plain(&jobs).as_bytes())?;
    }
    Ok(Exit::Ok)
}
