//! The import workflow as a library: plan the input into a journal of chunks (validated,
//! split, keyed), submit them one by one, follow their jobs and merge their error files.
//! The command (`commands::import`) resolves arguments into settings and renders the outcome.

pub mod journal;
pub mod lines;
pub mod merge;
pub mod owned;
pub mod plan;
pub mod preview;
pub mod reporter;
pub mod submit;

use crate::api::wait::Cancel;
use crate::api::wire::{JobStatus, Limits};
use crate::context::{Context, Target};
use crate::error::{Exit, Failure};
use crate::input::InputOptions;
use journal::{ChunkState, InputEntry, Journal, Store};
use plan::Checked;
use reporter::ImportReporter;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;
use submit::{api_failure, Runner};

pub use submit::Stop;

/// Everything an import needs, resolved from the command line before any work.
#[derive(Debug, Clone)]
pub struct Settings {
    pub paths: Vec<PathBuf>,
    /// `--type`, when given.
    pub object_type: Option<String>,
    /// How the input is read (encoding, delimiter; formula guards stripped).
    pub input: InputOptions,
    /// The raw `--encoding`/`--delimiter`, part of the journal's identity.
    pub encoding: Option<String>,
    pub delimiter: Option<String>,
    pub skip_invalid: bool,
    /// Import the `*.errors.csv` files found in a directory too.
    pub include_errors: bool,
    pub errors_out: Option<PathBuf>,
    pub resume: bool,
    pub restart: bool,
    pub no_wait: bool,
    pub timeout: Option<std::time::Duration>,
    /// The command line that picks this import up again.
    pub resume_command: String,
}

/// What one input came to, as `--json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct FileOutcome {
    pub file: String,
    #[serde(rename = "type")]
    pub object_type: String,
    pub rows: u64,
    pub created: u64,
    pub updated: u64,
    pub failed: u64,
    /// Rows of objects `--changed-only` left out because the plan found them unchanged.
    pub unchanged: u64,
    pub jobs: Vec<String>,
    pub error_file: Option<String>,
    pub status: &'static str,
    /// Rows that were imported with a warning, by input line.
    pub warnings: Vec<Warning>,
}

/// A row imported with something to say (in the sandbox: the Control Hub person of a user row
/// was created first, which a real tenant refuses).
#[derive(Debug, Clone, Serialize)]
pub struct Warning {
    pub line: u64,
    pub message: String,
}

/// What an import came to: this is the `--json` document; the rest is for the renderer.
#[derive(Serialize)]
pub struct Outcome {
    pub imports: Vec<FileOutcome>,
    /// The command that resumes an unfinished import (`null` when finished; absent when the
    /// input was invalid).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resume: Option<Option<String>>,
    pub exit_code: u8,
    #[serde(skip)]
    pub exit: Exit,
    /// Why the submission stopped (`None`: the input was invalid, nothing was sent).
    #[serde(skip)]
    pub stop: Option<Stop>,
    /// Inputs that failed validation, their error CSVs written.
    #[serde(skip)]
    pub invalid: Vec<plan::Invalid>,
}

/// The inputs of an import, opened and typed: the part of the work that needs no service, done
/// before connecting so that a wrong path fails at once.
pub struct Inputs {
    inputs: Vec<plan::Input>,
    several: bool,
    /// Files of the directories given that are not imported, and why.
    pub skipped: Vec<plan::Skipped>,
}

/// Says how many values lost their spreadsheet formula guard, or kept one (issue 11: no value
/// is changed without the admin knowing).
fn report_guards(inputs: &[plan::Input], reporter: &dyn ImportReporter) {
    use crate::output::plural;
    for input in inputs {
        let plan::Body::Csv(o) = &input.body else {
            continue;
        };
        let s = &o.source;
        if s.unguarded > 0 {
            reporter.message(&format!(
                "{}: {}",
                input.display,
                s.normalised.as_deref().unwrap_or_default()
            ));
        }
        if s.guards_kept > 0 {
            reporter.message(&format!(
                "{}: the spreadsheet formula guard (a ' before = + - @) of {} is kept, since the file is not a `bulk export --excel-safe` output; --excel-safe removes such guards",
                input.display,
                plural(s.guards_kept, "value")
            ));
        }
    }
}

impl Inputs {
    /// The CSV inputs and audio sets, in import order.
    pub fn inputs(&self) -> &[plan::Input] {
        &self.inputs
    }

    /// `--changed-only`: leaves out of each input (by its display name) the objects starting
    /// on these lines, which the plan found unchanged; they are counted, not sent.
    pub fn leave_unchanged(
        &mut self,
        mut lines: std::collections::HashMap<String, std::collections::BTreeSet<u64>>,
    ) {
        for input in &mut self.inputs {
            input.unchanged = lines.remove(&input.display);
        }
    }
}

/// Validates the inputs exactly as an import does (the service's limits; the error CSV of an
/// invalid input written where the import writes it) and sends nothing: `import --plan`.
/// `Err(outcome)`: invalid input, the outcome an import would have had (exit 3).
pub fn check_only(
    settings: &Settings,
    inputs: Inputs,
    ctx: &Context,
    reporter: &dyn ImportReporter,
) -> anyhow::Result<Result<Vec<plan::Input>, Outcome>> {
    let several = inputs.several;
    let errors_out_of = |input: &Path| {
        let wanted = plan::errors_out(input, settings.errors_out.as_deref(), several);
        let (path, kept) = owned::choose(&wanted);
        if kept {
            reporter.warning(&format!(
                "{} was changed since bulk wrote it (or is a symbolic link); it is kept, and this check's error file is {}",
                wanted.display(),
                path.display()
            ));
        }
        path
    };
    let limits: Limits = ctx
        .api
        .limits()
        .map_err(|e| api_failure(e, "cannot read the service's limits".into()))?;
    match plan::check(
        inputs.inputs,
        &limits,
        settings.skip_invalid,
        &errors_out_of,
        reporter,
        None,
    )? {
        Checked::Invalid(invalid) => Ok(Err(invalid_outcome(invalid)?)),
        Checked::Ok(checked) => Ok(Ok(checked.into_iter().map(|r| r.input).collect())),
    }
}

/// Opens the inputs (and creates the `--errors-out` directory for several).
pub fn prepare(settings: &Settings) -> anyhow::Result<Inputs> {
    let mut skipped = Vec::new();
    let inputs = plan::resolve(
        &settings.paths,
        settings.object_type.as_deref(),
        &settings.input,
        settings.include_errors,
        &mut skipped,
    )?;
    let several = inputs.len() > 1;
    if several {
        if let Some(dir) = &settings.errors_out {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
        }
    }
    Ok(Inputs {
        inputs,
        several,
        skipped,
    })
}

/// Plans (or resumes) the import of the inputs on `ctx`'s service and follows it to the end, a
/// stop (`--no-wait`, Ctrl-C, `--timeout`) or an error. The journal is kept on any stop.
pub fn run(
    settings: &Settings,
    inputs: Inputs,
    ctx: &Context,
    reporter: &dyn ImportReporter,
    cancel: &Cancel,
    started: Instant,
) -> anyhow::Result<Outcome> {
    let Inputs {
        inputs, several, ..
    } = inputs;
    report_guards(&inputs, reporter);
    // An error file the admin edited since we wrote it is kept: ours goes beside it.
    let errors_out_of = |input: &Path| {
        let wanted = plan::errors_out(input, settings.errors_out.as_deref(), several);
        let (path, kept) = owned::choose(&wanted);
        if kept {
            let why = if owned::is_symlink(&wanted) {
                "is a symbolic link; it is left alone (never written through)"
            } else {
                "was changed since bulk wrote it; it is kept"
            };
            reporter.warning(&format!(
                "{} {why}, and this import's error file is {}",
                wanted.display(),
                path.display()
            ));
        }
        path
    };
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
    let mut options = format!(
        "skip_invalid={};encoding={:?};delimiter={:?}",
        settings.skip_invalid, settings.encoding, settings.delimiter
    );
    // Another guard rule makes other chunks: another plan (the default keeps the old id).
    if settings.input.unguard != crate::input::Unguard::IfExport {
        options.push_str(&format!(";unguard={:?}", settings.input.unguard));
    }
    if inputs.iter().any(|i| i.unchanged.is_some()) {
        options.push_str(";changed_only");
    }
    let id = journal::plan_id(&target_id, &options, &fingerprints);
    let store = Store::new(crate::config::journal_dir());
    let resume_cmd = &settings.resume_command;

    for removed in store.expire(&id) {
        reporter.message(&removed);
    }
    if settings.restart {
        store.remove(&id)?;
    }
    let mut journal = match store.load(&id)? {
        Some(j) => {
            let (done, total) = count_chunks(&j);
            reporter.message(&format!(
                "resuming the import of {} ({done} of {total} chunks done)",
                names(&j)
            ));
            j
        }
        None if settings.resume => {
            return Err(Failure::usage(format!(
                "no unfinished import of {} to resume (it may have finished); run it without --resume to import again",
                settings
                    .paths
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
            // The chunks are cut while the inputs are validated (into the journal's folder,
            // which holds nothing else yet) and thrown away with it if they are not valid.
            let chunk_root = store.chunk_dir(&id);
            crate::fsutil::create_private_dir(&chunk_root)?;
            let checked = plan::check(
                inputs,
                &limits,
                settings.skip_invalid,
                &errors_out_of,
                reporter,
                Some(&chunk_root),
            );
            let checked = match checked {
                Ok(Checked::Ok(checked)) => Ok(checked),
                Ok(Checked::Invalid(invalid)) => Err(Ok(invalid)),
                Err(e) => Err(Err(e)),
            };
            match checked {
                Err(invalid) => {
                    let _ = store.remove(&id);
                    return invalid_outcome(invalid?);
                }
                Ok(checked) => {
                    let j = plan::build(
                        &id,
                        &target_id,
                        checked,
                        &limits,
                        &chunk_root,
                        &errors_out_of,
                        reporter,
                    );
                    let j = match j {
                        Ok(mut j) => {
                            j.set_sources(&fingerprints);
                            j
                        }
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
    if settings.errors_out.is_some() {
        for entry in &mut journal.inputs {
            entry.errors_out = errors_out_of(Path::new(&entry.display));
        }
    }
    writable_error_files(&mut journal, settings, &errors_out_of, reporter)?;

    let deadline = settings.timeout.map(|t| started + t);
    let stop = Runner::new(
        api,
        reporter,
        &store,
        &mut journal,
        deadline,
        settings.no_wait,
        cancel,
    )
    .run()
    .map_err(|e| {
        // The journal is kept: say how to pick the work up once the service answers again.
        e.context(format!(
            "the import is not finished; once the service answers, resume with `{resume_cmd}`"
        ))
    })?;

    lines::remember(&journal);
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
        Stop::NoWait(_) => Exit::Ok,
        Stop::Interrupted(_) => Exit::Interrupted,
        Stop::TimedOut(_) => Exit::Timeout,
    };
    let finished = stop == Stop::Finished;
    Ok(Outcome {
        imports: results.iter().map(|r| r.outcome(&stop)).collect(),
        resume: Some((!finished).then(|| resume_cmd.clone())),
        exit_code: exit.code(),
        exit,
        stop: Some(stop),
        invalid: Vec::new(),
    })
}

/// Every error file can be written before a job is submitted (issue 11: an unwritable
/// `--errors-out` was found only once the jobs had run). A path an earlier run chose that can no
/// longer be written gives way to this run's default, with a warning.
fn writable_error_files(
    journal: &mut Journal,
    settings: &Settings,
    errors_out_of: &dyn Fn(&Path) -> PathBuf,
    reporter: &dyn ImportReporter,
) -> anyhow::Result<()> {
    for entry in &mut journal.inputs {
        let Err(e) = owned::check_writable(&entry.errors_out) else {
            continue;
        };
        let refuse = |path: &Path, e: std::io::Error| -> anyhow::Error {
            Failure::usage(format!(
                "cannot write the error file {}: {e}; nothing was submitted; pass --errors-out with a folder you can write to",
                path.display()
            ))
            .into()
        };
        if settings.errors_out.is_some() {
            return Err(refuse(&entry.errors_out, e));
        }
        let fallback = errors_out_of(Path::new(&entry.display));
        if fallback == entry.errors_out {
            return Err(refuse(&entry.errors_out, e));
        }
        if let Err(e2) = owned::check_writable(&fallback) {
            return Err(refuse(&fallback, e2));
        }
        reporter.warning(&format!(
            "the error file {} chosen by an earlier run cannot be written ({e}); this run writes {}",
            entry.errors_out.display(),
            fallback.display()
        ));
        entry.errors_out = fallback;
    }
    Ok(())
}

/// Invalid input: an error CSV per input, exit 3, nothing sent.
fn invalid_outcome(invalid: Vec<plan::Invalid>) -> anyhow::Result<Outcome> {
    let mut imports = Vec::new();
    for inv in &invalid {
        plan::write_invalid(inv)?;
        let r = &inv.validation.report;
        imports.push(FileOutcome {
            file: r.file.clone(),
            object_type: r.object_type.clone(),
            rows: r.rows,
            created: 0,
            updated: 0,
            failed: r.invalid_rows,
            unchanged: 0,
            jobs: Vec::new(),
            error_file: Some(inv.errors_out.display().to_string()),
            warnings: Vec::new(),
            status: "invalid",
        });
    }
    Ok(Outcome {
        imports,
        resume: None,
        exit_code: Exit::Invalid.code(),
        exit: Exit::Invalid,
        stop: None,
        invalid,
    })
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

/// What one input came to.
struct Summary {
    file: String,
    object_type: String,
    rows: u64,
    created: u64,
    updated: u64,
    failed: u64,
    unchanged: u64,
    jobs: Vec<String>,
    error_file: Option<PathBuf>,
    warnings: Vec<Warning>,
    any_failed_job: bool,
    /// A job failed because the tenant refused the token (a `wxcc` profile): exit 6.
    auth_failed: bool,
    done: bool,
}

impl Summary {
    fn exit(&self) -> Exit {
        if self.auth_failed {
            Exit::Auth
        } else if self.any_failed_job {
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
            Exit::JobFailed | Exit::Auth => JobStatus::Failed.as_str(),
            Exit::RowErrors => JobStatus::CompletedWithErrors.as_str(),
            _ => JobStatus::Completed.as_str(),
        }
    }

    fn outcome(&self, stop: &Stop) -> FileOutcome {
        FileOutcome {
            file: self.file.clone(),
            object_type: self.object_type.clone(),
            rows: self.rows,
            created: self.created,
            updated: self.updated,
            failed: self.failed,
            unchanged: self.unchanged,
            jobs: self.jobs.clone(),
            error_file: self.error_file.as_ref().map(|p| p.display().to_string()),
            status: self.status(stop),
            warnings: self.warnings.clone(),
        }
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
        unchanged: entry.unchanged_rows,
        jobs: entry
            .chunks
            .iter()
            .filter_map(|c| c.job_id.clone())
            .collect(),
        error_file: None,
        warnings: Vec::new(),
        any_failed_job: false,
        auth_failed: false,
        done,
    };
    for c in &entry.chunks {
        s.warnings.extend(
            c.load_warnings(dir)?
                .into_iter()
                .map(|(line, message)| Warning { line, message }),
        );
        s.created += c.created;
        s.updated += c.updated;
        if c.status == Some(JobStatus::Failed) {
            s.any_failed_job = true;
            s.auth_failed |= c
                .failure_reason
                .as_deref()
                .is_some_and(crate::wxcc::limits::is_auth_failure);
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
