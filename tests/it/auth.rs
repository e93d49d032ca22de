//! Real tenants' logins (issue 13): `bulk login --wxcc` with a pasted token, a credentials file
//! (refreshed, the new pair stored 0600), the browser flow (PKCE) and the device flow, against
//! the sandbox's fake Webex authorization server and `/v1/people/me`; `login --status`; the
//! sandbox's OAuth server itself (PKCE, scopes, token lifetime). Every secret is registered
//! with the workdir, which fails a run that prints one, and no run's argv carries one.

use crate::harness::{Out, Sandbox, Workdir};
use reqwest::blocking::Client;
use serde_json::Value;
use std::collections::HashMap;

const CLIENT_ID: &str = "C0ffee-integration";
const CLIENT_SECRET: &str = "client-secret-do-not-print-4711";

fn http() -> Client {
    Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .unwrap()
}

fn org_of(sb: &Sandbox) -> String {
    sb.state().organization_of(&sb.token).unwrap().unwrap()
}

fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// No secret in the command line of a run (the workdir checks its streams for the secrets it
/// knows when the run ends; see [`no_secret_in`] for those learnt from the run).
#[track_caller]
fn no_secret_in_argv(out: &Out, secrets: &[&str]) {
    for s in secrets {
        if out.args.iter().any(|a| a.contains(s)) {
            out.fail("a secret is on the command line");
        }
    }
}

/// No secret in a run's argv, stdout or stderr: for the tokens the run itself obtained.
#[track_caller]
fn no_secret_in(out: &Out, secrets: &[&str]) {
    no_secret_in_argv(out, secrets);
    for s in secrets {
        if out.stdout.contains(s) || out.stderr.contains(s) {
            out.fail("a secret appears in the output");
        }
    }
}

fn s256(verifier: &str) -> String {
    use base64::Engine as _;
    let d = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(d.as_ref())
}

/// The code the sandbox's `/v1/authorize` redirects with (it approves at once).
fn authorize(sb: &Sandbox, challenge: &str, scope: &str, redirect: &str) -> String {
    let resp = http()
        .get(format!("{}/v1/authorize", sb.url))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", redirect),
            ("scope", scope),
            ("state", "st4te"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .unwrap();
    assert_eq!(resp.status(), 302, "{:?}", resp.text());
    let to = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let q: HashMap<_, _> = to.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "st4te");
    assert!(to.as_str().starts_with(redirect));
    q["code"].clone()
}

fn token_request(sb: &Sandbox, form: &[(&str, &str)]) -> (u16, Value) {
    let r = http()
        .post(format!("{}/v1/access_token", sb.url))
        .form(form)
        .send()
        .unwrap();
    (r.status().as_u16(), r.json().unwrap())
}

/// Tokens for `scope` through the authorization-code grant, as an integration gets them.
fn issue(sb: &Sandbox, scope: &str) -> Value {
    let verifier = "v".repeat(20) + &"w".repeat(30);
    let redirect = "http://127.0.0.1:9/callback";
    let code = authorize(sb, &s256(&verifier), scope, redirect);
    let (status, v) = token_request(
        sb,
        &[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", redirect),
            ("code_verifier", &verifier),
            ("client_id", CLIENT_ID),
            ("client_secret", CLIENT_SECRET),
        ],
    );
    assert_eq!(status, 200, "{v}");
    v
}

#[test]
fn the_fake_authorization_server_checks_pkce_scopes_and_token_lifetime() {
    let sb = Sandbox::start_temp(|s| s.token_lifetime_requests = Some(3));
    let org = org_of(&sb);
    // PKCE: the verifier must hash to the challenge; a code is good once.
    let redirect = "http://127.0.0.1:9/callback";
    let code = authorize(&sb, &s256(&"a".repeat(50)), "cjp:config_read", redirect);
    let form = |code: &str, verifier: &str| {
        vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", redirect.to_string()),
            ("code_verifier", verifier.to_string()),
            ("client_id", CLIENT_ID.to_string()),
            ("client_secret", CLIENT_SECRET.to_string()),
        ]
    };
    let send = |f: Vec<(&str, String)>| {
        let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        token_request(&sb, &f)
    };
    let (status, v) = send(form(&code, &"b".repeat(50)));
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );
    assert!(
        v["error_description"].as_str().unwrap().contains("PKCE"),
        "{v}"
    );
    let (status, _) = send(form(&code, &"a".repeat(50)));
    assert_eq!(
        status, 400,
        "a code is used once, even by a failed exchange"
    );
    // No PKCE, no code.
    let r = http()
        .get(format!("{}/v1/authorize", sb.url))
        .query(&[
            ("response_type", "code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", redirect),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 400);
    // The client's secret is remembered: another one is refused.
    let code = authorize(&sb, &s256(&"c".repeat(50)), "cjp:config_read", redirect);
    let mut f = form(&code, &"c".repeat(50));
    f[5].1 = "another-secret".into();
    let (status, v) = send(f);
    assert_eq!(
        (status, v["error"].as_str()),
        (401, Some("invalid_client")),
        "{v}"
    );

    // Scopes: a read-only token reads, and gets Cisco's 403 on a write.
    let read_only = issue(&sb, "cjp:config_read spark:people_read");
    let at = read_only["access_token"].as_str().unwrap();
    let face = format!("{}/organization/{org}", sb.url);
    let r = http()
        .get(format!("{face}/v2/site"))
        .bearer_auth(at)
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = http()
        .post(format!("{face}/site"))
        .bearer_auth(at)
        .json(&serde_json::json!({"name": "S1"}))
        .send()
        .unwrap();
    assert_eq!(r.status(), 403);
    let body: Value = r.json().unwrap();
    assert!(body["trackingId"].is_string(), "{body}");
    assert!(
        body["error"]["message"][0]["description"]
            .as_str()
            .unwrap()
            .contains("cjp:config_write"),
        "{body}"
    );
    // Lifetime: the third request was the last (GET, POST, this one); then 401.
    let me: Value = http()
        .get(format!("{}/v1/people/me", sb.url))
        .bearer_auth(at)
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(me["emails"][0], "admin@sandbox.local");
    let r = http()
        .get(format!("{face}/v2/site"))
        .bearer_auth(at)
        .send()
        .unwrap();
    assert_eq!(r.status(), 401, "expired after 3 requests");
    // A refresh gives a new pair that works; the old refresh token stays good until the new
    // one is used, then it is retired.
    let rt = read_only["refresh_token"].as_str().unwrap();
    let refresh = |rt: &str| {
        token_request(
            &sb,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", rt),
                ("client_id", CLIENT_ID),
                ("client_secret", CLIENT_SECRET),
            ],
        )
    };
    let (status, fresh) = refresh(rt);
    assert_eq!(status, 200, "{fresh}");
    assert_ne!(fresh["refresh_token"], read_only["refresh_token"]);
    let r = http()
        .get(format!("{face}/v2/site"))
        .bearer_auth(fresh["access_token"].as_str().unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, _) = refresh(fresh["refresh_token"].as_str().unwrap());
    assert_eq!(status, 200);
    let (status, v) = refresh(rt);
    assert_eq!(
        (status, v["error"].as_str()),
        (400, Some("invalid_grant")),
        "{v}"
    );
}

#[test]
fn people_me_answers_the_org_as_webex_encodes_it() {
    let sb = Sandbox::start_temp(|_| {});
    let me: Value = http()
        .get(format!("{}/v1/people/me", sb.url))
        .bearer_auth(&sb.token)
        .send()
        .unwrap()
        .json()
        .unwrap();
    use base64::Engine as _;
    let raw = me["orgId"].as_str().unwrap();
    assert!(raw.starts_with("Y2"), "{me}");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .unwrap();
    assert_eq!(
        String::from_utf8(decoded).unwrap(),
        format!("ciscospark://us/ORGANIZATION/{}", org_of(&sb))
    );
    let r = http()
        .get(format!("{}/v1/people/me", sb.url))
        .bearer_auth("nope")
        .send()
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[test]
fn wxcc_login_with_a_pasted_token_takes_the_org_from_the_token_and_is_not_the_default() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.secret(&sb.token);
    let org = org_of(&sb);
    let login = |profile: &str, extra: &[&str]| {
        let mut args = vec![
            "login",
            "--profile",
            profile,
            "--wxcc",
            "--api-url",
            &sb.url,
            "--webex-api",
            &sb.url,
            "--token-stdin",
        ];
        args.extend_from_slice(extra);
        let out = env.run_stdin(&args, Some(&format!("{}\n", sb.token)), &[]);
        no_secret_in_argv(&out, &[&sb.token]);
        out
    };
    let out = login("prod", &[]).expect(0);
    assert!(out.stderr.contains("not the default"), "{out:?}");
    assert!(out.stderr.contains("--default"), "{out:?}");
    assert!(out.stderr.contains(&org), "{out:?}");
    let profiles = read_json(&env.config_dir().join("profiles.json"));
    assert_eq!(
        profiles["default"],
        Value::Null,
        "never the default in silence"
    );
    let p = &profiles["profiles"]["prod"];
    assert_eq!(p["kind"], "wxcc");
    assert_eq!(p["org"], org.as_str());
    assert_eq!(p["url"], sb.url.as_str());
    let creds_path = env.config_dir().join("credentials.json");
    let creds = read_json(&creds_path);
    assert_eq!(creds["tokens"]["prod"], sb.token.as_str());
    #[cfg(unix)]
    assert_eq!(mode(&creds_path), 0o600);

    // --status names kind, organisation and user; the target line too. Never the token.
    let out = env
        .run(&["login", "--status", "--profile", "prod"])
        .expect(0);
    assert!(out.stdout.contains("kind:    wxcc"), "{out:?}");
    assert!(out.stdout.contains(&format!("org:     {org}")), "{out:?}");
    assert!(
        out.stdout.contains("user:    admin@sandbox.local"),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("target: profile prod (Webex Contact Center"),
        "{out:?}"
    );
    let v = env
        .run(&["--json", "login", "--status", "--profile", "prod"])
        .expect(0)
        .json();
    assert_eq!(v["kind"], "wxcc");
    assert_eq!(v["org_id"], org.as_str());
    assert_eq!(v["email"], "admin@sandbox.local");

    // --default makes it the default; a region names Cisco's URL for it.
    login("prod", &["--default"]).expect(0);
    let profiles = read_json(&env.config_dir().join("profiles.json"));
    assert_eq!(profiles["default"], "prod");
    let mut args = vec![
        "login",
        "--profile",
        "eu",
        "--wxcc",
        "--region",
        "eu2",
        "--webex-api",
        &sb.url,
        "--token-stdin",
    ];
    let out = env.run_stdin(&args, Some(&sb.token), &[]).expect(0);
    assert!(out.stderr.contains("region eu2"), "{out:?}");
    let profiles = read_json(&env.config_dir().join("profiles.json"));
    assert_eq!(
        profiles["profiles"]["eu"]["url"],
        "https://api.wxcc-eu2.cisco.com"
    );
    assert_eq!(profiles["profiles"]["eu"]["region"], "eu2");

    // A token of another organisation than --org: exit 6, nothing saved.
    let other = "00000000-0000-4000-8000-000000000001";
    args[2] = "wrong";
    args.extend(["--org", other]);
    let out = env.run_stdin(&args, Some(&sb.token), &[]).expect(6);
    assert!(
        out.stderr.contains(other) && out.stderr.contains(&org),
        "{out:?}"
    );
    let profiles = read_json(&env.config_dir().join("profiles.json"));
    assert_eq!(profiles["profiles"]["wrong"], Value::Null);
    // Plain http to a non-loopback API is refused, before stdin is read (no stdin given: the
    // refusal races a writer, which the test harness reports as a broken pipe).
    let out = env
        .run(&[
            "login",
            "--profile",
            "x",
            "--wxcc",
            "--api-url",
            "http://example.com",
            "--token-stdin",
        ])
        .expect(2);
    assert!(out.stderr.contains("plain http"), "{out:?}");
}

#[test]
fn wxcc_login_with_a_credentials_file_refreshes_and_stores_the_new_pair() {
    // Each access token serves one request: login's /v1/people/me uses it up.
    let sb = Sandbox::start_temp(|s| s.token_lifetime_requests = Some(1));
    let env = Workdir::new();
    env.secret(&sb.token);
    env.secret(CLIENT_SECRET);
    let t = issue(&sb, "cjp:config_read cjp:config_write spark:people_read");
    let (at, rt) = (
        t["access_token"].as_str().unwrap().to_string(),
        t["refresh_token"].as_str().unwrap().to_string(),
    );
    env.secret(&at);
    env.secret(&rt);
    env.write(
        "creds.json",
        serde_json::json!({
            "access_token": at, "refresh_token": rt, "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET, "expires_in": 3600,
            "token_url": format!("{}/v1/access_token", sb.url),
        })
        .to_string(),
    );
    let out = env
        .run(&[
            "login",
            "--profile",
            "oauth",
            "--wxcc",
            "--api-url",
            &sb.url,
            "--webex-api",
            &sb.url,
            "--credentials-file",
            "creds.json",
        ])
        .expect(0);
    assert!(out.stderr.contains("refreshed with OAuth"), "{out:?}");
    let creds_path = env.config_dir().join("credentials.json");
    let creds = read_json(&creds_path);
    assert_eq!(creds["tokens"]["oauth"], at.as_str());
    assert_eq!(creds["oauth"]["oauth"]["client_id"], CLIENT_ID);

    // The stored token is spent: --status gets a 401, refreshes once, and stores the new pair.
    let out = env
        .run(&["login", "--status", "--profile", "oauth"])
        .expect(0);
    assert!(
        out.stdout.contains("user:    admin@sandbox.local"),
        "{out:?}"
    );
    let creds = read_json(&creds_path);
    let (at2, rt2) = (
        creds["tokens"]["oauth"].as_str().unwrap().to_string(),
        creds["oauth"]["oauth"]["refresh_token"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    env.secret(&at2);
    env.secret(&rt2);
    no_secret_in(&out, &[&at2, &rt2]);
    assert_ne!(at2, at, "a new access token is stored");
    assert_ne!(rt2, rt, "the new refresh token is stored");
    #[cfg(unix)]
    assert_eq!(mode(&creds_path), 0o600);
    // The next run refreshes with the stored refresh token (the server retires the first one
    // once its successor is used, so only the stored one can work from here on).
    let out = env
        .run(&["login", "--status", "--profile", "oauth"])
        .expect(0);
    let creds = read_json(&creds_path);
    let rt3 = creds["oauth"]["oauth"]["refresh_token"].as_str().unwrap();
    let at3 = creds["tokens"]["oauth"].as_str().unwrap();
    no_secret_in(&out, &[rt3, at3]);
    env.secret(rt3);
    env.secret(at3);
    assert_ne!(rt3, rt2);

    // --logout forgets the token and what refreshing it takes.
    env.run(&["login", "--logout", "--profile", "oauth"])
        .expect(0);
    let creds = read_json(&creds_path);
    assert_eq!(creds["tokens"]["oauth"], Value::Null);
    assert_eq!(creds["oauth"]["oauth"], Value::Null);

    // The same JSON on stdin works too; an access token that has expired by the clock is
    // refreshed before it is sent.
    let t = issue(&sb, "cjp:config_read cjp:config_write spark:people_read");
    for k in ["access_token", "refresh_token"] {
        env.secret(t[k].as_str().unwrap());
    }
    let json = serde_json::json!({
        "access_token": t["access_token"], "refresh_token": t["refresh_token"],
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "expires_at": 1,
        "token_url": format!("{}/v1/access_token", sb.url),
    })
    .to_string();
    let out = env
        .run_stdin(
            &[
                "login",
                "--profile",
                "piped",
                "--wxcc",
                "--api-url",
                &sb.url,
                "--webex-api",
                &sb.url,
                "--credentials-file",
                "-",
            ],
            Some(&json),
            &[],
        )
        .expect(0);
    let creds = read_json(&creds_path);
    let stored = creds["tokens"]["piped"].as_str().unwrap();
    let stored_rt = creds["oauth"]["piped"]["refresh_token"].as_str().unwrap();
    no_secret_in(&out, &[stored, stored_rt]);
    env.secret(stored);
    env.secret(stored_rt);
    assert_ne!(stored, t["access_token"].as_str().unwrap());
    assert!(creds["oauth"]["piped"]["expires_at"].as_i64().unwrap() > 1);

    // A broken file names itself, line and column, and no value.
    env.write(
        "bad.json",
        "{\"access_token\": \"abc\",\n \"client_id\": 5 }",
    );
    let out = env
        .run(&[
            "login",
            "--profile",
            "bad",
            "--wxcc",
            "--api-url",
            &sb.url,
            "--webex-api",
            &sb.url,
            "--credentials-file",
            "bad.json",
        ])
        .expect(2);
    assert!(out.stderr.contains("bad.json:2:"), "{out:?}");
    assert!(!out.stderr.contains("abc"), "{out:?}");
}

/// A `BROWSER` that follows the authorization URL like a user who clicks "Accept".
fn browser(env: &Workdir) -> String {
    let p = env.write(
        "browser.sh",
        "#!/bin/sh\nexec curl -sfL -o /dev/null \"$1\"\n",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    p.display().to_string()
}

#[test]
fn wxcc_web_login_runs_the_pkce_flow_through_a_browser() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.secret(&sb.token);
    env.secret(CLIENT_SECRET);
    env.write("secret.txt", format!("{CLIENT_SECRET}\n"));
    let browser = browser(&env);
    let out = env.run_env(&web_login("web", &sb.url), &[("BROWSER", &browser)]);
    no_secret_in_argv(&out, &[CLIENT_SECRET]);
    let creds = read_json(&env.config_dir().join("credentials.json"));
    for s in [
        creds["tokens"]["web"].as_str(),
        creds["oauth"]["web"]["refresh_token"].as_str(),
    ]
    .into_iter()
    .flatten()
    {
        env.secret(s);
        no_secret_in(&out, &[s]);
    }
    let out = out.expect(0);
    assert!(
        out.stderr.contains("/v1/authorize?"),
        "the URL is printed: {out:?}"
    );
    assert!(out.stderr.contains("code_challenge_method=S256"), "{out:?}");
    assert!(out.stderr.contains("browser login"), "{out:?}");
    assert_eq!(creds["oauth"]["web"]["client_id"], CLIENT_ID);
    assert_eq!(
        creds["oauth"]["web"]["token_url"],
        format!("{}/v1/access_token", sb.url)
    );
    // The token works on the organisation's Configuration API.
    let r = http()
        .get(format!("{}/organization/{}/v2/site", sb.url, org_of(&sb)))
        .bearer_auth(creds["tokens"]["web"].as_str().unwrap())
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);

    // No browser can be started: the URL is printed, and whoever opens it completes the login.
    let mut child = env
        .command()
        .args(web_login("nobrowser", &sb.url))
        .env("BROWSER", env.path("no-such-browser"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let url = loop {
        let mut line = String::new();
        use std::io::BufRead as _;
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no URL printed: {seen}"
        );
        seen.push_str(&line);
        if line.trim_start().starts_with("http") && line.contains("/v1/authorize?") {
            break line.trim().to_string();
        }
    };
    // Followed like a browser: the sandbox approves and redirects to the loopback callback.
    let page = reqwest::blocking::get(&url).unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().unwrap().contains("logged in"));
    let status = child.wait().unwrap();
    std::io::Read::read_to_string(&mut stderr, &mut seen).unwrap();
    assert!(status.success(), "{seen}");
    assert!(seen.contains("open the URL above yourself"), "{seen}");
    let creds = read_json(&env.config_dir().join("credentials.json"));
    let at = creds["tokens"]["nobrowser"].as_str().unwrap();
    let rt = creds["oauth"]["nobrowser"]["refresh_token"]
        .as_str()
        .unwrap();
    for secret in [at, rt, CLIENT_SECRET, &sb.token] {
        assert!(!seen.contains(secret), "a secret in the output: {seen}");
    }

    // Without a client secret file and no terminal: a usage error naming the flag.
    let out = env
        .run(&[
            "login",
            "--profile",
            "web2",
            "--wxcc",
            "--api-url",
            &sb.url,
            "--auth-url",
            &sb.url,
            "--web",
            "--client-id",
            CLIENT_ID,
        ])
        .expect(2);
    assert!(out.stderr.contains("--client-secret-file"), "{out:?}");
}

#[test]
fn wxcc_device_login_polls_until_approved() {
    let sb = Sandbox::start_temp(|_| {});
    let env = Workdir::new();
    env.secret(&sb.token);
    env.secret(CLIENT_SECRET);
    env.write("secret.txt", CLIENT_SECRET);
    let out = env.run(&[
        "login",
        "--profile",
        "dev",
        "--wxcc",
        "--api-url",
        &sb.url,
        "--webex-api",
        &sb.url,
        "--auth-url",
        &sb.url,
        "--device",
        "--client-id",
        CLIENT_ID,
        "--client-secret-file",
        "secret.txt",
    ]);
    no_secret_in_argv(&out, &[CLIENT_SECRET]);
    let creds = read_json(&env.config_dir().join("credentials.json"));
    for s in [
        creds["tokens"]["dev"].as_str(),
        creds["oauth"]["dev"]["refresh_token"].as_str(),
    ]
    .into_iter()
    .flatten()
    {
        env.secret(s);
        no_secret_in(&out, &[s]);
    }
    let out = out.expect(0);
    assert!(out.stderr.contains("/v1/device/verify"), "{out:?}");
    assert!(out.stderr.contains("enter the code"), "{out:?}");
    assert!(out.stderr.contains("device login"), "{out:?}");
    let profiles = read_json(&env.config_dir().join("profiles.json"));
    assert_eq!(profiles["profiles"]["dev"]["org"], org_of(&sb).as_str());
    assert_eq!(creds["oauth"]["dev"]["client_id"], CLIENT_ID);
    // The stored credentials carry a status through.
    let out = env
        .run(&["login", "--status", "--profile", "dev"])
        .expect(0);
    assert!(out.stdout.contains("refreshed with OAuth"), "{out:?}");
}

/// `bulk login --web` of profile `profile` against a sandbox at `url` playing both Webex and the
/// organisation, with the test client and `secret.txt`.
fn web_login<'a>(profile: &'a str, url: &'a str) -> [&'a str; 17] {
    [
        "login",
        "--profile",
        profile,
        "--wxcc",
        "--api-url",
        url,
        "--webex-api",
        url,
        "--auth-url",
        url,
        "--web",
        "--client-id",
        CLIENT_ID,
        "--client-secret-file",
        "secret.txt",
        "--redirect-port",
        "0",
    ]
}
