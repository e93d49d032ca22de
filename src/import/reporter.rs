//! What the import workflow tells the person running it, as events. The library never draws:
//! `output` implements this with progress bars on a terminal and heartbeat lines off it (uv's
//! `Reporter` pattern); tests can record the events.

/// Receives the import's events. Methods take `&self`; implementations keep their own state.
pub trait ImportReporter: Send + Sync {
    /// A line for the person (suppressed by `--quiet`).
    fn message(&self, msg: &str);
    /// A warning, shown even with `--quiet`.
    fn warning(&self, msg: &str);
    /// A problem line (input problems), shown even with `--quiet`.
    fn problem(&self, msg: &str);
    /// Reading `bytes` bytes of an input begins (`what` says what for).
    fn reading_started(&self, what: &str, bytes: u64);
    /// Bytes read so far.
    fn reading_progressed(&self, done: u64);
    /// Reading ended.
    fn reading_done(&self);
    /// An input's chunks start to go out: `rows` in all, `done` of them already accounted for.
    fn file_started(&self, name: &str, rows: u64, done: u64);
    /// Waiting for our chunk's job begins (`rows` rows).
    fn chunk_started(&self, name: &str, rows: u64);
    /// Rows processed: of the whole input, and of the running chunk.
    fn rows_progressed(&self, file_rows: u64, chunk_rows: u64);
    /// Our chunk's job ended.
    fn chunk_done(&self);
    /// Every chunk of the input is done.
    fn file_done(&self);
    /// Submission stopped early (Ctrl-C, `--timeout`, `--no-wait`): clear what is drawn.
    fn stopped(&self);
    /// Another job must end before ours may start.
    fn waiting_for_job(&self, label: &str, job: &str);
    /// Time passes in a long wait; `line` says where things stand. The reporter decides whether
    /// to say it (a heartbeat when nothing else shows progress).
    fn heartbeat(&self, line: &dyn Fn() -> String);
}
