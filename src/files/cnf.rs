//! `SEP<MAC>.cnf.xml` (SCCP and SIP forms) and `XMLDefault.cnf.xml`.
//!
//! Element names and shapes follow the provisioning reference §2.1–2.3 (usecallmanager and
//! chan-sccp templates). SCCP files carry no lines: an SCCP phone gets its buttons over SCCP
//! after registering. SIP files carry the lines of the phone's effective profile. Every value
//! that comes from the configuration goes through the escaping writer.
//!
//! `versionStamp` is a digest of everything else in the file plus the phone's effective
//! profile, so it changes exactly when the file or the profile does (a login changes an SCCP
//! phone's profile without changing its file) and stays put across restarts otherwise.

use std::fmt::Write as _;

use super::Site;
use super::xml::Xml;
use crate::config::catalog;
use crate::config::model::{Model, Secret};
use crate::engine::profile::{self, Effective, PhoneRef, Source};
use crate::ids::{DeviceName, Mac, UserName};

/// Stands for the stamp until the rest of the document is known.
const STAMP: &str = "@@versionStamp@@";

/// The SCCP call agent member both forms and the default file share.
fn call_manager(x: &mut Xml, site: &Site, sip: bool) {
    let address = site.address.to_string();
    x.open("callManagerGroup", &[]).open("members", &[]);
    x.open("member", &[("priority", "0")])
        .open("callManager", &[]);
    x.open("ports", &[]);
    x.leaf("ethernetPhonePort", &site.sccp_port.to_string());
    if sip {
        x.leaf("sipPort", &site.sip_port.to_string());
        x.leaf(
            "securedSipPort",
            &(site.sip_port.saturating_add(1)).to_string(),
        );
    }
    x.close();
    x.leaf("processNodeName", &address);
    x.close().close().close().close();
}

/// Locale elements: the daemon has no locale commands yet, so every phone gets US English
/// with US tones, which is what a phone without locale files falls back to anyway.
fn locales(x: &mut Xml) {
    x.open("userLocale", &[])
        .leaf("name", "English_United_States")
        .leaf("uid", "1")
        .leaf("langCode", "en_US")
        .leaf("version", "1.0.0.0-1")
        .leaf("winCharSet", "iso-8859-1")
        .close();
    x.leaf("networkLocale", "United_States");
    x.open("networkLocaleInfo", &[])
        .leaf("name", "United_States")
        .leaf("uid", "64")
        .leaf("version", "1.0.0.0-1")
        .close();
}

/// URL elements; `services` is decided by the caller (EM page or `url services`).
fn urls(x: &mut Xml, model: &Model, site: &Site, services: Option<String>, sip: bool) {
    let t = &model.telephony;
    let auth = if sip {
        model.register.url_authentication.clone()
    } else {
        t.url_authentication.as_ref().map(|(u, _)| u.clone())
    }
    .unwrap_or_else(|| format!("{}/CCMCIP/authenticate.asp", site.http_base()));
    x.leaf("authenticationURL", &auth);
    // With `directory entry` lines and no `url directories`, the Directories button opens our
    // local directory.
    let local = (!t.directory.is_empty()).then(|| format!("{}/localdirectory", site.http_base()));
    x.leaf_opt(
        "directoryURL",
        t.url_directories.as_deref().or(local.as_deref()),
    );
    x.leaf_opt("idleURL", t.url_idle.as_deref());
    x.leaf_opt("informationURL", t.url_information.as_deref());
    x.leaf_opt("servicesURL", services.as_deref());
    x.leaf("idleTimeout", "0");
}

/// Finishes a document: computes the stamp over the text and `extra`, and puts it in.
fn stamped(text: String, extra: &str) -> String {
    let digest = |basis: u64| {
        let mut h = basis;
        for b in text.bytes().chain(extra.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    };
    let (a, b) = (digest(0xcbf2_9ce4_8422_2325), digest(0x6c62_272e_07bb_0142));
    let stamp = format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    );
    text.replacen(STAMP, &stamp, 1)
}

/// `SEP<MAC>.cnf.xml` for a configured phone.
pub fn device(
    model: &Model,
    site: &Site,
    mac: Mac,
    phone: PhoneRef<'_>,
    user: Option<&UserName>,
) -> String {
    let eff = profile::effective(model, phone, user);
    let sip = matches!(phone, PhoneRef::Pool(..));
    let mut x = Xml::new();
    x.open("device", &[]);
    x.leaf("fullConfig", "true");
    x.leaf("deviceProtocol", if sip { "SIP" } else { "SCCP" });
    x.open("devicePool", &[]);
    x.open("dateTimeSetting", &[])
        .leaf("dateTemplate", "M/D/YA")
        .leaf("timeZone", model.clock.phone_name())
        .close();
    call_manager(&mut x, site, sip);
    x.close();
    if sip {
        sip_profile(&mut x, model, site, phone, &eff);
    }
    let load = phone
        .model_keyword()
        .and_then(|m| model.telephony.loads.get(m));
    x.leaf_opt("loadInformation", load.map(String::as_str));
    locales(&mut x);
    x.leaf("deviceSecurityMode", "1");
    // An EM-enabled phone's Services button opens our services menu, which ends with
    // Extension Mobility; other phones get `url services` as configured.
    let services = if phone.logout_profile().is_some() && !model.telephony.em.external {
        Some(format!(
            "{}/services?device={}",
            site.http_base(),
            DeviceName::from_mac(mac)
        ))
    } else {
        model.telephony.url_services.clone()
    };
    urls(&mut x, model, site, services, sip);
    if sip {
        x.leaf("transportLayerProtocol", "2");
    }
    x.leaf("versionStamp", STAMP);
    stamped(x.finish(), &fingerprint(phone, &eff))
}

/// The phone's own settings and the effective profile, which an SCCP phone receives over SCCP
/// rather than in its file: the stamp changes with them too (a login, `type`, `button`).
fn fingerprint(phone: PhoneRef<'_>, eff: &Effective<'_>) -> String {
    let own = match phone {
        PhoneRef::Ephone(_, e) => format!("{e:?}"),
        PhoneRef::Pool(_, p) => format!("{p:?}"),
    };
    let mut s = format!("{own}|{:?}|{:?}", eff.source, eff.user);
    for l in &eff.lines {
        let _ = write!(s, "|{}{:?}", l.button, l.kind);
        for d in &l.dns {
            let _ = write!(s, ",{}:{:?}:{:?}", d.number, d.name, d.label);
        }
    }
    for (t, sd) in &eff.speed_dials {
        let _ = write!(s, "|sd{t}:{}:{:?}:{}", sd.number, sd.label, sd.blf);
    }
    s
}

/// The clear text of a secret; a type 6 secret cannot be reversed, so it is left out.
fn clear(s: &Secret) -> Option<&str> {
    s.clear()
}

fn sip_profile(x: &mut Xml, model: &Model, site: &Site, phone: PhoneRef<'_>, eff: &Effective) {
    // Digest credentials: the pool's own `username` for its own lines, else the credential of
    // the profile the lines come from.
    let cred = match (eff.source, phone) {
        (Source::Own, PhoneRef::Pool(_, p)) => p.username.as_ref(),
        (Source::Logout(t), _) => model.logout_profiles.get(&t).and_then(|p| p.user.as_ref()),
        (Source::User(t), _) => model.user_profiles.get(&t).and_then(|p| p.user.as_ref()),
        (Source::Own, PhoneRef::Ephone(..)) => None,
    };
    let primary = eff.lines.first().and_then(|l| l.dns.first());
    let label: String = match (eff.user, primary) {
        (Some(u), _) => u.0.clone(),
        (None, Some(a)) => a.number.0.clone(),
        (None, None) => String::new(),
    }
    .chars()
    .filter(|c| *c != ' ')
    .take(12)
    .collect();
    x.open("sipProfile", &[]);
    x.open("sipProxies", &[])
        .leaf("registerWithProxy", "true")
        .close();
    x.open("sipCallFeatures", &[])
        .leaf("cnfJoinEnabled", "true")
        .leaf("callForwardURI", "x-cisco-serviceuri-cfwdall")
        .leaf("callPickupURI", "x-cisco-serviceuri-pickup")
        .leaf("rfc2543Hold", "false")
        .leaf("localCfwdEnable", "true")
        .leaf("semiAttendedTransfer", "true")
        .close();
    x.open("sipStack", &[])
        .leaf("timerRegisterExpires", "3600")
        .leaf("timerRegisterDelta", "5")
        .leaf("timerT1", "500")
        .leaf("timerT2", "4000")
        .leaf("remotePartyID", "true")
        .close();
    x.leaf("phoneLabel", &label);
    x.open("sipLines", &[]);
    let port = site.sip_port.to_string();
    let mut button = 0u8;
    for line in &eff.lines {
        let Some(a) = line.dns.first() else { continue };
        button = line.button;
        let b = line.button.to_string();
        x.open("line", &[("button", &b), ("lineIndex", &b)]);
        x.leaf("featureID", "9");
        x.leaf("featureLabel", a.label.as_deref().unwrap_or(&a.number.0));
        x.leaf("proxy", "USECALLMANAGER");
        x.leaf("port", &port);
        x.leaf("name", &a.number.0);
        x.leaf("displayName", a.name.as_deref().unwrap_or(&a.number.0));
        x.leaf("contact", &a.number.0);
        if let Some(c) = cred {
            x.leaf("authName", &c.user.0);
            x.leaf_opt("authPassword", clear(&c.secret));
        }
        if let Some(vm) = &model.register.voicemail {
            x.leaf("messagesNumber", vm);
        }
        x.close();
    }
    let capacity = phone.capacity();
    for (_, sd) in &eff.speed_dials {
        if usize::from(button) >= capacity {
            break;
        }
        button += 1;
        let b = button.to_string();
        x.open("line", &[("button", &b)]);
        x.leaf("featureID", if sd.blf { "21" } else { "2" });
        x.leaf("featureLabel", sd.label.as_deref().unwrap_or(&sd.number));
        x.leaf("speedDialNumber", &sd.number);
        x.close();
    }
    x.close();
    x.leaf("voipControlPort", &port);
    x.leaf("dialTemplate", "dialplan.xml");
    x.close();
}

/// `XMLDefault.cnf.xml`: where the call agent is and which load each configured model runs
/// (`loadInformationNNN` with the model's device-type code, reference §2.3).
pub fn xml_default(model: &Model, site: &Site) -> String {
    let mut x = Xml::new();
    x.open("Default", &[]);
    call_manager(&mut x, site, true);
    for (kw, load) in &model.telephony.loads {
        // A model without a known device-type code cannot be named here; its phones still
        // get their load from their own file.
        if let Some(code) = catalog::model(kw).and_then(|m| m.device_type) {
            let product = format!("Cisco {}", kw);
            x.leaf_with(
                &format!("loadInformation{code}"),
                &[("model", &product)],
                load,
            );
        }
    }
    urls(
        &mut x,
        model,
        site,
        model.telephony.url_services.clone(),
        false,
    );
    x.leaf("versionStamp", STAMP);
    stamped(x.finish(), "")
}
