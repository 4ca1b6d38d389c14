//! The interactive console driven through a real terminal (tmux): `?` help keeps the typed
//! line, Tab completes, Ctrl-Z leaves configuration mode.

mod support;

use std::process::Command;
use std::time::Duration;

use support::wait_until;

const CMED: &str = env!("CARGO_BIN_EXE_cmed");

struct Tmux {
    name: String,
}

impl Tmux {
    fn keys(&self, keys: &[&str]) {
        let st = Command::new("tmux")
            .args(["send-keys", "-t", &self.name])
            .args(keys)
            .status()
            .unwrap();
        assert!(st.success());
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, what: &str) -> String {
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
            .status();
    }
}

#[test]
fn console_help_tab_and_ctrl_z_in_a_real_terminal() {
    if Command::new("tmux").arg("-V").output().is_err() {
        panic!("tmux is required (scripts/test.sh installs it)");
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("startup.cfg");
    std::fs::write(
        &config,
        "hostname R7\ntelephony-service\n max-ephones 5\n max-dn 5\n!\nend\n",
    )
    .unwrap();
    let name = format!("cmed-test-{}", std::process::id());
    let cmd = format!(
        "{CMED} run --tftp-port 0 --http-prov-port 0 --config {} --data {} 2>/dev/null",
        config.display(),
        dir.path().join("data").display()
    );
    let st = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-x",
            "120",
            "-y",
            "40",
            "-s",
            &name,
            &cmd,
        ])
        .status()
        .unwrap();
    assert!(st.success());
    let t = Tmux { name };
    t.wait_for("R7>");
    t.keys(&["enable", "Enter"]);
    t.wait_for("R7#");
    t.keys(&["conf", "Tab"]);
    // capture-pane trims trailing blanks; the completed word's space shows once `t` follows.
    t.wait_for("R7#configure");
    t.keys(&["t"]);
    t.wait_for("R7#configure t");
    t.keys(&["Enter"]);
    t.wait_for("R7(config)#");
    t.keys(&["telephony-service", "Enter"]);
    t.wait_for("R7(config-telephony)#");
    t.keys(&["max-ephones ?"]);
    let s = t.wait_for("Maximum phones to support");
    assert!(s.contains("<1-10000>  Maximum phones to support"), "{s}");
    // The typed line comes back after the help, ready to finish.
    t.keys(&["7", "Enter"]);
    t.wait_for("R7(config-telephony)#max-ephones 7");
    t.keys(&["C-z"]);
    t.wait_for("%SYS-5-CONFIG_I: Configured from console by console");
    t.keys(&["show running-config | include max-eph", "Enter"]);
    t.wait_for(" max-ephones 7");
}
