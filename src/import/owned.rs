//! Error files this tool wrote, by content hash, so that a file the admin edited in place is
//! never overwritten: the next import writes `users.errors-2.csv` beside it and says so.
//!
//! The record is `error-files.json` in the data directory: absolute path -> hash of the bytes
//! written. A file that exists but is not in the record, or whose bytes changed since, is the
//! admin's.

use crate::hash::content_hash;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn record_path() -> PathBuf {
    crate::config::data_dir().join("error-files.json")
}

fn load() -> BTreeMap<String, String> {
    std::fs::read(record_path())
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The absolute form of `path` (its directory resolved), the record's key.
fn key(path: &Path) -> String {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
    dir.join(path.file_name().unwrap_or_default())
        .display()
        .to_string()
}

/// Whether `path` may be written: it does not exist, or holds exactly what this tool wrote.
pub fn is_replaceable(path: &Path) -> bool {
    // A symbolic link is never ours to replace, whatever it points to.
    if is_symlink(path) {
        return false;
    }
    let Ok(bytes) = std::fs::read(path) else {
        return !path.exists();
    };
    load().get(&key(path)) == Some(&content_hash(&bytes))
}

/// Whether a file can be created at `path`: a temporary file is created in its folder and
/// removed. Run before any job is submitted, so that an unwritable error file is found before
/// the work, not after it (issue 11).
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    if path.as_os_str().is_empty() {
        return Ok(());
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".bulk-check-")
        .tempfile_in(dir)
        .map(drop)
}

/// Whether `path` itself is a symbolic link (not followed).
pub fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Notes that this tool has just written `path`. A failure to record is not an error: at worst
/// the next run keeps the file and writes another beside it.
pub fn record(path: &Path) {
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let mut all = load();
    all.insert(key(path), content_hash(&bytes));
    if let Ok(json) = serde_json::to_vec_pretty(&all) {
        let _ = std::fs::create_dir_all(crate::config::data_dir());
        let tmp = record_path().with_extension("json.tmp");
        if std::fs::write(&tmp, json).is_ok() {
            let _ = std::fs::rename(&tmp, record_path());
        }
    }
}

/// Where to write an error file meant for `wanted`: `wanted` itself when it is replaceable,
/// else the first replaceable `<stem>-N.<ext>` beside it (N = 2, 3, ...), with `true` to say
/// the admin's file was kept.
pub fn choose(wanted: &Path) -> (PathBuf, bool) {
    if is_replaceable(wanted) {
        return (wanted.to_path_buf(), false);
    }
    let stem = wanted
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let ext = wanted
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    let mut n = 2;
    loop {
        let candidate = wanted.with_file_name(format!("{stem}-{n}{ext}"));
        if is_replaceable(&candidate) {
            return (candidate, true);
        }
        n += 1;
    }
}
