//! Writes the startup-config file the way `write memory` must: atomically and durably.
//!
//! The new text goes to `FILE.tmp`, is fsynced, the previous file is copied to `FILE.bak`,
//! and the temporary file is renamed over `FILE`; the directory is fsynced so the rename
//! survives a power cut. At no moment is there no `FILE`. The new file keeps the old one's
//! mode and, where the daemon may set it, its owner and group (an administrator who made
//! the startup-config 0600, or gave it to a group, keeps it so).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Replaces `path` with `text`, keeping the previous content as `path.bak`.
///
/// # Errors
/// Any I/O error; `path` is then unchanged.
pub fn write_atomic(path: &Path, text: &str) -> io::Result<()> {
    let tmp = with_suffix(path, ".tmp");
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    if let Ok(old) = fs::metadata(path) {
        use std::os::unix::fs::MetadataExt;
        fs::set_permissions(&tmp, old.permissions())?;
        // Only root may give a file away; another user keeps what it may.
        let _ = std::os::unix::fs::chown(&tmp, Some(old.uid()), Some(old.gid()));
    }
    if path.exists() {
        let bak = with_suffix(path, ".bak");
        fs::copy(path, &bak)?;
        File::open(&bak)?.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_file_is_kept_as_bak() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("startup.cfg");
        fs::write(&p, "hostname A\n").unwrap();
        write_atomic(&p, "hostname B\n").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "hostname B\n");
        assert_eq!(
            fs::read_to_string(with_suffix(&p, ".bak")).unwrap(),
            "hostname A\n"
        );
        assert!(!with_suffix(&p, ".tmp").exists());
    }

    #[test]
    fn write_memory_keeps_the_files_mode() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("startup.cfg");
        fs::write(&p, "hostname A\n").unwrap();
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, "hostname B\n").unwrap();
        let mode = fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn a_missing_file_is_created_without_bak() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("new.cfg");
        write_atomic(&p, "end\n").unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "end\n");
        assert!(!with_suffix(&p, ".bak").exists());
    }
}
