//! INVITE floods (bounded in count and time, loopback only). From a stranger (no registered
//! phone, no dial-peer target, not on the trusted list): every INVITE is refused with one
//! `403` that keeps no transaction, so the flood costs no state and is not amplified by
//! retransmissions. From a trusted address, INVITEs to a number no one has each keep their
//! transaction (its `404` is retransmitted until ACKed): past the table's cap further ones
//! get `503` with `Retry-After`. Either way the daemon's memory stays bounded and a
//! registered phone is still served.

mod support;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use cmed::sim::sip::{SipPhone, Ua};

/// The daemon's resident memory, in kB.
fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

/// INVITE number `n` of a flood from `ip` to `number`, with an offer.
fn invite(ip: &str, port: u16, number: &str, n: u32) -> String {
    let sdp = format!(
        "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n\
m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    );
    format!(
        "INVITE sip:{number}@127.0.0.1:{port} SIP/2.0\r\n\
Via: SIP/2.0/UDP {ip}:5099;branch=z9hG4bKflood{n};rport\r\n\
Max-Forwards: 70\r\n\
From: <sip:9000@{ip}>;tag=f{n}\r\n\
To: <sip:{number}@127.0.0.1>\r\n\
Call-ID: flood-{n}@{ip}\r\n\
CSeq: 1 INVITE\r\n\
Contact: <sip:9000@{ip}:5099>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: {}\r\n\r\n{sdp}",
        sdp.len()
    )
}

/// Sends `count` INVITEs from `ip` to `number`, paced at about 3,000 a second (so that a
/// flood fills the daemon's table rather than overruns its socket buffer), and counts the
/// answers with status `a` and `b` until `enough` says so or 30 s have passed.
fn flood(
    d: &support::daemon::Daemon,
    ip: &str,
    number: &str,
    count: u32,
    (a, b): (&'static [u8], &'static [u8]),
    enough: fn(u32, u32) -> bool,
) -> (u32, u32) {
    let sock = UdpSocket::bind((ip, 0)).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let reader = sock.try_clone().unwrap();
    let counts = std::thread::spawn(move || {
        let (mut x, mut y) = (0u32, 0u32);
        let mut buf = [0u8; 4096];
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until && !enough(x, y) {
            if let Ok(n) = reader.recv(&mut buf) {
                let line = &buf[..n.min(12)];
                x += u32::from(line == a);
                y += u32::from(line == b);
            }
        }
        (x, y)
    });
    let started = Instant::now();
    for n in 0..count {
        let _ = sock.send_to(invite(ip, d.sip, number, n).as_bytes(), d.sip_addr());
        if n % 3 == 2 {
            // Pacing, not waiting: about 3,000 INVITEs a second, a flood the kernel's
            // receive buffer carries to cmed rather than drops before it is read.
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "bounded in time"
    );
    counts.join().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn invite_floods_are_refused_with_bounded_memory_and_a_phone_still_served() {
    let dir = tempfile::tempdir().unwrap();
    // A small table (`--sip-max-transactions`), so that a short flood fills it.
    let file = dir.path().join("startup.cfg");
    std::fs::write(&file, support::SMALL_OFFICE).unwrap();
    let d = support::daemon::start(
        &file,
        &dir.path().join("data"),
        &["--sip-max-transactions", "2000"],
    );
    let pid = d.child.id();
    let sip = SipPhone::new(d.sip_addr(), "00EBD5C29A11", "mlopez", "Lab2001x").unwrap();
    let mut marta = Ua::new(sip).await.unwrap();
    marta.register(Duration::from_secs(5)).await.unwrap();
    let before = rss_kb(pid);

    // A stranger: one 403 each, none retransmitted, no state.
    let (refused, other) = flood(
        &d,
        "127.0.0.3",
        "1099",
        4_000,
        (b"SIP/2.0 403 ", b"SIP/2.0 503 "),
        |x, _| x >= 2_000,
    );
    // A flood loses datagrams; enough of them are answered.
    assert!(refused >= 2_000, "403s: {refused}");
    // While the engine decides, an INVITE holds its transaction, so a flood faster than
    // the decisions may see some 503s (`other`); once refused, none stays: the trusted
    // flood below, right after, finds the table empty (it would be full for 32 s had
    // every 403 kept its transaction, and its INVITEs would get 503 at once).
    eprintln!("stranger: {refused} 403s, {other} 503s while deciding");
    let stranger = rss_kb(pid);

    // The voicemail server's address (dial-peer 8000's target), calling a number no one
    // has: 404s, each kept in its transaction for 32 s, until the table is full: 503s.
    let (unknown, shed) = flood(
        &d,
        "127.0.0.1",
        "7777",
        4_000,
        (b"SIP/2.0 404 ", b"SIP/2.0 503 "),
        |x, y| x >= 1_500 && y > 0,
    );
    assert!(unknown >= 1_500, "404s: {unknown} (503s: {shed})");
    assert!(
        shed > 0,
        "the table filled and shed load: {unknown} 404s, {shed} 503s"
    );
    // The phone is still served while the table is full.
    marta.register(Duration::from_secs(30)).await.unwrap();
    let after = rss_kb(pid);
    eprintln!(
        "floods: {refused} 403s, {unknown} 404s, {shed} 503s; RSS {before} kB, {stranger} kB \
         after the stranger, {after} kB with the table full"
    );
    assert!(
        after < before + 150 * 1024,
        "RSS grew from {before} kB to {after} kB under the floods"
    );
}
