//! Calls between phones, protocol-neutral: each phone line taking part is a leg, each call
//! joins a caller's leg to a callee's, and the engine's [`LegEvent`]s move them through the
//! call states — collecting digits (dial tone, then digits until one number matches, `#`,
//! or the inter-digit timeout), proceeding and alerting (the callee rings, the caller hears
//! ring-back), connected (both open their RTP receivers, and each is told where the other
//! receives: media flows phone to phone), releasing (either side hangs up, or a phone goes
//! away). A busy line gets busy tone, a number no one can be reached on reorder.
//!
//! Where a number goes is the dial plan's ([`crate::engine::routing`]): the candidates in
//! hunt order, each directory number with the lines that carry it now through the phones'
//! effective profiles. A call rings the first free line (SCCP, or a SIP phone's) of the
//! first candidate; a candidate whose lines are all busy gives way to the next unless it
//! has `huntstop`.
//!
//! A dial-peer candidate is a trunk leg (`trunk.rs`): cmed calls its `session target`, and
//! a final refusal from it hunts on to the next candidate (calls reference §2.4: not after
//! busy). A call from a trunk is taken only from a dial-peer's target, and goes on to
//! another dial-peer only with `allow-connections sip to sip`.
//!
//! The codec is chosen when the callee answers: the caller's first choice that the callee
//! has too (an SCCP phone's capabilities, a SIP side's offer, a trunk limited to its
//! dial-peer's `codec`), else G.711 µ-law.
//!
//! What comes out is `(End, LegCmd)` pairs; the engine sends each to the end's device:
//! `proto::sccp` renders it (SCCP reference §4.2, §4.3) or `proto::sip::legs` (a SIP phone
//! or trunk, cmed as its B2BUA). Forwarding joins with the rest of the calls issue: a
//! number on no registered phone is skipped for now. No clock: deadlines are `Mono` values
//! handed in.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use crate::config::model::Model;
use crate::engine::devices::Devices;
use crate::engine::routing::{Carriers, Collection, DialPlan, Dialed};
use crate::ids::DeviceName;
use crate::leg::{Chan, LegCmd, LegEvent, LineInstance, Party, TrunkId};
use crate::media::Codec;
use crate::time::Mono;

mod ccapi;
mod channels;
mod features;
mod hunt;
mod trunk;

pub use hunt::NOAN;
use hunt::{Attempt, Rung};
pub use trunk::Trunk;

/// `timeouts interdigit` default (telephony-service, IOS: 10 s).
pub const INTERDIGIT: Duration = Duration::from_secs(10);

/// The inter-digit timeout configured, else IOS's default.
fn interdigit(model: &Model) -> Duration {
    model
        .telephony
        .interdigit
        .map_or(INTERDIGIT, |s| Duration::from_secs(u64::from(s)))
}

/// One side of a call: a phone's line, or a trunk leg.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum End {
    /// A channel of a phone's line.
    Line {
        /// The phone.
        device: DeviceName,
        /// Its line.
        line: LineInstance,
        /// The line's channel (call waiting: a second call on a dual-line or octo-line
        /// DN's next one).
        chan: Chan,
    },
    /// A call with a dial-peer's target.
    Trunk(TrunkId),
}

/// The line a trunk leg is on, in the leg commands sent to it (a trunk has one call).
const TRUNK_LINE: LineInstance = LineInstance(1);

impl End {
    /// The phone of a line, else `None` (a trunk).
    pub fn device(&self) -> Option<DeviceName> {
        match self {
            End::Line { device, .. } => Some(*device),
            End::Trunk(_) => None,
        }
    }

    /// The line its leg commands name.
    pub fn line(&self) -> LineInstance {
        match self {
            End::Line { line, .. } => *line,
            End::Trunk(_) => TRUNK_LINE,
        }
    }

    /// The channel its leg commands are for (a trunk's one call: the first).
    pub fn chan(&self) -> Chan {
        match self {
            End::Line { chan, .. } => *chan,
            End::Trunk(_) => Chan::FIRST,
        }
    }
}

/// A call's number in this run of the daemon.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CallId(pub u64);

/// What a line is doing.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Leg {
    /// Off hook, collecting digits until `deadline`: a number to call, or (`forward`) the
    /// target of the CfwdALL soft key.
    Dialing {
        digits: String,
        deadline: Mono,
        forward: bool,
    },
    /// Hearing busy or reorder tone until it goes on hook.
    Tone,
    /// Part of a call.
    InCall(CallId),
}

/// Where a call stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// The callee rings.
    Alerting,
    /// Answered.
    Connected,
}

/// One call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// Who called.
    pub caller: End,
    /// Who was called.
    pub callee: End,
    /// Where it stands.
    pub state: State,
    /// The codec both phones use.
    pub codec: Codec,
    /// The number dialled.
    pub dialled: String,
    /// The side that put the call on hold, while it is held.
    pub held_by: Option<End>,
    /// When the call was placed, and when it was answered.
    pub started: Mono,
    /// See [`Call::started`].
    pub connected: Option<Mono>,
    /// Where each side receives RTP (caller, callee), once its phone said.
    pub media: [Option<SocketAddr>; 2],
    /// The caller hears ring-back (a phone rings at once; a trunk when it says so, 180).
    pub ringback: bool,
    /// When an unanswered call gives up (`timeouts ringing`).
    ring_until: Mono,
    /// What the call is trying to reach (and how it was forwarded).
    attempt: Attempt,
    /// The DN rung, when the callee is a phone's line.
    rung: Option<Rung>,
}

impl Call {
    fn other(&self, end: End) -> End {
        if end == self.caller {
            self.callee
        } else {
            self.caller
        }
    }
}

/// Every leg and call.
#[derive(Debug, Default)]
pub struct Calls {
    legs: HashMap<End, Leg>,
    calls: HashMap<CallId, Call>,
    next: u64,
    /// The last number each phone dialled (Redial).
    last_dialled: HashMap<DeviceName, String>,
    /// The trunk legs: where each goes and who it shows.
    trunks: HashMap<TrunkId, Trunk>,
    /// The codecs each side can use, in its order: an SCCP phone's under its line 0 (all
    /// its lines), a SIP side's offer under its call's end.
    codecs: HashMap<End, Vec<Codec>>,
    /// A SIP caller's offer, relayed to a SIP callee (RingIn's `offer`).
    offers: HashMap<End, crate::media::Media>,
    /// Numbers cmed's outbound trunk legs.
    next_trunk: u64,
    /// `call-forward all` targets set (`Some`) or cancelled (`None`) with the CfwdALL soft
    /// key, for the engine to write into the running configuration.
    forward_edits: Vec<(crate::ids::DnTag, Option<String>)>,
    /// Message waiting set (`true`) or cleared by calls to outcall DNs, for the engine.
    mwi_edits: Vec<(crate::ids::Extension, bool)>,
}

/// What the calls read of the rest of the engine.
pub struct Ctx<'a> {
    /// The configuration.
    pub model: &'a Model,
    /// The registry (the phones' layouts, who is off hook).
    pub devices: &'a Devices,
    /// The dial plan of the configuration.
    pub plan: &'a DialPlan,
    /// Which lines carry each directory number now.
    pub carriers: &'a Carriers,
    /// The numbers with messages waiting (`mwi stutter`).
    pub mwi: &'a crate::engine::mwi::Mwi,
    /// Now.
    pub now: Mono,
}

/// Commands for the legs, in order.
pub type Cmds = Vec<(End, LegCmd)>;

impl Calls {
    /// Calls set up since the start: each callee rung is one (a forward or a hunt to the
    /// next line rings a new call), for `/metrics`.
    pub fn set_up(&self) -> u64 {
        self.next
    }

    /// The calls now, oldest first (for `show call active voice`).
    pub fn iter(&self) -> impl Iterator<Item = (CallId, &Call)> {
        let mut v: Vec<(CallId, &Call)> = self.calls.iter().map(|(id, c)| (*id, c)).collect();
        v.sort_by_key(|(id, _)| *id);
        v.into_iter()
    }

    /// The channel state `show ephone` prints for a line (CME's words; which word CME uses
    /// while dialling is unconfirmed in the reference: SEIZE, as for an off-hook line; HOLD
    /// on the side that holds, the other stays CONNECTED).
    pub fn line_state(&self, end: &End) -> &'static str {
        match self.legs.get(end) {
            None => "IDLE",
            Some(Leg::Dialing { .. } | Leg::Tone) => "SEIZE",
            Some(Leg::InCall(id)) => match self.calls.get(id) {
                Some(c) if c.held_by == Some(*end) => "HOLD",
                Some(c) if c.state == State::Connected => "CONNECTED",
                Some(c) if c.callee == *end => "RINGING",
                Some(_) => "ALERTING",
                None => "IDLE",
            },
        }
    }

    /// A device's event on one of its lines: on the channel it names, else (see
    /// [`Calls::chan_for`]) the one its line's call is on, or a new call's.
    pub fn event(
        &mut self,
        device: DeviceName,
        chan: Option<Chan>,
        ev: LegEvent,
        ctx: &Ctx<'_>,
    ) -> Cmds {
        let line = ev.line().unwrap_or(LineInstance(1));
        let end = End::Line {
            device,
            line,
            chan: chan.unwrap_or_else(|| self.chan_for(device, line, &ev, ctx)),
        };
        let mut out = Vec::new();
        match ev {
            LegEvent::SpeedDial(n) => self.speed_dial(end, n, ctx, &mut out),
            LegEvent::OffHook(_) => self.off_hook(end, ctx, &mut out),
            LegEvent::OnHook(_) => {
                self.on_hook(end, &mut out);
                self.ring_waiting(device, ctx, &mut out);
            }
            LegEvent::Digit(_, key) => self.digit(end, key, ctx, &mut out),
            LegEvent::MediaReady(_, rtp) => self.media_ready(end, rtp, &mut out),
            LegEvent::MediaFailed(_) => self.release(end, &mut out),
            LegEvent::Redial(_) => self.redial(end, ctx, &mut out),
            LegEvent::Messages(_) => self.messages(end, ctx, &mut out),
            LegEvent::Hold(_) => self.hold(end, &mut out),
            LegEvent::Resume(_) => self.resume(end, &mut out),
            LegEvent::ForwardAll(_) => self.forward_all(end, ctx, &mut out),
            LegEvent::Alerting(_) => self.alerting(end, &mut out),
            LegEvent::Refused(_, why) => self.refused(end, why, ctx, &mut out),
            LegEvent::Codecs(_, list) => {
                self.codecs.insert(end, list);
            }
            LegEvent::Offer(_, media) => self.offered(end, media),
            LegEvent::Redirected(_, to) => self.redirected(end, &to, ctx, &mut out),
        }
        out
    }

    fn off_hook(&mut self, end: End, ctx: &Ctx<'_>, out: &mut Cmds) {
        match self.legs.get(&end) {
            // Answering a ringing call (SCCP reference §4.2 steps 12–14).
            Some(Leg::InCall(id)) => {
                let id = *id;
                let Some(call) = self.calls.get_mut(&id) else {
                    return;
                };
                if call.state == State::Alerting && call.callee == end {
                    let (caller, callee) = (call.caller, call.callee);
                    // Answering a waiting call holds the phone's call in progress.
                    self.set_aside(end, out);
                    let codec =
                        choose(&self.codecs_of(&caller, ctx), &self.codecs_of(&callee, ctx));
                    let call = self.calls.get_mut(&id).expect("read above");
                    call.codec = codec;
                    call.state = State::Connected;
                    call.connected = Some(ctx.now);
                    out.push((
                        call.callee,
                        LegCmd::Connected {
                            line: call.callee.line(),
                            codec,
                        },
                    ));
                    out.push((
                        call.caller,
                        LegCmd::Connected {
                            line: call.caller.line(),
                            codec,
                        },
                    ));
                    ccapi::connected(id);
                }
            }
            Some(_) => {}
            None => {
                self.set_aside(end, out);
                self.dial_tone(end, false, ctx, out)
            }
        }
    }

    /// `end` hears dial tone and collects digits: a number to call, or (`forward`) the
    /// CfwdALL target.
    fn dial_tone(&mut self, end: End, forward: bool, ctx: &Ctx<'_>, out: &mut Cmds) {
        self.legs.insert(
            end,
            Leg::Dialing {
                digits: String::new(),
                deadline: ctx.now.after(interdigit(ctx.model)),
                forward,
            },
        );
        // `mwi stutter`: the line's messages make it the stutter dial tone.
        let stutter = ctx.model.register.mwi_stutter
            && end.device().is_some_and(|d| {
                ctx.devices
                    .get(&d)
                    .and_then(|x| x.layout.lines.get(end.line().0.checked_sub(1)? as usize))
                    .is_some_and(|l| ctx.mwi.get(&l.number).is_some())
            });
        out.push((
            end,
            if stutter {
                LegCmd::StutterDialTone(end.line())
            } else {
                LegCmd::DialTone(end.line())
            },
        ));
    }

    fn on_hook(&mut self, end: End, out: &mut Cmds) {
        match self.legs.get(&end) {
            Some(Leg::InCall(_)) => self.release(end, out),
            Some(_) => {
                self.legs.remove(&end);
                self.forget(end);
                out.push((end, LegCmd::Idle(end.line())));
            }
            // Nothing on the line: still tell the phone it is idle (it may show a state
            // left from before, e.g. after a restart of the daemon).
            None => out.push((end, LegCmd::Idle(end.line()))),
        }
    }

    fn digit(&mut self, end: End, key: char, ctx: &Ctx<'_>, out: &mut Cmds) {
        let Some(Leg::Dialing {
            digits, deadline, ..
        }) = self.legs.get_mut(&end)
        else {
            return;
        };
        // `#` ends dialling (calls reference §1.3).
        if key == '#' {
            let dialled = std::mem::take(digits);
            return self.dial(end, &dialled, Collection::Finished, ctx, out);
        }
        if digits.is_empty() {
            out.push((end, LegCmd::Digits(end.line())));
        }
        digits.push(key);
        *deadline = ctx.now.after(interdigit(ctx.model));
        let dialled = digits.clone();
        self.dial(end, &dialled, Collection::Ongoing, ctx, out);
    }

    /// Routes what `end` dialled: wait for more digits while the dial plan says so (and
    /// `collection` allows it), else ring the first free line of the candidates in hunt
    /// order, else busy tone (every line busy) or reorder (unknown, unregistered, or only on
    /// what cmed cannot call yet).
    fn dial(
        &mut self,
        end: End,
        dialled: &str,
        collection: Collection,
        ctx: &Ctx<'_>,
        out: &mut Cmds,
    ) {
        if let Some(Leg::Dialing { forward: true, .. }) = self.legs.get(&end) {
            return self.forward_target(end, dialled, collection, ctx, out);
        }
        let finished = matches!(collection, Collection::Finished);
        let routed = ctx.plan.route(ctx.carriers, dialled, collection);
        if let Some(device) = end.device()
            && (!matches!(routed, Dialed::More) || finished)
        {
            self.last_dialled.insert(device, dialled.to_string());
        }
        let reorder = LegCmd::Reorder(end.line());
        let candidates = match routed {
            // Still waiting for digits, unless dialling is over (a `T` pattern that a
            // timeout ended without a route).
            Dialed::More if !finished => return,
            Dialed::More => return self.tone(end, reorder, out),
            _ if dialled.is_empty() => return self.tone(end, reorder, out),
            Dialed::Unknown => {
                tracing::debug!(caller = ?end, dialled, "call to an unknown number");
                return self.tone(end, reorder, out);
            }
            Dialed::Route(c) => c,
        };
        self.hunt(end, Attempt::dialled(dialled), candidates, None, ctx, out);
    }

    /// `end` hears a tone until it hangs up. A trunk leg has no tone to hear: the refusal
    /// ends it.
    fn tone(&mut self, end: End, cmd: LegCmd, out: &mut Cmds) {
        ccapi::disconnect(None, &end, ccapi::Cause::of(&cmd));
        if let End::Trunk(_) = end {
            self.legs.remove(&end);
            self.forget(end);
        } else {
            self.legs.insert(end, Leg::Tone);
        }
        out.push((end, cmd));
    }

    fn media_ready(&mut self, end: End, rtp: SocketAddr, out: &mut Cmds) {
        let Some(Leg::InCall(id)) = self.legs.get(&end) else {
            return;
        };
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        if call.state != State::Connected {
            return;
        }
        call.media[usize::from(end != call.caller)] = Some(rtp);
        // The other phone sends to where this one receives (§4.2 steps 16–17).
        let other = call.other(end);
        out.push((
            other,
            LegCmd::StartMedia {
                line: other.line(),
                to: rtp,
                codec: call.codec,
            },
        ));
    }

    /// The call on `end` ends: both lines go idle.
    fn release(&mut self, end: End, out: &mut Cmds) {
        self.forget(end);
        let Some(Leg::InCall(id)) = self.legs.remove(&end) else {
            out.push((end, LegCmd::Idle(end.line())));
            return;
        };
        out.push((end, LegCmd::Idle(end.line())));
        if let Some(call) = self.calls.remove(&id) {
            let other = call.other(end);
            self.legs.remove(&other);
            self.forget(other);
            out.push((other, LegCmd::Idle(other.line())));
            ccapi::disconnect(Some(id), &end, ccapi::Cause::Normal);
        }
    }

    /// A device went away (unregistered, closed, dead): its calls end; the other side of
    /// each goes idle. Nothing is sent to the device itself.
    pub fn device_gone(&mut self, device: DeviceName) -> Cmds {
        let mut out = Vec::new();
        let mine: Vec<End> = self
            .legs
            .keys()
            .filter(|e| e.device() == Some(device))
            .copied()
            .collect();
        for end in mine {
            self.release(end, &mut out);
        }
        out.retain(|(e, _)| e.device() != Some(device));
        self.codecs.retain(|e, _| e.device() != Some(device));
        out
    }

    /// The daemon stops: every call ends with both sides told (an SCCP phone goes on hook,
    /// a SIP leg gets its BYE, CANCEL or 480), and every line dialling or hearing a tone
    /// goes idle.
    pub fn release_all(&mut self) -> Cmds {
        let mut out = Vec::new();
        let mut callers: Vec<(CallId, End)> =
            self.calls.iter().map(|(id, c)| (*id, c.caller)).collect();
        callers.sort();
        for (_, end) in callers {
            self.release(end, &mut out);
        }
        let mut rest: Vec<End> = self.legs.keys().copied().collect();
        rest.sort();
        for end in rest {
            self.legs.remove(&end);
            self.forget(end);
            out.push((end, LegCmd::Idle(end.line())));
        }
        out
    }

    /// Lines whose digit collection timed out at `now`: what was dialled is called, or
    /// reorder (telephony-service `timeouts interdigit`).
    pub fn timeout(&mut self, ctx: &Ctx<'_>) -> Cmds {
        let mut out = Vec::new();
        let due: Vec<(End, String, bool)> = self
            .legs
            .iter()
            .filter_map(|(e, l)| match l {
                Leg::Dialing {
                    digits,
                    deadline,
                    forward,
                } if *deadline <= ctx.now => Some((*e, digits.clone(), *forward)),
                _ => None,
            })
            .collect();
        self.no_answer(ctx, &mut out);
        for (end, dialled, forward) in due {
            if dialled.is_empty() && !forward {
                // Off hook and nothing dialled.
                self.tone(end, LegCmd::Reorder(end.line()), &mut out);
            } else {
                self.dial(end, &dialled, Collection::Finished, ctx, &mut out);
            }
        }
        out
    }

    /// The earliest inter-digit or no-answer deadline.
    pub fn next_deadline(&self) -> Option<Mono> {
        let digits = self
            .legs
            .values()
            .filter_map(|l| match l {
                Leg::Dialing { deadline, .. } => Some(*deadline),
                _ => None,
            })
            .min();
        [digits, self.next_no_answer()].into_iter().flatten().min()
    }
}

impl Calls {
    /// The message-waiting changes outcall DNs made since the last call.
    pub fn take_mwi_edits(&mut self) -> Vec<(crate::ids::Extension, bool)> {
        std::mem::take(&mut self.mwi_edits)
    }

    /// A SIP caller's offer: its codecs count for the choice, and it is relayed.
    fn offered(&mut self, end: End, media: crate::media::Media) {
        let list = media.codecs.iter().map(|(_, c)| *c).collect();
        self.codecs.insert(end, list);
        self.offers.insert(end, media);
    }
}

/// The codec of a call: the caller's first choice that the callee has too (RFC 3264 §6.1:
/// the answerer keeps the offerer's order), else G.711 µ-law, which every Cisco phone and
/// SIP client speaks.
fn choose(caller: &[Codec], callee: &[Codec]) -> Codec {
    caller
        .iter()
        .find(|c| callee.contains(c))
        .copied()
        .unwrap_or(Codec::Pcmu)
}

impl Calls {
    /// The codecs `end` can use, in its order: what it said (a SIP offer, an SCCP phone's
    /// capabilities), else every codec cmed knows; a trunk's limited to its dial-peer's
    /// `codec` (IOS offers only that one on the peer).
    fn codecs_of(&self, end: &End, ctx: &Ctx<'_>) -> Vec<Codec> {
        let said = self.codecs.get(end).or_else(|| match end {
            End::Line { device, .. } => self.codecs.get(&End::Line {
                device: *device,
                line: LineInstance(0),
                chan: Chan::FIRST,
            }),
            End::Trunk(_) => None,
        });
        let mut list = said.cloned().unwrap_or_else(|| Codec::ALL.to_vec());
        if let End::Trunk(t) = end
            && let Some(c) = self
                .trunks
                .get(t)
                .and_then(|t| ctx.model.dial_peers.get(&t.peer))
                .and_then(|p| Codec::from_ios(p.codec.keyword()))
        {
            list.retain(|x| *x == c);
            if list.is_empty() {
                list.push(c);
            }
        }
        list
    }

    /// How `end` shows to the other party: a line's number and name, from what its phone
    /// carries now; a trunk's from its call.
    fn party(&self, devices: &Devices, end: &End) -> Party {
        match end {
            End::Line { device, line, .. } => devices
                .get(device)
                .and_then(|d| {
                    d.layout
                        .lines
                        .get(line.0.checked_sub(1)? as usize)
                        .map(|l| Party {
                            number: l.number.clone(),
                            name: l.name.clone(),
                        })
                })
                .unwrap_or_default(),
            End::Trunk(t) => self
                .trunks
                .get(t)
                .map(|t| t.party.clone())
                .unwrap_or_default(),
        }
    }
}
