//! Thin adapters, one per way in: the phone listeners (SCCP, TFTP, HTTP provisioning, the
//! service pages; SIP joins them), the control socket, the console and SSH. They own sockets,
//! terminals and per-connection tasks, translate bytes to typed inputs and back, and make no
//! domain decisions. They reach the engine through `actor::EngineHandle`.

pub mod about;
pub mod console;
pub mod control;
pub mod http_em;
pub mod http_prov;
pub mod http_serve;
pub mod idle;
pub mod metrics;
pub mod more;
pub mod phone_push;
pub mod provision;
pub mod sccp;
pub mod sip;
pub mod ssh;
pub mod stats;
pub mod syslog;
pub mod tftp;

/// A new connection number, unique across SCCP and SIP TCP connections (the engine's
/// registry and the actor's mailboxes share one space).
pub fn next_conn_id() -> crate::ids::ConnId {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    crate::ids::ConnId(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
}

/// Receive buffer of our UDP request sockets (TFTP, SIP). A phone-boot storm sends hundreds
/// of requests at once; with the kernel default (about 256 small datagrams) the rest were
/// dropped and the phones asked again a second later.
const REQUEST_RCVBUF: usize = 4 << 20;

/// Binds a UDP request socket, with room for a storm of requests.
///
/// # Errors
/// If the address cannot be bound.
pub fn bind_udp(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    // The kernel caps this at net.core.rmem_max; a smaller buffer is still a working socket.
    let _ = s.set_recv_buffer_size(REQUEST_RCVBUF);
    s.bind(&addr.into())?;
    s.set_nonblocking(true)?;
    tokio::net::UdpSocket::from_std(s.into())
}
