//! Issue 11 (hardening): what an adversary on the same machine, or a clumsy operator, found.
//! Each test names the item it pins and fails on the main it was written against.

use crate::harness::*;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

/// `bulk ARGS` in `wd`'s environment under a umask of 000, so that anything created with the
/// umask's default mode shows up as world-readable.
fn run_umask_000(wd: &Workdir, args: &[&str]) -> std::process::Output {
    let mut cmd = wd.command_of("sh");
    cmd.arg("-c")
        .arg("umask 000 && exec \"$0\" \"$@\"")
        .arg(bulk_bin())
        .args(args);
    cmd.output().expect("sh runs bulk")
}

/// Watches `files` from another thread while `f` runs and records every mode seen on an fd
/// opened the moment each file exists: a file created 0644 and narrowed later is caught in its
/// window (when the race is won; the final modes are asserted apart).
fn watch_modes<T>(files: &[PathBuf], f: impl FnOnce() -> T) -> (T, Vec<(PathBuf, u32)>) {
    let done = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let watcher = {
        let (done, seen, files) = (done.clone(), seen.clone(), files.to_vec());
        std::thread::spawn(move || {
            let mut pending = files;
            while !done.load(Ordering::SeqCst) && !pending.is_empty() {
                pending.retain(|p| match std::fs::File::open(p) {
                    Ok(file) => {
                        let m = file.metadata().unwrap().permissions().mode() & 0o777;
                        seen.lock().unwrap().push((p.clone(), m));
                        false
                    }
                    Err(_) => true,
                });
                std::hint::spin_loop();
            }
        })
    };
    let out = f();
    done.store(true, Ordering::SeqCst);
    watcher.join().unwrap();
    let seen = seen.lock().unwrap().clone();
    (out, seen)
}

/// Item 2: `credentials.json` and `sandbox.db` were created with the umask (0644) and chmod'ed
/// to 0600 afterwards, in a 0755 folder. Under a umask of 000 nothing the sandbox creates may be
/// readable by others at any moment.
#[test]
fn sandbox_secrets_are_private_from_the_first_byte() {
    let wd = Workdir::new();
    let data = wd.path("fresh-sandbox");
    let secrets = [data.join("sandbox.db"), data.join("credentials.json")];
    let (out, seen) = watch_modes(&secrets, || {
        run_umask_000(
            &wd,
            &["sandbox", "token", "--data-dir", data.to_str().unwrap()],
        )
    });
    assert!(out.status.success(), "{out:?}");
    for (p, m) in &seen {
        assert_eq!(
            m & 0o077,
            0,
            "{} was readable by others: {m:o}",
            p.display()
        );
    }
    assert_eq!(mode(&data), 0o700, "the data dir");
    assert_eq!(mode(&data.join("files")), 0o700, "the uploads folder");
    for name in ["sandbox.db", "credentials.json"] {
        assert_eq!(mode(&data.join(name)), 0o600, "{name}");
    }
    for entry in std::fs::read_dir(&data).unwrap() {
        let p = entry.unwrap().path();
        assert_eq!(mode(&p) & 0o077, 0, "{} is {:o}", p.display(), mode(&p));
    }
}

/// Item 2: the journal folder (chunk copies of the admin's files) and the embedded sandbox's
/// uploads were 0644 files in 0755 folders.
#[test]
fn journals_and_uploads_are_out_of_other_users_reach() {
    let wd = Workdir::new();
    wd.write("users.csv", users(3));
    let out = run_umask_000(&wd, &["import", "--type", "user", "users.csv", "--no-wait"]);
    assert!(out.status.success(), "{out:?}");
    let journal = wd.data_dir().join("journal");
    assert_eq!(mode(&journal), 0o700, "{}", journal.display());
    let sandbox = wd.sandbox_dir();
    assert_eq!(mode(&sandbox), 0o700, "{}", sandbox.display());
    // Every folder below is 0700 and every file directly in them 0600 (the chunk copies deeper
    // down are out of reach through their 0700 folders).
    for top in [journal, sandbox] {
        let mut stack = vec![top.clone()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let p = entry.unwrap().path();
                let m = mode(&p);
                if p.is_dir() {
                    assert_eq!(m, 0o700, "{} is {m:o}", p.display());
                    stack.push(p);
                } else if d == top {
                    assert_eq!(m & 0o077, 0, "{} is {m:o}", p.display());
                }
            }
        }
    }
}

/// Item 3: a symlink named like the error file made `bulk validate --errors-out` overwrite its
/// target.
#[test]
fn validate_refuses_to_write_errors_through_a_symlink() {
    let wd = Workdir::new();
    let victim = wd.write("victim.txt", "precious");
    std::os::unix::fs::symlink(&victim, wd.path("users.errors.csv")).unwrap();
    wd.write(
        "users.csv",
        users(2).replace("user2@example.com", "broken@"),
    );
    let out = wd.run(&["validate", "users.csv", "--errors-out", "users.errors.csv"]);
    out.stderr_has("symbolic link");
    assert_ne!(out.code, Some(0));
    assert_eq!(wd.read_string("victim.txt"), "precious");
}

/// Item 3: the same through `bulk import` (its error file beside the input).
#[test]
fn import_refuses_to_write_errors_through_a_symlink() {
    let wd = Workdir::new();
    let victim = wd.write("victim.txt", "precious");
    std::os::unix::fs::symlink(&victim, wd.path("users.errors.csv")).unwrap();
    wd.write(
        "users.csv",
        users(2).replace("user2@example.com", "broken@"),
    );
    let out = wd.run(&["import", "--type", "user", "users.csv"]);
    // Issue 9 keeps a file at the error file's name that bulk did not write; a link is such a
    // file: it is left alone and the error file goes beside it.
    out.stderr_has("symbolic link")
        .stderr_has("users.errors-2.csv");
    assert_ne!(out.code, Some(0));
    assert_eq!(wd.read_string("victim.txt"), "precious");
    assert!(wd.read_string("users.errors-2.csv").contains("broken@"));
}

/// Item 3: `-o` of `errors`, `export` and `template` go through a temporary file and a rename.
#[test]
fn template_output_never_follows_a_symlink() {
    let wd = Workdir::new();
    let victim = wd.write("victim.txt", "precious");
    std::os::unix::fs::symlink(&victim, wd.path("t.csv")).unwrap();
    // Without --force an existing name is refused (issue 9); with it, a link still is.
    wd.run(&["template", "user", "-o", "t.csv"])
        .code(2)
        .stderr_has("--force");
    let out = wd.run(&["template", "user", "-o", "t.csv", "--force"]);
    out.stderr_has("symbolic link");
    assert_ne!(out.code, Some(0));
    assert_eq!(wd.read_string("victim.txt"), "precious");
    wd.run(&["template", "user", "-o", "fresh.csv"]).ok();
    assert!(wd.read_string("fresh.csv").starts_with("Email"));
}

/// `bulk sandbox serve --print-url` on a fresh data dir; returns the child and its address.
fn serve(wd: &Workdir) -> (Child, String) {
    let mut child = wd
        .command()
        .args(["sandbox", "serve", "--addr", "127.0.0.1:0", "--print-url"])
        .arg("--data-dir")
        .arg(wd.path("served"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let addr = line.trim().trim_start_matches("http://").to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{line:?}");
    (child, addr)
}

/// Sends SIGTERM and returns how long the process took to exit (killing it after `limit`).
fn term_and_time(child: &mut Child, limit: Duration) -> Duration {
    let t = Instant::now();
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    while t.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return t.elapsed();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    t.elapsed()
}

/// Item 4: one unauthenticated connection that sent half a request header kept `bulk sandbox
/// serve` from exiting on SIGTERM for as long as it liked.
#[test]
fn half_a_header_does_not_hold_shutdown() {
    let wd = Workdir::new();
    let (mut child, addr) = serve(&wd);
    let mut slow = TcpStream::connect(&addr).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let took = term_and_time(&mut child, Duration::from_secs(20));
    assert!(
        took < Duration::from_secs(8),
        "SIGTERM took {took:?} with a slow client attached"
    );
}

/// Item 4: a never-ending authenticated upload held shutdown too.
#[test]
fn an_endless_upload_does_not_hold_shutdown() {
    let wd = Workdir::new();
    let (mut child, addr) = serve(&wd);
    let token = Sandbox::token_of(&wd.path("served"), &[]);
    let mut up = TcpStream::connect(&addr).unwrap();
    write!(
        up,
        "POST /v1/jobs/import?object_type=user&file_name=u.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .unwrap();
    let head = USER_HEADER;
    write!(up, "{:x}\r\n{head}\r\n", head.len()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let took = term_and_time(&mut child, Duration::from_secs(20));
    assert!(
        took < Duration::from_secs(8),
        "SIGTERM took {took:?} with an upload in flight"
    );
}

/// Item 4: a connection that never finishes its header is closed by the server.
#[test]
fn a_header_that_never_ends_is_cut_off() {
    let sb = Sandbox::start_temp(|_| {});
    let mut slow = TcpStream::connect(sb.addr).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(25)))
        .unwrap();
    let t = Instant::now();
    let mut buf = [0u8; 512];
    let closed = match slow.read(&mut buf) {
        Ok(_) => true, // an answer (408) or end of stream
        Err(e) => {
            assert!(
                !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "{e}"
            );
            true
        }
    };
    assert!(closed);
    assert!(
        t.elapsed() < Duration::from_secs(20),
        "the half header was held {:?}",
        t.elapsed()
    );
}

/// Item 1: two `bulk import`s on one data dir; the second attached to the first's embedded
/// sandbox and died ("cannot reach ... Connection refused") when the first finished and exited.
/// Jobs of one organisation run one at a time, so the second always outlives the first's job.
#[test]
fn an_attached_import_survives_the_serving_process_exiting() {
    let wd = Workdir::new();
    let plain = |prefix: &str, n: usize| plain_users(n).replace("agent", prefix);
    wd.write("a.csv", plain("first", 1500));
    wd.write("b.csv", plain("second", 300));
    let first = wd.spawn(&["import", "--type", "user", "a.csv"]);
    // Wait until the first serves (its URL is in the sandbox's credentials.json).
    let creds = wd.sandbox_dir().join("credentials.json");
    let t = Instant::now();
    loop {
        let url = std::fs::read(&creds)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["url"].as_str().map(str::to_string));
        if url.is_some() {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the first never served"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let second = wd.spawn(&["import", "--type", "user", "b.csv"]);
    wd.finish(first).ok();
    wd.finish(second)
        .ok()
        .stderr_has("served by another bulk process");
    // Both landed: the next command (serving itself) sees every user.
    let out = wd.run(&["export", "user", "-o", "all.csv"]);
    out.ok();
    let all = wd.read_string("all.csv");
    assert_eq!(all.matches("@example.com").count(), 1800, "{out:?}");
}

/// Item 1: a stranger that binds the port an embedded sandbox used (while the data dir is still
/// locked) received `Authorization: Bearer <sandbox admin token>` from the retrying client. The
/// client now sends the token only to a server that proves it knows the data dir's secret.
#[test]
fn the_sandbox_token_never_goes_to_a_stranger_on_its_port() {
    let wd = Workdir::new();
    let dir = wd.sandbox_dir();
    std::fs::create_dir_all(&dir).unwrap();
    // Another process "serves" this data dir: it holds the lock…
    let lock = std::fs::File::create(dir.join("server.lock")).unwrap();
    lock.try_lock().unwrap();
    // …but its port now belongs to a stranger, who records what it is sent.
    let stranger = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", stranger.local_addr().unwrap());
    let token = "sandbox-admin-token-0123456789";
    std::fs::write(
        dir.join("credentials.json"),
        serde_json::json!({"url": url, "org": "o", "user": "admin@sandbox.local", "token": token})
            .to_string(),
    )
    .unwrap();
    std::fs::write(dir.join("server.key"), "the real server's key").unwrap();
    let heard = Arc::new(Mutex::new(Vec::<u8>::new()));
    {
        let heard = heard.clone();
        std::thread::spawn(move || {
            for conn in stranger.incoming() {
                let Ok(mut conn) = conn else { continue };
                conn.set_read_timeout(Some(Duration::from_millis(500))).ok();
                let mut buf = [0u8; 4096];
                let n = conn.read(&mut buf).unwrap_or(0);
                heard.lock().unwrap().extend_from_slice(&buf[..n]);
                let body = r#"{"status":"ok","proof":"00","items":[],"total":0}"#;
                let _ = write!(
                    conn,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
    }
    let out = wd.run(&["jobs"]);
    assert_ne!(out.code, Some(0), "{out:?}");
    let heard = String::from_utf8_lossy(&heard.lock().unwrap()).to_string();
    assert!(
        !heard.contains(token),
        "the stranger got the token:\n{heard}"
    );
    assert!(
        !heard.is_empty(),
        "the client never asked the stranger to prove itself"
    );
    drop(lock);
}

/// Item 7: an `Idempotency-Key` reused with another request (another file, another type, an
/// export) silently returned the first job; it is a 422 with the one error body.
#[test]
fn a_reused_idempotency_key_with_another_request_is_422() {
    let sb = Sandbox::start_temp(|_| {});
    let post = |query: &[(&str, &str)], body: &str| sb.post_import_keyed(query, "key-1", body);
    let users = plain_users(2);
    let first = post(&[("object_type", "user"), ("file_name", "a.csv")], &users);
    assert_eq!(first.status(), 201);
    let first: serde_json::Value = first.json().unwrap();
    sb.wait(first["id"].as_str().unwrap());
    // The same request again: the same job (a retry after a lost answer).
    let again = post(&[("object_type", "user"), ("file_name", "a.csv")], &users);
    assert_eq!(again.status(), 200);
    assert_eq!(
        again.json::<serde_json::Value>().unwrap()["id"],
        first["id"]
    );
    // Another file, another type, an export: refused.
    for (query, body) in [
        (
            &[("object_type", "user"), ("file_name", "b.csv")][..],
            users.as_str(),
        ),
        (
            &[("object_type", "site"), ("file_name", "a.csv")][..],
            "Name\nx\n",
        ),
    ] {
        let r = post(query, body);
        assert_eq!(r.status(), 422, "{query:?}");
        let e: serde_json::Value = r.json().unwrap();
        assert_eq!(e["error"]["code"], "invalid_idempotency_key", "{e}");
        assert_eq!(e["error"]["details"]["job_id"], first["id"], "{e}");
    }
    let r = fresh_client()
        .post(format!("{}/v1/jobs/export", sb.url))
        .bearer_auth(&sb.token)
        .header("Idempotency-Key", "key-1")
        .json(&serde_json::json!({ "object_type": "user" }))
        .send()
        .unwrap();
    assert_eq!(r.status(), 422);
}

/// Item 8: `GET /v1/jobs?page=18446744073709551615` answered 500; out-of-range paging is a 400.
/// 414 and 431 had no JSON error body.
#[test]
fn out_of_range_paging_and_oversized_requests_get_the_one_error_body() {
    let sb = Sandbox::start_temp(|_| {});
    for page in ["18446744073709551615", "9223372036854775807"] {
        let r = sb.get(&format!("/v1/jobs?page={page}&page_size=100"));
        assert_eq!(r.status(), 400, "page {page}");
        let e: serde_json::Value = r.json().unwrap();
        assert_eq!(e["error"]["code"], "invalid_query", "{e}");
    }
    let long = "x".repeat(20 * 1024);
    let r = sb.get(&format!("/v1/jobs?search={long}"));
    assert_eq!(r.status(), 414);
    let e: serde_json::Value = r.json().unwrap();
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("request target"),
        "{e}"
    );
    let r = fresh_client()
        .get(format!("{}/v1/jobs", sb.url))
        .bearer_auth(&sb.token)
        .header("X-Padding", "y".repeat(64 * 1024))
        .send()
        .unwrap();
    assert_eq!(r.status(), 431);
    let e: serde_json::Value = r.json().unwrap();
    assert!(
        e["error"]["message"].as_str().unwrap().contains("header"),
        "{e}"
    );
}

/// Item 10: a `.partial` upload survived a server crash and restart.
#[test]
fn partial_uploads_of_a_killed_server_are_removed_at_start() {
    let wd = Workdir::new();
    let data = wd.path("sb");
    drop(Sandbox::start(&data, |_| {}));
    let dead = data.join("files").join("0000-dead.partial");
    std::fs::write(&dead, "Email\nhalf@example.com\n").unwrap();
    let sb = Sandbox::start(&data, |_| {});
    assert!(!dead.exists(), "{} survived the restart", dead.display());
    drop(sb);
}

/// Item 9: an export's `file_name` reached ZIP entry names (`../../../tmp/x_1.csv`) and
/// `Content-Disposition` unsanitised, and so did `../` and U+202E in upload names.
#[test]
fn client_sent_file_names_become_plain_file_names() {
    let sb = Sandbox::start_temp(|_| {});
    let job = sb.import("user", "../../..\\evil/\u{202e}vsc.exe", plain_users(2));
    assert_eq!(job["file_name"], "vsc.exe", "{job}");
    let r = fresh_client()
        .post(format!("{}/v1/jobs/export", sb.url))
        .bearer_auth(&sb.token)
        .json(&serde_json::json!({ "object_type": "user", "file_name": "../../../tmp/x.csv" }))
        .send()
        .unwrap();
    assert_eq!(r.status(), 201);
    let job: serde_json::Value = r.json().unwrap();
    let job = sb.wait(job["id"].as_str().unwrap());
    assert_eq!(job["file_name"], "x.csv", "{job}");
    let r = sb.get(&format!("/v1/jobs/{}/file", job["id"].as_str().unwrap()));
    assert_eq!(r.status(), 200);
    let cd = r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(!cd.contains('/') && !cd.contains(".."), "{cd}");
}
