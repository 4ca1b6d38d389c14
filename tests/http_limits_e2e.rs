//! The HTTP servers' limits, end to end on loopback: at most 16 connections at once from one
//! address (the next is closed at once; another address is still served), request headers
//! within 5 s (a stalled request is closed) and 16 kB, request bodies within 64 kB (413).

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use support::daemon::start_office;

/// Whether the server closes `s` (or answers and closes: hyper says 408) within `limit`.
fn closed_within(s: &mut TcpStream, limit: Duration) -> bool {
    s.set_read_timeout(Some(limit)).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).is_ok()
}

/// The first line of the answer to `request` on a new connection from `from`.
fn status_line(addr: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let _ = s.write_all(request);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

#[test]
fn the_phone_service_pages_limit_connections_headers_and_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let addr = SocketAddr::from(([127, 0, 0, 1], d.http));
    let get = b"GET /services HTTP/1.1\r\nHost: cmed\r\nConnection: close\r\n\r\n";
    assert_eq!(status_line(addr, get), "HTTP/1.1 200 OK");

    // Sixteen idle connections from 127.0.0.1 are held; the seventeenth is closed at once,
    // without an answer; 127.0.0.2 is still served.
    let held: Vec<TcpStream> = (0..16).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let mut extra = TcpStream::connect(addr).unwrap();
    let started = Instant::now();
    let mut buf = [0u8; 64];
    extra
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    assert!(matches!(extra.read(&mut buf), Ok(0)), "the 17th was closed");
    assert!(started.elapsed() < Duration::from_secs(3));
    let other = std::net::TcpListener::bind("127.0.0.2:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let s = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    s.bind(&SocketAddr::new(other.ip(), 0).into()).unwrap();
    s.connect(&addr.into()).unwrap();
    let mut from_other: TcpStream = s.into();
    from_other.write_all(get).unwrap();
    let mut answer = String::new();
    from_other
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = from_other.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    drop(held);
    // Their places come back as the server sees them close.
    assert!(support::wait_until(Duration::from_secs(5), || {
        status_line(addr, get) == "HTTP/1.1 200 OK"
    }));

    // A request whose headers never end is closed after 5 s.
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(b"GET /services HTTP/1.1\r\nHost: cmed\r\n")
        .unwrap();
    let started = Instant::now();
    assert!(closed_within(&mut stalled, Duration::from_secs(10)));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(4) && took < Duration::from_secs(9),
        "{took:?}"
    );

    // 20 kB of headers: 431; a 100 kB body for the EM API: 413.
    let big = format!(
        "GET /services HTTP/1.1\r\nHost: cmed\r\nX-Pad: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(20 * 1024)
    );
    let line = status_line(addr, big.as_bytes());
    assert!(line.contains(" 431 ") || line.is_empty(), "{line}");
    let body = "x".repeat(100 * 1024);
    let post = format!(
        "POST /emservice/EMServiceServlet HTTP/1.1\r\nHost: cmed\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    assert_eq!(
        status_line(addr, post.as_bytes()),
        "HTTP/1.1 413 Payload Too Large"
    );
}
