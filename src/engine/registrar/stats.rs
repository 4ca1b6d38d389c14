//! What the registrar counts, for `show voice register statistics` and the `Statistics:`
//! block of `show voice register pool`: CME's per-pool counters (registration and
//! unregister requests, success, failure, the last request and success times, attempts
//! since the last unregister) and, globally, ours — new registrations, refreshes,
//! challenges and failures by reason.

use std::collections::BTreeMap;

use super::Outcome;
use crate::ids::PoolTag;

/// What one REGISTER amounted to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A device that had no binding now has one.
    New,
    /// A binding was refreshed.
    Refresh,
    /// A binding was removed (`Expires: 0`, `Contact: *`).
    Removed,
    /// The bindings were only listed (no Contact).
    Query,
    /// Challenged (401); `stale` when the nonce had expired.
    Challenged {
        /// The nonce had expired.
        stale: bool,
    },
    /// Refused.
    Failed(Failure),
}

/// Why a REGISTER was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// The digest user name is not the pool's.
    WrongUser,
    /// The digest response is wrong.
    WrongPassword,
    /// No pool matches the device, the digest user or the To user.
    NoPool,
    /// `max-pool` phones are registered already.
    MaxPool,
    /// The interval is below the minimum (423).
    IntervalTooBrief,
    /// A malformed registration (400).
    Malformed,
    /// The source is blocked after too many failed authentications (`lockout.rs`).
    Blocked,
    /// The pool's password is type 6, which cmed cannot read (`config::secrets`).
    UnreadablePassword,
}

impl Failure {
    /// Every reason, in the order `show` lists them, with its label.
    pub const ALL: [(Failure, &'static str); 8] = [
        (Failure::WrongPassword, "Wrong password"),
        (Failure::WrongUser, "Wrong user name"),
        (Failure::NoPool, "No pool matched"),
        (Failure::MaxPool, "Max-pool reached"),
        (Failure::IntervalTooBrief, "Interval too brief"),
        (Failure::Malformed, "Malformed"),
        (Failure::Blocked, "Source blocked"),
        (Failure::UnreadablePassword, "Type 6 password"),
    ];

    /// Why a 403 was sent, for the logs and the scenarios.
    pub fn text(self) -> &'static str {
        match self {
            Failure::WrongUser => "wrong user name",
            Failure::WrongPassword => "wrong password",
            Failure::NoPool => "no pool",
            Failure::MaxPool => "max-pool reached",
            Failure::IntervalTooBrief => "interval too brief",
            Failure::Malformed => "malformed",
            Failure::Blocked => "source blocked after failed authentications",
            Failure::UnreadablePassword => {
                "the pool's password is type 6 (re-enter it as type 0 or 7)"
            }
        }
    }

    /// The failure an outcome reports, if it is one.
    pub fn of(o: &Outcome) -> Option<Failure> {
        Some(match o {
            Outcome::Forbidden(f) => *f,
            Outcome::NotFound => Failure::NoPool,
            Outcome::IntervalTooBrief { .. } => Failure::IntervalTooBrief,
            Outcome::BadRequest(_) => Failure::Malformed,
            Outcome::Challenge { .. } | Outcome::Registered { .. } => return None,
        })
    }
}

/// One pool's counters (CME's `Register pool N statistics`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// REGISTERs with a contact (challenges included, as CME counts requests).
    pub requests: u64,
    /// Of those, accepted.
    pub success: u64,
    /// Of those, refused (challenges are not failures).
    pub failed: u64,
    /// REGISTERs removing the binding.
    pub unregister_requests: u64,
    /// Of those, accepted.
    pub unregister_success: u64,
    /// REGISTERs since the last unregister.
    pub attempts_since_unregister: u64,
    /// Unix time of the last REGISTER.
    pub last_request: Option<u64>,
    /// Unix time of the last accepted registration.
    pub last_success: Option<u64>,
}

/// The registrar's counters, since the daemon started.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Every REGISTER the registrar decided.
    pub requests: u64,
    /// Devices that registered anew.
    pub new: u64,
    /// Refreshed bindings.
    pub refreshes: u64,
    /// Bindings removed by the phone.
    pub removed: u64,
    /// Binding lists answered (REGISTER without Contact).
    pub queries: u64,
    /// 401 challenges sent.
    pub challenges: u64,
    /// Of those, for an expired nonce (`stale=true`).
    pub stale: u64,
    /// Refusals by reason.
    pub failures: BTreeMap<Failure, u64>,
    /// Bindings that expired without a refresh.
    pub expired: u64,
    /// Bindings removed by `clear voice register pool`.
    pub cleared: u64,
    /// Per pool.
    pub pools: BTreeMap<PoolTag, PoolStats>,
}

impl Stats {
    /// Counts one REGISTER for `pool` (if one was found) at `now`.
    pub fn record(&mut self, pool: Option<PoolTag>, event: Event, now: u64) {
        self.requests += 1;
        match event {
            Event::New => self.new += 1,
            Event::Refresh => self.refreshes += 1,
            Event::Removed => self.removed += 1,
            Event::Query => self.queries += 1,
            Event::Challenged { stale } => {
                self.challenges += 1;
                self.stale += u64::from(stale);
            }
            Event::Failed(f) => *self.failures.entry(f).or_default() += 1,
        }
        let Some(tag) = pool else { return };
        let p = self.pools.entry(tag).or_default();
        p.last_request = Some(now);
        if event == Event::Removed {
            p.unregister_requests += 1;
            p.unregister_success += 1;
            p.attempts_since_unregister = 0;
            return;
        }
        p.attempts_since_unregister += 1;
        match event {
            Event::New | Event::Refresh => {
                p.requests += 1;
                p.success += 1;
                p.last_success = Some(now);
            }
            Event::Challenged { .. } => p.requests += 1,
            Event::Failed(_) => {
                p.requests += 1;
                p.failed += 1;
            }
            Event::Query | Event::Removed => {}
        }
    }

    /// How many refusals there were for `f`.
    pub fn failed(&self, f: Failure) -> u64 {
        self.failures.get(&f).copied().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_challenged_then_accepted_registration_counts_as_cme_does() {
        let mut s = Stats::default();
        let p = Some(PoolTag(1));
        s.record(p, Event::Challenged { stale: false }, 10);
        s.record(p, Event::New, 11);
        s.record(p, Event::Failed(Failure::WrongPassword), 12);
        s.record(p, Event::Removed, 13);
        s.record(None, Event::Failed(Failure::NoPool), 14);
        assert_eq!((s.requests, s.new, s.challenges, s.removed), (5, 1, 1, 1));
        assert_eq!(s.failed(Failure::WrongPassword), 1);
        assert_eq!(s.failed(Failure::NoPool), 1);
        let p1 = &s.pools[&PoolTag(1)];
        assert_eq!((p1.requests, p1.success, p1.failed), (3, 1, 1));
        assert_eq!(
            (p1.unregister_requests, p1.attempts_since_unregister),
            (1, 0)
        );
        assert_eq!((p1.last_request, p1.last_success), (Some(13), Some(11)));
    }
}
