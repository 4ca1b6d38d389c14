//! What cmed sends out of its own accord on a SIP leg: the INVITE that rings the far side
//! (with the caller's offer relayed, or a delayed offer) and our re-INVITEs when the other
//! side of the call holds or resumes (RFC 3264 §8). The mapping is in the parent module's
//! header.

use std::net::SocketAddr;

use super::{Action, Dest, Leg, Legs, Reinvite, Role, via};
use crate::leg::{LegCmd, LegEvent, Refusal, SipLegId};
use crate::media::Direction;
use crate::proto::sip::dialog;
use crate::proto::sip::sdp::{self, SessionId};
use crate::proto::sip::transaction::{AckParts, Method};
use crate::small_str::SmallStr;

impl Legs {
    /// cmed rings the far side (`RingIn`): an INVITE to `to` (its flow and Request-URI)
    /// carrying the caller's offer when it has one, else a delayed offer (RFC 3261
    /// §13.2.1); a forwarded call's carries one `Diversion` (RFC 5806 §4).
    pub(super) fn ring(
        &mut self,
        device: SipLegId,
        cmd: &LegCmd,
        to: Option<(Dest, &str)>,
    ) -> Vec<Action> {
        let LegCmd::RingIn {
            line,
            calling,
            called,
            redirect,
            offer,
        } = cmd
        else {
            return Vec::new();
        };
        let (local, contact) = (self.local, self.contact());
        let Some((dest, uri)) = to else {
            return Vec::new();
        };
        let reliable = dest.reliable;
        // Glare: the phone is in a call of its own (it called as cmed rang it).
        if self.legs.contains_key(&device) {
            return vec![Action::Event(
                device,
                LegEvent::Refused(*line, Refusal::Busy),
            )];
        }
        let n = self.next();
        let (branch, tag, call_id) = (
            self.branch("i"),
            self.tag(),
            format!("cmed-{}@{}", self.unique(), local.ip()),
        );
        let name = calling.name.replace('"', "");
        let from = format!("\"{name}\" <sip:{}@{}>", calling.number, local.ip());
        // A phone is called at its address of record here, a trunk at its target.
        let to_value = match device {
            SipLegId::Phone(_) => format!("<sip:{}@{}>", called.number, local.ip()),
            SipLegId::Trunk(_) => format!("<{uri}>"),
        };
        let via = via(local, reliable);
        // A forwarded call names the last number that forwarded it, why, and how many
        // forwards it followed: one Diversion header (RFC 5806 §4), as IOS sends.
        let diversion = redirect.as_ref().map(|r| {
            format!(
                "<sip:{}@{}>;reason={};counter={}",
                r.from,
                local.ip(),
                r.reason.token(),
                r.counter
            )
        });
        let extra: Vec<(&str, &str)> = diversion
            .iter()
            .map(|d| ("Diversion", d.as_str()))
            .collect();
        // A SIP caller's offer is relayed (the callee's 200 answers it; media stays
        // phone to phone); without one, a delayed offer (RFC 3261 §13.2.1).
        let sess = SessionId { id: n, version: 1 };
        let sdp = offer.as_ref().map(|o| sdp::write(sess, o));
        let bytes = dialog::invite(
            &dialog::Invite {
                uri,
                from: &from,
                from_tag: &tag,
                to: &to_value,
                call_id: &call_id,
                cseq: 1,
                via: &via,
                branch: &branch,
                contact: &contact,
            },
            &extra,
            sdp.as_deref().map(|b| ("application/sdp", b)),
        );
        let ack = AckParts {
            request_uri: SmallStr::from(uri),
            via: SmallStr::from(format!("{via};branch={branch};rport").as_str()),
            from: SmallStr::from(format!("{from};tag={tag}").as_str()),
            call_id: SmallStr::from(call_id.as_str()),
            cseq: 1,
            route: Vec::new(),
        };
        self.insert(
            device,
            Leg::new(
                *line,
                dest,
                Role::Uac {
                    tx: None,
                    branch: branch.clone(),
                    uri: uri.to_string(),
                    from: format!("{from};tag={tag}"),
                    to: to_value,
                    alerted: false,
                    answered: false,
                    offer: None,
                    offered: offer.as_ref().map(|o| o.rtp),
                },
                call_id,
                tag,
                sess,
            ),
        );
        vec![Action::Invite {
            to: dest,
            leg: device,
            branch,
            bytes,
            ack,
        }]
    }

    /// A re-INVITE of ours to `key`'s far side (one at a time: a change while one is out
    /// waits for its answer, the latest one winning): our address `rtp` (else the last one
    /// given) and `sendonly` when `hold`. Its 2xx is ACKed in `inbound`; the transaction
    /// layer ACKs an error.
    pub(super) fn reoffer(
        &mut self,
        key: SipLegId,
        rtp: Option<SocketAddr>,
        hold: bool,
    ) -> Vec<Action> {
        let (contact, local) = (self.contact(), self.local);
        let branch = self.branch("r");
        let Some(leg) = self.legs.get_mut(&key) else {
            return Vec::new();
        };
        let Some(rtp) = rtp.or(leg.local_rtp) else {
            return Vec::new();
        };
        // Regression: a resume that came while the hold's re-INVITE was still out was
        // dropped, and the phone never learnt the other side's new address. The latest
        // change waits and goes out when the one out is answered.
        if leg.reinvite != Reinvite::Idle {
            leg.next_offer = Some((rtp, hold));
            return Vec::new();
        }
        let Some(d) = leg.dialog.as_mut() else {
            return Vec::new();
        };
        let direction = if hold {
            Direction::SendOnly
        } else {
            Direction::SendRecv
        };
        leg.sess.version += 1;
        let body = sdp::write(leg.sess, &sdp::offer(rtp, &[leg.codec], true, direction));
        let via = via(local, leg.dest.reliable);
        let bytes = d.request(
            &Method::Invite,
            &via,
            &branch,
            &contact,
            Some(("application/sdp", &body)),
        );
        let ack = d.ack_parts(&via, &branch);
        leg.local_rtp = Some(rtp);
        leg.local_hold = hold;
        leg.reinvite = Reinvite::Building;
        vec![Action::Invite {
            to: leg.dest,
            leg: key,
            branch,
            bytes,
            ack,
        }]
    }
}
