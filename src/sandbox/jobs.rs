//! Job processing: one worker thread runs jobs one at a time, oldest first, resuming a job that
//! was in progress when the service stopped.
//!
//! Rows are applied in batches; each batch's object upserts, failed-row records and the job's
//! counters commit in one transaction, so after a crash the job continues after the last
//! committed row and no row is applied twice or lost.

use super::faults::{Dice, FAILED_JOB_REASON};
use super::rows::{check_csv, CheckedRow};
use super::store::{self, identity_key, to_millis, JobRecord};
use super::AppState;
use crate::api::wire::{JobStatus, JobType};
use crate::schema::{self, Kind, ObjectType};
use anyhow::Context;
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

/// How often the worker purges jobs older than a year.
const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// Rows per transaction when no row delay is set.
const BATCH_ROWS: usize = 1000;

/// Whether processing ran to the end or stopped because the service is shutting down.
enum Outcome {
    Done,
    Stopped,
}

/// The worker loop on its own connection; returns when the state is told to stop.
pub(crate) fn run_worker(state: AppState, mut conn: Connection) {
    let mut last_purge = Instant::now();
    let dice = Dice::new(state.settings().faults.seed);
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
                    process(&state, &mut conn, &id, &dice)
                }));
                let reason = match run {
                    Ok(Ok(())) => None,
                    Ok(Err(e)) => Some(format!("internal error: {e:#}")),
                    Err(_) => Some("internal error: processing the job crashed".to_string()),
                };
                if let Some(reason) = reason {
                    let _ = fail(&state, &conn, &id, &reason);
                }
            }
            None => state.wait_for_work(Duration::from_millis(500)),
        }
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

fn process(state: &AppState, conn: &mut Connection, id: &str, dice: &Dice) -> anyhow::Result<()> {
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
        JobType::Export => export(state, conn, &rec),
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
                import_audio(state, conn, &rec, &data)
            } else {
                import_csv(state, conn, &rec, &data)
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
struct RowResult {
    line: u64,
    fields: Vec<String>,
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

/// Remembers which referenced objects exist. Exact for one job: only the worker writes objects,
/// and nothing is ever deleted.
struct RefCache {
    org_id: String,
    known: HashMap<(String, String), bool>,
}

impl RefCache {
    fn exists(&mut self, tx: &Transaction, ty: &str, name: &str) -> anyhow::Result<bool> {
        let key = (ty.to_string(), name.trim().to_lowercase());
        if let Some(&b) = self.known.get(&key) {
            return Ok(b);
        }
        let found = tx
            .prepare_cached(
                "SELECT 1 FROM objects WHERE org_id = ?1 AND type = ?2 AND name = ?3 LIMIT 1",
            )?
            .query_row(params![self.org_id, key.0, key.1], |_| Ok(()))
            .optional()?
            .is_some();
        self.known.insert(key, found);
        Ok(found)
    }
}

fn display_name(ty: &str) -> String {
    if let Some(t) = schema::registry().get(ty) {
        return t.display_name.clone();
    }
    ty.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reference problems of one row: every `ref` / `list` column with a target must name objects
/// that exist (in the tenant, or created earlier in this job).
fn check_refs(
    tx: &Transaction,
    cache: &mut RefCache,
    object: &ObjectType,
    header: &[String],
    fields: &[String],
) -> anyhow::Result<Vec<String>> {
    let sep = &schema::registry().list_separator;
    let mut errors = Vec::new();
    for (i, name) in header.iter().enumerate() {
        let Some(col) = object.column(name) else {
            continue;
        };
        let Some(target) = &col.target else { continue };
        let value = fields[i].trim();
        if value.is_empty() {
            continue;
        }
        let elements: Vec<&str> = match col.kind {
            Kind::List => value
                .split(col.separator.as_deref().unwrap_or(sep))
                .map(|e| e.split_once(": ").map_or(e, |(n, _)| n).trim())
                .filter(|e| !e.is_empty())
                .collect(),
            _ => vec![value],
        };
        for e in elements {
            if !cache.exists(tx, target, e)? {
                errors.push(format!("{} \"{e}\" does not exist", display_name(target)));
            }
        }
    }
    Ok(errors)
}

/// Inserts or updates one object; returns true when it was created.
fn upsert(
    tx: &Transaction,
    org_id: &str,
    object: &ObjectType,
    header: &[String],
    rows: &[&CheckedRow],
) -> anyhow::Result<bool> {
    let first = rows[0];
    let ident: Vec<&str> = object
        .identity
        .iter()
        .map(|id| {
            header
                .iter()
                .position(|h| h.eq_ignore_ascii_case(id))
                .map_or("", |i| first.fields[i].as_str())
        })
        .collect();
    let key = identity_key(&ident);
    let name = ident
        .first()
        .map_or(String::new(), |n| n.trim().to_lowercase());
    let existing: Option<String> = tx
        .prepare_cached("SELECT data FROM objects WHERE org_id = ?1 AND type = ?2 AND key = ?3")?
        .query_row(params![org_id, object.id, key], |r| r.get(0))
        .optional()?;
    let new_rows: Vec<serde_json::Map<String, serde_json::Value>> = rows
        .iter()
        .map(|r| {
            header
                .iter()
                .zip(&r.fields)
                .map(|(h, v)| (h.clone(), serde_json::Value::String(v.clone())))
                .collect()
        })
        .collect();
    let data = match &existing {
        // A one-row object keeps the values of columns the file does not have.
        Some(old) if !object.is_multi_row() => {
            let old: serde_json::Value = serde_json::from_str(old).unwrap_or_default();
            let mut merged = old["rows"][0].as_object().cloned().unwrap_or_default();
            merged.extend(new_rows[0].clone());
            serde_json::json!({ "rows": [merged] })
        }
        _ => serde_json::json!({ "rows": new_rows }),
    };
    let data = data.to_string();
    if existing.is_some() {
        tx.prepare_cached(
            "UPDATE objects SET data = ?4, builtin = 0 WHERE org_id = ?1 AND type = ?2 AND key = ?3",
        )?
        .execute(params![org_id, object.id, key, data])?;
    } else {
        tx.prepare_cached(
            "INSERT INTO objects(org_id, type, key, name, data) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![org_id, object.id, key, name, data])?;
    }
    Ok(existing.is_none())
}

fn import_csv(
    state: &AppState,
    conn: &mut Connection,
    rec: &JobRecord,
    data: &[u8],
) -> Result<Outcome, JobError> {
    let job = &rec.job;
    let object = schema::registry()
        .get(&job.object_type)
        .ok_or_else(|| JobError::Fail(format!("unknown object type {}", job.object_type)))?;
    let file =
        check_csv(object, data).map_err(|e| JobError::Fail(format!("{}: {e}", job.file_name)))?;
    conn.execute(
        "UPDATE jobs SET rows_total = ?2, header = ?3 WHERE id = ?1",
        params![
            job.id,
            file.rows.len() as i64,
            serde_json::to_string(&file.header)?
        ],
    )?;
    state.notify_change();
    // Group boundaries: [start, end) row ranges of one object each.
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for (i, r) in file.rows.iter().enumerate() {
        match groups.last_mut() {
            Some(g) if file.rows[g.0].group == r.group => g.1 = i + 1,
            _ => groups.push((i, i + 1)),
        }
    }
    let done = job.rows_processed as usize;
    let delay = state.settings().row_delay;
    let batch_rows = if delay.is_zero() { BATCH_ROWS } else { 1 };
    let mut cache = RefCache {
        org_id: rec.org_id.clone(),
        known: HashMap::new(),
    };
    let mut gi = groups.partition_point(|g| g.0 < done);
    while gi < groups.len() {
        if state.stopping() {
            return Ok(Outcome::Stopped);
        }
        let batch_start = groups[gi].0;
        let mut batch_end = batch_start;
        let mut batch_groups = Vec::new();
        while gi < groups.len() && batch_end - batch_start < batch_rows {
            batch_groups.push(groups[gi]);
            batch_end = groups[gi].1;
            gi += 1;
        }
        if !delay.is_zero() {
            std::thread::sleep(delay * (batch_end - batch_start) as u32);
        }
        let tx = conn.transaction()?;
        let mut tally = Tally::default();
        let mut results = Vec::with_capacity(batch_end - batch_start);
        for (s, e) in batch_groups {
            let rows: Vec<&CheckedRow> = file.rows[s..e].iter().collect();
            let mut errs: Vec<Vec<String>> = Vec::with_capacity(rows.len());
            for r in &rows {
                let mut v = r.errors.clone();
                v.extend(check_refs(
                    &tx,
                    &mut cache,
                    object,
                    &file.header,
                    &r.fields,
                )?);
                errs.push(v);
            }
            let group_ok = errs.iter().all(Vec::is_empty);
            if group_ok {
                if upsert(&tx, &rec.org_id, object, &file.header, &rows)? {
                    tally.created += 1;
                } else {
                    tally.updated += 1;
                }
                if let Some(n) = object
                    .identity
                    .first()
                    .and_then(|id| file.header.iter().position(|h| h.eq_ignore_ascii_case(id)))
                {
                    cache.known.insert(
                        (object.id.clone(), rows[0].fields[n].trim().to_lowercase()),
                        true,
                    );
                }
            }
            for (r, e) in rows.iter().zip(errs) {
                let error = if group_ok {
                    None
                } else if e.is_empty() {
                    Some(
                        "another row of the same object has errors; the object was not saved"
                            .into(),
                    )
                } else {
                    Some(e.join("; "))
                };
                tally.processed += 1;
                if error.is_some() {
                    tally.failed += 1;
                } else {
                    tally.succeeded += 1;
                }
                results.push(RowResult {
                    line: r.line,
                    fields: r.fields.clone(),
                    error,
                });
            }
        }
        record_batch(&tx, &job.id, batch_start as u64, &results, &tally)?;
        tx.commit()?;
        state.notify_change();
    }
    Ok(Outcome::Done)
}

fn import_audio(
    state: &AppState,
    conn: &mut Connection,
    rec: &JobRecord,
    data: &[u8],
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
        let tx = conn.transaction()?;
        let mut tally = Tally {
            processed: 1,
            ..Tally::default()
        };
        if error.is_none() {
            let key = base.to_lowercase();
            let existed = tx
                .query_row(
                    "SELECT 1 FROM objects WHERE org_id = ?1 AND type = 'audio-file' AND key = ?2",
                    params![rec.org_id, key],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            let obj = serde_json::json!({ "rows": [{ "File Name": base }] }).to_string();
            tx.execute(
                "INSERT INTO objects(org_id, type, key, name, data) VALUES (?1, 'audio-file', ?2, ?2, ?3)
                 ON CONFLICT(org_id, type, key) DO UPDATE SET data = excluded.data, builtin = 0",
                params![rec.org_id, key, obj],
            )?;
            tx.execute(
                "INSERT INTO audio(org_id, key, name, data) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT(org_id, key) DO UPDATE SET name = excluded.name, data = excluded.data",
                params![rec.org_id, key, base, wav],
            )?;
            tally.succeeded = 1;
            if existed {
                tally.updated = 1;
            } else {
                tally.created = 1;
            }
        } else {
            tally.failed = 1;
        }
        let result = RowResult {
            line: (n + 1) as u64,
            fields: vec![raw_name],
            error,
        };
        record_batch(&tx, &job.id, n as u64, &[result], &tally)?;
        tx.commit()?;
        state.notify_change();
    }
    Ok(Outcome::Done)
}

fn export(state: &AppState, conn: &mut Connection, rec: &JobRecord) -> Result<Outcome, JobError> {
    let job = &rec.job;
    let object = schema::registry()
        .get(&job.object_type)
        .ok_or_else(|| JobError::Fail(format!("unknown object type {}", job.object_type)))?;
    // Each object's rows, in creation order; built-in tenant defaults are not exported.
    let objects: Vec<Vec<Vec<String>>> = {
        let mut stmt = conn.prepare(
            "SELECT data FROM objects WHERE org_id = ?1 AND type = ?2 AND builtin = 0 ORDER BY rowid",
        )?;
        let datas = stmt
            .query_map(params![rec.org_id, object.id], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        datas
            .iter()
            .map(|d| {
                let v: serde_json::Value = serde_json::from_str(d).unwrap_or_default();
                v["rows"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .map(|row| {
                        object
                            .columns
                            .iter()
                            .map(|c| row[&c.name].as_str().unwrap_or("").to_string())
                            .collect()
                    })
                    .collect()
            })
            .collect()
    };
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
    fn fault_fail_job_fails_a_new_import_before_any_row_and_spares_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = super::super::Settings::new(dir.path());
        settings.faults.rate_fail_job = 1.0;
        let state = AppState::new(settings).unwrap();
        let mut conn = store::connect(dir.path()).unwrap();
        new_site_job(&state, &mut conn, "job-1");
        process(&state, &mut conn, "job-1", &Dice::new(0)).unwrap();
        let job = store::get_job(&conn, None, "job-1").unwrap().unwrap().job;
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(job.failure_reason.as_deref(), Some(FAILED_JOB_REASON));
        assert_eq!((job.rows_processed, job.objects_created), (0, 0));

        // Rate 0 (the default) never fails a job.
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(super::super::Settings::new(dir.path())).unwrap();
        let mut conn = store::connect(dir.path()).unwrap();
        new_site_job(&state, &mut conn, "job-2");
        process(&state, &mut conn, "job-2", &Dice::new(0)).unwrap();
        let job = store::get_job(&conn, None, "job-2").unwrap().unwrap().job;
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!(job.objects_created, 1);
    }
}
