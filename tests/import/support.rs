//! Helpers of the import tests: an isolated home per test, the real `bulk` binary, and a
//! standalone sandbox server (`bulk sandbox serve`) killed on drop.

use serde_json::Value;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A temporary home: config, data and the embedded sandbox all live in it.
pub struct Env {
    pub dir: tempfile::TempDir,
    /// The standalone server's URL and token, when the test uses one.
    pub remote: Option<(String, String)>,
}

/// What a finished `bulk` run printed.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{self:?}"))
    }

    #[track_caller]
    pub fn expect(self, code: i32) -> Out {
        assert_eq!(
            self.code, code,
            "unexpected exit code:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
            remote: None,
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path(name);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name))
            .unwrap_or_else(|e| panic!("cannot read {name}: {e}"))
    }

    /// `bulk` with every setting of the user's machine shut out.
    pub fn command(&self) -> Command {
        let mut c = Command::new(assert_cmd::cargo::cargo_bin("bulk"));
        let home = self.dir.path();
        c.current_dir(home)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("BULK_CONFIG_DIR", home.join("config"))
            .env("BULK_SANDBOX_DIR", home.join("sandbox"))
            .env("BULK_DATA_DIR", home.join("bulk-data"))
            .env_remove("BULK_PROFILE")
            .env_remove("BULK_TOKEN")
            .env_remove("BULK_URL")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        if let Some((url, token)) = &self.remote {
            c.env("BULK_URL", url).env("BULK_TOKEN", token);
        }
        c
    }

    /// Runs `bulk ARGS` to the end; the token never appears in what it printed.
    pub fn run(&self, args: &[&str]) -> Out {
        let out = self.command().args(args).output().unwrap();
        let out = Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        self.assert_no_token(&out);
        out
    }

    /// Starts `bulk ARGS` without waiting.
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command()
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    }

    /// Waits for a spawned `bulk` and checks its output like `run`.
    pub fn finish(&self, child: Child) -> Out {
        let out = child.wait_with_output().unwrap();
        let out = Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        self.assert_no_token(&out);
        out
    }

    #[track_caller]
    pub fn assert_no_token(&self, out: &Out) {
        let mut tokens = Vec::new();
        if let Some((_, t)) = &self.remote {
            tokens.push(t.clone());
        }
        if let Ok(bytes) = std::fs::read(self.path("sandbox/credentials.json")) {
            let v: Value = serde_json::from_slice(&bytes).unwrap();
            if let Some(t) = v["token"].as_str() {
                tokens.push(t.to_string());
            }
        }
        for t in tokens {
            assert!(
                !out.stdout.contains(&t) && !out.stderr.contains(&t),
                "the token was printed:\n{out:?}"
            );
        }
    }

    /// Journal files left in the data directory.
    pub fn journals(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.path("bulk-data/journal")) {
            Ok(rd) => rd
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// A `bulk sandbox serve` process on a free port; killed on drop.
pub struct Server {
    child: Child,
    pub url: String,
    pub token: String,
    http: reqwest::blocking::Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts a server with its data in `env`, and points `env`'s commands at it.
    pub fn start(env: &mut Env, extra: &[&str]) -> Server {
        let data = env.path("server");
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("bulk"))
            .args([
                "sandbox",
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--print-url",
                "--data-dir",
            ])
            .arg(&data)
            .args(extra)
            .env_remove("BULK_TOKEN")
            .env_remove("BULK_URL")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "no URL: {line:?}");
        let token = Command::new(assert_cmd::cargo::cargo_bin("bulk"))
            .args(["sandbox", "token", "--data-dir"])
            .arg(&data)
            .output()
            .unwrap();
        let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
        assert!(!token.is_empty());
        env.remote = Some((url.clone(), token.clone()));
        Server {
            child,
            url,
            token,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        }
    }

    /// A request, retried through the server's own injected faults.
    fn send(
        &self,
        make: impl Fn(&reqwest::blocking::Client) -> reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::Response {
        for _ in 0..50 {
            match make(&self.http).bearer_auth(&self.token).send() {
                Ok(r) if r.status().is_success() => return r,
                Ok(r) if r.status().is_server_error() || r.status() == 429 => {}
                Ok(r) => panic!("HTTP {}: {}", r.status(), r.text().unwrap_or_default()),
                Err(_) => {}
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("the sandbox does not answer");
    }

    pub fn get_json(&self, path: &str) -> Value {
        self.send(|h| h.get(format!("{}{path}", self.url)))
            .json()
            .unwrap()
    }

    /// Every import job, newest first.
    pub fn import_jobs(&self) -> Vec<Value> {
        let v = self.get_json("/v1/jobs?job_type=import&page_size=100");
        v["jobs"].as_array().unwrap().clone()
    }

    /// Every record of a type, as rows of (header-keyed) values, through an export job.
    pub fn export(&self, object_type: &str) -> Vec<std::collections::HashMap<String, String>> {
        let job: Value = self
            .send(|h| {
                h.post(format!("{}/v1/jobs/export", self.url))
                    .json(&serde_json::json!({ "object_type": object_type }))
            })
            .json()
            .unwrap();
        let id = job["id"].as_str().unwrap().to_string();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let j = self.get_json(&format!("/v1/jobs/{id}?wait=20"));
            if j["status"] == "completed" {
                break;
            }
            assert!(j["status"] != "failed", "export failed: {j}");
            assert!(Instant::now() < deadline, "export never finished");
        }
        let r = self.send(|h| h.get(format!("{}/v1/jobs/{id}/file", self.url)));
        let zip = r.headers()["content-type"] == "application/zip";
        let bytes = r.bytes().unwrap().to_vec();
        let mut texts = Vec::new();
        if zip {
            let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            for i in 0..z.len() {
                let mut s = String::new();
                std::io::Read::read_to_string(&mut z.by_index(i).unwrap(), &mut s).unwrap();
                texts.push(s);
            }
        } else {
            texts.push(String::from_utf8(bytes).unwrap());
        }
        let mut rows = Vec::new();
        for t in texts {
            let mut r = csv::Reader::from_reader(t.as_bytes());
            let head: Vec<String> = r
                .headers()
                .unwrap()
                .iter()
                .map(|h| h.to_lowercase())
                .collect();
            for rec in r.records() {
                let rec = rec.unwrap();
                rows.push(
                    head.iter()
                        .cloned()
                        .zip(rec.iter().map(str::to_string))
                        .collect(),
                );
            }
        }
        rows
    }

    /// Waits until the server has at least `n` import jobs.
    pub fn wait_for_jobs(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.import_jobs().len() < n {
            assert!(Instant::now() < deadline, "fewer than {n} jobs after 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// The sites and teams every user file below refers to.
pub const SITES: &str = "Name,Multimedia Profile\nSite A,Default Multimedia Profile\n";
pub const TEAMS: &str = "Name,Site,Type\nTeam A,Site A,AGENT\n";
pub const USER_HEADER: &str =
    "Email,User Profile,Contact Center Enabled,Site,Teams,Desktop Profile\n";

/// One valid user row (with its line end).
pub fn user_row(i: usize, team: &str) -> String {
    format!("user{i}@example.com,Standard Agent,On,Site A,{team},Default Desktop Profile\n")
}

/// A users CSV of `n` valid rows.
pub fn users(n: usize) -> String {
    let mut s = String::from(USER_HEADER);
    for i in 1..=n {
        s.push_str(&user_row(i, "Team A"));
    }
    s
}

/// Imports the sites and teams users need; the tenant is fresh otherwise.
pub fn seed(env: &Env) {
    env.write("seed/sites.csv", SITES);
    env.write("seed/teams.csv", TEAMS);
    env.run(&["import", "seed/sites.csv", "seed/teams.csv"])
        .expect(0);
}

/// Rows of a CSV file (header first).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[path = "../common/wav.rs"]
mod wavs;

/// A tiny mu-law WAV file.
pub fn wav(samples: usize) -> Vec<u8> {
    wavs::mulaw_wav(samples)
}

#[allow(dead_code)]
pub fn exists(p: &Path) -> bool {
    p.exists()
}
