//! Turning the paths on the command line into a journal: which inputs, in which order, checked
//! locally and cut into the exact chunk files that will be sent.

use super::reporter::ImportReporter;
use crate::api::wire::Limits;
use crate::chunk::{self, SplitError, SplitSettings};
use crate::error::Failure;
use crate::errors_csv::{self, file_name as errors_file_name};
use crate::import::journal::{self, ChunkEntry, Fingerprint, InputEntry, Journal};
use crate::input::typed::{open_csv, Opened};
use crate::input::InputOptions;
use crate::pack::{self, Collection, PackError, SafetyRules};
use crate::schema::{find_type, registry, FileKind, ObjectType};
use crate::validate::{validate, BadRecord, Settings, Validation};
use anyhow::Context;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One input to import: a CSV, or a set of WAV files (a directory or a ZIP).
pub struct Input {
    pub path: PathBuf,
    pub display: String,
    /// The path its error file is named after: the input itself, or for an entry of a ZIP of
    /// CSVs the entry's name beside the ZIP.
    pub errors_at: PathBuf,
    pub object: &'static ObjectType,
    pub body: Body,
    /// `--changed-only`: the lines of the objects the plan found unchanged (left out).
    pub unchanged: Option<std::collections::BTreeSet<u64>>,
}

pub enum Body {
    Csv(Opened),
    Audio(Collection),
}

/// The inputs named by `paths`, directories expanded, in dependency order (sites before teams
/// before users; the order given otherwise).
pub fn resolve(
    paths: &[PathBuf],
    given_type: Option<&str>,
    opts: &InputOptions,
    include_errors: bool,
    skipped: &mut Vec<Skipped>,
) -> anyhow::Result<Vec<Input>> {
    let given_object = given_type.map(find_type).transpose()?;
    let audio_given = given_object.is_some_and(|t| t.file == FileKind::Zip);
    let mut inputs = Vec::new();
    for path in paths {
        if path.is_dir() {
            if !audio_given {
                for csv in csv_files(path, include_errors, skipped)? {
                    inputs.push(open_input(&csv, given_type, opts)?);
                }
            }
            if audio_given || has_wav(path)? {
                inputs.push(audio_input(path)?);
            }
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
        {
            match zip_kind(path)? {
                ZipKind::Csv(entries) if !audio_given => {
                    for entry in entries {
                        inputs.push(zip_csv_input(path, &entry, given_type, opts)?);
                    }
                }
                ZipKind::Csv(_) => {
                    return Err(Failure::usage(format!(
                        "{} holds CSV files, not WAV files: --type {} does not fit it",
                        path.display(),
                        given_type.unwrap_or_default()
                    ))
                    .into())
                }
                ZipKind::Audio if given_object.is_some() && !audio_given => {
                    return Err(Failure::usage(format!(
                        "{} holds WAV files, not CSV files: --type {} does not fit it (audio is --type audio-file)",
                        path.display(),
                        given_type.unwrap_or_default()
                    ))
                    .into())
                }
                ZipKind::Audio => inputs.push(audio_input(path)?),
            }
        } else if audio_given {
            inputs.push(audio_input(path)?);
        } else {
            inputs.push(open_input(path, given_type, opts)?);
        }
    }
    if inputs.is_empty() {
        return Err(Failure::usage(format!(
            "nothing to import in {}: no CSV or WAV files",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into());
    }
    let r = registry();
    inputs.sort_by_key(|i| r.import_rank(&i.object.id));
    Ok(inputs)
}

fn open_input(path: &Path, given: Option<&str>, opts: &InputOptions) -> anyhow::Result<Input> {
    let opened = open_csv(path, given, opts)?;
    Ok(Input {
        path: path.to_path_buf(),
        display: path.display().to_string(),
        errors_at: path.to_path_buf(),
        object: opened.detected.object,
        body: Body::Csv(opened),
        unchanged: None,
    })
}

/// What a ZIP given to import holds: CSV files (an export of more than 5000 records; their
/// names, in entry order), or WAV files (an audio set). Both at once is refused.
enum ZipKind {
    Csv(Vec<String>),
    Audio,
}

fn zip_kind(path: &Path) -> anyhow::Result<ZipKind> {
    let f = std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    let archive = zip::ZipArchive::new(std::io::BufReader::new(f))
        .map_err(|e| Failure::invalid(format!("{}: not a readable ZIP: {e}", path.display())))?;
    let names: Vec<String> = archive
        .file_names()
        .filter(|n| !n.ends_with('/'))
        .map(str::to_string)
        .collect();
    let is = |n: &str, ext: &str| n.to_ascii_lowercase().ends_with(ext);
    let csv = names.iter().filter(|n| is(n, ".csv")).count();
    let wav = names.iter().filter(|n| is(n, ".wav")).count();
    if csv > 0 && wav > 0 {
        return Err(Failure::usage(format!(
            "{} holds both CSV files ({csv}) and WAV files ({wav}); import them apart: a ZIP of CSVs (as `bulk export` writes) or a ZIP of WAVs",
            path.display()
        ))
        .into());
    }
    if csv == 0 {
        return Ok(ZipKind::Audio);
    }
    // Entries in the archive's order (the order of the export's files).
    let mut ordered = Vec::new();
    let mut archive = archive;
    for i in 0..archive.len() {
        let e = archive.by_index(i)?;
        let n = e.name().to_string();
        if is(&n, ".csv") {
            ordered.push(n);
        }
    }
    Ok(ZipKind::Csv(ordered))
}

/// One CSV of a ZIP, copied once into the data directory (keyed by the ZIP's content, so that a
/// resumed import finds the same files) and named `user.zip:user_2.csv` in messages.
fn zip_csv_input(
    zip_path: &Path,
    entry: &str,
    given: Option<&str>,
    opts: &InputOptions,
) -> anyhow::Result<Input> {
    let bytes =
        std::fs::read(zip_path).with_context(|| format!("cannot read {}", zip_path.display()))?;
    let dir = crate::config::data_dir()
        .join("zip-inputs")
        .join(crate::hash::content_hash(&bytes));
    let base = Path::new(entry)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "entry.csv".into());
    let extracted = dir.join(&base);
    if !extracted.exists() {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(&bytes))?;
        let mut f = archive.by_name(entry)?;
        let tmp = dir.join(format!(".{base}.tmp"));
        let mut out = std::fs::File::create(&tmp)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        std::io::copy(&mut f, &mut out)
            .with_context(|| format!("cannot write {}", tmp.display()))?;
        drop(out);
        std::fs::rename(&tmp, &extracted)?;
    }
    let display = format!("{}:{entry}", zip_path.display());
    let mut opened = open_csv(&extracted, given, opts)?;
    opened.source.display = display.clone();
    Ok(Input {
        path: extracted,
        display,
        errors_at: zip_path.with_file_name(&base),
        object: opened.detected.object,
        body: Body::Csv(opened),
        unchanged: None,
    })
}

fn audio_input(path: &Path) -> anyhow::Result<Input> {
    let collection = pack::collect(path, &SafetyRules::default()).map_err(pack_failure)?;
    Ok(Input {
        path: path.to_path_buf(),
        display: path.display().to_string(),
        errors_at: path.to_path_buf(),
        object: crate::schema::audio_type(),
        body: Body::Audio(collection),
        unchanged: None,
    })
}

fn pack_failure(e: PackError) -> anyhow::Error {
    match e {
        PackError::Io { .. } | PackError::WriteZip { .. } => anyhow::Error::new(e),
        other => Failure::invalid(other.to_string()).into(),
    }
}

/// A file of a directory that an import leaves out, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub why: String,
    /// An error file of an earlier import: the admin may well want it.
    pub error_file: bool,
}

/// The CSV files directly in `dir`, by name. Error files of earlier imports are left out unless
/// `include_errors`; what is left out (but WAV files, the audio set's) goes to `skipped`.
fn csv_files(
    dir: &Path,
    include_errors: bool,
    skipped: &mut Vec<Skipped>,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut left = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let is_errors = name.ends_with(".errors.csv") || is_numbered_errors(&name);
        if path.is_dir() {
            if !has_wav(&path)? {
                left.push(Skipped {
                    why: "a directory: only the files directly in the one given are imported"
                        .into(),
                    path,
                    error_file: false,
                });
            }
        } else if name.ends_with(".csv") && (!is_errors || include_errors) {
            out.push(path);
        } else if is_errors {
            left.push(Skipped {
                why: format!(
                    "the error file of an earlier import: once fixed, `bulk import {}` imports it (or pass --include-errors)",
                    path.display()
                ),
                path,
                error_file: true,
            });
        } else if !name.ends_with(".wav") {
            left.push(Skipped {
                why: "not a CSV or WAV file".into(),
                path,
                error_file: false,
            });
        }
    }
    out.sort();
    left.sort_by(|a, b| a.path.cmp(&b.path));
    skipped.extend(left);
    Ok(out)
}

/// `users.errors-2.csv`: an error file written beside one the admin edited.
fn is_numbered_errors(name: &str) -> bool {
    name.strip_suffix(".csv")
        .and_then(|s| s.rsplit_once(".errors-"))
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `dir` holds a `.wav` file anywhere below it.
fn has_wav(dir: &Path) -> anyhow::Result<bool> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        let ft = entry.file_type()?;
        if ft.is_dir() && has_wav(&path)? {
            return Ok(true);
        }
        if ft.is_file()
            && path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("wav"))
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// What identifies an input for the journal id: its path, type, and the size and time of
/// every file it reads.
pub fn fingerprint(input: &Input) -> anyhow::Result<Fingerprint> {
    let stat = |p: &Path| -> anyhow::Result<(u64, u128)> {
        let m = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        let mtime = m
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        Ok((m.len(), mtime))
    };
    let abs = std::path::absolute(&input.path).unwrap_or_else(|_| input.path.clone());
    let mut files = Vec::new();
    match &input.body {
        Body::Csv(_) => {
            let (size, mtime) = stat(&input.path)?;
            files.push((String::new(), size, mtime));
        }
        Body::Audio(c) if input.path.is_dir() => {
            for item in &c.items {
                let (size, mtime) = stat(&input.path.join(&item.path_in_input))?;
                files.push((item.path_in_input.clone(), size, mtime));
            }
        }
        Body::Audio(_) => {
            let (size, mtime) = stat(&input.path)?;
            files.push((String::new(), size, mtime));
        }
    }
    Ok(Fingerprint {
        path: abs.display().to_string(),
        object_type: input.object.id.clone(),
        files,
    })
}

/// Where an input's merged error CSV goes.
pub fn errors_out(input: &Path, given: Option<&Path>, several: bool) -> PathBuf {
    match given {
        Some(p) if several => p.join(errors_file_name(input)),
        Some(p) => p.to_path_buf(),
        None => input
            .parent()
            .unwrap_or(Path::new(""))
            .join(errors_file_name(input)),
    }
}

/// An input that failed local validation (nothing will be sent).
pub struct Invalid {
    pub validation: Validation,
    pub errors_out: PathBuf,
}

/// The checked inputs: either all fit to send (with `--skip-invalid`: their valid rows), or the
/// invalid ones.
pub enum Checked {
    Ok(Vec<Ready>),
    Invalid(Vec<Invalid>),
}

/// An input fit to send.
pub struct Ready {
    pub input: Input,
    /// Every CSV input's validation (`None` for audio sets).
    pub validation: Option<Validation>,
    /// Its chunks, cut while it was validated, when that was the cut the import needs.
    presplit: Option<Presplit>,
}

/// Chunks cut alongside validation (see [`check`]), in a directory of the journal's, moved into
/// place by [`build`].
struct Presplit {
    dir: PathBuf,
    manifest: chunk::Manifest,
}

/// Where `check` cuts input `k` while validating it.
fn presplit_dir(chunk_root: &Path, k: usize) -> PathBuf {
    chunk_root.join(format!(".presplit-{}", k + 1))
}

/// The chunker's settings for the service's limits.
fn split_settings(limits: &Limits, out_dir: &Path, stem: &str) -> SplitSettings {
    SplitSettings {
        max_rows: limits.max_rows,
        max_bytes: limits.max_bytes,
        out_dir: Some(out_dir.to_path_buf()),
        stem: stem.to_string(),
        block_size: 1 << 20,
    }
}

fn stem_of(input: &Input) -> String {
    input
        .path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "input".into())
}

/// Validates every CSV input with the service's limits; audio sets are checked by `collect`.
///
/// With `chunk_root` (an import, not a plan), a CSV input whose chunks do not depend on what
/// validation finds (one row per object, every row sent) is cut into chunks under it on a
/// second thread while it is validated, so that the first chunk is ready when the file is known
/// valid (issue 15); the cut is thrown away when the file is not valid. Nothing is sent here.
pub fn check(
    inputs: Vec<Input>,
    limits: &Limits,
    skip_invalid: bool,
    errors_out_of: &dyn Fn(&Path) -> PathBuf,
    reporter: &dyn ImportReporter,
    chunk_root: Option<&Path>,
) -> anyhow::Result<Checked> {
    let settings = validate_settings(limits);
    let mut ok = Vec::new();
    let mut invalid = Vec::new();
    let mut empty = Vec::new();
    for (k, input) in inputs.into_iter().enumerate() {
        let mut presplit = None;
        let validation = match &input.body {
            Body::Csv(o) => {
                let ahead = chunk_root
                    .filter(|_| !input.object.is_multi_row() && input.unchanged.is_none())
                    .map(|root| presplit_dir(root, k));
                if let Some(dir) = &ahead {
                    remove_dir(dir)?;
                    crate::fsutil::create_private_dir(dir)?;
                }
                reporter.reading_started(&format!("validating {}", input.display), o.source.len);
                let (v, split) = std::thread::scope(|scope| {
                    let split = ahead.as_ref().map(|dir| {
                        let settings = split_settings(limits, dir, &stem_of(&input));
                        let id = &input.object.id;
                        scope.spawn(move || {
                            chunk::split(&o.source, Some(id), None, &settings, &|_| {})
                        })
                    });
                    let v = validate(
                        &o.source,
                        o.detected.object,
                        o.detected.from,
                        &settings,
                        &|done| reporter.reading_progressed(done),
                    );
                    (v, split.map(|h| h.join()))
                });
                reporter.reading_done();
                let v = v?;
                // A cut is kept only for a valid file: it is what `build` would cut.
                match (ahead, split) {
                    (Some(dir), Some(Ok(Ok(manifest)))) if v.report.is_valid() => {
                        presplit = Some(Presplit { dir, manifest });
                    }
                    (Some(dir), _) => remove_dir(&dir)?,
                    _ => {}
                }
                Some(v)
            }
            Body::Audio(c) => {
                if !c.problems.is_empty() {
                    for p in &c.problems {
                        reporter.problem(&format!("{}: {}", p.path, p.message));
                    }
                    return Err(Failure::invalid(format!(
                        "{}: {} problem{} with the WAV files; nothing was sent",
                        input.display,
                        c.problems.len(),
                        if c.problems.len() == 1 { "" } else { "s" }
                    ))
                    .into());
                }
                None
            }
        };
        match validation {
            Some(v) if !v.report.is_valid() && (!skip_invalid || has_file_problem(&v)?) => {
                invalid.push(Invalid {
                    errors_out: errors_out_of(&input.errors_at),
                    validation: v,
                });
            }
            Some(v) if sendable_rows(&v, skip_invalid) == 0 => {
                if let Some(p) = presplit.take() {
                    remove_dir(&p.dir)?;
                }
                empty.push(input.display.clone());
                reporter.warning(&format!(
                    "{}: nothing to import: {}; skipped",
                    input.display,
                    why_empty(&v)
                ));
            }
            validation => ok.push(Ready {
                input,
                validation,
                presplit,
            }),
        }
    }
    if !invalid.is_empty() {
        for r in &mut ok {
            if let Some(p) = r.presplit.take() {
                remove_dir(&p.dir)?;
            }
        }
    }
    if ok.is_empty() && invalid.is_empty() {
        return Err(Failure::invalid(format!(
            "nothing to import: {} {} no rows to send",
            empty.join(", "),
            if empty.len() == 1 { "has" } else { "have" }
        ))
        .into());
    }
    Ok(if invalid.is_empty() {
        Checked::Ok(ok)
    } else {
        Checked::Invalid(invalid)
    })
}

/// Removes a directory of ours and what it holds, if it exists.
fn remove_dir(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(anyhow::Error::new(e).context(format!("cannot remove {}", dir.display())))
        }
        _ => Ok(()),
    }
}

/// The rows an import of this input would send.
fn sendable_rows(v: &Validation, skip_invalid: bool) -> u64 {
    let r = &v.report;
    if skip_invalid {
        r.rows.saturating_sub(r.invalid_rows)
    } else {
        r.rows
    }
}

fn why_empty(v: &Validation) -> &'static str {
    if v.report.rows == 0 {
        "the file has a header but no data rows"
    } else {
        "every row is invalid"
    }
}

fn validate_settings(limits: &Limits) -> Settings {
    Settings {
        max_rows: limits.max_rows as usize,
        max_bytes: limits.max_bytes,
        ..Settings::default()
    }
}

/// Whether the file as a whole is unusable (header or encoding), which no skipping can fix.
fn has_file_problem(v: &Validation) -> anyhow::Result<bool> {
    // Bad records come in line order: file-level problems (line 1) come first.
    match v.bad_records()?.next() {
        Some(b) => {
            let b = b?;
            Ok(b.line <= 1 || b.issues.iter().any(|i| i.kind.is_file_level()))
        }
        None => Ok(false),
    }
}

/// Writes the error CSV of an invalid input (as `bulk validate --errors-out` does).
pub fn write_invalid(inv: &Invalid) -> anyhow::Result<()> {
    inv.validation.write_error_csv(&inv.errors_out)?;
    super::owned::record(&inv.errors_out);
    Ok(())
}

/// Builds a new journal: chunk files (and audio ZIPs) in the journal's directory, and keys.
pub fn build(
    id: &str,
    target: &str,
    checked: Vec<Ready>,
    limits: &Limits,
    chunk_root: &Path,
    errors_out_of: &dyn Fn(&Path) -> PathBuf,
    reporter: &dyn ImportReporter,
) -> anyhow::Result<Journal> {
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let mut inputs = Vec::new();
    for (n, ready) in checked.into_iter().enumerate() {
        let Ready {
            input,
            validation,
            presplit,
        } = ready;
        let stem = stem_of(&input);
        let dir = format!("{}-{}", n + 1, sanitize(&stem));
        let out_dir = chunk_root.join(&dir);
        // Left by a planning that crashed: no journal names it.
        remove_dir(&out_dir)?;
        let presplit = match presplit {
            Some(p) => {
                std::fs::rename(&p.dir, &out_dir).with_context(|| {
                    format!("cannot move {} to {}", p.dir.display(), out_dir.display())
                })?;
                Some(p.manifest)
            }
            None => {
                crate::fsutil::create_private_dir(&out_dir)?;
                None
            }
        };
        let entry = match (&input.body, validation) {
            (Body::Csv(opened), Some(v)) => csv_entry(
                &input, opened, &v, presplit, limits, &out_dir, &dir, &stem, reporter,
            )?,
            (Body::Audio(c), _) => audio_entry(&input, c, limits, &out_dir, &dir, &stem)?,
            (Body::Csv(_), None) => unreachable!("every CSV is validated"),
        };
        let mut entry = entry;
        entry.errors_out = errors_out_of(&input.errors_at);
        for c in &mut entry.chunks {
            c.key = match c.content_hash.take() {
                // A CSV chunk was hashed as it was written.
                Some(hash) => journal::chunk_key_of_hash(id, &nonce, n + 1, c.index, &hash),
                None => {
                    let bytes = std::fs::read(out_dir.join(&c.file))
                        .with_context(|| format!("cannot read chunk {}", c.file))?;
                    journal::chunk_key(id, &nonce, n + 1, c.index, &bytes)
                }
            };
        }
        inputs.push(entry);
    }
    Ok(Journal {
        version: journal::VERSION,
        id: id.to_string(),
        nonce,
        target: target.to_string(),
        inputs,
        sources: Vec::new(),
    })
}

fn sanitize(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn csv_entry(
    input: &Input,
    opened: &Opened,
    v: &Validation,
    presplit: Option<chunk::Manifest>,
    limits: &Limits,
    out_dir: &Path,
    dir: &str,
    stem: &str,
    reporter: &dyn ImportReporter,
) -> anyhow::Result<InputEntry> {
    let settings = split_settings(limits, out_dir, stem);
    let group = v.identity().filter(|_| input.object.is_multi_row());
    let split_failure = |e: SplitError| match e {
        SplitError::Io { .. } => anyhow::Error::new(e),
        other => Failure::invalid(other.to_string()).into(),
    };
    let mut local_errors = None;
    let mut dropped_rows = 0;
    let mut unchanged_rows = 0;
    let manifest = if let Some(manifest) = presplit {
        manifest
    } else if let Some(lines) = input.unchanged.as_ref().filter(|_| v.report.is_valid()) {
        // --changed-only: the objects the plan found unchanged are left out, counted.
        let mut leave = LeaveUnchanged { lines, rows: 0 };
        let manifest = chunk::split_skipping(
            &opened.source,
            Some(&input.object.id),
            group,
            Some(&mut leave),
            &settings,
            &|_| {},
        )
        .map_err(split_failure)?;
        unchanged_rows = leave.rows;
        manifest
    } else if v.report.is_valid() {
        chunk::split(
            &opened.source,
            Some(&input.object.id),
            group,
            &settings,
            &|_| {},
        )
        .map_err(split_failure)?
    } else {
        // --skip-invalid: the rows validation found bad are left out as the chunks are cut.
        let mut leave_out = LeaveOut::new(v)?;
        let manifest = chunk::split_skipping(
            &opened.source,
            Some(&input.object.id),
            group,
            Some(&mut leave_out),
            &settings,
            &|_| {},
        )
        .map_err(split_failure)?;
        let dropped = leave_out.write(&out_dir.join("local.errors.csv"))?;
        dropped_rows = dropped.rows;
        let groups = if dropped.group_rows > 0 {
            format!(
                ", and {} valid row{} of the same objects (an object is sent whole or not at all)",
                dropped.group_rows,
                if dropped.group_rows == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        reporter.warning(&format!(
            "{}: --skip-invalid: leaving out {} invalid row{}{groups}; they go to the error file",
            input.display,
            v.report.invalid_rows,
            if v.report.invalid_rows == 1 { "" } else { "s" }
        ));
        local_errors = Some("local.errors.csv".to_string());
        manifest
    };
    let chunks = manifest
        .chunks
        .into_iter()
        .filter(|c| c.rows > 0)
        .map(|c| ChunkEntry {
            line_map: c.line_map,
            content_hash: c.content_hash,
            ..ChunkEntry::pending(c.index, c.file, c.rows, c.row_lines)
        })
        .collect();
    Ok(InputEntry {
        display: input.display.clone(),
        object_type: input.object.id.clone(),
        rows: v.report.rows,
        dropped_rows,
        unchanged_rows,
        header: v.report.header.clone(),
        errors_out: PathBuf::new(),
        dir: dir.to_string(),
        local_errors,
        chunks,
    })
}

fn audio_entry(
    input: &Input,
    c: &Collection,
    limits: &Limits,
    out_dir: &Path,
    dir: &str,
    stem: &str,
) -> anyhow::Result<InputEntry> {
    let plans = pack::plan(&c.items, limits.max_zip_bytes).map_err(pack_failure)?;
    let written = pack::write(&plans, c, out_dir, stem).map_err(pack_failure)?;
    let chunks = written
        .into_iter()
        .enumerate()
        .map(|(i, w)| {
            let file = w
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            ChunkEntry::pending(i as u64 + 1, file, w.names.len() as u64, Vec::new())
        })
        .collect();
    Ok(InputEntry {
        display: input.display.clone(),
        object_type: input.object.id.clone(),
        rows: c.items.len() as u64,
        dropped_rows: 0,
        unchanged_rows: 0,
        header: Vec::new(),
        errors_out: PathBuf::new(),
        dir: dir.to_string(),
        local_errors: None,
        chunks,
    })
}

/// `--changed-only` as the chunker sees it: the rows of unchanged objects are left out and
/// counted (a multi-row object's lines are all in `lines`, so it is left out whole).
struct LeaveUnchanged<'a> {
    lines: &'a std::collections::BTreeSet<u64>,
    rows: u64,
}

impl chunk::Skip for LeaveUnchanged<'_> {
    fn is_bad(&self, line: u64) -> bool {
        self.lines.contains(&line)
    }

    fn left_out(&mut self, _line: u64, _record: &[u8], _first: u64) -> std::io::Result<()> {
        self.rows += 1;
        Ok(())
    }
}

/// What `--skip-invalid` left out.
struct Dropped {
    /// All rows left out.
    rows: u64,
    /// Valid rows left out because another row of their object is invalid.
    group_rows: u64,
}

/// `--skip-invalid` as the chunker sees it: the bad rows validation recorded (read from its
/// log, not from the input), and the rows left out, each with its own values and the reason.
struct LeaveOut<'a> {
    validation: &'a Validation,
    bad: BTreeMap<u64, BadRecord>,
    left_out: Vec<(u64, Vec<String>, String)>,
    group_rows: u64,
}

impl<'a> LeaveOut<'a> {
    fn new(validation: &'a Validation) -> anyhow::Result<Self> {
        let mut bad = BTreeMap::new();
        for b in validation.bad_records()? {
            let b = b?;
            if b.line > 1 {
                bad.insert(b.line, b);
            }
        }
        Ok(LeaveOut {
            validation,
            bad,
            left_out: Vec::new(),
            group_rows: 0,
        })
    }

    /// Writes the rows left out to `errors` (the error CSV format, lines of the input).
    fn write(self, errors: &Path) -> anyhow::Result<Dropped> {
        // Problems not tied to a record start (none expected) still reach the error file.
        let mut rows: Vec<(u64, Vec<String>, String)> = self
            .bad
            .into_values()
            .map(|b| {
                let m = b.message();
                (b.line, b.fields, m)
            })
            .chain(self.left_out)
            .collect();
        rows.sort_by_key(|r| r.0);
        let header = self.validation.report.header.iter();
        let mut w = errors_csv::create(errors, header.map(|h| h.as_bytes()))?;
        for (line, fields, message) in &rows {
            w.row(fields.iter().map(|f| f.as_bytes()), *line, message)?;
        }
        w.commit()?;
        Ok(Dropped {
            rows: rows.len() as u64,
            group_rows: self.group_rows,
        })
    }
}

impl chunk::Skip for LeaveOut<'_> {
    fn is_bad(&self, line: u64) -> bool {
        self.bad.contains_key(&line)
    }

    fn left_out(&mut self, line: u64, record: &[u8], first_bad: u64) -> std::io::Result<()> {
        // The row's own values: an object-level problem comes with none.
        let values = self.validation.row_values(record);
        let message = match self.bad.remove(&line) {
            Some(own) => own.message(),
            None => {
                self.group_rows += 1;
                format!(
                    "another row of the same object (line {first_bad}) is invalid; the object was not sent"
                )
            }
        };
        self.left_out.push((line, values, message));
        Ok(())
    }
}
