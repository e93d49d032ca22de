//! The sandbox over real HTTP: a server on 127.0.0.1:0 with a temporary data directory per test.

use bulk::sandbox::{self, AppState, Settings};
use reqwest::blocking::Response;
use serde_json::Value;
use std::time::{Duration, Instant};

use crate::harness::{csv_rows, fresh_client, mulaw_wav as wav, zip_of, Sandbox, Workdir};

#[test]
fn import_upserts_checks_references_and_offers_an_error_csv() {
    let sb = Sandbox::start_temp(|_| {});
    let job = sb.import(
        "site",
        "sites.csv",
        "NAME,MULTIMEDIA PROFILE\nBerlin,Blended\nParis,Nope\nRome,Default Multimedia Profile\n",
    );
    assert_eq!(job["status"], "completed_with_errors");
    assert_eq!(job["rows_total"], 3);
    assert_eq!(job["rows_succeeded"], 2);
    assert_eq!(job["rows_failed"], 1);
    assert_eq!(job["objects_created"], 2);
    assert_eq!(job["submitted_by"], "admin@sandbox.local");
    assert!(job["started_at"].is_string() && job["finished_at"].is_string());

    let id = job["id"].as_str().unwrap();
    let r = sb.get(&format!("/v1/jobs/{id}/errors"));
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "text/csv");
    let rows = csv_rows(&r.text().unwrap());
    assert_eq!(
        rows[0],
        ["Name", "Multimedia Profile", "Line", "Error Message"]
    );
    assert_eq!(rows[1][..3], ["Paris", "Nope", "3"]);
    // Issue 12: rows go through the mapping, whose message names line, column and value.
    assert_eq!(
        rows[1][3],
        "line 3: column \"Multimedia Profile\": \"Nope\": no multimedia-profile of this name exists; create it first"
    );
    assert_eq!(rows.len(), 2);

    // Same identity, other case: an update; a new name: a create.
    let job = sb.import(
        "site",
        "sites2.csv",
        "Name,Multimedia Profile\nBERLIN,Telephony Only\nParis,Blended\n",
    );
    assert_eq!(job["status"], "completed");
    assert_eq!(job["objects_created"], 1);
    assert_eq!(job["objects_updated"], 1);
    let r = sb.get(&format!("/v1/jobs/{}/errors", job["id"].as_str().unwrap()));
    assert_eq!(r.status(), 404);
    let v: Value = r.json().unwrap();
    assert_eq!(v["error"]["code"], "no_error_file");

    // References: a team's site, a user's teams and profiles.
    let job = sb.import(
        "team",
        "teams.csv",
        "Name,Site,Type\nSales,Berlin,AGENT\nSupport,Berlin,AGENT\nGhosts,Atlantis,AGENT\n",
    );
    assert_eq!(job["rows_failed"], 1);
    let id = job["id"].as_str().unwrap();
    let rows = csv_rows(&sb.get(&format!("/v1/jobs/{id}/errors")).text().unwrap());
    assert_eq!(rows[1][3], "4");
    assert_eq!(
        rows[1][4],
        "line 4: column \"Site\": \"Atlantis\": no site of this name exists; create it first"
    );
    let job = sb.import(
        "user",
        "users.csv",
        "Email,User Profile,Contact Center Enabled,Site,Teams,Desktop Profile\n\
         a@example.com,Standard Agent,On,Berlin,Sales|Support: Berlin,Default Desktop Profile\n\
         b@example.com,Standard Agent,On,Berlin,Sales|Nobody,Default Desktop Profile\n\
         not-an-email,Standard Agent,Off,,,\n",
    );
    assert_eq!(job["rows_succeeded"], 1, "{job}");
    let id = job["id"].as_str().unwrap();
    let rows = csv_rows(&sb.get(&format!("/v1/jobs/{id}/errors")).text().unwrap());
    assert_eq!(rows[1][6], "3");
    // Only the team is named: the missing person is created once the row is right.
    assert_eq!(
        rows[1][7],
        "line 3: column \"Teams\": \"Nobody\": no team of this name exists; create it first"
    );
    assert_eq!(rows[2][6], "4");
    assert!(rows[2][7].contains("Email"), "{:?}", rows[2]);

    // A file-level problem fails the job with a reason.
    let job = sb.import("site", "bad.csv", "Name,Colour\nX,Red\n");
    assert_eq!(job["status"], "failed");
    assert!(job["failure_reason"].as_str().unwrap().contains("Colour"));
}

#[test]
fn organisations_are_isolated_and_tokens_required() {
    let dir = tempfile::tempdir().unwrap();
    let sb = Sandbox::start(dir.path(), |_| {});
    let job = sb.import("site", "s.csv", "Name,Multimedia Profile\nBerlin,Blended\n");
    let id = job["id"].as_str().unwrap();
    let other = sb
        .state()
        .create_org("Other Org", "eve@example.com")
        .unwrap();
    for path in [
        format!("/v1/jobs/{id}"),
        format!("/v1/jobs/{id}/errors"),
        format!("/v1/jobs/{id}/file"),
    ] {
        let r = sb.get_as(&other, &path);
        assert_eq!(r.status(), 404, "{path}");
        let v: Value = r.json().unwrap();
        assert_eq!(v["error"]["code"], "job_not_found");
    }
    let list: Value = sb.get_as(&other, "/v1/jobs").json().unwrap();
    assert_eq!(list["total"], 0);
    let me: Value = sb.get_as(&other, "/v1/me").json().unwrap();
    assert_eq!(me["email"], "eve@example.com");
    let r = fresh_client()
        .get(format!("{}/v1/jobs", sb.url))
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(sb.get_as("nope", "/v1/jobs").status(), 401);
    let creds: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("credentials.json")).unwrap())
            .unwrap();
    assert_eq!(creds["token"], sb.token.as_str());
    assert_eq!(creds["user"], "admin@sandbox.local");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("credentials.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn limits_are_enforced_while_streaming() {
    let dir = tempfile::tempdir().unwrap();
    let sb = Sandbox::start(dir.path(), |s| {
        s.max_bytes = 1000;
        s.max_rows = 5;
    });
    let limits = sb.json("/v1/limits");
    assert_eq!(limits["max_bytes"], 1000);
    assert_eq!(limits["max_rows"], 5);
    let mut big = String::from("Name,Multimedia Profile\n");
    while big.len() < 50_000 {
        big.push_str(&"x".repeat(60));
        big.push_str(",Blended,");
    }
    let r = sb.post_import("site", "big.csv", big);
    assert_eq!(r.status(), 413);
    let v: Value = r.json().unwrap();
    assert_eq!(v["error"]["code"], "payload_too_large");
    assert_eq!(v["error"]["details"]["limit_bytes"], 1000);

    let mut rows = String::from("Name,Multimedia Profile\n");
    for i in 0..6 {
        rows.push_str(&format!("S{i},Blended\n"));
    }
    let r = sb.post_import("site", "rows.csv", rows);
    assert_eq!(r.status(), 422);
    let v: Value = r.json().unwrap();
    assert_eq!(v["error"]["code"], "too_many_rows");
    assert_eq!(v["error"]["details"]["limit_rows"], 5);
    let list = sb.json("/v1/jobs");
    assert_eq!(list["total"], 0, "refused uploads create no job");
    assert_eq!(
        std::fs::read_dir(dir.path().join("files")).unwrap().count(),
        0,
        "refused uploads leave no file"
    );
}

#[test]
fn one_active_job_idempotency_and_prompt_long_poll() {
    let sb = Sandbox::start_temp(|s| s.row_delay = Duration::from_millis(40));
    let body = "Name,Multimedia Profile\nA,Blended\nB,Blended\nC,Blended\nD,Blended\nE,Blended\n";
    let post = |key: &str| {
        sb.post_import_keyed(
            &[("object_type", "site"), ("file_name", "s.csv")],
            key,
            body,
        )
    };
    let r = post("key-1");
    assert_eq!(r.status(), 201);
    let job: Value = r.json().unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    let r = post("key-1");
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().unwrap()["id"], id.as_str());
    let r = post("key-2");
    assert_eq!(r.status(), 409);
    let v: Value = r.json().unwrap();
    assert_eq!(v["error"]["code"], "job_active");
    assert_eq!(v["error"]["details"]["job_id"], id.as_str());
    let r = sb.post_export("site");
    assert_eq!(r.status(), 409);

    // Long polls answer on each change, long before their 30 s.
    let start = Instant::now();
    let mut seen = Vec::new();
    loop {
        let j = sb.json(&format!("/v1/jobs/{id}?wait=30"));
        seen.push(j["rows_processed"].as_u64().unwrap());
        if j["status"] == "completed" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "long poll too slow"
        );
    }
    assert!(seen.len() >= 3, "progress was reported: {seen:?}");
    assert!(start.elapsed() < Duration::from_secs(3));
    // A finished job answers at once.
    let t = Instant::now();
    sb.json(&format!("/v1/jobs/{id}?wait=30"));
    assert!(t.elapsed() < Duration::from_secs(1));
    // The key still names the same (finished) job; a new key may create another.
    assert_eq!(post("key-1").status(), 200);
    assert_eq!(post("key-3").status(), 201);
}

/// Issue 15: the next chunk queues behind the running job (`after=`) and becomes a job as it
/// ends, never beside it; a queued upload whose connection closes (Ctrl-C) becomes no job.
#[test]
fn an_upload_queued_after_the_running_job_starts_as_it_ends_and_dies_with_its_connection() {
    use std::io::Write as _;
    let sb = Sandbox::start_temp(|s| s.row_delay = Duration::from_millis(100));
    let sites = |prefix: &str| {
        let mut body = String::from("Name,Multimedia Profile\n");
        for i in 0..8 {
            body.push_str(&format!("{prefix}{i},Blended\n"));
        }
        body
    };
    let queue = |after: &str, key: &str, body: String| {
        let query = [
            ("object_type", "site"),
            ("file_name", "next.csv"),
            ("after", after),
        ];
        sb.post_import_keyed(&query, key, body)
    };
    let first = sb.submit("site", "first.csv", sites("First "));
    let a = first["id"].as_str().unwrap().to_string();

    // The connection of a queued upload closes while the job runs: no job comes of it.
    let mut raw = std::net::TcpStream::connect(sb.addr).unwrap();
    let body = sites("Dropped ");
    write!(
        raw,
        "POST /v1/jobs/import?object_type=site&file_name=dropped.csv&after={a} HTTP/1.1\r\n\
         Host: {}\r\nAuthorization: Bearer {}\r\nIdempotency-Key: dropped\r\n\
         Content-Length: {}\r\n\r\n{body}",
        sb.addr,
        sb.token,
        body.len()
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(raw);

    // Queued while `a` runs: answered only once it has ended, as the next job.
    let queued = std::thread::scope(|s| {
        let q = s.spawn(|| queue(&a, "next", sites("Next ")));
        std::thread::sleep(Duration::from_millis(200));
        assert!(!q.is_finished(), "answered while {a} runs");
        assert_eq!(sb.json("/v1/jobs")["total"], 1, "a queued upload is no job");
        q.join().unwrap()
    });
    assert_eq!(queued.status(), 201);
    let next: Value = queued.json().unwrap();
    let ended = sb.json(&format!("/v1/jobs/{a}"));
    assert_eq!(ended["status"], "completed", "{ended}");
    let ms = |j: &Value, k: &str| {
        time::OffsetDateTime::parse(
            j[k].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    assert!(
        ms(&next, "created_at") >= ms(&ended, "finished_at"),
        "{ended} {next}"
    );
    let b = next["id"].as_str().unwrap();
    assert_eq!(sb.wait(b)["rows_succeeded"], 8);
    let list = sb.json("/v1/jobs");
    assert_eq!(list["total"], 2, "the dropped upload became a job: {list}");
    let names: Vec<String> = sb
        .export_records("site", crate::harness::Export::Plain)
        .into_iter()
        .map(|r| r["name"].clone())
        .collect();
    assert!(!names.iter().any(|n| n.starts_with("Dropped")), "{names:?}");
    assert!(names.iter().any(|n| n == "Next 7"), "{names:?}");
}

#[test]
fn job_list_is_newest_first_filtered_and_paged() {
    let sb = Sandbox::start_temp(|_| {});
    let mut ids = Vec::new();
    for i in 0..3 {
        let job = sb.import(
            "site",
            &format!("sites-{i}.csv"),
            format!("Name,Multimedia Profile\nS{i},Blended\n"),
        );
        ids.push(job["id"].as_str().unwrap().to_string());
    }
    let exp = sb.export("site");
    let list = sb.json("/v1/jobs");
    assert_eq!(list["total"], 4);
    assert_eq!(list["jobs"][0]["id"], exp["id"]);
    assert_eq!(list["jobs"][1]["id"], ids[2].as_str());
    let list = sb.json("/v1/jobs?job_type=import&page_size=2&page=2");
    assert_eq!(list["total"], 3);
    assert_eq!(list["jobs"].as_array().unwrap().len(), 1);
    assert_eq!(list["jobs"][0]["id"], ids[0].as_str());
    let list = sb.json("/v1/jobs?search=SITES-1");
    assert_eq!(list["total"], 1);
    let list = sb.json(&format!("/v1/jobs?search={}", &ids[2][..8]));
    assert_eq!(list["jobs"][0]["id"], ids[2].as_str());
    let list = sb.json("/v1/jobs?status=completed&object_type=site&job_type=export");
    assert_eq!(list["total"], 1);
    assert_eq!(sb.get("/v1/jobs?page_size=101").status(), 400);
}

#[test]
fn export_gives_csv_or_zip_and_round_trips() {
    let sb = Sandbox::start_temp(|s| s.export_rows_per_file = 3);
    sb.import(
        "site",
        "sites.csv",
        "Name,Multimedia Profile\nS1,Blended\nS2,Blended\nS3,Blended\n",
    );
    let job = sb.export("site");
    assert_eq!(job["status"], "completed");
    assert_eq!(job["rows_total"], 3);
    let r = sb.get(&format!("/v1/jobs/{}/file", job["id"].as_str().unwrap()));
    assert_eq!(r.headers()["content-type"], "text/csv");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("site.csv"));
    let first = r.text().unwrap();
    assert!(first.starts_with("NAME,MULTIMEDIA PROFILE\n"), "{first}");
    // Re-importing the export changes nothing.
    let job = sb.import("site", "site.csv", first.clone());
    assert_eq!(job["status"], "completed");
    assert_eq!(job["objects_updated"], 3);
    assert_eq!(job["objects_created"], 0);
    let again = sb.export("site");
    let second = sb
        .get(&format!("/v1/jobs/{}/file", again["id"].as_str().unwrap()))
        .text()
        .unwrap();
    assert_eq!(first, second);

    // More records than one file holds: a ZIP; a multi-row object is never split.
    sb.import(
        "address-book",
        "books.csv",
        "Name,Parent Type,Entry Name,Phone Number\n\
         Book1,ORGANIZATION,Alice,+14085550100\nBook1,ORGANIZATION,Bob,+14085550101\n\
         Book2,ORGANIZATION,Carol,+14085550102\nBook2,ORGANIZATION,Dan,+14085550103\n",
    );
    let job = sb.export("address-book");
    // Issue 12: export writes through the mapping: each book's parent row, then a row per
    // entry (it re-imports unchanged; see tests/it/engine.rs).
    assert_eq!(job["rows_total"], 6);
    let r = sb.get(&format!("/v1/jobs/{}/file", job["id"].as_str().unwrap()));
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().unwrap();
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(z.len(), 2);
    for i in 0..2 {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut z.by_index(i).unwrap(), &mut s).unwrap();
        let rows = csv_rows(&s);
        assert_eq!(rows.len(), 4, "header + the three rows of one book: {s}");
        assert_eq!(rows[1][0], rows[2][0]);
        assert_eq!(rows[1][0], rows[3][0]);
    }
    let r = sb.post_export("audio-file");
    assert_eq!(r.status(), 422);
    assert_eq!(
        r.json::<Value>().unwrap()["error"]["code"],
        "not_exportable"
    );
    let r = sb.get(&format!(
        "/v1/jobs/{}/file",
        sb.json("/v1/jobs?job_type=import")["jobs"][0]["id"]
            .as_str()
            .unwrap()
    ));
    assert_eq!(r.status(), 404);
}

#[test]
fn audio_zip_import_reports_bad_entries_and_replaces_files() {
    let sb = Sandbox::start_temp(|_| {});
    let zip = zip_of(&[
        ("welcome.wav", &wav(100)),
        ("prompts/deep/hold.wav", &wav(50)),
        ("readme.txt", b"not audio"),
        ("fake.wav", b"RIFFxxxxNOPE"),
        ("../evil.wav", &wav(10)),
    ]);
    let job = sb.import("audio-file", "prompts.zip", zip);
    assert_eq!(job["status"], "completed_with_errors");
    assert_eq!(job["rows_total"], 5);
    assert_eq!(job["rows_succeeded"], 2);
    assert_eq!(job["objects_created"], 2);
    let id = job["id"].as_str().unwrap();
    let rows = csv_rows(&sb.get(&format!("/v1/jobs/{id}/errors")).text().unwrap());
    assert_eq!(rows[0], ["File Name", "Line", "Error Message"]);
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1][0], "readme.txt");
    assert!(rows[1][2].contains("not a WAV"));
    assert!(rows[2][2].contains("not a WAVE"));
    assert!(rows[3][2].contains("unsafe path"));

    let job = sb.import(
        "audio-file",
        "again.zip",
        zip_of(&[("WELCOME.wav", &wav(300))]),
    );
    assert_eq!(job["status"], "completed");
    assert_eq!(job["objects_updated"], 1);
    assert_eq!(job["objects_created"], 0);
    let job = sb.import("audio-file", "bad.zip", b"not a zip");
    assert_eq!(job["status"], "failed");
}

#[test]
fn jobs_older_than_a_year_are_purged_at_startup() {
    let dir = tempfile::tempdir().unwrap();
    let past = time::OffsetDateTime::now_utc() - time::Duration::days(400);
    let sb = Sandbox::start_with_clock(dir.path(), |_| {}, std::sync::Arc::new(move || past));
    let old = sb.export("site");
    sb.stop();
    let sb = Sandbox::start(dir.path(), |_| {});
    let fresh = sb.export("site");
    let list = sb.json("/v1/jobs");
    assert_eq!(list["total"], 1);
    assert_eq!(list["jobs"][0]["id"], fresh["id"]);
    let r = sb.get(&format!("/v1/jobs/{}", old["id"].as_str().unwrap()));
    assert_eq!(r.status(), 404);
    let result = dir
        .path()
        .join("files")
        .join(format!("{}.result", old["id"].as_str().unwrap()));
    assert!(!result.exists(), "purged with its file");
}

#[test]
fn a_job_interrupted_by_a_restart_resumes_without_applying_rows_twice() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::from("Name,Multimedia Profile\n");
    for i in 0..40 {
        body.push_str(&format!(
            "Site{i},{}\n",
            if i == 7 { "Nope" } else { "Blended" }
        ));
    }
    let sb = Sandbox::start(dir.path(), |s| s.row_delay = Duration::from_millis(25));
    let r = sb.post_import("site", "many.csv", body);
    let id = r.json::<Value>().unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let j = sb.json(&format!("/v1/jobs/{id}?wait=5"));
        if j["rows_processed"].as_u64().unwrap() >= 10 {
            break;
        }
        assert!(Instant::now() < deadline);
    }
    sb.stop();
    let sb = Sandbox::start(dir.path(), |_| {});
    let job = sb.wait(&id);
    assert_eq!(job["status"], "completed_with_errors", "{job}");
    assert_eq!(job["rows_processed"], 40);
    assert_eq!(job["rows_succeeded"], 39);
    assert_eq!(job["rows_failed"], 1);
    assert_eq!(job["objects_created"], 39);
    assert_eq!(job["objects_updated"], 0, "no row applied twice");
    let rows = csv_rows(&sb.get(&format!("/v1/jobs/{id}/errors")).text().unwrap());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][2], "9");
}

/// Sends a request until it gets an answer that is not an injected fault; counts the faults.
fn retry(
    faults: &mut std::collections::BTreeMap<String, u32>,
    send: impl Fn() -> reqwest::Result<Response>,
) -> Response {
    for _ in 0..200 {
        match send() {
            Ok(r) if r.status() == 500 || r.status() == 429 => {
                if r.status() == 429 {
                    assert_eq!(r.headers()["retry-after"], "1");
                }
                let v: Value = r.json().unwrap();
                *faults
                    .entry(v["error"]["code"].as_str().unwrap().to_string())
                    .or_default() += 1;
            }
            Ok(r) => return r,
            Err(_) => *faults.entry("reset".into()).or_default() += 1,
        }
    }
    panic!("no answer after 200 tries");
}

#[test]
fn faults_never_corrupt_state() {
    let sb = Sandbox::start_temp(|s| {
        s.faults.rate_500 = 0.2;
        s.faults.rate_429 = 0.2;
        s.faults.rate_reset = 0.3;
        s.faults.seed = 42;
    });
    let mut faults = Default::default();
    let client = fresh_client();
    let url = format!("{}/v1/jobs/import?object_type=site&file_name=s.csv", sb.url);
    for round in 0..4 {
        let key = format!("create-{round}");
        let r = retry(&mut faults, || {
            client
                .post(&url)
                .bearer_auth(&sb.token)
                .header("Idempotency-Key", &key)
                .body(format!("Name,Multimedia Profile\nS{round},Blended\n"))
                .send()
        });
        assert!(r.status() == 201 || r.status() == 200, "{}", r.status());
        let id = r.json::<Value>().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        loop {
            let r = retry(&mut faults, || {
                client
                    .get(format!("{}/v1/jobs/{id}?wait=5", sb.url))
                    .bearer_auth(&sb.token)
                    .send()
            });
            if r.json::<Value>().unwrap()["status"] == "completed" {
                break;
            }
        }
    }
    let list = retry(&mut faults, || {
        client
            .get(format!("{}/v1/jobs", sb.url))
            .bearer_auth(&sb.token)
            .send()
    });
    assert_eq!(list.json::<Value>().unwrap()["total"], 4, "one job per key");
    for kind in ["injected_fault", "rate_limited", "reset"] {
        assert!(
            faults.contains_key(kind),
            "{kind} never happened: {faults:?}"
        );
    }
    // The contract is never faulted.
    for _ in 0..10 {
        let r = client.get(format!("{}/openapi.json", sb.url)).send();
        assert_eq!(r.unwrap().status(), 200);
    }
}

#[test]
fn slow_fault_delays_api_requests_only() {
    let sb = Sandbox::start_temp(|s| {
        s.faults.rate_slow = 1.0;
        s.faults.slow = Duration::from_millis(400);
    });
    let t = Instant::now();
    assert_eq!(sb.get("/v1/me").status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(400));
    let t = Instant::now();
    assert_eq!(sb.get("/healthz").status(), 200);
    assert!(t.elapsed() < Duration::from_millis(400));
}

#[test]
fn five_thousand_users_process_quickly() {
    let sb = Sandbox::start_temp(|_| {});
    sb.import("site", "s.csv", "Name,Multimedia Profile\nBerlin,Blended\n");
    sb.import(
        "team",
        "t.csv",
        "Name,Site,Type\nSales,Berlin,AGENT\nSupport,Berlin,AGENT\n",
    );
    let mut body = String::from(
        "Email,User Profile,Contact Center Enabled,Site,Teams,Desktop Profile,Multimedia Profile\n",
    );
    for i in 0..5000 {
        body.push_str(&format!(
            "agent{i}@example.com,Standard Agent,On,Berlin,Sales|Support,Default Desktop Profile,Blended\n"
        ));
    }
    let job = sb.import("user", "users.csv", body);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["objects_created"], 5000);
    let parse = |k: &str| {
        time::OffsetDateTime::parse(
            job[k].as_str().unwrap(),
            &time::format_description::well_known::Rfc3339,
        )
        .unwrap()
    };
    let ms = (parse("finished_at") - parse("started_at")).whole_milliseconds();
    // Timed in `cargo bench --bench compare -- service`, not here (beside the other tests).
    eprintln!("5000-row users job processed in {ms} ms");
}

/// A file of more than one batch of single-row objects is checked a batch ahead (its first
/// batch is looked up while the rest of the file is checked): a bad row in the first batch, and
/// a duplicate in the second of a row in the first, are reported on their own lines.
#[test]
fn a_file_checked_a_batch_ahead_reports_each_row_on_its_line() {
    let sb = Sandbox::start_temp(|_| {});
    sb.import("site", "s.csv", "Name,Multimedia Profile\nBerlin,Blended\n");
    let mut body = String::from("Email,User Profile,Contact Center Enabled,Site,Desktop Profile\n");
    for i in 0..1500 {
        let email = match i {
            10 => "not-an-email".to_string(),
            1200 => "Agent5@example.com".to_string(),
            _ => format!("agent{i}@example.com"),
        };
        body.push_str(&format!(
            "{email},Standard Agent,On,Berlin,Default Desktop Profile\n"
        ));
    }
    let job = sb.import("user", "users.csv", body);
    assert_eq!(job["status"], "completed_with_errors", "{job}");
    assert_eq!(job["rows_total"], 1500, "{job}");
    assert_eq!(job["rows_succeeded"], 1498, "{job}");
    assert_eq!(job["objects_created"], 1498, "{job}");
    let id = job["id"].as_str().unwrap();
    let rows = csv_rows(&sb.get(&format!("/v1/jobs/{id}/errors")).text().unwrap());
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(
        (rows[1][0].as_str(), rows[1][5].as_str()),
        ("not-an-email", "12")
    );
    assert!(rows[1][6].contains("Email"), "{:?}", rows[1]);
    assert_eq!(
        (rows[2][0].as_str(), rows[2][5].as_str()),
        ("Agent5@example.com", "1202")
    );
    assert!(
        rows[2][6].contains("already defined on line 7"),
        "{:?}",
        rows[2]
    );
}

#[test]
fn a_job_accepted_but_never_started_runs_after_a_restart() {
    use tower::ServiceExt;
    let dir = tempfile::tempdir().unwrap();
    // Accept a job through the router alone: no worker runs, so it stays `new`.
    let state = AppState::new(Settings::new(dir.path())).unwrap();
    let token = state.admin_token().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let resp = rt.block_on(
        sandbox::router(state.clone()).oneshot(
            axum::http::Request::post("/v1/jobs/import?object_type=site&file_name=s.csv")
                .header("authorization", format!("Bearer {token}"))
                .body(axum::body::Body::from(
                    "Name,Multimedia Profile\nA,Blended\n",
                ))
                .unwrap(),
        ),
    );
    assert_eq!(resp.unwrap().status(), 201);
    drop(state);
    let sb = Sandbox::start(dir.path(), |_| {});
    let id = sb.json("/v1/jobs")["jobs"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let job = sb.wait(&id);
    assert_eq!(job["status"], "completed");
    assert_eq!(job["objects_created"], 1);
}

#[test]
fn cli_prints_the_token_and_refuses_remote_addresses() {
    let wd = Workdir::new();
    let data = wd.path("data");
    let data = data.to_str().unwrap();
    let token = wd
        .run(&["sandbox", "token", "--data-dir", data])
        .expect(0)
        .stdout;
    let creds: Value =
        serde_json::from_slice(&std::fs::read(wd.path("data/credentials.json")).unwrap()).unwrap();
    assert_eq!(token.trim(), creds["token"].as_str().unwrap());
    let other = wd
        .run(&[
            "sandbox",
            "token",
            "--new-org",
            "Two",
            "--email",
            "two@example.com",
            "--data-dir",
            data,
        ])
        .expect(0)
        .stdout;
    assert_ne!(other.trim(), token.trim());

    wd.run(&[
        "sandbox",
        "serve",
        "--addr",
        "0.0.0.0:0",
        "--data-dir",
        data,
    ])
    .code(2)
    .stderr_has("--allow-remote");
}

#[cfg(unix)]
#[test]
fn cli_serve_prints_its_url_and_stops_on_sigterm() {
    use std::io::BufRead;
    let wd = Workdir::new();
    let dir = wd.path("data");
    let mut child = wd
        .command()
        .args([
            "sandbox",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--print-url",
            "--data-dir",
        ])
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    let r = fresh_client().get(format!("{url}/healthz")).send().unwrap();
    assert_eq!(r.status(), 200);
    let creds: Value =
        serde_json::from_slice(&std::fs::read(dir.join("credentials.json")).unwrap()).unwrap();
    assert_eq!(creds["url"], url.as_str());
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// The flags of `bulk sandbox serve` reach the service's settings. The fault and import tests
/// set the same settings in code on an in-process sandbox, so this is where the flags
/// themselves are proven.
#[test]
fn cli_serve_flags_set_the_limits_and_the_faults() {
    let wd = Workdir::new();
    let sb = Sandbox::serve(
        &wd.path("limits"),
        "127.0.0.1:0",
        &[
            "--max-rows",
            "2",
            "--max-bytes",
            "900",
            "--row-delay-ms",
            "1",
            "--fault-fail-job",
            "1",
            "--fault-seed",
            "3",
        ],
    );
    let limits = sb.json("/v1/limits");
    assert_eq!(limits["max_rows"], 2);
    assert_eq!(limits["export_rows_per_file"], 2);
    assert_eq!(limits["max_bytes"], 900);
    let job = sb.import("site", "s.csv", "Name,Multimedia Profile\nA,Blended\n");
    assert_eq!(job["status"], "failed", "{job}");
    assert!(
        job["failure_reason"]
            .as_str()
            .unwrap()
            .contains("injected fault"),
        "{job}"
    );
    drop(sb);

    for (flags, want) in [(["--fault-500", "1"], 500), (["--fault-429", "1"], 429)] {
        let sb = Sandbox::serve(&wd.path(flags[0]), "127.0.0.1:0", &flags);
        let r = sb.get("/v1/jobs");
        assert_eq!(r.status(), want, "{flags:?}");
        if want == 429 {
            assert_eq!(r.headers()["retry-after"], "1");
        }
    }

    let sb = Sandbox::serve(&wd.path("reset"), "127.0.0.1:0", &["--fault-reset", "1"]);
    let r = fresh_client()
        .get(format!("{}/v1/jobs", sb.url))
        .bearer_auth(&sb.token)
        .send();
    assert!(r.is_err(), "the connection should be dropped: {r:?}");
    drop(sb);

    let sb = Sandbox::serve(
        &wd.path("slow"),
        "127.0.0.1:0",
        &["--fault-slow", "1", "--fault-slow-ms", "300"],
    );
    let t = Instant::now();
    assert_eq!(sb.get("/v1/jobs").status(), 200);
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
}

/// A serving sandbox copies its write-ahead log back into the database on a thread of its own
/// after writes; the commits themselves would only do it at 10,000 pages (40 MiB).
#[test]
fn the_log_is_checkpointed_off_the_path_of_requests() {
    let sb = Sandbox::start_temp(|_| {});
    let db = sb.data_dir.join("sandbox.db");
    let before = std::fs::metadata(&db).unwrap().len();
    let job = sb.import(
        "site",
        "sites.csv",
        crate::harness::sites_csv("Checkpointed ", 0..3000),
    );
    assert_eq!(job["objects_created"], 3000, "{job}");
    let wal = std::fs::metadata(sb.data_dir.join("sandbox.db-wal"))
        .unwrap()
        .len();
    assert!(
        wal < 10_000 * 4096,
        "the log passed the commits' bound: {wal}"
    );
    // 3000 sites and their job rows: far more than a MiB, in the database file once copied.
    let deadline = Instant::now() + Duration::from_secs(20);
    let grown = loop {
        let now = std::fs::metadata(&db).unwrap().len();
        if now > before + (1 << 20) || Instant::now() > deadline {
            break now;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        grown > before + (1 << 20),
        "the database file stayed at {grown} bytes (was {before}): no checkpoint"
    );
}
