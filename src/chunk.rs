//! Cutting a CSV into chunks the service accepts: at most N rows and B bytes each, header
//! repeated, the rows of one object never split across two chunks (objects as
//! `schema::Objects` groups them). With `--skip-invalid` the objects validation found bad are
//! left out as the chunks are cut, so the input is not read a second time to filter it.

use crate::input::scan::{Block, RecordPos, Scanner};
use crate::input::Source;
use crate::schema::Identity;
use std::path::{Path, PathBuf};

pub use crate::packer::{Packer, TooBig};

/// Why a split failed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum SplitError {
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: the file has no header row")]
    NoHeader { file: String },
    #[error("{file}:{line}: the row is {bytes} bytes; with the header a chunk would be {total} bytes, more than --max-bytes {max} (is a quote left open?)")]
    RecordTooBig {
        file: String,
        line: u64,
        bytes: u64,
        total: u64,
        max: u64,
    },
    #[error("{file}:{line}: the object starting here {too_big}; nothing was written")]
    ObjectTooBig {
        file: String,
        line: u64,
        too_big: TooBig,
    },
    #[error("{file}:{line}: a quoted value opened in this row is never closed (the file ends inside it); nothing was written")]
    Unclosed { file: String, line: u64 },
    #[error("{file}:{line}: invalid UTF-8 at byte offset {offset}; pass --encoding windows-1252 if Excel saved the file as plain \"CSV\"")]
    Utf8 {
        file: String,
        line: u64,
        offset: u64,
    },
}

/// How to split.
#[derive(Debug, Clone)]
pub struct SplitSettings {
    pub max_rows: u64,
    pub max_bytes: u64,
    /// Where the chunks go; `None` plans without writing (`--dry-run`).
    pub out_dir: Option<PathBuf>,
    /// File-name stem of the chunks (`users` -> `users.part-001.lines-2-5001.csv`).
    pub stem: String,
    pub block_size: usize,
}

/// One chunk, and where its rows came from.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ChunkInfo {
    /// 1-based.
    pub index: u64,
    pub file: String,
    pub rows: u64,
    /// Bytes, header included.
    pub bytes: u64,
    /// First physical line of the first row, in the input.
    pub first_line: u64,
    /// Last physical line of the last row.
    pub last_line: u64,
    /// The input line of every row, as runs `[first line, rows]`: rows on consecutive lines.
    pub row_lines: Vec<(u64, u64)>,
    /// Line of the chunk file -> line of the input, as runs `[chunk line, input line, lines]`,
    /// recorded as the rows are written (not in the manifest).
    #[serde(skip)]
    pub line_map: Vec<(u64, u64, u64)>,
    /// Stable hash of the chunk file's bytes, computed as they are written (`None` on a dry
    /// run; not in the manifest).
    #[serde(skip)]
    pub content_hash: Option<String>,
}

impl ChunkInfo {
    /// The input line of the chunk's `row`-th data row (1-based), if it has that many.
    pub fn line_of_row(&self, row: u64) -> Option<u64> {
        line_of_row(&self.row_lines, row)
    }
}

/// The input line of the `row`-th data row (1-based) of a chunk whose rows start on the lines
/// given as runs `[first line, rows]`.
pub fn line_of_row(runs: &[(u64, u64)], row: u64) -> Option<u64> {
    let mut left = row.checked_sub(1)?;
    for &(line, n) in runs {
        if left < n {
            return Some(line + left);
        }
        left -= n;
    }
    None
}

/// The input line of line `chunk_line` of a chunk file, given its line map (runs `[chunk line,
/// input line, lines]`).
pub fn input_line(map: &[(u64, u64, u64)], chunk_line: u64) -> Option<u64> {
    map.iter()
        .find(|&&(c, _, n)| chunk_line >= c && chunk_line < c + n)
        .map(|&(c, i, _)| i + (chunk_line - c))
}

/// The manifest written beside the chunks: the plan plus the row-to-line map.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Manifest {
    pub source: String,
    pub source_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
    pub max_rows: u64,
    pub max_bytes: u64,
    pub rows: u64,
    pub chunks: Vec<ChunkInfo>,
}

impl Manifest {
    /// File name of the manifest for chunks of `stem`.
    pub fn file_name(stem: &str) -> String {
        format!("{stem}.manifest.json")
    }
}

/// Rows to leave out of the chunks (`--skip-invalid`), decided object by object: an object is
/// left out whole when any of its rows is bad, so the service never gets half an object.
pub trait Skip {
    /// Whether the record starting on `line` is bad.
    fn is_bad(&self, line: u64) -> bool;
    /// Takes a record left out: the line it starts on, its bytes, and the first bad line of its
    /// object (its own line when it is bad itself).
    fn left_out(&mut self, line: u64, record: &[u8], first_bad: u64) -> std::io::Result<()>;
}

/// Rows of the object in progress (multi-row types): their bytes and positions.
#[derive(Default)]
struct Pending {
    data: Vec<u8>,
    /// (line, lines) of each row.
    rows: Vec<(u64, u64)>,
    /// Where each row's bytes end in `data`.
    ends: Vec<usize>,
    /// Why the object cannot be written, if it is kept (only when skipping: otherwise the
    /// split stops at the row).
    problem: Option<SplitError>,
}

impl Pending {
    fn clear(&mut self) {
        self.data.clear();
        self.rows.clear();
        self.ends.clear();
        self.problem = None;
    }

    /// Writes the object, or hands its rows to `skip` when one of them is bad.
    fn flush(
        &mut self,
        w: &mut Writer,
        skip: &mut Option<&mut dyn Skip>,
    ) -> Result<(), SplitError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let first_bad = skip.as_ref().and_then(|s| {
            self.rows
                .iter()
                .map(|&(line, _)| line)
                .find(|&line| s.is_bad(line))
        });
        match (first_bad, skip) {
            (Some(bad), Some(skip)) => {
                let mut start = 0;
                for (&(line, _), &end) in self.rows.iter().zip(&self.ends) {
                    skip.left_out(line, &self.data[start..end], bad)
                        .map_err(|e| w.io(e))?;
                    start = end;
                }
            }
            _ => match self.problem.take() {
                Some(e) => return Err(e),
                None => w.object(&self.rows, &self.data)?,
            },
        }
        self.clear();
        Ok(())
    }
}

struct Writer {
    staging: Option<tempfile::TempDir>,
    header: Vec<u8>,
    /// Physical lines of the header.
    header_lines: u64,
    /// The line of the current chunk file the next row starts on.
    next_line: u64,
    /// The thread writing the chunk files (`None` on a dry run).
    files: Option<Files>,
    chunks: Vec<ChunkInfo>,
    packer: Packer,
    source: String,
    /// Data rows placed in chunks.
    rows: u64,
}

impl Writer {
    fn io(&self, source: std::io::Error) -> SplitError {
        SplitError::Io {
            file: self.source.clone(),
            source,
        }
    }

    /// Places an object of `rows` (line, lines) whose bytes are `bytes`, and writes it.
    fn object(&mut self, rows: &[(u64, u64)], bytes: &[u8]) -> Result<(), SplitError> {
        self.place(rows, bytes.len() as u64)?;
        if let Some(f) = self.files.as_mut() {
            f.bytes(bytes);
        }
        Ok(())
    }

    /// Counts an object of `rows` into the plan, starting a chunk if it does not fit the
    /// current one; `Ok(true)` when it started one. Its bytes are written separately.
    fn place(&mut self, rows: &[(u64, u64)], len: u64) -> Result<bool, SplitError> {
        let first_line = rows[0].0;
        let fresh = self.packer.add(rows.len() as u64, len).map_err(|too_big| {
            if rows.len() == 1 {
                SplitError::RecordTooBig {
                    file: self.source.clone(),
                    line: first_line,
                    bytes: len,
                    total: too_big.bytes,
                    max: too_big.max_bytes,
                }
            } else {
                SplitError::ObjectTooBig {
                    file: self.source.clone(),
                    line: first_line,
                    too_big,
                }
            }
        })?;
        if fresh {
            self.start_chunk(first_line);
        }
        let c = self.chunks.last_mut().expect("a chunk was started");
        for &(line, lines) in rows {
            match c.row_lines.last_mut() {
                Some((l, n)) if *l + *n == line && c.last_line + 1 == line => *n += 1,
                _ => c.row_lines.push((line, 1)),
            }
            match c.line_map.last_mut() {
                Some((cl, il, n)) if *cl + *n == self.next_line && *il + *n == line => *n += lines,
                _ => c.line_map.push((self.next_line, line, lines)),
            }
            self.next_line += lines;
            c.last_line = line + lines - 1;
        }
        c.rows += rows.len() as u64;
        c.bytes += len;
        self.rows += rows.len() as u64;
        Ok(fresh)
    }

    /// Appends `block[start..end]` of the block being split to the current chunk.
    fn write_range(&mut self, start: usize, end: usize) {
        if let Some(f) = self.files.as_mut() {
            f.ops.push(Op::Block(start, end));
        }
    }

    /// Hands the block's bytes to the writing thread; answers a buffer to reuse, if one came
    /// back. A failure of the thread ends the split with its error.
    fn send(&mut self, data: Vec<u8>) -> Result<Option<Vec<u8>>, SplitError> {
        let Some(f) = self.files.as_mut() else {
            return Ok(Some(data));
        };
        match f.send(data) {
            Ok(spare) => Ok(spare),
            Err(()) => {
                let e = self.files.take().map(|f| f.finish(false));
                Err(match e {
                    Some(Err(e)) => self.io(e),
                    _ => self.io(std::io::Error::other("the chunk writer stopped")),
                })
            }
        }
    }

    /// Waits for the writing thread; records each chunk's hash.
    fn finish(&mut self) -> Result<(), SplitError> {
        let Some(f) = self.files.take() else {
            return Ok(());
        };
        let hashes = f.finish(true).map_err(|e| self.io(e))?;
        for (c, h) in self.chunks.iter_mut().zip(hashes) {
            c.content_hash = h;
        }
        Ok(())
    }

    fn start_chunk(&mut self, first_line: u64) {
        self.next_line = self.header_lines + 1;
        let index = self.chunks.len() as u64 + 1;
        self.chunks.push(ChunkInfo {
            index,
            file: String::new(),
            rows: 0,
            bytes: self.header.len() as u64,
            first_line,
            last_line: first_line,
            row_lines: Vec::new(),
            line_map: Vec::new(),
            content_hash: None,
        });
        if let Some(f) = self.files.as_mut() {
            f.ops.push(Op::Start(index));
        }
    }
}

impl Drop for Writer {
    /// A split that stops early still waits for the writing thread, so that nothing is written
    /// into the staging directory once it is removed.
    fn drop(&mut self) {
        if let Some(f) = self.files.take() {
            let _ = f.finish(false);
        }
    }
}

/// What the writing thread does, in order, with one block's bytes.
enum Op {
    /// Starts chunk file `{index}.csv` with the header.
    Start(u64),
    /// Appends a range of the block.
    Block(usize, usize),
    /// Appends a range of the batch's own bytes (the rows of an object held over blocks).
    Own(usize, usize),
}

struct Batch {
    data: Vec<u8>,
    own: Vec<u8>,
    ops: Vec<Op>,
}

/// Writes the chunk files on a thread of its own, so the kernel's copying of the chunks (and
/// their hashing) runs on the second core while the first one scans the input.
struct Files {
    ops: Vec<Op>,
    own: Vec<u8>,
    tx: std::sync::mpsc::SyncSender<Batch>,
    back: std::sync::mpsc::Receiver<Vec<u8>>,
    thread: std::thread::JoinHandle<std::io::Result<Vec<Option<String>>>>,
}

impl Files {
    /// Blocks in flight: enough to keep both threads busy, few enough to keep memory flat.
    const DEPTH: usize = 2;

    fn spawn(dir: PathBuf, header: Vec<u8>, hash: bool) -> Files {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(Self::DEPTH);
        let (back_tx, back) = std::sync::mpsc::sync_channel::<Vec<u8>>(Self::DEPTH + 1);
        let thread = std::thread::spawn(move || write_chunks(&dir, &header, hash, rx, back_tx));
        Files {
            ops: Vec::new(),
            own: Vec::new(),
            tx,
            back,
            thread,
        }
    }

    fn bytes(&mut self, bytes: &[u8]) {
        let start = self.own.len();
        self.own.extend_from_slice(bytes);
        self.ops.push(Op::Own(start, self.own.len()));
    }

    /// `Err` when the thread has stopped (its error comes from [`Files::finish`]).
    fn send(&mut self, data: Vec<u8>) -> Result<Option<Vec<u8>>, ()> {
        let batch = Batch {
            data,
            own: std::mem::take(&mut self.own),
            ops: std::mem::take(&mut self.ops),
        };
        self.tx.send(batch).map_err(|_| ())?;
        Ok(self.back.try_recv().ok())
    }

    /// Sends what is left (`rest`: at the end of the input, where only the held-over rows of
    /// the last object and chunk starts can be left; a split stopped early drops it), waits for
    /// the thread, and answers each chunk's hash.
    fn finish(mut self, rest: bool) -> std::io::Result<Vec<Option<String>>> {
        if rest && !self.ops.is_empty() {
            debug_assert!(!self.ops.iter().any(|o| matches!(o, Op::Block(..))));
            let _ = self.send(Vec::new());
        }
        drop(self.tx);
        match self.thread.join() {
            Ok(r) => r,
            Err(_) => Err(std::io::Error::other("the chunk writer crashed")),
        }
    }
}

/// The writing thread: carries out each batch's ops, hands the block buffers back for reuse.
fn write_chunks(
    dir: &Path,
    header: &[u8],
    hash: bool,
    rx: std::sync::mpsc::Receiver<Batch>,
    back: std::sync::mpsc::SyncSender<Vec<u8>>,
) -> std::io::Result<Vec<Option<String>>> {
    use std::io::Write;
    let mut hashes = Vec::new();
    let mut file: Option<(std::fs::File, Option<crate::hash::StableHash>)> = None;
    let finish = |hashes: &mut Vec<Option<String>>, h: Option<crate::hash::StableHash>| {
        hashes.push(h.map(|h| h.hex()));
    };
    for batch in rx {
        for op in &batch.ops {
            let bytes = match *op {
                Op::Start(index) => {
                    if let Some((_, h)) = file.take() {
                        finish(&mut hashes, h);
                    }
                    let mut f = std::fs::File::create(dir.join(format!("{index}.csv")))?;
                    f.write_all(header)?;
                    let h = hash.then(|| {
                        let mut h = crate::hash::StableHash::new();
                        h.write(header);
                        h
                    });
                    file = Some((f, h));
                    continue;
                }
                Op::Block(s, e) => &batch.data[s..e],
                Op::Own(s, e) => &batch.own[s..e],
            };
            let (f, h) = file.as_mut().expect("a chunk was started");
            if let Some(h) = h.as_mut() {
                h.write(bytes);
            }
            f.write_all(bytes)?;
        }
        if batch.data.capacity() > 0 {
            let _ = back.try_send(batch.data);
        }
    }
    if let Some((_, h)) = file.take() {
        finish(&mut hashes, h);
    }
    Ok(hashes)
}

/// Splits `source` into chunks; `group` (the identity of a multi-row type in this file) keeps
/// the consecutive rows of one object together. Writes into a staging directory and moves the
/// chunks into place only when the whole input has been read, so a failure writes nothing.
pub fn split(
    source: &Source,
    object_type: Option<&str>,
    group: Option<&Identity>,
    settings: &SplitSettings,
    progress: &dyn Fn(u64),
) -> Result<Manifest, SplitError> {
    split_skipping(source, object_type, group, None, settings, progress)
}

/// [`split`] without the chunks' content hashes (`ChunkInfo::content_hash` stays `None`):
/// `bulk split` writes files for the admin and keys no jobs by them, and hashing every byte
/// costs more than scanning and writing it.
pub fn split_unhashed(
    source: &Source,
    object_type: Option<&str>,
    group: Option<&Identity>,
    settings: &SplitSettings,
    progress: &dyn Fn(u64),
) -> Result<Manifest, SplitError> {
    split_in(source, object_type, group, None, settings, false, progress)
}

/// [`split`], leaving out the objects `skip` says have a bad row (`import --skip-invalid`):
/// their records go to `skip` instead, and are never checked, so a row that validation already
/// reported cannot stop the split. The chunks keep the input's line numbers.
pub fn split_skipping(
    source: &Source,
    object_type: Option<&str>,
    group: Option<&Identity>,
    skip: Option<&mut dyn Skip>,
    settings: &SplitSettings,
    progress: &dyn Fn(u64),
) -> Result<Manifest, SplitError> {
    split_in(source, object_type, group, skip, settings, true, progress)
}

fn split_in(
    source: &Source,
    object_type: Option<&str>,
    group: Option<&Identity>,
    skip: Option<&mut dyn Skip>,
    settings: &SplitSettings,
    hash: bool,
    progress: &dyn Fn(u64),
) -> Result<Manifest, SplitError> {
    let created = settings.out_dir.as_ref().filter(|d| !d.exists()).cloned();
    let result = split_into(source, object_type, group, skip, settings, hash, progress);
    if let (Err(_), Some(dir)) = (&result, created) {
        // Only an empty directory is removed: one this run created and left nothing in.
        let _ = std::fs::remove_dir(dir);
    }
    result
}

fn split_into(
    source: &Source,
    object_type: Option<&str>,
    group: Option<&Identity>,
    mut skip: Option<&mut dyn Skip>,
    settings: &SplitSettings,
    hash: bool,
    progress: &dyn Fn(u64),
) -> Result<Manifest, SplitError> {
    let file = source.display.clone();
    let io = |e: std::io::Error| SplitError::Io {
        file: file.clone(),
        source: e,
    };
    let mut scanner = Scanner::new(
        source.open().map_err(io)?,
        settings.block_size,
        settings.max_bytes as usize,
    );
    let Some(first) = scanner.next_block().map_err(io)? else {
        return Err(SplitError::NoHeader { file });
    };
    let head = first.records[0];
    check_record(&first, head, &file, settings.max_bytes)?;
    let header = first.data[head.start..head.end].to_vec();
    let header = if header.ends_with(b"\n") {
        header
    } else {
        // A header with no line end (a file without rows) still ends its line in chunks.
        let mut h = header;
        h.extend_from_slice(b"\r\n");
        h
    };
    let staging = match &settings.out_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir).map_err(io)?;
            Some(
                tempfile::Builder::new()
                    .prefix(".bulk-split-")
                    .tempdir_in(dir)
                    .map_err(io)?,
            )
        }
        None => None,
    };
    let header_lines = memchr::memchr_iter(b'\n', &header).count() as u64;
    let files_dir = match &staging {
        Some(d) => Some(chunk_folder(d.path()).map_err(io)?),
        None => None,
    };
    let files = files_dir
        .as_ref()
        .map(|d| Files::spawn(d.clone(), header.clone(), hash));
    let mut w = Writer {
        files,
        staging,
        packer: Packer::new(settings.max_rows, settings.max_bytes, header.len() as u64),
        header,
        header_lines,
        next_line: header_lines + 1,
        chunks: Vec::new(),
        source: file.clone(),
        rows: 0,
    };
    let mut pending = Pending::default();
    let mut objects = group.map(Identity::objects);
    let mut fields = crate::input::record::Fields::default();
    let mut consumed = 0u64;
    let mut block = Some(first);
    let mut header_record = 1;
    while let Some(b) = block {
        consumed += b.data.len() as u64;
        // Without skipping, any invalid byte stops the split; with it, only one in a row that
        // is kept does (checked row by row below).
        // One check per block (SIMD; the slow path below runs only when it fails).
        let valid_utf8 = simdutf8::basic::from_utf8(&b.data).is_ok();
        if !valid_utf8 && skip.is_none() {
            let first_bad = b
                .records
                .iter()
                .find_map(|&r| utf8_error(&b, r, source, &file));
            if let Some(e) = first_bad {
                return Err(e);
            }
        }
        if !valid_utf8 && header_record == 1 {
            if let Some(e) = utf8_error(&b, b.records[0], source, &file) {
                return Err(e);
            }
        }
        // Why a record cannot go in a chunk, if it is kept.
        let problem = |r: RecordPos| {
            check_record(&b, r, &file, settings.max_bytes)
                .err()
                .or_else(|| {
                    (!valid_utf8)
                        .then(|| utf8_error(&b, r, source, &file))
                        .flatten()
                })
        };
        let recs = &b.records[header_record..];
        header_record = 0;
        match (group, objects.as_mut()) {
            (Some(identity), Some(objects)) => {
                for &r in recs {
                    let trouble = problem(r);
                    if skip.is_none() {
                        if let Some(e) = trouble {
                            return Err(e);
                        }
                    }
                    let rec = &b.data[r.start..r.end];
                    let hash = match fields.split(rec, b',') {
                        Ok(()) => identity.hash(|p| (p < fields.len()).then(|| fields.get(rec, p))),
                        Err(_) => 0,
                    };
                    if objects.starts(hash) {
                        pending.flush(&mut w, &mut skip)?;
                    }
                    pending.rows.push((r.line, r.lines));
                    pending.data.extend_from_slice(rec);
                    pending.ends.push(pending.data.len());
                    if pending.problem.is_none() {
                        pending.problem = trouble;
                    }
                }
            }
            _ => {
                // Consecutive records bound for the same chunk are written with one call,
                // straight from the block; a chunk start, a skipped blank line or a row left
                // out ends a run.
                let mut run: Option<(usize, usize)> = None;
                for &r in recs {
                    if let Some(skip) = skip.as_mut().filter(|s| s.is_bad(r.line)) {
                        if let Some((s, e)) = run.take() {
                            w.write_range(s, e);
                        }
                        skip.left_out(r.line, &b.data[r.start..r.end], r.line)
                            .map_err(|e| w.io(e))?;
                        continue;
                    }
                    if let Some(e) = problem(r) {
                        return Err(e);
                    }
                    if let Some((s, e)) = run {
                        if e != r.start || w.packer.would_start(1, r.len) {
                            w.write_range(s, e);
                            run = None;
                        }
                    }
                    w.place(&[(r.line, r.lines)], r.len)?;
                    run = Some((run.map_or(r.start, |(s, _)| s), r.end));
                }
                if let Some((s, e)) = run {
                    w.write_range(s, e);
                }
            }
        }
        progress(consumed);
        if let Some(spare) = w.send(b.data)? {
            scanner.recycle(spare);
        }
        block = scanner.next_block().map_err(io)?;
    }
    pending.flush(&mut w, &mut skip)?;
    w.finish()?;
    let width = w.chunks.len().to_string().len().max(3);
    for c in &mut w.chunks {
        c.file = format!(
            "{}.part-{:0width$}.lines-{}-{}.csv",
            settings.stem, c.index, c.first_line, c.last_line
        );
    }
    let manifest = Manifest {
        source: file.clone(),
        source_bytes: source.len,
        object_type: object_type.map(str::to_string),
        max_rows: settings.max_rows,
        max_bytes: settings.max_bytes,
        rows: w.rows,
        chunks: std::mem::take(&mut w.chunks),
    };
    if let (Some(dir), Some(_staging), Some(files_dir)) =
        (&settings.out_dir, w.staging.take(), &files_dir)
    {
        remove_old_chunks(dir, &settings.stem).map_err(io)?;
        for c in &manifest.chunks {
            std::fs::rename(
                files_dir.join(format!("{}.csv", c.index)),
                dir.join(&c.file),
            )
            .map_err(io)?;
        }
        let json = serde_json::to_vec_pretty(&manifest).map_err(|e| io(e.into()))?;
        std::fs::write(dir.join(Manifest::file_name(&settings.stem)), json).map_err(io)?;
    }
    Ok(manifest)
}

/// The folder the chunk files are written into: a subfolder of the staging folder, which is
/// marked as the top of a directory tree so that ext4 places the subfolder, and the files in
/// it, in a block group of its own (Orlov allocator) instead of the one of the output folder.
/// There, chunks deleted a moment ago (a second split of the same file) would cost each new
/// file a walk over every recently deleted inode: for 1000 chunks, seconds of kernel time.
/// Elsewhere (another filesystem, another OS) the mark is not set and nothing changes.
fn chunk_folder(staging: &Path) -> std::io::Result<PathBuf> {
    mark_top_dir(staging);
    // ext4 picks the group from a hash of the name: a fixed name would pick the same group as
    // the split before, with its deleted chunks.
    let dir = staging.join(format!("c{:016x}", rand::random::<u64>()));
    std::fs::create_dir(&dir)?;
    Ok(dir)
}

/// Sets `FS_TOPDIR_FL` (`chattr +T`) on `dir` where the filesystem has it; failures are
/// ignored, the flag only changes where new subfolders go.
#[cfg(target_os = "linux")]
fn mark_top_dir(dir: &Path) {
    use std::os::fd::AsRawFd;
    const FS_TOPDIR_FL: libc::c_int = 0x0002_0000;
    let Ok(f) = std::fs::File::open(dir) else {
        return;
    };
    let mut flags: libc::c_int = 0;
    // SAFETY: `f` keeps the descriptor open across both calls, and each ioctl reads or writes
    // one `int` (what the kernel's FS_IOC_[GS]ETFLAGS handlers access) at a pointer to `flags`.
    unsafe {
        if libc::ioctl(f.as_raw_fd(), libc::FS_IOC_GETFLAGS, &mut flags) == 0 {
            flags |= FS_TOPDIR_FL;
            libc::ioctl(f.as_raw_fd(), libc::FS_IOC_SETFLAGS, &flags);
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn mark_top_dir(_: &Path) {}

/// Chunks and manifest of an earlier split of the same stem would mix with the new ones.
fn remove_old_chunks(dir: &Path, stem: &str) -> std::io::Result<()> {
    let prefix = format!("{stem}.part-");
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if (name.starts_with(&prefix) && name.ends_with(".csv"))
            || name == Manifest::file_name(stem)
        {
            std::fs::remove_file(dir.join(name))?;
        }
    }
    Ok(())
}

/// Where `r` holds invalid UTF-8, if it does.
fn utf8_error(b: &Block, r: RecordPos, source: &Source, file: &str) -> Option<SplitError> {
    let rec = &b.data[r.start..r.end];
    let at = std::str::from_utf8(rec).err()?.valid_up_to();
    Some(SplitError::Utf8 {
        file: file.to_string(),
        line: r.line + memchr::memchr_iter(b'\n', &rec[..at]).count() as u64,
        offset: source.start + r.offset + at as u64,
    })
}

fn check_record(b: &Block, r: RecordPos, file: &str, max: u64) -> Result<(), SplitError> {
    if r.unclosed {
        return Err(SplitError::Unclosed {
            file: file.to_string(),
            line: r.line,
        });
    }
    if r.oversized {
        return Err(SplitError::RecordTooBig {
            file: file.to_string(),
            line: r.line,
            bytes: r.len,
            total: r.len,
            max,
        });
    }
    let _ = b;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Merging maps a job's error lines through the map the chunker records; it must agree
    /// with the chunk files themselves (blank lines dropped, quoted line breaks kept), and the
    /// hash taken while writing must be the hash of the file.
    #[test]
    fn line_map_and_hash_agree_with_the_written_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(
            &input,
            "Name,Note\r\na,1\r\n\r\nb,\"two\r\nlines\"\r\nc,3\r\n\r\n\r\nd,4\r\ne,5\r\n",
        )
        .unwrap();
        let source = crate::input::open(&input, &crate::input::InputOptions::default()).unwrap();
        let out = dir.path().join("out");
        let settings = SplitSettings {
            max_rows: 2,
            max_bytes: 1 << 20,
            out_dir: Some(out.clone()),
            stem: "in".into(),
            block_size: 64,
        };
        let manifest = split(&source, None, None, &settings, &|_| {}).unwrap();
        let input_text = std::fs::read_to_string(&input).unwrap();
        let input_lines: Vec<&str> = input_text.split("\r\n").collect();
        let mut mapped = 0;
        for c in &manifest.chunks {
            let bytes = std::fs::read(out.join(&c.file)).unwrap();
            assert_eq!(
                c.content_hash.as_deref(),
                Some(crate::hash::content_hash(&bytes).as_str())
            );
            let text = String::from_utf8(bytes).unwrap();
            for (k, line) in text.split("\r\n").enumerate().skip(1) {
                if line.is_empty() {
                    continue;
                }
                let at = input_line(&c.line_map, k as u64 + 1).expect("every chunk line maps");
                assert_eq!(
                    input_lines[at as usize - 1],
                    line,
                    "chunk {} line {}",
                    c.file,
                    k + 1
                );
                mapped += 1;
            }
        }
        assert_eq!(mapped, 6, "every data line of the input maps once");
    }

    /// Leaves out the records starting on `bad` lines (and their objects); records what it got.
    struct LeaveOut {
        bad: Vec<u64>,
        got: Vec<(u64, String, u64)>,
    }

    impl Skip for LeaveOut {
        fn is_bad(&self, line: u64) -> bool {
            self.bad.contains(&line)
        }
        fn left_out(&mut self, line: u64, record: &[u8], first_bad: u64) -> std::io::Result<()> {
            let text = String::from_utf8_lossy(record).into_owned();
            self.got.push((line, text, first_bad));
            Ok(())
        }
    }

    fn split_text(
        text: &[u8],
        group: Option<&str>,
        skip: Option<&mut LeaveOut>,
    ) -> (Result<Manifest, SplitError>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, text).unwrap();
        let source = crate::input::open(&input, &crate::input::InputOptions::default()).unwrap();
        let header = crate::input::typed::peek_header(&source).unwrap().unwrap();
        let identity =
            group.map(|t| Identity::locate(crate::schema::registry().get(t).unwrap(), &header));
        let out = dir.path().join("out");
        let settings = SplitSettings {
            max_rows: 2,
            max_bytes: 1 << 20,
            out_dir: Some(out.clone()),
            stem: "in".into(),
            block_size: 64,
        };
        let skip = skip.map(|s| s as &mut dyn Skip);
        let result = split_skipping(&source, None, identity.as_ref(), skip, &settings, &|_| {});
        let chunks = match &result {
            Ok(m) => m
                .chunks
                .iter()
                .map(|c| std::fs::read_to_string(out.join(&c.file)).unwrap())
                .collect(),
            Err(_) => Vec::new(),
        };
        (result, chunks)
    }

    /// `--skip-invalid` used to write a copy of the input with bad rows blanked and split the
    /// copy; splitting the input while leaving them out must give the same chunks, lines and
    /// rows, and hand over each row left out with its own bytes.
    #[test]
    fn skipping_leaves_out_whole_objects_and_keeps_input_lines() {
        let text = "Name,Skill Name,Skill Value\nP1,S1,1\nP1,S2,x\nP2,S1,2\n\nP3,S1,3\nP3,S2,4\nP4,S1,\"a\nb\"\n";
        let mut skip = LeaveOut {
            bad: vec![3, 8],
            got: Vec::new(),
        };
        let (m, chunks) = split_text(text.as_bytes(), Some("skill-profile"), Some(&mut skip));
        let m = m.unwrap();
        let blanked = "Name,Skill Name,Skill Value\n\n\nP2,S1,2\n\nP3,S1,3\nP3,S2,4\n\n\n";
        let (expected, expected_chunks) =
            split_text(blanked.as_bytes(), Some("skill-profile"), None);
        let expected = expected.unwrap();
        assert_eq!(chunks, expected_chunks);
        assert_eq!(m.rows, 3);
        for (a, b) in m.chunks.iter().zip(&expected.chunks) {
            assert_eq!(
                (&a.file, &a.row_lines, &a.line_map, a.rows),
                (&b.file, &b.row_lines, &b.line_map, b.rows)
            );
        }
        assert_eq!(
            skip.got,
            [
                (2, "P1,S1,1\n".to_string(), 3),
                (3, "P1,S2,x\n".to_string(), 3),
                (8, "P4,S1,\"a\nb\"\n".to_string(), 8),
            ]
        );
    }

    /// A row validation already reported (bad UTF-8, a quote never closed) cannot stop the
    /// split when it is left out; kept, it still does.
    #[test]
    fn a_row_left_out_is_never_checked() {
        let text = b"Name,Multimedia Profile\nA,x\nB\xff,x\nC,x\nD,\"open\n";
        let (kept, _) = split_text(text, None, None);
        assert!(
            matches!(kept, Err(SplitError::Utf8 { line: 3, .. })),
            "{kept:?}"
        );
        let mut skip = LeaveOut {
            bad: vec![3, 5],
            got: Vec::new(),
        };
        let (m, chunks) = split_text(text, None, Some(&mut skip));
        assert_eq!(m.unwrap().rows, 2);
        assert_eq!(chunks, ["Name,Multimedia Profile\nA,x\nC,x\n"]);
        let lines: Vec<u64> = skip.got.iter().map(|g| g.0).collect();
        assert_eq!(lines, [3, 5]);
    }
}
