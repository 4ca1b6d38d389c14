//! Who may open a vty session, decided from the configuration (`config::access`): the
//! password or key checks of `login` / `login local` / `ip ssh pubkey-chain`, the
//! `access-class` of the lines, and IOS's `login block-for` quiet mode ([`Guard`]).
//!
//! Pure: the SSH adapter (`net::ssh`) passes the time in and logs what is decided.

use std::collections::VecDeque;
use std::net::IpAddr;

use crate::config::access::{Access, Login, VtyLines};

/// Why a login was refused, for `%SEC_LOGIN-4-LOGIN_FAILED`'s `[Reason: …]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// A wrong password, an unknown user or an unknown key.
    Authentication,
    /// The router is in quiet mode after too many failures (`login block-for`).
    QuietMode,
    /// No vty line takes SSH, or none has a way to log in (`login`).
    NoLogin,
}

impl Refused {
    /// IOS's reason text.
    pub fn reason(self) -> &'static str {
        match self {
            Refused::Authentication => "Login Authentication Failed",
            Refused::QuietMode => "Login Authentication Failed - BlockFor",
            Refused::NoLogin => "Password required, but none set",
        }
    }
}

/// The vty lines an SSH session from `ip` may use: some line takes SSH, has a login and
/// its `access-class` (if any) permits the source. `None` when no line will take it.
pub fn lines_for(access: &Access, ip: IpAddr) -> Option<&VtyLines> {
    access.vty.iter().find(|l| {
        l.ssh
            && l.login != Login::None
            && l.access_class.is_none_or(|list| access.permits(list, ip))
    })
}

/// The privilege level `user` logs in at with `password` on `line`, or why not. Slow for
/// hashed secrets (scrypt): call it off the async runtime's threads.
pub fn check_password(
    access: &Access,
    line: &VtyLines,
    user: &str,
    password: &str,
) -> Result<u8, Refused> {
    match line.login {
        Login::None => Err(Refused::NoLogin),
        Login::Line => match &line.password {
            Some(p) if p.matches(password) => Ok(line.privilege),
            Some(_) => Err(Refused::Authentication),
            None => Err(Refused::NoLogin),
        },
        Login::Local => match access.users.get(user) {
            Some(u) if u.credential.verify(password) => Ok(u.privilege),
            _ => Err(Refused::Authentication),
        },
    }
}

/// The privilege level `user` logs in at with the key whose blob's MD5 is `md5` (upper-case
/// hex): a key of theirs in `ip ssh pubkey-chain`, at their `username` privilege (1 if
/// they have no `username`).
pub fn check_key(access: &Access, user: &str, md5: &str) -> Result<u8, Refused> {
    let known = access
        .pubkeys
        .get(user)
        .is_some_and(|keys| keys.iter().any(|k| k == md5));
    if known {
        Ok(access.users.get(user).map_or(1, |u| u.privilege))
    } else {
        Err(Refused::Authentication)
    }
}

/// `login block-for SECS attempts N within W`: after N failed logins within W seconds, all
/// logins are refused for SECS seconds (IOS's quiet mode).
#[derive(Debug, Default)]
pub struct Guard {
    failures: VecDeque<u64>,
    quiet_until: Option<u64>,
}

/// What a failure did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Counted.
    Counted,
    /// It started quiet mode, for this many seconds.
    QuietMode(u32),
}

impl Guard {
    /// Seconds of quiet mode left at `now` (unix seconds), if it is on. `Some(0)` is never
    /// returned: quiet mode that has run out is over ([`Guard::ended`] tells once).
    pub fn quiet(&self, now: u64) -> Option<u64> {
        self.quiet_until
            .filter(|until| *until > now)
            .map(|until| until - now)
    }

    /// Whether quiet mode ran out by `now`; it is then forgotten (told once, for
    /// `%SEC_LOGIN-5-QUIET_MODE_OFF`).
    pub fn ended(&mut self, now: u64) -> bool {
        match self.quiet_until {
            Some(until) if until <= now => {
                self.quiet_until = None;
                true
            }
            _ => false,
        }
    }

    /// A login failed at `now` under `policy` (`login block-for`; none: nothing counts).
    pub fn failed(&mut self, policy: Option<(u32, u32, u32)>, now: u64) -> Failure {
        let Some((secs, attempts, within)) = policy else {
            return Failure::Counted;
        };
        self.failures.push_back(now);
        while self
            .failures
            .front()
            .is_some_and(|t| now.saturating_sub(*t) >= u64::from(within))
        {
            self.failures.pop_front();
        }
        if self.failures.len() >= attempts as usize {
            self.failures.clear();
            self.quiet_until = Some(now + u64::from(secs));
            return Failure::QuietMode(secs);
        }
        Failure::Counted
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::access::{Credential, LocalUser};
    use crate::config::hashes::Hashed;

    fn access() -> Access {
        let mut a = Access::default();
        a.users.insert(
            "admin".into(),
            LocalUser {
                privilege: 15,
                credential: Credential::Hashed(
                    Hashed::parse(
                        8,
                        "$8$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs",
                    )
                    .unwrap(),
                ),
            },
        );
        let mut l = VtyLines::new(0, 4);
        l.login = Login::Local;
        a.vty.push(l);
        a
    }

    #[test]
    fn login_local_checks_the_users_secret_and_gives_their_level() {
        let a = access();
        let line = &a.vty[0];
        assert_eq!(check_password(&a, line, "admin", "cisco"), Ok(15));
        assert_eq!(
            check_password(&a, line, "admin", "Cisco"),
            Err(Refused::Authentication)
        );
        assert_eq!(
            check_password(&a, line, "nobody", "cisco"),
            Err(Refused::Authentication)
        );
    }

    #[test]
    fn access_class_and_transport_choose_the_lines() {
        let mut a = access();
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert!(lines_for(&a, lo).is_some());
        a.vty[0].access_class = Some(10);
        assert!(lines_for(&a, lo).is_none(), "an empty list permits nothing");
        a.acls.insert(
            10,
            vec![(
                "127.0.0.0".parse().unwrap(),
                "0.255.255.255".parse().unwrap(),
            )],
        );
        assert!(lines_for(&a, lo).is_some());
        assert!(lines_for(&a, "10.0.0.1".parse().unwrap()).is_none());
        a.vty[0].ssh = false;
        assert!(lines_for(&a, lo).is_none());
    }

    #[test]
    fn block_for_starts_quiet_mode_after_the_failures_within_the_window_and_ends() {
        let mut g = Guard::default();
        let policy = Some((30, 3, 10));
        assert_eq!(g.failed(policy, 100), Failure::Counted);
        assert_eq!(g.failed(policy, 111), Failure::Counted);
        assert_eq!(
            g.failed(policy, 112),
            Failure::Counted,
            "the first left the window"
        );
        assert_eq!(g.failed(policy, 113), Failure::QuietMode(30));
        assert_eq!(g.quiet(120), Some(23));
        assert!(!g.ended(142));
        assert_eq!(g.quiet(143), None);
        assert!(g.ended(143));
        assert!(!g.ended(144), "told once");
        assert_eq!(Guard::default().failed(None, 0), Failure::Counted);
    }
}
