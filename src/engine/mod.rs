//! The single owner of mutable domain state: the running configuration (and, in later
//! issues, devices, EM sessions and calls).
//!
//! Handlers are synchronous functions of the state and their input; they return the reply and
//! the effects to perform. The actor in `daemon::actor` runs them one at a time, performs the
//! effects (persist first, then announce) and publishes a read-only [`Snapshot`].

pub mod profile;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use crate::cli::exec::{self, Live, Reply, Running, Session};
use crate::cli::graph::Grammar;
use crate::cli::handler::Handler;
use crate::config::model::Model;
use crate::config::tree::Line;
use crate::files::{self, stats::ProvisionStats};
use crate::ids::{DeviceName, UserName};

/// What readers that must not queue behind the engine see: the last published state.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The configuration model.
    pub model: Arc<Model>,
    /// Extension Mobility logins: phone -> user.
    pub logins: Arc<BTreeMap<DeviceName, UserName>>,
}

/// What the engine can tell about the provisioning servers, which the daemon runs.
pub struct ProvisionView {
    /// Their counters and debug switch.
    pub stats: Arc<ProvisionStats>,
    /// Lists the static files under the TFTP root (at most N; true if there were more).
    pub statics: Box<dyn Fn(usize) -> (Vec<String>, bool) + Send>,
}

/// The engine state.
pub struct Engine {
    grammar: Arc<Grammar>,
    running: Running,
    logins: Arc<BTreeMap<DeviceName, UserName>>,
    provision: Option<ProvisionView>,
}

/// Most static files `show telephony-service tftp-bindings` lists.
const MAX_LISTED: usize = 1000;

struct EngineLive<'a> {
    model: Arc<Model>,
    provision: Option<&'a ProvisionView>,
}

impl Live for EngineLive<'_> {
    fn show(&self, _: &Grammar, handler: Handler, _: &Line) -> Option<String> {
        let p = self.provision?;
        match handler {
            Handler::ShowTftpBindings => {
                let mut out = String::new();
                for b in files::bindings(&self.model) {
                    let _ = writeln!(out, "tftp-server {} alias {}", b.location, b.name);
                }
                let (names, more) = (p.statics)(MAX_LISTED);
                for n in names {
                    let _ = writeln!(out, "tftp-server root:/{n} alias {n}");
                }
                if more {
                    let _ = writeln!(
                        out,
                        "(only the first {MAX_LISTED} files of the TFTP root are listed)"
                    );
                }
                Some(out)
            }
            Handler::ShowTftpStatistics => Some(p.stats.render()),
            _ => None,
        }
    }

    fn debug(&self, handler: Handler, on: bool) -> Option<String> {
        let p = self.provision?;
        match handler {
            Handler::DebugTftpEvents => {
                p.stats.debug_events.store(on, Relaxed);
                Some(format!(
                    "TFTP Event debugging is {}\n",
                    if on { "on" } else { "off" }
                ))
            }
            Handler::UndebugAll => {
                p.stats.debug_events.store(false, Relaxed);
                Some("All possible debugging has been turned off\n".into())
            }
            _ => None,
        }
    }
}

impl Engine {
    /// An engine over a loaded configuration.
    pub fn new(grammar: Arc<Grammar>, running: Running) -> Engine {
        Engine {
            grammar,
            running,
            logins: Arc::new(BTreeMap::new()),
            provision: None,
        }
    }

    /// Lets `show` and `debug` reach the provisioning servers.
    pub fn attach_provision(&mut self, view: ProvisionView) {
        self.provision = Some(view);
    }

    /// Runs one CLI line for `session`.
    pub fn cli(&mut self, session: &mut Session, line: &str) -> Reply {
        let live = EngineLive {
            model: self.running.model.clone(),
            provision: self.provision.as_ref(),
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
}
