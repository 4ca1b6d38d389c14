//! The protocol-neutral vocabulary between the engine and the phone protocols: what a phone
//! carries ([`Layout`]), what the engine tells a device to do ([`LegCmd`], [`RestartKind`])
//! and what a device reports ([`LegEvent`]). `proto::sccp` renders these into SCCP messages
//! and `proto::sip::legs` into SIP; the engine never sees a wire structure.
//!
//! A leg is one phone line's part in a call: the engine's calls (`engine::calls`) drive it
//! through dial tone, digits, ringing, connection (media addresses only: RTP flows phone to
//! phone) and release.

use std::net::SocketAddr;

use crate::ids::DeviceName;
use crate::media::{Codec, Media};
use crate::small_str::SmallStr;

/// A line of a phone, numbered from 1 in button order (SCCP's line instance).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineInstance(pub u32);

/// One of a line's channels, each carrying one call: a single-line `ephone-dn` has one, a
/// `dual-line` two, an `octo-line` eight (calls reference §1.5); a second call on a busy
/// line rings on its next channel (call waiting). Numbered from 1, as `show ephone` prints
/// them (`CH1`, `CH2`). A SIP phone's line has one channel here: the phone runs its own
/// call waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Chan(pub u8);

impl Chan {
    /// A line's first channel (the only one of a single-line DN and of a SIP phone).
    pub const FIRST: Chan = Chan(1);
}

/// A call leg to or from a dial-peer's `session target` (a SIP trunk: a gateway, a voicemail
/// server, another system): no phone and no line, one call. A leg the far side opened is
/// numbered by the SIP side that saw its INVITE, one cmed opened by the engine's calls, so
/// neither needs the other to allocate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TrunkId {
    /// The far side called in.
    In(u64),
    /// cmed called out through a dial-peer.
    Out(u64),
}

/// Who a SIP call leg is with: a registered SIP phone, or a trunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SipLegId {
    /// A `voice register pool` phone (one call at a time, on its line 1).
    Phone(DeviceName),
    /// A dial-peer's target.
    Trunk(TrunkId),
}

/// Why a called side did not take a call, as the caller is told (SIP status classes mapped
/// as IOS maps them to Q.850 causes, calls reference §1.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Busy (486, 600): busy tone; a dial-peer hunt stops here unless `voice hunt user-busy`.
    Busy,
    /// No such number (404, 484, 604): reorder.
    NotFound,
    /// Anything else (480, 408, 5xx, other 4xx and 6xx): reorder, and the hunt goes on.
    Unavailable,
}

/// What a device reports about its lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LegEvent {
    /// The handset was lifted (or the speaker, a line key, NewCall or Answer pressed) on
    /// `line`: a new call, or the answer to a ringing one.
    OffHook(LineInstance),
    /// The phone went on hook (or EndCall was pressed).
    OnHook(LineInstance),
    /// A key of the keypad: `0`–`9`, `*`, `#`.
    Digit(LineInstance, char),
    /// The phone receives RTP for the call on `line` at `rtp` (SCCP OpenReceiveChannelAck).
    MediaReady(LineInstance, SocketAddr),
    /// The phone could not open its media for the call on `line`.
    MediaFailed(LineInstance),
    /// Speed-dial button `n` (1-based, in the phone's speed-dial order) was pressed.
    SpeedDial(u8),
    /// Redial (the last number this phone dialled) on `line`.
    Redial(LineInstance),
    /// The Messages key: call the voicemail pilot on `line`.
    Messages(LineInstance),
    /// Hold the call on `line`.
    Hold(LineInstance),
    /// Take the call on `line` off hold.
    Resume(LineInstance),
    /// The CfwdALL soft key on `line`: set (dial the target) or cancel forwarding all calls.
    ForwardAll(LineInstance),
    /// The codecs this side can use, in its order of preference: an SCCP phone's
    /// `CapabilitiesRes` (for all its lines: line 0), a SIP side's offer (for its call).
    Codecs(LineInstance, Vec<Codec>),
    /// A SIP caller's SDP offer (its codecs, and where it receives): relayed to a SIP
    /// callee as the offer of cmed's INVITE.
    Offer(LineInstance, Media),
    /// The called side alerts (a SIP 180 or 183 from a trunk): the caller may hear ring-back.
    Alerting(LineInstance),
    /// The call this leg was offered was not taken (a SIP final error response).
    Refused(LineInstance, Refusal),
    /// The call this leg was offered is to be tried at another number instead (a SIP 3xx
    /// whose Contact names it: a phone forwarding on its own).
    Redirected(LineInstance, SmallStr),
}

impl LegEvent {
    /// The line the event is about (a speed dial names none: the phone's first line).
    pub fn line(&self) -> Option<LineInstance> {
        Some(match self {
            LegEvent::SpeedDial(_) => return None,
            LegEvent::OffHook(l)
            | LegEvent::OnHook(l)
            | LegEvent::Digit(l, _)
            | LegEvent::MediaReady(l, _)
            | LegEvent::MediaFailed(l)
            | LegEvent::Redial(l)
            | LegEvent::Messages(l)
            | LegEvent::Hold(l)
            | LegEvent::Resume(l)
            | LegEvent::ForwardAll(l)
            | LegEvent::Codecs(l, _)
            | LegEvent::Offer(l, _)
            | LegEvent::Alerting(l)
            | LegEvent::Refused(l, _)
            | LegEvent::Redirected(l, _) => *l,
        })
    }
}

/// Messages waiting for a number, as a voicemail server reports them (RFC 3842) and a
/// phone shows them (its lamp, a SIP phone's message-summary NOTIFY).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Messages {
    /// Messages are waiting: the lamp is on.
    pub waiting: bool,
    /// New voice messages (`Voice-Message: new/old`), when the server said.
    pub new: u32,
    /// Old (heard) voice messages.
    pub old: u32,
}

/// Who is on the other end of a call, as a phone shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Party {
    /// The number.
    pub number: SmallStr,
    /// The name (`name` of its DN), else empty.
    pub name: SmallStr,
}

/// Why a call was forwarded (RFC 5806 §4 `reason` values, which IOS sends).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectReason {
    /// `call-forward all`.
    Unconditional,
    /// `call-forward busy`.
    UserBusy,
    /// `call-forward noan`.
    NoAnswer,
    /// `call-forward unregistered` (the number is on no registered phone).
    Unavailable,
}

impl RedirectReason {
    /// The Diversion header's `reason` value.
    pub fn token(self) -> &'static str {
        match self {
            RedirectReason::Unconditional => "unconditional",
            RedirectReason::UserBusy => "user-busy",
            RedirectReason::NoAnswer => "no-answer",
            RedirectReason::Unavailable => "unavailable",
        }
    }
}

/// How a forwarded call got here: the last number that forwarded it, why, and how many
/// forwards it followed (RFC 5806 `counter`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// The number that forwarded the call last.
    pub from: SmallStr,
    /// Why.
    pub reason: RedirectReason,
    /// Forwards so far (1 for the first).
    pub counter: u8,
}

/// What the engine tells a device to do on a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LegCmd {
    /// Off hook with nothing to connect to yet: offer dial tone and the off-hook keys.
    DialTone(LineInstance),
    /// As [`LegCmd::DialTone`], with messages waiting on the line and `mwi stutter` set:
    /// the stutter dial tone.
    StutterDialTone(LineInstance),
    /// The first digit was dialled: dial tone stops.
    Digits(LineInstance),
    /// The dialled number is being called.
    Proceeding {
        /// The line.
        line: LineInstance,
        /// Who is called.
        called: Party,
        /// Who calls (this line).
        calling: Party,
    },
    /// The called phone rings: ring-back.
    RingOut(LineInstance),
    /// A call comes in: ring.
    RingIn {
        /// The line.
        line: LineInstance,
        /// Who calls.
        calling: Party,
        /// Who is called (this line).
        called: Party,
        /// How the call was forwarded here, if it was.
        redirect: Option<Redirect>,
        /// The caller's SDP offer, when it is a SIP side (a SIP callee is offered it; an
        /// SCCP caller's address is known only once the call is answered).
        offer: Option<Media>,
    },
    /// The call is answered: connected state, and open the phone's RTP receiver.
    Connected {
        /// The line.
        line: LineInstance,
        /// The codec of the call.
        codec: Codec,
    },
    /// Send RTP to the other phone.
    StartMedia {
        /// The line.
        line: LineInstance,
        /// Where the other phone receives.
        to: SocketAddr,
        /// The codec of the call.
        codec: Codec,
    },
    /// The called number is busy: busy tone.
    Busy(LineInstance),
    /// The number cannot be reached (unknown, or nothing registered carries it): reorder.
    Reorder(LineInstance),
    /// The called side is there but did not take the call (SIP 480; reorder on SCCP).
    Unavailable(LineInstance),
    /// The caller may not call through cmed (a SIP INVITE from no registered phone and no
    /// dial-peer target: 403, since an open B2BUA is a toll-fraud relay).
    Forbidden(LineInstance),
    /// This line put its call on hold: held state, its media stopped.
    Hold(LineInstance),
    /// The other side put the call on hold: media stops, the line stays in the call.
    MediaStop(LineInstance),
    /// Back to idle: the call (if any) is over, media stopped, tones off, on-hook state.
    Idle(LineInstance),
}

/// How a device is made to pick up a changed configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RestartKind {
    /// Drop the registration and register again (IOS `restart`).
    Restart,
    /// Reboot, fetching the configuration files again (IOS `reset`).
    Reset,
}

/// What a registered phone carries, computed by the engine from its effective profile
/// (`engine::profile`) and rendered by the protocol: buttons in order, line appearances,
/// speed dials and the texts shown. Ten thousand phones each keep one, so its short texts
/// are inline [`SmallStr`]s.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Keepalive interval to announce, in seconds.
    pub keepalive: u32,
    /// Date format the phone shows (`M/D/Y`).
    pub date_template: SmallStr,
    /// Buttons in button order (button 1 first), up to the last used one.
    pub buttons: Vec<Button>,
    /// Line appearances in line order (index 0 = line 1).
    pub lines: Vec<LineAppearance>,
    /// Speed dials in order (index 0 = speed dial 1).
    pub speed_dials: Vec<SpeedDial>,
    /// Service URLs (index 0 = 1): URL and name.
    pub services: Vec<(String, String)>,
    /// The logged-in user, else empty.
    pub user_name: SmallStr,
    /// Our name (`hostname`).
    pub server_name: SmallStr,
    /// Text shown once registered: the primary extension.
    pub banner: SmallStr,
    /// The phone's configured firmware load.
    pub version: SmallStr,
    /// The configured time zone, for the date and time the phone is told (`DefineTimeDate`).
    pub zone: std::sync::Arc<crate::civil::Zone>,
}

/// What one button is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Button {
    /// The `n`th line appearance (0-based index into [`Layout::lines`]).
    Line(u8),
    /// The `n`th speed dial (0-based index into [`Layout::speed_dials`]).
    SpeedDial(u8),
    /// A gap between used buttons.
    Unused,
}

/// A line appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineAppearance {
    /// The extension.
    pub number: SmallStr,
    /// Display name (`name` of the DN).
    pub name: SmallStr,
    /// Button label (`label` of the DN, else the number).
    pub label: SmallStr,
    /// Call forward all / busy / no answer targets.
    pub forward: (Option<SmallStr>, Option<SmallStr>, Option<SmallStr>),
    /// A monitor or watch button (`m`, `w`): it shows the line's state but does not ring
    /// or place calls on it.
    pub monitor: bool,
}

/// A speed dial.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpeedDial {
    /// Number dialled.
    pub number: SmallStr,
    /// Label.
    pub name: SmallStr,
}
