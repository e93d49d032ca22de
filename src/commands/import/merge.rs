//! The one error CSV per input: rows left out locally and rows the service rejected, with the
//! `Line` of the original file (not of a chunk), sorted by line, importable again as is.

use crate::input::scan::Scanner;
use crate::input::write_record;
use crate::journal::{ChunkEntry, InputEntry};
use anyhow::Context;
use std::collections::HashMap;
use std::io::{BufWriter, Write};
use std::path::Path;

/// One row of the merged file.
struct Row {
    line: u64,
    fields: Vec<String>,
    message: String,
}

/// Writes `entry.errors_out` from the local errors and the downloaded job error CSVs in
/// `dir`; returns the rows in it. With no rows, removes a stale file instead.
pub(super) fn write_merged(entry: &InputEntry, dir: &Path) -> anyhow::Result<u64> {
    let mut rows = Vec::new();
    let mut header: Option<Vec<String>> = (!entry.header.is_empty()).then(|| entry.header.clone());
    if let Some(local) = &entry.local_errors {
        read_error_csv(&dir.join(local), &mut header, |line, fields, message| {
            rows.push(Row {
                line,
                fields,
                message,
            })
        })?;
    }
    let audio = entry.object_type == "audio-file";
    for chunk in &entry.chunks {
        if let Some(file) = &chunk.errors_file {
            let lines = if audio {
                HashMap::new()
            } else {
                chunk_rows(&dir.join(&chunk.file))?
            };
            read_error_csv(&dir.join(file), &mut header, |line, fields, message| {
                // Line in the chunk -> row of the chunk -> line of the input.
                let original = lines
                    .get(&line)
                    .and_then(|&row| chunk.line_of_row(row))
                    .unwrap_or(line);
                rows.push(Row {
                    line: original,
                    fields,
                    message,
                })
            })?;
        }
        if chunk.status.as_deref() == Some("failed") && !audio {
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
    let f =
        std::fs::File::create(path).with_context(|| format!("cannot write {}", path.display()))?;
    let mut w = BufWriter::new(f);
    let mut head: Vec<&[u8]> = header
        .as_deref()
        .unwrap_or_default()
        .iter()
        .map(|h| h.as_bytes())
        .collect();
    head.push(b"Line");
    head.push(b"Error Message");
    write_record(&mut w, head)?;
    for r in &rows {
        let line = r.line.to_string();
        let mut rec: Vec<&[u8]> = r.fields.iter().map(|f| f.as_bytes()).collect();
        rec.push(line.as_bytes());
        rec.push(r.message.as_bytes());
        write_record(&mut w, rec)?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(rows.len() as u64)
}

/// Reads an error CSV (columns, then `Line` and `Error Message`); the first header seen is kept.
fn read_error_csv(
    path: &Path,
    header: &mut Option<Vec<String>>,
    mut row: impl FnMut(u64, Vec<String>, String),
) -> anyhow::Result<()> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let head: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
    if head.len() < 2 {
        return Ok(());
    }
    if header.is_none() {
        *header = Some(head[..head.len() - 2].to_vec());
    }
    for rec in r.records() {
        let rec = rec.with_context(|| format!("cannot read {}", path.display()))?;
        let n = rec.len();
        if n < 2 {
            continue;
        }
        let line = rec[n - 2].trim().parse().unwrap_or(0);
        let fields = rec.iter().take(n - 2).map(str::to_string).collect();
        row(line, fields, rec[n - 1].to_string());
    }
    Ok(())
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
        .filter(|(_, h)| {
            let h = crate::schema::normalize_header(h);
            h != "line" && h != "error message"
        })
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
