//! The accounting every fault scenario ends with: each input row exactly once, in the service
//! or in the error file, and one job per chunk.

use super::csv_file::csv_rows;
use super::sandbox::{Export, Sandbox};
use serde_json::Value;
use std::collections::{HashMap, HashSet};

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
    sb: &Sandbox,
    errors: Option<&str>,
    ok: &[String],
    bad: &[String],
    file_prefix: &str,
) -> Tally {
    let exported: Vec<String> = sb
        .export_records("user", Export::Idempotent)
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
