//! What the daemon says about itself to `show version` and `show cmed status`: the facts of
//! this run, set once at start; the listeners, added as each opens; how the previous run
//! ended, from the mark a clean stop leaves in the data directory.
//!
//! Process-wide (one daemon per process): the listeners open in several places of
//! `daemon`, and threading a registry through each would say nothing more.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::cli::shows::About;

/// The facts of this run.
#[derive(Debug)]
struct Facts {
    startup_config: String,
    data_dir: PathBuf,
    store: PathBuf,
    last_stop: String,
    started: u64,
}

static FACTS: OnceLock<Facts> = OnceLock::new();
static LISTENERS: Mutex<Vec<(String, String)>> = Mutex::new(Vec::new());
/// Open CLI sessions by line (`console`, `vty0` …).
static SESSIONS: Mutex<BTreeMap<String, Session>> = Mutex::new(BTreeMap::new());
/// The SSH server, once it listens.
static SSH: Mutex<Option<crate::cli::shows::SshAbout>> = Mutex::new(None);

/// One open CLI session.
struct Session {
    last: u64,
    user: String,
    location: String,
    /// Told by `clear line`: the session ends.
    cleared: Arc<tokio::sync::Notify>,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The session on `line` typed something.
pub fn session_input(line: &str) {
    if let Ok(mut s) = SESSIONS.lock()
        && let Some(e) = s.get_mut(line)
    {
        e.last = unix_now();
    }
}

/// A CLI session listed by `show users` until this is dropped.
pub struct Listed {
    line: String,
    cleared: Arc<tokio::sync::Notify>,
}

impl Listed {
    /// Lists the session on `line` (`console`) of `user` from `location`.
    pub fn open(line: &str, user: &str, location: &str) -> Listed {
        let cleared = Arc::new(tokio::sync::Notify::new());
        if let Ok(mut s) = SESSIONS.lock() {
            s.insert(
                line.to_string(),
                Session {
                    last: unix_now(),
                    user: user.to_string(),
                    location: location.to_string(),
                    cleared: cleared.clone(),
                },
            );
        }
        Listed {
            line: line.to_string(),
            cleared,
        }
    }

    /// Lists a vty session on the lowest free vty line, as IOS assigns them (the control
    /// socket's and SSH's sessions share the numbers).
    pub fn vty(user: &str, location: &str) -> Listed {
        let cleared = Arc::new(tokio::sync::Notify::new());
        let mut line = String::from("vty0");
        if let Ok(mut s) = SESSIONS.lock() {
            let n = (0..)
                .find(|n| !s.contains_key(&format!("vty{n}")))
                .unwrap_or(0);
            line = format!("vty{n}");
            s.insert(
                line.clone(),
                Session {
                    last: unix_now(),
                    user: user.to_string(),
                    location: location.to_string(),
                    cleared: cleared.clone(),
                },
            );
        }
        Listed { line, cleared }
    }

    /// The line's name (`vty0`).
    pub fn line(&self) -> &str {
        &self.line
    }

    /// The vty line number (0 for the console).
    pub fn number(&self) -> u16 {
        self.line
            .strip_prefix("vty")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// Resolves when `clear line` ends this session.
    pub async fn cleared(&self) {
        self.cleared.notified().await;
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        if let Ok(mut s) = SESSIONS.lock() {
            s.remove(&self.line);
        }
    }
}

/// `clear line vty N`: tells that session to end; IOS's answer.
pub fn clear_line(vty: u32) -> String {
    let line = format!("vty{vty}");
    match SESSIONS
        .lock()
        .ok()
        .and_then(|s| s.get(&line).map(|e| e.cleared.clone()))
    {
        Some(c) => {
            // notify_one keeps the permit if the session is between two waits.
            c.notify_one();
            " [OK]\n".into()
        }
        None => format!("% Line vty {vty} is not in use\n"),
    }
}

/// The SSH server listens with this host key.
pub fn ssh_listening(about: crate::cli::shows::SshAbout) {
    if let Ok(mut s) = SSH.lock() {
        *s = Some(about);
    }
}

/// The mark a clean stop leaves: `clean stop at UNIX`.
const MARK: &str = "last-stop";

/// Reads the previous run's stop mark: how it ended, for `show version`. The mark stays
/// until [`started_up`], so a start that fails (a port in use) does not make the next one
/// report an unclean stop.
/// `store_existed` tells a first start from a run that ended without its mark (SIGKILL, a
/// crash, a power cut).
pub fn previous_stop(data: &Path, store_existed: bool, zone: &crate::civil::Zone) -> String {
    let mark = data.join(MARK);
    let text = std::fs::read_to_string(&mark).ok();
    match text
        .as_deref()
        .and_then(|t| t.trim().strip_prefix("clean stop at "))
    {
        Some(at) => match at.parse::<u64>() {
            Ok(unix) => format!("clean stop at {}", crate::civil::ios(zone, unix)),
            Err(_) => "clean stop".into(),
        },
        None if store_existed => "an unclean stop (killed, crashed or power lost)".into(),
        None => "first start (no earlier run in this data directory)".into(),
    }
}

/// The daemon is up: the previous run's mark is taken, so a crash from now on is told as
/// one at the next start.
pub fn started_up(data: &Path) {
    let _ = std::fs::remove_file(data.join(MARK));
}

/// Leaves the clean-stop mark, last thing before a clean exit.
pub fn mark_clean_stop(data: &Path, unix: u64) {
    if let Err(e) = std::fs::write(data.join(MARK), format!("clean stop at {unix}\n")) {
        tracing::warn!(error = %e, "cannot leave the clean-stop mark");
    }
}

/// Records the facts of this run (once, at start).
pub fn started(startup_config: &Path, data: &Path, store: &Path, last_stop: String, unix: u64) {
    let _ = FACTS.set(Facts {
        startup_config: startup_config.display().to_string(),
        data_dir: data.to_path_buf(),
        store: store.to_path_buf(),
        last_stop,
        started: unix,
    });
}

/// A listener opened.
pub fn listening(what: &str, at: impl std::fmt::Display) {
    if let Ok(mut l) = LISTENERS.lock() {
        l.push((what.to_string(), at.to_string()));
    }
}

/// What `show version` and `show cmed status` print; `connections` from the caller.
pub fn about(connections: Vec<(String, u64)>) -> Option<About> {
    let f = FACTS.get()?;
    Some(About {
        startup_config: f.startup_config.clone(),
        data_dir: f.data_dir.display().to_string(),
        last_stop: f.last_stop.clone(),
        started: f.started,
        listeners: LISTENERS.lock().map(|l| l.clone()).unwrap_or_default(),
        store_bytes: std::fs::metadata(&f.store).ok().map(|m| m.len()),
        connections,
        sessions: SESSIONS
            .lock()
            .map(|s| {
                let now = unix_now();
                s.iter()
                    .map(|(line, e)| crate::cli::shows::SessionRow {
                        line: line.clone(),
                        user: e.user.clone(),
                        idle: now.saturating_sub(e.last),
                        location: e.location.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        ssh: SSH.lock().ok().and_then(|s| s.clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_previous_stop_is_told_from_the_mark_and_the_mark_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        let utc = crate::civil::Zone::utc();
        assert!(previous_stop(dir.path(), false, &utc).starts_with("first start"));
        assert!(previous_stop(dir.path(), true, &utc).starts_with("an unclean stop"));
        mark_clean_stop(dir.path(), 0);
        assert_eq!(
            previous_stop(dir.path(), true, &utc),
            "clean stop at 00:00:00 UTC Thu Jan 1 1970"
        );
        // Kept while a start may still fail; taken once the daemon is up.
        assert!(previous_stop(dir.path(), true, &utc).starts_with("clean stop"));
        started_up(dir.path());
        assert!(previous_stop(dir.path(), true, &utc).starts_with("an unclean stop"));
    }
}
