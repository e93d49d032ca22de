//! `bulk import --plan` and `--changed-only` through the real binary, on the sample tenant
//! (tests/data/sample-tenant) in the embedded sandbox: a plan before the first import is all
//! creates, after it all unchanged, after editing five rows of three types exactly those five
//! are updates naming their columns; a plan writes nothing (same ids and versions); an unknown
//! reference is an error with its line; `--changed-only` sends only the changed objects and
//! keeps the error file's lines about the original input; and a plan's requests grow with the
//! object types and pages, not with the rows.

use crate::harness::{seed, users, Sandbox, Workdir};
use bulk::wxcc::endpoints::ApiType;
use bulk::wxcc::http::HttpTenant;
use bulk::wxcc::tenant::Tenant;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// Copies the sample tenant into `wd`'s `t/`.
fn sample_tenant(wd: &Workdir) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample-tenant");
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        wd.write(&format!("t/{name}"), std::fs::read(&p).unwrap());
    }
}

/// Replaces line `line` (1-based) of `wd`'s `file`, which must read `old`, by `new`.
fn edit(wd: &Workdir, file: &str, line: usize, old: &str, new: &str) {
    let text = wd.read_string(file);
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[line - 1], old, "{file}:{line}");
    lines[line - 1] = new;
    wd.write(file, lines.join("\n") + "\n");
}

/// (file, action) -> count, over every object of a `--json` plan.
fn actions(plan: &Value) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for f in plan["files"].as_array().unwrap() {
        let file = f["file"]
            .as_str()
            .unwrap()
            .trim_start_matches("t/")
            .to_string();
        for o in f["objects"].as_array().unwrap() {
            let a = o["action"].as_str().unwrap().to_string();
            *out.entry((file.clone(), a)).or_default() += 1;
        }
    }
    out
}

/// A changed column: (column, old, new).
type Change = (String, String, String);

/// Every object of the planned `action`, as (file, first line, [changes]).
fn of_action(plan: &Value, action: &str) -> Vec<(String, u64, Vec<Change>)> {
    let mut out = Vec::new();
    for f in plan["files"].as_array().unwrap() {
        for o in f["objects"].as_array().unwrap() {
            if o["action"] != action {
                continue;
            }
            let changes = o["changes"]
                .as_array()
                .map(|c| {
                    c.iter()
                        .map(|c| {
                            let s = |k: &str| c[k].as_str().unwrap().to_string();
                            (s("column"), s("old"), s("new"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push((
                f["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("t/")
                    .to_string(),
                o["lines"][0].as_u64().unwrap(),
                changes,
            ));
        }
    }
    out
}

/// (type, name, id, version) of every object of the organisation in `wd`'s embedded sandbox,
/// read through a sandbox of the test's own on the same directory (none runs between commands).
fn org_state(wd: &Workdir) -> Vec<(String, String, String, i64)> {
    let sb = Sandbox::start(&wd.sandbox_dir(), |_| {});
    let org = sb.state().organization_of(&sb.token).unwrap().unwrap();
    let t = HttpTenant::new(&format!("{}/organization/{org}/", sb.url), &org, &sb.token).unwrap();
    let mut out = Vec::new();
    for api in [
        ApiType::Site,
        ApiType::Team,
        ApiType::Skill,
        ApiType::SkillProfile,
        ApiType::User,
    ] {
        for o in t.list(api).unwrap() {
            let s = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            out.push((
                format!("{api:?}"),
                s(if api == ApiType::User {
                    "email"
                } else {
                    "name"
                }),
                s("id"),
                o.get("version").and_then(Value::as_i64).unwrap_or(-1),
            ));
        }
    }
    out.sort();
    out
}

#[test]
fn the_sample_tenant_planned_before_after_and_edited_then_changed_only_sends_the_five() {
    let wd = Workdir::new();
    sample_tenant(&wd);

    // 1. Before the first import: every object a create (users too: the sandbox creates the
    //    person), exit 10 with --detailed-exitcode; nothing written.
    let empty = org_state(&wd);
    let out = wd
        .run(&["--json", "import", "t", "--plan", "--detailed-exitcode"])
        .expect(10);
    let plan = out.json();
    let a = actions(&plan);
    assert!(a.keys().all(|(_, act)| act == "create"), "{a:?}");
    assert_eq!(a[&("users.csv".into(), "create".into())], 250);
    assert_eq!(a[&("skill-profiles.csv".into(), "create".into())], 2);
    assert_eq!(
        plan["summary"]["create"],
        3 + 2 + 3 + 4 + 250,
        "{}",
        plan["summary"]
    );
    assert_eq!(plan["changes"], true);
    assert!(out.stderr.contains("nothing was sent"), "{}", out.stderr);
    assert_eq!(empty, org_state(&wd), "a plan writes nothing");

    // 2. The import, then a plan: every object unchanged, exit 0 with --detailed-exitcode.
    wd.run(&["import", "t"]).expect(0);
    let before = org_state(&wd);
    let out = wd
        .run(&["--json", "import", "t", "--plan", "--detailed-exitcode"])
        .expect(0);
    let plan = out.json();
    let a = actions(&plan);
    assert!(a.keys().all(|(_, act)| act == "unchanged"), "{a:?}");
    assert_eq!(plan["summary"]["unchanged"], 262, "{}", plan["summary"]);
    assert_eq!(plan["changes"], false);
    assert_eq!(before, org_state(&wd), "a plan writes nothing");

    // 3. Five rows of three types edited: exactly those five are updates, with their columns.
    edit(
        &wd,
        "t/sites.csv",
        3,
        "Austin Hub,Blended",
        "Austin Hub,Telephony Only",
    );
    edit(
        &wd,
        "t/teams.csv",
        4,
        "Overflow,Manila Hub,CAPACITY,,,+6325550100,10,",
        "Overflow,Manila Hub,CAPACITY,,,+6325550100,12,",
    );
    edit(
        &wd,
        "t/teams.csv",
        5,
        "Sales,Berlin Hub,AGENT,Default Multimedia Profile,,,,Global Layout",
        "Sales,Berlin Hub,AGENT,Blended,,,,Global Layout",
    );
    let users_csv = wd.read_string("t/users.csv");
    let row2 = users_csv.lines().nth(1).unwrap().to_string();
    let row3 = users_csv.lines().nth(2).unwrap().to_string();
    edit(
        &wd,
        "t/users.csv",
        2,
        &row2,
        &row2.replace("EMP-1001", "EMP-9001"),
    );
    edit(
        &wd,
        "t/users.csv",
        3,
        &row3,
        &row3.replacen("Standard Agent", "Premium Agent", 1),
    );
    let out = wd
        .run(&["--json", "import", "t", "--plan", "--detailed-exitcode"])
        .expect(10);
    let plan = out.json();
    let s = |v: &str| v.to_string();
    let mut updates = of_action(&plan, "update");
    updates.sort();
    assert_eq!(
        updates,
        vec![
            (
                s("sites.csv"),
                3,
                vec![(s("Multimedia Profile"), s("Blended"), s("Telephony Only"))]
            ),
            (s("teams.csv"), 4, vec![(s("Capacity"), s("10"), s("12"))]),
            (
                s("teams.csv"),
                5,
                vec![(
                    s("Multimedia Profile"),
                    s("Default Multimedia Profile"),
                    s("Blended")
                )]
            ),
            (
                s("users.csv"),
                2,
                vec![(s("External Id"), s("EMP-1001"), s("EMP-9001"))]
            ),
            (
                s("users.csv"),
                3,
                vec![(s("User Profile"), s("Standard Agent"), s("Premium Agent"))]
            ),
        ]
    );
    assert_eq!(plan["summary"]["unchanged"], 262 - 5);
    assert_eq!(before, org_state(&wd), "a plan writes nothing");
    // The text form: one line per object with its file and line, the change below it.
    let text = wd.run(&["import", "t", "--plan"]).expect(0);
    assert!(
        text.stdout.contains(
            "t/teams.csv:4: update team \"Overflow: Manila Hub\"\n    Capacity: \"10\" → \"12\"\n"
        ),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("t/teams.csv: 0 to create, 2 to update, 2 unchanged, 0 errors"),
        "{}",
        text.stdout
    );

    // 4. --changed-only sends the five and nothing else: no job for the files without a change.
    let out = wd
        .run(&["--json", "import", "t", "--changed-only"])
        .expect(0);
    let by_file: BTreeMap<String, Value> = out.json()["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["file"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("t/")
                    .to_string(),
                i.clone(),
            )
        })
        .collect();
    let counts = |f: &str| {
        let i = &by_file[f];
        (
            i["updated"].as_u64().unwrap(),
            i["created"].as_u64().unwrap(),
            i["failed"].as_u64().unwrap(),
            i["unchanged"].as_u64().unwrap(),
            i["jobs"].as_array().unwrap().len(),
        )
    };
    assert_eq!(counts("sites.csv"), (1, 0, 0, 2, 1));
    assert_eq!(counts("teams.csv"), (2, 0, 0, 2, 1));
    assert_eq!(counts("users.csv"), (2, 0, 0, 248, 1));
    assert_eq!(counts("skill-profiles.csv"), (0, 0, 0, 5, 0));
    assert_eq!(counts("skill-definitions.csv"), (0, 0, 0, 3, 0));
    let after = org_state(&wd);
    let changed: Vec<_> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| b.1.clone())
        .collect();
    assert_eq!(before.len(), after.len());
    assert_eq!(
        changed,
        [
            "Austin Hub",
            "Overflow",
            "Sales",
            "kai.fischer51@example.com",
            "lena.cruz65@example.com"
        ],
        "only the five were written"
    );
    wd.run(&["import", "t", "--plan", "--detailed-exitcode"])
        .expect(0);

    // 5. An unknown reference: an error with its line in the plan (exit 4); --changed-only
    //    sends that one row and its error file names the row's line in the original file.
    let row200 = wd
        .read_string("t/users.csv")
        .lines()
        .nth(199)
        .unwrap()
        .to_string();
    let teams_cell = row200.split(',').nth(4).unwrap().to_string();
    edit(
        &wd,
        "t/users.csv",
        200,
        &row200,
        &row200.replacen(&format!(",{teams_cell},"), ",Ghost Team,", 1),
    );
    let out = wd.run(&["--json", "import", "t", "--plan"]).expect(4);
    let errors = of_action(&out.json(), "error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!((errors[0].0.as_str(), errors[0].1), ("users.csv", 200));
    let text = wd.run(&["import", "t", "--plan"]).expect(4);
    assert!(
        text.stdout.contains("t/users.csv:200: error user")
            && text
                .stdout
                .contains("line 200: column \"Teams\": \"Ghost Team\""),
        "{}",
        text.stdout
    );
    let out = wd
        .run(&["--json", "import", "t", "--changed-only"])
        .expect(4);
    let users = out.json()["imports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["file"] == "t/users.csv")
        .cloned()
        .unwrap();
    assert_eq!(
        (users["failed"].as_u64(), users["unchanged"].as_u64()),
        (Some(1), Some(249)),
        "{users}"
    );
    let mut r = csv::Reader::from_path(wd.path("t/users.errors.csv")).unwrap();
    let header = r.headers().unwrap().clone();
    let line_col = header.iter().position(|h| h == "Line").unwrap();
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(&rows[0][line_col], "200", "{rows:?}");
    assert_eq!(&rows[0][0], row200.split(',').next().unwrap());
}

#[test]
fn a_plan_reads_each_list_once_so_its_requests_follow_pages_not_rows() {
    let wd = Workdir::new();
    seed(&wd);
    wd.write("users.csv", users(2000));
    wd.run(&["import", "users.csv"]).expect(0);
    let requests = |file: &str| {
        let out = wd.run(&["--json", "import", file, "--plan"]).expect(0);
        let plan = out.json();
        assert_eq!(plan["summary"]["error"], 0, "{}", plan["summary"]);
        plan["requests"].as_u64().unwrap()
    };
    let all = requests("users.csv");
    // The types a user row refers to: users, user profiles, sites, teams, desktop (agent)
    // profiles, skill profiles and multimedia profiles: one list each, users in pages of 1000.
    let types = 7;
    let user_pages = 2000u64.div_ceil(1000) + 1;
    assert!(
        all <= types + user_pages,
        "{all} requests for 2000 users: more than one per list page"
    );
    // Ten rows of the same organisation cost the same lists: the count follows the
    // organisation's size and the types referenced, not the rows.
    wd.write(
        "few.csv",
        users(2000).lines().take(11).collect::<Vec<_>>().join("\n") + "\n",
    );
    assert_eq!(requests("few.csv"), all);
}

/// `<clear>` is accepted only where a blank keeps a value: not in a required column, not in a
/// column where a blank already clears (a multi-row object's child columns).
#[test]
fn clear_is_valid_only_where_a_blank_keeps_the_value() {
    let wd = Workdir::new();
    wd.write(
        "skill-definitions.csv",
        "Name,Description,Type,Service Level Threshold\nEnglish,<clear>,PROFICIENCY,60\n",
    );
    wd.run(&["validate", "skill-definitions.csv"]).expect(0);
    wd.write(
        "skill-definitions.csv",
        "Name,Description,Type,Service Level Threshold\nEnglish,,PROFICIENCY,<clear>\n",
    );
    let out = wd.run(&["validate", "skill-definitions.csv"]).expect(3);
    assert!(
        out.stderr.contains("skill-definitions.csv:2:4")
            && out.stderr.contains("<clear>: this column needs a value"),
        "{}",
        out.stderr
    );
    wd.write(
        "skill-profiles.csv",
        "Name,Description,Skill Name,Skill Value\nTier 1,,English,<clear>\n",
    );
    let out = wd.run(&["validate", "skill-profiles.csv"]).expect(3);
    assert!(
        out.stderr.contains("skill-profiles.csv:2:4")
            && out
                .stderr
                .contains("a blank cell already clears this column"),
        "{}",
        out.stderr
    );
}
