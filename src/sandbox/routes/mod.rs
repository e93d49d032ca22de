//! The HTTP routes of the sandbox and what they share: authentication and error shaping.

mod jobs;
mod meta;

use super::store::{self, Principal};
use super::{ApiError, AppState};
use crate::api::wire::ErrorCode;
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
    ("get", "/v1/jobs/{id}/warnings"),
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
        .route("/v1/jobs/{id}/warnings", get(jobs::warnings))
        .route("/v1/jobs/{id}/file", get(jobs::file))
        .merge(super::org::routes())
        .merge(super::oauth::routes())
        .fallback(unknown_route)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            super::faults::inject,
        ))
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn(request_limits))
        .with_state(state)
}

/// Longest request target (path and query) the service reads; longer ones get 414.
pub(crate) const MAX_URI_BYTES: usize = 8 * 1024;
/// Most header bytes of one request; more get 431. (Beyond the HTTP layer's own buffer, about
/// 400 KB, the connection answers 431 before a route sees the request, without a body.)
pub(crate) const MAX_HEADER_BYTES: usize = 32 * 1024;

/// Answers an over-long request target or header with the one JSON error body.
async fn request_limits(req: Request, next: Next) -> Response {
    let uri = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().len())
        .unwrap_or(0);
    if uri > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            ErrorCode::InvalidRequest,
            format!("the request target is {uri} bytes, more than the {MAX_URI_BYTES} this service reads"),
        )
        .into_response();
    }
    let headers: usize = req
        .headers()
        .iter()
        .map(|(k, v)| k.as_str().len() + v.len() + 4)
        .sum();
    if headers > MAX_HEADER_BYTES {
        return ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ErrorCode::InvalidRequest,
            format!("the request header is {headers} bytes, more than the {MAX_HEADER_BYTES} this service reads"),
        )
        .into_response();
    }
    next.run(req).await
}

async fn unknown_route(req: Request) -> ApiError {
    ApiError::not_found(
        ErrorCode::NotFound,
        format!(
            "no route {} {}; see /openapi.json",
            req.method(),
            req.uri().path()
        ),
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
        StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
        StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::InvalidRequest,
        s if s.is_server_error() => ErrorCode::Internal,
        _ => ErrorCode::BadRequest,
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
        let unauthorized =
            |m: &str| ApiError::new(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized, m);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::Settings;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn state() -> (tempfile::TempDir, AppState) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::new(dir.path());
        s.max_bytes = 1000;
        s.max_rows = 3;
        let st = AppState::new(s).unwrap();
        (dir, st)
    }

    async fn call(
        st: &AppState,
        req: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, serde_json::Value) {
        let resp = router(st.clone()).oneshot(req).await.unwrap();
        let (parts, body) = resp.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (parts.status, parts.headers, json)
    }

    fn authed(st: &AppState, method: &str, uri: &str) -> axum::http::request::Builder {
        Request::builder().method(method).uri(uri).header(
            "authorization",
            format!("Bearer {}", st.admin_token().unwrap()),
        )
    }

    fn assert_error_body(v: &serde_json::Value, code: &str) {
        assert_eq!(v["error"]["code"], code, "{v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}"
        );
        assert!(v["error"]["details"].is_object(), "{v}");
    }

    #[tokio::test]
    async fn every_route_is_in_the_openapi_document_and_routed() {
        let doc: serde_json::Value = serde_json::from_str(include_str!("../openapi.json")).unwrap();
        let (_d, st) = state();
        for (method, path) in ROUTES {
            assert!(
                doc["paths"][path][method].is_object(),
                "{method} {path} missing from src/sandbox/openapi.json"
            );
            let uri = path.replace("{type}", "user").replace("{id}", "nope");
            let req = authed(&st, &method.to_uppercase(), &uri)
                .body(Body::empty())
                .unwrap();
            let (_, _, v) = call(&st, req).await;
            assert_ne!(
                v["error"]["code"], "not_found",
                "{method} {path} is not routed"
            );
        }
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(
            paths.len(),
            ROUTES.len(),
            "openapi.json documents a route the router lacks"
        );
    }

    #[tokio::test]
    async fn every_failure_has_the_one_json_error_body() {
        let (_d, st) = state();
        let (s, _, v) = call(&st, Request::get("/nope").body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_error_body(&v, "not_found");
        let (s, _, v) = call(
            &st,
            Request::delete("/v1/jobs").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
        assert_error_body(&v, "method_not_allowed");
        let (s, _, v) = call(
            &st,
            authed(&st, "GET", "/v1/jobs?page=x")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error_body(&v, "invalid_query");
        let (s, _, v) = call(
            &st,
            authed(&st, "GET", "/v1/jobs?page_size=101")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error_body(&v, "invalid_query");
        let req = authed(&st, "POST", "/v1/jobs/export")
            .header("content-type", "application/json")
            .body(Body::from("{not json"))
            .unwrap();
        let (s, _, v) = call(&st, req).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        assert_error_body(&v, "invalid_body");
        let big = format!("{{\"object_type\":\"{}\"}}", "x".repeat(3_000_000));
        let req = authed(&st, "POST", "/v1/jobs/export")
            .header("content-type", "application/json")
            .body(Body::from(big))
            .unwrap();
        let (s, _, v) = call(&st, req).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        assert_error_body(&v, "invalid_body");
        let (s, _, v) = call(&st, Request::get("/v1/jobs").body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_error_body(&v, "unauthorized");
        let req = Request::get("/v1/jobs")
            .header("authorization", "Bearer wrong")
            .body(Body::empty())
            .unwrap();
        let (s, _, v) = call(&st, req).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert_error_body(&v, "unauthorized");
    }

    #[tokio::test]
    async fn audio_cannot_be_exported() {
        let (_d, st) = state();
        let req = authed(&st, "POST", "/v1/jobs/export")
            .header("content-type", "application/json")
            .body(Body::from(r#"{"object_type":"audio-file"}"#))
            .unwrap();
        let (s, _, v) = call(&st, req).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_error_body(&v, "not_exportable");
    }

    #[tokio::test]
    async fn upload_stops_at_the_size_limit_while_streaming() {
        let (_d, st) = state();
        // An endless body: the handler can only answer if it stops reading at the limit.
        let endless = futures_util::stream::repeat_with(|| {
            Ok::<_, std::io::Error>(bytes::Bytes::from_static(
                b"a long header cell without a line end ",
            ))
        });
        let req = authed(
            &st,
            "POST",
            "/v1/jobs/import?object_type=site&file_name=s.csv",
        )
        .body(Body::from_stream(endless))
        .unwrap();
        let (s, _, v) = call(&st, req).await;
        assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
        assert_error_body(&v, "payload_too_large");
        assert_eq!(v["error"]["details"]["limit_bytes"], 1000);

        let rows = "Name,Multimedia Profile\nA,Blended\nB,Blended\nC,Blended\nD,Blended\n";
        let req = authed(
            &st,
            "POST",
            "/v1/jobs/import?object_type=site&file_name=s.csv",
        )
        .body(Body::from(rows))
        .unwrap();
        let (s, _, v) = call(&st, req).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        assert_error_body(&v, "too_many_rows");
        assert_eq!(v["error"]["details"]["limit_rows"], 3);
    }

    #[tokio::test]
    async fn second_job_conflicts_and_idempotency_key_returns_the_first() {
        let (_d, st) = state();
        // No worker runs in handler tests, so the first job stays `new`.
        let submit = |key: Option<&str>| {
            let mut b = authed(
                &st,
                "POST",
                "/v1/jobs/import?object_type=site&file_name=s.csv",
            );
            if let Some(k) = key {
                b = b.header("idempotency-key", k);
            }
            b.body(Body::from("Name,Multimedia Profile\nA,Blended\n"))
                .unwrap()
        };
        let (s, h, first) = call(&st, submit(Some("k1"))).await;
        assert_eq!(s, StatusCode::CREATED);
        let id = first["id"].as_str().unwrap().to_string();
        assert_eq!(h["location"], format!("/v1/jobs/{id}").as_str());
        assert_eq!(first["status"], "new");
        assert_eq!(first["rows_total"], 1);
        let (s, _, again) = call(&st, submit(Some("k1"))).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(again["id"], id.as_str());
        let (s, _, v) = call(&st, submit(Some("k2"))).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error_body(&v, "job_active");
        assert_eq!(v["error"]["details"]["job_id"], id.as_str());
        assert!(v["error"]["message"].as_str().unwrap().contains(&id));
        let (_, _, list) = call(
            &st,
            authed(&st, "GET", "/v1/jobs").body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(list["total"], 1);

        // Another organisation sees none of it.
        let other = st.create_org("Other", "eve@example.com").unwrap();
        let req = Request::get(format!("/v1/jobs/{id}"))
            .header("authorization", format!("Bearer {other}"))
            .body(Body::empty())
            .unwrap();
        let (s, _, v) = call(&st, req).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_error_body(&v, "job_not_found");
    }

    #[tokio::test]
    async fn an_upload_after_the_active_job_is_held_until_it_ends_and_is_no_job_meanwhile() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = Settings::new(dir.path());
        settings.after_wait = std::time::Duration::from_millis(300);
        let st = AppState::new(settings).unwrap();
        let submit = |key: &str, after: Option<&str>| {
            let uri = match after {
                Some(a) => format!("/v1/jobs/import?object_type=site&file_name=s.csv&after={a}"),
                None => "/v1/jobs/import?object_type=site&file_name=s.csv".to_string(),
            };
            authed(&st, "POST", &uri)
                .header("idempotency-key", key)
                .body(Body::from("Name,Multimedia Profile\nA,Blended\n"))
                .unwrap()
        };
        let jobs = || async {
            let (_, _, v) = call(
                &st,
                authed(&st, "GET", "/v1/jobs").body(Body::empty()).unwrap(),
            )
            .await;
            v["total"].as_u64().unwrap()
        };
        let partial_files = || {
            std::fs::read_dir(dir.path().join("files"))
                .unwrap()
                .filter(|e| e.as_ref().unwrap().path().extension() == Some("partial".as_ref()))
                .count()
        };
        // No worker runs in handler tests: a job stays `new` (active) until `end` does what the
        // worker does as a job ends.
        let end = |id: String| {
            let st = st.clone();
            async move {
                let st2 = st.clone();
                st.db(move |c| {
                    c.execute(
                        "UPDATE jobs SET status = 'completed', started_at = 1, finished_at = 2
                            WHERE id = ?1",
                        [&id],
                    )?;
                    st2.notify_change();
                    st2.create_held(c, &id);
                    Ok(())
                })
                .await
                .unwrap();
            }
        };
        let (s, _, first) = call(&st, submit("k1", None)).await;
        assert_eq!(s, StatusCode::CREATED);
        let a = first["id"].as_str().unwrap().to_string();

        // Queued behind another job than the active one: refused at once, as without `after`.
        let (s, _, v) = call(&st, submit("k0", Some("not-the-active-job"))).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error_body(&v, "job_active");
        assert_eq!(v["error"]["details"]["job_id"], a.as_str());

        // Queued behind `a`: held, and not a job, while `a` runs.
        let spawn_call = |req| {
            let st = st.clone();
            tokio::spawn(async move { call(&st, req).await })
        };
        let held = spawn_call(submit("k2", Some(&a)));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!held.is_finished());
        assert_eq!(jobs().await, 1);
        end(a.clone()).await;
        let (s, _, second) = held.await.unwrap();
        assert_eq!(s, StatusCode::CREATED, "{second}");
        let b = second["id"].as_str().unwrap().to_string();
        assert_ne!(b, a);
        assert_eq!(second["status"], "new");
        assert_eq!(jobs().await, 2);

        // A held upload whose request goes away never becomes a job, and leaves no file.
        let dropped = spawn_call(submit("k3", Some(&b)));
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!dropped.is_finished());
        assert_eq!(partial_files(), 1);
        dropped.abort();
        assert!(dropped.await.unwrap_err().is_cancelled());
        assert_eq!(partial_files(), 0);

        // Held longer than `after_wait`: refused as `job_active`, and no file is left.
        let (s, _, v) = call(&st, submit("k4", Some(&b))).await;
        assert_eq!(s, StatusCode::CONFLICT);
        assert_error_body(&v, "job_active");
        assert_eq!(v["error"]["details"]["job_id"], b.as_str());
        assert_eq!(partial_files(), 0);
        end(b).await;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert_eq!(jobs().await, 2);

        // With nothing active, `after` changes nothing.
        let (s, _, v) = call(&st, submit("k5", Some(&a))).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(jobs().await, 3);
    }

    #[tokio::test]
    async fn limits_types_and_templates_are_served() {
        let (_d, st) = state();
        let (s, _, v) = call(&st, Request::get("/v1/limits").body(Body::empty()).unwrap()).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(v["max_rows"], 3);
        assert_eq!(v["max_bytes"], 1000);
        let (_, _, v) = call(
            &st,
            Request::get("/v1/object-types")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(v["types"].as_array().unwrap().len(), 17);
        let resp = router(st.clone())
            .oneshot(
                Request::get("/v1/object-types/site/template")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(resp.headers()["content-type"], "text/csv");
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"Name,Multimedia Profile\n");
    }
}
