//! `packaging/cmed.service` as systemd would run it, without systemd: its `ExecStart=`
//! command line, with the built binary, a temporary state and config directory and free
//! loopback ports in place of the unit's paths and privileged ports (every option the unit
//! passes is kept), and `NOTIFY_SOCKET` pointing at a datagram socket of ours. `READY=1`
//! must come only once the listeners answer, and SIGTERM must bring `STOPPING=1` and exit 0.
//! The abstract-socket form of `NOTIFY_SOCKET` (`@name`) is checked too.

mod support;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::os::unix::fs::MetadataExt as _;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::daemon::{CMED, cli_text, free_port, http_get};

const UNIT: &str = include_str!("../packaging/cmed.service");

/// The value of `Key=` in the unit (the last one, as systemd reads a repeated key).
fn unit_value(key: &str) -> Option<&'static str> {
    UNIT.lines()
        .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .next_back()
}

/// The unit's command line, split as systemd splits one without quotes.
fn exec_start() -> Vec<String> {
    let line = unit_value("ExecStart").expect("an ExecStart= line");
    assert!(
        !line.contains(['"', '\'', '\\', '$', '%']),
        "keep ExecStart= plain so this test can split it: {line}"
    );
    line.split_whitespace().map(String::from).collect()
}

/// Ports the test gives the daemon, all on loopback and unprivileged.
struct Ports {
    sccp: u16,
    sip: u16,
    http: u16,
    http_prov: u16,
}

/// The unit's command line for this machine: our binary, `dir` for the state and config
/// paths, our group for `--socket-group`, free ports for the privileged ones. A flag the
/// unit passes that this test does not know fails the test, so the two stay in step.
fn command_line(dir: &Path, ports: &Ports) -> Vec<String> {
    let unit = exec_start();
    assert_eq!(
        unit[0], "/usr/bin/cmed",
        "the unit runs the installed binary"
    );
    let mut out = vec![CMED.to_string()];
    let mut seen = Vec::new();
    let mut args = unit[1..].iter();
    while let Some(a) = args.next() {
        out.push(a.clone());
        let value = match a.as_str() {
            "run" | "--no-console" => continue,
            "--data" => dir.join("state").display().to_string(),
            "--config" => dir.join("startup-config").display().to_string(),
            // The group of the files we create: one the daemon's user is surely in.
            "--socket-group" => std::fs::metadata(dir).unwrap().gid().to_string(),
            "--tftp-port" => "0".into(),
            "--sccp-port" => ports.sccp.to_string(),
            "--sip-port" => ports.sip.to_string(),
            "--http-port" => ports.http.to_string(),
            "--http-prov-port" => ports.http_prov.to_string(),
            other => panic!("the unit passes {other}, which this test does not know"),
        };
        let unit_value = args.next().expect("a value after the flag");
        seen.push((a.clone(), unit_value.clone()));
        out.push(value);
    }
    let given = |flag: &str| seen.iter().any(|(f, _)| f == flag);
    // The state directory systemd creates is the one the daemon is told to use.
    let state = unit_value("StateDirectory").expect("StateDirectory=");
    assert!(
        seen.contains(&("--data".into(), format!("/var/lib/{state}"))),
        "--data is /var/lib/{state}: {seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(f, v)| f == "--config" && v.starts_with("/etc/cmed/")),
        "{seen:?}"
    );
    // The ports the unit leaves to the startup-config are given here, unprivileged.
    for (flag, port) in [
        ("--sccp-port", ports.sccp),
        ("--sip-port", ports.sip),
        ("--http-port", ports.http),
        ("--http-prov-port", ports.http_prov),
    ] {
        if !given(flag) {
            out.extend([flag.to_string(), port.to_string()]);
        }
    }
    out
}

/// The daemon started from the unit's command line, telling `notify` (the value of
/// `NOTIFY_SOCKET`); killed if the test fails before it stops.
struct Service {
    child: Child,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(dir: &Path, ports: &Ports, notify: &str) -> Service {
    std::fs::write(dir.join("startup-config"), support::SMALL_OFFICE).unwrap();
    let argv = command_line(dir, ports);
    let child = Command::new(&argv[0])
        .args(&argv[1..])
        .env("NOTIFY_SOCKET", notify)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("cmed.log")).unwrap())
        .spawn()
        .unwrap();
    Service { child }
}

/// The next notification, waiting at most 30 s (the socket's read timeout).
fn next_notification(sock: &UnixDatagram) -> String {
    let mut buf = [0u8; 4096];
    let n = sock
        .recv(&mut buf)
        .expect("a notification from the daemon within 30 s");
    String::from_utf8(buf[..n].to_vec()).unwrap()
}

/// A TFTP read of `XMLDefault.cnf.xml` from `port`: the first DATA packet's opcode. The
/// block is left unacknowledged on purpose: a clean stop must not wait for a transfer whose
/// client went quiet (it did, for the transfer's whole retry time, before `main` bounded the
/// runtime's shutdown).
fn tftp_first_opcode(port: u16) -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.send_to(
        b"\x00\x01XMLDefault.cnf.xml\x00octet\x00",
        ("127.0.0.1", port),
    )
    .unwrap();
    let mut buf = [0u8; 1024];
    let (n, _) = s.recv_from(&mut buf).expect("a TFTP answer");
    assert!(n >= 4);
    u16::from_be_bytes([buf[0], buf[1]])
}

/// Runs the unit's command line with `notify` as `NOTIFY_SOCKET`, notifications received on
/// `sock`: ready means serving, SIGTERM means a notified, clean stop.
fn ready_then_stopping(dir: &Path, sock: &UnixDatagram, notify: &str) {
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let ports = Ports {
        sccp: free_port(),
        sip: free_port(),
        http: free_port(),
        http_prov: free_port(),
    };
    let mut service = start(dir, &ports, notify);
    let ready = next_notification(sock);
    let log = || std::fs::read_to_string(dir.join("cmed.log")).unwrap_or_default();
    assert!(
        ready.lines().any(|l| l == "READY=1"),
        "{ready:?}\n{}",
        log()
    );
    assert!(ready.lines().any(|l| l.starts_with("STATUS=")), "{ready:?}");

    // At this moment every listener answers: control socket, TFTP, both HTTP servers, SCCP.
    let state = dir.join("state");
    let stats = cli_text(&state, &["show tftp statistics"]);
    let tftp: u16 = stats
        .lines()
        .find_map(|l| l.strip_prefix("TFTP server: "))
        .and_then(|a| a.rsplit(':').next())
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no TFTP port in {stats:?}"));
    assert_eq!(tftp_first_opcode(tftp), 3, "TFTP DATA");
    let (code, _) = http_get(ports.http_prov, "/XMLDefault.cnf.xml");
    assert_eq!(code, 200, "HTTP provisioning");
    let (code, menu) = http_get(ports.http, "/services?device=SEP0022905B11C2");
    assert_eq!(code, 200, "phone service pages: {menu}");
    TcpStream::connect(("127.0.0.1", ports.sccp)).expect("SCCP accepts");
    let mut sip = TcpStream::connect(("127.0.0.1", ports.sip)).expect("SIP over TCP accepts");
    sip.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // A CRLF keep-alive is answered with one CRLF (RFC 5626 §4.4.1).
    sip.write_all(b"\r\n\r\n").unwrap();
    let mut pong = [0u8; 2];
    sip.read_exact(&mut pong).unwrap();
    assert_eq!(&pong, b"\r\n");

    let pid = service.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let stopping = next_notification(sock);
    assert!(stopping.lines().any(|l| l == "STOPPING=1"), "{stopping:?}");
    let mut status = None;
    let exited = support::wait_until(Duration::from_secs(10), || {
        status = service.child.try_wait().unwrap();
        status.is_some()
    });
    assert!(exited, "the daemon did not exit after SIGTERM\n{}", log());
    let status = status.unwrap();
    assert!(status.success(), "exit status {status}\n{}", log());
}

#[test]
fn the_unit_command_line_notifies_ready_once_listening_and_stopping_at_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let sock = UnixDatagram::bind(&path).unwrap();
    ready_then_stopping(dir.path(), &sock, path.to_str().unwrap());
}

#[test]
fn an_abstract_notify_socket_works_too() {
    use std::os::linux::net::SocketAddrExt as _;
    let dir = tempfile::tempdir().unwrap();
    let name = format!("cmed-service-test-{}", std::process::id());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let sock = UnixDatagram::bind_addr(&addr).unwrap();
    ready_then_stopping(dir.path(), &sock, &format!("@{name}"));
}

/// What the unit promises besides its command line: readiness by notification, the one
/// capability for the privileged ports, a stop timeout longer than the daemon's 5 s clean
/// stop, and the hardening the README describes.
#[test]
fn the_unit_keeps_one_capability_and_its_hardening() {
    assert_eq!(unit_value("Type"), Some("notify"));
    assert_eq!(
        unit_value("AmbientCapabilities"),
        Some("CAP_NET_BIND_SERVICE")
    );
    assert_eq!(
        unit_value("CapabilityBoundingSet"),
        Some("CAP_NET_BIND_SERVICE")
    );
    assert_eq!(unit_value("Restart"), Some("on-failure"));
    let stop: u64 = unit_value("TimeoutStopSec")
        .and_then(|v| v.trim_end_matches('s').parse().ok())
        .expect("TimeoutStopSec= in seconds");
    assert!(stop > 5, "the daemon may take up to 5 s to stop cleanly");
    for (key, value) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
        ("SystemCallFilter", "@system-service"),
        ("ReadWritePaths", "/etc/cmed"),
    ] {
        assert_eq!(unit_value(key), Some(value), "{key}=");
    }
}

/// systemd's own reading of the unit: `systemd-analyze verify` on a copy whose ExecStart=
/// names the built binary (verify checks that the program exists). No systemd needs to run.
#[test]
fn systemd_analyze_verifies_the_unit() {
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("cmed.service");
    std::fs::write(
        &unit,
        UNIT.replace("ExecStart=/usr/bin/cmed ", &format!("ExecStart={CMED} ")),
    )
    .unwrap();
    let out = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit)
        .output()
        .expect("systemd-analyze runs (scripts/test.sh installs systemd)");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    // Warnings about the unit itself are failures too; the rest of the machine's units
    // are not ours to judge.
    let ours: Vec<&str> = said
        .lines()
        .filter(|l| l.contains("cmed.service"))
        .collect();
    assert!(ours.is_empty(), "{ours:#?}");
}
