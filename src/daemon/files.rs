//! Who may read what cmed keeps: the data directory is the daemon's own (0700), the store
//! and the control socket are readable by its user only (0600; `--socket-group GROUP`
//! makes the socket 0660 for that group, so its members may run `cmed cli`). The store
//! holds changed passwords and who is logged in where; the socket is privileged EXEC.

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

/// Creates `dir` as 0700, or tightens an existing one to 0700.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
    }
    let mode = fs::metadata(dir)?.permissions().mode() & 0o777;
    if mode != 0o700 {
        tracing::info!(dir = %dir.display(), mode = format!("{mode:o}"), "data directory made 0700");
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Makes `path` readable and writable by its owner only.
pub fn private_file(path: &Path) -> io::Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
}

/// The control socket's mode: 0600, or 0660 owned by group `gid`.
pub fn socket(path: &Path, gid: Option<u32>) -> io::Result<()> {
    match gid {
        None => private_file(path),
        Some(gid) => {
            std::os::unix::fs::chown(path, None, Some(gid))?;
            fs::set_permissions(path, fs::Permissions::from_mode(0o660))
        }
    }
}

/// The id of group `name` (a name in /etc/group, or a number).
pub fn group_id(name: &str) -> Option<u32> {
    if let Ok(n) = name.parse() {
        return Some(n);
    }
    let groups = fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|l| {
        let mut f = l.split(':');
        (f.next()? == name).then_some(())?;
        f.nth(1)?.parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn the_data_directory_is_made_private_whether_new_or_not() {
        let t = tempfile::tempdir().unwrap();
        let new = t.path().join("a/b");
        private_dir(&new).unwrap();
        assert_eq!(mode(&new), 0o700);
        let old = t.path().join("old");
        fs::create_dir(&old).unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&old).unwrap();
        assert_eq!(mode(&old), 0o700);
    }

    #[test]
    fn groups_are_found_by_name_or_number() {
        assert_eq!(group_id("0"), Some(0));
        assert_eq!(group_id("root"), Some(0));
        assert_eq!(group_id("no-such-group-here"), None);
    }
}
