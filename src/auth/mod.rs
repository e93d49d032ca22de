//! Access tokens for a Configuration API: where the token for a request comes from, and how a
//! refused or expiring one is replaced. The HTTP tenant asks a [`TokenSource`] before every
//! request and once more after a 401; it never stores or prints a token itself.

pub mod flows;
pub mod oauth;
pub mod webex;

use crate::config::{self, Credentials, OAuthGrant, Profile};
use crate::error::{Exit, Failure};
use oauth::{OAuthClient, TokenError, Tokens};
use std::fmt;
use std::sync::{Arc, Mutex};

/// A bearer token. `Debug` and `Display` print a placeholder, so that a token in a struct that
/// ends up in an error or a log line is never spelled out.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The token itself, for an `Authorization` header and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("…")
    }
}

/// Where the access token of a profile comes from.
pub trait TokenSource: Send + Sync {
    /// The token to send now; a source that can refresh does so first when the token expires
    /// within a minute.
    fn access_token(&self) -> anyhow::Result<Secret>;

    /// Called once after a 401 answered a request made with `refused`. `Ok(Some(new))` when a
    /// new token was obtained (and stored), `Ok(None)` when this source cannot refresh; the
    /// caller then reports the 401 (exit 6).
    fn refresh_after_401(&self, refused: &Secret) -> anyhow::Result<Option<Secret>>;

    /// Where the token came from, for the target line ("credentials file", "BULK_TOKEN", …).
    fn describe(&self) -> &'static str;
}

/// A token that cannot be refreshed: the sandbox's, `BULK_TOKEN`, a pasted personal token.
pub struct StaticToken {
    token: Secret,
    from: &'static str,
}

impl StaticToken {
    pub fn new(token: Secret, from: &'static str) -> Self {
        StaticToken { token, from }
    }
}

impl TokenSource for StaticToken {
    fn access_token(&self) -> anyhow::Result<Secret> {
        Ok(self.token.clone())
    }

    fn refresh_after_401(&self, _refused: &Secret) -> anyhow::Result<Option<Secret>> {
        Ok(None)
    }

    fn describe(&self) -> &'static str {
        self.from
    }
}

/// The token source of the stored profile `profile_name`: a [`RefreshingToken`] when its
/// credentials hold a refresh token, else the stored access token as a [`StaticToken`]. A
/// profile without a stored token is exit 6 naming the login to run. (`BULK_TOKEN` is the
/// caller's business: it replaces the stored token before this is asked.)
pub fn source_for(profile_name: &str, profile: &Profile) -> anyhow::Result<Arc<dyn TokenSource>> {
    let creds = Credentials::load()?;
    let Some(access) = creds.tokens.get(profile_name) else {
        let how = match profile.kind {
            config::ProfileKind::Wxcc => format!("bulk login --profile {profile_name} --wxcc …"),
            config::ProfileKind::Bulk => format!("bulk login --profile {profile_name}"),
        };
        return Err(Failure::new(
            Exit::Auth,
            format!("profile \"{profile_name}\" has no token; run `{how}` or set BULK_TOKEN"),
        )
        .into());
    };
    Ok(match creds.oauth.get(profile_name) {
        Some(grant) => Arc::new(RefreshingToken::new(
            profile_name,
            Secret::new(access.clone()),
            grant.clone(),
        )?),
        None => Arc::new(StaticToken::new(
            Secret::new(access.clone()),
            "credentials file",
        )),
    })
}

/// Refresh this long before the access token expires.
pub const REFRESH_MARGIN_SECS: i64 = 60;

/// An access token with a refresh token: refreshed a minute before it expires and once after a
/// 401, the new pair stored in the credentials file (0600, atomically) at once, so that another
/// `bulk` process (and the next run) uses it.
pub struct RefreshingToken {
    profile: String,
    client: OAuthClient,
    token_url: String,
    http: reqwest::blocking::Client,
    current: Mutex<Current>,
}

struct Current {
    access: Secret,
    refresh: Secret,
    expires_at: Option<i64>,
}

impl RefreshingToken {
    pub fn new(profile: &str, access: Secret, grant: OAuthGrant) -> anyhow::Result<Self> {
        Ok(RefreshingToken {
            profile: profile.to_string(),
            client: OAuthClient {
                id: grant.client_id,
                secret: Secret::new(grant.client_secret),
            },
            token_url: grant.token_url,
            http: oauth::http()?,
            current: Mutex::new(Current {
                access,
                refresh: Secret::new(grant.refresh_token),
                expires_at: grant.expires_at,
            }),
        })
    }

    /// Gets a new pair, unless another process stored a newer access token meanwhile (then
    /// that one is taken), and stores it.
    fn refresh(&self, cur: &mut Current) -> anyhow::Result<()> {
        if let Ok(creds) = Credentials::load() {
            if let (Some(a), Some(g)) = (
                creds.tokens.get(&self.profile),
                creds.oauth.get(&self.profile),
            ) {
                let fresh = g
                    .expires_at
                    .is_none_or(|e| e - oauth::now_unix() > REFRESH_MARGIN_SECS);
                if *a != cur.access.expose() && fresh {
                    cur.access = Secret::new(a.clone());
                    cur.refresh = Secret::new(g.refresh_token.clone());
                    cur.expires_at = g.expires_at;
                    return Ok(());
                }
            }
        }
        let tokens: Tokens = oauth::refresh(&self.http, &self.token_url, &self.client, &cur.refresh)
            .map_err(|e| match e {
                TokenError::Refused { .. } => anyhow::Error::new(Failure::new(
                    Exit::Auth,
                    format!(
                        "the access token of profile \"{}\" could not be refreshed ({e}); log in again: bulk login --profile {} --wxcc …",
                        self.profile, self.profile
                    ),
                )),
                e => anyhow::anyhow!("cannot refresh the access token of profile \"{}\": {e}", self.profile),
            })?;
        cur.expires_at = tokens.expires_at();
        cur.access = tokens.access;
        if let Some(r) = tokens.refresh {
            cur.refresh = r;
        }
        self.store(cur)
    }

    fn store(&self, cur: &Current) -> anyhow::Result<()> {
        let mut creds = Credentials::load()?;
        creds
            .tokens
            .insert(self.profile.clone(), cur.access.expose().to_string());
        creds.oauth.insert(
            self.profile.clone(),
            OAuthGrant {
                refresh_token: cur.refresh.expose().to_string(),
                client_id: self.client.id.clone(),
                client_secret: self.client.secret.expose().to_string(),
                expires_at: cur.expires_at,
                token_url: self.token_url.clone(),
            },
        );
        creds.save()
    }
}

impl TokenSource for RefreshingToken {
    fn access_token(&self) -> anyhow::Result<Secret> {
        let mut cur = self.current.lock().expect("token lock");
        if cur
            .expires_at
            .is_some_and(|e| e - oauth::now_unix() <= REFRESH_MARGIN_SECS)
        {
            self.refresh(&mut cur)?;
        }
        Ok(cur.access.clone())
    }

    fn refresh_after_401(&self, refused: &Secret) -> anyhow::Result<Option<Secret>> {
        let mut cur = self.current.lock().expect("token lock");
        // Another thread refreshed since that request was sent: use its token.
        if cur.access != *refused {
            return Ok(Some(cur.access.clone()));
        }
        self.refresh(&mut cur)?;
        Ok(Some(cur.access.clone()))
    }

    fn describe(&self) -> &'static str {
        "credentials file, refreshed with OAuth"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_never_prints_itself() {
        let s = Secret::new("abc.def-123");
        assert!(!format!("{s} {s:?}").contains("abc"));
        assert_eq!(s.expose(), "abc.def-123");
    }
}
