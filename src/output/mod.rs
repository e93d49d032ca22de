//! The printer: the only place that writes to the terminal. stdout carries data, stderr the rest.
#![allow(clippy::print_stdout, clippy::print_stderr)]

pub mod table;

use std::io::{IsTerminal, Write};

/// Owns the output streams and the user's choices about them.
#[derive(Debug, Clone)]
pub struct Printer {
    pub json: bool,
    pub quiet: bool,
    stderr_tty: bool,
}

impl Printer {
    pub fn new(json: bool, quiet: bool) -> Self {
        Printer {
            json,
            quiet,
            stderr_tty: std::io::stderr().is_terminal(),
        }
    }

    /// Whether stderr is an interactive terminal (progress bars, prompts).
    pub fn stderr_is_tty(&self) -> bool {
        self.stderr_tty
    }

    /// A message for the user (stderr), unless --quiet.
    pub fn info(&self, msg: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", terminal_safe(msg.as_ref()));
        }
    }

    /// A warning (stderr), even with --quiet.
    pub fn warn(&self, msg: impl AsRef<str>) {
        eprintln!("warning: {}", terminal_safe(msg.as_ref()));
    }

    /// A line of problem output (stderr), even with --quiet.
    pub fn problem(&self, msg: impl AsRef<str>) {
        eprintln!("{}", terminal_safe(msg.as_ref()));
    }

    /// Data for stdout.
    pub fn data(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    }

    /// One JSON document on stdout.
    pub fn json_doc(&self, value: &serde_json::Value) -> std::io::Result<()> {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, value)?;
        out.write_all(b"\n")?;
        out.flush()
    }
}

/// Escapes control characters (ESC, BEL, NUL...) in text headed for a terminal: a cell of a
/// stranger's CSV must not recolour, retitle or rewrite the admin's terminal. Line feeds and tabs
/// stay as they are.
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if c.is_control() && c != '\n' && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Prints a top-level error once, with its chain of causes.
pub fn report_error(err: &anyhow::Error) {
    let mut msg = format!("error: {err}");
    for cause in err.chain().skip(1) {
        let c = cause.to_string();
        if !msg.contains(&c) {
            msg.push_str(&format!("\n  caused by: {c}"));
        }
    }
    eprintln!("{}", terminal_safe(&msg));
}

/// Writes bytes to stdout as they are (streamed JSON documents).
pub fn raw_stdout(bytes: &[u8]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)?;
    out.flush()
}

/// A progress bar on a terminal; nothing otherwise (or with --quiet / --json).
pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    /// A bar counting `total` bytes, labelled `what`.
    pub fn bytes(printer: &Printer, what: &str, total: u64) -> Progress {
        if printer.quiet || printer.json || !printer.stderr_is_tty() || total < (8 << 20) {
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
        bar.set_message(what.to_string());
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
