//! What a phone's feature keys do to its calls: speed-dial buttons and Redial dial a whole
//! number (going off hook on the speaker when the phone was idle), Hold stops the media of
//! both sides while the call stays up, Resume opens it again (SCCP reference §4.2 notes).

use super::{Calls, Cmds, Ctx, End, Leg, State};
use crate::engine::routing::Collection;
use crate::ids::DeviceName;
use crate::leg::{LegCmd, LineInstance};

impl Calls {
    /// Speed dial `n` of `device`'s phone, on its first line.
    pub(super) fn speed_dial(&mut self, device: DeviceName, n: u8, ctx: &Ctx<'_>, out: &mut Cmds) {
        let number = ctx
            .devices
            .get(&device)
            .and_then(|d| d.layout.speed_dials.get(usize::from(n).checked_sub(1)?))
            .map(|s| s.number.to_string());
        if let Some(number) = number {
            let end = End::Line {
                device,
                line: LineInstance(1),
            };
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
}
