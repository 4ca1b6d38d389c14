//! What the far side of a SIP leg sends: a phone's or trunk's INVITE (a new leg), the
//! responses to our INVITEs, a BYE inside a dialog, a CANCEL of its INVITE. Each becomes
//! the answers the transaction layer sends and the events the engine hears (the mapping is
//! in the parent module's header).

use super::{Action, CODECS, Dest, LINE, Leg, Legs, Reinvite, Role};
use crate::leg::{LegEvent, Party, Refusal, SipLegId, TrunkId};
use crate::proto::sip::dialog::{Dialog, DialogId};
use crate::proto::sip::msg::{self, Contacts, Message, Response, StartLine};
use crate::proto::sip::sdp::{self, SessionId};
use crate::proto::sip::transaction::{Method, TxId};
use crate::small_str::SmallStr;

impl Legs {
    /// A trunk (no registered phone, at `dest`) sent INVITE `m` on server transaction
    /// `tx`: a leg is opened and the engine is told, which refuses it unless a dial-peer
    /// points at `dest`.
    pub fn incoming_trunk(&mut self, dest: Dest, tx: TxId, m: &Message) -> Vec<Action> {
        let trunk = TrunkId::In(self.next());
        let mut out = self.incoming(SipLegId::Trunk(trunk), dest, tx, m);
        // The engine hears the call whole, not as digits (its offer's codecs stay first).
        let off_hook = |a: &Action| matches!(a, Action::Event(_, LegEvent::OffHook(_)));
        let called = match out.iter().position(off_hook) {
            Some(first) => {
                out.truncate(first);
                let StartLine::Request { uri, .. } = &m.start else {
                    return out;
                };
                msg::user_of(uri).unwrap_or_default()
            }
            None => return out,
        };
        let user = m.from().and_then(|f| f.user).unwrap_or_default();
        let name = m
            .raw("from")
            .first()
            .map(|f| display_name(f))
            .unwrap_or_default();
        out.push(Action::Call {
            trunk,
            from: dest.addr,
            called,
            calling: Party {
                number: SmallStr::from(user.as_str()),
                name: SmallStr::from(name.as_str()),
            },
        });
        out
    }

    /// The phone `device` (registered, at `dest`) sent INVITE `m` on server transaction
    /// `tx`. Returns what to do; a phone already in a call gets 486.
    pub fn incoming(&mut self, device: SipLegId, dest: Dest, tx: TxId, m: &Message) -> Vec<Action> {
        let tag = self.tag();
        let respond = |status: u16, reason: &str| Action::Respond {
            to: dest,
            tx,
            status,
            bytes: Response::to(m, dest.addr, status, reason, &tag).finish(),
        };
        if self.legs.contains_key(&device) {
            return vec![respond(486, "Busy Here")];
        }
        let offer = match sdp::parse(&m.body) {
            Ok(o) => o,
            // A delayed offer from the phone is not supported yet: 488 (RFC 3261 §21.4.26).
            Err(_) => return vec![respond(488, "Not Acceptable Here")],
        };
        if offer.first_common(&CODECS).is_none() {
            return vec![respond(488, "Not Acceptable Here")];
        }
        let StartLine::Request { uri, .. } = &m.start else {
            return Vec::new();
        };
        let number = msg::user_of(uri).unwrap_or_default();
        let offer_kept = offer.clone();
        let id = self.next();
        self.insert(
            device,
            Leg::new(
                LINE,
                dest,
                Role::Uas {
                    tx,
                    invite: Box::new(m.clone()),
                    offer,
                },
                m.call_id().unwrap_or_default(),
                tag.clone(),
                SessionId { id, version: 1 },
            ),
        );
        let mut out = vec![
            respond(100, "Trying"),
            Action::Event(device, LegEvent::Offer(LINE, offer_kept)),
            Action::Event(device, LegEvent::OffHook(LINE)),
        ];
        out.extend(
            number
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '*')
                .map(|c| Action::Event(device, LegEvent::Digit(LINE, c))),
        );
        out.push(Action::Event(device, LegEvent::Digit(LINE, '#')));
        out
    }

    /// A response on client transaction `tx` (ours: an INVITE, BYE or CANCEL).
    pub fn response(&mut self, tx: TxId, m: &Message) -> Vec<Action> {
        let StartLine::Response { code, .. } = m.start else {
            return Vec::new();
        };
        let Some(&device) = self.by_tx.get(&tx) else {
            return self.after_cancel(tx, code, m);
        };
        let Some(leg) = self.legs.get_mut(&device) else {
            return Vec::new();
        };
        if leg.reinvite == Reinvite::Sent(tx) {
            return self.reinvite_answered(device, tx, code, m);
        }
        let line = leg.line;
        let Role::Uac {
            answered,
            offer,
            offered,
            alerted,
            ..
        } = &mut leg.role
        else {
            return Vec::new();
        };
        match code {
            180 | 183 if !*answered && !*alerted => {
                *alerted = true;
                vec![Action::Event(device, LegEvent::Alerting(line))]
            }
            100..=199 => Vec::new(),
            200..=299 => {
                if *answered {
                    // A retransmitted 2xx: our ACK was lost (RFC 6026 §8.4), or is still to
                    // come once media is set up; nothing to tell the engine.
                    return Vec::new();
                }
                *answered = true;
                let parsed = sdp::parse(&m.body);
                let Ok(d) = Dialog::uac(m) else {
                    return Vec::new();
                };
                leg.dialog = Some(d);
                match parsed {
                    Ok(o) => {
                        let rtp = o.rtp;
                        leg.remote_rtp = Some(rtp);
                        let codecs = o.codecs.iter().map(|(_, c)| *c).collect();
                        // An answer to the offer we relayed needs no answer of ours.
                        if offered.is_none() {
                            *offer = Some(o);
                        }
                        vec![
                            Action::Event(device, LegEvent::Codecs(line, codecs)),
                            Action::Event(device, LegEvent::OffHook(line)),
                            Action::Event(device, LegEvent::MediaReady(line, rtp)),
                        ]
                    }
                    Err(_) => vec![Action::Event(device, LegEvent::OffHook(line))],
                }
            }
            300..=399 => {
                // The far side sends the call elsewhere (a phone forwarding on its own):
                // the engine follows the first Contact's number, within its limits. The
                // transaction layer ACKs the 3xx. Without a number it is unavailable.
                self.remove(device);
                let to = match m.contacts() {
                    Contacts::List(l) => l.first().and_then(|c| msg::user_of(&c.uri)),
                    _ => None,
                };
                let ev = match to {
                    Some(n) => LegEvent::Redirected(line, SmallStr::from(n.as_str())),
                    None => LegEvent::Refused(line, Refusal::Unavailable),
                };
                vec![Action::Event(device, ev)]
            }
            _ => {
                // 4xx–6xx: the transaction layer ACKs it; the far side does not take the
                // call, and the engine hears why (a trunk's refusal may hunt on).
                self.remove(device);
                vec![Action::Event(
                    device,
                    LegEvent::Refused(line, refusal(code)),
                )]
            }
        }
    }

    /// A response to an INVITE we cancelled: a 2xx crossed the CANCEL, so the call the far
    /// side accepted is ACKed and ended at once with a BYE (RFC 3261 §15); another final
    /// response ends the matter (the transaction layer ACKs it).
    fn after_cancel(&mut self, tx: TxId, code: u16, m: &Message) -> Vec<Action> {
        if code < 200 {
            return Vec::new();
        }
        let Some(dest) = self.cancelled.remove(&tx) else {
            return Vec::new();
        };
        if code >= 300 {
            return Vec::new();
        }
        let Ok(mut d) = Dialog::uac(m) else {
            return Vec::new();
        };
        let via = super::via(self.local, dest.reliable);
        let (ack, bye) = (self.branch("a"), self.branch("b"));
        let contact = self.contact();
        vec![
            Action::Stateless(dest, d.ack(&via, &ack, None)),
            Action::Request {
                to: dest,
                method: Method::Bye,
                bytes: d.request(&Method::Bye, &via, &bye, &contact, None),
                branch: bye,
            },
        ]
    }

    /// The far side answered our re-INVITE on `tx`: a 2xx is ACKed (§13.2.2.4) and its
    /// SDP says where it receives now — a new address goes to the engine as `MediaReady`;
    /// an error leaves the session as it was (§14.1; the transaction layer ACKs it).
    fn reinvite_answered(
        &mut self,
        key: SipLegId,
        tx: TxId,
        code: u16,
        m: &Message,
    ) -> Vec<Action> {
        if code < 200 {
            return Vec::new();
        }
        self.by_tx.remove(&tx);
        let (local, branch) = (self.local, self.branch("a"));
        let Some(leg) = self.legs.get_mut(&key) else {
            return Vec::new();
        };
        leg.reinvite = Reinvite::Idle;
        let next = leg.next_offer.take();
        let mut out = Vec::new();
        if code < 300
            && let Some(d) = leg.dialog.as_ref()
        {
            out.push(Action::Stateless(
                leg.dest,
                d.ack(&super::via(local, leg.dest.reliable), &branch, None),
            ));
            if let Ok(answer) = sdp::parse(&m.body)
                && leg.remote_rtp != Some(answer.rtp)
                && !answer.rtp.ip().is_unspecified()
            {
                leg.remote_rtp = Some(answer.rtp);
                out.push(Action::Event(
                    key,
                    LegEvent::MediaReady(leg.line, answer.rtp),
                ));
            }
        }
        // The change that waited for this one goes out now.
        if let Some((rtp, hold)) = next {
            out.extend(self.reoffer(key, Some(rtp), hold));
        }
        out
    }

    /// Our INVITE's client transaction `tx` ended without a final response (Timer B): the
    /// far side is unreachable, which the engine hears as a refusal (it may hunt on or
    /// forward).
    pub fn timed_out(&mut self, tx: TxId) -> Vec<Action> {
        self.cancelled.remove(&tx);
        let Some(&key) = self.by_tx.get(&tx) else {
            return Vec::new();
        };
        // A re-INVITE of ours that timed out leaves the call as it was; a change that
        // waited for it goes out.
        if let Some(leg) = self.legs.get_mut(&key)
            && leg.reinvite == Reinvite::Sent(tx)
        {
            leg.reinvite = Reinvite::Idle;
            self.by_tx.remove(&tx);
            return match leg.next_offer.take() {
                Some((rtp, hold)) => self.reoffer(key, Some(rtp), hold),
                None => Vec::new(),
            };
        }
        match self.remove(key) {
            Some(leg) => vec![Action::Event(
                key,
                LegEvent::Refused(leg.line, Refusal::Unavailable),
            )],
            None => Vec::new(),
        }
    }

    /// The leg whose dialog request `m` is in (RFC 3261 §12.2.2: its Call-ID and tags).
    fn dialog_of(&self, m: &Message) -> Option<SipLegId> {
        let id = DialogId::of_request(m)?;
        let key = *self.by_call.get(&id.call_id)?;
        let leg = self.legs.get(&key)?;
        (leg.dialog.as_ref().map(|d| &d.id) == Some(&id)).then_some(key)
    }

    /// A request inside a dialog from the far side: BYE (200 and `OnHook`); one for no
    /// dialog of ours gets 481 (RFC 3261 §15.1.2).
    pub fn in_dialog(&mut self, tx: TxId, from: Dest, m: &Message, method: &Method) -> Vec<Action> {
        match method {
            Method::Bye => {
                let Some(device) = self.dialog_of(m) else {
                    let bytes =
                        Response::to(m, from.addr, 481, "Call/Transaction Does Not Exist", "")
                            .finish();
                    return vec![Action::Respond {
                        to: from,
                        tx,
                        status: 481,
                        bytes,
                    }];
                };
                let (dest, line) = self
                    .remove(device)
                    .map_or((from, LINE), |l| (l.dest, l.line));
                vec![
                    Action::Respond {
                        to: dest,
                        tx,
                        status: 200,
                        bytes: Response::to(m, dest.addr, 200, "OK", "").finish(),
                    },
                    Action::Event(device, LegEvent::OnHook(line)),
                ]
            }
            _ => Vec::new(),
        }
    }

    /// A re-INVITE inside a dialog of ours (RFC 3261 §14.2): its offer changes where and
    /// whether the far side receives. Answered at once with 200 and our answer — the same
    /// address as before (media stays phone to phone), the direction per RFC 3264 §6.1 —
    /// and the engine hears `Hold` when the offer puts the call on hold (`sendonly`,
    /// `inactive`, `0.0.0.0`), `Resume` when it takes it off. 481 for no dialog of ours;
    /// 491 while our own answer is not out yet (§14.2: a request pending); 488 for an
    /// offer cmed cannot answer.
    pub fn reinvite(&mut self, tx: TxId, from: Dest, m: &Message) -> Vec<Action> {
        let respond = |to: Dest, status: u16, reason: &str, tag: &str| Action::Respond {
            to,
            tx,
            status,
            bytes: Response::to(m, to.addr, status, reason, tag).finish(),
        };
        let Some(key) = self.dialog_of(m) else {
            return vec![respond(from, 481, "Call/Transaction Does Not Exist", "")];
        };
        let contact = self.contact();
        let leg = self.legs.get_mut(&key).expect("found above");
        let (dest, tag) = (leg.dest, leg.local_tag.clone());
        // Our answer not out yet, or our own re-INVITE out (glare): 491 (§14.2).
        let (Some(local), true, Reinvite::Idle) = (leg.local_rtp, leg.media_sent, leg.reinvite)
        else {
            return vec![respond(dest, 491, "Request Pending", &tag)];
        };
        if let Some(d) = leg.dialog.as_mut()
            && d.receive(m).is_err()
        {
            return vec![respond(dest, 500, "Server Internal Error", &tag)];
        }
        let answer = sdp::parse(&m.body).and_then(|offer| {
            let answer = super::answer_with(&offer, leg.codec, local)?;
            Ok((offer, answer))
        });
        let Ok((offer, answer)) = answer else {
            return vec![respond(dest, 488, "Not Acceptable Here", &tag)];
        };
        leg.sess.version += 1;
        leg.remote_rtp = Some(offer.rtp);
        let (was, now) = (leg.held, offer.on_hold());
        leg.held = now;
        let body = sdp::write(leg.sess, &answer);
        let mut out = vec![Action::Respond {
            to: dest,
            tx,
            status: 200,
            bytes: Response::to(m, dest.addr, 200, "OK", &tag)
                .header("Contact", &format!("<{contact}>"))
                .body(Some("application/sdp"), &body),
        }];
        match (was, now) {
            (false, true) => out.push(Action::Event(key, LegEvent::Hold(leg.line))),
            (true, false) => out.push(Action::Event(key, LegEvent::Resume(leg.line))),
            _ => {}
        }
        out
    }

    /// The far side cancelled its INVITE (the CANCEL `m`, RFC 3261 §9.2: same Call-ID):
    /// 487 to the INVITE and `OnHook` (only the 487 while the INVITE was still being
    /// checked, `checking.rs`); the CANCEL itself is answered by the caller.
    pub fn cancelled(&mut self, m: &Message) -> Vec<Action> {
        let Some(device) = m.call_id().and_then(|c| self.by_call.get(&c).copied()) else {
            return self.cancel_checked(m);
        };
        match self.legs.get(&device) {
            Some(l) if matches!(l.role, Role::Uas { .. }) && !l.media_sent => {}
            _ => return Vec::new(),
        }
        let Some(leg) = self.remove(device) else {
            return Vec::new();
        };
        let Role::Uas { tx, invite: m, .. } = leg.role else {
            return Vec::new();
        };
        vec![
            Action::Respond {
                to: leg.dest,
                tx,
                status: 487,
                bytes: Response::to(&m, leg.dest.addr, 487, "Request Terminated", &leg.local_tag)
                    .finish(),
            },
            Action::Event(device, LegEvent::OnHook(leg.line)),
        ]
    }
}

/// What a final error from the far side means for the caller (calls reference §2.4).
pub(super) fn refusal(code: u16) -> Refusal {
    match code {
        486 | 600 => Refusal::Busy,
        404 | 484 | 604 => Refusal::NotFound,
        _ => Refusal::Unavailable,
    }
}

/// The display name of a From or To value (`"Alice" <sip:…>` → `Alice`), else empty.
fn display_name(value: &str) -> String {
    let Some(lt) = value.find('<') else {
        return String::new();
    };
    value[..lt].trim().trim_matches('"').to_string()
}
