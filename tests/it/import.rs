//! End-to-end tests of `bulk import`: the real binary against a real sandbox over HTTP.

use crate::harness::*;
use serde_json::Value;
use std::collections::HashSet;
use std::time::{Duration, Instant};

fn emails(rows: &[std::collections::HashMap<String, String>]) -> HashSet<String> {
    rows.iter().map(|r| r["email"].to_lowercase()).collect()
}

#[test]
fn twelve_thousand_users_become_three_jobs_and_every_row_arrives() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    seed(&env);
    env.write("users.csv", users(12_000));
    let out = env.run(&["--json", "import", "users.csv"]).expect(0);
    let doc = out.json();
    assert_eq!(doc["exit_code"], 0);
    let imp = &doc["imports"][0];
    assert_eq!(imp["file"], "users.csv");
    assert_eq!(imp["type"], "user");
    assert_eq!(imp["rows"], 12_000);
    assert_eq!(imp["created"], 12_000);
    assert_eq!(imp["failed"], 0);
    assert_eq!(imp["status"], "completed");
    assert_eq!(imp["error_file"], Value::Null);
    assert_eq!(imp["jobs"].as_array().unwrap().len(), 3);
    let user_jobs = sb
        .import_jobs()
        .into_iter()
        .filter(|j| j["object_type"] == "user")
        .count();
    assert_eq!(user_jobs, 3);
    let got = emails(&sb.export_records("user", Export::Plain));
    assert_eq!(got.len(), 12_000);
    assert!((1..=12_000).all(|i| got.contains(&format!("user{i}@example.com"))));
    // a finished import leaves no journal behind, and no error file
    assert!(env.journals().is_empty());
    assert!(!env.path("users.errors.csv").exists());
}

#[test]
fn rejected_rows_get_original_lines_and_the_fixed_error_file_imports() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| max_rows(s, 100));
    seed(&env);
    // 250 rows in 3 chunks; blank lines shift physical lines away from row numbers; two rows
    // name a team that does not exist, in the 2nd and the 3rd chunk.
    let mut text = String::from(USER_HEADER);
    let mut bad_lines = Vec::new();
    let mut line = 1;
    for i in 1..=250 {
        if i % 40 == 0 {
            text.push('\n');
            line += 1;
        }
        let team = if i == 150 || i == 230 {
            "Ghost Team"
        } else {
            "Team A"
        };
        text.push_str(&user_row(i, team));
        line += 1;
        if team == "Ghost Team" {
            bad_lines.push(line);
        }
    }
    env.write("users.csv", &text);
    let out = env.run(&["--json", "import", "users.csv"]).expect(4);
    let imp = &out.json()["imports"][0];
    assert_eq!(imp["jobs"].as_array().unwrap().len(), 3);
    assert_eq!(imp["failed"], 2);
    assert_eq!(imp["created"], 248);
    assert_eq!(imp["status"], "completed_with_errors");
    assert!(imp["error_file"]
        .as_str()
        .unwrap()
        .ends_with("users.errors.csv"));
    let rows = csv_rows(&env.read_string("users.errors.csv"));
    assert_eq!(
        rows[0],
        [
            "Email",
            "User Profile",
            "Contact Center Enabled",
            "Site",
            "Teams",
            "Desktop Profile",
            "Line",
            "Error Message"
        ]
    );
    assert_eq!(rows.len(), 3);
    let physical: Vec<&str> = text.split('\n').collect();
    for (row, want) in rows[1..].iter().zip(&bad_lines) {
        assert_eq!(row[6], want.to_string(), "{row:?}");
        // the line really is that row in the original file
        assert!(physical[*want - 1].starts_with(&row[0]), "{row:?}");
        assert!(row[7].contains("Ghost Team"), "{row:?}");
    }
    // human mode shows the summary and names the file to fix
    assert!(!env.journals().iter().any(|_| true));

    // Fix the cause (create the team), import the error file as is.
    env.write("teams2.csv", "Name,Site,Type\nGhost Team,Site A,AGENT\n");
    env.run(&["import", "teams2.csv", "--type", "team"])
        .expect(0);
    let out = env.run(&["import", "users.errors.csv"]).expect(0);
    assert!(out.stderr.contains("users.errors.csv"), "{}", out.stderr);
    assert!(!env.path("users.errors.errors.csv").exists());
    assert_eq!(emails(&sb.export_records("user", Export::Plain)).len(), 250);
}

/// One job of 2,600 rows is applied in batches of 1,000, the next batch prepared (mapped, its
/// people looked up) while the tenant writes the one before: rows the tenant refuses in the
/// first and the last batch still come back with their own lines and nothing else fails.
#[test]
fn a_job_applied_in_overlapping_batches_reports_each_refused_row_on_its_line() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    let refused = [10usize, 1_200, 2_550];
    let mut text = String::from("Email,User Profile,Contact Center Enabled\n");
    for i in 1..=2_600 {
        let profile = if refused.contains(&i) {
            "Ghost Profile"
        } else {
            "Standard Agent"
        };
        text.push_str(&format!("batch{i}@example.com,{profile},Off\n"));
    }
    env.write("users.csv", &text);
    let out = env.run(&["--json", "import", "users.csv"]).expect(4);
    let imp = &out.json()["imports"][0];
    assert_eq!(imp["jobs"].as_array().unwrap().len(), 1, "{imp}");
    assert_eq!(imp["created"], 2_597, "{imp}");
    assert_eq!(imp["failed"], 3, "{imp}");
    let rows = csv_rows(&env.read_string("users.errors.csv"));
    assert_eq!(rows.len(), 1 + refused.len(), "{rows:?}");
    for (row, i) in rows[1..].iter().zip(refused) {
        assert_eq!(row[0], format!("batch{i}@example.com"), "{row:?}");
        // The header is line 1: row i is on line i + 1.
        assert_eq!(row[3], (i + 1).to_string(), "{row:?}");
        assert!(row[4].contains("Ghost Profile"), "{row:?}");
    }
    let got = emails(&sb.export_records("user", Export::Plain));
    assert_eq!(got.len(), 2_597);
    assert!(!got.contains("batch1200@example.com"));
    assert!(got.contains("batch1201@example.com") && got.contains("batch2600@example.com"));
}

#[test]
fn invalid_input_sends_nothing_and_skip_invalid_sends_the_rest() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| max_rows(s, 20));
    seed(&env);
    let before = sb.import_jobs().len();
    let mut text = String::from(USER_HEADER);
    for i in 1..=50 {
        if i == 3 || i == 33 {
            text.push_str("not-an-email,Standard Agent,On,Site A,Team A,Default Desktop Profile\n");
        } else {
            text.push_str(&user_row(i, "Team A"));
        }
    }
    env.write("users.csv", &text);
    let out = env.run(&["import", "users.csv"]).expect(3);
    assert!(out.stderr.contains("users.csv:4:1"), "{}", out.stderr);
    assert!(out.stderr.contains("nothing was sent"), "{}", out.stderr);
    assert_eq!(sb.import_jobs().len(), before, "no job may be created");
    let rows = csv_rows(&env.read_string("users.errors.csv"));
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][6], "4");
    assert_eq!(rows[2][6], "34");

    let out = env
        .run(&["--json", "import", "users.csv", "--skip-invalid"])
        .expect(4);
    let imp = &out.json()["imports"][0];
    assert_eq!(imp["rows"], 50);
    assert_eq!(imp["failed"], 2);
    assert_eq!(imp["created"], 48);
    assert_eq!(imp["jobs"].as_array().unwrap().len(), 3);
    let rows = csv_rows(&env.read_string("users.errors.csv"));
    assert_eq!(rows.len() - 1, 2);
    assert_eq!((rows[1][6].as_str(), rows[2][6].as_str()), ("4", "34"));
    let imported = emails(&sb.export_records("user", Export::Plain)).len();
    assert_eq!(imported + rows.len() - 1, 50);
    assert!(env.journals().is_empty());
}

#[test]
fn a_second_concurrent_import_waits_and_a_repeat_makes_new_jobs() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| s.row_delay = Duration::from_millis(5));
    seed(&env);
    env.write("a/users.csv", users(150));
    let mut b = String::from(USER_HEADER);
    for i in 1000..1150 {
        b.push_str(&user_row(i, "Team A"));
    }
    env.write("b/users.csv", &b);
    let first = env.spawn(&["import", "a/users.csv"]);
    sb.wait_for_jobs(3); // seed's 2 + the first import's
    let second = env.spawn(&["import", "b/users.csv"]);
    let (a, b) = (env.finish(first).expect(0), env.finish(second).expect(0));
    assert!(
        b.stderr.contains("waiting for job"),
        "the second import should wait:\n{}\n{}",
        a.stderr,
        b.stderr
    );
    assert_eq!(emails(&sb.export_records("user", Export::Plain)).len(), 300);
    // the same unchanged file imported again is a new import (new jobs), not a replay
    let jobs = sb.import_jobs().len();
    env.run(&["import", "a/users.csv"]).expect(0);
    assert_eq!(sb.import_jobs().len(), jobs + 1);
}

#[cfg(unix)]
#[test]
fn a_killed_import_resumes_without_a_duplicate_job_or_a_lost_row() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| {
        max_rows(s, 50);
        s.row_delay = Duration::from_millis(4);
    });
    seed(&env);
    env.write("users.csv", users(200)); // 4 chunks
    let seeded = sb.import_jobs().len();
    let mut child = env.spawn(&["import", "users.csv"]);
    sb.wait_for_jobs(seeded + 2);
    child.kill().unwrap(); // SIGKILL: no chance to clean up
    let _ = child.wait();
    assert_eq!(env.journals().len(), 1, "the journal survives a crash");
    let out = env.run(&["--json", "import", "users.csv"]).expect(0);
    assert!(out.stderr.contains("resuming the import"), "{}", out.stderr);
    let imp = &out.json()["imports"][0];
    assert_eq!(imp["jobs"].as_array().unwrap().len(), 4);
    let user_jobs: Vec<Value> = sb
        .import_jobs()
        .into_iter()
        .filter(|j| j["object_type"] == "user")
        .collect();
    assert_eq!(user_jobs.len(), 4, "one job per chunk: {user_jobs:#?}");
    assert_eq!(emails(&sb.export_records("user", Export::Plain)).len(), 200);
    assert!(env.journals().is_empty());
}

#[cfg(unix)]
#[test]
fn ctrl_c_stops_submitting_and_says_how_to_resume() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| {
        max_rows(s, 50);
        s.row_delay = Duration::from_millis(5);
    });
    seed(&env);
    env.write("users.csv", users(150));
    let seeded = sb.import_jobs().len();
    let child = env.spawn(&["import", "users.csv"]);
    sb.wait_for_jobs(seeded + 1);
    std::thread::sleep(Duration::from_millis(100));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = env.finish(child).expect(130);
    assert!(
        out.stderr.contains("bulk import users.csv --resume"),
        "{}",
        out.stderr
    );
    env.run(&["import", "users.csv", "--resume"]).expect(0);
    let user_jobs = sb
        .import_jobs()
        .into_iter()
        .filter(|j| j["object_type"] == "user")
        .count();
    assert_eq!(user_jobs, 3);
    assert_eq!(emails(&sb.export_records("user", Export::Plain)).len(), 150);
}

#[test]
fn no_wait_then_resume_and_timeout_exits_7() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| {
        max_rows(s, 30);
        s.row_delay = Duration::from_millis(25);
    });
    seed(&env);
    env.write("users.csv", users(60)); // 2 chunks of 0.75 s
    let out = env
        .run(&["--json", "import", "users.csv", "--no-wait"])
        .expect(0);
    let doc = out.json();
    assert_eq!(doc["imports"][0]["status"], "submitted");
    assert_eq!(doc["imports"][0]["jobs"].as_array().unwrap().len(), 1);
    assert!(doc["resume"].as_str().unwrap().contains("--resume"));
    let out = env
        .run(&["import", "users.csv", "--timeout", "1s", "--resume"])
        .expect(7);
    assert!(
        out.stderr.contains("bulk import users.csv --resume"),
        "{}",
        out.stderr
    );
    let out = env
        .run(&["--json", "import", "users.csv", "--resume"])
        .expect(0);
    assert_eq!(out.json()["imports"][0]["created"], 60);
    let user_jobs = sb
        .import_jobs()
        .into_iter()
        .filter(|j| j["object_type"] == "user")
        .count();
    assert_eq!(user_jobs, 2);
    // nothing left to resume
    let out = env.run(&["import", "users.csv", "--resume"]).expect(2);
    assert!(
        out.stderr.contains("no unfinished import"),
        "{}",
        out.stderr
    );
}

#[test]
fn retries_under_faults_make_exactly_one_job_per_chunk() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| {
        max_rows(s, 40);
        s.faults.rate_500 = 0.3;
        s.faults.rate_reset = 0.2;
        s.faults.seed = 7;
    });
    seed(&env);
    env.write("users.csv", users(160)); // 4 chunks
    let out = env.run(&["--json", "import", "users.csv"]).expect(0);
    assert_eq!(out.json()["imports"][0]["created"], 160);
    let user_jobs = sb
        .import_jobs()
        .into_iter()
        .filter(|j| j["object_type"] == "user")
        .count();
    assert_eq!(user_jobs, 4);
}

#[test]
fn a_directory_imports_in_dependency_order_on_the_embedded_sandbox() {
    let env = Workdir::new();
    // written so that name order (sites, teams, users) is not what decides: a "0-" prefix
    env.write("dir/0-users.csv", users(5));
    env.write("dir/1-teams.csv", TEAMS);
    env.write("dir/2-sites.csv", SITES);
    env.write("dir/prompts/hello.wav", mulaw_wav(800));
    env.write("dir/prompts/bye.wav", mulaw_wav(400));
    let out = env.run(&["--json", "import", "dir"]).expect(0);
    assert!(out.stderr.contains("local sandbox"), "{}", out.stderr);
    let doc = out.json();
    let types: Vec<&str> = doc["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["site", "team", "audio-file", "user"]);
    let audio = &doc["imports"][2];
    assert_eq!(audio["rows"], 2);
    assert_eq!(audio["status"], "completed");
    for i in doc["imports"].as_array().unwrap() {
        assert_eq!(i["failed"], 0, "{i}");
    }
}

#[test]
fn human_output_has_a_summary_and_stdout_stays_empty() {
    let env = Workdir::new();
    env.write("sites.csv", SITES);
    let out = env.run(&["import", "sites.csv"]).expect(0);
    assert_eq!(out.stdout, "");
    for col in ["file", "rows", "created", "updated", "failed", "jobs"] {
        assert!(out.stderr.contains(col), "{}", out.stderr);
    }
    // importing again updates instead of creating
    let out = env.run(&["--json", "import", "sites.csv"]).expect(0);
    assert_eq!(out.json()["imports"][0]["updated"], 1);
    let _ = Instant::now();
}

#[test]
fn a_refused_token_exits_6_and_is_never_printed() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    env.write("sites.csv", SITES);
    let real = sb.token.clone();
    env.target(&sb.url, "not-the-token");
    let out = env.run(&["import", "sites.csv"]).expect(6);
    assert!(out.stderr.contains("bulk login"), "{}", out.stderr);
    assert!(!out.stderr.contains("not-the-token"), "{}", out.stderr);
    env.target(&sb.url, &real);
    env.run(&["import", "sites.csv"]).expect(0);
}

#[test]
fn skip_invalid_drops_whole_multi_row_objects_and_keeps_original_lines() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| max_rows(s, 3));
    // line 4 is blank; Book2 (lines 5-8, one record spanning two lines) has a bad phone
    env.write(
        "books.csv",
        "Name,Parent Type,Entry Name,Phone Number\n\
         Book1,ORGANIZATION,Alice,+14085550100\n\
         Book1,ORGANIZATION,Bob,+14085550101\n\
         \n\
         Book2,ORGANIZATION,Carol,+14085550102\n\
         Book2,ORGANIZATION,Dan,12ab\n\
         Book2,ORGANIZATION,\"Eve\nX\",+14085550104\n\
         Book3,ORGANIZATION,Fay,+14085550105\n\
         Book4,ORGANIZATION,Gus,+14085550106\n\
         Book4,ORGANIZATION,Hal,+14085550107\n",
    );
    let out = env
        .run(&[
            "--json",
            "import",
            "books.csv",
            "--type",
            "address-book",
            "--skip-invalid",
        ])
        .expect(4);
    let imp = &out.json()["imports"][0];
    assert_eq!(imp["rows"], 8);
    assert_eq!(imp["failed"], 3);
    assert_eq!(imp["jobs"].as_array().unwrap().len(), 2);
    let rows = csv_rows(&env.read_string("books.errors.csv"));
    let lines: Vec<&str> = rows[1..].iter().map(|r| r[4].as_str()).collect();
    assert_eq!(lines, ["5", "6", "7"]);
    assert!(rows[1][5].contains("line 6"), "{:?}", rows[1]);
    let mut names: Vec<String> = sb
        .export_records("address-book", Export::Plain)
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names, ["Book1", "Book3", "Book4"]);
}

/// Regression (issue 9): running the import again after fixing `users.errors.csv` in place
/// rewrote it with the original broken rows.
#[test]
fn an_edited_error_file_is_never_overwritten() {
    let env = Workdir::new();
    let _sb = Sandbox::start_for(&env, |_| {});
    seed(&env);
    let mut text = String::from(USER_HEADER);
    text.push_str(&user_row(1, "Team A"));
    text.push_str(&user_row(2, "Ghost Team"));
    env.write("users.csv", &text);
    env.run(&["import", "users.csv"]).expect(4);
    let ours = env.read_string("users.errors.csv");
    assert!(ours.contains("Ghost Team"), "{ours}");

    // Run again unchanged: the file is ours, replaced in place, nothing beside it.
    env.run(&["import", "users.csv"]).expect(4);
    assert!(!env.exists("users.errors-2.csv"));

    // The admin fixes the error file in place, then runs the original import again.
    let fixed = ours.replace("Ghost Team", "Team A");
    env.write("users.errors.csv", &fixed);
    let out = env.run(&["import", "users.csv"]).expect(4);
    out.stderr_has("users.errors.csv was changed")
        .stderr_has("users.errors-2.csv");
    assert_eq!(
        env.read_string("users.errors.csv"),
        fixed,
        "the admin's fix is kept"
    );
    assert!(env.read_string("users.errors-2.csv").contains("Ghost Team"));
    // Its fix imports.
    env.run(&["import", "users.errors.csv"]).expect(0);
    assert_eq!(env.read_string("users.errors.csv"), fixed);
}

/// Regression (issue 9): `bulk import DIR` skipped `*.errors.csv` (and every other file) in
/// silence; `--include-errors` imports the error files too.
#[test]
fn a_directory_import_names_every_file_it_skips_and_include_errors_takes_the_error_files() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    env.write("d/sites.csv", sites_csv("Site ", 0..2));
    env.write("d/notes.txt", "mine");
    env.write("d/old/readme.md", "mine");
    let (head, _) = template("site");
    env.write(
        "d/sites2.errors.csv",
        format!(
            "{},Line,Error Message\nFixed Site,Default Multimedia Profile,3,was broken\n",
            head.join(",")
        ),
    );
    let out = env.run(&["import", "d"]).expect(0);
    out.stderr_has("skipped d/notes.txt: not a CSV")
        .stderr_has("skipped d/old: a directory")
        .stderr_has("warning: skipped d/sites2.errors.csv")
        .stderr_has("bulk import d/sites2.errors.csv")
        .stderr_has("--include-errors");
    // --quiet hides the chatter, not the error file left behind.
    let out = env.run(&["import", "d", "--quiet"]).expect(0);
    out.stderr_lacks("notes.txt")
        .stderr_has("sites2.errors.csv");
    assert_eq!(sb.export_records("site", Export::Plain).len(), 2);
    env.run(&["import", "d", "--include-errors"]).expect(0);
    let names: Vec<String> = sb
        .export_records("site", Export::Plain)
        .into_iter()
        .map(|r| r["name"].clone())
        .collect();
    assert!(names.contains(&"Fixed Site".to_string()), "{names:?}");
}

/// Regression (issue 9): `--quiet` hid where the error file is, the one result of a partly
/// failed import.
#[test]
fn quiet_still_says_where_the_error_file_is() {
    let env = Workdir::new();
    let _sb = Sandbox::start_for(&env, |_| {});
    seed(&env);
    let mut text = String::from(USER_HEADER);
    text.push_str(&user_row(1, "Team A"));
    text.push_str(&user_row(2, "Ghost Team"));
    env.write("users.csv", &text);
    let out = env.run(&["import", "users.csv", "--quiet"]).expect(4);
    out.stderr_has("users.errors.csv").stderr_lacks("created");
    assert_eq!(
        out.stderr.lines().count(),
        1,
        "one line: where the error file is: {out:?}"
    );
}

/// Regression (issue 9): with its reader gone (`bulk import x.csv 2>&1 | head -1`), an import
/// never panics and exits with its documented code (4 here: a row was rejected), not 0.
#[test]
fn closed_stdout_and_stderr_keep_the_exit_code() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    seed(&env);
    for (i, extra) in [&["--json"][..], &[]].into_iter().enumerate() {
        let mut text = String::from(USER_HEADER);
        text.push_str(&user_row(10 * i + 1, "Team A"));
        text.push_str(&user_row(10 * i + 2, "Ghost Team"));
        let name = format!("users{i}.csv");
        env.write(&name, &text);
        let (out_r, out_w) = std::io::pipe().unwrap();
        let (err_r, err_w) = std::io::pipe().unwrap();
        drop(out_r);
        drop(err_r);
        let status = env
            .command()
            .arg("import")
            .arg(&name)
            .args(extra)
            .stdout(out_w)
            .stderr(err_w)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(4), "{extra:?}: {status:?}");
        assert!(env.exists(&format!("users{i}.errors.csv")));
    }
    assert_eq!(
        sb.import_jobs()
            .iter()
            .filter(|j| j["object_type"] == "user")
            .count(),
        2
    );
}

/// Regression (issue 9): `bulk import site.zip` of an export's ZIP of CSVs was taken for audio,
/// submitted nothing and exited 0.
#[test]
fn an_export_zip_of_csvs_reimports_and_names_its_entries() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| max_rows(s, 100));
    env.write("sites.csv", sites_csv("Site ", 0..150));
    env.run(&["import", "sites.csv"]).expect(0);
    env.run(&["export", "site"]).expect(0);
    assert!(env.exists("site.zip"));
    let out = env.run(&["--json", "import", "site.zip"]).expect(0);
    let doc = out.json();
    let files: Vec<&str> = doc["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["file"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 2, "{doc}");
    assert!(
        files.iter().all(|f| f.starts_with("site.zip:")),
        "{files:?}"
    );
    let updated: u64 = doc["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["updated"].as_u64().unwrap())
        .sum();
    assert_eq!(updated, 150);

    // A bad row is named by the ZIP, the entry and the entry's line.
    let bad =
        "Name,Multimedia Profile\nGood,Default Multimedia Profile\n,Default Multimedia Profile\n";
    env.write("bad.zip", zip_of(&[("site_2.csv", bad.as_bytes())]));
    env.run(&["import", "bad.zip", "--type", "site"])
        .expect(3)
        .stderr_has("bad.zip:site_2.csv:3");
    assert!(env.exists("site_2.errors.csv"), "{:?}", env.all_files());
    // CSVs and WAVs together: refused.
    env.write(
        "mixed.zip",
        zip_of(&[("a.csv", bad.as_bytes()), ("b.wav", &pcm_wav(100))]),
    );
    env.run(&["import", "mixed.zip"])
        .expect(2)
        .stderr_has("both CSV files");
    // --type is never ignored: a ZIP of CSVs is not audio.
    env.run(&["import", "bad.zip", "--type", "audio-file"])
        .expect(2)
        .stderr_has("--type audio-file");
    let _ = sb;
}

/// Regression (issue 9): the progress bar's ETA was a bare "(3s)"; it says what it is.
#[test]
fn the_progress_eta_is_labelled() {
    let env = Workdir::new();
    let _sb = Sandbox::start_for(&env, |s| s.row_delay = Duration::from_millis(15));
    seed(&env);
    env.write("users.csv", users(80));
    let Some(out) = env.run_tty(&["import", "users.csv"]) else {
        return; // no script(1) here
    };
    out.code(0);
    assert!(out.stdout.contains(" left)"), "{out:?}");
}

/// Regression (issue 9): `bulk errors JOB` gave the chunk's line numbers where the merged error
/// file gives the input's.
#[test]
fn errors_of_a_job_give_the_lines_of_the_input_when_this_data_dir_ran_the_import() {
    let env = Workdir::new();
    let _sb = Sandbox::start_for(&env, |s| max_rows(s, 2));
    seed(&env);
    // header 1, rows on 2 3 (blank 4) 5 6 7: the 4th row, in the 2nd chunk, is line 6.
    let text = format!(
        "{USER_HEADER}{}{}\n{}{}{}",
        user_row(1, "Team A"),
        user_row(2, "Team A"),
        user_row(3, "Team A"),
        user_row(4, "Ghost Team"),
        user_row(5, "Team A"),
    );
    env.write("users.csv", &text);
    let doc = env.run(&["--json", "import", "users.csv"]).expect(4).json();
    let job = doc["imports"][0]["jobs"][1].as_str().unwrap().to_string();
    let line_of = |csv: &str| {
        let rows = csv_rows(csv);
        let at = rows[0].iter().position(|h| h == "Line").unwrap();
        rows[1][at].clone()
    };
    assert_eq!(line_of(&env.read_string("users.errors.csv")), "6");
    let out = env.run(&["errors", &job]).expect(0);
    out.stderr_has("lines of users.csv");
    assert_eq!(line_of(&out.stdout), "6", "{out:?}");
    // Another data directory did not run the import: it says the lines are the chunk's.
    let other = env.path("other-data");
    let out = env
        .run_env(
            &["errors", &job],
            &[("BULK_DATA_DIR", other.to_str().unwrap())],
        )
        .expect(0);
    out.stderr_has("(a chunk)");
    assert_eq!(line_of(&out.stdout), "3", "{out:?}");
}
