//! A line's channels, one call each (calls reference §1.5): a single-line `ephone-dn` has
//! one, `dual-line` two, `octo-line` eight; a SIP phone's line one here (the phone runs its
//! own call waiting). A call to a line whose first channel is busy rings its next free
//! channel — call waiting: the phone in its call hears the call-waiting tone — up to
//! `huntstop channel N`; past that the line is busy (its `call-forward busy`, else busy
//! tone). Answering a waiting call holds the phone's call in progress; Resume on a held
//! call holds the other; hanging up with a call still waiting makes that one ring.
//!
//! A phone's event that names no channel (an SCCP message without a call reference) is
//! for the line's current call — the one it dials or talks on, not one it holds or that
//! waits — else, going off hook, the waiting call (answered) or a new call on the lowest
//! free channel.

use super::{Calls, Cmds, Ctx, End, Leg, State};
use crate::config::model::{LineMode, NumberOwner};
use crate::ids::{DeviceName, Extension};
use crate::leg::{Chan, LegCmd, LegEvent, LineInstance};

/// The DN whose number `device`'s `line` carries now.
pub(super) fn dn_of_line(
    ctx: &Ctx<'_>,
    device: DeviceName,
    line: LineInstance,
) -> Option<NumberOwner> {
    let l = ctx
        .devices
        .get(&device)?
        .layout
        .lines
        .get(line.0.checked_sub(1)? as usize)?;
    ctx.model
        .numbers
        .get(&Extension(l.number.to_string()))
        .copied()
}

/// How many channels a DN's lines have.
pub(super) fn channels(ctx: &Ctx<'_>, dn: Option<NumberOwner>) -> u8 {
    match dn.and_then(|dn| match dn {
        NumberOwner::Ephone(t) => ctx.model.dns.get(&t),
        NumberOwner::Register(_) => None,
    }) {
        Some(d) => match d.mode {
            LineMode::Single => 1,
            LineMode::Dual => 2,
            LineMode::Octo => 8,
        },
        None => 1,
    }
}

/// How many of a DN's channels take incoming calls (`huntstop channel`).
pub(super) fn incoming_channels(ctx: &Ctx<'_>, dn: NumberOwner) -> u8 {
    let all = channels(ctx, Some(dn));
    match dn {
        NumberOwner::Ephone(t) => ctx
            .model
            .dns
            .get(&t)
            .and_then(|d| d.huntstop_channel)
            .map_or(all, |n| n.min(all)),
        NumberOwner::Register(_) => all,
    }
}

impl Calls {
    /// The channels of `device`'s `line` with a leg, lowest first.
    fn legs_on(&self, device: DeviceName, line: LineInstance, n: u8) -> Vec<(End, &Leg)> {
        (1..=n)
            .map(|c| End::Line {
                device,
                line,
                chan: Chan(c),
            })
            .filter_map(|e| self.legs.get(&e).map(|l| (e, l)))
            .collect()
    }

    /// Whether `end`'s leg is a call offered to it and not answered yet.
    fn is_waiting(&self, end: &End, leg: &Leg) -> bool {
        matches!(leg, Leg::InCall(id) if self.calls.get(id)
            .is_some_and(|c| c.callee == *end && c.state == State::Alerting))
    }

    /// Whether `end`'s leg is its phone's call in progress: dialling, hearing a tone, or in
    /// a call it has not held and is not merely offered.
    fn is_current(&self, end: &End, leg: &Leg) -> bool {
        match leg {
            Leg::Dialing { .. } | Leg::Tone => true,
            Leg::InCall(id) => self.calls.get(id).is_some_and(|c| {
                c.held_by != Some(*end) && !(c.callee == *end && c.state == State::Alerting)
            }),
        }
    }

    /// The lowest channel of `device`'s `line`, among its first `n`, with no leg.
    pub(super) fn free_chan(&self, device: DeviceName, line: LineInstance, n: u8) -> Option<Chan> {
        (1..=n).map(Chan).find(|c| {
            !self.legs.contains_key(&End::Line {
                device,
                line,
                chan: *c,
            })
        })
    }

    /// The channel an event that names none is for (see the module header); the first
    /// channel when nothing fits (the event then finds nothing to act on).
    pub(super) fn chan_for(
        &self,
        device: DeviceName,
        line: LineInstance,
        ev: &LegEvent,
        ctx: &Ctx<'_>,
    ) -> Chan {
        let n = channels(ctx, dn_of_line(ctx, device, line));
        let legs = self.legs_on(device, line, n);
        let find = |f: &dyn Fn(&End, &Leg) -> bool| {
            legs.iter()
                .find(|(e, l)| f(e, l))
                .and_then(|(e, _)| match e {
                    End::Line { chan, .. } => Some(*chan),
                    End::Trunk(_) => None,
                })
        };
        let current = find(&|e, l| self.is_current(e, l));
        let pick = match ev {
            LegEvent::OffHook(_) => find(&|e, l| self.is_waiting(e, l))
                .or(current)
                .or_else(|| self.free_chan(device, line, n)),
            LegEvent::Resume(_) => find(
                &|e, l| matches!(l, Leg::InCall(id) if self.calls.get(id).is_some_and(|c| c.held_by == Some(*e))),
            ),
            // Hanging up with no call in progress leaves held and waiting calls alone.
            LegEvent::OnHook(_) => current.or_else(|| self.free_chan(device, line, n)),
            _ => current.or_else(|| self.free_chan(device, line, n)),
        };
        pick.unwrap_or(Chan::FIRST)
    }

    /// Before `end` takes a call (answers a waiting one, resumes a held one, starts a new
    /// one), its phone's call in progress is put aside: a connected call is held, dialling
    /// or a tone ends.
    pub(super) fn set_aside(&mut self, end: End, out: &mut Cmds) {
        let Some(device) = end.device() else {
            return;
        };
        let others: Vec<End> = self
            .legs
            .iter()
            .filter(|(e, l)| e.device() == Some(device) && **e != end && self.is_current(e, l))
            .map(|(e, _)| *e)
            .collect();
        for other in others {
            match self.legs.get(&other) {
                Some(Leg::InCall(id))
                    if self
                        .calls
                        .get(id)
                        .is_some_and(|c| c.state == State::Connected) =>
                {
                    self.hold(other, out)
                }
                Some(Leg::InCall(_)) => {}
                Some(_) => {
                    self.legs.remove(&other);
                    self.forget(other);
                    out.push((other, LegCmd::Idle(other.line())));
                }
                None => {}
            }
        }
    }

    /// `device` went on hook: a call still waiting on it now rings (the ringer instead of
    /// the call-waiting tone), unless the phone has a call in progress.
    pub(super) fn ring_waiting(&mut self, device: DeviceName, ctx: &Ctx<'_>, out: &mut Cmds) {
        if ctx.devices.off_hook(&device) {
            return;
        }
        let mut waiting = Vec::new();
        for (e, l) in &self.legs {
            if e.device() != Some(device) {
                continue;
            }
            if self.is_current(e, l) {
                return;
            }
            if let Leg::InCall(id) = l
                && self.is_waiting(e, l)
            {
                waiting.push(*id);
            }
        }
        waiting.sort();
        for id in waiting {
            let cmd = self.ring_in(id, ctx);
            out.push((self.calls[&id].callee, cmd));
        }
    }
}
