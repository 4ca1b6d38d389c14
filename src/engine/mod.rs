//! The single owner of mutable domain state: the running configuration, the SCCP phones and
//! (next) the EM sessions and calls.
//!
//! Handlers are synchronous functions of the state and their input; they return the reply and
//! the effects to perform. The actor in `daemon::actor` runs them one at a time, performs the
//! effects (persist first, then announce) and publishes a read-only [`Snapshot`].

mod live;
pub mod phone_shows;
pub mod phones;
pub mod profile;
pub mod station;

pub use live::ProvisionView;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::cli::exec::{self, Reply, Running, Scope, Session};
use crate::cli::graph::Grammar;
use crate::config::model::Model;
use crate::debug::Flags;
use crate::ids::{ConnId, DeviceName, EphoneTag, ProfileTag, UserName};
use crate::proto::sccp::msg::{Register, ResetType};
use crate::proto::sccp::session::Event;
use live::EngineLive;
use phones::{PhoneCmd, Phones};
use profile::{PhoneRef, Source};

/// What readers that must not queue behind the engine see: the last published state.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The configuration model.
    pub model: Arc<Model>,
    /// Extension Mobility logins: phone -> user.
    pub logins: Arc<BTreeMap<DeviceName, UserName>>,
}

/// The engine state.
pub struct Engine {
    grammar: Arc<Grammar>,
    running: Running,
    logins: Arc<BTreeMap<DeviceName, UserName>>,
    provision: Option<ProvisionView>,
    phones: Phones,
    debug: Arc<Flags>,
}

impl Engine {
    /// An engine over a loaded configuration.
    pub fn new(grammar: Arc<Grammar>, running: Running) -> Engine {
        Engine {
            grammar,
            running,
            logins: Arc::new(BTreeMap::new()),
            provision: None,
            phones: Phones::default(),
            debug: Arc::new(Flags::default()),
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

    /// Runs one CLI line for `session`.
    pub fn cli(&mut self, session: &mut Session, line: &str) -> Reply {
        let live = EngineLive {
            model: self.running.model.clone(),
            phones: &self.phones,
            provision: self.provision.as_ref(),
            debug: &self.debug,
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
            logins: self.logins.clone(),
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
            .register(&model, &self.logins, conn, peer, reg, now)
    }

    /// Any other event of an SCCP connection.
    pub fn sccp_event(&mut self, conn: ConnId, event: &Event) {
        self.phones.event(conn, event);
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
                    let who = device.as_ref().and_then(|d| self.logins.get(d));
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
