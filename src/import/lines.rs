//! What `bulk errors JOB` needs to number a job's error rows by the lines of the admin's input
//! rather than of the chunk the job received: for each job an import of this data directory
//! submitted, the input's name and the chunk's line map, kept in `job-lines/<job>.json`.

use super::journal::{ChunkEntry, Journal};
use crate::errors_csv;
use std::path::PathBuf;

#[derive(serde::Serialize, serde::Deserialize)]
struct Record {
    input: String,
    chunk: ChunkEntry,
}

fn path_of(job_id: &str) -> Option<PathBuf> {
    // A job id names a file here: only plain ids.
    let plain = !job_id.is_empty()
        && job_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    plain.then(|| {
        crate::config::data_dir()
            .join("job-lines")
            .join(format!("{job_id}.json"))
    })
}

/// Keeps the line map of every submitted chunk of `journal`. Best effort: without it, `bulk
/// errors` says its lines are the chunk's.
pub fn remember(journal: &Journal) {
    for entry in &journal.inputs {
        for chunk in &entry.chunks {
            let (Some(job), false) = (chunk.job_id.as_deref(), chunk.line_map.is_empty()) else {
                continue;
            };
            let Some(path) = path_of(job) else { continue };
            let record = Record {
                input: entry.display.clone(),
                chunk: chunk.clone(),
            };
            if let (Some(dir), Ok(json)) = (path.parent(), serde_json::to_vec(&record)) {
                let _ = std::fs::create_dir_all(dir);
                let _ = std::fs::write(&path, json);
            }
        }
    }
}

/// The job's error CSV with its `Line` column turned into lines of the import's input, and that
/// input's name; `None` when this data directory did not submit the job.
pub fn renumber(job_id: &str, csv: &[u8]) -> anyhow::Result<Option<(Vec<u8>, String)>> {
    let Some(path) = path_of(job_id) else {
        return Ok(None);
    };
    let Ok(bytes) = std::fs::read(&path) else {
        return Ok(None);
    };
    let Ok(record) = serde_json::from_slice::<Record>(&bytes) else {
        return Ok(None);
    };
    let tmp = tempfile::NamedTempFile::new()?;
    std::fs::write(tmp.path(), csv)?;
    let mut rows = Vec::new();
    let header = errors_csv::read(tmp.path(), |mut r| {
        r.line = record.chunk.input_line(r.line).unwrap_or(r.line);
        rows.push(r);
    })?;
    let header = header.unwrap_or_default();
    let mut w = errors_csv::Writer::new(Vec::new(), header.iter().map(|h| h.as_bytes()))?;
    for r in &rows {
        w.row(r.fields.iter().map(|f| f.as_bytes()), r.line, &r.message)?;
    }
    Ok(Some((w.finish()?, record.input)))
}
