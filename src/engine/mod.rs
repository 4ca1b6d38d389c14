//! The single owner of mutable domain state: the running configuration, the SCCP phones and
//! (next) the EM sessions and calls.
//!
//! Handlers are synchronous functions of the state and their input; they return the reply and
//! the effects to perform. The actor in `daemon::actor` runs them one at a time, performs the
//! effects (persist first, then announce) and publishes a read-only [`Snapshot`].

pub mod em;
mod em_shows;
mod live;
pub mod phone_shows;
pub mod phones;
pub mod profile;
pub mod shared_map;
pub mod station;

pub use live::ProvisionView;

use std::net::SocketAddr;
use std::sync::Arc;

use crate::cli::exec::{self, Reply, Scope, Session};
use crate::config::Running;
use crate::config::model::Model;
use crate::debug::Flags;
use crate::grammar::graph::Grammar;
use crate::ids::{ConnId, DeviceName, EphoneTag, ProfileTag, UserName};
use crate::proto::sccp::msg::{Register, ResetType};
use crate::proto::sccp::session::Event;
use crate::store::{Change, Persisted};
use em::{Em, EmError, Origin, Plan, Reason};
use live::EngineLive;
use phones::{PhoneCmd, Phones};
use profile::{PhoneRef, Source};

/// Phones and the users logged in on them (or who last were).
pub type Logins = shared_map::SharedMap<DeviceName, UserName>;

/// What readers that must not queue behind the engine see: the last published state.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The configuration model.
    pub model: Arc<Model>,
    /// Extension Mobility logins: phone -> user.
    pub logins: Logins,
    /// The last user of each phone (`em remember-last-user`).
    pub last_users: Logins,
}

/// The engine state.
pub struct Engine {
    grammar: Arc<Grammar>,
    running: Running,
    provision: Option<ProvisionView>,
    phones: Phones,
    em: Em,
    debug: Arc<Flags>,
    /// The latest unix time the actor told us (for `show` ages).
    clock: u64,
}

impl Engine {
    /// An engine over a loaded configuration.
    pub fn new(grammar: Arc<Grammar>, running: Running) -> Engine {
        Engine {
            grammar,
            running,
            provision: None,
            phones: Phones::default(),
            em: Em::default(),
            debug: Arc::new(Flags::default()),
            clock: 0,
        }
    }

    /// The debug switches, shared with the adapters that log.
    pub fn debug_flags(&self) -> Arc<Flags> {
        self.debug.clone()
    }

    /// Lets `show` and `debug` reach the provisioning servers.
    pub fn attach_provision(&mut self, view: ProvisionView) {
        self.provision = Some(view);
    }

    /// The phone of `ephone N`, by its MAC.
    pub fn device_of_ephone(&self, tag: u32) -> Option<DeviceName> {
        let e = self.running.model.ephones.get(&EphoneTag(tag))?;
        e.mac.map(DeviceName::from_mac)
    }

    /// Tells the engine the time, for `show` output that prints ages.
    pub fn set_clock(&mut self, now: u64) {
        self.clock = now;
    }

    /// Runs one CLI line for `session`.
    pub fn cli(&mut self, session: &mut Session, line: &str) -> Reply {
        let live = EngineLive {
            model: self.running.model.clone(),
            phones: &self.phones,
            provision: self.provision.as_ref(),
            debug: &self.debug,
            em: &self.em,
            now: self.clock,
        };
        exec::execute(&self.grammar, &mut self.running, &live, session, line)
    }

    /// The prompt `session` shows now.
    pub fn prompt(&self, session: &Session) -> String {
        session.prompt(&self.grammar, &self.running.model.hostname)
    }

    /// Records that the startup-config file now holds `text`.
    pub fn startup_saved(&mut self, text: String) {
        self.running.startup = Some(text);
    }

    /// The snapshot readers get.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            model: self.running.model.clone(),
            logins: self.em.logins.clone(),
            last_users: self.em.last_users.clone(),
        }
    }

    /// An SCCP `Register` on `conn`; `now` is unix seconds.
    pub fn sccp_register(
        &mut self,
        conn: ConnId,
        peer: SocketAddr,
        reg: Register,
        now: u64,
    ) -> Vec<PhoneCmd> {
        let model = self.running.model.clone();
        self.phones
            .register(&model, &self.em.logins, conn, peer, reg, now)
    }

    /// Any other event of an SCCP connection; going on hook may release an EM logout that
    /// waited for the call to end.
    pub fn sccp_event(&mut self, conn: ConnId, event: &Event, now: u64) -> Option<Plan> {
        self.phones.event(conn, event);
        let device = self.phones.device_of(conn)?;
        match event {
            Event::OffHook => {
                self.em.off_hook(&device, now);
                None
            }
            Event::OnHook => self.em.on_hook(&device, now),
            _ => None,
        }
    }

    /// Takes over the EM state recovered from the store; returns the changes that drop
    /// sessions whose phone or profile is gone (to commit before anything listens).
    pub fn recover(&mut self, persisted: Persisted) -> Vec<Change> {
        let (em, drop) = Em::recover(&self.running.model, persisted);
        self.em = em;
        drop
    }

    /// The EM state, for shows and tests.
    pub fn em(&self) -> &Em {
        &self.em
    }

    fn origin<'a>(
        &self,
        device: &'a str,
        source: std::net::IpAddr,
        from_phone: bool,
    ) -> Origin<'a> {
        let registered = DeviceName::parse(device.trim())
            .and_then(|d| self.phones.address_of(&self.running.model, &d));
        Origin {
            device,
            source,
            registered,
            from_phone,
        }
    }

    /// Plans a login; `from_phone` is false for administrators (no IP check, no password).
    pub fn em_login(
        &mut self,
        device: &str,
        user: &str,
        secret: &str,
        source: std::net::IpAddr,
        from_phone: bool,
        now: u64,
    ) -> Result<Plan, EmError> {
        let origin = self.origin(device, source, from_phone);
        let model = self.running.model.clone();
        self.em
            .login(&model, &origin, user, secret, from_phone, now)
    }

    /// Plans a logout of a phone.
    pub fn em_logout(
        &self,
        device: &str,
        source: std::net::IpAddr,
        from_phone: bool,
        now: u64,
    ) -> Result<Plan, EmError> {
        let origin = self.origin(device, source, from_phone);
        let reason = if from_phone {
            Reason::Manual
        } else {
            Reason::Admin
        };
        self.em.logout(&self.running.model, &origin, reason, now)
    }

    /// Plans the logout of a user everywhere (`emadmin logout`).
    pub fn em_logout_user(&self, user: &UserName, now: u64) -> Plan {
        self.em.logout_user(user, Reason::Admin, now)
    }

    /// Plans a password change from the phone of a logged-in user.
    pub fn em_change_password(
        &self,
        device: &str,
        source: std::net::IpAddr,
        old: &str,
        new: &str,
    ) -> Result<Plan, EmError> {
        let origin = self.origin(device, source, true);
        self.em
            .change_password(&self.running.model, &origin, old, new)
    }

    /// Whether `user`/`secret` is an `authentication credential` or a profile user with that
    /// password (changed or configured).
    pub fn em_authenticate(&self, user: &str, secret: &str) -> bool {
        let m = &self.running.model;
        if m.telephony
            .credentials
            .get(user)
            .is_some_and(|s| s.text == secret)
        {
            return true;
        }
        let u = UserName(user.into());
        let profile = profile::user_profile(m, &u).map(|(_, p)| p).or_else(|| {
            m.logout_profiles
                .values()
                .find(|p| p.user.as_ref().is_some_and(|c| c.user == u))
        });
        profile.is_some_and(|p| !secret.is_empty() && self.em.verify(p, secret))
    }

    /// Applies a committed plan; returns the restarts to send.
    pub fn em_apply(&mut self, plan: &Plan) -> Vec<PhoneCmd> {
        self.em.apply(plan);
        for e in &plan.ended {
            tracing::info!(device = %e.device, user = %e.user, reason = e.reason.text(), "EM logout");
        }
        self.phones
            .restart_devices(&self.running.model, &plan.restart)
    }

    /// Registered EM phones whose current profile no longer matches what they were given at
    /// registration (a profile edited while in use): restart them so they pick it up.
    pub fn stale_em_phones(&self) -> Vec<PhoneCmd> {
        let m = &self.running.model;
        let stale: Vec<EphoneTag> = self
            .phones
            .status
            .iter()
            .filter(|(_, s)| s.state == phones::RegState::Registered)
            .filter_map(|(t, s)| {
                let e = m.ephones.get(t)?;
                e.logout_profile?;
                let device = e.mac.map(DeviceName::from_mac)?;
                let phone = PhoneRef::Ephone(*t, e);
                let eff = profile::effective(m, phone, self.em.logins.get(&device));
                (station::station(m, phone, &eff) != *s.station).then_some(*t)
            })
            .collect();
        self.phones.reset(&stale, ResetType::Restart)
    }

    /// Where to push `Init:CallHistory` after the logouts of `plan` (CME clears the history
    /// unless `em keep-history`): the registered phones' addresses and the credential the
    /// phone will check, the first `authentication credential`.
    pub fn history_pushes(&self, plan: &Plan) -> Vec<(std::net::IpAddr, String, String)> {
        let m = &self.running.model;
        if m.telephony.em.keep_history {
            return Vec::new();
        }
        let Some((app, secret)) = m.telephony.credentials.iter().next() else {
            return Vec::new();
        };
        plan.ended
            .iter()
            .filter_map(|e| self.phones.address_of(m, &e.device))
            .map(|ip| (ip, app.clone(), secret.text.clone()))
            .collect()
    }

    /// Automatic logouts due now.
    pub fn em_tick(&mut self, now: u64) -> Plan {
        let model = self.running.model.clone();
        let phones = &self.phones;
        let off_hook = |d: &DeviceName| {
            model
                .ephone_by_mac(d.mac())
                .is_some_and(|(t, _)| phones.off_hook(t))
        };
        self.em.tick(&model, now, &off_hook)
    }

    /// A keepalive on `conn` (counted for `show ephone`).
    pub fn sccp_keepalive(&mut self, conn: ConnId) {
        self.phones.keepalive(conn);
    }

    /// An SCCP connection ended.
    pub fn sccp_closed(&mut self, conn: ConnId) {
        self.phones.closed(conn);
    }

    /// The registered SCCP phones a restart or reset of `scope` reaches, in order, with
    /// the command for each. SIP scopes reach none yet.
    pub fn phones_in(&self, scope: &Scope, kind: ResetType) -> Vec<PhoneCmd> {
        let m = &self.running.model;
        let tags: Vec<EphoneTag> = match scope {
            Scope::AllSccp(_) => self.phones.registered(),
            Scope::Ephone(t) => vec![EphoneTag(*t)],
            Scope::Profile { user, tag } => self
                .phones
                .registered()
                .into_iter()
                .filter(|t| {
                    let Some(e) = m.ephones.get(t) else {
                        return false;
                    };
                    let device = e.mac.map(DeviceName::from_mac);
                    let who = device.as_ref().and_then(|d| self.em.logins.get(d));
                    let eff = profile::effective(m, PhoneRef::Ephone(*t, e), who);
                    match eff.source {
                        Source::User(p) => *user && p == ProfileTag(*tag),
                        Source::Logout(p) => !*user && p == ProfileTag(*tag),
                        Source::Own => false,
                    }
                })
                .collect(),
            Scope::AllSip | Scope::Pool(_) => Vec::new(),
        };
        self.phones.reset(&tags, kind)
    }
}
