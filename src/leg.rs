//! The protocol-neutral vocabulary between the engine and the phone protocols: what a phone
//! carries ([`Layout`]), what the engine tells a device to do ([`LegCmd`], [`RestartKind`])
//! and what a device reports ([`LegEvent`]). `proto::sccp` renders these into SCCP messages
//! and `proto::sip` will render them into SIP; the engine never sees a wire structure.
//!
//! The call issue extends `LegCmd`/`LegEvent` with ringing, answer, media and release; today
//! they hold what the engine decides without calls: dial tone on off hook, idle on hook.

use crate::small_str::SmallStr;

/// A line of a phone, numbered from 1 in button order (SCCP's line instance).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineInstance(pub u32);

/// What a device reports about its lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegEvent {
    /// The handset was lifted (or the speaker or a line key pressed) on `line`.
    OffHook(LineInstance),
    /// The phone went on hook.
    OnHook(LineInstance),
}

/// What the engine tells a device to do on a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LegCmd {
    /// Off hook with nothing to connect to yet: offer dial tone and the off-hook keys.
    DialTone(LineInstance),
    /// Back to idle: stop tones, on-hook state and keys.
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
}

/// A speed dial.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpeedDial {
    /// Number dialled.
    pub number: SmallStr,
    /// Label.
    pub name: SmallStr,
}
