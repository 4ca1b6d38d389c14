//! The `show` and `debug` commands about live state: the [`Live`] side of the CLI. Phones and
//! logins are rendered from the engine's read-only [`View`]; the provisioning servers' counters
//! and file listing come through [`ProvisionInfo`], which the daemon's adapters implement.

use std::fmt::Write as _;

pub mod calls;
pub mod dial_peers;
pub mod em;
pub mod mwi;
pub mod phones;
pub mod sip;
pub mod system;

use crate::cli::exec::Live;
use crate::config::tree::Line;
use crate::debug::Flags;
use crate::engine::View;
use crate::files;
use crate::grammar::graph::Grammar;
use crate::grammar::handler::Handler;
use crate::ids::{DnTag, ProfileTag, UserName};

/// What the provisioning servers (run by the daemon) tell `show`.
pub trait ProvisionInfo: Send {
    /// `show tftp statistics`: the counters, rendered.
    fn stats(&self) -> String;
    /// The static files under the TFTP root (at most `max`; true if there were more).
    fn statics(&self, max: usize) -> (Vec<String>, bool);
    /// What the daemon says about itself (`show version`, `show cmed status`).
    fn about(&self) -> Option<About> {
        None
    }
    /// `show logging`: the IOS message log's settings and buffer, rendered.
    fn logging(&self) -> Option<String> {
        None
    }
    /// `clear line vty N`: ends that CLI session; IOS's answer.
    fn clear_line(&self, _vty: u32) -> Option<String> {
        None
    }
    /// `crypto key generate`: a new SSH host key; IOS's answer.
    fn generate_key(&self, _kind: &str, _bits: u32) -> Option<String> {
        None
    }
}

/// One CLI session, as `show users` lists it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SessionRow {
    /// `console`, `vty0` …
    pub line: String,
    /// Who logged in (empty on the console; `cmed-cli` on the control socket).
    pub user: String,
    /// Seconds since its last input.
    pub idle: u64,
    /// Where it comes from (an address, or `control socket`).
    pub location: String,
}

/// The SSH server as it runs, for `show ip ssh`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SshAbout {
    /// The port it listens on.
    pub port: u16,
    /// The host key in OpenSSH's one-line form (`ssh-ed25519 AAAA…`).
    pub public: String,
    /// Its SHA-256 fingerprint (`SHA256:…`).
    pub fingerprint: String,
    /// The key exchange, encryption and MAC algorithms offered, comma-separated, in order.
    pub kex: String,
    /// See `kex`.
    pub ciphers: String,
    /// See `kex`.
    pub macs: String,
}

/// What the daemon says about itself, read when a `show` asks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct About {
    /// The startup-config file.
    pub startup_config: String,
    /// The data directory.
    pub data_dir: String,
    /// How the previous run ended (`clean stop at …`, or that it did not stop cleanly).
    pub last_stop: String,
    /// When this run started (unix seconds).
    pub started: u64,
    /// What listens where, in the order opened.
    pub listeners: Vec<(String, String)>,
    /// The store file's size, if it can be read.
    pub store_bytes: Option<u64>,
    /// Open connections by kind (SCCP, SIP TCP, HTTP …).
    pub connections: Vec<(String, u64)>,
    /// Open CLI sessions.
    pub sessions: Vec<SessionRow>,
    /// The SSH server, when it runs.
    pub ssh: Option<SshAbout>,
}

/// Most static files `show telephony-service tftp-bindings` lists.
const MAX_LISTED: usize = 1000;

/// The live state one CLI line can show or switch.
pub struct Shows<'a> {
    /// The engine, read-only.
    pub view: View<'a>,
    /// Provisioning, when the daemon runs it.
    pub provision: Option<&'a dyn ProvisionInfo>,
    /// Debug switches.
    pub debug: &'a Flags,
}

fn tag_u32(g: &Grammar, line: &Line) -> Option<u32> {
    line.get(g, "tag").and_then(|t| t.parse().ok())
}

fn tag(g: &Grammar, line: &Line) -> Option<ProfileTag> {
    line.get(g, "tag")
        .and_then(|t| t.parse().ok())
        .map(ProfileTag)
}

impl Shows<'_> {
    fn about(&self) -> Option<About> {
        self.provision.and_then(|p| p.about())
    }

    fn tftp_bindings(&self, p: &dyn ProvisionInfo) -> String {
        let mut out = String::new();
        for b in files::bindings(self.view.model) {
            let _ = writeln!(out, "tftp-server {} alias {}", b.location, b.name);
        }
        let (names, more) = p.statics(MAX_LISTED);
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

impl Live for Shows<'_> {
    fn show(&self, g: &Grammar, handler: Handler, line: &Line) -> Option<String> {
        let (m, p, em, now) = (
            &**self.view.model,
            self.view.devices,
            self.view.em,
            self.view.now,
        );
        Some(match handler {
            Handler::ShowDebugging => self.debug.show(),
            Handler::ShowClock => system::clock(&self.view, line.has("detail")),
            Handler::ShowVersion => system::version(&self.view, self.about().as_ref()),
            Handler::ShowCmedStatus => system::status(&self.view, self.about().as_ref()),
            Handler::ShowLogging => self.provision?.logging()?,
            Handler::ShowUsers => system::users(self.about().as_ref()?),
            Handler::ShowIpSsh => system::ip_ssh(m, self.about().as_ref()?),
            Handler::ShowRegisterPool => sip::pools(&self.view, tag_u32(g, line)),
            Handler::ShowRegisterStatistics => sip::statistics(&self.view),
            Handler::ShowCallActiveBrief => calls::brief(&self.view),
            Handler::ShowSipUaRegistrar => sip::registrar(m, p, now),
            Handler::ShowDialPeerSummary => dial_peers::summary(&self.view),
            Handler::ShowDialPeerVoice => dial_peers::one(m, tag_u32(g, line)?),
            Handler::ShowCallActiveCompact => calls::compact(&self.view),
            Handler::ShowSipUaCalls => calls::sip_ua(&self.view),
            Handler::ShowMwi => mwi::list(self.view.mwi, &self.view.model.clock),
            Handler::ShowRegisterDn => sip::dns(m, self.view.mwi, tag_u32(g, line)),
            Handler::ShowRegisterAll => sip::all(&self.view),
            Handler::ShowTftpBindings => self.tftp_bindings(self.provision?),
            Handler::ShowTftpStatistics => {
                let mut s = self.provision?.stats();
                let on = Flags::on(&self.debug.tftp_events);
                let _ = writeln!(
                    s,
                    "TFTP event debugging is {}",
                    if on { "on" } else { "off" }
                );
                s
            }
            Handler::ShowEphone => {
                phones::ephones(m, p, self.view.calls, self.view.mwi, line.has("registered"))
            }
            Handler::ShowEphoneSummary => phones::summary(m, p, line.has("registered")),
            Handler::ShowEphoneAttempted => phones::attempts(p, &self.view.model.clock),
            Handler::ShowEm => em::sessions(m, em, now),
            Handler::ShowEmUser => em::user(m, em, &UserName(line.get(g, "user")?.into()), now),
            Handler::ShowUserProfile => em::profiles(m, em, true, tag(g, line)),
            Handler::ShowLogoutProfile => em::profiles(m, em, false, tag(g, line)),
            Handler::ShowEphoneDn => match line.get(g, "tag").and_then(|t| t.parse().ok()) {
                Some(tag) => phones::dn(m, p, DnTag(tag)),
                None => m.dns.keys().map(|t| phones::dn(m, p, *t)).collect(),
            },
            Handler::ShowEphoneDnSummary => phones::dn_summary(m, p),
            _ => return None,
        })
    }

    fn clear_line(&self, vty: u32) -> Option<String> {
        self.provision?.clear_line(vty)
    }

    fn generate_key(&self, kind: &str, bits: u32) -> Option<String> {
        let host = &self.view.model.hostname;
        self.provision?
            .generate_key(kind, bits)
            .map(|t| format!("The name for the keys will be: {host}.cmed\n{t}"))
    }

    fn debug(&self, handler: Handler, on: bool) -> Option<String> {
        if handler == Handler::UndebugAll {
            self.debug.all_off();
            return Some("All possible debugging has been turned off\n".into());
        }
        self.debug.set(handler.id(), on)
    }
}
