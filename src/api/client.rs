//! The HTTP client of the bulk-operations API: typed calls, bounded retries with backoff and
//! jitter (connection errors, 429 with Retry-After, 5xx), one error type. It never prints.

use super::wire::{
    ErrorBody, ErrorCode, ExportRequest, ImportQuery, Job, JobList, JobListQuery, Limits, Me,
    IDEMPOTENCY_KEY_HEADER,
};
use rand::Rng;
use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use reqwest::StatusCode;
use std::time::Duration;

/// How hard to try.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries after the first attempt of one request.
    pub max_retries: u32,
    /// First back-off; doubled each retry, with jitter, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 8,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
        }
    }
}

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The service answered with its error body.
    #[error("{message} (HTTP {status}, {code})")]
    Service {
        status: u16,
        code: String,
        message: String,
        details: serde_json::Value,
    },
    /// The token was refused.
    #[error("the service refused the credentials: {message}; run `bulk login` or set BULK_TOKEN")]
    Unauthorized { message: String },
    /// No answer after every retry.
    #[error("cannot reach {url} after {attempts} attempts: {reason}")]
    Unreachable {
        url: String,
        attempts: u32,
        reason: String,
    },
    #[error("the service's answer could not be read: {0}")]
    Decode(String),
    /// The token cannot be sent at all (a control character, a line break): found before any
    /// request, never as "cannot reach" after retries.
    #[error("the token contains invalid characters (a control character or line break, often pasted with it); copy it again, then run `bulk login` or set BULK_TOKEN")]
    InvalidToken,
}

impl ApiError {
    /// The service's error code (`job_active`, `no_error_file`, ...), if it answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the service answered with this error code.
    pub fn is(&self, code: crate::api::wire::ErrorCode) -> bool {
        self.code() == Some(code.as_str())
    }

    pub fn details(&self) -> Option<&serde_json::Value> {
        match self {
            ApiError::Service { details, .. } => Some(details),
            _ => None,
        }
    }
}

/// A downloaded file.
#[derive(Debug, Clone)]
pub struct Download {
    pub bytes: Vec<u8>,
    pub content_type: String,
    /// From Content-Disposition, if given.
    pub file_name: Option<String>,
}

/// Talks to one service as one user.
#[derive(Clone)]
pub struct Client {
    http: Http,
    base: String,
    token: String,
    policy: RetryPolicy,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret: never in Debug output.
        f.debug_struct("Client").field("base", &self.base).finish()
    }
}

impl Client {
    pub fn new(base: &str, token: &str, policy: RetryPolicy) -> Result<Self, ApiError> {
        if reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")).is_err() {
            return Err(ApiError::InvalidToken);
        }
        let http = Http::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(120))
            .user_agent(concat!("bulk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Decode(e.to_string()))?;
        Ok(Client {
            http,
            base: base.trim_end_matches('/').to_string(),
            token: token.to_string(),
            policy,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends a request built by `make`, retrying what is worth retrying.
    fn send(&self, make: impl Fn(&Http) -> RequestBuilder) -> Result<Response, ApiError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let result = make(&self.http).bearer_auth(&self.token).send();
            let retry_after = match &result {
                Ok(r) if r.status() == StatusCode::TOO_MANY_REQUESTS => Some(
                    r.headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs)
                        .unwrap_or(Duration::from_secs(1)),
                ),
                Ok(r) if r.status().is_server_error() => None,
                Ok(r) if r.status() == StatusCode::UNAUTHORIZED => {
                    let body = read_error(result.expect("matched Ok"));
                    return Err(ApiError::Unauthorized {
                        message: match body {
                            ApiError::Service { message, .. } => message,
                            other => other.to_string(),
                        },
                    });
                }
                Ok(r) if r.status().is_success() => return Ok(result.expect("matched Ok")),
                Ok(_) => return Err(read_error(result.expect("matched Ok"))),
                Err(_) => None,
            };
            let reason = match &result {
                Ok(r) => format!("HTTP {}", r.status()),
                Err(e) => describe(e),
            };
            if attempt > self.policy.max_retries {
                return match result {
                    Ok(r) => Err(read_error(r)),
                    Err(_) => Err(ApiError::Unreachable {
                        url: self.base.clone(),
                        attempts: attempt,
                        reason,
                    }),
                };
            }
            let backoff = self
                .policy
                .base_delay
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(self.policy.max_delay);
            let jitter = rand::thread_rng().gen_range(0.5..1.0);
            let delay = retry_after.unwrap_or(backoff.mul_f64(jitter));
            std::thread::sleep(delay);
        }
    }

    fn json<T: serde::de::DeserializeOwned>(r: Response) -> Result<T, ApiError> {
        r.json().map_err(|e| ApiError::Decode(e.to_string()))
    }

    pub fn limits(&self) -> Result<Limits, ApiError> {
        Self::json(self.send(|h| h.get(self.url("/v1/limits")))?)
    }

    pub fn me(&self) -> Result<Me, ApiError> {
        Self::json(self.send(|h| h.get(self.url("/v1/me")))?)
    }

    /// The CSV template (header row) of a type.
    pub fn template(&self, object_type: &str) -> Result<String, ApiError> {
        let r =
            self.send(|h| h.get(self.url(&format!("/v1/object-types/{object_type}/template"))))?;
        r.text().map_err(|e| ApiError::Decode(e.to_string()))
    }

    /// Submits a file for import. The same `idempotency_key` always means the same job.
    /// With `after`, the file queues behind that job while it is the active one (see
    /// [`crate::api::wire::ImportQuery::after`]): the answer comes once it has ended.
    pub fn import(
        &self,
        object_type: &str,
        file_name: &str,
        body: &[u8],
        idempotency_key: &str,
        after: Option<&str>,
    ) -> Result<Job, ApiError> {
        let content_type = if crate::schema::is_zip(object_type) {
            "application/zip"
        } else {
            "text/csv"
        };
        let r = self.send(|h| {
            h.post(self.url("/v1/jobs/import"))
                .query(&ImportQuery {
                    object_type: object_type.to_string(),
                    file_name: file_name.to_string(),
                    after: after.map(str::to_string),
                })
                .header(IDEMPOTENCY_KEY_HEADER, idempotency_key)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body.to_vec())
        })?;
        Self::json(r)
    }

    pub fn export(&self, req: &ExportRequest, idempotency_key: &str) -> Result<Job, ApiError> {
        let r = self.send(|h| {
            h.post(self.url("/v1/jobs/export"))
                .header(IDEMPOTENCY_KEY_HEADER, idempotency_key)
                .json(req)
        })?;
        Self::json(r)
    }

    /// A job; with `wait`, the service answers as soon as the job changes (long poll).
    pub fn job(&self, id: &str, wait: Option<u64>) -> Result<Job, ApiError> {
        let r = self.send(|h| {
            let mut b = h.get(self.url(&format!("/v1/jobs/{id}")));
            if let Some(w) = wait {
                b = b.query(&[("wait", w)]).timeout(Duration::from_secs(w + 30));
            }
            b
        })?;
        Self::json(r)
    }

    pub fn jobs(&self, q: &JobListQuery) -> Result<JobList, ApiError> {
        Self::json(self.send(|h| h.get(self.url("/v1/jobs")).query(q))?)
    }

    /// A job's error CSV, or `None` if it has none.
    pub fn errors(&self, id: &str) -> Result<Option<Vec<u8>>, ApiError> {
        match self.send(|h| h.get(self.url(&format!("/v1/jobs/{id}/errors")))) {
            Ok(r) => Ok(Some(
                r.bytes()
                    .map_err(|e| ApiError::Decode(e.to_string()))?
                    .to_vec(),
            )),
            Err(e) if e.is(ErrorCode::NoErrorFile) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A job's row warnings (lines of the uploaded file).
    pub fn warnings(&self, id: &str) -> Result<Vec<crate::api::wire::RowWarning>, ApiError> {
        let w: crate::api::wire::Warnings =
            Self::json(self.send(|h| h.get(self.url(&format!("/v1/jobs/{id}/warnings"))))?)?;
        Ok(w.warnings)
    }

    /// An export job's result file.
    pub fn file(&self, id: &str) -> Result<Download, ApiError> {
        let r = self.send(|h| h.get(self.url(&format!("/v1/jobs/{id}/file"))))?;
        let header = |name| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let file_name = header(reqwest::header::CONTENT_DISPOSITION).and_then(|d| {
            d.split("filename=")
                .nth(1)
                .map(|f| f.trim_matches('"').to_string())
        });
        let bytes = r
            .bytes()
            .map_err(|e| ApiError::Decode(e.to_string()))?
            .to_vec();
        Ok(Download {
            bytes,
            content_type,
            file_name,
        })
    }
}

fn describe(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

fn read_error(r: Response) -> ApiError {
    let status = r.status().as_u16();
    let text = r.text().unwrap_or_default();
    match serde_json::from_str::<ErrorBody>(&text) {
        Ok(b) => ApiError::Service {
            status,
            code: b.error.code,
            message: b.error.message,
            details: b.error.details,
        },
        Err(_) => ApiError::Service {
            status,
            code: "http_error".into(),
            message: format!(
                "HTTP {status}: {}",
                text.chars().take(200).collect::<String>()
            ),
            details: serde_json::Value::Null,
        },
    }
}
