//! Cisco's Configuration API face of the sandbox, under `/organization/{orgid}/…`.
//!
//! One handler reads the path and dispatches, so the routes below are the whole surface (each
//! `<type>` is a row of [`super::TYPES`]; `v3` where that row says so):
//!
//! | Method | Path | Answer |
//! |---|---|---|
//! | GET | `v2/<type>` (`v3/user-profile`, `v3/address-book`) | `{meta, data}` page |
//! | GET | `v2/address-book/{id}/entry`, `v2/outdial-ani/{id}/entry` | `{meta, data}` page |
//! | POST | `<type>` (`v3/address-book`, multipart `audio-file`) | 201 (200 for audio) object |
//! | GET, PUT | `<type>/{id}` (multipart PUT for `audio-file`) | 200 object |
//! | PATCH | `user/{id}` | 200 object |
//! | POST | `<type>/bulk`, `contact-service-queue/v2/bulk`, `v3/user-profile/bulk`, `{book}/{id}/entry/bulk` | 207 |
//! | PATCH | `user/bulk`, `auxiliary-code/bulk`, `contact-service-queue/bulk` | 207 |
//!
//! Every error is Cisco's `ApiErrorResponse`: 400 (malformed JSON, unknown field, missing
//! required field, unknown reference), 401 (no or bad token), 403 (another organisation, a
//! read-only type, `--strict-bulk-updates` per item), 404, 409 (duplicate), 413 (body over
//! [`crate::sandbox::Settings::org_max_body_bytes`]), 429 with `Retry-After` and 500 under fault
//! injection (`--fault-429`, `--fault-500`); under `FaultSettings::rate_lost_write` a write
//! commits and its answer is lost (the connection drops).

use super::filter::{self, Expr, Op};
use super::store::{self, Ctx, Problem};
use super::{api_type, entry_type, ApiType, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::sandbox::AppState;
use crate::wxcc::wire::{
    ApiErrorResponse, BulkRequest, BulkRequestItem, BulkResponse, BulkResponseItem, OperationType,
    PageMeta, PaginationLinks, RequestAction, AUDIO_FILE_INFO_PART, AUDIO_FILE_PART,
};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// Cisco's error body for `status` with one description and a fresh tracking id.
pub fn error_body(status: u16, description: &str) -> ApiErrorResponse {
    ApiErrorResponse::new(
        format!("sandbox_{}", uuid::Uuid::new_v4()),
        status,
        description,
    )
}

/// A [`Problem`] as an HTTP answer with Cisco's body.
pub fn problem_response(p: &Problem) -> Response {
    let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (status, axum::Json(error_body(p.status, &p.description))).into_response();
    if p.status == 429 {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    resp
}

fn json_response(status: u16, v: &impl serde::Serialize) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    (status, axum::Json(v)).into_response()
}

/// The face's single handler (mounted on `/organization/{orgid}/{*rest}`).
pub async fn handle(State(state): State<AppState>, req: Request) -> Response {
    let write = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
    let lose = write
        && !from_engine(req.headers())
        && state.dice().roll(state.settings().faults.rate_lost_write);
    let resp = match dispatch(state, req).await {
        Ok(r) => r,
        Err(p) => problem_response(&p),
    };
    if lose {
        // The write is done; its answer never arrives. Unwinding out of the connection task
        // makes hyper drop the socket; resume_unwind skips the panic hook (nothing printed).
        std::panic::resume_unwind(Box::new("injected lost answer"));
    }
    resp
}

/// Checks the bearer token; returns the caller's organisation.
pub(crate) async fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<String, Problem> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_string())
        .ok_or_else(|| {
            Problem::new(
                401,
                "missing bearer token: send Authorization: Bearer <token> (bulk sandbox token prints one)",
            )
        })?;
    let t = token.clone();
    let principal = state
        .read(move |c| crate::sandbox::store::authenticate(c, &t))
        .await
        .map_err(|e| Problem::new(500, e.message))?;
    match principal {
        Some(p) => Ok(p.org_id),
        // Else an access token of the fake authorization server, or 401.
        None => crate::sandbox::oauth::face_org(state, token).await,
    }
}

/// The header the sandbox's own job engine marks its requests with: injected faults are for
/// testing clients, and rolling them for the engine's requests would also change the seeded
/// sequence a client test expects.
pub const ENGINE_HEADER: &str = "x-bulk-engine";

/// The value of [`ENGINE_HEADER`]: a secret of this process, so no client can claim it.
pub fn engine_secret() -> &'static str {
    static SECRET: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SECRET.get_or_init(|| uuid::Uuid::new_v4().simple().to_string())
}

/// Whether a request comes from the sandbox's own job engine.
pub(crate) fn from_engine(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(ENGINE_HEADER)
        .is_some_and(|v| v.as_bytes() == engine_secret().as_bytes())
}

/// Rolls the fault dice of `--fault-429` and `--fault-500` for one request.
pub(crate) fn injected_fault(state: &AppState) -> Option<Problem> {
    let f = &state.settings().faults;
    if state.dice().roll(f.rate_429) {
        return Some(Problem::new(
            429,
            "too many requests (injected fault); retry after the Retry-After seconds",
        ));
    }
    if state.dice().roll(f.rate_500) {
        return Some(Problem::new(
            500,
            "internal error (injected fault); retry the request",
        ));
    }
    None
}

/// Reads the whole body up to the face's limit.
pub(crate) async fn read_body(state: &AppState, req: Request) -> Result<bytes::Bytes, Problem> {
    let limit = state.settings().org_max_body_bytes;
    let too_large = || {
        Problem::new(
            413,
            format!("request body is larger than the limit of {limit} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    axum::body::to_bytes(req.into_body(), limit as usize)
        .await
        .map_err(|e| {
            if format!("{e:#}").contains("length limit") {
                too_large()
            } else {
                Problem::bad(format!("cannot read the request body: {e}"))
            }
        })
}

/// Parses a JSON body, as Cisco's 400 for malformed JSON words it.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, Problem> {
    serde_json::from_slice(bytes).map_err(|e| Problem::bad(format!("Malformed JSON request: {e}")))
}

fn object(v: Value, what: &str) -> Result<Map<String, Value>, Problem> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(Problem::bad(format!("{what}: must be a JSON object"))),
    }
}

/// What the path names.
enum Target {
    List(&'static ApiType),
    EntryList(&'static ApiType, String),
    Collection(&'static ApiType),
    Bulk(&'static ApiType),
    Item(&'static ApiType, String),
    Entries(&'static ApiType, String),
    EntryBulk(&'static ApiType, String),
    Entry(&'static ApiType, String, String),
}

fn route(segs: &[&str]) -> Option<Target> {
    let versioned = matches!(segs.first(), Some(&"v2") | Some(&"v3"));
    if versioned {
        let v = segs[0];
        let rest = &segs[1..];
        let ty = api_type(rest.first()?)?;
        return match rest.len() {
            1 if ty.list_version == v => Some(Target::List(ty)),
            3 if v == "v2" && rest[2] == "entry" => {
                Some(Target::EntryList(entry_type(ty.name)?, rest[1].to_string()))
            }
            n if v == "v3" && ty.item_prefix == "v3/" => match (n, rest.get(1)) {
                (1, _) => Some(Target::Collection(ty)),
                (2, Some(&"bulk")) => Some(Target::Bulk(ty)),
                (2, Some(id)) => Some(Target::Item(ty, id.to_string())),
                _ => None,
            },
            _ => None,
        };
    }
    let name = *segs.first()?;
    // Entries live under the parent's unversioned path, also for the v3 address book.
    if let (Some(entry), Some(id), Some(&"entry")) = (entry_type(name), segs.get(1), segs.get(2)) {
        return match segs.len() {
            3 => Some(Target::Entries(entry, id.to_string())),
            4 if segs[3] == "bulk" => Some(Target::EntryBulk(entry, id.to_string())),
            4 => Some(Target::Entry(entry, id.to_string(), segs[3].to_string())),
            _ => None,
        };
    }
    let ty = api_type(name)?;
    if !ty.item_prefix.is_empty() {
        return None;
    }
    match segs.len() {
        1 => Some(Target::Collection(ty)),
        2 if segs[1] == "bulk" => Some(Target::Bulk(ty)),
        2 => Some(Target::Item(ty, segs[1].to_string())),
        3 if ty.name == "contact-service-queue" && segs[1] == "v2" && segs[2] == "bulk" => {
            Some(Target::Bulk(ty))
        }
        _ => None,
    }
}

fn no_route(method: &Method, path: &str) -> Problem {
    Problem::new(404, format!("no route {method} {path}"))
}

fn read_only(ty: &ApiType) -> Result<(), Problem> {
    if ty.read_only {
        return Err(Problem::new(
            403,
            format!(
                "{} cannot be changed in the sandbox: only the tenant defaults exist",
                ty.name
            ),
        ));
    }
    Ok(())
}

async fn dispatch(state: AppState, req: Request) -> Result<Response, Problem> {
    let path = req.uri().path().to_string();
    let rest = path
        .strip_prefix("/organization/")
        .ok_or_else(|| no_route(req.method(), &path))?;
    let (orgid, rest) = rest.split_once('/').unwrap_or((rest, ""));
    let headers = req.headers().clone();
    let org = authenticate(&state, &headers).await?;
    if !orgid.eq_ignore_ascii_case(&org) {
        return Err(Problem::new(
            403,
            format!("the token does not grant access to organization {orgid}"),
        ));
    }
    crate::sandbox::oauth::check_scope(&state, &headers, req.method()).await?;
    if !from_engine(&headers) {
        if let Some(p) = injected_fault(&state) {
            return Err(p);
        }
    }
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let method = req.method().clone();
    let target = match route(&segs).ok_or_else(|| no_route(&method, &path))? {
        // `v3/address-book` is both the v3 list and the v3 collection.
        Target::List(ty) if method != Method::GET && ty.item_prefix == "v3/" => {
            Target::Collection(ty)
        }
        t => t,
    };
    let query = req.uri().query().unwrap_or("").to_string();
    let strict = state.settings().strict_bulk_updates;
    let now_ms = crate::sandbox::store::to_millis(state.now());
    match (method.clone(), target) {
        (Method::GET, Target::List(ty)) => list(&state, org, ty, None, &path, &query).await,
        (Method::GET, Target::EntryList(ty, parent)) => {
            list(&state, org, ty, Some(parent), &path, &query).await
        }
        (Method::GET, Target::Item(ty, id)) => get(&state, org, ty, None, id).await,
        (Method::GET, Target::Entry(ty, parent, id)) => {
            get(&state, org, ty, Some(parent), id).await
        }
        (Method::POST, Target::Collection(ty)) if ty.name == "audio-file" => {
            let ct = content_type(&req);
            let body = read_body(&state, req).await?;
            audio(&state, org, None, &ct, body, now_ms).await
        }
        (Method::PUT, Target::Item(ty, id)) if ty.name == "audio-file" => {
            let ct = content_type(&req);
            let body = read_body(&state, req).await?;
            audio(&state, org, Some(id), &ct, body, now_ms).await
        }
        (Method::POST, Target::Collection(ty)) if ty.name != "user" => {
            read_only(ty)?;
            let body = object(parse_json(&read_body(&state, req).await?)?, "body")?;
            let v = write(&state, move |c| {
                let ctx = Ctx {
                    org: &org,
                    ty,
                    parent: None,
                    now_ms,
                    known: None,
                };
                store::create(c, &ctx, body)
            })
            .await?;
            Ok(json_response(ty.create_status, &v))
        }
        (Method::POST, Target::Entries(ty, parent)) => {
            let body = object(parse_json(&read_body(&state, req).await?)?, "body")?;
            let v = write(&state, move |c| {
                parent_exists(c, &org, ty, &parent)?;
                let ctx = Ctx {
                    org: &org,
                    ty,
                    parent: Some(&parent),
                    now_ms,
                    known: None,
                };
                store::create(c, &ctx, body)
            })
            .await?;
            Ok(json_response(ty.create_status, &v))
        }
        (Method::PUT, Target::Item(ty, id)) => {
            read_only(ty)?;
            let body = object(parse_json(&read_body(&state, req).await?)?, "body")?;
            let v = write(&state, move |c| {
                let ctx = Ctx {
                    org: &org,
                    ty,
                    parent: None,
                    now_ms,
                    known: None,
                };
                store::replace(c, &ctx, &id, body)
            })
            .await?;
            Ok(json_response(200, &v))
        }
        (Method::PUT, Target::Entry(ty, parent, id)) => {
            let body = object(parse_json(&read_body(&state, req).await?)?, "body")?;
            let v = write(&state, move |c| {
                let ctx = Ctx {
                    org: &org,
                    ty,
                    parent: Some(&parent),
                    now_ms,
                    known: None,
                };
                store::replace(c, &ctx, &id, body)
            })
            .await?;
            Ok(json_response(200, &v))
        }
        (Method::PATCH, Target::Item(ty, id)) if ty.name == "user" => {
            let body = object(parse_json(&read_body(&state, req).await?)?, "body")?;
            let v = write(&state, move |c| {
                let ctx = Ctx {
                    org: &org,
                    ty,
                    parent: None,
                    now_ms,
                    known: None,
                };
                store::patch(c, &ctx, &id, body)
            })
            .await?;
            Ok(json_response(200, &v))
        }
        (Method::POST, Target::Bulk(ty)) if ty.bulk => {
            read_only(ty)?;
            let body = read_body(&state, req).await?;
            bulk(&state, org, ty, None, Mode::Save { strict }, &body, now_ms).await
        }
        (Method::PATCH, Target::Bulk(ty)) if ty.patch_bulk => {
            let body = read_body(&state, req).await?;
            bulk(&state, org, ty, None, Mode::Patch, &body, now_ms).await
        }
        (Method::POST, Target::EntryBulk(ty, parent)) => {
            let body = read_body(&state, req).await?;
            bulk(
                &state,
                org,
                ty,
                Some(parent),
                Mode::Save { strict: false },
                &body,
                now_ms,
            )
            .await
        }
        _ => Err(Problem::new(
            405,
            format!("method {method} is not supported on {path}"),
        )),
    }
}

fn content_type(req: &Request) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Runs a store call that only reads, in one transaction (one snapshot: a page and its total
/// agree) on the connection kept for reads, off the async threads.
async fn read<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    state
        .read(|c| in_transaction(c, f))
        .await
        .map_err(|e| Problem::new(500, e.message))?
}

/// Runs a store call in one transaction off the async threads.
async fn write<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    state
        .db(|c| in_transaction(c, f))
        .await
        .map_err(|e| Problem::new(500, e.message))?
}

/// `f` in a transaction committed when it succeeds, rolled back when it fails.
fn in_transaction<T>(
    c: &mut rusqlite::Connection,
    f: impl FnOnce(&rusqlite::Connection) -> Result<T, Problem>,
) -> anyhow::Result<Result<T, Problem>> {
    let tx = c.transaction()?;
    let r = f(&tx);
    if r.is_ok() {
        tx.commit()?;
    }
    Ok(r)
}

fn parent_exists(
    c: &rusqlite::Connection,
    org: &str,
    entry: &ApiType,
    parent: &str,
) -> Result<(), Problem> {
    let pty = api_type(entry.parent.unwrap_or_default()).expect("entry parent is a type");
    match store::get(c, org, pty, None, parent)? {
        Some(_) => Ok(()),
        None => Err(store::not_found(pty, parent)),
    }
}

async fn get(
    state: &AppState,
    org: String,
    ty: &'static ApiType,
    parent: Option<String>,
    id: String,
) -> Result<Response, Problem> {
    let v = read(state, move |c| {
        store::get(c, &org, ty, parent.as_deref(), &id)?.ok_or_else(|| store::not_found(ty, &id))
    })
    .await?;
    Ok(json_response(200, &v))
}

fn query_params(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

async fn list(
    state: &AppState,
    org: String,
    ty: &'static ApiType,
    parent: Option<String>,
    path: &str,
    query: &str,
) -> Result<Response, Problem> {
    let q = query_params(query);
    let param = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let number = |k: &str, default: u64| -> Result<u64, Problem> {
        match param(k) {
            None => Ok(default),
            Some(v) => v
                .trim()
                .parse::<u64>()
                .map_err(|_| Problem::bad(format!("{k}: {v:?} is not a non-negative integer"))),
        }
    };
    let page = number("page", 0)?;
    let page_size = number("pageSize", DEFAULT_PAGE_SIZE)?.clamp(1, MAX_PAGE_SIZE);
    let mut parts = Vec::new();
    if let Some(f) = param("filter").filter(|f| !f.trim().is_empty()) {
        parts.push(filter::parse(&f).map_err(Problem::bad)?);
    }
    if let Some(s) = param("search").filter(|s| !s.trim().is_empty()) {
        let key = match ty.unique {
            super::Unique::Field(f) => f,
            _ => "name",
        };
        parts.push(Expr::Cmp {
            field: key.to_string(),
            op: Op::Eq,
            values: vec![format!("*{}*", s.trim().replace('*', ""))],
        });
    }
    let expr = match parts.len() {
        0 => None,
        1 => parts.pop(),
        _ => Some(Expr::And(parts)),
    };
    let filter_param = param("filter");
    let org2 = org.clone();
    let (data, total) = read(state, move |c| {
        if let Some(p) = &parent {
            parent_exists(c, &org2, ty, p)?;
        }
        store::list(
            c,
            &org2,
            ty,
            parent.as_deref(),
            expr.as_ref(),
            page,
            page_size,
        )
    })
    .await?;
    let total_pages = total.div_ceil(page_size);
    let link = |p: u64| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.append_pair("page", &p.to_string());
        s.append_pair("pageSize", &page_size.to_string());
        if let Some(f) = &filter_param {
            s.append_pair("filter", f);
        }
        format!("{path}?{}", s.finish())
    };
    let meta = PageMeta {
        orgid: Some(org),
        page: page as u32,
        page_size: page_size as u32,
        total_pages: total_pages as u32,
        total_records: total,
        links: Some(PaginationLinks {
            self_: link(page),
            first: Some(link(0)),
            last: Some(link(total_pages.saturating_sub(1))),
            next: (page + 1 < total_pages).then(|| link(page + 1)),
            prev: (page > 0).then(|| link(page - 1)),
        }),
    };
    Ok(raw_page(&meta, &data))
}

/// A list page (`ListPage`'s `{"meta", "data"}`) whose objects are JSON text as stored: a page
/// of 1000 users is not parsed and written again object by object.
fn raw_page(meta: &PageMeta, data: &[String]) -> Response {
    let meta = serde_json::to_string(meta).expect("page meta serialises");
    let len = meta.len() + data.iter().map(|d| d.len() + 1).sum::<usize>() + 20;
    let mut body = String::with_capacity(len);
    body.push_str("{\"meta\":");
    body.push_str(&meta);
    body.push_str(",\"data\":[");
    for (i, d) in data.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(d);
    }
    body.push_str("]}");
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// How a bulk call treats its items.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// `POST …/bulk`: SAVE creates (no id) or replaces (id); DELETE deletes.
    Save { strict: bool },
    /// `PATCH …/bulk`: each item is an id plus changed fields.
    Patch,
}

fn item_error(ident: i32, op: OperationType, p: &Problem) -> BulkResponseItem {
    BulkResponseItem {
        item_identifier: ident,
        status: p.status,
        operation_type: Some(op),
        href: None,
        api_error: Some(error_body(p.status, &p.description)),
    }
}

async fn bulk(
    state: &AppState,
    org: String,
    ty: &'static ApiType,
    parent: Option<String>,
    mode: Mode,
    body: &[u8],
    now_ms: i64,
) -> Result<Response, Problem> {
    // Straight into the request's types (one parse, no JSON tree first).
    let request: BulkRequest = serde_json::from_slice(body)
        .map_err(|e| Problem::bad(format!("Malformed JSON request: {e}")))?;
    let results = write(state, move |c| {
        if let Some(p) = &parent {
            parent_exists(c, &org, ty, p)?;
        }
        let known = store::Known::default();
        let ctx = Ctx {
            org: &org,
            ty,
            parent: parent.as_deref(),
            now_ms,
            known: Some(&known),
        };
        let href = |id: &str| match &parent {
            Some(p) => format!(
                "/organization/{org}/{}/{p}/entry/{id}",
                ty.parent.unwrap_or_default()
            ),
            None => format!("/organization/{org}/{}{}/{id}", ty.item_prefix, ty.name),
        };
        // A PATCH's objects, read at once (one query for the call, not one per item).
        let mut stored = match mode {
            Mode::Patch => {
                let ids: Vec<&str> = request
                    .items
                    .iter()
                    .filter_map(|i| i.item.get("id").and_then(Value::as_str))
                    .collect();
                store::get_many(c, &org, ty, parent.as_deref(), &ids)?
            }
            Mode::Save { .. } => Default::default(),
        };
        Ok(request
            .items
            .into_iter()
            .map(|item| bulk_item(c, &ctx, mode, item, &href, &mut stored))
            .collect::<Vec<_>>())
    })
    .await?;
    let mut resp = json_response(207, &BulkResponse { items: results });
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Ok(resp)
}

/// One item of a bulk call. `stored`: the objects of a PATCH as read before its first item;
/// each is used once (an id given twice is read again) and a DELETE drops them all.
fn bulk_item(
    c: &rusqlite::Connection,
    ctx: &Ctx,
    mode: Mode,
    item: BulkRequestItem,
    href: &dyn Fn(&str) -> String,
    stored: &mut std::collections::HashMap<String, store::Stored>,
) -> BulkResponseItem {
    let ident = item.item_identifier;
    let action = item.request_action.unwrap_or(RequestAction::Save);
    let obj = item.item;
    let id = obj.get("id").and_then(Value::as_str).map(str::to_string);
    use OperationType::{Create, Delete, Update};
    let result = match (action, mode) {
        (RequestAction::Delete, _) => match &id {
            None => Err((Problem::bad("id: must not be null"), Delete)),
            Some(id) => store::delete(c, ctx, id)
                .inspect(|()| {
                    if let Some(known) = ctx.known {
                        known.borrow_mut().clear();
                    }
                    stored.clear();
                })
                .map(|()| (204, Delete, None))
                .map_err(|p| (p, Delete)),
        },
        (RequestAction::Save, Mode::Patch) => match &id {
            None => Err((Problem::bad("id: must not be null"), Update)),
            Some(id) => store::patch_stored(c, ctx, id, obj, stored.remove(id))
                .map(|_| (200, Update, Some(href(id))))
                .map_err(|p| (p, Update)),
        },
        (RequestAction::Save, Mode::Save { strict }) => match &id {
            None => store::create(c, ctx, obj)
                .map(|v| {
                    (
                        201,
                        Create,
                        Some(href(v["id"].as_str().unwrap_or_default())),
                    )
                })
                .map_err(|p| (p, Create)),
            Some(_) if strict && ctx.ty.bulk_update_refused => Err((
                Problem::bad(crate::wxcc::wire::NEW_CONFIGURATION_CANNOT_HAVE_ID),
                Create,
            )),
            Some(id) => store::replace(c, ctx, id, obj)
                .map(|_| (200, Update, Some(href(id))))
                .map_err(|p| (p, Update)),
        },
    };
    match result {
        Ok((status, op, href)) => BulkResponseItem {
            item_identifier: ident,
            status,
            operation_type: Some(op),
            href,
            api_error: None,
        },
        Err((p, op)) => item_error(ident, op, &p),
    }
}

/// One part of a multipart body: its name and bytes.
struct Part {
    name: String,
    data: Vec<u8>,
}

/// Splits a `multipart/form-data` body into its parts.
fn multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, Problem> {
    let boundary = content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .filter(|_| content_type.starts_with("multipart/form-data"))
        .ok_or_else(|| {
            Problem::new(
                415,
                "Content-Type must be multipart/form-data with a boundary",
            )
        })?;
    let delim = format!("--{boundary}");
    let finder = memchr::memmem::Finder::new(delim.as_bytes());
    let starts: Vec<usize> = finder.find_iter(body).collect();
    let malformed = || Problem::bad("malformed multipart body");
    if starts.is_empty() {
        return Err(malformed());
    }
    let mut parts = Vec::new();
    for w in starts.windows(2) {
        let chunk = &body[w[0] + delim.len()..w[1]];
        let chunk = chunk.strip_prefix(b"\r\n").ok_or_else(malformed)?;
        let chunk = chunk.strip_suffix(b"\r\n").ok_or_else(malformed)?;
        let split = memchr::memmem::find(chunk, b"\r\n\r\n").ok_or_else(malformed)?;
        let head = String::from_utf8_lossy(&chunk[..split]);
        let name = head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("content-disposition"))
            .flat_map(|l| l.split(';'))
            .map(str::trim)
            .find_map(|p| p.strip_prefix("name="))
            .map(|n| n.trim_matches('"').to_string())
            .ok_or_else(malformed)?;
        parts.push(Part {
            name,
            data: chunk[split + 4..].to_vec(),
        });
    }
    Ok(parts)
}

async fn audio(
    state: &AppState,
    org: String,
    id: Option<String>,
    content_type: &str,
    body: bytes::Bytes,
    now_ms: i64,
) -> Result<Response, Problem> {
    let parts = multipart(content_type, &body)?;
    let part = |n: &str| parts.iter().find(|p| p.name == n);
    let info =
        part("audioFileInfo").ok_or_else(|| Problem::bad("audioFileInfo: must not be null"))?;
    let file = part("audioFile").ok_or_else(|| Problem::bad("audioFile: must not be null"))?;
    let mut info = object(parse_json(&info.data)?, "audioFileInfo")?;
    let data = file.data.clone();
    let ty = api_type("audio-file").expect("audio-file type");
    let v = write(state, move |c| {
        let ctx = Ctx {
            org: &org,
            ty,
            parent: None,
            now_ms,
            known: None,
        };
        store::unknown_fields(ty, &info)?;
        let blob = uuid::Uuid::new_v4().to_string();
        info.insert("blobId".into(), Value::from(blob.clone()));
        info.insert(
            "url".into(),
            Value::from(format!("https://sandbox.invalid/audio/{blob}")),
        );
        let v = match &id {
            None => store::create(c, &ctx, info)?,
            Some(id) => store::replace(c, &ctx, id, info)?,
        };
        store::put_blob(c, &org, v["id"].as_str().unwrap_or_default(), &data)?;
        Ok(v)
    })
    .await?;
    Ok(json_response(200, &v))
}

/// Turns a request body into a multipart body (for tests and the HTTP tenant's callers):
/// `(content type, body)` with the two parts Cisco's audio routes take.
pub fn audio_form(info: &Value, file_name: &str, wav: &[u8]) -> (String, Body) {
    let boundary = format!("sandbox-{}", uuid::Uuid::new_v4().simple());
    let mut b = Vec::new();
    b.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{AUDIO_FILE_INFO_PART}\"\r\nContent-Type: application/json\r\n\r\n").as_bytes());
    b.extend_from_slice(info.to_string().as_bytes());
    b.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"{AUDIO_FILE_PART}\"; filename=\"{file_name}\"\r\nContent-Type: audio/wav\r\n\r\n").as_bytes());
    b.extend_from_slice(wav);
    b.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        format!("multipart/form-data; boundary={boundary}"),
        Body::from(b),
    )
}

/// The face as the sandbox's own job engine reaches it: the router the socket serves, called
/// in process. The engine's requests take every layer a client's take (limits, error bodies,
/// authentication, the face's handler) without a second HTTP stack and a loopback socket in
/// between (an existing-users job takes about 6% less CPU without them).
pub struct InProcess {
    app: axum::Router,
    runtime: tokio::runtime::Handle,
}

impl InProcess {
    /// Calls `app` on `runtime` (from threads outside it: the job worker's).
    pub fn new(app: axum::Router, runtime: tokio::runtime::Handle) -> Self {
        InProcess { app, runtime }
    }
}

impl crate::wxcc::transport::Transport for InProcess {
    fn exchange(
        &self,
        r: crate::wxcc::transport::Request,
    ) -> Result<crate::wxcc::transport::Answer, String> {
        use futures_util::FutureExt;
        use tower::ServiceExt;
        // The origin form, as a server reads the request line.
        let target = match r.url.query() {
            Some(q) => format!("{}?{q}", r.url.path()),
            None => r.url.path().to_string(),
        };
        let mut req = axum::http::Request::builder()
            .method(r.method)
            .uri(target)
            .body(Body::from(r.body))
            .map_err(|e| e.to_string())?;
        *req.headers_mut() = r.headers;
        let app = self.app.clone();
        self.runtime.block_on(async move {
            // A handler that panics answers nothing, as a dropped connection would.
            let resp = match std::panic::AssertUnwindSafe(app.oneshot(req))
                .catch_unwind()
                .await
            {
                Ok(Ok(resp)) => resp,
                Ok(Err(never)) => match never {},
                Err(_) => return Err("the connection closed before an answer".to_string()),
            };
            let status = resp.status().as_u16();
            let retry_after = crate::wxcc::transport::retry_after(resp.headers());
            let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
                .await
                .map_err(|e| e.to_string())?;
            Ok(crate::wxcc::transport::Answer {
                status,
                retry_after,
                body: body.to_vec(),
            })
        })
    }
}
