//! People (Control Hub users) and a stand-in for Webex's People API, which is where a real
//! tenant's users come from: Cisco's Configuration API only updates users, and "existence of a
//! CI user is a prerequisite".
//!
//! `POST /v1/people` (`{emails: [..], firstName, lastName}`, any token of the organisation)
//! creates a person and the Contact Center user a licensed person has, and answers
//! `{id, emails, displayName, firstName, lastName, orgId, created}`. It lets the engine create a
//! missing person in lenient mode (a rehearsal convenience, reported as a warning on the row).
//! With `--strict-people` it answers 403, so a missing person becomes the row error a real
//! tenant gives. `GET /v1/people?email=…` answers `{items: [...]}`.

use super::face::{authenticate, parse_json, problem_response, read_body};
use super::store::{self, Person, Problem};
use crate::sandbox::AppState;
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

/// Why `--strict-people` refuses.
pub const STRICT_PEOPLE: &str = "people cannot be created in this organization (the sandbox runs with --strict-people): create the person in Control Hub first";

fn person_json(p: &Person, org: &str) -> Value {
    let created = time::OffsetDateTime::from_unix_timestamp_nanos(p.created_ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    json!({
        "id": p.id,
        "emails": [p.email],
        "displayName": format!("{} {}", p.first_name, p.last_name).trim().to_string(),
        "firstName": p.first_name,
        "lastName": p.last_name,
        "orgId": org,
        "created": created,
    })
}

/// `POST /v1/people`.
pub async fn create(State(state): State<AppState>, req: Request) -> Response {
    match create_inner(state, req).await {
        Ok(v) => (axum::http::StatusCode::OK, axum::Json(v)).into_response(),
        Err(p) => problem_response(&p),
    }
}

async fn create_inner(state: AppState, req: Request) -> Result<Value, Problem> {
    let headers = req.headers().clone();
    let org = authenticate(&state, &headers).await?;
    if state.settings().strict_people {
        return Err(Problem::new(403, STRICT_PEOPLE));
    }
    let body = parse_json(&read_body(&state, req).await?)?;
    let email = body["emails"]
        .as_array()
        .and_then(|a| a.first())
        .and_then(Value::as_str)
        .filter(|e| e.contains('@'))
        .ok_or_else(|| Problem::bad("emails: must hold one email address"))?
        .to_string();
    let text = |k: &str| body[k].as_str().unwrap_or("").to_string();
    let (first, last) = (text("firstName"), text("lastName"));
    let now_ms = crate::sandbox::store::to_millis(state.now());
    let org2 = org.clone();
    let person = state
        .db(move |c| {
            let tx = c.transaction()?;
            let r = store::create_person(&tx, &org2, &email, &first, &last, now_ms);
            if r.is_ok() {
                tx.commit()?;
            }
            Ok(r)
        })
        .await
        .map_err(|e| Problem::new(500, e.message))??;
    Ok(person_json(&person, &org))
}

/// `GET /v1/people?email=…`.
pub async fn list(State(state): State<AppState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let r = async {
        let org = authenticate(&state, &parts.headers).await?;
        let email = url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
            .find(|(k, _)| k == "email")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| Problem::bad("email: the query parameter is required"))?;
        let org2 = org.clone();
        let person = state
            .db(move |c| store::person_by_email(c, &org2, &email))
            .await
            .map_err(|e| Problem::new(500, e.message))?;
        let items: Vec<Value> = person.iter().map(|p| person_json(p, &org)).collect();
        Ok::<_, Problem>(json!({ "items": items }))
    }
    .await;
    match r {
        Ok(v) => (axum::http::StatusCode::OK, axum::Json(v)).into_response(),
        Err(p) => problem_response(&p),
    }
}
