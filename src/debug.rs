//! The IOS `debug …` switches: shared flags the CLI turns on and off and the adapters read
//! on every event. Atomics, so reading one costs nothing when it is off.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

/// Every debug switch.
#[derive(Debug, Default)]
pub struct Flags {
    /// `debug tftp events`: each provisioning request and its outcome.
    pub tftp_events: AtomicBool,
    /// `debug ephone register`: SCCP registrations, rejections, restarts.
    pub ephone_register: AtomicBool,
    /// `debug ephone detail`: every SCCP message in and out.
    pub ephone_detail: AtomicBool,
    /// `debug ephone extension-mobility`: logins, logouts, refusals.
    pub ephone_em: AtomicBool,
}

impl Flags {
    /// Whether a switch is on.
    pub fn on(flag: &AtomicBool) -> bool {
        flag.load(Relaxed)
    }

    /// Turns every switch off (`undebug all`).
    pub fn all_off(&self) {
        for f in [
            &self.tftp_events,
            &self.ephone_register,
            &self.ephone_detail,
        ] {
            f.store(false, Relaxed);
        }
    }
}
