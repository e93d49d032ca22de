//! SIGKILL in the middle of an import: of a `bulk sandbox serve` process, of the client, and of
//! a client serving the embedded sandbox itself. Every case ends with every row exactly once in the
//! service or the error file, one job per chunk, and no job left in progress.

use crate::harness::*;
use serde_json::Value;
use std::process::Child;
use std::time::{Duration, Instant};

/// 1500 users in 3 chunks of 500 (the service's limit here), 2 ms per row: a chunk's job runs
/// for a second or more, long enough to be caught in flight.
const ROWS: usize = 1500;
const SLOW: [&str; 4] = ["--max-rows", "500", "--row-delay-ms", "2"];

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

/// Polls the import jobs at `url` until `pick` finds one (within 60 s); the client must still run.
fn catch_job(url: &str, token: &str, client: &mut Child, pick: impl Fn(&Value) -> bool) -> Value {
    let http = crate::harness::client(Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(j) = jobs_at(&http, url, token).and_then(|v| v.into_iter().find(&pick)) {
            return j;
        }
        assert!(
            client.try_wait().unwrap().is_none(),
            "the import ended before a job was caught in flight"
        );
        assert!(Instant::now() < deadline, "no job in flight after 60 s");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The 2nd chunk's job, running, with some of its rows done.
fn second_chunk_mid_job(j: &Value) -> bool {
    j["file_name"]
        .as_str()
        .unwrap()
        .starts_with("users.part-002")
        && j["status"] == "in_progress"
        && j["rows_processed"].as_u64().unwrap() > 0
}

fn setup() -> (Workdir, Sandbox, Vec<String>, Vec<String>) {
    let env = Workdir::new();
    let sb = Sandbox::serve(&env.path("server"), "127.0.0.1:0", &SLOW);
    env.use_sandbox(&sb);
    seed(&env);
    let (text, ok, bad) = users_rejecting(UserCols::AgentExternalId, "c", ROWS, 50);
    env.write("users.csv", &text);
    (env, sb, ok, bad)
}

/// Checks the end of a resumed import and prints its summary line.
fn finish(
    name: &str,
    env: &Workdir,
    sb: &Sandbox,
    out: Out,
    ok: &[String],
    bad: &[String],
    t0: Instant,
) {
    let out = out.expect(4);
    let imp = &out.json()["imports"][0];
    assert_eq!(imp["status"], "completed_with_errors");
    assert_eq!(imp["jobs"].as_array().unwrap().len(), 3);
    assert_eq!(env.journals().len(), 0);
    let t = account(
        sb,
        Some(&env.read_string("users.errors.csv")),
        ok,
        bad,
        "users.part-",
    );
    assert_eq!(t.jobs, 3);
    eprintln!(
        "SUMMARY crashes/{name}: {ROWS} rows, {} jobs, {} imported + {} in the error file, exit 4, {:.1}s",
        t.jobs,
        t.exported,
        t.in_error_file,
        t0.elapsed().as_secs_f64()
    );
}

#[test]
fn sandbox_killed_mid_job_and_restarted_on_its_port_while_the_client_retries() {
    let t0 = Instant::now();
    let (env, sb, ok, bad) = setup();
    let mut client = env.spawn(&["--json", "import", "users.csv"]);
    let caught = catch_job(&sb.url, &sb.token, &mut client, second_chunk_mid_job);
    let (data, addr) = (sb.data_dir.clone(), sb.addr.to_string());
    sb.kill();
    std::thread::sleep(Duration::from_millis(500));
    // Same data, same address: the client's retries reach the new process, which resumes the
    // interrupted job after its last committed row.
    let sb = Sandbox::serve(&data, &addr, &SLOW);
    let out = env.finish(client);
    let job = sb
        .import_jobs()
        .into_iter()
        .find(|j| j["id"] == caught["id"])
        .unwrap();
    assert_eq!(job["status"], "completed_with_errors", "{job}");
    assert_eq!(job["rows_processed"], 500);
    finish(
        "sandbox-killed-same-port-client-retries",
        &env,
        &sb,
        out,
        &ok,
        &bad,
        t0,
    );
}

#[test]
fn sandbox_killed_mid_job_client_gives_up_then_resumes_on_the_restarted_sandbox() {
    let t0 = Instant::now();
    let (env, sb, ok, bad) = setup();
    let mut client = env.spawn(&["--json", "import", "users.csv"]);
    catch_job(&sb.url, &sb.token, &mut client, second_chunk_mid_job);
    let (data, addr) = (sb.data_dir.clone(), sb.addr.to_string());
    sb.kill();
    // Observed: the client retries (backoff up to 10 s, 9 attempts), then exits 1 naming the
    // service it cannot reach; the journal stays for a resume.
    let gave_up = Instant::now();
    let out = env.finish(client);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("cannot reach"), "{}", out.stderr);
    assert_eq!(env.journals().len(), 1);
    eprintln!(
        "SUMMARY crashes/client-gives-up: exit {:?} after {:.1}s of retries: {}",
        out.code,
        gave_up.elapsed().as_secs_f64(),
        out.stderr.lines().last().unwrap_or_default()
    );
    let sb = Sandbox::serve(&data, &addr, &SLOW);
    let out = env.run(&["--json", "import", "users.csv", "--resume"]);
    finish(
        "sandbox-killed-client-resumes",
        &env,
        &sb,
        out,
        &ok,
        &bad,
        t0,
    );
}

#[test]
fn sandbox_killed_mid_job_and_restarted_on_a_new_port_resumes() {
    let t0 = Instant::now();
    let (env, sb, ok, bad) = setup();
    let mut client = env.spawn(&["--json", "import", "users.csv"]);
    catch_job(&sb.url, &sb.token, &mut client, second_chunk_mid_job);
    let data = sb.data_dir.clone();
    sb.kill();
    client.kill().unwrap();
    client.wait().unwrap();
    let sb = Sandbox::serve(&data, "127.0.0.1:0", &SLOW);
    env.use_sandbox(&sb);
    let out = env.run(&["--json", "import", "users.csv", "--resume"]);
    finish("sandbox-killed-new-port", &env, &sb, out, &ok, &bad, t0);
}

#[test]
fn client_killed_mid_job_resumes_against_the_same_sandbox() {
    let t0 = Instant::now();
    let (env, sb, ok, bad) = setup();
    let mut client = env.spawn(&["--json", "import", "users.csv"]);
    catch_job(&sb.url, &sb.token, &mut client, second_chunk_mid_job);
    client.kill().unwrap();
    client.wait().unwrap();
    assert_eq!(env.journals().len(), 1);
    // The job goes on without its client; the resumed import waits for it, submits the rest.
    let out = env.run(&["--json", "import", "users.csv", "--resume"]);
    finish("client-killed", &env, &sb, out, &ok, &bad, t0);
}

#[test]
fn client_serving_the_embedded_sandbox_killed_mid_job_and_rerun() {
    let t0 = Instant::now();
    let env = Workdir::new();
    seed(&env); // the embedded sandbox in env/sandbox
    let dir = env.sandbox_dir();
    let (seed_url, token) = credentials(&dir).unwrap();
    // No row delay in the embedded sandbox: 30,000 rows in 6 chunks, a job runs ~0.2 s.
    let rows = 30_000;
    let (text, ok, bad) = users_rejecting(UserCols::AgentExternalId, "e", rows, 100);
    env.write("users.csv", &text);
    let mut client = env.spawn(&["--json", "import", "users.csv"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let url = loop {
        match credentials(&dir) {
            Some((u, _)) if u != seed_url => break u,
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "the embedded sandbox never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    };
    let caught = catch_job(&url, &token, &mut client, |j| {
        let f = j["file_name"].as_str().unwrap();
        f.starts_with("users.part-")
            && !f.starts_with("users.part-001")
            && j["status"] == "in_progress"
            && j["rows_processed"].as_u64().unwrap() > 0
    });
    client.kill().unwrap();
    client.wait().unwrap();
    // The same command again: the journal is keyed by the data directory, the embedded server
    // restarts on it and its worker resumes the interrupted job first.
    let out = env.run(&["--json", "import", "users.csv"]).expect(4);
    assert!(out.stderr.contains("resuming the import"), "{}", out.stderr);
    let imp = &out.json()["imports"][0];
    assert_eq!(imp["jobs"].as_array().unwrap().len(), 6);
    assert_eq!(env.journals().len(), 0);
    // Check the data through a sandbox of our own on the same directory.
    let sb = Sandbox::start(&dir, |_| {});
    let job = sb
        .import_jobs()
        .into_iter()
        .find(|j| j["id"] == caught["id"])
        .unwrap();
    assert_eq!(job["status"], "completed_with_errors", "{job}");
    let t = account(
        &sb,
        Some(&env.read_string("users.errors.csv")),
        &ok,
        &bad,
        "users.part-",
    );
    assert_eq!(t.jobs, 6);
    eprintln!(
        "SUMMARY crashes/embedded-client-killed: {rows} rows, {} jobs, {} imported + {} in the error file, job caught at {} of 5000 rows, exit 4, {:.1}s",
        t.jobs,
        t.exported,
        t.in_error_file,
        caught["rows_processed"],
        t0.elapsed().as_secs_f64()
    );
}
