//! The printer: the only place that writes to the terminal. stdout carries data, stderr the rest.

pub mod problems;
pub mod progress;
pub mod table;

use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};

/// A stream the printer writes to: the process's own, or a buffer in tests.
type Stream = Arc<Mutex<Box<dyn Write + Send>>>;

/// The three streams and what they are connected to, decided once.
struct Streams {
    out: Stream,
    err: Stream,
    stdin_tty: bool,
    stdout_tty: bool,
    stderr_tty: bool,
}

/// Owns the output streams (with their tty flags) and the user's choices about them; the only
/// way to the terminal. Cheap to clone: clones share the streams.
#[derive(Clone)]
pub struct Printer {
    pub json: bool,
    pub quiet: bool,
    streams: Arc<Streams>,
}

impl std::fmt::Debug for Printer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Printer")
            .field("json", &self.json)
            .field("quiet", &self.quiet)
            .field("stdin_tty", &self.streams.stdin_tty)
            .field("stdout_tty", &self.streams.stdout_tty)
            .field("stderr_tty", &self.streams.stderr_tty)
            .finish()
    }
}

/// What a [`Printer::buffered`] printer wrote, for tests.
#[derive(Clone, Default)]
pub struct Captured {
    out: Arc<Mutex<Vec<u8>>>,
    err: Arc<Mutex<Vec<u8>>>,
}

impl Captured {
    /// Everything written to stdout so far.
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().expect("buffer")).into_owned()
    }

    /// Everything written to stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.err.lock().expect("buffer")).into_owned()
    }
}

/// A writer into a shared buffer.
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Printer {
    /// The process's stdout and stderr, with their tty flags probed once.
    pub fn new(json: bool, quiet: bool) -> Self {
        Printer {
            json,
            quiet,
            streams: Arc::new(Streams {
                out: Arc::new(Mutex::new(Box::new(std::io::stdout()))),
                err: Arc::new(Mutex::new(Box::new(std::io::stderr()))),
                stdin_tty: std::io::stdin().is_terminal(),
                stdout_tty: std::io::stdout().is_terminal(),
                stderr_tty: std::io::stderr().is_terminal(),
            }),
        }
    }

    /// A printer over buffers (no terminal anywhere), and what it writes.
    pub fn buffered(json: bool, quiet: bool) -> (Self, Captured) {
        let captured = Captured::default();
        let printer = Printer {
            json,
            quiet,
            streams: Arc::new(Streams {
                out: Arc::new(Mutex::new(Box::new(Shared(captured.out.clone())))),
                err: Arc::new(Mutex::new(Box::new(Shared(captured.err.clone())))),
                stdin_tty: false,
                stdout_tty: false,
                stderr_tty: false,
            }),
        };
        (printer, captured)
    }

    /// Whether stderr is an interactive terminal (progress bars, table borders).
    pub fn stderr_is_tty(&self) -> bool {
        self.streams.stderr_tty
    }

    /// Whether stdout is an interactive terminal (tables) rather than a pipe or file.
    pub fn stdout_is_tty(&self) -> bool {
        self.streams.stdout_tty
    }

    /// Whether progress bars are drawn: on a terminal, unless --quiet or --json.
    pub fn shows_progress(&self) -> bool {
        self.stderr_is_tty() && !self.quiet && !self.json
    }

    /// Whether a person can answer a prompt: stdin and stderr are both terminals.
    pub fn can_prompt(&self) -> bool {
        self.streams.stdin_tty && self.streams.stderr_tty
    }

    /// Asks for a line of text on the terminal (check [`Printer::can_prompt`] first).
    pub fn prompt_text(&self, prompt: &str) -> std::io::Result<String> {
        dialoguer::Input::<String>::new()
            .with_prompt(prompt)
            .interact_text()
            .map_err(dialoguer_io)
    }

    /// Asks for a secret on the terminal without echoing it.
    pub fn prompt_secret(&self, prompt: &str) -> std::io::Result<String> {
        dialoguer::Password::new()
            .with_prompt(prompt)
            .interact()
            .map_err(dialoguer_io)
    }

    /// A line on stderr. A closed pipe is not an error worth dying for: the write is dropped.
    fn err_line(&self, line: &str) {
        let mut err = self.streams.err.lock().unwrap_or_else(|p| p.into_inner());
        let _ = writeln!(err, "{line}");
        let _ = err.flush();
    }

    /// A message for the user (stderr), unless --quiet.
    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            self.err_line(&terminal_safe(msg.as_ref()));
        }
    }

    /// A warning (stderr), even with --quiet.
    pub fn warn(&self, msg: impl AsRef<str>) {
        self.err_line(&format!("warning: {}", terminal_safe(msg.as_ref())));
    }

    /// A result the user needs even with --quiet (where an error file is): stderr.
    pub fn result(&self, msg: impl AsRef<str>) {
        self.err_line(&terminal_safe(msg.as_ref()));
    }

    /// A line of problem output (stderr), even with --quiet.
    pub fn problem(&self, msg: impl AsRef<str>) {
        self.err_line(&terminal_safe(msg.as_ref()));
    }

    /// Data for stdout. A broken pipe comes back as the error (`main` treats it as success).
    ///
    /// On a terminal the data is text for a person (a job table, `jobs show`, an error CSV):
    /// escape sequences in it (a file name, a cell, a service's message) are shown escaped,
    /// never run; with `--json` as JSON escapes, so the document stays valid. Into a pipe or a
    /// file the bytes go as they are.
    pub fn data(&self, bytes: &[u8]) -> std::io::Result<()> {
        let escaped = if self.streams.stdout_tty {
            let text = String::from_utf8_lossy(bytes);
            let safe = if self.json {
                json_terminal_safe(&text)
            } else {
                terminal_text(&text)
            };
            match safe {
                std::borrow::Cow::Borrowed(_) => None,
                std::borrow::Cow::Owned(s) => Some(s),
            }
        } else {
            None
        };
        let mut out = self.streams.out.lock().unwrap_or_else(|p| p.into_inner());
        out.write_all(escaped.as_ref().map_or(bytes, |s| s.as_bytes()))?;
        out.flush()
    }

    /// One JSON document on stdout.
    pub fn json_doc(&self, value: &serde_json::Value) -> std::io::Result<()> {
        let mut doc = serde_json::to_vec_pretty(value)?;
        doc.push(b'\n');
        self.data(&doc)
    }
}

fn dialoguer_io(e: dialoguer::Error) -> std::io::Error {
    match e {
        dialoguer::Error::IO(io) => io,
    }
}

/// `1 row`, `12,000 rows`: a count as every message writes it.
pub fn plural(n: u64, what: &str) -> String {
    format!("{} {what}{}", thousands(n), if n == 1 { "" } else { "s" })
}

/// 12000 -> "12,000".
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Whether `c` must not reach a terminal as it is: control characters (C0 with ESC and BEL,
/// DEL, C1 with CSI and OSC) and the invisible characters that reorder or hide text (bidi
/// overrides and isolates such as U+202E, line and paragraph separators).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
        )
}

/// `s` with every character for which `escape` holds written as `\u{..}` (`\n`, `\t`, `\r`
/// for those), borrowing when there is none.
fn escape_where(s: &str, escape: impl Fn(char, Option<char>) -> bool) -> std::borrow::Cow<'_, str> {
    let mut chars = s.chars().peekable();
    let mut out: Option<String> = None;
    let mut at = 0;
    while let Some(c) = chars.next() {
        if escape(c, chars.peek().copied()) {
            let o = out.get_or_insert_with(|| {
                let mut o = String::with_capacity(s.len() + 8);
                o.push_str(&s[..at]);
                o
            });
            o.extend(c.escape_default());
        } else if let Some(o) = &mut out {
            o.push(c);
        }
        at += c.len_utf8();
    }
    match out {
        Some(o) => std::borrow::Cow::Owned(o),
        None => std::borrow::Cow::Borrowed(s),
    }
}

/// Escapes control characters (ESC, BEL, NUL, CSI...) and bidi controls (U+202E...) in text
/// headed for a terminal: a cell of a stranger's CSV must not recolour, retitle, rewrite or
/// reorder the admin's terminal. Line feeds and tabs stay as they are.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    escape_where(s, |c, _| is_unsafe(c) && c != '\n' && c != '\t')
}

/// As [`terminal_safe`] for many lines of data (an error CSV on a terminal): a CR that ends a
/// line (CRLF) stays too; a lone CR, which would let a line overwrite itself, is escaped.
pub fn terminal_text(s: &str) -> std::borrow::Cow<'_, str> {
    escape_where(s, |c, next| {
        is_unsafe(c) && c != '\n' && c != '\t' && !(c == '\r' && next == Some('\n'))
    })
}

/// A JSON document for a terminal: the characters [`terminal_safe`] escapes become JSON
/// escapes (`\u202e`), so the document means the same and stays valid. JSON never holds a raw
/// control character outside a string, and a line feed between values is kept.
fn json_terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && c != '\n') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) && c != '\n' {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A label (a file name) for a progress bar: one line, escaped as [`terminal_safe`] does.
pub fn label(s: &str) -> String {
    terminal_safe(&s.replace(['\t', '\n', '\r'], " ")).into_owned()
}

/// Prints a top-level error once, with its chain of causes (on stderr; a closed stderr is
/// ignored).
pub fn report_error(err: &anyhow::Error) {
    let mut msg = format!("error: {err}");
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(&format!("\n  caused by: {c}"));
        }
    }
    let _ = writeln!(std::io::stderr().lock(), "{}", terminal_safe(&msg));
}

/// A progress bar on a terminal; nothing otherwise (or with --quiet / --json).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar counting `total` bytes, labelled `what`.
    pub fn bytes(printer: &Printer, what: &str, total: u64) -> Progress {
        if !printer.shows_progress() || total < (8 << 20) {
            return Progress { bar: None };
        }
        let bar = indicatif::ProgressBar::new(total);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.set_message(label(what));
        Progress { bar: Some(bar) }
    }

    pub fn set(&self, done: u64) {
        if let Some(b) = &self.bar {
            b.set_position(done);
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stream whose reader went away (`bulk import x.csv 2>&1 | head -1`).
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Err(std::io::ErrorKind::BrokenPipe.into())
        }
    }

    fn closed(json: bool, quiet: bool) -> Printer {
        Printer {
            json,
            quiet,
            streams: Arc::new(Streams {
                out: Arc::new(Mutex::new(Box::new(ClosedPipe))),
                err: Arc::new(Mutex::new(Box::new(ClosedPipe))),
                stdin_tty: false,
                stdout_tty: false,
                stderr_tty: false,
            }),
        }
    }

    #[test]
    fn a_closed_pipe_is_never_a_panic() {
        let p = closed(false, false);
        p.info("a message");
        p.warn("a warning");
        p.problem("a problem");
        let e = p.data(b"data").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
        let e = p.json_doc(&serde_json::json!({"a": 1})).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe);
    }

    /// Issue 11, item 5: CSI, OSC, C1 and bidi controls in names and cells are shown escaped
    /// on a terminal; a CRLF line end of data stays, a lone CR does not.
    #[test]
    fn escape_sequences_never_reach_a_terminal() {
        let evil = "a\u{1b}[2Jb\u{1b}]0;title\u{7}c\u{9b}31md\u{202e}txt.exe\u{2066}";
        let safe = terminal_safe(evil);
        assert_eq!(
            safe,
            "a\\u{1b}[2Jb\\u{1b}]0;title\\u{7}c\\u{9b}31md\\u{202e}txt.exe\\u{2066}"
        );
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        assert_eq!(terminal_safe("plain, Zoë\tx\n"), "plain, Zoë\tx\n");
        assert!(matches!(
            terminal_safe("plain"),
            std::borrow::Cow::Borrowed(_)
        ));
        assert_eq!(terminal_text("a,b\r\nc\rd\r\n"), "a,b\r\nc\\rd\r\n");
        let json = json_terminal_safe("{\"a\":\"x\u{202e}\u{9b}y\"}\n");
        assert_eq!(json, "{\"a\":\"x\\u202e\\u009by\"}\n");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["a"], "x\u{202e}\u{9b}y");
        assert_eq!(label("sites\u{1b}[31m\n.csv"), "sites\\u{1b}[31m .csv");
    }

    #[test]
    fn buffered_printer_separates_data_from_messages() {
        let (p, captured) = Printer::buffered(false, false);
        p.info("hello \u{1b}[31m");
        p.warn("careful");
        p.data(b"a,b\n").unwrap();
        assert_eq!(captured.stdout(), "a,b\n");
        assert_eq!(captured.stderr(), "hello \\u{1b}[31m\nwarning: careful\n");
        assert!(!p.can_prompt());
        assert!(!p.shows_progress());
        let (q, captured) = Printer::buffered(false, true);
        q.info("hidden");
        q.problem("shown");
        assert_eq!(captured.stderr(), "shown\n");
    }
}
