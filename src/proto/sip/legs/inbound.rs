//! What the far side of a SIP leg sends: a phone's or trunk's INVITE (a new leg), the
//! responses to our INVITEs, a BYE inside a dialog, a CANCEL of its INVITE. Each becomes
//! the answers the transaction layer sends and the events the engine hears (the mapping is
//! in the parent module's header).

use super::{Action, CODECS, Dest, LINE, Leg, Legs, Role};
use crate::leg::{LegEvent, Party, Refusal, SipLegId, TrunkId};
use crate::proto::sip::dialog::{Dialog, DialogId};
use crate::proto::sip::msg::{self, Message, Response, StartLine};
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
        // The engine hears the call whole, not as digits.
        let called = match out.iter().position(|a| matches!(a, Action::Event(..))) {
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
        let line = leg.line;
        let Role::Uac {
            answered,
            offer,
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
                        *offer = Some(o);
                        vec![
                            Action::Event(device, LegEvent::OffHook(line)),
                            Action::Event(device, LegEvent::MediaReady(line, rtp)),
                        ]
                    }
                    Err(_) => vec![Action::Event(device, LegEvent::OffHook(line))],
                }
            }
            _ => {
                // 3xx–6xx: the transaction layer ACKs it; the far side does not take the
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

    /// Our INVITE's client transaction `tx` ended without a final response (Timer B): the
    /// far side is unreachable, which the engine hears as a refusal (it may hunt on or
    /// forward).
    pub fn timed_out(&mut self, tx: TxId) -> Vec<Action> {
        self.cancelled.remove(&tx);
        let Some(&key) = self.by_tx.get(&tx) else {
            return Vec::new();
        };
        match self.remove(key) {
            Some(leg) => vec![Action::Event(
                key,
                LegEvent::Refused(leg.line, Refusal::Unavailable),
            )],
            None => Vec::new(),
        }
    }

    /// A request inside a dialog from the far side: BYE (200 and `OnHook`); one for no
    /// dialog of ours gets 481 (RFC 3261 §15.1.2).
    pub fn in_dialog(&mut self, tx: TxId, from: Dest, m: &Message, method: &Method) -> Vec<Action> {
        match method {
            Method::Bye => {
                let id = DialogId::of_request(m);
                let found = m
                    .call_id()
                    .and_then(|c| self.by_call.get(&c).copied())
                    .filter(|k| {
                        self.legs
                            .get(k)
                            .and_then(|l| l.dialog.as_ref())
                            .map(|d| &d.id)
                            == id.as_ref()
                    });
                let Some(device) = found else {
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
        let id = DialogId::of_request(m);
        let found = m
            .call_id()
            .and_then(|c| self.by_call.get(&c).copied())
            .filter(|k| {
                self.legs
                    .get(k)
                    .and_then(|l| l.dialog.as_ref())
                    .map(|d| &d.id)
                    == id.as_ref()
            });
        let Some(key) = found else {
            return vec![respond(from, 481, "Call/Transaction Does Not Exist", "")];
        };
        let contact = self.contact();
        let leg = self.legs.get_mut(&key).expect("found above");
        let (dest, tag) = (leg.dest, leg.local_tag.clone());
        let (Some(local), true) = (leg.local_rtp, leg.media_sent) else {
            return vec![respond(dest, 491, "Request Pending", &tag)];
        };
        if let Some(d) = leg.dialog.as_mut()
            && d.receive(m).is_err()
        {
            return vec![respond(dest, 500, "Server Internal Error", &tag)];
        }
        let answer = sdp::parse(&m.body).and_then(|offer| {
            let answer = sdp::answer(&offer, &CODECS, local, true)?;
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
