//! Digest on a registered SIP phone's INVITE, end to end over loopback: the daemon as a
//! child process, sipp (a client no one here wrote) registering pool 1 (`username mlopez
//! password Lab2001x`) and then calling from the same address — 401 to its INVITE, the ACK,
//! its INVITE with credentials: a wrong password is 403, the right one lets the call go on
//! to the dial plan (404 for a number no one has). A raw UDP phone shows what sipp does
//! not: the INVITE's 401 is the REGISTER's challenge (realm, algorithm, qop; a nonce of its
//! own), and a retransmitted INVITE is absorbed and answered with the same 401.
//! (The real clients answering the challenge by themselves are in `sip_calls_e2e`; a trunk's
//! INVITE, unchallenged, in `sip_trunk_e2e`.)

mod support;

use std::net::UdpSocket;
use std::process::{Command, Output};
use std::time::Duration;

use cmed::digest;
use support::daemon::{Daemon, cli_text, start_office};

/// `line` as a header line of a sipp message (nothing when empty: a blank line would end
/// the headers).
fn header_line(line: &str) -> String {
    if line.is_empty() {
        String::new()
    } else {
        format!("{line}\n      ")
    }
}

/// Pool 1's REGISTER, CSeq `cseq`, with the line `auth` (empty, or sipp's
/// `[authentication …]`).
fn register(cseq: u32, auth: &str) -> String {
    let auth = header_line(auth);
    format!(
        r#"
  <send retrans="500"><![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:2001@[remote_ip]>;tag=[pid]SIPpTag[call_number]
      To: <sip:2001@[remote_ip]>
      Call-ID: [call_id]
      CSeq: {cseq} REGISTER
      Contact: <sip:2001@[local_ip]:[local_port];transport=[transport]>
      {auth}Max-Forwards: 70
      Expires: 3600
      Content-Length: 0

    ]]></send>"#
    )
}

/// An INVITE to `[service]`, CSeq `cseq`, branch `…-i{cseq}` (fixed, so that the ACK of its
/// error response carries it, §17.1.1.3), with the line `auth`.
fn invite(cseq: u32, auth: &str) -> String {
    let auth = header_line(auth);
    format!(
        r#"
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-[pid]-[call_number]-i{cseq}
      From: <sip:2001@[remote_ip]>;tag=[pid]SIPpTagI[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: {cseq} INVITE
      Contact: <sip:2001@[local_ip]:[local_port]>
      {auth}Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]></send>
  <recv response="100" optional="true"/>"#
    )
}

/// The ACK of the error response to `invite(cseq, …)`.
fn ack(cseq: u32) -> String {
    format!(
        r#"
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-[pid]-[call_number]-i{cseq}
      From: <sip:2001@[remote_ip]>;tag=[pid]SIPpTagI[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: {cseq} ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>"#
    )
}

/// Registers pool 1, then calls `number`: first without credentials (401, ACK), then
/// answering the challenge with `password`, expecting `status` to that INVITE (and ACKing
/// it). One Call-ID throughout, with CSeq counting on (sipp finds its call by Call-ID).
/// sipp picks a free local port itself; it exits 0 only if the scenario ran to its end.
fn sipp(dir: &std::path::Path, d: &Daemon, number: &str, password: &str, status: u16) -> Output {
    let credentials = |p: &str| format!("[authentication username=mlopez password={p}]");
    let xml = format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="register, then an INVITE challenged">{}
  <recv response="401" auth="true"/>{}
  <recv response="200"/>{}
  <recv response="401" auth="true"/>{}{}
  <recv response="{status}"/>{}
</scenario>
"#,
        register(1, ""),
        register(2, &credentials("Lab2001x")),
        invite(3, ""),
        ack(3),
        invite(4, &credentials(password)),
        ack(4),
    );
    let sf = dir.join(format!("invite-{password}.xml"));
    std::fs::write(&sf, xml).unwrap();
    Command::new("sipp")
        .arg(d.sip_addr().to_string())
        .args(["-sf", sf.to_str().unwrap(), "-m", "1", "-i", "127.0.0.1"])
        .args(["-s", number, "-timeout", "15s", "-nostdin"])
        .current_dir(dir)
        .output()
        .expect("sipp runs (scripts/test.sh installs sip-tester)")
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: sipp failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// sipp, registered as pool 1, is challenged on its INVITE; with a wrong password its
/// answer is 403, with the right one the call goes on to the dial plan, which has no 5555
/// (404). No call is left behind either way.
#[test]
fn sipp_is_challenged_on_invite_and_a_wrong_password_is_forbidden() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    ok(
        &sipp(dir.path(), &d, "5555", "wrong", 403),
        "wrong password",
    );
    ok(
        &sipp(dir.path(), &d, "5555", "Lab2001x", 404),
        "right password",
    );
    let calls = cli_text(&d.data, &["show call active voice brief"]);
    assert!(calls.contains("Total call-legs: 0"), "{calls}");
}

/// A phone's UDP socket, waiting at most ten seconds for each datagram.
fn phone() -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

fn exchange(p: &UdpSocket, d: &Daemon, request: &str) -> String {
    p.send_to(request.as_bytes(), d.sip_addr()).unwrap();
    let mut buf = [0u8; 65_535];
    let (n, _) = p.recv_from(&mut buf).expect("an answer");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// The `WWW-Authenticate` value of a 401, with its nonce blanked out.
fn challenge_shape(r: &str) -> String {
    let value = r
        .lines()
        .find_map(|l| l.strip_prefix("WWW-Authenticate: "))
        .unwrap_or_else(|| panic!("no challenge in {r}"));
    let nonce = digest::parse_challenge(value)
        .expect("a digest challenge")
        .nonce;
    value.replace(&nonce, "NONCE")
}

/// Registers pool 1 (`mlopez`) from `p` with raw UDP, answering the 401; the 401's
/// challenge shape.
fn register_raw(p: &UdpSocket, d: &Daemon) -> String {
    let local = p.local_addr().unwrap();
    let register = |cseq: u32, auth: &str| {
        format!(
            "REGISTER sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKr{cseq};rport\r\n\
From: <sip:2001@127.0.0.1>;tag=r1\r\nTo: <sip:2001@127.0.0.1>\r\nCall-ID: reg-raw\r\n\
CSeq: {cseq} REGISTER\r\nContact: <sip:2001@{local}>\r\n{auth}Expires: 3600\r\nContent-Length: 0\r\n\r\n"
        )
    };
    let first = exchange(p, d, &register(1, ""));
    assert!(first.starts_with("SIP/2.0 401 Unauthorized\r\n"), "{first}");
    let shape = challenge_shape(&first);
    let value = first
        .lines()
        .find_map(|l| l.strip_prefix("WWW-Authenticate: "))
        .unwrap();
    let ch = digest::parse_challenge(value).unwrap();
    let answer = digest::respond(
        &ch,
        "REGISTER",
        "sip:127.0.0.1",
        "mlopez",
        "Lab2001x",
        "0a4f113b",
        1,
    );
    let ok = exchange(p, d, &register(2, &format!("Authorization: {answer}\r\n")));
    assert!(ok.starts_with("SIP/2.0 200 OK\r\n"), "{ok}");
    shape
}

/// Regression: after a restart, a phone's INVITE was taken for a stranger's (the trunk
/// path) until its next REGISTER. The recovered binding makes it the phone's call at once:
/// challenged (401), where the trunk path would have routed it unchallenged.
#[test]
fn after_a_restart_a_registered_phones_invite_is_its_own_call() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let p = phone();
    let local = p.local_addr().unwrap();
    register_raw(&p, &d);
    let d = support::daemon::crash_after_write_behind(d, &dir.path().join("startup.cfg"));
    let invite = format!(
        "INVITE sip:4444@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKa1;rport\r\n\
From: <sip:2001@127.0.0.1>;tag=a1\r\nTo: <sip:4444@127.0.0.1>\r\nCall-ID: after-restart\r\n\
CSeq: 1 INVITE\r\nContact: <sip:2001@{local}>\r\nContent-Length: 0\r\n\r\n"
    );
    p.send_to(invite.as_bytes(), d.sip_addr()).unwrap();
    let mut buf = [0u8; 65_535];
    let last = std::iter::from_fn(|| {
        let (n, _) = p.recv_from(&mut buf).ok()?;
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    })
    .find(|r| !r.starts_with("SIP/2.0 1"))
    .expect("a final answer to the INVITE");
    assert!(last.starts_with("SIP/2.0 401 Unauthorized\r\n"), "{last}");
}

/// The INVITE's 401 is the REGISTER's challenge: the same realm, algorithm and qop, with a
/// nonce of its own. The same INVITE again (a retransmission: same branch) is absorbed by
/// its server transaction and gets the very same 401.
#[test]
fn an_invites_401_is_the_registers_challenge_and_a_retransmission_gets_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let p = phone();
    let local = p.local_addr().unwrap();
    let shape = register_raw(&p, &d);

    let invite = format!(
        "INVITE sip:1099@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {local};branch=z9hG4bKi1;rport\r\n\
From: <sip:2001@127.0.0.1>;tag=i1\r\nTo: <sip:1099@127.0.0.1>\r\nCall-ID: inv-raw\r\n\
CSeq: 1 INVITE\r\nContact: <sip:2001@{local}>\r\nContent-Length: 0\r\n\r\n"
    );
    let challenged = exchange(&p, &d, &invite);
    assert!(
        challenged.starts_with("SIP/2.0 401 Unauthorized\r\n"),
        "{challenged}"
    );
    assert!(challenged.contains("CSeq: 1 INVITE\r\n"), "{challenged}");
    assert_eq!(challenge_shape(&challenged), shape, "{challenged}");
    assert_eq!(
        challenge_shape(&challenged),
        "Digest realm=\"CME-Office\", nonce=\"NONCE\", algorithm=MD5, qop=\"auth\""
    );
    let again = exchange(&p, &d, &invite);
    assert_eq!(again, challenged, "a retransmission got a new decision");
}
