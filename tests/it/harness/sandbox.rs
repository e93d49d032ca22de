//! `Sandbox`: a real sandbox service on 127.0.0.1:0 with the data directory a test gives it, and
//! the HTTP requests tests make of it.
//!
//! [`Sandbox::start`] is the way to get one: served inside the test process, settings adjusted
//! in code, stopped gracefully on drop. Only tests that must SIGKILL the service (a crash is
//! their point) use [`Sandbox::serve`], a `bulk sandbox serve` child process.
//
// In the test process it is `bulk::sandbox::spawn_state`, the very starter `bulk sandbox serve` and
// the embedded sandbox use.

use bulk::sandbox::{self, AppState, Clock, Settings};
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::workdir::{bulk_bin, Workdir};

/// A running sandbox.
pub struct Sandbox {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub addr: std::net::SocketAddr,
    /// The admin token of its first organisation.
    pub token: String,
    pub data_dir: PathBuf,
    kind: Kind,
    http: Client,
    /// The data directory's parent, when the sandbox owns it ([`Sandbox::start_temp`]).
    _temp: Option<tempfile::TempDir>,
}

enum Kind {
    /// Served in the test process; `None` once stopped.
    InProcess(Option<sandbox::Handle>),
    Process(Child),
}

/// Whether [`Sandbox::export_records`] sends an `Idempotency-Key`: under injected connection
/// resets it must, or the retry of a job that was made meets `job_active`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Plain,
    Idempotent,
}

impl Sandbox {
    /// Starts a sandbox on `dir` with the real clock; `tweak` adjusts its settings.
    pub fn start(dir: &Path, tweak: impl FnOnce(&mut Settings)) -> Sandbox {
        Self::start_with_clock(
            dir,
            tweak,
            std::sync::Arc::new(time::OffsetDateTime::now_utc),
        )
    }

    /// Starts a sandbox whose clock is `clock` (to prove retention, for example).
    pub fn start_with_clock(
        dir: &Path,
        tweak: impl FnOnce(&mut Settings),
        clock: Clock,
    ) -> Sandbox {
        let mut settings = Settings::new(dir);
        tweak(&mut settings);
        let state = AppState::with_clock(settings, clock).unwrap();
        let handle = sandbox::spawn_state(state, "127.0.0.1:0".parse().unwrap()).unwrap();
        Sandbox {
            url: handle.url().to_string(),
            addr: handle.addr(),
            token: handle.token().to_string(),
            data_dir: dir.to_path_buf(),
            kind: Kind::InProcess(Some(handle)),
            http: client(Duration::from_secs(60)),
            _temp: None,
        }
    }

    /// Starts a sandbox on a temporary data directory of its own, removed after it stopped.
    pub fn start_temp(tweak: impl FnOnce(&mut Settings)) -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let mut sb = Self::start(&dir.path().join("data"), tweak);
        sb._temp = Some(dir);
        sb
    }

    /// Starts a sandbox with its data in `wd`'s `server/` and points `wd`'s commands at it.
    pub fn start_for(wd: &Workdir, tweak: impl FnOnce(&mut Settings)) -> Sandbox {
        let sb = Self::start(&wd.path("server"), tweak);
        wd.use_sandbox(&sb);
        sb
    }

    /// Starts `bulk sandbox serve --addr ADDR --data-dir DATA FLAGS...` as a child process, for
    /// the tests that kill it. `addr` may be `127.0.0.1:0`, or the port of a server just killed.
    pub fn serve(data: &Path, addr: &str, flags: &[&str]) -> Sandbox {
        let mut child = Command::new(bulk_bin())
            .args([
                "sandbox",
                "serve",
                "--addr",
                addr,
                "--print-url",
                "--data-dir",
            ])
            .arg(data)
            .args(flags)
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
        let token = Self::token_of(data, &[]);
        assert!(!token.is_empty());
        Sandbox {
            addr: url.trim_start_matches("http://").parse().unwrap(),
            url,
            token,
            data_dir: data.to_path_buf(),
            kind: Kind::Process(child),
            http: client(Duration::from_secs(60)),
            _temp: None,
        }
    }

    /// `bulk sandbox token` on a data directory, with extra arguments (`--new-org ...`).
    pub fn token_of(data_dir: &Path, extra: &[&str]) -> String {
        let o = Command::new(bulk_bin())
            .args(["sandbox", "token", "--data-dir"])
            .arg(data_dir)
            .args(extra)
            .env_remove("BULK_TOKEN")
            .env_remove("BULK_URL")
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        String::from_utf8(o.stdout).unwrap().trim().to_string()
    }

    /// The service's state, for a test that looks inside (in-process sandboxes only).
    pub fn state(&self) -> &AppState {
        match &self.kind {
            Kind::InProcess(Some(h)) => h.state(),
            Kind::InProcess(None) => panic!("the sandbox was stopped"),
            Kind::Process(_) => panic!("a `bulk sandbox serve` process has no state here"),
        }
    }

    /// Stops the server and waits for it (the job worker finishes its current batch).
    pub fn shutdown(&mut self) {
        match &mut self.kind {
            Kind::InProcess(handle) => {
                if let Some(h) = handle.take() {
                    h.stop().unwrap();
                }
            }
            Kind::Process(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }

    /// Stops it for good (see [`Sandbox::shutdown`]).
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// SIGKILLs a [`Sandbox::serve`]d server: no graceful shutdown, the worker stops wherever
    /// it is.
    pub fn kill(mut self) {
        match &mut self.kind {
            Kind::Process(child) => {
                child.kill().unwrap();
                child.wait().unwrap();
            }
            Kind::InProcess { .. } => panic!("only a `bulk sandbox serve` process can be killed"),
        }
    }

    // ------------------------------------------------------------ single requests

    /// `GET path` with the admin token, on a fresh connection.
    pub fn get(&self, path: &str) -> Response {
        self.get_as(&self.token, path)
    }

    /// `GET path` with `token`, on a fresh connection.
    pub fn get_as(&self, token: &str, path: &str) -> Response {
        fresh_client()
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .unwrap()
    }

    /// `GET path`, which must succeed, as JSON.
    pub fn json(&self, path: &str) -> Value {
        let r = self.get(path);
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().unwrap()
    }

    /// `GET path` through `client`, which must succeed, as JSON.
    pub fn json_with(&self, client: &Client, path: &str) -> Value {
        let r = client
            .get(format!("{}{path}", self.url))
            .bearer_auth(&self.token)
            .send()
            .unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().unwrap()
    }

    /// `POST /v1/jobs/import` of `body`, whatever the answer.
    pub fn post_import(
        &self,
        object_type: &str,
        file_name: &str,
        body: impl AsRef<[u8]>,
    ) -> Response {
        fresh_client()
            .post(format!("{}/v1/jobs/import", self.url))
            .query(&[("object_type", object_type), ("file_name", file_name)])
            .bearer_auth(&self.token)
            .body(body.as_ref().to_vec())
            .send()
            .unwrap()
    }

    /// `POST /v1/jobs/import` with `query` and an `Idempotency-Key`, whatever the answer.
    pub fn post_import_keyed(
        &self,
        query: &[(&str, &str)],
        key: &str,
        body: impl AsRef<[u8]>,
    ) -> Response {
        fresh_client()
            .post(format!("{}/v1/jobs/import", self.url))
            .query(query)
            .bearer_auth(&self.token)
            .header("Idempotency-Key", key)
            .body(body.as_ref().to_vec())
            .send()
            .unwrap()
    }

    /// `POST /v1/jobs/export`, whatever the answer.
    pub fn post_export(&self, object_type: &str) -> Response {
        fresh_client()
            .post(format!("{}/v1/jobs/export", self.url))
            .bearer_auth(&self.token)
            .json(&json!({ "object_type": object_type }))
            .send()
            .unwrap()
    }

    /// Submits an import, which must be accepted (201); returns the new job.
    pub fn submit(&self, object_type: &str, file_name: &str, body: impl AsRef<[u8]>) -> Value {
        let r = self.post_import(object_type, file_name, body);
        assert_eq!(r.status(), 201, "import refused: {}", r.text().unwrap());
        r.json().unwrap()
    }

    /// Submits an import and waits for the job to end; returns the finished job.
    pub fn import(&self, object_type: &str, file_name: &str, body: impl AsRef<[u8]>) -> Value {
        let job = self.submit(object_type, file_name, body);
        self.wait(job["id"].as_str().unwrap())
    }

    /// Starts an export and waits for the job to end; returns the finished job.
    pub fn export(&self, object_type: &str) -> Value {
        let r = self.post_export(object_type);
        assert_eq!(r.status(), 201);
        let job: Value = r.json().unwrap();
        self.wait(job["id"].as_str().unwrap())
    }

    /// A job's status.
    pub fn status(&self, client: &Client, id: &str) -> String {
        self.json_with(client, &format!("/v1/jobs/{id}"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Long-polls until the job is no longer new or in progress (at most 30 s).
    pub fn wait(&self, id: &str) -> Value {
        self.wait_within(id, Duration::from_secs(30))
    }

    /// Long-polls until the job is no longer new or in progress, failing after `within`.
    pub fn wait_within(&self, id: &str, within: Duration) -> Value {
        let c = client(Duration::from_secs(70));
        let deadline = Instant::now() + within;
        loop {
            let job = self.json_with(&c, &format!("/v1/jobs/{id}?wait=5"));
            let st = job["status"].as_str().unwrap();
            if st != "new" && st != "in_progress" {
                return job;
            }
            assert!(Instant::now() < deadline, "job {id} still {st}: {job}");
        }
    }

    // ------------------------------------------------------------ retried through faults

    /// A request, retried through the server's own injected faults (5xx, 429, resets).
    fn send(&self, make: impl Fn(&Client) -> RequestBuilder) -> Response {
        for _ in 0..100 {
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

    /// `GET path` as JSON, retried through injected faults.
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

    /// Waits until the server has at least `n` import jobs.
    pub fn wait_for_jobs(&self, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.import_jobs().len() < n {
            assert!(Instant::now() < deadline, "fewer than {n} jobs after 30 s");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every record of a type, as header-keyed (lowercase) rows, through an export job.
    pub fn export_records(&self, object_type: &str, how: Export) -> Vec<HashMap<String, String>> {
        let key = format!("test-export-{}", uuid::Uuid::new_v4());
        let job: Value = self
            .send(|h| {
                let r = h
                    .post(format!("{}/v1/jobs/export", self.url))
                    .json(&json!({ "object_type": object_type }));
                match how {
                    Export::Plain => r,
                    Export::Idempotent => r.header("idempotency-key", &key),
                }
            })
            .json()
            .unwrap();
        let id = job["id"].as_str().unwrap().to_string();
        let deadline = Instant::now() + Duration::from_secs(120);
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
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// `--max-rows N` of `bulk sandbox serve`: at most `n` rows per imported CSV and per exported
/// file.
pub fn max_rows(s: &mut Settings, n: u64) {
    s.max_rows = n;
    s.export_rows_per_file = n as usize;
}

/// An HTTP client with a `timeout`.
pub fn client(timeout: Duration) -> Client {
    Client::builder().timeout(timeout).build().unwrap()
}

/// A client that keeps no idle connection: each request opens its own.
pub fn fresh_client() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(70))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap()
}

/// The URL and token a sandbox data directory records (`credentials.json`).
pub fn credentials(data_dir: &Path) -> Option<(String, String)> {
    let v: Value =
        serde_json::from_slice(&std::fs::read(data_dir.join("credentials.json")).ok()?).ok()?;
    Some((
        v["url"].as_str()?.to_string(),
        v["token"].as_str()?.to_string(),
    ))
}
