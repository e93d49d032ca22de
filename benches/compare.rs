//! Side-by-side benchmarks of `bulk` against the tools an admin would use instead, on the data
//! of `../shared/bench` (see its README for the protocol and the baseline figures).
//!
//! `cargo bench --bench compare -- split|validate|service|import [--runs N]`
//!
//! Every command runs once to warm up, then N times (default 5); before each run its previous
//! output is deleted (untimed: the "recycled pages" protocol of the bench README). Each run is
//! timed by GNU time (`/usr/bin/time`), which also gives user and system time and peak memory.
//! Tools that are not installed are reported as missing, not silently skipped.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const DATA: &str = "/tmp/bench-data";
const OUT: &str = "/tmp/bench-out";

fn shared_bench() -> PathBuf {
    std::env::var_os("BULK_BENCH_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/bench"))
}

fn bulk() -> &'static str {
    env!("CARGO_BIN_EXE_bulk")
}

/// Makes `name` with the shared generator unless it exists.
fn data(name: &str, args: &[&str]) -> PathBuf {
    let p = Path::new(DATA).join(name);
    if !p.exists() {
        std::fs::create_dir_all(DATA).unwrap();
        eprintln!("generating {} ...", p.display());
        let ok = Command::new("python3")
            .arg(shared_bench().join("gen_users.py"))
            .args(args)
            .arg("-o")
            .arg(&p)
            .status()
            .expect("python3")
            .success();
        assert!(ok, "gen_users.py failed");
    }
    p
}

fn which(tool: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(tool))
            .find(|p| p.is_file())
    })
}

#[derive(Debug, Clone, Copy)]
struct Sample {
    wall: f64,
    user: f64,
    sys: f64,
    rss_mib: f64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Runs `argv` under GNU time after `prepare`; returns the sample.
fn timed(argv: &[String], prepare: &dyn Fn()) -> Sample {
    prepare();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "BENCH %e %U %S %M"])
        .args(argv)
        .output()
        .expect("GNU time at /usr/bin/time (apt-get install time)");
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .rev()
        .find(|l| l.starts_with("BENCH "))
        .unwrap_or_else(|| panic!("no timing for {argv:?}: {err}"));
    let f: Vec<f64> = line[6..]
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    Sample {
        wall: f[0],
        user: f[1],
        sys: f[2],
        rss_mib: f[3] / 1024.0,
    }
}

struct Row {
    name: String,
    wall: f64,
    min: f64,
    max: f64,
    user: f64,
    sys: f64,
    rss: f64,
    note: String,
}

fn bench(name: &str, argv: Vec<String>, runs: usize, prepare: &dyn Fn()) -> Row {
    eprintln!("{name}: {}", argv.join(" "));
    timed(&argv, prepare);
    let s: Vec<Sample> = (0..runs).map(|_| timed(&argv, prepare)).collect();
    row_of(name, &s)
}

fn fresh(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
}

fn print_table(title: &str, input: &Path, rows: &[Row], reference: &str) {
    let bytes = std::fs::metadata(input).map(|m| m.len()).unwrap_or(0) as f64;
    let base = rows.iter().find(|r| r.name == reference).map(|r| r.wall);
    println!(
        "\n### {title}: {} ({} bytes)\n",
        input.display(),
        bytes as u64
    );
    println!("| command | median wall s (min-max) | MB/s | user s | sys s | peak RSS MiB | x vs {reference} | notes |");
    println!("|---|---|---|---|---|---|---|---|");
    for r in rows {
        let ratio = base
            .map(|b| format!("{:.2}", b / r.wall))
            .unwrap_or_default();
        println!(
            "| {} | {:.3} ({:.3}-{:.3}) | {:.0} | {:.2} | {:.2} | {:.1} | {} | {} |",
            r.name,
            r.wall,
            r.min,
            r.max,
            bytes / 1e6 / r.wall,
            r.user,
            r.sys,
            r.rss,
            ratio,
            r.note
        );
    }
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn check_chunks(input: &Path, dir: &Path, extra: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(shared_bench().join("check_chunks.py"))
        .arg(input)
        .arg(dir)
        .args(extra)
        .output()
        .expect("python3");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap_or_default();
    format!(
        "{} chunks, same records: {}, header missing in {}, max rows {}, max bytes {}, endings {}",
        v["files"],
        v["same_records"],
        v["files_missing_header"],
        v["max_rows_in_chunk"],
        v["max_bytes_in_chunk"],
        v["line_endings"]
    )
}

/// A command of the split series: its name, argv, and the limits `check_chunks` holds its
/// output to (`None`: not checked).
type Contender<'a> = (&'a str, Vec<String>, Option<&'a [&'a str]>);

/// `bulk split` against cp (the floor), xsv and qsv, alternately: one warm-up round, then
/// `runs` rounds of every command in turn, so that all of them see the same machine (the
/// bench README: write-heavy timings drift over a series while user time does not). The
/// Python splitter (30 s a run) is timed apart, after the series.
fn split_suite(runs: usize) {
    let f = data("users-5m.csv", &["5000000"]);
    let fs = f.display().to_string();
    let o = Path::new(OUT).join("split");
    let os = o.display().to_string();
    let prep = || fresh(&o);
    let both = ["--max-rows", "5000", "--max-bytes", "5000000"];
    let mut series: Vec<Contender> = vec![
        (
            "cp (floor)",
            s(&["cp", &fs, &format!("{os}/copy.csv")]),
            None,
        ),
        (
            "bulk split (5000 rows or 5 MB)",
            s(&[bulk(), "split", &fs, "--out", &os, "-q"]),
            Some(&both[..]),
        ),
    ];
    for (name, tool) in [("xsv split -s 5000", "xsv"), ("qsv split -s 5000", "qsv")] {
        match which(tool) {
            Some(t) => series.push((
                name,
                s(&[&t.display().to_string(), "split", "-s", "5000", &os, &fs]),
                Some(&["--max-rows", "5000"][..]),
            )),
            None => eprintln!("{tool} not installed: row skipped"),
        }
    }
    for (name, argv, _) in &series {
        eprintln!("{name}: {}", argv.join(" "));
    }
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); series.len()];
    let mut notes = vec![String::new(); series.len()];
    for round in 0..=runs {
        for (k, (_, argv, check)) in series.iter().enumerate() {
            let t = timed(argv, &prep);
            if round > 0 {
                samples[k].push(t);
            }
            if round == runs {
                if let Some(extra) = check {
                    notes[k] = check_split(&f, &o, extra);
                }
            }
        }
    }
    let mut rows: Vec<Row> = series
        .iter()
        .zip(samples)
        .zip(notes)
        .map(|((&(name, _, _), s), note)| Row {
            note,
            ..row_of(name, &s)
        })
        .collect();
    let py = shared_bench().join("split_py.py").display().to_string();
    let mut r = bench(
        "split_py.py --rows 5000 --max-bytes 5000000",
        s(&[
            "python3",
            &py,
            &fs,
            &os,
            "--rows",
            "5000",
            "--max-bytes",
            "5000000",
        ]),
        runs.min(3),
        &prep,
    );
    r.note = check_split(&f, &o, &both);
    rows.push(r);
    print_table("split", &f, &rows, "xsv split -s 5000");
}

/// Runs `commands` in one series, alternating: each once to warm up, then round after round
/// one run of each, so that a change in the machine's load hits every command alike.
fn bench_alternating(commands: Vec<(&str, Vec<String>)>, runs: usize) -> Vec<Row> {
    let none = || {};
    // The warm-up run also proves each command works: a tool that fails at once (a wrong path
    // to its schema) would otherwise show up as a fast row.
    for (name, argv) in &commands {
        eprintln!("{name}: {}", argv.join(" "));
        let out = std::process::Command::new(&argv[0])
            .args(&argv[1..])
            .output()
            .expect("the command starts");
        assert!(
            out.status.success(),
            "{name} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); commands.len()];
    for _ in 0..runs {
        for (k, (_, argv)) in commands.iter().enumerate() {
            samples[k].push(timed(argv, &none));
        }
    }
    commands
        .iter()
        .zip(samples)
        .map(|((name, _), s)| row_of(name, &s))
        .collect()
}

/// `check_chunks` on a split's output, with bulk's manifest (not a chunk) set aside first.
fn check_split(input: &Path, dir: &Path, extra: &[&str]) -> String {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.to_string_lossy().ends_with(".manifest.json") {
            std::fs::rename(&p, Path::new(OUT).join("manifest.json")).unwrap();
        }
    }
    check_chunks(input, dir, extra)
}

/// Medians of the samples of one command.
fn row_of(name: &str, s: &[Sample]) -> Row {
    let walls: Vec<f64> = s.iter().map(|x| x.wall).collect();
    Row {
        name: name.into(),
        wall: median(walls.clone()),
        min: walls.iter().cloned().fold(f64::MAX, f64::min),
        max: walls.iter().cloned().fold(0.0, f64::max),
        user: median(s.iter().map(|x| x.user).collect()),
        sys: median(s.iter().map(|x| x.sys).collect()),
        rss: s.iter().map(|x| x.rss_mib).fold(0.0, f64::max),
        note: String::new(),
    }
}

fn validate_suite(runs: usize) {
    let f = data("users-webex-5m.csv", &["--columns", "webex", "5000000"]);
    let fs = f.display().to_string();
    let schema = shared_bench()
        .join("users-webex.schema.json")
        .display()
        .to_string();
    let mut commands = vec![(
        "bulk validate --type user",
        s(&[bulk(), "validate", &fs, "--type", "user", "-q"]),
    )];
    // `BULK_BENCH_BEFORE=<another bulk binary>`: that build too, in the same series.
    let before = std::env::var("BULK_BENCH_BEFORE").ok();
    if let Some(b) = &before {
        commands.push((
            "bulk validate --type user (before)",
            s(&[b, "validate", &fs, "--type", "user", "-q"]),
        ));
    }
    let qsv = which("qsv").map(|q| q.display().to_string());
    match &qsv {
        Some(q) => {
            commands.push((
                "qsv validate + JSON Schema",
                s(&[q, "validate", &fs, &schema]),
            ));
            commands.push(("qsv validate (RFC 4180 + UTF-8)", s(&[q, "validate", &fs])));
        }
        None => eprintln!("qsv not installed: rows skipped"),
    }
    if let Some(x) = which("xsv") {
        commands.push((
            "xsv count (parse floor)",
            s(&[&x.display().to_string(), "count", &fs]),
        ));
    }
    let mut rows = bench_alternating(commands, runs);
    let base = rows
        .iter()
        .find(|r| r.name.starts_with("qsv validate (RFC"))
        .map(|r| (r.wall, r.user));
    if let (Some((wall, user)), Some(b)) = (base, rows.first_mut()) {
        b.note = format!(
            "x{:.2} wall, x{:.2} user vs qsv validate without a schema",
            wall / b.wall,
            user / b.user
        );
    }
    print_table("validate", &f, &rows, "qsv validate + JSON Schema");
}

/// A sandbox on a fresh data dir, killed on drop.
struct Sandbox {
    child: std::process::Child,
    url: String,
    token: String,
}

impl Sandbox {
    fn start(dir: &Path) -> Sandbox {
        Sandbox::start_with(bulk(), dir)
    }

    /// A sandbox of the bulk binary `bin`.
    fn start_with(bin: &str, dir: &Path) -> Sandbox {
        let _ = std::fs::remove_dir_all(dir);
        let mut child = Command::new(bin)
            .args([
                "sandbox",
                "serve",
                "--addr",
                "127.0.0.1:0",
                "--print-url",
                "--data-dir",
            ])
            .arg(dir)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let token = String::from_utf8(
            Command::new(bin)
                .args(["sandbox", "token", "--data-dir"])
                .arg(dir)
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap();
        Sandbox {
            child,
            url: line.trim().to_string(),
            token: token.trim().to_string(),
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()
        .unwrap()
}

/// Imports `body` and waits; returns the finished job.
fn import(sb: &Sandbox, ty: &str, name: &str, body: Vec<u8>) -> serde_json::Value {
    let c = http();
    let job: serde_json::Value = c
        .post(format!("{}/v1/jobs/import", sb.url))
        .query(&[("object_type", ty), ("file_name", name)])
        .bearer_auth(&sb.token)
        .body(body)
        .send()
        .unwrap()
        .json()
        .unwrap();
    wait(sb, job["id"].as_str().unwrap())
}

fn wait(sb: &Sandbox, id: &str) -> serde_json::Value {
    let c = http();
    loop {
        let j: serde_json::Value = c
            .get(format!("{}/v1/jobs/{id}?wait=30", sb.url))
            .bearer_auth(&sb.token)
            .send()
            .unwrap()
            .json()
            .unwrap();
        let st = j["status"].as_str().unwrap_or("");
        if st != "new" && st != "in_progress" {
            return j;
        }
    }
}

fn service_seconds(j: &serde_json::Value) -> f64 {
    let t = |k: &str| {
        time::OffsetDateTime::parse(
            j[k].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    (t("finished_at") - t("started_at")).as_seconds_f64()
}

/// Users every fresh sandbox accepts: no references beyond the tenant defaults.
fn plain_users(n: usize, offset: usize) -> Vec<u8> {
    let mut s = String::from("Email,User Profile,Contact Center Enabled,Site,Teams,Skill Profile,Desktop Profile,Multimedia Profile,External Id,Default DN\r\n");
    for i in 0..n {
        s.push_str(&format!(
            "agent{}@example.com,Standard Agent,On,Bench Site,Bench Team,,Default Desktop Profile,,EMP-{},+4930555{:05}\r\n",
            i + offset,
            i + offset,
            (i + offset) % 100000
        ));
    }
    s.into_bytes()
}

fn seed(sb: &Sandbox) {
    import(
        sb,
        "site",
        "sites.csv",
        b"Name,Multimedia Profile\r\nBench Site,Default Multimedia Profile\r\n".to_vec(),
    );
    import(
        sb,
        "team",
        "teams.csv",
        b"Name,Site,Type\r\nBench Team,Bench Site,AGENT\r\n".to_vec(),
    );
}

/// The sandboxes of this build and, with `BULK_BENCH_BEFORE=<another bulk binary>`, of that
/// binary, each on its own data dir, measured alternately in one series (same jobs, same order).
fn service_suite(runs: usize) {
    println!("\n### service (sandbox, release build)\n");
    println!("| sandbox | measurement | median (min–max) | rows/s | runs |");
    println!("|---|---|---|---|---|");
    let mut binaries = vec![("this build", bulk().to_string())];
    if let Ok(b) = std::env::var("BULK_BENCH_BEFORE") {
        binaries.insert(0, ("before", b));
    }
    let sandboxes: Vec<(&str, Sandbox)> = binaries
        .iter()
        .enumerate()
        .map(|(k, (name, bin))| {
            let sb = Sandbox::start_with(bin, &Path::new(OUT).join(format!("sandbox-{k}")));
            seed(&sb);
            (*name, sb)
        })
        .collect();
    let row = |what: &str, times: &[Vec<f64>], rows: f64| {
        for ((name, _), t) in sandboxes.iter().zip(times) {
            let lo = t.iter().cloned().fold(f64::MAX, f64::min);
            let hi = t.iter().cloned().fold(0.0, f64::max);
            let m = median(t.clone());
            println!(
                "| {name} | {what} | {:.0} ms ({:.0}–{:.0}) | {:.0} | {runs} |",
                m * 1000.0,
                lo * 1000.0,
                hi * 1000.0,
                rows / m
            );
        }
    };
    let mut times = vec![Vec::new(); sandboxes.len()];
    for r in 0..runs {
        for ((_, sb), t) in sandboxes.iter().zip(&mut times) {
            let j = import(sb, "user", "users.csv", plain_users(5000, r * 5000));
            assert_eq!(j["rows_failed"], 0, "{j}");
            t.push(service_seconds(&j));
        }
    }
    row(
        "5000-row users import job, new users (service time)",
        &times,
        5000.0,
    );
    // The same files again: every user exists, so each row is an update through the mapping
    // and the face (issue 12's aim: under 250 ms).
    let mut times = vec![Vec::new(); sandboxes.len()];
    for r in 0..runs {
        for ((_, sb), t) in sandboxes.iter().zip(&mut times) {
            let j = import(sb, "user", "users.csv", plain_users(5000, r * 5000));
            assert_eq!(j["rows_failed"], 0, "{j}");
            assert_eq!(j["objects_updated"], 5000, "{j}");
            t.push(service_seconds(&j));
        }
    }
    row(
        "5000-row users import job, existing users (service time)",
        &times,
        5000.0,
    );
    // Fill up to 100,000 users (the time of each new-users job as the organisation grows),
    // then export them.
    let have = runs * 5000;
    let mut times = vec![Vec::new(); sandboxes.len()];
    for k in 0..(100_000usize.saturating_sub(have)).div_ceil(5000) {
        for ((_, sb), t) in sandboxes.iter().zip(&mut times) {
            let j = import(sb, "user", "users.csv", plain_users(5000, have + k * 5000));
            t.push(service_seconds(&j));
        }
    }
    for ((name, _), t) in sandboxes.iter().zip(&times) {
        println!(
            "| {name} | 5000 new users into an organisation of {have} to 100,000: the last job | {:.0} ms | {:.0} | 1 |",
            t.last().copied().unwrap_or(0.0) * 1000.0,
            5000.0 / t.last().copied().unwrap_or(1.0)
        );
    }
    let c = http();
    let mut times = vec![Vec::new(); sandboxes.len()];
    for _ in 0..runs {
        for ((_, sb), t) in sandboxes.iter().zip(&mut times) {
            let job: serde_json::Value = c
                .post(format!("{}/v1/jobs/export", sb.url))
                .bearer_auth(&sb.token)
                .json(&serde_json::json!({"object_type": "user"}))
                .send()
                .unwrap()
                .json()
                .unwrap();
            let j = wait(sb, job["id"].as_str().unwrap());
            assert_eq!(j["status"], "completed", "{j}");
            let t0 = Instant::now();
            let file = c
                .get(format!(
                    "{}/v1/jobs/{}/file",
                    sb.url,
                    j["id"].as_str().unwrap()
                ))
                .bearer_auth(&sb.token)
                .send()
                .unwrap()
                .bytes()
                .unwrap();
            let dl = t0.elapsed().as_secs_f64();
            t.push(service_seconds(&j) + dl);
            // The ZIP is deflated: check the records, not the size.
            assert_eq!(j["rows_total"], 100_000, "{j}");
            assert!(!file.is_empty());
        }
    }
    row(
        "export of 100,000 users (job + download)",
        &times,
        100_000.0,
    );
}

/// A job's timestamp `k` in seconds since the Unix epoch.
fn job_time(j: &serde_json::Value, k: &str) -> f64 {
    let t = time::OffsetDateTime::parse(
        j[k].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    (t - time::OffsetDateTime::UNIX_EPOCH).as_seconds_f64()
}

/// One import of 100,000 users as [`import_suite`] measures it.
struct ImportRun {
    wall: f64,
    service: f64,
    cpu: f64,
    first_job: f64,
    first_start: f64,
    gaps: Vec<f64>,
}

impl ImportRun {
    fn share(&self) -> f64 {
        (self.wall - self.service) / self.wall
    }
}

/// Imports `file` with `bin` into a fresh sandbox (seeded) and reads the jobs' timestamps.
fn import_run(bin: &str, file: &Path, dir: &Path) -> ImportRun {
    let sb = Sandbox::start(&dir.join("sandbox"));
    seed(&sb);
    let _ = std::fs::remove_dir_all(dir.join("data"));
    let epoch0 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let t0 = Instant::now();
    let out = Command::new("/usr/bin/time")
        .args(["-f", "BENCH %e %U %S %M"])
        .arg(bin)
        .args(["--json", "import"])
        .arg(file)
        .env("BULK_URL", &sb.url)
        .env("BULK_TOKEN", &sb.token)
        .env("BULK_DATA_DIR", dir.join("data"))
        .env_remove("BULK_PROFILE")
        .output()
        .unwrap();
    let wall = t0.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let line = err.lines().rev().find(|l| l.starts_with("BENCH ")).unwrap();
    let f: Vec<f64> = line[6..]
        .split_whitespace()
        .map(|x| x.parse().unwrap())
        .collect();
    let list: serde_json::Value = http()
        .get(format!("{}/v1/jobs?page_size=100&object_type=user", sb.url))
        .bearer_auth(&sb.token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    let mut jobs = list["jobs"].as_array().unwrap().clone();
    assert_eq!(jobs.len(), 20, "{list}");
    let rows: u64 = jobs
        .iter()
        .map(|j| j["rows_succeeded"].as_u64().unwrap())
        .sum();
    assert_eq!(rows, 100_000, "{list}");
    jobs.sort_by(|a, b| job_time(a, "started_at").total_cmp(&job_time(b, "started_at")));
    ImportRun {
        wall,
        service: jobs.iter().map(service_seconds).sum(),
        cpu: f[1] + f[2],
        first_job: job_time(&jobs[0], "created_at") - epoch0,
        first_start: job_time(&jobs[0], "started_at") - epoch0,
        gaps: jobs
            .windows(2)
            .map(|w| (job_time(&w[1], "started_at") - job_time(&w[0], "finished_at")) * 1000.0)
            .collect(),
    }
}

/// Issue 15's import aim, measured: the whole import's wall time, the service's share (the sum of
/// its jobs' start-to-end times), the client's CPU time (GNU time), the time from the command's
/// start to the first job's creation (validation and chunking before anything is sent), and the
/// gaps between consecutive jobs (service end of job k to service start of job k+1: noticing
/// the end, the next upload, the job's creation and the worker's pick-up; the service's
/// timestamps have millisecond resolution). With `BULK_BENCH_BEFORE=<another bulk binary>`,
/// each run imports with that binary too, alternately, against the same (this build's) sandbox.
fn import_suite(runs: usize) {
    println!("\n### bulk import of 100,000 users (20 chunks) against a local sandbox\n");
    println!(
        "| run | client | wall s | service s (sum of job times) | client share | wall - service s | client user+sys s | to first job s | to first start s | gap median ms | gap max ms |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let dir = Path::new(OUT).join("import");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("users.csv");
    std::fs::write(&file, plain_users(100_000, 0)).unwrap();
    let before = std::env::var("BULK_BENCH_BEFORE").ok();
    let mut clients = vec![("this build", bulk().to_string())];
    if let Some(b) = before {
        clients.insert(0, ("before", b));
    }
    let mut all: Vec<Vec<ImportRun>> = clients.iter().map(|_| Vec::new()).collect();
    for r in 0..runs {
        for (k, (name, bin)) in clients.iter().enumerate() {
            let x = import_run(bin, &file, &dir);
            let gap_max = x.gaps.iter().cloned().fold(0.0, f64::max);
            println!(
                "| {} | {name} | {:.2} | {:.2} | {:.1}% | {:.3} | {:.2} | {:.3} | {:.3} | {:.1} | {gap_max:.1} |",
                r + 1,
                x.wall,
                x.service,
                x.share() * 100.0,
                x.wall - x.service,
                x.cpu,
                x.first_job,
                x.first_start,
                median(x.gaps.clone()),
            );
            all[k].push(x);
        }
    }
    println!();
    for ((name, _), xs) in clients.iter().zip(&all) {
        let gaps: Vec<f64> = xs.iter().flat_map(|x| x.gaps.clone()).collect();
        println!(
            "{name}: medians of {} runs: wall {:.2} s, service {:.2} s, client share {:.1}% ({:.3} s), client user+sys {:.2} s, to first job {:.3} s, gap between jobs {:.1} ms (max {:.1} ms over {} gaps)",
            xs.len(),
            median(xs.iter().map(|x| x.wall).collect()),
            median(xs.iter().map(|x| x.service).collect()),
            median(xs.iter().map(ImportRun::share).collect()) * 100.0,
            median(xs.iter().map(|x| x.wall - x.service).collect()),
            median(xs.iter().map(|x| x.cpu).collect()),
            median(xs.iter().map(|x| x.first_job).collect()),
            median(gaps.clone()),
            gaps.iter().cloned().fold(0.0, f64::max),
            gaps.len()
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(5);
    let suites: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| ["split", "validate", "service", "import"].contains(a))
        .collect();
    let all = suites.is_empty();
    if all || suites.contains(&"split") {
        split_suite(runs);
    }
    if all || suites.contains(&"validate") {
        validate_suite(runs);
    }
    if all || suites.contains(&"service") {
        service_suite(runs);
    }
    if all || suites.contains(&"import") {
        import_suite(runs.min(3));
    }
}
