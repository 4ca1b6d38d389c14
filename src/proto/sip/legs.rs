//! The SIP side of calls: each SIP phone or trunk in a call is one leg, a dialog (RFC 3261
//! §12) that cmed is the UAS of (the far side called) or the UAC of (cmed calls it). This
//! turns the engine's protocol-neutral [`LegCmd`]s into SIP and the far side's SIP into
//! [`LegEvent`]s, so the calls engine drives a SIP phone as it drives an SCCP one:
//!
//! - the phone calls: INVITE (with its SDP offer; held while the engine checks a
//!   registered phone's digest credentials, `checking.rs`) → `OffHook`, the number's
//!   digits and `#` (dialling is over); `RingOut` → 180; `Connected` → the phone's offer is
//!   its media (`MediaReady`); `StartMedia` (where the other phone receives) → 200 with our SDP
//!   answer naming that address; `Busy` → 486, `Reorder` → 404, `Unavailable` → 480,
//!   `Forbidden` → 403 (each followed by `OnHook`: the phone's side of the call is over),
//!   `Idle` before the answer → 480 (or 487 after its CANCEL), after it → BYE;
//! - a trunk calls (an INVITE from no registered phone): the same, but the engine is told
//!   [`Action::Call`] with the number and caller at once, and decides whether to take it;
//! - cmed rings the phone: `RingIn` → INVITE with the caller's SDP offer relayed when the
//!   caller is a SIP side (media stays phone to phone; the 200 answers it, the ACK is bare),
//!   else without SDP (a delayed offer, RFC 3261 §13.2.1: an SCCP caller's address is known
//!   only once the call is answered), the phone's 200 then carrying its offer and the ACK
//!   our answer; a forwarded call's INVITE carries one `Diversion` (RFC 5806); the 200 →
//!   `OffHook` (answered) and `MediaReady`; `Idle` → CANCEL
//!   before the answer (a 200 that crosses it is ACKed and ended with a BYE), BYE after;
//!   the first 180/183 → `Alerting`; a 3xx → `Redirected` to its Contact's number; a
//!   4xx–6xx → `Refused` with its class (busy, not found, unavailable), no answer at all (Timer B) → `Refused` unavailable; a phone in a
//!   call of its own (glare) → `Refused` busy at once; a trunk the same, at its `session
//!   target` with the number dialled as the Request-URI;
//! - BYE from the phone → 200 and `OnHook`; CANCEL → `OnHook` (the transaction layer
//!   answers the CANCEL and the INVITE gets 487 here); a re-INVITE → 200 with our answer
//!   (the same address) and `Hold` or `Resume` when its offer puts the call on hold or
//!   takes it off (while our own re-INVITE is out: 491);
//! - once media is up, `MediaStop` (the other side holds) → a re-INVITE of ours with
//!   `sendonly`, and a `StartMedia` after it (or to a new address) → one with `sendrecv` and
//!   that address (RFC 3264 §8); their 2xx is ACKed, a new address in it is `MediaReady`.
//!
//! One call per SIP phone or trunk leg at a time, on the line cmed rang (a phone's second
//! number is its line 2) or line 1 for a call the far side placed. Legs are found by the
//! client transaction of our INVITE and by Call-ID, never by a scan. Pure: parsed messages
//! in, bytes and events out; the transactions are `transaction`'s, the adapter sends and
//! feeds back their ids. What the far side sends is handled in `inbound`, what cmed sends of
//! its own accord (our INVITE and re-INVITEs) in `outbound`, an INVITE held for its digest
//! check in `checking`.

use std::collections::HashMap;
use std::net::SocketAddr;

use super::dialog::{Dialog, State};
use super::msg::{Message, Response};
use super::sdp::{self, SessionId};
use super::transaction::{AckParts, Method, TxId};
use crate::leg::{LegCmd, LegEvent, LineInstance, Party, SipLegId, TrunkId};
use crate::media::{Codec, Media};

/// The line a call a SIP phone or trunk places is on.
const LINE: LineInstance = LineInstance(1);

/// Where a message goes: the phone's address and whether over its TCP flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dest {
    /// The phone's address (its flow's peer).
    pub addr: SocketAddr,
    /// Over TCP.
    pub reliable: bool,
}

/// What the adapter must do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Answer server transaction `tx`.
    Respond {
        /// Where to.
        to: Dest,
        /// The INVITE (or BYE) server transaction.
        tx: TxId,
        /// The status code.
        status: u16,
        /// The response.
        bytes: Vec<u8>,
    },
    /// Answer server transaction `tx` once and end it (a refusal that keeps no state: see
    /// `Layer::respond_and_forget`).
    Refuse {
        /// Where to.
        to: Dest,
        /// The INVITE server transaction.
        tx: TxId,
        /// The response.
        bytes: Vec<u8>,
    },
    /// Start an INVITE client transaction; report its id with [`Legs::invite_sent`].
    Invite {
        /// Where to.
        to: Dest,
        /// The phone or trunk.
        leg: SipLegId,
        /// The Via branch.
        branch: String,
        /// The request.
        bytes: Vec<u8>,
        /// What the ACK of a 3xx–6xx copies.
        ack: AckParts,
    },
    /// Start a non-INVITE client transaction (BYE, CANCEL).
    Request {
        /// Where to.
        to: Dest,
        /// BYE or CANCEL.
        method: Method,
        /// The Via branch (a CANCEL's is its INVITE's).
        branch: String,
        /// The request.
        bytes: Vec<u8>,
    },
    /// Send outside any transaction (the ACK of a 2xx, §13.2.2.4).
    Stateless(Dest, Vec<u8>),
    /// Tell the engine.
    Event(SipLegId, LegEvent),
    /// Tell the engine a trunk calls in.
    Call {
        /// The leg opened for it.
        trunk: TrunkId,
        /// Where it came from.
        from: SocketAddr,
        /// The number called (the Request-URI's user).
        called: String,
        /// The caller (From: its user and display name).
        calling: Party,
    },
}

/// How a leg stands.
#[derive(Debug)]
enum Role {
    /// The phone called: its INVITE waits for our final answer on `tx` (sent with our SDP
    /// answer once [`Leg::media_sent`]).
    Uas {
        tx: TxId,
        invite: Box<Message>,
        offer: Media,
    },
    /// cmed called the phone.
    Uac {
        tx: Option<TxId>,
        branch: String,
        /// What a CANCEL copies: Request-URI, From (with tag), To, Call-ID, CSeq number.
        uri: String,
        from: String,
        to: String,
        /// The far side's 180 or 183 arrived.
        alerted: bool,
        /// The far side's 200 arrived.
        answered: bool,
        /// The SDP offer its 200 carried (where it receives), until our ACK answers it.
        offer: Option<Media>,
        /// Our INVITE carried the caller's offer (its address): the 200 is the answer and
        /// the ACK carries no SDP.
        offered: Option<SocketAddr>,
    },
}

#[derive(Debug)]
struct Leg {
    /// The engine's line of the call: the one cmed rang (a phone's second number is its
    /// line 2), line 1 for a call the phone or trunk placed.
    line: LineInstance,
    dest: Dest,
    role: Role,
    dialog: Option<Dialog>,
    call_id: String,
    local_tag: String,
    sess: SessionId,
    /// Our answer or ACK was sent (media is set up).
    media_sent: bool,
    /// Where the far side receives (its last SDP), once known.
    remote_rtp: Option<std::net::SocketAddr>,
    /// Where our last SDP told it to send (the other side of the call), once sent.
    local_rtp: Option<std::net::SocketAddr>,
    /// The far side put the call on hold (its last offer was `sendonly`, `inactive` or the
    /// RFC 2543 `0.0.0.0`).
    held: bool,
    /// Our last SDP to it held the call (`sendonly`: the other side of the call holds).
    local_hold: bool,
    /// Our own re-INVITE, while one is out.
    reinvite: Reinvite,
    /// The change to offer next (our address, hold), waiting for the one out.
    next_offer: Option<(SocketAddr, bool)>,
    /// The call's codec, once the engine said ([`LegCmd::StartMedia`]).
    codec: Codec,
}

/// Where a re-INVITE of ours stands (one at a time, RFC 3261 §14.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reinvite {
    /// None out.
    Idle,
    /// Built; its transaction id is still to come ([`Legs::invite_sent`]).
    Building,
    /// On this client transaction.
    Sent(TxId),
}

impl Leg {
    /// A leg whose dialog and media are still to come.
    fn new(
        line: LineInstance,
        dest: Dest,
        role: Role,
        call_id: String,
        local_tag: String,
        sess: SessionId,
    ) -> Leg {
        Leg {
            line,
            dest,
            role,
            dialog: None,
            call_id,
            local_tag,
            sess,
            media_sent: false,
            remote_rtp: None,
            local_rtp: None,
            held: false,
            local_hold: false,
            reinvite: Reinvite::Idle,
            next_offer: None,
            codec: Codec::Pcmu,
        }
    }
}

/// Every SIP leg, by phone or trunk, with the indexes the far side's messages are found by.
#[derive(Debug)]
pub struct Legs {
    legs: HashMap<SipLegId, Leg>,
    /// The leg of each of our INVITE client transactions.
    by_tx: HashMap<TxId, SipLegId>,
    /// The leg of each Call-ID (BYE, CANCEL).
    by_call: HashMap<String, SipLegId>,
    /// Our INVITEs cancelled before a final response, by client transaction: a 200 that
    /// crosses the CANCEL is ACKed and ended with a BYE (RFC 3261 §9.1, §15).
    cancelled: HashMap<TxId, Dest>,
    /// Phones' INVITEs waiting for the engine's digest check (`checking.rs`).
    checking: checking::Checking,
    /// Our address in Via (with the leg's transport), Contact and SDP origin.
    local: SocketAddr,
    /// Numbers tags, branches, Call-IDs and session ids apart.
    serial: u64,
    /// Random at every start, in every tag, branch and Call-ID (see [`Legs::unique`]).
    salt: u64,
}

/// The codecs cmed accepts in an offer: every one it knows. Which one a call uses is the
/// engine's choice from both sides' ([`LegCmd::StartMedia`] names it).
const CODECS: [Codec; 4] = Codec::ALL;

/// Our answer to `offer` for a call on `codec`, sending to `rtp`; when the offer lacks it,
/// its first codec cmed knows.
fn answer_with(offer: &Media, codec: Codec, rtp: SocketAddr) -> Result<Media, sdp::SdpError> {
    sdp::answer(offer, &[codec], rtp, true).or_else(|_| sdp::answer(offer, &CODECS, rtp, true))
}

/// See [`Legs::unique`]; a free function, for use while a leg is borrowed.
fn fresh(salt: u64, serial: &mut u64) -> String {
    *serial += 1;
    format!("{salt:x}{:x}", *serial)
}

fn via(local: SocketAddr, reliable: bool) -> String {
    format!("SIP/2.0/{} {local}", if reliable { "TCP" } else { "UDP" })
}

impl Legs {
    /// No legs; `local` is our SIP address.
    pub fn new(local: SocketAddr, salt: u64) -> Legs {
        Legs {
            salt,
            legs: HashMap::new(),
            by_tx: HashMap::new(),
            by_call: HashMap::new(),
            cancelled: HashMap::new(),
            checking: Default::default(),
            local,
            serial: 0,
        }
    }

    fn next(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// A fresh identifier: this run's random salt and a counter (RFC 3261 §19.3: tags of
    /// at least 32 random bits, Call-IDs and branches unique across restarts too).
    fn unique(&mut self) -> String {
        fresh(self.salt, &mut self.serial)
    }

    /// A fresh To or From tag.
    pub(super) fn tag(&mut self) -> String {
        format!("cmed{}", self.unique())
    }

    /// A fresh Via branch; `kind` tells our requests apart in traces (`i` INVITE, `a` ACK,
    /// `b` BYE).
    pub(super) fn branch(&mut self, kind: &str) -> String {
        format!("z9hG4bKcmed{kind}{}", self.unique())
    }

    fn contact(&self) -> String {
        format!("sip:cmed@{}", self.local)
    }

    fn insert(&mut self, key: SipLegId, leg: Leg) {
        self.by_call.insert(leg.call_id.clone(), key);
        self.legs.insert(key, leg);
    }

    /// Drops a leg and its index entries.
    fn remove(&mut self, key: SipLegId) -> Option<Leg> {
        let leg = self.legs.remove(&key)?;
        self.by_call.remove(&leg.call_id);
        if let Role::Uac { tx: Some(tx), .. } = &leg.role {
            self.by_tx.remove(tx);
        }
        if let Reinvite::Sent(tx) = leg.reinvite {
            self.by_tx.remove(&tx);
        }
        Some(leg)
    }

    /// What the engine tells the SIP leg `device`; `to` is where a call cmed places goes (a
    /// phone's flow and contact URI, a trunk's target and Request-URI). `RingIn` is
    /// [`Legs::ring`]'s (in `outbound`).
    pub fn command(
        &mut self,
        device: SipLegId,
        cmd: LegCmd,
        to: Option<(Dest, &str)>,
    ) -> Vec<Action> {
        let local = self.local;
        let contact = self.contact();
        if let LegCmd::RingIn { .. } = &cmd {
            return self.ring(device, &cmd, to);
        }
        let Some(leg) = self.legs.get_mut(&device) else {
            return Vec::new();
        };
        let dest = leg.dest;
        let via = via(local, dest.reliable);
        match (&mut leg.role, cmd) {
            // The phone called: ring-back is a 180.
            (Role::Uas { tx, invite, .. }, LegCmd::RingOut(_)) => vec![Action::Respond {
                to: dest,
                tx: *tx,
                status: 180,
                bytes: Response::to(invite, dest.addr, 180, "Ringing", &leg.local_tag)
                    .header("Contact", &format!("<{contact}>"))
                    .finish(),
            }],
            // Answered: the phone's offer is where it receives.
            // Answered, or taken off hold: where the far side receives now.
            (role, LegCmd::Connected { .. }) => {
                let rtp = match role {
                    Role::Uas { offer, .. } => Some(leg.remote_rtp.unwrap_or(offer.rtp)),
                    Role::Uac { .. } => leg.remote_rtp,
                };
                rtp.map(|rtp| Action::Event(device, LegEvent::MediaReady(leg.line, rtp)))
                    .into_iter()
                    .collect()
            }
            (Role::Uas { tx, invite, offer }, LegCmd::StartMedia { to: rtp, codec, .. })
                if !leg.media_sent =>
            {
                let Ok(answer) = answer_with(offer, codec, rtp) else {
                    return Vec::new();
                };
                leg.codec = codec;
                leg.media_sent = true;
                leg.local_rtp = Some(rtp);
                leg.remote_rtp = Some(offer.rtp);
                if let Ok(d) = Dialog::uas(invite, &leg.local_tag, State::Confirmed) {
                    leg.dialog = Some(d);
                }
                let body = sdp::write(leg.sess, &answer);
                vec![Action::Respond {
                    to: dest,
                    tx: *tx,
                    status: 200,
                    bytes: Response::to(invite, dest.addr, 200, "OK", &leg.local_tag)
                        .header("Contact", &format!("<{contact}>"))
                        .body(Some("application/sdp"), &body),
                }]
            }
            // cmed called the phone, which answered: with its offer (a delayed offer of
            // ours), which the ACK answers; or with its answer to the caller's offer we
            // relayed, so the ACK is bare — and should the caller's address have changed
            // since, a re-INVITE gives the new one.
            (
                Role::Uac {
                    answered: true,
                    offer,
                    offered,
                    ..
                },
                LegCmd::StartMedia { to: rtp, codec, .. },
            ) if !leg.media_sent => {
                let Some(d) = &leg.dialog else {
                    return Vec::new();
                };
                let (theirs, ours) = (offer.take(), *offered);
                leg.media_sent = true;
                leg.local_rtp = Some(rtp);
                leg.codec = codec;
                let body = theirs.map(|o| match answer_with(&o, codec, rtp) {
                    Ok(a) => sdp::write(leg.sess, &a),
                    Err(_) => Vec::new(),
                });
                let branch = format!("z9hG4bKcmeda{}", fresh(self.salt, &mut self.serial));
                let ack = d.ack(
                    &via,
                    &branch,
                    body.as_deref().map(|b| ("application/sdp", b)),
                );
                let mut out = vec![Action::Stateless(dest, ack)];
                if ours.is_some_and(|o| o != rtp) {
                    out.extend(self.reoffer(device, Some(rtp), false));
                }
                out
            }
            // Media is up and the other side holds, or resumes at an address the phone was
            // not given: a re-INVITE of ours says so (RFC 3264 §8.4, §8.3.1).
            (_, LegCmd::MediaStop(_)) if leg.media_sent && !leg.local_hold => {
                self.reoffer(device, None, true)
            }
            (_, LegCmd::StartMedia { to: rtp, .. })
                if leg.media_sent && (leg.local_hold || leg.local_rtp != Some(rtp)) =>
            {
                self.reoffer(device, Some(rtp), false)
            }
            (_, LegCmd::Busy(_)) => self.refuse(device, 486, "Busy Here"),
            (_, LegCmd::Reorder(_)) => self.refuse(device, 404, "Not Found"),
            (_, LegCmd::Unavailable(_)) => self.refuse(device, 480, "Temporarily Unavailable"),
            (_, LegCmd::Forbidden(_)) => self.refuse(device, 403, "Forbidden"),
            (_, LegCmd::Idle(_)) => self.hang_up(device, &via),
            _ => Vec::new(),
        }
    }

    /// Ends a leg the far side called from with a final error, if it is still unanswered;
    /// the engine hears `OnHook` (the refused side of the call is over: a SIP phone does
    /// not hang up after a 486).
    fn refuse(&mut self, device: SipLegId, status: u16, reason: &str) -> Vec<Action> {
        let Some(leg) = self.remove(device) else {
            return Vec::new();
        };
        match leg.role {
            Role::Uas { tx, invite, .. } if !leg.media_sent => {
                let bytes =
                    Response::to(&invite, leg.dest.addr, status, reason, &leg.local_tag).finish();
                // A stranger's call (403 to a trunk leg) keeps no transaction behind.
                let answer = if status == 403 && matches!(device, SipLegId::Trunk(_)) {
                    Action::Refuse {
                        to: leg.dest,
                        tx,
                        bytes,
                    }
                } else {
                    Action::Respond {
                        to: leg.dest,
                        tx,
                        status,
                        bytes,
                    }
                };
                vec![answer, Action::Event(device, LegEvent::OnHook(leg.line))]
            }
            _ => Vec::new(),
        }
    }

    /// Our side of the call ends: 480 to an unanswered INVITE from the phone, CANCEL for
    /// ours, BYE inside a confirmed dialog.
    fn hang_up(&mut self, device: SipLegId, via: &str) -> Vec<Action> {
        let Some(mut leg) = self.remove(device) else {
            return Vec::new();
        };
        if let Some(d) = leg.dialog.as_mut() {
            let branch = self.branch("b");
            let bytes = d.request(&Method::Bye, via, &branch, &self.contact(), None);
            return vec![Action::Request {
                to: leg.dest,
                method: Method::Bye,
                branch,
                bytes,
            }];
        }
        match leg.role {
            Role::Uas { tx, invite, .. } => vec![Action::Respond {
                to: leg.dest,
                tx,
                status: 480,
                bytes: Response::to(
                    &invite,
                    leg.dest.addr,
                    480,
                    "Temporarily Unavailable",
                    &leg.local_tag,
                )
                .finish(),
            }],
            Role::Uac {
                tx,
                branch,
                uri,
                from,
                to,
                ..
            } => {
                if let Some(tx) = tx {
                    self.cancelled.insert(tx, leg.dest);
                }
                // §9.1: the CANCEL copies the INVITE's Request-URI, Call-ID, From, To, CSeq
                // number and top Via (its branch).
                let bytes = format!(
                    "CANCEL {uri} SIP/2.0\r\nVia: {via};branch={branch};rport\r\nMax-Forwards: 70\r\n\
From: {from}\r\nTo: {to}\r\nCall-ID: {}\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n",
                    leg.call_id
                )
                .into_bytes();
                vec![Action::Request {
                    to: leg.dest,
                    method: Method::Cancel,
                    branch,
                    bytes,
                }]
            }
        }
    }

    /// The INVITE (or re-INVITE) of `device`'s leg went out on client transaction `tx`.
    pub fn invite_sent(&mut self, device: SipLegId, tx: TxId) {
        let Some(leg) = self.legs.get_mut(&device) else {
            return;
        };
        if leg.reinvite == Reinvite::Building {
            leg.reinvite = Reinvite::Sent(tx);
            self.by_tx.insert(tx, device);
        } else if let Role::Uac { tx: t, .. } = &mut leg.role {
            *t = Some(tx);
            self.by_tx.insert(tx, device);
        }
    }

    /// How many legs there are now.
    pub fn len(&self) -> usize {
        self.legs.len()
    }

    /// No legs.
    pub fn is_empty(&self) -> bool {
        self.legs.is_empty()
    }
}

mod checking;
mod inbound;
mod outbound;
#[cfg(test)]
mod tests;
