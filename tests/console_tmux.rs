//! The interactive console driven through a real terminal (tmux): `?` help keeps the typed
//! line, Tab completes, Ctrl-Z leaves configuration mode, long output pages at `--More--`
//! (space, Return, q; `terminal length 0` turns it off), and the exec-timeout of
//! `line con 0` ends a session left at `--More--`.

mod support;

use std::time::Duration;

use support::tmux::Tmux;
use support::wait_until;

const CMED: &str = env!("CARGO_BIN_EXE_cmed");

/// The daemon on `config` in a detached 120x40 tmux session named after `tag`; the
/// temporary directory lives as long as the session.
fn start(tag: &str, config: &str) -> (Tmux, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("startup.cfg");
    std::fs::write(&path, config).unwrap();
    let name = format!("cmed-test-{tag}-{}", std::process::id());
    // Ports of its own, so that the tests' daemons run side by side, on loopback.
    let port = support::daemon::free_port;
    let cmd = format!(
        "{CMED} run --bind 127.0.0.1 --tftp-port 0 --http-prov-port 0 --sccp-port {} --sip-port {} --http-port {} --config {} --data {} 2>/dev/null",
        port(),
        port(),
        port(),
        path.display(),
        dir.path().join("data").display()
    );
    (Tmux::start(&name, 120, 40, &cmd), dir)
}

#[test]
fn console_enable_asks_the_enable_secret_without_echo() {
    let (t, _dir) = start(
        "enable",
        "hostname R8\nenable secret 0 Top-Secret\ntelephony-service\n max-ephones 5\n!\nend\n",
    );
    t.wait_for("R8>");
    t.keys(&["enable", "Enter"]);
    t.wait_for("Password:");
    t.keys(&["wrong", "Enter"]);
    t.wait_for("Password:\nPassword:");
    t.keys(&["Top-Secret", "Enter"]);
    let s = t.wait_for("R8#");
    assert!(
        !s.contains("Top-Secret") && !s.contains("wrong"),
        "echoed:\n{s}"
    );
}

#[test]
fn console_help_tab_and_ctrl_z_in_a_real_terminal() {
    let (t, _dir) = start(
        "help",
        "hostname R7\ntelephony-service\n max-ephones 5\n max-dn 5\n!\nend\n",
    );
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

/// A configuration whose `show running-config` is well over two pages of 24 lines, every
/// line different, and that output as the console prints it, line by line.
fn long_config() -> (String, Vec<String>) {
    let mut text = String::from("hostname R7\ntelephony-service\n max-ephones 5\n max-dn 40\n!\n");
    for n in 1..=30 {
        text.push_str(&format!(
            "ephone-dn {n}\n number {}\n name User {n}\n!\n",
            1000 + n
        ));
    }
    text.push_str("end\n");
    let g = cmed::grammar::graph::Grammar::embedded();
    let l = cmed::config::load::load(&g, &text);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let body = cmed::config::running::running_config(&g, &l.tree);
    let out = cmed::config::running::show_running_config(&body);
    (text, out.lines().map(String::from).collect())
}

/// The screen's rows without trailing blanks, up to the last non-blank one.
fn rows(screen: &str) -> Vec<String> {
    let mut rows: Vec<String> = screen.lines().map(|r| r.trim_end().to_string()).collect();
    while rows.last().is_some_and(|r| r.is_empty()) {
        rows.pop();
    }
    rows
}

/// Whether the screen ends with `last` as its last row, right after the output's lines up to
/// `out[idx]` (as many of them as fit, 20 at most: enough to tell one place from another).
fn ends_after(screen: &str, out: &[String], idx: usize, last: &str) -> bool {
    let rows = rows(screen);
    let Some(at) = rows.len().checked_sub(1) else {
        return false;
    };
    let n = 20.min(idx + 1).min(at);
    rows[at] == last && (1..=n).all(|i| rows[at - i] == out[idx + 1 - i].trim_end())
}

impl Tmux {
    /// Waits until the screen ends with `last` right after `out[..=idx]`.
    fn wait_end(&self, out: &[String], idx: usize, last: &str) -> String {
        let mut screen = String::new();
        let ok = wait_until(Duration::from_secs(20), || {
            screen = self.screen();
            ends_after(&screen, out, idx, last)
        });
        assert!(
            ok,
            "{last:?} never came after {:?}; screen:\n{screen}",
            out[idx]
        );
        screen
    }
}

#[test]
fn long_output_pages_at_more_with_space_return_and_q() {
    let (text, out) = long_config();
    assert!(out.len() > 3 * 23, "{} lines", out.len());
    let (t, _dir) = start("more", &text);
    t.wait_for("R7>");
    t.keys(&["enable", "Enter"]);
    t.wait_for("R7#");
    t.keys(&["show running-config", "Enter"]);
    // 24 rows a screen: 23 lines of output, then the prompt.
    let s = t.wait_end(&out, 22, " --More--");
    let r = rows(&s);
    assert_eq!(r[r.len() - 25], "R7#show running-config", "{s}");
    // Return: one more line, over the erased prompt, and the prompt again.
    t.keys(&["Enter"]);
    let s = t.wait_end(&out, 23, " --More--");
    assert_eq!(
        s.matches("--More--").count(),
        1,
        "the old prompt stays:\n{s}"
    );
    // Space: the next page of 23 lines.
    t.keys(&["Space"]);
    t.wait_end(&out, 46, " --More--");
    // q: the rest is dropped; the prompt comes back where --More-- was.
    t.keys(&["q"]);
    let s = t.wait_end(&out, 46, "R7#");
    assert!(!s.contains("--More--"), "{s}");
    // `terminal length 0`: the whole output at once, however long.
    t.keys(&["terminal length 0", "Enter"]);
    t.wait_for("R7#terminal length 0\nR7#");
    t.keys(&["show running-config", "Enter"]);
    let s = t.wait_end(&out, out.len() - 1, "R7#");
    assert!(!s.contains("--More--"), "{s}");
    // Filters apply before paging: 4 lines of filtered output fit a 5-row screen.
    t.keys(&["terminal length 5", "Enter"]);
    t.wait_for("R7#terminal length 5\nR7#");
    t.keys(&["show running-config | include number 100[1-4]", "Enter"]);
    let s = t.wait_for(" number 1004\nR7#");
    assert!(!s.contains("--More--"), "{s}");
    // ... and 19 do not: 4 lines, then the prompt.
    t.keys(&["show running-config | include number 10[01]", "Enter"]);
    let s = t.wait_for(" number 1004\n --More--");
    assert!(s.contains("include number 10[01]\n number 1001\n"), "{s}");
    t.keys(&["q"]);
    t.wait_for(" number 1004\nR7#");
}

#[test]
fn the_exec_timeout_ends_a_session_left_at_more() {
    let (text, out) = long_config();
    let text = text.replace(
        "end\n",
        "line con 0\n exec-timeout 0 1\n privilege level 15\nend\n",
    );
    let (t, _dir) = start("timeout", &text);
    // `privilege level 15`: the console starts in privileged EXEC.
    t.wait_for("R7#");
    t.keys(&["show running-config", "Enter"]);
    t.wait_end(&out, 22, " --More--");
    // Nobody answers: after a second the session ends, as IOS ends an idle one.
    let s = t.wait_for("Press RETURN to get started.");
    assert!(s.contains("R7 con0 is now available"), "{s}");
    assert!(!s.contains("--More--"), "{s}");
    t.keys(&["Enter"]);
    t.wait_for("\nR7#");
    // Idle at the prompt: the end is announced when the time comes, over the prompt.
    t.keys(&["show clo"]);
    let mut screen = String::new();
    let announced = wait_until(Duration::from_secs(20), || {
        screen = t.screen();
        screen.matches("R7 con0 is now available").count() == 2
    });
    assert!(announced, "no second announcement; screen:\n{screen}");
    // The next key is no input: it starts the next session.
    t.keys(&["k", "Enter"]);
    let s = t.wait_for("\nR7#\n");
    assert!(
        !s.contains("% Invalid input") && !s.contains("show clok"),
        "{s}"
    );
}
