//! The call side of one SCCP session: the engine's [`LegCmd`]s rendered as the message
//! sequences of the SCCP reference §4.2 (basic call) and §4.3 (busy, reorder), and the
//! phone's hook, key, soft-key and media messages read back as [`LegEvent`]s.
//!
//! What is SCCP's own stays here: the call reference of each call on a line's channels
//! (server-chosen, one per call leg), whether its RTP receiver was opened (so that release
//! closes it), and which line and channel a key or an ack belongs to — by its call
//! reference; a message without one (an off-hook, on-hook or digit some phones send with
//! reference 0) names no channel and the engine takes the line's current call. What the
//! call *is* — who rings, who is connected, which channel a new call takes — is the
//! engine's. A call offered while the phone is off hook is call waiting: the call-waiting
//! tone instead of the ringer.

use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};

use super::msg::{FromPhone, ToPhone};
use super::softkeys;
use crate::leg::{Chan, LegCmd, LegEvent, LineInstance, Party, Redirect, RedirectReason};
use crate::media::Codec;

// Call states (§3.3).
const OFF_HOOK: u32 = 1;
const ON_HOOK: u32 = 2;
const RING_OUT: u32 = 3;
const RING_IN: u32 = 4;
const CONNECTED: u32 = 5;
const BUSY: u32 = 6;
const CONGESTION: u32 = 7;
const HOLD: u32 = 8;
const PROCEED: u32 = 12;
// Tones (§3.5).
const TONE_DIAL: u32 = 0x21;
/// Partial (stutter) dial tone, what CME plays for message waiting (SCCP reference §3.5).
const TONE_STUTTER: u32 = 0x2A;
const TONE_BUSY: u32 = 0x23;
const TONE_ALERTING: u32 = 0x24;
const TONE_REORDER: u32 = 0x25;
const TONE_CALL_WAITING: u32 = 0x2D;
// SetLamp (§3.4, §3.8) and SetRinger (§3.6).
const STIMULUS_LINE: u32 = 9;
const LAMP_OFF: u32 = 1;
const LAMP_ON: u32 = 2;
const LAMP_BLINK: u32 = 5;
const RING_OFF: u32 = 1;
const RING_INSIDE: u32 = 2;
// Stimulus (§3.4).
const STIMULUS_REDIAL: u32 = 1;
const STIMULUS_SPEED_DIAL: u32 = 2;
const STIMULUS_VOICEMAIL: u32 = 0x0F;
// Soft-key events (§3.12).
const KEY_REDIAL: u32 = 1;
const KEY_NEW_CALL: u32 = 2;
const KEY_HOLD: u32 = 3;
const KEY_CFWD_ALL: u32 = 5;
const KEY_RESUME: u32 = 10;
const KEY_END_CALL: u32 = 9;
const KEY_ANSWER: u32 = 11;
// Soft-key sets (§3.12).
const SET_CONNECTED: u32 = 1;
const SET_ON_HOLD: u32 = 2;
const SET_RING_IN: u32 = 3;
const SET_DIGITS: u32 = 6;
const SET_RING_OUT: u32 = 8;
/// RTP packet time we ask for, milliseconds.
const PACKET_MS: u32 = 20;
/// DSCP EF (46 << 2), what CME marks voice with.
const PRECEDENCE: u32 = 184;

/// The SCCP `compressionType` of a codec (§3.10).
pub fn codec_id(c: Codec) -> u32 {
    match c {
        Codec::Pcma => 2,
        Codec::Pcmu => 4,
        Codec::G722 => 6,
        Codec::G729 => 11,
    }
}

/// The codec of an SCCP `payloadCapability` / `compressionType` (§3.10): the ids of
/// [`codec_id`], and G.729 Annex A/B (12, 15, 16) as G.729.
pub fn codec_of(id: u32) -> Option<Codec> {
    Some(match id {
        2 => Codec::Pcma,
        4 => Codec::Pcmu,
        6 => Codec::G722,
        11 | 12 | 15 | 16 => Codec::G729,
        _ => return None,
    })
}

/// One channel of a line with a call leg on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Active {
    line: u32,
    chan: Chan,
    call_ref: u32,
    /// Offered and not answered (the ringer is on, or the call-waiting tone played).
    ringing: bool,
    media_open: bool,
}

/// The channels of one phone that have a call leg, and the next call reference.
#[derive(Debug, Default)]
pub(super) struct Calls {
    active: Vec<Active>,
    next_ref: u32,
    /// The handset (or speaker) is off hook, as the phone last said.
    off_hook: bool,
}

fn line_state(state: u32, line: u32, call_ref: u32) -> ToPhone {
    ToPhone::CallState {
        state,
        line,
        call_ref,
        privacy: 0,
        precedence: 4,
    }
}

fn keys(line: u32, call_ref: u32, set: u32) -> ToPhone {
    ToPhone::SelectSoftKeys {
        line,
        call_ref,
        set,
        mask: 0xFFFF_FFFF,
    }
}

fn tone(tone: u32, line: u32, call_ref: u32) -> ToPhone {
    ToPhone::StartTone {
        tone,
        direction: 0,
        line,
        call_ref,
    }
}

/// SetRinger with `mode` (§3.6), normal duration.
fn ringer(mode: u32, line: u32, call_ref: u32) -> ToPhone {
    ToPhone::SetRinger {
        mode,
        duration: 1,
        line,
        call_ref,
    }
}

fn lamp(line: u32, mode: u32) -> ToPhone {
    ToPhone::SetLamp {
        stimulus: STIMULUS_LINE,
        instance: line,
        mode,
    }
}

fn info(
    calling: &Party,
    called: &Party,
    redirect: Option<&Redirect>,
    line: u32,
    call_ref: u32,
    call_type: u32,
) -> ToPhone {
    // Q.931 reasons for redirection; `unavailable` has none of its own.
    let redirect_reason = match redirect.map(|r| r.reason) {
        Some(RedirectReason::UserBusy) => 1,
        Some(RedirectReason::NoAnswer) => 2,
        Some(RedirectReason::Unconditional) => 15,
        Some(RedirectReason::Unavailable) | None => 0,
    };
    ToPhone::CallInfo {
        redirected_by: redirect.map(|r| r.from.to_string()).unwrap_or_default(),
        redirect_reason,
        calling_name: calling.name.to_string(),
        calling: calling.number.to_string(),
        called_name: called.name.to_string(),
        called: called.number.to_string(),
        line,
        call_ref,
        call_type,
    }
}

impl Calls {
    /// The call leg on `line`'s channel `chan`, made if there is none.
    fn leg(&mut self, line: u32, chan: Chan) -> &mut Active {
        if let Some(i) = self
            .active
            .iter()
            .position(|a| a.line == line && a.chan == chan)
        {
            return &mut self.active[i];
        }
        self.next_ref += 1;
        self.active.push(Active {
            line,
            chan,
            call_ref: self.next_ref,
            ringing: false,
            media_open: false,
        });
        self.active.last_mut().expect("just pushed")
    }

    /// The line a message names, or for a message without one (line 0) the line of its
    /// call reference, else the ringing line, else the line with a call, else line 1.
    fn line_for(&self, line: u32, call_ref: u32) -> u32 {
        if line != 0 {
            return line;
        }
        let by = |f: &dyn Fn(&Active) -> bool| self.active.iter().find(|a| f(a)).map(|a| a.line);
        by(&|a| call_ref != 0 && a.call_ref == call_ref)
            .or_else(|| by(&|a| a.ringing))
            .or_else(|| self.active.first().map(|a| a.line))
            .unwrap_or(1)
    }

    /// The channel whose call `call_ref` is, if it is one of ours.
    fn chan_of(&self, call_ref: u32) -> Option<Chan> {
        self.active
            .iter()
            .find(|a| call_ref != 0 && a.call_ref == call_ref)
            .map(|a| a.chan)
    }

    /// Renders `cmd`, for the call on channel `chan` of its line, onto `out`.
    pub fn render(&mut self, chan: Chan, cmd: LegCmd, out: &mut VecDeque<ToPhone>) {
        match cmd {
            LegCmd::DialTone(LineInstance(line)) | LegCmd::StutterDialTone(LineInstance(line)) => {
                let r = self.leg(line, chan).call_ref;
                let dial = if matches!(cmd, LegCmd::StutterDialTone(_)) {
                    TONE_STUTTER
                } else {
                    TONE_DIAL
                };
                out.push_back(lamp(line, LAMP_ON));
                out.push_back(line_state(OFF_HOOK, line, r));
                out.push_back(keys(line, r, softkeys::SET_OFF_HOOK));
                out.push_back(tone(dial, line, r));
            }
            LegCmd::Digits(LineInstance(line)) => {
                let r = self.leg(line, chan).call_ref;
                out.push_back(ToPhone::StopTone { line, call_ref: r });
                out.push_back(keys(line, r, SET_DIGITS));
            }
            LegCmd::Proceeding {
                line: LineInstance(line),
                called,
                calling,
            } => {
                let r = self.leg(line, chan).call_ref;
                out.push_back(ToPhone::DialedNumber {
                    number: called.number.to_string(),
                    line,
                    call_ref: r,
                });
                out.push_back(line_state(PROCEED, line, r));
                out.push_back(info(&calling, &called, None, line, r, 2));
            }
            LegCmd::RingOut(LineInstance(line)) => {
                let r = self.leg(line, chan).call_ref;
                out.push_back(line_state(RING_OUT, line, r));
                out.push_back(keys(line, r, SET_RING_OUT));
                out.push_back(tone(TONE_ALERTING, line, r));
            }
            // A forwarded call shows the number that forwarded it (CallInfo's
            // last-redirecting party and reason).
            LegCmd::RingIn {
                line: LineInstance(line),
                calling,
                called,
                redirect,
                offer: _,
            } => {
                let waiting = self.off_hook;
                let leg = self.leg(line, chan);
                leg.ringing = true;
                let r = leg.call_ref;
                out.push_back(line_state(RING_IN, line, r));
                out.push_back(keys(line, r, SET_RING_IN));
                out.push_back(info(&calling, &called, redirect.as_ref(), line, r, 1));
                out.push_back(lamp(line, LAMP_BLINK));
                // Off hook (in another call): the call-waiting tone in the handset, not
                // the ringer.
                out.push_back(if waiting {
                    tone(TONE_CALL_WAITING, line, r)
                } else {
                    ringer(RING_INSIDE, line, r)
                });
            }
            LegCmd::Connected {
                line: LineInstance(line),
                codec,
            } => {
                let leg = self.leg(line, chan);
                let was_ringing = std::mem::take(&mut leg.ringing);
                leg.media_open = true;
                let r = leg.call_ref;
                if was_ringing {
                    out.push_back(ringer(RING_OFF, line, r));
                }
                out.push_back(ToPhone::StopTone { line, call_ref: r });
                out.push_back(line_state(CONNECTED, line, r));
                out.push_back(keys(line, r, SET_CONNECTED));
                out.push_back(lamp(line, LAMP_ON));
                out.push_back(ToPhone::OpenReceiveChannel {
                    conference_id: r,
                    pass_thru: r,
                    packet_ms: PACKET_MS,
                    codec: codec_id(codec),
                    call_ref: r,
                });
            }
            LegCmd::StartMedia {
                line: LineInstance(line),
                to,
                codec,
            } => {
                // The classic layout carries an IPv4 address; SCCP phones have no other.
                let IpAddr::V4(ip) = to.ip() else { return };
                let r = self.leg(line, chan).call_ref;
                out.push_back(ToPhone::StartMediaTransmission {
                    conference_id: r,
                    pass_thru: r,
                    ip,
                    port: u32::from(to.port()),
                    packet_ms: PACKET_MS,
                    codec: codec_id(codec),
                    precedence: PRECEDENCE,
                    call_ref: r,
                });
            }
            LegCmd::Busy(LineInstance(line)) => {
                let r = self.leg(line, chan).call_ref;
                out.push_back(tone(TONE_BUSY, line, r));
                out.push_back(line_state(BUSY, line, r));
            }
            // An SCCP phone hears reorder for a side that did not take the call too.
            LegCmd::Reorder(LineInstance(line))
            | LegCmd::Unavailable(LineInstance(line))
            | LegCmd::Forbidden(LineInstance(line)) => {
                let r = self.leg(line, chan).call_ref;
                out.push_back(tone(TONE_REORDER, line, r));
                out.push_back(line_state(CONGESTION, line, r));
            }
            LegCmd::Hold(LineInstance(line)) => {
                let r = self.leg(line, chan).call_ref;
                out.push_back(line_state(HOLD, line, r));
                out.push_back(keys(line, r, SET_ON_HOLD));
                self.stop_media(line, chan, out);
            }
            LegCmd::MediaStop(LineInstance(line)) => self.stop_media(line, chan, out),
            // The phone's other calls stay as they are: the line's lamp stays lit while
            // one is on it, and the idle soft keys come back with the last call.
            LegCmd::Idle(LineInstance(line)) => {
                self.stop_media(line, chan, out);
                let gone = self
                    .active
                    .iter()
                    .position(|a| a.line == line && a.chan == chan)
                    .map(|i| self.active.remove(i));
                let r = gone.map_or(0, |a| a.call_ref);
                if gone.is_some_and(|a| a.ringing) {
                    out.push_back(ringer(RING_OFF, line, r));
                }
                out.push_back(ToPhone::StopTone { line, call_ref: r });
                out.push_back(line_state(ON_HOOK, line, r));
                if !self.active.iter().any(|a| a.line == line) {
                    out.push_back(lamp(line, LAMP_OFF));
                }
                if self.active.is_empty() {
                    out.push_back(keys(0, 0, softkeys::SET_ON_HOOK));
                }
            }
        }
    }

    /// Closes the RTP receiver and stops the transmission of the call on `line` (hold:
    /// §4.2 notes), if they are open; the next `Connected` opens them again.
    fn stop_media(&mut self, line: u32, chan: Chan, out: &mut VecDeque<ToPhone>) {
        let Some(a) = self
            .active
            .iter_mut()
            .find(|a| a.line == line && a.chan == chan)
        else {
            return;
        };
        if std::mem::take(&mut a.media_open) {
            let r = a.call_ref;
            out.push_back(ToPhone::CloseReceiveChannel {
                conference_id: r,
                pass_thru: r,
                call_ref: r,
            });
            out.push_back(ToPhone::StopMediaTransmission {
                conference_id: r,
                pass_thru: r,
                call_ref: r,
            });
        }
    }

    /// What a message from the registered phone means for its calls, if anything, with
    /// the channel its call reference names (`None`: a new call, or a message without a
    /// reference); `None` for a message that is not about calls (or a hook change the
    /// phone repeats).
    pub fn event(&mut self, msg: &FromPhone) -> Option<(Option<Chan>, LegEvent)> {
        let chan = match *msg {
            // NewCall (from a held call's keys) is a new call, whatever call is selected.
            FromPhone::SoftKeyEvent {
                event: KEY_NEW_CALL,
                ..
            } => None,
            FromPhone::OffHook { call_ref, .. }
            | FromPhone::OnHook { call_ref, .. }
            | FromPhone::SoftKeyEvent { call_ref, .. }
            | FromPhone::KeypadButton { call_ref, .. } => self.chan_of(call_ref),
            FromPhone::OpenReceiveChannelAck {
                call_ref,
                pass_thru,
                ..
            } => self.chan_of(if call_ref != 0 { call_ref } else { pass_thru }),
            _ => None,
        };
        let ev = match *msg {
            FromPhone::OffHook { line, call_ref } => {
                if std::mem::replace(&mut self.off_hook, true) {
                    return None;
                }
                LegEvent::OffHook(LineInstance(self.line_for(line, call_ref)))
            }
            FromPhone::OnHook { line, call_ref } => {
                if !std::mem::replace(&mut self.off_hook, false) {
                    return None;
                }
                LegEvent::OnHook(LineInstance(self.line_for(line, call_ref)))
            }
            FromPhone::SoftKeyEvent {
                event,
                line,
                call_ref,
            } => {
                let line = LineInstance(self.line_for(line, call_ref));
                match event {
                    KEY_REDIAL => {
                        self.off_hook = true;
                        LegEvent::Redial(line)
                    }
                    KEY_HOLD => LegEvent::Hold(line),
                    // Setting a forward goes off hook on the speaker, as a new call does.
                    KEY_CFWD_ALL => {
                        self.off_hook = true;
                        LegEvent::ForwardAll(line)
                    }
                    KEY_RESUME => LegEvent::Resume(line),
                    KEY_NEW_CALL | KEY_ANSWER => {
                        self.off_hook = true;
                        LegEvent::OffHook(line)
                    }
                    KEY_END_CALL => {
                        self.off_hook = false;
                        LegEvent::OnHook(line)
                    }
                    _ => return None,
                }
            }
            FromPhone::Stimulus {
                stimulus: STIMULUS_LINE,
                instance,
                ..
            } if !self.off_hook => {
                self.off_hook = true;
                LegEvent::OffHook(LineInstance(instance.max(1)))
            }
            // A speed dial or redial from on hook goes off hook on the speaker: the phone
            // sends its on-hook when the call ends.
            FromPhone::Stimulus {
                stimulus: STIMULUS_SPEED_DIAL,
                instance,
                ..
            } => {
                self.off_hook = true;
                LegEvent::SpeedDial(u8::try_from(instance).unwrap_or(0))
            }
            FromPhone::Stimulus {
                stimulus: STIMULUS_REDIAL,
                ..
            } => {
                self.off_hook = true;
                LegEvent::Redial(LineInstance(self.line_for(0, 0)))
            }
            // The Messages key dials the voicemail pilot, on the speaker from on hook.
            FromPhone::Stimulus {
                stimulus: STIMULUS_VOICEMAIL,
                ..
            } => {
                self.off_hook = true;
                LegEvent::Messages(LineInstance(self.line_for(0, 0)))
            }
            FromPhone::KeypadButton {
                button,
                line,
                call_ref,
            } => {
                let key = match button {
                    0..=9 => char::from(b'0' + button as u8),
                    14 => '*',
                    15 => '#',
                    _ => return None,
                };
                LegEvent::Digit(LineInstance(self.line_for(line, call_ref)), key)
            }
            FromPhone::OpenReceiveChannelAck {
                status,
                ip,
                port,
                pass_thru,
                call_ref,
            } => {
                let r = if call_ref != 0 { call_ref } else { pass_thru };
                let line = LineInstance(self.line_for(0, r));
                match u16::try_from(port) {
                    Ok(p) if status == 0 && p != 0 => {
                        LegEvent::MediaReady(line, SocketAddr::new(ip, p))
                    }
                    _ => LegEvent::MediaFailed(line),
                }
            }
            _ => return None,
        };
        Some((chan, ev))
    }
}

#[cfg(test)]
mod tests;
