//! What Extension Mobility has done since the daemon started, for `/metrics`: logins,
//! logouts by reason, refusals by Cisco error code. Plain counters bumped where the EM
//! state changes (`Em::apply`, `Em::record_failure`), read through the engine's `View`. No
//! clock: when something happened is the scraper's business.

use super::em::{EmError, Reason};

/// Every logout reason, in the order `/metrics` lists them.
pub const REASONS: [Reason; 7] = [
    Reason::Manual,
    Reason::Admin,
    Reason::LoginElsewhere,
    Reason::Replaced,
    Reason::TimeOfDay,
    Reason::Idle,
    Reason::MaxLoginTime,
];

/// The counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmCounts {
    /// Sessions started (a login where the user already is counts nothing: nothing changed).
    pub logins: u64,
    /// Sessions ended, by reason (indexed like [`REASONS`]).
    pub logouts: [u64; REASONS.len()],
    /// Requests refused (logins, logouts, password changes), by error.
    pub refused: Vec<(EmError, u64)>,
}

impl EmCounts {
    /// Counts a session that ended for `reason`.
    pub fn logout(&mut self, reason: Reason) {
        if let Some(i) = REASONS.iter().position(|r| *r == reason) {
            self.logouts[i] += 1;
        }
    }

    /// Counts a refusal.
    pub fn refused(&mut self, e: EmError) {
        match self.refused.iter_mut().find(|(k, _)| *k == e) {
            Some((_, n)) => *n += 1,
            None => self.refused.push((e, 1)),
        }
    }

    /// Logouts for `reason`.
    pub fn logouts_for(&self, reason: Reason) -> u64 {
        REASONS
            .iter()
            .position(|r| *r == reason)
            .map_or(0, |i| self.logouts[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logouts_count_by_reason_and_refusals_by_error() {
        let mut c = EmCounts::default();
        c.logout(Reason::Manual);
        c.logout(Reason::Idle);
        c.logout(Reason::Manual);
        c.refused(EmError::Authentication);
        c.refused(EmError::Authentication);
        c.refused(EmError::Busy);
        assert_eq!(c.logouts_for(Reason::Manual), 2);
        assert_eq!(c.logouts_for(Reason::Idle), 1);
        assert_eq!(c.logouts_for(Reason::Admin), 0);
        assert_eq!(
            c.refused,
            vec![(EmError::Authentication, 2), (EmError::Busy, 1)]
        );
    }
}
