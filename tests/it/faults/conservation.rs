//! Conservation as a property: for generated user files mixing valid rows, rows local
//! validation drops (`--skip-invalid`) and rows the service rejects, with blank lines and
//! multi-line cells so physical lines differ from row numbers, `imported + error rows = input
//! rows`, and each error row's `Line` is the physical line where that row starts in the input.

use crate::harness::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// What one generated row is.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Valid,
    /// Names a team the service does not know.
    Rejected,
    /// Not an email address.
    BadEmail,
    /// No User Profile (required).
    MissingProfile,
    /// A line break inside the quoted External Id, which may not hold one.
    LineBreak,
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        14 => Just(Kind::Valid),
        2 => Just(Kind::Rejected),
        1 => Just(Kind::BadEmail),
        1 => Just(Kind::MissingProfile),
        1 => Just(Kind::LineBreak),
    ]
}

/// A generated input: its text, the start line of each row by its Email value, and which
/// Email values the service should end up holding.
struct Input {
    text: String,
    line_of: HashMap<String, u64>,
    valid: Vec<String>,
    bad: Vec<String>,
}

fn build(case: usize, rows: &[(Kind, bool)]) -> Input {
    let mut text = String::from(UserCols::AgentExternalId.header());
    let mut line = 2u64;
    let mut input = Input {
        text: String::new(),
        line_of: HashMap::new(),
        valid: Vec::new(),
        bad: Vec::new(),
    };
    for (i, &(k, blank_before)) in rows.iter().enumerate() {
        if blank_before {
            text.push('\n');
            line += 1;
        }
        let email = format!("p{case}x{i}@example.com");
        let (email, row) = match k {
            Kind::Valid => (email.clone(), UserCols::AgentExternalId.row(&email, "Team A")),
            Kind::Rejected => (email.clone(), UserCols::AgentExternalId.row(&email, "Ghost Team")),
            Kind::BadEmail => {
                let e = format!("p{case}x{i}.example.com");
                (e.clone(), UserCols::AgentExternalId.row(&e, "Team A"))
            }
            Kind::MissingProfile => (
                email.clone(),
                format!("{email},,On,Site A,Team A,Default Desktop Profile,\n"),
            ),
            Kind::LineBreak => (
                email.clone(),
                format!("{email},Standard Agent,On,Site A,Team A,Default Desktop Profile,\"ext\nid {i}\"\n"),
            ),
        };
        input.line_of.insert(email.to_lowercase(), line);
        line += row.matches('\n').count() as u64;
        text.push_str(&row);
        match k {
            Kind::Valid => input.valid.push(email.to_lowercase()),
            _ => input.bad.push(email.to_lowercase()),
        }
    }
    input.text = text;
    input
}

#[test]
fn imported_plus_error_rows_equal_input_rows_and_lines_point_home() {
    let t0 = Instant::now();
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| max_rows(s, 50));
    seed(&env);
    let mut runner = TestRunner::new(Config {
        cases: 8,
        max_shrink_iters: 16,
        failure_persistence: None,
        ..Config::default()
    });
    // The runner wants an `Fn`: the running totals live in cells.
    let case = Cell::new(0usize);
    let all_valid: RefCell<HashSet<String>> = RefCell::default();
    let (total_rows, total_jobs) = (Cell::new(0usize), Cell::new(0usize));
    let strategy = prop::collection::vec((kind(), prop::bool::weighted(0.05)), 50..=400);
    runner
        .run(&strategy, |rows| {
            case.set(case.get() + 1);
            let case = case.get();
            let input = build(case, &rows);
            let name = format!("case{case}.csv");
            env.write(&name, &input.text);
            let out = env.run(&[
                "--json",
                "import",
                &name,
                "--type",
                "user",
                "--skip-invalid",
            ]);
            let want_code = if input.bad.is_empty() { 0 } else { 4 };
            prop_assert_eq!(out.code, Some(want_code), "{:?}", out);
            let imp = &out.json()["imports"][0];
            let created = imp["created"].as_u64().unwrap() as usize;
            let errors_name = format!("case{case}.errors.csv");
            let err_rows = if input.bad.is_empty() {
                prop_assert!(!env.path(&errors_name).exists());
                Vec::new()
            } else {
                csv_rows(&env.read_string(&errors_name))
            };
            let err_rows = err_rows.get(1..).unwrap_or_default();
            // imported + in the error file = input rows
            prop_assert_eq!(imp["rows"].as_u64().unwrap() as usize, rows.len());
            prop_assert_eq!(created + err_rows.len(), rows.len());
            prop_assert_eq!(created, input.valid.len());
            // the error file holds exactly the bad rows, each at its physical line
            let mut seen = HashSet::new();
            for r in err_rows {
                let email = r[0].to_lowercase();
                let line: u64 = r[r.len() - 2].parse().unwrap();
                prop_assert_eq!(
                    Some(&line),
                    input.line_of.get(&email),
                    "wrong Line for {:?}",
                    r
                );
                prop_assert!(seen.insert(email), "twice in the error file: {:?}", r);
            }
            let bad: HashSet<String> = input.bad.iter().cloned().collect();
            prop_assert_eq!(&seen, &bad);
            total_rows.set(total_rows.get() + rows.len());
            total_jobs.set(total_jobs.get() + imp["jobs"].as_array().unwrap().len());
            all_valid.borrow_mut().extend(input.valid.iter().cloned());
            Ok(())
        })
        .unwrap();
    // The service holds exactly the valid rows of every case, each once.
    let exported: Vec<String> = sb
        .export_records("user", Export::Idempotent)
        .iter()
        .map(|r| r["email"].to_lowercase())
        .collect();
    let set: HashSet<String> = exported.iter().cloned().collect();
    assert_eq!(set.len(), exported.len(), "an object was created twice");
    assert_eq!(set, all_valid.into_inner());
    eprintln!(
        "SUMMARY conservation: {} cases, {} rows, {} jobs of at most 50 rows, {} imported, {:.1}s",
        case.get(),
        total_rows.get(),
        total_jobs.get(),
        set.len(),
        t0.elapsed().as_secs_f64()
    );
}
