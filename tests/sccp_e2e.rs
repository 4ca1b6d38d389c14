//! SCCP end to end: the daemon as a child process, phones simulated by `cmed::sim` over
//! loopback — registration of every phone of the sample office, refusals, bad frames,
//! keepalive loss, restart — and the CLI's view of it.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use cmed::proto::sccp::msg::ToPhone;
use cmed::sim::{Phone, Registration};
use support::daemon::{Daemon, cli_text, start};

fn office(dir: &Path, config: &str) -> Daemon {
    let file = dir.join("startup.cfg");
    std::fs::write(&file, config).unwrap();
    start(&file, &dir.join("data"), &[])
}

fn addr(d: &Daemon) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], d.sccp))
}

fn numbers(r: &Registration) -> Vec<&str> {
    r.lines.iter().map(|l| l.0.as_str()).collect()
}

fn speed_dials(r: &Registration) -> Vec<&str> {
    r.speed_dials.iter().map(|s| s.0.as_str()).collect()
}

#[tokio::test]
async fn every_phone_of_the_office_gets_its_lines_and_speed_dials_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), support::SMALL_OFFICE);
    // (MAC, device type, lines, speed dials) from small-office.cfg.
    let cases: [(&str, u32, &[&str], &[&str]); 8] = [
        // 7965 + 7915-24: ten button lines, then its speed dial on the add-on.
        (
            "001E7A345A01",
            436,
            &[
                "1099", "1050", "1001", "1002", "1003", "1004", "1005", "1006", "1007", "1008",
            ],
            &["8000"],
        ),
        // EM phones logged out carry logout profile 1 or 2; a 7945 has two buttons.
        ("0022905B11C2", 435, &["1900"], &["1099"]),
        ("0024C4A17E03", 437, &["1901"], &["1099"]),
        ("5475D0A32204", 585, &["1900"], &["1099", "8000"]),
        ("002333B84F05", 436, &["1900"], &["1099", "8000"]),
        ("7C69F6C10A06", 496, &["1011", "1020"], &[]),
        ("001F6C8E3307", 434, &["1009", "1021"], &[]),
        // 8945: three lines and room for one of its two speed dials.
        ("5475D0A32288", 585, &["1010", "1012", "1050"], &["1099"]),
    ];
    let mut registered = Vec::new();
    for (mac, kind, lines, sds) in cases {
        let mut p = Phone::new(addr(&d), mac, kind);
        let r = p.register().await.unwrap_or_else(|e| panic!("{mac}: {e}"));
        assert_eq!(numbers(&r), lines, "{mac} lines");
        assert_eq!(speed_dials(&r), sds, "{mac} speed dials");
        assert_eq!(r.keepalive, 30);
        assert_eq!(r.protocol, 11, "negotiated down to the classic layouts");
        assert_eq!(r.prompt, lines[0], "{mac} shows its primary extension");
        // Lines first, then speed dials, as the template says.
        let kinds: Vec<u8> = r.buttons.iter().map(|b| b.kind).collect();
        let mut want = vec![0x09; lines.len()];
        want.extend(std::iter::repeat_n(0x02, sds.len()));
        assert_eq!(kinds, want, "{mac} template");
        p.keepalive().await.unwrap();
        registered.push(p);
    }
    let summary = cli_text(&d.data, &["show ephone summary"]);
    assert!(
        summary.contains("Total ephones registered    : 8"),
        "{summary}"
    );
    let one = cli_text(&d.data, &["show ephone registered | include ephone-1\\["]);
    assert!(one.contains("Mac:001E.7A34.5A01"), "{one}");
    assert!(one.contains("REGISTERED in SCCP ver 11/17"), "{one}");
    let dn = cli_text(&d.data, &["show ephone dn 16"]);
    assert!(dn.contains("Tag 16, Normal or Intercom dn"), "{dn}");
    assert!(
        dn.contains("ephone 2, mac-address 0022.905B.11C2, line 1"),
        "{dn}"
    );
    // The first line's label and forwarding come from its ephone-dn.
    let r = registered[0].restart().await.unwrap();
    assert_eq!(r.lines[0].2, "Reception 1099");
    assert_eq!(
        r.forwards[2].1.as_deref(),
        Some("8000"),
        "1001 forwards busy to 8000"
    );
}

#[tokio::test]
async fn an_unknown_phone_is_rejected_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), support::SMALL_OFFICE);
    let mut p = Phone::new(addr(&d), "0000DEADBEEF", 436);
    match p.register().await {
        Err(cmed::sim::SimError::Rejected(text)) => assert_eq!(text, "Device Unknown"),
        other => panic!("{other:?}"),
    }
    assert!(p.closed_by_server().await);
    let out = cli_text(&d.data, &["show ephone attempted-registrations"]);
    assert!(out.contains("0000.DEAD.BEEF"), "{out}");
    assert!(out.contains("Telecaster 7965"), "{out}");
}

/// A phone that registered and is then given bytes that are not SCCP.
async fn bad_frame_closes_only_that_connection(bytes: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), support::SMALL_OFFICE);
    let mut good = Phone::new(addr(&d), "001E7A345A01", 436);
    good.register().await.unwrap();
    let mut bad = Phone::new(addr(&d), "0022905B11C2", 435);
    bad.register().await.unwrap();
    bad.send_raw(bytes).await.unwrap();
    assert!(bad.closed_by_server().await, "the bad connection is closed");
    good.keepalive().await.unwrap();
    let reg = cli_text(&d.data, &["show ephone registered summary"]);
    assert!(reg.contains("Total ephones registered    : 1"), "{reg}");
}

#[tokio::test]
async fn a_length_below_four_closes_only_that_connection() {
    // length 2: shorter than the message id it must cover.
    bad_frame_closes_only_that_connection(&[2, 0, 0, 0, 0, 0, 0, 0, 0, 0]).await;
}

#[tokio::test]
async fn an_oversized_length_closes_only_that_connection() {
    let mut b = vec![0u8; 12];
    b[..4].copy_from_slice(&1_000_000u32.to_le_bytes());
    bad_frame_closes_only_that_connection(&b).await;
}

#[tokio::test]
async fn a_truncated_register_closes_only_that_connection() {
    // A second Register (id 1) whose body is 8 bytes: too short to be one.
    let mut b = Vec::new();
    b.extend_from_slice(&12u32.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&1u32.to_le_bytes());
    b.extend_from_slice(b"SEP00000");
    bad_frame_closes_only_that_connection(&b).await;
}

#[tokio::test]
async fn a_silent_phone_becomes_deceased() {
    let dir = tempfile::tempdir().unwrap();
    let config = support::SMALL_OFFICE.replace(" keepalive 30\n", " keepalive 10\n");
    let d = office(dir.path(), &config);
    let mut p = Phone::new(addr(&d), "001F6C8E3307", 434);
    let r = p.register().await.unwrap();
    assert_eq!(r.keepalive, 10);
    // Two intervals without a keepalive: the server gives up on the phone.
    p.timeout = Duration::from_secs(40);
    assert!(p.closed_by_server().await);
    let out = cli_text(&d.data, &["show ephone summary | include 7942"]);
    assert!(out.contains("Deceased"), "{out}");
    let out = cli_text(&d.data, &["show ephone | include ephone-7"]);
    assert!(out.contains("DECEASED"), "{out}");
}

#[tokio::test]
async fn restart_sends_reset_and_the_phone_comes_back_with_its_template() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), support::SMALL_OFFICE);
    let mut p = Phone::new(addr(&d), "5475D0A32288", 585);
    let first = p.register().await.unwrap();
    let out = cli_text(
        &d.data,
        &[
            "configure terminal",
            "ephone 8",
            "button 1:10 2:12",
            "restart",
            "end",
        ],
    );
    assert!(!out.contains("\n% "), "{out}");
    assert_eq!(p.wait_reset().await.unwrap(), 2, "Reset type Restart");
    assert!(p.closed_by_server().await);
    let again = p.restart().await.unwrap();
    assert_eq!(numbers(&first), ["1010", "1012", "1050"]);
    // The new template: two lines, so both speed dials fit now.
    assert_eq!(numbers(&again), ["1010", "1012"]);
    assert_eq!(speed_dials(&again), ["1099", "1011"]);
    // `reset` sends type 1.
    cli_text(&d.data, &["configure terminal", "ephone 8", "reset", "end"]);
    assert_eq!(p.wait_reset().await.unwrap(), 1);
}

#[tokio::test]
async fn restart_all_reaches_every_registered_phone_and_a_second_registration_replaces_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), support::SMALL_OFFICE);
    let mut a = Phone::new(addr(&d), "001F6C8E3307", 434);
    let mut b = Phone::new(addr(&d), "7C69F6C10A06", 496);
    a.register().await.unwrap();
    b.register().await.unwrap();
    cli_text(
        &d.data,
        &[
            "configure terminal",
            "telephony-service",
            "restart all 0",
            "end",
        ],
    );
    assert_eq!(a.wait_reset().await.unwrap(), 2);
    assert_eq!(b.wait_reset().await.unwrap(), 2);
    // The same phone registering on a new connection takes over; the old one is closed.
    let mut a2 = Phone::new(addr(&d), "001F6C8E3307", 434);
    a.restart().await.unwrap();
    a2.register().await.unwrap();
    assert!(a.closed_by_server().await);
    a2.keepalive().await.unwrap();
    let log_has_ack = a2.log.iter().any(|m| matches!(m, ToPhone::KeepAliveAck));
    assert!(log_has_ack);
}

/// tshark, capturing our SCCP port on loopback until stopped.
struct Capture {
    child: std::process::Child,
    file: std::path::PathBuf,
}

impl Capture {
    fn start(dir: &Path, port: u16) -> Capture {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        let file = dir.join("sccp.pcap");
        let mut child = Command::new("tshark")
            .args(["-i", "lo", "-f", &format!("tcp port {port}"), "-w"])
            .arg(&file)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tshark (scripts/test.sh installs it)");
        // tshark says "Capturing on 'Loopback: lo'" once packets are being captured.
        let stderr = child.stderr.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("Capturing on") {
                    let _ = tx.send(());
                }
            }
        });
        rx.recv_timeout(Duration::from_secs(30))
            .expect("tshark did not start capturing");
        // "Capturing on" comes a moment before packets are really captured: probe with
        // connections until one shows up in the file.
        let cap = Capture { child, file };
        let live = support::wait_until(Duration::from_secs(20), || {
            let _ = std::net::TcpStream::connect(("127.0.0.1", port));
            cap.frames() > 0
        });
        assert!(live, "tshark captured nothing");
        cap
    }

    fn frames(&self) -> usize {
        let out = std::process::Command::new("tshark")
            .arg("-r")
            .arg(&self.file)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).lines().count()
    }

    /// Waits until the capture holds a frame whose Info column is `last` (the capture is
    /// written out in batches), stops it (SIGINT to our own tshark) and decodes it.
    fn decode(mut self, port: u16, last: &str, fields: &[&str]) -> Vec<Vec<String>> {
        use std::process::Command;
        let seen = support::wait_until(Duration::from_secs(20), || {
            self.read(port, &["_ws.col.Info"])
                .iter()
                .any(|r| r[0].trim() == last)
        });
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-INT", &pid]).status().unwrap();
        self.child.wait().unwrap();
        assert!(
            seen,
            "the capture never showed {last}: {} bytes, {:?}",
            std::fs::metadata(&self.file).map_or(0, |m| m.len()),
            self.read(port, &["_ws.col.Info"])
        );
        self.read(port, fields)
    }

    fn read(&self, port: u16, fields: &[&str]) -> Vec<Vec<String>> {
        use std::process::Command;
        let mut c = Command::new("tshark");
        c.arg("-r")
            .arg(&self.file)
            .args(["-d", &format!("tcp.port=={port},skinny")])
            .args(["-Y", &format!("skinny && tcp.srcport=={port}")])
            .args(["-T", "fields", "-E", "occurrence=a"]);
        for f in fields {
            c.args(["-e", f]);
        }
        let out = c.output().unwrap();
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| l.split('\t').map(String::from).collect())
            .collect()
    }
}

#[tokio::test]
async fn tshark_decodes_everything_the_server_sends_in_a_registration() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), support::SMALL_OFFICE);
    let cap = Capture::start(dir.path(), d.sccp);
    let mut p = Phone::new(addr(&d), "5475D0A32204", 585);
    p.register().await.unwrap();
    p.keepalive().await.unwrap();
    let rows = cap.decode(
        d.sccp,
        "KeepAliveAck",
        &[
            "_ws.col.Info",
            "_ws.malformed",
            "_ws.expert.severity",
            "skinny.keepAliveInterval",
            "skinny.lineDirNumber",
            "skinny.lineTextLabel",
            "skinny.speedDialDirNumber",
            "skinny.buttonDefinition",
            "skinny.promptStatus",
        ],
    );
    let info: Vec<&str> = rows.iter().map(|r| r[0].trim()).collect();
    for want in [
        "RegisterAck CapabilitiesReq",
        "ButtonTemplateRes",
        "SoftKeyTemplateRes",
        "SoftKeySetRes SelectSoftKeys",
        "LineStatRes",
        "ForwardStatRes",
        "SpeedDialStatRes",
        "ConfigStatRes",
        "TimeDateRes DisplayPromptStatus",
        "KeepAliveAck",
    ] {
        assert!(info.contains(&want), "tshark did not see {want}: {info:?}");
    }
    for r in &rows {
        assert!(r[1].is_empty() && r[2].is_empty(), "tshark flagged {r:?}");
    }
    let col = |i: usize| -> Vec<&str> {
        rows.iter()
            .map(|r| r[i].as_str())
            .filter(|v| !v.is_empty())
            .collect()
    };
    assert_eq!(col(3), ["30"]);
    assert_eq!(col(4), ["1900"]);
    assert_eq!(col(5), ["Lobby 1900"]);
    assert_eq!(col(6), ["1099", "8000"]);
    assert_eq!(col(7), ["0x09,0x02,0x02"]);
    assert_eq!(col(8), ["1900"]);
}
