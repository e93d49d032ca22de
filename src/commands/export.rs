//! `bulk export`: run an export job, wait for it (long-poll) and download its file.
//!
//! A CSV is written as `<type>.csv`; more records than fit in one file arrive as a ZIP of CSVs
//! (`<type>.zip`), which `--merge` joins into one CSV with one header. The files are written as
//! the service sent them (so they re-import unchanged), except with `--excel-safe`, which puts a
//! `'` before every cell a spreadsheet would run as a formula.
//!
//! Exit codes: 0 written; 2 for a type the service cannot export (audio files: the service
//! answers 422 `not_exportable`, a request that can never succeed, so a usage error); 5 if the
//! export job failed; 7 past `--timeout` (the job carries on; `bulk jobs wait ID`).

use super::jobs::wait;
use crate::api::client::ApiError;
use crate::api::wire::{ExportRequest, Job, JobStatus};
use crate::cli::ExportArgs;
use crate::context::{connect, Context};
use crate::error::{Exit, Failure};
use crate::output::Printer;
use crate::schema::find_type;
use anyhow::Context as _;
use std::borrow::Cow;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub fn run(args: ExportArgs, printer: &Printer) -> anyhow::Result<Exit> {
    let object = find_type(&args.object_type)?;
    let started = Instant::now();
    let remaining = |t: Option<Duration>| t.map(|t| t.saturating_sub(started.elapsed()));
    let ctx = connect(&super::remote_settings(&args.remote), printer)?;
    let req = ExportRequest {
        object_type: object.id.clone(),
        file_name: None,
    };
    // One key for every attempt: a retried or repeated request never makes a second job.
    let key = uuid::Uuid::new_v4().to_string();
    let job = submit(&ctx, &req, &key, || remaining(args.timeout))?;
    let job = if job.status.is_active() {
        wait::until_done(&ctx, &job.id, remaining(args.timeout))?
    } else {
        job
    };
    match job.status {
        JobStatus::Failed => {
            return Err(Failure::new(
                Exit::JobFailed,
                format!(
                    "export job {} failed: {}",
                    job.id,
                    job.failure_reason.as_deref().unwrap_or("no reason given")
                ),
            )
            .into())
        }
        JobStatus::CompletedWithErrors => printer.warn(format!(
            "export job {} completed with errors; `bulk errors {}` shows them",
            job.id, job.id
        )),
        _ => {}
    }
    let download = ctx.api.file(&job.id).map_err(anyhow::Error::from)?;
    let is_zip = download.bytes.starts_with(b"PK\x03\x04")
        || download.content_type.contains("zip")
        || download
            .file_name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().ends_with(".zip"));
    let (bytes, kind, files) = match (is_zip, args.merge) {
        (false, _) => {
            let b = if args.excel_safe {
                excel_safe(&download.bytes)?
            } else {
                download.bytes
            };
            (b, Kind::Csv, 1)
        }
        (true, true) => {
            let (merged, n) = merge_zip(&download.bytes)?;
            let b = if args.excel_safe {
                excel_safe(&merged)?
            } else {
                merged
            };
            (b, Kind::Csv, n)
        }
        (true, false) => {
            let n = count_csv_entries(&download.bytes)?;
            let b = if args.excel_safe {
                excel_safe_zip(&download.bytes)?
            } else {
                download.bytes
            };
            (b, Kind::Zip, n)
        }
    };
    let default_name = format!("{}.{}", object.id, kind.ext());
    let dest = destination(args.output.as_deref(), &default_name)?;
    match &dest {
        None => {
            if printer.json {
                return Err(Failure::usage(
                    "--json and -o - both want stdout; write the export to a file with -o FILE",
                )
                .into());
            }
            printer.data(&bytes)?;
        }
        Some(path) => {
            if kind == Kind::Zip
                && path
                    .extension()
                    .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
            {
                printer.warn(format!(
                    "the export is a ZIP of {files} CSV files, written to {} as it is; --merge makes it one CSV",
                    path.display()
                ));
            }
            std::fs::write(path, &bytes)
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    if printer.json {
        printer.json_doc(&serde_json::json!({
            "job": job,
            "path": dest,
            "format": kind.ext(),
            "records": job.rows_total,
            "files": files,
            "excel_safe": args.excel_safe,
        }))?;
    } else {
        let where_ = dest
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "stdout".into());
        let shape = match (kind, files) {
            (Kind::Zip, n) => format!(" (a ZIP of {n} CSV files; --merge joins them)"),
            (Kind::Csv, n) if n > 1 => format!(" (merged from {n} files)"),
            _ => String::new(),
        };
        printer.info(format!(
            "exported {} {} records to {where_}{shape}",
            job.rows_total, object.display_name
        ));
    }
    Ok(Exit::Ok)
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Csv,
    Zip,
}

impl Kind {
    fn ext(self) -> &'static str {
        match self {
            Kind::Csv => "csv",
            Kind::Zip => "zip",
        }
    }
}

/// Creates the export job. Only one job may run at a time: while another is active (409
/// `job_active`), wait for it and ask again with the same key.
fn submit(
    ctx: &Context,
    req: &ExportRequest,
    key: &str,
    remaining: impl Fn() -> Option<Duration>,
) -> anyhow::Result<Job> {
    loop {
        match ctx.api.export(req, key) {
            Ok(job) => return Ok(job),
            Err(ApiError::Service { code, message, .. })
                if code == crate::api::wire::ErrorCode::NotExportable.as_str() =>
            {
                return Err(Failure::usage(message).into())
            }
            Err(e) if e.is(crate::api::wire::ErrorCode::JobActive) => {
                let Some(active) = e
                    .details()
                    .and_then(|d| d["job_id"].as_str())
                    .map(str::to_string)
                else {
                    return Err(anyhow::Error::from(e));
                };
                ctx.printer.info(format!(
                    "job {active} is running; only one job runs at a time, waiting for it first"
                ));
                wait::until_done(ctx, &active, remaining())?;
            }
            Err(e) => return Err(anyhow::Error::from(e)),
        }
    }
}

/// Where to write: `None` for stdout (`-o -`), a directory's `<type>.<ext>`, or the file given.
fn destination(output: Option<&Path>, default_name: &str) -> anyhow::Result<Option<PathBuf>> {
    let Some(out) = output else {
        return Ok(Some(PathBuf::from(default_name)));
    };
    if out.as_os_str() == "-" {
        return Ok(None);
    }
    let says_dir = out.as_os_str().to_string_lossy().ends_with(['/', '\\']);
    if says_dir && !out.exists() {
        std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    }
    if out.is_dir() {
        return Ok(Some(out.join(default_name)));
    }
    Ok(Some(out.to_path_buf()))
}

/// Whether a spreadsheet would read the cell as a formula (or smuggle one behind a tab or CR).
fn looks_like_formula(cell: &[u8]) -> bool {
    matches!(
        cell.first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// The CSV with every formula-looking data cell prefixed by `'`; the header stays as it is.
pub fn excel_safe(csv_bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv_bytes);
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::with_capacity(csv_bytes.len() + 64));
    let mut record = csv::ByteRecord::new();
    let mut first = true;
    while reader
        .read_byte_record(&mut record)
        .context("the exported CSV cannot be read")?
    {
        if first {
            writer.write_byte_record(&record)?;
            first = false;
            continue;
        }
        writer.write_record(record.iter().map(|cell| -> Cow<'_, [u8]> {
            if looks_like_formula(cell) {
                let mut v = Vec::with_capacity(cell.len() + 1);
                v.push(b'\'');
                v.extend_from_slice(cell);
                Cow::Owned(v)
            } else {
                Cow::Borrowed(cell)
            }
        }))?;
    }
    writer.into_inner().context("cannot finish the CSV")
}

/// The CSV entries of a ZIP, in archive order: (name, bytes).
fn csv_entries(zip_bytes: &[u8]) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes))
        .context("the exported ZIP cannot be read")?;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i)?;
        if !f.is_file() || !f.name().to_ascii_lowercase().ends_with(".csv") {
            continue;
        }
        let mut data = Vec::with_capacity(f.size() as usize);
        f.read_to_end(&mut data)
            .with_context(|| format!("cannot read {} in the exported ZIP", f.name()))?;
        out.push((f.name().to_string(), data));
    }
    Ok(out)
}

fn count_csv_entries(zip_bytes: &[u8]) -> anyhow::Result<usize> {
    let archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes))
        .context("the exported ZIP cannot be read")?;
    Ok(archive
        .file_names()
        .filter(|n| n.to_ascii_lowercase().ends_with(".csv"))
        .count())
}

/// The same ZIP with each CSV made excel-safe.
fn excel_safe_zip(zip_bytes: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in csv_entries(zip_bytes)? {
        w.start_file(name, zip::write::SimpleFileOptions::default())?;
        w.write_all(&excel_safe(&data)?)?;
    }
    Ok(w.finish()?.into_inner())
}

/// Byte offset just past the header record (its line end included).
fn header_end(data: &[u8]) -> anyhow::Result<(usize, csv::ByteRecord)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut header = csv::ByteRecord::new();
    reader.read_byte_record(&mut header)?;
    Ok((reader.position().byte() as usize, header))
}

/// Joins the CSVs of a ZIP into one CSV: the first file whole, then the records of the others
/// byte for byte, without their header. Returns the CSV and how many files it joined.
pub fn merge_zip(zip_bytes: &[u8]) -> anyhow::Result<(Vec<u8>, usize)> {
    let entries = csv_entries(zip_bytes)?;
    let mut out = Vec::with_capacity(zip_bytes.len() * 2);
    let mut first_header: Option<csv::ByteRecord> = None;
    for (name, data) in &entries {
        let (end, header) = header_end(data)?;
        match &first_header {
            None => {
                out.extend_from_slice(data);
                first_header = Some(header);
            }
            Some(h) if *h == header => {
                if !out.is_empty() && !out.ends_with(b"\n") {
                    out.extend_from_slice(b"\n");
                }
                out.extend_from_slice(&data[end.min(data.len())..]);
            }
            Some(_) => anyhow::bail!(
                "cannot merge the export: {name} has a different header from the first file; use it without --merge"
            ),
        }
    }
    if entries.is_empty() {
        anyhow::bail!("the exported ZIP holds no CSV file");
    }
    Ok((out, entries.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (n, d) in files {
            w.start_file(*n, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(d.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn formula_cells_get_a_quote_and_nothing_else_changes() {
        let input = "NAME,NOTE\n=SUM(A1),plain\n+1,-2\n@x,\"\tx\"\nok,\"a,b\"\n";
        let out = String::from_utf8(excel_safe(input.as_bytes()).unwrap()).unwrap();
        assert_eq!(
            out,
            "NAME,NOTE\n'=SUM(A1),plain\n'+1,'-2\n'@x,'\tx\nok,\"a,b\"\n"
        );
    }

    #[test]
    fn merge_keeps_one_header_and_every_record_byte_for_byte() {
        let z = zip_of(&[
            ("u_1.csv", "A,B\n1,\"x\ny\"\n2,z\n"),
            ("u_2.csv", "A,B\n3,w"),
            ("u_3.csv", "A,B\n4,v\n"),
        ]);
        let (m, n) = merge_zip(&z).unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            String::from_utf8(m).unwrap(),
            "A,B\n1,\"x\ny\"\n2,z\n3,w\n4,v\n"
        );
    }

    #[test]
    fn merge_refuses_different_headers() {
        let z = zip_of(&[("a.csv", "A,B\n1,2\n"), ("b.csv", "A,C\n1,2\n")]);
        assert!(merge_zip(&z).unwrap_err().to_string().contains("b.csv"));
    }
}
