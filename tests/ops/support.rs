//! Test helpers: an isolated environment for the binary and a sandbox child process.

use assert_cmd::cargo::cargo_bin;
use serde_json::Value;
use std::cell::RefCell;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The finished run of one command, printed whole when an assertion fails.
pub struct Out {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "bulk {}\nexit code: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }
}

impl Out {
    /// Asserts the exit code and returns self.
    #[track_caller]
    pub fn code(self, want: i32) -> Self {
        assert_eq!(self.code, want, "unexpected exit code of:\n{self:?}");
        self
    }

    #[track_caller]
    pub fn stderr_has(self, text: &str) -> Self {
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}:\n{self:?}"
        );
        self
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{self:?}"))
    }
}

/// An isolated user: temp HOME, XDG and BULK_* directories, no BULK_PROFILE/TOKEN/URL.
pub struct Env {
    pub dir: tempfile::TempDir,
    secrets: RefCell<Vec<String>>,
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("work")).unwrap();
        Env {
            dir,
            secrets: RefCell::new(Vec::new()),
        }
    }

    pub fn path(&self, p: &str) -> PathBuf {
        self.dir.path().join(p)
    }

    /// The working directory of the commands.
    pub fn work(&self) -> PathBuf {
        self.path("work")
    }

    pub fn config_dir(&self) -> PathBuf {
        self.path("config")
    }

    /// A value that must never appear in any output.
    pub fn secret(&self, s: &str) {
        self.secrets.borrow_mut().push(s.to_string());
    }

    fn apply(&self, cmd: &mut Command) {
        let d = self.dir.path();
        cmd.current_dir(self.work())
            .env("HOME", d.join("home"))
            .env("XDG_CONFIG_HOME", d.join("xdg-config"))
            .env("XDG_DATA_HOME", d.join("xdg-data"))
            .env("BULK_CONFIG_DIR", self.config_dir())
            .env("BULK_SANDBOX_DIR", d.join("embedded-sandbox"))
            .env("BULK_DATA_DIR", d.join("data"))
            .env("NO_COLOR", "1")
            .env_remove("BULK_PROFILE")
            .env_remove("BULK_TOKEN")
            .env_remove("BULK_URL");
    }

    /// Runs `bulk ARGS` with an empty stdin.
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_stdin(args, None, &[])
    }

    /// Runs `bulk ARGS` with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        self.run_stdin(args, None, env)
    }

    /// Runs `bulk ARGS`, feeding `stdin`.
    pub fn run_stdin(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Out {
        let mut cmd = Command::new(cargo_bin("bulk"));
        cmd.args(args);
        self.apply(&mut cmd);
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        if let Some(s) = stdin {
            child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        }
        let o = child.wait_with_output().unwrap();
        self.finish(args, o.status.code().unwrap_or(-1), o.stdout, o.stderr)
    }

    /// Runs `bulk ARGS` with stdout (and stderr) on a pseudo-terminal, through `script`.
    /// `None` if `script` is not installed.
    pub fn run_tty(&self, args: &[&str]) -> Option<Out> {
        let bin = cargo_bin("bulk");
        let line = std::iter::once(bin.display().to_string())
            .chain(args.iter().map(|a| a.to_string()))
            .map(|a| format!("'{a}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let mut cmd = Command::new("script");
        cmd.args(["-q", "-e", "-c", &line, "/dev/null"]);
        self.apply(&mut cmd);
        cmd.stdin(Stdio::null());
        let o = cmd.output().ok()?;
        let out = self.finish(args, o.status.code().unwrap_or(-1), o.stdout, o.stderr);
        Some(Out {
            stdout: out.stdout.replace("\r\n", "\n"),
            ..out
        })
    }

    fn finish(&self, args: &[&str], code: i32, stdout: Vec<u8>, stderr: Vec<u8>) -> Out {
        let out = Out {
            args: args.iter().map(|a| a.to_string()).collect(),
            code,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        };
        for s in self.secrets.borrow().iter() {
            assert!(
                !out.stdout.contains(s.as_str()) && !out.stderr.contains(s.as_str()),
                "a token appears in the output of:\n{out:?}"
            );
        }
        out
    }

    /// `bulk login --url URL --token-stdin`, asserting success.
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
}

/// A `bulk sandbox serve` child on 127.0.0.1:0 with its own data directory; killed on drop.
pub struct Sandbox {
    pub url: String,
    pub token: String,
    pub data_dir: PathBuf,
    child: Child,
    _dir: tempfile::TempDir,
    http: reqwest::blocking::Client,
}

impl Sandbox {
    pub fn start(extra: &[&str]) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        let mut child = Command::new(cargo_bin("bulk"))
            .args(["sandbox", "serve", "--addr", "127.0.0.1:0", "--print-url"])
            .arg("--data-dir")
            .arg(&data_dir)
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "no URL: {line:?}");
        let token = Self::token_of(&data_dir, &[]);
        Sandbox {
            url,
            token,
            data_dir,
            child,
            _dir: dir,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        }
    }

    /// `bulk sandbox token` on this data dir, with extra arguments (`--new-org ...`).
    pub fn token_of(data_dir: &Path, extra: &[&str]) -> String {
        let o = Command::new(cargo_bin("bulk"))
            .args(["sandbox", "token", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    }

    /// Submits a CSV through the HTTP API and returns the job.
    pub fn submit(&self, object_type: &str, file_name: &str, csv: &str) -> Value {
        let r = self
            .http
            .post(format!("{}/v1/jobs/import", self.url))
            .query(&[("object_type", object_type), ("file_name", file_name)])
            .bearer_auth(&self.token)
            .header("content-type", "text/csv")
            .body(csv.to_string())
            .send()
            .unwrap();
        assert!(
            r.status().is_success(),
            "import refused: {}",
            r.text().unwrap()
        );
        r.json().unwrap()
    }

    pub fn job(&self, id: &str) -> Value {
        self.http
            .get(format!("{}/v1/jobs/{id}", self.url))
            .bearer_auth(&self.token)
            .send()
            .unwrap()
            .json()
            .unwrap()
    }

    /// Polls until the job is no longer new or in progress.
    pub fn wait(&self, id: &str) -> Value {
        let start = Instant::now();
        loop {
            let j = self.job(id);
            if !matches!(j["status"].as_str(), Some("new" | "in_progress")) {
                return j;
            }
            assert!(start.elapsed() < Duration::from_secs(30), "job stuck: {j}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Submits and waits.
    pub fn import(&self, object_type: &str, file_name: &str, csv: &str) -> Value {
        let job = self.submit(object_type, file_name, csv);
        self.wait(job["id"].as_str().unwrap())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `n` sites, named `{prefix}{i}`, in one CSV.
pub fn sites_csv(prefix: &str, range: std::ops::Range<usize>) -> String {
    let mut s = String::from("Name,Multimedia Profile\n");
    for i in range {
        s.push_str(&format!("{prefix}{i},Default Multimedia Profile\n"));
    }
    s
}
