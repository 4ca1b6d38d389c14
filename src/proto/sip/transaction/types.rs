//! The vocabulary of the transaction layer: the summaries the parser facade fills from a parsed
//! message ([`Inbound`]), the opaque encoded messages the TU hands down ([`Outbound`]), what
//! comes out ([`Transmit`], [`TuEvent`], [`Dispatch`]), the timer values ([`Timers`]) and the
//! errors. Nothing here parses SIP: the layer sees only what it needs to match and time.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::small_str::SmallStr;
use crate::time::Mono;

/// Where a message comes from or goes to.
pub type Peer = SocketAddr;

/// A SIP method. Methods are case-sensitive (RFC 3261 §7.1), so `invite` is `Other`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    /// INVITE.
    Invite,
    /// ACK.
    Ack,
    /// CANCEL.
    Cancel,
    /// BYE.
    Bye,
    /// REGISTER.
    Register,
    /// OPTIONS.
    Options,
    /// NOTIFY.
    Notify,
    /// SUBSCRIBE.
    Subscribe,
    /// Any other token (REFER, INFO, UPDATE, …): all are non-INVITE transactions.
    Other(SmallStr),
}

impl Method {
    /// The method named by `token`.
    pub fn parse(token: &str) -> Method {
        match token {
            "INVITE" => Method::Invite,
            "ACK" => Method::Ack,
            "CANCEL" => Method::Cancel,
            "BYE" => Method::Bye,
            "REGISTER" => Method::Register,
            "OPTIONS" => Method::Options,
            "NOTIFY" => Method::Notify,
            "SUBSCRIBE" => Method::Subscribe,
            other => Method::Other(other.into()),
        }
    }

    /// The token as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Method::Invite => "INVITE",
            Method::Ack => "ACK",
            Method::Cancel => "CANCEL",
            Method::Bye => "BYE",
            Method::Register => "REGISTER",
            Method::Options => "OPTIONS",
            Method::Notify => "NOTIFY",
            Method::Subscribe => "SUBSCRIBE",
            Method::Other(s) => s,
        }
    }
}

/// What the layer needs to know about a received request or response, filled by the parser
/// facade. Strings are as written in the message; empty when absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Inbound {
    /// For a request its method; for a response the method of its CSeq (§17.1.3).
    pub method: Method,
    /// `Some(code)` for a response, `None` for a request.
    pub status: Option<u16>,
    /// The `branch` parameter of the top Via.
    pub branch: SmallStr,
    /// The sent-by (`host[:port]`) of the top Via.
    pub sent_by: SmallStr,
    /// The CSeq sequence number.
    pub cseq: u32,
    /// Call-ID.
    pub call_id: SmallStr,
    /// The From `tag` parameter. Only the keys of an INVITE, an ACK and an RFC 2543 request
    /// read it ([`super::key`]); an adapter may leave it empty for any other message.
    pub from_tag: SmallStr,
    /// The To `tag` parameter.
    pub to_tag: SmallStr,
    /// The Request-URI (requests only; RFC 2543 matching).
    pub request_uri: SmallStr,
    /// The whole To header value (responses: the ICT copies it into the ACK, §17.1.1.3).
    pub to: SmallStr,
    /// The message as received, handed on to the TU untouched.
    pub bytes: Arc<[u8]>,
}

/// An encoded message to send, opaque to the layer, kept for retransmission (the `Arc` makes
/// a retransmission a reference count, not a copy).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outbound {
    /// The encoded message.
    pub bytes: Arc<[u8]>,
    /// Where to send it.
    pub dest: Peer,
    /// Whether the transport is reliable (TCP, TLS): no retransmission timers then (§17).
    pub reliable: bool,
}

/// Handle of one transaction, valid until its [`TuEvent::Terminated`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TxId(pub u64);

/// A message for the transport; `tx` names the transaction that sent it, so the adapter can
/// report a failure with [`super::Layer::transport_error`] (`None` for stateless sends).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// The sending transaction.
    pub tx: Option<TxId>,
    /// What to send.
    pub out: Outbound,
}

/// What the transaction user (the UA core) learns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TuEvent {
    /// A new server transaction: answer with [`super::Layer::respond`]. For a CANCEL,
    /// `cancels` is the INVITE server transaction it matches (§9.2; `None`: answer 481).
    Request {
        /// The new server transaction.
        id: TxId,
        /// The request.
        msg: Inbound,
        /// Its source.
        from: Peer,
        /// Whether it came over a reliable transport.
        reliable: bool,
        /// For a CANCEL, the INVITE transaction with the same branch.
        cancels: Option<TxId>,
    },
    /// An ACK the layer does not absorb: the ACK for a 2xx, passed up (RFC 6026 §8.7), with
    /// `invite` the Accepted INVITE server transaction it acknowledges, or `None` if none.
    Ack {
        /// The INVITE server transaction it acknowledges, if the layer found one.
        invite: Option<TxId>,
        /// The ACK.
        msg: Inbound,
        /// Its source.
        from: Peer,
    },
    /// A response for a client transaction (retransmitted 2xx included, RFC 6026 §8.4).
    Response {
        /// The client transaction.
        id: TxId,
        /// The response.
        msg: Inbound,
    },
    /// A response that matches no client transaction (§18.1.2: it goes to the core).
    StrayResponse {
        /// The response.
        msg: Inbound,
        /// Its source.
        from: Peer,
    },
    /// Timer B, F or H fired (or L without an ACK, or a server transaction the TU never
    /// answered); [`TuEvent::Terminated`] follows.
    Timeout {
        /// The transaction.
        id: TxId,
    },
    /// The adapter reported a transport failure; [`TuEvent::Terminated`] follows.
    TransportError {
        /// The transaction.
        id: TxId,
    },
    /// The transaction is gone; its id is no longer valid.
    Terminated {
        /// The transaction.
        id: TxId,
    },
}

/// Where an inbound message went, for the adapter's logging; the TU learns through events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dispatch {
    /// It created this server transaction.
    New(TxId),
    /// It went to this existing transaction (absorbed or passed up, as the machine decides).
    Matched(TxId),
    /// An ACK that matched no transaction, passed to the TU.
    Ack,
    /// A response that matched no client transaction, passed to the TU.
    Stray,
}

/// Timer values (RFC 3261 §17.1.1.1 and Table 4). Derived timers: B, F, H, J, L, M = 64·T1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timers {
    /// RTT estimate (500 ms).
    pub t1: Duration,
    /// Maximum retransmit interval for non-INVITE requests and INVITE responses (4 s).
    pub t2: Duration,
    /// Maximum time a message stays in the network (5 s).
    pub t4: Duration,
    /// Timer D on unreliable transport: "at least 32 seconds" (§17.1.1.2).
    pub d: Duration,
    /// How long the IST waits for the TU before sending 100 Trying itself (§17.2.1: 200 ms).
    pub trying: Duration,
}

impl Default for Timers {
    fn default() -> Timers {
        Timers {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
            d: Duration::from_secs(32),
            trying: Duration::from_millis(200),
        }
    }
}

impl Timers {
    /// 64·T1: Timers B, F, H, J, L and M.
    pub fn t64(&self) -> Duration {
        self.t1 * 64
    }
}

/// Why the layer refused a call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TxError {
    /// The id names no live transaction (it terminated, or never existed).
    #[error("no transaction {0:?}")]
    NoTransaction(TxId),
    /// A client transaction with this branch and method exists already.
    #[error("a client transaction with branch {0} exists for this method")]
    Exists(SmallStr),
    /// ACK and INVITE have their own entry points (ACK for 2xx is not a transaction, §17.1).
    #[error("{0} cannot be sent with send_request")]
    WrongMethod(&'static str),
    /// Not a status code SIP defines (100–699).
    #[error("status {0} is not a SIP response code")]
    BadStatus(u16),
    /// The server transaction sent its final response already.
    #[error("the transaction already sent its final response")]
    AlreadyFinal,
    /// Responses are sent on server transactions only.
    #[error("{0:?} is a client transaction")]
    NotServer(TxId),
}

/// Where a machine puts what it sends and reports, and how it says it is over. The layer
/// labels everything with the transaction's id.
pub(super) struct Sink<'a> {
    pub id: TxId,
    pub out: &'a mut VecDeque<Transmit>,
    pub events: &'a mut VecDeque<TuEvent>,
    pub terminated: bool,
}

impl Sink<'_> {
    pub fn send(&mut self, out: &Outbound) {
        self.out.push_back(Transmit {
            tx: Some(self.id),
            out: out.clone(),
        });
    }

    pub fn response(&mut self, msg: Inbound) {
        self.events
            .push_back(TuEvent::Response { id: self.id, msg });
    }

    pub fn timeout(&mut self) {
        self.events.push_back(TuEvent::Timeout { id: self.id });
    }

    pub fn terminate(&mut self) {
        self.terminated = true;
    }
}

/// A retransmission timer and the transaction's one end-of-state timer: no machine runs
/// more than one of each at a time (E with F or K; A with B, D or M; G with H, I or L; J).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Clock {
    /// When to retransmit next (E, A, G, or the IST's 2xx retransmission).
    pub retx: Option<Mono>,
    /// The interval that led to `retx`.
    pub interval: Duration,
    /// When the current state ends (B, D, F, H, I, J, K, L, M).
    pub end: Option<Mono>,
}

impl Clock {
    pub fn next(&self) -> Option<Mono> {
        match (self.retx, self.end) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn end_due(&self, now: Mono) -> bool {
        self.end.is_some_and(|t| t <= now)
    }

    pub fn retx_due(&self, now: Mono) -> bool {
        self.retx.is_some_and(|t| t <= now)
    }

    /// Start retransmitting at `first` (only on unreliable transport).
    pub fn start_retx(&mut self, reliable: bool, first: Duration, now: Mono) {
        if !reliable {
            self.interval = first;
            self.retx = Some(now.after(first));
        }
    }

    /// Schedule the next retransmission `interval` after `now`.
    pub fn again(&mut self, interval: Duration, now: Mono) {
        self.interval = interval;
        self.retx = Some(now.after(interval));
    }

    /// Enter a state lasting `d`; `false` if `d` is zero, i.e. the state ends at once.
    pub fn end_after(&mut self, d: Duration, now: Mono) -> bool {
        self.retx = None;
        if d.is_zero() {
            self.end = None;
            return false;
        }
        self.end = Some(now.after(d));
        true
    }
}
