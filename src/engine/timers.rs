//! The engine's deadlines, all in monotonic time handed in with each input: housekeeping
//! once a second while anyone is logged in or any SIP binding exists (automatic logouts,
//! binding expiry), the quiet period after a
//! configuration change before phones whose profile was edited restart, and restarts spaced
//! out by `restart all N`. The calls issue adds the no-answer and inter-digit timers here.

use std::collections::VecDeque;
use std::time::Duration;

use crate::ids::DeviceName;
use crate::leg::RestartKind;
use crate::time::{Mono, Now};

/// How often automatic logouts and SIP binding expiry are checked while there are any.
const HOUSEKEEPING: Duration = Duration::from_secs(1);

/// Quiet after a configuration change before edited profiles restart phones: many edits
/// make one restart.
const REFRESH_QUIET: Duration = Duration::from_secs(2);

/// Every pending deadline.
#[derive(Debug, Default)]
pub(super) struct Timers {
    housekeeping: Option<Mono>,
    refresh: Option<Mono>,
    restarts: VecDeque<(Mono, DeviceName, RestartKind)>,
}

impl Timers {
    /// The earliest deadline. While housekeeping is wanted but not armed yet (just after
    /// recovery), that is at once.
    pub fn next(&self, wants_housekeeping: bool) -> Option<Mono> {
        let em = if wants_housekeeping {
            Some(self.housekeeping.unwrap_or_default())
        } else {
            None
        };
        [em, self.refresh, self.restarts.front().map(|r| r.0)]
            .into_iter()
            .flatten()
            .min()
    }

    /// Keeps housekeeping armed exactly while it is wanted.
    pub fn arm_housekeeping(&mut self, wanted: bool, now: Now) {
        match (wanted, self.housekeeping) {
            (true, None) => self.housekeeping = Some(now.mono.after(HOUSEKEEPING)),
            (false, Some(_)) => self.housekeeping = None,
            _ => {}
        }
    }

    /// Whether housekeeping is due; if so, the next is armed a second later.
    pub fn housekeeping_due(&mut self, wanted: bool, now: Now) -> bool {
        if !wanted || self.housekeeping.is_some_and(|t| t > now.mono) {
            return false;
        }
        self.housekeeping = Some(now.mono.after(HOUSEKEEPING));
        true
    }

    /// The configuration changed: look for edited profiles after a quiet moment.
    pub fn config_changed(&mut self, now: Now) {
        self.refresh = Some(now.mono.after(REFRESH_QUIET));
    }

    /// Whether the quiet period after the last change has passed (once per change).
    pub fn refresh_due(&mut self, now: Now) -> bool {
        if self.refresh.is_some_and(|t| t <= now.mono) {
            self.refresh = None;
            return true;
        }
        false
    }

    /// Queues restarts of `devices`, `seconds` apart, the first at once.
    pub fn space_restarts(
        &mut self,
        devices: Vec<DeviceName>,
        kind: RestartKind,
        seconds: u32,
        now: Now,
    ) {
        let step = Duration::from_secs(u64::from(seconds));
        let start = self.restarts.back().map_or(now.mono, |r| r.0.after(step));
        for (i, d) in devices.into_iter().enumerate() {
            self.restarts
                .push_back((start.after(step * i as u32), d, kind));
        }
    }

    /// The queued restarts due at `now`, in order.
    pub fn due_restarts(&mut self, now: Now) -> Vec<(DeviceName, RestartKind)> {
        let mut due = Vec::new();
        while self.restarts.front().is_some_and(|r| r.0 <= now.mono) {
            let (_, d, k) = self.restarts.pop_front().expect("checked");
            due.push((d, k));
        }
        due
    }
}
