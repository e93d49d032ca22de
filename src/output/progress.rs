//! The import's events drawn for a person: indicatif bars on a terminal, heartbeat lines
//! (at most one every 30 s) otherwise. Whether bars are drawn is `Printer::shows_progress`.

use super::{Printer, Progress};
use crate::api::wire::Job;
use crate::import::reporter::ImportReporter;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Most time between two heartbeat lines of an import when stderr is not a terminal.
const HEARTBEAT: Duration = Duration::from_secs(30);

/// When a long wait's next heartbeat line is due: the one rule for the import's waits and
/// `jobs wait`/`export` (a long wait is never silent when stderr is not a terminal).
#[derive(Debug)]
pub struct Heartbeat {
    every: Duration,
    last: Mutex<Option<Instant>>,
}

impl Heartbeat {
    /// A heartbeat whose first line is due `every` from now.
    pub fn after(every: Duration) -> Self {
        Heartbeat {
            every,
            last: Mutex::new(Some(Instant::now())),
        }
    }

    /// A heartbeat whose first line is due at once, then every `every`.
    pub fn at_once(every: Duration) -> Self {
        Heartbeat {
            every,
            last: Mutex::new(None),
        }
    }

    /// Whether a line is due now; when it is, the next one is due `every` later.
    pub fn due(&self) -> bool {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if last.is_some_and(|t| t.elapsed() < self.every) {
            return false;
        }
        *last = Some(Instant::now());
        true
    }
}

/// The one wording of a heartbeat about a job: `waiting for job ID: in_progress, 120/500 rows`,
/// and how long the wait has lasted when the caller knows it.
pub fn job_wait_line(job: &Job, waited: Option<Duration>) -> String {
    let mut line = format!(
        "waiting for job {}: {}, {}/{} rows",
        job.id,
        job.status.as_str(),
        job.rows_processed,
        job.rows_total
    );
    if let Some(d) = waited {
        line.push_str(&format!(", {} elapsed", duration(d)));
    }
    line
}

/// `95s` -> `1m35s`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// The CLI's [`ImportReporter`].
pub struct ImportProgress {
    printer: Printer,
    bars: Option<Mutex<Bars>>,
    reading: Mutex<Option<Progress>>,
    heartbeat: Heartbeat,
}

impl ImportProgress {
    pub fn new(printer: &Printer) -> Self {
        ImportProgress {
            printer: printer.clone(),
            bars: printer.shows_progress().then(|| Mutex::new(Bars::new())),
            reading: Mutex::new(None),
            heartbeat: Heartbeat::after(HEARTBEAT),
        }
    }

    fn with_bars(&self, f: impl FnOnce(&mut Bars)) {
        if let Some(b) = &self.bars {
            f(&mut b.lock().unwrap_or_else(|p| p.into_inner()));
        }
    }

    /// Prints a line without tearing the bars.
    fn say(&self, f: impl FnOnce(&Printer)) {
        match &self.bars {
            Some(b) => {
                let b = b.lock().unwrap_or_else(|p| p.into_inner());
                b.multi.suspend(|| f(&self.printer));
            }
            None => f(&self.printer),
        }
    }
}

impl ImportReporter for ImportProgress {
    fn message(&self, msg: &str) {
        self.say(|p| p.info(msg));
    }

    fn warning(&self, msg: &str) {
        self.say(|p| p.warn(msg));
    }

    fn problem(&self, msg: &str) {
        self.say(|p| p.problem(msg));
    }

    fn reading_started(&self, what: &str, bytes: u64) {
        *self.reading.lock().unwrap_or_else(|p| p.into_inner()) =
            Some(Progress::bytes(&self.printer, what, bytes));
    }

    fn reading_progressed(&self, done: u64) {
        if let Some(p) = &*self.reading.lock().unwrap_or_else(|p| p.into_inner()) {
            p.set(done);
        }
    }

    fn reading_done(&self) {
        if let Some(p) = self
            .reading
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
        {
            p.finish();
        }
    }

    fn file_started(&self, name: &str, rows: u64, done: u64) {
        self.with_bars(|b| b.start_file(name, rows, done));
    }

    fn chunk_started(&self, name: &str, rows: u64) {
        self.with_bars(|b| b.start_chunk(name, rows));
    }

    fn rows_progressed(&self, file_rows: u64, chunk_rows: u64) {
        self.with_bars(|b| b.progress(file_rows, chunk_rows));
    }

    fn chunk_done(&self) {
        self.with_bars(|b| b.finish_chunk());
    }

    fn file_done(&self) {
        self.with_bars(|b| b.finish_file());
    }

    fn stopped(&self) {
        self.with_bars(|b| b.clear());
    }

    fn waiting_for_job(&self, label: &str, job: &str) {
        self.message(&format!(
            "{label}: waiting for job {job} to finish (only one job may run at a time)"
        ));
    }

    fn heartbeat(&self, line: &dyn Fn() -> String) {
        if self.bars.is_none() && self.heartbeat.due() {
            self.printer.info(line());
        }
    }
}

/// Progress bars on a terminal: one for the file in rows, one for the running chunk.
struct Bars {
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
            "{msg:30!} [{bar:30}] {human_pos}/{human_len} rows (about {eta} left)",
        ));
        bar.set_message(super::label(name));
        bar.set_position(done);
        // Rows done before a resume took no time now: the rate starts from here.
        bar.reset_eta();
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
        bar.set_message(super::label(name));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_is_due_at_once_or_after_its_interval_then_not_before_the_next() {
        let now = Heartbeat::at_once(Duration::from_secs(3600));
        assert!(now.due());
        assert!(!now.due());
        let later = Heartbeat::after(Duration::from_secs(3600));
        assert!(!later.due());
        let zero = Heartbeat::after(Duration::ZERO);
        assert!(zero.due() && zero.due());
    }

    #[test]
    fn durations_read_as_a_person_says_them() {
        assert_eq!(duration(Duration::from_secs(59)), "59s");
        assert_eq!(duration(Duration::from_secs(95)), "1m35s");
        assert_eq!(duration(Duration::from_secs(7260)), "2h01m");
    }
}
