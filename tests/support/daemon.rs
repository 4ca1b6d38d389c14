//! The `cmed` binary as a child process: start it on a config, run `cmed cli` against it,
//! stop it. Ports are chosen by the OS, so tests can run in parallel: TFTP with
//! `--tftp-port 0`, read back from `show tftp statistics`; SCCP and HTTP provisioning (where
//! 0 means off) with a port the OS just handed out and released (and a daemon that finds
//! one taken by then is started again).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use super::wait_until;

/// The binary under test.
pub const CMED: &str = env!("CARGO_BIN_EXE_cmed");

/// Runs `cmed cli` with these commands.
pub fn cli(data: &Path, cmds: &[&str]) -> Output {
    let mut c = Command::new(CMED);
    c.arg("cli").arg("--data").arg(data);
    for cmd in cmds {
        c.arg("-c").arg(cmd);
    }
    c.output().unwrap()
}

/// `cmed cli` output as text.
pub fn cli_text(data: &Path, cmds: &[&str]) -> String {
    String::from_utf8(cli(data, cmds).stdout).unwrap()
}

/// A running daemon, killed when dropped.
pub struct Daemon {
    /// The child process.
    pub child: Child,
    /// Its data directory.
    pub data: PathBuf,
    /// Its SCCP port.
    pub sccp: u16,
    /// Its phone services (HTTP) port.
    pub http: u16,
    /// Its SIP port (UDP and TCP).
    pub sip: u16,
    /// Its HTTP provisioning port.
    pub http_prov: u16,
    /// Its SSH port.
    pub ssh: u16,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP port the OS just handed out and released (for flags where 0 does not mean "any").
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
}

/// Starts `cmed run` on `config` with `data` and `extra` flags, and waits until its control
/// socket answers.
///
/// The ports are free when chosen but not held: a process of another test (a client told
/// to use a port, another daemon) can bind one before this daemon does, and then cmed exits
/// at start-up ("cannot listen for …"). That daemon is started again on fresh ports.
pub fn start(config: &Path, data: &Path, extra: &[&str]) -> Daemon {
    const ATTEMPTS: usize = 5;
    for _ in 0..ATTEMPTS {
        let mut d = spawn(config, data, extra);
        let sock = data.join("cmed.sock");
        let mut exited = false;
        let up = wait_until(Duration::from_secs(20), || {
            if let Ok(Some(_)) = d.child.try_wait() {
                exited = true;
                return true;
            }
            sock.exists()
                && cli(data, &["show startup-config | include ^end"])
                    .status
                    .success()
        });
        if exited {
            continue;
        }
        assert!(up, "daemon did not come up");
        return d;
    }
    panic!("the daemon exited at start-up {ATTEMPTS} times");
}

/// `cmed run` on ports the OS just handed out.
fn spawn(config: &Path, data: &Path, extra: &[&str]) -> Daemon {
    let http_prov = free_port();
    let sccp = free_port();
    let http = free_port();
    let sip = free_port();
    let ssh = free_port();
    let child = Command::new(CMED)
        .args(["run", "--no-console", "--tftp-port", "0"])
        .args(["--http-prov-port", &http_prov.to_string()])
        .args(["--sccp-port", &sccp.to_string()])
        .args(["--http-port", &http.to_string()])
        .args(["--sip-port", &sip.to_string()])
        .args(["--ssh-port", &ssh.to_string()])
        .args(extra)
        .arg("--config")
        .arg(config)
        .arg("--data")
        .arg(data)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log_of(data)).unwrap())
        .spawn()
        .unwrap();
    Daemon {
        child,
        data: data.to_path_buf(),
        sccp,
        http,
        http_prov,
        sip,
        ssh,
    }
}

/// Starts the daemon on `sample-configs/small-office.cfg`, written into `dir` with the data
/// directory beside it.
pub fn start_office(dir: &Path) -> Daemon {
    start_with(dir, super::SMALL_OFFICE)
}

/// Starts the daemon on the configuration `text` (the small office edited, say), written
/// into `dir/startup.cfg` with the data directory beside it.
pub fn start_with(dir: &Path, text: &str) -> Daemon {
    let file = dir.join("startup.cfg");
    std::fs::write(&file, text).unwrap();
    start(&file, &dir.join("data"), &[])
}

/// Waits until the daemon has written its SIP bindings behind, kills it with SIGKILL (no
/// clean stop: a crash), and starts it again on `config` and the same data directory.
pub fn crash_after_write_behind(mut d: Daemon, config: &Path) -> Daemon {
    let stored = wait_until(Duration::from_secs(10), || {
        cli_text(&d.data, &["show voice register statistics"])
            .contains("  Bindings not yet stored    : 0\n")
    });
    assert!(stored, "the bindings were never written behind");
    d.child.kill().unwrap();
    d.child.wait().unwrap();
    start(config, &d.data.clone(), &[])
}

/// Stops the daemon with SIGTERM and waits for it, as an administrator would.
pub fn stop(mut d: Daemon) {
    let pid = d.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let status = d.child.wait().unwrap();
    assert!(status.success(), "daemon exited with {status}");
}

/// Where a daemon on `data` writes its log (stderr): beside the data directory.
fn log_of(data: &Path) -> PathBuf {
    data.with_extension("log")
}

impl Daemon {
    /// What the daemon has logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(log_of(&self.data)).unwrap_or_default()
    }

    /// Its SIP address (UDP and TCP).
    pub fn sip_addr(&self) -> std::net::SocketAddr {
        std::net::SocketAddr::from(([127, 0, 0, 1], self.sip))
    }

    /// The port a provisioning server listens on, from `show tftp statistics`
    /// (`"TFTP server"` or `"HTTP provisioning server"`).
    pub fn port(&self, server: &str) -> u16 {
        let text = cli_text(&self.data, &["show tftp statistics"]);
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{server}: ")))
            .unwrap_or_else(|| panic!("no {server} line in:\n{text}"));
        line.rsplit(':').next().unwrap().trim().parse().unwrap()
    }
}

/// A plain HTTP/1.1 GET to 127.0.0.1:`port` (what a phone's browser does): status and body.
pub fn http_get(port: u16, path: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = raw
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

/// The text of the first `<tag>…</tag>` in `xml`, entities undone.
pub fn xml_text(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let a = xml.find(&open)? + open.len();
    let b = xml[a..].find(&format!("</{tag}>"))? + a;
    Some(
        xml[a..b]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&apos;", "'")
            .replace("&amp;", "&"),
    )
}
