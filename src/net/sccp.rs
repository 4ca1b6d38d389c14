//! The SCCP listener: a tokio adapter around `proto::sccp`.
//!
//! One task per TCP connection owns its [`Connection`]: it frames and decodes what the phone
//! sends, feeds the connection, writes what it answers, and tells the engine what it reports
//! (registration, keepalives, hook changes, the end) as typed inputs — the device name is
//! parsed here, at the edge. The engine answers through the connection's mailbox. A frame that fails to decode, or an over-long length,
//! ends only this connection. Connections are bounded; one beyond the bound is closed at
//! once.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::actor::EngineHandle;
use crate::actor::mailbox::Mailbox;
use crate::debug::Flags;
use crate::engine::{ConnCmd, DeviceEvent, Input, Registration};
use crate::ids::{ConnId, DeviceName};
use crate::proto::sccp::connection::{Connection, Event, Phase};
use crate::proto::sccp::decode::decode_from_phone;
use crate::proto::sccp::encode::encode_to_phone;
use crate::proto::sccp::frame;

/// Most SCCP connections at once.
pub const MAX_CONNECTIONS: usize = 16_384;

fn mono() -> Duration {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// Accepts phones on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, engine: EngineHandle, debug: Arc<Flags>) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
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
        let conn = super::next_conn_id();
        let (e, d) = (engine.clone(), debug.clone());
        tokio::spawn(async move {
            connection(stream, peer, conn, &e, &d).await;
            e.input(Input::Closed { conn }).await;
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
    Box::pin(engine.open(conn, mailbox.clone())).await;
    let (mut rd, mut wr) = stream.into_split();
    let mut session = Connection::new(mono());
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
                    let fed = Box::pin(feed(&mut session, &mut inbuf, debug, conn, peer));
                    if let Err(e) = fed.await {
                        break End::BadFrame(e);
                    }
                }
                Err(e) => break End::Io(e),
            },
            cmd = mailbox.next() => match cmd {
                ConnCmd::Accept(station, protocol) => session.accept(station, protocol, mono()),
                ConnCmd::Reject(text) => session.reject(text),
                ConnCmd::Restart(kind) => session.reset(kind),
                ConnCmd::Replaced => session.replaced(),
                ConnCmd::Leg(chan, cmd) => session.leg(chan, cmd),
                ConnCmd::Mwi { line, on, handset } => session.mwi(line, on, handset),
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
    session: &mut Connection,
    inbuf: &mut Vec<u8>,
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
                // CME logs what a phone reports about its last restart (`Name=SEP… Load=…
                // Last=…`) as it registers.
                if let crate::proto::sccp::FromPhone::Alarm { text, .. } = &msg {
                    tracing::info!(ios = "IPPHONE-6-REG_ALARM", "{}", text.trim());
                }
                session.handle(msg, mono(), crate::actor::wall_clock());
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
    let event = match ev {
        Event::Register(reg) => {
            if Flags::on(&debug.ephone_register) {
                tracing::info!(target: "cmed::debug::ephone", %conn, %peer, device = %reg.device_name, device_type = reg.device_type, protocol = reg.protocol, "register");
            }
            let device = DeviceName::parse(&reg.device_name).ok_or(reg.device_name);
            let input = Input::Register(Registration {
                conn,
                peer,
                device,
                device_type: reg.device_type,
                protocol: reg.protocol,
                max_streams: reg.max_streams,
            });
            engine.input(input).await;
            return;
        }
        Event::KeepAlive => DeviceEvent::KeepAlive,
        Event::Leg(chan, leg) => DeviceEvent::Leg(chan, leg),
        Event::Unregistered => DeviceEvent::Unregistered,
        Event::Deceased => {
            tracing::info!(%conn, %peer, "SCCP phone missed its keepalives: DECEASED");
            DeviceEvent::Deceased
        }
        // Nothing for the engine: registration finished, or a message we do not handle.
        Event::Ready => return,
        Event::Unhandled(id) => {
            if Flags::on(&debug.ephone_detail) {
                tracing::info!(target: "cmed::debug::ephone", %conn, %peer, id = format_args!("0x{id:04X}"), "not handled");
            }
            return;
        }
    };
    engine.input(Input::Device { conn, event }).await;
}
