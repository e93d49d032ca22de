//! Fault injection for testing clients: random 500s, 429s, dropped connections and slow answers.
//!
//! Off by default. Faults apply to every `/v1/...` request; `/openapi.json` and `/healthz` are
//! exempt so a client can always read the contract and check liveness. 500, 429 and slowness
//! strike before the handler runs (nothing happens); a reset strikes after the handler has run
//! (its work is done but the answer is lost), which is what idempotency keys are for.
//! `rate_fail_job` is not about requests: it makes the worker end an import job as failed.
//! The Configuration-API face rolls `rate_429` and `rate_500` before a request runs, and
//! `rate_lost_write` after a write committed (see `org::face`).

/// The reason an import job failed by `rate_fail_job` gives.
pub(crate) const FAILED_JOB_REASON: &str =
    "the job failed before processing any row (injected fault); submit the rows again";

use super::{ApiError, AppState};
use crate::api::wire::ErrorCode;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::{Rng, SeedableRng};
use std::sync::Mutex;
use std::time::Duration;

/// Rates (0.0 to 1.0) of each fault.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSettings {
    /// Answer 500 `injected_fault`.
    pub rate_500: f64,
    /// Answer 429 `rate_limited` with `Retry-After: 1`.
    pub rate_429: f64,
    /// Drop the connection without an answer, after the handler ran.
    pub rate_reset: f64,
    /// Lose the answer of a write (POST, PUT, PATCH) on the Configuration-API face after it
    /// committed: the connection drops, as when a real tenant's answer never arrives. What a
    /// client must survive without creating anything twice.
    pub rate_lost_write: f64,
    /// Delay the request by `slow` first.
    pub rate_slow: f64,
    pub slow: Duration,
    /// End an import job as failed, with a reason, before it processes any row. Rolled once per
    /// job by the worker, on dice of its own (same seed), so a run repeats whatever the requests.
    pub rate_fail_job: f64,
    /// Seed of the random generator, so a run can be repeated.
    pub seed: u64,
}

impl FaultSettings {
    /// Whether any fault of HTTP requests is on (`rate_fail_job` is the worker's, not theirs).
    pub fn any(&self) -> bool {
        self.rate_500 > 0.0 || self.rate_429 > 0.0 || self.rate_reset > 0.0 || self.rate_slow > 0.0
    }
}

/// The seeded dice.
pub(crate) struct Dice(Mutex<rand::rngs::StdRng>);

impl Dice {
    pub(crate) fn new(seed: u64) -> Self {
        Dice(Mutex::new(rand::rngs::StdRng::seed_from_u64(seed)))
    }

    pub(crate) fn roll(&self, rate: f64) -> bool {
        rate > 0.0 && self.0.lock().expect("dice").gen::<f64>() < rate
    }
}

/// Middleware that injects the configured faults.
pub(crate) async fn inject(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let f = &state.settings().faults;
    if !f.any()
        || !req.uri().path().starts_with("/v1/")
        || super::org::face::from_engine(req.headers())
    {
        return next.run(req).await;
    }
    let dice = state.dice();
    if dice.roll(f.rate_slow) {
        tokio::time::sleep(f.slow).await;
    }
    if dice.roll(f.rate_429) {
        let mut resp = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many requests (injected fault); retry after 1 second",
        )
        .into_response();
        resp.headers_mut()
            .insert("retry-after", HeaderValue::from_static("1"));
        return resp;
    }
    if dice.roll(f.rate_500) {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InjectedFault,
            "internal error (injected fault); retry the request",
        )
        .into_response();
    }
    let reset = dice.roll(f.rate_reset);
    let resp = next.run(req).await;
    if reset {
        // Unwinding out of the connection task makes hyper drop the socket unanswered;
        // resume_unwind skips the panic hook, so nothing is printed.
        std::panic::resume_unwind(Box::new("injected connection reset"));
    }
    resp
}
