//! The TFTP server: a tokio adapter around `proto::tftp`.
//!
//! The listening socket only reads requests. Each request is answered from a socket of its
//! own on an ephemeral port (RFC 1350 §4: the server's transfer identifier), which also
//! carries the error for a refused request, as tftpd-hpa does. A datagram on a transfer
//! socket from anyone but the client gets ERROR 5 and is otherwise ignored (RFC 1350 §4).
//! A request repeated by the same client while its transfer runs is ignored rather than
//! answered twice; concurrent transfers are bounded, and a request beyond the bound is
//! refused with a "busy" error the phone retries.
//!
//! Each transfer, once its file is open, runs on a blocking thread of its own (as tftpd-hpa
//! runs a process per transfer): lock-step TFTP is one round trip per block, and a blocking
//! receive with the deadline as its timeout is the cheapest round trip there is. The
//! transfer bound keeps the thread count bounded; file reads happen on that thread.

use std::collections::HashSet;
use std::io::Read;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::Semaphore;

use super::provision::{Content, Provision, Served, Via};
use crate::net::stats::Counters;
use crate::proto::tftp::options::{self, Limits};
use crate::proto::tftp::packet::{self, ErrorCode, Mode, Packet, Request};
use crate::proto::tftp::transfer::{Failure, Sender, State};

/// Most transfers at once; a phone-boot storm of a few hundred phones fits.
pub const MAX_TRANSFERS: usize = 1024;

/// Largest datagram we read: a request is at most 512 bytes (RFC 2347), an ACK 4.
const RECV_BUF: usize = 2048;

static START: OnceLock<Instant> = OnceLock::new();

/// Time since the first call, as the sans-IO code wants it.
fn now() -> Duration {
    START.get_or_init(Instant::now).elapsed()
}

/// Largest read from a file at once. A lock-step transfer at blksize 512 would otherwise read
/// the file 512 bytes at a time, one system call per block.
const READ_CHUNK: usize = 64 * 1024;

/// A transfer in progress: the client's address and port, and the name it asked for.
type RequestKey = (SocketAddr, Vec<u8>);

/// Serves read requests arriving on `socket` until the task is dropped.
pub async fn serve(socket: UdpSocket, provision: Arc<Provision>, limits: Limits) {
    let local = socket.local_addr().map(|a| a.ip());
    let slots = Arc::new(Semaphore::new(MAX_TRANSFERS));
    // A request repeated by the same client port for the same name is a retransmission; the
    // same port asking for another name (CTLSEP…tlv, then SEP….cnf.xml) is a new request.
    let running: Arc<Mutex<HashSet<RequestKey>>> = Arc::default();
    let mut buf = vec![0u8; RECV_BUF];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf).await {
            Ok(x) => x,
            Err(e) => {
                // ICMP port unreachable from an earlier send surfaces here on Linux; keep serving.
                tracing::debug!(error = %e, "tftp receive error");
                continue;
            }
        };
        let answer_from = local.as_ref().map_or(peer.ip(), |ip| *ip);
        match packet::parse(&buf[..n]) {
            Ok(Packet::Rrq(req)) => {
                let key = (peer, req.filename.clone());
                if !running.lock().expect("tftp table").insert(key.clone()) {
                    continue; // the client repeated its request; the transfer already answers it
                }
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    running.lock().expect("tftp table").remove(&key);
                    Counters::bump(&provision.stats.tftp.errors);
                    tracing::warn!(%peer, "tftp: too many transfers, request refused");
                    reply_error(
                        answer_from,
                        peer,
                        ErrorCode::NotDefined,
                        "Server busy, try again",
                    );
                    continue;
                };
                let (p, l, r) = (provision.clone(), limits.clone(), running.clone());
                tokio::spawn(async move {
                    transfer(answer_from, peer, req, &p, &l).await;
                    r.lock().expect("tftp table").remove(&key);
                    drop(permit);
                });
            }
            Ok(Packet::Wrq(req)) => {
                Counters::bump(&provision.stats.tftp.refused);
                tracing::warn!(%peer, file = %String::from_utf8_lossy(&req.filename), "tftp write request refused");
                reply_error(
                    answer_from,
                    peer,
                    ErrorCode::AccessViolation,
                    "Read-only server",
                );
            }
            Ok(_) => {} // a stray DATA/ACK/ERROR on the request port
            Err(e) => {
                Counters::bump(&provision.stats.tftp.errors);
                tracing::debug!(%peer, error = %e, "malformed tftp request");
                reply_error(
                    answer_from,
                    peer,
                    ErrorCode::IllegalOperation,
                    "Malformed request",
                );
            }
        }
    }
}

/// Sends one ERROR from a fresh transfer socket, in the background.
fn reply_error(local: IpAddr, peer: SocketAddr, code: ErrorCode, message: &'static str) {
    tokio::spawn(async move {
        if let Ok(s) = UdpSocket::bind((local, 0)).await {
            send_error(&s, peer, code, message).await;
        }
    });
}

async fn send_error(s: &UdpSocket, peer: SocketAddr, code: ErrorCode, message: &str) {
    let mut out = Vec::new();
    packet::encode_error(code, message, &mut out);
    let _ = s.send_to(&out, peer).await;
}

/// Runs one read request to its end.
/// Sends a whole file from a blocking thread: the sender's datagrams out, the client's ACKs
/// in, the sender's deadline as the socket's read timeout. A read error of the file ends the
/// transfer with ERROR 0 to the client and is returned (already logged).
fn run_transfer(
    sock: std::net::UdpSocket,
    peer: SocketAddr,
    mut sender: Sender,
    mut content: Content,
) -> (Sender, Result<State, std::io::Error>) {
    let mut chunk = vec![0u8; READ_CHUNK];
    let mut out = Vec::with_capacity(READ_CHUNK.min(65_536) + 4);
    let mut inbuf = vec![0u8; RECV_BUF];
    let mut read_timeout: Option<Duration> = None;
    loop {
        while sender.wants_data() {
            match content.read(&mut chunk) {
                Ok(0) => sender.finish(),
                Ok(n) => sender.push(&chunk[..n]),
                Err(e) => {
                    tracing::warn!(%peer, error = %e, "tftp: file read failed");
                    let mut err = Vec::new();
                    packet::encode_error(ErrorCode::NotDefined, "Read error", &mut err);
                    let _ = sock.send_to(&err, peer);
                    return (sender, Err(e));
                }
            }
        }
        while sender.poll_transmit(&mut out) {
            if let Err(e) = sock.send_to(&out, peer) {
                tracing::debug!(%peer, error = %e, "tftp send failed");
            }
        }
        if sender.state() != State::Active {
            let st = sender.state();
            return (sender, Ok(st));
        }
        let Some(deadline) = sender.deadline() else {
            let st = sender.state();
            return (sender, Ok(st));
        };
        let wait = deadline.saturating_sub(now());
        if wait.is_zero() {
            sender.on_timeout(now());
            continue;
        }
        // Only touch the socket option when the wait changes by more than a little: after
        // each ACK the wait is the same negotiated timeout again.
        let rounded = Duration::from_millis(wait.as_millis().max(1) as u64);
        if read_timeout.is_none_or(|t| t.abs_diff(rounded) > Duration::from_millis(50)) {
            let _ = sock.set_read_timeout(Some(rounded));
            read_timeout = Some(rounded);
        }
        match sock.recv_from(&mut inbuf) {
            Ok((n, from)) if from == peer => sender.on_datagram(&inbuf[..n], now()),
            Ok((_, from)) => {
                let mut err = Vec::new();
                packet::encode_error(ErrorCode::UnknownTid, "Unknown transfer ID", &mut err);
                let _ = sock.send_to(&err, from);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                if now() >= deadline {
                    sender.on_timeout(now());
                }
            }
            // ICMP port unreachable: the client has gone. The deadline decides.
            Err(e) => tracing::debug!(%peer, error = %e, "tftp receive error"),
        }
    }
}

async fn transfer(local: IpAddr, peer: SocketAddr, req: Request, p: &Provision, limits: &Limits) {
    let counters = &p.stats.tftp;
    let sock = match UdpSocket::bind((local, 0)).await {
        Ok(s) => s,
        Err(e) => {
            Counters::bump(&counters.errors);
            tracing::warn!(%peer, error = %e, "tftp: cannot open a transfer socket");
            return;
        }
    };
    if req.mode == Mode::Mail {
        Counters::bump(&counters.refused);
        send_error(
            &sock,
            peer,
            ErrorCode::IllegalOperation,
            "Mail mode not supported",
        )
        .await;
        return;
    }
    let content = match p.open(&req.filename, peer, Via::Tftp) {
        Served::Content(c) => c,
        Served::NotFound => {
            send_error(&sock, peer, ErrorCode::FileNotFound, "File not found").await;
            return;
        }
        Served::Refused => {
            send_error(&sock, peer, ErrorCode::AccessViolation, "Access violation").await;
            return;
        }
    };
    let size = content.size().ok();
    let neg = options::negotiate(&req, size, limits);
    let sender = Sender::new(neg, req.mode, now());
    // The transfer itself runs on a blocking thread of its own, as tftpd-hpa runs a process
    // per transfer: lock-step TFTP is one round trip per block, and a blocking receive costs
    // two system calls a block where the event loop and its timer cost twice that.
    let std_sock = match sock
        .into_std()
        .and_then(|s| s.set_nonblocking(false).map(|()| s))
    {
        Ok(s) => s,
        Err(e) => {
            Counters::bump(&counters.errors);
            tracing::warn!(%peer, error = %e, "tftp: cannot use the transfer socket");
            return;
        }
    };
    counters.active.fetch_add(1, Relaxed);
    let run = tokio::task::spawn_blocking(move || run_transfer(std_sock, peer, sender, content));
    let (sender, outcome) = match run.await {
        Ok(r) => r,
        Err(e) => {
            counters.active.fetch_sub(1, Relaxed);
            Counters::bump(&counters.errors);
            tracing::error!(%peer, error = %e, "tftp transfer thread failed");
            return;
        }
    };
    counters.active.fetch_sub(1, Relaxed);
    counters.bytes.fetch_add(sender.bytes_sent(), Relaxed);
    let file = String::from_utf8_lossy(&req.filename);
    match outcome {
        Err(_) => Counters::bump(&counters.errors), // logged where it happened
        Ok(State::Done { .. }) => {
            if p.debugging() {
                tracing::info!(target: "cmed::debug::tftp", %peer, %file, bytes = sender.bytes_sent(), "tftp transfer complete");
            }
        }
        Ok(State::Failed(f)) => {
            Counters::bump(&counters.errors);
            match f {
                Failure::TimedOut => tracing::info!(%peer, %file, "tftp transfer timed out"),
                Failure::Peer { code, message } => {
                    tracing::info!(%peer, %file, code, %message, "tftp transfer ended by the client")
                }
            }
        }
        Ok(State::Active) => {}
    }
}
