//! The engine's answers to `show` and `debug` commands about live state (phones,
//! provisioning counters): the [`Live`] side of the CLI.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

use super::em::Em;
use super::em_shows;
use super::phone_shows;
use super::phones::Phones;
use crate::cli::exec::Live;
use crate::config::model::Model;
use crate::config::tree::Line;
use crate::debug::Flags;
use crate::files::{self, stats::ProvisionStats};
use crate::grammar::graph::Grammar;
use crate::grammar::handler::Handler;
use crate::ids::{DnTag, ProfileTag, UserName};

/// What the engine can tell about the provisioning servers, which the daemon runs.
pub struct ProvisionView {
    /// Their counters.
    pub stats: Arc<ProvisionStats>,
    /// Lists the static files under the TFTP root (at most N; true if there were more).
    pub statics: Box<dyn Fn(usize) -> (Vec<String>, bool) + Send>,
}

/// Most static files `show telephony-service tftp-bindings` lists.
const MAX_LISTED: usize = 1000;

/// A view of the engine for one CLI line.
pub struct EngineLive<'a> {
    /// The model as it is before the line runs.
    pub model: Arc<Model>,
    /// The phones.
    pub phones: &'a Phones,
    /// Provisioning, when the daemon runs it.
    pub provision: Option<&'a ProvisionView>,
    /// Debug switches.
    pub debug: &'a Flags,
    /// Extension Mobility state.
    pub em: &'a Em,
    /// Unix time now.
    pub now: u64,
}

fn tag(g: &Grammar, line: &Line) -> Option<ProfileTag> {
    line.get(g, "tag")
        .and_then(|t| t.parse().ok())
        .map(ProfileTag)
}

impl EngineLive<'_> {
    fn tftp_bindings(&self, p: &ProvisionView) -> String {
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
        out
    }
}

impl Live for EngineLive<'_> {
    fn show(&self, g: &Grammar, handler: Handler, line: &Line) -> Option<String> {
        let (m, p) = (&self.model, self.phones);
        Some(match handler {
            Handler::ShowTftpBindings => self.tftp_bindings(self.provision?),
            Handler::ShowTftpStatistics => {
                let mut s = self.provision?.stats.render();
                let on = Flags::on(&self.debug.tftp_events);
                let _ = writeln!(
                    s,
                    "TFTP event debugging is {}",
                    if on { "on" } else { "off" }
                );
                s
            }
            Handler::ShowEphone => phone_shows::ephones(m, p, line.has("registered")),
            Handler::ShowEphoneSummary => phone_shows::summary(m, p, line.has("registered")),
            Handler::ShowEphoneAttempted => phone_shows::attempts(p),
            Handler::ShowEm => em_shows::sessions(m, self.em, self.now),
            Handler::ShowEmUser => {
                em_shows::user(m, self.em, &UserName(line.get(g, "user")?.into()), self.now)
            }
            Handler::ShowUserProfile => em_shows::profiles(m, self.em, true, tag(g, line)),
            Handler::ShowLogoutProfile => em_shows::profiles(m, self.em, false, tag(g, line)),
            Handler::ShowEphoneDn => {
                let tag = line.get(g, "tag").and_then(|t| t.parse().ok())?;
                phone_shows::dn(m, p, DnTag(tag))
            }
            _ => return None,
        })
    }

    fn debug(&self, handler: Handler, on: bool) -> Option<String> {
        let word = if on { "on" } else { "off" };
        let set = |f: &AtomicBool, what: &str| {
            f.store(on, Relaxed);
            format!("{what} debugging is {word}\n")
        };
        let d = self.debug;
        Some(match handler {
            Handler::DebugTftpEvents => set(&d.tftp_events, "TFTP Event"),
            Handler::DebugEphoneRegister => set(&d.ephone_register, "EPHONE registration"),
            Handler::DebugEphoneDetail => set(&d.ephone_detail, "EPHONE detail"),
            Handler::DebugEphoneEm => set(&d.ephone_em, "EPHONE extension mobility"),
            Handler::UndebugAll => {
                d.all_off();
                "All possible debugging has been turned off\n".into()
            }
            _ => return None,
        })
    }
}
