//! Issue 9, "the target is never in doubt": one `target:` line for every command that talks to
//! a service, the default profile only by the rules `bulk login` states, the reserved
//! `sandbox` profile, and `BULK_URL` honoured or refused, never ignored.

use crate::harness::{Sandbox, Workdir};

fn default_of(env: &Workdir) -> serde_json::Value {
    let p: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.config_dir().join("profiles.json")).unwrap())
            .unwrap();
    p["default"].clone()
}

fn login(env: &Workdir, sb: &Sandbox, args: &[&str]) -> crate::harness::Out {
    env.secret(&sb.token);
    let mut a = vec!["login", "--url", &sb.url, "--token-stdin"];
    a.extend_from_slice(args);
    env.run_stdin(&a, Some(&sb.token), &[])
}

#[test]
fn login_default_rules_and_the_sandbox_profile() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    login(&env, &sb, &["--profile", "prod"])
        .expect(0)
        .stderr_has("(the default)");
    // A second profile says which is the default; --default makes it so.
    login(&env, &sb, &["--profile", "test"])
        .expect(0)
        .stderr_has("the default is \"prod\"")
        .stderr_has("--default");
    assert_eq!(default_of(&env), "prod");
    login(&env, &sb, &["--profile", "test", "--default"])
        .expect(0)
        .stderr_has("(the default)");
    assert_eq!(default_of(&env), "test");

    // Every command that talks to a service names it once; --quiet hides the line.
    let out = env.run(&["jobs"]).expect(0);
    assert_eq!(out.stderr.matches("target: ").count(), 1, "{out:?}");
    out.stderr_has(&format!("target: profile test ({}", sb.url));
    env.run(&["jobs", "--profile", "prod"])
        .expect(0)
        .stderr_has("target: profile prod");
    assert!(env.run(&["jobs", "--quiet"]).expect(0).stderr.is_empty());

    // "sandbox" is reserved: it always means the local sandbox, and no profile takes the name.
    env.run(&["jobs", "--profile", "sandbox"])
        .expect(0)
        .stderr_has("target: the local sandbox");
    login(&env, &sb, &["--profile", "sandbox"])
        .expect(2)
        .stderr_has("reserved");

    // Logging out of the default (no --profile: the default) never promotes another profile.
    let out = env.run(&["login", "--logout"]).expect(0);
    out.stderr_has("forgot profile \"test\"")
        .stderr_has("the default is now the local sandbox");
    assert_eq!(default_of(&env), serde_json::Value::Null);
    env.run(&["jobs"])
        .expect(0)
        .stderr_has("target: the local sandbox");
    // prod is still there, by name.
    env.run(&["jobs", "--profile", "prod"]).expect(0);
}

#[test]
fn bulk_url_with_a_default_profile_is_honoured_or_refused() {
    let prod = Sandbox::start_temp(|_| {});
    let other = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    login(&env, &prod, &["--profile", "prod"]).expect(0);
    env.secret(&other.token);
    // With BULK_TOKEN, BULK_URL is the target, and the line says the default is not used.
    let job = other.import(
        "site",
        "s.csv",
        "Name,Multimedia Profile\nOnly Here,Default Multimedia Profile\n",
    );
    assert_eq!(job["status"], "completed", "{job}");
    let out = env
        .run_env(
            &["jobs", "--json"],
            &[("BULK_URL", &other.url), ("BULK_TOKEN", &other.token)],
        )
        .expect(0);
    out.stderr_has(&format!(
        "target: {} (from BULK_URL and BULK_TOKEN)",
        other.url
    ))
    .stderr_has("the default profile \"prod\" is not used");
    assert!(
        out.stdout.contains("s.csv"),
        "the jobs of BULK_URL's service: {out:?}"
    );
    // Without BULK_TOKEN, refused with a message naming both.
    env.run_env(&["jobs"], &[("BULK_URL", &other.url)])
        .expect(2)
        .stderr_has("BULK_TOKEN")
        .stderr_has("\"prod\"");
}

#[test]
fn template_falls_back_after_one_quick_try() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    drop(sb);
    let started = std::time::Instant::now();
    let out = env.run(&["template", "site"]).expect(0);
    out.stderr_has("built-in schema");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "took {:?}",
        started.elapsed()
    );
}
