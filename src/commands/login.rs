//! `bulk login`: profiles and credentials for a real service; `--status` shows the target and
//! who you are; `--logout` forgets a profile.
//!
//! The token never travels as a command-line value (it would land in shell history and `ps`):
//! it comes from stdin (`--token-stdin`), a hidden prompt on a terminal, or `BULK_TOKEN`
//! at run time. It is checked against `/v1/me` before anything is saved, and never printed.

use crate::api::client::{Client, RetryPolicy};
use crate::cli::LoginArgs;
use crate::config::{self, Credentials, Profile, Profiles};
use crate::context::{connect, RemoteSettings, Target};
use crate::error::{Exit, Failure};
use crate::output::Printer;
use anyhow::Context as _;
use std::io::Read;

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

fn login(args: LoginArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let name = profile_name(&args);
    if name == config::SANDBOX_PROFILE {
        return Err(Failure::usage(format!(
            "\"{name}\" is reserved for the local sandbox (`--profile {name}` always targets it); choose another profile name"
        ))
        .into());
    }
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
    let had_token = creds.tokens.remove(&name).is_some();
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
