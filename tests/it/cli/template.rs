//! `bulk template`: the type list, header rows, example rows and where they are written.

use crate::harness::{parse_csv, Workdir};

fn schema_header(id: &str) -> Vec<String> {
    bulk::schema::registry()
        .get(id)
        .unwrap_or_else(|| panic!("{id} is in the registry"))
        .header()
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn list_names_every_type_of_the_registry() {
    let wd = Workdir::new();
    let out = wd.run(&["template", "--list"]);
    out.ok();
    let ids: Vec<&str> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let want: Vec<&str> = bulk::schema::registry()
        .types
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(ids, want);
    assert_eq!(ids.len(), 17);
    for id in [
        "user",
        "team",
        "skill-profile",
        "queue",
        "outdial-queue",
        "audio-file",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let audio = out
        .stdout
        .lines()
        .find(|l| l.starts_with("audio-file"))
        .unwrap();
    assert!(audio.contains("ZIP"), "{audio}");
    let skill = out
        .stdout
        .lines()
        .find(|l| l.starts_with("skill-profile"))
        .unwrap();
    assert!(skill.contains("multi-row"), "{skill}");
}

#[test]
fn list_as_json() {
    let wd = Workdir::new();
    let out = wd.run(&["template", "--list", "--json"]);
    out.ok();
    let v = out.json();
    let arr = v.as_array().expect("an array");
    assert_eq!(arr.len(), 17);
    let user = arr.iter().find(|t| t["id"] == "user").unwrap();
    assert_eq!(user["identity"], serde_json::json!(["Email"]));
    let sp = arr.iter().find(|t| t["id"] == "skill-profile").unwrap();
    assert_eq!(sp["multi_row"], true);
}

#[test]
fn header_row_only_without_example() {
    for id in ["user", "team", "skill-profile", "agent-profile"] {
        let wd = Workdir::new();
        let out = wd.run(&["template", id]);
        out.ok();
        let recs = parse_csv(&out.stdout_bytes);
        assert_eq!(recs, vec![schema_header(id)], "{id}");
        assert!(out.stdout.ends_with('\n'));
    }
}

#[test]
fn example_adds_one_row_as_wide_as_the_header() {
    let wd = Workdir::new();
    let out = wd.run(&["template", "user", "--example"]);
    out.ok();
    let recs = parse_csv(&out.stdout_bytes);
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0], schema_header("user"));
    assert_eq!(recs[1].len(), recs[0].len());
    assert!(recs[1][0].contains('@'), "an email first: {:?}", recs[1]);
}

#[test]
fn aliases_and_plural_names_work() {
    let wd = Workdir::new();
    let users = wd.run(&["template", "users"]);
    users.ok();
    assert_eq!(parse_csv(&users.stdout_bytes), vec![schema_header("user")]);
    let desktop = wd.run(&["template", "Desktop Profile"]);
    desktop.ok();
    assert_eq!(
        parse_csv(&desktop.stdout_bytes),
        vec![schema_header("agent-profile")]
    );
}

#[test]
fn output_to_a_file_and_to_stdout_with_dash() {
    let wd = Workdir::new();
    let plain = wd.run(&["template", "team", "--example"]);
    plain.ok();
    let to_file = wd.run(&["template", "team", "--example", "-o", "teams.csv"]);
    to_file.ok().stdout_empty().stderr_has("teams.csv");
    assert_eq!(wd.read("teams.csv"), plain.stdout_bytes);
    let dash = wd.run(&["template", "team", "--example", "-o", "-"]);
    dash.ok();
    assert_eq!(dash.stdout_bytes, plain.stdout_bytes);
    // what was written validates
    wd.run(&["validate", "teams.csv"]).ok();
}

#[test]
fn unknown_type_is_a_usage_error_with_a_suggestion() {
    let wd = Workdir::new();
    wd.run(&["template", "tema"])
        .code(2)
        .stdout_empty()
        .stderr_has("unknown object type \"tema\"")
        .stderr_has("did you mean team?");
    wd.run(&["template", "florp"])
        .code(2)
        .stderr_has("bulk template --list");
    wd.run(&["template"]).code(2);
    wd.run(&["template", "--list", "user"]).code(2);
}
