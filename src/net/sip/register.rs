//! REGISTER at the edge: the typed `SipRegister` the engine's registrar decides on (the
//! device name from the Cisco `+u.sip!devicename` contact parameter, the digest
//! credentials, the contacts), and the registrar's `Outcome` rendered as the response
//! (401 with the challenge, 200 with the binding, `Expires` and `Date`, 400, 403, 404, 423).
//! A registered phone's INVITE that the registrar challenges or refuses gets its 401 or 403
//! from here too, so the two challenges cannot drift apart. The core answers a decided
//! REGISTER in its server transaction through [`answer`].

use std::net::SocketAddr;

use super::{Sip, answer_in};
use crate::debug::Flags;
use crate::engine::registrar::Outcome;
use crate::engine::{Flow, SipContacts, SipRegister};
use crate::ids::DeviceName;
use crate::proto::sip::msg::{Contacts, Message, Response};
use crate::time::Mono;

/// The typed REGISTER for the engine, or the reason it is malformed.
pub(super) fn register_of(m: &Message, flow: Flow) -> Result<SipRegister, &'static str> {
    let call_id = m.call_id().ok_or("missing Call-ID")?;
    let listed = m.contacts();
    // The Cisco phone names itself in its first contact's `+u.sip!devicename` parameter.
    let device = match &listed {
        Contacts::List(l) => l.first().and_then(|c| {
            c.params
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case("+u.sip!devicename.ccm.cisco.com"))
                .and_then(|(_, v)| DeviceName::parse(v.as_deref()?.trim_matches('"')))
        }),
        _ => None,
    };
    let contacts = match listed {
        Contacts::None => SipContacts::Query,
        Contacts::Star => SipContacts::Star,
        Contacts::List(l) if l.is_empty() => return Err("malformed Contact"),
        Contacts::List(l) => SipContacts::List(l.into_iter().map(|c| (c.uri, c.expires)).collect()),
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
        cseq: m.cseq().map_or(0, |(n, _)| n),
    })
}

pub(super) fn status_of(o: &Outcome) -> u16 {
    match o {
        Outcome::Challenge { .. } => 401,
        Outcome::Registered { .. } => 200,
        Outcome::BadRequest(_) => 400,
        Outcome::Forbidden(_) => 403,
        Outcome::NotFound => 404,
        Outcome::IntervalTooBrief { .. } => 423,
    }
}

pub(super) fn render(m: &Message, source: SocketAddr, tag: &str, o: &Outcome, now: u64) -> Vec<u8> {
    match o {
        Outcome::Challenge {
            realm,
            nonce,
            stale,
            sha256,
        } => {
            use crate::digest::{Algorithm, challenge};
            // MD5, as CME sends. SHA-256 after it only when configured (RFC 8760 §2.4 lets a
            // server offer both): clients that refuse a 401 naming any algorithm they lack
            // give up on it — baresip 1.0.0 on libre 1.1.0 fails with "Register: Function
            // not implemented" and never answers.
            let mut r = Response::to(m, source, 401, "Unauthorized", tag).header(
                "WWW-Authenticate",
                &challenge(realm, nonce, Algorithm::Md5, *stale),
            );
            if *sha256 {
                r = r.header(
                    "WWW-Authenticate",
                    &challenge(realm, nonce, Algorithm::Sha256, *stale),
                );
            }
            r.finish()
        }
        Outcome::Registered { contacts, .. } => {
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
            let method = m.method();
            let method = method.as_ref().map_or("request", |x| x.as_str());
            tracing::info!(peer = %source, reason = why.text(), "SIP {method} refused");
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

/// A REGISTER and the registrar's outcome, for the core to answer in its server transaction
/// (`id`; `None`: answered statelessly).
pub(super) struct Registered {
    pub(super) id: Option<crate::proto::sip::transaction::TxId>,
    pub(super) flow: Flow,
    pub(super) m: Message,
    pub(super) tag: String,
    pub(super) device: Option<DeviceName>,
    pub(super) outcome: Result<Outcome, crate::actor::Stopped>,
}

/// Answers a REGISTER with the registrar's outcome, in its server transaction.
pub(super) fn answer(sip: &Sip, tu: &mut super::calls::Tu, r: Registered, now: Mono) {
    let Registered {
        id,
        flow,
        m,
        tag,
        device,
        outcome,
    } = r;
    let source = flow.peer;
    let (status, bytes) = match outcome {
        Ok(o) => {
            sip.learn(source, &o);
            if Flags::on(&sip.debug.voice_register_events) {
                tracing::info!(target: "cmed::debug::voice_register", peer = %source, device = ?device, outcome = ?o, "REGISTER");
            }
            (
                status_of(&o),
                render(&m, source, &tag, &o, crate::actor::wall_clock()),
            )
        }
        Err(_) => (
            503,
            Response::to(&m, source, 503, "Service Unavailable", &tag).finish(),
        ),
    };
    answer_in(sip, tu, id, status, bytes, flow, now);
}
