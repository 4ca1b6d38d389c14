//! What a phone's feature keys do to its calls: speed-dial buttons and Redial dial a whole
//! number (going off hook on the speaker when the phone was idle), Hold stops the media of
//! both sides while the call stays up, Resume opens it again (SCCP reference §4.2 notes);
//! CfwdALL (calls reference §3.1) cancels the line's `call-forward all` when one is set,
//! else gives dial tone and takes the digits that follow (until a whole number, `#` or the
//! inter-digit timeout) as the target — written into the running configuration as the
//! ephone-dn's `call-forward all TARGET`, as CME does.

use super::{Calls, Cmds, Ctx, End, Leg, State};
use crate::config::model::NumberOwner;
use crate::engine::routing::{Collection, Dialed};
use crate::ids::DnTag;
use crate::leg::LegCmd;

impl Calls {
    /// Speed dial `n` of the phone of `end` (its first line).
    pub(super) fn speed_dial(&mut self, end: End, n: u8, ctx: &Ctx<'_>, out: &mut Cmds) {
        let number = end
            .device()
            .and_then(|d| ctx.devices.get(&d))
            .and_then(|d| d.layout.speed_dials.get(usize::from(n).checked_sub(1)?))
            .map(|s| s.number.to_string());
        if let Some(number) = number {
            self.dial_whole(end, &number, ctx, out);
        }
    }

    /// Redial: the last number the phone dialled, else nothing happens but dial tone.
    pub(super) fn redial(&mut self, end: End, ctx: &Ctx<'_>, out: &mut Cmds) {
        let last = end
            .device()
            .and_then(|d| self.last_dialled.get(&d))
            .cloned();
        match last {
            Some(number) => self.dial_whole(end, &number, ctx, out),
            None => self.off_hook(end, ctx, out),
        }
    }

    /// The Messages key: the voicemail pilot (`telephony-service voicemail`, else `voice
    /// register global voicemail`); without one, dial tone as any off-hook gives.
    pub(super) fn messages(&mut self, end: End, ctx: &Ctx<'_>, out: &mut Cmds) {
        let pilot = (ctx.model.telephony.voicemail.as_ref())
            .or(ctx.model.register.voicemail.as_ref())
            .cloned();
        match pilot {
            Some(number) => self.dial_whole(end, &number, ctx, out),
            None => self.off_hook(end, ctx, out),
        }
    }

    /// Dials `number` whole on `end`: from idle it goes off hook first; a line already in a
    /// call or hearing a tone is left alone.
    fn dial_whole(&mut self, end: End, number: &str, ctx: &Ctx<'_>, out: &mut Cmds) {
        match self.legs.get(&end) {
            None => self.off_hook(end, ctx, out),
            Some(Leg::Dialing { .. }) => {}
            Some(_) => return,
        }
        out.push((end, LegCmd::Digits(end.line())));
        self.dial(end, number, Collection::Finished, ctx, out);
    }

    /// `end` holds its connected call: its media and the other side's stop.
    pub(super) fn hold(&mut self, end: End, out: &mut Cmds) {
        let Some(Leg::InCall(id)) = self.legs.get(&end) else {
            return;
        };
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        if call.state != State::Connected || call.held_by.is_some() {
            return;
        }
        call.held_by = Some(end);
        let other = call.other(end);
        out.push((end, LegCmd::Hold(end.line())));
        out.push((other, LegCmd::MediaStop(other.line())));
    }

    /// The side that held the call takes it back: both open their receivers again and are
    /// told where the other receives, as when the call was answered.
    pub(super) fn resume(&mut self, end: End, out: &mut Cmds) {
        let Some(Leg::InCall(id)) = self.legs.get(&end) else {
            return;
        };
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        if call.held_by != Some(end) {
            return;
        }
        call.held_by = None;
        let id = *id;
        self.set_aside(end, out);
        let call = self.calls.get_mut(&id).expect("read above");
        let (codec, other) = (call.codec, call.other(end));
        out.push((
            end,
            LegCmd::Connected {
                line: end.line(),
                codec,
            },
        ));
        out.push((
            other,
            LegCmd::Connected {
                line: other.line(),
                codec,
            },
        ));
    }

    /// CfwdALL on `end`'s line (an idle one): cancel the forward of its ephone-dn, or
    /// collect the target.
    pub(super) fn forward_all(&mut self, end: End, ctx: &Ctx<'_>, out: &mut Cmds) {
        if self.legs.contains_key(&end) {
            return;
        }
        let Some(dn) = ephone_dn_of(ctx, &end) else {
            // A line of no ephone-dn (a SIP phone's): nothing to forward here.
            return out.push((end, LegCmd::Idle(end.line())));
        };
        if ctx
            .model
            .dns
            .get(&dn)
            .is_some_and(|d| d.forward.all.is_some())
        {
            tracing::info!(dn = dn.0, "call-forward all cancelled from the phone");
            self.forward_edits.push((dn, None));
            return out.push((end, LegCmd::Idle(end.line())));
        }
        self.dial_tone(end, true, ctx, out);
    }

    /// The digits of a CfwdALL so far: once they are a whole number (or `#`, or the
    /// timeout), they are the line's forward target; nothing dialled sets nothing.
    pub(super) fn forward_target(
        &mut self,
        end: End,
        dialled: &str,
        collection: Collection,
        ctx: &Ctx<'_>,
        out: &mut Cmds,
    ) {
        let finished = matches!(collection, Collection::Finished);
        if !finished
            && matches!(
                ctx.plan.route(ctx.carriers, dialled, collection),
                Dialed::More
            )
        {
            return;
        }
        self.legs.remove(&end);
        if let (Some(dn), false) = (ephone_dn_of(ctx, &end), dialled.is_empty()) {
            tracing::info!(
                dn = dn.0,
                target = dialled,
                "call-forward all set from the phone"
            );
            self.forward_edits.push((dn, Some(dialled.to_string())));
        }
        out.push((end, LegCmd::Idle(end.line())));
    }

    /// The forwards set or cancelled with CfwdALL since the last call, for the engine to
    /// write into the running configuration.
    pub fn take_forward_edits(&mut self) -> Vec<(DnTag, Option<String>)> {
        std::mem::take(&mut self.forward_edits)
    }
}

/// The ephone-dn whose number `end`'s line carries now.
fn ephone_dn_of(ctx: &Ctx<'_>, end: &End) -> Option<DnTag> {
    let End::Line { device, line, .. } = end else {
        return None;
    };
    match super::channels::dn_of_line(ctx, *device, *line)? {
        NumberOwner::Ephone(t) => Some(t),
        NumberOwner::Register(_) => None,
    }
}
