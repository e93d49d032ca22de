//! `bulk login`: profiles, credentials, status, BULK_TOKEN, refusals.

use crate::harness::{Sandbox, Workdir};

#[test]
fn login_with_token_stdin_saves_a_private_profile_without_the_token() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "prod");
    let profiles = std::fs::read_to_string(env.config_dir().join("profiles.json")).unwrap();
    assert!(!profiles.contains(&sb.token), "token in profiles.json");
    let p: serde_json::Value = serde_json::from_str(&profiles).unwrap();
    assert_eq!(
        p["default"], "prod",
        "the first profile becomes the default"
    );
    assert_eq!(p["profiles"]["prod"]["url"], sb.url.as_str());
    let creds_path = env.config_dir().join("credentials.json");
    let creds: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&creds_path).unwrap()).unwrap();
    assert_eq!(creds["tokens"]["prod"], sb.token.as_str());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&creds_path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "credentials.json must be 0600");
    }
    // A second profile does not take the default over.
    env.login(&sb, "other");
    let p: serde_json::Value =
        serde_json::from_slice(&std::fs::read(env.config_dir().join("profiles.json")).unwrap())
            .unwrap();
    assert_eq!(p["default"], "prod");

    // The default profile is used with no flag: no sandbox notice.
    let out = env.run(&["jobs"]).expect(0);
    assert!(!out.stderr.contains("sandbox"), "{out:?}");

    // --status, plain and JSON, names the target and the user, never the token.
    let out = env.run(&["login", "--status"]).expect(0);
    assert!(out.stdout.contains("profile \"prod\""), "{out:?}");
    assert!(out.stdout.contains(&sb.url), "{out:?}");
    assert!(out.stdout.contains("admin@sandbox.local"), "{out:?}");
    let v = env
        .run(&["login", "--status", "--json", "--profile", "other"])
        .expect(0)
        .json();
    assert_eq!(v["target"]["kind"], "profile");
    assert_eq!(v["target"]["name"], "other");
    assert_eq!(v["url"], sb.url.as_str());
    assert_eq!(v["email"], "admin@sandbox.local");
    assert_eq!(v["token_source"], "credentials file");

    // --logout forgets the profile and its token.
    env.run(&["login", "--logout", "--profile", "other"])
        .expect(0);
    let creds = std::fs::read_to_string(&creds_path).unwrap();
    assert!(!creds.contains("\"other\""), "{creds}");
}

#[test]
fn wrong_token_is_exit_6_and_saves_nothing() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.secret("not-the-token-4711");
    env.run_stdin(
        &["login", "--url", &sb.url, "--token-stdin"],
        Some("not-the-token-4711\n"),
        &[],
    )
    .expect(6);
    assert!(!env.config_dir().join("profiles.json").exists());
    assert!(!env.config_dir().join("credentials.json").exists());
}

#[test]
fn plain_http_to_another_host_is_refused() {
    let env = Workdir::new();
    env.secret("some-token-0815");
    env.run_stdin(
        &["login", "--url", "http://example.com", "--token-stdin"],
        Some("some-token-0815"),
        &[],
    )
    .expect(2)
    .stderr_has("http://");
}

#[test]
fn without_a_terminal_a_missing_url_names_the_flag() {
    let env = Workdir::new();
    env.run_stdin(&["login", "--token-stdin"], Some("t"), &[])
        .expect(2)
        .stderr_has("--url");
    env.run(&["login", "--url", "http://127.0.0.1:9"])
        .expect(2)
        .stderr_has("--token-stdin");
}

#[test]
fn bulk_token_overrides_the_stored_token() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.login(&sb, "default");
    let bob = Sandbox::token_of(
        &sb.data_dir,
        &["--new-org", "Second Org", "--email", "bob@example.com"],
    );
    env.secret(&bob);
    let v = env
        .run_env(&["login", "--status", "--json"], &[("BULK_TOKEN", &bob)])
        .expect(0)
        .json();
    assert_eq!(v["email"], "bob@example.com");
    assert_eq!(v["token_source"], "BULK_TOKEN");
    env.secret("wrong-token-1234");
    env.run_env(&["jobs"], &[("BULK_TOKEN", "wrong-token-1234")])
        .expect(6);
}

#[test]
fn bulk_url_and_bulk_token_target_a_service_without_a_profile() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.secret(&sb.token);
    let v = env
        .run_env(
            &["login", "--status", "--json"],
            &[("BULK_URL", &sb.url), ("BULK_TOKEN", &sb.token)],
        )
        .expect(0)
        .json();
    assert_eq!(v["target"]["kind"], "environment");
    assert_eq!(v["url"], sb.url.as_str());
}

#[test]
fn unknown_profile_is_a_usage_error() {
    let env = Workdir::new();
    env.run(&["jobs", "--profile", "nope"])
        .expect(2)
        .stderr_has("bulk login --profile nope");
    env.run(&["login", "--status", "--profile", "nope"])
        .expect(2);
}

#[test]
fn no_profile_means_the_embedded_sandbox_with_a_notice() {
    let env = Workdir::new();
    let out = env.run(&["jobs"]).expect(0);
    out.stderr_has("local sandbox");
    assert!(out.stdout.starts_with("id\tfile_name\t"), "{out:?}");
    let v = env.run(&["login", "--status", "--json"]).expect(0).json();
    assert_eq!(v["target"]["kind"], "sandbox");
    // The sandbox's own token never shows either.
    let token = Sandbox::token_of(&env.sandbox_dir(), &[]);
    env.secret(&token);
    env.run(&["login", "--status"]).expect(0);
}

#[test]
fn a_token_of_another_organisation_than_org_is_refused() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.secret(&sb.token);
    env.run_stdin(
        &[
            "login",
            "--url",
            &sb.url,
            "--org",
            "not-my-org",
            "--token-stdin",
        ],
        Some(&sb.token),
        &[],
    )
    .expect(6)
    .stderr_has("not-my-org");
    assert!(!env.config_dir().join("credentials.json").exists());
}
