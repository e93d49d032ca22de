//! `bulk template`: remote, offline, and the fallback when the service is unreachable.

use crate::harness::{Sandbox, Workdir};

#[test]
fn template_from_the_service_offline_and_unreachable() {
    let env = Workdir::new();
    // No profile: the built-in schema, without starting the local sandbox.
    let builtin = env.run(&["template", "site"]).expect(0);
    assert_eq!(builtin.stdout.trim_end(), "Name,Multimedia Profile");
    assert!(!builtin.stderr.contains("sandbox"), "{builtin:?}");
    assert!(!env.sandbox_dir().exists());

    let sb = Sandbox::start_temp(|_| {});
    env.login(&sb, "default");
    let remote = env.run(&["template", "site"]).expect(0);
    assert_eq!(remote.stdout, builtin.stdout);
    // issue 9: a command that talks to a service says which one, in exactly one line.
    let org = sb.json("/v1/me")["org_id"].as_str().unwrap().to_string();
    assert_eq!(
        remote.stderr,
        format!(
            "target: profile default ({}, organisation {org}; token from credentials file)\n",
            sb.url
        ),
        "{remote:?}"
    );
    assert!(env
        .run(&["template", "site", "--quiet"])
        .expect(0)
        .stderr
        .is_empty());
    let with_example = env.run(&["template", "user", "--example"]).expect(0);
    assert_eq!(with_example.stdout.lines().count(), 2, "{with_example:?}");
    env.run(&["template", "site", "--offline"]).expect(0);
    let list = env.run(&["template", "--list"]).expect(0);
    assert!(list.stdout.contains("skill-profile"), "{list:?}");

    // Unreachable: built-in schema, and a warning saying so.
    drop(sb);
    let out = env
        .run(&["template", "site", "--max-retries", "0"])
        .expect(0);
    out.stderr_has("built-in schema");
    assert_eq!(out.stdout, builtin.stdout);
    let out = env
        .run(&["template", "site", "--offline", "--max-retries", "0"])
        .expect(0);
    assert!(out.stderr.is_empty(), "{out:?}");
}
