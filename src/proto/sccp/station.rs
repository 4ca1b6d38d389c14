//! The SCCP form of what a phone carries: the engine hands the connection a neutral
//! [`Layout`](crate::leg::Layout) (buttons, lines, speed dials, banner) computed from the
//! phone's effective profile, and this module encodes its buttons as `ButtonTemplate`
//! entries: kind codes of the SCCP reference §3.2, instances numbered within each kind
//! (line 1, line 2 …, speed dial 1 …), as §2.4 requires.

use super::msg::ButtonDef;
use crate::leg::{Button, Layout};

/// What a registered connection answers from: the engine's layout, shared, not copied.
pub type Station = Layout;

/// `ButtonTemplate` kinds (SCCP reference §3.2).
const LINE: u8 = 0x09;
const SPEED_DIAL: u8 = 0x02;
const UNUSED: u8 = 0xFF;

/// The `ButtonTemplate` entries of `layout`, in button order.
pub fn button_template(layout: &Layout) -> Vec<ButtonDef> {
    layout
        .buttons
        .iter()
        .map(|b| match *b {
            Button::Line(i) => ButtonDef {
                instance: i + 1,
                kind: LINE,
            },
            Button::SpeedDial(i) => ButtonDef {
                instance: i + 1,
                kind: SPEED_DIAL,
            },
            Button::Unused => ButtonDef {
                instance: 0,
                kind: UNUSED,
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_count_within_each_kind() {
        let layout = Layout {
            buttons: vec![
                Button::Line(0),
                Button::Unused,
                Button::Line(1),
                Button::SpeedDial(0),
            ],
            ..Layout::default()
        };
        let kinds: Vec<(u8, u8)> = button_template(&layout)
            .iter()
            .map(|b| (b.kind, b.instance))
            .collect();
        assert_eq!(kinds, [(0x09, 1), (0xFF, 0), (0x09, 2), (0x02, 1)]);
    }
}
