//! The IOS `debug …` switches: shared flags the CLI turns on and off and the adapters read
//! on every event. Atomics, so reading one costs nothing when it is off.
//!
//! The list of switches is declared once, in [`flags!`]: the struct, `undebug all` and
//! `show debugging` all come from it, so a new switch cannot be forgotten by one of them.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

macro_rules! flags {
    ($( $(#[$doc:meta])* $field:ident = $handler:literal, $what:literal; )*) => {
        /// Every debug switch.
        #[derive(Debug, Default)]
        pub struct Flags {
            $( $(#[$doc])* pub $field: AtomicBool, )*
        }

        impl Flags {
            /// Every switch: the grammar handler id of its `debug` command, the IOS words of
            /// its confirmation (`… debugging is on`), and the flag.
            pub fn all(&self) -> [(&'static str, &'static str, &AtomicBool); flags!(@count $($field)*)] {
                [ $( ($handler, $what, &self.$field), )* ]
            }
        }
    };
    (@count) => { 0 };
    (@count $head:ident $($rest:ident)*) => { 1 + flags!(@count $($rest)*) };
}

flags! {
    /// `debug tftp events`: each provisioning request and its outcome.
    tftp_events = "debug-tftp-events", "TFTP Event";
    /// `debug ephone register`: SCCP registrations, rejections, restarts.
    ephone_register = "debug-ephone-register", "EPHONE registration";
    /// `debug ephone detail`: every SCCP message in and out.
    ephone_detail = "debug-ephone-detail", "EPHONE detail";
    /// `debug ephone extension-mobility`: logins, logouts, refusals.
    ephone_em = "debug-ephone-em", "EPHONE extension mobility";
    /// `debug ephone mwi`: each message-waiting change and the lamps it lights (logged by
    /// the engine under [`MWI`]).
    ephone_mwi = "debug-ephone-mwi", "EPHONE MWI";
    /// `debug ccsip messages`: every SIP message in and out, whole.
    ccsip_messages = "debug-ccsip-messages", "SIP Call messages tracing";
    /// `debug voice register events`: registrations, refusals, expiries.
    voice_register_events = "debug-voice-register-events", "VOICE REGISTER events";
    /// `debug voice ccapi inout`: each call's setup, answer and release, one line each
    /// (logged by the engine under [`CCAPI`], which only this switch lets through).
    voice_ccapi = "debug-voice-ccapi-inout", "voip ccapi inout";
}

/// The tracing target of `debug voice ccapi inout`'s lines. The engine cannot read a switch
/// (it is pure), so it always logs them and the daemon's log filter ([`Flags::admits`])
/// drops them while the switch is off.
pub const CCAPI: &str = "cmed::debug::ccapi";

/// The tracing target of `debug ephone mwi`'s lines, filtered as [`CCAPI`]'s are.
pub const MWI: &str = "cmed::debug::mwi";

impl Flags {
    /// Whether the log filter lets an event of `target` through: everything but the lines
    /// of a switch that is off.
    pub fn admits(&self, target: &str) -> bool {
        match target {
            CCAPI => Flags::on(&self.voice_ccapi),
            MWI => Flags::on(&self.ephone_mwi),
            _ => true,
        }
    }

    /// Whether a switch is on.
    pub fn on(flag: &AtomicBool) -> bool {
        flag.load(Relaxed)
    }

    /// Switches the `debug` command with grammar handler id `handler`; returns the IOS
    /// confirmation, or `None` if no switch has that id.
    pub fn set(&self, handler: &str, on: bool) -> Option<String> {
        let (_, what, flag) = self.all().into_iter().find(|(h, _, _)| *h == handler)?;
        flag.store(on, Relaxed);
        Some(format!(
            "{what} debugging is {}\n",
            if on { "on" } else { "off" }
        ))
    }

    /// Turns every switch off (`undebug all`).
    pub fn all_off(&self) {
        for (_, _, f) in self.all() {
            f.store(false, Relaxed);
        }
    }

    /// `show debugging`: one line per switch that is on; nothing when all are off.
    pub fn show(&self) -> String {
        self.all()
            .into_iter()
            .filter(|(_, _, f)| Flags::on(f))
            .map(|(_, what, _)| format!("{what} debugging is on\n"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undebug_all_switches_off_every_flag_including_extension_mobility() {
        let f = Flags::default();
        for (h, _, _) in f.all() {
            assert!(f.set(h, true).is_some(), "{h}");
        }
        assert!(Flags::on(&f.ephone_em));
        assert_eq!(f.show().lines().count(), f.all().len());
        f.all_off();
        for (h, _, flag) in f.all() {
            assert!(!Flags::on(flag), "{h} still on after undebug all");
        }
        assert_eq!(f.show(), "");
    }

    #[test]
    fn ccapi_lines_pass_the_log_filter_only_while_debug_voice_ccapi_inout_is_on() {
        let f = Flags::default();
        assert!(f.admits("cmed::engine"));
        assert!(!f.admits(CCAPI));
        assert_eq!(
            f.set("debug-voice-ccapi-inout", true).as_deref(),
            Some("voip ccapi inout debugging is on\n")
        );
        assert!(f.admits(CCAPI));
    }
}
