//! Sending the chunks one after another and following their jobs: idempotent submission, waiting
//! out another active job, long-polling, progress, Ctrl-C and `--timeout`.

use super::super::validate::thousands;
use crate::api::client::{ApiError, Client};
use crate::api::wire::Job;
use crate::error::{Exit, Failure};
use crate::journal::{ChunkState, Journal, Store};
use crate::output::Printer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Longest long-poll of one job request, in seconds.
const LONG_POLL_SECS: u64 = 30;
/// Most time between two heartbeat lines when stderr is not a terminal.
const HEARTBEAT: Duration = Duration::from_secs(30);

/// Why the submission loop stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stop {
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
pub(super) fn api_failure(e: ApiError, doing: String) -> anyhow::Error {
    match e {
        ApiError::Unauthorized { .. } => Failure::new(Exit::Auth, format!("{doing}: {e}")).into(),
        other => anyhow::Error::new(other).context(doing),
    }
}

/// The flag set by the first Ctrl-C; the second one exits at once.
pub(super) fn interrupt_flag() -> &'static AtomicBool {
    static FLAG: AtomicBool = AtomicBool::new(false);
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let (ready_tx, ready_rx) = mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("ctrl-c".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    let _ = ready_tx.send(());
                    return;
                };
                rt.block_on(async move {
                    #[cfg(unix)]
                    {
                        use tokio::signal::unix::{signal, SignalKind};
                        // Registered before we say ready, so no early Ctrl-C is lost.
                        let Ok(mut sigint) = signal(SignalKind::interrupt()) else {
                            let _ = ready_tx.send(());
                            return;
                        };
                        let _ = ready_tx.send(());
                        sigint.recv().await;
                        FLAG.store(true, Ordering::SeqCst);
                        sigint.recv().await;
                    }
                    #[cfg(not(unix))]
                    {
                        let _ = ready_tx.send(());
                        let _ = tokio::signal::ctrl_c().await;
                        FLAG.store(true, Ordering::SeqCst);
                        let _ = tokio::signal::ctrl_c().await;
                    }
                    std::process::exit(i32::from(Exit::Interrupted.code()));
                });
            });
        if spawned.is_ok() {
            let _ = ready_rx.recv_timeout(Duration::from_secs(2));
        }
    });
    &FLAG
}

/// Follows the journal's chunks to the end (or to a stop).
pub(super) struct Runner<'a> {
    pub api: &'a Client,
    pub printer: &'a Printer,
    pub store: &'a Store,
    pub journal: &'a mut Journal,
    pub deadline: Option<Instant>,
    pub interrupted: &'static AtomicBool,
    pub no_wait: bool,
    pub bars: Option<Bars>,
    last_beat: Instant,
}

impl<'a> Runner<'a> {
    pub fn new(
        api: &'a Client,
        printer: &'a Printer,
        store: &'a Store,
        journal: &'a mut Journal,
        deadline: Option<Instant>,
        no_wait: bool,
    ) -> Self {
        let bars = (printer.stderr_is_tty() && !printer.quiet && !printer.json).then(Bars::new);
        Runner {
            api,
            printer,
            store,
            journal,
            deadline,
            interrupted: interrupt_flag(),
            no_wait,
            bars,
            last_beat: Instant::now(),
        }
    }

    fn save(&self) -> anyhow::Result<()> {
        self.store.save(self.journal)
    }

    fn info(&self, msg: String) {
        match &self.bars {
            Some(b) => b.multi.suspend(|| self.printer.info(msg)),
            None => self.printer.info(msg),
        }
    }

    /// Runs every input's chunks in order.
    pub fn run(&mut self) -> anyhow::Result<Stop> {
        for i in 0..self.journal.inputs.len() {
            if let Some(b) = &mut self.bars {
                let e = &self.journal.inputs[i];
                let done: u64 = e
                    .chunks
                    .iter()
                    .filter(|c| c.state == ChunkState::Done)
                    .map(|c| c.rows)
                    .sum();
                b.start_file(&e.display, e.rows, done + e.dropped_rows);
            }
            for c in 0..self.journal.inputs[i].chunks.len() {
                let stop = self.chunk(i, c)?;
                if stop != Stop::Finished {
                    if let Some(b) = &self.bars {
                        b.clear();
                    }
                    return Ok(stop);
                }
            }
            if let Some(b) = &mut self.bars {
                b.finish_file();
            }
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
                            let label = self.label(i, c);
                            self.info(format!("{label}: submitted as job {}", job.id));
                            let ch = &mut self.journal.inputs[i].chunks[c];
                            ch.job_id = Some(job.id.clone());
                            ch.state = ChunkState::Submitted;
                            self.save()?;
                            if self.no_wait {
                                return Ok(Stop::NoWait(Some(job.id)));
                            }
                        }
                        Err(stop) => return Ok(stop),
                    }
                }
                ChunkState::Submitted => {
                    let id = chunk.job_id.clone().unwrap_or_default();
                    let outcome = if self.no_wait {
                        match self.api.job(&id, None) {
                            Ok(j) if j.status.is_active() => return Ok(Stop::NoWait(Some(id))),
                            Ok(j) => Waited::Done(j),
                            Err(e) if e.code() == Some("job_not_found") => Waited::Gone,
                            Err(e) => {
                                return Err(api_failure(e, format!("cannot follow job {id}")))
                            }
                        }
                    } else {
                        self.wait(&id, Some((i, c)))?
                    };
                    match outcome {
                        Waited::Done(job) => self.finish(i, c, &job)?,
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

    /// Submits a chunk with its key; on `job_active` waits for the active job and tries again.
    fn submit(&mut self, i: usize, c: usize) -> anyhow::Result<Result<Job, Stop>> {
        let e = &self.journal.inputs[i];
        let chunk = &e.chunks[c];
        let path = self
            .store
            .chunk_dir(&self.journal.id)
            .join(&e.dir)
            .join(&chunk.file);
        let body = std::fs::read(&path).map_err(|err| {
            anyhow::anyhow!(
                "cannot read chunk {}: {err}; run the import again with --restart",
                path.display()
            )
        })?;
        let (object_type, file, key) =
            (e.object_type.clone(), chunk.file.clone(), chunk.key.clone());
        loop {
            match self.api.import(&object_type, &file, &body, &key) {
                Ok(job) => return Ok(Ok(job)),
                Err(err) if err.code() == Some("job_active") => {
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
                    self.info(format!(
                        "{}: waiting for job {other} to finish (only one job may run at a time)",
                        self.label(i, c)
                    ));
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
        if self.interrupted.load(Ordering::SeqCst) {
            return Some(Stop::Interrupted(job.map(str::to_string)));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Some(Stop::TimedOut(job.map(str::to_string)));
        }
        None
    }

    /// Long-polls job `id` until it is no longer active. `own` names our chunk, for progress.
    fn wait(&mut self, id: &str, own: Option<(usize, usize)>) -> anyhow::Result<Waited> {
        if let (Some(b), Some((i, c))) = (&mut self.bars, own) {
            let rows = self.journal.inputs[i].chunks[c].rows;
            b.start_chunk(
                &format!(
                    "chunk {}/{} ({id})",
                    c + 1,
                    self.journal.inputs[i].chunks.len()
                ),
                rows,
            );
        }
        let mut last: Option<Job> = None;
        loop {
            let wait = match self.deadline {
                Some(d) => d
                    .saturating_duration_since(Instant::now())
                    .as_secs()
                    .clamp(1, LONG_POLL_SECS),
                None => LONG_POLL_SECS,
            };
            let (tx, rx) = mpsc::channel();
            let api = self.api.clone();
            let job_id = id.to_string();
            std::thread::spawn(move || {
                let _ = tx.send(api.job(&job_id, Some(wait)));
            });
            let answer = loop {
                match rx.recv_timeout(Duration::from_millis(200)) {
                    Ok(a) => break a,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        if let Some(stop) = self.check_stop(Some(id)) {
                            return Ok(Waited::Stopped(stop));
                        }
                        self.heartbeat(own, last.as_ref());
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        anyhow::bail!("the request for job {id} was lost")
                    }
                }
            };
            let job = match answer {
                Ok(j) => j,
                Err(e) if e.code() == Some("job_not_found") => return Ok(Waited::Gone),
                Err(e) => return Err(api_failure(e, format!("cannot follow job {id}"))),
            };
            if let (Some(b), Some((i, c))) = (&self.bars, own) {
                let before: u64 = self.done_rows(i, c);
                b.progress(before + job.rows_processed, job.rows_processed);
            }
            let active = job.status.is_active();
            last = Some(job);
            self.heartbeat(own, last.as_ref());
            if !active {
                if let Some(b) = &mut self.bars {
                    b.finish_chunk();
                }
                return Ok(Waited::Done(last.expect("just set")));
            }
            if let Some(stop) = self.check_stop(Some(id)) {
                return Ok(Waited::Stopped(stop));
            }
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

    /// A line every `HEARTBEAT` when stderr is not a terminal, so a long wait is never silent.
    fn heartbeat(&mut self, own: Option<(usize, usize)>, job: Option<&Job>) {
        if self.bars.is_some() || self.last_beat.elapsed() < HEARTBEAT {
            return;
        }
        self.last_beat = Instant::now();
        let msg = match (own, job) {
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
            (None, Some(j)) => format!(
                "still waiting for job {} ({} of {} rows processed)",
                j.id,
                thousands(j.rows_processed),
                thousands(j.rows_total)
            ),
            (None, None) => "still waiting for the active job".to_string(),
        };
        self.printer.info(msg);
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
                    std::fs::write(&path, bytes)
                        .map_err(|err| anyhow::anyhow!("cannot write {}: {err}", path.display()))?;
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
        let label = self.label(i, c);
        let ch = &mut self.journal.inputs[i].chunks[c];
        ch.state = ChunkState::Done;
        ch.status = Some(job.status.as_str().to_string());
        ch.created = job.objects_created;
        ch.updated = job.objects_updated;
        ch.failed = job.rows_failed;
        ch.failure_reason = job.failure_reason.clone();
        ch.errors_file = errors;
        let msg = match &job.failure_reason {
            Some(r) if job.status.as_str() == "failed" => {
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
        Ok(())
    }
}

/// How a wait for a job ended.
enum Waited {
    Done(Job),
    Stopped(Stop),
    /// The service does not know the job.
    Gone,
}

/// Progress bars on a terminal: one for the file in rows, one for the running chunk.
pub(super) struct Bars {
    multi: indicatif::MultiProgress,
    file: Option<indicatif::ProgressBar>,
    chunk: Option<indicatif::ProgressBar>,
}

impl Bars {
    fn new() -> Self {
        Bars {
            multi: indicatif::MultiProgress::with_draw_target(
                indicatif::ProgressDrawTarget::stderr(),
            ),
            file: None,
            chunk: None,
        }
    }

    fn style(template: &str) -> indicatif::ProgressStyle {
        indicatif::ProgressStyle::with_template(template)
            .expect("valid template")
            .progress_chars("=> ")
    }

    fn start_file(&mut self, name: &str, rows: u64, done: u64) {
        let bar = self.multi.add(indicatif::ProgressBar::new(rows));
        bar.set_style(Self::style(
            "{msg:30!} [{bar:30}] {human_pos}/{human_len} rows ({eta})",
        ));
        bar.set_message(name.to_string());
        bar.set_position(done);
        self.file = Some(bar);
    }

    fn start_chunk(&mut self, name: &str, rows: u64) {
        if let Some(old) = self.chunk.take() {
            old.finish_and_clear();
        }
        let bar = self.multi.add(indicatif::ProgressBar::new(rows));
        bar.set_style(Self::style(
            "  {msg:28!} [{bar:30}] {human_pos}/{human_len}",
        ));
        bar.set_message(name.to_string());
        self.chunk = Some(bar);
    }

    fn progress(&self, file_rows: u64, chunk_rows: u64) {
        if let Some(b) = &self.file {
            b.set_position(file_rows);
        }
        if let Some(b) = &self.chunk {
            b.set_position(chunk_rows);
        }
    }

    fn finish_chunk(&mut self) {
        if let Some(b) = self.chunk.take() {
            b.finish_and_clear();
        }
    }

    fn finish_file(&mut self) {
        self.finish_chunk();
        if let Some(b) = self.file.take() {
            b.finish_and_clear();
        }
    }

    fn clear(&self) {
        if let Some(b) = &self.chunk {
            b.finish_and_clear();
        }
        if let Some(b) = &self.file {
            b.finish_and_clear();
        }
    }
}
