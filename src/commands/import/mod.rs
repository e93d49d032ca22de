//! `bulk import`: validate, split, submit, wait and report, resumably.
//!
//! The work is planned into a journal (`crate::journal`) before anything is sent: the exact
//! chunk files and each one's idempotency key. Submission then walks the journal chunk by chunk,
//! saving it after every step, so running the same command again picks up where it stopped.

mod merge;
mod plan;
mod submit;

use super::validate::thousands;
use crate::api::wire::Limits;
use crate::cli::ImportArgs;
use crate::context::{self, Target};
use crate::error::{Exit, Failure};
use crate::input::InputOptions;
use crate::journal::{ChunkState, InputEntry, Journal, Store};
use crate::output::Printer;
use plan::Checked;
use std::path::{Path, PathBuf};
use std::time::Instant;
use submit::{api_failure, Runner, Stop};

pub fn run(args: ImportArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let opts = InputOptions {
        unguard: true,
        ..InputOptions::resolve(
            args.input.encoding.as_deref(),
            args.input.delimiter.as_deref(),
        )
        .map_err(Failure::usage)?
    };
    let inputs = plan::resolve(&args.paths, args.input.object_type.as_deref(), &opts)?;
    let several = inputs.len() > 1;
    if several {
        if let Some(dir) = &args.errors_out {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        }
    }
    let errors_out_of = |input: &Path| plan::errors_out(input, args.errors_out.as_deref(), several);

    let ctx = context::connect(&super::remote_settings(&args.remote), printer)?;
    let api = &ctx.api;
    // A journal belongs to the tenant and user, not to a URL: a service that comes back on
    // another address (a restarted sandbox, a new load balancer) is still the same target.
    let target_id = match &ctx.target {
        Target::Sandbox { data_dir, .. } => format!("sandbox:{}", data_dir.display()),
        Target::Profile { .. } | Target::Environment { .. } => {
            let me = api.me().map_err(anyhow::Error::new)?;
            format!("service:{}:{}", me.org_id, me.email)
        }
    };
    let fingerprints = inputs
        .iter()
        .map(plan::fingerprint)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let options = format!(
        "skip_invalid={};encoding={:?};delimiter={:?}",
        args.skip_invalid, args.input.encoding, args.input.delimiter
    );
    let id = crate::journal::plan_id(&target_id, &options, &fingerprints);
    let store = Store::new(crate::config::journal_dir());
    let resume_cmd = resume_command(&args);

    if args.restart {
        store.remove(&id)?;
    }
    let mut journal = match store.load(&id)? {
        Some(j) => {
            let (done, total) = count_chunks(&j);
            printer.info(format!(
                "resuming the import of {} ({done} of {total} chunks done)",
                names(&j)
            ));
            j
        }
        None if args.resume => {
            return Err(Failure::usage(format!(
                "no unfinished import of {} to resume (it may have finished); run it without --resume to import again",
                args.paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into())
        }
        None => {
            let limits: Limits = api
                .limits()
                .map_err(|e| api_failure(e, "cannot read the service's limits".into()))?;
            match plan::check(inputs, &limits, args.skip_invalid, &errors_out_of, printer)? {
                Checked::Invalid(invalid) => return report_invalid(&invalid, printer),
                Checked::Ok(checked) => {
                    let chunk_root = store.chunk_dir(&id);
                    let j = plan::build(
                        &id,
                        &target_id,
                        checked,
                        &limits,
                        &chunk_root,
                        &errors_out_of,
                        printer,
                    );
                    let j = match j {
                        Ok(j) => j,
                        Err(e) => {
                            let _ = store.remove(&id);
                            return Err(e);
                        }
                    };
                    store.save(&j)?;
                    j
                }
            }
        }
    };
    // The error file goes where this run says, whatever an earlier run said.
    if args.errors_out.is_some() {
        for entry in &mut journal.inputs {
            entry.errors_out = errors_out_of(Path::new(&entry.display));
        }
    }

    let deadline = args.timeout.map(|t| started + t);
    let stop = Runner::new(api, printer, &store, &mut journal, deadline, args.no_wait)
        .run()
        .map_err(|e| {
            // The journal is kept: say how to pick the work up once the service answers again.
            e.context(format!(
                "the import is not finished; once the service answers, resume with `{resume_cmd}`"
            ))
        })?;

    let mut results = Vec::new();
    for entry in &journal.inputs {
        results.push(summarize(
            entry,
            &store.chunk_dir(&journal.id).join(&entry.dir),
        )?);
    }
    let exit = match &stop {
        Stop::Finished => {
            store.remove(&journal.id)?;
            results
                .iter()
                .map(|r| r.exit())
                .max_by_key(|e| severity(*e))
                .unwrap_or(Exit::Ok)
        }
        Stop::NoWait(job) => {
            match job {
                Some(j) => printer.info(format!(
                    "job {j} is running on the service; `{resume_cmd}` waits for it and submits the rest (or `bulk jobs wait {j}`)"
                )),
                None => printer.info(format!(
                    "nothing submitted now: another job is running; run `{resume_cmd}` later"
                )),
            }
            Exit::Ok
        }
        Stop::Interrupted(job) => {
            let running = job
                .as_ref()
                .map(|j| format!("job {j} continues on the service; "))
                .unwrap_or_default();
            printer.problem(format!(
                "interrupted: no further chunks submitted; {running}resume with `{resume_cmd}`"
            ));
            Exit::Interrupted
        }
        Stop::TimedOut(job) => {
            let running = job
                .as_ref()
                .map(|j| format!("job {j} continues on the service; "))
                .unwrap_or_default();
            printer.problem(format!(
                "timed out waiting after {}; {running}resume with `{resume_cmd}`",
                args.timeout
                    .map(|t| format!("{}s", t.as_secs()))
                    .unwrap_or_default()
            ));
            Exit::Timeout
        }
    };
    let finished = stop == Stop::Finished;
    if printer.json {
        let doc = serde_json::json!({
            "imports": results.iter().map(|r| r.json(&stop)).collect::<Vec<_>>(),
            "resume": (!finished).then_some(resume_cmd.clone()),
            "exit_code": exit.code(),
        });
        printer.json_doc(&doc)?;
    } else if finished && !printer.quiet {
        print_summary(&results, printer);
    }
    Ok(exit)
}

/// `1 row`, `12,000 rows`.
fn plural(n: u64, what: &str) -> String {
    format!("{} {what}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// How bad an outcome is, to pick the one exit code of several inputs.
fn severity(e: Exit) -> u8 {
    match e {
        Exit::Ok => 0,
        Exit::RowErrors => 1,
        Exit::JobFailed => 2,
        _ => 3,
    }
}

fn count_chunks(j: &Journal) -> (usize, usize) {
    let all = j.inputs.iter().flat_map(|e| &e.chunks);
    let done = all.clone().filter(|c| c.state == ChunkState::Done).count();
    (done, all.count())
}

fn names(j: &Journal) -> String {
    j.inputs
        .iter()
        .map(|e| e.display.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The command that resumes this import: the same inputs and options, plus `--resume`.
fn resume_command(args: &ImportArgs) -> String {
    let mut parts = vec!["bulk".to_string(), "import".to_string()];
    for p in &args.paths {
        parts.push(shell_quote(&p.display().to_string()));
    }
    let mut opt = |flag: &str, v: &Option<String>| {
        if let Some(v) = v {
            parts.push(flag.to_string());
            parts.push(shell_quote(v));
        }
    };
    opt("--type", &args.input.object_type);
    opt("--encoding", &args.input.encoding);
    opt("--delimiter", &args.input.delimiter);
    opt("--profile", &args.remote.profile);
    opt(
        "--errors-out",
        &args.errors_out.as_ref().map(|p| p.display().to_string()),
    );
    if args.skip_invalid {
        parts.push("--skip-invalid".into());
    }
    parts.push("--resume".into());
    parts.join(" ")
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Invalid input: the problems on stderr (as `bulk validate` prints them), an error CSV per
/// input, exit 3.
fn report_invalid(invalid: &[plan::Invalid], printer: &Printer) -> anyhow::Result<Exit> {
    let mut docs = Vec::new();
    for inv in invalid {
        plan::write_invalid(inv)?;
        let v = &inv.validation;
        let r = &v.report;
        if printer.json {
            docs.push(serde_json::json!({
                "file": r.file,
                "type": r.object_type,
                "rows": r.rows,
                "created": 0,
                "updated": 0,
                "failed": r.invalid_rows,
                "jobs": [],
                "error_file": inv.errors_out.display().to_string(),
                "status": "invalid",
            }));
            continue;
        }
        super::validate::print_problems(v, Some(&inv.errors_out), printer)?;
        printer.problem(format!(
            "{}: invalid: {} in {} of {} of {}; nothing was sent. Fix the rows listed in {} (or pass --skip-invalid to send the valid rows)",
            r.file,
            plural(r.issues, "problem"),
            thousands(r.invalid_rows),
            plural(r.rows, "row"),
            r.object_type,
            inv.errors_out.display()
        ));
    }
    if printer.json {
        printer.json_doc(&serde_json::json!({
            "imports": docs,
            "exit_code": Exit::Invalid.code(),
        }))?;
    }
    Ok(Exit::Invalid)
}

/// What one input came to.
struct Summary {
    file: String,
    object_type: String,
    rows: u64,
    created: u64,
    updated: u64,
    failed: u64,
    jobs: Vec<String>,
    error_file: Option<PathBuf>,
    any_failed_job: bool,
    done: bool,
}

impl Summary {
    fn exit(&self) -> Exit {
        if self.any_failed_job {
            Exit::JobFailed
        } else if self.failed > 0 {
            Exit::RowErrors
        } else {
            Exit::Ok
        }
    }

    fn status(&self, stop: &Stop) -> &'static str {
        if !self.done {
            return match stop {
                Stop::NoWait(_) => "submitted",
                Stop::Interrupted(_) => "interrupted",
                Stop::TimedOut(_) => "timed_out",
                Stop::Finished => "pending",
            };
        }
        match self.exit() {
            Exit::JobFailed => "failed",
            Exit::RowErrors => "completed_with_errors",
            _ => "completed",
        }
    }

    fn json(&self, stop: &Stop) -> serde_json::Value {
        serde_json::json!({
            "file": self.file,
            "type": self.object_type,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "failed": self.failed,
            "jobs": self.jobs,
            "error_file": self.error_file.as_ref().map(|p| p.display().to_string()),
            "status": self.status(stop),
        })
    }
}

/// Totals of an input; once all its chunks are done, also writes its merged error CSV.
fn summarize(entry: &InputEntry, dir: &Path) -> anyhow::Result<Summary> {
    let done = entry.chunks.iter().all(|c| c.state == ChunkState::Done);
    let mut s = Summary {
        file: entry.display.clone(),
        object_type: entry.object_type.clone(),
        rows: entry.rows,
        created: 0,
        updated: 0,
        failed: entry.dropped_rows,
        jobs: entry
            .chunks
            .iter()
            .filter_map(|c| c.job_id.clone())
            .collect(),
        error_file: None,
        any_failed_job: false,
        done,
    };
    for c in &entry.chunks {
        s.created += c.created;
        s.updated += c.updated;
        if c.status.as_deref() == Some("failed") {
            s.any_failed_job = true;
            s.failed += c.rows.saturating_sub(c.created + c.updated).max(c.failed);
        } else {
            s.failed += c.failed;
        }
    }
    if done {
        let n = merge::write_merged(entry, dir)?;
        if n > 0 {
            s.error_file = Some(entry.errors_out.clone());
        }
    }
    Ok(s)
}

fn print_summary(results: &[Summary], printer: &Printer) {
    use tabled::settings::Style;
    #[derive(tabled::Tabled)]
    struct Line {
        file: String,
        #[tabled(rename = "type")]
        object_type: String,
        rows: String,
        created: String,
        updated: String,
        failed: String,
        jobs: usize,
    }
    let lines: Vec<Line> = results
        .iter()
        .map(|r| Line {
            file: r.file.clone(),
            object_type: r.object_type.clone(),
            rows: thousands(r.rows),
            created: thousands(r.created),
            updated: thousands(r.updated),
            failed: thousands(r.failed),
            jobs: r.jobs.len(),
        })
        .collect();
    let mut table = tabled::Table::new(lines);
    if printer.stderr_is_tty() {
        table.with(Style::rounded());
    } else {
        table.with(Style::blank());
    }
    printer.info(table.to_string());
    for r in results {
        if let Some(f) = &r.error_file {
            printer.info(format!(
                "{}: {} not imported; fix them in {} and run `bulk import {}`",
                r.file,
                plural(r.failed, "row"),
                f.display(),
                shell_quote(&f.display().to_string())
            ));
        }
    }
}
