//! Where a call goes once its number is known: the dial plan's candidates tried in hunt
//! order (calls reference §1.5, §2.4) — a directory number's free line, or a dial-peer's
//! target — with each DN's call forwarding applied on the way (§3.1–3.3): `all` before
//! anything, `busy` when every line is busy (or a SIP phone answers 486), `noan` when the
//! line rings unanswered for its timeout, `unregistered` (else the busy target, else the
//! no-answer one, at once; Diversion reason `unavailable`) when no registered phone carries
//! the number. A forward dials its target as a new attempt that
//! remembers the chain: at most `max-redirect` forwards (default 10), and never back to a
//! number that already forwarded the call (a loop rings where it is instead). A refusal
//! from a trunk hunts on to the next candidate, except after busy.

use super::ccapi::{self, Cause};
use super::{Call, CallId, Calls, Cmds, Ctx, End, Leg, State, channels, trunk};
use crate::config::model::{CallForward, Model, MwiOutcall, NumberOwner};
use crate::engine::routing::{Candidate, Collection, Dialed, Reach, Target, automatic_peer};
use crate::ids::Extension;
use crate::leg::{LegCmd, Redirect, RedirectReason, Refusal};
use crate::media::Codec;
use crate::small_str::SmallStr;
use crate::time::Mono;
use std::time::Duration;

/// `call-forward noan` without a timeout rings this long (CME's documented 20 s).
pub const NOAN: Duration = Duration::from_secs(20);

/// `timeouts ringing` default (telephony-service, IOS: 180 s): an unanswered call that no
/// no-answer forward takes rings this long, then ends.
pub const RINGING: Duration = Duration::from_secs(180);

/// `phone-redirect-limit` default (voice register global, CME: 5).
const PHONE_REDIRECT_LIMIT: u32 = 5;

/// `max-redirect` default (telephony-service, IOS: 10).
const MAX_REDIRECT: usize = 10;

/// What a call is trying to reach: the number (as dialled, or the last forward's target)
/// and, once forwarded, how it got there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attempt {
    /// The number being called.
    pub number: String,
    /// The last forward, if any (the Diversion a SIP leg carries).
    pub redirect: Option<Redirect>,
    /// The numbers that forwarded the call, first to last.
    pub via: Vec<SmallStr>,
    /// The candidates still to try when the one rung refuses, in hunt order.
    pub rest: Vec<Candidate>,
    /// The 3xx redirections from SIP phones followed so far (`phone-redirect-limit`).
    pub phone_redirects: u32,
}

impl Attempt {
    /// A call to `number` as dialled.
    pub fn dialled(number: &str) -> Attempt {
        Attempt {
            number: number.to_string(),
            ..Attempt::default()
        }
    }
}

/// The DN rung, for the forwards that apply once it rings (busy from a SIP phone, noan).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rung {
    /// Which DN.
    pub dn: NumberOwner,
    /// Its number that was called.
    pub number: Extension,
    /// When an unanswered ring is forwarded (`call-forward noan`).
    pub noan: Option<Mono>,
}

/// The voicemail pilot a call to `number` of `dn` goes to while no registered phone carries
/// it, when the number is a user's (on a `voice user-profile`: the user is logged in
/// nowhere): `telephony-service voicemail` for an ephone-dn, `voice register global
/// voicemail` for a SIP DN, else the other one. A number of no user (a desk phone that is
/// off) has no mailbox to go to.
pub(super) fn voicemail_pilot(
    model: &Model,
    dn: NumberOwner,
    number: &Extension,
) -> Option<String> {
    if !model.profile_numbers.contains(number) {
        return None;
    }
    let (sccp, sip) = (&model.telephony.voicemail, &model.register.voicemail);
    match dn {
        NumberOwner::Ephone(_) => sccp.clone().or_else(|| sip.clone()),
        NumberOwner::Register(_) => sip.clone().or_else(|| sccp.clone()),
    }
}

/// Whether a call to `dn` (its `secondary` number or not) sets message waiting on
/// (`Some(true)`) or off: an `mwi on|off|on-off` outcall DN, not a line.
fn outcall(model: &Model, dn: NumberOwner, secondary: bool) -> Option<bool> {
    let NumberOwner::Ephone(t) = dn else {
        return None;
    };
    Some(match model.dns.get(&t)?.mwi? {
        MwiOutcall::On => true,
        MwiOutcall::Off => false,
        MwiOutcall::OnOff => !secondary,
    })
}

/// A DN's `call-forward` settings.
fn forward_of(model: &Model, dn: NumberOwner) -> Option<&CallForward> {
    match dn {
        NumberOwner::Ephone(t) => model.dns.get(&t).map(|d| &d.forward),
        NumberOwner::Register(t) => model.reg_dns.get(&t).map(|d| &d.forward),
    }
}

impl Calls {
    /// Rings the first candidate that can take the call, in hunt order. When none can, the
    /// caller hears busy tone (a line was busy, or the last refusal said busy), else
    /// reorder (or 480's tone after an unavailable trunk).
    pub(super) fn hunt(
        &mut self,
        end: End,
        attempt: Attempt,
        candidates: Vec<Candidate>,
        refused: Option<Refusal>,
        ctx: &Ctx<'_>,
        out: &mut Cmds,
    ) {
        let mut busy = refused == Some(Refusal::Busy);
        // A number on no registered phone was among the candidates (480 for a SIP caller).
        let mut unavailable = false;
        let mut rest = candidates.into_iter();
        while let Some(c) = rest.next() {
            let remaining = |rest: std::vec::IntoIter<Candidate>| {
                if c.huntstop {
                    Vec::new()
                } else {
                    rest.collect()
                }
            };
            let (dn, number, lines) = match &c.target {
                Target::Peer(tag) => {
                    let Some(target) = trunk::target(ctx.model, *tag, &end) else {
                        continue;
                    };
                    let attempt = Attempt {
                        rest: remaining(rest),
                        ..attempt
                    };
                    return self.ring_trunk(end, target, attempt, ctx, out);
                }
                Target::Line {
                    dn,
                    number,
                    reach,
                    secondary,
                } => {
                    if let Some(on) = outcall(ctx.model, *dn, *secondary) {
                        return self.mwi_outcall(end, number, &attempt.number, on, out);
                    }
                    (*dn, number, reach)
                }
            };
            let fwd = forward_of(ctx.model, dn).cloned().unwrap_or_default();
            if let Some(t) = &fwd.all
                && let Some((next, c)) =
                    self.redirect(&attempt, number, t, RedirectReason::Unconditional, ctx)
            {
                return self.hunt(end, next, c, None, ctx, out);
            }
            let lines = match lines {
                Reach::Carried(lines) => lines,
                Reach::Unregistered => {
                    // Calls reference §3.3: the unregistered target, else busy, else
                    // no-answer at once, else — a user's number — the voicemail pilot;
                    // without one the next candidate, and in the end the caller hears
                    // that the number is unavailable. The Diversion says `unavailable`
                    // whichever target it is.
                    let noan = fwd.noan.as_ref().map(|(t, _)| t.clone());
                    let pilot = voicemail_pilot(ctx.model, dn, number);
                    let target = fwd
                        .unregistered
                        .as_ref()
                        .or(fwd.busy.as_ref())
                        .or(noan.as_ref())
                        .or(pilot.as_ref());
                    if let Some(t) = target
                        && let Some((next, c)) =
                            self.redirect(&attempt, number, t, RedirectReason::Unavailable, ctx)
                    {
                        return self.hunt(end, next, c, None, ctx, out);
                    }
                    unavailable = true;
                    continue;
                }
            };
            // A line takes the call on its lowest free channel among those that take
            // incoming calls; a phone in a call (or off hook) only as call waiting, on a
            // line with more than one channel (channels.rs).
            let mut here_busy = false;
            let limit = channels::incoming_channels(ctx, dn);
            let free = lines.iter().find_map(|d| {
                // An SCCP phone on its connection, a SIP phone on its binding.
                let reachable = ctx
                    .devices
                    .get(&d.device)
                    .is_some_and(|x| x.conn().is_some() || x.sip().is_some());
                let own = end.device() == Some(d.device) && end.line() == d.line;
                let in_use = ctx.devices.off_hook(&d.device)
                    || self.legs.keys().any(|e| e.device() == Some(d.device));
                let chan = self
                    .free_chan(d.device, d.line, limit)
                    .filter(|_| !own && (!in_use || channels::channels(ctx, Some(dn)) > 1));
                here_busy |= reachable && chan.is_none();
                chan.filter(|_| reachable).map(|chan| (d, chan))
            });
            if let Some((d, chan)) = free {
                let callee = End::Line {
                    device: d.device,
                    line: d.line,
                    chan,
                };
                let rung = Rung {
                    dn,
                    number: number.clone(),
                    noan: fwd.noan.as_ref().map(|(_, secs)| {
                        ctx.now
                            .after(secs.map_or(NOAN, |s| Duration::from_secs(u64::from(s))))
                    }),
                };
                let attempt = Attempt {
                    rest: remaining(rest),
                    ..attempt
                };
                return self.ring(end, callee, attempt, Some(rung), ctx, out);
            }
            if here_busy
                && let Some(t) = &fwd.busy
                && let Some((next, c)) =
                    self.redirect(&attempt, number, t, RedirectReason::UserBusy, ctx)
            {
                return self.hunt(end, next, c, None, ctx, out);
            }
            busy |= here_busy;
            if c.huntstop {
                break;
            }
        }
        let line = end.line();
        let cmd = match refused {
            _ if busy => LegCmd::Busy(line),
            Some(Refusal::Unavailable) => LegCmd::Unavailable(line),
            _ if unavailable => LegCmd::Unavailable(line),
            _ => {
                tracing::debug!(caller = ?end, number = attempt.number, "call to a number no phone can take now");
                LegCmd::Reorder(line)
            }
        };
        self.tone(end, cmd, out);
    }

    /// A call to an outcall DN (`number PREFIX....` with `mwi on|off`): the digits after
    /// the prefix name the extension whose message waiting it sets (calls reference §4.4);
    /// the call itself ends at once, unanswered.
    fn mwi_outcall(
        &mut self,
        end: End,
        pattern: &Extension,
        dialled: &str,
        on: bool,
        out: &mut Cmds,
    ) {
        let prefix = pattern.0.trim_end_matches('.');
        let extension = dialled.strip_prefix(prefix).unwrap_or("");
        if extension.is_empty() {
            tracing::info!(
                pattern = pattern.0,
                dialled,
                "MWI outcall without an extension"
            );
        } else {
            self.mwi_edits.push((Extension(extension.to_string()), on));
        }
        self.legs.remove(&end);
        self.forget(end);
        out.push((end, LegCmd::Idle(end.line())));
    }

    /// The attempt a forward of `attempt` from `from` to `target` makes, with the
    /// candidates of its target; `None` when it is not followed: `max-redirect` forwards
    /// already, or `target` already forwarded this call (a loop). A target the dial plan
    /// does not know is followed to no candidate (the caller hears reorder).
    fn redirect(
        &self,
        attempt: &Attempt,
        from: &Extension,
        target: &str,
        reason: RedirectReason,
        ctx: &Ctx<'_>,
    ) -> Option<(Attempt, Vec<Candidate>)> {
        let max = ctx
            .model
            .telephony
            .max_redirect
            .map_or(MAX_REDIRECT, |n| n as usize);
        if attempt.via.len() >= max {
            tracing::info!(
                number = from.0,
                target,
                max,
                "forward not followed: max-redirect reached"
            );
            return None;
        }
        if target == from.0 || attempt.via.iter().any(|v| v.as_str() == target) {
            tracing::info!(
                number = from.0,
                target,
                "forward not followed: it would loop"
            );
            return None;
        }
        let mut via = attempt.via.clone();
        via.push(SmallStr::from(from.0.as_str()));
        let next = Attempt {
            rest: Vec::new(),
            phone_redirects: attempt.phone_redirects,
            number: target.to_string(),
            redirect: Some(Redirect {
                from: SmallStr::from(from.0.as_str()),
                reason,
                counter: u8::try_from(via.len()).unwrap_or(u8::MAX),
            }),
            via,
        };
        ccapi::redirected(
            &from.0,
            target,
            reason,
            u8::try_from(next.via.len()).unwrap_or(u8::MAX),
        );
        let candidates = match ctx.plan.route(ctx.carriers, target, Collection::Finished) {
            Dialed::Route(c) => c,
            _ => Vec::new(),
        };
        Some((next, candidates))
    }

    /// `end` calls `callee`: it rings, the caller hears ring-back (§4.2 steps 9–11) at once
    /// from a phone, from a trunk once it says it alerts. `rung` is the DN rung (its
    /// forwards); the attempt says what to try when the callee refuses.
    pub(super) fn ring(
        &mut self,
        end: End,
        callee: End,
        attempt: Attempt,
        rung: Option<Rung>,
        ctx: &Ctx<'_>,
        out: &mut Cmds,
    ) {
        self.next += 1;
        let id = CallId(self.next);
        let calling = self.party(ctx.devices, &end);
        let called = self.party(ctx.devices, &callee);
        let ringback = matches!(callee, End::Line { .. });
        // The callee's dial-peer: a trunk's, or the automatic one of the DN rung.
        let peer = match callee {
            End::Trunk(t) => self.trunks.get(&t).map_or(0, |t| t.peer.0),
            End::Line { .. } => rung.as_ref().map_or(0, |r| automatic_peer(r.dn)),
        };
        let dialled = attempt
            .via
            .first()
            .map_or(attempt.number.clone(), |v| v.to_string());
        self.calls.insert(
            id,
            Call {
                caller: end,
                callee,
                state: State::Alerting,
                codec: Codec::Pcmu,
                dialled,
                held_by: None,
                started: ctx.now,
                connected: None,
                media: [None, None],
                ringback,
                ring_until: ctx.now.after(
                    ctx.model
                        .telephony
                        .ringing
                        .map_or(RINGING, |s| Duration::from_secs(u64::from(s))),
                ),
                attempt,
                rung,
            },
        );
        ccapi::setup(id, &self.calls[&id], &calling, peer);
        self.legs.insert(end, Leg::InCall(id));
        self.legs.insert(callee, Leg::InCall(id));
        out.push((
            end,
            LegCmd::Proceeding {
                line: end.line(),
                called,
                calling,
            },
        ));
        out.push((callee, self.ring_in(id, ctx)));
        if ringback {
            out.push((end, LegCmd::RingOut(end.line())));
        }
    }

    /// What rings call `id`'s callee: who calls, how it was forwarded, the caller's offer.
    pub(super) fn ring_in(&self, id: CallId, ctx: &Ctx<'_>) -> LegCmd {
        let call = &self.calls[&id];
        LegCmd::RingIn {
            line: call.callee.line(),
            calling: self.party(ctx.devices, &call.caller),
            called: self.party(ctx.devices, &call.callee),
            redirect: call.attempt.redirect.clone(),
            offer: self.offers.get(&call.caller).cloned(),
        }
    }

    /// The callee of `end`'s call alerts (a trunk's 180): the caller hears ring-back.
    pub(super) fn alerting(&mut self, end: End, out: &mut Cmds) {
        let Some(Leg::InCall(id)) = self.legs.get(&end) else {
            return;
        };
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        if call.callee == end && call.state == State::Alerting && !call.ringback {
            call.ringback = true;
            out.push((call.caller, LegCmd::RingOut(call.caller.line())));
        }
    }

    /// The callee of `end`'s call refused it before answering: a busy SIP phone's DN
    /// forwards on busy; otherwise the hunt goes on (not after busy, calls reference
    /// §2.4), else the caller hears why.
    pub(super) fn refused(&mut self, end: End, why: Refusal, ctx: &Ctx<'_>, out: &mut Cmds) {
        let Some((id, call)) = self.unanswered(end, out) else {
            return;
        };
        let cause = match why {
            Refusal::Busy => Cause::Busy,
            Refusal::NotFound => Cause::Unallocated,
            Refusal::Unavailable => Cause::NoResponse,
        };
        ccapi::disconnect(Some(id), &end, cause);
        if why == Refusal::Busy
            && let Some(r) = &call.rung
            && let Some(t) = forward_of(ctx.model, r.dn).and_then(|f| f.busy.clone())
            && let Some((next, c)) =
                self.redirect(&call.attempt, &r.number, &t, RedirectReason::UserBusy, ctx)
        {
            return self.hunt(call.caller, next, c, None, ctx, out);
        }
        let mut attempt = call.attempt;
        let hunt = if why == Refusal::Busy {
            Vec::new()
        } else {
            std::mem::take(&mut attempt.rest)
        };
        self.hunt(call.caller, attempt, hunt, Some(why), ctx, out);
    }

    /// The callee of `end`'s call sent it elsewhere before answering (a SIP 3xx: the phone
    /// forwards on its own, calls reference §1.3): followed as a forward of the number rung
    /// (Diversion `unconditional`), at most `phone-redirect-limit` times per call and within
    /// `max-redirect`; past that, or to a loop, it counts as the callee being unavailable.
    pub(super) fn redirected(&mut self, end: End, to: &str, ctx: &Ctx<'_>, out: &mut Cmds) {
        let Some((id, mut call)) = self.unanswered(end, out) else {
            return;
        };
        ccapi::disconnect(Some(id), &end, Cause::Redirected);
        let limit = ctx
            .model
            .register
            .phone_redirect_limit
            .unwrap_or(PHONE_REDIRECT_LIMIT);
        let from = call.rung.as_ref().map_or_else(
            || Extension(call.attempt.number.clone()),
            |r| r.number.clone(),
        );
        if call.attempt.phone_redirects < limit
            && let Some((mut next, c)) =
                self.redirect(&call.attempt, &from, to, RedirectReason::Unconditional, ctx)
        {
            next.phone_redirects += 1;
            return self.hunt(call.caller, next, c, None, ctx, out);
        }
        let rest = std::mem::take(&mut call.attempt.rest);
        self.hunt(
            call.caller,
            call.attempt,
            rest,
            Some(Refusal::Unavailable),
            ctx,
            out,
        );
    }

    /// The unanswered call `end` is the callee of, taken out (see [`Calls::take`]); for a
    /// leg in any other state the event ends its call instead.
    fn unanswered(&mut self, end: End, out: &mut Cmds) -> Option<(CallId, Call)> {
        let Some(Leg::InCall(id)) = self.legs.get(&end).cloned() else {
            return None;
        };
        let call = self.calls.get(&id)?;
        if call.callee != end || call.state != State::Alerting {
            self.release(end, out);
            return None;
        }
        Some((id, self.take(id)))
    }

    /// Removes an unanswered call whose callee is out of it; the caller's leg is left for
    /// what happens next (a forward, the hunt going on, a tone).
    fn take(&mut self, id: CallId) -> Call {
        let call = self.calls.remove(&id).expect("a call of a leg exists");
        self.legs.remove(&call.callee);
        self.forget(call.callee);
        self.legs.remove(&call.caller);
        call
    }

    /// Calls that rang unanswered past their `call-forward noan` timeout at `now`: the
    /// callee stops ringing and the call follows the forward (if it may: a loop or
    /// `max-redirect` lets it ring on, with no further forward); and calls that rang past
    /// `timeouts ringing`: they end.
    pub(super) fn no_answer(&mut self, ctx: &Ctx<'_>, out: &mut Cmds) {
        let over: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| c.state == State::Alerting && c.ring_until <= ctx.now)
            .map(|(id, _)| *id)
            .collect();
        for id in over {
            let call = self.take(id);
            ccapi::disconnect(Some(id), &call.callee, Cause::NoAnswer);
            out.push((call.callee, LegCmd::Idle(call.callee.line())));
            out.push((call.caller, LegCmd::Idle(call.caller.line())));
        }
        let due: Vec<CallId> = self
            .calls
            .iter()
            .filter(|(_, c)| {
                c.state == State::Alerting
                    && c.rung
                        .as_ref()
                        .and_then(|r| r.noan)
                        .is_some_and(|d| d <= ctx.now)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let call = &self.calls[&id];
            let rung = call.rung.clone().expect("filtered on it");
            let target = forward_of(ctx.model, rung.dn).and_then(|f| f.noan.clone());
            let next = target.and_then(|(t, _)| {
                self.redirect(
                    &call.attempt,
                    &rung.number,
                    &t,
                    RedirectReason::NoAnswer,
                    ctx,
                )
            });
            let Some((next, c)) = next else {
                if let Some(r) = self.calls.get_mut(&id).and_then(|c| c.rung.as_mut()) {
                    r.noan = None;
                }
                continue;
            };
            let call = self.take(id);
            out.push((call.callee, LegCmd::Idle(call.callee.line())));
            self.hunt(call.caller, next, c, None, ctx, out);
        }
    }

    /// The earliest `call-forward noan` or `timeouts ringing` deadline of a ringing call.
    pub(super) fn next_no_answer(&self) -> Option<Mono> {
        self.calls
            .values()
            .filter(|c| c.state == State::Alerting)
            .flat_map(|c| [c.rung.as_ref().and_then(|r| r.noan), Some(c.ring_until)])
            .flatten()
            .min()
    }
}
