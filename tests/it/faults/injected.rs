//! 50,000 users (10 chunks) through each injected fault alone and all of them mixed, with 1% of
//! the rows naming a team the service does not know: exit 4, and every row accounted for once.

use crate::harness::*;
use bulk::sandbox::FaultSettings;
use std::time::{Duration, Instant};

/// Rows per scenario: 10 chunks at the service's 5000-row limit.
const ROWS: usize = 50_000;

fn scenario(name: &str, faults: impl FnOnce(&mut FaultSettings)) {
    let started = Instant::now();
    let env = Workdir::new();
    // Seeding runs before the faults matter: it retries through them like any import.
    let sb = Sandbox::start_for(&env, |s| {
        s.faults.seed = 11;
        faults(&mut s.faults);
    });
    seed(&env);
    let (text, ok, bad) = users_rejecting(UserCols::AgentExternalId, "u", ROWS, 100);
    env.write("users.csv", &text);
    let out = env.run(&["--json", "import", "users.csv"]).expect(4);
    let doc = out.json();
    assert_eq!(doc["exit_code"], 4);
    let imp = &doc["imports"][0];
    assert_eq!(imp["rows"], ROWS);
    assert_eq!(imp["created"], ok.len());
    assert_eq!(imp["failed"], bad.len());
    assert_eq!(imp["status"], "completed_with_errors");
    assert_eq!(imp["jobs"].as_array().unwrap().len(), 10);
    assert_eq!(
        env.journals().len(),
        0,
        "a finished import leaves no journal"
    );
    let t = account(
        &sb,
        Some(&env.read_string("users.errors.csv")),
        &ok,
        &bad,
        "users.part-",
    );
    assert_eq!(t.jobs, 10);
    eprintln!(
        "SUMMARY faults/{name}: {ROWS} rows, {} jobs, {} imported + {} in the error file, exit 4, retries not reported by the client, {:.1}s",
        t.jobs,
        t.exported,
        t.in_error_file,
        started.elapsed().as_secs_f64()
    );
}

#[test]
fn fifty_thousand_users_through_500s() {
    scenario("500", |f| f.rate_500 = 0.3);
}

#[test]
fn fifty_thousand_users_through_429s_with_retry_after() {
    scenario("429", |f| f.rate_429 = 0.1);
}

#[test]
fn fifty_thousand_users_through_connection_resets() {
    scenario("reset", |f| f.rate_reset = 0.3);
}

#[test]
fn fifty_thousand_users_through_slow_answers() {
    scenario("slow", |f| {
        f.rate_slow = 0.3;
        f.slow = Duration::from_millis(500);
    });
}

/// Rates stay modest: the client gives up a request after 9 failed attempts, and a mixed
/// failure rate of 0.31 makes that about 3e-5 per request.
#[test]
fn fifty_thousand_users_through_every_fault_mixed() {
    scenario("mixed", |f| {
        f.rate_500 = 0.15;
        f.rate_429 = 0.05;
        f.rate_reset = 0.15;
        f.rate_slow = 0.2;
        f.slow = Duration::from_millis(300);
    });
}
