//! The job engine end to end (issue 12, "Show"): the real `bulk` binary imports and exports
//! against a real sandbox, whose worker applies every row through wxcc's mapping and HTTP
//! tenant into the sandbox's own Configuration-API face. What a test checks, it reads back
//! through that face (the list endpoints, with the admin token), never through the job API.

use crate::harness::*;
use bulk::schema::{example_row, registry, ObjectType};
use bulk::wxcc::endpoints::ApiType;
use bulk::wxcc::mapping::api_type;
use bulk::wxcc::resolve::name_field;
use serde_json::{Map, Value};

/// Every object of `api` the face lists for the sandbox's organisation.
fn face_list(sb: &Sandbox, api: ApiType) -> Vec<Map<String, Value>> {
    let org = sb.state().organization_of(&sb.token).unwrap().unwrap();
    let path = format!(
        "/organization/{org}/{}?page=0&pageSize=1000",
        api.endpoints().list
    );
    crate::harness::whole_page(&sb.json(&path))
}

/// The one object of `api` the face lists under `name`.
fn face_object(sb: &Sandbox, api: ApiType, name: &str) -> Map<String, Value> {
    let field = name_field(api);
    let hits: Vec<_> = face_list(sb, api)
        .into_iter()
        .filter(|o| {
            o.get(field)
                .and_then(Value::as_str)
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
        .collect();
    assert_eq!(hits.len(), 1, "{api:?} named {name:?}: {hits:?}");
    hits.into_iter().next().unwrap()
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

/// The object without what every write changes.
fn content(o: &Map<String, Value>) -> Map<String, Value> {
    let mut o = o.clone();
    for k in ["version", "lastUpdatedTime", "createdTime"] {
        o.remove(k);
    }
    o
}

/// The example row of `t`, naming only objects a fresh tenant has or earlier types create.
fn example_csv(t: &ObjectType) -> (String, Vec<String>) {
    let header = t.header();
    let row: Vec<String> = example_row(t)
        .into_iter()
        // Multimedia profiles cannot be created: name a tenant default instead.
        .map(|v| match v.as_str() {
            "Sample Multimedia Profile" => "Blended".to_string(),
            _ => v,
        })
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header).unwrap();
    w.write_record(&row).unwrap();
    (String::from_utf8(w.into_inner().unwrap()).unwrap(), row)
}

/// The value of column `col` of `t` in `row`.
fn cell<'a>(t: &ObjectType, row: &'a [String], col: &str) -> &'a str {
    let i = t.columns.iter().position(|c| c.name == col).unwrap();
    &row[i]
}

fn import(env: &Workdir, file: &str, type_id: &str, code: i32) -> Value {
    let out = env
        .run(&["--json", "import", file, "--type", type_id])
        .expect(code);
    out.json()["imports"][0].clone()
}

/// For each of the 16 CSV types, in import order: an import creates the object, visible through
/// the face with an id and its references as ids; the same file again updates it (same id,
/// version raised, nothing created); its export re-imports with nothing changed; a row naming
/// an object that does not exist fails with the column, the value and its original line.
#[test]
fn every_csv_type_imports_updates_exports_and_reimports_through_the_face() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    let mut types: Vec<&ObjectType> = registry()
        .types
        .iter()
        .filter(|t| t.id != "audio-file")
        .collect();
    types.sort_by_key(|t| registry().import_rank(&t.id));
    assert_eq!(types.len(), 16);
    for t in types {
        let api = api_type(&t.id).unwrap();
        let (csv, row) = example_csv(t);
        let name = cell(t, &row, &t.identity[0]).to_string();
        let file = format!("{}.csv", t.id);
        env.write(&file, &csv);

        // 1. Created, with an id; every reference is an id.
        let imp = import(&env, &file, &t.id, 0);
        assert_eq!(
            (imp["created"].as_u64(), imp["failed"].as_u64()),
            (Some(1), Some(0)),
            "{}: {imp}",
            t.id
        );
        let first = face_object(&sb, api, &name);
        let id = first["id"].as_str().unwrap().to_string();
        assert!(is_uuid(&id), "{}: {first:?}", t.id);
        let text = Value::Object(first.clone()).to_string();
        for c in t
            .columns
            .iter()
            .filter(|c| c.target.is_some() && c.name != t.identity[0])
        {
            for v in cell(t, &row, &c.name)
                .split('|')
                .filter(|v| !v.trim().is_empty())
            {
                let v = v.split_once(": ").map_or(v, |(n, _)| n).trim();
                // Where the target is a CSV type, its object's id is what the face holds; else
                // (a tenant default such as a multimedia profile) at least not its name.
                match c.target.as_deref().and_then(api_type) {
                    Some(target) => {
                        let want = face_object(&sb, target, v)["id"]
                            .as_str()
                            .unwrap()
                            .to_string();
                        assert!(
                            text.contains(&want),
                            "{}: column {:?}: {v:?} is not {want}: {text}",
                            t.id,
                            c.name
                        );
                    }
                    None => assert!(
                        !text.contains(&format!("\"{v}\"")),
                        "{}: column {:?} = {v:?} was sent as a name: {text}",
                        t.id,
                        c.name
                    ),
                }
            }
        }

        // 2. The same file again: an update of the same object.
        let imp = import(&env, &file, &t.id, 0);
        assert_eq!(
            (imp["created"].as_u64(), imp["updated"].as_u64()),
            (Some(0), Some(1)),
            "{}: {imp}",
            t.id
        );
        let second = face_object(&sb, api, &name);
        assert_eq!(second["id"], first["id"], "{}", t.id);
        assert!(
            second["version"].as_i64() > first["version"].as_i64(),
            "{}: version {} -> {}",
            t.id,
            first["version"],
            second["version"]
        );

        // 3. Export, then import the export: nothing changes but the version.
        std::fs::create_dir_all(env.path("out")).unwrap();
        env.run(&["export", &t.id, "-o", "out"]).expect(0);
        let exported = format!("out/{}.csv", t.id);
        let text = env.read_string(&exported);
        assert_eq!(text.lines().count(), 2, "{}: {text}", t.id);
        let imp = import(&env, &exported, &t.id, 0);
        assert_eq!(
            (imp["created"].as_u64(), imp["updated"].as_u64()),
            (Some(0), Some(1)),
            "{}: {imp}",
            t.id
        );
        let third = face_object(&sb, api, &name);
        assert_eq!(
            content(&third),
            content(&second),
            "{}: export -> import changed the object",
            t.id
        );

        // 4. A reference to nothing fails with column, value and line.
        let Some(col) = t.columns.iter().find(|c| {
            c.target.is_some() && !cell(t, &row, &c.name).is_empty() && c.name != t.identity[0]
        }) else {
            continue;
        };
        let i = t.columns.iter().position(|c| c.name == col.name).unwrap();
        let mut bad = row.clone();
        // Audio is named by file (the local checks want `.wav`).
        bad[i] = match col.target.as_deref() {
            Some("audio-file") => "Ghost Object.wav".into(),
            _ => "Ghost Object".into(),
        };
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(t.header()).unwrap();
        w.write_record(&bad).unwrap();
        // A blank line first: the row's line (3) is not its row number (1).
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        let (head, body) = text.split_once('\n').unwrap();
        let bad_file = format!("bad-{}.csv", t.id);
        env.write(&bad_file, format!("{head}\n\n{body}"));
        let imp = import(&env, &bad_file, &t.id, 4);
        assert_eq!(imp["failed"].as_u64(), Some(1), "{}: {imp}", t.id);
        let errors = csv_rows(&env.read_string(&format!("bad-{}.errors.csv", t.id)));
        let last = errors[1].len() - 1;
        assert_eq!(errors[1][last - 1], "3", "{}: {errors:?}", t.id);
        let msg = &errors[1][last];
        assert!(
            msg.contains(&col.name) && msg.contains("Ghost Object"),
            "{}: {msg}",
            t.id
        );
    }
}

/// Users, sites and teams for the people and bulk-update tests, imported through the binary.
fn seed_people_test(env: &Workdir) {
    seed(env);
    env.write(
        "users.csv",
        format!(
            "{USER_HEADER}{}{}",
            user_row(1, "Team A"),
            user_row(2, "Team A")
        ),
    );
}

/// Lenient people (the default): a user row whose email has no person creates the person
/// through the People API first, then updates the user it brings, and the row succeeds.
#[test]
fn lenient_people_creates_the_missing_person_first() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    seed_people_test(&env);
    let imp = import(&env, "users.csv", "user", 0);
    assert_eq!(
        (imp["created"].as_u64(), imp["failed"].as_u64()),
        (Some(2), Some(0)),
        "{imp}"
    );
    let people = sb.json("/v1/people?email=user1@example.com");
    assert_eq!(people["items"].as_array().unwrap().len(), 1, "{people}");
    let user = face_object(&sb, ApiType::User, "user1@example.com");
    let team = face_object(&sb, ApiType::Team, "Team A");
    assert_eq!(user["teamIds"], serde_json::json!([team["id"]]), "{user:?}");
    // Each row's warning is kept apart from the error CSV (there is none: nothing failed).
    assert!(!env.exists("users.errors.csv"));
    let conn = rusqlite::Connection::open(sb.data_dir.join("sandbox.db")).unwrap();
    let warned: Vec<(i64, String)> = conn
        .prepare("SELECT line, message FROM job_warnings ORDER BY line")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(warned.len(), 2, "{warned:?}");
    assert_eq!(warned[0].0, 2);
    assert!(warned[0].1.contains("user1@example.com") && warned[0].1.contains("--strict-people"));
    // Again: the people exist now, the rows update their users.
    let imp = import(&env, "users.csv", "user", 0);
    assert_eq!(
        (imp["created"].as_u64(), imp["updated"].as_u64()),
        (Some(0), Some(2)),
        "{imp}"
    );
}

/// The lenient-people warnings reach the admin: on stderr with the input's own lines (blank
/// lines in the input make them differ from the uploaded chunk's), and in `--json`; they are
/// not in an error file, and a second import (the people exist now) has none.
#[test]
fn lenient_people_warnings_name_the_input_lines() {
    let env = Workdir::new();
    let _sb = Sandbox::start_for(&env, |_| {});
    seed(&env);
    env.write(
        "users.csv",
        format!(
            "{USER_HEADER}\n{}\n\n{}",
            user_row(1, "Team A"),
            user_row(2, "Team A")
        ),
    );
    let out = env
        .run(&["import", "users.csv", "--type", "user"])
        .expect(0);
    let err = &out.stderr;
    for (line, email) in [(3, "user1@example.com"), (6, "user2@example.com")] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("users.csv:{line}:"))
                    && l.contains(email)
                    && l.contains("--strict-people")),
            "no warning for line {line}:\n{err}"
        );
    }
    assert!(!env.exists("users.errors.csv"));
    env.write("again.csv", env.read_string("users.csv"));
    let imp = import(&env, "again.csv", "user", 0);
    assert_eq!(imp["updated"].as_u64(), Some(2), "{imp}");
    assert_eq!(imp["warnings"], serde_json::json!([]), "{imp}");
}

/// `--json` lists every warned row with its input line and message.
#[test]
fn lenient_people_warnings_are_in_the_json_document() {
    let env = Workdir::new();
    let _sb = Sandbox::start_for(&env, |_| {});
    seed_people_test(&env);
    let imp = import(&env, "users.csv", "user", 0);
    let warnings = imp["warnings"].as_array().expect("a warnings array");
    let lines: Vec<u64> = warnings
        .iter()
        .map(|w| w["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [2, 3], "{imp}");
    assert!(warnings[1]["message"]
        .as_str()
        .unwrap()
        .contains("user2@example.com"));
}

/// `--strict-people`: the People API refuses, so the row fails as on a real tenant, naming
/// the Email column, the value and the line; nothing is created.
#[test]
fn strict_people_fails_the_row_naming_the_email() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |s| s.strict_people = true);
    seed_people_test(&env);
    let imp = import(&env, "users.csv", "user", 4);
    assert_eq!(
        (imp["created"].as_u64(), imp["failed"].as_u64()),
        (Some(0), Some(2)),
        "{imp}"
    );
    let errors = csv_rows(&env.read_string("users.errors.csv"));
    assert_eq!(errors.len(), 3, "{errors:?}");
    for (row, line) in errors[1..].iter().zip(["2", "3"]) {
        let n = row.len();
        assert_eq!(row[n - 2], line, "{row:?}");
        assert!(
            row[n - 1].contains("\"Email\"") && row[n - 1].contains(&row[0]),
            "{row:?}"
        );
    }
    let people = sb.json("/v1/people?email=user1@example.com");
    assert_eq!(people["items"].as_array().unwrap().len(), 0, "{people}");
}

/// Both bulk-update modes end to end: skill definitions are updated by bulk SAVE with their id
/// by default, and under `--strict-bulk-updates` (the face refuses an id in a bulk item for
/// that type) by PUT after the first refusal; either way the same object, version raised.
#[test]
fn both_bulk_update_modes_update_in_place() {
    for strict in [false, true] {
        let env = Workdir::new();
        let sb = Sandbox::start_for(&env, |s| s.strict_bulk_updates = strict);
        let t = registry().get("skill-definition").unwrap();
        let header = t.header();
        let (csv, _) = example_csv(t);
        env.write("skills.csv", &csv);
        let name = {
            let row = csv_rows(&csv);
            let i = header.iter().position(|h| *h == t.identity[0]).unwrap();
            row[1][i].clone()
        };
        let imp = import(&env, "skills.csv", "skill-definition", 0);
        assert_eq!(imp["created"].as_u64(), Some(1), "strict {strict}: {imp}");
        let first = face_object(&sb, ApiType::Skill, &name);
        for round in 0..2 {
            let imp = import(&env, "skills.csv", "skill-definition", 0);
            assert_eq!(
                (imp["updated"].as_u64(), imp["failed"].as_u64()),
                (Some(1), Some(0)),
                "strict {strict}, round {round}: {imp}"
            );
        }
        let now = face_object(&sb, ApiType::Skill, &name);
        assert_eq!(now["id"], first["id"]);
        assert!(
            now["version"].as_i64() > first["version"].as_i64(),
            "strict {strict}"
        );
    }
}

/// A data directory of the old layout (imported objects in the CSV-shaped `objects` table) is
/// refused with a message naming the directory and what to do, never read as an empty tenant.
#[test]
fn an_old_layout_data_dir_is_refused() {
    let env = Workdir::new();
    let dir = env.path("old");
    drop(Sandbox::start(&dir, |_| {}));
    let conn = rusqlite::Connection::open(dir.join("sandbox.db")).unwrap();
    conn.execute(
        "INSERT INTO objects(org_id, type, key, name, builtin, data)
         SELECT id, 'site', 'berlin', 'berlin', 0, '{\"rows\":[{\"Name\":\"Berlin\"}]}' FROM orgs LIMIT 1",
        [],
    )
    .unwrap();
    drop(conn);
    let out = env.run(&[
        "sandbox",
        "serve",
        "--addr",
        "127.0.0.1:0",
        "--data-dir",
        "old",
    ]);
    assert!(!matches!(out.code, Some(0) | None), "{out:?}");
    // The directory as the admin named it.
    out.stderr_has("data directory old holds 1 imported object")
        .stderr_has("older")
        .stderr_has("--data-dir");
}

/// Audio end to end: a ZIP of WAVs creates audio files listed by the face; the same ZIP again
/// replaces them (same ids, version raised, nothing created). (`bulk export` refuses audio: a
/// CSV cannot carry the WAVs.)
#[test]
fn audio_uploads_then_replaces_through_the_face() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    let wav = pcm_wav(800);
    env.write(
        "prompts.zip",
        zip_of(&[("welcome.wav", &wav), ("hold.wav", &wav)]),
    );
    let imp = import(&env, "prompts.zip", "audio-file", 0);
    assert_eq!(
        (imp["created"].as_u64(), imp["failed"].as_u64()),
        (Some(2), Some(0)),
        "{imp}"
    );
    let first = face_object(&sb, ApiType::AudioFile, "welcome.wav");
    assert!(is_uuid(first["id"].as_str().unwrap()), "{first:?}");
    let imp = import(&env, "prompts.zip", "audio-file", 0);
    assert_eq!(
        (imp["created"].as_u64(), imp["updated"].as_u64()),
        (Some(0), Some(2)),
        "{imp}"
    );
    let second = face_object(&sb, ApiType::AudioFile, "welcome.wav");
    assert_eq!(second["id"], first["id"]);
    assert!(
        second["version"].as_i64() > first["version"].as_i64(),
        "{second:?}"
    );
}

/// Issue 12: re-importing an ENUM skill definition gave its values new ids, so a skill profile
/// naming a value by id (`activeEnumSkills[].enumSkillValueId`) pointed at nothing. The update
/// now carries each existing value's id by name: the profile still finds its value.
#[test]
fn reimporting_an_enum_skill_keeps_the_value_ids_its_profiles_use() {
    let env = Workdir::new();
    let sb = Sandbox::start_for(&env, |_| {});
    env.write(
        "skills.csv",
        "Name,Description,Service Level Threshold,Type,List Values For Enum\n\
         Language,Spoken language,30,ENUM,English|French|German\n",
    );
    env.write(
        "profiles.csv",
        "Name,Description,Skill Name,Skill Value,Delete\nLinguists,,Language,French,\n",
    );
    let imp = import(&env, "skills.csv", "skill-definition", 0);
    assert_eq!(imp["created"].as_u64(), Some(1), "{imp}");
    let imp = import(&env, "profiles.csv", "skill-profile", 0);
    assert_eq!(imp["created"].as_u64(), Some(1), "{imp}");
    let before = face_object(&sb, ApiType::Skill, "Language");
    let imp = import(&env, "skills.csv", "skill-definition", 0);
    assert_eq!(imp["updated"].as_u64(), Some(1), "{imp}");
    let skill = face_object(&sb, ApiType::Skill, "Language");
    assert_eq!(skill["enumSkillValues"], before["enumSkillValues"]);
    let ids: Vec<&Value> = skill["enumSkillValues"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["id"])
        .collect();
    let profile = face_object(&sb, ApiType::SkillProfile, "Linguists");
    let used = &profile["activeEnumSkills"][0]["enumSkillValueId"];
    assert!(ids.contains(&used), "{used} not among {ids:?}");
    std::fs::create_dir_all(env.path("out")).unwrap();
    env.run(&["export", "skill-profile", "-o", "out"]).expect(0);
    let rows = csv_rows(&env.read_string("out/skill-profile.csv"));
    assert!(
        rows.iter()
            .any(|r| r[0] == "Linguists" && r[2] == "Language" && r[3] == "French"),
        "{rows:?}"
    );
}
