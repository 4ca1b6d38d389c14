//! The SIP listener: one UDP socket and one TCP listener on the `voice register global`
//! `source-address A port P` (or `--sip-port`), a thin tokio adapter around `proto::sip`.
//!
//! Each message is parsed at the edge. A `REGISTER` becomes a typed `SipRegister` for the
//! engine's registrar (the device name from the Cisco `+u.sip!devicename` contact parameter,
//! the digest credentials, the contacts), and the registrar's `Outcome` is rendered here:
//! 401 with two challenges (MD5, then SHA-256), 200 with the binding, `Expires` and `Date`
//! (the phones set their clock from it, RFC 3261 §20.17), 400, 403, 404, 423. `OPTIONS` is
//! answered 200 with `Allow` and `Accept` (§11.2). Requests we do not serve yet get 501. A
//! message that parses far enough for a response but lacks a mandatory header gets 400; one
//! that does not parse is dropped; neither ends anything but itself (over TCP, a frame that
//! cannot be cut ends that connection only). A TCP connection is the phone's flow: the
//! engine's restarts come back on it as NOTIFYs (§4.5 of the provisioning reference), and
//! RFC 5626 §4.4.1 CRLF keep-alives are answered.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;

use crate::actor::{EngineHandle, SipRestart};
use crate::debug::Flags;
use crate::engine::registrar::Outcome;
use crate::engine::{Flow, Input, SipContacts, SipRegister};
use crate::ids::{ConnId, DeviceName};
use crate::leg::RestartKind;
use crate::proto::sip::msg::{self, Contacts, Message, Method, Response, StartLine};

/// What the SIP side shares: the UDP socket, the TCP flows, our address for the messages we
/// originate, and counters for tags and branches.
pub struct Sip {
    udp: Arc<UdpSocket>,
    flows: Mutex<HashMap<ConnId, mpsc::UnboundedSender<Vec<u8>>>>,
    local: SocketAddr,
    serial: AtomicU64,
    debug: Arc<Flags>,
}

/// What `OPTIONS` answers may be used (RFC 3261 §11.2).
const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, NOTIFY";

impl Sip {
    /// The SIP side over a bound UDP socket; `local` is the address put in our own messages.
    pub fn new(udp: UdpSocket, local: SocketAddr, debug: Arc<Flags>) -> Arc<Sip> {
        Arc::new(Sip {
            udp: Arc::new(udp),
            flows: Mutex::new(HashMap::new()),
            local,
            serial: AtomicU64::new(1),
            debug,
        })
    }

    fn tag(&self) -> String {
        format!("cmed{:x}", self.serial.fetch_add(1, Relaxed))
    }

    /// Sends `bytes` on `flow`: its TCP connection, or a datagram to its address.
    fn send(&self, flow: Flow, bytes: Vec<u8>) {
        if Flags::on(&self.debug.ccsip_messages) {
            tracing::info!(target: "cmed::debug::ccsip", to = %flow.peer, "Sent:\n{}", String::from_utf8_lossy(&bytes));
        }
        match flow.tcp {
            Some(conn) => {
                let flows = self.flows.lock().expect("flows lock");
                match flows.get(&conn) {
                    Some(tx) => {
                        let _ = tx.send(bytes);
                    }
                    None => tracing::debug!(%conn, "SIP flow closed; message dropped"),
                }
            }
            None => {
                if let Err(e) = self.udp.try_send_to(&bytes, flow.peer) {
                    tracing::debug!(peer = %flow.peer, error = %e, "SIP datagram not sent");
                }
            }
        }
    }

    /// Restarts or resets a SIP phone: `NOTIFY` with `Event: check-sync`, then with
    /// `Event: service-control` and `action=restart|reset` and the `RegisterCallId` of its
    /// REGISTER, which the phone checks (provisioning reference §4.5).
    pub fn restart(&self, r: &SipRestart) {
        let action = match r.kind {
            RestartKind::Restart => "restart",
            RestartKind::Reset => "reset",
        };
        let body = format!(
            "action={action}\r\nRegisterCallId={{{}}}\r\nConfigVersionStamp={{00000000-0000-0000-0000-000000000000}}\r\n\
DialplanVersionStamp={{}}\r\nSoftkeyVersionStamp={{}}\r\nFeatureControlVersionStamp={{}}\r\nHeadsetVersionStamp={{}}\r\n",
            r.register_call_id
        );
        self.send(r.flow, self.notify(r, "check-sync", None));
        self.send(r.flow, self.notify(r, "service-control", Some(&body)));
        tracing::info!(contact = %r.contact, action, "SIP phone told to {action}");
    }

    fn notify(&self, r: &SipRestart, event: &str, body: Option<&str>) -> Vec<u8> {
        let n = self.serial.fetch_add(1, Relaxed);
        let transport = if r.flow.tcp.is_some() { "TCP" } else { "UDP" };
        let body = body.unwrap_or("");
        let mut text = format!(
            "NOTIFY {contact} SIP/2.0\r\n\
Via: SIP/2.0/{transport} {local};branch=z9hG4bKcmed{n:x};rport\r\n\
Max-Forwards: 70\r\n\
From: <sip:cmed@{local}>;tag=cmed{n:x}\r\n\
To: <{contact}>\r\n\
Call-ID: cmed-notify-{n:x}@{ip}\r\n\
CSeq: 1 NOTIFY\r\n\
Event: {event}\r\n\
Subscription-State: active\r\n\
Contact: <sip:cmed@{local}>\r\n",
            contact = r.contact,
            local = self.local,
            ip = self.local.ip(),
        );
        if !body.is_empty() {
            text.push_str("Content-Type: text/plain\r\n");
        }
        text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        text.into_bytes()
    }
}

/// The typed REGISTER for the engine, or the reason it is malformed.
fn register_of(m: &Message, flow: Flow) -> Result<SipRegister, &'static str> {
    let call_id = m.call_id().ok_or("missing Call-ID")?;
    let contacts = match m.contacts() {
        Contacts::None => SipContacts::Query,
        Contacts::Star => SipContacts::Star,
        Contacts::List(l) if l.is_empty() => return Err("malformed Contact"),
        Contacts::List(l) => {
            SipContacts::List(l.iter().map(|c| (c.uri.clone(), c.expires)).collect())
        }
    };
    let device = match m.contacts() {
        Contacts::List(l) => l.first().and_then(|c| {
            c.params
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("+u.sip!devicename.ccm.cisco.com"))
                .and_then(|(_, v)| DeviceName::parse(v.as_deref()?.trim_matches('"')))
        }),
        _ => None,
    };
    let auth = match m.authorization() {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(_)) => return Err("malformed Authorization"),
    };
    Ok(SipRegister {
        flow,
        reply: crate::engine::ReplyTo(0),
        device,
        to_user: m.to().and_then(|t| t.user),
        auth,
        contacts,
        expires: m.expires(),
        call_id,
    })
}

fn render(m: &Message, source: SocketAddr, tag: &str, o: &Outcome, now: u64) -> Vec<u8> {
    match o {
        Outcome::Challenge {
            realm,
            nonce,
            stale,
        } => Response::to(m, source, 401, "Unauthorized", tag)
            .header(
                "WWW-Authenticate",
                &crate::digest::challenge(realm, nonce, crate::digest::Algorithm::Md5, *stale),
            )
            .header(
                "WWW-Authenticate",
                &crate::digest::challenge(realm, nonce, crate::digest::Algorithm::Sha256, *stale),
            )
            .finish(),
        Outcome::Registered { contacts } => {
            let mut r = Response::to(m, source, 200, "OK", tag);
            for (uri, left) in contacts {
                r = r.header("Contact", &format!("<{uri}>;expires={left}"));
            }
            if let Some((_, left)) = contacts.first() {
                r = r.header("Expires", &left.to_string());
            }
            r.header("Date", &crate::civil::sip_date(now)).finish()
        }
        Outcome::BadRequest(why) => Response::to(m, source, 400, why, tag).finish(),
        Outcome::Forbidden(why) => {
            tracing::info!(peer = %source, reason = why, "SIP REGISTER refused");
            Response::to(m, source, 403, "Forbidden", tag).finish()
        }
        Outcome::NotFound => Response::to(m, source, 404, "Not Found", tag).finish(),
        Outcome::IntervalTooBrief { min } => {
            Response::to(m, source, 423, "Interval Too Brief", tag)
                .header("Min-Expires", &min.to_string())
                .finish()
        }
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Handles one message from `flow`.
async fn handle(sip: &Arc<Sip>, engine: &EngineHandle, bytes: &[u8], flow: Flow) {
    if Flags::on(&sip.debug.ccsip_messages) {
        tracing::info!(target: "cmed::debug::ccsip", from = %flow.peer, "Received:\n{}", String::from_utf8_lossy(bytes));
    }
    let m = match msg::parse(bytes) {
        Ok(m) => m,
        Err(e) => {
            tracing::debug!(peer = %flow.peer, error = %e, "SIP message dropped: does not parse");
            return;
        }
    };
    let StartLine::Request { method, .. } = &m.start else {
        // Responses to our NOTIFYs: nothing waits for them yet.
        return;
    };
    let source = flow.peer;
    if m.vias().is_empty() || m.cseq().is_none() || m.call_id().is_none() {
        if !m.vias().is_empty() {
            sip.send(
                flow,
                Response::to(&m, source, 400, "Missing Mandatory Header", &sip.tag()).finish(),
            );
        }
        return;
    }
    match method {
        Method::Register => {
            let req = match register_of(&m, flow) {
                Ok(r) => r,
                Err(why) => {
                    sip.send(
                        flow,
                        Response::to(&m, source, 400, why, &sip.tag()).finish(),
                    );
                    return;
                }
            };
            let Ok(outcome) = engine.sip_register(req).await else {
                sip.send(
                    flow,
                    Response::to(&m, source, 503, "Service Unavailable", &sip.tag()).finish(),
                );
                return;
            };
            sip.send(flow, render(&m, source, &sip.tag(), &outcome, unix_now()));
        }
        Method::Options => sip.send(
            flow,
            Response::to(&m, source, 200, "OK", &sip.tag())
                .header("Allow", ALLOW)
                .header("Accept", "application/sdp")
                .finish(),
        ),
        // ACK is never answered (§17.1.1.3); the rest comes with calls.
        Method::Ack => {}
        _ => sip.send(
            flow,
            Response::to(&m, source, 501, "Not Implemented", &sip.tag())
                .header("Allow", ALLOW)
                .finish(),
        ),
    }
}

/// Serves SIP over UDP until the task is dropped. Each REGISTER waits for the engine in a
/// task of its own, so one slow answer holds up no other datagram.
pub async fn serve_udp(sip: Arc<Sip>, engine: EngineHandle) {
    let mut buf = vec![0u8; msg::MAX_MESSAGE];
    loop {
        let (n, peer) = match sip.udp.recv_from(&mut buf).await {
            Ok(x) => x,
            Err(e) => {
                tracing::debug!(error = %e, "SIP UDP receive failed");
                continue;
            }
        };
        let bytes = &buf[..n];
        // A keep-alive (RFC 5626 §3.5.1 over UDP is STUN; phones send bare CRLFs): ignore.
        if bytes.iter().all(|b| *b == b'\r' || *b == b'\n') {
            continue;
        }
        let data = bytes.to_vec();
        let (sip, engine) = (sip.clone(), engine.clone());
        tokio::spawn(async move {
            let flow = Flow { tcp: None, peer };
            handle(&sip, &engine, &data, flow).await;
        });
    }
}

/// Accepts SIP over TCP until the task is dropped; each connection is a flow.
pub async fn serve_tcp(listener: TcpListener, sip: Arc<Sip>, engine: EngineHandle) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(error = %e, "SIP accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let conn = super::next_conn_id();
        let (sip, engine) = (sip.clone(), engine.clone());
        tokio::spawn(async move {
            connection(stream, peer, conn, &sip, &engine).await;
            sip.flows.lock().expect("flows lock").remove(&conn);
            engine.input(Input::Closed { conn }).await;
        });
    }
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    conn: ConnId,
    sip: &Arc<Sip>,
    engine: &EngineHandle,
) {
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    sip.flows.lock().expect("flows lock").insert(conn, tx);
    let writer = tokio::spawn(async move {
        while let Some(bytes) = rx.recv().await {
            if wr.write_all(&bytes).await.is_err() {
                break;
            }
        }
    });
    let flow = Flow {
        tcp: Some(conn),
        peer,
    };
    let mut buf: Vec<u8> = Vec::new();
    'read: loop {
        match rd.read_buf(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        loop {
            // RFC 5626 §4.4.1: a double CRLF is a keep-alive ping, answered with one CRLF.
            let lead = buf
                .iter()
                .take_while(|b| **b == b'\r' || **b == b'\n')
                .count();
            if lead > 0 {
                if buf[..lead].windows(4).any(|w| w == b"\r\n\r\n") {
                    sip.send(flow, b"\r\n".to_vec());
                }
                buf.drain(..lead);
            }
            match msg::frame(&buf) {
                Ok(Some(n)) => {
                    let one: Vec<u8> = buf.drain(..n).collect();
                    handle(sip, engine, &one, flow).await;
                }
                Ok(None) => break,
                Err(e) => {
                    tracing::warn!(%conn, %peer, error = %e, "SIP TCP connection closed: bad frame");
                    break 'read;
                }
            }
        }
        if buf.is_empty() {
            buf = Vec::new();
        }
    }
    writer.abort();
}
