//! TShark as an independent decoder of what cmed's SIP side sends: a 401 with its digest
//! challenge, the 200 that registers, the two restart NOTIFYs of an EM login and a 200 to
//! OPTIONS — taken from a running daemon over UDP, wrapped by `text2pcap` (UDP, cmed on
//! port 5060) and decoded by TShark, which must see each as SIP with the expected status or
//! method, Call-ID and CSeq, and with no malformed or warning/error expert marks.
//!
//! TShark and text2pcap come with the `tshark` package (`scripts/test.sh` installs it).

mod support;

use std::fmt::Write as _;
use std::net::UdpSocket;
use std::process::Command;
use std::time::Duration;

use support::daemon::{http_get, start_office};

fn run(cmd: &mut Command) -> String {
    let tool = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool}: {e} (scripts/test.sh installs tshark)"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn recv(s: &UdpSocket) -> Vec<u8> {
    let mut buf = [0u8; 65_535];
    let (n, _) = s.recv_from(&mut buf).expect("an answer from cmed");
    buf[..n].to_vec()
}

fn request(port: u16, method: &str, call_id: &str, extra: &str) -> String {
    format!(
        "{method} sip:127.0.0.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{call_id};rport\r\n\
From: <sip:1901@127.0.0.1>;tag=t{call_id}\r\n\
To: <sip:1901@127.0.0.1>\r\n\
Call-ID: {call_id}\r\n\
CSeq: 1 {method}\r\n\
Max-Forwards: 70\r\n\
{extra}Content-Length: 0\r\n\r\n"
    )
}

#[test]
fn tshark_decodes_every_sip_message_cmed_sends_without_complaint() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let cmed = d.sip_addr();
    let p = UdpSocket::bind("127.0.0.1:0").unwrap();
    p.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let port = p.local_addr().unwrap().port();
    let contact = |dev: &str| {
        format!(
            "Contact: <sip:1901@127.0.0.1:{port}>;+u.sip!devicename.ccm.cisco.com=\"{dev}\"\r\nExpires: 3600\r\n"
        )
    };
    // (what cmed sent, expected status or method, Call-ID, CSeq method)
    let mut got: Vec<(Vec<u8>, &str, String, &str)> = Vec::new();
    let r = request(port, "REGISTER", "ts-401", &contact("SEP00EBD5C29A11"));
    p.send_to(r.as_bytes(), cmed).unwrap();
    got.push((recv(&p), "401", "ts-401".into(), "REGISTER"));
    let r = request(port, "REGISTER", "ts-200", &contact("SEP2C3124376B12"));
    p.send_to(r.as_bytes(), cmed).unwrap();
    got.push((recv(&p), "200", "ts-200".into(), "REGISTER"));
    let r = request(port, "OPTIONS", "ts-opt", "");
    p.send_to(r.as_bytes(), cmed).unwrap();
    got.push((recv(&p), "200", "ts-opt".into(), "OPTIONS"));
    let (code, _) = http_get(
        d.http,
        "/emapp/EMAppServlet?device=SEP2C3124376B12&action=login&userid=amartin&password=Am4rtin9",
    );
    assert_eq!(code, 200);
    for _ in 0..2 {
        let n = recv(&p);
        let text = String::from_utf8_lossy(&n).into_owned();
        let call_id = text
            .lines()
            .find_map(|l| l.strip_prefix("Call-ID: "))
            .unwrap()
            .to_string();
        got.push((n, "NOTIFY", call_id, "NOTIFY"));
    }

    let mut dump = String::new();
    for (bytes, ..) in &got {
        for (i, line) in bytes.chunks(16).enumerate() {
            let _ = write!(dump, "{:06x}", i * 16);
            for b in line {
                let _ = write!(dump, " {b:02x}");
            }
            dump.push('\n');
        }
        dump.push('\n');
    }
    let txt = dir.path().join("dump.txt");
    let pcap = dir.path().join("sip.pcap");
    std::fs::write(&txt, dump).unwrap();
    run(Command::new("text2pcap")
        .args(["-q", "-u", "5060,5062"])
        .arg(&txt)
        .arg(&pcap));
    let fields = [
        "sip.Status-Code",
        "sip.Method",
        "sip.Call-ID",
        "sip.CSeq.method",
        "sip.WWW-Authenticate",
        "_ws.malformed",
        "_ws.expert.severity",
        "_ws.expert.message",
    ];
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(&pcap);
    cmd.args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = run(&mut cmd);
    let rows: Vec<Vec<&str>> = out.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), got.len(), "one row per message:\n{out}");
    for ((_, want, call_id, cseq), row) in got.iter().zip(&rows) {
        let (status, method) = (row[0], row[1]);
        assert!(status == *want || method == *want, "{want}: {row:?}");
        assert_eq!(row[2], call_id, "{row:?}");
        assert_eq!(row[3], *cseq, "{row:?}");
        if *want == "401" {
            assert_eq!(row[4].split('|').count(), 1, "one challenge: {row:?}");
        }
        assert!(row[5].is_empty(), "malformed: {row:?}");
        let worst = row[6]
            .split('|')
            .filter_map(|v| v.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        assert!(worst < 0x0060_0000, "expert: {row:?}");
    }
}
