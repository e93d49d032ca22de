//! Job processing: one worker thread runs jobs one at a time, oldest first, resuming a job that
//! was in progress when the service stopped.
//!
//! Rows are applied in batches through wxcc's mapping and its HTTP `Tenant`, pointed at this
//! sandbox's own Configuration-API face (its router, called in process): the code a real
//! tenant runs. After a batch's tenant calls, its failed-row records and the job's counters
//! commit in one transaction, so after a crash the job continues after the last committed
//! batch; a replayed batch finds its objects by name and updates them, so no row creates twice
//! or is lost.

use super::faults::{Dice, FAILED_JOB_REASON};
use super::org::face::{engine_secret, ENGINE_HEADER};
use super::rows::{CheckedFile, CheckedRow, CsvCheck};
use super::store::{self, to_millis, JobRecord};
use super::AppState;
use crate::api::wire::{JobStatus, JobType};
use crate::schema;
use crate::wxcc::apply::{apply, apply_audio, prepare, send, Applied, ObjectError, Prepared};
use crate::wxcc::endpoints::ApiType;
use crate::wxcc::http::{fixed_token, HttpTenant};
use crate::wxcc::limits::{auth_failure, RateLimiter};
use crate::wxcc::mapping::{self, CsvObject, MapErrorKind, Row};
use crate::wxcc::tenant::{Outcome as TenantOutcome, Tenant, TenantError};
use anyhow::Context;
use rusqlite::{params, Connection, Transaction, TransactionBehavior};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// How often the worker purges jobs older than a year.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// How long the worker keeps what a finished job left to free ([`Spent`]) when no job follows.
const SPENT_GRACE: Duration = Duration::from_millis(100);

/// Rows per transaction when no row delay is set.
const BATCH_ROWS: usize = 1000;

/// Items per bulk call to the sandbox's face: the whole batch in one call (Cisco publishes no
/// limit; the face's body limit holds 1000 users many times over).
const TENANT_BATCH: usize = BATCH_ROWS;

/// The sandbox's own Configuration-API face as the worker reaches it: the URL it is served on
/// (the base of the engine's requests) and the transport that carries them.
pub(crate) struct Face {
    pub url: String,
    pub transport: std::sync::Arc<dyn crate::wxcc::transport::Transport>,
}

impl Face {
    /// The face served at `url`, its router (of `state`) called in process on `runtime`.
    pub(crate) fn in_process(
        url: String,
        state: &AppState,
        runtime: tokio::runtime::Handle,
    ) -> Face {
        Face {
            url,
            transport: std::sync::Arc::new(super::org::face::InProcess::new(
                super::router(state.clone()),
                runtime,
            )),
        }
    }
}

/// Whether processing ran to the end or stopped because the service is shutting down.
enum Outcome {
    Done,
    Stopped,
}

/// The worker loop on its own connection; returns when the state is told to stop.
pub(crate) fn run_worker(state: AppState, mut conn: Connection, face: Face) {
    let mut last_purge = Instant::now();
    let mut spent = Spent::default();
    let dice = Dice::new(state.settings().faults.seed);
    let _ = store::release_uploads(&conn, &state.settings().data_dir);
    while !state.stopping() {
        if last_purge.elapsed() >= PURGE_EVERY {
            let _ = state.purge_with(&mut conn);
            last_purge = Instant::now();
        }
        let next = store::next_runnable(&conn).unwrap_or(None);
        match next {
            Some(id) => {
                // A job that breaks the worker ends as failed instead of being retried forever.
                let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    process(&state, &mut conn, &id, &dice, &face, &mut spent)
                }));
                let reason = match run {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(format!("internal error: {e:#}")),
                    Err(_) => Some("internal error: processing the job crashed".to_string()),
                };
                if let Some(reason) = reason {
                    let _ = fail(&state, &conn, &id, &reason);
                }
                // An upload held behind this job becomes the next one now (issue 15: the gap
                // between the jobs of a chunked import). A job stopped with the service has
                // not ended: what is held behind it is answered by the shutdown.
                if !state.stopping() {
                    state.create_held(&mut conn, &id);
                }
                // An ended job keeps its record, not its upload (issue 11). The file goes with
                // what the job leaves, off the path to the next job: its unlink took a few
                // hundred microseconds between the end of a job and the start of the next.
                if let Ok(Some(upload)) =
                    store::upload_to_release(&conn, &state.settings().data_dir, &id)
                {
                    spent.keep(crate::fsutil::RemoveOnDrop(upload));
                }
            }
            None if spent.is_empty() => {
                state.wait_for_work(Duration::from_millis(500));
            }
            // No job followed the last one soon: free what it left now.
            None => {
                if !state.wait_for_work(SPENT_GRACE) {
                    spent = Spent::default();
                }
            }
        }
    }
}

/// What a finished job leaves to free: its tenant's caches (every list it read, the users of
/// the job among them) and its checked rows, tens of thousands of allocations. Freeing them as
/// the job ends took about 15 ms of a 5000-row job; on a thread of their own they slowed down
/// the next upload, the gap between the jobs of a large import. So they are freed during the
/// next job, on a thread beside it: a CSV import frees them once it has prepared its last batch
/// (a core is idle while that batch is written), another job as it starts; or by the worker
/// once no job has come for [`SPENT_GRACE`].
#[derive(Default)]
struct Spent(Vec<Box<dyn Send>>);

impl Spent {
    fn keep(&mut self, thing: impl Send + 'static) {
        self.0.push(Box::new(thing));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Frees everything on a thread of its own.
    fn free_aside(&mut self) {
        if self.is_empty() {
            return;
        }
        let spent = std::mem::take(self);
        // When the thread cannot start, the closure is dropped here, and everything with it.
        let _ = std::thread::Builder::new()
            .name("sandbox-free".into())
            .spawn(move || drop(spent));
    }
}

fn fail(state: &AppState, conn: &Connection, id: &str, reason: &str) -> anyhow::Result<()> {
    conn.execute(
        "UPDATE jobs SET status = 'failed', failure_reason = ?2, finished_at = ?3,
            started_at = coalesce(started_at, ?3) WHERE id = ?1",
        params![id, reason, to_millis(state.now())],
    )?;
    state.notify_change();
    Ok(())
}

fn process(
    state: &AppState,
    conn: &mut Connection,
    id: &str,
    dice: &Dice,
    face: &Face,
    spent: &mut Spent,
) -> anyhow::Result<()> {
    let Some(rec) = store::get_job(conn, None, id)? else {
        return Ok(());
    };
    if rec.job.status == JobStatus::New
        && rec.job.job_type == JobType::Import
        && dice.roll(state.settings().faults.rate_fail_job)
    {
        return fail(state, conn, id, FAILED_JOB_REASON);
    }
    if rec.job.status == JobStatus::New {
        conn.execute(
            "UPDATE jobs SET status = 'in_progress', started_at = ?2 WHERE id = ?1",
            params![id, to_millis(state.now())],
        )?;
        state.notify_change();
    }
    let outcome = match rec.job.job_type {
        JobType::Export => {
            spent.free_aside();
            export(state, conn, &rec, face)
        }
        JobType::Import => {
            let path = store::upload_path(&state.settings().data_dir, id);
            let data = match std::fs::read(&path) {
                Ok(d) => d,
                Err(e) => {
                    return fail(
                        state,
                        conn,
                        id,
                        &format!("the uploaded file is no longer available ({e}); submit it again"),
                    )
                }
            };
            if crate::schema::is_zip(&rec.job.object_type) {
                spent.free_aside();
                import_audio(state, conn, &rec, &data, face)
            } else {
                import_csv(state, conn, &rec, &data, face, spent)
            }
        }
    };
    match outcome {
        Ok(Outcome::Stopped) => Ok(()),
        Ok(Outcome::Done) => {
            conn.execute(
                "UPDATE jobs SET status = CASE WHEN rows_failed > 0 THEN 'completed_with_errors'
                    ELSE 'completed' END, finished_at = ?2 WHERE id = ?1 AND status = 'in_progress'",
                params![id, to_millis(state.now())],
            )?;
            state.notify_change();
            Ok(())
        }
        Err(JobError::Fail(reason)) => fail(state, conn, id, &reason),
        Err(JobError::Internal(e)) => Err(e),
    }
}

/// Why a job stopped early: a problem of the job itself, or of the service.
enum JobError {
    Fail(String),
    Internal(anyhow::Error),
}

impl<E: Into<anyhow::Error>> From<E> for JobError {
    fn from(e: E) -> Self {
        JobError::Internal(e.into())
    }
}

/// The result of applying one row.
struct RowResult<'a> {
    line: u64,
    fields: &'a [String],
    error: Option<String>,
}

/// Counter increments of one batch.
#[derive(Default)]
struct Tally {
    processed: u64,
    succeeded: u64,
    failed: u64,
    created: u64,
    updated: u64,
}

/// Commits a batch's failed rows and counters; `first_idx` is the batch's first row index.
fn record_batch(
    tx: &Transaction,
    job_id: &str,
    first_idx: u64,
    results: &[RowResult],
    t: &Tally,
) -> anyhow::Result<()> {
    let mut ins = tx.prepare_cached(
        "INSERT OR REPLACE INTO job_errors(job_id, idx, line, fields, message) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (i, r) in results.iter().enumerate() {
        if let Some(msg) = &r.error {
            ins.execute(params![
                job_id,
                (first_idx + i as u64) as i64,
                r.line as i64,
                serde_json::to_string(&r.fields)?,
                msg
            ])?;
        }
    }
    tx.execute(
        "UPDATE jobs SET rows_processed = rows_processed + ?2, rows_succeeded = rows_succeeded + ?3,
            rows_failed = rows_failed + ?4, objects_created = objects_created + ?5,
            objects_updated = objects_updated + ?6 WHERE id = ?1",
        params![
            job_id,
            t.processed as i64,
            t.succeeded as i64,
            t.failed as i64,
            t.created as i64,
            t.updated as i64
        ],
    )?;
    Ok(())
}

/// The Configuration API tenant of the job's organisation: the sandbox's own `face`, reached
/// through wxcc's HTTP implementation (the code a real tenant runs) with its router called in
/// process; in engine mode, the profile's tenant with its tokens and the engine's rate
/// limiter. One per job: it caches the lists it reads.
fn tenant_for(
    state: &AppState,
    conn: &Connection,
    face: &Face,
    org_id: &str,
) -> anyhow::Result<HttpTenant> {
    if let Some(e) = &state.settings().engine {
        return Ok(
            HttpTenant::with_tokens(&e.base, &e.org_id, e.tokens.clone())?
                .with_batch(e.batch)
                .with_limiter(e.limiter.clone()),
        );
    }
    let token: String = conn
        .query_row(
            "SELECT token FROM users WHERE org_id = ?1 ORDER BY is_admin DESC LIMIT 1",
            [org_id],
            |r| r.get(0),
        )
        .context("the organisation has no user to act as")?;
    Ok(HttpTenant::over(
        face.transport.clone(),
        &format!("{}/organization/{org_id}/", face.url),
        org_id,
        fixed_token(&token),
    )?
    .with_batch(TENANT_BATCH)
    // Its own face: Cisco's limit is not the sandbox's.
    .with_limiter(std::sync::Arc::new(RateLimiter::unlimited()))
    .with_header(ENGINE_HEADER, engine_secret()))
}

/// A whole call's failure as the job's: a refused token (401 after the refresh, 403) says so
/// in the words the client turns into exit 6.
fn tenant_failure(e: &TenantError) -> JobError {
    JobError::Fail(auth_failure(e).unwrap_or_else(|| e.to_string()))
}

/// The emails of objects that failed only because their person does not exist.
fn missing_person(obj: &CsvObject, applied: &Applied) -> Option<String> {
    match &applied.result {
        Err(ObjectError::Rows(errs))
            if !errs.is_empty() && errs.iter().all(|e| e.kind == MapErrorKind::UnknownPerson) =>
        {
            Some(obj.rows.first()?.get("Email").to_string())
        }
        _ => None,
    }
}

/// Applies one batch's objects; in lenient mode (the sandbox without `--strict-people`) a user
/// whose person is missing gets the person created first and is applied again, with a warning.
/// Returns one result per object and the warnings by object index.
fn apply_batch(
    tenant: &HttpTenant,
    objects: &[CsvObject],
    prepared: Result<Prepared, TenantError>,
    started_ms: i64,
    strict_people: bool,
    create_people: impl FnOnce(&[String]) -> Vec<bool>,
) -> Result<(Vec<Applied>, HashMap<usize, String>), TenantError> {
    let mut applied = send(tenant, objects, prepared?)?;
    if !strict_people {
        // A row that fails for another reason too: its missing person is not the problem to
        // fix (the sandbox will create the person once the row is right), so it is not named.
        for a in &mut applied {
            if let Err(ObjectError::Rows(errs)) = &mut a.result {
                if errs.iter().any(|e| e.kind != MapErrorKind::UnknownPerson) {
                    errs.retain(|e| e.kind != MapErrorKind::UnknownPerson);
                }
            }
        }
    }
    let missing: Vec<(usize, String)> = objects
        .iter()
        .zip(&applied)
        .enumerate()
        .filter_map(|(i, (obj, a))| missing_person(obj, a).map(|e| (i, e)))
        .collect();
    // Refused under --strict-people (a real tenant's answer): nothing is created.
    let created: Vec<bool> = if strict_people || missing.is_empty() {
        vec![false; missing.len()]
    } else {
        let emails: Vec<String> = missing.iter().map(|(_, e)| e.clone()).collect();
        create_people(&emails)
    };
    let mut warnings = HashMap::new();
    let mut again = Vec::new();
    // Not created (--strict-people): the row keeps the error a real tenant gives.
    for ((i, email), ok) in missing.iter().zip(created) {
        if ok {
            warnings.insert(
                *i,
                format!("no person had the email {email:?}: the sandbox created it first (a real tenant refuses; run the sandbox with --strict-people to rehearse that)"),
            );
            again.push(*i);
        }
    }
    if !again.is_empty() {
        let emails: Vec<String> = again
            .iter()
            .filter_map(|&i| objects[i].rows.first().map(|r| r.get("Email").to_string()))
            .collect();
        tenant.refresh_named(ApiType::User, &emails)?;
        let retry: Vec<CsvObject> = again.iter().map(|&i| objects[i].clone()).collect();
        for (&i, a) in again.iter().zip(apply(tenant, &retry)?) {
            applied[i] = a;
        }
    }
    // A user that came into being during this job (its person created by this job, perhaps
    // before a crash and a replay) counts as created, so the totals stay exact on replay.
    let users = objects.first().is_some_and(|o| o.type_id == "user");
    for a in applied.iter_mut().filter(|_| users) {
        if let Ok(TenantOutcome::Updated { id }) = &a.result {
            if tenant
                .created_ms(ApiType::User, id)
                .is_some_and(|c| c >= started_ms)
            {
                a.result = Ok(TenantOutcome::Created { id: id.clone() });
            }
        }
    }
    Ok((applied, warnings))
}

/// Creates the people (Control Hub users) of `emails` in the sandbox's own store, in one
/// transaction; whether each was created. A sandbox-only convenience (a real tenant refuses,
/// and the engine never creates people there), so it does not go through the Configuration
/// API: one HTTP call per person made a 50,000-user import spend most of its time here.
fn create_people(conn: &mut Connection, org: &str, emails: &[String], now_ms: i64) -> Vec<bool> {
    let made = (|| -> anyhow::Result<Vec<bool>> {
        // The worker's transactions take the write lock first (waiting for it): one that read
        // first failed at its first write ("database is locked") whenever a write on the
        // service's other connection (a job created beside the running one) committed in
        // between, and here that made every row of the batch "no person with this email".
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let made = {
            let people = super::org::store::People::new(&tx, org, now_ms)
                .map_err(|p| anyhow::anyhow!(p.description))?;
            emails
                .iter()
                .map(|email| {
                    let local = email.split('@').next().unwrap_or(email);
                    people.create(email, local, "").is_ok()
                })
                .collect()
        };
        tx.commit()?;
        Ok(made)
    })();
    made.unwrap_or_else(|_| vec![false; emails.len()])
}

fn import_csv(
    state: &AppState,
    conn: &mut Connection,
    rec: &JobRecord,
    data: &[u8],
    face: &Face,
    spent: &mut Spent,
) -> Result<Outcome, JobError> {
    let job = &rec.job;
    let object = schema::registry()
        .get(&job.object_type)
        .ok_or_else(|| JobError::Fail(format!("unknown object type {}", job.object_type)))?;
    let mut check = CsvCheck::new(object, data)
        .map_err(|e| JobError::Fail(format!("{}: {e}", job.file_name)))?;
    let header = check.header().to_vec();
    conn.execute(
        "UPDATE jobs SET rows_total = ?2, header = ?3 WHERE id = ?1",
        params![
            job.id,
            check.remaining() as i64,
            serde_json::to_string(&header)?
        ],
    )?;
    state.notify_change();
    let done = job.rows_processed as usize;
    let delay = state.settings().row_delay;
    let batch_rows = if delay.is_zero() { BATCH_ROWS } else { 1 };
    let tenant = tenant_for(state, conn, face, &rec.org_id)?;
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let columns = mapping::column_names(object, &names);
    // Prepares a batch's objects (maps them, looks their identities up): everything before the
    // tenant is written. `None`: no object to send.
    let prepare_objects =
        |objects: &[CsvObject]| (!objects.is_empty()).then(|| prepare(&tenant, objects));
    // A file of single-row objects is checked a batch ahead: its first batch is mapped and
    // looked up while another thread checks the rest (the core the checks left idle).
    let early =
        done == 0 && delay.is_zero() && !object.is_multi_row() && check.remaining() > batch_rows;
    let (file, first) = if early {
        let head = check.next_rows(batch_rows);
        std::thread::scope(|scope| -> Result<_, JobError> {
            let rest = std::thread::Builder::new()
                .name("sandbox-check".into())
                .spawn_scoped(scope, || check.next_rows(usize::MAX))
                .context("starting the file check")?;
            let groups: Vec<(usize, usize)> = (0..head.len()).map(|i| (i, i + 1)).collect();
            let (objects, sent) = batch_objects(object, &columns, &head, &groups);
            let prepared = prepare_objects(&objects);
            let mut rows = head;
            rows.extend(rest.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
            Ok((
                CheckedFile { header, rows },
                Some((objects, sent, prepared)),
            ))
        })?
    } else {
        let rows = check.next_rows(usize::MAX);
        (CheckedFile { header, rows }, None)
    };
    // Group boundaries: [start, end) row ranges of one object each.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for (i, r) in file.rows.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if file.rows[g.0].group == r.group => g.1 = i + 1,
            _ => groups.push((i, i + 1)),
        }
    }
    // When the job started (on its first run): what its rows create is younger.
    let started_ms: i64 = conn.query_row(
        "SELECT coalesce(started_at, ?2) FROM jobs WHERE id = ?1",
        params![job.id, to_millis(state.now())],
        |r| r.get(0),
    )?;
    // Batches of whole objects, of about `batch_rows` rows each.
    let mut batches: Vec<&[(usize, usize)]> = Vec::new();
    let mut gi = groups.partition_point(|g| g.0 < done);
    while gi < groups.len() {
        let (first, batch_start) = (gi, groups[gi].0);
        let mut batch_end = batch_start;
        while gi < groups.len() && batch_end - batch_start < batch_rows {
            batch_end = groups[gi].1;
            gi += 1;
        }
        batches.push(&groups[first..gi]);
    }
    // A batch's objects: the rows that pass the schema checks; which object each group became.
    let objects_of = |k: usize| batch_objects(object, &columns, &file.rows, batches[k]);
    // Batch k, prepared.
    let prepared = |k: usize, (objects, sent): (Vec<CsvObject>, Vec<Option<usize>>)| {
        let prepared = prepare_objects(&objects);
        Batch {
            groups: batches[k],
            objects,
            sent,
            prepared,
        }
    };
    // The first batch, when it was prepared beside the file check (the same rows).
    let start = usize::from(first.is_some());
    debug_assert!(first.is_none() || batches[0].len() == batch_rows);
    let first = first.map(|(objects, sent, prepared)| Batch {
        groups: batches[0],
        objects,
        sent,
        prepared,
    });
    // What the job before left: freed by the batch preparer once it has prepared the last
    // batch (a core is idle while that batch is written), else now, on a thread aside. (A
    // job that fails before this point leaves it to the next job.)
    let mut previous = std::mem::take(spent);
    // Batch k+1 is prepared on a second thread while batch k is written. Safe because no two
    // objects of a job share an identity (a second definition is a row error of the file check),
    // so writing batch k changes nothing batch k+1 looks up. Each batch reads its own people
    // (ten list calls of 100 emails for 1000 users) while the one before is written: read all
    // at once first, they held up the first write by a fifth of a 5000-row job. A job slowed
    // down for tests (`row_delay`) goes one batch at a time.
    let outcome = std::thread::scope(|scope| -> Result<Outcome, JobError> {
        let ahead: Box<dyn Iterator<Item = Batch>> = if delay.is_zero() && batches.len() > 1 {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(0);
            let (objects_of, prepared) = (&objects_of, &prepared);
            let n = batches.len();
            let previous = std::mem::take(&mut previous);
            std::thread::Builder::new()
                .name("sandbox-prepare".into())
                .spawn_scoped(scope, move || {
                    for k in start..n {
                        if state.stopping() || tx.send(prepared(k, objects_of(k))).is_err() {
                            break;
                        }
                    }
                    drop(previous);
                })
                .context("starting the batch preparer")?;
            Box::new(first.into_iter().chain(rx))
        } else {
            previous.free_aside();
            // One batch, or a job slowed down for tests: one batch at a time, each after its
            // delay.
            Box::new(first.into_iter().chain((start..batches.len()).map(|k| {
                let rows = batches[k].last().map_or(0, |g| g.1) - batches[k][0].0;
                if !delay.is_zero() {
                    std::thread::sleep(delay * rows as u32);
                }
                prepared(k, objects_of(k))
            })))
        };
        let mut applied = 0;
        for batch in ahead {
            if state.stopping() {
                return Ok(Outcome::Stopped);
            }
            if let Outcome::Stopped =
                apply_and_record(state, conn, rec, &file, &tenant, started_ms, batch)?
            {
                return Ok(Outcome::Stopped);
            }
            applied += 1;
        }
        // The preparer ends early only when the service stops (or panics, which the scope
        // passes on): the job is not done then.
        Ok(if applied == batches.len() {
            Outcome::Done
        } else {
            Outcome::Stopped
        })
    });
    spent.keep(tenant);
    spent.keep(file);
    outcome
}

/// The objects of one batch (`groups`: [start, end) ranges of `rows`, one object each): the
/// rows that pass the schema checks; which object each group became (`None`: not sent).
fn batch_objects(
    object: &schema::ObjectType,
    columns: &[String],
    rows: &[CheckedRow],
    groups: &[(usize, usize)],
) -> (Vec<CsvObject>, Vec<Option<usize>>) {
    let mut objects = Vec::new();
    let mut sent: Vec<Option<usize>> = Vec::with_capacity(groups.len());
    for &(s, e) in groups {
        let rows = &rows[s..e];
        if rows.iter().all(|r| r.errors.is_empty()) {
            let rows: Vec<Row> = rows
                .iter()
                .map(|r| {
                    let fields: Vec<&str> = r.fields.iter().map(String::as_str).collect();
                    Row::named(columns, &fields, r.line)
                })
                .collect();
            sent.push(Some(objects.len()));
            objects.push(CsvObject {
                type_id: object.id.clone(),
                rows,
            });
        } else {
            sent.push(None);
        }
    }
    (objects, sent)
}

/// One batch of a job: its objects (the rows that pass the schema checks), which object each
/// group became (`None`: not sent), and what [`prepare`] made of them (`None`: no object).
struct Batch<'a> {
    groups: &'a [(usize, usize)],
    objects: Vec<CsvObject>,
    sent: Vec<Option<usize>>,
    prepared: Option<Result<Prepared, TenantError>>,
}

/// Sends a prepared batch to the tenant and records each row's result in the job.
fn apply_and_record(
    state: &AppState,
    conn: &mut Connection,
    rec: &JobRecord,
    file: &CheckedFile,
    tenant: &HttpTenant,
    started_ms: i64,
    batch: Batch,
) -> Result<Outcome, JobError> {
    let job = &rec.job;
    let Batch {
        groups: batch_groups,
        objects,
        sent,
        prepared,
    } = batch;
    let (batch_start, batch_end) = (batch_groups[0].0, batch_groups[batch_groups.len() - 1].1);
    let (applied, warnings) = match prepared {
        None => (Vec::new(), HashMap::new()),
        Some(prepared) => match apply_batch(
            tenant,
            &objects,
            prepared,
            started_ms,
            state.settings().strict_people,
            |emails| create_people(conn, &rec.org_id, emails, store::to_millis(state.now())),
        ) {
            Ok(r) => r,
            // The face goes away while the service stops: the batch runs again on the next
            // start, where finding each object by name makes a replay an update.
            Err(_) if state.stopping() => return Ok(Outcome::Stopped),
            // A real tenant that refuses the token refuses every row: the job stops there
            // (exit 6 on the client) instead of failing the rest one by one.
            Err(e) if state.settings().engine.is_some() && auth_failure(&e).is_some() => {
                return Err(tenant_failure(&e))
            }
            Err(e) => {
                let failed = Applied {
                    lines: Vec::new(),
                    result: Err(ObjectError::Tenant(format!(
                        "the tenant did not take the object ({e}); import the row again"
                    ))),
                };
                (vec![failed; objects.len()], HashMap::new())
            }
        },
    };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut tally = Tally::default();
    let mut results = Vec::with_capacity(batch_end - batch_start);
    let mut warned = Vec::new();
    for (&(s, e), slot) in batch_groups.iter().zip(&sent) {
        let rows = &file.rows[s..e];
        let group_error: Option<String> = match slot {
            None => None,
            Some(k) => match &applied[*k].result {
                Ok(TenantOutcome::Created { .. }) => {
                    tally.created += 1;
                    None
                }
                Ok(TenantOutcome::Updated { .. }) => {
                    tally.updated += 1;
                    None
                }
                Ok(o) => Some(o.error_message().unwrap_or_default()),
                Err(e) => Some(e.to_string()),
            },
        };
        if let Some(w) = slot.and_then(|k| warnings.get(&k)) {
            if group_error.is_none() {
                warned.extend(rows.iter().map(|r| (r.line, w.clone())));
            }
        }
        let schema_ok = slot.is_some();
        for r in rows {
            let error = if !schema_ok {
                if r.errors.is_empty() {
                    Some(
                        "another row of the same object has errors; the object was not saved"
                            .into(),
                    )
                } else {
                    Some(r.errors.join("; "))
                }
            } else {
                group_error.clone()
            };
            tally.processed += 1;
            if error.is_some() {
                tally.failed += 1;
            } else {
                tally.succeeded += 1;
            }
            results.push(RowResult {
                line: r.line,
                fields: &r.fields,
                error,
            });
        }
    }
    record_batch(&tx, &job.id, batch_start as u64, &results, &tally)?;
    record_warnings(&tx, &job.id, &warned)?;
    tx.commit()?;
    state.notify_change();
    Ok(Outcome::Done)
}

/// Keeps the warnings of rows that succeeded (a person the sandbox created first): apart from
/// the row errors, so the job's error CSV stays the rows to import again.
fn record_warnings(tx: &Transaction, job_id: &str, warned: &[(u64, String)]) -> anyhow::Result<()> {
    if warned.is_empty() {
        return Ok(());
    }
    let mut ins = tx.prepare_cached(
        "INSERT OR REPLACE INTO job_warnings(job_id, line, message) VALUES (?1, ?2, ?3)",
    )?;
    for (line, message) in warned {
        ins.execute(params![job_id, *line as i64, message])?;
    }
    Ok(())
}

fn import_audio(
    state: &AppState,
    conn: &mut Connection,
    rec: &JobRecord,
    data: &[u8],
    face: &Face,
) -> Result<Outcome, JobError> {
    let job = &rec.job;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(data)).map_err(|e| {
        JobError::Fail(format!("{} is not a readable ZIP file: {e}", job.file_name))
    })?;
    let entries: Vec<usize> = (0..zip.len())
        .filter(|&i| zip.by_index_raw(i).map(|f| !f.is_dir()).unwrap_or(true))
        .collect();
    let header = vec!["File Name".to_string()];
    conn.execute(
        "UPDATE jobs SET rows_total = ?2, header = ?3 WHERE id = ?1",
        params![
            job.id,
            entries.len() as i64,
            serde_json::to_string(&header)?
        ],
    )?;
    state.notify_change();
    let delay = state.settings().row_delay;
    let tenant = tenant_for(state, conn, face, &rec.org_id)?;
    for (n, &i) in entries.iter().enumerate().skip(job.rows_processed as usize) {
        if state.stopping() {
            return Ok(Outcome::Stopped);
        }
        if !delay.is_zero() {
            std::thread::sleep(delay);
        }
        let (raw_name, encrypted, enclosed) = match zip.by_index_raw(i) {
            Ok(f) => (f.name().to_string(), f.encrypted(), f.enclosed_name()),
            Err(e) => (format!("entry {}", i + 1), false, {
                let _ = e;
                None
            }),
        };
        let mut error = None;
        let mut wav = Vec::new();
        let base = enclosed
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        if enclosed.is_none() {
            error = Some(format!(
                "\"{raw_name}\" has an unsafe path (absolute or with ..); it was skipped"
            ));
        } else if encrypted {
            error = Some(format!(
                "\"{raw_name}\" is encrypted; add it without a password"
            ));
        } else if !base.to_lowercase().ends_with(".wav") {
            error = Some(format!(
                "\"{raw_name}\" is not a WAV file (only .wav files are accepted)"
            ));
        } else {
            match zip.by_index(i) {
                Ok(mut f) => {
                    if let Err(e) = f.read_to_end(&mut wav) {
                        error = Some(format!("\"{raw_name}\" cannot be read: {e}"));
                    } else if !crate::wav::looks_like_wav(&wav) {
                        error = Some(format!(
                            "\"{raw_name}\" is not a WAVE file (no RIFF/WAVE header with a fmt chunk)"
                        ));
                    }
                }
                Err(e) => error = Some(format!("\"{raw_name}\" cannot be read: {e}")),
            }
        }
        let mut tally = Tally {
            processed: 1,
            ..Tally::default()
        };
        if error.is_none() {
            match apply_audio(&tenant, &base, wav) {
                Ok(TenantOutcome::Created { .. }) => tally.created = 1,
                Ok(TenantOutcome::Updated { .. }) => tally.updated = 1,
                Ok(o) => error = o.error_message(),
                Err(_) if state.stopping() => return Ok(Outcome::Stopped),
                Err(e) => error = Some(e),
            }
        }
        if error.is_none() {
            tally.succeeded = 1;
        } else {
            tally.failed = 1;
        }
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let result = RowResult {
            line: (n + 1) as u64,
            fields: std::slice::from_ref(&raw_name),
            error,
        };
        record_batch(&tx, &job.id, n as u64, &[result], &tally)?;
        tx.commit()?;
        state.notify_change();
    }
    Ok(Outcome::Done)
}

fn export(
    state: &AppState,
    conn: &mut Connection,
    rec: &JobRecord,
    face: &Face,
) -> Result<Outcome, JobError> {
    let job = &rec.job;
    let object = schema::registry()
        .get(&job.object_type)
        .ok_or_else(|| JobError::Fail(format!("unknown object type {}", job.object_type)))?;
    // Each object's rows, through the mapping, in the tenant's order; tenant defaults are not
    // exported (they exist in every tenant).
    let tenant = tenant_for(state, conn, face, &rec.org_id)?;
    let api = mapping::api_type(&object.id)
        .ok_or_else(|| JobError::Fail(format!("{} cannot be exported", object.id)))?;
    let listed = tenant.list(api).map_err(|e| tenant_failure(&e))?;
    let mut objects: Vec<Vec<Vec<String>>> = Vec::new();
    for o in listed.iter().filter(|o| {
        o.get("systemDefault").and_then(serde_json::Value::as_bool) != Some(true)
            && mapping::belongs_to(&object.id, o)
    }) {
        let entries = match (
            api.endpoints().entries,
            o.get("id").and_then(|v| v.as_str()),
        ) {
            (Some(_), Some(id)) => tenant
                .list_entries(api, id)
                .map_err(|e| tenant_failure(&e))?,
            _ => Vec::new(),
        };
        let rows = if object.id == "audio-file" {
            vec![vec![mapping::audio_file_name(o).unwrap_or("").to_string()]]
        } else {
            mapping::to_csv(object, o, &entries, &tenant).map_err(JobError::Fail)?
        };
        objects.push(rows);
    }
    let total: usize = objects.iter().map(Vec::len).sum();
    // Files of at most `per_file` rows, never splitting an object.
    let per_file = state.settings().export_rows_per_file.max(1);
    let mut files: Vec<Vec<&Vec<String>>> = vec![Vec::new()];
    for obj in &objects {
        let cur = files.last_mut().expect("one file");
        if !cur.is_empty() && cur.len() + obj.len() > per_file {
            files.push(Vec::new());
        }
        files.last_mut().expect("one file").extend(obj.iter());
    }
    let header: Vec<String> = object
        .columns
        .iter()
        .map(|c| c.name.to_uppercase())
        .collect();
    let to_csv = |rows: &[&Vec<String>]| -> anyhow::Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header)?;
        for r in rows {
            w.write_record(r.iter())?;
        }
        w.into_inner().context("csv writer")
    };
    let stem = job
        .file_name
        .strip_suffix(".csv")
        .or_else(|| job.file_name.strip_suffix(".zip"))
        .unwrap_or(&job.file_name)
        .to_string();
    let (bytes, name, content_type) = if files.len() == 1 {
        (to_csv(&files[0])?, format!("{stem}.csv"), "text/csv")
    } else {
        let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (i, f) in files.iter().enumerate() {
            zw.start_file(
                format!("{stem}_{}.csv", i + 1),
                zip::write::SimpleFileOptions::default(),
            )?;
            zw.write_all(&to_csv(f)?)?;
        }
        (
            zw.finish()?.into_inner(),
            format!("{stem}.zip"),
            "application/zip",
        )
    };
    let path = store::result_path(&state.settings().data_dir, &job.id);
    std::fs::create_dir_all(path.parent().expect("files dir"))?;
    std::fs::write(&path, bytes)?;
    conn.execute(
        "UPDATE jobs SET rows_total = ?2, rows_processed = ?2, rows_succeeded = ?2,
            result_name = ?3, result_type = ?4 WHERE id = ?1",
        params![job.id, total as i64, name, content_type],
    )?;
    Ok(Outcome::Done)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Says on which thread it was dropped.
    struct Witness(std::sync::mpsc::Sender<Option<String>>);

    impl Drop for Witness {
        fn drop(&mut self) {
            let _ = self
                .0
                .send(std::thread::current().name().map(str::to_string));
        }
    }

    #[test]
    fn what_a_job_leaves_is_kept_until_freed_aside_on_a_thread_of_its_own() {
        let (tx, rx) = std::sync::mpsc::channel();
        let mut spent = Spent::default();
        spent.free_aside();
        spent.keep(Witness(tx.clone()));
        spent.keep(Witness(tx));
        assert!(!spent.is_empty());
        assert!(rx.try_recv().is_err(), "kept, not freed");
        spent.free_aside();
        assert!(spent.is_empty());
        for _ in 0..2 {
            let thread = rx.recv_timeout(Duration::from_secs(10)).expect("freed");
            assert_eq!(thread.as_deref(), Some("sandbox-free"));
        }
    }

    /// A new import job of one valid site row, as the route would create it.
    fn new_site_job(state: &AppState, conn: &mut Connection, id: &str) {
        let (org_id, ..) = store::admin(conn).unwrap().unwrap();
        let body = "Name,Multimedia Profile\nSite A,Default Multimedia Profile\n";
        let path = store::upload_path(&state.settings().data_dir, id);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, body).unwrap();
        store::create_job(
            conn,
            store::NewJob {
                id: id.into(),
                org_id: &org_id,
                file_name: "sites.csv",
                job_type: JobType::Import,
                object_type: "site",
                submitted_by: "admin@sandbox.local",
                rows_total: 1,
                now: state.now(),
                idempotency_key: None,
            },
            || Ok(()),
        )
        .unwrap();
    }

    #[test]
    fn the_upload_sweep_takes_ended_jobs_uploads_and_old_orphans_only() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(super::super::Settings::new(dir.path())).unwrap();
        let mut conn = store::connect(dir.path()).unwrap();
        let data = &state.settings().data_dir;
        new_site_job(&state, &mut conn, "job-1");
        // An upload whose job row is not committed yet looks like an orphan: a fresh one stays.
        let fresh = store::upload_path(data, "job-2");
        std::fs::write(&fresh, "Name\n").unwrap();
        let old = store::upload_path(data, "job-3");
        std::fs::write(&old, "Name\n").unwrap();
        let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&old)
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();

        assert_eq!(store::release_uploads(&conn, data).unwrap(), 1);
        assert!(
            store::upload_path(data, "job-1").exists(),
            "a new job keeps its upload"
        );
        assert!(fresh.exists(), "a fresh upload without a job row stays");
        assert!(!old.exists(), "an hour-old orphan goes");

        fail(&state, &conn, "job-1", "stopped").unwrap();
        assert_eq!(store::release_uploads(&conn, data).unwrap(), 1);
        assert!(
            !store::upload_path(data, "job-1").exists(),
            "an ended job keeps no upload"
        );
        assert!(fresh.exists());
    }

    #[test]
    fn the_engine_reaches_its_face_in_process_and_reads_unquotable_names_in_the_whole_list() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(super::super::Settings::new(dir.path())).unwrap();
        let conn = store::connect(dir.path()).unwrap();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        // No socket anywhere: the URL only names the base of the paths.
        let face = Face::in_process(
            "http://sandbox.invalid".into(),
            &state,
            runtime.handle().clone(),
        );
        let (org_id, ..) = store::admin(&conn).unwrap().unwrap();
        let lookups = || tenant_for(&state, &conn, &face, &org_id).unwrap();

        // Names a filter can quote: a first page of one user sizes the list, then the list.
        let tenant = lookups();
        tenant
            .prefetch(ApiType::User, &["ann@example.com".to_string()])
            .unwrap();
        assert_eq!(tenant.requests(), 2);

        // A name no `email=in=(…)` filter can quote: the whole list at once, no sizing.
        let tenant = lookups();
        tenant
            .prefetch(ApiType::User, &["o\"brien@example.com".to_string()])
            .unwrap();
        assert_eq!(tenant.requests(), 1);
        // The list is whole now: it answers for every other name.
        tenant
            .prefetch(
                ApiType::User,
                &[
                    "bob@example.com".to_string(),
                    "c\\d@example.com".to_string(),
                ],
            )
            .unwrap();
        assert_eq!(tenant.requests(), 1);
        use crate::wxcc::resolve::Resolver;
        assert_eq!(
            tenant
                .id_of(ApiType::User, "o\"brien@example.com", None)
                .unwrap(),
            None
        );
        assert_eq!(tenant.requests(), 1);
    }

    #[test]
    fn fault_fail_job_fails_a_new_import_before_any_row_and_spares_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = super::super::Settings::new(dir.path());
        settings.faults.rate_fail_job = 1.0;
        let state = AppState::new(settings).unwrap();
        let mut conn = store::connect(dir.path()).unwrap();
        new_site_job(&state, &mut conn, "job-1");
        // Nothing listens there: the job must fail before it reaches the tenant.
        let nowhere = Face {
            url: "http://127.0.0.1:9".into(),
            transport: std::sync::Arc::new(crate::wxcc::transport::Network::new().unwrap()),
        };
        let mut spent = Spent::default();
        process(
            &state,
            &mut conn,
            "job-1",
            &Dice::new(0),
            &nowhere,
            &mut spent,
        )
        .unwrap();
        let job = store::get_job(&conn, None, "job-1").unwrap().unwrap().job;
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(job.failure_reason.as_deref(), Some(FAILED_JOB_REASON));
        assert_eq!((job.rows_processed, job.objects_created), (0, 0));

        // Rate 0 (the default) never fails a job: the running sandbox's worker applies it
        // through its face.
        let dir = tempfile::tempdir().unwrap();
        let sandbox = super::super::spawn(
            super::super::Settings::new(dir.path()),
            "127.0.0.1:0".parse().unwrap(),
        )
        .unwrap();
        let state = sandbox.state().clone();
        let mut conn = store::connect(dir.path()).unwrap();
        new_site_job(&state, &mut conn, "job-2");
        state.wake_worker();
        let deadline = Instant::now() + Duration::from_secs(30);
        let job = loop {
            let job = store::get_job(&conn, None, "job-2").unwrap().unwrap().job;
            if job.finished_at.is_some() || Instant::now() > deadline {
                break job;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(job.status, JobStatus::Completed, "{:?}", job.failure_reason);
        assert_eq!(job.objects_created, 1);
    }
}
