//! The SIP adapter's part in calls: INVITE, BYE and CANCEL from phones and trunks and the
//! responses to our INVITEs go to `proto::sip::legs`, the engine's leg commands come back
//! through it, and what it asks for is done here — responses and requests through the
//! transaction layer, the leg events to the engine (in the order they happened, through
//! one forwarding task: a task per batch could let a CANCEL's `OnHook` overtake its
//! INVITE's `OffHook`).
//!
//! A new INVITE from the address a registered phone registered from (the address the
//! registrar's 200 went to) is that phone's call once the engine has checked its digest
//! credentials: its `Authorization` is read here, the engine's registrar decides
//! ([`EngineHandle::sip_invite`]), and its answer comes back into the core — the phone's
//! leg opens, or the 401 or 403 is rendered as a REGISTER's is (`register.rs`) and sent on
//! the INVITE's server transaction, which absorbs the phone's ACK. Any other INVITE is a
//! trunk's, which the engine takes only from a dial-peer's target and otherwise refuses
//! with 403 (an open B2BUA is a toll-fraud relay); trunks and re-INVITEs inside a dialog
//! are not challenged.

use std::sync::Arc;

use tokio::sync::mpsc;

use super::register::{render, status_of};
use super::{CoreMsg, Sip};
use crate::actor::{EngineHandle, SipLegCmd, Stopped};
use crate::engine::registrar::Outcome;
use crate::engine::{Flow, Input, ReplyTo, SipInvite};
use crate::ids::DeviceName;
use crate::leg::SipLegId;
use crate::proto::sip::legs::{Action, Dest, Legs};
use crate::proto::sip::msg::{Message, Response};
use crate::proto::sip::transaction::{Layer, Method, Outbound, TxId};
use crate::small_str::SmallStr;
use crate::time::Mono;

fn dest(flow: Flow) -> Dest {
    Dest {
        addr: flow.peer,
        reliable: flow.tcp.is_some(),
    }
}

fn outbound(to: Dest, bytes: Vec<u8>) -> Outbound {
    Outbound {
        bytes: Arc::from(bytes),
        dest: to.addr,
        reliable: to.reliable,
    }
}

/// The queue of call events to the engine, and the task that forwards them in order.
pub(super) fn forwarder(engine: EngineHandle) -> mpsc::UnboundedSender<Input> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(e) = rx.recv().await {
            engine.input(e).await;
        }
    });
    tx
}

/// What the core task owns: the engine, the queue of call events to it, the transaction
/// layer and the SIP legs.
pub(super) struct Tu {
    /// The engine.
    pub engine: EngineHandle,
    /// Call events to the engine, in order (see [`forwarder`]).
    pub events: mpsc::UnboundedSender<Input>,
    /// The transaction layer.
    pub layer: Layer,
    /// The SIP phones' and trunks' call legs.
    pub legs: Legs,
    /// cmed's subscriptions to the voicemail server's message summaries.
    pub mwi: super::mwi::Subscribing,
}

/// Carries out `actions`: sends through the layer, and hands the events to the engine.
fn act(tu: &mut Tu, actions: Vec<Action>, now: Mono) {
    let (events, layer, legs) = (&tu.events, &mut tu.layer, &mut tu.legs);
    let to_engine = |e: Input| {
        // Only fails when the engine has stopped, and the daemon with it.
        let _ = events.send(e);
    };
    for a in actions {
        match a {
            Action::Respond {
                to,
                tx,
                status,
                bytes,
            } => {
                if let Err(e) = layer.respond(tx, status, outbound(to, bytes), now) {
                    tracing::debug!(error = %e, status, "SIP call answer not sent");
                }
            }
            Action::Refuse { to, tx, bytes } => layer.respond_and_forget(tx, outbound(to, bytes)),
            Action::Invite {
                to,
                leg,
                branch,
                bytes,
                ack,
            } => match layer.send_invite(
                SmallStr::from(branch.as_str()),
                outbound(to, bytes),
                &ack,
                now,
            ) {
                Ok(tx) => legs.invite_sent(leg, tx),
                Err(e) => tracing::warn!(error = %e, ?leg, "SIP INVITE not sent"),
            },
            Action::Request {
                to,
                method,
                branch,
                bytes,
            } => {
                if let Err(e) = layer.send_request(
                    method,
                    SmallStr::from(branch.as_str()),
                    outbound(to, bytes),
                    now,
                ) {
                    tracing::debug!(error = %e, "SIP request not sent");
                }
            }
            Action::Stateless(to, bytes) => layer.send_stateless(outbound(to, bytes)),
            Action::Event(leg, event) => to_engine(Input::SipLeg { leg, event }),
            Action::Call {
                trunk,
                from,
                called,
                calling,
            } => to_engine(Input::TrunkCall {
                trunk,
                from,
                called,
                calling,
            }),
        }
    }
}

/// A new INVITE, BYE or CANCEL server transaction `tx` from `flow`.
pub(super) fn request(
    sip: &Arc<Sip>,
    tu: &mut Tu,
    tx: TxId,
    m: &Message,
    method: &Method,
    flow: Flow,
    now: Mono,
) {
    let to = dest(flow);
    let legs = &mut tu.legs;
    let actions = match method {
        // A To tag: a re-INVITE inside a dialog (RFC 3261 §12.2.2).
        Method::Invite if m.to().is_some_and(|t| t.tag.is_some()) => legs.reinvite(tx, to, m),
        Method::Invite => match sip.device_at(flow.peer) {
            Some(device) => check(sip, &tu.engine, legs, device, tx, m, flow),
            None => legs.incoming_trunk(to, tx, m),
        },
        Method::Bye => legs.in_dialog(tx, to, m, method),
        Method::Cancel => {
            // RFC 3261 §9.2: 200 to the CANCEL, then 487 to the INVITE it cancels.
            let mut a = vec![Action::Respond {
                to,
                tx,
                status: 200,
                bytes: Response::to(m, flow.peer, 200, "OK", &sip.tag()).finish(),
            }];
            a.extend(legs.cancelled(m));
            a
        }
        _ => Vec::new(),
    };
    act(tu, actions, now);
}

/// The engine's answer about a registered phone's INVITE, back in the core.
pub(super) struct Checked {
    /// The INVITE's server transaction.
    tx: TxId,
    /// The phone.
    device: DeviceName,
    /// `Ok`: the call proceeds; else the 401 or 403.
    answer: Result<Result<(), Outcome>, Stopped>,
}

/// Registered phone `device`'s new INVITE `m` on `tx`: held in the legs while the engine
/// checks its credentials; the answer comes back as [`CoreMsg::Checked`]. A malformed
/// `Authorization` is answered 400 at once, as for REGISTER.
fn check(
    sip: &Arc<Sip>,
    engine: &EngineHandle,
    legs: &mut Legs,
    device: DeviceName,
    tx: TxId,
    m: &Message,
    flow: Flow,
) -> Vec<Action> {
    let auth = match m.authorization() {
        None => None,
        Some(Ok(a)) => Some(a),
        Some(Err(_)) => {
            let why = "malformed Authorization";
            let bytes = Response::to(m, flow.peer, 400, why, &sip.tag()).finish();
            let to = dest(flow);
            return vec![Action::Respond {
                to,
                tx,
                status: 400,
                bytes,
            }];
        }
    };
    let req = SipInvite {
        reply: ReplyTo(0),
        peer: flow.peer,
        device,
        auth,
        call_id: m.call_id().unwrap_or_default(),
        cseq: m.cseq().map_or(0, |(n, _)| n),
    };
    legs.checking(dest(flow), tx, m);
    let (sip, engine) = (sip.clone(), engine.clone());
    tokio::spawn(async move {
        let answer = engine.sip_invite(req).await;
        let checked = Checked { tx, device, answer };
        let _ = sip.core.send(CoreMsg::Checked(Box::new(checked)));
    });
    Vec::new()
}

/// The engine answered about a phone's INVITE (nothing to do if a CANCEL ended it
/// meanwhile): the phone's leg opens, or the INVITE gets the registrar's 401 or 403.
pub(super) fn checked(sip: &Sip, tu: &mut Tu, c: Checked, now: Mono) {
    let Some((to, m)) = tu.legs.checked(c.tx) else {
        return;
    };
    let tx = c.tx;
    let (status, bytes) = match c.answer {
        Ok(Ok(())) => {
            let actions = tu.legs.incoming(SipLegId::Phone(c.device), to, tx, &m);
            return act(tu, actions, now);
        }
        Ok(Err(o)) => (
            status_of(&o),
            render(&m, to.addr, &sip.tag(), &o, crate::actor::wall_clock()),
        ),
        Err(Stopped) => (
            503,
            Response::to(&m, to.addr, 503, "Service Unavailable", &sip.tag()).finish(),
        ),
    };
    let refusal = Action::Respond {
        to,
        tx,
        status,
        bytes,
    };
    act(tu, vec![refusal], now);
}

/// A response on client transaction `tx`.
pub(super) fn response(tu: &mut Tu, tx: TxId, m: &Message, now: Mono) {
    let actions = tu.legs.response(tx, m);
    act(tu, actions, now);
}

/// Client transaction `tx` timed out (no final response, RFC 3261 §17.1.1.2 Timer B).
pub(super) fn timed_out(tu: &mut Tu, tx: TxId, now: Mono) {
    let actions = tu.legs.timed_out(tx);
    act(tu, actions, now);
}

/// The engine's command for a SIP phone's leg.
pub(super) fn command(tu: &mut Tu, c: SipLegCmd, now: Mono) {
    let to =
        c.to.as_ref()
            .map(|(flow, contact)| (dest(*flow), contact.as_str()));
    let actions = tu.legs.command(c.leg, c.cmd, to);
    act(tu, actions, now);
}

impl Sip {
    /// Asks the core to carry out a leg command (the engine's `ToSipLeg` effect).
    pub fn leg(&self, c: SipLegCmd) {
        let _ = self.core.send(CoreMsg::Leg(c));
    }
}
