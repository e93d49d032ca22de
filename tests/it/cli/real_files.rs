//! Issue 9, "real files pass": files from Cisco's own lab guides, phone numbers in every form the
//! Configuration API accepts for their column, warnings that do not fail a file, control
//! characters, the README tour on a fresh home, completions and global flags. Each test failed
//! on main before the fix.

use crate::harness::*;

fn validate(wd: &Workdir, name: &str, bytes: &[u8], args: &[&str]) -> Out {
    wd.write(name, bytes);
    let mut all = vec!["validate", name];
    all.extend_from_slice(args);
    wd.run(&all)
}

/// Regression (issue 9): names beginning with a digit were refused for every type, though the
/// API's patterns allow them everywhere and Cisco's lab guides import `100_Team1` at `100_Site`.
#[test]
fn lab_guide_files_with_digit_first_names_validate() {
    let wd = Workdir::new();
    let sites = "Name,Multimedia Profile\r\n100_Site,100_MMP\r\n101_Site,101_MMP\r\n";
    let teams = "Name,Site,Type,Multimedia Profile,Skill Profile,DN,Capacity,Desktop Layout\r\n\
                 100_Team1,100_Site,AGENT,100_MMP,,,,Default Desktop Layout\r\n\
                 100_Team2,100_Site,AGENT,100_MMP,,,,Default Desktop Layout\r\n\
                 101_Team1,101_Site,AGENT,101_MMP,,,,Default Desktop Layout\r\n";
    validate(&wd, "sites.csv", sites.as_bytes(), &[])
        .ok()
        .stderr_has("sites.csv: valid: 2 rows of site");
    validate(&wd, "teams.csv", teams.as_bytes(), &[])
        .ok()
        .stderr_has("teams.csv: valid: 3 rows of team");
    // The other types whose API pattern allows a leading digit.
    for (ty, col, value) in [
        ("skill-definition", "Name", "24x7 Support"),
        ("skill-profile", "Name", "100_Skills"),
        ("work-type", "Name", "100 Idle"),
        ("auxiliary-code", "Name", "100 Lunch (long)"),
        ("user-profile", "Name", "100_Agents"),
        ("agent-profile", "Name", "100 Desktop (Tier 1)"),
        ("address-book", "Name", "100 Book"),
        ("outdial-ani", "Name", "100 ANI"),
    ] {
        let mut c = csv_of(ty, 1);
        c.set(0, col, value);
        validate(&wd, &format!("{ty}.csv"), &c.bytes(), &["--type", ty]).ok();
    }
    // Entry points keep the leading letter: Cisco's CSV article asks it for them.
    let mut ep = csv_of("entry-point", 1);
    ep.set(0, "Name", "100_EP");
    validate(&wd, "entry-points.csv", &ep.bytes(), &[])
        .code(3)
        .exactly(&[("invalid-name", 2, Some(1))])
        .stderr_has("must begin with a letter");
    // The API's characters still hold.
    let bad = "Name,Multimedia Profile\r\n100/Site,100_MMP\r\n";
    validate(&wd, "sites.csv", bad.as_bytes(), &[])
        .code(3)
        .exactly(&[("invalid-characters", 2, Some(1))]);
}

/// Regression (issue 9): every phone column demanded E.164 with '+'.
#[test]
fn phone_columns_take_what_the_api_takes_for_them() {
    let wd = Workdir::new();
    let ok: &[(&str, &str, &str)] = &[
        ("address-book", "Phone Number", "(408)555-0123"),
        ("address-book", "Phone Number", "+1(408)555-0123"),
        ("outdial-ani", "Entry Number", "sip:agent@example.com"),
        ("outdial-ani", "Entry Number", "+14085550123"),
        ("entry-point-mapping", "Dialed Number", "+1-408-555-0123"),
        ("entry-point-mapping", "Dialed Number", "4085550123"),
        ("user", "Default DN", "1001"),
        ("user", "Default DN", "+4930555123"),
    ];
    for (ty, col, value) in ok {
        let mut c = csv_of(ty, 1);
        c.set(0, col, value);
        validate(&wd, "f.csv", &c.bytes(), &["--type", ty])
            .ok()
            .stderr_lacks("warning:");
    }
    // A capacity team's DN may be an extension.
    let teams = "Name,Site,Type,Multimedia Profile,Skill Profile,DN,Capacity,Desktop Layout\r\n\
                 Overflow,Berlin,CAPACITY,,,1001,5,\r\n";
    validate(&wd, "teams.csv", teams.as_bytes(), &[]).ok();
    let bad: &[(&str, &str, &str)] = &[
        // spreadsheet damage is certain: an error everywhere
        ("user", "Default DN", "4.47E+11"),
        ("address-book", "Phone Number", "4.47E+11"),
        ("entry-point-mapping", "Dialed Number", "1.4085550123E+10"),
        // outside the column's API pattern
        ("address-book", "Phone Number", "408 555 0123"),
        ("entry-point-mapping", "Dialed Number", "(408)555-0123"),
        ("outdial-ani", "Entry Number", "agent@example.com"),
        ("user", "Default DN", "ext. 1001"),
        // a '+' number that is not E.164
        ("user", "Default DN", "+1234567890123456"),
    ];
    for (ty, col, value) in bad {
        let mut c = csv_of(ty, 1);
        c.set(0, col, value);
        let at = c.col(col);
        validate(&wd, "f.csv", &c.bytes(), &["--type", ty])
            .code(3)
            .exactly(&[("invalid-phone", 2, Some(at))]);
    }
}

/// A long number without '+' is valid for the API but probably lost its '+': a warning, with
/// file:line:column, counted apart, not in the error CSV, and the exit code is unchanged.
#[test]
fn a_suspicious_number_is_a_warning_that_does_not_change_the_exit_code() {
    let wd = Workdir::new();
    let mut c = csv_of("user", 3);
    c.uniquify("Email");
    c.set(1, "Default DN", "14085550123");
    let dn = c.col("Default DN");
    let out = validate(
        &wd,
        "users.csv",
        &c.bytes(),
        &["--errors-out", "users.errors.csv"],
    );
    out.ok()
        .exactly(&[])
        .stderr_has(&format!(
            "warning: users.csv:3:{dn}: suspicious-phone: column \"Default DN\": \"14085550123\" has no leading '+'"
        ))
        .stderr_has("write +14085550123")
        .stderr_has("users.csv: valid: 3 rows of user (type from file name); 1 warning");
    assert_eq!(
        parse_csv(&wd.read("users.errors.csv")).len(),
        1,
        "a warning is not an error row"
    );

    // Next to an error: the exit code is the error's, the error CSV holds the error row only.
    c.set(2, "Email", "nope");
    let out = validate(
        &wd,
        "users.csv",
        &c.bytes(),
        &["--errors-out", "users.errors.csv"],
    );
    out.code(3)
        .exactly(&[("invalid-email", 4, Some(1))])
        .stderr_has(&format!("warning: users.csv:3:{dn}: suspicious-phone"))
        .stderr_has("(invalid-email 1); 1 warning");
    let rows = parse_csv(&wd.read("users.errors.csv"));
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], "nope");

    // --json: counted apart from the errors, and still valid.
    c.set(2, "Email", "carol@example.com");
    let out = validate(&wd, "users.csv", &c.bytes(), &["--json"]);
    out.ok();
    let j = out.json();
    let f = &j["files"][0];
    assert_eq!(f["valid"], true, "{j}");
    assert_eq!(f["issues"], 0, "{j}");
    assert_eq!(f["warnings"], 1, "{j}");
    assert_eq!(f["warnings_by_kind"]["suspicious-phone"], 1, "{j}");
    assert_eq!(f["errors"].as_array().unwrap().len(), 0, "{j}");
    let w = &f["warning_list"][0];
    assert_eq!((&w["line"], &w["column"]), (&3.into(), &dn.into()), "{j}");
    assert_eq!(j["exit_code"], 0);
}

/// Regression (issue 9): NUL and other control characters passed validation.
#[test]
fn control_characters_are_errors_with_line_and_column() {
    let wd = Workdir::new();
    let teams = "Name,Site,Type,Multimedia Profile,Skill Profile,DN,Capacity,Desktop Layout\r\n\
                 Sales\0,Berlin,AGENT,,,,,\r\n\
                 Billing,Ber\x1b[31mlin,AGENT,,,,,\r\n\
                 Support,Berlin,AGENT,,,,,\x0c\r\n\
                 Tabbed\tTeam,Berlin,AGENT,,,,,\r\n\
                 \"Broken\x07\nTeam\",Berlin,AGENT,,,,,\r\n";
    let out = validate(&wd, "teams.csv", teams.as_bytes(), &[]);
    out.code(3).exactly(&[
        ("control-character", 2, Some(1)),
        ("control-character", 3, Some(2)),
        ("control-character", 4, Some(8)),
        ("control-character", 6, Some(1)),
    ]);
    out.stderr_has("teams.csv:2:1: control-character: column \"Name\": character 6 is the control character U+0000");
    // A description may hold a line break, never a NUL.
    let eps = csv_of("entry-point", 1);
    let mut c = eps.clone();
    c.set(0, "Description", "two\nlines");
    validate(&wd, "entry-points.csv", &c.bytes(), &[]).ok();
    let mut c = eps.clone();
    c.set(0, "Description", "nul\0here");
    let at = c.col("Description");
    validate(&wd, "entry-points.csv", &c.bytes(), &[])
        .code(3)
        .exactly(&[("control-character", 2, Some(at))]);
}

/// Regression (issue 9): the README tour, `bulk template user --example -o users.csv` then
/// `bulk import users.csv`, failed on a fresh home: the example referenced objects that a new
/// tenant does not have.
#[test]
fn the_readme_tour_imports_the_user_template_on_a_fresh_home() {
    let wd = Workdir::new();
    wd.run(&["template", "user", "--example", "-o", "users.csv"])
        .ok();
    wd.run(&["validate", "users.csv"]).ok();
    let out = wd.run(&["import", "users.csv"]);
    out.ok();
    wd.run(&["export", "user", "-o", "exported.csv"]).ok();
    let exported = wd.read_string("exported.csv");
    let (_, example) = template("user");
    assert!(
        exported.contains(&example[0]),
        "the exported users hold the example's {}:\n{exported}",
        example[0]
    );
}

fn generated(wd: &Workdir) -> Vec<(String, String)> {
    wd.run(&["generate", "--out-dir", "gen"]).ok();
    ["bulk.bash", "_bulk", "bulk.fish", "_bulk.ps1"]
        .iter()
        .map(|n| {
            (
                n.to_string(),
                wd.read_string(&format!("gen/completions/{n}")),
            )
        })
        .collect()
}

/// Regression (issue 9): completions did not complete `--type` or `--status`, and offered the
/// hidden `generate`.
#[test]
fn completions_offer_types_and_statuses_and_no_hidden_command() {
    let wd = Workdir::new();
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    for (name, text) in generated(&wd) {
        let on_disk = std::fs::read_to_string(committed.join(&name)).unwrap();
        assert_eq!(
            on_disk, text,
            "completions/{name} is stale: run `cargo run -- generate`"
        );
        if name == "_bulk.ps1" {
            continue;
        }
        for word in [
            "skill-profile",
            "entry-point-mapping",
            "audio-file",
            "completed_with_errors",
            "in_progress",
        ] {
            assert!(text.contains(word), "{name} lacks {word}");
        }
        assert!(
            !text.contains("generate"),
            "{name} offers the hidden generate"
        );
        assert!(
            !text.contains("out-dir"),
            "{name} offers generate's --out-dir"
        );
    }
    let bash = &generated(&wd)[0].1;
    let status_line = bash
        .lines()
        .find(|l| l.contains("completed_with_errors"))
        .unwrap();
    assert!(status_line
        .contains("compgen -W \"new in_progress completed completed_with_errors failed\""));
}

/// Regression (issue 9): `--profile` was refused after `jobs show`/`jobs wait`.
#[test]
fn global_flags_parse_after_the_subcommand() {
    let wd = Workdir::new();
    for args in [
        &["jobs", "show", "--json", "job-1", "--profile", "nowhere"][..],
        &["jobs", "wait", "job-1", "--profile", "nowhere", "--quiet"],
        &["jobs", "list", "--profile", "nowhere", "--json"],
        &["jobs", "--profile", "nowhere"],
        &["errors", "job-1", "--profile", "nowhere", "--json"],
    ] {
        let out = wd.run(args);
        // The profile was read: the error is about it, not about the command line.
        out.stderr_has("no profile \"nowhere\"");
        out.stderr_lacks("unexpected argument");
    }
    // --json after a verb: one JSON document.
    let out = wd.run(&["jobs", "list", "--json"]);
    out.ok();
    assert!(out.json().is_array() || out.json().is_object());
    let out = wd.run(&["jobs", "show", "--json", "no-such-job"]);
    out.stderr_lacks("unexpected argument");
    assert_ne!(out.code, Some(2), "a usage error: {}", out.stderr);
}
