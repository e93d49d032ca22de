//! Opening a CSV as the rest of `bulk` wants it: UTF-8, comma-separated, LF or CRLF line ends.
//!
//! A UTF-8 file with commas (the common case) is read in place; its BOM is skipped. Anything
//! else (UTF-16 with a BOM, an `--encoding`, an accepted `--delimiter`, bare-CR line ends) is
//! normalised once into a temporary file, streaming, keeping every record on its original
//! physical line so that line numbers still point into the user's file.
//!
//! Spreadsheet formula guards (`'=SUM(A1)`, as `bulk export --excel-safe` writes them) are
//! data like any other value: no value is changed unless [`Unguard`] says so. The marker of an
//! `--excel-safe` export is its content: `excel_safe` guards every data cell that begins with
//! `=`, `+`, `-`, `@`, a tab or a CR, so a file in which at least one value is guarded and none
//! begins with those characters unguarded is read as such an export ([`Unguard::IfExport`]).
//! A file with one bare `=...` or `-5` value is not one, and keeps its guards.

pub mod record;
pub mod scan;
pub mod typed;

use encoding_rs::Encoding;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// How the user asked us to read the input.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// Transcode from this encoding (`--encoding`).
    pub encoding: Option<&'static Encoding>,
    /// Accept this field separator (`--delimiter`).
    pub delimiter: Option<u8>,
    /// When to remove the spreadsheet formula guards (`'=...`) that `export --excel-safe`
    /// writes.
    pub unguard: Unguard,
}

/// When the `'` before `=`, `+`, `-`, `@` (a spreadsheet formula guard) is removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unguard {
    /// Never: values are read as they are (validate, split).
    #[default]
    Never,
    /// When the file is recognisably an `export --excel-safe` output (see the module docs):
    /// what `bulk import` does unless asked.
    IfExport,
    /// Always (`bulk import --excel-safe`).
    Always,
}

impl InputOptions {
    /// Resolves the raw `--encoding` and `--delimiter` values.
    pub fn resolve(encoding: Option<&str>, delimiter: Option<&str>) -> Result<Self, String> {
        let encoding = match encoding {
            None => None,
            Some(label) => Some(Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                format!(
                    "unknown encoding \"{label}\" (try utf-8, windows-1252, iso-8859-1, utf-16le)"
                )
            })?),
        };
        let delimiter = match delimiter {
            None => None,
            Some(d) => Some(match d {
                "\\t" | "tab" | "\t" => b'\t',
                s if s.len() == 1 && s.is_ascii() && s != "\"" && s != "\n" && s != "\r" => {
                    s.as_bytes()[0]
                }
                s => {
                    return Err(format!(
                        "--delimiter takes one ASCII character such as ';' or '\\t', not \"{s}\""
                    ))
                }
            }),
        };
        Ok(InputOptions {
            encoding,
            delimiter,
            unguard: Unguard::Never,
        })
    }
}

/// Why a file cannot be read as a CSV at all. Each names the file and says how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
    #[error("{file}:1: the file is separated by '{escaped}', not commas (as Excel writes in many locales); pass --delimiter '{escaped}' to accept it", escaped = escape(*found))]
    Delimiter { file: String, found: char },
    #[error("{file}: the file is not valid {encoding} text (at byte {offset}); pass --encoding with the right encoding")]
    Undecodable {
        file: String,
        encoding: &'static str,
        offset: u64,
    },
    #[error("{file}: the file looks like {guess} text without a byte-order mark; pass --encoding {label}")]
    Utf16WithoutBom {
        file: String,
        guess: &'static str,
        label: &'static str,
    },
    #[error("{file}: the file is empty; a CSV needs at least a header row")]
    Empty { file: String },
    #[error("{file}:{line}: the delimiter-separated file cannot be read: {message}")]
    Malformed {
        file: String,
        line: u64,
        message: String,
    },
}

fn escape(c: char) -> String {
    match c {
        '\t' => "\\t".to_string(),
        c => c.to_string(),
    }
}

/// A CSV ready to read: a UTF-8, comma-separated byte range of some file.
#[derive(Debug)]
pub struct Source {
    /// The name the user gave, for messages.
    pub display: String,
    /// The file the bytes come from: the input itself or a normalised temporary copy.
    pub path: PathBuf,
    /// Where the CSV starts in `path` (after a BOM).
    pub start: u64,
    /// Bytes from `start` to the end.
    pub len: u64,
    /// What was done to the input, for the user (`"transcoded from UTF-16LE"`), if anything.
    pub normalised: Option<String>,
    /// Values whose spreadsheet formula guard was removed (see [`Unguard`]).
    pub unguarded: u64,
    /// Values that begin with a formula guard that was kept (the file is not an
    /// `--excel-safe` export and `--excel-safe` was not given).
    pub guards_kept: u64,
    _temp: Option<tempfile::TempPath>,
}

impl Source {
    /// Opens the CSV bytes positioned at `start`.
    pub fn open(&self) -> io::Result<impl Read> {
        use std::io::Seek;
        let mut f = File::open(&self.path)?;
        f.seek(io::SeekFrom::Start(self.start))?;
        Ok(f)
    }
}

/// Opens `path`, sniffing its encoding, separator and line ends; normalises it if needed, and
/// removes formula guards as `opts.unguard` says.
pub fn open(path: &Path, opts: &InputOptions) -> Result<Source, InputError> {
    let source = open_plain(path, opts)?;
    if opts.unguard == Unguard::Never {
        return Ok(source);
    }
    let io_err = |e| transcode_error(e, &source.display);
    if !has_formula_guards(&source.path, source.start).map_err(io_err)? {
        return Ok(source);
    }
    let census = guard_census(&source).map_err(io_err)?;
    let is_export = census.guarded > 0 && census.bare == 0;
    if opts.unguard == Unguard::IfExport && !is_export {
        return Ok(Source {
            guards_kept: census.guarded,
            ..source
        });
    }
    let tmp = tempfile::Builder::new()
        .prefix("bulk-unguarded-")
        .suffix(".csv")
        .tempfile()
        .map_err(io_err)?;
    let (tmp_file, tmp_path) = tmp.into_parts();
    let mut out = BufWriter::with_capacity(1 << 20, tmp_file);
    let changed = rewrite(
        source.open().map_err(io_err)?,
        b',',
        true,
        &mut out,
        &source.display,
    )?;
    out.flush().map_err(io_err)?;
    let len = std::fs::metadata(&tmp_path).map_err(io_err)?.len();
    let why = if opts.unguard == Unguard::Always {
        "--excel-safe"
    } else {
        "every formula-like value is guarded, as `bulk export --excel-safe` writes them; pass --keep-guards to keep them"
    };
    let removed = format!(
        "the spreadsheet formula guard (a ' before = + - @) removed from {} ({why})",
        crate::output::plural(changed, "value")
    );
    Ok(Source {
        display: source.display,
        path: tmp_path.to_path_buf(),
        start: 0,
        len,
        normalised: Some(match source.normalised {
            Some(n) => format!("{n}, {removed}"),
            None => removed,
        }),
        unguarded: changed,
        guards_kept: 0,
        _temp: Some(tmp_path),
    })
}

/// Data values that begin with a formula guard, and values a spreadsheet would run as a formula
/// (`=`, `+`, `-`, `@`, tab, CR first) that carry none.
struct Census {
    guarded: u64,
    bare: u64,
}

/// Counts the guarded and bare formula-like values of the data rows (the header is not data).
fn guard_census(source: &Source) -> io::Result<Census> {
    let mut scanner = scan::Scanner::new(source.open()?, 1 << 20, 64 << 20);
    let mut fields = record::Fields::default();
    let mut census = Census {
        guarded: 0,
        bare: 0,
    };
    let mut header = true;
    while let Some(block) = scanner.next_block()? {
        for pos in &block.records {
            if std::mem::take(&mut header) || pos.oversized {
                continue;
            }
            let rec = &block.data[pos.start..pos.end];
            if fields.split(rec, b',').is_err() {
                continue;
            }
            for i in 0..fields.len() {
                let v = fields.get(rec, i);
                if unguard(v).len() != v.len() {
                    census.guarded += 1;
                } else if matches!(v.first(), Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')) {
                    census.bare += 1;
                }
            }
        }
    }
    Ok(census)
}

/// Opens `path` as [`open`] does, values as they are.
fn open_plain(path: &Path, opts: &InputOptions) -> Result<Source, InputError> {
    let display = path.display().to_string();
    let io_err = |source| InputError::Io {
        file: display.clone(),
        source,
    };
    let mut f = File::open(path).map_err(io_err)?;
    let total = f.metadata().map_err(io_err)?.len();
    let mut head = vec![0u8; 64 * 1024];
    let n = read_full(&mut f, &mut head).map_err(io_err)?;
    head.truncate(n);

    let (bom_encoding, bom_len) = match Encoding::for_bom(&head) {
        Some((enc, len)) => (Some(enc), len),
        None => (None, 0),
    };
    if bom_encoding.is_none() && opts.encoding.is_none() {
        if let Some((guess, label)) = utf16_without_bom(&head) {
            return Err(InputError::Utf16WithoutBom {
                file: display,
                guess,
                label,
            });
        }
    }
    let encoding = bom_encoding.or(opts.encoding).unwrap_or(encoding_rs::UTF_8);
    if total as usize <= bom_len {
        return Err(InputError::Empty { file: display });
    }

    // Sniff on a UTF-8 rendering of the head.
    let head_text: Vec<u8> = if encoding == encoding_rs::UTF_8 {
        head[bom_len..].to_vec()
    } else {
        let (text, _) = encoding.decode_without_bom_handling(&head[bom_len..]);
        text.into_owned().into_bytes()
    };
    let delimiter = match opts.delimiter {
        Some(d) => d,
        None => {
            let d = sniff_delimiter(&head_text);
            if d != b',' {
                return Err(InputError::Delimiter {
                    file: display,
                    found: d as char,
                });
            }
            d
        }
    };
    let bare_cr = has_bare_cr_line_ends(&head_text);

    let mut reasons = Vec::new();
    if encoding != encoding_rs::UTF_8 {
        reasons.push(format!("transcoded from {}", encoding.name()));
    }
    if delimiter != b',' {
        reasons.push(format!(
            "separator '{}' turned into commas",
            escape(delimiter as char)
        ));
    }
    if bare_cr {
        reasons.push("bare CR line ends turned into CRLF".to_string());
    }
    if reasons.is_empty() {
        return Ok(Source {
            display,
            path: path.to_path_buf(),
            start: bom_len as u64,
            len: total - bom_len as u64,
            normalised: None,
            unguarded: 0,
            guards_kept: 0,
            _temp: None,
        });
    }

    let tmp = tempfile::Builder::new()
        .prefix("bulk-normalised-")
        .suffix(".csv")
        .tempfile()
        .map_err(io_err)?;
    let (tmp_file, tmp_path) = tmp.into_parts();
    let mut out = BufWriter::with_capacity(1 << 20, tmp_file);
    let mut input = File::open(path).map_err(io_err)?;
    io::copy(&mut (&mut input).take(bom_len as u64), &mut io::sink()).map_err(io_err)?;
    let utf8: Box<dyn Read> = if encoding == encoding_rs::UTF_8 {
        Box::new(input)
    } else {
        Box::new(Transcoder::new(input, encoding, &display))
    };
    let text: Box<dyn Read> = if bare_cr {
        Box::new(BareCrToCrlf::new(utf8))
    } else {
        utf8
    };
    if delimiter != b',' {
        rewrite(text, delimiter, false, &mut out, &display)?;
    } else {
        io::copy(&mut { text }, &mut out).map_err(|e| transcode_error(e, &display))?;
    }
    out.flush().map_err(io_err)?;
    let len = std::fs::metadata(&tmp_path).map_err(io_err)?.len();
    Ok(Source {
        display,
        path: tmp_path.to_path_buf(),
        start: 0,
        len,
        normalised: Some(reasons.join(", ")),
        unguarded: 0,
        guards_kept: 0,
        _temp: Some(tmp_path),
    })
}

fn transcode_error(e: io::Error, file: &str) -> InputError {
    match e.get_ref().and_then(|i| i.downcast_ref::<Undecodable>()) {
        Some(u) => InputError::Undecodable {
            file: file.to_string(),
            encoding: u.encoding,
            offset: u.offset,
        },
        None => InputError::Io {
            file: file.to_string(),
            source: e,
        },
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Text that is mostly NUL bytes at every other position is UTF-16 (without a BOM, which Excel
/// always writes, so someone else wrote it).
fn utf16_without_bom(head: &[u8]) -> Option<(&'static str, &'static str)> {
    let sample = &head[..head.len().min(4096) & !1];
    if sample.len() < 8 {
        return None;
    }
    let pairs = sample.len() / 2;
    let zeros_at = |parity: usize| {
        sample
            .iter()
            .skip(parity)
            .step_by(2)
            .filter(|&&b| b == 0)
            .count()
    };
    let (even, odd) = (zeros_at(0), zeros_at(1));
    if odd * 10 >= pairs * 7 && even * 10 < pairs {
        Some(("UTF-16LE", "utf-16le"))
    } else if even * 10 >= pairs * 7 && odd * 10 < pairs {
        Some(("UTF-16BE", "utf-16be"))
    } else {
        None
    }
}

/// The separator of the header row: the most frequent of `,` `;` and tab outside quotes.
pub fn sniff_delimiter(text: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut in_quotes = false;
    for &b in text {
        match b {
            b'"' => in_quotes = !in_quotes,
            b'\n' | b'\r' if !in_quotes => break,
            b',' if !in_quotes => counts[0] += 1,
            b';' if !in_quotes => counts[1] += 1,
            b'\t' if !in_quotes => counts[2] += 1,
            _ => {}
        }
    }
    if counts[0] >= counts[1] && counts[0] >= counts[2] {
        b','
    } else if counts[1] >= counts[2] {
        b';'
    } else {
        b'\t'
    }
}

/// Whether lines end in a bare CR (old Mac Excel) rather than LF or CRLF.
fn has_bare_cr_line_ends(text: &[u8]) -> bool {
    !text.contains(&b'\n') && text.contains(&b'\r')
}

#[derive(Debug)]
struct Undecodable {
    encoding: &'static str,
    offset: u64,
}
impl std::fmt::Display for Undecodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not valid {} at byte {}", self.encoding, self.offset)
    }
}
impl std::error::Error for Undecodable {}

/// A reader that decodes another encoding into UTF-8, refusing malformed input.
struct Transcoder<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    encoding: &'static Encoding,
    inbuf: Vec<u8>,
    in_pos: usize,
    in_len: usize,
    consumed: u64,
    eof: bool,
    done: bool,
}

impl<R: Read> Transcoder<R> {
    fn new(inner: R, encoding: &'static Encoding, _file: &str) -> Self {
        Transcoder {
            inner,
            decoder: encoding.new_decoder_without_bom_handling(),
            encoding,
            inbuf: vec![0; 64 * 1024],
            in_pos: 0,
            in_len: 0,
            consumed: 0,
            eof: false,
            done: false,
        }
    }
}

impl<R: Read> Read for Transcoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if self.done || out.len() < 4 {
                return Ok(0);
            }
            if self.in_pos == self.in_len && !self.eof {
                self.in_len = self.inner.read(&mut self.inbuf)?;
                self.in_pos = 0;
                self.eof = self.in_len == 0;
            }
            let (result, read, written) = self.decoder.decode_to_utf8_without_replacement(
                &self.inbuf[self.in_pos..self.in_len],
                out,
                self.eof,
            );
            self.in_pos += read;
            self.consumed += read as u64;
            match result {
                encoding_rs::DecoderResult::Malformed(_, _) => {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        Undecodable {
                            encoding: self.encoding.name(),
                            offset: self.consumed,
                        },
                    ))
                }
                encoding_rs::DecoderResult::InputEmpty if self.eof => self.done = true,
                _ => {}
            }
            if written > 0 || self.done {
                return Ok(written);
            }
        }
    }
}

/// A reader that turns bare CR line ends into CRLF.
struct BareCrToCrlf<R> {
    inner: R,
    buf: Vec<u8>,
    pos: usize,
    prev_cr: bool,
    done: bool,
}

impl<R: Read> BareCrToCrlf<R> {
    fn new(inner: R) -> Self {
        BareCrToCrlf {
            inner,
            buf: Vec::new(),
            pos: 0,
            prev_cr: false,
            done: false,
        }
    }
}

impl<R: Read> Read for BareCrToCrlf<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.buf.len() && !self.done {
            let mut chunk = [0u8; 64 * 1024];
            let n = self.inner.read(&mut chunk)?;
            self.buf.clear();
            self.pos = 0;
            if n == 0 {
                self.done = true;
                if self.prev_cr {
                    self.buf.push(b'\n');
                }
                break;
            }
            for &b in &chunk[..n] {
                if self.prev_cr && b != b'\n' {
                    self.buf.push(b'\n');
                }
                self.buf.push(b);
                self.prev_cr = b == b'\r';
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Whether the file holds a cell guarded against spreadsheet formulas (`'=`, `'+`, `'-`, `'@`
/// at the start of a value), as `bulk export --excel-safe` writes them.
fn has_formula_guards(path: &Path, start: u64) -> io::Result<bool> {
    use std::io::Seek;
    let mut f = File::open(path)?;
    f.seek(io::SeekFrom::Start(start))?;
    let mut buf = vec![0u8; 1 << 20];
    // buf[0] holds the byte before the current read (a line feed at the start of the file);
    // a `'` in the last byte of a read is looked at again with the next read.
    buf[0] = b'\n';
    let mut have = 1;
    loop {
        let n = f.read(&mut buf[have..])?;
        let end = have + n;
        let scan_to = if n == 0 { end } else { end - 1 };
        for i in memchr::memchr_iter(b'\'', &buf[1..scan_to]).map(|i| i + 1) {
            let before = buf[i - 1];
            let after = buf.get(i + 1).copied().filter(|_| i + 1 < end);
            if matches!(before, b',' | b'"' | b'\n')
                && matches!(
                    after,
                    Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'')
                )
            {
                return Ok(true);
            }
        }
        if n == 0 {
            return Ok(false);
        }
        buf.copy_within(end - 2..end, 0);
        have = 2;
    }
}

/// Removes the spreadsheet formula guard from a value: `'=SUM(A1)` -> `=SUM(A1)`, and
/// `''=x` -> `'=x` (the guard `export --excel-safe` puts before a value that already looked
/// guarded).
pub fn unguard(v: &[u8]) -> &[u8] {
    let quotes = v.iter().take_while(|&&b| b == b'\'').count();
    match v.get(quotes) {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') if quotes > 0 => &v[1..],
        _ => v,
    }
}

/// Rewrites a file separated by `delimiter` as a comma-separated one, record by record (and
/// without the formula guards of its data rows if `unguard_values`), padding with empty lines
/// so every record starts on the same physical line as in the input. Returns how many values
/// lost their guard.
fn rewrite(
    r: impl Read,
    delimiter: u8,
    unguard_values: bool,
    out: &mut impl Write,
    file: &str,
) -> Result<u64, InputError> {
    let mut changed = 0u64;
    const MAX_RECORD: usize = 64 << 20;
    let mut scanner = scan::Scanner::new(r, 1 << 20, MAX_RECORD);
    let mut fields = record::Fields::default();
    let mut next_line = 1u64;
    let io_err = |e: io::Error| transcode_error(e, file);
    while let Some(block) = scanner.next_block().map_err(io_err)? {
        for pos in &block.records {
            if pos.oversized {
                return Err(InputError::Malformed {
                    file: file.to_string(),
                    line: pos.line,
                    message: format!("a record of {} bytes is larger than 64 MiB", pos.len),
                });
            }
            while next_line < pos.line {
                out.write_all(b"\r\n").map_err(io_err)?;
                next_line += 1;
            }
            let rec = &block.data[pos.start..pos.end];
            let data_row = pos.line > 1;
            match fields.split(rec, delimiter) {
                Ok(()) => write_record(
                    out,
                    (0..fields.len()).map(|i| {
                        let v = fields.get(rec, i);
                        if unguard_values && data_row {
                            let u = unguard(v);
                            changed += (u.len() != v.len()) as u64;
                            u
                        } else {
                            v
                        }
                    }),
                ),
                Err(_) => {
                    let loose = record::lenient_fields(rec, delimiter);
                    write_record(out, loose.iter().map(|f| f.as_bytes()))
                }
            }
            .map_err(io_err)?;
            next_line = pos.line + pos.lines;
        }
    }
    Ok(changed)
}

/// Writes one comma-separated record ending in CRLF, quoting only the values that need it.
pub fn write_record<'a>(
    out: &mut impl Write,
    fields: impl IntoIterator<Item = &'a [u8]>,
) -> io::Result<()> {
    for (i, f) in fields.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if f.iter().any(|&b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
            out.write_all(b"\"")?;
            for part in f.split_inclusive(|&b| b == b'"') {
                out.write_all(part)?;
                if part.ends_with(b"\"") {
                    out.write_all(b"\"")?;
                }
            }
            out.write_all(b"\"")?;
        } else {
            out.write_all(f)?;
        }
    }
    out.write_all(b"\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open_bytes(bytes: &[u8], opts: &InputOptions) -> Result<(Source, Vec<u8>), InputError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("in.csv");
        std::fs::write(&p, bytes).unwrap();
        let src = open(&p, opts)?;
        let mut data = Vec::new();
        src.open().unwrap().read_to_end(&mut data).unwrap();
        Ok((src, data))
    }

    #[test]
    fn utf8_is_read_in_place_and_the_bom_skipped() {
        let (src, data) = open_bytes(b"\xEF\xBB\xBFName\r\na\r\n", &Default::default()).unwrap();
        assert_eq!(data, b"Name\r\na\r\n");
        assert!(src.normalised.is_none());
        assert_eq!(src.start, 3);
    }

    #[test]
    fn utf16_with_bom_is_transcoded() {
        let text = "Name,Description\r\nZoë,\"a, b\"\r\n";
        let mut bytes = vec![0xFF, 0xFE];
        for u in text.encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        let (src, data) = open_bytes(&bytes, &Default::default()).unwrap();
        assert_eq!(data, text.as_bytes());
        assert!(src.normalised.unwrap().contains("UTF-16LE"));
    }

    #[test]
    fn windows_1252_needs_the_flag_and_is_then_transcoded() {
        let opts = InputOptions::resolve(Some("windows-1252"), None).unwrap();
        let (_, data) = open_bytes(b"Name\r\nZo\xEB\r\n", &opts).unwrap();
        assert_eq!(data, "Name\r\nZoë\r\n".as_bytes());
    }

    #[test]
    fn semicolons_are_refused_with_the_hint_and_accepted_with_the_flag() {
        let err = open_bytes(b"Name;Description\r\na;\"x;y\"\r\n", &Default::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("--delimiter ';'"), "{err}");
        let opts = InputOptions::resolve(None, Some(";")).unwrap();
        let (_, data) = open_bytes(b"Name;Description\r\n\r\na;\"x;y\"\r\n", &opts).unwrap();
        // the blank line is kept so line 3 stays line 3
        assert_eq!(data, b"Name,Description\r\n\r\na,x;y\r\n");
        let tabs = InputOptions::resolve(None, Some("\\t")).unwrap();
        assert_eq!(tabs.delimiter, Some(b'\t'));
    }

    #[test]
    fn bare_cr_line_ends_become_crlf() {
        let (_, data) = open_bytes(b"Name\ra\rb\r", &Default::default()).unwrap();
        assert_eq!(data, b"Name\r\na\r\nb\r\n");
        let (_, data) = open_bytes(b"Name\ra\rb", &Default::default()).unwrap();
        assert_eq!(data, b"Name\r\na\r\nb");
    }

    #[test]
    fn formula_guards_are_removed_and_lines_kept() {
        let input = b"Name,Description\r\nA,'=SUM(1)\r\n\r\nB,\"'@x, y\"\r\nC,O'Brien's '=\r\n";
        let (src, data) = open_bytes(input, &Default::default()).unwrap();
        assert!(src.normalised.is_none(), "only import removes guards");
        assert_eq!(data, input);
        let unguard = InputOptions {
            unguard: Unguard::Always,
            ..Default::default()
        };
        let (src, data) = open_bytes(input, &unguard).unwrap();
        assert!(src.normalised.unwrap().contains("guard"));
        assert_eq!(src.unguarded, 2);
        assert_eq!(
            data,
            b"Name,Description\r\nA,=SUM(1)\r\n\r\nB,\"@x, y\"\r\nC,O'Brien's '=\r\n"
        );
        let (src, _) = open_bytes(b"Name\r\nO'Brien\r\n", &unguard).unwrap();
        assert!(src.normalised.is_none(), "an apostrophe is not a guard");
    }

    /// Issue 11, item 6: a guard is removed without `--excel-safe` only from a file that reads
    /// as an `--excel-safe` export (every formula-like value guarded); any other file keeps
    /// its values as they are, and says how many guards it kept.
    #[test]
    fn guards_go_only_from_what_reads_as_an_excel_safe_export() {
        let auto = InputOptions {
            unguard: Unguard::IfExport,
            ..Default::default()
        };
        let export = b"Name,Note\r\nA,'=1+1\r\nB,'-5\r\nC,plain\r\n";
        let (src, data) = open_bytes(export, &auto).unwrap();
        assert_eq!(data, b"Name,Note\r\nA,=1+1\r\nB,-5\r\nC,plain\r\n");
        assert_eq!((src.unguarded, src.guards_kept), (2, 0));
        let mine = b"Name,Note\r\nA,'=1+1\r\nB,-5\r\n";
        let (src, data) = open_bytes(mine, &auto).unwrap();
        assert_eq!(data, mine, "a bare -5: not an --excel-safe export");
        assert_eq!((src.unguarded, src.guards_kept), (0, 1));
        assert!(src.normalised.is_none());
        let header = b"'=Name,Note\r\nA,x\r\n";
        let (src, data) = open_bytes(header, &auto).unwrap();
        assert_eq!(data, header, "the header is not data");
        assert_eq!(src.unguarded, 0);
    }

    #[test]
    fn utf16_without_a_bom_gets_the_encoding_hint() {
        let mut le = Vec::new();
        for u in "Name,Site\r\nA,B\r\n".encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
        }
        let err = open_bytes(&le, &Default::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("--encoding utf-16le"), "{err}");
        let opts = InputOptions::resolve(Some("utf-16le"), None).unwrap();
        let (_, data) = open_bytes(&le, &opts).unwrap();
        assert_eq!(data, b"Name,Site\r\nA,B\r\n");
    }

    #[test]
    fn empty_files_are_refused() {
        assert!(matches!(
            open_bytes(b"", &Default::default()),
            Err(InputError::Empty { .. })
        ));
        assert!(matches!(
            open_bytes(b"\xEF\xBB\xBF", &Default::default()),
            Err(InputError::Empty { .. })
        ));
    }

    #[test]
    fn malformed_utf16_is_an_error_naming_the_offset() {
        // an unpaired high surrogate
        let bytes = [0xFF, 0xFE, b'N', 0, 0x00, 0xD8, b'x', 0];
        let err = open_bytes(&bytes, &Default::default()).unwrap_err();
        assert!(matches!(err, InputError::Undecodable { .. }), "{err}");
    }
}
