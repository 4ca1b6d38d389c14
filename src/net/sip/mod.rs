//! The SIP listener: one UDP socket and one TCP listener on the `voice register global`
//! `source-address A port P` (or `--sip-port`), a thin tokio adapter around `proto::sip`.
//!
//! Each message is parsed at the edge. A `REGISTER` becomes a typed `SipRegister` for the
//! engine's registrar, and the registrar's `Outcome` is rendered as its response
//! (`register.rs`): 401 with an MD5 challenge (as CME; SHA-256 after it when configured),
//! 200 with the binding, `Expires` and `Date` (the phones set their clock from it, RFC 3261
//! §20.17), 400, 403, 404, 423. `OPTIONS` is answered 200 with `Allow` and `Accept` (§11.2).
//! INVITE, BYE and CANCEL belong to calls (`calls.rs`, over `proto::sip::legs`; a
//! registered phone's new INVITE is first checked by the registrar, and challenged like a
//! REGISTER); other requests get 501. A message that parses far enough for a response but lacks a mandatory
//! header gets 400; one that does not parse is dropped; neither ends anything but itself (over TCP, a frame that
//! cannot be cut ends that connection only). A TCP connection is the phone's flow: the
//! engine's restarts come back on it as NOTIFYs (§4.5 of the provisioning reference), and
//! RFC 5626 §4.4.1 CRLF keep-alives are answered.
//!
//! The receive tasks parse; one core task owns the RFC 3261 §17 transaction layer
//! (`proto::sip::transaction`): a retransmitted REGISTER is absorbed and answered with the
//! response already sent, our NOTIFYs are retransmitted over UDP until answered, and the
//! layer's deadline drives its timers. Beyond [`MAX_TRANSACTIONS`] live transactions (or
//! `--sip-max-transactions`), REGISTERs are answered statelessly (RFC 3261 §8.2.7) and other
//! new requests but ACK, BYE and CANCEL get `503` with `Retry-After`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::mpsc;

use crate::proto::sip::transaction::{COOKIE, Dispatch, Inbound, Layer, Outbound, TuEvent};
use crate::small_str::SmallStr;
use crate::time::Mono;

use crate::actor::{EngineHandle, SipRestart};
use crate::debug::Flags;
use crate::engine::registrar::Outcome;
use crate::engine::{Flow, Input};
use crate::ids::{ConnId, DeviceName};
use crate::leg::RestartKind;
use crate::proto::sip::legs::Legs;
use crate::proto::sip::msg::{self, Message, Method, Response, StartLine};

mod calls;
mod counts;
mod mwi;
mod register;

pub use counts::SipCounts;
use register::{Registered, register_of};

/// What the SIP side shares: the UDP socket, the TCP flows, our address for the messages we
/// originate, and counters for tags and branches.
pub struct Sip {
    udp: Arc<UdpSocket>,
    flows: Mutex<Flows>,
    local: SocketAddr,
    serial: AtomicU64,
    /// Random at every start, in every tag and branch of ours (RFC 3261 §19.3).
    salt: u64,
    debug: Arc<Flags>,
    core: mpsc::UnboundedSender<CoreMsg>,
    /// Which phone registered from each address (from the registrar's answers), so an
    /// INVITE is known to come from a registered phone.
    bound: Mutex<Bound>,
    /// Live transactions past which new requests are shed (see [`MAX_TRANSACTIONS`]).
    max_transactions: usize,
    /// Transactions started, shed and live (`/metrics`).
    pub counts: SipCounts,
}

/// The registered phones by address, and each phone's address (a REGISTER storm must not
/// scan the table to replace a phone's old address).
#[derive(Default)]
struct Bound {
    by_peer: HashMap<SocketAddr, DeviceName>,
    by_device: HashMap<DeviceName, SocketAddr>,
}

/// The open TCP flows: by connection, and by the peer address the transaction layer uses.
#[derive(Default)]
struct Flows {
    by_conn: HashMap<ConnId, (SocketAddr, mpsc::UnboundedSender<Vec<u8>>)>,
    by_peer: HashMap<SocketAddr, ConnId>,
}

/// What the core task is told.
enum CoreMsg {
    /// A parsed message from a flow.
    Message(Box<Message>, Flow),
    /// The engine answered a request: the response for that server transaction (`None`:
    /// answered statelessly).
    Answer {
        id: Option<crate::proto::sip::transaction::TxId>,
        status: u16,
        bytes: Vec<u8>,
        flow: Flow,
    },
    /// The engine decided a REGISTER.
    Registered(Box<Registered>),
    /// Restart or reset a phone.
    Restart(SipRestart),
    /// Tell a phone of its messages.
    Mwi(crate::actor::SipMwi),
    /// A call leg command for a phone.
    Leg(crate::actor::SipLegCmd),
    /// The engine checked a registered phone's INVITE.
    Checked(Box<calls::Checked>),
    /// Answer once everything queued before has been sent (the daemon stops).
    Drain(tokio::sync::oneshot::Sender<()>),
}

/// The receiving end of the core's queue, handed to [`run_core`].
pub struct CoreQueue(mpsc::UnboundedReceiver<CoreMsg>);

/// Server transactions beyond which a REGISTER is answered statelessly (RFC 3261 §8.2.7) and
/// any other new request but ACK, BYE and CANCEL gets `503` with `Retry-After`. A
/// REGISTER's transaction keeps its response for Timer J, 32 s over UDP, about 2 kB: under a
/// sustained flood (5,000 REGISTER/s measured 478 MB) the table, not the phones, would hold
/// the memory. Below the bound every request keeps its transaction and retransmissions are
/// absorbed; above it a retransmitted REGISTER is simply decided again.
pub const MAX_TRANSACTIONS: usize = 20_000;

/// What `OPTIONS` answers may be used (RFC 3261 §11.2).
const ALLOW: &str = "INVITE, ACK, BYE, CANCEL, OPTIONS, REGISTER, NOTIFY";

impl Sip {
    /// The SIP side over a bound UDP socket; `local` is the address put in our own messages.
    pub fn new(
        udp: UdpSocket,
        local: SocketAddr,
        debug: Arc<Flags>,
        salt: u64,
        max_transactions: usize,
    ) -> (Arc<Sip>, CoreQueue) {
        let (core, rx) = mpsc::unbounded_channel();
        let sip = Arc::new(Sip {
            udp: Arc::new(udp),
            flows: Mutex::new(Flows::default()),
            local,
            serial: AtomicU64::new(1),
            salt,
            debug,
            core,
            bound: Mutex::new(Bound::default()),
            max_transactions,
            counts: SipCounts::default(),
        });
        (sip, CoreQueue(rx))
    }

    /// Waits until the core has sent what was queued before (the BYEs of a stop), at most
    /// `limit`.
    pub async fn drain(&self, limit: std::time::Duration) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        if self.core.send(CoreMsg::Drain(tx)).is_ok() {
            let _ = tokio::time::timeout(limit, rx).await;
        }
    }

    /// Asks the core to restart or reset a phone (the engine's `ToSip` effect).
    pub fn restart(&self, r: SipRestart) {
        let _ = self.core.send(CoreMsg::Restart(r));
    }

    /// The phone that registered from `peer`, if any.
    fn device_at(&self, peer: SocketAddr) -> Option<DeviceName> {
        self.bound
            .lock()
            .expect("bound lock")
            .by_peer
            .get(&peer)
            .copied()
    }

    /// Keeps [`Sip::device_at`] in step with a registrar's answer to `peer`.
    fn learn(&self, peer: SocketAddr, o: &Outcome) {
        if let Outcome::Registered { contacts, device } = o {
            self.bind(*device, (!contacts.is_empty()).then_some(peer));
        }
    }

    /// `device` registered from `peer` in an earlier run (its binding was recovered from
    /// the store): its INVITEs are its own at once, not only after its next REGISTER.
    pub fn recovered(&self, device: DeviceName, peer: SocketAddr) {
        self.bind(device, Some(peer));
    }

    /// Where `device` registered from now (`None`: nowhere).
    fn bind(&self, device: DeviceName, peer: Option<SocketAddr>) {
        let mut b = self.bound.lock().expect("bound lock");
        if let Some(old) = b.by_device.remove(&device) {
            b.by_peer.remove(&old);
        }
        if let Some(peer) = peer {
            b.by_peer.insert(peer, device);
            b.by_device.insert(device, peer);
        }
    }

    /// A fresh tag: this run's random salt and a counter (RFC 3261 §19.3).
    fn tag(&self) -> String {
        format!("cmed{:x}{:x}", self.salt, self.serial.fetch_add(1, Relaxed))
    }

    /// Sends `bytes` to `dest`: on its TCP connection when `reliable`, else a datagram.
    fn send_to(&self, dest: SocketAddr, reliable: bool, bytes: &[u8]) {
        if Flags::on(&self.debug.ccsip_messages) {
            tracing::info!(target: "cmed::debug::ccsip", to = %dest, "Sent:\n{}", String::from_utf8_lossy(bytes));
        }
        if reliable {
            let flows = self.flows.lock().expect("flows lock");
            match flows.by_peer.get(&dest).and_then(|c| flows.by_conn.get(c)) {
                Some((_, tx)) => {
                    let _ = tx.send(bytes.to_vec());
                }
                None => tracing::debug!(%dest, "SIP flow closed; message dropped"),
            }
        } else if let Err(e) = self.udp.try_send_to(bytes, dest) {
            tracing::debug!(peer = %dest, error = %e, "SIP datagram not sent");
        }
    }

    /// Sends outside any transaction (a CRLF pong, a 400 to what has no usable Via).
    fn send(&self, flow: Flow, bytes: Vec<u8>) {
        self.send_to(flow.peer, flow.tcp.is_some(), &bytes);
    }

    /// The two NOTIFYs that restart or reset a SIP phone: `Event: check-sync`, then
    /// `Event: service-control` with `action=restart|reset` and the `RegisterCallId` of its
    /// REGISTER, which the phone checks (provisioning reference §4.5). Branch and bytes.
    fn restart_notifies(&self, r: &SipRestart) -> [(String, Vec<u8>); 2] {
        let action = match r.kind {
            RestartKind::Restart => "restart",
            RestartKind::Reset => "reset",
        };
        let body = format!(
            "action={action}\r\nRegisterCallId={{{}}}\r\nConfigVersionStamp={{00000000-0000-0000-0000-000000000000}}\r\n\
DialplanVersionStamp={{}}\r\nSoftkeyVersionStamp={{}}\r\nFeatureControlVersionStamp={{}}\r\nHeadsetVersionStamp={{}}\r\n",
            r.register_call_id
        );
        tracing::info!(contact = %r.contact, action, "SIP phone told to {action}");
        [
            self.notify(r.flow, &r.contact, "check-sync", None),
            self.notify(
                r.flow,
                &r.contact,
                "service-control",
                Some(("text/plain", &body)),
            ),
        ]
    }

    /// A NOTIFY of `event` to `contact` on `flow`, with a body of its content type if any:
    /// branch and bytes.
    fn notify(
        &self,
        flow: Flow,
        contact: &str,
        event: &str,
        body: Option<(&str, &str)>,
    ) -> (String, Vec<u8>) {
        let n = format!("{:x}{:x}", self.salt, self.serial.fetch_add(1, Relaxed));
        let transport = if flow.tcp.is_some() { "TCP" } else { "UDP" };
        let (content_type, body) = body.unwrap_or(("", ""));
        let mut text = format!(
            "NOTIFY {contact} SIP/2.0\r\n\
Via: SIP/2.0/{transport} {local};branch=z9hG4bKcmed{n};rport\r\n\
Max-Forwards: 70\r\n\
From: <sip:cmed@{local}>;tag=cmed{n}\r\n\
To: <{contact}>\r\n\
Call-ID: cmed-notify-{n}@{ip}\r\n\
CSeq: 1 NOTIFY\r\n\
Event: {event}\r\n\
Subscription-State: active\r\n\
Contact: <sip:cmed@{local}>\r\n",
            local = self.local,
            ip = self.local.ip(),
        );
        if !body.is_empty() {
            text.push_str(&format!("Content-Type: {content_type}\r\n"));
        }
        text.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
        (format!("z9hG4bKcmed{n}"), text.into_bytes())
    }
}

/// The summary the transaction layer matches on.
fn inbound(m: &Message, bytes: &[u8]) -> Option<Inbound> {
    let via = m.vias().into_iter().next()?;
    let (cseq, cseq_method) = m.cseq()?;
    let s = |v: Option<String>| SmallStr::from(v.unwrap_or_default().as_str());
    let (status, method, uri) = match &m.start {
        StartLine::Request { method, uri } => (None, method.clone(), uri.as_str()),
        StartLine::Response { code, .. } => (Some(*code), cseq_method, ""),
    };
    // The From tag keys only what RFC 3261 keys by it: an INVITE and its ACK (§17.2.3,
    // the ACK for a 2xx), and a request from an RFC 2543 peer (no magic cookie). Decoding
    // From for every other request was a twentieth of a REGISTER's cost.
    let keyed_by_from = status.is_none()
        && (matches!(method, Method::Invite | Method::Ack)
            || !via.branch.as_deref().is_some_and(|b| b.starts_with(COOKIE)));
    Some(Inbound {
        method,
        status,
        branch: s(via.branch),
        sent_by: SmallStr::from(via.sent_by.to_ascii_lowercase().as_str()),
        cseq,
        call_id: s(m.call_id()),
        from_tag: if keyed_by_from {
            s(m.from().and_then(|f| f.tag))
        } else {
            SmallStr::default()
        },
        to_tag: s(m.to().and_then(|t| t.tag)),
        request_uri: SmallStr::from(uri),
        to: s(m.first("to")),
        bytes: Arc::from(bytes),
    })
}

/// Reads one message from `flow` and hands it to the core; what does not parse is dropped
/// here (RFC 3261 §18.3 leaves no one to answer), what lacks a mandatory header gets 400.
fn receive(sip: &Sip, bytes: &[u8], flow: Flow) {
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
    if m.vias().is_empty() || m.cseq().is_none() || m.call_id().is_none() {
        if m.is_request() && !m.vias().is_empty() {
            let r = Response::to(&m, flow.peer, 400, "Missing Mandatory Header", &sip.tag());
            sip.send(flow, r.finish());
        }
        return;
    }
    let _ = sip.core.send(CoreMsg::Message(Box::new(m), flow));
}

/// The core: owns the transaction layer, starts the engine's work for new requests, sends
/// their answers through their transactions, and runs the layer's timers.
pub async fn run_core(sip: Arc<Sip>, queue: CoreQueue, engine: EngineHandle) {
    let CoreQueue(mut rx) = queue;
    let start = std::time::Instant::now();
    let now = || Mono(start.elapsed());
    // The subscriptions follow the configuration, which comes with each snapshot.
    let mut snapshots = engine.subscribe();
    let mut watching = true;
    let mut tu = calls::Tu {
        events: calls::forwarder(engine.clone()),
        engine,
        layer: Layer::default(),
        legs: Legs::new(sip.local, sip.salt),
        mwi: mwi::Subscribing::new(sip.local, sip.salt),
    };
    let model = snapshots.borrow_and_update().model.clone();
    tu.mwi.follow(&model, now());
    let mut drained: Vec<tokio::sync::oneshot::Sender<()>> = Vec::new();
    loop {
        let deadline = [tu.layer.deadline(), tu.mwi.deadline()]
            .into_iter()
            .flatten()
            .min()
            .map(|d| tokio::time::Instant::from_std(start + d.0));
        tokio::select! {
            m = rx.recv() => match m {
                None => break,
                Some(CoreMsg::Drain(tx)) => drained.push(tx),
            Some(m) => core_msg(&sip, &mut tu, m, now()),
            },
            changed = snapshots.changed(), if watching => match changed {
                Ok(()) => {
                    let model = snapshots.borrow_and_update().model.clone();
                    tu.mwi.follow(&model, now());
                }
                Err(_) => watching = false,
            },
            _ = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d).await,
                    None => std::future::pending().await,
                }
            } => tu.layer.on_timeout(now()),
        }
        let mut timed_out = Vec::new();
        while let Some(ev) = tu.layer.poll_event() {
            match ev {
                TuEvent::Timeout { id } => {
                    tracing::debug!(?id, "SIP transaction timed out");
                    if !tu.mwi.timed_out(id, now()) {
                        timed_out.push(id);
                    }
                }
                TuEvent::StrayResponse { from, .. } => {
                    tracing::debug!(%from, "SIP response matching no transaction")
                }
                // Requests are handled when the layer creates their transaction; responses
                // to our NOTIFYs need nothing more.
                _ => {}
            }
        }
        for id in timed_out {
            calls::timed_out(&mut tu, id, now());
        }
        tu.mwi.send_due(&mut tu.layer, now());
        // After the events: what answering them queued goes out in this round.
        while let Some(t) = tu.layer.poll_transmit() {
            sip.send_to(t.out.dest, t.out.reliable, &t.out.bytes);
        }
        for tx in drained.drain(..) {
            let _ = tx.send(());
        }
        let live = u64::try_from(tu.layer.len()).unwrap_or(u64::MAX);
        sip.counts.live.store(live, Relaxed);
    }
}

/// Sends the engine's answer in its server transaction (`None`: statelessly).
fn answer_in(
    sip: &Sip,
    tu: &mut calls::Tu,
    id: Option<crate::proto::sip::transaction::TxId>,
    status: u16,
    bytes: Vec<u8>,
    flow: Flow,
    now: Mono,
) {
    let Some(id) = id else {
        return sip.send(flow, bytes);
    };
    let out = Outbound {
        bytes: Arc::from(bytes),
        dest: flow.peer,
        reliable: flow.tcp.is_some(),
    };
    if let Err(e) = tu.layer.respond(id, status, out, now) {
        tracing::debug!(error = %e, "SIP answer after its transaction ended");
    }
}

fn core_msg(sip: &Arc<Sip>, tu: &mut calls::Tu, m: CoreMsg, now: Mono) {
    match m {
        CoreMsg::Message(m, flow) => {
            let Some(summary) = inbound(&m, &[]) else {
                return;
            };
            if m.is_request() {
                let full = tu.layer.len() >= sip.max_transactions;
                let method = m.method();
                if full && method == Some(Method::Register) {
                    sip.counts.stateless_registers.fetch_add(1, Relaxed);
                    request(sip, tu, None, *m, flow, now);
                } else if full
                    && !matches!(method, Some(Method::Ack | Method::Bye | Method::Cancel))
                {
                    // Past the cap a new request costs no state: come back later (RFC 3261
                    // §21.5.4). ACK, BYE and CANCEL belong to calls in progress.
                    sip.counts.shed.fetch_add(1, Relaxed);
                    let r = Response::to(&m, flow.peer, 503, "Service Unavailable", &sip.tag())
                        .header("Retry-After", "5");
                    sip.send(flow, r.finish());
                } else if let Dispatch::New(id) =
                    tu.layer
                        .on_request(summary, flow.peer, flow.tcp.is_some(), now)
                {
                    sip.counts.server_transactions.fetch_add(1, Relaxed);
                    request(sip, tu, Some(id), *m, flow, now);
                }
            } else if let Dispatch::Matched(id) = tu.layer.on_response(summary, flow.peer, now)
                && !tu.mwi.response(id, &m, now)
            {
                calls::response(tu, id, &m, now);
            }
        }
        CoreMsg::Registered(r) => register::answer(sip, tu, *r, now),
        CoreMsg::Answer {
            id,
            status,
            bytes,
            flow,
        } => answer_in(sip, tu, id, status, bytes, flow, now),
        CoreMsg::Checked(c) => calls::checked(sip, tu, *c, now),
        CoreMsg::Drain(_) => {}
        CoreMsg::Leg(c) => calls::command(tu, c, now),
        CoreMsg::Restart(r) => {
            for (branch, bytes) in sip.restart_notifies(&r) {
                send_notify(tu, r.flow, branch, bytes, now);
            }
        }
        CoreMsg::Mwi(m) => {
            let (branch, bytes) = sip.mwi_notify(&m);
            send_notify(tu, m.flow, branch, bytes, now);
        }
    }
}

/// Sends one of our NOTIFYs in a client transaction (retransmitted over UDP until answered).
fn send_notify(tu: &mut calls::Tu, flow: Flow, branch: String, bytes: Vec<u8>, now: Mono) {
    let out = Outbound {
        bytes: Arc::from(bytes),
        dest: flow.peer,
        reliable: flow.tcp.is_some(),
    };
    if let Err(e) = tu
        .layer
        .send_request(Method::Notify, SmallStr::from(branch.as_str()), out, now)
    {
        tracing::warn!(error = %e, "SIP NOTIFY not sent");
    }
}

/// Request `m`, in server transaction `id` (or statelessly, `None`).
fn request(
    sip: &Arc<Sip>,
    tu: &mut calls::Tu,
    id: Option<crate::proto::sip::transaction::TxId>,
    m: Message,
    flow: Flow,
    now: Mono,
) {
    let engine = &tu.engine;
    let source = flow.peer;
    let subscribing = &mut tu.mwi;
    let layer = &mut tu.layer;
    let mut answer = |status: u16, bytes: Vec<u8>| {
        let Some(id) = id else {
            return sip.send(flow, bytes);
        };
        let out = Outbound {
            bytes: Arc::from(bytes),
            dest: source,
            reliable: flow.tcp.is_some(),
        };
        if let Err(e) = layer.respond(id, status, out, now) {
            tracing::debug!(error = %e, "SIP answer not sent");
        }
    };
    let Some(method) = m.method() else { return };
    match method {
        Method::Register => {
            let req = match register_of(&m, flow) {
                Ok(r) => r,
                Err(why) => {
                    return answer(400, Response::to(&m, source, 400, why, &sip.tag()).finish());
                }
            };
            // The To tag follows the request, so a stateless answer to a retransmission is
            // the same answer (RFC 3261 §8.2.7).
            let tag = format!(
                "cmed{:x}",
                crate::engine::registrar::request_salt(&req.call_id, req.cseq)
            );
            // The engine's outcome comes back through the core's queue, into this
            // transaction: posted from the engine's side, with no task of ours waiting.
            let core = sip.core.clone();
            let device = req.device;
            engine.sip_register_then(Box::new(req), move |outcome| {
                let _ = core.send(CoreMsg::Registered(Box::new(Registered {
                    id,
                    flow,
                    m,
                    tag,
                    device,
                    outcome,
                })));
            });
        }
        Method::Options => answer(
            200,
            Response::to(&m, source, 200, "OK", &sip.tag())
                .header("Allow", ALLOW)
                .header("Accept", "application/sdp")
                .finish(),
        ),
        // ACK is never answered (§17.1.1.3); the layer has it.
        Method::Ack => {}
        Method::Invite | Method::Bye | Method::Cancel => {
            if let Some(id) = id {
                calls::request(sip, tu, id, &m, &method, flow, now);
            }
        }
        Method::Notify => {
            subscribing.notified(&m, now);
            mwi::incoming(sip, engine, id, &m, flow, &mut answer)
        }
        // cmed offers no event package (RFC 6665 §8.2.3); a stranger is not told even that.
        Method::Subscribe => {
            let known = sip.device_at(source).is_some()
                || subscribing
                    .model()
                    .is_some_and(|m| m.is_voip_peer(source.ip()));
            let (status, reason) = if known {
                (489, "Bad Event")
            } else {
                tracing::info!(%source, "SUBSCRIBE from an untrusted address refused");
                (403, "Forbidden")
            };
            answer(
                status,
                Response::to(&m, source, status, reason, &sip.tag()).finish(),
            )
        }
        _ => answer(
            501,
            Response::to(&m, source, 501, "Not Implemented", &sip.tag())
                .header("Allow", ALLOW)
                .finish(),
        ),
    }
}

/// Receives SIP over UDP until the task is dropped.
pub async fn serve_udp(sip: Arc<Sip>) {
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
        receive(&sip, bytes, Flow { tcp: None, peer });
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
            connection(stream, peer, conn, &sip).await;
            {
                let mut flows = sip.flows.lock().expect("flows lock");
                flows.by_conn.remove(&conn);
                flows.by_peer.remove(&peer);
            }
            engine.input(Input::Closed { conn }).await;
        });
    }
}

async fn connection(stream: TcpStream, peer: SocketAddr, conn: ConnId, sip: &Arc<Sip>) {
    let _ = stream.set_nodelay(true);
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    {
        let mut flows = sip.flows.lock().expect("flows lock");
        flows.by_conn.insert(conn, (peer, tx));
        flows.by_peer.insert(peer, conn);
    }
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
                    receive(sip, &one, flow);
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
