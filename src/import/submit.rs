//! Sending the chunks one after another and following their jobs: idempotent submission, waiting
//! out another active job, long-polling, progress, Ctrl-C and `--timeout`.

use super::reporter::ImportReporter;
use crate::api;
use crate::api::client::{ApiError, Client};
use crate::api::wait::{Cancel, Update, WaitOptions};
use crate::api::wire::{ErrorCode, Job, JobStatus};
use crate::error::{Exit, Failure};
use crate::import::journal::{ChunkEntry, ChunkState, InputEntry, Journal, Store};
use crate::output::thousands;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest long-poll of one job request.
const LONG_POLL: Duration = Duration::from_secs(30);

/// Why the submission loop stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stop {
    /// Every chunk is done.
    Finished,
    /// `--no-wait`: a job was submitted (or is running) and we return without waiting.
    NoWait(Option<String>),
    /// Ctrl-C; the job in flight, if any, continues.
    Interrupted(Option<String>),
    /// `--timeout` passed while waiting for this job.
    TimedOut(Option<String>),
}

/// An API error, as a failure with the right exit code.
pub fn api_failure(e: ApiError, doing: String) -> anyhow::Error {
    match e {
        ApiError::Unauthorized { .. } => Failure::new(Exit::Auth, format!("{doing}: {e}")).into(),
        other => anyhow::Error::new(other).context(doing),
    }
}

/// Follows the journal's chunks to the end (or to a stop).
pub struct Runner<'a> {
    pub api: &'a Client,
    pub reporter: &'a dyn ImportReporter,
    pub store: &'a Store,
    pub journal: &'a mut Journal,
    pub deadline: Option<Instant>,
    pub cancel: &'a Cancel,
    pub no_wait: bool,
    /// Jobs this run created (submitted and answered `new`): their failure is this run's.
    fresh: HashSet<String>,
    /// Chunks given a new key in this run (at most once each).
    renewed: HashSet<(usize, usize)>,
}

impl<'a> Runner<'a> {
    pub fn new(
        api: &'a Client,
        reporter: &'a dyn ImportReporter,
        store: &'a Store,
        journal: &'a mut Journal,
        deadline: Option<Instant>,
        no_wait: bool,
        cancel: &'a Cancel,
    ) -> Self {
        cancel.arm();
        Runner {
            api,
            reporter,
            store,
            journal,
            deadline,
            cancel,
            no_wait,
            fresh: HashSet::new(),
            renewed: HashSet::new(),
        }
    }

    /// Gives chunk `c` of input `i` a new Idempotency-Key and sends it again, because its job
    /// failed on the service (its disk was full, it crashed) before this run: the old key
    /// would only return that failed job forever (issue 11). Saved before anything is sent.
    fn renew(
        &mut self,
        i: usize,
        c: usize,
        job_id: &str,
        reason: Option<&str>,
    ) -> anyhow::Result<()> {
        let label = self.label(i, c);
        let journal_id = self.journal.id.clone();
        let ch = &mut self.journal.inputs[i].chunks[c];
        ch.key = format!(
            "bulk-{}-again-{}",
            &journal_id[..16.min(journal_id.len())],
            uuid::Uuid::new_v4().simple()
        );
        ch.state = ChunkState::Pending;
        ch.job_id = None;
        ch.status = None;
        ch.created = 0;
        ch.updated = 0;
        ch.failed = 0;
        ch.failure_reason = None;
        ch.errors_file = None;
        ch.warnings = Vec::new();
        ch.warnings_file = None;
        self.renewed.insert((i, c));
        self.save()?;
        self.info(format!(
            "{label}: job {job_id} failed on the service ({}); sending the chunk again as a new job",
            reason.unwrap_or("no reason given")
        ));
        Ok(())
    }

    /// Chunks whose job failed in an earlier run are sent again (see [`Runner::renew`]).
    fn renew_failed(&mut self) -> anyhow::Result<()> {
        for i in 0..self.journal.inputs.len() {
            for c in 0..self.journal.inputs[i].chunks.len() {
                let ch = &self.journal.inputs[i].chunks[c];
                if ch.state == ChunkState::Done && ch.status == Some(JobStatus::Failed) {
                    let job = ch.job_id.clone().unwrap_or_default();
                    let reason = ch.failure_reason.clone();
                    self.renew(i, c, &job, reason.as_deref())?;
                }
            }
        }
        Ok(())
    }

    fn save(&self) -> anyhow::Result<()> {
        self.store.save(self.journal)
    }

    fn info(&self, msg: String) {
        self.reporter.message(&msg);
    }

    /// Runs every input's chunks in order.
    pub fn run(&mut self) -> anyhow::Result<Stop> {
        self.renew_failed()?;
        for i in 0..self.journal.inputs.len() {
            {
                let e = &self.journal.inputs[i];
                let done: u64 = e
                    .chunks
                    .iter()
                    .filter(|c| c.state == ChunkState::Done)
                    .map(|c| c.rows)
                    .sum();
                self.reporter
                    .file_started(&e.display, e.rows, done + e.dropped_rows);
            }
            for c in 0..self.journal.inputs[i].chunks.len() {
                let stop = self.chunk(i, c)?;
                if stop != Stop::Finished {
                    self.reporter.stopped();
                    return Ok(stop);
                }
            }
            self.reporter.file_done();
        }
        Ok(Stop::Finished)
    }

    fn label(&self, i: usize, c: usize) -> String {
        let e = &self.journal.inputs[i];
        format!("{}: chunk {}/{}", e.display, c + 1, e.chunks.len())
    }

    /// Brings one chunk to `Done`, unless told to stop.
    fn chunk(&mut self, i: usize, c: usize) -> anyhow::Result<Stop> {
        loop {
            let chunk = &self.journal.inputs[i].chunks[c];
            match chunk.state {
                ChunkState::Done => return Ok(Stop::Finished),
                ChunkState::Pending => {
                    if let Some(stop) = self.check_stop(None) {
                        return Ok(stop);
                    }
                    match self.submit(i, c)? {
                        Ok(job) => {
                            if let Some(stop) = self.submitted(i, c, job)? {
                                return Ok(stop);
                            }
                        }
                        Err(stop) => return Ok(stop),
                    }
                }
                ChunkState::Submitted => {
                    let id = chunk.job_id.clone().unwrap_or_default();
                    let mut queued = None;
                    let outcome = if self.no_wait {
                        match self.api.job(&id, None) {
                            Ok(j) if j.status.is_active() => return Ok(Stop::NoWait(Some(id))),
                            Ok(j) => Waited::Done(j),
                            Err(e) if e.is(ErrorCode::JobNotFound) => Waited::Gone,
                            Err(e) => {
                                return Err(api_failure(e, format!("cannot follow job {id}")))
                            }
                        }
                    } else {
                        queued = self.queue_next(i, c, &id);
                        self.wait(&id, Some((i, c)))?
                    };
                    match outcome {
                        Waited::Done(job)
                            if job.status == JobStatus::Failed
                                && !self.fresh.contains(&job.id)
                                && !self.renewed.contains(&(i, c)) =>
                        {
                            self.renew(i, c, &job.id, job.failure_reason.as_deref())?;
                        }
                        Waited::Done(job) => {
                            // The service runs one job at a time: the next chunk, queued
                            // behind this job, became a job as it ended, or goes out now,
                            // before this one's results are fetched and saved (issue 15). A
                            // crash in between leaves this chunk submitted and the next one
                            // pending, whose key finds the job again.
                            let next = match queued.take().and_then(Queued::answer) {
                                Some(next) => Some(next),
                                None => self.send_early(i, c + 1),
                            };
                            self.finish(i, c, &job)?;
                            if let Some(next) = next {
                                if let Some(stop) = self.submitted(i, c + 1, next)? {
                                    return Ok(stop);
                                }
                            }
                        }
                        Waited::Stopped(stop) => return Ok(stop),
                        Waited::Gone => {
                            // The service lost the job (a reset sandbox): send the chunk again.
                            let ch = &mut self.journal.inputs[i].chunks[c];
                            ch.state = ChunkState::Pending;
                            ch.job_id = None;
                            self.save()?;
                        }
                    }
                }
            }
        }
    }

    /// Records the job that chunk `c` of input `i` was submitted as; `Some` when the run stops
    /// here (`--no-wait`).
    fn submitted(&mut self, i: usize, c: usize, job: Job) -> anyhow::Result<Option<Stop>> {
        // The key returned a job that had failed before this run.
        if job.status == JobStatus::Failed && !self.renewed.contains(&(i, c)) {
            self.renew(i, c, &job.id, job.failure_reason.as_deref())?;
            return Ok(None);
        }
        if job.status == JobStatus::New {
            self.fresh.insert(job.id.clone());
        }
        let label = self.label(i, c);
        self.info(format!("{label}: submitted as job {}", job.id));
        let ch = &mut self.journal.inputs[i].chunks[c];
        ch.job_id = Some(job.id.clone());
        ch.state = ChunkState::Submitted;
        self.save()?;
        Ok(self.no_wait.then_some(Stop::NoWait(Some(job.id))))
    }

    /// Sends chunk `c` of input `i` once, if it is pending and nothing says stop, without
    /// recording it: the caller does once the previous chunk is recorded. Anything but a
    /// created (or found) job leaves the chunk pending for [`Runner::submit`], which waits out
    /// another active job and reports errors.
    fn send_early(&self, i: usize, c: usize) -> Option<Job> {
        let (e, chunk) = self.sendable_ahead(i, c)?;
        let body = std::fs::read(self.chunk_path(i, c)).ok()?;
        self.api
            .import(&e.object_type, &chunk.file, &body, &chunk.key, None)
            .ok()
    }

    /// Sends chunk `c + 1` of input `i`, on a thread of its own, to queue behind job `id` of
    /// chunk `c` while it runs: the service holds the upload and makes it the next job the
    /// moment `id` ends, so no upload sits between the two jobs. Only behind a job this run
    /// created, only for a pending chunk, never with `--no-wait`. Resent while the service
    /// answers that `id` is still active after holding it (a job longer than the hold); any
    /// other answer leaves the chunk to [`Runner::send_early`].
    fn queue_next(&self, i: usize, c: usize, id: &str) -> Option<Queued> {
        if !self.fresh.contains(id) {
            return None;
        }
        let (e, chunk) = self.sendable_ahead(i, c + 1)?;
        let path = self.chunk_path(i, c + 1);
        let (api, object_type, file, key, after) = (
            self.api.clone(),
            e.object_type.clone(),
            chunk.file.clone(),
            chunk.key.clone(),
            id.to_string(),
        );
        let (tx, answer) = std::sync::mpsc::channel();
        let abandoned = Arc::new(AtomicBool::new(false));
        let gone = abandoned.clone();
        let send = move || {
            let job = (|| {
                let body = std::fs::read(path).ok()?;
                loop {
                    let held = Instant::now();
                    match api.import(&object_type, &file, &body, &key, Some(&after)) {
                        Ok(job) => return Some(job),
                        // Held the whole time and `after` still runs: queue again. An answer
                        // that came at once (a service that does not hold uploads) is final.
                        Err(err)
                            if err.is(ErrorCode::JobActive)
                                && err.details().and_then(|d| d["job_id"].as_str())
                                    == Some(after.as_str())
                                && held.elapsed() >= MIN_HOLD
                                && !gone.load(Ordering::Relaxed) => {}
                        Err(_) => return None,
                    }
                }
            })();
            let _ = tx.send(job);
        };
        std::thread::Builder::new()
            .name("bulk-queue-next".into())
            .spawn(send)
            .ok()?;
        Some(Queued { answer, abandoned })
    }

    /// Chunk `c` of input `i`, if it may be sent ahead of its turn: it exists, is pending, and
    /// neither `--no-wait` nor a stop says otherwise.
    fn sendable_ahead(&self, i: usize, c: usize) -> Option<(&InputEntry, &ChunkEntry)> {
        let e = self.journal.inputs.get(i)?;
        let chunk = e.chunks.get(c)?;
        (!self.no_wait && chunk.state == ChunkState::Pending && self.check_stop(None).is_none())
            .then_some((e, chunk))
    }

    /// Where chunk `c` of input `i` is kept.
    fn chunk_path(&self, i: usize, c: usize) -> std::path::PathBuf {
        let e = &self.journal.inputs[i];
        self.store
            .chunk_dir(&self.journal.id)
            .join(&e.dir)
            .join(&e.chunks[c].file)
    }

    /// Submits a chunk with its key; on `job_active` waits for the active job and tries again.
    fn submit(&mut self, i: usize, c: usize) -> anyhow::Result<Result<Job, Stop>> {
        let path = self.chunk_path(i, c);
        let e = &self.journal.inputs[i];
        let chunk = &e.chunks[c];
        let body = std::fs::read(&path).map_err(|err| {
            anyhow::anyhow!(
                "cannot read chunk {}: {err}; run the import again with --restart",
                path.display()
            )
        })?;
        let (object_type, file, key) =
            (e.object_type.clone(), chunk.file.clone(), chunk.key.clone());
        loop {
            match self.api.import(&object_type, &file, &body, &key, None) {
                Ok(job) => return Ok(Ok(job)),
                Err(err) if err.is(ErrorCode::JobActive) => {
                    let other = err
                        .details()
                        .and_then(|d| d["job_id"].as_str())
                        .unwrap_or_default()
                        .to_string();
                    if self.no_wait {
                        self.info(format!(
                            "{}: job {other} is still running on the service; nothing more submitted",
                            self.label(i, c)
                        ));
                        return Ok(Err(Stop::NoWait(None)));
                    }
                    self.reporter.waiting_for_job(&self.label(i, c), &other);
                    if other.is_empty() {
                        std::thread::sleep(Duration::from_secs(1));
                    } else if let Waited::Stopped(stop) = self.wait(&other, None)? {
                        return Ok(Err(stop));
                    }
                    if let Some(stop) = self.check_stop(None) {
                        return Ok(Err(stop));
                    }
                }
                Err(err) => {
                    return Err(api_failure(
                        err,
                        format!("cannot submit {} ({})", file, self.label(i, c)),
                    ))
                }
            }
        }
    }

    /// Ctrl-C or `--timeout`, if either happened.
    fn check_stop(&self, job: Option<&str>) -> Option<Stop> {
        if self.cancel.is_cancelled() {
            return Some(Stop::Interrupted(job.map(str::to_string)));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Some(Stop::TimedOut(job.map(str::to_string)));
        }
        None
    }

    /// Long-polls job `id` until it is no longer active. `own` names our chunk, for progress.
    fn wait(&mut self, id: &str, own: Option<(usize, usize)>) -> anyhow::Result<Waited> {
        if let Some((i, c)) = own {
            let rows = self.journal.inputs[i].chunks[c].rows;
            self.reporter.chunk_started(
                &format!(
                    "chunk {}/{} ({id})",
                    c + 1,
                    self.journal.inputs[i].chunks.len()
                ),
                rows,
            );
        }
        let opts = WaitOptions {
            poll: LONG_POLL,
            deadline: self.deadline,
            cancel: Some(self.cancel),
        };
        let mut last: Option<Job> = None;
        let waited = api::wait::wait(self.api, id, &opts, |update| match update {
            Update::Job(job) => {
                if let Some((i, c)) = own {
                    let before: u64 = self.done_rows(i, c);
                    self.reporter
                        .rows_progressed(before + job.rows_processed, job.rows_processed);
                }
                last = Some(job.clone());
                self.heartbeat(own, last.as_ref());
            }
            Update::Tick => self.heartbeat(own, last.as_ref()),
        });
        match waited {
            Ok(api::wait::Waited::Done(job)) => {
                self.reporter.chunk_done();
                Ok(Waited::Done(job))
            }
            Ok(api::wait::Waited::Gone(_)) => Ok(Waited::Gone),
            Ok(api::wait::Waited::Cancelled(_)) => {
                Ok(Waited::Stopped(Stop::Interrupted(Some(id.to_string()))))
            }
            Ok(api::wait::Waited::TimedOut(_)) => {
                Ok(Waited::Stopped(Stop::TimedOut(Some(id.to_string()))))
            }
            Err(e) => Err(api_failure(e, format!("cannot follow job {id}"))),
        }
    }

    /// Rows of the input already accounted for before chunk `c` (done chunks and dropped rows).
    fn done_rows(&self, i: usize, c: usize) -> u64 {
        let e = &self.journal.inputs[i];
        e.dropped_rows
            + e.chunks
                .iter()
                .enumerate()
                .filter(|(k, ch)| *k != c && ch.state == ChunkState::Done)
                .map(|(_, ch)| ch.rows)
                .sum::<u64>()
    }

    /// Where a wait stands, for the reporter's heartbeat (a long wait is never silent).
    fn heartbeat(&self, own: Option<(usize, usize)>, job: Option<&Job>) {
        self.reporter.heartbeat(&|| self.where_we_are(own, job));
    }

    fn where_we_are(&self, own: Option<(usize, usize)>, job: Option<&Job>) -> String {
        match (own, job) {
            (Some((i, c)), job) => {
                let e = &self.journal.inputs[i];
                let processed = self.done_rows(i, c) + job.map_or(0, |j| j.rows_processed);
                format!(
                    "{}, {} of {} rows processed",
                    self.label(i, c),
                    thousands(processed.min(e.rows)),
                    thousands(e.rows)
                )
            }
            (None, Some(j)) => crate::output::progress::job_wait_line(j, None),
            (None, None) => "still waiting for the active job".to_string(),
        }
    }

    /// Records a finished job and downloads its error CSV.
    fn finish(&mut self, i: usize, c: usize, job: &Job) -> anyhow::Result<()> {
        let errors = if job.has_errors_file {
            match self.api.errors(&job.id) {
                Ok(Some(bytes)) => {
                    let e = &self.journal.inputs[i];
                    let name = format!("{}.errors.csv", e.chunks[c].file);
                    let path = self
                        .store
                        .chunk_dir(&self.journal.id)
                        .join(&e.dir)
                        .join(&name);
                    crate::fsutil::write_private(&path, &bytes)?;
                    Some(name)
                }
                Ok(None) => None,
                Err(e) => {
                    return Err(api_failure(
                        e,
                        format!("cannot download the errors of job {}", job.id),
                    ))
                }
            }
        } else {
            None
        };
        let warnings = if job.rows_warned > 0 {
            self.api.warnings(&job.id).map_err(|e| {
                api_failure(e, format!("cannot download the warnings of job {}", job.id))
            })?
        } else {
            Vec::new()
        };
        let label = self.label(i, c);
        let display = self.journal.inputs[i].display.clone();
        let dir = self
            .store
            .chunk_dir(&self.journal.id)
            .join(&self.journal.inputs[i].dir);
        let ch = &mut self.journal.inputs[i].chunks[c];
        ch.warnings = warnings
            .into_iter()
            .map(|w| (ch.input_line(w.line).unwrap_or(w.line), w.message))
            .collect();
        ch.warnings_file = None;
        if !ch.warnings.is_empty() {
            let name = format!("{}.warnings.json", ch.file);
            crate::fsutil::write_private(&dir.join(&name), &serde_json::to_vec(&ch.warnings)?)?;
            ch.warnings_file = Some(name);
        }
        let warned = ch.warnings.clone();
        ch.state = ChunkState::Done;
        ch.status = Some(job.status);
        ch.created = job.objects_created;
        ch.updated = job.objects_updated;
        ch.failed = job.rows_failed;
        ch.failure_reason = job.failure_reason.clone();
        ch.errors_file = errors;
        let msg = match &job.failure_reason {
            Some(r) if job.status == JobStatus::Failed => {
                format!("{label}: job {} failed: {r}", job.id)
            }
            _ => format!(
                "{label}: job {} {}: {} created, {} updated, {} failed",
                job.id,
                job.status.as_str().replace('_', " "),
                thousands(job.objects_created),
                thousands(job.objects_updated),
                thousands(job.rows_failed)
            ),
        };
        self.save()?;
        self.info(msg);
        self.show_warnings(&display, &warned);
        Ok(())
    }

    /// A job's row warnings, the first few with their input lines (all are in `--json`); not
    /// with `--quiet`, whose one line says where the error file is: these rows were imported.
    fn show_warnings(&self, display: &str, warned: &[(u64, String)]) {
        const SHOWN: usize = 3;
        for (line, message) in warned.iter().take(SHOWN) {
            self.reporter
                .message(&format!("warning: {display}:{line}: {message}"));
        }
        if warned.len() > SHOWN {
            self.reporter.message(&format!(
                "warning: {display}: {} more rows with warnings (`--json` lists every one)",
                thousands((warned.len() - SHOWN) as u64)
            ));
        }
    }
}

/// A held `job_active` answer shorter than this did not come from a service that holds
/// uploads behind `after` (it holds them up to a minute).
const MIN_HOLD: Duration = Duration::from_secs(1);

/// The next chunk, on its way to queue behind the running job ([`Runner::queue_next`]).
struct Queued {
    answer: std::sync::mpsc::Receiver<Option<Job>>,
    /// Set when the run stops following the job: the thread does not send the chunk again.
    /// A request in flight ends with the process, and the service drops an upload whose
    /// request went away; one that became a job in that instant is found by its key when the
    /// import is run again.
    abandoned: Arc<AtomicBool>,
}

impl Queued {
    /// The job the chunk became, once the job it queued behind has ended; `None` when the
    /// service did not take it.
    fn answer(self) -> Option<Job> {
        self.answer.recv().ok().flatten()
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        self.abandoned.store(true, Ordering::Relaxed);
    }
}

/// How a wait for a job ended.
enum Waited {
    Done(Job),
    Stopped(Stop),
    /// The service does not know the job.
    Gone,
}
