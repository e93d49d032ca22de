//! The import journal: what an import planned and how far it got, so that an interrupted import
//! (Ctrl-C, network loss, crash, `--no-wait`, `--timeout`) resumes where it stopped without
//! sending a chunk twice.
//!
//! One JSON file per import in `config::journal_dir()`, named after a hash of the plan (input
//! paths, sizes, modification times, object types, target), beside a directory holding the exact
//! chunk files that were (or will be) sent. It is rewritten atomically after every step, and
//! before a chunk is submitted, so a crash between the request and the write is covered by the
//! chunk's deterministic idempotency key: sending it again returns the job it already created.

use crate::hash::StableHash;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Format version of the journal file; a journal of another version is not resumed.
pub const VERSION: u32 = 1;

/// One import in progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    /// Hash of the plan: the journal's file name.
    pub id: String,
    /// Random, made when the journal is created: keys of a later import of the same unchanged
    /// files differ from this one's (the service keeps keys forever), while a resume of this
    /// import reuses them.
    pub nonce: String,
    /// The service's base URL.
    pub target: String,
    pub inputs: Vec<InputEntry>,
    /// The files the plan was made from, as they were (absolute path; name in an audio folder,
    /// size, modification time): a journal whose input changed since can never be resumed and
    /// is expired ([`Store::expire`]). Empty in journals written before it existed.
    #[serde(default)]
    pub sources: Vec<(String, Vec<FileStat>)>,
}

/// A file of an input as the plan saw it: name in an audio folder (empty for the input
/// itself), size, modification time in ns.
pub type FileStat = (String, u64, u128);

/// A journal untouched for this long is removed, whatever its inputs.
pub const MAX_AGE: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// A journal whose input changed is removed once untouched for this long (a journal being
/// followed by another `bulk import` right now is left alone).
pub const CHANGED_GRACE: std::time::Duration = std::time::Duration::from_secs(3600);

impl Journal {
    /// Records the inputs' fingerprints (see [`Journal::sources`]).
    pub fn set_sources(&mut self, inputs: &[Fingerprint]) {
        self.sources = inputs
            .iter()
            .map(|f| (f.path.clone(), f.files.clone()))
            .collect();
    }

    /// Why the journal can never be resumed, if it cannot: an input changed or is gone.
    fn orphaned(&self) -> Option<String> {
        for (path, files) in &self.sources {
            for (name, size, mtime) in files {
                let p = if name.is_empty() {
                    PathBuf::from(path)
                } else {
                    Path::new(path).join(name)
                };
                let now = std::fs::metadata(&p).ok().map(|m| {
                    let t = m
                        .modified()
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map_or(0, |d| d.as_nanos());
                    (m.len(), t)
                });
                match now {
                    None => return Some(format!("{} is gone", p.display())),
                    Some(n) if n != (*size, *mtime) => {
                        return Some(format!("{} changed since", p.display()))
                    }
                    Some(_) => {}
                }
            }
        }
        None
    }
}

/// One input file (or audio set) of an import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputEntry {
    /// The path as the user gave it (or as found in a directory), for messages.
    pub display: String,
    /// Object type id (`user`, `audio-file`, ...).
    pub object_type: String,
    /// Data rows of the input (for audio: WAV files).
    pub rows: u64,
    /// Rows left out by local validation (`--skip-invalid`).
    pub dropped_rows: u64,
    /// Rows of objects left out because the plan found them unchanged (`--changed-only`).
    #[serde(default)]
    pub unchanged_rows: u64,
    /// Header of the merged error CSV, before `Line` and `Error Message`.
    pub header: Vec<String>,
    /// Where the merged error CSV goes.
    pub errors_out: PathBuf,
    /// Directory (relative to the journal's directory) holding this input's chunks.
    pub dir: String,
    /// Local validation errors kept for the merged error CSV (a CSV in `dir`), if any.
    pub local_errors: Option<String>,
    pub chunks: Vec<ChunkEntry>,
}

/// Where a chunk stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkState {
    /// Not submitted yet (or submitted, but the answer was lost: the key covers that).
    Pending,
    /// A job exists; it may still be running.
    Submitted,
    /// The job ended and its results (error CSV) are downloaded.
    Done,
}

/// One chunk (a CSV, or an audio ZIP) and its job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChunkEntry {
    /// 1-based.
    pub index: u64,
    /// File name in the input's chunk directory.
    pub file: String,
    pub rows: u64,
    /// The Idempotency-Key of its job creation.
    pub key: String,
    /// Input line of every row, as runs `[first line, rows]` (see `chunk::ChunkInfo`).
    #[serde(default)]
    pub row_lines: Vec<(u64, u64)>,
    /// Line of the chunk file -> line of the input, as runs `[chunk line, input line, lines]`
    /// (see `chunk::ChunkInfo::line_map`), so merging maps a job's error lines without reading
    /// the chunk again.
    #[serde(default)]
    pub line_map: Vec<(u64, u64, u64)>,
    /// Hash of the chunk's bytes while it is being planned (then it is in `key`).
    #[serde(skip)]
    pub content_hash: Option<String>,
    pub state: ChunkState,
    #[serde(default)]
    pub job_id: Option<String>,
    /// Final job status, once finished.
    #[serde(default)]
    pub status: Option<crate::api::wire::JobStatus>,
    #[serde(default)]
    pub created: u64,
    #[serde(default)]
    pub updated: u64,
    #[serde(default)]
    pub failed: u64,
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// The job's error CSV, downloaded into the chunk directory, if it had one.
    #[serde(default)]
    pub errors_file: Option<String>,
    /// Rows that succeeded with a warning: (input line, message). Kept in
    /// [`ChunkEntry::warnings_file`], not in the journal, which is rewritten after every step
    /// and would grow with every chunk's warnings (a sandbox warns on every user whose person
    /// it creates: 100,000 users made each rewrite 11 MB, issue 15); read from journals written
    /// before that.
    #[serde(default, skip_serializing)]
    pub warnings: Vec<(u64, String)>,
    /// The JSON file in the input's chunk directory holding [`ChunkEntry::warnings`], if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warnings_file: Option<String>,
}

impl ChunkEntry {
    /// A chunk not submitted yet.
    pub fn pending(index: u64, file: String, rows: u64, row_lines: Vec<(u64, u64)>) -> Self {
        ChunkEntry {
            index,
            file,
            rows,
            key: String::new(),
            row_lines,
            line_map: Vec::new(),
            content_hash: None,
            state: ChunkState::Pending,
            job_id: None,
            status: None,
            created: 0,
            updated: 0,
            failed: 0,
            failure_reason: None,
            errors_file: None,
            warnings: Vec::new(),
            warnings_file: None,
        }
    }

    /// The chunk's warnings: in memory, or read from its warnings file in `dir` (the input's
    /// chunk directory) once a resumed journal no longer holds them.
    pub fn load_warnings(&self, dir: &Path) -> anyhow::Result<Vec<(u64, String)>> {
        match &self.warnings_file {
            Some(name) if self.warnings.is_empty() => {
                let path = dir.join(name);
                let bytes = std::fs::read(&path)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
                serde_json::from_slice(&bytes)
                    .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
            }
            _ => Ok(self.warnings.clone()),
        }
    }

    /// The input line of the chunk's `row`-th data row (1-based).
    pub fn line_of_row(&self, row: u64) -> Option<u64> {
        crate::chunk::line_of_row(&self.row_lines, row)
    }

    /// The input line of a line of the chunk file, from the map the chunker recorded; `None`
    /// for a journal planned before the map existed.
    pub fn input_line(&self, chunk_line: u64) -> Option<u64> {
        crate::chunk::input_line(&self.line_map, chunk_line)
    }
}

/// What identifies an input in the plan hash.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint {
    pub path: String,
    pub object_type: String,
    /// Size and modification time (ns) of the file, or of every file of an audio set.
    pub files: Vec<(String, u64, u128)>,
}

/// The journal id of a plan: a hash of the target, the options that change the plan, and the
/// inputs' fingerprints.
pub fn plan_id(target: &str, options: &str, inputs: &[Fingerprint]) -> String {
    let mut h = StableHash::new();
    h.field(target.as_bytes());
    h.field(options.as_bytes());
    for f in inputs {
        h.field(f.path.as_bytes());
        h.field(f.object_type.as_bytes());
        for (name, size, mtime) in &f.files {
            h.field(name.as_bytes());
            h.field(&size.to_le_bytes());
            h.field(&mtime.to_le_bytes());
        }
    }
    h.hex()
}

/// The Idempotency-Key of chunk `index` (1-based) of input `input` (1-based): the same journal,
/// chunk and bytes always give the same key.
pub fn chunk_key(
    journal_id: &str,
    nonce: &str,
    input: usize,
    index: u64,
    content: &[u8],
) -> String {
    chunk_key_of_hash(journal_id, nonce, input, index, &content_hash(content))
}

/// [`chunk_key`] from the chunk's [`content_hash`], computed while the chunk was written.
pub fn chunk_key_of_hash(
    journal_id: &str,
    nonce: &str,
    input: usize,
    index: u64,
    hash: &str,
) -> String {
    format!(
        "bulk-{}-{}-{input}.{index:04}-{hash}",
        &journal_id[..16.min(journal_id.len())],
        nonce,
    )
}

pub use crate::hash::content_hash;

/// Where journals live, and reading and writing them.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Store { dir: dir.into() }
    }

    /// The journal file of `id`.
    pub fn file(&self, id: &str) -> PathBuf {
        self.dir.join(format!("{id}.json"))
    }

    /// The directory of `id`'s chunk files.
    pub fn chunk_dir(&self, id: &str) -> PathBuf {
        self.dir.join(id)
    }

    /// The journal of `id`, if there is one this version can resume.
    pub fn load(&self, id: &str) -> anyhow::Result<Option<Journal>> {
        let path = self.file(id);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("cannot read {}", path.display())))
            }
        };
        match serde_json::from_slice::<Journal>(&bytes) {
            Ok(mut j) if j.version == VERSION && j.id == id => {
                self.move_warnings_out(&mut j)?;
                Ok(Some(j))
            }
            // An unreadable or foreign journal cannot be resumed; starting over is the only way.
            _ => Ok(None),
        }
    }

    /// A journal written before warnings had their own files holds them inline: they move to
    /// the chunks' warnings files, since the journal is no longer saved with them.
    fn move_warnings_out(&self, j: &mut Journal) -> anyhow::Result<()> {
        let root = self.chunk_dir(&j.id);
        for e in &mut j.inputs {
            for c in &mut e.chunks {
                if c.warnings.is_empty() || c.warnings_file.is_some() {
                    continue;
                }
                let name = format!("{}.warnings.json", c.file);
                let bytes = serde_json::to_vec(&c.warnings)?;
                crate::config::write_private(&root.join(&e.dir).join(&name), &bytes)?;
                c.warnings_file = Some(name);
            }
        }
        Ok(())
    }

    /// Writes the journal atomically (owner-only).
    pub fn save(&self, journal: &Journal) -> anyhow::Result<()> {
        let bytes = serde_json::to_vec_pretty(journal)?;
        crate::config::write_private(&self.file(&journal.id), &bytes)
    }

    /// Removes the journal and its chunks.
    pub fn remove(&self, id: &str) -> anyhow::Result<()> {
        match std::fs::remove_dir_all(self.chunk_dir(id)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        match std::fs::remove_file(self.file(id)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Removes the journals (with their chunk copies) that can never be resumed: untouched for
    /// [`MAX_AGE`], or whose input changed (or is gone) and untouched for [`CHANGED_GRACE`].
    /// `keep` is the journal of the import about to run. Returns what was removed and why,
    /// for the user: nothing disappears silently.
    pub fn expire(&self, keep: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut removed = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else {
                continue;
            };
            if id == keep || !id.chars().all(|c| c.is_ascii_hexdigit()) {
                continue;
            }
            let age = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .unwrap_or_default();
            let Ok(Some(j)) = self.load(id) else {
                continue;
            };
            let why = if age >= MAX_AGE {
                Some(format!("untouched for {} days", age.as_secs() / 86_400))
            } else if age >= CHANGED_GRACE {
                j.orphaned()
            } else {
                None
            };
            let Some(why) = why else {
                continue;
            };
            let names: Vec<&str> = j.inputs.iter().map(|e| e.display.as_str()).collect();
            if self.remove(id).is_ok() {
                removed.push(format!(
                    "removed the unfinished import of {} ({why}; it can no longer be resumed) and its chunk copies",
                    names.join(", ")
                ));
            }
        }
        removed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journal(id: &str) -> Journal {
        Journal {
            version: VERSION,
            id: id.to_string(),
            nonce: "n1".into(),
            target: "http://127.0.0.1:1".into(),
            inputs: vec![InputEntry {
                display: "users.csv".into(),
                object_type: "user".into(),
                rows: 3,
                dropped_rows: 0,
                unchanged_rows: 0,
                header: vec!["Email".into()],
                errors_out: PathBuf::from("users.errors.csv"),
                dir: "1-users".into(),
                local_errors: None,
                chunks: vec![ChunkEntry {
                    key: chunk_key(id, "n1", 1, 1, b"x"),
                    ..ChunkEntry::pending(1, "users.part-001.csv".into(), 3, vec![(2, 2), (5, 1)])
                }],
            }],
            sources: Vec::new(),
        }
    }

    /// Issue 15: warnings live beside the chunk, not in the journal rewritten after every
    /// step; a journal that still holds them inline (written before) keeps them on its next
    /// save, moved to the chunk's warnings file.
    #[test]
    fn warnings_stay_out_of_the_journal_and_inline_ones_move_out_on_load() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("journal"));
        let id = "00000000000000000000000000000002";
        let mut j = journal(id);
        let warned = vec![(2, "the person was created first".to_string())];
        j.inputs[0].chunks[0].warnings = warned.clone();
        store.save(&j).unwrap();
        let text = std::fs::read_to_string(store.file(id)).unwrap();
        assert!(!text.contains("person was created"), "{text}");

        // A journal of the older shape: the warnings inline, no warnings file.
        let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
        old["inputs"][0]["chunks"][0]["warnings"] = serde_json::json!(warned);
        std::fs::write(store.file(id), old.to_string()).unwrap();
        let loaded = store.load(id).unwrap().unwrap();
        let chunk = &loaded.inputs[0].chunks[0];
        let name = chunk.warnings_file.clone().expect("a warnings file");
        store.save(&loaded).unwrap();
        let again = store.load(id).unwrap().unwrap();
        let chunk = &again.inputs[0].chunks[0];
        assert!(chunk.warnings.is_empty());
        assert_eq!(chunk.warnings_file.as_deref(), Some(name.as_str()));
        let files = store.chunk_dir(id).join("1-users");
        assert_eq!(chunk.load_warnings(&files).unwrap(), warned);
    }

    /// Issue 11, item 10: a journal whose input changed is removed (once untouched for the
    /// grace period), one whose input is as it was stays.
    #[test]
    fn journals_of_changed_inputs_expire() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("journal"));
        let input = dir.path().join("users.csv");
        std::fs::write(&input, "Email\na@b.c\n").unwrap();
        let stat = |p: &Path| {
            let m = std::fs::metadata(p).unwrap();
            let t = m
                .modified()
                .unwrap()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            (m.len(), t)
        };
        let (size, mtime) = stat(&input);
        let fp = Fingerprint {
            path: input.display().to_string(),
            object_type: "user".into(),
            files: vec![(String::new(), size, mtime)],
        };
        let id = "00000000000000000000000000000001";
        let mut j = journal(id);
        j.set_sources(std::slice::from_ref(&fp));
        store.save(&j).unwrap();
        std::fs::create_dir_all(store.chunk_dir(id)).unwrap();
        let old = std::time::SystemTime::now() - CHANGED_GRACE * 2;
        let age = |p: &Path| {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap()
        };
        age(&store.file(id));
        assert!(store.expire("other").is_empty(), "its input is unchanged");
        assert!(store.file(id).exists());
        std::fs::write(&input, "Email\na@b.c\nd@e.f\n").unwrap();
        assert!(
            store.expire(id).is_empty(),
            "the journal about to run is kept"
        );
        let said = store.expire("other");
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].contains("users.csv") && said[0].contains("changed"),
            "{said:?}"
        );
        assert!(!store.file(id).exists() && !store.chunk_dir(id).exists());
    }

    #[test]
    fn save_load_remove_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("journal"));
        let id = "0123456789abcdef0123456789abcdef";
        assert_eq!(store.load(id).unwrap(), None);
        let mut j = journal(id);
        store.save(&j).unwrap();
        std::fs::create_dir_all(store.chunk_dir(id)).unwrap();
        std::fs::write(store.chunk_dir(id).join("c.csv"), "a").unwrap();
        assert_eq!(store.load(id).unwrap(), Some(j.clone()));
        j.inputs[0].chunks[0].state = ChunkState::Submitted;
        j.inputs[0].chunks[0].job_id = Some("job-1".into());
        store.save(&j).unwrap();
        assert_eq!(
            store.load(id).unwrap().unwrap().inputs[0].chunks[0].job_id,
            Some("job-1".into())
        );
        store.remove(id).unwrap();
        assert_eq!(store.load(id).unwrap(), None);
        assert!(!store.chunk_dir(id).exists());
        store.remove(id).unwrap(); // removing twice is fine
    }

    #[cfg(unix)]
    #[test]
    fn journal_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        store.save(&journal("abc")).unwrap();
        let mode = std::fs::metadata(store.file("abc"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn foreign_or_broken_journals_are_not_resumed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path());
        std::fs::write(store.file("bad"), "{not json").unwrap();
        assert_eq!(store.load("bad").unwrap(), None);
        let mut j = journal("other");
        j.version = VERSION + 1;
        store.save(&j).unwrap();
        assert_eq!(store.load("other").unwrap(), None);
        // a journal copied under another id's name is not that id's journal
        let j = journal("one");
        let bytes = serde_json::to_vec(&j).unwrap();
        std::fs::write(store.file("two"), bytes).unwrap();
        assert_eq!(store.load("two").unwrap(), None);
    }

    #[test]
    fn plan_id_changes_with_every_part_of_the_plan() {
        let fp = |path: &str, ty: &str, size: u64, mtime: u128| Fingerprint {
            path: path.into(),
            object_type: ty.into(),
            files: vec![(path.into(), size, mtime)],
        };
        let base = plan_id("http://a", "", &[fp("/u.csv", "user", 10, 5)]);
        assert_eq!(
            base,
            plan_id("http://a", "", &[fp("/u.csv", "user", 10, 5)])
        );
        assert_eq!(base.len(), 32);
        for other in [
            plan_id("http://b", "", &[fp("/u.csv", "user", 10, 5)]),
            plan_id("http://a", "skip-invalid", &[fp("/u.csv", "user", 10, 5)]),
            plan_id("http://a", "", &[fp("/v.csv", "user", 10, 5)]),
            plan_id("http://a", "", &[fp("/u.csv", "team", 10, 5)]),
            plan_id("http://a", "", &[fp("/u.csv", "user", 11, 5)]),
            plan_id("http://a", "", &[fp("/u.csv", "user", 10, 6)]),
            plan_id(
                "http://a",
                "",
                &[fp("/u.csv", "user", 10, 5), fp("/t.csv", "team", 1, 1)],
            ),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn chunk_keys_are_deterministic_and_distinct() {
        let k = chunk_key("0123456789abcdef0123", "n", 1, 1, b"Email\r\na@b.c\r\n");
        assert_eq!(
            k,
            chunk_key("0123456789abcdef0123", "n", 1, 1, b"Email\r\na@b.c\r\n")
        );
        assert!(k.len() <= 200 && k.is_ascii());
        assert_ne!(
            k,
            chunk_key("0123456789abcdef0123", "n", 1, 2, b"Email\r\na@b.c\r\n")
        );
        assert_ne!(
            k,
            chunk_key("0123456789abcdef0123", "m", 1, 1, b"Email\r\na@b.c\r\n")
        );
        assert_ne!(
            k,
            chunk_key("0123456789abcdef0123", "n", 1, 1, b"Email\r\na@b.d\r\n")
        );
        assert_ne!(
            k,
            chunk_key("ffff456789abcdef0123", "n", 1, 1, b"Email\r\na@b.c\r\n")
        );
        assert_ne!(
            k,
            chunk_key("0123456789abcdef0123", "n", 2, 1, b"Email\r\na@b.c\r\n")
        );
        // pinned: the key must not change between versions of bulk, or a resume would duplicate
        assert_eq!(
            content_hash(b""),
            "cbf29ce484222325".to_string() + "6c62272e07bb0142"
        );
    }

    #[test]
    fn rows_map_to_input_lines() {
        let j = journal("x");
        let c = &j.inputs[0].chunks[0];
        assert_eq!(c.line_of_row(0), None);
        assert_eq!(c.line_of_row(1), Some(2));
        assert_eq!(c.line_of_row(2), Some(3));
        assert_eq!(c.line_of_row(3), Some(5));
        assert_eq!(c.line_of_row(4), None);
    }
}
