//! Routes that describe the service: OpenAPI, limits, object types and templates, identity.

use super::super::store::Principal;
use super::super::{ApiError, AppState};
use crate::api::wire::ErrorCode;
use crate::api::wire::{Limits, Me};
use crate::schema;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;

/// Largest page of the job list.
pub(crate) const MAX_PAGE_SIZE: u64 = 100;
/// Longest long-poll.
pub(crate) const MAX_WAIT_SECONDS: u64 = 60;

pub(super) async fn openapi() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        include_str!("../openapi.json"),
    )
}

/// `GET /healthz?challenge=C`: with a challenge (at most 128 characters), also the `proof` that
/// this server is the one whose `server.key` the client read (see `sandbox::instance_proof`).
#[derive(serde::Deserialize)]
pub(super) struct HealthQuery {
    challenge: Option<String>,
}

pub(super) async fn healthz(
    State(state): State<AppState>,
    query: Result<axum::extract::Query<HealthQuery>, axum::extract::rejection::QueryRejection>,
) -> Json<serde_json::Value> {
    match query
        .ok()
        .and_then(|q| q.0.challenge)
        .filter(|c| c.len() <= 128)
    {
        Some(c) => Json(serde_json::json!({ "status": "ok", "proof": state.prove(&c) })),
        None => Json(serde_json::json!({ "status": "ok" })),
    }
}

pub(super) async fn limits(State(state): State<AppState>) -> Json<Limits> {
    let s = state.settings();
    Json(Limits {
        max_rows: s.max_rows,
        max_bytes: s.max_bytes,
        max_zip_bytes: s.max_zip_bytes,
        export_rows_per_file: s.export_rows_per_file as u64,
        max_page_size: MAX_PAGE_SIZE,
        max_wait_seconds: MAX_WAIT_SECONDS,
    })
}

pub(super) async fn object_types() -> Json<&'static schema::Registry> {
    Json(schema::registry())
}

pub(super) async fn template(Path(ty): Path<String>) -> Result<impl IntoResponse, ApiError> {
    let object = find_type(&ty)?;
    if object.file == schema::FileKind::Zip {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::NoTemplate,
            format!(
                "{} is imported as a ZIP of WAV files and has no CSV template",
                object.id
            ),
        ));
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(object.header())
        .map_err(|e| ApiError::internal(e.into()))?;
    let body = w
        .into_inner()
        .map_err(|e| ApiError::internal(anyhow::anyhow!("{e}")))?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.csv\"", object.id),
            ),
        ],
        body,
    ))
}

pub(super) async fn me(p: Principal) -> Json<Me> {
    Json(Me {
        org_id: p.org_id,
        org_name: p.org_name,
        email: p.email,
    })
}

/// The registry type with this id, or 404 `unknown_object_type`.
pub(crate) fn find_type(id: &str) -> Result<&'static schema::ObjectType, ApiError> {
    schema::registry().get(id).ok_or_else(|| {
        let ids: Vec<&str> = schema::registry()
            .types
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        ApiError::not_found(
            ErrorCode::UnknownObjectType,
            format!(
                "\"{id}\" is not an object type; known types: {}",
                ids.join(", ")
            ),
        )
    })
}
