//! Issue 15's import pipeline: nothing is sent before the whole file is known valid, and the
//! next chunk goes out as soon as the previous job ends, before that job's results are fetched.

use crate::harness::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// A TCP proxy in front of a sandbox that records the request line of every HTTP/1.1 request it
/// forwards, in the order their heads arrive (over all connections).
struct Recorder {
    url: String,
    heard: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn start(upstream: std::net::SocketAddr) -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let heard = Arc::new(Mutex::new(Vec::new()));
        let log = heard.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(client) = conn else { continue };
                let Ok(server) = TcpStream::connect(upstream) else {
                    continue;
                };
                let (mut back_from, mut back_to) =
                    (server.try_clone().unwrap(), client.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut back_from, &mut back_to);
                    let _ = back_to.shutdown(Shutdown::Both);
                });
                let log = log.clone();
                std::thread::spawn(move || forward_requests(client, server, &log));
            }
        });
        Recorder { url, heard }
    }

    fn heard(&self) -> Vec<String> {
        self.heard.lock().unwrap().clone()
    }
}

/// Copies requests from `client` to `server` one by one (head, then a `Content-Length` body),
/// logging each request line before forwarding it.
fn forward_requests(client: TcpStream, mut server: TcpStream, log: &Mutex<Vec<String>>) {
    let mut r = BufReader::new(client);
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = Vec::new();
            if r.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                let _ = server.shutdown(Shutdown::Write);
                return;
            }
            let end = line == b"\r\n";
            head.extend_from_slice(&line);
            if end {
                break;
            }
        }
        let text = String::from_utf8_lossy(&head).into_owned();
        let first = text.lines().next().unwrap_or_default().to_string();
        assert!(
            !text
                .to_ascii_lowercase()
                .contains("transfer-encoding: chunked"),
            "the recorder only follows Content-Length bodies: {text}"
        );
        let len: u64 = text
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        log.lock().unwrap().push(first);
        if server.write_all(&head).is_err() {
            return;
        }
        let mut body = (&mut r).take(len);
        if std::io::copy(&mut body, &mut server).is_err() {
            return;
        }
    }
}

/// The position of the first request line starting with `prefix`.
fn position(heard: &[String], prefix: &str) -> Option<usize> {
    heard.iter().position(|l| l.starts_with(prefix))
}

#[test]
fn the_next_chunk_is_sent_before_the_previous_jobs_results_are_fetched() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| max_rows(s, 20));
    seed(&env);
    // 60 users in 3 chunks; every 7th names an unknown team, so every job has an error file to
    // fetch once it ends.
    let (text, ok, bad) = users_rejecting(UserCols::Agent, "piped", 60, 7);
    env.write("users.csv", &text);
    let proxy = Recorder::start(sb.addr);
    env.target(&proxy.url, &sb.token);
    let out = env.run(&["--json", "import", "users.csv"]).expect(4);
    let imp = &out.json()["imports"][0];
    assert_eq!(imp["created"], ok.len());
    assert_eq!(imp["failed"], bad.len());
    let jobs: Vec<String> = imp["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j.as_str().unwrap().to_string())
        .collect();
    assert_eq!(jobs.len(), 3, "{imp}");
    let heard = proxy.heard();
    let posts: Vec<usize> = heard
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("POST /v1/jobs/import"))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(posts.len(), 3, "one upload per chunk: {heard:#?}");
    for (k, job) in jobs.iter().enumerate() {
        let fetched = position(&heard, &format!("GET /v1/jobs/{job}/errors"))
            .unwrap_or_else(|| panic!("job {job}'s errors were never fetched: {heard:#?}"));
        assert!(posts[k] < fetched, "{heard:#?}");
        if let Some(&next) = posts.get(k + 1) {
            assert!(
                next < fetched,
                "chunk {} was uploaded only after job {job}'s results were fetched: {heard:#?}",
                k + 2
            );
        }
    }
    // One job at a time, in chunk order: each was created once its predecessor had ended.
    let mut listed = sb.import_jobs();
    listed.retain(|j| jobs.contains(&j["id"].as_str().unwrap().to_string()));
    // As instants: RFC 3339 text drops trailing zeros ("28.4Z" is 28.400), so the strings
    // do not sort as the times do.
    let at = |j: &serde_json::Value, k: &str| {
        time::OffsetDateTime::parse(
            j[k].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    listed.sort_by_key(|j| at(j, "created_at"));
    let order: Vec<&str> = listed.iter().map(|j| j["id"].as_str().unwrap()).collect();
    assert_eq!(order, jobs.iter().map(String::as_str).collect::<Vec<_>>());
    for w in listed.windows(2) {
        assert!(at(&w[1], "started_at") >= at(&w[0], "finished_at"), "{w:?}");
    }
    // Every row ends imported or in the error file, with its input line.
    let rows = csv_rows(&env.read_string("users.errors.csv"));
    assert_eq!(rows.len() - 1, bad.len());
    assert!(env.journals().is_empty());
}

#[test]
fn a_bad_row_in_the_last_chunk_sends_nothing_and_leaves_no_chunks() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| max_rows(s, 20));
    seed(&env);
    let before = sb.import_jobs().len();
    let mut text = String::from(USER_HEADER);
    for i in 1..=100 {
        if i == 97 {
            text.push_str("late@,Standard Agent,On,Site A,Team A,Default Desktop Profile\n");
        } else {
            text.push_str(&user_row(i, "Team A"));
        }
    }
    env.write("users.csv", &text);
    let out = env.run(&["import", "users.csv"]).expect(3);
    assert!(out.stderr.contains("users.csv:98:1"), "{}", out.stderr);
    assert!(out.stderr.contains("nothing was sent"), "{}", out.stderr);
    assert_eq!(sb.import_jobs().len(), before, "no job may be created");
    let rows = csv_rows(&env.read_string("users.errors.csv"));
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][6], "98");
    // The chunks cut while the file was validated are gone with the plan.
    assert!(env.journals().is_empty());
    let left = std::fs::read_dir(env.data_dir().join("journal"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "{:?}", env.all_files());

    // Fixed, the same file imports whole.
    env.write("users.csv", text.replace("late@,", "late@example.com,"));
    let out = env.run(&["--json", "import", "users.csv"]).expect(0);
    let imp = &out.json()["imports"][0];
    assert_eq!(imp["created"], 100);
    assert_eq!(imp["jobs"].as_array().unwrap().len(), 5);
}
