//! Packs WAV prompts into ZIP files the service accepts (at most 50 MB each), so `bulk split
//! --type audio-file` can turn a folder or a ZIP of any size into uploads that each succeed.
//!
//! Three steps, each usable alone: [`collect`] finds the prompts in a directory or a ZIP and
//! reports what the service would refuse or silently get wrong; [`plan`] bins them into packs
//! that fit the size limit; [`write`] streams them into `<stem>.part-NNN.zip` files. A source ZIP
//! is untrusted input: names that escape the archive, encrypted entries and ZIP bombs are refused,
//! and declared sizes are enforced while reading rather than believed.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;
use zip::result::ZipError;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::wav::{self, WavError, WavFormat};

/// The service's limit on one audio ZIP upload, in bytes.
pub const SERVICE_MAX_ZIP_BYTES: u64 = 50_000_000;

/// The service's limit on the length of an audio file name, in characters.
pub const MAX_NAME_CHARS: usize = 80;

/// Bytes of a ZIP local file header before the name (no extra field).
const LOCAL_HEADER_BYTES: u64 = 30;
/// Bytes of a ZIP central directory header before the name (no extra field or comment).
const CENTRAL_HEADER_BYTES: u64 = 46;
/// Bytes of the end-of-central-directory record (no comment).
const END_RECORD_BYTES: u64 = 22;
/// Most entries in one pack: more would need ZIP64 records, which the size estimate leaves out.
const MAX_ENTRIES_PER_PACK: usize = u16::MAX as usize;

/// Limits applied when reading a source ZIP, which may be hostile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafetyRules {
    /// Highest uncompressed/compressed ratio accepted for one entry.
    pub max_ratio: u64,
    /// Entries at most this large (uncompressed) are exempt from `max_ratio`: tiny files
    /// compress absurdly well without being a threat.
    pub ratio_exempt_bytes: u64,
    /// Most uncompressed bytes all entries may declare together.
    pub max_total_bytes: u64,
    /// Most entries in the archive.
    pub max_entries: usize,
}

impl Default for SafetyRules {
    fn default() -> Self {
        SafetyRules {
            // Speech in G.711 or PCM deflates to 50-90%; even long silences stay far below 100:1.
            max_ratio: 100,
            ratio_exempt_bytes: 1024 * 1024,
            max_total_bytes: 4 * 1024 * 1024 * 1024,
            max_entries: 100_000,
        }
    }
}

/// What kind of input a [`Collection`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    /// A directory, walked recursively.
    Directory,
    /// A ZIP file.
    Zip,
}

/// Where the bytes of an [`AudioItem`] are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// A file on disk.
    Path(PathBuf),
    /// An entry of the input ZIP, by index.
    ZipEntry(usize),
}

/// One WAV prompt found in the input.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioItem {
    /// The file name alone: the service keys prompts by it, whatever folder they were in.
    pub name: String,
    /// Where it is in the input: a relative path with `/`, or the ZIP entry name.
    pub path_in_input: String,
    /// Size in bytes.
    pub size: u64,
    /// What its header says.
    pub format: WavFormat,
    /// Where to read it from.
    pub source: Source,
}

/// A file of the input that is not a prompt; not an error.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// Where it is in the input.
    pub path: String,
    /// Why it was left out.
    pub reason: String,
}

/// What is wrong with a prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProblemKind {
    /// Named `.wav` but not a readable WAVE file (or its header lies).
    NotWav,
    /// The same file name (ignoring case) in more than one folder.
    DuplicateName,
    /// A file name the service does not accept.
    BadName,
    /// A symbolic link that points outside the input directory.
    OutsideInput,
}

/// A prompt the service would refuse or mishandle; the caller decides whether to go on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// What kind of problem.
    pub kind: ProblemKind,
    /// Where it is in the input.
    pub path: String,
    /// What is wrong and how to fix it, starting lowercase.
    pub message: String,
}

/// The prompts of an input, in a deterministic order (sorted by path).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Collection {
    /// The input directory or ZIP.
    pub input: PathBuf,
    /// Whether `input` is a directory or a ZIP.
    pub kind: InputKind,
    /// The WAV files with a valid header, including those with a name or duplicate problem.
    pub items: Vec<AudioItem>,
    /// Files that are not prompts.
    pub skipped: Vec<Skipped>,
    /// Prompts the service would refuse or mishandle. [`write`] refuses duplicate names itself;
    /// other problems are for the caller to report before packing.
    pub problems: Vec<Problem>,
}

/// One ZIP to write: which items go in it and how big it will be.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackPlan {
    /// Indices into the items given to [`plan`] (`Collection::items`), sorted by name.
    pub entries: Vec<usize>,
    /// The exact size of the ZIP [`write`] makes of it.
    pub bytes: u64,
    /// The limit it was planned for; [`write`] checks the real ZIP against it.
    pub max_bytes: u64,
}

/// A ZIP that [`write`] made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WrittenPack {
    /// Where it is.
    pub path: PathBuf,
    /// Its size in bytes.
    pub bytes: u64,
    /// The file names in it, in order.
    pub names: Vec<String>,
}

/// Why prompts could not be collected, planned or written.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// The input is neither a directory nor a `.zip` file.
    #[error("{}: expected a directory or a .zip file of WAV files", .path.display())]
    UnsupportedInput {
        /// The input.
        path: PathBuf,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// The input ZIP cannot be opened.
    #[error("{}: not a readable ZIP file (it may be truncated or corrupt): {source}", .path.display())]
    BadZip {
        /// The ZIP.
        path: PathBuf,
        /// The cause.
        source: ZipError,
    },
    /// An entry of the input ZIP cannot be read.
    #[error("{}: entry \"{entry}\" cannot be read (the ZIP may be corrupt): {source}", .path.display())]
    BadEntry {
        /// The ZIP.
        path: PathBuf,
        /// The entry name.
        entry: String,
        /// The cause.
        source: ZipError,
    },
    /// An entry name is absolute, has a drive letter or climbs out with `..`.
    #[error("{}: entry \"{entry}\" escapes the archive (zip slip); refusing to read it", .path.display())]
    ZipSlip {
        /// The ZIP.
        path: PathBuf,
        /// The entry name.
        entry: String,
    },
    /// An entry is encrypted.
    #[error("{}: entry \"{entry}\" is encrypted; re-create the ZIP without a password", .path.display())]
    Encrypted {
        /// The ZIP.
        path: PathBuf,
        /// The entry name.
        entry: String,
    },
    /// An entry expands far more than audio does.
    #[error(
        "{}: entry \"{entry}\" would expand {compressed} bytes to {size} (more than {max_ratio}:1), \
         which looks like a ZIP bomb; refusing to read it",
        .path.display()
    )]
    ZipBomb {
        /// The ZIP.
        path: PathBuf,
        /// The entry name.
        entry: String,
        /// Declared uncompressed size.
        size: u64,
        /// Compressed size.
        compressed: u64,
        /// The ratio allowed.
        max_ratio: u64,
    },
    /// The entries together declare too many bytes.
    #[error(
        "{}: the entries would expand to more than {max} bytes in all, which looks like a ZIP bomb; \
         refusing to read it",
        .path.display()
    )]
    TotalTooLarge {
        /// The ZIP.
        path: PathBuf,
        /// The limit.
        max: u64,
    },
    /// The archive has too many entries.
    #[error("{}: {count} entries, more than the {max} accepted; refusing to read it", .path.display())]
    TooManyEntries {
        /// The ZIP.
        path: PathBuf,
        /// Its entry count.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// An entry decompresses to more bytes than it declares.
    #[error(
        "{}: entry \"{entry}\" holds more than the {declared} bytes it declares; the ZIP is \
         corrupt or hostile, refusing to read it",
        .path.display()
    )]
    EntryLonger {
        /// The ZIP.
        path: PathBuf,
        /// The entry name.
        entry: String,
        /// Its declared size.
        declared: u64,
    },
    /// An entry decompresses to fewer bytes than it declares.
    #[error("{}: entry \"{entry}\" holds {actual} bytes but declares {declared}; the ZIP is corrupt", .path.display())]
    EntryShorter {
        /// The ZIP.
        path: PathBuf,
        /// The entry name.
        entry: String,
        /// Its declared size.
        declared: u64,
        /// What it really holds.
        actual: u64,
    },
    /// A file changed size between [`collect`] and [`write`].
    #[error("{}: the file was {expected} bytes when collected but now reads differently; run split again", .path.display())]
    SourceChanged {
        /// The file.
        path: PathBuf,
        /// Its size when collected.
        expected: u64,
    },
    /// One prompt is too large for a ZIP of `max_bytes`.
    #[error(
        "{path}: {size} bytes, too large for one ZIP of at most {max_bytes} bytes (it needs \
         {needed}); shorten or re-encode the prompt (G.711 at 8 kHz is 8,000 bytes a second)"
    )]
    TooLarge {
        /// Where it is in the input.
        path: String,
        /// Its size.
        size: u64,
        /// The size of a ZIP holding only it.
        needed: u64,
        /// The limit.
        max_bytes: u64,
    },
    /// Two items to write have the same name, so one would replace the other.
    #[error("\"{name}\" is both {first} and {second}; the service would keep only one, so rename one of them")]
    DuplicateName {
        /// The name.
        name: String,
        /// One path in the input.
        first: String,
        /// The other.
        second: String,
    },
    /// A plan does not belong to the collection.
    #[error("the plan refers to item {index} but the collection has {count} items")]
    PlanMismatch {
        /// The index in the plan.
        index: usize,
        /// Items in the collection.
        count: usize,
    },
    /// Writing a ZIP failed.
    #[error("{}: cannot write the ZIP: {source}", .path.display())]
    WriteZip {
        /// The ZIP being written.
        path: PathBuf,
        /// The cause.
        source: ZipError,
    },
    /// A written ZIP came out larger than its limit (a bug in the estimate; nothing is kept).
    #[error("{}: the ZIP came out {bytes} bytes, more than the {max_bytes} allowed; not kept", .path.display())]
    PackTooLarge {
        /// The ZIP that was not kept.
        path: PathBuf,
        /// Its size.
        bytes: u64,
        /// The limit.
        max_bytes: u64,
    },
}

/// Finds the WAV prompts in a directory (walked recursively, symbolic links not followed out of
/// it) or a `.zip` file, checks their headers and names, and lists what else is there.
pub fn collect(input: &Path, rules: &SafetyRules) -> Result<Collection, PackError> {
    let meta = fs::metadata(input).map_err(io_err(input))?;
    let kind = if meta.is_dir() {
        InputKind::Directory
    } else if has_extension(&input.to_string_lossy(), ".zip") {
        InputKind::Zip
    } else {
        return Err(PackError::UnsupportedInput {
            path: input.to_path_buf(),
        });
    };
    let mut c = Collection {
        input: input.to_path_buf(),
        kind,
        items: Vec::new(),
        skipped: Vec::new(),
        problems: Vec::new(),
    };
    match kind {
        InputKind::Directory => collect_dir(input, &mut c)?,
        InputKind::Zip => collect_zip(input, rules, &mut c)?,
    }
    c.items
        .sort_by(|a, b| a.path_in_input.cmp(&b.path_in_input));
    c.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    check_names(&mut c);
    c.problems
        .sort_by(|a, b| (&a.path, a.kind as u8).cmp(&(&b.path, b.kind as u8)));
    Ok(c)
}

/// Why the service would refuse `name` as an audio file name, or `None` if it is fine:
/// at most 80 characters of ASCII letters, digits, `.`, `_`, `-` and spaces, ending in `.wav`.
pub fn name_rule_violation(name: &str) -> Option<String> {
    let chars = name.chars().count();
    if chars > MAX_NAME_CHARS {
        return Some(format!(
            "the name has {chars} characters; the service accepts at most {MAX_NAME_CHARS}"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|&ch| !(ch.is_ascii_alphanumeric() || matches!(ch, '.' | '_' | '-' | ' ')))
    {
        return Some(format!(
            "the name contains {bad:?}; the service accepts only letters, digits, '.', '_', '-' and spaces"
        ));
    }
    if !has_extension(name, ".wav") || name.len() == ".wav".len() {
        return Some("the name must end in .wav after at least one other character".into());
    }
    None
}

/// The bytes one stored entry adds to a ZIP: local header, data and central directory header.
pub fn entry_bytes(name: &str, size: u64) -> u64 {
    let n = name.len() as u64;
    (LOCAL_HEADER_BYTES + n + CENTRAL_HEADER_BYTES + n).saturating_add(size)
}

/// Bins items into packs of at most `max_bytes` each (the size of the ZIP file [`write`]
/// makes), first-fit decreasing by size with ties broken by name, so the same items always give
/// the same packs. Fails if one item alone is too large.
pub fn plan(items: &[AudioItem], max_bytes: u64) -> Result<Vec<PackPlan>, PackError> {
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&items[a], &items[b]);
        y.size
            .cmp(&x.size)
            .then_with(|| x.name.cmp(&y.name))
            .then_with(|| x.path_in_input.cmp(&y.path_in_input))
    });
    let mut packs: Vec<PackPlan> = Vec::new();
    for i in order {
        let item = &items[i];
        let cost = entry_bytes(&item.name, item.size);
        let alone = END_RECORD_BYTES.saturating_add(cost);
        if alone > max_bytes {
            return Err(PackError::TooLarge {
                path: item.path_in_input.clone(),
                size: item.size,
                needed: alone,
                max_bytes,
            });
        }
        let fit = packs.iter_mut().find(|p| {
            p.entries.len() < MAX_ENTRIES_PER_PACK && p.bytes.saturating_add(cost) <= max_bytes
        });
        match fit {
            Some(p) => {
                p.entries.push(i);
                p.bytes += cost;
            }
            None => packs.push(PackPlan {
                entries: vec![i],
                bytes: alone,
                max_bytes,
            }),
        }
    }
    for p in &mut packs {
        p.entries.sort_by(|&a, &b| {
            (&items[a].name, &items[a].path_in_input)
                .cmp(&(&items[b].name, &items[b].path_in_input))
        });
    }
    Ok(packs)
}

/// Writes each plan as `<out_dir>/<stem>.part-001.zip`, ... (numbers padded to at least 3
/// digits), every prompt stored at the root under its file name. Bytes are streamed from the
/// source through a fixed buffer; each ZIP is written to a temporary file and only kept, under
/// its final name, once its real size is checked against the plan's limit.
pub fn write(
    plans: &[PackPlan],
    collection: &Collection,
    out_dir: &Path,
    stem: &str,
) -> Result<Vec<WrittenPack>, PackError> {
    let items = &collection.items;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for &i in plans.iter().flat_map(|p| &p.entries) {
        let item = items.get(i).ok_or(PackError::PlanMismatch {
            index: i,
            count: items.len(),
        })?;
        if let Some(&j) = seen.get(&item.name.to_lowercase()) {
            return Err(PackError::DuplicateName {
                name: item.name.clone(),
                first: items[j].path_in_input.clone(),
                second: item.path_in_input.clone(),
            });
        }
        seen.insert(item.name.to_lowercase(), i);
    }

    fs::create_dir_all(out_dir).map_err(io_err(out_dir))?;
    // Packs of an earlier run of the same stem would mix with these ones.
    let prefix = format!("{stem}.part-");
    for entry in fs::read_dir(out_dir).map_err(io_err(out_dir))? {
        let name = entry.map_err(io_err(out_dir))?.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(&prefix) && name.ends_with(".zip") {
            let old = out_dir.join(name.as_ref());
            fs::remove_file(&old).map_err(io_err(&old))?;
        }
    }
    let mut archive = match collection.kind {
        InputKind::Zip => Some(open_zip(&collection.input)?),
        InputKind::Directory => None,
    };
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Stored)
        // A fixed time and mode so the same input always gives byte-identical ZIPs.
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
        .large_file(false);

    let mut written = Vec::with_capacity(plans.len());
    for (k, p) in plans.iter().enumerate() {
        let path = out_dir.join(part_name(stem, k + 1, plans.len()));
        let tmp = tempfile::Builder::new()
            .prefix(&format!(".{stem}.part-"))
            .suffix(".tmp")
            .tempfile_in(out_dir)
            .map_err(io_err(out_dir))?;
        let mut zw = ZipWriter::new(BufWriter::new(tmp.as_file()));
        let zip_err = |source| PackError::WriteZip {
            path: path.clone(),
            source,
        };
        let mut names = Vec::with_capacity(p.entries.len());
        for &i in &p.entries {
            let item = &items[i];
            zw.start_file(item.name.as_str(), options)
                .map_err(zip_err)?;
            copy_item(item, collection, archive.as_mut(), &mut zw, &path)?;
            names.push(item.name.clone());
        }
        let buf = zw.finish().map_err(zip_err)?;
        buf.into_inner()
            .map_err(|e| io_err(&path)(e.into_error()))?;
        let bytes = tmp.as_file().metadata().map_err(io_err(&path))?.len();
        if bytes > p.max_bytes {
            return Err(PackError::PackTooLarge {
                path,
                bytes,
                max_bytes: p.max_bytes,
            });
        }
        tmp.persist(&path).map_err(|e| io_err(&path)(e.error))?;
        written.push(WrittenPack { path, bytes, names });
    }
    Ok(written)
}

/// Streams one item into the entry just started in `zw`, checking it is still the size collected.
fn copy_item(
    item: &AudioItem,
    collection: &Collection,
    archive: Option<&mut ZipArchive<BufReader<File>>>,
    zw: &mut ZipWriter<BufWriter<&File>>,
    out: &Path,
) -> Result<(), PackError> {
    match (&item.source, archive) {
        (Source::Path(src), _) => {
            let file = File::open(src).map_err(io_err(src))?;
            let mut limited = file.take(item.size + 1);
            let n = copy(&mut limited, zw).map_err(|e| match e {
                CopyError::Read(e) => io_err(src)(e),
                CopyError::Write(e) => io_err(out)(e),
            })?;
            if n != item.size {
                return Err(PackError::SourceChanged {
                    path: src.clone(),
                    expected: item.size,
                });
            }
            Ok(())
        }
        (Source::ZipEntry(index), Some(archive)) => {
            let zip = &collection.input;
            let entry_err = |source| PackError::BadEntry {
                path: zip.clone(),
                entry: item.path_in_input.clone(),
                source,
            };
            let entry = archive.by_index(*index).map_err(entry_err)?;
            let mut limited = entry.take(item.size + 1);
            let n = copy(&mut limited, zw).map_err(|e| match e {
                CopyError::Read(e) => entry_err(ZipError::Io(e)),
                CopyError::Write(e) => io_err(out)(e),
            })?;
            check_entry_size(zip, &item.path_in_input, item.size, n)
        }
        (Source::ZipEntry(_), None) => Err(PackError::UnsupportedInput {
            path: collection.input.clone(),
        }),
    }
}

enum CopyError {
    Read(io::Error),
    Write(io::Error),
}

/// `io::copy` that tells a failed read (a corrupt source) from a failed write (a full disk).
fn copy<R: Read, W: io::Write>(from: &mut R, to: &mut W) -> Result<u64, CopyError> {
    let mut buf = [0u8; 64 * 1024];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        to.write_all(&buf[..n]).map_err(CopyError::Write)?;
        total += n as u64;
    }
}

fn check_entry_size(zip: &Path, entry: &str, declared: u64, actual: u64) -> Result<(), PackError> {
    if actual > declared {
        Err(PackError::EntryLonger {
            path: zip.to_path_buf(),
            entry: entry.to_string(),
            declared,
        })
    } else if actual < declared {
        Err(PackError::EntryShorter {
            path: zip.to_path_buf(),
            entry: entry.to_string(),
            declared,
            actual,
        })
    } else {
        Ok(())
    }
}

fn collect_dir(root: &Path, c: &mut Collection) -> Result<(), PackError> {
    let canon_root = fs::canonicalize(root).map_err(io_err(root))?;
    // Depth-first over (directory, its path relative to the root); order is fixed by sorting
    // each listing and, at the end, the items by path.
    let mut stack: Vec<(PathBuf, String)> = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel_dir)) = stack.pop() {
        let mut entries = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            let file_type = entry.file_type().map_err(io_err(&entry.path()))?;
            entries.push((entry.file_name(), entry.path(), file_type));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (os_name, path, file_type) in entries.into_iter().rev() {
            let name = os_name.to_string_lossy().into_owned();
            let rel = if rel_dir.is_empty() {
                name.clone()
            } else {
                format!("{rel_dir}/{name}")
            };
            if file_type.is_dir() {
                stack.push((path, rel));
                continue;
            }
            if file_type.is_symlink() {
                // Follow a link only to a file inside the input: outside it, the user may not
                // know what would be uploaded; a directory link could loop or double-count.
                match fs::canonicalize(&path) {
                    Err(_) => {
                        c.skipped.push(Skipped {
                            path: rel,
                            reason: "broken symbolic link".into(),
                        });
                        continue;
                    }
                    Ok(target) if !target.starts_with(&canon_root) => {
                        if has_extension(&name, ".wav") {
                            c.problems.push(Problem {
                                kind: ProblemKind::OutsideInput,
                                path: rel,
                                message: format!(
                                    "a symbolic link to {}, outside the input directory; not \
                                     followed, copy the file in instead",
                                    target.display()
                                ),
                            });
                        } else {
                            c.skipped.push(Skipped {
                                path: rel,
                                reason: "symbolic link to outside the input directory".into(),
                            });
                        }
                        continue;
                    }
                    Ok(target) if target.is_dir() => {
                        c.skipped.push(Skipped {
                            path: rel,
                            reason: "symbolic link to a directory, not followed".into(),
                        });
                        continue;
                    }
                    Ok(_) => {}
                }
            } else if !file_type.is_file() {
                c.skipped.push(Skipped {
                    path: rel,
                    reason: "not a regular file".into(),
                });
                continue;
            }
            if let Some(reason) = skip_reason(&name) {
                c.skipped.push(Skipped { path: rel, reason });
                continue;
            }
            let file = File::open(&path).map_err(io_err(&path))?;
            let size = file.metadata().map_err(io_err(&path))?.len();
            match wav::read_header(BufReader::new(file), size) {
                Ok(format) => c.items.push(AudioItem {
                    name,
                    path_in_input: rel,
                    size,
                    format,
                    source: Source::Path(path),
                }),
                Err(WavError::Io(e)) => return Err(io_err(&path)(e)),
                Err(e) => c.problems.push(not_wav(rel, &e)),
            }
        }
    }
    Ok(())
}

fn collect_zip(zip: &Path, rules: &SafetyRules, c: &mut Collection) -> Result<(), PackError> {
    let mut archive = open_zip(zip)?;
    if archive.len() > rules.max_entries {
        return Err(PackError::TooManyEntries {
            path: zip.to_path_buf(),
            count: archive.len(),
            max: rules.max_entries,
        });
    }
    // First every entry's metadata, so a hostile archive is refused before anything is inflated.
    let mut wavs: Vec<(usize, String, u64)> = Vec::new();
    let mut total: u64 = 0;
    for i in 0..archive.len() {
        let name = archive.name_for_index(i).unwrap_or_default().to_string();
        // Checked before the entry is even located: a hostile name is reason enough to stop.
        if escapes(&name) {
            return Err(PackError::ZipSlip {
                path: zip.to_path_buf(),
                entry: name,
            });
        }
        let entry = archive
            .by_index_raw(i)
            .map_err(|source| PackError::BadEntry {
                path: zip.to_path_buf(),
                entry: name.clone(),
                source,
            })?;
        if entry.enclosed_name().is_none() {
            return Err(PackError::ZipSlip {
                path: zip.to_path_buf(),
                entry: name,
            });
        }
        if entry.is_dir() {
            continue;
        }
        if entry.encrypted() {
            return Err(PackError::Encrypted {
                path: zip.to_path_buf(),
                entry: name,
            });
        }
        let (size, compressed) = (entry.size(), entry.compressed_size());
        if size > rules.ratio_exempt_bytes && size / rules.max_ratio.max(1) > compressed {
            return Err(PackError::ZipBomb {
                path: zip.to_path_buf(),
                entry: name,
                size,
                compressed,
                max_ratio: rules.max_ratio,
            });
        }
        total = total.saturating_add(size);
        if total > rules.max_total_bytes {
            return Err(PackError::TotalTooLarge {
                path: zip.to_path_buf(),
                max: rules.max_total_bytes,
            });
        }
        let base = base_name(&name).to_string();
        let reason = if entry.is_symlink() {
            Some("symbolic link entry, not followed".to_string())
        } else if name.starts_with("__MACOSX/") {
            Some("macOS metadata (__MACOSX), not audio".to_string())
        } else {
            skip_reason(&base)
        };
        match reason {
            Some(reason) => c.skipped.push(Skipped { path: name, reason }),
            None => wavs.push((i, name, size)),
        }
    }

    for (i, name, size) in wavs {
        let entry_err = |source| PackError::BadEntry {
            path: zip.to_path_buf(),
            entry: name.clone(),
            source,
        };
        let entry = archive.by_index(i).map_err(entry_err)?;
        // Read the whole entry, never more than it declares plus one byte: this is where a
        // lying size or a bad checksum (checked by the zip reader at the end) comes out.
        let mut counted = Counting {
            inner: entry.take(size + 1),
            count: 0,
        };
        let header = wav::read_header(&mut counted, size);
        io::copy(&mut counted, &mut io::sink()).map_err(|e| entry_err(ZipError::Io(e)))?;
        check_entry_size(zip, &name, size, counted.count)?;
        match header {
            Ok(format) => c.items.push(AudioItem {
                name: base_name(&name).to_string(),
                path_in_input: name,
                size,
                format,
                source: Source::ZipEntry(i),
            }),
            Err(WavError::Io(e)) => return Err(entry_err(ZipError::Io(e))),
            Err(e) => c.problems.push(not_wav(name, &e)),
        }
    }
    Ok(())
}

/// Adds name-rule and duplicate-name problems for the collected items.
fn check_names(c: &mut Collection) {
    let mut by_name: BTreeMap<String, Vec<&AudioItem>> = BTreeMap::new();
    for item in &c.items {
        if let Some(message) = name_rule_violation(&item.name) {
            c.problems.push(Problem {
                kind: ProblemKind::BadName,
                path: item.path_in_input.clone(),
                message,
            });
        }
        by_name
            .entry(item.name.to_lowercase())
            .or_default()
            .push(item);
    }
    for same in by_name.values().filter(|v| v.len() > 1) {
        let paths: Vec<&str> = same.iter().map(|i| i.path_in_input.as_str()).collect();
        c.problems.push(Problem {
            kind: ProblemKind::DuplicateName,
            path: paths[0].to_string(),
            message: format!(
                "\"{}\" is in {} places ({}); the service keys prompts by file name, so one \
                 would silently replace the other: rename or remove all but one",
                same[0].name,
                paths.len(),
                paths.join(", ")
            ),
        });
    }
}

fn not_wav(path: String, e: &WavError) -> Problem {
    Problem {
        kind: ProblemKind::NotWav,
        path,
        message: e.to_string(),
    }
}

/// Why a file that is not a directory is not a prompt, or `None` if it should be one.
fn skip_reason(name: &str) -> Option<String> {
    if name.starts_with("._") {
        // AppleDouble files ("._hello.wav") hold macOS metadata, not audio; Finder puts them in
        // ZIPs and on non-Mac disks next to every file.
        Some("macOS metadata (AppleDouble), not audio".into())
    } else if !has_extension(name, ".wav") {
        Some("not a .wav file".into())
    } else {
        None
    }
}

/// Whether a ZIP entry name would land outside the directory it is extracted into.
fn escapes(name: &str) -> bool {
    let b = name.as_bytes();
    let drive = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':';
    name.starts_with('/')
        || name.starts_with('\\')
        || drive
        || name.contains('\0')
        || name.split(['/', '\\']).any(|part| part == "..")
}

fn base_name(entry: &str) -> &str {
    entry.rsplit(['/', '\\']).next().unwrap_or(entry)
}

fn has_extension(name: &str, ext: &str) -> bool {
    name.len() >= ext.len()
        && name.is_char_boundary(name.len() - ext.len())
        && name[name.len() - ext.len()..].eq_ignore_ascii_case(ext)
}

/// `<stem>.part-NNN.zip`, numbered from 1 and padded to at least 3 digits and to the width of
/// the count, so the parts sort in order.
fn part_name(stem: &str, number: usize, count: usize) -> String {
    let width = count.to_string().len().max(3);
    format!("{stem}.part-{number:0width$}.zip")
}

fn open_zip(path: &Path) -> Result<ZipArchive<BufReader<File>>, PackError> {
    let file = File::open(path).map_err(io_err(path))?;
    ZipArchive::new(BufReader::new(file)).map_err(|source| PackError::BadZip {
        path: path.to_path_buf(),
        source,
    })
}

fn io_err(path: &Path) -> impl Fn(io::Error) -> PackError + '_ {
    move |source| PackError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A reader that counts the bytes it passes on.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wav::testutil::wav_bytes;
    use proptest::prelude::*;
    use std::io::{Cursor, Write};
    use tempfile::TempDir;

    fn put(root: &Path, rel: &str, bytes: &[u8]) -> PathBuf {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, bytes).unwrap();
        path
    }

    /// A ZIP of (name, bytes, deflate?) built with the zip writer.
    fn zip_of(entries: &[(&str, Vec<u8>, bool)]) -> Vec<u8> {
        let mut zw = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes, deflate) in entries {
            let method = if *deflate {
                CompressionMethod::Deflated
            } else {
                CompressionMethod::Stored
            };
            let opts = SimpleFileOptions::default().compression_method(method);
            zw.start_file(*name, opts).unwrap();
            zw.write_all(bytes).unwrap();
        }
        zw.finish().unwrap().into_inner()
    }

    /// Offsets of every occurrence of a 4-byte signature.
    fn find_sig(bytes: &[u8], sig: &[u8; 4]) -> Vec<usize> {
        bytes
            .windows(4)
            .enumerate()
            .filter(|(_, w)| w == sig)
            .map(|(i, _)| i)
            .collect()
    }

    fn collect_zip_bytes(bytes: &[u8]) -> (TempDir, Result<Collection, PackError>) {
        let dir = TempDir::new().unwrap();
        let path = put(dir.path(), "prompts.zip", bytes);
        let got = collect(&path, &SafetyRules::default());
        (dir, got)
    }

    fn item(name: &str, size: u64) -> AudioItem {
        AudioItem {
            name: name.to_string(),
            path_in_input: format!("dir/{name}"),
            size,
            format: wav::parse_header(&wav_bytes(7, 2), 46).unwrap(),
            source: Source::Path(PathBuf::from(name)),
        }
    }

    #[test]
    fn collects_a_nested_directory_in_order() {
        let dir = TempDir::new().unwrap();
        let root = dir.path().join("prompts");
        put(&root, "top.wav", &wav_bytes(7, 100));
        put(&root, "menus/sales/b.WAV", &wav_bytes(1, 50));
        put(&root, "menus/a.wav", &wav_bytes(7, 10));
        put(&root, "menus/notes.txt", b"not audio");
        put(&root, "menus/._a.wav", b"\x00\x05\x16\x07 mac metadata");
        let c = collect(&root, &SafetyRules::default()).unwrap();
        assert_eq!(c.kind, InputKind::Directory);
        let got: Vec<(&str, &str, u64, &str)> = c
            .items
            .iter()
            .map(|i| {
                (
                    i.name.as_str(),
                    i.path_in_input.as_str(),
                    i.size,
                    i.format.codec,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a.wav", "menus/a.wav", 54, "G.711 mu-law"),
                ("b.WAV", "menus/sales/b.WAV", 144, "PCM"),
                ("top.wav", "top.wav", 144, "G.711 mu-law"),
            ]
        );
        assert_eq!(c.items[0].source, Source::Path(root.join("menus/a.wav")));
        let skipped: Vec<(&str, &str)> = c
            .skipped
            .iter()
            .map(|s| (s.path.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                ("menus/._a.wav", "macOS metadata (AppleDouble), not audio"),
                ("menus/notes.txt", "not a .wav file"),
            ]
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
    }

    #[test]
    fn reports_problems_without_failing() {
        let dir = TempDir::new().unwrap();
        let root = dir.path();
        let mut lying = wav_bytes(7, 100);
        lying[40..44].copy_from_slice(&100_000u32.to_le_bytes());
        put(root, "greetings/hello.wav", &wav_bytes(7, 10));
        put(root, "menus/Hello.WAV", &wav_bytes(7, 20));
        put(
            root,
            "fake.wav",
            b"this is a text file, not a recording of anything at all",
        );
        put(root, "lying.wav", &lying);
        put(root, "bad name!.wav", &wav_bytes(7, 10));
        put(root, &format!("{}.wav", "x".repeat(77)), &wav_bytes(7, 10));
        let c = collect(root, &SafetyRules::default()).unwrap();
        let want: Vec<(ProblemKind, &str, &str)> =
            vec![
            (ProblemKind::BadName, "bad name!.wav", "the name contains '!'"),
            (
                ProblemKind::NotWav,
                "fake.wav",
                "not a WAVE file: it starts with \"this is a te\"",
            ),
            (
                ProblemKind::DuplicateName,
                "greetings/hello.wav",
                "\"hello.wav\" is in 2 places (greetings/hello.wav, menus/Hello.WAV); the service \
                 keys prompts by file name",
            ),
            (
                ProblemKind::NotWav,
                "lying.wav",
                "the data chunk claims 100000 bytes but only 100 remain",
            ),
            (ProblemKind::BadName, "xxxxxxxxxx", "the name has 81 characters"),
        ];
        assert_eq!(c.problems.len(), want.len(), "{:#?}", c.problems);
        for (p, (kind, path, msg)) in c.problems.iter().zip(want) {
            assert_eq!(p.kind, kind, "{p:?}");
            assert!(p.path.starts_with(path), "{p:?}");
            assert!(p.message.contains(msg), "{p:?} should contain {msg:?}");
        }
        // Items with name problems are still collected; broken files are not.
        assert_eq!(c.items.len(), 4);
        // write refuses the duplicate even if the caller ignores the problem.
        let plans = plan(&c.items, SERVICE_MAX_ZIP_BYTES).unwrap();
        let err = write(&plans, &c, &dir.path().join("out"), "p").unwrap_err();
        assert!(matches!(err, PackError::DuplicateName { .. }), "{err}");
    }

    #[test]
    fn name_rule() {
        let long = format!("{}.wav", "a".repeat(77));
        let cases: &[(&str, Option<&str>)] = &[
            ("hello.wav", None),
            ("Main Menu_v2-final.WAV", None),
            (&long[1..], None),
            (&long, Some("81 characters")),
            ("héllo.wav", Some("contains 'é'")),
            ("a/b.wav", Some("contains '/'")),
            ("hello.mp3", Some("must end in .wav")),
            (".wav", Some("must end in .wav after")),
        ];
        for (name, want) in cases {
            let got = name_rule_violation(name);
            match (want, &got) {
                (None, None) => {}
                (Some(w), Some(g)) if g.contains(w) => {}
                _ => panic!("{name}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn part_names() {
        for (n, count, want) in [
            (1, 1, "p.part-001.zip"),
            (12, 999, "p.part-012.zip"),
            (7, 1000, "p.part-0007.zip"),
            (12345, 12345, "p.part-12345.zip"),
        ] {
            assert_eq!(part_name("p", n, count), want);
        }
    }

    #[test]
    fn plans_and_writes_exact_deterministic_zips() {
        let dir = TempDir::new().unwrap();
        let root = dir.path().join("in");
        let sizes = [3000, 2500, 2000, 1500, 1000, 999, 10];
        for (k, n) in sizes.iter().enumerate() {
            put(
                &root,
                &format!("f{}/prompt-{k}.wav", k % 3),
                &wav_bytes(7, *n),
            );
        }
        let c = collect(&root, &SafetyRules::default()).unwrap();
        let max = 5000;
        let plans = plan(&c.items, max).unwrap();
        assert!(plans.len() >= 3, "{plans:?}");
        let out1 = write(&plans, &c, &dir.path().join("out1"), "prompts").unwrap();
        let out2 = write(&plans, &c, &dir.path().join("out2"), "prompts").unwrap();
        assert_eq!(out1.len(), plans.len());
        for ((w1, w2), p) in out1.iter().zip(&out2).zip(&plans) {
            let bytes = fs::read(&w1.path).unwrap();
            assert_eq!(bytes, fs::read(&w2.path).unwrap(), "not deterministic");
            // The estimate is exact for stored entries, and within the limit.
            assert_eq!(bytes.len() as u64, p.bytes);
            assert_eq!(w1.bytes, p.bytes);
            assert!(w1.bytes <= max);
            let mut z = ZipArchive::new(Cursor::new(bytes)).unwrap();
            assert_eq!(z.file_names().count(), w1.names.len());
            for name in &w1.names {
                let item = c.items.iter().find(|i| &i.name == name).unwrap();
                let mut got = Vec::new();
                z.by_name(name).unwrap().read_to_end(&mut got).unwrap();
                assert_eq!(got, fs::read(root.join(&item.path_in_input)).unwrap());
            }
        }
        let first = out1[0]
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert_eq!(first, "prompts.part-001.zip");
        // No temporary files left behind.
        assert_eq!(
            fs::read_dir(dir.path().join("out1")).unwrap().count(),
            plans.len()
        );
    }

    #[test]
    fn size_estimate_is_exact_for_any_name_and_empty_input() {
        let dir = TempDir::new().unwrap();
        // Non-ASCII names break the service's rule, but the estimate must still hold if a caller
        // packs them anyway: the zip writer flags UTF-8 names without adding an extra field.
        put(dir.path(), "in/héllo wörld.wav", &wav_bytes(7, 33));
        put(dir.path(), "in/plain.wav", &wav_bytes(1, 5));
        let c = collect(&dir.path().join("in"), &SafetyRules::default()).unwrap();
        let plans = plan(&c.items, 1000).unwrap();
        let out = write(&plans, &c, &dir.path().join("out"), "x").unwrap();
        for (w, p) in out.iter().zip(&plans) {
            assert_eq!(fs::metadata(&w.path).unwrap().len(), p.bytes);
        }

        fs::create_dir(dir.path().join("empty")).unwrap();
        let c = collect(&dir.path().join("empty"), &SafetyRules::default()).unwrap();
        assert!(c.items.is_empty());
        let plans = plan(&c.items, 1000).unwrap();
        assert!(plans.is_empty());
        assert!(write(&plans, &c, &dir.path().join("out2"), "x")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn one_prompt_too_large_is_an_error_naming_it() {
        let dir = TempDir::new().unwrap();
        put(dir.path(), "big/long-menu.wav", &wav_bytes(7, 4000));
        put(dir.path(), "small.wav", &wav_bytes(7, 10));
        let c = collect(dir.path(), &SafetyRules::default()).unwrap();
        let err = plan(&c.items, 2000).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "big/long-menu.wav: 4044 bytes, too large for one ZIP of at most 2000 bytes"
            ),
            "{err}"
        );
    }

    #[test]
    fn reads_and_repacks_a_zip() {
        let a = wav_bytes(7, 300);
        let b = wav_bytes(1, 200);
        let bytes = zip_of(&[
            ("prompts/", vec![], false),
            ("prompts/menus/a.wav", a.clone(), true),
            ("prompts/b.wav", b.clone(), false),
            ("prompts/readme.txt", b"hi".to_vec(), true),
            ("__MACOSX/prompts/._b.wav", b"meta".to_vec(), false),
        ]);
        let (dir, got) = collect_zip_bytes(&bytes);
        let c = got.unwrap();
        assert_eq!(c.kind, InputKind::Zip);
        let names: Vec<(&str, &str)> = c
            .items
            .iter()
            .map(|i| (i.name.as_str(), i.path_in_input.as_str()))
            .collect();
        assert_eq!(
            names,
            [("b.wav", "prompts/b.wav"), ("a.wav", "prompts/menus/a.wav")]
        );
        assert_eq!(c.skipped.len(), 2);
        assert!(c.problems.is_empty());
        let plans = plan(&c.items, SERVICE_MAX_ZIP_BYTES).unwrap();
        let out = write(&plans, &c, &dir.path().join("out"), "prompts").unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].names, ["a.wav", "b.wav"]);
        let mut z = ZipArchive::new(File::open(&out[0].path).unwrap()).unwrap();
        for (name, want) in [("a.wav", &a), ("b.wav", &b)] {
            let mut got = Vec::new();
            z.by_name(name).unwrap().read_to_end(&mut got).unwrap();
            assert_eq!(&got, want);
        }
    }

    #[test]
    fn refuses_zip_slip_entries() {
        for name in [
            "../evil.wav",
            "prompts/../../evil.wav",
            "/etc/evil.wav",
            "\\evil.wav",
            "C:/evil.wav",
            "c:evil.wav",
            "a\\..\\..\\evil.wav",
        ] {
            let bytes = zip_of(&[
                ("ok.wav", wav_bytes(7, 10), false),
                (name, wav_bytes(7, 10), false),
            ]);
            let (_dir, got) = collect_zip_bytes(&bytes);
            let err = got.unwrap_err().to_string();
            assert!(
                err.ends_with(&format!(
                    "prompts.zip: entry \"{name}\" escapes the archive (zip slip); refusing to read it"
                )),
                "{name}: {err}"
            );
        }
    }

    #[test]
    fn refuses_zip_bombs() {
        // 8 MB of silence deflates about 1000:1.
        let bomb = zip_of(&[("silence.wav", vec![0; 8_000_000], true)]);
        let (_dir, got) = collect_zip_bytes(&bomb);
        let err = got.unwrap_err();
        assert!(matches!(err, PackError::ZipBomb { .. }), "{err}");
        assert!(err.to_string().contains("looks like a ZIP bomb"), "{err}");

        // Many modest entries that together declare too much.
        let bytes = zip_of(&[
            ("a.wav", wav_bytes(7, 3000), false),
            ("b.wav", wav_bytes(7, 3000), false),
        ]);
        let dir = TempDir::new().unwrap();
        let path = put(dir.path(), "p.zip", &bytes);
        let rules = SafetyRules {
            max_total_bytes: 5000,
            ..SafetyRules::default()
        };
        let err = collect(&path, &rules).unwrap_err();
        assert!(
            matches!(err, PackError::TotalTooLarge { max: 5000, .. }),
            "{err}"
        );
    }

    #[test]
    fn enforces_declared_sizes_while_reading() {
        // The central directory says 500 bytes; the deflated data holds more.
        let mut bytes = zip_of(&[("a.wav", wav_bytes(7, 1000), true)]);
        let cd = find_sig(&bytes, b"PK\x01\x02")[0];
        bytes[cd + 24..cd + 28].copy_from_slice(&500u32.to_le_bytes());
        let (_dir, got) = collect_zip_bytes(&bytes);
        let err = got.unwrap_err();
        assert!(
            matches!(err, PackError::EntryLonger { declared: 500, .. }),
            "{err}"
        );
        assert!(err
            .to_string()
            .contains("entry \"a.wav\" holds more than the 500 bytes"));
    }

    #[test]
    fn refuses_encrypted_entries() {
        let mut bytes = zip_of(&[("secret.wav", wav_bytes(7, 100), false)]);
        // Set general-purpose bit 0 ("encrypted") in the local and central headers.
        let local = find_sig(&bytes, b"PK\x03\x04")[0];
        bytes[local + 6] |= 1;
        let cd = find_sig(&bytes, b"PK\x01\x02")[0];
        bytes[cd + 8] |= 1;
        let (_dir, got) = collect_zip_bytes(&bytes);
        let err = got.unwrap_err().to_string();
        assert!(
            err.ends_with("prompts.zip: entry \"secret.wav\" is encrypted; re-create the ZIP without a password"),
            "{err}"
        );
    }

    #[test]
    fn truncated_or_corrupt_zips_are_clear_errors() {
        let good = zip_of(&[
            ("a.wav", wav_bytes(7, 500), false),
            ("b.wav", wav_bytes(7, 500), true),
        ]);
        for cut in [0, 10, 22, good.len() / 2, good.len() - 1] {
            let (_dir, got) = collect_zip_bytes(&good[..cut]);
            let err = got.unwrap_err();
            assert!(matches!(err, PackError::BadZip { .. }), "cut {cut}: {err}");
            assert!(err.to_string().contains("not a readable ZIP file"), "{err}");
        }
        // Damaged audio bytes in a stored entry fail the checksum.
        let mut bad = good.clone();
        bad[200] ^= 0xff;
        let (_dir, got) = collect_zip_bytes(&bad);
        let err = got.unwrap_err();
        assert!(matches!(err, PackError::BadEntry { .. }), "{err}");
        assert!(err
            .to_string()
            .starts_with(&format!("{}", _dir.path().join("prompts.zip").display())));
    }

    #[cfg(unix)]
    #[test]
    fn does_not_follow_links_out_of_the_input() {
        let dir = TempDir::new().unwrap();
        let outside = put(dir.path(), "elsewhere/secret.wav", &wav_bytes(7, 10));
        let root = dir.path().join("in");
        let inside = put(&root, "real.wav", &wav_bytes(7, 10));
        std::os::unix::fs::symlink(&outside, root.join("escape.wav")).unwrap();
        std::os::unix::fs::symlink(&inside, root.join("alias.wav")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("loop")).unwrap();
        let c = collect(&root, &SafetyRules::default()).unwrap();
        let names: Vec<&str> = c.items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["alias.wav", "real.wav"]);
        assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
        assert_eq!(c.problems[0].kind, ProblemKind::OutsideInput);
        assert_eq!(c.problems[0].path, "escape.wav");
        assert_eq!(c.skipped.len(), 1, "{:?}", c.skipped);
    }

    #[test]
    fn unsupported_input() {
        let dir = TempDir::new().unwrap();
        let path = put(dir.path(), "prompts.tar", b"x");
        let err = collect(&path, &SafetyRules::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.ends_with("prompts.tar: expected a directory or a .zip file of WAV files"),
            "{err}"
        );
    }

    proptest! {
        #[test]
        fn plan_fits_keeps_everything_once_and_is_deterministic(
            sizes in proptest::collection::vec(0u64..5000, 0..40),
            max in 5200u64..20000,
            seed in any::<u64>(),
        ) {
            let items: Vec<AudioItem> = sizes
                .iter()
                .enumerate()
                .map(|(k, &s)| item(&format!("p{k}.wav"), s))
                .collect();
            let plans = plan(&items, max).unwrap();
            let mut seen = vec![0; items.len()];
            for p in &plans {
                prop_assert!(p.bytes <= max);
                let real: u64 = END_RECORD_BYTES
                    + p.entries.iter().map(|&i| entry_bytes(&items[i].name, items[i].size)).sum::<u64>();
                prop_assert_eq!(real, p.bytes);
                for &i in &p.entries {
                    seen[i] += 1;
                }
            }
            prop_assert!(seen.iter().all(|&n| n == 1));
            // The same items in another order give the same packs, by name.
            let mut shuffled = items.clone();
            let n = shuffled.len();
            for k in (1..n).rev() {
                shuffled.swap(k, (seed.wrapping_mul(k as u64 + 7) % (k as u64 + 1)) as usize);
            }
            let names = |its: &[AudioItem], ps: &[PackPlan]| -> Vec<Vec<String>> {
                ps.iter().map(|p| p.entries.iter().map(|&i| its[i].name.clone()).collect()).collect()
            };
            prop_assert_eq!(names(&items, &plans), names(&shuffled, &plan(&shuffled, max).unwrap()));
        }
    }
}
