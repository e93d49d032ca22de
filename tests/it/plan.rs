//! `wxcc::plan` against the sandbox's Configuration-API face over loopback, through the one
//! HTTP tenant: before an import every object is a create, after it every object is unchanged,
//! an edited cell is an update naming its column with old and new values, an unknown reference
//! is an error with its line, and a plan writes nothing (same ids and versions after it).

use crate::harness::Sandbox;
use bulk::schema::{registry, ObjectType};
use bulk::wxcc::apply::apply;
use bulk::wxcc::endpoints::ApiType;
use bulk::wxcc::http::HttpTenant;
use bulk::wxcc::mapping::{group_rows, CsvObject, Row};
use bulk::wxcc::plan::{plan, Action, Planned};
use bulk::wxcc::resolve::Resolver;
use bulk::wxcc::tenant::Tenant;

fn objects(t: &'static ObjectType, csv: &str) -> (Vec<String>, Vec<CsvObject>) {
    let mut lines = csv.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = lines
        .enumerate()
        .map(|(i, l)| {
            let rec: Vec<&str> = l.split(',').collect();
            Row::new(t, &h, &rec, i as u64 + 2)
        })
        .collect();
    (header, group_rows(t, rows))
}

struct Org {
    sb: Sandbox,
    base: String,
    org: String,
}

impl Org {
    fn start() -> Org {
        let sb = Sandbox::start_temp(|_| {});
        let org = sb.state().organization_of(&sb.token).unwrap().unwrap();
        let base = format!("{}/organization/{org}/", sb.url);
        Org { sb, base, org }
    }

    /// A new tenant value: a job's view, with its own list cache.
    fn tenant(&self) -> HttpTenant {
        HttpTenant::new(&self.base, &self.org, &self.sb.token).unwrap()
    }

    fn plan(&self, ty: &str, csv: &str) -> Vec<Planned> {
        let t = registry().get(ty).unwrap();
        let (header, objs) = objects(t, csv);
        plan(&self.tenant(), t, &header, &objs).unwrap()
    }

    fn apply(&self, ty: &str, csv: &str) {
        let t = registry().get(ty).unwrap();
        let (_, objs) = objects(t, csv);
        for a in apply(&self.tenant(), &objs).unwrap() {
            assert!(a.result.is_ok(), "{ty} lines {:?}: {:?}", a.lines, a.result);
        }
    }

    /// (name, id, version) of every object of `api`, sorted.
    fn state(&self, api: ApiType) -> Vec<(String, String, i64)> {
        let mut v: Vec<_> = self
            .tenant()
            .list(api)
            .unwrap()
            .iter()
            .map(|o| {
                (
                    o["name"].as_str().unwrap_or_default().to_string(),
                    o["id"].as_str().unwrap().to_string(),
                    o["version"].as_i64().unwrap_or(-1),
                )
            })
            .collect();
        v.sort();
        v
    }
}

const SITES: &str = "Name,Multimedia Profile\n100_Site,Blended\nParis,Telephony Only\n";
const TEAMS: &str = "Name,Site,Type,Multimedia Profile\n100_Team1,100_Site,AGENT,Blended\n\
                     Sales,Paris,AGENT,Blended\n";
const SKILLS: &str = "Name,Description,Type,Service Level Threshold\n\
                      English,,PROFICIENCY,60\nFrench,,PROFICIENCY,60\n";
const PROFILES: &str = "Name,Description,Skill Name,Skill Value\n\
                        Tier 1,,English,5\nTier 1,,French,3\n";

fn actions(p: &[Planned]) -> Vec<(&str, &'static str)> {
    p.iter()
        .map(|x| (x.name.as_str(), x.action.as_str()))
        .collect()
}

#[test]
fn a_plan_shows_creates_then_nothing_then_exactly_the_edits() {
    let o = Org::start();
    // Before the first import: everything would be created.
    assert_eq!(
        actions(&o.plan("site", SITES)),
        [("100_Site", "create"), ("Paris", "create")]
    );
    let before = (o.state(ApiType::Site), o.state(ApiType::Team));
    assert_eq!(
        o.plan("team", TEAMS)
            .iter()
            .map(|p| p.action.as_str())
            .collect::<Vec<_>>(),
        // The sites do not exist yet: the teams would fail, naming the column and line.
        ["error", "error"]
    );
    let Action::Error { message } = &o.plan("team", TEAMS)[1].action else {
        unreachable!()
    };
    assert!(
        message.contains("line 3") && message.contains("Site") && message.contains("Paris"),
        "{message}"
    );
    // A plan writes nothing.
    assert_eq!(before, (o.state(ApiType::Site), o.state(ApiType::Team)));

    for (ty, csv) in [
        ("site", SITES),
        ("team", TEAMS),
        ("skill-definition", SKILLS),
        ("skill-profile", PROFILES),
    ] {
        o.apply(ty, csv);
    }
    // After it: nothing would change, for one-row and multi-row objects alike.
    for (ty, csv) in [
        ("site", SITES),
        ("team", TEAMS),
        ("skill-definition", SKILLS),
        ("skill-profile", PROFILES),
    ] {
        let p = o.plan(ty, csv);
        assert!(
            p.iter().all(|x| x.action == Action::Unchanged),
            "{ty}: {p:?}"
        );
    }
    // Spellings the mapping treats as the same value are no change (a header in another
    // case, a reference in another case)...
    let p = o.plan("site", "name,multimedia profile\n100_Site,blended\n");
    assert_eq!(p[0].action, Action::Unchanged, "{p:?}");
    // ...but the object's own name in another case is sent as written: a rename.
    let p = o.plan("site", "Name,Multimedia Profile\n100_SITE,Blended\n");
    let Action::Update { changes } = &p[0].action else {
        panic!("{p:?}")
    };
    assert_eq!(
        (changes[0].old.as_str(), changes[0].new.as_str()),
        ("100_Site", "100_SITE")
    );

    // One edited cell: an update naming that column, old and new.
    let before = o.state(ApiType::Site);
    let p = o.plan(
        "site",
        "Name,Multimedia Profile\n100_Site,Blended\nParis,Blended\n",
    );
    assert_eq!(p[0].action, Action::Unchanged);
    let Action::Update { changes } = &p[1].action else {
        panic!("{p:?}")
    };
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].column, "Multimedia Profile");
    assert_eq!(changes[0].old, "Telephony Only");
    assert_eq!(changes[0].new, "Blended");
    assert_eq!(p[1].lines, [3]);
    assert_eq!(before, o.state(ApiType::Site), "a plan writes nothing");

    // A multi-row object is compared whole: one skill's value changed.
    let p = o.plan(
        "skill-profile",
        "Name,Description,Skill Name,Skill Value\nTier 1,,English,7\nTier 1,,French,3\n",
    );
    let Action::Update { changes } = &p[0].action else {
        panic!("{p:?}")
    };
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0].old.contains("English, 5") && changes[0].new.contains("English, 7"),
        "{changes:?}"
    );
    assert_eq!(p[0].lines, [2, 3]);

    // An unknown reference is an error with its line, column and value.
    let p = o.plan(
        "team",
        "Name,Site,Type,Multimedia Profile\nSupport,Nowhere,AGENT,Blended\n",
    );
    let Action::Error { message } = &p[0].action else {
        panic!("{p:?}")
    };
    assert!(
        message.contains("line 2") && message.contains("Nowhere"),
        "{message}"
    );
}

/// The blank-cell rule (types.json `"blank"`), the same in the plan and the import: a blank
/// cell of a `keep` column, or a column the file does not have, leaves the value; `<clear>`
/// empties it; the plan shows exactly what the import then does.
#[test]
fn a_blank_keeps_a_value_and_clear_empties_it_in_the_plan_and_the_import() {
    let o = Org::start();
    let description = |o: &Org| -> String {
        let t = o.tenant();
        let id = t.id_of(ApiType::Skill, "English", None).unwrap().unwrap();
        let skill = t.object(ApiType::Skill, &id).unwrap().unwrap();
        skill
            .get("description")
            .and_then(|v| v.as_str())
            .unwrap_or("")
            .to_string()
    };
    o.apply(
        "skill-definition",
        "Name,Description,Type,Service Level Threshold\nEnglish,Spoken English,PROFICIENCY,60\n",
    );
    assert_eq!(description(&o), "Spoken English");
    let blank = "Name,Description,Type,Service Level Threshold\nEnglish,,PROFICIENCY,60\n";
    let absent = "Name,Type,Service Level Threshold\nEnglish,PROFICIENCY,60\n";
    let clear = "Name,Description,Type,Service Level Threshold\nEnglish,<clear>,PROFICIENCY,60\n";
    for csv in [blank, absent] {
        assert_eq!(o.plan("skill-definition", csv)[0].action, Action::Unchanged);
        o.apply("skill-definition", csv);
        assert_eq!(description(&o), "Spoken English", "{csv}");
    }
    let p = o.plan("skill-definition", clear);
    let Action::Update { changes } = &p[0].action else {
        panic!("{p:?}")
    };
    assert_eq!(
        (
            changes[0].column.as_str(),
            changes[0].old.as_str(),
            changes[0].new.as_str()
        ),
        ("Description", "Spoken English", "")
    );
    o.apply("skill-definition", clear);
    assert_eq!(description(&o), "");
    assert_eq!(
        o.plan("skill-definition", clear)[0].action,
        Action::Unchanged
    );
    // A new object: `<clear>` is a blank.
    o.apply(
        "skill-definition",
        "Name,Description,Type,Service Level Threshold\nFrench,<clear>,PROFICIENCY,60\n",
    );
    // A multi-row object's child rows replace its children: one skill left is one skill.
    o.apply(
        "skill-profile",
        "Name,Description,Skill Name,Skill Value\nTier 1,Desk,English,5\nTier 1,Desk,French,3\n",
    );
    let p = o.plan(
        "skill-profile",
        "Name,Description,Skill Name,Skill Value\nTier 1,,English,5\n",
    );
    let Action::Update { changes } = &p[0].action else {
        panic!("{p:?}")
    };
    assert_eq!(
        changes.len(),
        1,
        "the blank description is kept: {changes:?}"
    );
    assert!(
        changes[0].old.contains("French") && !changes[0].new.contains("French"),
        "{changes:?}"
    );
}

/// Blank cells of reference columns keep their references too: the existing object's ids are
/// written back as names for just those columns, a blank cell as much as a missing column.
#[test]
fn a_blank_reference_cell_keeps_the_reference() {
    let o = Org::start();
    o.apply("site", "Name,Multimedia Profile\nBerlin,Blended\n");
    o.apply(
        "team",
        "Name,Site,Type,Multimedia Profile,Capacity\nDesk,Berlin,AGENT,Blended,\n",
    );
    let team = |o: &Org| {
        let t = o.tenant();
        let id = t.id_of(ApiType::Team, "Desk", None).unwrap().unwrap();
        t.object(ApiType::Team, &id).unwrap().unwrap()
    };
    let before = team(&o);
    assert!(before["multiMediaProfileId"].is_string(), "{before:?}");
    o.apply(
        "team",
        "Name,Site,Type,Multimedia Profile\nDesk,Berlin,AGENT,\n",
    );
    o.apply("team", "Name,Site,Type\nDesk,Berlin,AGENT\n");
    let after = team(&o);
    assert_eq!(after["multiMediaProfileId"], before["multiMediaProfileId"]);
    assert!(
        after["version"].as_i64() > before["version"].as_i64(),
        "{after:?}"
    );
}
