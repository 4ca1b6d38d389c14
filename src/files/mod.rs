//! Phone provisioning files, generated from the published configuration at request time:
//! `SEP<MAC>.cnf.xml` for every ephone (SCCP form) and voice register pool (SIP form, with its
//! lines), and `XMLDefault.cnf.xml` for phones we do not know yet.
//!
//! Boundary: pure functions of (model, EM logins, [`Site`], requested name); nothing here reads
//! a file, a socket or the clock. The TFTP and HTTP adapters in `net` call [`lookup`] and
//! serve what it returns; static files under `--tftp-root` are theirs to open.

pub mod cnf;
pub mod emapi;
pub mod name;
pub mod services;
pub mod xml;

use std::net::{IpAddr, Ipv4Addr};

use crate::config::model::Model;
use crate::engine::profile::PhoneRef;
use crate::ids::DeviceName;
pub use name::{BadName, Wanted};

/// The addresses and ports written into phone files: where phones find us.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// Our address as phones reach it.
    pub address: IpAddr,
    /// SCCP (TCP) port.
    pub sccp_port: u16,
    /// SIP port.
    pub sip_port: u16,
    /// HTTP port of the phone services (EM pages, authentication).
    pub http_port: u16,
}

/// Command-line flags that take precedence over the configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--bind`.
    pub bind: Option<IpAddr>,
    /// `--sccp-port`.
    pub sccp_port: Option<u16>,
    /// `--sip-port`.
    pub sip_port: Option<u16>,
    /// `--http-port`.
    pub http_port: Option<u16>,
}

impl Site {
    /// The site as configured (`ip source-address … port`, `voice register global`
    /// `source-address`, `ip http port`), with the flags applied on top. Without any address
    /// phones are told 127.0.0.1, which only suits a loopback test; `cmed run` warns about it.
    pub fn of(model: &Model, o: &Overrides) -> Site {
        let t = model.telephony.source;
        let r = model.register.source;
        let configured = t.or(r).map(|(a, _)| IpAddr::V4(a));
        let address = match o.bind {
            Some(b) if !b.is_unspecified() => b,
            _ => configured.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        };
        Site {
            address,
            sccp_port: o.sccp_port.or(t.map(|(_, p)| p)).unwrap_or(2000),
            sip_port: o.sip_port.or(r.map(|(_, p)| p)).unwrap_or(5060),
            http_port: o.http_port.unwrap_or(model.http_port),
        }
    }

    /// `http://address:port` of our phone services.
    pub fn http_base(&self) -> String {
        match self.address {
            IpAddr::V6(a) => format!("http://[{a}]:{}", self.http_port),
            a => format!("http://{a}:{}", self.http_port),
        }
    }
}

/// A file rendered for a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// The bytes to send.
    pub bytes: Vec<u8>,
    /// What it is, for logs and `show`.
    pub kind: GeneratedKind,
}

/// The kinds of generated file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GeneratedKind {
    /// `SEP<MAC>.cnf.xml` of an ephone.
    SccpDevice,
    /// `SEP<MAC>.cnf.xml` of a voice register pool.
    SipDevice,
    /// `XMLDefault.cnf.xml`.
    Default,
}

/// The answer to a request for a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A generated file.
    Generated(Generated),
    /// A file to open under the static root, as this relative path.
    Static(String),
    /// Nothing by that name (TFTP error 1, HTTP 404).
    NotFound,
    /// A name we refuse (TFTP error 2, HTTP 403).
    Refused(BadName),
}

/// What to serve for a requested name. `logins` maps phones to their logged-in user.
pub fn lookup(model: &Model, logins: &crate::engine::Logins, site: &Site, raw: &[u8]) -> Lookup {
    match name::classify(raw) {
        Err(bad) => Lookup::Refused(bad),
        Ok(Wanted::TrustList) => Lookup::NotFound,
        Ok(Wanted::Default) => Lookup::Generated(Generated {
            bytes: cnf::xml_default(model, site).into_bytes(),
            kind: GeneratedKind::Default,
        }),
        Ok(Wanted::DeviceConfig(mac)) => match model.phone_by_mac(mac) {
            Some(phone) => {
                let user = logins.get(&DeviceName::from_mac(mac));
                let kind = match phone {
                    PhoneRef::Ephone(..) => GeneratedKind::SccpDevice,
                    PhoneRef::Pool(..) => GeneratedKind::SipDevice,
                };
                Lookup::Generated(Generated {
                    bytes: cnf::device(model, site, mac, phone, user).into_bytes(),
                    kind,
                })
            }
            // An unknown phone then asks for XMLDefault.cnf.xml (reference §1.1).
            None => Lookup::NotFound,
        },
        // `tftp-server flash:FILE alias NAME`: NAME is served from FILE.
        Ok(Wanted::Static(path)) => match model.tftp_aliases.get(&path) {
            Some(file) => Lookup::Static(file.clone()),
            None => Lookup::Static(path),
        },
    }
}

/// One generated name, for `show telephony-service tftp-bindings`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// The name phones request.
    pub name: String,
    /// Where CME would keep it (`system:/its/…` for SCCP, `system:/cme/sipphone/…` for SIP).
    pub location: String,
}

/// Every generated name, default file first, then ephones and pools by tag.
pub fn bindings(model: &Model) -> Vec<Binding> {
    let mut out = vec![Binding {
        name: "XMLDefault.cnf.xml".into(),
        location: "system:/its/XMLDefault.cnf.xml".into(),
    }];
    for e in model.ephones.values() {
        if let Some(mac) = e.mac {
            let name = format!("SEP{}.cnf.xml", mac.plain());
            out.push(Binding {
                location: format!("system:/its/{name}"),
                name,
            });
        }
    }
    for p in model.pools.values() {
        if let Some(mac) = p.mac {
            let name = format!("SEP{}.cnf.xml", mac.plain());
            out.push(Binding {
                location: format!("system:/cme/sipphone/{name}"),
                name,
            });
        }
    }
    out
}
