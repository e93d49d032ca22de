//! Issue 11 (hardening), the minors 5, 6, 10, 11, 12 and 13: escape sequences on the terminal,
//! formula guards removed only when asked, leaks, resuming after a service-side failure, error
//! files that validate as they are, and failures found early and blamed right. Each test names
//! the item it pins and fails on the main it was written against.

use crate::harness::*;
use std::collections::HashMap;

/// Work types: `Description` is free text, so awkward values reach the service as they are.
const WT_HEADER: &str = "Name,Description,Type\n";

/// The work types of the sandbox, name -> description.
fn descriptions(sb: &Sandbox) -> HashMap<String, String> {
    sb.export_records("work-type", Export::Plain)
        .into_iter()
        .map(|r| (r["name"].clone(), r["description"].clone()))
        .collect()
}

/// Item 5: a cell value and a file name with CSI, OSC, C1 and bidi controls reached the
/// terminal as they were through `bulk errors`, `bulk jobs show` and (U+202E) `bulk jobs`.
#[test]
fn escape_sequences_from_the_service_are_shown_escaped_on_a_terminal() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    env.use_sandbox(&sb);
    // The service rejects the unknown type; its error file carries the cell as it was sent.
    let evil = "x\u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{202e}txt.exe";
    let job = sb.import(
        "work-type",
        "wt.csv",
        format!("{WT_HEADER}Evil,{evil},NOT_A_TYPE\nGood,fine,IDLE_CODE\n"),
    );
    assert_eq!(job["has_errors_file"], true, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    // A service that sends names as they were uploaded (a real tenant, an older sandbox).
    let db = rusqlite::Connection::open(sb.data_dir.join("sandbox.db")).unwrap();
    db.busy_timeout(std::time::Duration::from_secs(10)).unwrap();
    db.execute(
        "UPDATE jobs SET file_name = ?1 WHERE id = ?2",
        rusqlite::params![format!("\u{202e}{evil}.csv"), id],
    )
    .unwrap();
    drop(db);
    let raw = |s: &str| s.contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}']);
    for args in [
        vec!["errors", id.as_str()],
        vec!["jobs", "show", id.as_str()],
        vec!["jobs"],
    ] {
        let out = env
            .run_tty(&args)
            .expect("`script` (util-linux) runs the binary under a pseudo-terminal");
        let out = out.expect(0);
        assert!(
            !raw(&out.stdout),
            "{args:?}: a raw control reached the terminal: {out:?}"
        );
        assert!(
            out.stdout.contains("\\u{202e}"),
            "{args:?}: the bidi override is not shown escaped: {out:?}"
        );
    }
    // Into a pipe the error CSV is data: byte for byte what the service sent.
    let piped = env.run(&["errors", &id]).expect(0);
    assert!(piped.stdout.contains(evil), "{piped:?}");
}

/// Item 6: `'=1+2` lost its apostrophe on every import, though the file never went through
/// `export --excel-safe`. Now a guard goes only from a file that reads as such an export (every
/// formula-like value guarded) or with `--excel-safe`, and the count is said; an export of a
/// value that itself begins with a guard survives the round trip.
#[test]
fn formula_guards_are_removed_only_when_asked_or_from_an_excel_safe_export() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    env.use_sandbox(&sb);

    // An admin's own file: a neutralised value beside a bare `-x`. Nothing is changed.
    env.write(
        "mine.csv",
        format!("{WT_HEADER}A,'=1+2,IDLE_CODE\nB,-x,IDLE_CODE\n"),
    );
    env.run(&["import", "--type", "work-type", "mine.csv"])
        .expect(0)
        .stderr_has("of 1 value is kept")
        .stderr_lacks("removed");
    let d = descriptions(&sb);
    assert_eq!((d["A"].as_str(), d["B"].as_str()), ("'=1+2", "-x"), "{d:?}");

    // Round trip: export --excel-safe, import it back: both values as they were.
    env.run(&["export", "work-type", "-o", "safe.csv", "--excel-safe"])
        .expect(0);
    let safe = env.read_string("safe.csv");
    assert!(
        safe.contains("\nA,''=1+2,") && safe.contains("\nB,'-x,"),
        "{safe}"
    );
    env.run(&["import", "--type", "work-type", "safe.csv"])
        .expect(0)
        .stderr_has("removed from 2 values");
    let d = descriptions(&sb);
    assert_eq!((d["A"].as_str(), d["B"].as_str()), ("'=1+2", "-x"), "{d:?}");

    // Asked: --excel-safe removes the guards of any file; --keep-guards keeps those of an export.
    env.write(
        "asked.csv",
        format!("{WT_HEADER}C,'@x,IDLE_CODE\nD,+y,IDLE_CODE\n"),
    );
    env.run(&["import", "--type", "work-type", "asked.csv", "--excel-safe"])
        .expect(0)
        .stderr_has("removed from 1 value (--excel-safe)");
    env.write("kept.csv", format!("{WT_HEADER}E,'=e,IDLE_CODE\n"));
    env.run(&["import", "--type", "work-type", "kept.csv", "--keep-guards"])
        .expect(0)
        .stderr_lacks("removed");
    let d = descriptions(&sb);
    assert_eq!(
        (d["C"].as_str(), d["D"].as_str(), d["E"].as_str()),
        ("@x", "+y", "'=e"),
        "{d:?}"
    );
}

/// Item 10: an ended job kept its upload for a year; now only what its record needs stays (the
/// error CSV, from the database), the upload goes when the job ends.
#[test]
fn an_ended_job_keeps_its_error_file_but_not_its_upload() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    env.use_sandbox(&sb);
    let job = sb.import(
        "work-type",
        "wt.csv",
        format!("{WT_HEADER}A,a,IDLE_CODE\nB,b,NOT_A_TYPE\n"),
    );
    let id = job["id"].as_str().unwrap();
    let upload = sb.data_dir.join("files").join(format!("{id}.upload"));
    // The worker releases the upload right after it records the end.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while upload.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!upload.exists(), "{} is still there", upload.display());
    let out = env.run(&["errors", id]).expect(0);
    assert!(out.stdout.contains("NOT_A_TYPE"), "{out:?}");
}

/// Item 10: the journal of an import whose input changed since stayed forever, chunk copies
/// and all; now it is removed (once untouched for an hour) and the user is told.
#[test]
fn the_journal_of_a_changed_input_is_expired_and_said() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| max_rows(s, 2));
    env.use_sandbox(&sb);
    env.write(
        "wt.csv",
        format!("{WT_HEADER}A,a,IDLE_CODE\nB,b,IDLE_CODE\nC,c,IDLE_CODE\n"),
    );
    env.run(&["import", "wt.csv", "--no-wait"]).expect(0);
    let journals = env.journals();
    assert_eq!(journals.len(), 1, "{journals:?}");
    // The admin edits the file, and comes back the next day.
    env.write("wt.csv", format!("{WT_HEADER}A,a2,IDLE_CODE\n"));
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&journals[0])
        .unwrap()
        .set_modified(an_hour_ago)
        .unwrap();
    let out = env.run(&["import", "wt.csv"]).expect(0);
    out.stderr_has("removed the unfinished import of wt.csv")
        .stderr_has("changed since");
    assert!(env.journals().is_empty(), "{:?}", env.journals());
    assert!(
        !journals[0].with_extension("").exists(),
        "the chunk copies are gone too"
    );
}

/// Item 11: after a job failed on the service (its disk full, here an injected failure), a
/// resume followed the same failed job (its key pins it) and ended with exit 5; now the chunk
/// is sent again under a new key and the resume completes.
#[test]
fn a_resume_sends_again_a_chunk_whose_job_failed_on_the_service() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| s.faults.rate_fail_job = 1.0);
    env.use_sandbox(&sb);
    env.write(
        "wt.csv",
        format!("{WT_HEADER}A,a,IDLE_CODE\nB,b,IDLE_CODE\n"),
    );
    env.run(&["import", "wt.csv", "--no-wait"]).expect(0);
    let first = sb.wait(sb.import_jobs()[0]["id"].as_str().unwrap());
    assert_eq!(first["status"], "failed", "{first}");
    // The service is healthy again (space freed).
    let data = sb.data_dir.clone();
    drop(sb);
    let sb = Sandbox::start(&data, |_| {});
    env.use_sandbox(&sb);
    env.run(&["import", "wt.csv", "--resume"])
        .expect(0)
        .stderr_has("sending the chunk again as a new job");
    let d = descriptions(&sb);
    assert_eq!((d["A"].as_str(), d["B"].as_str()), ("a", "b"), "{d:?}");
    assert_eq!(sb.import_jobs().len(), 2, "one failed job, one new one");
    assert!(env.journals().is_empty());
}

/// Item 12: a row too large for any file gave an error CSV with rows of 4 then 2 fields ("2
/// problems in 2 of 1 row"); now one row with both problems, and the file validates as is.
#[test]
fn the_error_file_of_a_row_too_large_for_any_file_validates_as_is() {
    let env = Workdir::new();
    // With its header the row is past the 5 MB a file may hold; alone it is not.
    let big = "x".repeat(5_000_000 - 10);
    env.write(
        "big.csv",
        format!("Name,Multimedia Profile\r\nBig,{big}\r\n"),
    );
    env.run(&[
        "validate",
        "big.csv",
        "--type",
        "site",
        "--errors-out",
        "big.errors.csv",
    ])
    .expect(3)
    .stderr_has("2 problems in 1 of 1 row");
    let rows = csv_rows(&env.read_string("big.errors.csv"));
    assert_eq!(rows.len(), 2, "a header and one row");
    assert!(rows.iter().all(|r| r.len() == 4), "ragged error file");
    assert_eq!(rows[1][2], "2");
    env.run(&[
        "validate",
        "big.errors.csv",
        "--type",
        "site",
        "--errors-out",
        "again.errors.csv",
    ])
    .expect(3)
    .stderr_lacks("field-count");
    let again = csv_rows(&env.read_string("again.errors.csv"));
    assert!(again.iter().all(|r| r.len() == 4), "ragged error file");
}

/// Item 13: an `--errors-out` that cannot be written was found only after the job had run;
/// now nothing is submitted. (The tests may run as root, which ignores folder modes: the folder
/// is a regular file.)
#[test]
fn an_unwritable_errors_out_is_refused_before_anything_is_sent() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    env.use_sandbox(&sb);
    seed(&env);
    // Valid rows, two of which the service rejects (an unknown team): an error file is due.
    let (text, _, _) = users_rejecting(UserCols::Agent, "u", 4, 2);
    env.write("users.csv", text);
    env.write("nofolder", "a file, not a folder");
    env.run(&[
        "import",
        "users.csv",
        "--errors-out",
        "nofolder/users.errors.csv",
    ])
    .expect(2)
    .stderr_has("cannot write the error file nofolder/users.errors.csv")
    .stderr_has("nothing was submitted");
    let users: Vec<_> = sb
        .import_jobs()
        .into_iter()
        .filter(|j| j["object_type"] == "user")
        .collect();
    assert!(users.is_empty(), "a job was submitted: {users:?}");
}

/// Item 13: a rerun took the unwritable error path of the earlier run from the journal.
#[test]
fn a_rerun_does_not_reuse_an_error_path_that_can_no_longer_be_written() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    env.use_sandbox(&sb);
    // A row left out locally (`--skip-invalid`): the merged error file is due at the end.
    env.write(
        "wt.csv",
        format!("{WT_HEADER}A,a,IDLE_CODE\nB,b,NOT_A_TYPE\n"),
    );
    std::fs::create_dir(env.path("out")).unwrap();
    env.run(&[
        "import",
        "wt.csv",
        "--skip-invalid",
        "--errors-out",
        "out/wt.errors.csv",
        "--no-wait",
    ])
    .expect(0);
    std::fs::remove_dir(env.path("out")).unwrap();
    env.write("out", "now a file");
    env.run(&["import", "wt.csv", "--skip-invalid"])
        .expect(4)
        .stderr_has("out/wt.errors.csv chosen by an earlier run cannot be written");
    assert!(env.read_string("wt.errors.csv").contains("NOT_A_TYPE"));
}

/// Item 13: `split --out` into a folder that cannot be written blamed the input file.
#[test]
fn split_into_an_unwritable_folder_blames_the_folder() {
    let env = Workdir::new();
    env.write("sites.csv", sites_csv("S", 0..5));
    env.write("nofolder", "a file, not a folder");
    let out = env
        .run(&["split", "sites.csv", "--out", "nofolder/chunks"])
        .expect(1);
    out.stderr_has("cannot write the chunks into the folder nofolder/chunks");
    assert!(!out.stderr.contains("error: sites.csv"), "{out:?}");
}

/// Item 13: a token with a control byte got "cannot reach … builder error" after every retry.
#[test]
fn a_token_with_a_control_byte_is_named_as_such() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    env.target(&sb.url, "abc\u{1}def");
    env.run(&["jobs"])
        .expect(6)
        .stderr_has("the token contains invalid characters")
        .stderr_lacks("cannot reach");
}
