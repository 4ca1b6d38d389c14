//! TShark as an independent decoder of what cmed's SIP side sends: a 401 with its digest
//! challenge, the 200 that registers, the two restart NOTIFYs of an EM login, a 200 to
//! OPTIONS and the 401 to a registered phone's INVITE — taken from a running daemon over
//! UDP — and the messages of calls, built by
//! `proto::sip::legs`; wrapped by `text2pcap` (UDP, cmed on
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

/// The fields read of each packet.
const FIELDS: [&str; 8] = [
    "sip.Status-Code",
    "sip.Method",
    "sip.Call-ID",
    "sip.CSeq.method",
    "sip.WWW-Authenticate",
    "_ws.malformed",
    "_ws.expert.severity",
    "_ws.expert.message",
];

/// Each message as one UDP packet (cmed on 5060, the phone on 5062), decoded by TShark:
/// one row of `fields` per packet, and TShark's whole output.
fn tshark_rows(
    dir: &std::path::Path,
    msgs: &[Vec<u8>],
    fields: &[&str],
) -> (Vec<Vec<String>>, String) {
    let mut dump = String::new();
    for bytes in msgs {
        for (i, line) in bytes.chunks(16).enumerate() {
            let _ = write!(dump, "{:06x}", i * 16);
            for b in line {
                let _ = write!(dump, " {b:02x}");
            }
            dump.push('\n');
        }
        dump.push('\n');
    }
    let txt = dir.join("dump.txt");
    let pcap = dir.join("sip.pcap");
    std::fs::write(&txt, dump).unwrap();
    run(Command::new("text2pcap")
        .args(["-q", "-u", "5060,5062"])
        .arg(&txt)
        .arg(&pcap));
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(&pcap);
    cmd.args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = run(&mut cmd);
    let rows = out
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    (rows, out)
}

/// No malformed mark and no expert mark of warning severity or worse.
fn clean(row: &[&str], malformed: usize, severity: usize) {
    assert!(row[malformed].is_empty(), "malformed: {row:?}");
    let worst = row[severity]
        .split('|')
        .filter_map(|v| v.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    assert!(worst < 0x0060_0000, "expert: {row:?}");
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

    // Pool 1 (2001) registers with digest from another socket; its INVITE's 401 is decoded
    // too.
    let q = UdpSocket::bind("127.0.0.1:0").unwrap();
    q.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let port = q.local_addr().unwrap().port();
    let pool_1 = |method: &str, call_id: &str, cseq: u32, extra: &str| {
        request(port, method, call_id, extra)
            .replace("sip:1901@", "sip:2001@")
            .replace("CSeq: 1 ", &format!("CSeq: {cseq} "))
            .replace(";branch=z9hG4bK", &format!(";branch=z9hG4bK{cseq}"))
    };
    let contact = format!("Contact: <sip:2001@127.0.0.1:{port}>\r\nExpires: 3600\r\n");
    q.send_to(pool_1("REGISTER", "ts-reg", 1, &contact).as_bytes(), cmed)
        .unwrap();
    let challenge = String::from_utf8(recv(&q)).unwrap();
    let ch = challenge
        .lines()
        .find_map(|l| l.strip_prefix("WWW-Authenticate: "))
        .and_then(cmed::digest::parse_challenge)
        .unwrap_or_else(|| panic!("no challenge: {challenge}"));
    let answer = cmed::digest::respond(
        &ch,
        "REGISTER",
        "sip:127.0.0.1",
        "mlopez",
        "Lab2001x",
        "c1",
        1,
    );
    let auth = format!("{contact}Authorization: {answer}\r\n");
    q.send_to(pool_1("REGISTER", "ts-reg", 2, &auth).as_bytes(), cmed)
        .unwrap();
    let ok = String::from_utf8(recv(&q)).unwrap();
    assert!(ok.starts_with("SIP/2.0 200 OK\r\n"), "{ok}");
    q.send_to(pool_1("INVITE", "ts-inv", 1, "").as_bytes(), cmed)
        .unwrap();
    got.push((recv(&q), "401", "ts-inv".into(), "INVITE"));

    let msgs: Vec<Vec<u8>> = got.iter().map(|g| g.0.clone()).collect();
    let (rows, out) = tshark_rows(dir.path(), &msgs, &FIELDS);
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(rows.len(), got.len(), "one row per message:\n{out}");
    for ((_, want, call_id, cseq), row) in got.iter().zip(&rows) {
        let (status, method) = (row[0], row[1]);
        assert!(status == *want || method == *want, "{want}: {row:?}");
        assert_eq!(row[2], call_id, "{row:?}");
        assert_eq!(row[3], *cseq, "{row:?}");
        if *want == "401" {
            assert_eq!(row[4].split('|').count(), 1, "one challenge: {row:?}");
        }
        clean(row, 5, 6);
    }
}

/// What cmed sends in calls — to a phone's INVITE the 100, 180, 200 with its SDP answer and
/// a BYE; the INVITE without SDP it rings a phone with, and its CANCEL — built by
/// `proto::sip::legs` and decoded by TShark with the SDP.
#[test]
fn tshark_decodes_the_call_messages_and_their_sdp() {
    use cmed::ids::DeviceName;
    use cmed::leg::{LegCmd, LineInstance, Party};
    use cmed::media::Codec;
    use cmed::proto::sip::legs::{Action, Dest, Legs};
    use cmed::proto::sip::msg::parse;
    use cmed::proto::sip::transaction::TxId;

    let dir = tempfile::tempdir().unwrap();
    let line = LineInstance(1);
    let phone = Dest {
        addr: "127.0.0.1:5062".parse().unwrap(),
        reliable: false,
    };
    let dev = cmed::leg::SipLegId::Phone(DeviceName::parse("SEP00EBD5C29A11").unwrap());
    let mut legs = Legs::new("127.0.0.1:5060".parse().unwrap(), 0x5eed);
    let bytes = |a: &[Action]| -> Vec<Vec<u8>> {
        a.iter()
            .filter_map(|a| match a {
                Action::Respond { bytes, .. }
                | Action::Refuse { bytes, .. }
                | Action::Invite { bytes, .. }
                | Action::Request { bytes, .. }
                | Action::Stateless(_, bytes) => Some(bytes.clone()),
                Action::Event(..) | Action::Call { .. } => None,
            })
            .collect()
    };
    let mut msgs = Vec::new();
    // A phone calls: 100, 180, 200 with our answer, our hold re-INVITE, then our BYE.
    let offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 10000 RTP/AVP 0\r\n";
    let invite = format!(
        "INVITE sip:1099@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bKp1\r\n\
From: <sip:2001@127.0.0.1>;tag=ph1\r\nTo: <sip:1099@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\
Contact: <sip:2001@127.0.0.1:5062>\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{offer}",
        offer.len()
    );
    msgs.extend(bytes(&legs.incoming(
        dev,
        phone,
        TxId(1),
        &parse(invite.as_bytes()).unwrap(),
    )));
    msgs.extend(bytes(&legs.command(dev, LegCmd::RingOut(line), None)));
    let media = "10.0.0.11:16384".parse().unwrap();
    let start = LegCmd::StartMedia {
        line,
        to: media,
        codec: Codec::Pcmu,
    };
    msgs.extend(bytes(&legs.command(dev, start.clone(), None)));
    // The other side holds: our re-INVITE with `sendonly`.
    msgs.extend(bytes(&legs.command(dev, LegCmd::MediaStop(line), None)));
    msgs.extend(bytes(&legs.command(dev, LegCmd::Idle(line), None)));
    // cmed rings the phone: INVITE without SDP, then CANCEL.
    let to = Some((phone, "sip:2001@127.0.0.1:5062"));
    let ring = LegCmd::RingIn {
        line,
        calling: Party {
            number: "1099".into(),
            name: "Front Desk".into(),
        },
        called: Party {
            number: "2001".into(),
            name: "Marta".into(),
        },
        // A forwarded call: its Diversion header is decoded too.
        redirect: Some(cmed::leg::Redirect {
            from: "1001".into(),
            reason: cmed::leg::RedirectReason::NoAnswer,
            counter: 1,
        }),
        offer: None,
    };
    msgs.extend(bytes(&legs.command(dev, ring, to)));
    msgs.extend(bytes(&legs.command(dev, LegCmd::Idle(line), to)));

    let fields = [
        FIELDS.as_slice(),
        &["sdp.media.port", "sdp.connection_info.address"],
    ]
    .concat();
    let (rows, out) = tshark_rows(dir.path(), &msgs, &fields);
    let want = [
        ("100", "", ""),
        ("180", "", ""),
        ("200", "16384", "10.0.0.11"),
        ("INVITE", "16384", "10.0.0.11"),
        ("BYE", "", ""),
        ("INVITE", "", ""),
        ("CANCEL", "", ""),
    ];
    assert_eq!(rows.len(), want.len(), "one row per message:\n{out}");
    for ((what, port, addr), row) in want.iter().zip(&rows) {
        let row: Vec<&str> = row.iter().map(String::as_str).collect();
        assert!(row[0] == *what || row[1] == *what, "{what}: {row:?}");
        assert_eq!((row[8], row[9]), (*port, *addr), "{what}: {row:?}");
        clean(&row, 5, 6);
    }
}
