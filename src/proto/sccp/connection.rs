//! One SCCP phone connection as a state machine: messages and time in, messages to send,
//! events for the engine and the next deadline out (sans-IO).
//!
//! The flow is the reference's §4.1: `Register` goes to the engine, which answers with
//! [`Connection::accept`] (the phone's [`Station`]: its buttons, lines and speed dials,
//! computed once from its effective profile) or [`Connection::reject`]. After `RegisterAck` +
//! `CapabilitiesReq`, the session answers every template request itself from the station, so
//! a registration storm costs the engine one round trip per phone. A phone silent for two
//! keepalive intervals is declared dead (DECEASED in `show ephone`). A restart or reset from
//! the engine sends `Reset` and closes: the phone registers again and gets its new template.
//!
//! The connection decides no call behaviour: hook changes, keys and media acks are reported
//! as [`LegEvent`]s and the engine's [`LegCmd`]s are rendered by [`Connection::leg`]
//! (both in `call.rs`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use super::call::Calls;
use super::msg::{FromPhone, Proto, Register, ResetType, SoftKey, ToPhone};
use super::softkeys;
use super::station::{Station, button_template};
use crate::leg::{Chan, LegCmd, LegEvent, LineInstance, RestartKind};

// SetLamp (SCCP reference §3.4, §3.8): the voicemail stimulus, lamp on and off.
const STIMULUS_VOICEMAIL: u32 = 0x0F;
const LAMP_ON: u32 = 2;
const LAMP_OFF: u32 = 1;

/// Highest protocol version we negotiate: the classic fixed layouts with header version 0,
/// as chan_skinny and wazo-libsccp do (reference §1.4); phones that speak more accept it.
pub const MAX_PROTOCOL: u8 = 11;

/// One shared empty station for every session that has not registered yet.
fn empty_station() -> Arc<Station> {
    static EMPTY: std::sync::OnceLock<Arc<Station>> = std::sync::OnceLock::new();
    EMPTY.get_or_init(Arc::default).clone()
}

/// Where the connection stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Connected, nothing registered yet.
    Connected,
    /// `Register` sent to the engine; waiting for its decision.
    Deciding,
    /// Registered.
    Registered,
    /// The session is over; the adapter closes the connection after sending what is queued.
    Closed,
}

/// What the engine learns from a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// The phone asks to register; answer with `accept` or `reject`.
    Register(Register),
    /// A keepalive from the registered phone (counted for `show ephone`).
    KeepAlive,
    /// The phone finished its registration requests (`TimeDateReq`, reference §4.1 step 3).
    Ready,
    /// What the phone did about its calls (a hook change once per change), with the
    /// channel of the call it named, if it named one.
    Leg(Option<Chan>, LegEvent),
    /// The phone unregistered (`Unregister`).
    Unregistered,
    /// No keepalive for two intervals.
    Deceased,
    /// A message we do not handle, for `debug ephone detail`.
    Unhandled(u32),
}

/// Why the session closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// Rejected at registration.
    Rejected,
    /// The phone unregistered.
    Unregistered,
    /// Keepalive loss.
    Deceased,
    /// We sent Reset or Restart.
    Reset(ResetType),
    /// Another connection registered the same device.
    Replaced,
    /// The phone sent something out of order (a second `Register`).
    Protocol,
}

/// One connection's state machine.
#[derive(Debug)]
pub struct Connection {
    phase: Phase,
    station: Arc<Station>,
    proto: Proto,
    last_heard: Duration,
    out: VecDeque<ToPhone>,
    events: VecDeque<Event>,
    closed: Option<CloseReason>,
    calls: Calls,
}

impl Connection {
    /// A new connection at `now` (monotonic time chosen by the adapter).
    pub fn new(now: Duration) -> Connection {
        Connection {
            phase: Phase::Connected,
            station: empty_station(),
            proto: Proto(0),
            last_heard: now,
            out: VecDeque::new(),
            events: VecDeque::new(),
            closed: None,
            calls: Calls::default(),
        }
    }

    /// Where the session stands.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The negotiated protocol version (0 before registration).
    pub fn proto(&self) -> Proto {
        self.proto
    }

    /// Why it closed, once it has.
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.closed.as_ref()
    }

    /// The next message to send. Drained queues give their memory back: thousands of idle
    /// sessions should not each keep the capacity a registration burst needed.
    pub fn poll_transmit(&mut self) -> Option<ToPhone> {
        let m = self.out.pop_front();
        if m.is_none() {
            self.out = VecDeque::new();
        }
        m
    }

    /// The next event for the engine.
    pub fn poll_event(&mut self) -> Option<Event> {
        let e = self.events.pop_front();
        if e.is_none() {
            self.events = VecDeque::new();
        }
        e
    }

    /// When [`Connection::on_tick`] must run next: the keepalive watchdog. Before registration
    /// the same window applies with the default interval, so an idle socket is not kept.
    pub fn deadline(&self) -> Option<Duration> {
        if self.phase == Phase::Closed {
            return None;
        }
        let keepalive = if self.station.keepalive == 0 {
            30
        } else {
            self.station.keepalive
        };
        Some(self.last_heard + Duration::from_secs(2 * u64::from(keepalive)))
    }

    /// Time passes.
    pub fn on_tick(&mut self, now: Duration) {
        if self.deadline().is_some_and(|d| now >= d) {
            if self.phase == Phase::Registered {
                self.events.push_back(Event::Deceased);
            }
            self.close(CloseReason::Deceased);
        }
    }

    /// The engine accepted the registration.
    pub fn accept(&mut self, station: Arc<Station>, phone_protocol: u8, now: Duration) {
        if self.phase != Phase::Deciding {
            return;
        }
        self.proto = Proto(phone_protocol.min(MAX_PROTOCOL));
        self.last_heard = now;
        self.out.push_back(ToPhone::RegisterAck {
            keepalive: station.keepalive,
            date_template: station.date_template.to_string(),
            secondary_keepalive: station.keepalive,
            protocol: self.proto.0,
        });
        // Reference §4.1 step 2: RegisterAck is followed at once by CapabilitiesReq.
        self.out.push_back(ToPhone::CapabilitiesReq);
        self.station = station;
        self.phase = Phase::Registered;
    }

    /// The engine refused the registration.
    pub fn reject(&mut self, text: &str) {
        self.out
            .push_back(ToPhone::RegisterReject { text: text.into() });
        self.close(CloseReason::Rejected);
    }

    /// The engine restarts or resets the phone: it closes its side and registers again.
    pub fn reset(&mut self, kind: RestartKind) {
        if self.phase == Phase::Closed {
            return;
        }
        let kind = match kind {
            RestartKind::Restart => ResetType::Restart,
            RestartKind::Reset => ResetType::Reset,
        };
        self.out.push_back(ToPhone::Reset(kind));
        self.close(CloseReason::Reset(kind));
    }

    /// Another connection registered the same device; this one ends quietly.
    pub fn replaced(&mut self) {
        self.close(CloseReason::Replaced);
    }

    /// Renders what the engine decided for a line's channel (SCCP reference §4.2, §4.3).
    pub fn leg(&mut self, chan: Chan, cmd: LegCmd) {
        if self.phase != Phase::Registered {
            return;
        }
        self.calls.render(chan, cmd, &mut self.out);
    }

    /// Lights or clears the message-waiting lamp of `line`: SetLamp on the voicemail
    /// stimulus for the line's envelope, and for the phone's `mwi-line` (`handset`) also
    /// the handset's lamp (instance 0; calls reference §4.5, SCCP reference §3.4).
    pub fn mwi(&mut self, line: LineInstance, on: bool, handset: bool) {
        if self.phase != Phase::Registered {
            return;
        }
        let mode = if on { LAMP_ON } else { LAMP_OFF };
        let lamps = if handset {
            vec![line.0, 0]
        } else {
            vec![line.0]
        };
        for instance in lamps {
            self.out.push_back(ToPhone::SetLamp {
                stimulus: STIMULUS_VOICEMAIL,
                instance,
                mode,
            });
        }
    }

    fn close(&mut self, why: CloseReason) {
        if self.closed.is_none() {
            self.closed = Some(why);
        }
        self.phase = Phase::Closed;
    }

    /// A message from the phone at `now`; `unix` is the wall clock in seconds, for
    /// `DefineTimeDate`.
    pub fn handle(&mut self, msg: FromPhone, now: Duration, unix: u64) {
        if self.phase == Phase::Closed {
            return;
        }
        self.last_heard = now;
        if self.phase != Phase::Registered {
            match msg {
                FromPhone::Register(r) if self.phase == Phase::Connected => {
                    self.phase = Phase::Deciding;
                    self.events.push_back(Event::Register(r));
                }
                FromPhone::Register(_) => self.close(CloseReason::Protocol),
                // chan-sccp answers keepalives before registration too.
                FromPhone::KeepAlive => self.out.push_back(ToPhone::KeepAliveAck),
                FromPhone::RegisterTokenReq { .. } => self.out.push_back(ToPhone::RegisterTokenAck),
                _ => {}
            }
            return;
        }
        let s = &self.station;
        let reply = match msg {
            FromPhone::KeepAlive => {
                self.events.push_back(Event::KeepAlive);
                Some(ToPhone::KeepAliveAck)
            }
            FromPhone::Register(_) => {
                self.close(CloseReason::Protocol);
                None
            }
            FromPhone::ButtonTemplateReq => Some(ToPhone::ButtonTemplate {
                offset: 0,
                total: s.buttons.len() as u32,
                buttons: button_template(s),
            }),
            FromPhone::SoftKeyTemplateReq => Some(ToPhone::SoftKeyTemplate {
                keys: softkeys::template()
                    .iter()
                    .map(|(label, event)| SoftKey {
                        label: label.to_vec(),
                        event: *event,
                    })
                    .collect(),
            }),
            FromPhone::SoftKeySetReq => {
                self.out.push_back(ToPhone::SoftKeySet {
                    sets: softkeys::sets(),
                });
                Some(select_keys(0, 0, softkeys::SET_ON_HOOK))
            }
            FromPhone::LineStatReq(n) => {
                let l = index(&s.lines, n).cloned().unwrap_or_default();
                Some(ToPhone::LineStat {
                    line: n,
                    number: l.number.to_string(),
                    display_name: l.name.to_string(),
                    label: l.label.to_string(),
                    // 1 original dialled, 2 redirected dialled, 4 calling line id, 8 calling name.
                    options: 15,
                })
            }
            FromPhone::ForwardStatReq(n) => {
                let text =
                    |t: &Option<crate::small_str::SmallStr>| t.as_ref().map(|t| t.to_string());
                let f = index(&s.lines, n)
                    .map(|l| (text(&l.forward.0), text(&l.forward.1), text(&l.forward.2)))
                    .unwrap_or_default();
                Some(ToPhone::ForwardStat {
                    line: n,
                    all: f.0,
                    busy: f.1,
                    no_answer: f.2,
                })
            }
            FromPhone::SpeedDialStatReq(n) => {
                let d = index(&s.speed_dials, n).cloned().unwrap_or_default();
                Some(ToPhone::SpeedDialStat {
                    index: n,
                    number: d.number.to_string(),
                    name: d.name.to_string(),
                })
            }
            FromPhone::ServiceUrlStatReq(n) => {
                let (url, name) = index(&s.services, n).cloned().unwrap_or_default();
                Some(ToPhone::ServiceUrlStat {
                    index: n,
                    url,
                    name,
                })
            }
            FromPhone::FeatureStatReq(n) => Some(ToPhone::FeatureStat {
                index: n,
                id: 0,
                label: String::new(),
                status: 0,
            }),
            FromPhone::ConfigStatReq => Some(ToPhone::ConfigStat {
                device_name: String::new(),
                user_id: 0,
                instance: 1,
                user_name: s.user_name.to_string(),
                server_name: s.server_name.to_string(),
                lines: s.lines.len() as u32,
                speed_dials: s.speed_dials.len() as u32,
            }),
            FromPhone::VersionReq => Some(ToPhone::Version(s.version.to_string())),
            FromPhone::TimeDateReq => {
                self.out.push_back(time_date(&s.zone, unix));
                // Registration is complete (reference §4.1): show the primary extension.
                self.out.push_back(ToPhone::DisplayPromptStatus {
                    timeout: 0,
                    text: s.banner.as_bytes().to_vec(),
                    line: 0,
                    call_ref: 0,
                });
                self.events.push_back(Event::Ready);
                None
            }
            FromPhone::OffHook { .. }
            | FromPhone::OnHook { .. }
            | FromPhone::SoftKeyEvent { .. }
            | FromPhone::Stimulus { .. }
            | FromPhone::KeypadButton { .. }
            | FromPhone::OpenReceiveChannelAck { .. } => {
                if let Some((chan, ev)) = self.calls.event(&msg) {
                    self.events.push_back(Event::Leg(chan, ev));
                }
                None
            }
            // Media flows phone to phone: the phones' acks of our StartMediaTransmission
            // need nothing more.
            FromPhone::StartMediaTransmissionAck { .. } => None,
            FromPhone::Unregister => {
                self.events.push_back(Event::Unregistered);
                self.out.push_back(ToPhone::UnregisterAck(0));
                self.close(CloseReason::Unregistered);
                None
            }
            FromPhone::ServerReq => Some(ToPhone::ServerRes {
                servers: Vec::new(),
            }),
            // The phone's codecs, in its order, for the calls (reference §4.1 step 3); an
            // id cmed does not know is left out.
            FromPhone::CapabilitiesRes(caps) => {
                let codecs = caps
                    .iter()
                    .filter_map(|c| super::call::codec_of(c.codec))
                    .collect();
                self.events
                    .push_back(Event::Leg(None, LegEvent::Codecs(LineInstance(0), codecs)));
                None
            }
            // Informational messages: no reply (reference §4.1 step 3).
            FromPhone::RegisterAvailableLines(_)
            | FromPhone::HeadsetStatus(_)
            | FromPhone::IpPort(_)
            | FromPhone::MediaPathEvent { .. }
            | FromPhone::MediaPathCapability { .. }
            | FromPhone::Alarm { .. } => None,
            other => {
                self.events.push_back(Event::Unhandled(other.id()));
                None
            }
        };
        if let Some(r) = reply {
            self.out.push_back(r);
        }
    }
}

fn index<T>(v: &[T], n: u32) -> Option<&T> {
    v.get((n as usize).checked_sub(1)?)
}

fn select_keys(line: u32, call_ref: u32, set: u32) -> ToPhone {
    ToPhone::SelectSoftKeys {
        line,
        call_ref,
        set,
        mask: 0xFFFF_FFFF,
    }
}

/// `DefineTimeDate` for a unix time: the date and time fields in the configured zone (the
/// phone shows them as they are), `system_time` in UTC.
pub fn time_date(zone: &crate::civil::Zone, unix: u64) -> ToPhone {
    let c = zone.local(unix).civil();
    ToPhone::DefineTimeDate {
        year: c.year,
        month: c.month,
        day_of_week: c.weekday,
        day: c.day,
        hour: c.hour,
        minute: c.minute,
        second: c.second,
        millis: 0,
        system_time: unix as u32,
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::leg::{Button, LineAppearance, LineInstance, SpeedDial};

    fn register() -> Register {
        Register {
            max_lines: 6,
            ..Register::station("SEP001E7A345A01", 436, 17, Ipv4Addr::LOCALHOST)
        }
    }

    fn station() -> Station {
        Station {
            keepalive: 30,
            date_template: "M/D/Y".into(),
            buttons: vec![Button::Line(0), Button::SpeedDial(0)],
            lines: vec![LineAppearance {
                number: "1001".into(),
                name: "Alice".into(),
                label: "Alice 1001".into(),
                forward: (None, Some("8000".into()), None),
                monitor: false,
            }],
            speed_dials: vec![SpeedDial {
                number: "8000".into(),
                name: "Voicemail".into(),
            }],
            banner: "1001".into(),
            ..Station::default()
        }
    }

    fn drain(s: &mut Connection) -> Vec<ToPhone> {
        std::iter::from_fn(|| s.poll_transmit()).collect()
    }

    fn t(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn registration_asks_the_engine_then_answers_from_the_station() {
        let mut s = Connection::new(t(0));
        s.handle(FromPhone::Register(register()), t(0), 0);
        assert_eq!(s.poll_event(), Some(Event::Register(register())));
        assert_eq!(s.phase(), Phase::Deciding);
        s.accept(Arc::new(station()), 17, t(0));
        let out = drain(&mut s);
        assert!(matches!(
            out[0],
            ToPhone::RegisterAck {
                keepalive: 30,
                protocol: 11,
                ..
            }
        ));
        assert_eq!(out[1], ToPhone::CapabilitiesReq);
        s.handle(FromPhone::LineStatReq(1), t(1), 0);
        s.handle(FromPhone::SpeedDialStatReq(1), t(1), 0);
        s.handle(FromPhone::ForwardStatReq(1), t(1), 0);
        let out = drain(&mut s);
        assert!(
            matches!(&out[0], ToPhone::LineStat { number, label, .. } if number == "1001" && label == "Alice 1001")
        );
        assert!(matches!(&out[1], ToPhone::SpeedDialStat { number, .. } if number == "8000"));
        assert!(
            matches!(&out[2], ToPhone::ForwardStat { busy: Some(b), all: None, .. } if b == "8000")
        );
        s.handle(FromPhone::TimeDateReq, t(2), 86_400 * 365);
        let out = drain(&mut s);
        assert!(matches!(
            out[0],
            ToPhone::DefineTimeDate {
                year: 1971,
                month: 1,
                day: 1,
                ..
            }
        ));
        assert_eq!(s.poll_event(), Some(Event::Ready));
    }

    #[test]
    fn rejection_and_unknown_lines_and_second_register() {
        let mut s = Connection::new(t(0));
        s.handle(FromPhone::Register(register()), t(0), 0);
        s.reject("Device Unknown");
        assert!(
            matches!(&drain(&mut s)[0], ToPhone::RegisterReject { text } if text == "Device Unknown")
        );
        assert_eq!(s.close_reason(), Some(&CloseReason::Rejected));
        let mut s = Connection::new(t(0));
        s.handle(FromPhone::Register(register()), t(0), 0);
        s.accept(Arc::new(station()), 11, t(0));
        drain(&mut s);
        // A line the station does not have is answered with empty strings, not a hang-up.
        s.handle(FromPhone::LineStatReq(9), t(0), 0);
        assert!(
            matches!(&drain(&mut s)[0], ToPhone::LineStat { line: 9, number, .. } if number.is_empty())
        );
        s.handle(FromPhone::Register(register()), t(0), 0);
        assert_eq!(s.close_reason(), Some(&CloseReason::Protocol));
    }

    #[test]
    fn keepalive_loss_is_deceased_after_two_intervals() {
        let mut s = Connection::new(t(0));
        s.handle(FromPhone::Register(register()), t(0), 0);
        s.poll_event();
        s.accept(Arc::new(station()), 11, t(0));
        s.handle(FromPhone::KeepAlive, t(30), 0);
        assert_eq!(s.poll_event(), Some(Event::KeepAlive));
        assert_eq!(s.deadline(), Some(t(90)));
        s.on_tick(t(89));
        assert_eq!(s.phase(), Phase::Registered);
        s.on_tick(t(90));
        assert_eq!(s.poll_event(), Some(Event::Deceased));
        assert_eq!(s.close_reason(), Some(&CloseReason::Deceased));
    }

    #[test]
    fn restart_sends_reset_type_2_and_closes() {
        let mut s = Connection::new(t(0));
        s.handle(FromPhone::Register(register()), t(0), 0);
        s.accept(Arc::new(station()), 11, t(0));
        drain(&mut s);
        s.reset(RestartKind::Restart);
        assert_eq!(drain(&mut s), vec![ToPhone::Reset(ResetType::Restart)]);
        assert_eq!(s.phase(), Phase::Closed);
    }

    #[test]
    fn hook_changes_are_events_once_each() {
        let mut s = Connection::new(t(0));
        s.handle(FromPhone::Register(register()), t(0), 0);
        s.accept(Arc::new(station()), 11, t(0));
        s.poll_event();
        drain(&mut s);
        let off = FromPhone::OffHook {
            line: 0,
            call_ref: 0,
        };
        s.handle(off.clone(), t(1), 0);
        s.handle(off, t(1), 0);
        s.handle(
            FromPhone::OnHook {
                line: 0,
                call_ref: 0,
            },
            t(2),
            0,
        );
        let ev: Vec<_> = std::iter::from_fn(|| s.poll_event()).collect();
        let line = LineInstance(1);
        assert_eq!(
            ev,
            vec![
                Event::Leg(None, LegEvent::OffHook(line)),
                Event::Leg(None, LegEvent::OnHook(line))
            ]
        );
        // The connection plays no tone by itself: only what the engine tells it.
        assert!(drain(&mut s).is_empty());
        s.leg(Chan::FIRST, LegCmd::DialTone(line));
        assert!(matches!(
            drain(&mut s)[..],
            [
                ToPhone::SetLamp { mode: 2, .. },
                ToPhone::CallState { state: 1, .. },
                ToPhone::SelectSoftKeys { .. },
                ToPhone::StartTone { tone: 0x21, .. }
            ]
        ));
    }
}
