//! What the daemon says about itself to `show version` and `show cmed status`: the facts of
//! this run, set once at start; the listeners, added as each opens; how the previous run
//! ended, from the mark a clean stop leaves in the data directory.
//!
//! Process-wide (one daemon per process): the listeners open in several places of
//! `daemon`, and threading a registry through each would say nothing more.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

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
/// Open CLI sessions by line (`console`, `vty0` …): since, last input, location.
static SESSIONS: Mutex<BTreeMap<String, (u64, u64, String)>> = Mutex::new(BTreeMap::new());

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
        e.1 = unix_now();
    }
}

/// A CLI session listed by `show users` until this is dropped.
pub struct Listed(String);

impl Listed {
    /// Lists the session on `line` (`console`, `vty0`) from `location`.
    pub fn open(line: &str, location: &str) -> Listed {
        let now = unix_now();
        if let Ok(mut s) = SESSIONS.lock() {
            s.insert(line.to_string(), (now, now, location.to_string()));
        }
        Listed(line.to_string())
    }
}

impl Drop for Listed {
    fn drop(&mut self) {
        if let Ok(mut s) = SESSIONS.lock() {
            s.remove(&self.0);
        }
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
                    .map(|(line, (_, last, loc))| {
                        (line.clone(), now.saturating_sub(*last), loc.clone())
                    })
                    .collect()
            })
            .unwrap_or_default(),
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
