//! A terminal program driven through tmux: keys in, the screen read back, waiting for text
//! on it with a deadline.

use std::process::Command;
use std::time::Duration;

use super::wait_until;

/// A detached tmux session, killed when dropped.
pub struct Tmux {
    name: String,
}

impl Tmux {
    /// The session `name` (already started by the caller).
    pub fn named(name: String) -> Tmux {
        Tmux { name }
    }

    /// Starts `command` in a detached `cols`x`rows` session named `name`.
    pub fn start(name: &str, cols: u16, rows: u16, command: &str) -> Tmux {
        if Command::new("tmux").arg("-V").output().is_err() {
            panic!("tmux is required (scripts/test.sh installs it)");
        }
        let st = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-x",
                &cols.to_string(),
                "-y",
                &rows.to_string(),
            ])
            .args(["-s", name, command])
            .status()
            .unwrap();
        assert!(st.success());
        Tmux::named(name.to_string())
    }

    /// Sends keys (tmux's names: `Enter`, `Tab`, `C-z`, or text).
    pub fn keys(&self, keys: &[&str]) {
        let st = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .unwrap();
        assert!(st.success());
    }

    /// Whether the session still runs (its program has not exited).
    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .args(["has-session", "-t", &self.name])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// The screen as it shows now.
    pub fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits up to 20 s for `what` on the screen; the screen then.
    pub fn wait_for(&self, what: &str) -> String {
        let mut last = String::new();
        let ok = wait_until(Duration::from_secs(20), || {
            last = self.screen();
            last.contains(what)
        });
        assert!(ok, "{what:?} never appeared; screen:\n{last}");
        last
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .stderr(std::process::Stdio::null())
            .status();
    }
}
