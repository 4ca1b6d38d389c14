//! Builds the typed [`Model`] from the stored lines and checks every cross-reference.
//!
//! Sections are built in dependency order (system settings, then DNs, then profiles, then
//! phones), so a reference can be checked against what is already built whatever order the
//! file had. A line that fails a check is reported and left out of the model; the caller
//! decides whether to drop it (startup-config) or refuse the change (interactive).

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use super::model::*;
use super::tree::{ConfigTree, Line, LineKey, Origin, Section};
use crate::cli::graph::Grammar;
use crate::cli::handler::Handler;
use crate::ids::{
    DialPeerTag, DnTag, EphoneTag, Extension, Mac, PoolTag, ProfileTag, RegDnTag, UserName,
};

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

fn secret(line: &Line, g: &Grammar) -> Secret {
    Secret {
        kind: if line.get(g, "type") == Some("6") {
            6
        } else {
            0
        },
        text: line
            .get(g, "secret")
            .or(line.get(g, "pin"))
            .unwrap_or("")
            .to_string(),
    }
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
                Handler::IpHttpServer,
                Handler::IpHttpPort,
                Handler::TelephonyService,
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
            if let Err(msg) = f(self, h, &entry.line) {
                self.fail(path, key, &entry.line, msg);
            }
        }
    }

    fn telephony(&mut self, path: &[LineKey], body: &Section) {
        self.m.telephony.present = true;
        let g = self.g;
        // Limits first: they bound the tags of everything built later.
        self.lines(path, body, |b, h, l| {
            let t = &mut b.m.telephony;
            match h {
                Handler::TelMaxEphones => t.max_ephones = num(l.get(g, "n")),
                Handler::TelMaxDn => t.max_dn = num(l.get(g, "n")),
                Handler::TelIpSourceAddress => {
                    t.source = Some((
                        ipv4(l.get(g, "addr")),
                        l.get(g, "port").map_or(2000, |p| num(Some(p))),
                    ))
                }
                Handler::TelKeepalive => t.keepalive = num(l.get(g, "secs")),
                Handler::TelVoicemail => {
                    t.voicemail = Some(check_number(l.get(g, "number").unwrap_or(""))?.0)
                }
                Handler::TelUrl => {
                    let url = l.get(g, "url").map(String::from);
                    match l.get(g, "which") {
                        Some("services") => t.url_services = url,
                        Some("directories") => t.url_directories = url,
                        Some("idle") => t.url_idle = url,
                        _ => t.url_information = url,
                    }
                }
                Handler::TelUrlAuthentication => {
                    let app = l.get(g, "app").map(|a| (a.to_string(), secret(l, g)));
                    if let Some((name, _)) = &app {
                        b.claim_user(name, "url authentication".into())?;
                    }
                    b.m.telephony.url_authentication =
                        Some((l.get(g, "url").unwrap_or("").into(), app));
                }
                Handler::TelAuthCredential => {
                    let app = l.get(g, "app").unwrap_or("").to_string();
                    if b.m
                        .telephony
                        .url_authentication
                        .as_ref()
                        .and_then(|u| u.1.as_ref())
                        .map(|a| &a.0)
                        != Some(&app)
                    {
                        b.claim_user(&app, "authentication credential".into())?;
                    }
                    b.m.telephony.credentials.insert(app, secret(l, g));
                }
                Handler::TelLoad => {
                    t.loads.insert(
                        l.get(g, "model").unwrap_or("").into(),
                        l.get(g, "file").unwrap_or("").into(),
                    );
                }
                Handler::TelEmLogout => {
                    t.em.logout_times = ["t1", "t2", "t3"]
                        .iter()
                        .filter_map(|n| l.get(g, n))
                        .map(|v| minutes_of(v) as u16)
                        .collect();
                }
                Handler::TelEmKeepHistory => t.em.keep_history = true,
                Handler::TelEmExternal => t.em.external = true,
                Handler::TelEmMultipleLogin => {
                    t.em.multiple_login = match l.get(g, "policy") {
                        Some("not-allowed") => MultipleLogin::NotAllowed,
                        Some("allowed") => MultipleLogin::Allowed,
                        _ => MultipleLogin::AutoLogout,
                    }
                }
                Handler::TelEmMaxLoginTime => {
                    let m = minutes_of(l.get(g, "limit").unwrap_or("0"));
                    if m == 0 {
                        return Err("% em max-login-time must be at least 0:01".into());
                    }
                    t.em.max_login_minutes = Some(m);
                }
                Handler::TelEmMaxConcurrent => t.em.max_concurrent = num(l.get(g, "n")),
                Handler::TelEmValidateIp => t.em.validate_ip = true,
                Handler::TelEmTrustedIp => {
                    t.em.trusted_ips = l.all(g, "addrs").map(|a| ipv4(Some(a))).collect()
                }
                Handler::TelEmRememberLastUser => t.em.remember_last_user = true,
                Handler::TelEmLoginType => {
                    t.em.login_type = if l.get(g, "type") == Some("dn") {
                        LoginType::Dn
                    } else {
                        LoginType::Uid
                    }
                }
                Handler::TelEmLockout => {
                    t.em.lockout = Some((num(l.get(g, "attempts")), num(l.get(g, "minutes"))))
                }
                Handler::TelCreateCnfFiles => t.create_cnf_files = true,
                other => {
                    return Err(format!(
                        "% {} is not a telephony-service command",
                        other.id()
                    ));
                }
            }
            Ok(())
        });
    }

    fn register_global(&mut self, path: &[LineKey], body: &Section) {
        self.m.register.present = true;
        let g = self.g;
        self.lines(path, body, |b, h, l| {
            let r = &mut b.m.register;
            match h {
                Handler::RegModeCme => r.mode_cme = true,
                Handler::RegSourceAddress => {
                    r.source = Some((
                        ipv4(l.get(g, "addr")),
                        l.get(g, "port").map_or(5060, |p| num(Some(p))),
                    ))
                }
                Handler::RegMaxDn => r.max_dn = num(l.get(g, "n")),
                Handler::RegMaxPool => r.max_pool = num(l.get(g, "n")),
                Handler::RegUrlAuthentication => {
                    r.url_authentication = l.get(g, "url").map(String::from)
                }
                Handler::RegVoicemail => {
                    r.voicemail = Some(check_number(l.get(g, "number").unwrap_or(""))?.0)
                }
                Handler::RegCreateProfile => r.create_profile = true,
                other => {
                    return Err(format!(
                        "% {} is not a voice register global command",
                        other.id()
                    ));
                }
            }
            Ok(())
        });
    }

    fn ephone_dn(&mut self, path: &[LineKey], header: &Line, body: &Section) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        let max = self.m.telephony.max_dn;
        if tag > max {
            return Err(format!(
                "% ephone-dn {tag} exceeds max-dn ({max}); raise max-dn under telephony-service first"
            ));
        }
        let mut dn = EphoneDn {
            mode: if header.has("dual-line") {
                LineMode::Dual
            } else if header.has("octo-line") {
                LineMode::Octo
            } else {
                LineMode::Single
            },
            ..EphoneDn::default()
        };
        self.lines(path, body, |b, h, l| {
            match h {
                Handler::DnNumber => {
                    let n = check_number(l.get(g, "number").unwrap_or(""))?;
                    let s = l.get(g, "secondary").map(check_number).transpose()?;
                    for e in std::iter::once(&n).chain(s.as_ref()) {
                        b.numbers.insert(e.0.clone(), format!("ephone-dn {tag}"));
                    }
                    dn.number = Some(n);
                    dn.secondary = s;
                }
                Handler::DnName => dn.name = l.get(g, "name").map(String::from),
                Handler::DnLabel => {
                    let label = l.get(g, "label").unwrap_or("");
                    if label.chars().count() > 30 {
                        return Err("% Label is longer than 30 characters".into());
                    }
                    dn.label = Some(label.into());
                }
                Handler::DnDescription => dn.description = l.get(g, "text").map(String::from),
                Handler::DnCallForward => {
                    let t = check_number(l.get(g, "target").unwrap_or(""))?.0;
                    if l.get(g, "type") == Some("all") {
                        dn.cfwd_all = Some(t);
                    } else {
                        dn.cfwd_busy = Some(t);
                    }
                }
                Handler::DnCallForwardNoan => {
                    let t = check_number(l.get(g, "target").unwrap_or(""))?.0;
                    dn.cfwd_noan = Some((t, l.get(g, "secs").map(|s| num(Some(s)))));
                }
                Handler::DnHuntstop => dn.huntstop = true,
                other => return Err(format!("% {} is not an ephone-dn command", other.id())),
            }
            Ok(())
        });
        self.m.dns.insert(DnTag(tag), dn);
        Ok(())
    }

    fn register_dn(&mut self, path: &[LineKey], header: &Line, body: &Section) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        let max = self.m.register.max_dn;
        if tag > max {
            return Err(format!(
                "% voice register dn {tag} exceeds max-dn ({max}); raise max-dn under voice register global first"
            ));
        }
        let mut dn = RegisterDn::default();
        self.lines(path, body, |b, h, l| {
            match h {
                Handler::RdnNumber => {
                    let n = check_number(l.get(g, "number").unwrap_or(""))?;
                    b.numbers
                        .insert(n.0.clone(), format!("voice register dn {tag}"));
                    dn.number = Some(n);
                }
                Handler::RdnName => dn.name = l.get(g, "name").map(String::from),
                Handler::RdnLabel => dn.label = l.get(g, "label").map(String::from),
                Handler::RdnCallForward => {
                    let t = check_number(l.get(g, "target").unwrap_or(""))?.0;
                    if l.get(g, "type") == Some("all") {
                        dn.cfwd_all = Some(t);
                    } else {
                        dn.cfwd_busy = Some(t);
                    }
                }
                Handler::RdnCallForwardNoan => {
                    let t = check_number(l.get(g, "target").unwrap_or(""))?.0;
                    dn.cfwd_noan = Some((t, l.get(g, "secs").map(|s| num(Some(s)))));
                }
                other => {
                    return Err(format!(
                        "% {} is not a voice register dn command",
                        other.id()
                    ));
                }
            }
            Ok(())
        });
        self.m.reg_dns.insert(RegDnTag(tag), dn);
        Ok(())
    }

    fn profile(
        &mut self,
        path: &[LineKey],
        header: &Line,
        body: &Section,
        user_profile: bool,
    ) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        let what = if user_profile {
            "voice user-profile"
        } else {
            "voice logout-profile"
        };
        let mut p = Profile::default();
        self.lines(path, body, |b, h, l| {
            match h {
                Handler::ProfUser => {
                    let name = l.get(g, "user").unwrap_or("");
                    if name.len() > 15 {
                        return Err(format!("% User name {name} is longer than 15 characters"));
                    }
                    b.claim_user(name, format!("{what} {tag}"))?;
                    p.user = Some(Credential {
                        user: UserName(name.into()),
                        secret: secret(l, g),
                    });
                }
                Handler::ProfPin => {
                    let pin = l.get(g, "pin").unwrap_or("");
                    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|c| c.is_ascii_digit()) {
                        return Err("% PIN must be 4 to 8 digits".into());
                    }
                    p.pin = Some(secret(l, g));
                }
                Handler::ProfNumber => {
                    let kind = match l.get(g, "type") {
                        Some("silent-ring") => LineType::SilentRing,
                        Some("beep-ring") => LineType::BeepRing,
                        Some("feature-ring") => LineType::FeatureRing,
                        Some("monitor-ring") => LineType::MonitorRing,
                        Some("overlay") => LineType::Overlay,
                        Some("cw-overlay") => LineType::CwOverlay,
                        _ => LineType::Normal,
                    };
                    let list: Vec<&str> = l.get(g, "numbers").unwrap_or("").split(',').collect();
                    if list.len() > 1 && !matches!(kind, LineType::Overlay | LineType::CwOverlay) {
                        return Err("% Only overlay and cw-overlay lines take several numbers".into());
                    }
                    if list.len() > 25 {
                        return Err("% An overlay line takes at most 25 numbers".into());
                    }
                    let mut numbers = Vec::new();
                    for n in list {
                        let e = check_number(n)?;
                        if !b.numbers.contains_key(&e.0) {
                            return Err(format!(
                                "% Number {n} is not configured; create it with ephone-dn (or voice register dn) first"
                            ));
                        }
                        numbers.push(e);
                    }
                    p.lines.push(ProfileLine { numbers, kind });
                }
                Handler::ProfSpeedDial => {
                    p.speed_dials.insert(
                        num(l.get(g, "tag")),
                        SpeedDial {
                            number: check_number(l.get(g, "number").unwrap_or(""))?.0,
                            label: l.get(g, "label").map(String::from),
                            blf: l.has("blf"),
                        },
                    );
                }
                Handler::ProfFeatureButton => {
                    p.feature_buttons.insert(
                        num(l.get(g, "index")),
                        (l.get(g, "feature").unwrap_or("").into(), l.get(g, "label").map(String::from)),
                    );
                }
                Handler::ProfMaxIdleTime => p.max_idle_minutes = Some(num(l.get(g, "minutes"))),
                other => return Err(format!("% {} is not a profile command", other.id())),
            }
            Ok(())
        });
        let map = if user_profile {
            &mut self.m.user_profiles
        } else {
            &mut self.m.logout_profiles
        };
        map.insert(ProfileTag(tag), p);
        Ok(())
    }

    fn ephone(&mut self, path: &[LineKey], header: &Line, body: &Section) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        let max = self.m.telephony.max_ephones;
        if tag > max {
            return Err(format!(
                "% ephone {tag} exceeds max-ephones ({max}); raise max-ephones under telephony-service first"
            ));
        }
        let mut e = Ephone::default();
        self.lines(path, body, |b, h, l| {
            match h {
                Handler::EphoneMac => {
                    let mac: Mac = l
                        .get(g, "mac")
                        .unwrap_or("")
                        .parse()
                        .map_err(|_| "% Invalid MAC address")?;
                    b.claim_mac(mac, format!("ephone {tag}"))?;
                    e.mac = Some(mac);
                }
                Handler::EphoneSpeedDial => {
                    e.speed_dials.insert(
                        num(l.get(g, "tag")),
                        SpeedDial {
                            number: check_number(l.get(g, "number").unwrap_or(""))?.0,
                            label: l.get(g, "label").map(String::from),
                            blf: false,
                        },
                    );
                }
                Handler::EphoneType => {
                    e.model = l.get(g, "model").map(String::from);
                    e.addons = ["m1", "m2"]
                        .iter()
                        .filter_map(|m| l.get(g, m))
                        .map(String::from)
                        .collect();
                }
                Handler::EphoneButton => e.buttons = parse_buttons(l.all(g, "buttons"), &b.m.dns)?,
                Handler::EphoneLogoutProfile => {
                    let p = ProfileTag(num(l.get(g, "profile")));
                    if !b.m.logout_profiles.contains_key(&p) {
                        return Err(format!(
                            "% voice logout-profile {p} does not exist; create it first"
                        ));
                    }
                    e.logout_profile = Some(p);
                }
                Handler::EphoneDescription => e.description = l.get(g, "text").map(String::from),
                other => return Err(format!("% {} is not an ephone command", other.id())),
            }
            Ok(())
        });
        self.m.ephones.insert(EphoneTag(tag), e);
        Ok(())
    }

    fn pool(&mut self, path: &[LineKey], header: &Line, body: &Section) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        let max = self.m.register.max_pool;
        if tag > max {
            return Err(format!(
                "% voice register pool {tag} exceeds max-pool ({max}); raise max-pool under voice register global first"
            ));
        }
        let mut p = Pool::default();
        self.lines(path, body, |b, h, l| {
            match h {
                Handler::PoolLogoutProfile => {
                    let t = ProfileTag(num(l.get(g, "profile")));
                    if !b.m.logout_profiles.contains_key(&t) {
                        return Err(format!(
                            "% voice logout-profile {t} does not exist; create it first"
                        ));
                    }
                    p.logout_profile = Some(t);
                }
                Handler::PoolIdMac => {
                    let mac: Mac = l
                        .get(g, "mac")
                        .unwrap_or("")
                        .parse()
                        .map_err(|_| "% Invalid MAC address")?;
                    b.claim_mac(mac, format!("voice register pool {tag}"))?;
                    p.mac = Some(mac);
                }
                Handler::PoolType => p.model = l.get(g, "model").map(String::from),
                Handler::PoolNumber => {
                    let dn = RegDnTag(num(l.get(g, "dn")));
                    if !b.m.reg_dns.contains_key(&dn) {
                        return Err(format!(
                            "% voice register dn {dn} does not exist; create it first"
                        ));
                    }
                    p.lines.insert(num(l.get(g, "line")), dn);
                }
                Handler::PoolUsername => {
                    p.username = Some(Credential {
                        user: UserName(l.get(g, "user").unwrap_or("").into()),
                        secret: secret(l, g),
                    })
                }
                Handler::PoolDescription => p.description = l.get(g, "text").map(String::from),
                other => {
                    return Err(format!(
                        "% {} is not a voice register pool command",
                        other.id()
                    ));
                }
            }
            Ok(())
        });
        self.m.pools.insert(PoolTag(tag), p);
        Ok(())
    }

    fn dial_peer(&mut self, path: &[LineKey], header: &Line, body: &Section) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        let mut d = DialPeer::default();
        self.lines(path, body, |_, h, l| {
            match h {
                Handler::DpDescription => d.description = l.get(g, "text").map(String::from),
                Handler::DpDestinationPattern => {
                    d.pattern = Some(check_number(l.get(g, "pattern").unwrap_or(""))?.0)
                }
                Handler::DpSessionProtocol => d.sipv2 = true,
                Handler::DpSessionTarget => {
                    let t = l.get(g, "target").unwrap_or("").trim_start_matches("ipv4:");
                    let (ip, port) = t.split_once(':').unwrap_or((t, "5060"));
                    d.target = Some((ipv4(Some(ip)), num(Some(port))));
                }
                other => return Err(format!("% {} is not a dial-peer command", other.id())),
            }
            Ok(())
        });
        self.m.dial_peers.insert(DialPeerTag(tag), d);
        Ok(())
    }
}

/// Reads `button` assignments (`1:5`, `2s7`, `3o8,9`, `4x3`), checking each DN exists.
fn parse_buttons<'a>(
    specs: impl Iterator<Item = &'a str>,
    dns: &BTreeMap<DnTag, EphoneDn>,
) -> Check<Vec<Button>> {
    let mut out: Vec<Button> = Vec::new();
    for spec in specs {
        let sep_at = spec
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(spec.len());
        let index: u8 = spec[..sep_at]
            .parse()
            .map_err(|_| format!("% Invalid button {spec}"))?;
        let sep = spec[sep_at..]
            .chars()
            .next()
            .unwrap_or(':')
            .to_ascii_lowercase();
        let kind = match sep {
            's' => ButtonKind::Silent,
            'b' => ButtonKind::Beep,
            'f' => ButtonKind::FeatureRing,
            'm' => ButtonKind::Monitor,
            'o' => ButtonKind::Overlay,
            'c' => ButtonKind::CwOverlay,
            'w' => ButtonKind::Watch,
            'x' => ButtonKind::Expansion,
            _ => ButtonKind::Normal,
        };
        let tags: Vec<DnTag> = spec[sep_at + 1..]
            .split(',')
            .map(|t| {
                t.parse()
                    .map(DnTag)
                    .map_err(|_| format!("% Invalid button {spec}"))
            })
            .collect::<Check<_>>()?;
        if kind != ButtonKind::Expansion
            && let Some(missing) = tags.iter().find(|t| !dns.contains_key(t))
        {
            {
                return Err(format!(
                    "% ephone-dn {missing} does not exist (button {spec})"
                ));
            }
        }
        if tags.len() > 25 {
            return Err(format!("% Button {index} has more than 25 overlay DNs"));
        }
        if out.iter().any(|b| b.index == index) {
            return Err(format!("% Button {index} is assigned twice"));
        }
        out.push(Button {
            index,
            kind,
            dns: tags,
        });
    }
    out.sort_by_key(|b| b.index);
    Ok(out)
}
