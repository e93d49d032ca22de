//! The one error CSV per input: rows left out locally and rows the service rejected, with the
//! `Line` of the original file (not of a chunk), sorted by line, importable again as is.

use super::journal::{ChunkEntry, InputEntry};
use crate::errors_csv::{self, ErrorRow as Row};
use crate::input::scan::Scanner;
use anyhow::Context;
use std::collections::HashMap;
use std::path::Path;

/// Writes `entry.errors_out` from the local errors and the downloaded job error CSVs in
/// `dir`; returns the rows in it. With no rows, removes a stale file instead.
pub fn write_merged(entry: &InputEntry, dir: &Path) -> anyhow::Result<u64> {
    let mut rows = Vec::new();
    let mut header: Option<Vec<String>> = (!entry.header.is_empty()).then(|| entry.header.clone());
    if let Some(local) = &entry.local_errors {
        let head = errors_csv::read(&dir.join(local), |r| rows.push(r))?;
        header = header.or(head);
    }
    let audio = crate::schema::is_zip(&entry.object_type);
    for chunk in &entry.chunks {
        if let Some(file) = &chunk.errors_file {
            // The chunker's line map says where each chunk line came from; only a journal
            // planned before it existed needs the chunk read again.
            let lines = if audio || !chunk.line_map.is_empty() {
                HashMap::new()
            } else {
                chunk_rows(&dir.join(&chunk.file))?
            };
            let head = errors_csv::read(&dir.join(file), |mut r| {
                // Line in the chunk -> line of the input.
                r.line = chunk
                    .input_line(r.line)
                    .or_else(|| lines.get(&r.line).and_then(|&row| chunk.line_of_row(row)))
                    .unwrap_or(r.line);
                rows.push(r)
            })?;
            header = header.or(head);
        }
        if chunk.status == Some(crate::api::wire::JobStatus::Failed) && !audio {
            failed_chunk_rows(chunk, &dir.join(&chunk.file), &mut rows)?;
        }
    }
    let path = &entry.errors_out;
    if rows.is_empty() {
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("cannot remove the stale {}", path.display())))
            }
        }
        return Ok(0);
    }
    rows.sort_by_key(|r| r.line);
    errors_csv::write(path, header.as_deref().unwrap_or_default(), &rows)?;
    super::owned::record(path);
    Ok(rows.len() as u64)
}

/// Physical line of every data row of a chunk file -> its row number (1-based).
fn chunk_rows(path: &Path) -> anyhow::Result<HashMap<u64, u64>> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut scanner = Scanner::new(f, 1 << 20, usize::MAX / 2);
    let mut map = HashMap::new();
    let mut row = 0u64;
    let mut header = true;
    while let Some(block) = scanner.next_block()? {
        for r in &block.records {
            if header {
                header = false;
                continue;
            }
            row += 1;
            map.insert(r.line, row);
        }
    }
    Ok(map)
}

/// A failed job imported nothing we can vouch for: every row of its chunk goes to the error
/// file, so that the file still holds everything left to do.
fn failed_chunk_rows(chunk: &ChunkEntry, path: &Path, rows: &mut Vec<Row>) -> anyhow::Result<()> {
    let reason = chunk
        .failure_reason
        .clone()
        .unwrap_or_else(|| "no reason given".into());
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let head: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
    // Columns `Line` / `Error Message` of an error CSV imported again are not data.
    let keep: Vec<usize> = head
        .iter()
        .enumerate()
        .filter(|(_, h)| !errors_csv::is_error_column(h))
        .map(|(i, _)| i)
        .collect();
    for (i, rec) in r.records().enumerate() {
        let rec = rec?;
        rows.push(Row {
            line: chunk.line_of_row(i as u64 + 1).unwrap_or(0),
            fields: keep
                .iter()
                .map(|&k| rec.get(k).unwrap_or("").to_string())
                .collect(),
            message: format!(
                "job {} failed: {reason}",
                chunk.job_id.as_deref().unwrap_or("?")
            ),
        });
    }
    Ok(())
}
