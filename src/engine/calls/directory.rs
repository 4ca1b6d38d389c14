//! Where a dialled number goes, for the calls between phones: the numbers cmed knows
//! (every configured `ephone-dn` and `voice register dn`), whether the digits so far make
//! one of them, and which registered phone carries it right now — read from the layouts
//! the registry holds, which the engine computes from each phone's *effective* profile, so
//! a user's number is found on the phone they are logged in on.
//!
//! A first, small dial plan for phone-to-phone calls; the calls issue's `engine/routing.rs`
//! (dial-peers, `.` wildcards, secondary numbers, hunting) takes its place.

use crate::config::model::Model;
use crate::engine::devices::{Devices, RegState};
use crate::ids::{DeviceName, Extension};
use crate::leg::{LineInstance, Party};

use super::End;

/// What the digits dialled so far make.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Match {
    /// A configured number, and no longer one begins with these digits: call it now.
    Complete(String),
    /// A configured number that a longer one also begins with: wait for more digits (or
    /// the inter-digit timeout, or `#`).
    Ambiguous(String),
    /// The beginning of a configured number.
    Partial,
    /// No configured number begins with these digits.
    None,
}

/// Classifies `digits` against every configured number (SCCP reference §4.2 step 9:
/// route as soon as the digits match one number unambiguously).
pub fn classify(model: &Model, digits: &str) -> Match {
    let numbers = model.numbers.keys().map(|e| e.0.as_str());
    let (mut exact, mut longer) = (false, false);
    for n in numbers {
        if n == digits {
            exact = true;
        } else if n.starts_with(digits) {
            longer = true;
        }
    }
    match (exact, longer) {
        (true, false) => Match::Complete(digits.to_string()),
        (true, true) => Match::Ambiguous(digits.to_string()),
        (false, true) => Match::Partial,
        (false, false) => Match::None,
    }
}

/// Where `number` rings now: the first registered phone (in device-name order) whose
/// effective profile carries it on a line that rings (not a monitor button), and on which
/// line. `None`: no registered phone carries it.
pub fn find(devices: &Devices, number: &str) -> Option<End> {
    devices.iter().find_map(|(name, d)| {
        if d.state != RegState::Registered || d.conn().is_none() {
            return None;
        }
        let i = d
            .layout
            .lines
            .iter()
            .position(|l| l.number == number && !l.monitor)?;
        Some(End {
            device: *name,
            line: LineInstance(i as u32 + 1),
        })
    })
}

/// Whether `number` is configured at all.
pub fn known(model: &Model, number: &str) -> bool {
    model.numbers.contains_key(&Extension(number.to_string()))
}

/// How the line `end` shows to the other party: its number and name.
pub fn party(devices: &Devices, device: &DeviceName, line: LineInstance) -> Party {
    devices
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
        .unwrap_or_default()
}
