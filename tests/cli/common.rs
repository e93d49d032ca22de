//! Test helpers: a temporary working directory that runs the real `bulk` binary with an isolated
//! environment, an output that prints everything when an assertion fails, and CSV fixtures built
//! from the binary's own `--example` templates.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A temporary directory to run `bulk` in; removed on drop.
pub struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("bulk-test-")
            .tempdir()
            .expect("temp dir");
        for d in ["home", "config", "data", "tmp"] {
            std::fs::create_dir_all(dir.path().join(".env").join(d)).expect("env dirs");
        }
        Workdir { dir }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `bytes` to `name` (parent folders created).
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("parent dir");
        }
        std::fs::write(&p, bytes).expect("write fixture");
        p
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
    }

    pub fn read_string(&self, name: &str) -> String {
        String::from_utf8(self.read(name)).expect("UTF-8")
    }

    pub fn exists(&self, name: &str) -> bool {
        self.path(name).exists()
    }

    /// Names of the entries of a directory (relative to the workdir), sorted.
    pub fn list(&self, dir: &str) -> Vec<String> {
        let mut v: Vec<String> = match std::fs::read_dir(self.path(dir)) {
            Ok(rd) => rd
                .map(|e| {
                    e.expect("dir entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect(),
            Err(_) => Vec::new(),
        };
        v.sort();
        v
    }

    /// Every file under the workdir (relative paths, sorted), ignoring the isolated env dirs.
    pub fn all_files(&self) -> Vec<String> {
        fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).expect("read dir") {
                let e = e.expect("entry");
                let p = e.path();
                let rel = p
                    .strip_prefix(base)
                    .expect("under base")
                    .to_string_lossy()
                    .into_owned();
                if rel == ".env" {
                    continue;
                }
                if p.is_dir() {
                    out.push(format!("{rel}/"));
                    walk(base, &p, out);
                } else {
                    out.push(rel);
                }
            }
        }
        let mut out = Vec::new();
        walk(self.root(), self.root(), &mut out);
        out.sort();
        out
    }

    /// A `bulk` command with cwd = the workdir and an isolated environment.
    pub fn command(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::cargo_bin("bulk").expect("the bulk binary");
        let env = self.dir.path().join(".env");
        cmd.current_dir(self.root())
            .env("HOME", env.join("home"))
            .env("XDG_CONFIG_HOME", env.join("config"))
            .env("XDG_DATA_HOME", env.join("data"))
            .env("TMPDIR", env.join("tmp"))
            .env("NO_COLOR", "1")
            .env_remove("BULK_PROFILE")
            .env_remove("BULK_TOKEN")
            .env_remove("RUST_LOG");
        cmd
    }

    /// Runs `bulk ARGS...` and captures everything.
    pub fn run(&self, args: &[&str]) -> Out {
        let out = self.command().args(args).output().expect("bulk runs");
        Out {
            args: args.iter().map(|s| s.to_string()).collect(),
            code: out.status.code(),
            stdout_bytes: out.stdout.clone(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// What one run of `bulk` did. Every failed assertion prints the command and both streams.
pub struct Out {
    pub args: Vec<String>,
    pub code: Option<i32>,
    pub stdout_bytes: Vec<u8>,
    pub stdout: String,
    pub stderr: String,
}

/// A problem line `FILE:LINE[:COL]: kind: message` from stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: u64,
    pub col: Option<usize>,
    pub kind: String,
    pub message: String,
}

impl Out {
    #[track_caller]
    pub fn fail(&self, why: &str) -> ! {
        panic!(
            "{why}\n--- command: bulk {}\n--- exit code: {:?}\n--- stdout:\n{}\n--- stderr:\n{}\n---",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }

    #[track_caller]
    pub fn code(&self, want: i32) -> &Self {
        if self.code != Some(want) {
            self.fail(&format!("expected exit code {want}"));
        }
        self
    }

    #[track_caller]
    pub fn ok(&self) -> &Self {
        self.code(0)
    }

    #[track_caller]
    pub fn stderr_has(&self, needle: &str) -> &Self {
        if !self.stderr.contains(needle) {
            self.fail(&format!("stderr lacks {needle:?}"));
        }
        self
    }

    #[track_caller]
    pub fn stderr_lacks(&self, needle: &str) -> &Self {
        if self.stderr.contains(needle) {
            self.fail(&format!("stderr unexpectedly has {needle:?}"));
        }
        self
    }

    #[track_caller]
    pub fn stdout_has(&self, needle: &str) -> &Self {
        if !self.stdout.contains(needle) {
            self.fail(&format!("stdout lacks {needle:?}"));
        }
        self
    }

    #[track_caller]
    pub fn stdout_empty(&self) -> &Self {
        if !self.stdout.is_empty() {
            self.fail("stdout should be empty");
        }
        self
    }

    /// The `FILE:LINE[:COL]: kind: message` lines of stderr.
    pub fn problems(&self) -> Vec<Problem> {
        self.stderr.lines().filter_map(parse_problem).collect()
    }

    /// The problems of one kind, as (line, column).
    pub fn places(&self, kind: &str) -> Vec<(u64, Option<usize>)> {
        self.problems()
            .into_iter()
            .filter(|p| p.kind == kind)
            .map(|p| (p.line, p.col))
            .collect()
    }

    /// Asserts that the problems reported are exactly `want` (kind, line, column), in any order.
    #[track_caller]
    pub fn exactly(&self, want: &[(&str, u64, Option<usize>)]) -> &Self {
        let mut got: Vec<(String, u64, Option<usize>)> = self
            .problems()
            .into_iter()
            .map(|p| (p.kind, p.line, p.col))
            .collect();
        let mut want: Vec<(String, u64, Option<usize>)> = want
            .iter()
            .map(|(k, l, c)| (k.to_string(), *l, *c))
            .collect();
        got.sort();
        want.sort();
        if got != want {
            self.fail(&format!(
                "problems differ\n  want: {want:?}\n  got:  {got:?}"
            ));
        }
        self
    }

    /// The problem of `kind` at `line:col`, which must exist.
    #[track_caller]
    pub fn problem_at(&self, kind: &str, line: u64, col: Option<usize>) -> Problem {
        match self
            .problems()
            .into_iter()
            .find(|p| p.kind == kind && p.line == line && p.col == col)
        {
            Some(p) => p,
            None => self.fail(&format!("no {kind} problem at {line}:{col:?}")),
        }
    }

    /// stdout parsed as JSON.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        match serde_json::from_str(&self.stdout) {
            Ok(v) => v,
            Err(e) => self.fail(&format!("stdout is not JSON: {e}")),
        }
    }
}

/// Parses `file:17:3: kind: message` or `file:17: kind: message`; kinds are kebab-case words.
pub fn parse_problem(l: &str) -> Option<Problem> {
    let (place, rest) = l.split_once(": ")?;
    let (kind, message) = rest.split_once(": ")?;
    if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
        return None;
    }
    let pieces: Vec<&str> = place.rsplitn(3, ':').collect();
    let num = |s: &str| s.parse::<u64>().ok();
    match pieces.as_slice() {
        [c, l, f] if num(c).is_some() && num(l).is_some() => Some(Problem {
            file: f.to_string(),
            line: num(l)?,
            col: Some(num(c)? as usize),
            kind: kind.to_string(),
            message: message.to_string(),
        }),
        [l, f @ ..] if num(l).is_some() => Some(Problem {
            file: f.iter().rev().cloned().collect::<Vec<_>>().join(":"),
            line: num(l)?,
            col: None,
            kind: kind.to_string(),
            message: message.to_string(),
        }),
        _ => None,
    }
}

/// A CSV under construction: a header and rows of string cells.
#[derive(Debug, Clone)]
pub struct Csv {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The template's example row (for building more rows).
    pub example: Vec<String>,
}

/// Parses CSV bytes into records of strings (flexible widths).
pub fn parse_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    r.records()
        .map(|rec| {
            rec.expect("parses as CSV")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// Encodes records as CSV with CRLF line ends, quoting only when needed.
pub fn encode_csv(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    for r in rows {
        w.write_record(r).expect("write record");
    }
    w.into_inner().expect("flush")
}

/// The header and example row of `object_type`, from `bulk template TYPE --example`.
pub fn template(object_type: &str) -> (Vec<String>, Vec<String>) {
    let wd = Workdir::new();
    let out = wd.run(&["template", object_type, "--example"]);
    out.ok();
    let recs = parse_csv(&out.stdout_bytes);
    if recs.len() != 2 {
        out.fail("a template with --example has a header and one row");
    }
    (recs[0].clone(), recs[1].clone())
}

/// A CSV of `object_type`: the template's header and `rows` copies of its example row.
pub fn csv_of(object_type: &str, rows: usize) -> Csv {
    let (header, example) = template(object_type);
    Csv {
        rows: vec![example.clone(); rows],
        header,
        example,
    }
}

impl Csv {
    /// 1-based position of a column in the header (case-insensitive).
    #[track_caller]
    pub fn col(&self, name: &str) -> usize {
        self.header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("no column {name:?} in {:?}", self.header))
            + 1
    }

    /// Sets `column` of data row `row` (0-based) to `value`.
    #[track_caller]
    pub fn set(&mut self, row: usize, column: &str, value: &str) -> &mut Self {
        let c = self.col(column) - 1;
        self.rows[row][c] = value.to_string();
        self
    }

    /// The physical line of data row `row` (0-based) when no record spans several lines.
    pub fn line(row: usize) -> u64 {
        row as u64 + 2
    }

    /// Appends a copy of the example row with some columns changed.
    #[track_caller]
    pub fn push_example(&mut self, changes: &[(&str, &str)]) -> &mut Self {
        self.rows.push(self.example.clone());
        let last = self.rows.len() - 1;
        for (c, v) in changes {
            self.set(last, c, v);
        }
        self
    }

    /// Appends a raw row.
    pub fn push(&mut self, row: &[&str]) -> &mut Self {
        self.rows.push(row.iter().map(|s| s.to_string()).collect());
        self
    }

    /// Makes every row's `column` unique by appending the row number (for identity columns).
    pub fn uniquify(&mut self, column: &str) -> &mut Self {
        let c = self.col(column) - 1;
        for (i, r) in self.rows.iter_mut().enumerate() {
            let v = &r[c];
            r[c] = match v.split_once('@') {
                Some((local, domain)) => format!("{local}{i}@{domain}"),
                None => format!("{v} N{i}"),
            };
        }
        self
    }

    /// The file's bytes: CRLF line ends, minimal quoting.
    pub fn bytes(&self) -> Vec<u8> {
        let mut all = vec![self.header.clone()];
        all.extend(self.rows.iter().cloned());
        encode_csv(&all)
    }

    /// The file's bytes with LF line ends (no cell may hold a line break).
    pub fn bytes_lf(&self) -> Vec<u8> {
        let b = self.bytes();
        String::from_utf8(b)
            .expect("UTF-8")
            .replace("\r\n", "\n")
            .into_bytes()
    }
}

#[path = "../common/wav.rs"]
mod wav;
pub use wav::pcm_wav;

/// The committed fixture `tests/data/audio/NAME`.
pub fn fixture(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/audio")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}
