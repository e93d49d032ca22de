//! The error CSV: a file's own columns, then `Line` (of the original input) and `Error Message`.
//! `bulk validate --errors-out`, the rows an import leaves out, a job's failed rows in the
//! sandbox and the merged file an import ends with are all this one format, written and read
//! here, so it is importable again as it is.

use crate::input::write_record;
use anyhow::Context;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The columns an error CSV appends to the original ones.
pub use crate::schema::ERROR_CSV_COLUMNS as COLUMNS;

/// One row to fix: the original cells, where it was, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRow {
    /// Line of the row in the original input (its first line, for a multi-line record).
    pub line: u64,
    pub fields: Vec<String>,
    pub message: String,
}

/// `users.csv` -> `users.errors.csv`.
pub fn file_name(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".into());
    PathBuf::from(format!("{stem}.errors.csv"))
}

/// Whether a header cell is one of the [`COLUMNS`] (an error CSV imported again).
pub fn is_error_column(header: &str) -> bool {
    let h = crate::schema::normalize_header(header);
    COLUMNS.iter().any(|c| c.eq_ignore_ascii_case(&h))
}

/// Writes an error CSV row by row.
pub struct Writer<W: Write> {
    out: W,
    /// Records end with `\r\n` (the files the CLI writes) or `\n` (what the service sends).
    crlf: bool,
    record: Vec<u8>,
    /// Values per row before `Line` (the original header's width): a row with fewer is padded
    /// with empty values, so that every row has as many fields as the header (issue 11).
    width: usize,
}

impl<W: Write> Writer<W> {
    /// Starts the file: the original header, then [`COLUMNS`]; records end with `\r\n`.
    pub fn new<'a>(out: W, header: impl IntoIterator<Item = &'a [u8]>) -> std::io::Result<Self> {
        Self::start(out, header, true)
    }

    /// As [`Writer::new`], with records ending in `\n` (the service's error files).
    pub fn with_lf<'a>(
        out: W,
        header: impl IntoIterator<Item = &'a [u8]>,
    ) -> std::io::Result<Self> {
        Self::start(out, header, false)
    }

    fn start<'a>(
        out: W,
        header: impl IntoIterator<Item = &'a [u8]>,
        crlf: bool,
    ) -> std::io::Result<Self> {
        let header: Vec<&[u8]> = header.into_iter().collect();
        let mut w = Writer {
            out,
            crlf,
            record: Vec::new(),
            width: header.len(),
        };
        w.record(
            header
                .into_iter()
                .chain(COLUMNS.iter().map(|c| c.as_bytes())),
        )?;
        Ok(w)
    }

    fn record<'a>(&mut self, fields: impl IntoIterator<Item = &'a [u8]>) -> std::io::Result<()> {
        if self.crlf {
            return write_record(&mut self.out, fields);
        }
        self.record.clear();
        write_record(&mut self.record, fields)?;
        let n = self.record.len();
        self.record[n - 2] = b'\n';
        self.out.write_all(&self.record[..n - 1])
    }

    /// One row: its cells, its line in the original input, its message.
    pub fn row<'a>(
        &mut self,
        fields: impl IntoIterator<Item = &'a [u8]>,
        line: u64,
        message: &str,
    ) -> std::io::Result<()> {
        let line = line.to_string();
        let mut record: Vec<&[u8]> = fields.into_iter().collect();
        if record.len() < self.width {
            record.resize(self.width, b"");
        }
        record.push(line.as_bytes());
        record.push(message.as_bytes());
        self.record(record)
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Starts the error CSV at `path` with `header` (the original columns). It is written beside
/// `path` and appears there only when [`Writer::commit`]ted; a symlink at `path` is refused.
pub fn create<'a>(
    path: &Path,
    header: impl IntoIterator<Item = &'a [u8]>,
) -> anyhow::Result<Writer<crate::fsutil::AtomicFile>> {
    let f = crate::fsutil::AtomicFile::create(path)?;
    Writer::new(f, header).with_context(|| format!("cannot write {}", path.display()))
}

impl Writer<crate::fsutil::AtomicFile> {
    /// Finishes the file and puts it in place.
    pub fn commit(self) -> anyhow::Result<()> {
        self.finish()?.commit()
    }
}

/// Writes a whole error CSV from rows.
pub fn write(path: &Path, header: &[String], rows: &[ErrorRow]) -> anyhow::Result<()> {
    let mut w = create(path, header.iter().map(|h| h.as_bytes()))?;
    for r in rows {
        w.row(r.fields.iter().map(|f| f.as_bytes()), r.line, &r.message)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    w.commit()
}

/// Reads an error CSV; returns its original header (without [`COLUMNS`]) and hands each row to
/// `row`. A file with fewer than two columns holds no rows.
pub fn read(path: &Path, mut row: impl FnMut(ErrorRow)) -> anyhow::Result<Option<Vec<String>>> {
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let head: Vec<String> = r.headers()?.iter().map(str::to_string).collect();
    if head.len() < COLUMNS.len() {
        return Ok(None);
    }
    for rec in r.records() {
        let rec = rec.with_context(|| format!("cannot read {}", path.display()))?;
        let n = rec.len();
        if n < COLUMNS.len() {
            continue;
        }
        row(ErrorRow {
            line: rec[n - 2].trim().parse().unwrap_or(0),
            fields: rec.iter().take(n - 2).map(str::to_string).collect(),
            message: rec[n - 1].to_string(),
        });
    }
    Ok(Some(head[..head.len() - COLUMNS.len()].to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_written_are_rows_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.errors.csv");
        let rows = vec![
            ErrorRow {
                line: 3,
                fields: vec!["a,b".into(), "\"q\"".into()],
                message: "column \"Name\": bad".into(),
            },
            ErrorRow {
                line: 7,
                fields: vec![String::new(), "x\ny".into()],
                message: "m".into(),
            },
        ];
        write(&path, &["Name".into(), "Site".into()], &rows).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("Name,Site,Line,Error Message\r\n"),
            "{text}"
        );
        let mut back = Vec::new();
        let header = read(&path, |r| back.push(r)).unwrap();
        assert_eq!(header, Some(vec!["Name".to_string(), "Site".to_string()]));
        assert_eq!(back, rows);
    }

    #[test]
    fn the_service_flavour_ends_records_with_lf() {
        let mut w = Writer::with_lf(Vec::new(), [b"Name".as_slice()]).unwrap();
        w.row([b"a\r\nb".as_slice()], 2, "bad").unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "Name,Line,Error Message\n\"a\r\nb\",2,bad\n");
    }

    /// Issue 11, item 12: a row that comes without its values (a problem of the whole object)
    /// still has one field per column, so the file validates again as it is.
    #[test]
    fn a_row_without_values_keeps_the_shape_of_the_header() {
        let mut w = Writer::new(Vec::new(), [b"Name".as_slice(), b"Site".as_slice()]).unwrap();
        w.row(std::iter::empty(), 2, "too large").unwrap();
        let out = String::from_utf8(w.finish().unwrap()).unwrap();
        assert_eq!(out, "Name,Site,Line,Error Message\r\n,,2,too large\r\n");
    }

    #[test]
    fn names_and_columns() {
        assert_eq!(
            file_name(Path::new("d/users.csv")),
            PathBuf::from("users.errors.csv")
        );
        assert!(is_error_column(" line "));
        assert!(is_error_column("Error Message"));
        assert!(!is_error_column("Name"));
    }
}
