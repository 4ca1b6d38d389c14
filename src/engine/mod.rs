//! The single owner of mutable domain state: the running configuration (and, in later
//! issues, devices, EM sessions and calls).
//!
//! Handlers are synchronous functions of the state and their input; they return the reply and
//! the effects to perform. The actor in `daemon::actor` runs them one at a time, performs the
//! effects (persist first, then announce) and publishes a read-only [`Snapshot`].

pub mod profile;

use std::sync::Arc;

use crate::cli::exec::{self, Reply, Running, Session};
use crate::cli::graph::Grammar;
use crate::config::model::Model;

/// What readers that must not queue behind the engine see: the last published model.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The configuration model.
    pub model: Arc<Model>,
}

/// The engine state.
pub struct Engine {
    grammar: Arc<Grammar>,
    running: Running,
}

impl Engine {
    /// An engine over a loaded configuration.
    pub fn new(grammar: Arc<Grammar>, running: Running) -> Engine {
        Engine { grammar, running }
    }

    /// Runs one CLI line for `session`.
    pub fn cli(&mut self, session: &mut Session, line: &str) -> Reply {
        exec::execute(&self.grammar, &mut self.running, session, line)
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
        }
    }
}
