//! The SCCP listener: a tokio adapter around `proto::sccp`.
//!
//! One task per TCP connection owns its [`Session`]: it frames and decodes what the phone
//! sends, feeds the session, writes what the session answers, and tells the engine what the
//! session reports (registration, hook changes, the end). The engine answers through the
//! connection's command channel. A frame that fails to decode, or an over-long length,
//! ends only this connection. Connections are bounded; one beyond the bound is closed at
//! once.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::mailbox::Mailbox;
use crate::daemon::actor::{EngineHandle, SccpRequest};
use crate::debug::Flags;
use crate::engine::phones::ConnCmd;
use crate::ids::ConnId;
use crate::proto::sccp::decode::decode_from_phone;
use crate::proto::sccp::encode::encode_to_phone;
use crate::proto::sccp::frame;
use crate::proto::sccp::msg::FromPhone;
use crate::proto::sccp::session::{Event, Phase, Session};

/// Most SCCP connections at once.
pub const MAX_CONNECTIONS: usize = 16_384;

fn mono() -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

fn unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Accepts phones on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, engine: EngineHandle, debug: Arc<Flags>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let next = AtomicU64::new(1);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(error = %e, "SCCP accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "SCCP connection refused: {MAX_CONNECTIONS} connections open");
            continue;
        };
        let _ = stream.set_nodelay(true);
        let conn = ConnId(next.fetch_add(1, Relaxed));
        let (e, d) = (engine.clone(), debug.clone());
        tokio::spawn(async move {
            connection(stream, peer, conn, &e, &d).await;
            e.sccp(SccpRequest::Closed { conn }).await;
            drop(permit);
        });
    }
}

/// Why a connection ended from our side of the socket.
#[derive(Debug)]
enum End {
    /// The phone closed the connection.
    PeerClosed,
    /// A socket error.
    Io(std::io::Error),
    /// A frame we cannot accept.
    BadFrame(String),
    /// The session is over (reset, rejected, unregistered, dead).
    Session,
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    conn: ConnId,
    engine: &EngineHandle,
    debug: &Flags,
) {
    let mailbox = Arc::new(Mailbox::default());
    // The rarely awaited steps (telling the engine, decoding a burst, the last flush) are
    // boxed: inline, their futures would widen every idle connection's task for good.
    Box::pin(engine.sccp(SccpRequest::Open {
        conn,
        mailbox: mailbox.clone(),
    }))
    .await;
    let (mut rd, mut wr) = stream.into_split();
    let mut session = Session::new(mono());
    // Buffers grow to the largest message seen (under 1 KB for a registration): thousands of
    // idle phones must not each hold pages of empty buffer.
    let mut inbuf: Vec<u8> = Vec::new();
    let mut out: Vec<u8> = Vec::new();
    let end = loop {
        // Everything the session wants said goes out before we wait again.
        while let Some(m) = session.poll_transmit() {
            if Flags::on(&debug.ephone_detail) {
                tracing::info!(target: "cmed::debug::ephone", %conn, %peer, msg = ?m, "send");
            }
            encode_to_phone(&m, session.proto(), &mut out);
        }
        if !out.is_empty() {
            if let Err(e) = wr.write_all(&out).await {
                break End::Io(e);
            }
            // An idle phone keeps no buffer: it speaks once per keepalive interval.
            out = Vec::new();
        }
        while let Some(ev) = session.poll_event() {
            Box::pin(report(engine, debug, conn, peer, ev)).await;
        }
        if session.phase() == Phase::Closed {
            break End::Session;
        }
        let wait = session
            .deadline()
            .map_or(Duration::from_secs(3600), |d| d.saturating_sub(mono()));
        tokio::select! {
            r = rd.read_buf(&mut inbuf) => match r {
                Ok(0) => break End::PeerClosed,
                Ok(_) => {
                    let fed = Box::pin(feed(&mut session, &mut inbuf, engine, debug, conn, peer));
                    if let Err(e) = fed.await {
                        break End::BadFrame(e);
                    }
                }
                Err(e) => break End::Io(e),
            },
            cmd = mailbox.next() => match cmd {
                ConnCmd::Accept(station, protocol) => session.accept(station, protocol, mono()),
                ConnCmd::Reject(text) => session.reject(text),
                ConnCmd::Reset(kind) => session.reset(kind),
                ConnCmd::Replaced => session.replaced(),
            },
            _ = tokio::time::sleep(wait) => session.on_tick(mono()),
        }
    };
    match &end {
        End::BadFrame(why) => {
            tracing::warn!(%conn, %peer, reason = %why, "SCCP connection closed: bad frame")
        }
        End::Io(e) => tracing::debug!(%conn, %peer, error = %e, "SCCP connection error"),
        End::PeerClosed | End::Session => {}
    }
    // Send what is left (a Reset, a RegisterReject) before closing.
    while let Some(m) = session.poll_transmit() {
        encode_to_phone(&m, session.proto(), &mut out);
    }
    if !out.is_empty() {
        let _ = wr.write_all(&out).await;
    }
    let _ = wr.shutdown().await;
    while let Some(ev) = session.poll_event() {
        Box::pin(report(engine, debug, conn, peer, ev)).await;
    }
    if Flags::on(&debug.ephone_register) {
        tracing::info!(target: "cmed::debug::ephone", %conn, %peer, reason = ?session.close_reason(), "SCCP connection closed");
    }
}

/// Decodes every whole frame in `inbuf` and hands it to the session.
async fn feed(
    session: &mut Session,
    inbuf: &mut Vec<u8>,
    engine: &EngineHandle,
    debug: &Flags,
    conn: ConnId,
    peer: SocketAddr,
) -> Result<(), String> {
    let mut used = 0;
    let result = loop {
        match frame::split(&inbuf[used..]) {
            Ok(Some((f, n))) => {
                let msg = match decode_from_phone(&f) {
                    Ok(m) => m,
                    Err(e) => break Err(format!("message 0x{:04X}: {e}", f.id)),
                };
                used += n;
                if Flags::on(&debug.ephone_detail) {
                    tracing::info!(target: "cmed::debug::ephone", %conn, %peer, ?msg, "receive");
                }
                if matches!(msg, FromPhone::KeepAlive) && session.phase() == Phase::Registered {
                    engine.sccp(SccpRequest::KeepAlive { conn }).await;
                }
                session.handle(msg, mono(), unix());
            }
            Ok(None) => break Ok(()),
            Err(e) => break Err(e.to_string()),
        }
    };
    inbuf.drain(..used);
    if inbuf.is_empty() {
        *inbuf = Vec::new();
    }
    result
}

async fn report(engine: &EngineHandle, debug: &Flags, conn: ConnId, peer: SocketAddr, ev: Event) {
    match ev {
        Event::Register(reg) => {
            if Flags::on(&debug.ephone_register) {
                tracing::info!(target: "cmed::debug::ephone", %conn, %peer, device = %reg.device_name, device_type = reg.device_type, protocol = reg.protocol, "register");
            }
            engine
                .sccp(SccpRequest::Register {
                    conn,
                    peer,
                    reg,
                    unix: unix(),
                })
                .await;
        }
        Event::Deceased => {
            tracing::info!(%conn, %peer, "SCCP phone missed its keepalives: DECEASED");
            engine.sccp(SccpRequest::Event { conn, event: ev }).await;
        }
        ev => engine.sccp(SccpRequest::Event { conn, event: ev }).await,
    }
}
