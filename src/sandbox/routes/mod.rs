//! The HTTP routes of the sandbox and what they share: authentication and error shaping.

mod jobs;
mod meta;

use super::store::{self, Principal};
use super::{ApiError, AppState};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

/// Every route as (method, path), in OpenAPI path syntax; a test checks the OpenAPI document.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/openapi.json"),
    ("get", "/healthz"),
    ("get", "/v1/limits"),
    ("get", "/v1/object-types"),
    ("get", "/v1/object-types/{type}/template"),
    ("get", "/v1/me"),
    ("get", "/v1/jobs"),
    ("post", "/v1/jobs/import"),
    ("post", "/v1/jobs/export"),
    ("get", "/v1/jobs/{id}"),
    ("get", "/v1/jobs/{id}/errors"),
    ("get", "/v1/jobs/{id}/file"),
];

pub(super) fn router(state: AppState) -> Router {
    Router::new()
        .route("/openapi.json", get(meta::openapi))
        .route("/healthz", get(meta::healthz))
        .route("/v1/limits", get(meta::limits))
        .route("/v1/object-types", get(meta::object_types))
        .route("/v1/object-types/{type}/template", get(meta::template))
        .route("/v1/me", get(meta::me))
        .route("/v1/jobs", get(jobs::list))
        .route(
            "/v1/jobs/import",
            post(jobs::import).layer(DefaultBodyLimit::disable()),
        )
        .route("/v1/jobs/export", post(jobs::export))
        .route("/v1/jobs/{id}", get(jobs::get_job))
        .route("/v1/jobs/{id}/errors", get(jobs::errors))
        .route("/v1/jobs/{id}/file", get(jobs::file))
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::faults::inject,
        ))
        .layer(middleware::from_fn(json_errors))
        .with_state(state)
}

async fn unknown_route(req: Request) -> ApiError {
    ApiError::not_found(
        "not_found",
        format!("no route {} {}; see /openapi.json", req.method(), req.uri().path()),
    )
}

/// Turns any error answer that is not already the JSON error body (405, extractor rejections)
/// into it, keeping the status and the original text as the message.
async fn json_errors(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let text = match axum::body::to_bytes(resp.into_body(), 64 * 1024).await {
        Ok(b) => String::from_utf8_lossy(&b).trim().to_string(),
        Err(_) => String::new(),
    };
    let code = match status {
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_request",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("request failed")
            .to_lowercase()
    } else {
        text
    };
    ApiError::new(status, code, message).into_response()
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unauthorized = |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", m);
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_string())
            .ok_or_else(|| {
                unauthorized("missing bearer token: send Authorization: Bearer <token> (bulk sandbox token prints one)")
            })?;
        state
            .db(move |c| store::authenticate(c, &token))
            .await?
            .ok_or_else(|| unauthorized("the bearer token is not valid"))
    }
}
