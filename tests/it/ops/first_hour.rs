//! Issue 9, "the admin's first hour": no file the admin has is replaced without `--force`, an
//! export named `.csv` is a CSV, an input with nothing to send is said so (exit 3), `--json` is
//! one document for `template` and `sandbox token`, and job ids work by a unique prefix.

use crate::harness::{max_rows, sites_csv, Sandbox, Workdir, USER_HEADER};
use std::io::Read;

#[test]
fn o_never_replaces_an_existing_file_without_force() {
    // issue 9: `template -o`, `errors -o` and `export -o` overwrote the admin's file in silence.
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");

    env.write("users.csv", "mine\n");
    env.run(&["template", "user", "-o", "users.csv"])
        .expect(2)
        .stderr_has("users.csv")
        .stderr_has("--force");
    assert_eq!(env.read_string("users.csv"), "mine\n");
    env.run(&["template", "user", "-o", "users.csv", "--force"])
        .expect(0);
    assert!(env.read_string("users.csv").starts_with("Email,"));

    let job = sb.import(
        "work-type",
        "worktypes.csv",
        "Name,Description,Type\nGood,,IDLE_CODE\nBad,,NOT_A_TYPE\n",
    );
    let id = job["id"].as_str().unwrap();
    env.write("errs.csv", "mine\n");
    env.run(&["errors", id, "-o", "errs.csv"])
        .expect(2)
        .stderr_has("--force");
    assert_eq!(env.read_string("errs.csv"), "mine\n");
    env.run(&["errors", id, "-o", "errs.csv", "--force"])
        .expect(0);
    assert!(env.read_string("errs.csv").contains("NOT_A_TYPE"));

    let sites = sb.import("site", "s.csv", sites_csv("Site ", 0..2));
    assert_eq!(sites["status"], "completed", "{sites}");
    env.write("sites.csv", "mine\n");
    env.run(&["export", "site", "-o", "sites.csv"])
        .expect(2)
        .stderr_has("--force");
    assert_eq!(env.read_string("sites.csv"), "mine\n");
    assert_eq!(
        sb.json("/v1/jobs?job_type=export")["total"],
        0,
        "nothing ran"
    );
    env.run(&["export", "site", "-o", "sites.csv", "--force"])
        .expect(0);
    assert!(env.read_string("sites.csv").contains("Site"));
}

#[test]
fn export_to_a_csv_name_never_writes_zip_bytes() {
    // issue 9: more records than one file holds arrived as a ZIP written into `x.csv`.
    let sb = Sandbox::start_temp(|s| max_rows(s, 100));
    let env = Workdir::new();
    env.login(&sb, "default");
    for (i, range) in [0..100, 100..150].into_iter().enumerate() {
        let job = sb.import("site", &format!("sites{i}.csv"), sites_csv("Site ", range));
        assert_eq!(job["status"], "completed", "{job}");
    }
    let out = env.run(&["export", "site", "-o", "x.csv"]).expect(0);
    out.stderr_has("merged from 2 files");
    let bytes = env.read("x.csv");
    assert!(!bytes.starts_with(b"PK"), "ZIP bytes in x.csv");
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.lines().count(), 151, "one header and 150 records");
    // Without a name the ZIP stays a ZIP.
    env.run(&["export", "site"]).expect(0);
    let mut zip = zip::ZipArchive::new(std::fs::File::open(env.path("site.zip")).unwrap()).unwrap();
    let mut first = String::new();
    zip.by_index(0).unwrap().read_to_string(&mut first).unwrap();
    assert!(
        first.starts_with("NAME") || first.starts_with("Name"),
        "{first}"
    );
}

#[test]
fn split_out_into_a_non_empty_folder_needs_force() {
    // issue 9: `split --out DIR` mixed its chunks into a folder of the admin's files.
    let env = Workdir::new();
    env.write("users.csv", crate::harness::users(4));
    env.write("out/notes.txt", "mine");
    env.run(&["split", "users.csv", "--out", "out", "--max-rows", "2"])
        .expect(2)
        .stderr_has("out")
        .stderr_has("notes.txt")
        .stderr_has("--force");
    assert_eq!(env.list("out"), ["notes.txt"]);
    // Its own earlier chunks are not in the way: a rerun replaces them.
    env.run(&["split", "users.csv", "--out", "chunks", "--max-rows", "2"])
        .expect(0);
    env.run(&["split", "users.csv", "--out", "chunks", "--max-rows", "3"])
        .expect(0);
    assert_eq!(env.list("chunks").len(), 3, "{:?}", env.list("chunks"));
}

#[test]
fn a_header_only_csv_is_nothing_to_import_exit_3() {
    // issue 9: a header-only CSV "imported" 0 rows and exited 0 in silence.
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    env.use_sandbox(&sb);
    env.write("users.csv", USER_HEADER);
    env.run(&["import", "users.csv"])
        .expect(3)
        .stderr_has("users.csv")
        .stderr_has("nothing to import");
    assert!(sb.import_jobs().is_empty(), "nothing was sent");
    env.write("empty.csv", "");
    env.run(&["import", "empty.csv", "--type", "user"])
        .expect(3)
        .stderr_has("empty.csv");
    // In a set, the empty one is named and the others go in.
    env.write("d/sites.csv", sites_csv("Site ", 0..2));
    let header = crate::harness::template("team").0.join(",");
    env.write("d/teams.csv", format!("{header}\n"));
    env.run(&["import", "d"])
        .expect(0)
        .stderr_has("teams.csv: nothing to import");
    assert_eq!(sb.import_jobs().len(), 1);
}

#[test]
fn json_is_one_document_for_template_and_sandbox_token() {
    // issue 9: `--json` printed a bare CSV and a bare token.
    let env = Workdir::new();
    let v = env.run(&["template", "site", "--json"]).expect(0).json();
    assert_eq!(v["type"], "site");
    assert_eq!(v["columns"][0], "Name");
    assert_eq!(v["csv"], "Name,Multimedia Profile\r\n");
    let v = env
        .run(&["template", "user", "--example", "--json", "-o", "u.csv"])
        .expect(0)
        .json();
    assert_eq!(v["path"], "u.csv");
    assert_eq!(v["csv"].as_str().unwrap(), env.read_string("u.csv"));

    let data = tempfile::tempdir().unwrap();
    let token = Sandbox::token_of(data.path(), &[]);
    let o = std::process::Command::new(crate::harness::bulk_bin())
        .args(["sandbox", "token", "--json", "--data-dir"])
        .arg(data.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["token"], token.as_str());
    assert!(
        v["organization_id"].as_str().is_some_and(|s| !s.is_empty()),
        "{v}"
    );
}

#[test]
fn job_ids_work_by_a_unique_prefix_of_six_or_more() {
    // issue 9: the README's `bulk jobs wait 3f2c1a` answered "no such job".
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    let job = sb.import(
        "work-type",
        "worktypes.csv",
        "Name,Description,Type\nGood,,IDLE_CODE\nBad,,NOT_A_TYPE\n",
    );
    let id = job["id"].as_str().unwrap();
    let prefix = &id[..8];
    let v = env
        .run(&["jobs", "show", prefix, "--json"])
        .expect(0)
        .json();
    assert_eq!(v["id"], id);
    let v = env
        .run(&["jobs", "wait", &id[..6], "--json"])
        .expect(4)
        .json();
    assert_eq!(v["id"], id);
    env.run(&["errors", prefix])
        .expect(0)
        .stdout_has("NOT_A_TYPE");
    // Shorter than 6, or no job's prefix: the service is asked for that id, and knows none.
    env.run(&["jobs", "show", &id[..5]]).expect(1);
    env.run(&["jobs", "show", "zzzzzzzz"]).expect(1);
}

#[test]
fn one_row_is_one_row() {
    // issue 9: "1 rows", "1 site records".
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    let job = sb.import("site", "s.csv", sites_csv("Site ", 0..1));
    let id = job["id"].as_str().unwrap();
    env.run(&["jobs", "wait", id])
        .expect(0)
        .stderr_has("completed: 1 row, 1 succeeded")
        .stderr_lacks("1 rows");
    env.run(&["export", "site", "-o", "one.csv"])
        .expect(0)
        .stderr_has("exported 1 record of Site");
    env.write("one-row.csv", sites_csv("Site ", 0..1));
    env.run(&["split", "one-row.csv", "--dry-run"])
        .expect(0)
        .stderr_lacks("1 rows");
}
