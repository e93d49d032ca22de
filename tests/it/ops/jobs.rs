//! `bulk jobs` (list, show, wait) and `bulk errors`.

use crate::harness::{sites_csv, Sandbox, Workdir};
use serde_json::Value;
use std::time::Duration;

/// Three finished jobs: completed, completed with errors, failed (oldest first).
fn seed(sb: &Sandbox) -> [Value; 3] {
    let ok = sb.import("site", "sites.csv", sites_csv("Site ", 0..2));
    assert_eq!(ok["status"], "completed", "{ok}");
    let partial = sb.import(
        "work-type",
        "worktypes.csv",
        "Name,Description,Type\nGood,,IDLE_CODE\nBad,,NOT_A_TYPE\n",
    );
    assert_eq!(partial["status"], "completed_with_errors", "{partial}");
    let failed = sb.import("site", "broken.csv", "Foo,Bar\nx,y\n");
    assert_eq!(failed["status"], "failed", "{failed}");
    [ok, partial, failed]
}

fn id(j: &Value) -> &str {
    j["id"].as_str().unwrap()
}

#[test]
fn list_is_plain_text_when_piped_json_on_request_and_a_table_on_a_terminal() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    let [ok, partial, failed] = seed(&sb);

    // Piped: a header line, then one tab-separated line per job, newest first.
    let out = env.run(&["jobs"]).expect(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "id\tfile_name\tjob_type\tobject\tstatus\tsubmitted_by\tstart\tend"
    );
    let ids: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(ids, [id(&failed), id(&partial), id(&ok)], "{out:?}");
    let first: Vec<&str> = lines[1].split('\t').collect();
    assert_eq!(first.len(), 8);
    assert_eq!(
        &first[1..6],
        [
            "broken.csv",
            "import",
            "site",
            "failed",
            "admin@sandbox.local"
        ]
    );
    // `jobs list` is the same as `jobs`.
    assert_eq!(env.run(&["jobs", "list"]).expect(0).stdout, out.stdout);

    // --json: the wire JobList.
    let v = env.run(&["jobs", "--json"]).expect(0).json();
    assert_eq!(v["total"], 3);
    let ids: Vec<&str> = v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id(&failed), id(&partial), id(&ok)]);

    // Filters.
    let count = |args: &[&str]| {
        let mut a = vec!["jobs", "list", "--json"];
        a.extend_from_slice(args);
        env.run(&a).expect(0).json()["jobs"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(count(&["--status", "failed"]), 1);
    assert_eq!(count(&["--status", "completed_with_errors"]), 1);
    assert_eq!(count(&["--type", "work-type"]), 1);
    assert_eq!(count(&["--type", "site"]), 2);
    assert_eq!(count(&["--job-type", "export"]), 0);
    assert_eq!(count(&["--job-type", "import"]), 3);
    assert_eq!(count(&["--search", "BROKEN"]), 1);
    assert_eq!(count(&["--limit", "2"]), 2);
    let out = env.run(&["jobs", "--limit", "1"]).expect(0);
    assert_eq!(out.stdout.lines().count(), 2, "{out:?}");
    env.run(&["jobs", "--status", "done"])
        .expect(2)
        .stderr_has("--status");
    env.run(&["jobs", "--job-type", "delete"])
        .expect(2)
        .stderr_has("--job-type");

    // On a terminal: a table with the dashboard's columns and counts, ids as their shortest
    // unique prefix (at least 6 characters), at most 120 columns wide.
    if let Some(out) = env.run_tty(&["jobs"]) {
        let out = out.expect(0);
        // Under a pseudo-terminal stderr (the `target:` line) shares the screen: the table
        // starts at its header.
        let lines: Vec<&str> = out
            .stdout
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("ID "))
            .collect();
        assert!(!lines.is_empty(), "no table header: {out:?}");
        let header: Vec<&str> = lines[0].split_whitespace().collect();
        assert_eq!(
            header,
            ["ID", "FILE", "JOB", "STATUS", "CREATED", "UPDATED", "FAILED", "STARTED"],
            "{out:?}"
        );
        assert!(out.stdout.contains("broken.csv"), "{out:?}");
        assert!(!out.stdout.contains('\t'), "{out:?}");
        for line in &lines {
            assert!(line.chars().count() <= 120, "{line}");
        }
        for (line, job) in lines[1..].iter().zip([&failed, &partial, &ok]) {
            let shown = line.split_whitespace().next().unwrap();
            assert!(shown.len() >= 6 && id(job).starts_with(shown), "{line}");
            assert!(shown.len() < id(job).len(), "not shortened: {line}");
        }
        // The work-type job: one row created, one failed, as the wire job says.
        assert_eq!(
            (
                &partial["objects_created"],
                &partial["objects_updated"],
                &partial["rows_failed"]
            ),
            (&Value::from(1), &Value::from(0), &Value::from(1)),
            "{partial}"
        );
        let cells: Vec<&str> = lines[2].split_whitespace().collect();
        assert_eq!(
            &cells[1..8],
            [
                "worktypes.csv",
                "import",
                "work-type",
                "completed_with_errors",
                "1",
                "0",
                "1"
            ],
            "{out:?}"
        );
        assert!(lines[2].ends_with(" UTC"), "{out:?}");
    }
}

/// Issue 9: the terminal table shortens ids; piped output keeps them whole, the same ids as
/// --json, and each one is accepted back by `bulk jobs show`.
#[test]
fn piped_list_keeps_full_ids() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    let [ok, partial, failed] = seed(&sb);
    let out = env.run(&["jobs"]).expect(0);
    let ids: Vec<&str> = out
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(ids, [id(&failed), id(&partial), id(&ok)], "{out:?}");
    for full in &ids {
        assert_eq!(full.len(), 36, "{full} is not a whole id");
        let shown = env.run(&["jobs", "show", full]).expect(0);
        assert!(
            shown.stdout.starts_with(&format!("id\t{full}\n")),
            "{shown:?}"
        );
    }
    let out = env.run(&["jobs", "list", "--limit", "2"]).expect(0);
    assert_eq!(
        out.stdout.lines().nth(1).unwrap().split('\t').next(),
        Some(id(&failed))
    );
}

#[test]
fn limit_pages_through_more_than_one_page() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    for i in 0..105 {
        sb.import(
            "site",
            &format!("s{i}.csv"),
            sites_csv(&format!("P{i} "), 0..1),
        );
    }
    let v = env
        .run(&["jobs", "--json", "--limit", "104"])
        .expect(0)
        .json();
    let jobs = v["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 104);
    assert_eq!(v["total"], 105);
    assert_eq!(jobs[0]["file_name"], "s104.csv");
    assert_eq!(jobs[103]["file_name"], "s1.csv");
}

#[test]
fn show_and_wait_and_errors() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    let [ok, partial, failed] = seed(&sb);

    let out = env.run(&["jobs", "show", id(&partial)]).expect(0);
    assert!(
        out.stdout.contains("status\tcompleted_with_errors\n"),
        "{out:?}"
    );
    assert!(out.stdout.contains("rows_failed\t1\n"), "{out:?}");
    let v = env
        .run(&["jobs", "show", id(&failed), "--json"])
        .expect(0)
        .json();
    assert_eq!(v["status"], "failed");
    assert!(v["failure_reason"].as_str().unwrap().contains("Foo"));
    env.run(&["jobs", "show", "no-such-job"]).expect(1);

    // wait: exit codes as for an import.
    env.run(&["jobs", "wait", id(&ok)]).expect(0);
    env.run(&["jobs", "wait", id(&partial)])
        .expect(4)
        .stderr_has(&format!("bulk errors {}", id(&partial)));
    env.run(&["jobs", "wait", id(&failed)])
        .expect(5)
        .stderr_has("Foo");
    let v = env
        .run(&["jobs", "wait", id(&partial), "--json"])
        .expect(4)
        .json();
    assert_eq!(v["status"], "completed_with_errors");

    // errors: the CSV on stdout or in a file.
    let out = env.run(&["errors", id(&partial)]).expect(0);
    assert!(out.stdout.starts_with("Name,Description,Type"), "{out:?}");
    assert!(out.stdout.contains("NOT_A_TYPE"), "{out:?}");
    assert!(!out.stdout.contains("Good"), "{out:?}");
    env.run(&["errors", id(&partial), "-o", "e.csv"]).expect(0);
    assert_eq!(
        std::fs::read_to_string(env.path("e.csv")).unwrap(),
        out.stdout
    );
    env.run(&["errors", id(&ok)])
        .expect(1)
        .stderr_has("has no error file");
}

#[test]
fn wait_times_out_with_exit_7_and_the_resume_command() {
    let sb = Sandbox::start_temp(|s| s.row_delay = Duration::from_millis(400));
    let env = Workdir::new();
    env.login(&sb, "default");
    let job = sb.submit("site", "slow.csv", sites_csv("Slow ", 0..20));
    let id = job["id"].as_str().unwrap();
    let out = env.run(&["jobs", "wait", id, "--timeout", "1"]).expect(7);
    out.stderr_has(&format!("bulk jobs wait {id}"))
        .stderr_has("waiting for job");
    assert!(out.stdout.is_empty(), "{out:?}");
    // An export behind the running job waits for it, then times out the same way.
    env.run(&["export", "site", "--timeout", "1"])
        .expect(7)
        .stderr_has("bulk jobs wait");
}
