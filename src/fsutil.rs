//! Writing files safely: private files and folders get their restrictive mode from the first
//! byte (never created with the umask and narrowed afterwards, which leaves a window another
//! local user can open the file in), and output files are written to a new temporary file beside
//! the target and renamed over it, so that a symlink planted at the target's name is never
//! followed.

use anyhow::Context as _;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// A file deleted, if it is still there, when this is dropped.
pub struct RemoveOnDrop(pub PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Creates `dir` (and its missing parents) readable by its owner only (0700 on Unix). An existing
/// `dir` is narrowed to 0700 too: it holds secrets.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let meta = std::fs::metadata(dir)
            .with_context(|| format!("cannot read the folder {}", dir.display()))?;
        if meta.permissions().mode() & 0o077 != 0 {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .with_context(|| format!("cannot make {} private (0700)", dir.display()))?;
        }
    }
    #[cfg(not(unix))]
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(())
}

/// Opens `path` for writing, creating it readable by its owner only (0600) if it is missing; an
/// existing file keeps its content and is narrowed to 0600.
pub fn open_private(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    let f = o.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if f.metadata()?.permissions().mode() & 0o077 != 0 {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(f)
}

/// Creates the new file `path` readable by its owner only (0600); fails if it exists (a planted
/// file or symlink is never written through).
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// Whether a file may be written at `path`: refuses a symlink (anything it points to could be
/// overwritten through it) and a folder, with a message naming the path.
pub fn check_target(path: &Path) -> anyhow::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            let to = std::fs::read_link(path)
                .map(|t| t.display().to_string())
                .unwrap_or_else(|_| "?".into());
            anyhow::bail!(
                "refusing to write {}: it is a symbolic link (to {to}); remove it or choose another name",
                path.display()
            )
        }
        Ok(m) if m.is_dir() => {
            anyhow::bail!("cannot write {}: it is a folder", path.display())
        }
        _ => Ok(()),
    }
}

/// Writes `bytes` to `path` atomically: a new temporary file in the same folder (mode 0666 less
/// the umask, like any new file), then a rename over the name. A symlink at `path` is refused.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_atomic_with(path, |w| w.write_all(bytes))
}

/// [`write_atomic`] with the content written by `fill`; nothing is left at `path` (nor a
/// temporary file) when `fill` fails.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    write_with(path, false, fill)
}

/// [`write_atomic`] for a file only its owner may read (0600 from the first byte).
pub fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    write_with(path, true, |w| w.write_all(bytes))
}

fn write_with(
    path: &Path,
    private: bool,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut f = AtomicFile::create_with(path, private)?;
    fill(&mut f).with_context(|| format!("cannot write {}", path.display()))?;
    f.commit()
}

/// A file being written to a temporary name beside its target; [`AtomicFile::commit`] renames it
/// over the target, dropping it uncommitted removes it. The target is never opened, so a symlink
/// planted there is never followed.
pub struct AtomicFile {
    path: std::path::PathBuf,
    out: std::io::BufWriter<tempfile::NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `path` (mode 0666 less the umask, like any new file); refuses a symlink or
    /// a folder at `path` and names the folder when a file cannot be created in it.
    pub fn create(path: &Path) -> anyhow::Result<Self> {
        Self::create_with(path, false)
    }

    fn create_with(path: &Path, private: bool) -> anyhow::Result<Self> {
        check_target(path)?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut b = tempfile::Builder::new();
        b.prefix(".bulk-").suffix(".tmp");
        #[cfg(unix)]
        if !private {
            use std::os::unix::fs::PermissionsExt;
            b.permissions(std::fs::Permissions::from_mode(0o666));
        }
        #[cfg(not(unix))]
        let _ = private;
        let tmp = b.tempfile_in(dir).with_context(|| {
            format!(
                "cannot write {}: cannot create a file in {}",
                path.display(),
                dir.display()
            )
        })?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            out: std::io::BufWriter::new(tmp),
        })
    }

    /// Flushes and renames the file over its target.
    pub fn commit(self) -> anyhow::Result<()> {
        let path = self.path;
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error()))?;
        // A symlink planted between the check and now is replaced, never followed: rename(2)
        // replaces the name itself.
        tmp.persist(&path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.out.write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.out.write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn private_dir_and_files_are_owner_only() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("a/b");
        create_private_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&d.path().join("a")), 0o700);
        let f = dir.join("db");
        drop(open_private(&f).unwrap());
        assert_eq!(mode(&f), 0o600);
        let g = dir.join("new");
        drop(create_private(&g).unwrap());
        assert_eq!(mode(&g), 0o600);
        assert!(
            create_private(&g).is_err(),
            "an existing file is never reused"
        );
        write_private(&dir.join("secret"), b"x").unwrap();
        assert_eq!(mode(&dir.join("secret")), 0o600);
    }

    #[test]
    fn write_atomic_refuses_a_symlink_and_leaves_its_target_alone() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let link = d.path().join("out.csv");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        let e = write_atomic(&link, b"data").unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(
            open_private(&link).is_err(),
            "open_private does not follow a symlink"
        );
    }

    #[test]
    fn write_atomic_replaces_and_leaves_no_temporary_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("out.csv");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        let failed = write_atomic_with(&d.path().join("no.csv"), |_| {
            Err(std::io::Error::other("boom"))
        });
        assert!(failed.is_err());
        let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }
}
