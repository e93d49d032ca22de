//! Access tokens for a Configuration API: where the token for a request comes from, and how a
//! refused or expiring one is replaced. The HTTP tenant asks a [`TokenSource`] before every
//! request and once more after a 401; it never stores or prints a token itself.

use std::fmt;

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
