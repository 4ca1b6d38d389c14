//! Builds the typed [`Model`] from the stored lines and checks every cross-reference.
//!
//! This file is the driver and the shared checks; each family of sections has its own file:
//! `system` (telephony-service, voice register global, dial-peers), `numbers` (ephone-dn,
//! voice register dn), `profiles`, `phones` (ephone, voice register pool).
//!
//! Sections are built in dependency order (system settings, then DNs, then profiles, then
//! phones), so a reference can be checked against what is already built whatever order the
//! file had. A line that fails a check is reported and left out of the model; the caller
//! decides whether to drop it (startup-config) or refuse the change (interactive).

use std::collections::HashMap;
use std::net::Ipv4Addr;

use super::model::*;
use super::tree::{ConfigTree, Line, LineKey, Origin, Section};
use crate::grammar::graph::Grammar;
use crate::grammar::handler::Handler;

mod access;
mod clock;
mod lines;
mod logging;
mod numbers;
mod phones;
mod profiles;
mod system;
use crate::ids::{Extension, Mac};

/// A line that failed a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    /// The section holding the line (empty for global lines).
    pub section: Vec<LineKey>,
    /// The line's key within that section.
    pub key: LineKey,
    /// Where the line was read from, if from a file.
    pub origin: Option<Origin>,
    /// The IOS-style message, starting with `% `.
    pub message: String,
}

/// Builds the model; errors name the lines that were left out.
pub fn build(g: &Grammar, tree: &ConfigTree) -> (Model, Vec<BuildError>) {
    let mut b = Builder {
        g,
        m: Model::default(),
        errors: Vec::new(),
        numbers: HashMap::new(),
        users: HashMap::new(),
        macs: HashMap::new(),
    };
    b.run(&tree.root);
    (b.m, b.errors)
}

struct Builder<'g> {
    g: &'g Grammar,
    m: Model,
    errors: Vec<BuildError>,
    /// Every configured extension, for profile `number` checks.
    numbers: HashMap<String, String>,
    /// Credential names (lower case) and what owns them.
    users: HashMap<String, String>,
    /// MACs and the phone that has them.
    macs: HashMap<Mac, String>,
}

type Check<T> = Result<T, String>;

fn num<T: std::str::FromStr + Default>(v: Option<&str>) -> T {
    v.and_then(|s| s.parse().ok()).unwrap_or_default()
}

fn minutes_of(hhmm: &str) -> u32 {
    let (h, m) = hhmm.split_once(':').unwrap_or((hhmm, "0"));
    h.parse::<u32>().unwrap_or(0) * 60 + m.parse::<u32>().unwrap_or(0)
}

fn ipv4(v: Option<&str>) -> Ipv4Addr {
    v.and_then(|s| s.parse().ok())
        .unwrap_or(Ipv4Addr::UNSPECIFIED)
}

/// The password of a line (`$secret` or `$pin`, typed by `$type`); a type 7 that does not
/// decode is refused as IOS refuses it.
fn secret(line: &Line, g: &Grammar) -> Check<Secret> {
    let text = line.get(g, "secret").or(line.get(g, "pin")).unwrap_or("");
    let (kind, clear) = match line.get(g, "type") {
        Some("6") => (6, None),
        Some("7") => (
            7,
            Some(crate::config::secrets::clear7(text).map_err(|e| e.to_string())?),
        ),
        _ => (0, Some(text.to_string())),
    };
    Ok(Secret {
        kind,
        text: text.to_string(),
        clear,
    })
}

fn check_number(n: &str) -> Check<Extension> {
    let ok = !n.is_empty()
        && n.len() <= 16
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+.*#".contains(&b));
    if ok {
        Ok(Extension(n.to_string()))
    } else {
        Err(format!(
            "% Invalid number {n}: use up to 16 digits (. matches any digit)"
        ))
    }
}

/// Refuses a section tag above its configured limit (`ephone 12` with `max-ephones 10`).
fn within(tag: u32, max: u32, what: &str, limit: &str, under: &str) -> Check<()> {
    if tag > max {
        return Err(format!(
            "% {what} {tag} exceeds {limit} ({max}); raise {limit} under {under} first"
        ));
    }
    Ok(())
}

/// `call-forward {all|busy} N` and `call-forward noan N [timeout S]`, for ephone-dn and
/// voice register dn alike.
fn call_forward(f: &mut CallForward, g: &Grammar, l: &Line) -> Check<()> {
    let target = check_number(l.get(g, "target").unwrap_or(""))?.0;
    match l.get(g, "type") {
        Some("all") => f.all = Some(target),
        Some("busy") => f.busy = Some(target),
        Some("unregistered") => f.unregistered = Some(target),
        _ => f.noan = Some((target, l.get(g, "secs").map(|s| num(Some(s))))),
    }
    Ok(())
}

fn tag_of(line: &Line, g: &Grammar) -> u32 {
    num(line.get(g, "tag"))
}

impl Builder<'_> {
    fn fail(&mut self, section: &[LineKey], key: &LineKey, line: &Line, message: String) {
        self.errors.push(BuildError {
            section: section.to_vec(),
            key: key.clone(),
            origin: line.origin,
            message,
        });
    }

    fn claim_user(&mut self, name: &str, owner: String) -> Check<()> {
        match self.users.get(&name.to_ascii_lowercase()) {
            Some(other) => Err(format!(
                "% User name {name} is already used by {other}; credential names must be unique"
            )),
            None => {
                self.users.insert(name.to_ascii_lowercase(), owner);
                Ok(())
            }
        }
    }

    fn claim_mac(&mut self, mac: Mac, owner: String) -> Check<()> {
        match self.macs.get(&mac) {
            Some(other) => Err(format!("% MAC address {mac} is already used by {other}")),
            None => {
                self.macs.insert(mac, owner);
                Ok(())
            }
        }
    }

    fn run(&mut self, root: &Section) {
        // Dependency order: what others refer to is built first.
        let order = [
            &[
                Handler::Hostname,
                Handler::ClockTimezone,
                Handler::ClockSummerTime,
                Handler::LoggingBuffered,
                Handler::LoggingConsole,
                Handler::LoggingTrap,
                Handler::LoggingHost,
                Handler::IpHttpServer,
                Handler::IpHttpPort,
                Handler::IpHttpMetricsAllow,
                Handler::TftpServer,
                Handler::TelephonyService,
                Handler::VoiceServiceVoip,
                Handler::SipUa,
                Handler::LineConsole,
                Handler::Username,
                Handler::EnableSecret,
                Handler::EnablePassword,
                Handler::LoginBlockFor,
                Handler::AccessList,
                Handler::IpSshPort,
                Handler::IpSshTimeOut,
                Handler::IpSshRetries,
                Handler::IpSshPubkeyChain,
                Handler::LineVty,
            ][..],
            &[Handler::VoiceRegisterGlobal],
            &[Handler::EphoneDn, Handler::VoiceRegisterDn],
            &[Handler::VoiceLogoutProfile, Handler::VoiceUserProfile],
            &[
                Handler::Ephone,
                Handler::VoiceRegisterPool,
                Handler::DialPeerVoice,
            ],
        ];
        for group in order {
            for (key, entry) in &root.entries {
                let h = self.g.cmd(entry.line.cmd).handler;
                if !group.contains(&h) {
                    continue;
                }
                let path = vec![key.clone()];
                let body = entry.body.clone().unwrap_or_default();
                let result = match h {
                    Handler::Hostname => {
                        self.m.hostname = entry.line.get(self.g, "name").unwrap_or("Router").into();
                        Ok(())
                    }
                    Handler::IpHttpServer => {
                        self.m.http_server = true;
                        Ok(())
                    }
                    Handler::IpHttpPort => {
                        self.m.http_port = num(entry.line.get(self.g, "port"));
                        Ok(())
                    }
                    Handler::IpHttpMetricsAllow => {
                        let addr = ipv4(entry.line.get(self.g, "addr"));
                        let mask = entry
                            .line
                            .get(self.g, "mask")
                            .map_or(Ipv4Addr::BROADCAST, |m| ipv4(Some(m)));
                        self.m.metrics_allow.push((addr, mask));
                        Ok(())
                    }
                    Handler::TftpServer => self.tftp_server(&entry.line),
                    Handler::ClockTimezone => self.clock_timezone(&entry.line),
                    Handler::ClockSummerTime => self.clock_summer(&entry.line),
                    Handler::LoggingBuffered
                    | Handler::LoggingConsole
                    | Handler::LoggingTrap
                    | Handler::LoggingHost => {
                        self.logging(h, &entry.line);
                        Ok(())
                    }
                    Handler::VoiceServiceVoip => {
                        self.voice_service(&path, &body);
                        Ok(())
                    }
                    Handler::SipUa => {
                        self.sip_ua(&path, &body);
                        Ok(())
                    }
                    Handler::LineConsole => {
                        self.line_console(&path, &body);
                        Ok(())
                    }
                    h @ (Handler::Username
                    | Handler::EnableSecret
                    | Handler::EnablePassword
                    | Handler::LoginBlockFor
                    | Handler::AccessList
                    | Handler::IpSshPort
                    | Handler::IpSshTimeOut
                    | Handler::IpSshRetries
                    | Handler::IpSshPubkeyChain
                    | Handler::LineVty) => self.access(h, &path, &entry.line, &body),
                    Handler::TelephonyService => {
                        self.telephony(&path, &body);
                        Ok(())
                    }
                    Handler::VoiceRegisterGlobal => {
                        self.register_global(&path, &body);
                        Ok(())
                    }
                    Handler::EphoneDn => self.ephone_dn(&path, &entry.line, &body),
                    Handler::VoiceRegisterDn => self.register_dn(&path, &entry.line, &body),
                    Handler::VoiceLogoutProfile | Handler::VoiceUserProfile => {
                        self.profile(&path, &entry.line, &body, h == Handler::VoiceUserProfile)
                    }
                    Handler::Ephone => self.ephone(&path, &entry.line, &body),
                    Handler::VoiceRegisterPool => self.pool(&path, &entry.line, &body),
                    Handler::DialPeerVoice => self.dial_peer(&path, &entry.line, &body),
                    other => Err(format!("% {} is not a global command", other.id())),
                };
                if let Err(msg) = result {
                    self.fail(&[], key, &entry.line, msg);
                }
            }
        }
        self.m.index();
    }

    /// Runs `f` on every line of a section, recording the lines it refuses.
    fn lines(
        &mut self,
        path: &[LineKey],
        body: &Section,
        mut f: impl FnMut(&mut Self, Handler, &Line) -> Check<()>,
    ) {
        for (key, entry) in &body.entries {
            let h = self.g.cmd(entry.line.cmd).handler;
            if h == Handler::Accepted {
                // Kept and rendered; nothing in the model reads it yet.
                continue;
            }
            if let Err(msg) = f(self, h, &entry.line) {
                self.fail(path, key, &entry.line, msg);
            }
        }
    }
}
