//! Job routes: submit imports and exports, list jobs, follow one, download its files.

use super::super::store::{self, Created, NewJob, Principal};
use super::super::{ApiError, AppState};
use super::meta::{find_type, MAX_PAGE_SIZE, MAX_WAIT_SECONDS};
use crate::api::wire::ErrorCode;
use crate::api::wire::{
    ExportRequest, ImportQuery, Job, JobList, JobListQuery, JobQuery, JobType,
    IDEMPOTENCY_KEY_HEADER,
};
use crate::schema::FileKind;
use axum::body::Body;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

fn bad_query(e: QueryRejection) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        ErrorCode::InvalidQuery,
        e.body_text(),
    )
}

fn job_not_found(id: &str) -> ApiError {
    ApiError::not_found(ErrorCode::JobNotFound, format!("job {id} does not exist"))
}

fn job_active(id: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        ErrorCode::JobActive,
        format!("job {id} is still active; only one job may run at a time, wait for it to finish"),
    )
    .with_details(serde_json::json!({ "job_id": id }))
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    match headers.get(IDEMPOTENCY_KEY_HEADER) {
        None => Ok(None),
        Some(v) => match v.to_str() {
            Ok(s) if !s.trim().is_empty() && s.len() <= 200 => Ok(Some(s.trim().to_string())),
            _ => Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::InvalidIdempotencyKey,
                "the Idempotency-Key header must be 1 to 200 visible ASCII characters",
            )),
        },
    }
}

/// A client-sent name as a plain file name: its last path component, without control
/// characters or bidirectional overrides (U+202E shows `exe.csv` as `vsc.exe`), without
/// leading dots; it names ZIP entries and `Content-Disposition`, so it must never be a path.
fn plain_file_name(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let clean: String = last
        .chars()
        .filter(|c| {
            !c.is_control()
                && !matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        })
        .collect();
    clean.trim().trim_start_matches('.').trim().to_string()
}

/// What a job-creating request asks for; a reused `Idempotency-Key` must ask for the same.
struct Wanted {
    job_type: JobType,
    object_type: String,
    file_name: String,
}

impl Wanted {
    /// 422 when the job `rec` that the key created was another request (the IETF
    /// Idempotency-Key draft: a key reused with a different payload is an error, not the first
    /// job again).
    fn check(&self, rec: &store::JobRecord) -> Result<(), ApiError> {
        let j = &rec.job;
        if j.job_type == self.job_type
            && j.object_type == self.object_type
            && j.file_name == self.file_name
        {
            return Ok(());
        }
        Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidIdempotencyKey,
            format!(
                "this Idempotency-Key was already used for job {} ({} of {} {}), not for this {} of {} {}; use a new key for a new request",
                j.id,
                j.job_type.as_str(),
                j.object_type,
                j.file_name,
                self.job_type.as_str(),
                self.object_type,
                self.file_name
            ),
        )
        .with_details(serde_json::json!({ "job_id": j.id })))
    }
}

/// 201 with the new job, or 200 with the job an idempotency key already created for the same
/// request (422 for another one).
fn created_response(created: Created, wanted: &Wanted) -> Result<Response, ApiError> {
    if let Created::Existing(rec) = &created {
        wanted.check(rec)?;
    }
    match created {
        Created::New(rec) => Ok((
            StatusCode::CREATED,
            [(header::LOCATION, format!("/v1/jobs/{}", rec.job.id))],
            Json(rec.job),
        )
            .into_response()),
        Created::Existing(rec) => Ok((StatusCode::OK, Json(rec.job)).into_response()),
        Created::Active(id) => Err(job_active(&id)),
    }
}

/// Answers early when the key already names a job or another job is active (other than
/// `after`, the job an upload may queue behind).
async fn precheck(
    state: &AppState,
    p: &Principal,
    key: &Option<String>,
    wanted: &Wanted,
    after: Option<&str>,
) -> Result<Option<Response>, ApiError> {
    let (org, key) = (p.org_id.clone(), key.clone());
    let (existing, active) = state
        .db(move |c| {
            let existing = match &key {
                Some(k) => store::job_for_key(c, &org, k)?,
                None => None,
            };
            Ok((existing, store::active_job(c, &org)?))
        })
        .await?;
    if let Some(rec) = existing {
        return Ok(Some(created_response(Created::Existing(rec), wanted)?));
    }
    match active {
        Some(id) if Some(id.as_str()) != after => Err(job_active(&id)),
        _ => Ok(None),
    }
}

/// Makes `upload` a job now.
async fn create(state: &AppState, upload: store::Upload) -> Result<Created, ApiError> {
    let (now, data_dir) = (state.now(), state.settings().data_dir.clone());
    state.db(move |c| upload.create(c, &data_dir, now)).await
}

/// Makes `upload` a job as soon as job `after` has ended: while `after` is the organisation's
/// active job the upload is held, and the worker creates the job the moment it records
/// `after`'s end ([`AppState::create_held`]). Refused as `job_active` when `after` is still
/// active after `settings.after_wait`, or the service stops. When the request goes away, the
/// worker skips the upload and the route's guard removes its file: a held upload never becomes
/// a job nobody follows.
async fn hold(state: &AppState, upload: store::Upload, after: &str) -> Result<Created, ApiError> {
    let mut shutdown = state.subscribe_shutdown();
    let deadline = tokio::time::Instant::now() + state.settings().after_wait;
    let id = upload.id.clone();
    let (reply, mut answer) = tokio::sync::oneshot::channel();
    let (st, a) = (state.clone(), after.to_string());
    if let Some(upload) = state.db(move |c| st.hold(c, &a, upload, reply)).await? {
        return create(state, upload).await;
    }
    tokio::select! {
        r = &mut answer => return created_by_worker(r, after),
        _ = shutdown.wait_for(|s| *s) => {}
        _ = tokio::time::sleep_until(deadline) => {}
    }
    if state.unhold(&id) {
        return Err(job_active(after));
    }
    // The worker took it in the meantime: its answer follows at once.
    created_by_worker(answer.await, after)
}

fn created_by_worker(
    answer: Result<anyhow::Result<Created>, tokio::sync::oneshot::error::RecvError>,
    after: &str,
) -> Result<Created, ApiError> {
    match answer {
        Ok(created) => created.map_err(ApiError::internal),
        // The worker stopped before `after` ended.
        Err(_) => Err(job_active(after)),
    }
}

/// Counts CSV records as bytes arrive: line ends outside quotes, blank lines skipped.
#[derive(Default)]
struct RecordCounter {
    in_quotes: bool,
    current_has_data: bool,
    records: u64,
}

impl RecordCounter {
    /// Jumps from quote to line feed with `memchr2`: a byte between them other than `\r`
    /// means the record has data.
    fn feed(&mut self, chunk: &[u8]) {
        let mut from = 0;
        for at in memchr::memchr2_iter(b'"', b'\n', chunk) {
            if !self.current_has_data && chunk[from..at].iter().any(|&b| b != b'\r') {
                self.current_has_data = true;
            }
            if chunk[at] == b'"' {
                self.in_quotes = !self.in_quotes;
                self.current_has_data = true;
            } else if !self.in_quotes {
                if self.current_has_data {
                    self.records += 1;
                }
                self.current_has_data = false;
            }
            from = at + 1;
        }
        if !self.current_has_data && chunk[from..].iter().any(|&b| b != b'\r') {
            self.current_has_data = true;
        }
    }

    /// Data rows so far (records after the header), counting an unterminated last one.
    fn data_rows(&self) -> u64 {
        (self.records + u64::from(self.current_has_data)).saturating_sub(1)
    }
}

/// How much of an upload is gathered before each write to its file.
const UPLOAD_WRITE_BYTES: usize = 256 * 1024;

pub(super) async fn import(
    State(state): State<AppState>,
    p: Principal,
    query: Result<Query<ImportQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    let object = find_type(&q.object_type).map_err(|mut e| {
        e.status = StatusCode::UNPROCESSABLE_ENTITY;
        e
    })?;
    let file_name = plain_file_name(&q.file_name);
    if file_name.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidQuery,
            "file_name must not be empty",
        ));
    }
    let key = idempotency_key(&headers)?;
    let wanted = Wanted {
        job_type: JobType::Import,
        object_type: object.id.clone(),
        file_name: file_name.clone(),
    };
    let after = q.after.as_deref().map(str::trim).filter(|a| !a.is_empty());
    if let Some(resp) = precheck(&state, &p, &key, &wanted, after).await? {
        return Ok(resp);
    }
    let s = state.settings();
    let is_zip = object.file == FileKind::Zip;
    let limit_bytes = if is_zip { s.max_zip_bytes } else { s.max_bytes };
    let limit_rows = s.max_rows;
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::PayloadTooLarge,
            format!(
                "{file_name} is larger than {limit_bytes} bytes, the most one {} may hold; split it (bulk split)",
                if is_zip { "ZIP" } else { "CSV" }
            ),
        )
        .with_details(serde_json::json!({ "limit_bytes": limit_bytes }))
    };
    // A declared size over the limit is refused before a byte of the body is read.
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit_bytes) {
        return Err(too_large());
    }

    // Stream the body into a temporary file, counting bytes and rows as they arrive.
    let id = uuid::Uuid::new_v4().to_string();
    let tmp = s.data_dir.join("files").join(format!("{id}.partial"));
    let mut open = tokio::fs::OpenOptions::new();
    open.write(true).create_new(true);
    #[cfg(unix)]
    open.mode(0o600);
    // Written in large pieces: each write of a tokio file is a trip to the blocking pool.
    let mut out = tokio::io::BufWriter::with_capacity(
        UPLOAD_WRITE_BYTES,
        open.open(&tmp)
            .await
            .map_err(|e| ApiError::internal(e.into()))?,
    );
    // However the handler ends (an error, or its request dropped while held behind `after`),
    // a partial file left unrenamed is removed.
    let _partial = crate::fsutil::RemoveOnDrop(tmp.clone());
    let mut stream = body.into_data_stream();
    let mut bytes = 0u64;
    let mut counter = RecordCounter::default();
    while let Some(chunk) = stream.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(e) => {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::UploadFailed,
                    format!("the upload broke off: {e}"),
                ));
            }
        };
        bytes += chunk.len() as u64;
        if bytes > limit_bytes {
            return Err(too_large());
        }
        if !is_zip {
            counter.feed(&chunk);
            if counter.data_rows() > limit_rows {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::TooManyRows,
                    format!(
                        "{file_name} has more than {limit_rows} data rows, the most one CSV may hold; split it (bulk split)"
                    ),
                )
                .with_details(serde_json::json!({ "limit_rows": limit_rows })));
            }
        }
        if let Err(e) = out.write_all(&chunk).await {
            return Err(ApiError::internal(e.into()));
        }
    }
    if let Err(e) = out.flush().await {
        return Err(ApiError::internal(e.into()));
    }
    drop(out);

    let upload = store::Upload {
        id: id.clone(),
        org_id: p.org_id.clone(),
        file_name,
        object_type: object.id.clone(),
        submitted_by: p.email.clone(),
        rows_total: if is_zip { 0 } else { counter.data_rows() },
        idempotency_key: key,
        received: tmp,
    };
    let to_sync = store::upload_path(&s.data_dir, &id);
    let result = match after {
        Some(after) => hold(&state, upload, after).await,
        None => create(&state, upload).await,
    };
    state.wake_worker();
    // The upload reaches the disk behind the answer, off the path from one job to the next
    // (an fsync of a 570 KB chunk took 3-20 ms on the bench machine). It is then as durable as
    // the job's row, which SQLite commits without an fsync (WAL, synchronous = NORMAL): both
    // survive the sandbox process dying at any moment; a crash of the machine itself may lose
    // the last moments of both.
    if let Ok(Created::New(_)) = &result {
        tokio::task::spawn_blocking(move || {
            if let Ok(f) = std::fs::File::open(to_sync) {
                let _ = f.sync_all();
            }
        });
    }
    created_response(result?, &wanted)
}

pub(super) async fn export(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    body: Result<Json<ExportRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(req) =
        body.map_err(|e| ApiError::new(e.status(), ErrorCode::InvalidBody, e.body_text()))?;
    let object = find_type(&req.object_type).map_err(|mut e| {
        e.status = StatusCode::UNPROCESSABLE_ENTITY;
        e
    })?;
    if object.file == FileKind::Zip {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::NotExportable,
            format!(
                "{} cannot be exported: the service exports CSV object types only, not audio files",
                object.display_name
            ),
        ));
    }
    let key = idempotency_key(&headers)?;
    let file_name = req
        .file_name
        .map(|f| plain_file_name(&f))
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| format!("{}.csv", object.id));
    let wanted = Wanted {
        job_type: JobType::Export,
        object_type: object.id.clone(),
        file_name: file_name.clone(),
    };
    if let Some(resp) = precheck(&state, &p, &key, &wanted, None).await? {
        return Ok(resp);
    }
    let now = state.now();
    let (org, email, object_type) = (p.org_id.clone(), p.email.clone(), object.id.clone());
    let result = state
        .db(move |c| {
            store::create_job(
                c,
                NewJob {
                    id: uuid::Uuid::new_v4().to_string(),
                    org_id: &org,
                    file_name: &file_name,
                    job_type: JobType::Export,
                    object_type: &object_type,
                    submitted_by: &email,
                    rows_total: 0,
                    now,
                    idempotency_key: key.as_deref(),
                },
                || Ok(()),
            )
        })
        .await?;
    state.wake_worker();
    created_response(result, &wanted)
}

pub(super) async fn list(
    State(state): State<AppState>,
    p: Principal,
    query: Result<Query<JobListQuery>, QueryRejection>,
) -> Result<Json<JobList>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    let page = q.page.unwrap_or(1);
    let page_size = q.page_size.unwrap_or(20);
    if page == 0 || page_size == 0 || page_size > MAX_PAGE_SIZE {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidQuery,
            format!("page starts at 1 and page_size must be 1 to {MAX_PAGE_SIZE}"),
        ));
    }
    // The offset must fit SQLite's signed 64-bit integers; such a page is out of range.
    if (page - 1)
        .checked_mul(page_size)
        .is_none_or(|offset| offset > i64::MAX as u64)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            ErrorCode::InvalidQuery,
            format!("page {page} is out of range for page_size {page_size}"),
        )
        .with_details(serde_json::json!({ "page": page, "page_size": page_size })));
    }
    let list = state
        .db(move |c| store::list_jobs(c, &p.org_id, &q, page, page_size))
        .await?;
    Ok(Json(list))
}

async fn load(state: &AppState, p: &Principal, id: &str) -> Result<store::JobRecord, ApiError> {
    let (org, id2) = (p.org_id.clone(), id.to_string());
    state
        .db(move |c| store::get_job(c, Some(&org), &id2))
        .await?
        .ok_or_else(|| job_not_found(id))
}

pub(super) async fn get_job(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
    query: Result<Query<JobQuery>, QueryRejection>,
) -> Result<Json<Job>, ApiError> {
    let Query(q) = query.map_err(bad_query)?;
    // Subscribe first so a change between the read and the wait is not missed.
    let mut changes = state.subscribe_changes();
    let mut shutdown = state.subscribe_shutdown();
    let first = load(&state, &p, &id).await?.job;
    let wait = q.wait.unwrap_or(0).min(MAX_WAIT_SECONDS);
    if wait == 0 || !first.status.is_active() {
        return Ok(Json(first));
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    loop {
        tokio::select! {
            r = changes.changed() => { if r.is_err() { break; } }
            _ = shutdown.wait_for(|s| *s) => break,
            _ = tokio::time::sleep_until(deadline) => break,
        }
        let now = load(&state, &p, &id).await?.job;
        if now.status != first.status || now.rows_processed != first.rows_processed {
            return Ok(Json(now));
        }
    }
    Ok(Json(load(&state, &p, &id).await?.job))
}

fn attachment(content_type: &str, name: &str, body: Vec<u8>) -> Response {
    let safe: String = name
        .chars()
        .map(|c| {
            if c == '"' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{safe}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// The rows of a job that succeeded with a warning (empty for most jobs).
pub(super) async fn warnings(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Json<crate::api::wire::Warnings>, ApiError> {
    let rec = load(&state, &p, &id).await?;
    let id = rec.job.id;
    let rows = state.db(move |c| store::job_warnings(c, &id)).await?;
    Ok(Json(crate::api::wire::Warnings {
        warnings: rows
            .into_iter()
            .map(|(line, message)| crate::api::wire::RowWarning { line, message })
            .collect(),
    }))
}

pub(super) async fn errors(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let rec = load(&state, &p, &id).await?;
    if !rec.job.has_errors_file {
        return Err(ApiError::not_found(
            ErrorCode::NoErrorFile,
            format!(
                "job {id} has no error file: it has no failed rows (status {})",
                rec.job.status.as_str()
            ),
        ));
    }
    let id2 = id.clone();
    let rows = state.db(move |c| store::job_errors(c, &id2)).await?;
    let header = rec.header.clone().unwrap_or_default();
    let write = || -> std::io::Result<Vec<u8>> {
        let mut w =
            crate::errors_csv::Writer::with_lf(Vec::new(), header.iter().map(|h| h.as_bytes()))?;
        for (line, fields, message) in &rows {
            w.row(fields.iter().map(|f| f.as_bytes()), *line, message)?;
        }
        w.finish()
    };
    let body = write().map_err(|e| ApiError::internal(e.into()))?;
    let stem = rec
        .job
        .file_name
        .rsplit_once('.')
        .map_or(rec.job.file_name.as_str(), |(s, _)| s);
    Ok(attachment("text/csv", &format!("{stem}.errors.csv"), body))
}

pub(super) async fn file(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let rec = load(&state, &p, &id).await?;
    let (Some(name), Some(ct)) = (rec.result_name, rec.result_type) else {
        return Err(ApiError::not_found(
            ErrorCode::NoResultFile,
            format!(
                "job {id} has no file to download: only a completed export job has one (status {})",
                rec.job.status.as_str()
            ),
        ));
    };
    let body = tokio::fs::read(store::result_path(&state.settings().data_dir, &id))
        .await
        .map_err(|e| ApiError::internal(e.into()))?;
    Ok(attachment(&ct, &name, body))
}

#[cfg(test)]
mod tests {
    use super::RecordCounter;

    /// The counter as it was, byte by byte: the reference the `memchr2` one must agree with.
    fn by_bytes(data: &[u8]) -> (u64, bool, bool) {
        let (mut in_quotes, mut has_data, mut records) = (false, false, 0);
        for &b in data {
            match b {
                b'"' => {
                    in_quotes = !in_quotes;
                    has_data = true;
                }
                b'\n' if !in_quotes => {
                    records += u64::from(has_data);
                    has_data = false;
                }
                b'\r' => {}
                _ => has_data = true,
            }
        }
        (records, in_quotes, has_data)
    }

    #[test]
    fn counts_records_as_the_byte_loop_did_whatever_the_pieces() {
        let inputs: [&[u8]; 8] = [
            b"Name,Site\r\nA,B\r\n\r\nC,D",
            b"Name\n\"multi\nline\"\n\n\r\n\"\"\"quoted\"\"\"\n",
            b"\r\r\n\r\n",
            b"a\n\"unterminated\nquote",
            b"",
            b"\"\"\n\"\"",
            b"x,\"a\r\nb\",y\r\nz\r",
            b"\n\n\nlast",
        ];
        for data in inputs {
            let want = by_bytes(data);
            for piece in 1..=data.len().max(1) {
                let mut c = RecordCounter::default();
                for part in data.chunks(piece) {
                    c.feed(part);
                }
                assert_eq!(
                    (c.records, c.in_quotes, c.current_has_data),
                    want,
                    "{:?} in pieces of {piece}",
                    String::from_utf8_lossy(data)
                );
            }
        }
    }
}
