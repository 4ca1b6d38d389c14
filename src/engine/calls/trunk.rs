//! Trunk legs: calls out to a VoIP dial-peer's `session target` and calls in from one
//! (calls reference §1.6, §2). A call out dials the whole number collected, as IOS does on
//! a VoIP peer (no digits stripped); a final refusal from the target sends the hunt on to
//! the next candidate (`hunt` in the calls' module). A call in is taken only from an
//! address that is a `session protocol sipv2` dial-peer's target — the toll-fraud rule IOS
//! applies with `ip address trusted authenticate`, which is on by default — and is routed
//! like a phone's fully dialled number; from a trunk it goes on to another dial-peer only
//! with `allow-connections sip to sip` (calls reference §3.1, a SIP-to-SIP hairpin).

use std::net::{IpAddr, SocketAddr};

use super::{Attempt, Calls, Cmds, Ctx, End, TRUNK_LINE};
use crate::config::model::Model;
use crate::config::pattern::Match;
use crate::engine::routing::Collection;
use crate::ids::DialPeerTag;
use crate::leg::{LegCmd, LegEvent, Party, TrunkId};
use crate::small_str::SmallStr;

/// A trunk leg: where its SIP goes and how it shows to the other side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trunk {
    /// The dial-peer's `session target`, or where a call in came from.
    pub addr: SocketAddr,
    /// What cmed dials there (the Request-URI's user), or what a call in asked for.
    pub number: String,
    /// How the leg shows to the other side: the caller of a call in (its From), the number
    /// dialled of a call out.
    pub party: Party,
    /// The dial-peer it went out on, or the inbound peer a call in matched.
    pub peer: DialPeerTag,
}

/// Where dial-peer `tag` sends a call from `caller`: its `session target` (port 5060 by
/// default), when it speaks SIP and the caller may use it.
pub(super) fn target(
    model: &Model,
    tag: DialPeerTag,
    caller: &End,
) -> Option<(DialPeerTag, SocketAddr)> {
    let peer = model.dial_peers.get(&tag)?;
    let (ip, port) = peer.target.filter(|_| peer.sipv2)?;
    if let End::Trunk(_) = caller
        && !model.allow_sip_to_sip
    {
        tracing::debug!(
            peer = tag.0,
            "trunk to trunk call refused (no allow-connections sip to sip)"
        );
        return None;
    }
    Some((tag, SocketAddr::new(IpAddr::V4(ip), port)))
}

/// The inbound dial-peer of a call from `from` to `called`: among the SIP peers whose
/// target is that address, the longest `incoming called-number` match, else the first by
/// tag. From an address on the `ip address trusted list` that no dial-peer points at, the
/// longest match among all SIP peers, else IOS's default peer 0. `None`: the address is
/// neither, so the call is not taken.
fn inbound_peer(model: &Model, from: SocketAddr, called: &str) -> Option<DialPeerTag> {
    let targeted = |p: &crate::config::model::DialPeer| {
        p.target.is_some_and(|(ip, _)| IpAddr::V4(ip) == from.ip())
    };
    let listed =
        !model.dial_peers.values().any(|p| p.sipv2 && targeted(p)) && model.is_trusted(from.ip());
    let mut trusted = model
        .dial_peers
        .iter()
        .filter(|(_, p)| p.sipv2 && (listed || targeted(p)));
    let first = if listed {
        Some(DialPeerTag(0))
    } else {
        trusted.clone().next().map(|(t, _)| *t)
    };
    let by_called = trusted
        .by_ref()
        .filter_map(|(t, p)| match p.incoming_called.as_ref()?.matches(called) {
            Match::Complete { explicit, .. } => Some((explicit, std::cmp::Reverse(*t))),
            _ => None,
        })
        .max()
        .map(|(_, std::cmp::Reverse(t))| t);
    by_called.or(first)
}

impl Calls {
    /// A trunk leg of a call now.
    pub fn trunk(&self, id: TrunkId) -> Option<&Trunk> {
        self.trunks.get(&id)
    }

    /// Drops what a trunk leg left behind, once it is out of its call.
    pub(super) fn forget(&mut self, end: End) {
        if let End::Trunk(t) = end {
            self.trunks.remove(&t);
        }
        // A line's call offer (an SCCP phone's capabilities stay, under its line 0).
        self.codecs.remove(&end);
        self.offers.remove(&end);
    }

    /// `end` calls out through dial-peer `tag` at `addr`, dialling the number attempted
    /// (the last forward's target, if it was forwarded).
    pub(super) fn ring_trunk(
        &mut self,
        end: End,
        (tag, addr): (DialPeerTag, SocketAddr),
        mut attempt: Attempt,
        ctx: &Ctx<'_>,
        out: &mut Cmds,
    ) {
        let dialled = attempt.number.clone();
        // `mailbox-selection orig-called-num`: the Diversion names the number first called.
        if ctx
            .model
            .dial_peers
            .get(&tag)
            .is_some_and(|p| p.orig_called_mailbox)
            && let (Some(r), Some(first)) = (attempt.redirect.as_mut(), attempt.via.first())
        {
            r.from = first.clone();
        }
        self.next_trunk += 1;
        let id = TrunkId::Out(self.next_trunk);
        self.trunks.insert(
            id,
            Trunk {
                addr,
                number: dialled.clone(),
                party: Party {
                    number: SmallStr::from(dialled.as_str()),
                    name: SmallStr::default(),
                },
                peer: tag,
            },
        );
        self.ring(end, End::Trunk(id), attempt, None, ctx, out);
    }

    /// A trunk leg's event: its answer, media, alerting, refusal or hang-up. A trunk dials
    /// nothing and has no keys; an event for a leg no call has is dropped.
    pub fn trunk_event(&mut self, trunk: TrunkId, ev: LegEvent, ctx: &Ctx<'_>) -> Cmds {
        let end = End::Trunk(trunk);
        let mut out = Vec::new();
        match ev {
            LegEvent::Codecs(_, list) => {
                self.codecs.insert(end, list);
                return out;
            }
            LegEvent::Offer(_, media) => {
                self.offered(end, media);
                return out;
            }
            _ => {}
        }
        if !self.legs.contains_key(&end) {
            return out;
        }
        match ev {
            LegEvent::OffHook(_) => self.off_hook(end, ctx, &mut out),
            LegEvent::OnHook(_) | LegEvent::MediaFailed(_) => self.release(end, &mut out),
            LegEvent::MediaReady(_, rtp) => self.media_ready(end, rtp, &mut out),
            LegEvent::Alerting(_) => self.alerting(end, &mut out),
            LegEvent::Refused(_, why) => self.refused(end, why, ctx, &mut out),
            LegEvent::Redirected(_, to) => self.redirected(end, &to, ctx, &mut out),
            LegEvent::Hold(_) => self.hold(end, &mut out),
            LegEvent::Resume(_) => self.resume(end, &mut out),
            LegEvent::Digit(..)
            | LegEvent::SpeedDial(_)
            | LegEvent::Redial(_)
            | LegEvent::Messages(_)
            | LegEvent::Codecs(..)
            | LegEvent::Offer(..)
            | LegEvent::ForwardAll(_) => {}
        }
        out
    }

    /// A call in from a trunk at `from` (a SIP INVITE from no registered phone) for
    /// `called`, shown as `calling`: routed as a number dialled in full, or refused when
    /// no dial-peer points at `from`.
    pub fn incoming(
        &mut self,
        trunk: TrunkId,
        from: SocketAddr,
        called: &str,
        calling: Party,
        ctx: &Ctx<'_>,
    ) -> Cmds {
        let end = End::Trunk(trunk);
        let Some(peer) = inbound_peer(ctx.model, from, called) else {
            tracing::info!(%from, called, "call from an address no dial-peer points at refused");
            self.forget(end);
            return vec![(end, LegCmd::Forbidden(TRUNK_LINE))];
        };
        self.trunks.insert(
            trunk,
            Trunk {
                addr: from,
                number: called.to_string(),
                party: calling,
                peer,
            },
        );
        let mut out = Vec::new();
        self.dial(end, called, Collection::Finished, ctx, &mut out);
        out
    }
}
