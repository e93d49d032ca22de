//! `Workdir`: a temporary directory that runs the real `bulk` binary with an isolated home,
//! config and data directories (xsv's pattern), and `Out`, what one run printed, shown whole
//! whenever an assertion about it fails.

use super::sandbox::Sandbox;
use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The longest a single `bulk` run may take before the test fails (the fault scenarios are the
/// slow ones).
const RUN_LIMIT: Duration = Duration::from_secs(300);

/// A temporary directory to run `bulk` in; removed on drop.
///
/// The root is the commands' working directory and holds the admin's files; everything of the
/// machine's user lives under `.env/` (never listed by [`Workdir::all_files`]): `home`, `config`
/// and `data` (the XDG directories), `tmp`, `bulk-config` (`BULK_CONFIG_DIR`), `sandbox` (the
/// embedded sandbox, `BULK_SANDBOX_DIR`) and `bulk-data` (journals, `BULK_DATA_DIR`).
///
/// Every run's output is checked for the secrets the workdir knows: those passed to
/// [`Workdir::secret`], the token of the service it targets, and the embedded sandbox's token.
pub struct Workdir {
    dir: tempfile::TempDir,
    secrets: RefCell<Vec<String>>,
    /// The service (URL, token) commands target through `BULK_URL`/`BULK_TOKEN`, if any.
    remote: RefCell<Option<(String, String)>>,
    /// The arguments of the children [`Workdir::spawn`] started, by process id.
    spawned: RefCell<HashMap<u32, Vec<String>>>,
}

impl Default for Workdir {
    fn default() -> Self {
        Self::new()
    }
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
        Workdir {
            dir,
            secrets: RefCell::new(Vec::new()),
            remote: RefCell::new(None),
            spawned: RefCell::new(HashMap::new()),
        }
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A directory of the isolated environment (`home`, `tmp`, ...).
    pub fn env_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(".env").join(name)
    }

    /// Where `bulk login` keeps profiles and credentials (`BULK_CONFIG_DIR`).
    pub fn config_dir(&self) -> PathBuf {
        self.env_dir("bulk-config")
    }

    /// The embedded sandbox's data directory (`BULK_SANDBOX_DIR`).
    pub fn sandbox_dir(&self) -> PathBuf {
        self.env_dir("sandbox")
    }

    /// `bulk`'s own data directory: journals (`BULK_DATA_DIR`).
    pub fn data_dir(&self) -> PathBuf {
        self.env_dir("bulk-data")
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

    /// Journal files left in the data directory.
    pub fn journals(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.data_dir().join("journal")) {
            Ok(rd) => rd
                .map(|e| e.expect("dir entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// A value that must never appear in any output.
    pub fn secret(&self, s: &str) {
        self.secrets.borrow_mut().push(s.to_string());
    }

    /// Points the commands at the service `url` with `token` (`BULK_URL`, `BULK_TOKEN`).
    pub fn target(&self, url: &str, token: &str) {
        *self.remote.borrow_mut() = Some((url.to_string(), token.to_string()));
    }

    /// Points the commands at `sandbox` (see [`Workdir::target`]).
    pub fn use_sandbox(&self, sandbox: &Sandbox) {
        self.target(&sandbox.url, &sandbox.token);
    }

    /// The isolated environment of every command, applied to `cmd` (`bulk` or a wrapper).
    fn isolate(&self, cmd: &mut Command) {
        cmd.current_dir(self.root())
            .env("HOME", self.env_dir("home"))
            .env("XDG_CONFIG_HOME", self.env_dir("config"))
            .env("XDG_DATA_HOME", self.env_dir("data"))
            .env("TMPDIR", self.env_dir("tmp"))
            .env("BULK_CONFIG_DIR", self.config_dir())
            .env("BULK_SANDBOX_DIR", self.sandbox_dir())
            .env("BULK_DATA_DIR", self.data_dir())
            .env("NO_COLOR", "1")
            .env_remove("BULK_PROFILE")
            .env_remove("BULK_TOKEN")
            .env_remove("BULK_URL")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null());
        if let Some((url, token)) = &*self.remote.borrow() {
            cmd.env("BULK_URL", url).env("BULK_TOKEN", token);
        }
    }

    /// A `bulk` command with cwd = the workdir, an isolated environment and an empty stdin.
    pub fn command(&self) -> Command {
        self.command_of(bulk_bin())
    }

    /// `program` (a wrapper that runs `bulk`, like time(1)) in the environment of
    /// [`Workdir::command`].
    pub fn command_of(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        self.isolate(&mut cmd);
        cmd
    }

    /// Runs `bulk ARGS` to the end and captures everything.
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_stdin(args, None, &[])
    }

    /// Runs `bulk ARGS` with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        self.run_stdin(args, None, env)
    }

    /// Runs `bulk ARGS`, feeding `stdin`, with extra environment variables.
    pub fn run_stdin(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
        let mut cmd = self.command();
        cmd.args(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        if stdin.is_some() {
            cmd.stdin(Stdio::piped());
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bulk starts");
        if let Some(s) = stdin {
            // bulk may refuse (and exit) before it reads its input: a closed pipe is fine.
            match child
                .stdin
                .take()
                .expect("piped stdin")
                .write_all(s.as_bytes())
            {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("write stdin: {e}"),
                _ => {}
            }
        }
        self.wait(args, child)
    }

    /// Starts `bulk ARGS` without waiting (to kill it, or to run two at once).
    pub fn spawn(&self, args: &[&str]) -> Child {
        let child = self
            .command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("bulk starts");
        self.spawned
            .borrow_mut()
            .insert(child.id(), args.iter().map(|a| a.to_string()).collect());
        child
    }

    /// Waits for a [`Workdir::spawn`]ed `bulk` and checks its output like [`Workdir::run`].
    pub fn finish(&self, child: Child) -> Out {
        let args = self
            .spawned
            .borrow_mut()
            .remove(&child.id())
            .unwrap_or_default();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        self.wait(&args, child)
    }

    /// Collects a child's output (at most [`RUN_LIMIT`]); the pipes are drained on threads so a
    /// chatty child never blocks on a full pipe.
    fn wait(&self, args: &[&str], mut child: Child) -> Out {
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut v = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut v);
                }
                v
            })
        };
        let so = drain(child.stdout.take().map(|p| Box::new(p) as _));
        let se = drain(child.stderr.take().map(|p| Box::new(p) as _));
        let deadline = Instant::now() + RUN_LIMIT;
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait for bulk") {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let err = String::from_utf8_lossy(&se.join().unwrap_or_default()).into_owned();
                panic!(
                    "bulk {} ran longer than {RUN_LIMIT:?}:\n{err}",
                    args.join(" ")
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        let out = Out::new(
            args,
            status.code(),
            so.join().unwrap_or_default(),
            se.join().unwrap_or_default(),
        );
        self.assert_no_secret(&out);
        out
    }

    /// Runs `bulk ARGS` with stdout (and stderr) on a pseudo-terminal, through `script`.
    /// `None` if `script` is not installed.
    pub fn run_tty(&self, args: &[&str]) -> Option<Out> {
        let line = std::iter::once(bulk_bin().display().to_string())
            .chain(args.iter().map(|a| a.to_string()))
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new("script");
        cmd.args(["-q", "-e", "-c", &line, "/dev/null"]);
        self.isolate(&mut cmd);
        let o = cmd.output().ok()?;
        let mut out = Out::new(args, o.status.code(), o.stdout, o.stderr);
        self.assert_no_secret(&out);
        out.stdout = out.stdout.replace("\r\n", "\n");
        Some(out)
    }

    /// `bulk login --profile PROFILE --url URL --token-stdin`, asserting success.
    pub fn login(&self, sandbox: &Sandbox, profile: &str) {
        self.secret(&sandbox.token);
        self.run_stdin(
            &[
                "login",
                "--profile",
                profile,
                "--url",
                &sandbox.url,
                "--token-stdin",
            ],
            Some(&sandbox.token),
            &[],
        )
        .code(0);
    }

    #[track_caller]
    fn assert_no_secret(&self, out: &Out) {
        let mut secrets = self.secrets.borrow().clone();
        if let Some((_, t)) = &*self.remote.borrow() {
            secrets.push(t.clone());
        }
        if let Some((_, t)) = super::sandbox::credentials(&self.sandbox_dir()) {
            secrets.push(t);
        }
        for s in secrets {
            if out.stdout.contains(&s) || out.stderr.contains(&s) {
                out.fail("a token appears in the output");
            }
        }
    }
}

/// The `bulk` binary Cargo built for these tests.
pub fn bulk_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_bulk"))
}

/// What one run of `bulk` did. Every failed assertion prints the command and both streams.
pub struct Out {
    pub args: Vec<String>,
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout_bytes: Vec<u8>,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--- command: bulk {}\n--- exit code: {:?}\n--- stdout:\n{}\n--- stderr:\n{}\n---",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
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
    pub fn new(args: &[&str], code: Option<i32>, stdout: Vec<u8>, stderr: Vec<u8>) -> Out {
        Out {
            args: args.iter().map(|s| s.to_string()).collect(),
            code,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stdout_bytes: stdout,
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    #[track_caller]
    pub fn fail(&self, why: &str) -> ! {
        panic!("{why}\n{self:?}")
    }

    /// Asserts the exit code.
    #[track_caller]
    pub fn code(&self, want: i32) -> &Self {
        if self.code != Some(want) {
            self.fail(&format!("expected exit code {want}"));
        }
        self
    }

    /// Asserts the exit code and hands the output on (for `let out = wd.run(..).expect(0);`).
    #[track_caller]
    pub fn expect(self, want: i32) -> Self {
        self.code(want);
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

    /// stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        match serde_json::from_str(&self.stdout) {
            Ok(v) => v,
            Err(e) => self.fail(&format!("stdout is not one JSON document: {e}")),
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
