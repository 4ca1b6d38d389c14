//! Processes of clients no one here wrote (baresip, linphonec), started by the tests: a
//! handle that kills and reaps its own child when dropped, baresip started in its own
//! directory, the free ports it needs, and a client's log read as text.

use std::fs::File;
use std::net::{TcpListener, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::wait_until;

/// A process we started, killed and reaped when dropped (a test that fails half-way
/// leaves nothing running). Stopping it by its own `Child` handle signals only that pid.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Proc {
    /// Its pid, for `kill`.
    pub fn pid(&self) -> String {
        self.0.id().to_string()
    }

    /// Whether it has exited.
    pub fn exited(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(Some(_)))
    }

    /// Waits up to `timeout` for it to exit by itself.
    pub fn exited_within(&mut self, timeout: Duration) -> bool {
        wait_until(timeout, || self.exited())
    }
}

/// A UDP port the OS handed out, with the same TCP port and the next port (UDP and TCP)
/// free too: baresip listens on UDP and TCP at its `sip_listen` port and puts a TLS
/// listener on the port after it, which it always opens.
pub fn free_port_pair() -> u16 {
    for _ in 0..100 {
        let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
        let p = udp.local_addr().unwrap().port();
        if p == u16::MAX {
            continue;
        }
        let next_free = TcpListener::bind(("127.0.0.1", p)).is_ok()
            && TcpListener::bind(("127.0.0.1", p + 1)).is_ok()
            && UdpSocket::bind(("127.0.0.1", p + 1)).is_ok();
        if next_free {
            return p;
        }
    }
    panic!("no two adjacent free ports on 127.0.0.1");
}

/// baresip on the configuration directory `home`, its output and SIP trace (`-s`) in
/// `log`; `-t 60` makes it quit by itself even if the test process dies without `Drop`.
pub fn baresip(home: &Path, log: &Path) -> Proc {
    let out = File::create(log).unwrap();
    let child = Command::new("baresip")
        .arg("-f")
        .arg(home)
        .args(["-s", "-t", "60"])
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("baresip runs (scripts/test.sh installs it)");
    Proc(child)
}

/// A client's log as text so far ("" before it exists).
pub fn read_log(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}
