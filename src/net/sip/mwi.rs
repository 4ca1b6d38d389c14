//! Message waiting over SIP, at the edge: a voicemail server's out-of-dialog `NOTIFY` with
//! `Event: message-summary` (RFC 3842, the `unsolicited` mode of IOS's `mwi-server`) is
//! read into the engine's `MwiNotify` — the mailbox's number from its `Message-Account`,
//! else its Request-URI — and answered with what the engine decided (200, 403 from a
//! source that is neither the `mwi-server` nor a dial-peer target, 404 for a number cmed
//! does not have); another event package is `489 Bad Event` (RFC 6665 §8.2.3), a body that
//! is no message summary `400`. And the engine's `SipMwi`: the NOTIFY that tells a phone;
//! and the subscriptions (`proto::sip::subscribe`) to the `mwi-server` for the numbers
//! that ask for them, following the configuration of each snapshot, sent through the
//! transaction layer.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use super::{CoreMsg, Flow, Sip};
use crate::actor::{EngineHandle, SipMwi};
use crate::config::model::Model;
use crate::engine::effect::MwiOutcome;
use crate::proto::sip::msg::{Message, Response, user_of};
use crate::proto::sip::mwi;
use crate::proto::sip::subscribe::Subscriptions;
use crate::proto::sip::transaction::{Layer, Method, Outbound, TxId};
use crate::time::Mono;

/// The event package of message waiting (RFC 3842 §3).
const EVENT: &str = "message-summary";

/// A NOTIFY from `flow`, in server transaction `id` (or statelessly); `answer` sends a
/// response at once.
pub(super) fn incoming(
    sip: &Arc<Sip>,
    engine: &EngineHandle,
    id: Option<TxId>,
    m: &Message,
    flow: Flow,
    answer: &mut impl FnMut(u16, Vec<u8>),
) {
    let source = flow.peer;
    let event = m.first("event").unwrap_or_default();
    let package = event.split(';').next().unwrap_or("").trim();
    if !package.eq_ignore_ascii_case(EVENT) {
        return answer(
            489,
            Response::to(m, source, 489, "Bad Event", &sip.tag())
                .header("Allow-Events", EVENT)
                .finish(),
        );
    }
    let summary = match mwi::parse(&m.body) {
        Ok(s) => s,
        Err(e) => {
            tracing::debug!(%source, error = %e, "message-summary NOTIFY refused");
            return answer(
                400,
                Response::to(m, source, 400, "Bad Request", &sip.tag()).finish(),
            );
        }
    };
    let request_uri = match &m.start {
        crate::proto::sip::msg::StartLine::Request { uri, .. } => uri.clone(),
        crate::proto::sip::msg::StartLine::Response { .. } => String::new(),
    };
    let Some(number) = summary
        .account
        .as_deref()
        .and_then(user_of)
        .or_else(|| user_of(&request_uri))
    else {
        return answer(
            400,
            Response::to(m, source, 400, "No Mailbox Number", &sip.tag()).finish(),
        );
    };
    let (sip, engine, m) = (sip.clone(), engine.clone(), m.clone());
    tokio::spawn(async move {
        let (status, reason) = match engine.mwi_notify(source, number, summary.messages).await {
            Ok(MwiOutcome::Taken) => (200, "OK"),
            Ok(MwiOutcome::Forbidden) => (403, "Forbidden"),
            Ok(MwiOutcome::NotFound) => (404, "Not Found"),
            Err(_) => (503, "Service Unavailable"),
        };
        let bytes = Response::to(&m, source, status, reason, &sip.tag()).finish();
        let _ = sip.core.send(CoreMsg::Answer {
            id,
            status,
            bytes,
            flow,
        });
    });
}

impl Sip {
    /// Asks the core to tell a phone of its messages (the engine's `SipMwi` effect).
    pub fn mwi(&self, m: SipMwi) {
        let _ = self.core.send(CoreMsg::Mwi(m));
    }

    /// The NOTIFY that tells a phone whether messages wait for one of its numbers (an
    /// unsolicited message-summary, which Cisco SIP phones take): branch and bytes.
    pub(super) fn mwi_notify(&self, m: &SipMwi) -> (String, Vec<u8>) {
        let account = format!("sip:{}@{}", m.number, self.local.ip());
        let body = mwi::body(m.messages, &account);
        self.notify(
            m.flow,
            &m.contact,
            EVENT,
            Some(("application/simple-message-summary", &body)),
        )
    }
}

/// The subscriptions, and which client transactions are their SUBSCRIBEs.
pub(super) struct Subscribing {
    subs: Subscriptions,
    txs: HashMap<TxId, String>,
    /// The configuration they were last set from.
    model: Option<Arc<Model>>,
}

impl Subscribing {
    pub(super) fn new(local: SocketAddr, salt: u64) -> Subscribing {
        Subscribing {
            subs: Subscriptions::new(local, salt),
            txs: HashMap::new(),
            model: None,
        }
    }

    /// Subscribes what `model` asks for (when it is a new configuration).
    pub(super) fn follow(&mut self, model: &Arc<Model>, now: Mono) {
        if self.model.as_ref().is_some_and(|m| Arc::ptr_eq(m, model)) {
            return;
        }
        self.model = Some(model.clone());
        self.subs.set(crate::engine::mwi::subscriptions(model), now);
    }

    /// The configuration last followed.
    pub(super) fn model(&self) -> Option<&Arc<Model>> {
        self.model.as_ref()
    }

    /// Sends the SUBSCRIBEs due at `now`.
    pub(super) fn send_due(&mut self, layer: &mut Layer, now: Mono) {
        for r in self.subs.poll(now) {
            let out = Outbound {
                bytes: Arc::from(r.bytes),
                dest: r.dest,
                reliable: false,
            };
            match layer.send_request(Method::Subscribe, r.branch.clone(), out, now) {
                Ok(id) => {
                    self.txs.insert(id, r.branch.to_string());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "SUBSCRIBE not sent");
                    self.subs.timed_out(&r.branch, now);
                }
            }
        }
    }

    /// A response in client transaction `id`: whether it was one of our SUBSCRIBEs.
    pub(super) fn response(&mut self, id: TxId, m: &Message, now: Mono) -> bool {
        let Some(branch) = self.txs.get(&id).cloned() else {
            return false;
        };
        let status = match &m.start {
            crate::proto::sip::msg::StartLine::Response { code, .. } => *code,
            crate::proto::sip::msg::StartLine::Request { .. } => return true,
        };
        if status >= 200 {
            self.txs.remove(&id);
            let expires = if status == 423 {
                m.first("min-expires").and_then(|v| v.trim().parse().ok())
            } else {
                m.expires()
            };
            let to_tag = m.to().and_then(|t| t.tag);
            self.subs
                .response(&branch, status, to_tag.as_deref(), expires, now);
        }
        true
    }

    /// Client transaction `id` timed out: whether it was one of our SUBSCRIBEs.
    pub(super) fn timed_out(&mut self, id: TxId, now: Mono) -> bool {
        let Some(branch) = self.txs.remove(&id) else {
            return false;
        };
        self.subs.timed_out(&branch, now);
        true
    }

    /// A NOTIFY came: one that ends a subscription (`Subscription-State: terminated`,
    /// RFC 6665 §4.1.3) makes it start again.
    pub(super) fn notified(&mut self, m: &Message, now: Mono) {
        let state = m.first("subscription-state").unwrap_or_default();
        if state.trim().to_ascii_lowercase().starts_with("terminated")
            && let Some(call_id) = m.call_id()
        {
            self.subs.terminated(&call_id, now);
        }
    }

    /// When the next SUBSCRIBE is due.
    pub(super) fn deadline(&self) -> Option<Mono> {
        self.subs.deadline()
    }
}
