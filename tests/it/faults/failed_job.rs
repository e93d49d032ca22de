//! Exit 5: jobs the service fails (`--fault-fail-job`, before any row) put all their chunk's rows
//! in the merged error file with the reason, beside the rows other jobs rejected; importing that
//! file once the service is healthy again brings in the rest.

use crate::harness::*;
use std::collections::HashSet;
use std::time::Instant;

const ROWS: usize = 2000;
/// The worker rolls once per import job on dice of this seed: with it, the 4 chunks' jobs
/// neither all fail nor all succeed (the test says so if the dice ever change).
const SEED: u64 = 1;

/// Users outside the contact center need no site or team; an unknown user profile is rejected.
fn user(email: &str, profile: &str) -> String {
    format!("{email},{profile},Off,,,,\n")
}

#[test]
fn failed_jobs_exit_5_and_their_rows_go_to_the_error_file() {
    let t0 = Instant::now();
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| {
        max_rows(s, 500);
        s.faults.rate_fail_job = 0.5;
        s.faults.seed = SEED;
    });
    let mut text = String::from(UserCols::AgentExternalId.header());
    let mut chunks: Vec<Vec<String>> = vec![Vec::new(); ROWS / 500];
    let mut rejected = HashSet::new();
    for i in 1..=ROWS {
        let email = format!("f{i}@example.com");
        let profile = if i % 40 == 0 {
            rejected.insert(email.clone());
            "Ghost Profile"
        } else {
            "Standard Agent"
        };
        text.push_str(&user(&email, profile));
        chunks[(i - 1) / 500].push(email);
    }
    env.write("users.csv", &text);
    let out = env.run(&["import", "users.csv"]).expect(5);
    let jobs = sb.import_jobs();
    assert_eq!(jobs.len(), 4, "one job per chunk");
    let failed: Vec<usize> = jobs
        .iter()
        .filter(|j| j["status"] == "failed")
        .map(|j| {
            assert!(
                j["failure_reason"]
                    .as_str()
                    .unwrap()
                    .contains("injected fault"),
                "{j}"
            );
            assert_eq!(j["rows_processed"], 0, "{j}");
            let f = j["file_name"].as_str().unwrap();
            f["users.part-".len()..][..3].parse::<usize>().unwrap() - 1
        })
        .collect();
    assert!(
        !failed.is_empty() && failed.len() < 4,
        "pick another SEED: failed chunks {failed:?}"
    );
    // The reason is on screen, once per failed job.
    assert_eq!(
        out.stderr
            .matches("failed: the job failed before processing any row")
            .count(),
        failed.len(),
        "{}",
        out.stderr
    );
    let lost: HashSet<&String> = failed.iter().flat_map(|&c| &chunks[c]).collect();
    let ok: Vec<String> = chunks
        .iter()
        .flatten()
        .filter(|e| !lost.contains(e) && !rejected.contains(*e))
        .cloned()
        .collect();
    let bad: Vec<String> = chunks
        .iter()
        .flatten()
        .filter(|e| lost.contains(e) || rejected.contains(*e))
        .cloned()
        .collect();
    let errors = env.read_string("users.errors.csv");
    let t = account(&sb, Some(&errors), &ok, &bad, "users.part-");
    for r in &csv_rows(&errors)[1..] {
        let msg = &r[r.len() - 1];
        if lost.contains(&r[0]) {
            assert!(msg.contains("failed: the job failed"), "{r:?}");
        } else {
            assert!(msg.contains("Ghost Profile"), "{r:?}");
        }
    }

    // Without the fault, the error file imports as is: only the rejected rows are left.
    let data = sb.data_dir.clone();
    drop(sb);
    let sb = Sandbox::start(&data, |s| max_rows(s, 500));
    env.use_sandbox(&sb);
    env.run(&["import", "users.errors.csv"]).expect(4);
    let all_ok: Vec<String> = chunks
        .iter()
        .flatten()
        .filter(|e| !rejected.contains(*e))
        .cloned()
        .collect();
    let got: HashSet<String> = sb
        .export_records("user", Export::Idempotent)
        .iter()
        .map(|r| r["email"].to_lowercase())
        .collect();
    assert_eq!(got, all_ok.into_iter().collect::<HashSet<_>>());
    eprintln!(
        "SUMMARY failed-job: {ROWS} rows, 4 jobs, {} failed by --fault-fail-job 0.5, {} imported + {} in the error file, exit 5; the error file re-imported after: exit 4, {} users, {:.1}s",
        failed.len(),
        t.exported,
        t.in_error_file,
        got.len(),
        t0.elapsed().as_secs_f64()
    );
}
