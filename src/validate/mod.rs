//! Checking a CSV against the schema of its object type, streaming, on every core.
//!
//! One thread cuts the input into blocks of whole records (`input::scan`), workers check the
//! blocks in parallel (`rules::Plan`), and the calling thread puts the results back in order and
//! does what needs the whole file: grouping the rows of multi-row objects, counting chunks, and
//! duplicate identities (`dups`). Memory is bounded by the blocks in flight and the duplicate
//! index's budget, whatever the file's size. Rows with problems go to a temporary log in line
//! order, from which the caller prints, writes an error CSV or JSON.

pub mod dups;
pub mod issue;
pub mod rules;

pub use issue::{BadRecord, Issue, IssueKind};
pub use rules::Plan;

use crate::input::record::{lenient_fields, FieldError, Fields};
use crate::input::scan::{Block, RecordPos, Scanner};
use crate::input::Source;
use crate::packer::Packer;
use crate::schema::{display_key, registry, ObjectType, Objects};
use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};
use std::sync::mpsc;

/// Tuning of a validation run.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Rows per chunk the service accepts (for the "will be split into N chunks" note).
    pub max_rows: usize,
    /// Bytes per file the service accepts; a longer record can never be imported.
    pub max_bytes: u64,
    /// Worker threads.
    pub threads: usize,
    pub block_size: usize,
    /// Identity entries kept in memory before spilling to disk.
    pub dup_budget: usize,
}

impl Default for Settings {
    fn default() -> Self {
        let r = registry();
        Settings {
            max_rows: r.max_rows,
            max_bytes: r.max_bytes,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .clamp(1, 4),
            block_size: 1 << 20,
            dup_budget: 1 << 17,
        }
    }
}

/// What validation found, without the rows themselves.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    pub file: String,
    pub object_type: String,
    pub detected_from: String,
    /// Data rows (records after the header).
    pub rows: u64,
    /// Objects: rows, or groups of consecutive rows for multi-row types.
    pub objects: u64,
    pub invalid_rows: u64,
    pub issues: u64,
    pub by_kind: BTreeMap<IssueKind, u64>,
    /// Warnings: valid values that are probably not what was meant. They never make a file
    /// invalid and are not in the error CSV.
    pub warnings: u64,
    pub warnings_by_kind: BTreeMap<IssueKind, u64>,
    pub bytes: u64,
    /// Chunks `import` will cut the file into.
    pub chunks: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalised: Option<String>,
    /// The error CSV's header before `Line` and `Error Message`.
    #[serde(skip)]
    pub header: Vec<String>,
}

impl Report {
    pub fn is_valid(&self) -> bool {
        self.issues == 0
    }
}

/// The result of a run: the report and the rows with problems, in line order.
pub struct Validation {
    pub report: Report,
    /// The schema compiled against the header (`None`: the file could not be read as CSV).
    plan: Option<Plan>,
    log: IssueLog<BadRecord>,
    warnings: IssueLog<Issue>,
    /// The rows whose identity an earlier row has, in line order (`None`: there are none).
    dups: Option<IssueLog<BadRecord>>,
}

impl Validation {
    /// Where the file's identity columns are (`None`: it has no readable header).
    pub fn identity(&self) -> Option<&crate::schema::Identity> {
        self.plan.as_ref().map(|p| &p.identity)
    }

    /// A record's values in the order of the error CSV's header, read leniently (a bad row's
    /// values go back to the admin as they were).
    pub fn row_values(&self, record: &[u8]) -> Vec<String> {
        let all = lenient_fields(record, b',');
        match &self.plan {
            Some(plan) => output_fields(plan, all),
            None => all,
        }
    }

    /// Every warning, in line order.
    pub fn warnings(&self) -> io::Result<impl Iterator<Item = io::Result<Issue>> + '_> {
        self.warnings.read()
    }

    /// Every row with problems, in line order (file-level problems first, on line 1).
    pub fn bad_records(&self) -> io::Result<impl Iterator<Item = io::Result<BadRecord>> + '_> {
        Ok(Merge {
            a: self.log.read()?.peekable(),
            b: self
                .dups
                .as_ref()
                .map(IssueLog::read)
                .transpose()?
                .into_iter()
                .flatten()
                .peekable(),
        })
    }

    /// Writes the rows with problems as an error CSV (header problems are not rows to fix).
    pub fn write_error_csv(&self, path: &std::path::Path) -> anyhow::Result<()> {
        use anyhow::Context;
        let mut w =
            crate::errors_csv::create(path, self.report.header.iter().map(|h| h.as_bytes()))?;
        for b in self.bad_records()? {
            let b = b?;
            if b.line <= 1 {
                continue;
            }
            w.row(b.fields.iter().map(|f| f.as_bytes()), b.line, &b.message())
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
        w.commit()
    }
}

struct Merge<A: Iterator<Item = io::Result<BadRecord>>, B: Iterator<Item = io::Result<BadRecord>>> {
    a: std::iter::Peekable<A>,
    b: std::iter::Peekable<B>,
}

impl<A, B> Iterator for Merge<A, B>
where
    A: Iterator<Item = io::Result<BadRecord>>,
    B: Iterator<Item = io::Result<BadRecord>>,
{
    type Item = io::Result<BadRecord>;
    fn next(&mut self) -> Option<Self::Item> {
        let a_line = match self.a.peek() {
            Some(Ok(r)) => Some(r.line),
            Some(Err(_)) => return self.a.next(),
            None => None,
        };
        let b_line = match self.b.peek() {
            Some(Ok(r)) => Some(r.line),
            Some(Err(_)) => return self.b.next(),
            None => None,
        };
        match (a_line, b_line) {
            (None, None) => None,
            (Some(_), None) => self.a.next(),
            (None, Some(_)) => self.b.next(),
            (Some(x), Some(y)) if x < y => self.a.next(),
            (Some(x), Some(y)) if y < x => self.b.next(),
            _ => {
                let mut a = match self.a.next()? {
                    Ok(a) => a,
                    Err(e) => return Some(Err(e)),
                };
                let b = match self.b.next()? {
                    Ok(b) => b,
                    Err(e) => return Some(Err(e)),
                };
                a.issues.extend(b.issues);
                Some(Ok(a))
            }
        }
    }
}

/// Bad rows (or warnings) spooled to a temporary file as JSON lines, so memory does not grow
/// with errors.
struct IssueLog<T> {
    file: BufWriter<File>,
    path: tempfile::TempPath,
    of: std::marker::PhantomData<T>,
}

impl<T: serde::Serialize + serde::de::DeserializeOwned> IssueLog<T> {
    fn new() -> io::Result<Self> {
        let (f, path) = tempfile::Builder::new()
            .prefix("bulk-issues-")
            .tempfile()?
            .into_parts();
        Ok(IssueLog {
            file: BufWriter::new(f),
            path,
            of: std::marker::PhantomData,
        })
    }

    fn push(&mut self, r: &T) -> io::Result<()> {
        serde_json::to_writer(&mut self.file, r)?;
        self.file.write_all(b"\n")
    }

    fn finish(&mut self) -> io::Result<()> {
        self.file.flush()
    }

    fn read(&self) -> io::Result<impl Iterator<Item = io::Result<T>>> {
        let r = BufReader::new(File::open(&self.path)?);
        Ok(r.lines()
            .map(|l| l.and_then(|l| serde_json::from_str(&l).map_err(io::Error::other))))
    }
}

/// Why validation could not run at all (as opposed to finding problems).
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: io::Error,
    },
}

/// One record's facts the collector needs, whether or not the record is valid.
#[derive(Debug, Clone, Copy)]
struct RecInfo {
    line: u64,
    offset: u64,
    len: u64,
    /// Identity hash, 0 when the row has no usable identity.
    hash: u64,
}

struct BlockResult {
    seq: u64,
    recs: Vec<RecInfo>,
    /// Bad rows by record index, assuming the block's first record starts an object.
    bad: Vec<(usize, BadRecord)>,
    /// For multi-row types: the first record's problems if it instead continues the previous
    /// block's object (`None`: no problems then).
    alt_first: Option<Option<BadRecord>>,
    bytes: u64,
    /// Warnings of the block's records, in line order.
    warnings: Vec<Issue>,
}

/// Checks the records of a block. `skip_first` drops the header record.
fn check_block(
    plan: &Plan,
    block: &Block,
    skip_first: bool,
    settings: &Settings,
    source_start: u64,
    fields: &mut Fields,
) -> BlockResult {
    // One check for the whole block is far cheaper than one per record; only a block with
    // invalid bytes is checked record by record, to say where.
    let utf8 = std::str::from_utf8(&block.data).is_ok();
    let records = &block.records[(skip_first as usize).min(block.records.len())..];
    BlockResult {
        seq: block.seq,
        ..check_records(
            plan,
            &block.data,
            records,
            utf8,
            settings,
            source_start,
            fields,
        )
    }
}

/// [`check_block`] of `records`, positions in `data`; `utf8`: all their bytes are known to be
/// valid UTF-8. (The result's `seq` is 0.)
fn check_records(
    plan: &Plan,
    data: &[u8],
    records: &[RecordPos],
    utf8: bool,
    settings: &Settings,
    source_start: u64,
    fields: &mut Fields,
) -> BlockResult {
    let multi = plan.object.is_multi_row();
    let mut recs = Vec::with_capacity(records.len());
    let mut bad = Vec::new();
    let mut alt_first = None;
    // The block's first record is taken to start an object; `alt_first` covers the other case.
    let mut objects = plan.identity.objects();
    let mut issues = Vec::new();
    let mut warnings = Vec::new();
    let mut bytes = 0;
    for pos in records {
        let idx = recs.len();
        bytes += pos.len;
        issues.clear();
        let mut raw_fields: Option<Vec<String>> = None;
        let mut hash = 0;
        let rec = &data[pos.start..pos.end];
        if pos.oversized {
            issues.push(Issue {
                line: pos.line,
                column: None,
                column_name: None,
                kind: IssueKind::RecordTooLarge,
                message: format!(
                    "the row is {} bytes, more than the {} bytes a whole file may hold (is a quote left open? it spans {} lines)",
                    pos.len, settings.max_bytes, pos.lines
                ),
            });
            raw_fields = Some(Vec::new());
        } else if let Some(e) = (!utf8).then(|| std::str::from_utf8(rec).err()).flatten() {
            let at = e.valid_up_to();
            let line = pos.line + memchr::memchr_iter(b'\n', &rec[..at]).count() as u64;
            issues.push(Issue {
                line,
                column: None,
                column_name: None,
                kind: IssueKind::InvalidEncoding,
                message: format!(
                    "invalid UTF-8 at byte offset {}; if Excel saved the file as \"CSV\" rather than \"CSV UTF-8\", pass --encoding windows-1252",
                    source_start + pos.offset + at as u64
                ),
            });
        } else if pos.unclosed {
            issues.push(Issue {
                line: pos.line,
                column: None,
                column_name: None,
                kind: IssueKind::UnclosedQuote,
                message: match pos.lines - 1 {
                    0 => "a quoted value opened in this row is never closed: the file ends inside it".to_string(),
                    n => format!("a quoted value opened in this row is never closed: the file ends inside it, {n} lines further down"),
                },
            });
        } else {
            match fields.split(rec, b',') {
                Err(FieldError::StrayQuote { column } | FieldError::Unclosed { column }) => {
                    issues.push(Issue {
                        line: pos.line,
                        column: Some(column),
                        column_name: None,
                        kind: IssueKind::MalformedQuote,
                        message: "a '\"' inside a value that is not quoted, or text after a closing quote; quote the whole value and double its quotes, e.g. \"5\"\" screen\"".into(),
                    });
                }
                Ok(()) if fields.len() != plan.width => {
                    let mut message = format!(
                        "expected {} values (one per header column), found {}",
                        plan.width,
                        fields.len()
                    );
                    if fields.len() > plan.width {
                        let extra: Vec<String> = (plan.width..fields.len())
                            .map(|k| String::from_utf8_lossy(fields.get(rec, k)).into_owned())
                            .collect();
                        message.push_str(&format!(" (extra values: {})", extra.join(", ")));
                    }
                    issues.push(Issue {
                        line: pos.line,
                        column: None,
                        column_name: None,
                        kind: IssueKind::FieldCount,
                        message,
                    });
                }
                Ok(()) => {
                    let get = |p: usize| fields.get_str(rec, p, true);
                    hash = plan.identity.hash(|p| Some(fields.get(rec, p)));
                    let first = objects.starts(hash);
                    let body = crate::input::record::strip_terminator(rec);
                    let may_break = pos.lines > 1 || rules::may_hold_controls(body);
                    plan.check_row_breaks(get, pos.line, first, may_break, &mut issues);
                    plan.warn_row(get, pos.line, &mut warnings);
                    if multi && idx == 0 && hash != 0 {
                        let mut alt = Vec::new();
                        plan.check_row(get, pos.line, false, &mut alt);
                        alt_first = Some((!alt.is_empty()).then(|| BadRecord {
                            line: pos.line,
                            offset: pos.offset,
                            issues: alt,
                            fields: output_fields(plan, fields.to_strings(rec)),
                        }));
                    }
                }
            }
        }
        if !issues.is_empty() {
            let all = raw_fields.unwrap_or_else(|| {
                if issues[0].kind == IssueKind::InvalidEncoding {
                    lenient_fields(String::from_utf8_lossy(rec).as_bytes(), b',')
                } else {
                    lenient_fields(rec, b',')
                }
            });
            bad.push((
                idx,
                BadRecord {
                    line: pos.line,
                    offset: pos.offset,
                    issues: std::mem::take(&mut issues),
                    fields: output_fields(plan, all),
                },
            ));
        }
        if hash == 0 {
            // A record without an identity (unreadable, or blank there) ends any object.
            objects.starts(0);
        }
        recs.push(RecInfo {
            line: pos.line,
            offset: pos.offset,
            len: pos.len,
            hash,
        });
    }
    BlockResult {
        seq: 0,
        recs,
        bad,
        alt_first,
        bytes,
        warnings,
    }
}

/// A row's values in the order of the error CSV's header.
fn output_fields(plan: &Plan, all: Vec<String>) -> Vec<String> {
    plan.keep
        .iter()
        .map(|&i| all.get(i).cloned().unwrap_or_default())
        .collect()
}

/// Puts block results back in order and does what needs the whole file.
struct Collector {
    report: Report,
    log: IssueLog<BadRecord>,
    warnings: IssueLog<Issue>,
    dups: dups::DupIndex,
    packer: Packer,
    objects: Objects,
    /// Rows, bytes and first line of the object in progress.
    group: (u64, u64, u64),
    /// The last bad row, held back so that a later problem of the same row (its object too
    /// large for any file) joins it: one row of the error CSV, counted once (issue 11).
    held: Option<BadRecord>,
}

impl Collector {
    fn take(&mut self, r: BlockResult) -> io::Result<()> {
        let mut bad = r.bad.into_iter().peekable();
        for (i, rec) in r.recs.iter().enumerate() {
            let continuing = !self.objects.starts(rec.hash);
            let mut this_bad = match bad.peek() {
                Some((k, _)) if *k == i => bad.next().map(|(_, b)| b),
                _ => None,
            };
            if i == 0 && continuing {
                if let Some(alt) = &r.alt_first {
                    this_bad = alt.clone();
                }
            }
            if !continuing {
                self.end_object()?;
                self.report.objects += 1;
                self.group.2 = rec.line;
                if rec.hash != 0 {
                    self.dups
                        .push(dups::Entry {
                            hash: rec.hash,
                            offset: rec.offset,
                        })
                        .map_err(|e| io::Error::new(e.kind(), format!("duplicate index: {e}")))?;
                }
            }
            self.group.0 += 1;
            self.group.1 += rec.len;
            self.report.rows += 1;
            if let Some(b) = this_bad {
                self.record_bad(&b)?;
            }
        }
        self.report.bytes += r.bytes;
        for w in &r.warnings {
            self.report.warnings += 1;
            *self.report.warnings_by_kind.entry(w.kind).or_default() += 1;
            self.warnings.push(w)?;
        }
        Ok(())
    }

    fn record_bad(&mut self, b: &BadRecord) -> io::Result<()> {
        for i in &b.issues {
            self.report.issues += 1;
            *self.report.by_kind.entry(i.kind).or_default() += 1;
        }
        if let Some(h) = self
            .held
            .as_mut()
            .filter(|h| h.line == b.line && b.line > 1)
        {
            h.issues.extend(b.issues.iter().cloned());
            if h.fields.iter().all(String::is_empty) {
                h.fields = b.fields.clone();
            }
            return Ok(());
        }
        if b.line > 1 {
            self.report.invalid_rows += 1;
        }
        match self.held.replace(b.clone()) {
            Some(h) => self.log.push(&h),
            None => Ok(()),
        }
    }

    /// Writes the held bad row to the log.
    fn flush_held(&mut self) -> io::Result<()> {
        match self.held.take() {
            Some(h) => self.log.push(&h),
            None => Ok(()),
        }
    }

    /// Counts the finished object into the chunk plan.
    fn end_object(&mut self) -> io::Result<()> {
        let (rows, bytes, line) = std::mem::take(&mut self.group);
        if rows == 0 {
            return Ok(());
        }
        if let Err(too_big) = self.packer.add(rows, bytes) {
            let b = BadRecord {
                line,
                offset: 0,
                issues: vec![Issue {
                    line,
                    column: None,
                    column_name: None,
                    kind: IssueKind::RecordTooLarge,
                    message: format!(
                        "this object {too_big}; the service cannot take it in one file"
                    ),
                }],
                // One empty value per column, so the error CSV keeps its shape when the row
                // had no other problem (its values are on this line of the input).
                fields: vec![String::new(); self.report.header.len()],
            };
            self.record_bad(&b)?;
        }
        Ok(())
    }
}

/// Validates `source` as a file of `object`.
pub fn validate(
    source: &Source,
    object: &'static ObjectType,
    detected_from: &str,
    settings: &Settings,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Validation, ValidateError> {
    let wrap = |e: io::Error| ValidateError::Io {
        file: source.display.clone(),
        source: e,
    };
    let mut report = Report {
        file: source.display.clone(),
        object_type: object.id.clone(),
        detected_from: detected_from.to_string(),
        rows: 0,
        objects: 0,
        invalid_rows: 0,
        issues: 0,
        by_kind: BTreeMap::new(),
        warnings: 0,
        warnings_by_kind: BTreeMap::new(),
        bytes: 0,
        chunks: 0,
        normalised: source.normalised.clone(),
        header: Vec::new(),
    };
    let mut log = IssueLog::new().map_err(wrap)?;
    let mut warnings = IssueLog::new().map_err(wrap)?;
    let mut scanner = Scanner::new(
        source.open().map_err(wrap)?,
        settings.block_size,
        settings.max_bytes as usize,
    );
    let first = scanner.next_block().map_err(wrap)?;
    let header = match &first {
        None => Err("the file has no header row".to_string()),
        Some(b) => header_fields(b, b.records[0], source.start),
    };
    let (first, header) = match (first, header) {
        (Some(first), Ok(header)) => (first, header),
        (_, Err(message)) => {
            // The file cannot be read as CSV at all: one file-level problem, no rows.
            report.issues = 1;
            report.by_kind.insert(IssueKind::Unreadable, 1);
            log.push(&file_problem(IssueKind::Unreadable, message))
                .map_err(wrap)?;
            log.finish().map_err(wrap)?;
            warnings.finish().map_err(wrap)?;
            return Ok(Validation {
                report,
                plan: None,
                log,
                warnings,
                dups: None,
            });
        }
        (None, Ok(_)) => unreachable!("a header needs a block"),
    };
    let header_len = first.records[0].len;
    let plan = Plan::new(object, &header);
    report.header = plan.output_header.clone();
    report.bytes = header_len;
    let mut collector = Collector {
        report,
        log,
        warnings,
        dups: dups::DupIndex::new(settings.dup_budget),
        packer: Packer::new(settings.max_rows as u64, settings.max_bytes, header_len),
        objects: plan.identity.objects(),
        group: (0, 0, 0),
        held: None,
    };
    if !plan.header_issues.is_empty() {
        let b = BadRecord {
            line: 1,
            offset: 0,
            issues: plan.header_issues.clone(),
            fields: Vec::new(),
        };
        collector.record_bad(&b).map_err(wrap)?;
    }

    let threads = settings.threads.max(1);
    let in_flight = threads + 2;
    let (work_tx, work_rx) = mpsc::sync_channel::<(Block, bool)>(in_flight);
    let work_rx = std::sync::Mutex::new(work_rx);
    let result: io::Result<()> = std::thread::scope(|s| {
        let (done_tx, done_rx) = mpsc::channel::<BlockResult>();
        let (token_tx, token_rx) = mpsc::sync_channel::<()>(in_flight);
        let (spare_tx, spare_rx) = mpsc::channel::<Vec<u8>>();
        for _ in 0..in_flight {
            token_tx.send(()).expect("capacity");
        }
        let reader = s.spawn(move || -> io::Result<()> {
            if token_rx.recv().is_err() || work_tx.send((first, true)).is_err() {
                return Ok(());
            }
            let mut consumed = 0u64;
            while let Some(block) = scanner.next_block()? {
                if let Ok(buf) = spare_rx.try_recv() {
                    scanner.recycle(buf);
                }
                consumed += block.data.len() as u64;
                progress(consumed);
                if token_rx.recv().is_err() || work_tx.send((block, false)).is_err() {
                    break;
                }
            }
            Ok(())
        });
        for _ in 0..threads {
            let done_tx = done_tx.clone();
            let spare_tx = spare_tx.clone();
            let work_rx = &work_rx;
            let plan = &plan;
            s.spawn(move || {
                let mut fields = Fields::default();
                loop {
                    let next = work_rx.lock().expect("not poisoned").recv();
                    let Ok((block, skip_header)) = next else {
                        break;
                    };
                    let r = check_block(
                        plan,
                        &block,
                        skip_header,
                        settings,
                        source.start,
                        &mut fields,
                    );
                    let _ = spare_tx.send(block.data);
                    if done_tx.send(r).is_err() {
                        break;
                    }
                }
            });
        }
        drop(done_tx);
        drop(spare_tx);
        let mut pending = BTreeMap::new();
        let mut next_seq = 0u64;
        let mut failure = None;
        for r in done_rx {
            pending.insert(r.seq, r);
            while let Some(r) = pending.remove(&next_seq) {
                next_seq += 1;
                if failure.is_none() {
                    if let Err(e) = collector.take(r) {
                        failure = Some(e);
                    }
                }
                let _ = token_tx.send(());
            }
        }
        drop(token_tx);
        let read = reader.join().expect("reader thread does not panic");
        match failure {
            Some(e) => Err(e),
            None => read,
        }
    });
    result.map_err(wrap)?;
    collector.end_object().map_err(wrap)?;
    collector.flush_held().map_err(wrap)?;

    let Collector {
        mut report,
        mut log,
        mut warnings,
        dups,
        packer,
        ..
    } = collector;
    report.chunks = packer.chunks();
    log.finish().map_err(wrap)?;
    warnings.finish().map_err(wrap)?;
    let (dup_log, found) = confirm_duplicates(source, &plan, dups, &log).map_err(wrap)?;
    // One issue each; a row already counted invalid is not counted twice.
    report.issues += found.rows;
    if found.rows > 0 {
        *report
            .by_kind
            .entry(IssueKind::DuplicateIdentity)
            .or_default() += found.rows;
    }
    report.invalid_rows += found.rows - found.already_invalid;
    Ok(Validation {
        report,
        plan: Some(plan),
        log,
        warnings,
        dups: dup_log,
    })
}

fn file_problem(kind: IssueKind, message: String) -> BadRecord {
    BadRecord {
        line: 1,
        offset: 0,
        issues: vec![Issue {
            line: 1,
            column: None,
            column_name: None,
            kind,
            message,
        }],
        fields: Vec::new(),
    }
}

/// The header's cells, or why the header cannot be read.
fn header_fields(block: &Block, pos: RecordPos, base: u64) -> Result<Vec<String>, String> {
    if pos.oversized {
        return Err(format!(
            "the header row is {} bytes long; is a quote left open?",
            pos.len
        ));
    }
    let rec = &block.data[pos.start..pos.end];
    if pos.unclosed {
        return Err("a quoted value in the header is never closed".into());
    }
    let text = std::str::from_utf8(rec).map_err(|e| {
        format!(
            "the header is not valid UTF-8 (byte offset {}); pass --encoding windows-1252 if Excel saved it as plain \"CSV\"",
            pos.offset + e.valid_up_to() as u64 + base
        )
    })?;
    let mut f = Fields::default();
    f.split(text.as_bytes(), b',').map_err(|e| match e {
        FieldError::StrayQuote { column } | FieldError::Unclosed { column } => {
            format!("column {column} of the header has a stray '\"'")
        }
    })?;
    Ok(f.to_strings(rec))
}

/// Re-reads candidate duplicates and keeps those whose identities really are equal.
///
/// Returns the duplicates as a log in line order (`None` when no record is a candidate) and
/// their counts. `bad` is the log of rows with other problems, to count the duplicates
/// already invalid. The candidates are read in
/// file order, in one pass; memory holds the identity keys first seen in each group of
/// candidates until its last one is read, never the candidates' records (in a file pasted
/// after itself every row is a candidate).
fn confirm_duplicates(
    source: &Source,
    plan: &Plan,
    index: dups::DupIndex,
    bad: &IssueLog<BadRecord>,
) -> io::Result<(Option<IssueLog<BadRecord>>, Duplicates)> {
    let mut found = Duplicates::default();
    let groups = index.candidates()?;
    if groups.is_empty() {
        return Ok((None, found));
    }
    let mut out = IssueLog::new()?;
    // The bad rows' lines, walked alongside (both in line order).
    let mut bad_lines = bad.read()?.peekable();
    // Candidates of each group not read yet: a group's keys are dropped after its last one.
    let mut unread: Vec<usize> = groups.iter().map(Vec::len).collect();
    // Each candidate's offset and group, in file order.
    let mut order: Vec<(u64, usize)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, entries)| entries.iter().map(move |e| (e.offset, g)))
        .collect();
    drop(groups);
    order.sort_unstable();
    let mut fields = Fields::default();
    // Per open group: the keys seen in it, each with the line that first had it.
    let mut first_seen: HashMap<usize, Vec<(String, u64)>> = HashMap::new();
    let (column, column_name) = plan.identity.first_column();
    reread(
        source,
        order.iter().map(|&(offset, _)| offset),
        |k, line, rec| {
            let (offset, group) = order[k];
            unread[group] -= 1;
            let key = match fields.split(rec, b',') {
                Ok(()) => row_key(plan, &fields, rec),
                Err(_) => None,
            };
            // Nearly always one key per group: room for one, not the four of a first push.
            let seen = first_seen
                .entry(group)
                .or_insert_with(|| Vec::with_capacity(1));
            if let Some(key) = key {
                match seen.iter().find(|(k, _)| *k == key) {
                    None => seen.push((key, line)),
                    Some((_, first)) => {
                        found.rows += 1;
                        while let Some(b) =
                            bad_lines.next_if(|b| b.as_ref().map_or(true, |b| b.line <= line))
                        {
                            if b?.line == line {
                                found.already_invalid += 1;
                            }
                        }
                        out.push(&BadRecord {
                            line,
                            offset,
                            issues: vec![Issue {
                                line,
                                column,
                                column_name: Some(column_name.clone()),
                                kind: IssueKind::DuplicateIdentity,
                                message: duplicate_message(plan, &key, *first),
                            }],
                            fields: output_fields(plan, fields.to_strings(rec)),
                        })?;
                    }
                }
            }
            if unread[group] == 0 {
                first_seen.remove(&group);
            }
            Ok(())
        },
    )?;
    out.finish()?;
    Ok((Some(out), found))
}

/// The message of a row whose identity `key` line `first` has already.
fn duplicate_message(plan: &Plan, key: &str, first: u64) -> String {
    format!(
        "\"{}\" is already defined on line {first}; each {} may appear once ({} identifies it)",
        display_key(key),
        plan.object.display_name.to_lowercase(),
        plan.object.identity.join(" + ")
    )
}

/// What [`confirm_duplicates`] found: rows whose identity an earlier row has, and how many of
/// them have other problems too.
#[derive(Default)]
struct Duplicates {
    rows: u64,
    already_invalid: u64,
}

/// Reads the records that start at `offsets` (ascending) and hands each to `each` with its
/// index among them, its line and its bytes (terminator included). One pass from the start
/// of the source to the last of them, counting line feeds on the way (a record's line is one
/// more than the line feeds before it, as `Scanner` numbers lines) and reading each record to
/// the line feed that ends it outside quotes.
fn reread(
    source: &Source,
    offsets: impl IntoIterator<Item = u64>,
    mut each: impl FnMut(usize, u64, &[u8]) -> io::Result<()>,
) -> io::Result<()> {
    let mut file = File::open(&source.path)?;
    file.seek(io::SeekFrom::Start(source.start))?;
    let mut input = BufReader::with_capacity(1 << 18, file);
    let (mut at, mut line) = (0u64, 1u64);
    let mut rec = Vec::new();
    for (k, offset) in offsets.into_iter().enumerate() {
        // Skip to the record, counting the line feeds passed.
        while at < offset {
            let buf = input.fill_buf()?;
            if buf.is_empty() {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the file shrank while it was checked",
                ));
            }
            let n = buf.len().min((offset - at) as usize);
            line += memchr::memchr_iter(b'\n', &buf[..n]).count() as u64;
            input.consume(n);
            at += n as u64;
        }
        rec.clear();
        let mut quoted = false;
        'record: loop {
            let buf = input.fill_buf()?;
            if buf.is_empty() {
                break;
            }
            for (i, &b) in buf.iter().enumerate() {
                quoted ^= b == b'"';
                if b == b'\n' && !quoted {
                    rec.extend_from_slice(&buf[..=i]);
                    input.consume(i + 1);
                    break 'record;
                }
            }
            let n = buf.len();
            rec.extend_from_slice(buf);
            input.consume(n);
        }
        at += rec.len() as u64;
        each(k, line, &rec)?;
        line += memchr::memchr_iter(b'\n', &rec).count() as u64;
    }
    Ok(())
}

/// The identity key of a record split into `fields`.
fn row_key(plan: &Plan, fields: &Fields, rec: &[u8]) -> Option<String> {
    plan.identity
        .key(|p| (p < fields.len()).then(|| std::str::from_utf8(fields.get(rec, p)).unwrap_or("")))
}

/// One row of a file checked in memory (the sandbox's view of an upload).
#[derive(Debug, Clone)]
pub struct CheckedRow {
    /// Physical line in the file (header = 1).
    pub line: u64,
    /// The row's values in the order of `CheckedFile::header`.
    pub fields: Vec<String>,
    /// Schema problems of the row (empty when it is fine).
    pub issues: Vec<Issue>,
    /// Index of the object the row belongs to: consecutive rows of a multi-row object share it.
    pub group: usize,
}

/// A whole small file checked in memory.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    /// The header without an error CSV's `Line` / `Error Message` columns.
    pub header: Vec<String>,
    pub plan: Plan,
    pub rows: Vec<CheckedRow>,
}

/// Checks a file held in memory with the same rules as `validate` (the service uses this).
/// Header problems (unknown, duplicate or missing columns) and unreadable files are an `Err`
/// with a message; row problems are in each row's `issues`, duplicates included.
pub fn check_in_memory(object: &'static ObjectType, data: &[u8]) -> Result<CheckedFile, String> {
    let mut check = MemoryCheck::new(object, data)?;
    let rows = check.next_rows(usize::MAX);
    Ok(CheckedFile {
        header: check.plan.output_header.clone(),
        plan: check.plan,
        rows,
    })
}

/// [`check_in_memory`] a part at a time: the header first, then the rows in order, so that
/// a caller can start on the first rows while the rest are checked. Every row comes out as
/// the whole file's check gives it (duplicates are found against all the rows before it).
pub struct MemoryCheck {
    plan: Plan,
    block: Block,
    bom: u64,
    settings: Settings,
    /// The next data record (`block.records[0]` is the header).
    next: usize,
    group: usize,
    objects: Objects,
    seen: HashMap<String, u64>,
    fields: Fields,
}

impl MemoryCheck {
    /// Reads the file's records and checks its header.
    pub fn new(object: &'static ObjectType, data: &[u8]) -> Result<Self, String> {
        let bom = if data.starts_with(b"\xEF\xBB\xBF") {
            3
        } else {
            0
        };
        let data = &data[bom..];
        let settings = Settings::default();
        let mut scanner = Scanner::new(data, data.len().max(64) + 1, settings.max_bytes as usize);
        let mut block = Block::default();
        while let Some(b) = scanner.next_block().map_err(|e| e.to_string())? {
            let base = block.data.len();
            block.data.extend_from_slice(&b.data);
            block.records.extend(b.records.iter().map(|r| RecordPos {
                start: r.start + base,
                end: r.end + base,
                ..*r
            }));
        }
        let Some(&head) = block.records.first() else {
            return Err("the file has no header row".into());
        };
        let header = header_fields(&block, head, bom as u64)?;
        let plan = Plan::new(object, &header);
        if !plan.header_issues.is_empty() {
            let all: Vec<String> = plan
                .header_issues
                .iter()
                .map(|i| i.render("line"))
                .collect();
            return Err(all.join("; "));
        }
        let objects = plan.identity.objects();
        Ok(MemoryCheck {
            plan,
            block,
            bom: bom as u64,
            settings,
            next: 1,
            group: 0,
            objects,
            seen: HashMap::new(),
            fields: Fields::default(),
        })
    }

    /// The header of the checked rows (without an error CSV's `Line` / `Error Message`).
    pub fn header(&self) -> &[String] {
        &self.plan.output_header
    }

    /// How many data rows are not checked yet.
    pub fn remaining(&self) -> usize {
        self.block.records.len() - self.next
    }

    /// Checks the next `n` rows (fewer at the end). A multi-row object whose rows straddle
    /// two calls is checked as the whole file's check does only if the first call ends
    /// between objects: callers split only files of single-row objects.
    pub fn next_rows(&mut self, n: usize) -> Vec<CheckedRow> {
        let end = self.next.saturating_add(n).min(self.block.records.len());
        let records = &self.block.records[self.next..end];
        if records.is_empty() {
            return Vec::new();
        }
        // The part's bytes checked as UTF-8 at once, as a block's are (an oversized record's
        // bytes are not kept: its position is 0..0).
        let kept = records.iter().filter(|r| !r.oversized);
        let lo = kept.clone().map(|r| r.start).min().unwrap_or(0);
        let hi = kept.map(|r| r.end).max().unwrap_or(0);
        let data = &self.block.data;
        let utf8 = std::str::from_utf8(&data[lo..hi.max(lo)]).is_ok();
        let plan = &self.plan;
        let result = check_records(
            plan,
            data,
            records,
            utf8,
            &self.settings,
            self.bom,
            &mut self.fields,
        );
        let mut bad: HashMap<usize, BadRecord> = result.bad.into_iter().collect();
        let mut rows = Vec::with_capacity(result.recs.len());
        let (column, column_name) = plan.identity.first_column();
        for (i, rec) in result.recs.iter().enumerate() {
            let pos = records[i];
            let raw = &data[pos.start..pos.end];
            let continuing = !self.objects.starts(rec.hash);
            if self.next + i > 1 && !continuing {
                self.group += 1;
            }
            let (fields_out, mut issues) = match bad.remove(&i) {
                Some(b) => (b.fields, b.issues),
                None => (output_fields(plan, lenient_fields(raw, b',')), Vec::new()),
            };
            if !continuing && rec.hash != 0 {
                let f = &mut self.fields;
                if f.split(raw, b',').is_ok() {
                    if let Some(key) = row_key(plan, f, raw) {
                        if let Some(first) = self.seen.get(&key) {
                            issues.push(Issue {
                                line: rec.line,
                                column,
                                column_name: Some(column_name.clone()),
                                kind: IssueKind::DuplicateIdentity,
                                message: format!(
                                    "\"{}\" is already defined on line {first}",
                                    display_key(&key)
                                ),
                            });
                        } else {
                            self.seen.insert(key, rec.line);
                        }
                    }
                }
            }
            rows.push(CheckedRow {
                line: rec.line,
                fields: fields_out,
                issues,
                group: self.group,
            });
        }
        self.next = end;
        rows
    }
}
