//! What a registered SCCP phone is told: its [`Station`] (button template, lines, speed
//! dials, banner), computed by the engine from the phone's effective profile and answered
//! from by the [`Session`](super::session::Session) without asking the engine again.
//! Ten thousand phones each keep one, so its short texts are inline [`SmallStr`]s.

use super::msg::ButtonDef;
use crate::small_str::SmallStr;

/// Everything the session needs to answer a registered phone, computed by the engine from
/// the phone's effective profile when it registers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Station {
    /// Keepalive interval to announce, in seconds.
    pub keepalive: u32,
    /// `RegisterAck` date template (`M/D/Y`).
    pub date_template: SmallStr,
    /// The button template, in button order.
    pub buttons: Vec<ButtonDef>,
    /// Line appearances by line instance (index 0 = line 1).
    pub lines: Vec<StationLine>,
    /// Speed dials by speed-dial instance (index 0 = speed dial 1).
    pub speed_dials: Vec<StationSpeedDial>,
    /// Service URLs by index (index 0 = 1): URL and name.
    pub services: Vec<(String, String)>,
    /// `ConfigStat` user name (the logged-in user, else empty).
    pub user_name: SmallStr,
    /// Our name (`hostname`), for `ConfigStat` and the connected notice.
    pub server_name: SmallStr,
    /// Text shown in the prompt line once registered: the primary extension.
    pub banner: SmallStr,
    /// `Version` answer: the phone's configured load.
    pub version: SmallStr,
}

/// A line appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StationLine {
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
pub struct StationSpeedDial {
    /// Number dialled.
    pub number: SmallStr,
    /// Label.
    pub name: SmallStr,
}
