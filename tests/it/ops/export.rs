//! `bulk export`: CSV, ZIP, --merge, --excel-safe, audio refused, and the round trip.

use crate::harness::{max_rows, sites_csv, Sandbox, Workdir};
use std::io::Read;

/// Imports `csv` back through the HTTP API and asserts every row updated an existing object.
fn reimports_unchanged(sb: &Sandbox, object_type: &str, csv: &str, rows: u64) {
    let job = sb.import(object_type, "roundtrip.csv", csv);
    assert_eq!(job["status"], "completed", "{job}");
    assert_eq!(job["rows_failed"], 0, "{job}");
    assert_eq!(job["objects_created"], 0, "{job}");
    assert_eq!(job["objects_updated"], rows, "{job}");
}

#[test]
fn small_export_is_one_csv_that_reimports_unchanged() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    let job = sb.import("site", "sites.csv", sites_csv("Site ", 0..3));
    assert_eq!(job["status"], "completed", "{job}");
    let wt = "Name,Description,Type\n\
              Break,\"Lunch, coffee \"\"and\"\" more\",IDLE_CODE\n\
              Wrap,Été ✓,WRAP_UP_CODE\n";
    assert_eq!(sb.import("work-type", "wt.csv", wt)["status"], "completed");

    let out = env.run(&["export", "site"]).expect(0);
    assert!(out.stdout.is_empty(), "stdout is for data only: {out:?}");
    let csv = std::fs::read_to_string(env.path("site.csv")).unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    reimports_unchanged(&sb, "site", &csv, 3);

    // -o DIR writes <type>.csv inside it; --json describes what was written.
    std::fs::create_dir_all(env.path("out")).unwrap();
    let v = env
        .run(&["export", "work-type", "-o", "out", "--json"])
        .expect(0)
        .json();
    assert_eq!(v["format"], "csv");
    assert_eq!(v["records"], 2);
    assert_eq!(v["job"]["status"], "completed");
    let csv = std::fs::read_to_string(env.path("out/work-type.csv")).unwrap();
    assert!(csv.contains("Été ✓"), "{csv}");
    reimports_unchanged(&sb, "work-type", &csv, 2);

    // -o - writes the CSV on stdout.
    let out = env.run(&["export", "site", "-o", "-"]).expect(0);
    assert_eq!(out.stdout.lines().count(), 4, "{out:?}");
}

#[test]
fn large_export_is_a_zip_and_merge_joins_it() {
    // --max-rows 100 makes the sandbox cut exports at 100 records per file (as it does at 5000).
    let sb = Sandbox::start_temp(|s| max_rows(s, 100));
    let env = Workdir::new();
    env.login(&sb, "default");
    for (i, range) in [0..100, 100..200, 200..250].into_iter().enumerate() {
        let job = sb.import("site", &format!("sites{i}.csv"), sites_csv("Site ", range));
        assert_eq!(job["status"], "completed", "{job}");
    }
    let out = env.run(&["export", "site"]).expect(0);
    out.stderr_has("--merge");
    assert!(out.stdout.is_empty(), "{out:?}");
    let zip_path = env.path("site.zip");
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    assert_eq!(archive.len(), 3);
    let mut names = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut s = String::new();
        f.read_to_string(&mut s).unwrap();
        names.push(f.name().to_string());
        // Each file of the ZIP re-imports as is.
        let rows = s.lines().count() as u64 - 1;
        reimports_unchanged(&sb, "site", &s, rows);
    }
    assert!(names.iter().all(|n| n.ends_with(".csv")), "{names:?}");

    let v = env
        .run(&["export", "site", "--merge", "--json"])
        .expect(0)
        .json();
    assert_eq!(v["format"], "csv");
    assert_eq!(v["files"], 3);
    let merged = std::fs::read_to_string(env.path("site.csv")).unwrap();
    let lines: Vec<&str> = merged.lines().collect();
    assert_eq!(lines.len(), 251, "one header and 250 records");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("NAME")).count(),
        1,
        "one header"
    );
    let mut names: Vec<&str> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 250, "every site exactly once");

    // -o FILE with --merge.
    env.run(&["export", "site", "--merge", "-o", "all.csv"])
        .expect(0);
    assert_eq!(
        std::fs::read_to_string(env.path("all.csv")).unwrap(),
        merged
    );
}

#[test]
fn excel_safe_neutralises_formula_cells() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    let wt = "Name,Description,Type\n\
              A,=1+2,IDLE_CODE\n\
              B,+33 1 23,IDLE_CODE\n\
              C,-x,WRAP_UP_CODE\n\
              D,@SUM(A1),IDLE_CODE\n\
              E,plain text,IDLE_CODE\n";
    let job = sb.import("work-type", "wt.csv", wt);
    assert_eq!(job["status"], "completed", "{job}");
    env.run(&["export", "work-type", "-o", "raw.csv"]).expect(0);
    env.run(&["export", "work-type", "-o", "safe.csv", "--excel-safe"])
        .expect(0);
    let raw = std::fs::read_to_string(env.path("raw.csv")).unwrap();
    let safe = std::fs::read_to_string(env.path("safe.csv")).unwrap();
    assert!(raw.contains("\nA,=1+2,"), "{raw}");
    for want in [
        "\nA,'=1+2,IDLE_CODE",
        "\nB,'+33 1 23,",
        "\nC,'-x,",
        "\nD,'@SUM(A1),",
        "\nE,plain text,",
    ] {
        assert!(safe.contains(want), "{want:?} missing in\n{safe}");
    }
    assert!(safe.starts_with("NAME,DESCRIPTION,TYPE\n"), "{safe}");
}

#[test]
fn audio_export_is_refused_with_the_services_reason() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    env.run(&["export", "audio-file"])
        .expect(2)
        .stderr_has("cannot be exported");
    assert!(!env.path("audio-file.csv").exists());
}
