//! Brute-force protection of digest authentication (cmed's `authenticate block-for S
//! attempts N within W` under `voice register global`, in the spirit of IOS's `login
//! block-for`): a source address that fails N authentications (a wrong password or a
//! digest user that is not the pool's) within W seconds is answered `403` to every
//! REGISTER and INVITE for S seconds, without its credentials being checked; logged once
//! per episode. On by default (120 s after 10 failures within 60 s). Phones behind one NAT
//! address share its fate, as on IOS.
//!
//! Memory is bounded: at most [`MAX_SOURCES`] addresses are tracked; past that the oldest
//! failures are forgotten first.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// Sources whose failures are remembered at once (a flood from many addresses cannot grow
/// the table past it).
pub const MAX_SOURCES: usize = 10_000;

/// Failures and blocks by source address.
#[derive(Debug, Default)]
pub struct Lockout {
    failures: HashMap<IpAddr, VecDeque<u64>>,
    blocked: HashMap<IpAddr, u64>,
    /// Blocks started since the daemon did.
    pub episodes: u64,
}

impl Lockout {
    /// Whether `ip` is blocked at `now` (unix seconds).
    pub fn blocked(&mut self, ip: IpAddr, now: u64) -> bool {
        match self.blocked.get(&ip) {
            Some(until) if *until > now => true,
            Some(_) => {
                self.blocked.remove(&ip);
                tracing::info!(%ip, "source no longer blocked after failed authentications");
                false
            }
            None => false,
        }
    }

    /// `ip` failed an authentication at `now`; under `policy` (blocked seconds, failures,
    /// window) it may be blocked from now on.
    pub fn failed(&mut self, ip: IpAddr, policy: (u32, u32, u32), now: u64) {
        let (secs, attempts, within) = policy;
        if self.failures.len() >= MAX_SOURCES && !self.failures.contains_key(&ip) {
            self.forget_oldest(now, u64::from(within));
        }
        let list = self.failures.entry(ip).or_default();
        list.push_back(now);
        while list
            .front()
            .is_some_and(|t| now.saturating_sub(*t) >= u64::from(within))
        {
            list.pop_front();
        }
        if list.len() >= attempts as usize {
            self.failures.remove(&ip);
            self.blocked.insert(ip, now + u64::from(secs));
            self.episodes += 1;
            tracing::warn!(
                ios = "SIP-4-AUTH_BLOCKED",
                "Source {ip} blocked for {secs} s: {attempts} failed authentications within {within} s"
            );
        }
    }

    /// Drops the failures that left the window, then the sources with the oldest ones.
    fn forget_oldest(&mut self, now: u64, within: u64) {
        self.failures
            .retain(|_, l| l.back().is_some_and(|t| now.saturating_sub(*t) < within));
        if self.failures.len() >= MAX_SOURCES {
            let mut by_age: Vec<(u64, IpAddr)> = self
                .failures
                .iter()
                .map(|(ip, l)| (l.back().copied().unwrap_or(0), *ip))
                .collect();
            by_age.sort_unstable();
            for (_, ip) in by_age.iter().take(MAX_SOURCES / 10) {
                self.failures.remove(ip);
            }
        }
        self.blocked.retain(|_, until| *until > now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: (u32, u32, u32) = (120, 3, 60);

    #[test]
    fn a_source_is_blocked_after_its_failures_within_the_window_and_freed_after() {
        let ip: IpAddr = "192.0.2.9".parse().unwrap();
        let mut l = Lockout::default();
        l.failed(ip, POLICY, 0);
        l.failed(ip, POLICY, 61);
        l.failed(ip, POLICY, 62);
        assert!(!l.blocked(ip, 62), "the first failure left the window");
        l.failed(ip, POLICY, 63);
        assert!(l.blocked(ip, 63));
        assert!(l.blocked(ip, 182));
        assert!(!l.blocked(ip, 183), "blocked for 120 s");
        assert_eq!(l.episodes, 1);
        let other: IpAddr = "192.0.2.10".parse().unwrap();
        assert!(!l.blocked(other, 100), "only the failing source");
    }

    #[test]
    fn a_flood_of_sources_keeps_the_table_bounded() {
        let mut l = Lockout::default();
        for i in 0..(MAX_SOURCES as u32 * 3) {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            l.failed(ip, POLICY, 10);
        }
        assert!(l.failures.len() <= MAX_SOURCES);
    }
}
