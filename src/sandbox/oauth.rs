//! A fake Webex authorization server, and Webex's `GET /v1/people/me`, so that `bulk login`'s
//! OAuth flows run end to end against the sandbox (the sandbox serves the Webex API base too).
//!
//! | Method | Path | Answer |
//! |---|---|---|
//! | GET | `/v1/authorize` | approves at once as the first organisation's admin (or the user `login_hint` names): 302 to `redirect_uri` with `code` and `state`; PKCE (S256) is required |
//! | POST | `/v1/device/authorize` | `device_code`, `user_code`, `verification_uri`, `interval` (1 s); approved after [`DEVICE_PENDING_POLLS`] polls |
//! | POST | `/v1/access_token`, `/v1/device/token` | grants `authorization_code` (the PKCE verifier checked), the device code (`authorization_pending`, `slow_down` when polled faster than the interval, `expired_token`) and `refresh_token` |
//! | GET | `/v1/people/me` | the token's person, `orgId` base64 as Webex writes it |
//!
//! A client id is registered by its first token request (its secret remembered as a hash, a
//! different one later is `invalid_client`). Access tokens carry the scopes asked for: the
//! Configuration-API face answers 403 to a write without `cjp:config_write` (or `cjp:config`),
//! and 401 once a token has served [`crate::sandbox::Settings::token_lifetime_requests`]
//! requests or lived an hour. A refresh rotates the refresh token; the previous one stays good
//! until the new one is used (a lost answer can be retried). Tokens are kept as SHA-256 hashes.
//!
//! Written apart from the client (`crate::auth`): the PKCE check and the base64 of `orgId` are
//! this server's own, so a client that gets them wrong fails here.

use super::org::face::error_body;
use super::org::store::Problem;
use super::AppState;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use base64::Engine as _;
use rusqlite::{params, Connection, OptionalExtension};
use serde_json::{json, Value};
use std::collections::HashMap;

/// Polls of a device code answered `authorization_pending` before it is approved.
pub const DEVICE_PENDING_POLLS: i64 = 2;
/// The device flow's polling interval, in seconds.
pub const DEVICE_INTERVAL_SECS: i64 = 1;
/// Lifetime of an access token, in seconds (`expires_in`).
pub const ACCESS_TOKEN_SECS: i64 = 3600;
const REFRESH_TOKEN_SECS: i64 = 90 * 24 * 3600;
const CODE_SECS: i64 = 600;
const DEVICE_CODE_SECS: i64 = 300;
/// How this server's access tokens begin (the sandbox's own tokens never do).
const ACCESS_PREFIX: &str = "sbx_at_";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS oauth_clients(client_id TEXT PRIMARY KEY, secret_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_codes(code_hash TEXT PRIMARY KEY, client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL, challenge TEXT NOT NULL, org_id TEXT NOT NULL, email TEXT NOT NULL,
    scope TEXT NOT NULL, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_devices(device_hash TEXT PRIMARY KEY, user_code TEXT NOT NULL,
    client_id TEXT NOT NULL, scope TEXT NOT NULL, org_id TEXT NOT NULL, email TEXT NOT NULL,
    polls INTEGER NOT NULL DEFAULT 0, last_poll_ms INTEGER, expires_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS oauth_tokens(hash TEXT PRIMARY KEY, kind TEXT NOT NULL,
    client_id TEXT NOT NULL, org_id TEXT NOT NULL, email TEXT NOT NULL, scope TEXT NOT NULL,
    uses INTEGER NOT NULL DEFAULT 0, expires_ms INTEGER NOT NULL, parent TEXT);
";

pub(crate) fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/v1/authorize", get(authorize))
        .route("/v1/device/authorize", post(device_authorize))
        .route("/v1/device/token", post(token))
        .route("/v1/access_token", post(token))
        .route("/v1/people/me", get(people_me))
}

fn schema(c: &Connection) -> anyhow::Result<()> {
    c.execute_batch(SCHEMA)?;
    Ok(())
}

fn sha256_hex(s: &str) -> String {
    ring::digest::digest(&ring::digest::SHA256, s.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn random_token(prefix: &str) -> String {
    use rand::RngCore;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    format!("{prefix}{}", b64url(&b))
}

/// An RFC 6749 error answer.
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    oauth_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        &format!("internal error: {e}"),
    )
}

/// Runs `f` on the database with the OAuth tables in place.
async fn db<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&mut Connection) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Response> {
    state
        .db(move |c| {
            schema(c)?;
            f(c)
        })
        .await
        .map_err(|e| internal(e.message))
}

fn now_ms(state: &AppState) -> i64 {
    super::store::to_millis(state.now())
}

/// The user an authorization approves: the one `login_hint` names, else the first
/// organisation's admin. (org id, email).
fn approver(c: &Connection, hint: Option<&str>) -> anyhow::Result<Option<(String, String)>> {
    if let Some(h) = hint.filter(|h| !h.is_empty()) {
        return Ok(c
            .query_row(
                "SELECT org_id, email FROM users WHERE lower(email) = lower(?1) LIMIT 1",
                [h],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?);
    }
    Ok(super::store::admin(c)?.map(|(org, _, email, _)| (org, email)))
}

fn is_loopback_redirect(uri: &str) -> bool {
    let Ok(u) = url::Url::parse(uri) else {
        return false;
    };
    let loopback = match u.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    (u.scheme() == "http" && loopback) || u.scheme() == "https"
}

/// `GET /v1/authorize`: approves at once and redirects with a code.
async fn authorize(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| q.get(k).map(String::as_str).unwrap_or("");
    let bad = |d: &str| oauth_error(StatusCode::BAD_REQUEST, "invalid_request", d);
    if get("response_type") != "code" {
        return bad("response_type must be code");
    }
    if get("client_id").is_empty() {
        return bad("client_id is required");
    }
    let redirect_uri = get("redirect_uri").to_string();
    if !is_loopback_redirect(&redirect_uri) {
        return bad("redirect_uri must be https, or http to a loopback address");
    }
    if get("code_challenge").len() < 43 || get("code_challenge_method") != "S256" {
        return bad(
            "PKCE is required: code_challenge (43+ characters) with code_challenge_method=S256",
        );
    }
    let code = random_token("sbx_code_");
    let (client_id, challenge, scope) = (
        get("client_id").to_string(),
        get("code_challenge").to_string(),
        get("scope").to_string(),
    );
    let hint = q.get("login_hint").cloned();
    let expires = now_ms(&state) + CODE_SECS * 1000;
    let code_hash = sha256_hex(&code);
    let ru = redirect_uri.clone();
    let approved = db(&state, move |c| {
        let Some((org, email)) = approver(c, hint.as_deref())? else {
            return Ok(false);
        };
        c.execute(
            "INSERT INTO oauth_codes(code_hash, client_id, redirect_uri, challenge, org_id, email, scope, expires_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![code_hash, client_id, ru, challenge, org, email, scope, expires],
        )?;
        Ok(true)
    })
    .await;
    match approved {
        Err(r) => r,
        Ok(false) => bad("login_hint names no user of this sandbox"),
        Ok(true) => {
            let mut to = url::Url::parse(&redirect_uri).expect("checked above");
            to.query_pairs_mut().append_pair("code", &code);
            if let Some(s) = q.get("state") {
                to.query_pairs_mut().append_pair("state", s);
            }
            (StatusCode::FOUND, [(header::LOCATION, to.to_string())], "").into_response()
        }
    }
}

fn form(body: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

/// `POST /v1/device/authorize`.
async fn device_authorize(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: bytes::Bytes,
) -> Response {
    let f = form(&body);
    let client_id = f.get("client_id").cloned().unwrap_or_default();
    if client_id.is_empty() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "client_id is required",
        );
    }
    let scope = f.get("scope").cloned().unwrap_or_default();
    let device_code = random_token("sbx_device_");
    let user_code = {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let letters: String = (0..8)
            .map(|_| (b'A' + rng.gen_range(0..26u8)) as char)
            .collect();
        format!("{}-{}", &letters[..4], &letters[4..])
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_string();
    let expires = now_ms(&state) + DEVICE_CODE_SECS * 1000;
    let hash = sha256_hex(&device_code);
    let uc = user_code.clone();
    let r = db(&state, move |c| {
        let Some((org, email)) = approver(c, None)? else {
            anyhow::bail!("the sandbox has no organisation");
        };
        c.execute(
            "INSERT INTO oauth_devices(device_hash, user_code, client_id, scope, org_id, email, expires_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![hash, uc, client_id, scope, org, email, expires],
        )?;
        Ok(())
    })
    .await;
    if let Err(r) = r {
        return r;
    }
    let verify = format!("http://{host}/v1/device/verify");
    Json(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": verify,
        "verification_uri_complete": format!("{verify}?userCode={user_code}"),
        "expires_in": DEVICE_CODE_SECS,
        "interval": DEVICE_INTERVAL_SECS,
    }))
    .into_response()
}

/// The client's id and secret: HTTP Basic, or the form's `client_id` and `client_secret`.
fn client_credentials(
    headers: &HeaderMap,
    f: &HashMap<String, String>,
) -> Option<(String, String)> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| {
            s.split_once(':')
                .map(|(a, b)| (a.to_string(), b.to_string()))
        });
    let pair =
        basic.or_else(|| Some((f.get("client_id")?.clone(), f.get("client_secret")?.clone())))?;
    (!pair.0.is_empty() && !pair.1.is_empty()).then_some(pair)
}

/// What a grant resolved to: tokens to issue, or an error answer.
enum Grant {
    Issue {
        org: String,
        email: String,
        scope: String,
        parent: Option<String>,
    },
    Error(StatusCode, &'static str, String),
}

/// `POST /v1/access_token` and `POST /v1/device/token`.
async fn token(State(state): State<AppState>, headers: HeaderMap, body: bytes::Bytes) -> Response {
    let f = form(&body);
    let Some((client_id, secret)) = client_credentials(&headers, &f) else {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "client authentication failed: send client_id and client_secret",
        );
    };
    let now = now_ms(&state);
    let grant_type = f.get("grant_type").cloned().unwrap_or_default();
    let result = db(&state, move |c| {
        let tx = c.transaction()?;
        let secret_hash = sha256_hex(&secret);
        let known: Option<String> = tx
            .query_row(
                "SELECT secret_hash FROM oauth_clients WHERE client_id = ?1",
                [&client_id],
                |r| r.get(0),
            )
            .optional()?;
        match known {
            Some(h) if h != secret_hash => {
                return Ok(Err((
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "client authentication failed: wrong client_secret".to_string(),
                )))
            }
            Some(_) => {}
            None => {
                tx.execute(
                    "INSERT INTO oauth_clients(client_id, secret_hash) VALUES (?1, ?2)",
                    params![client_id, secret_hash],
                )?;
            }
        }
        let g = grant(&tx, &grant_type, &client_id, &f, now)?;
        let out = match g {
            Grant::Issue {
                org,
                email,
                scope,
                parent,
            } => {
                let access = random_token(ACCESS_PREFIX);
                let refresh = random_token("sbx_rt_");
                tx.execute(
                    "INSERT INTO oauth_tokens(hash, kind, client_id, org_id, email, scope, expires_ms)
                     VALUES (?1, 'access', ?2, ?3, ?4, ?5, ?6)",
                    params![sha256_hex(&access), client_id, org, email, scope, now + ACCESS_TOKEN_SECS * 1000],
                )?;
                tx.execute(
                    "INSERT INTO oauth_tokens(hash, kind, client_id, org_id, email, scope, expires_ms, parent)
                     VALUES (?1, 'refresh', ?2, ?3, ?4, ?5, ?6, ?7)",
                    params![sha256_hex(&refresh), client_id, org, email, scope, now + REFRESH_TOKEN_SECS * 1000, parent],
                )?;
                Ok(json!({
                    "access_token": access,
                    "expires_in": ACCESS_TOKEN_SECS,
                    "refresh_token": refresh,
                    "refresh_token_expires_in": REFRESH_TOKEN_SECS,
                    "token_type": "Bearer",
                    "scope": scope,
                }))
            }
            Grant::Error(s, e, d) => Err((s, e, d)),
        };
        tx.commit()?;
        Ok(out)
    })
    .await;
    match result {
        Err(r) => r,
        Ok(Ok(v)) => Json(v).into_response(),
        Ok(Err((s, e, d))) => oauth_error(s, e, &d),
    }
}

fn invalid_grant(d: impl Into<String>) -> Grant {
    Grant::Error(StatusCode::BAD_REQUEST, "invalid_grant", d.into())
}

/// A device code's row: client, scope, organisation, email, polls, last poll, expiry.
type DeviceRow = (String, String, String, String, i64, Option<i64>, i64);

fn grant(
    tx: &rusqlite::Transaction,
    grant_type: &str,
    client_id: &str,
    f: &HashMap<String, String>,
    now: i64,
) -> anyhow::Result<Grant> {
    let get = |k: &str| f.get(k).map(String::as_str).unwrap_or("");
    match grant_type {
        "authorization_code" => {
            let hash = sha256_hex(get("code"));
            let row: Option<(String, String, String, String, String, String, i64)> = tx
                .query_row(
                    "SELECT client_id, redirect_uri, challenge, org_id, email, scope, expires_ms
                     FROM oauth_codes WHERE code_hash = ?1",
                    [&hash],
                    |r| r.try_into(),
                )
                .optional()?;
            // A code is good once, whatever happens next.
            tx.execute("DELETE FROM oauth_codes WHERE code_hash = ?1", [&hash])?;
            let Some((cid, redirect, challenge, org, email, scope, expires)) = row else {
                return Ok(invalid_grant("unknown or already used authorization code"));
            };
            if cid != client_id {
                return Ok(invalid_grant("the code was issued to another client"));
            }
            if expires < now {
                return Ok(invalid_grant("the authorization code expired"));
            }
            if get("redirect_uri") != redirect {
                return Ok(invalid_grant(
                    "redirect_uri differs from the authorization request's",
                ));
            }
            let verifier = get("code_verifier");
            let digest = ring::digest::digest(&ring::digest::SHA256, verifier.as_bytes());
            if verifier.len() < 43 || b64url(digest.as_ref()) != challenge {
                return Ok(invalid_grant(
                    "PKCE verification failed: code_verifier does not match code_challenge",
                ));
            }
            Ok(Grant::Issue {
                org,
                email,
                scope,
                parent: None,
            })
        }
        DEVICE_GRANT => {
            let hash = sha256_hex(get("device_code"));
            let row: Option<DeviceRow> = tx
                .query_row(
                    "SELECT client_id, scope, org_id, email, polls, last_poll_ms, expires_ms
                     FROM oauth_devices WHERE device_hash = ?1",
                    [&hash],
                    |r| r.try_into(),
                )
                .optional()?;
            let Some((cid, scope, org, email, polls, last, expires)) = row else {
                return Ok(invalid_grant("unknown device code"));
            };
            if cid != client_id {
                return Ok(invalid_grant(
                    "the device code was issued to another client",
                ));
            }
            if expires < now {
                tx.execute("DELETE FROM oauth_devices WHERE device_hash = ?1", [&hash])?;
                return Ok(Grant::Error(
                    StatusCode::BAD_REQUEST,
                    "expired_token",
                    "the device code expired".into(),
                ));
            }
            tx.execute(
                "UPDATE oauth_devices SET polls = polls + 1, last_poll_ms = ?2 WHERE device_hash = ?1",
                params![hash, now],
            )?;
            // A fifth of the interval is slack for timers.
            if last.is_some_and(|l| now - l < DEVICE_INTERVAL_SECS * 800) {
                return Ok(Grant::Error(
                    StatusCode::BAD_REQUEST,
                    "slow_down",
                    "polling faster than the interval".into(),
                ));
            }
            if polls < DEVICE_PENDING_POLLS {
                return Ok(Grant::Error(
                    StatusCode::BAD_REQUEST,
                    "authorization_pending",
                    "the user has not approved yet".into(),
                ));
            }
            tx.execute("DELETE FROM oauth_devices WHERE device_hash = ?1", [&hash])?;
            Ok(Grant::Issue {
                org,
                email,
                scope,
                parent: None,
            })
        }
        "refresh_token" => {
            let hash = sha256_hex(get("refresh_token"));
            let row: Option<(String, String, String, String, i64, Option<String>)> = tx
                .query_row(
                    "SELECT client_id, org_id, email, scope, expires_ms, parent
                     FROM oauth_tokens WHERE hash = ?1 AND kind = 'refresh'",
                    [&hash],
                    |r| {
                        Ok((
                            r.get(0)?,
                            r.get(1)?,
                            r.get(2)?,
                            r.get(3)?,
                            r.get(4)?,
                            r.get(5)?,
                        ))
                    },
                )
                .optional()?;
            let Some((cid, org, email, scope, expires, parent)) = row else {
                return Ok(invalid_grant("unknown or revoked refresh token"));
            };
            if cid != client_id {
                return Ok(invalid_grant(
                    "the refresh token was issued to another client",
                ));
            }
            if expires < now {
                return Ok(invalid_grant("the refresh token expired"));
            }
            // Using this token retires the one it replaced.
            if let Some(p) = parent {
                tx.execute("DELETE FROM oauth_tokens WHERE hash = ?1", [&p])?;
            }
            Ok(Grant::Issue {
                org,
                email,
                scope,
                parent: Some(hash),
            })
        }
        "" => Ok(Grant::Error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "grant_type is required".into(),
        )),
        other => Ok(Grant::Error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            format!("grant_type {other} is not supported"),
        )),
    }
}

/// Who an access token of this server is.
pub(crate) struct OAuthPrincipal {
    pub org_id: String,
    pub email: String,
}

/// Authenticates an access token of this server for one request, counting it against
/// `token_lifetime_requests`: `Ok(None)` when the token is not one of ours, a 401 when it expired.
pub(crate) async fn authenticate(
    state: &AppState,
    token: String,
) -> Result<Option<OAuthPrincipal>, Problem> {
    let lifetime = state.settings().token_lifetime_requests;
    let now = now_ms(state);
    state
        .db(move |c| {
            schema(c)?;
            let hash = sha256_hex(&token);
            let row: Option<(String, String, i64, i64)> = c
                .query_row(
                    "SELECT org_id, email, uses, expires_ms FROM oauth_tokens WHERE hash = ?1 AND kind = 'access'",
                    [&hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .optional()?;
            let Some((org_id, email, uses, expires)) = row else {
                return Ok(Ok(None));
            };
            if expires < now || lifetime.is_some_and(|n| uses as u64 >= n) {
                return Ok(Err(Problem::new(401, "the access token has expired; refresh it")));
            }
            c.execute("UPDATE oauth_tokens SET uses = uses + 1 WHERE hash = ?1", [&hash])?;
            Ok(Ok(Some(OAuthPrincipal { org_id, email })))
        })
        .await
        .map_err(|e| Problem::new(500, e.message))?
}

/// The face's token check for a token the sandbox's users table does not know: an access token
/// of this server, or 401.
pub(crate) async fn face_org(state: &AppState, token: String) -> Result<String, Problem> {
    authenticate(state, token)
        .await?
        .map(|p| p.org_id)
        .ok_or_else(|| Problem::new(401, "the bearer token is not valid"))
}

/// The scopes a Configuration-API request needs: a write (anything but GET and HEAD) needs
/// `cjp:config_write`, a read `cjp:config_read` or `cjp:config_write`; `cjp:config` covers
/// both. Tokens other than this server's (the sandbox's own) are not checked. 403 otherwise.
pub(crate) async fn check_scope(
    state: &AppState,
    headers: &HeaderMap,
    method: &Method,
) -> Result<(), Problem> {
    // The sandbox's own tokens (and its engine's requests) are not looked up at all.
    let Some(token) = bearer(headers).filter(|t| t.starts_with(ACCESS_PREFIX)) else {
        return Ok(());
    };
    let scope: Option<String> = state
        .db(move |c| {
            schema(c)?;
            Ok(c.query_row(
                "SELECT scope FROM oauth_tokens WHERE hash = ?1 AND kind = 'access'",
                [sha256_hex(&token)],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
        .map_err(|e| Problem::new(500, e.message))?;
    let Some(scope) = scope else {
        return Ok(());
    };
    let has = |s: &str| {
        scope
            .split_whitespace()
            .any(|x| x == s || x == "cjp:config")
    };
    let write = !(method == Method::GET || method == Method::HEAD);
    if write && !has("cjp:config_write") {
        return Err(Problem::new(
            403,
            "the access token lacks the scope cjp:config_write that writes need (and the user a Contact Center administrator role)",
        ));
    }
    if !write && !has("cjp:config_read") && !has("cjp:config_write") {
        return Err(Problem::new(
            403,
            "the access token lacks the scope cjp:config_read that reads need (and the user a Contact Center administrator role)",
        ));
    }
    Ok(())
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
}

/// Webex's error body (`message`, `errors`, `trackingId`).
fn webex_error(status: StatusCode, message: &str) -> Response {
    let body: Value = json!({
        "message": message,
        "errors": [{ "description": message }],
        "trackingId": error_body(status.as_u16(), message).tracking_id,
    });
    (status, Json(body)).into_response()
}

/// `GET /v1/people/me`: the person of the sandbox's admin token or of an access token.
async fn people_me(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(token) = bearer(&headers) else {
        return webex_error(
            StatusCode::UNAUTHORIZED,
            "The request requires a valid access token set in the Authorization request header.",
        );
    };
    let t = token.clone();
    let admin = match state.db(move |c| super::store::authenticate(c, &t)).await {
        Ok(p) => p.map(|p| (p.org_id, p.email)),
        Err(e) => return internal(e.message),
    };
    let who = match admin {
        Some(w) => Some(w),
        None => match authenticate(&state, token).await {
            Ok(p) => p.map(|p| (p.org_id, p.email)),
            Err(p) => {
                return webex_error(
                    StatusCode::from_u16(p.status).unwrap_or(StatusCode::UNAUTHORIZED),
                    &p.description,
                )
            }
        },
    };
    let Some((org, email)) = who else {
        return webex_error(
            StatusCode::UNAUTHORIZED,
            "The request requires a valid access token set in the Authorization request header.",
        );
    };
    let digest = ring::digest::digest(&ring::digest::SHA256, email.to_lowercase().as_bytes());
    let person = uuid::Uuid::from_slice(&digest.as_ref()[..16]).expect("16 bytes");
    let std64 = |s: String| base64::engine::general_purpose::STANDARD.encode(s);
    let name = email.split('@').next().unwrap_or("").to_string();
    Json(json!({
        "id": std64(format!("ciscospark://us/PEOPLE/{person}")),
        "emails": [email],
        "displayName": name,
        "orgId": std64(format!("ciscospark://us/ORGANIZATION/{org}")),
        "type": "person",
    }))
    .into_response()
}
