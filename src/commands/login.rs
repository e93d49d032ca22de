//! `bulk login`: profiles and credentials for a real service or a Webex Contact Center
//! organisation (`--wxcc`); `--status` shows the target and who you are; `--logout` forgets a
//! profile.
//!
//! No token or client secret ever travels as a command-line value (it would land in shell
//! history and `ps`): a token comes from stdin (`--token-stdin`), a hidden prompt on a terminal,
//! a credentials file, an OAuth flow, or `BULK_TOKEN` at run time; a client secret from a file
//! or a prompt. A token is checked (`/v1/me`, or Webex's `/v1/people/me`) before anything is
//! saved, and never printed.

use crate::api::client::{Client, RetryPolicy};
use crate::auth::flows::{open_browser, WebFlow};
use crate::auth::oauth::{self, Endpoints, OAuthClient, Tokens};
use crate::auth::webex::{self, Me};
use crate::auth::{Secret, StaticToken, TokenSource};
use crate::cli::LoginArgs;
use crate::config::{self, Credentials, OAuthGrant, Profile, ProfileKind, Profiles};
use crate::context::{connect, RemoteSettings, Target};
use crate::error::{exit_for, Exit, Failure};
use crate::output::Printer;
use anyhow::Context as _;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How long `--web` waits for the browser's redirect.
const WEB_TIMEOUT: Duration = Duration::from_secs(300);

pub fn run(args: LoginArgs, printer: &Printer) -> anyhow::Result<Exit> {
    if args.status {
        return status(&args, printer);
    }
    if args.logout {
        return logout(&args, printer);
    }
    login(args, printer)
}

fn profile_name(args: &LoginArgs) -> String {
    args.profile
        .clone()
        .or_else(|| config::env(config::ENV_PROFILE))
        .unwrap_or_else(|| "default".to_string())
}

/// "the default is now X" / "the local sandbox is the default".
fn default_line(profiles: &Profiles) -> String {
    match &profiles.default {
        Some(d) => format!("the default is \"{d}\""),
        None => "the default is the local sandbox (no default profile)".to_string(),
    }
}

fn check_name(name: &str) -> anyhow::Result<()> {
    if name == config::SANDBOX_PROFILE {
        return Err(Failure::usage(format!(
            "\"{name}\" is reserved for the local sandbox (`--profile {name}` always targets it); choose another profile name"
        ))
        .into());
    }
    Ok(())
}

fn login(args: LoginArgs, printer: &Printer) -> anyhow::Result<Exit> {
    if args.wxcc {
        return login_wxcc(args, printer);
    }
    let name = profile_name(&args);
    check_name(&name)?;
    let mut profiles = Profiles::load()?;
    let existing = profiles.profiles.get(&name).cloned();
    let url = match (&args.url, &existing) {
        (Some(u), _) => u.trim().to_string(),
        (None, Some(p)) => p.url.clone(),
        (None, None) if printer.can_prompt() => printer
            .prompt_text("Service URL (https://...)")
            .context("cannot read the URL")?
            .trim()
            .to_string(),
        (None, None) => {
            return Err(Failure::usage(format!(
                "no URL for profile \"{name}\": pass --url URL (no terminal to ask on)"
            ))
            .into())
        }
    };
    config::check_url(&url).map_err(Failure::usage)?;
    let token = if args.token_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("cannot read the token from stdin")?;
        s.trim().to_string()
    } else if printer.can_prompt() {
        printer
            .prompt_secret(&format!("Token for {url}"))
            .context("cannot read the token")?
            .trim()
            .to_string()
    } else {
        return Err(Failure::usage(
            "no token: pass --token-stdin and send the token on stdin (no terminal to ask on)",
        )
        .into());
    };
    if token.is_empty() {
        return Err(Failure::usage("the token is empty").into());
    }
    let policy = RetryPolicy {
        max_retries: 2,
        ..RetryPolicy::default()
    };
    let client = Client::new(&url, &token, policy)?;
    let me = client.me().map_err(anyhow::Error::from)?;
    if let Some(org) = &args.org {
        if *org != me.org_id {
            return Err(Failure::new(
                Exit::Auth,
                format!(
                    "the token belongs to organisation {} ({}), not {org}",
                    me.org_id, me.org_name
                ),
            )
            .into());
        }
    }
    profiles.profiles.insert(
        name.clone(),
        Profile {
            url: url.clone(),
            org: Some(me.org_id.clone()),
            ..Profile::default_bulk()
        },
    );
    if profiles.default.is_none() || args.default {
        profiles.default = Some(name.clone());
    }
    let is_default = profiles.default.as_deref() == Some(name.as_str());
    let mut creds = Credentials::load()?;
    creds.tokens.insert(name.clone(), token);
    creds.save()?;
    profiles.save()?;
    if printer.json {
        printer.json_doc(&serde_json::json!({
            "profile": name,
            "url": url,
            "org_id": me.org_id,
            "org_name": me.org_name,
            "email": me.email,
            "default": is_default,
        }))?;
    } else {
        let default = if is_default {
            " (the default)".to_string()
        } else {
            format!(
                "; use it with --profile {name} ({}; --default makes it so)",
                default_line(&profiles)
            )
        };
        printer.info(format!(
            "logged in to {url} as {} of {} ({}); profile \"{name}\" saved{default}",
            me.email, me.org_name, me.org_id
        ));
    }
    Ok(Exit::Ok)
}

fn status(args: &LoginArgs, printer: &Printer) -> anyhow::Result<Exit> {
    // The profile `connect` would choose: named, else the default unless BULK_URL is set.
    let profiles = Profiles::load()?;
    let chosen = args
        .profile
        .clone()
        .or_else(|| config::env(config::ENV_PROFILE))
        .or_else(|| match config::env(config::ENV_URL) {
            Some(_) => None,
            None => profiles.default.clone(),
        })
        .filter(|n| n != config::SANDBOX_PROFILE);
    if let Some(name) = chosen {
        if let Some(p) = profiles.profiles.get(&name) {
            if p.kind == ProfileKind::Wxcc {
                return wxcc_status(&name, p, printer);
            }
        }
    }
    let ctx = connect(
        &RemoteSettings {
            profile: args.profile.clone(),
            max_retries: Some(2),
            ..Default::default()
        },
        printer,
    )?;
    let me = ctx.api.me().map_err(anyhow::Error::from)?;
    let token_source = ctx.token_source;
    if printer.json {
        printer.json_doc(&serde_json::json!({
            "target": ctx.target,
            "url": ctx.target.url(),
            "org_id": me.org_id,
            "org_name": me.org_name,
            "email": me.email,
            "token_source": token_source,
        }))?;
        return Ok(Exit::Ok);
    }
    let target = match &ctx.target {
        Target::Profile { name, .. } => format!("profile \"{name}\""),
        Target::Environment { .. } => "BULK_URL and BULK_TOKEN".to_string(),
        Target::Sandbox { data_dir, .. } => {
            format!(
                "local sandbox in {} (not a Webex tenant)",
                data_dir.display()
            )
        }
    };
    let text = format!(
        "target:  {target}\nurl:     {}\norg:     {} ({})\nuser:    {}\ntoken:   from the {token_source}\n",
        ctx.target.url(),
        me.org_name,
        me.org_id,
        me.email
    );
    printer.data(text.as_bytes())?;
    Ok(Exit::Ok)
}

fn logout(args: &LoginArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let mut profiles = Profiles::load()?;
    // Without --profile (or BULK_PROFILE): the default profile.
    let name = match args
        .profile
        .clone()
        .or_else(|| config::env(config::ENV_PROFILE))
    {
        Some(n) => n,
        None => profiles.default.clone().ok_or_else(|| {
            Failure::usage("no default profile to log out of; name one with --profile NAME")
        })?,
    };
    let mut creds = Credentials::load()?;
    let had_profile = profiles.profiles.remove(&name).is_some();
    let had_token = creds.tokens.remove(&name).is_some() | creds.oauth.remove(&name).is_some();
    if !had_profile && !had_token {
        return Err(Failure::usage(format!("no profile \"{name}\" to log out of")).into());
    }
    // Another profile is never promoted in silence: the sandbox becomes the default.
    if profiles.default.as_deref() == Some(name.as_str()) {
        profiles.default = None;
    }
    creds.save()?;
    profiles.save()?;
    if printer.json {
        printer.json_doc(&serde_json::json!({
            "profile": name,
            "logged_out": true,
            "default": profiles.default,
        }))?;
    } else {
        let next = match &profiles.default {
            Some(d) => format!("the default is still \"{d}\""),
            None if profiles.profiles.is_empty() => {
                "no profile left: the default is the local sandbox".to_string()
            }
            None => format!(
                "the default is now the local sandbox; `bulk login --profile {} --default` makes a profile the default",
                profiles.profiles.keys().next().expect("not empty")
            ),
        };
        printer.info(format!("forgot profile \"{name}\" and its token; {next}"));
    }
    Ok(Exit::Ok)
}

/// What a wxcc login obtained: the access token, and what refreshing it takes (if it can be).
struct Obtained {
    access: Secret,
    grant: Option<OAuthGrant>,
    how: &'static str,
}

fn login_wxcc(args: LoginArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let name = profile_name(&args);
    check_name(&name)?;
    let mut profiles = Profiles::load()?;
    let existing = profiles
        .profiles
        .get(&name)
        .filter(|p| p.kind == ProfileKind::Wxcc)
        .cloned();
    let (url, region) = match (&args.region, &args.api_url, &existing) {
        (Some(r), _, _) => (
            config::region_url(r).ok_or_else(|| {
                Failure::usage(format!(
                    "unknown region \"{r}\"; one of {}",
                    config::REGIONS.join(", ")
                ))
            })?,
            Some(r.clone()),
        ),
        (None, Some(u), _) => (u.trim().trim_end_matches('/').to_string(), None),
        (None, None, Some(p)) => (p.url.clone(), p.region.clone()),
        (None, None, None) => {
            return Err(Failure::usage(format!(
                "no Configuration API for profile \"{name}\": pass --region ({}) or --api-url URL",
                config::REGIONS.join(", ")
            ))
            .into())
        }
    };
    config::check_url(&url).map_err(|e| Failure::usage(format!("--api-url: {e}")))?;
    let webex_api = args
        .webex_api
        .clone()
        .or_else(|| existing.as_ref().and_then(|p| p.webex_api.clone()))
        .unwrap_or_else(|| config::DEFAULT_WEBEX_API.to_string())
        .trim_end_matches('/')
        .to_string();
    config::check_url(&webex_api).map_err(|e| Failure::usage(format!("--webex-api: {e}")))?;
    let auth_base = args
        .auth_url
        .clone()
        .unwrap_or_else(|| oauth::DEFAULT_AUTH_BASE.to_string());
    config::check_url(&auth_base).map_err(|e| Failure::usage(format!("--auth-url: {e}")))?;
    let endpoints = Endpoints::at(&auth_base);
    let wanted_org = match &args.org {
        Some(o) => Some(webex::org_uuid(o).ok_or_else(|| {
            Failure::usage(format!(
                "--org \"{o}\" is not an organisation id (a UUID, or Webex's base64 id)"
            ))
        })?),
        None => None,
    };

    let mut got = obtain(&args, &endpoints, printer)?;
    // An access token that expires within a minute is refreshed before it is sent.
    if let Some(grant) = got.grant.as_mut().filter(|g| {
        g.expires_at
            .is_some_and(|e| e - oauth::now_unix() <= crate::auth::REFRESH_MARGIN_SECS)
    }) {
        got.access = refresh_grant(grant)?.access;
    }
    // Who the token belongs to; a stored access token that expired is refreshed first.
    let me = match webex::people_me(&webex_api, &got.access) {
        Err(e) if exit_for(&e) == Exit::Auth && got.grant.is_some() => {
            let grant = got.grant.as_mut().expect("checked");
            let tokens = refresh_grant(grant)?;
            got.access = tokens.access;
            webex::people_me(&webex_api, &got.access)
        }
        r => r,
    };
    let me: Option<Me> = match (me, &wanted_org) {
        (Ok(me), _) => Some(me),
        (Err(e), Some(_)) if exit_for(&e) != Exit::Auth => {
            printer.warn(format!(
                "cannot check the token's organisation ({e:#}); saving the profile with --org as given"
            ));
            None
        }
        (Err(e), _) => {
            return Err(e.context("the token could not be checked with Webex's /v1/people/me"))
        }
    };
    let org = match (&me, wanted_org) {
        (Some(me), Some(want)) if me.org_id != want => {
            return Err(Failure::new(
                Exit::Auth,
                format!(
                    "the token belongs to organisation {} ({}), not {want}",
                    me.org_id, me.email
                ),
            )
            .into())
        }
        (_, Some(want)) => want,
        (Some(me), None) => me.org_id.clone(),
        (None, None) => unreachable!("an unchecked token without --org is an error above"),
    };
    let profile = Profile {
        url: url.clone(),
        org: Some(org.clone()),
        kind: ProfileKind::Wxcc,
        region: region.clone(),
        webex_api: (webex_api != config::DEFAULT_WEBEX_API).then(|| webex_api.clone()),
    };
    profiles.profiles.insert(name.clone(), profile.clone());
    if args.default {
        profiles.default = Some(name.clone());
    }
    let is_default = profiles.default.as_deref() == Some(name.as_str());
    let mut creds = Credentials::load()?;
    creds
        .tokens
        .insert(name.clone(), got.access.expose().to_string());
    let refreshable = got.grant.is_some();
    match got.grant {
        Some(g) => {
            creds.oauth.insert(name.clone(), g);
        }
        None => {
            creds.oauth.remove(&name);
        }
    }
    creds.save()?;
    profiles.save()?;
    let email = me.as_ref().map(|m| m.email.clone());
    if printer.json {
        printer.json_doc(&serde_json::json!({
            "profile": name,
            "kind": "wxcc",
            "url": url,
            "region": region,
            "org_id": org,
            "email": email,
            "default": is_default,
            "refreshable": refreshable,
            "login": got.how,
        }))?;
        return Ok(Exit::Ok);
    }
    let default = if is_default {
        " (the default)".to_string()
    } else {
        format!(
            "; it is not the default, since a Webex Contact Center profile never becomes the default by itself: use it with --profile {name}, or run `bulk login --profile {name} --default` ({})",
            default_line(&profiles)
        )
    };
    let refresh = if refreshable {
        "; the access token is refreshed with OAuth as it expires"
    } else {
        "; the token cannot be refreshed: log in again when it expires"
    };
    printer.info(format!(
        "logged in ({}) as {} to {}{refresh}; profile \"{name}\" saved{default}",
        got.how,
        email.as_deref().unwrap_or("an unchecked user"),
        profile
            .describe(&name, "credentials file")
            .trim_start_matches(&format!("profile {name} ")),
    ));
    Ok(Exit::Ok)
}

/// The token of a wxcc login, by the way the flags ask for.
fn obtain(args: &LoginArgs, endpoints: &Endpoints, printer: &Printer) -> anyhow::Result<Obtained> {
    if args.web {
        return web_login(args, endpoints, printer);
    }
    if args.device {
        return device_login(args, endpoints, printer);
    }
    if let Some(file) = &args.credentials_file {
        let (text, label) = if file.as_os_str() == "-" {
            (read_stdin("the credentials")?, "<stdin>".to_string())
        } else {
            (
                std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read {}", file.display()))?,
                file.display().to_string(),
            )
        };
        return parse_credentials(&text, &label, &endpoints.token);
    }
    let text = if args.token_stdin {
        read_stdin("the token")?
    } else if printer.can_prompt() {
        printer
            .prompt_secret("Webex access token")
            .context("cannot read the token")?
    } else {
        return Err(Failure::usage(
            "no token: pass --token-stdin and send the token on stdin, --credentials-file FILE, --web or --device (no terminal to ask on)",
        )
        .into());
    };
    let text = text.trim();
    if text.starts_with('{') {
        return parse_credentials(text, "<stdin>", &endpoints.token);
    }
    if text.is_empty() {
        return Err(Failure::usage("the token is empty").into());
    }
    Ok(Obtained {
        access: Secret::new(text),
        grant: None,
        how: "pasted token",
    })
}

fn read_stdin(what: &str) -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .with_context(|| format!("cannot read {what} from stdin"))?;
    Ok(s)
}

/// The JSON of `--credentials-file`. Messages name the file, line and column, never a value.
#[derive(serde::Deserialize)]
struct CredentialsJson {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
    #[serde(default)]
    expires_at: Option<serde_json::Value>,
    #[serde(default)]
    token_url: Option<String>,
}

fn parse_credentials(text: &str, label: &str, default_token_url: &str) -> anyhow::Result<Obtained> {
    let c: CredentialsJson = serde_json::from_str(text).map_err(|e| {
        let what = e.to_string();
        // serde's text may quote a value (a secret): only the field-name messages are kept.
        let why = match what.find("missing field") {
            Some(i) => what[i..]
                .split(" at line")
                .next()
                .unwrap_or("")
                .to_string(),
            None => "not the credentials JSON {access_token, refresh_token, client_id, client_secret, expires_in | expires_at, token_url}".to_string(),
        };
        Failure::usage(format!("{label}:{}:{}: {why}", e.line(), e.column()))
    })?;
    let field = |v: Option<String>, name: &str| -> anyhow::Result<String> {
        v.map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                Failure::usage(format!(
                    "{label}: \"{name}\" is missing or empty; a refreshable login needs access_token, refresh_token, client_id and client_secret"
                ))
                .into()
            })
    };
    if c.access_token.trim().is_empty() {
        return Err(Failure::usage(format!("{label}: \"access_token\" is empty")).into());
    }
    let expires_at = match (&c.expires_at, c.expires_in) {
        (Some(serde_json::Value::Number(n)), _) => n.as_i64(),
        (Some(serde_json::Value::String(s)), _) => Some(
            time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                .map_err(|_| {
                    Failure::usage(format!(
                        "{label}: \"expires_at\" must be Unix seconds or an RFC 3339 time, not \"{s}\""
                    ))
                })?
                .unix_timestamp(),
        ),
        (Some(_), _) => {
            return Err(Failure::usage(format!(
                "{label}: \"expires_at\" must be Unix seconds or an RFC 3339 time"
            ))
            .into())
        }
        (None, Some(secs)) => Some(oauth::now_unix() + secs),
        (None, None) => None,
    };
    let token_url = c
        .token_url
        .clone()
        .unwrap_or_else(|| default_token_url.to_string());
    config::check_url(&token_url)
        .map_err(|e| Failure::usage(format!("{label}: token_url: {e}")))?;
    let grant = OAuthGrant {
        refresh_token: field(c.refresh_token, "refresh_token")?,
        client_id: field(c.client_id, "client_id")?,
        client_secret: field(c.client_secret, "client_secret")?,
        expires_at,
        token_url,
    };
    Ok(Obtained {
        access: Secret::new(c.access_token.trim()),
        grant: Some(grant),
        how: "credentials file",
    })
}

/// The integration's client secret: `--client-secret-file`, else a prompt on a terminal.
fn client_secret(args: &LoginArgs, printer: &Printer) -> anyhow::Result<Secret> {
    let secret = if let Some(f) = &args.client_secret_file {
        std::fs::read_to_string(f)
            .with_context(|| format!("cannot read the client secret from {}", f.display()))?
    } else if printer.can_prompt() {
        printer
            .prompt_secret("Client secret of the integration")
            .context("cannot read the client secret")?
    } else {
        return Err(Failure::usage(
            "no client secret: pass --client-secret-file FILE (no terminal to ask on; a secret is never a command-line value)",
        )
        .into());
    };
    let secret = secret.trim();
    if secret.is_empty() {
        let from = args
            .client_secret_file
            .as_deref()
            .map(Path::display)
            .map(|d| format!(" in {d}"))
            .unwrap_or_default();
        return Err(Failure::usage(format!("the client secret{from} is empty")).into());
    }
    Ok(Secret::new(secret))
}

fn oauth_client(args: &LoginArgs, printer: &Printer) -> anyhow::Result<OAuthClient> {
    let id = args
        .client_id
        .clone()
        .filter(|c| !c.trim().is_empty())
        .ok_or_else(|| Failure::usage("--client-id ID is required for --web and --device"))?;
    Ok(OAuthClient {
        id,
        secret: client_secret(args, printer)?,
    })
}

fn granted(tokens: Tokens, client: &OAuthClient, token_url: &str, how: &'static str) -> Obtained {
    let expires_at = tokens.expires_at();
    Obtained {
        grant: tokens.refresh.map(|r| OAuthGrant {
            refresh_token: r.expose().to_string(),
            client_id: client.id.clone(),
            client_secret: client.secret.expose().to_string(),
            expires_at,
            token_url: token_url.to_string(),
        }),
        access: tokens.access,
        how,
    }
}

fn token_failure(what: &str, e: oauth::TokenError) -> anyhow::Error {
    match e {
        oauth::TokenError::Refused { .. } => {
            Failure::new(Exit::Auth, format!("{what} was refused: {e}")).into()
        }
        e => anyhow::anyhow!("{what} failed: {e}"),
    }
}

fn web_login(
    args: &LoginArgs,
    endpoints: &Endpoints,
    printer: &Printer,
) -> anyhow::Result<Obtained> {
    let client = oauth_client(args, printer)?;
    let flow = WebFlow::start(
        &endpoints.authorize,
        &client.id,
        &args.scope,
        args.redirect_port,
    )?;
    let (redirect_uri, verifier) = (flow.redirect_uri.clone(), flow.verifier.clone());
    printer.result(format!(
        "to log in, open this URL in a browser (waiting up to {} minutes for its redirect to {redirect_uri}):\n  {}",
        WEB_TIMEOUT.as_secs() / 60,
        flow.url
    ));
    match config::browser_command() {
        Some(b) => {
            if let Err(e) = open_browser(&b, &flow.url) {
                printer.info(format!("{e:#}; open the URL above yourself"));
            }
        }
        None => printer.info("no browser to open here; open the URL above yourself"),
    }
    let code = flow.wait(WEB_TIMEOUT)?;
    let http = oauth::http()?;
    let tokens = oauth::exchange_code(
        &http,
        &endpoints.token,
        &client,
        &code,
        &verifier,
        &redirect_uri,
    )
    .map_err(|e| token_failure("the authorization code exchange", e))?;
    Ok(granted(tokens, &client, &endpoints.token, "browser login"))
}

fn device_login(
    args: &LoginArgs,
    endpoints: &Endpoints,
    printer: &Printer,
) -> anyhow::Result<Obtained> {
    let client = oauth_client(args, printer)?;
    let http = oauth::http()?;
    let code =
        oauth::device_authorize(&http, &endpoints.device_authorize, &client.id, &args.scope)?;
    printer.result(format!(
        "to log in, open {} on any device and enter the code {}{} (waiting up to {} minutes)",
        code.verification_uri,
        code.user_code,
        code.verification_uri_complete
            .as_deref()
            .map(|u| format!(", or open {u}"))
            .unwrap_or_default(),
        code.expires_in.div_ceil(60)
    ));
    let tokens = oauth::poll_device(
        Duration::from_secs(code.interval),
        Duration::from_secs(code.expires_in),
        std::thread::sleep,
        || oauth::device_token(&http, &endpoints.device_token, &client, &code.device_code),
    )?;
    Ok(granted(tokens, &client, &endpoints.token, "device login"))
}

/// Refreshes a grant in place (a credentials file whose access token already expired).
fn refresh_grant(grant: &mut OAuthGrant) -> anyhow::Result<Tokens> {
    let client = OAuthClient {
        id: grant.client_id.clone(),
        secret: Secret::new(grant.client_secret.clone()),
    };
    let tokens = oauth::refresh(
        &oauth::http()?,
        &grant.token_url,
        &client,
        &Secret::new(grant.refresh_token.clone()),
    )
    .map_err(|e| token_failure("refreshing the access token", e))?;
    if let Some(r) = &tokens.refresh {
        grant.refresh_token = r.expose().to_string();
    }
    grant.expires_at = tokens.expires_at();
    Ok(tokens)
}

/// `login --status` of a wxcc profile: asks Webex who the token is (refreshing it once after a
/// 401), and shows kind, region, organisation and user, never a token.
fn wxcc_status(name: &str, profile: &Profile, printer: &Printer) -> anyhow::Result<Exit> {
    let source: Arc<dyn TokenSource> = match config::env(config::ENV_TOKEN) {
        Some(t) => Arc::new(StaticToken::new(Secret::new(t), "BULK_TOKEN")),
        None => crate::auth::source_for(name, profile)?,
    };
    printer.info(format!(
        "target: {}",
        profile.describe(name, source.describe())
    ));
    let token = source.access_token()?;
    let me = match webex::people_me(profile.webex_api(), &token) {
        Err(e) if exit_for(&e) == Exit::Auth => match source.refresh_after_401(&token)? {
            Some(t) => webex::people_me(profile.webex_api(), &t)?,
            None => return Err(e),
        },
        r => r?,
    };
    if profile.org.as_deref().is_some_and(|o| o != me.org_id) {
        printer.warn(format!(
            "the token belongs to organisation {}, but profile \"{name}\" names {}: log in again",
            me.org_id,
            profile.org.as_deref().unwrap_or("")
        ));
    }
    if printer.json {
        printer.json_doc(&serde_json::json!({
            "target": {"kind": "profile", "name": name, "url": profile.url},
            "kind": "wxcc",
            "url": profile.url,
            "region": profile.region,
            "org_id": profile.org,
            "token_org_id": me.org_id,
            "email": me.email,
            "token_source": source.describe(),
        }))?;
        return Ok(Exit::Ok);
    }
    let text = format!(
        "target:  profile \"{name}\" (Webex Contact Center)\nkind:    wxcc\nurl:     {}\nregion:  {}\norg:     {}\nuser:    {}\ntoken:   from the {}\n",
        profile.url,
        profile.region.as_deref().unwrap_or("- (--api-url)"),
        profile.org.as_deref().unwrap_or(&me.org_id),
        me.email,
        source.describe()
    );
    printer.data(text.as_bytes())?;
    Ok(Exit::Ok)
}
