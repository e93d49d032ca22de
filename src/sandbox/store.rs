//! SQLite storage of the sandbox: organisations, users and tokens, jobs, row errors, objects
//! and audio files, in `<data-dir>/sandbox.db` (WAL mode, file mode 0600).
//!
//! Tokens are stored as issued: this is a local sandbox whose database is readable only by its
//! owner, exactly like `credentials.json` beside it.

use crate::api::wire::{Job, JobList, JobListQuery, JobStatus, JobType};
use anyhow::Context;
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use time::OffsetDateTime;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS orgs(id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users(org_id TEXT NOT NULL, email TEXT NOT NULL, token TEXT NOT NULL UNIQUE,
    is_admin INTEGER NOT NULL, PRIMARY KEY(org_id, email));
CREATE TABLE IF NOT EXISTS jobs(id TEXT PRIMARY KEY, org_id TEXT NOT NULL, file_name TEXT NOT NULL,
    job_type TEXT NOT NULL, object_type TEXT NOT NULL, status TEXT NOT NULL, submitted_by TEXT NOT NULL,
    created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
    rows_total INTEGER NOT NULL DEFAULT 0, rows_processed INTEGER NOT NULL DEFAULT 0,
    rows_succeeded INTEGER NOT NULL DEFAULT 0, rows_failed INTEGER NOT NULL DEFAULT 0,
    objects_created INTEGER NOT NULL DEFAULT 0, objects_updated INTEGER NOT NULL DEFAULT 0,
    failure_reason TEXT, header TEXT, result_name TEXT, result_type TEXT);
CREATE INDEX IF NOT EXISTS jobs_org_created ON jobs(org_id, created_at);
CREATE INDEX IF NOT EXISTS jobs_status ON jobs(status);
CREATE TABLE IF NOT EXISTS job_errors(job_id TEXT NOT NULL, idx INTEGER NOT NULL, line INTEGER NOT NULL,
    fields TEXT NOT NULL, message TEXT NOT NULL, PRIMARY KEY(job_id, idx));
CREATE TABLE IF NOT EXISTS job_warnings(job_id TEXT NOT NULL, line INTEGER NOT NULL,
    message TEXT NOT NULL, PRIMARY KEY(job_id, line));
CREATE TABLE IF NOT EXISTS idempotency(org_id TEXT NOT NULL, key TEXT NOT NULL, job_id TEXT NOT NULL,
    PRIMARY KEY(org_id, key));
CREATE TABLE IF NOT EXISTS objects(org_id TEXT NOT NULL, type TEXT NOT NULL, key TEXT NOT NULL,
    name TEXT NOT NULL, builtin INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL,
    PRIMARY KEY(org_id, type, key));
CREATE INDEX IF NOT EXISTS objects_name ON objects(org_id, type, name);
CREATE TABLE IF NOT EXISTS audio(org_id TEXT NOT NULL, key TEXT NOT NULL, name TEXT NOT NULL,
    data BLOB NOT NULL, PRIMARY KEY(org_id, key));
";

/// What a new organisation already has, like a new Webex Contact Center tenant, so that a
/// sample tenant can be imported from nothing. Types outside the registry (multimedia profiles,
/// desktop layouts, dial plans) exist only as reference targets; built-in objects are never
/// exported.
pub const TENANT_DEFAULTS: &[(&str, &[&str])] = &[
    (
        "multimedia-profile",
        &[
            "Default Multimedia Profile",
            "Blended",
            "Blended Real-time",
            "Telephony Only",
        ],
    ),
    ("desktop-layout", &["Global Layout"]),
    // So that `bulk template user --example` (an agent at this site) imports on a fresh home.
    ("site", &["Default Site"]),
    (
        "user-profile",
        &[
            "Administrator",
            "Supervisor",
            "Premium Agent",
            "Standard Agent",
        ],
    ),
    ("agent-profile", &["Default Desktop Profile"]),
    (
        "work-type",
        &["Default Idle Work Type", "Default Wrapup Work Type"],
    ),
    ("audio-file", &["defaultmusic_on_hold.wav"]),
    ("dial-plan", &["US", "Any Format"]),
    ("threshold-rule", &["Default Threshold Rule"]),
];

/// The identity of a request: whose token it carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub org_id: String,
    pub org_name: String,
    pub email: String,
}

/// A job row plus what only the service needs.
#[derive(Debug, Clone)]
pub(crate) struct JobRecord {
    pub job: Job,
    pub org_id: String,
    pub header: Option<Vec<String>>,
    pub result_name: Option<String>,
    pub result_type: Option<String>,
}

/// Result of trying to create a job.
pub(crate) enum Created {
    /// A new job was stored.
    New(JobRecord),
    /// The idempotency key already named this job.
    Existing(JobRecord),
    /// Another job of the organisation is active.
    Active(String),
}

/// Opens (creating if needed) the database of a data directory with the sandbox's pragmas.
pub(crate) fn connect(data_dir: &Path) -> anyhow::Result<Connection> {
    crate::fsutil::create_private_dir(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    let path = db_path(data_dir);
    // Created 0600 before SQLite opens it (SQLite gives its -wal and -shm files the same mode):
    // the tokens in it are never readable by another user, not even for a moment. Only when
    // missing: closing a descriptor of a database this process has open would drop SQLite's
    // POSIX locks on it.
    match crate::fsutil::create_private(&path) {
        Ok(f) => drop(f),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(
                anyhow::Error::new(e).context(format!("cannot create database {}", path.display()))
            )
        }
    }
    let conn = Connection::open(&path)
        .with_context(|| format!("cannot open database {}", path.display()))?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
    conn.pragma_update(None, "wal_autocheckpoint", AUTOCHECKPOINT_PAGES)?;
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

/// The page cache of each connection, in KiB. A bulk call of 1000 users reads and rewrites
/// about 4 MiB of pages; in SQLite's default 2 MiB cache it read them from the file again
/// and spilled the dirty ones to the log before the commit.
const CACHE_KIB: i64 = 32 * 1024;

/// Pages in the write-ahead log above which the committing connection copies it back to the
/// database itself. The [`Checkpointer`] of a serving sandbox does it long before, off the
/// path of requests and jobs; this bounds the log where none runs (a test's router, a reader
/// that holds the log).
const AUTOCHECKPOINT_PAGES: i64 = 10_000;

/// Copies the write-ahead log back into the database on a thread of its own after writes
/// ([`Checkpointer::wrote`]). Left to SQLite, the commit that takes the log past 1000 pages
/// does it on the spot: a 5000-user job paid 20 to 50 ms for it in one of its bulk calls.
#[derive(Default)]
pub(crate) struct Checkpointer {
    pending: Mutex<Pending>,
    wake: Condvar,
}

#[derive(Default)]
struct Pending {
    wrote: bool,
    closed: bool,
}

impl Checkpointer {
    /// Something was committed: the thread checkpoints when it is free (writes while it
    /// works make one more round, not one each).
    pub(crate) fn wrote(&self) {
        let mut p = self.pending.lock().expect("checkpointer");
        if !p.wrote {
            p.wrote = true;
            self.wake.notify_one();
        }
    }

    /// Whether a round is due (for tests).
    #[cfg(test)]
    pub(crate) fn due(&self) -> bool {
        self.pending.lock().expect("checkpointer").wrote
    }

    /// Ends [`Checkpointer::run`] (after the round in progress).
    pub(crate) fn close(&self) {
        self.pending.lock().expect("checkpointer").closed = true;
        self.wake.notify_one();
    }

    /// The thread's loop, on its own connection: a passive checkpoint after each round of
    /// writes, until closed. Passive: it copies what no reader still needs and never waits
    /// for a lock; what it leaves, the next round copies. Its errors (a busy database) are
    /// left to that round too.
    pub(crate) fn run(&self, conn: &Connection) {
        loop {
            {
                let mut p = self.pending.lock().expect("checkpointer");
                while !p.wrote && !p.closed {
                    p = self.wake.wait(p).expect("checkpointer");
                }
                if p.closed {
                    return;
                }
                p.wrote = false;
            }
            let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
    }
}

pub(crate) fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join("sandbox.db")
}

pub(crate) fn to_millis(t: OffsetDateTime) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

pub(crate) fn from_millis(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn new_token() -> String {
    format!(
        "sbx_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Objects are stored under the schema's identity key.
pub(crate) use crate::schema::identity_key;

/// Creates an organisation with its tenant defaults and an admin user; returns (org id, token).
pub(crate) fn create_org(
    conn: &mut Connection,
    name: &str,
    email: &str,
    now: OffsetDateTime,
) -> anyhow::Result<(String, String)> {
    create_org_with_id(conn, &uuid::Uuid::new_v4().to_string(), name, email, now)
}

/// [`create_org`] with the organisation id given (an engine's jobs belong to its tenant's).
pub(crate) fn create_org_with_id(
    conn: &mut Connection,
    org_id: &str,
    name: &str,
    email: &str,
    now: OffsetDateTime,
) -> anyhow::Result<(String, String)> {
    let tx = conn.transaction()?;
    let org_id = org_id.to_string();
    let token = new_token();
    tx.execute(
        "INSERT INTO orgs(id, name, created_at) VALUES (?1, ?2, ?3)",
        params![org_id, name, to_millis(now)],
    )?;
    tx.execute(
        "INSERT INTO users(org_id, email, token, is_admin) VALUES (?1, ?2, ?3, 1)",
        params![org_id, email, token],
    )?;
    for (ty, names) in TENANT_DEFAULTS {
        for n in *names {
            let data = serde_json::json!({ "rows": [{ "Name": n }] }).to_string();
            tx.execute(
                "INSERT INTO objects(org_id, type, key, name, builtin, data) VALUES (?1, ?2, ?3, ?4, 1, ?5)",
                params![org_id, ty, identity_key(&[n]), n.to_lowercase(), data],
            )?;
        }
    }
    tx.commit()?;
    Ok((org_id, token))
}

/// The first organisation's admin: (org id, org name, email, token).
pub(crate) fn admin(conn: &Connection) -> anyhow::Result<Option<(String, String, String, String)>> {
    Ok(conn
        .query_row(
            "SELECT o.id, o.name, u.email, u.token FROM orgs o JOIN users u ON u.org_id = o.id
             WHERE u.is_admin = 1 ORDER BY o.created_at, o.rowid LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?)
}

pub(crate) fn authenticate(conn: &Connection, token: &str) -> anyhow::Result<Option<Principal>> {
    Ok(conn
        .query_row(
            "SELECT o.id, o.name, u.email FROM users u JOIN orgs o ON o.id = u.org_id WHERE u.token = ?1",
            [token],
            |r| {
                Ok(Principal {
                    org_id: r.get(0)?,
                    org_name: r.get(1)?,
                    email: r.get(2)?,
                })
            },
        )
        .optional()?)
}

const JOB_COLUMNS: &str = "id, org_id, file_name, job_type, object_type, status, submitted_by,
    created_at, started_at, finished_at, rows_total, rows_processed, rows_succeeded, rows_failed,
    objects_created, objects_updated, failure_reason, header, result_name, result_type,
    EXISTS(SELECT 1 FROM job_errors e WHERE e.job_id = jobs.id),
    (SELECT COUNT(*) FROM job_warnings w WHERE w.job_id = jobs.id)";

fn job_from_row(r: &Row) -> rusqlite::Result<JobRecord> {
    let job_type: String = r.get(3)?;
    let status: String = r.get(5)?;
    let header: Option<String> = r.get(17)?;
    let result_name: Option<String> = r.get(18)?;
    let get_u = |i: usize| -> rusqlite::Result<u64> { Ok(r.get::<_, i64>(i)? as u64) };
    Ok(JobRecord {
        org_id: r.get(1)?,
        header: header.and_then(|h| serde_json::from_str(&h).ok()),
        result_type: r.get(19)?,
        job: Job {
            id: r.get(0)?,
            file_name: r.get(2)?,
            job_type: JobType::parse(&job_type).unwrap_or(JobType::Import),
            object_type: r.get(4)?,
            status: JobStatus::parse(&status).unwrap_or(JobStatus::Failed),
            submitted_by: r.get(6)?,
            created_at: from_millis(r.get(7)?),
            started_at: r.get::<_, Option<i64>>(8)?.map(from_millis),
            finished_at: r.get::<_, Option<i64>>(9)?.map(from_millis),
            rows_total: get_u(10)?,
            rows_processed: get_u(11)?,
            rows_succeeded: get_u(12)?,
            rows_failed: get_u(13)?,
            objects_created: get_u(14)?,
            objects_updated: get_u(15)?,
            failure_reason: r.get(16)?,
            has_errors_file: r.get(20)?,
            rows_warned: get_u(21)?,
            has_result_file: result_name.is_some(),
        },
        result_name,
    })
}

/// A job of an organisation (`org_id: None`: of any organisation, for the worker).
pub(crate) fn get_job(
    conn: &Connection,
    org_id: Option<&str>,
    id: &str,
) -> anyhow::Result<Option<JobRecord>> {
    let sql =
        format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1 AND (?2 IS NULL OR org_id = ?2)");
    Ok(conn
        .query_row(&sql, params![id, org_id], job_from_row)
        .optional()?)
}

/// The organisation's active (new or in-progress) job, if any.
pub(crate) fn active_job(conn: &Connection, org_id: &str) -> anyhow::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT id FROM jobs WHERE org_id = ?1 AND status IN ('new', 'in_progress') LIMIT 1",
            [org_id],
            |r| r.get(0),
        )
        .optional()?)
}

/// The job an idempotency key already created.
pub(crate) fn job_for_key(
    conn: &Connection,
    org_id: &str,
    key: &str,
) -> anyhow::Result<Option<JobRecord>> {
    let id: Option<String> = conn
        .query_row(
            "SELECT job_id FROM idempotency WHERE org_id = ?1 AND key = ?2",
            [org_id, key],
            |r| r.get(0),
        )
        .optional()?;
    match id {
        Some(id) => get_job(conn, Some(org_id), &id),
        None => Ok(None),
    }
}

/// What a new job starts with.
pub(crate) struct NewJob<'a> {
    pub id: String,
    pub org_id: &'a str,
    pub file_name: &'a str,
    pub job_type: JobType,
    pub object_type: &'a str,
    pub submitted_by: &'a str,
    pub rows_total: u64,
    pub now: OffsetDateTime,
    pub idempotency_key: Option<&'a str>,
}

/// A received import upload, in its temporary file, to become a job.
pub(crate) struct Upload {
    pub id: String,
    pub org_id: String,
    pub file_name: String,
    pub object_type: String,
    pub submitted_by: String,
    pub rows_total: u64,
    pub idempotency_key: Option<String>,
    /// Where the upload was received; moved to `upload_path` as the job is created.
    pub received: PathBuf,
}

impl Upload {
    /// [`create_job`] for this upload, moving its file in place.
    pub(crate) fn create(
        &self,
        conn: &mut Connection,
        data_dir: &Path,
        now: OffsetDateTime,
    ) -> anyhow::Result<Created> {
        create_job(
            conn,
            NewJob {
                id: self.id.clone(),
                org_id: &self.org_id,
                file_name: &self.file_name,
                job_type: JobType::Import,
                object_type: &self.object_type,
                submitted_by: &self.submitted_by,
                rows_total: self.rows_total,
                now,
                idempotency_key: self.idempotency_key.as_deref(),
            },
            || {
                Ok(std::fs::rename(
                    &self.received,
                    upload_path(data_dir, &self.id),
                )?)
            },
        )
    }
}

/// Creates a job unless the key names one already or another job is active, atomically.
/// `on_commit` runs inside the transaction just before it commits (moves the upload in place).
pub(crate) fn create_job(
    conn: &mut Connection,
    new: NewJob<'_>,
    on_commit: impl FnOnce() -> anyhow::Result<()>,
) -> anyhow::Result<Created> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    if let Some(key) = new.idempotency_key {
        if let Some(job) = job_for_key(&tx, new.org_id, key)? {
            return Ok(Created::Existing(job));
        }
    }
    if let Some(active) = active_job(&tx, new.org_id)? {
        return Ok(Created::Active(active));
    }
    tx.execute(
        "INSERT INTO jobs(id, org_id, file_name, job_type, object_type, status, submitted_by,
            created_at, rows_total) VALUES (?1, ?2, ?3, ?4, ?5, 'new', ?6, ?7, ?8)",
        params![
            new.id,
            new.org_id,
            new.file_name,
            new.job_type.as_str(),
            new.object_type,
            new.submitted_by,
            to_millis(new.now),
            new.rows_total as i64
        ],
    )?;
    if let Some(key) = new.idempotency_key {
        tx.execute(
            "INSERT INTO idempotency(org_id, key, job_id) VALUES (?1, ?2, ?3)",
            params![new.org_id, key, new.id],
        )?;
    }
    on_commit()?;
    let job = get_job(&tx, Some(new.org_id), &new.id)?.context("job vanished")?;
    tx.commit()?;
    Ok(Created::New(job))
}

/// One page of an organisation's jobs, newest first.
pub(crate) fn list_jobs(
    conn: &Connection,
    org_id: &str,
    q: &JobListQuery,
    page: u64,
    page_size: u64,
) -> anyhow::Result<JobList> {
    let search = q.search.as_deref().map(str::to_lowercase);
    let filter = "org_id = ?1
        AND (?2 IS NULL OR instr(lower(id), ?2) > 0 OR instr(lower(file_name), ?2) > 0)
        AND (?3 IS NULL OR job_type = ?3) AND (?4 IS NULL OR object_type = ?4)
        AND (?5 IS NULL OR status = ?5)";
    let p = params![
        org_id,
        search,
        q.job_type.map(JobType::as_str),
        q.object_type,
        q.status.map(JobStatus::as_str),
    ];
    let total: i64 = conn.query_row(
        &format!("SELECT count(*) FROM jobs WHERE {filter}"),
        p,
        |r| r.get(0),
    )?;
    let sql = format!(
        "SELECT {JOB_COLUMNS} FROM jobs WHERE {filter}
         ORDER BY created_at DESC, rowid DESC LIMIT {page_size} OFFSET {}",
        (page - 1) * page_size
    );
    let mut stmt = conn.prepare(&sql)?;
    let jobs = stmt
        .query_map(p, job_from_row)?
        .map(|r| r.map(|j| j.job))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(JobList {
        total: total as u64,
        page,
        page_size,
        jobs,
    })
}

/// The next job the worker should run: one resumed after a restart first, then the oldest new.
pub(crate) fn next_runnable(conn: &Connection) -> anyhow::Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT id FROM jobs WHERE status IN ('new', 'in_progress')
             ORDER BY status = 'in_progress' DESC, created_at, rowid LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?)
}

/// The failed rows of a job in order: (line, fields, message).
pub(crate) fn job_errors(
    conn: &Connection,
    job_id: &str,
) -> anyhow::Result<Vec<(u64, Vec<String>, String)>> {
    let mut stmt = conn
        .prepare("SELECT line, fields, message FROM job_errors WHERE job_id = ?1 ORDER BY idx")?;
    let rows = stmt
        .query_map([job_id], |r| {
            let fields: String = r.get(1)?;
            Ok((
                r.get::<_, i64>(0)? as u64,
                serde_json::from_str(&fields).unwrap_or_default(),
                r.get(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A job's row warnings (line of the uploaded file, message), by line.
pub(crate) fn job_warnings(conn: &Connection, job_id: &str) -> anyhow::Result<Vec<(u64, String)>> {
    let mut stmt =
        conn.prepare("SELECT line, message FROM job_warnings WHERE job_id = ?1 ORDER BY line")?;
    let rows = stmt
        .query_map([job_id], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Deletes jobs created before `cutoff` with their rows, keys and files; returns how many.
pub(crate) fn purge(
    conn: &mut Connection,
    data_dir: &Path,
    cutoff: OffsetDateTime,
) -> anyhow::Result<usize> {
    let tx = conn.transaction()?;
    let ids: Vec<String> = {
        let mut stmt = tx.prepare(
            "SELECT id FROM jobs WHERE created_at < ?1 AND status NOT IN ('new', 'in_progress')",
        )?;
        let ids = stmt
            .query_map([to_millis(cutoff)], |r| r.get(0))?
            .collect::<Result<Vec<_>, _>>()?;
        ids
    };
    for id in &ids {
        tx.execute("DELETE FROM job_errors WHERE job_id = ?1", [id])?;
        tx.execute("DELETE FROM job_warnings WHERE job_id = ?1", [id])?;
        tx.execute("DELETE FROM idempotency WHERE job_id = ?1", [id])?;
        tx.execute("DELETE FROM jobs WHERE id = ?1", [id])?;
    }
    tx.commit()?;
    for id in &ids {
        for path in [upload_path(data_dir, id), result_path(data_dir, id)] {
            let _ = std::fs::remove_file(path);
        }
    }
    release_uploads(conn, data_dir)?;
    Ok(ids.len())
}

/// The uploaded file of job `id` to delete, once the job has ended: the one-year job record
/// needs only its counts, its failed rows (in `job_errors`, the error CSV) and an export's
/// result; an upload kept for a year cost as much disk as everything ever imported.
pub(crate) fn upload_to_release(
    conn: &Connection,
    data_dir: &Path,
    id: &str,
) -> anyhow::Result<Option<PathBuf>> {
    // A job that is gone from the table (purged) keeps nothing either.
    Ok((job_ended(conn, id)? != Some(false)).then(|| upload_path(data_dir, id)))
}

/// [`upload_to_release`] for every upload in the data directory (uploads of jobs that ended
/// before a restart, or under an older version that kept them); returns how many went.
///
/// An upload with no job row is taken only once it is [`ORPHAN_GRACE`] old: the import route
/// moves the upload into place inside the transaction that creates the job, so for a moment
/// the file exists while the row is not yet visible to this connection. Such a file left
/// behind by a crash is swept on a later pass.
pub(crate) fn release_uploads(conn: &Connection, data_dir: &Path) -> anyhow::Result<usize> {
    let Ok(entries) = std::fs::read_dir(data_dir.join("files")) else {
        return Ok(0);
    };
    let mut n = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(id) = name.strip_suffix(".upload") else {
            continue;
        };
        let release = match job_ended(conn, id)? {
            Some(ended) => ended,
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age >= ORPHAN_GRACE),
        };
        if release {
            n += remove_upload(data_dir, id)? as usize;
        }
    }
    Ok(n)
}

/// How old an upload without a job row must be before [`release_uploads`] takes it.
const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

/// Whether job `id` has ended; `None` when there is no such job.
fn job_ended(conn: &Connection, id: &str) -> anyhow::Result<Option<bool>> {
    Ok(conn
        .query_row(
            "SELECT status NOT IN ('new', 'in_progress') FROM jobs WHERE id = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

fn remove_upload(data_dir: &Path, id: &str) -> anyhow::Result<bool> {
    match std::fs::remove_file(upload_path(data_dir, id)) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Where a job's uploaded file is kept until the job ends.
pub(crate) fn upload_path(data_dir: &Path, job_id: &str) -> PathBuf {
    data_dir.join("files").join(format!("{job_id}.upload"))
}

/// Where an export job's result is kept.
pub(crate) fn result_path(data_dir: &Path, job_id: &str) -> PathBuf {
    data_dir.join("files").join(format!("{job_id}.result"))
}
