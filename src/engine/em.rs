//! Extension Mobility: login, logout, automatic logout and the policies, as pure functions
//! over the EM state (CME reference §1, policies of the `em …` commands).
//!
//! Every operation is planned by `&self` code into a [`Batch`]: the store changes that make it
//! durable, the phones to restart, and the EM bookkeeping it completes (the automatic-logout
//! check time, deferred logouts). Nothing changes in memory until the caller has committed the
//! changes (persist before you announce); then [`Em::apply`] applies the very same batch, so
//! the in-memory state is always what the store holds, and a failed commit loses nothing —
//! the same logout is due again at the next check. Time is unix seconds passed in.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::IpAddr;

use super::effect::{Batch, Decision};
use super::passwords::Checked;
use crate::config::model::{LineType, LoginType, Model, MultipleLogin, Profile};
use crate::config::phone::PhoneRef;
use crate::ids::{DeviceName, ProfileTag, UserName};
use crate::store::{Change, EmLogin, Persisted};

/// Recent logouts `show extension-mobility` lists.
const RECENT: usize = 50;

/// Why an EM request failed, with the numbers phones and the EM API show (CME reference
/// §6.4, §6.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EmError {
    /// 201: wrong user or password (also while locked out).
    #[error("Authentication Error")]
    Authentication,
    /// 202: user id or password left blank.
    #[error("Blank User ID or PIN")]
    Blank,
    /// 205: the user has no profile.
    #[error("User Profile Absent")]
    ProfileAbsent,
    /// 207: no device name in the request.
    #[error("Device Name Empty")]
    DeviceNameEmpty,
    /// 11: no configured phone by that name.
    #[error("Device does not exist")]
    UnknownDevice,
    /// 22: the phone has no logout profile.
    #[error("Dev Logon Disabled")]
    LogonDisabled,
    /// 19: logout of a phone nobody is logged in on.
    #[error("No user logged in")]
    NoUser,
    /// 25: `em multiple-login not-allowed` and the user is logged in elsewhere.
    #[error("User Logged in Elsewhere")]
    Elsewhere,
    /// 26: more requests at once than `em max-concurrent-requests`.
    #[error("Busy Please Try Again")]
    Busy,
    /// 28: `em validate-ip` and the request came from neither the phone nor a trusted address.
    #[error("Untrusted IP")]
    UntrustedIp,
    /// 6: the store could not commit.
    #[error("Database Error")]
    Database,
}

impl EmError {
    /// The Cisco number.
    pub fn code(self) -> u32 {
        match self {
            EmError::Authentication => 201,
            EmError::Blank => 202,
            EmError::ProfileAbsent => 205,
            EmError::DeviceNameEmpty => 207,
            EmError::UnknownDevice => 11,
            EmError::LogonDisabled => 22,
            EmError::NoUser => 19,
            EmError::Elsewhere => 25,
            EmError::Busy => 26,
            EmError::UntrustedIp => 28,
            EmError::Database => 6,
        }
    }
}

/// Why a session ended, for `show extension-mobility` and the logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The user logged out.
    Manual,
    /// `emadmin logout` or the EM API.
    Admin,
    /// The user logged in on another phone.
    LoginElsewhere,
    /// Another user logged in on this phone.
    Replaced,
    /// `em logout HH:MM`.
    TimeOfDay,
    /// `max-idle-time`.
    Idle,
    /// `em max-login-time`.
    MaxLoginTime,
}

impl Reason {
    /// As `show extension-mobility` prints it.
    pub fn text(self) -> &'static str {
        match self {
            Reason::Manual => "user logout",
            Reason::Admin => "admin logout",
            Reason::LoginElsewhere => "login elsewhere",
            Reason::Replaced => "replaced by another user",
            Reason::TimeOfDay => "em logout time",
            Reason::Idle => "max-idle-time",
            Reason::MaxLoginTime => "em max-login-time",
        }
    }
}

/// A finished session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ended {
    /// The phone.
    pub device: DeviceName,
    /// Who was logged in.
    pub user: UserName,
    /// Since when.
    pub since: u64,
    /// When it ended.
    pub at: u64,
    /// Why.
    pub reason: Reason,
}

/// Why an EM request was refused, and the failed-login count to record for the user (a
/// wrong password counts even though nothing is committed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// The error the phone or application is shown.
    pub error: EmError,
    /// The user's failure counter after this attempt, if it changed.
    pub failure: Option<(UserName, Failures)>,
}

impl From<EmError> for Refusal {
    fn from(error: EmError) -> Refusal {
        Refusal {
            error,
            failure: None,
        }
    }
}

/// How a login request identifies the phone and where it came from.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The phone the request names.
    pub device: DeviceName,
    /// The HTTP client's address when the request comes from the phone itself (service
    /// pages); `None` for an administrator (`emadmin`, the EM API), which IP validation does
    /// not apply to.
    pub source: Option<IpAddr>,
    /// The address the phone registered from, if it is registered.
    pub registered: Option<IpAddr>,
}

/// Failed password logins of one user, for `em lockout`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Failures {
    count: u32,
    locked_until: u64,
}

/// The EM state: what the store holds, plus lockout counters and recent logouts.
#[derive(Debug, Default)]
pub struct Em {
    /// Logged-in users by phone.
    pub sessions: BTreeMap<DeviceName, EmLogin>,
    /// Who is logged in where, shared with the published snapshot.
    pub logins: crate::engine::Logins,
    /// Last user of each phone, shared with the published snapshot.
    pub last_users: crate::engine::Logins,
    /// Changed passwords (hashed) by user.
    pub credentials: BTreeMap<UserName, String>,
    /// The daemon's random key the salts of new passwords come from (`passwords.rs`).
    pub salt_key: [u8; 32],
    failures: HashMap<UserName, Failures>,
    /// Recent logouts, newest last.
    pub recent: VecDeque<Ended>,
    /// Phones whose automatic logout waits for them to go on hook.
    pub deferred: BTreeMap<DeviceName, Reason>,
    last_tick: Option<u64>,
    /// Logins, logouts and refusals since the start (`/metrics`).
    pub counts: super::em_counts::EmCounts,
}

/// The user profile a user logs in to: by user id, or by primary extension with
/// `em login-type dn`.
pub fn find_profile<'m>(model: &'m Model, who: &str) -> Option<(ProfileTag, &'m Profile)> {
    match model.telephony.em.login_type {
        LoginType::Uid => crate::engine::profile::user_profile(model, &UserName(who.into())),
        LoginType::Dn => model
            .user_profiles
            .iter()
            .map(|(t, p)| (*t, p))
            .find(|(_, p)| {
                p.lines
                    .iter()
                    .find(|l| l.kind == LineType::Normal)
                    .and_then(|l| l.numbers.first())
                    .is_some_and(|n| n.0 == who)
            }),
    }
}

impl Em {
    /// The state recovered from the store; sessions whose phone or user profile no longer
    /// exists are dropped (and returned, to be logged and removed from the store).
    pub fn recover(model: &Model, p: Persisted) -> (Em, Vec<Change>) {
        let mut em = Em {
            last_users: p.last_users.into_iter().collect(),
            credentials: p.credentials,
            ..Em::default()
        };
        let mut drop = Vec::new();
        for (device, s) in p.sessions {
            let phone_ok = model
                .phone_by_mac(device.mac())
                .is_some_and(|ph| ph.logout_profile().is_some());
            let user_ok = crate::engine::profile::user_profile(model, &s.user).is_some();
            if phone_ok && user_ok {
                em.logins.insert(device, s.user.clone());
                em.sessions.insert(device, s);
            } else {
                tracing::warn!(%device, user = %s.user, "EM session dropped at start: its phone or user profile is no longer configured");
                drop.push(Change::EndSession { device });
            }
        }
        (em, drop)
    }

    /// Applies a committed batch: its changes, the ended sessions, and its bookkeeping.
    pub fn apply(&mut self, plan: &Batch) {
        for c in &plan.changes {
            match c {
                Change::PutSession { device, session } => {
                    self.counts.logins += 1;
                    self.logins.insert(*device, session.user.clone());
                    self.sessions.insert(*device, session.clone());
                }
                Change::EndSession { device } => {
                    self.logins.remove(device);
                    self.sessions.remove(device);
                    self.deferred.remove(device);
                }
                Change::PutLastUser { device, user } => {
                    self.last_users.insert(*device, user.clone());
                }
                Change::PutCredential { user, secret } => {
                    self.credentials.insert(user.clone(), secret.clone());
                }
                Change::DeleteCredential { user } => {
                    self.credentials.remove(user);
                }
                // SIP bindings are the device registry's, message waiting the MWI
                // table's, both written behind.
                Change::PutBinding { .. }
                | Change::DropBinding { .. }
                | Change::PutMwi { .. }
                | Change::DropMwi { .. } => {}
            }
        }
        for e in &plan.ended {
            self.counts.logout(e.reason);
            if self.recent.len() == RECENT {
                self.recent.pop_front();
            }
            self.recent.push_back(e.clone());
        }
        for (device, reason) in &plan.defer {
            self.deferred.entry(*device).or_insert(*reason);
        }
        if let Some(t) = plan.tick_to {
            self.last_tick = Some(t.0);
        }
        if let Some(u) = &plan.clear_failures {
            self.failures.remove(u);
        }
    }

    /// Records a refused request: counted for `/metrics`, and a refused login's failure
    /// count kept (in memory only: a restart forgives).
    pub fn record_failure(&mut self, refusal: &Refusal) {
        self.counts.refused(refusal.error);
        if let Some((user, f)) = &refusal.failure {
            self.failures.insert(user.clone(), *f);
        }
    }

    /// The EM-enabled phone a request names, after the IP check.
    fn phone<'m>(
        &self,
        model: &'m Model,
        origin: &Origin,
    ) -> Result<(DeviceName, PhoneRef<'m>), EmError> {
        let device = origin.device;
        let phone = model
            .phone_by_mac(device.mac())
            .ok_or(EmError::UnknownDevice)?;
        if phone.logout_profile().is_none() {
            return Err(EmError::LogonDisabled);
        }
        let em = &model.telephony.em;
        if let Some(source) = origin.source
            && em.validate_ip
            && origin.registered != Some(source)
            && !matches!(source, IpAddr::V4(a) if em.trusted_ips.contains(&a))
        {
            return Err(EmError::UntrustedIp);
        }
        Ok((device, phone))
    }

    /// Checks a user's password: a changed one from the store, else the configured one.
    pub fn verify(&self, profile: &Profile, secret: &str) -> bool {
        self.check(profile, secret) != Checked::Wrong
    }

    fn check(&self, profile: &Profile, secret: &str) -> Checked {
        let Some(c) = &profile.user else {
            return Checked::Wrong;
        };
        match self.credentials.get(&c.user) {
            Some(h) => super::passwords::check(h, &c.user, secret),
            None if c.secret.matches(secret) => Checked::Right,
            None => Checked::Wrong,
        }
    }

    /// The stored form of `user`'s new password `secret`, changed at `now`.
    fn stored(&self, user: &UserName, secret: &str, now: u64) -> String {
        super::passwords::hash(secret, &super::passwords::salt(&self.salt_key, user, now))
    }

    /// Plans a login. `check_password` is false for `emadmin login` and the EM API.
    pub fn login(
        &self,
        model: &Model,
        origin: &Origin,
        who: &UserName,
        secret: &str,
        check_password: bool,
        now: u64,
    ) -> Decision {
        let (device, _) = self.phone(model, origin)?;
        let who = who.0.trim();
        if who.is_empty() || (check_password && secret.is_empty()) {
            return Err(EmError::Blank.into());
        }
        let Some((_, profile)) = find_profile(model, who) else {
            // A phone user is not told whether the name exists; an administrator is.
            return Err(if check_password {
                EmError::Authentication
            } else {
                EmError::ProfileAbsent
            }
            .into());
        };
        let user = profile
            .user
            .as_ref()
            .map(|c| c.user.clone())
            .ok_or(EmError::ProfileAbsent)?;
        let mut plan = Batch::default();
        if check_password {
            let mut f = self.failures.get(&user).copied().unwrap_or_default();
            if f.locked_until > now {
                tracing::warn!(%user, %device, "EM login refused: user locked out");
                return Err(EmError::Authentication.into());
            }
            let checked = self.check(profile, secret);
            if checked == Checked::RightRehash {
                // An earlier cmed's digest: stored again as Argon2id with this login.
                plan.changes.push(Change::PutCredential {
                    user: user.clone(),
                    secret: self.stored(&user, secret, now),
                });
            }
            if checked == Checked::Wrong {
                f.count += 1;
                if let Some((attempts, minutes)) = model.telephony.em.lockout
                    && f.count >= attempts
                {
                    f.locked_until = now + u64::from(minutes) * 60;
                    f.count = 0;
                    tracing::warn!(
                        ios = "EM-4-LOCKOUT",
                        "User {user} locked out for {minutes} minutes after {attempts} failed logins (last on {device})"
                    );
                }
                return Err(Refusal {
                    error: EmError::Authentication,
                    failure: Some((user, f)),
                });
            }
            if self.failures.contains_key(&user) {
                plan.clear_failures = Some(user.clone());
            }
        }
        if self.sessions.get(&device).is_some_and(|s| s.user == user) {
            return Ok(plan); // already logged in here: nothing to do
        }
        let elsewhere: Vec<DeviceName> = self
            .sessions
            .iter()
            .filter(|(d, s)| s.user == user && **d != device)
            .map(|(d, _)| *d)
            .collect();
        match model.telephony.em.multiple_login {
            MultipleLogin::NotAllowed if !elsewhere.is_empty() => {
                return Err(EmError::Elsewhere.into());
            }
            MultipleLogin::AutoLogout => {
                for d in elsewhere {
                    self.end(&mut plan, &d, Reason::LoginElsewhere, now);
                }
            }
            _ => {}
        }
        if self.sessions.contains_key(&device) {
            self.end(&mut plan, &device, Reason::Replaced, now);
            plan.restart.retain(|d| *d != device);
        }
        plan.changes.push(Change::PutSession {
            device,
            session: EmLogin {
                user: user.clone(),
                since: now,
                last_activity: now,
            },
        });
        plan.changes.push(Change::PutLastUser { device, user });
        plan.restart.push(device);
        Ok(plan)
    }

    fn end(&self, plan: &mut Batch, device: &DeviceName, reason: Reason, now: u64) {
        let Some(s) = self.sessions.get(device) else {
            return;
        };
        plan.changes.push(Change::EndSession { device: *device });
        plan.ended.push(Ended {
            device: *device,
            user: s.user.clone(),
            since: s.since,
            at: now,
            reason,
        });
        plan.restart.push(*device);
    }

    /// Plans a logout of the phone `origin` names.
    pub fn logout(&self, model: &Model, origin: &Origin, reason: Reason, now: u64) -> Decision {
        let (device, _) = self.phone(model, origin)?;
        if !self.sessions.contains_key(&device) {
            return Err(EmError::NoUser.into());
        }
        let mut plan = Batch::default();
        self.end(&mut plan, &device, reason, now);
        Ok(plan)
    }

    /// Plans the logout of `user` from every phone (`emadmin logout USER`).
    pub fn logout_user(&self, user: &UserName, reason: Reason, now: u64) -> Batch {
        let mut plan = Batch::default();
        let devices: Vec<DeviceName> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.user == *user)
            .map(|(d, _)| *d)
            .collect();
        for d in devices {
            self.end(&mut plan, &d, reason, now);
        }
        plan
    }

    /// Plans a password change by a logged-in user.
    pub fn change_password(
        &self,
        model: &Model,
        origin: &Origin,
        old: &str,
        new: &str,
        now: u64,
    ) -> Decision {
        let (device, _) = self.phone(model, origin)?;
        let s = self.sessions.get(&device).ok_or(EmError::NoUser)?;
        let (_, profile) =
            crate::engine::profile::user_profile(model, &s.user).ok_or(EmError::ProfileAbsent)?;
        if old.is_empty() || new.is_empty() {
            return Err(EmError::Blank.into());
        }
        if !self.verify(profile, old) {
            return Err(EmError::Authentication.into());
        }
        Ok(Batch {
            changes: vec![Change::PutCredential {
                user: s.user.clone(),
                secret: self.stored(&s.user, new, now),
            }],
            ..Batch::default()
        })
    }

    /// The phone went off hook: the idle timer restarts. Only in memory: a restart of the
    /// daemon counts idle time from the last stored activity (the login), erring towards
    /// logging out later, not earlier, than a committed write per off-hook would.
    pub fn off_hook(&mut self, device: &DeviceName, now: u64) {
        if let Some(s) = self.sessions.get_mut(device) {
            s.last_activity = now;
        }
    }

    /// The phone went on hook: a logout that waited for the call to end is planned now.
    pub fn on_hook(&self, device: &DeviceName, now: u64) -> Option<Batch> {
        let reason = *self.deferred.get(device)?;
        let mut plan = Batch::default();
        self.end(&mut plan, device, reason, now);
        Some(plan)
    }

    /// Whether automatic logouts need checking: someone is logged in.
    pub fn wants_ticks(&self) -> bool {
        !self.sessions.is_empty()
    }

    /// Plans the automatic logouts due at `now` (time of day in the configured zone, idle, maximum login
    /// time). A phone that is off hook keeps its user until it goes on hook (CME reference
    /// §1.5): its logout is deferred. A deferred logout whose phone is on hook again (its
    /// on-hook commit failed) is planned here. Applying the batch advances the check time,
    /// so a batch that fails to commit is planned again at the next check.
    pub fn tick(&self, model: &Model, now: u64, off_hook: &dyn Fn(&DeviceName) -> bool) -> Batch {
        let em = &model.telephony.em;
        let last = self.last_tick.unwrap_or(now);
        // A time of day passed on the configured zone's wall clock since the last check and
        // while the session was logged in: a user who logs in after an evening's logout
        // time, with nobody logged in since, is not logged out by it at the first check.
        let crossed = |since: u64| {
            em.logout_times.iter().any(|t| {
                model
                    .clock
                    .crosses(last.max(since), now, u64::from(*t) * 60)
            })
        };
        let mut plan = Batch {
            tick_to: Some(crate::time::Unix(now)),
            ..Batch::default()
        };
        for (device, s) in &self.sessions {
            let due = if let Some(r) = self.deferred.get(device) {
                Some(*r)
            } else if crossed(s.since) {
                Some(Reason::TimeOfDay)
            } else if em
                .max_login_minutes
                .is_some_and(|m| now >= s.since + u64::from(m) * 60)
            {
                Some(Reason::MaxLoginTime)
            } else {
                let idle = crate::engine::profile::user_profile(model, &s.user)
                    .and_then(|(_, p)| p.max_idle_minutes);
                idle.filter(|m| now >= s.last_activity + u64::from(*m) * 60)
                    .map(|_| Reason::Idle)
            };
            let Some(reason) = due else { continue };
            if off_hook(device) {
                if !self.deferred.contains_key(device) {
                    plan.defer.push((*device, reason));
                }
            } else {
                self.end(&mut plan, device, reason, now);
            }
        }
        plan
    }
}

/// Whether the time of day `at` (seconds after UTC midnight) falls in (last, now].
#[cfg(test)]
mod tests {
    use super::*;

    /// A store written by an earlier cmed holds glin's changed password as an FNV digest:
    /// her next login with it succeeds and stores it again as Argon2id.
    #[test]
    fn an_earlier_digest_is_rehashed_with_argon2id_at_the_next_login() {
        let g = crate::grammar::graph::Grammar::embedded();
        let text = include_str!("../../sample-configs/small-office.cfg");
        let model = crate::config::load::load(&g, text).model;
        let user = UserName("glin".into());
        let mut persisted = Persisted::default();
        let legacy = super::super::passwords::legacy_for_tests(&user, "S3cret");
        persisted.credentials.insert(user.clone(), legacy);
        let (mut em, _) = Em::recover(&model, persisted);
        em.salt_key = [9; 32];
        let origin = Origin {
            device: DeviceName::parse("SEP5475D0A32204").unwrap(),
            source: None,
            registered: None,
        };
        assert!(
            em.login(&model, &origin, &user, "wrong", true, 100)
                .is_err()
        );
        let plan = em
            .login(&model, &origin, &user, "S3cret", true, 100)
            .unwrap();
        let stored = plan.changes.iter().find_map(|c| match c {
            Change::PutCredential { user: u, secret } if *u == user => Some(secret.clone()),
            _ => None,
        });
        let stored = stored.expect("the password is stored again");
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        em.apply(&plan);
        assert!(
            em.login(&model, &origin, &user, "S3cret", true, 101)
                .is_ok()
        );
    }
}
