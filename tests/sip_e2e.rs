//! The SIP registrar end to end over loopback: the daemon as a child process, sipp (a client
//! no one here wrote) registering with digest, and raw UDP/TCP sockets for what sipp cannot
//! show: the challenge, malformed input, CRLF keep-alives, and the NOTIFYs an Extension
//! Mobility login sends to a registered SIP phone.

mod support;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use support::daemon::{Daemon, http_get, start_office};

/// A phone's UDP socket, waiting at most `secs` for each datagram.
fn phone(secs: u64) -> UdpSocket {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(secs))).unwrap();
    s
}

fn recv(s: &UdpSocket) -> Option<String> {
    let mut buf = [0u8; 65_535];
    let (n, _) = s.recv_from(&mut buf).ok()?;
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

fn register(port: u16, device_param: &str, call_id: &str, expires: u32) -> String {
    format!(
        "REGISTER sip:127.0.0.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bK{call_id};rport\r\n\
From: <sip:1901@127.0.0.1>;tag=t{call_id}\r\n\
To: <sip:1901@127.0.0.1>\r\n\
Call-ID: {call_id}\r\n\
CSeq: 1 REGISTER\r\n\
Contact: <sip:1901@127.0.0.1:{port}>;+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-2c3124376b12>\";+u.sip!devicename.ccm.cisco.com=\"{device_param}\"\r\n\
Expires: {expires}\r\n\
Content-Length: 0\r\n\r\n"
    )
}

/// Registers pool 2 (SEP2C3124376B12, no credentials: at once) from `p`; its 200 OK.
fn register_pool_2(d: &Daemon, p: &UdpSocket, call_id: &str) -> String {
    let port = p.local_addr().unwrap().port();
    let req = register(port, "SEP2C3124376B12", call_id, 3600);
    p.send_to(req.as_bytes(), d.sip_addr()).unwrap();
    let r = recv(p).expect("200");
    assert!(r.starts_with("SIP/2.0 200 OK\r\n"), "{r}");
    r
}

/// Sends pool 1's REGISTER without credentials from `p` (Call-ID `call_id`); the answer
/// and its `WWW-Authenticate` values.
fn challenged(d: &Daemon, p: &UdpSocket, call_id: &str) -> (String, Vec<String>) {
    let port = p.local_addr().unwrap().port();
    let req = register(port, "SEP00EBD5C29A11", call_id, 3600);
    p.send_to(req.as_bytes(), d.sip_addr()).unwrap();
    let r = recv(p).expect("an answer");
    let challenges = r
        .lines()
        .filter(|l| l.to_ascii_lowercase().starts_with("www-authenticate:"))
        .map(str::to_string)
        .collect();
    (r, challenges)
}

/// What the EM service page does when amartin logs in on the SIP phone of pool 2.
fn login_amartin_on_pool_2(d: &Daemon) -> String {
    let (code, page) = http_get(
        d.http,
        "/emapp/EMAppServlet?device=SEP2C3124376B12&action=login&userid=amartin&password=Am4rtin9",
    );
    assert_eq!(code, 200, "{page}");
    page
}

/// sipp registers pool 1 (`username mlopez password Lab2001x`) with MD5 digest; with the
/// wrong password the same scenario fails on the 403.
#[test]
fn sipp_registers_a_pool_with_digest_and_a_wrong_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let run = |password: &str| support::sipp::register_pool_1(&d, dir.path(), password);
    let ok = run("Lab2001x");
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stdout)
    );
    let t = support::daemon::cli_text(&d.data, &["show sip-ua status registrar"]);
    for number in ["2001", "2002"] {
        // Both numbers of the pool, bound by one REGISTER (bulk registration).
        assert!(
            t.contains(&format!("\n{number:<13} 127.0.0.1        ")),
            "{number}: {t}"
        );
    }
    let bad = run("wrong");
    assert!(!bad.status.success(), "a wrong password registered");
    let t = support::daemon::cli_text(&d.data, &["show voice register statistics"]);
    for counted in [
        "  Registration requests      : 4\n",
        "    New registrations        : 1\n",
        "    Wrong password           : 1\n",
        "  Challenges sent (401)      : 2\n",
        "\nRegister pool 1 statistics\n  Active registrations       : 1\n",
        "    Registration success     : 1\n    Registration failed      : 1\n",
    ] {
        assert!(t.contains(counted), "{counted:?} in {t}");
    }
}

/// A router's configuration with `service password-encryption`: the pool's password is
/// type 7 in the startup-config, sipp answers the challenge with the clear password and
/// registers, and neither `show running-config` nor `write memory` shows the clear text.
#[test]
fn a_type_7_pool_password_from_a_router_registers_sipp_with_the_clear_password() {
    let dir = tempfile::tempdir().unwrap();
    let seven = cmed::config::secrets::type7("Lab2001x");
    let cfg = format!("service password-encryption\n{}", support::SMALL_OFFICE)
        .replace("password 0 Lab2001x", &format!("password 7 {seven}"));
    let d = support::daemon::start_with(dir.path(), &cfg);
    let out = support::sipp::register_pool_1(&d, dir.path(), "Lab2001x");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let t = support::daemon::cli_text(&d.data, &["show running-config", "write memory"]);
    assert!(
        t.contains(&format!(" username mlopez password 7 {seven}\n")),
        "{t}"
    );
    let saved = std::fs::read_to_string(dir.path().join("startup.cfg")).unwrap();
    assert!(saved.contains(&format!(" username mlopez password 7 {seven}\n")));
    for text in [&t, &saved] {
        assert!(
            !text.contains("Lab2001x") && !text.contains("password 0 "),
            "{text}"
        );
    }
}

/// kill -9, then a restart: the bindings written behind (at most a second after the
/// REGISTER) are registered again, and the restarted daemon reaches the phone on them.
#[test]
fn sip_bindings_survive_kill_9_and_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let p = phone(10);
    let port = p.local_addr().unwrap().port();
    register_pool_2(&d, &p, "kill-9");
    let d = support::daemon::crash_after_write_behind(d, &dir.path().join("startup.cfg"));
    let t = support::daemon::cli_text(&d.data, &["show voice register pool 2"]);
    assert!(t.contains("  State is REGISTERED\n"), "{t}");
    assert!(
        t.contains(&format!(
            "  Contact is sip:1901@127.0.0.1:{port} from 127.0.0.1:{port} over UDP\n"
        )),
        "{t}"
    );
    // The restarted daemon reaches the phone where it registered: a restart is a NOTIFY.
    support::daemon::cli_text(
        &d.data,
        &["configure terminal", "voice register pool 2", "restart"],
    );
    let n = recv(&p).expect("a NOTIFY after the restart");
    assert!(n.starts_with("NOTIFY sip:1901@127.0.0.1:"), "{n}");
    assert!(n.contains("Event: check-sync\r\n"), "{n}");
}

/// Regression: the 401 used to carry a second challenge, SHA-256, after the MD5 one, and
/// baresip 1.0.0 (libre 1.1.0 refuses a 401 if any challenge names an algorithm other than
/// MD5) never answered it ("Register: Function not implemented"). Without credentials a
/// pool with a password is challenged once, MD5 with `qop="auth"` as CME does, in the realm
/// of our hostname; the answer copies the dialog headers and fills rport.
#[test]
fn by_default_a_401_offers_only_md5_so_clients_refusing_unknown_algorithms_can_answer() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let p = phone(10);
    let port = p.local_addr().unwrap().port();
    let (r, challenges) = challenged(&d, &p, "c1");
    assert!(r.starts_with("SIP/2.0 401 Unauthorized\r\n"), "{r}");
    assert_eq!(challenges.len(), 1, "{r}");
    assert!(
        challenges[0].contains("realm=\"CME-Office\"")
            && challenges[0].contains("algorithm=MD5")
            && challenges[0].contains("qop=\"auth\""),
        "{r}"
    );
    assert!(!r.contains("SHA-256"), "{r}");
    assert!(
        r.contains(&format!(";rport={port};received=127.0.0.1")),
        "{r}"
    );
    assert!(
        r.contains("Call-ID: c1\r\n") && r.contains("CSeq: 1 REGISTER\r\n"),
        "{r}"
    );
}

/// With `authenticate algorithm sha-256` under `voice register global`, the 401 offers
/// SHA-256 after MD5 (RFC 8760 §2.4: the client takes the first it supports).
#[test]
fn authenticate_algorithm_sha_256_offers_sha_256_after_md5() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let t = support::daemon::cli_text(
        &d.data,
        &[
            "configure terminal",
            "voice register global",
            "authenticate algorithm sha-256",
        ],
    );
    assert!(!t.contains('%'), "{t}");
    let (r, challenges) = challenged(&d, &phone(10), "c-sha");
    assert_eq!(challenges.len(), 2, "{r}");
    assert!(challenges[0].contains("algorithm=MD5"), "{r}");
    assert!(
        challenges[1].contains("algorithm=SHA-256") && challenges[1].contains("qop=\"auth\""),
        "{r}"
    );
    let t = support::daemon::cli_text(
        &d.data,
        &["show running-config | section voice register global"],
    );
    assert!(t.contains(" authenticate algorithm sha-256\n"), "{t}");
}

/// A datagram that is not SIP is dropped, one missing its Call-ID gets 400, and the server
/// goes on answering: OPTIONS gets 200 with Allow.
#[test]
fn malformed_messages_end_only_themselves_and_options_is_answered() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let p = phone(10);
    let port = p.local_addr().unwrap().port();
    p.send_to(b"\x00\x01garbage\r\n\r\n", d.sip_addr()).unwrap();
    let no_call_id = format!(
        "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{port};branch=z9hG4bKa\r\nFrom: <sip:x@h>;tag=1\r\nTo: <sip:x@h>\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    );
    p.send_to(no_call_id.as_bytes(), d.sip_addr()).unwrap();
    let r = recv(&p).expect("400");
    assert!(r.starts_with("SIP/2.0 400 "), "{r}");
    let options = no_call_id.replace("CSeq: 1 OPTIONS", "Call-ID: o1\r\nCSeq: 1 OPTIONS");
    p.send_to(options.as_bytes(), d.sip_addr()).unwrap();
    let r = recv(&p).expect("200");
    assert!(r.starts_with("SIP/2.0 200 OK\r\n"), "{r}");
    assert!(
        r.contains("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, NOTIFY\r\n"),
        "{r}"
    );
}

/// Over TCP a double CRLF is a keep-alive ping answered with one CRLF (RFC 5626 §4.4.1), and
/// a REGISTER on the same connection is answered on it.
#[test]
fn tcp_keepalives_are_answered_and_requests_share_the_connection() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let mut s = TcpStream::connect(d.sip_addr()).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"\r\n\r\n").unwrap();
    let mut pong = [0u8; 2];
    s.read_exact(&mut pong).unwrap();
    assert_eq!(&pong, b"\r\n");
    let req = register(5060, "SEP00EBD5C29A11", "t1", 3600).replace("SIP/2.0/UDP", "SIP/2.0/TCP");
    s.write_all(req.as_bytes()).unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s.read(&mut buf).unwrap();
    let r = String::from_utf8_lossy(&buf[..n]);
    assert!(r.starts_with("SIP/2.0 401 Unauthorized\r\n"), "{r}");
}

/// An EM login on a registered SIP pool phone: the phone gets NOTIFY check-sync and
/// NOTIFY service-control (action=restart, the Call-ID of its REGISTER) on its flow, and
/// the file it then fetches carries the user's line.
#[test]
fn an_em_login_on_a_sip_phone_sends_the_restart_notifies_and_changes_its_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let p = phone(10);
    let port = p.local_addr().unwrap().port();
    let r = register_pool_2(&d, &p, "reg-2c31");
    assert!(r.contains("Date: ") && r.contains(" GMT\r\n"), "{r}");
    assert!(
        r.contains(&format!(
            "Contact: <sip:1901@127.0.0.1:{port}>;expires=3600\r\n"
        )),
        "{r}"
    );
    let page = login_amartin_on_pool_2(&d);
    assert!(page.contains("Login Successful"), "{page}");
    let first = recv(&p).expect("NOTIFY check-sync");
    assert!(
        first.starts_with(&format!("NOTIFY sip:1901@127.0.0.1:{port} SIP/2.0\r\n")),
        "{first}"
    );
    assert!(first.contains("Event: check-sync\r\n"), "{first}");
    let second = recv(&p).expect("NOTIFY service-control");
    assert!(second.contains("Event: service-control\r\n"), "{second}");
    assert!(
        second.contains("action=restart\r\nRegisterCallId={reg-2c31}\r\n"),
        "{second}"
    );
    let (code, file) = http_get(d.http_prov, "/SEP2C3124376B12.cnf.xml");
    assert_eq!(code, 200);
    assert!(file.contains("<name>1001</name>"), "{file}");
}

/// A retransmitted REGISTER (same branch) is absorbed by the server transaction: it gets
/// the very response already sent (the same nonce), not a second decision; and our NOTIFYs
/// are retransmitted over UDP until the phone answers (Timer E, RFC 3261 §17.1.2.2).
#[test]
fn retransmissions_are_absorbed_and_unanswered_notifies_are_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let p = phone(10);
    let port = p.local_addr().unwrap().port();
    let req = register(port, "SEP00EBD5C29A11", "re1", 3600);
    p.send_to(req.as_bytes(), d.sip_addr()).unwrap();
    let first = recv(&p).expect("401");
    p.send_to(req.as_bytes(), d.sip_addr()).unwrap();
    let again = recv(&p).expect("the 401 again");
    assert!(first.starts_with("SIP/2.0 401"), "{first}");
    assert_eq!(first, again, "a retransmission got a new decision");

    register_pool_2(&d, &p, "re2");
    login_amartin_on_pool_2(&d);
    let mut check_sync = Vec::new();
    while check_sync.len() < 2 {
        let m = recv(&p).expect("NOTIFYs until both check-sync copies");
        if m.contains("Event: check-sync") {
            check_sync.push(m);
        }
    }
    assert_eq!(
        check_sync[0], check_sync[1],
        "a retransmission is the same request"
    );
}

/// `show voice register pool N` shows a registered phone's contact and flow;
/// `clear voice register pool N` drops the binding; `show voice register dn` lists the pools
/// that carry a DN.
#[test]
fn show_and_clear_voice_register_pool() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let p = phone(10);
    let port = p.local_addr().unwrap().port();
    register_pool_2(&d, &p, "show-1");
    let t = support::daemon::cli_text(&d.data, &["show voice register pool 2"]);
    assert!(
        t.contains("Pool Tag 2\nConfig:\n  Mac address is 2C31.2437.6B12\n"),
        "{t}"
    );
    assert!(t.contains("  State is REGISTERED\n"), "{t}");
    assert!(
        t.contains(&format!(
            "  Contact is sip:1901@127.0.0.1:{port} from 127.0.0.1:{port} over UDP\n"
        )),
        "{t}"
    );
    let t = support::daemon::cli_text(
        &d.data,
        &["clear voice register pool 2", "show voice register pool 2"],
    );
    assert!(t.contains("  State is UNREGISTERED\n"), "{t}");
    let t = support::daemon::cli_text(&d.data, &["clear voice register pool 2"]);
    assert!(t.contains("% Pool 2 is not registered"), "{t}");
    let t = support::daemon::cli_text(&d.data, &["show voice register dn 1"]);
    assert!(t.contains("Dn Tag 1\nConfig:\n  Number is 2001\n"), "{t}");
    assert!(
        t.contains("  Pool 1    has this DN configured for line 1\n"),
        "{t}"
    );
    let t = support::daemon::cli_text(&d.data, &["show voice register all"]);
    assert!(
        t.starts_with("CME-Office#show voice register all\nVOICE REGISTER GLOBAL\n"),
        "{t}"
    );
    assert!(
        t.contains("VOICE REGISTER DN") && t.contains("VOICE REGISTER POOL"),
        "{t}"
    );
}
