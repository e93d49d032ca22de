//! Helpers of the fault tests (a trimmed copy of `tests/import/support.rs`): an isolated home per
//! test, the real `bulk` binary, a standalone sandbox that can be killed and restarted on its
//! data directory, generated users, and the accounting every scenario ends with.

use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A temporary home: config, journals and the embedded sandbox all live in it.
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
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
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
        let child = self.spawn(args);
        self.finish(child)
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

    /// Waits for a spawned `bulk` (at most 5 minutes) and checks its output like `run`.
    pub fn finish(&self, mut child: Child) -> Out {
        let deadline = Instant::now() + Duration::from_secs(300);
        // Drain the pipes on threads so a chatty child never blocks on a full pipe.
        let mut so = child.stdout.take().unwrap();
        let mut se = child.stderr.take().unwrap();
        let t1 = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut so, &mut s);
            s
        });
        let t2 = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut se, &mut s);
            s
        });
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("bulk ran longer than 5 minutes:\n{}", t2.join().unwrap());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = Out {
            code: status.code().unwrap_or(-1),
            stdout: t1.join().unwrap(),
            stderr: t2.join().unwrap(),
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
        if let Some((_, t)) = embedded_credentials(&self.path("sandbox")) {
            tokens.push(t);
        }
        for t in tokens {
            assert!(
                !out.stdout.contains(&t) && !out.stderr.contains(&t),
                "the token was printed:\n{out:?}"
            );
        }
    }

    /// Journal files left in the data directory.
    pub fn journals(&self) -> usize {
        match std::fs::read_dir(self.path("bulk-data/journal")) {
            Ok(rd) => rd
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .path()
                        .extension()
                        .is_some_and(|x| x == "json")
                })
                .count(),
            Err(_) => 0,
        }
    }
}

/// The URL and token a sandbox data directory records (`credentials.json`).
pub fn embedded_credentials(data_dir: &Path) -> Option<(String, String)> {
    let v: Value =
        serde_json::from_slice(&std::fs::read(data_dir.join("credentials.json")).ok()?).ok()?;
    Some((
        v["url"].as_str()?.to_string(),
        v["token"].as_str()?.to_string(),
    ))
}

/// A `bulk sandbox serve` process; killed on drop.
pub struct Server {
    child: Child,
    pub data: PathBuf,
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
        let s = Server::serve(&env.path("server"), "127.0.0.1:0", extra);
        env.remote = Some((s.url.clone(), s.token.clone()));
        s
    }

    /// Starts a server on `data` listening on `addr`.
    pub fn serve(data: &Path, addr: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(assert_cmd::cargo::cargo_bin("bulk"))
            .args([
                "sandbox",
                "serve",
                "--addr",
                addr,
                "--print-url",
                "--data-dir",
            ])
            .arg(data)
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
            .arg(data)
            .output()
            .unwrap();
        let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
        assert!(!token.is_empty());
        Server::attach(child, data, url, token)
    }

    fn attach(child: Child, data: &Path, url: String, token: String) -> Server {
        Server {
            child,
            data: data.to_path_buf(),
            url,
            token,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        }
    }

    /// The `host:port` the server listens on.
    pub fn addr(&self) -> String {
        self.url.trim_start_matches("http://").to_string()
    }

    /// SIGKILLs the server: no graceful shutdown, the worker stops wherever it is.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// A request, retried through the server's own injected faults.
    fn send(
        &self,
        make: impl Fn(&reqwest::blocking::Client) -> reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::Response {
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

    /// Every record of a type, as header-keyed (lowercase) rows, through an export job.
    pub fn export(&self, object_type: &str) -> Vec<HashMap<String, String>> {
        // A reset after the job was made must not make a second one (the retry would meet
        // `job_active`): the key names this export.
        let key = format!("faults-export-{}", uuid::Uuid::new_v4());
        let job: Value = self
            .send(|h| {
                h.post(format!("{}/v1/jobs/export", self.url))
                    .header("idempotency-key", &key)
                    .json(&serde_json::json!({ "object_type": object_type }))
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

/// The import jobs of the service at `url` (one attempt; `None` when it does not answer well).
pub fn jobs_at(http: &reqwest::blocking::Client, url: &str, token: &str) -> Option<Vec<Value>> {
    let r = http
        .get(format!("{url}/v1/jobs?job_type=import&page_size=100"))
        .bearer_auth(token)
        .send()
        .ok()?;
    if !r.status().is_success() {
        return None;
    }
    let v: Value = r.json().ok()?;
    v["jobs"].as_array().cloned()
}

/// The sites and teams every user file below refers to.
pub const SITES: &str = "Name,Multimedia Profile\nSite A,Default Multimedia Profile\n";
pub const TEAMS: &str = "Name,Site,Type\nTeam A,Site A,AGENT\n";
pub const USER_HEADER: &str =
    "Email,User Profile,Contact Center Enabled,Site,Teams,Desktop Profile,External Id\n";

/// A user row (with its line end); `team` is `Team A` or a team the service does not know.
pub fn user_row(email: &str, team: &str) -> String {
    format!("{email},Standard Agent,On,Site A,{team},Default Desktop Profile,\n")
}

/// A users CSV of `n` rows named `{prefix}{i}@example.com`; every `reject_every`-th row names
/// an unknown team. Returns the text, the emails the service takes and those it rejects.
pub fn users(prefix: &str, n: usize, reject_every: usize) -> (String, Vec<String>, Vec<String>) {
    let mut s = String::from(USER_HEADER);
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    for i in 1..=n {
        let email = format!("{prefix}{i}@example.com");
        if reject_every > 0 && i % reject_every == 0 {
            s.push_str(&user_row(&email, "Ghost Team"));
            bad.push(email);
        } else {
            s.push_str(&user_row(&email, "Team A"));
            ok.push(email);
        }
    }
    (s, ok, bad)
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

/// What the accounting found, for the summary lines.
pub struct Tally {
    pub exported: usize,
    pub in_error_file: usize,
    pub jobs: usize,
}

/// Every input row exactly once: the service holds exactly `ok` (no duplicate object), the
/// error file `errors` (when given) holds exactly `bad`, and the import jobs of the users
/// (`file_prefix` names their chunk files) are one per chunk file, none left running, and
/// created `ok.len()` objects between them.
#[track_caller]
pub fn account(
    sb: &Server,
    errors: Option<&str>,
    ok: &[String],
    bad: &[String],
    file_prefix: &str,
) -> Tally {
    let exported: Vec<String> = sb
        .export("user")
        .iter()
        .map(|r| r["email"].to_lowercase())
        .collect();
    let set: HashSet<&String> = exported.iter().collect();
    assert_eq!(set.len(), exported.len(), "an object was created twice");
    let want: HashSet<&String> = ok.iter().collect();
    assert_eq!(set.len(), want.len(), "exported users differ in number");
    assert!(set == want, "exported users differ from the valid rows");
    let in_errors = match errors {
        Some(text) => {
            let rows = csv_rows(text);
            let got: Vec<String> = rows[1..].iter().map(|r| r[0].to_lowercase()).collect();
            let gs: HashSet<&String> = got.iter().collect();
            assert_eq!(gs.len(), got.len(), "a row is twice in the error file");
            let want: HashSet<&String> = bad.iter().collect();
            assert!(gs == want, "the error file differs from the rejected rows");
            assert!(
                gs.is_disjoint(&set),
                "a row is both imported and in the error file"
            );
            got.len()
        }
        None => {
            assert!(bad.is_empty(), "rejected rows but no error file");
            0
        }
    };
    let jobs: Vec<Value> = sb
        .import_jobs()
        .into_iter()
        .filter(|j| j["file_name"].as_str().unwrap().starts_with(file_prefix))
        .collect();
    let mut per_file: HashMap<&str, usize> = HashMap::new();
    for j in &jobs {
        *per_file
            .entry(j["file_name"].as_str().unwrap())
            .or_default() += 1;
        let st = j["status"].as_str().unwrap();
        assert!(
            ["completed", "completed_with_errors", "failed"].contains(&st),
            "a job did not end: {j}"
        );
    }
    assert!(
        per_file.values().all(|&n| n == 1),
        "a chunk was submitted twice: {per_file:?}"
    );
    let created: u64 = jobs
        .iter()
        .map(|j| j["objects_created"].as_u64().unwrap())
        .sum();
    assert_eq!(created as usize, ok.len(), "objects_created totals");
    Tally {
        exported: exported.len(),
        in_error_file: in_errors,
        jobs: jobs.len(),
    }
}
