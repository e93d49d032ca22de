//! Cisco's limits as the HTTP tenant keeps to them: a client-side rate limiter (300 requests a
//! minute per token by default, wxcc-config-api.md §1 "Rate limit"), the waits of a retry
//! (`Retry-After` for a 429, exponential backoff with jitter for 5xx and lost connections), and
//! how a refused token ends a job (exit 6 on the client).

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::Rng;

use super::tenant::TenantError;

/// Requests per minute per token unless told otherwise (`--rate`).
pub const DEFAULT_RATE: u32 = 300;

/// How persistent one request is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retries {
    /// Resends after a 5xx or a connection lost (reset, timeout, refused).
    pub max_retries: u32,
    /// Resends after a 429 (each after its `Retry-After`): a storm outlasts backoff budgets.
    pub max_throttled: u32,
    /// First backoff; doubled per retry up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// Longest `Retry-After` honoured as given (a larger one is cut to this).
    pub max_retry_after: Duration,
}

impl Default for Retries {
    fn default() -> Self {
        Retries {
            max_retries: 5,
            max_throttled: 60,
            base_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl Retries {
    /// The wait before retry number `attempt` (1-based): `base * 2^(attempt-1)`, capped, of which
    /// a random half ("equal jitter"), so that clients that failed together do not retry
    /// together.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
            .min(self.max_backoff);
        let half = exp / 2;
        half + jitter(half)
    }

    /// The wait after a 429: its `Retry-After` (seconds; capped) plus up to a quarter second of
    /// jitter, or the backoff when the header is missing or unreadable.
    pub fn after_429(&self, retry_after: Option<&str>, attempt: u32) -> Duration {
        match retry_after.and_then(parse_retry_after) {
            Some(d) => d.min(self.max_retry_after) + jitter(Duration::from_millis(250)),
            None => self.backoff(attempt),
        }
    }
}

/// `Retry-After` as seconds (the form Cisco's DNC endpoints declare). An HTTP date is not
/// expected from this API and falls back to the backoff.
pub fn parse_retry_after(v: &str) -> Option<Duration> {
    v.trim().parse::<u64>().ok().map(Duration::from_secs)
}

fn jitter(up_to: Duration) -> Duration {
    if up_to.is_zero() {
        return Duration::ZERO;
    }
    let ms = up_to.as_millis().min(u64::MAX as u128) as u64;
    Duration::from_millis(rand::thread_rng().gen_range(0..=ms))
}

/// At most `rate` requests in any sliding `window` (a minute): the next request waits until the
/// oldest of the last `rate` leaves the window. Shared by every tenant that uses one token.
#[derive(Debug)]
pub struct RateLimiter {
    rate: usize,
    window: Duration,
    sent: Mutex<VecDeque<Instant>>,
}

impl RateLimiter {
    /// `rate` requests per minute (at least 1).
    pub fn per_minute(rate: u32) -> Self {
        Self::new(rate, Duration::from_secs(60))
    }

    /// `rate` requests per `window` (at least 1).
    pub fn new(rate: u32, window: Duration) -> Self {
        let rate = rate.max(1) as usize;
        RateLimiter {
            rate,
            window,
            sent: Mutex::new(VecDeque::with_capacity(rate)),
        }
    }

    /// No limit: the sandbox's engine writing to its own face over loopback.
    pub fn unlimited() -> Self {
        RateLimiter {
            rate: usize::MAX,
            window: Duration::ZERO,
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Requests per window (`u32::MAX`: unlimited).
    pub fn rate(&self) -> u32 {
        u32::try_from(self.rate).unwrap_or(u32::MAX)
    }

    /// Waits until a request may leave, and counts it.
    pub fn acquire(&self) {
        if self.rate == usize::MAX {
            return;
        }
        loop {
            let wait = {
                let mut sent = self.sent.lock().expect("limiter");
                let now = Instant::now();
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= self.window)
                {
                    sent.pop_front();
                }
                if sent.len() < self.rate {
                    sent.push_back(now);
                    return;
                }
                self.window - now.duration_since(*sent.front().expect("full"))
            };
            std::thread::sleep(wait);
        }
    }
}

/// How the failure reason of a job that stopped on a refused token starts; the client exits 6
/// on such a job (see [`is_auth_failure`]).
pub const AUTH_FAILED: &str = "authentication failed";

/// The scopes a token needs for an import (reads and writes).
pub const SCOPES: &str = "cjp:config_read and cjp:config_write";

/// A whole call refused for the token (401 after the one refresh, or 403) as the failure reason
/// of the job; `None` for any other error.
pub fn auth_failure(e: &TenantError) -> Option<String> {
    match e {
        TenantError::Status { status: 401, .. } => Some(format!(
            "{AUTH_FAILED}: the Configuration API refused the token even after a refresh ({e}); run `bulk login` again"
        )),
        TenantError::Status { status: 403, .. } => Some(format!(
            "{AUTH_FAILED}: the Configuration API forbids this ({e}); the token needs the scopes {SCOPES} and its user a Contact Center administrator role (Full Admin) in this organisation"
        )),
        _ => None,
    }
}

/// Whether a job's failure reason is a refused token (see [`auth_failure`]).
pub fn is_auth_failure(reason: &str) -> bool {
    reason.starts_with(AUTH_FAILED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_never_lets_more_than_rate_requests_into_a_window() {
        let window = Duration::from_millis(300);
        let l = RateLimiter::new(4, window);
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..10 {
            l.acquire();
            at.push(Instant::now());
        }
        // 10 requests at 4 per window: the 5th and 9th wait a window each.
        assert!(start.elapsed() >= window * 2, "{:?}", start.elapsed());
        for (i, t) in at.iter().enumerate().skip(4) {
            assert!(t.duration_since(at[i - 4]) >= window, "request {i}");
        }
    }

    #[test]
    fn the_unlimited_limiter_never_waits() {
        let l = RateLimiter::unlimited();
        let start = Instant::now();
        for _ in 0..10_000 {
            l.acquire();
        }
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered_within_its_half() {
        let r = Retries::default();
        for attempt in 1..20 {
            let exp = (r.base_backoff * (1u32 << (attempt - 1).min(16))).min(r.max_backoff);
            let d = r.backoff(attempt);
            assert!(
                d >= exp / 2 && d <= exp,
                "attempt {attempt}: {d:?} of {exp:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_honoured_in_seconds_and_capped() {
        let r = Retries::default();
        let d = r.after_429(Some("2"), 1);
        assert!(d >= Duration::from_secs(2) && d <= Duration::from_millis(2250));
        let d = r.after_429(Some("100000"), 1);
        assert!(d <= r.max_retry_after + Duration::from_millis(250));
        assert!(r.after_429(Some("Wed, 21 Oct 2015 07:28:00 GMT"), 1) <= r.base_backoff);
        assert!(r.after_429(None, 1) <= r.base_backoff);
    }

    #[test]
    fn a_refused_token_fails_the_job_naming_scopes_and_role() {
        let status = |s| TenantError::Status {
            method: "POST".into(),
            path: "team/bulk".into(),
            status: s,
            message: "forbidden".into(),
            tracking_id: Some("ccconfig_x".into()),
        };
        let r = auth_failure(&status(403)).unwrap();
        assert!(is_auth_failure(&r));
        assert!(r.contains("cjp:config_read") && r.contains("cjp:config_write"));
        assert!(
            r.contains("administrator") && r.contains("ccconfig_x"),
            "{r}"
        );
        assert!(is_auth_failure(&auth_failure(&status(401)).unwrap()));
        assert!(auth_failure(&status(400)).is_none());
    }
}
