//! The client side of Webex OAuth: the authorization server's endpoints, PKCE, and the token
//! endpoint's grants (authorization code, device code, refresh token). Nothing here prints; a
//! token appears only inside [`Secret`]s and in the form bodies sent to the token endpoint.

use super::Secret;
use base64::Engine as _;
use serde::Deserialize;
use std::time::Duration;

/// Where Webex's authorization server lives (also its API base).
pub const DEFAULT_AUTH_BASE: &str = "https://webexapis.com";

/// What `bulk` asks for: reading and writing the Contact Center configuration, and reading
/// who the token belongs to (`/v1/people/me`, which gives the organisation).
pub const DEFAULT_SCOPES: &str = "cjp:config_read cjp:config_write spark:people_read";

/// The device-code grant type of RFC 8628.
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The authorization server's endpoints under one base (Webex's paths).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// `BASE/v1/authorize`: the browser page of the authorization-code flow.
    pub authorize: String,
    /// `BASE/v1/device/authorize`: starts the device flow.
    pub device_authorize: String,
    /// `BASE/v1/device/token`: polled by the device flow.
    pub device_token: String,
    /// `BASE/v1/access_token`: exchanges a code, refreshes a token.
    pub token: String,
}

impl Endpoints {
    /// The endpoints under `base` (`https://webexapis.com` for Webex).
    pub fn at(base: &str) -> Self {
        let base = base.trim_end_matches('/');
        Endpoints {
            authorize: format!("{base}/v1/authorize"),
            device_authorize: format!("{base}/v1/device/authorize"),
            device_token: format!("{base}/v1/device/token"),
            token: format!("{base}/v1/access_token"),
        }
    }
}

/// An OAuth client: an integration's id and secret.
#[derive(Clone, Debug)]
pub struct OAuthClient {
    pub id: String,
    pub secret: Secret,
}

/// What the token endpoint granted. `Debug` shows no token.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub access: Secret,
    pub refresh: Option<Secret>,
    /// Seconds the access token lives, when the server said.
    pub expires_in: Option<u64>,
    pub scope: Option<String>,
}

impl Tokens {
    /// When the access token expires (Unix seconds), counted from now.
    pub fn expires_at(&self) -> Option<i64> {
        self.expires_in.map(|s| now_unix() + s as i64)
    }
}

/// The time now in Unix seconds.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[derive(Deserialize)]
struct TokenBody {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    scope: Option<String>,
}

/// RFC 6749's error body.
#[derive(Deserialize)]
struct ErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Why the token endpoint gave no token.
#[derive(Debug)]
pub enum TokenError {
    /// Device flow: the user has not approved yet.
    Pending,
    /// Device flow: polling too fast; wait 5 s more between polls.
    SlowDown,
    /// The server refused (`invalid_grant`, `invalid_client`, `expired_token`, …).
    Refused {
        error: String,
        description: Option<String>,
    },
    /// No usable answer (network, 5xx after retries, not JSON).
    Failed(String),
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenError::Pending => f.write_str("authorization pending"),
            TokenError::SlowDown => f.write_str("polling too fast (slow_down)"),
            TokenError::Refused { error, description } => match description {
                Some(d) => write!(f, "{error}: {d}"),
                None => f.write_str(error),
            },
            TokenError::Failed(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for TokenError {}

/// An HTTP client for the authorization server.
pub fn http() -> anyhow::Result<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// How often a request to the token endpoint is tried when the server fails (5xx, 429, a
/// connection error): the grants are safe to resend.
const ATTEMPTS: u32 = 4;

/// POSTs a token request and reads the answer. `basic` sends the client's credentials as
/// HTTP Basic (the device endpoint); otherwise they go in the form (Webex's `access_token`).
fn token_request(
    http: &reqwest::blocking::Client,
    url: &str,
    client: &OAuthClient,
    basic: bool,
    form: &[(&str, &str)],
) -> Result<Tokens, TokenError> {
    let mut form: Vec<(&str, &str)> = form.to_vec();
    form.push(("client_id", &client.id));
    if !basic {
        form.push(("client_secret", client.secret.expose()));
    }
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(300 * 2u64.pow(attempt - 1)));
        }
        let mut req = http
            .post(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form);
        if basic {
            req = req.basic_auth(&client.id, Some(client.secret.expose()));
        }
        let resp = match req.send() {
            Ok(r) => r,
            Err(e) => {
                // reqwest's error names the URL, never the form body.
                last = format!("cannot reach the token endpoint {url}: {e}");
                continue;
            }
        };
        let status = resp.status();
        let bytes = resp.bytes().unwrap_or_default();
        if status.is_success() {
            let body: TokenBody = serde_json::from_slice(&bytes).map_err(|_| {
                TokenError::Failed(format!(
                    "the token endpoint {url} answered {status} without a token in JSON"
                ))
            })?;
            return Ok(Tokens {
                access: Secret::new(body.access_token),
                refresh: body
                    .refresh_token
                    .filter(|r| !r.is_empty())
                    .map(Secret::new),
                expires_in: body.expires_in,
                scope: body.scope,
            });
        }
        if status.is_server_error() || status.as_u16() == 429 {
            last = format!("the token endpoint {url} answered {status}");
            continue;
        }
        return Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(e) if e.error == "authorization_pending" => TokenError::Pending,
            Ok(e) if e.error == "slow_down" => TokenError::SlowDown,
            Ok(e) => TokenError::Refused {
                error: e.error,
                description: e.error_description,
            },
            Err(_) => TokenError::Refused {
                error: format!("HTTP {status}"),
                description: None,
            },
        });
    }
    Err(TokenError::Failed(last))
}

/// The refresh-token grant at `token_url`.
pub fn refresh(
    http: &reqwest::blocking::Client,
    token_url: &str,
    client: &OAuthClient,
    refresh_token: &Secret,
) -> Result<Tokens, TokenError> {
    token_request(
        http,
        token_url,
        client,
        false,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
        ],
    )
}

/// The authorization-code grant with PKCE's verifier.
pub fn exchange_code(
    http: &reqwest::blocking::Client,
    token_url: &str,
    client: &OAuthClient,
    code: &Secret,
    verifier: &Secret,
    redirect_uri: &str,
) -> Result<Tokens, TokenError> {
    token_request(
        http,
        token_url,
        client,
        false,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", redirect_uri),
            ("code_verifier", verifier.expose()),
        ],
    )
}

/// What the device authorization endpoint answered.
#[derive(Debug, Clone)]
pub struct DeviceCode {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    /// Seconds between polls (5 when the server does not say).
    pub interval: u64,
}

#[derive(Deserialize)]
struct DeviceBody {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default)]
    verification_uri_complete: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    interval: Option<u64>,
}

/// Starts the device flow: asks `url` for a device code and a user code.
pub fn device_authorize(
    http: &reqwest::blocking::Client,
    url: &str,
    client_id: &str,
    scope: &str,
) -> anyhow::Result<DeviceCode> {
    let resp = http
        .post(url)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&[("client_id", client_id), ("scope", scope)])
        .send()
        .map_err(|e| anyhow::anyhow!("cannot reach the device endpoint {url}: {e}"))?;
    let status = resp.status();
    let bytes = resp.bytes().unwrap_or_default();
    if !status.is_success() {
        let why = serde_json::from_slice::<ErrorBody>(&bytes)
            .map(|e| match e.error_description {
                Some(d) => format!("{}: {d}", e.error),
                None => e.error,
            })
            .unwrap_or_else(|_| format!("HTTP {status}"));
        anyhow::bail!("the device endpoint {url} refused: {why}");
    }
    let b: DeviceBody = serde_json::from_slice(&bytes)
        .map_err(|e| anyhow::anyhow!("the device endpoint {url} answered no device code: {e}"))?;
    Ok(DeviceCode {
        device_code: Secret::new(b.device_code),
        user_code: b.user_code,
        verification_uri: b.verification_uri,
        verification_uri_complete: b.verification_uri_complete,
        expires_in: b.expires_in.unwrap_or(300),
        interval: b.interval.unwrap_or(5).max(1),
    })
}

/// One poll of the device flow's token endpoint.
pub fn device_token(
    http: &reqwest::blocking::Client,
    url: &str,
    client: &OAuthClient,
    device_code: &Secret,
) -> Result<Tokens, TokenError> {
    token_request(
        http,
        url,
        client,
        true,
        &[
            ("grant_type", DEVICE_GRANT),
            ("device_code", device_code.expose()),
        ],
    )
}

/// Polls `poll` every `interval` until it grants a token, the server refuses, or `expires_in`
/// has passed: `authorization_pending` polls again, `slow_down` adds 5 s to the interval
/// (RFC 8628 §3.5). `sleep` waits (a test passes one that only records).
pub fn poll_device(
    interval: Duration,
    expires_in: Duration,
    mut sleep: impl FnMut(Duration),
    mut poll: impl FnMut() -> Result<Tokens, TokenError>,
) -> anyhow::Result<Tokens> {
    let mut interval = interval;
    let mut waited = Duration::ZERO;
    loop {
        if waited >= expires_in {
            anyhow::bail!(
                "the device code expired after {} s without approval; run the login again",
                expires_in.as_secs()
            );
        }
        sleep(interval);
        waited += interval;
        match poll() {
            Ok(t) => return Ok(t),
            Err(TokenError::Pending) => {}
            Err(TokenError::SlowDown) => interval += Duration::from_secs(5),
            Err(TokenError::Refused { error, .. }) if error == "expired_token" => {
                anyhow::bail!("the device code expired before it was approved; run the login again")
            }
            Err(TokenError::Refused { error, .. }) if error == "access_denied" => {
                anyhow::bail!("the authorization was denied")
            }
            Err(e) => anyhow::bail!("the device login failed: {e}"),
        }
    }
}

/// A PKCE pair (RFC 7636, S256).
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        let verifier = random_urlsafe(32);
        let challenge = s256(&verifier);
        Pkce {
            verifier: Secret::new(verifier),
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

/// BASE64URL(SHA-256(verifier)) without padding: PKCE's S256 challenge.
pub fn s256(verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// `n` random bytes, base64url without padding.
pub fn random_urlsafe(n: usize) -> String {
    use rand::RngCore;
    let mut b = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_use_webex_paths() {
        let e = Endpoints::at("https://webexapis.com/");
        assert_eq!(e.authorize, "https://webexapis.com/v1/authorize");
        assert_eq!(e.token, "https://webexapis.com/v1/access_token");
        assert_eq!(
            e.device_authorize,
            "https://webexapis.com/v1/device/authorize"
        );
        assert_eq!(e.device_token, "https://webexapis.com/v1/device/token");
    }

    #[test]
    fn s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            s256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let p = Pkce::new();
        assert_eq!(p.challenge, s256(p.verifier.expose()));
        assert!(p.verifier.expose().len() >= 43);
    }

    fn granted() -> Tokens {
        Tokens {
            access: Secret::new("a"),
            refresh: None,
            expires_in: None,
            scope: None,
        }
    }

    #[test]
    fn device_polling_waits_honours_slow_down_and_expiry() {
        let mut answers = vec![
            Err(TokenError::Pending),
            Err(TokenError::SlowDown),
            Err(TokenError::Pending),
            Ok(granted()),
        ]
        .into_iter();
        let mut slept = Vec::new();
        let t = poll_device(
            Duration::from_secs(2),
            Duration::from_secs(60),
            |d| slept.push(d.as_secs()),
            || answers.next().unwrap(),
        )
        .unwrap();
        assert_eq!(t.access.expose(), "a");
        assert_eq!(slept, vec![2, 2, 7, 7], "slow_down adds 5 s from then on");

        let mut polls = 0;
        let err = poll_device(
            Duration::from_secs(5),
            Duration::from_secs(12),
            |_| {},
            || {
                polls += 1;
                Err(TokenError::Pending)
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("expired"), "{err}");
        assert_eq!(polls, 3, "no poll after expiry");

        let err = poll_device(
            Duration::from_secs(1),
            Duration::from_secs(60),
            |_| {},
            || {
                Err(TokenError::Refused {
                    error: "access_denied".into(),
                    description: None,
                })
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("denied"), "{err}");
    }
}
