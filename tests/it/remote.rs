//! A real tenant, played by a sandbox (issue 13, items 3 and 4): the real `bulk` binary with a
//! `wxcc` profile runs the job engine itself (in its data dir, `engines/<profile>`) and applies
//! rows through the Configuration API of a sandbox the test started on loopback, as it would
//! through Cisco's. What a test checks, it reads back through that sandbox's face with its
//! admin token, never through the engine's job API.

use crate::harness::*;
use bulk::wxcc::endpoints::ApiType;
use bulk::wxcc::resolve::name_field;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The profile every test here uses.
const PROFILE: &str = "tenant";

/// A sandbox playing the tenant, with its organisation id.
struct Tenant {
    sb: Sandbox,
    org: String,
}

impl Tenant {
    fn start(wd: &Workdir, tweak: impl FnOnce(&mut bulk::sandbox::Settings)) -> Tenant {
        let sb = Sandbox::start(&wd.path("tenant"), tweak);
        let org = sb.state().organization_of(&sb.token).unwrap().unwrap();
        wd.secret(&sb.token);
        Tenant { sb, org }
    }

    /// Every object of `api` in the tenant.
    fn list(&self, api: ApiType) -> Vec<Map<String, Value>> {
        let path = format!(
            "/organization/{}/{}?page=0&pageSize=1000",
            self.org,
            api.endpoints().list
        );
        // The test's own reads meet injected faults too: it asks again until answered.
        let mut tries = 0;
        let v: Value = loop {
            let r = self.sb.get(&path);
            if r.status().is_success() {
                break r.json().unwrap();
            }
            tries += 1;
            assert!(tries < 100, "GET {path}: {}", r.status());
        };
        crate::harness::whole_page(&v)
    }

    /// Name (lowercased) -> (id, version) of every object of `api` that is not a tenant default;
    /// fails when a name is there twice.
    fn by_name(&self, api: ApiType) -> BTreeMap<String, (String, i64)> {
        let field = name_field(api);
        let mut out = BTreeMap::new();
        for o in self.list(api) {
            if o.get("systemDefault").and_then(Value::as_bool) == Some(true) {
                continue;
            }
            let name = o[field].as_str().unwrap_or_default().to_lowercase();
            let id = o["id"].as_str().unwrap().to_string();
            let version = o.get("version").and_then(Value::as_i64).unwrap_or(-1);
            assert!(
                out.insert(name.clone(), (id, version)).is_none(),
                "{api:?} {name:?} exists twice"
            );
        }
        out
    }

    /// Creates the people (Control Hub users) a users file names: a real tenant has them before
    /// an import, and the engine never creates people.
    fn people(&self, emails: &[String]) {
        let http = fresh_client();
        for e in emails {
            let r = http
                .post(format!("{}/v1/people", self.sb.url))
                .bearer_auth(&self.sb.token)
                .json(&json!({"emails": [e], "firstName": "P", "lastName": "Q"}))
                .send()
                .unwrap();
            assert!(r.status().is_success(), "person {e}: {}", r.status());
        }
    }
}

/// Writes a `wxcc` profile the way `bulk login --wxcc` keeps it: `profiles.json` (URL,
/// organisation, kind) and the token apart in `credentials.json` (0600). Not the default
/// profile: a `wxcc` profile is never made the default silently.
fn wxcc_profile(wd: &Workdir, url: &str, org: &str, token: &str) {
    wd.secret(token);
    let dir = wd.config_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let profiles = json!({"profiles": {PROFILE: {"url": url, "org": org, "kind": "wxcc"}}});
    std::fs::write(
        dir.join("profiles.json"),
        serde_json::to_vec_pretty(&profiles).unwrap(),
    )
    .unwrap();
    let creds = json!({"tokens": {PROFILE: token}});
    let path = dir.join("credentials.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&creds).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// `bulk login --wxcc --token-stdin` of the tenant's admin token for its organisation (the
/// Configuration API and the Webex API both at the tenant sandbox).
fn login(wd: &Workdir, t: &Tenant) {
    wd.run_stdin(
        &[
            "login",
            "--profile",
            PROFILE,
            "--wxcc",
            "--api-url",
            &t.sb.url,
            "--webex-api",
            &t.sb.url,
            "--org",
            &t.org,
            "--token-stdin",
        ],
        Some(&t.sb.token),
        &[],
    )
    .code(0);
}

/// `bulk login --wxcc --device` against the tenant's fake authorization server, asking for
/// `scope`: the tokens it stores (access and refresh) are registered as secrets.
fn login_device(wd: &Workdir, t: &Tenant, scope: &str) {
    const SECRET: &str = "remote-client-secret-0815";
    wd.secret(SECRET);
    wd.write("client-secret.txt", SECRET);
    let out = wd.run(&[
        "login",
        "--profile",
        PROFILE,
        "--wxcc",
        "--api-url",
        &t.sb.url,
        "--webex-api",
        &t.sb.url,
        "--auth-url",
        &t.sb.url,
        "--org",
        &t.org,
        "--device",
        "--client-id",
        "remote-integration",
        "--client-secret-file",
        "client-secret.txt",
        "--scope",
        scope,
    ]);
    register_stored_tokens(wd);
    out.expect(0);
}

/// Every token `credentials.json` holds now is a secret of the workdir.
fn register_stored_tokens(wd: &Workdir) {
    let path = wd.config_dir().join("credentials.json");
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    match v.as_str() {
                        Some(s) if k != "client_id" && !k.ends_with("url") && s.len() > 8 => {
                            wd.secret(s)
                        }
                        _ => stack.push(v),
                    }
                }
            }
            Value::Array(a) => stack.extend(a),
            _ => {}
        }
    }
}

/// `bulk ARGS --profile tenant --json`.
fn run(wd: &Workdir, args: &[&str]) -> Out {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--profile", PROFILE, "--json"]);
    wd.run(&all)
}

/// The import's per-file (created, updated, failed), by file name.
fn counts(out: &Out) -> HashMap<String, (u64, u64, u64)> {
    out.json()["imports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let file = i["file"].as_str().unwrap();
            let name = std::path::Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let n = |k: &str| i[k].as_u64().unwrap();
            (name, (n("created"), n("updated"), n("failed")))
        })
        .collect()
}

const SAMPLE: [&str; 5] = [
    "sites.csv",
    "skill-definitions.csv",
    "skill-profiles.csv",
    "teams.csv",
    "users.csv",
];

/// The sample tenant copied into `wd/sample`; returns its users' emails.
fn sample(wd: &Workdir) -> Vec<String> {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sample-tenant");
    for f in SAMPLE {
        wd.write(&format!("sample/{f}"), std::fs::read(src.join(f)).unwrap());
    }
    parse_csv(&wd.read("sample/users.csv"))
        .into_iter()
        .skip(1)
        .map(|r| r[0].clone())
        .collect()
}

/// A sites file of `n` sites named `{prefix} {i}`.
fn sites(wd: &Workdir, name: &str, prefix: &str, n: usize) -> Vec<String> {
    let names: Vec<String> = (1..=n).map(|i| format!("{prefix} {i:03}")).collect();
    let body: String = names
        .iter()
        .map(|s| format!("{s},Default Multimedia Profile\n"))
        .collect();
    wd.write(name, format!("Name,Multimedia Profile\n{body}"));
    names
}

/// Rows of a CSV as maps of lowercased header -> value, only the columns of `keep`.
fn projected(bytes: &[u8], keep: &[String]) -> BTreeSet<Vec<(String, String)>> {
    let rows = parse_csv(bytes);
    let header: Vec<String> = rows[0].iter().map(|h| h.trim().to_lowercase()).collect();
    rows[1..]
        .iter()
        .map(|r| {
            keep.iter()
                .map(|k| {
                    let v = header
                        .iter()
                        .position(|h| h == k)
                        .map(|i| r[i].clone())
                        .unwrap_or_default();
                    (k.clone(), v)
                })
                .collect()
        })
        .collect()
}

/// The sample tenant through a `wxcc` profile: imported (every row created), imported again
/// (the same ids, versions raised, nothing created), then each type exported through the
/// engine equals its input file in the input's columns.
#[test]
fn the_sample_tenant_imports_updates_and_exports_through_a_wxcc_profile() {
    let wd = Workdir::new();
    let t = Tenant::start(&wd, |_| {});
    let emails = sample(&wd);
    t.people(&emails);
    login(&wd, &t);

    // Before the first import a plan sees every site, skill, profile and team as a create.
    let plan = run(&wd, &["import", "sample", "--plan", "--detailed-exitcode"]).expect(10);
    let summary = &plan.json()["summary"];
    assert_eq!(
        summary["create"].as_u64().unwrap(),
        3 + 2 + 3 + 4,
        "{summary}"
    );
    assert_eq!(summary["error"], 0, "{summary}");
    assert!(t.by_name(ApiType::Site).is_empty(), "a plan writes nothing");

    let first = run(&wd, &["import", "sample"]).expect(0);
    first
        .stderr_has(&format!("organisation {}", t.org))
        .stderr_has("Webex Contact Center");
    let c = counts(&first);
    assert_eq!(c["sites.csv"], (3, 0, 0), "{c:?}");
    assert_eq!(c["teams.csv"], (4, 0, 0), "{c:?}");
    // Users exist once their person does: an import updates them.
    assert_eq!(c["users.csv"].2, 0, "{c:?}");
    assert_eq!(c["users.csv"].0 + c["users.csv"].1, 250, "{c:?}");
    let types = [
        ApiType::Site,
        ApiType::Skill,
        ApiType::SkillProfile,
        ApiType::Team,
        ApiType::User,
    ];
    let before: Vec<_> = types.iter().map(|a| t.by_name(*a)).collect();
    assert_eq!(before[0].len(), 3);
    assert_eq!(before[3].len(), 4);
    // The engine's jobs are the profile's organisation's, in its own data dir.
    assert!(wd.data_dir().join("engines").join(PROFILE).is_dir());

    let second = run(&wd, &["import", "sample"]).expect(0);
    let c = counts(&second);
    for f in SAMPLE {
        assert_eq!(c[f].0, 0, "{f} created on the second import: {c:?}");
        assert_eq!(c[f].2, 0, "{f}: {c:?}");
    }
    assert_eq!(c["sites.csv"].1, 3);
    assert_eq!(c["users.csv"].1, 250);
    for (api, was) in types.iter().zip(&before) {
        let now = t.by_name(*api);
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            was.keys().collect::<Vec<_>>(),
            "{api:?}"
        );
        for (name, (id, version)) in was {
            let (id2, version2) = &now[name];
            assert_eq!(id, id2, "{api:?} {name}: another object");
            assert!(
                version2 > version,
                "{api:?} {name}: version {version} -> {version2}"
            );
        }
    }

    // A plan through the profile reads the tenant's Configuration API: everything unchanged
    // (exit 0 with --detailed-exitcode), and nothing written (same ids, same versions).
    let after: Vec<_> = types.iter().map(|a| t.by_name(*a)).collect();
    let plan = run(&wd, &["import", "sample", "--plan", "--detailed-exitcode"]).expect(0);
    let summary = &plan.json()["summary"];
    assert_eq!(summary["unchanged"], 3 + 2 + 3 + 4 + 250, "{summary}");
    assert_eq!(summary["create"], 0, "{summary}");
    assert_eq!(summary["update"], 0, "{summary}");
    let now: Vec<_> = types.iter().map(|a| t.by_name(*a)).collect();
    assert_eq!(after, now, "a plan writes nothing");

    let exports = [
        ("site", "sites.csv"),
        ("skill-definition", "skill-definitions.csv"),
        ("skill-profile", "skill-profiles.csv"),
        ("team", "teams.csv"),
        ("user", "users.csv"),
    ];
    std::fs::create_dir_all(wd.path("exported")).unwrap();
    for (ty, file) in exports {
        let out_file = format!("exported/{file}");
        run(&wd, &["export", ty, "-o", &out_file]).code(0);
        let input = wd.read(&format!("sample/{file}"));
        let keep: Vec<String> = parse_csv(&input)[0]
            .iter()
            .map(|h| h.trim().to_lowercase())
            .filter(|h| h != "delete")
            .collect();
        let want = projected(&input, &keep);
        let got = projected(&wd.read(&out_file), &keep);
        assert_eq!(
            got.difference(&want).collect::<Vec<_>>(),
            want.difference(&got).collect::<Vec<_>>(),
            "{ty}: exported rows (left) that the input lacks, and input rows (right) not exported"
        );
    }
}

/// A 429 storm (half the requests, each with Retry-After) and 500s on a tenant: the import
/// waits, retries and ends with every site created exactly once and no row error.
#[test]
fn a_429_storm_and_500s_are_waited_out_and_every_row_lands_once() {
    let wd = Workdir::new();
    let t = Tenant::start(&wd, |s| {
        s.faults.rate_429 = 0.5;
        s.faults.rate_500 = 0.2;
        s.faults.seed = 13;
    });
    login(&wd, &t);
    let names = sites(&wd, "sites.csv", "Storm", 12);
    let out = run(&wd, &["import", "sites.csv", "--batch", "3"]).expect(0);
    assert_eq!(counts(&out)["sites.csv"], (12, 0, 0));
    let got = t.by_name(ApiType::Site);
    for n in &names {
        assert!(got.contains_key(&n.to_lowercase()), "{n} missing");
    }
    assert_eq!(got.len(), names.len());
}

/// Answers lost after the tenant committed a create (the connection drops): the engine sends
/// the call again, the tenant answers 409 "already present" for what the first attempt made,
/// and the engine finds those by name. Every site exists once, each row counts as created
/// once, and no row reports a false error.
#[test]
fn lost_answers_on_creates_create_nothing_twice_and_report_no_false_error() {
    let wd = Workdir::new();
    let t = Tenant::start(&wd, |s| {
        s.faults.rate_lost_write = 0.4;
        s.faults.seed = 5;
    });
    login(&wd, &t);
    let names = sites(&wd, "sites.csv", "Lost", 30);
    let out = run(&wd, &["import", "sites.csv", "--batch", "4"]).expect(0);
    assert_eq!(counts(&out)["sites.csv"], (30, 0, 0));
    let got = t.by_name(ApiType::Site);
    assert_eq!(got.len(), names.len(), "{got:?}");
    for n in &names {
        assert!(got.contains_key(&n.to_lowercase()), "{n} missing");
    }
    // Updates under lost answers are sent again too, and stay updates.
    let out = run(&wd, &["import", "sites.csv", "--batch", "4"]).expect(0);
    assert_eq!(counts(&out)["sites.csv"], (0, 30, 0));
    assert_eq!(t.by_name(ApiType::Site).len(), names.len());
}

/// A tenant that refuses bulk SAVE with an id (`--strict-bulk-updates`, as a live probe
/// found): the second import updates by GET + merge + PUT, same ids, versions raised.
#[test]
fn the_strict_bulk_update_mode_updates_in_place_through_a_wxcc_profile() {
    let wd = Workdir::new();
    let t = Tenant::start(&wd, |s| s.strict_bulk_updates = true);
    login(&wd, &t);
    sample(&wd);
    let files = [
        "sample/sites.csv",
        "sample/skill-definitions.csv",
        "sample/skill-profiles.csv",
        "sample/teams.csv",
    ];
    let mut args = vec!["import"];
    args.extend(files);
    let c = counts(&run(&wd, &args).expect(0));
    assert_eq!((c["sites.csv"], c["teams.csv"]), ((3, 0, 0), (4, 0, 0)));
    let before = (t.by_name(ApiType::Site), t.by_name(ApiType::Team));
    let c = counts(&run(&wd, &args).expect(0));
    assert_eq!((c["sites.csv"], c["teams.csv"]), ((0, 3, 0), (0, 4, 0)));
    let after = (t.by_name(ApiType::Site), t.by_name(ApiType::Team));
    for (was, now) in [(&before.0, &after.0), (&before.1, &after.1)] {
        assert_eq!(was.len(), now.len());
        for (name, (id, v)) in was {
            assert_eq!(&now[name].0, id, "{name}");
            assert!(now[name].1 > *v, "{name}: version not raised");
        }
    }
}

/// A profile naming an organisation the token does not belong to: exit 6 before any row is
/// sent, naming the organisation, the scopes and the role; no engine job exists.
#[test]
fn a_wrong_organisation_is_refused_before_any_row_is_sent() {
    let wd = Workdir::new();
    let t = Tenant::start(&wd, |_| {});
    let wrong = "0f0f0f0f-1111-4222-8333-444455556666";
    wxcc_profile(&wd, &t.sb.url, wrong, &t.sb.token);
    sites(&wd, "sites.csv", "Never", 2);
    let out = wd
        .run(&["import", "sites.csv", "--profile", PROFILE])
        .expect(6);
    out.stderr_has(wrong)
        .stderr_has("cjp:config_read")
        .stderr_has("cjp:config_write")
        .stderr_has("administrator")
        .stderr_has("nothing was sent");
    assert!(t.by_name(ApiType::Site).is_empty());
    assert!(!wd.data_dir().join("engines").join(PROFILE).exists());
}

/// A token the tenant does not know: exit 6 at the probe, with the command that fixes it.
#[test]
fn a_refused_token_is_exit_6_before_any_row_is_sent() {
    let wd = Workdir::new();
    let t = Tenant::start(&wd, |_| {});
    wxcc_profile(&wd, &t.sb.url, &t.org, "not-a-token-of-this-tenant");
    sites(&wd, "sites.csv", "Never", 2);
    wd.run(&["import", "sites.csv", "--profile", PROFILE])
        .expect(6)
        .stderr_has("refused the token")
        .stderr_has("bulk login --profile tenant");
    assert!(t.by_name(ApiType::Site).is_empty());
}

/// A region whose Configuration API does not answer (nothing listens there): a clear error
/// naming the URL before any row is sent.
#[test]
fn an_unreachable_region_is_a_clear_error_before_any_row_is_sent() {
    let wd = Workdir::new();
    // A privileged port, where nothing listens: a port freed by the test itself could be
    // taken by another test's sandbox in between (the system hands ephemeral ports out
    // again), and then it answered.
    let url = "http://127.0.0.1:1".to_string();
    assert!(
        std::net::TcpStream::connect("127.0.0.1:1").is_err(),
        "something listens on port 1"
    );
    wxcc_profile(
        &wd,
        &url,
        "0f0f0f0f-1111-4222-8333-444455556666",
        "tok-unused-1",
    );
    sites(&wd, "sites.csv", "Never", 1);
    wd.run(&["import", "sites.csv", "--profile", PROFILE])
        .expect(1)
        .stderr_has("cannot reach the Configuration API")
        .stderr_has(&url)
        .stderr_has("nothing was sent");
}

/// A token with the read scope only (`cjp:config_read`): the probe reads, the first write
/// answers 403; the job fails and the import exits 6 naming both scopes and the role.
#[test]
fn a_token_without_the_write_scope_is_exit_6_naming_scopes_and_role() {
    let wd = Workdir::new();
    let t = Tenant::start(&wd, |_| {});
    login_device(&wd, &t, "cjp:config_read spark:people_read");
    sites(&wd, "sites.csv", "Read Only", 3);
    let out = wd
        .run(&["import", "sites.csv", "--profile", PROFILE])
        .expect(6);
    out.stderr_has("cjp:config_write")
        .stderr_has("cjp:config_read")
        .stderr_has("administrator");
    assert!(t.by_name(ApiType::Site).is_empty());
}

/// The same refusal on an update by PUT (a tenant refusing bulk SAVE with an id): a 403 on the
/// PUT is the job's failure and exit 6, not a row error per object.
#[test]
fn a_refused_put_update_is_exit_6_not_a_row_error() {
    let wd = Workdir::new();
    let t = Tenant::start(&wd, |s| s.strict_bulk_updates = true);
    login(&wd, &t);
    sites(&wd, "sites.csv", "Put", 3);
    let c = counts(&run(&wd, &["import", "sites.csv"]).expect(0));
    assert_eq!(c["sites.csv"], (3, 0, 0));
    let before = t.by_name(ApiType::Site);
    login_device(&wd, &t, "cjp:config_read spark:people_read");
    let out = wd
        .run(&["import", "sites.csv", "--profile", PROFILE])
        .expect(6);
    out.stderr_has("cjp:config_write");
    // The failed job's rows wait in the error file, to import again with a writing token.
    let errors = parse_csv(&wd.read("sites.errors.csv"));
    assert_eq!(errors.len(), 1 + 3, "{errors:?}");
    assert_eq!(t.by_name(ApiType::Site), before, "nothing updated");
}

/// Access tokens that die after a few requests (`token_lifetime_requests`): each 401 is
/// answered by one refresh (the new pair stored), and the import completes with every row
/// accounted for once.
#[test]
fn a_token_expiring_mid_import_is_refreshed_and_every_row_lands_once() {
    let wd = Workdir::new();
    let t = Tenant::start(&wd, |s| s.token_lifetime_requests = Some(4));
    login_device(
        &wd,
        &t,
        "cjp:config_read cjp:config_write spark:people_read",
    );
    let before = std::fs::read(wd.config_dir().join("credentials.json")).unwrap();
    let names = sites(&wd, "sites.csv", "Refresh", 40);
    let out = run(&wd, &["import", "sites.csv", "--batch", "2"]);
    register_stored_tokens(&wd);
    let out = out.expect(0);
    assert_eq!(counts(&out)["sites.csv"], (40, 0, 0));
    let got = t.by_name(ApiType::Site);
    assert_eq!(got.len(), names.len());
    let after = std::fs::read(wd.config_dir().join("credentials.json")).unwrap();
    assert_ne!(before, after, "the refreshed pair is stored");
}
