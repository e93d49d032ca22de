//! `bulk export`: run an export job, wait for it (long-poll) and download its file.
//!
//! A CSV is written as `<type>.csv`; more records than fit in one file arrive as a ZIP of CSVs
//! (`<type>.zip`), which `--merge` joins into one CSV with one header. The files are written as
//! the service sent them (so they re-import unchanged), except with `--excel-safe`, which puts a
//! `'` before every cell a spreadsheet would run as a formula. A ZIP export written to a name
//! ending in `.csv` (`-o x.csv`) is merged as with `--merge`: a `.csv` never holds ZIP bytes.
//! `-o` never replaces an existing file without `--force`.
//!
//! Exit codes: 0 written; 2 for a type the service cannot export (audio files: the service
//! answers 422 `not_exportable`, a request that can never succeed, so a usage error); 5 if the
//! export job failed; 7 past `--timeout` (the job carries on; `bulk jobs wait ID`).

use crate::api::client::ApiError;
use crate::api::wire::{ExportRequest, Job, JobStatus};
use crate::cli::ExportArgs;
use crate::context::{connect, Context};
use crate::error::{Exit, Failure};
use crate::export::{count_csv_entries, excel_safe, excel_safe_zip, merge_zip};
use crate::output::Printer;
use crate::schema::find_type;
use anyhow::Context as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub fn run(args: ExportArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let object = find_type(&args.object_type)?;
    let started = Instant::now();
    let remaining = |t: Option<Duration>| t.map(|t| t.saturating_sub(started.elapsed()));
    // A file named `*.csv` never receives ZIP bytes: a ZIP export is merged into it.
    let named_csv = args.output.as_deref().is_some_and(|p| {
        !p.is_dir() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    });
    if let Some(p) = args
        .output
        .as_deref()
        .filter(|p| p.as_os_str() != "-" && !p.is_dir())
    {
        super::refuse_clobber(p, args.force)?;
    }
    let ctx = connect(&super::remote_settings(&args.remote), printer)?;
    let req = ExportRequest {
        object_type: object.id.clone(),
        file_name: None,
    };
    // One key for every attempt: a retried or repeated request never makes a second job.
    let key = uuid::Uuid::new_v4().to_string();
    let job = submit(&ctx, &req, &key, || remaining(args.timeout))?;
    let job = if job.status.is_active() {
        ctx.wait_for_job(&job.id, remaining(args.timeout))?
    } else {
        job
    };
    match job.status {
        JobStatus::Failed => {
            return Err(Failure::new(
                Exit::JobFailed,
                format!(
                    "export job {} failed: {}",
                    job.id,
                    job.failure_reason.as_deref().unwrap_or("no reason given")
                ),
            )
            .into())
        }
        JobStatus::CompletedWithErrors => printer.warn(format!(
            "export job {} completed with errors; `bulk errors {}` shows them",
            job.id, job.id
        )),
        _ => {}
    }
    let download = ctx.api.file(&job.id).map_err(anyhow::Error::from)?;
    let is_zip = download.bytes.starts_with(b"PK\x03\x04")
        || download.content_type.contains("zip")
        || download
            .file_name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().ends_with(".zip"));
    let (bytes, kind, files) = match (is_zip, args.merge || named_csv) {
        (false, _) => {
            let b = if args.excel_safe {
                excel_safe(&download.bytes)?
            } else {
                download.bytes
            };
            (b, Kind::Csv, 1)
        }
        (true, true) => {
            let (merged, n) = merge_zip(&download.bytes)?;
            let b = if args.excel_safe {
                excel_safe(&merged)?
            } else {
                merged
            };
            (b, Kind::Csv, n)
        }
        (true, false) => {
            let n = count_csv_entries(&download.bytes)?;
            let b = if args.excel_safe {
                excel_safe_zip(&download.bytes)?
            } else {
                download.bytes
            };
            (b, Kind::Zip, n)
        }
    };
    let default_name = format!("{}.{}", object.id, kind.ext());
    let dest = destination(args.output.as_deref(), &default_name)?;
    match &dest {
        None => {
            if printer.json {
                return Err(Failure::usage(
                    "--json and -o - both want stdout; write the export to a file with -o FILE",
                )
                .into());
            }
            printer.data(&bytes)?;
        }
        Some(path) => {
            if args.output.is_some() {
                super::refuse_clobber(path, args.force)?;
            }
            crate::fsutil::write_atomic(path, &bytes)?;
        }
    }
    if printer.json {
        printer.json_doc(&serde_json::json!({
            "job": job,
            "path": dest,
            "format": kind.ext(),
            "records": job.rows_total,
            "files": files,
            "excel_safe": args.excel_safe,
        }))?;
    } else {
        let where_ = dest
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "stdout".into());
        let shape = match (kind, files) {
            (Kind::Zip, n) => format!(" (a ZIP of {n} CSV files; --merge joins them)"),
            (Kind::Csv, n) if n > 1 => format!(" (merged from {n} files)"),
            _ => String::new(),
        };
        printer.info(format!(
            "exported {} of {} to {where_}{shape}",
            crate::output::plural(job.rows_total, "record"),
            object.display_name
        ));
    }
    Ok(Exit::Ok)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Csv,
    Zip,
}

impl Kind {
    fn ext(self) -> &'static str {
        match self {
            Kind::Csv => "csv",
            Kind::Zip => "zip",
        }
    }
}

/// Creates the export job. Only one job may run at a time: while another is active (409
/// `job_active`), wait for it and ask again with the same key.
fn submit(
    ctx: &Context,
    req: &ExportRequest,
    key: &str,
    remaining: impl Fn() -> Option<Duration>,
) -> anyhow::Result<Job> {
    loop {
        match ctx.api.export(req, key) {
            Ok(job) => return Ok(job),
            Err(ApiError::Service { code, message, .. })
                if code == crate::api::wire::ErrorCode::NotExportable.as_str() =>
            {
                return Err(Failure::usage(message).into())
            }
            Err(e) if e.is(crate::api::wire::ErrorCode::JobActive) => {
                let Some(active) = e
                    .details()
                    .and_then(|d| d["job_id"].as_str())
                    .map(str::to_string)
                else {
                    return Err(anyhow::Error::from(e));
                };
                ctx.printer.info(format!(
                    "job {active} is running; only one job runs at a time, waiting for it first"
                ));
                ctx.wait_for_job(&active, remaining())?;
            }
            Err(e) => return Err(anyhow::Error::from(e)),
        }
    }
}

/// Where to write: `None` for stdout (`-o -`), a directory's `<type>.<ext>`, or the file given.
fn destination(output: Option<&Path>, default_name: &str) -> anyhow::Result<Option<PathBuf>> {
    let Some(out) = output else {
        return Ok(Some(PathBuf::from(default_name)));
    };
    if out.as_os_str() == "-" {
        return Ok(None);
    }
    let says_dir = out.as_os_str().to_string_lossy().ends_with(['/', '\\']);
    if says_dir && !out.exists() {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    }
    if out.is_dir() {
        return Ok(Some(out.join(default_name)));
    }
    Ok(Some(out.to_path_buf()))
}
