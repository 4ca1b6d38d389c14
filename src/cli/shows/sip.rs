//! `show voice register pool [N|all]`, `show voice register dn [N]`,
//! `show voice register all`, `show voice register statistics` and
//! `show sip-ua status registrar`, in the layouts of the CME reference (calls reference
//! §5.1, CLI reference §4.6): a block per pool (`Pool Tag N` / `Config:` … `Statistics:`)
//! and per DN (`Dn Tag N` …), the registrar table (`Line destination expires(sec) contact`).
//! The `Registration:` lines after each pool's configuration are ours (the state, the
//! contact, the flow and the time left, which CME spreads over other commands), and so are
//! the global counters by reason of `show voice register statistics`.

use std::fmt::Write as _;

use crate::config::model::{Model, NumberOwner};
use crate::engine::View;
use crate::engine::devices::{Devices, RegState};
use crate::engine::registrar::stats::{Failure, PoolStats, Stats};
use crate::engine::registrar::{EXPIRES_MAX, EXPIRES_MIN};
use crate::engine::routing;
use crate::ids::{DeviceName, PoolTag, RegDnTag};

/// The automatic dial-peer of a registered SIP DN, as `show sip-ua status registrar` names
/// it. CME numbers these from 40001 in the order the DNs register; cmed by DN tag
/// (40000 + tag), so a line's peer is the same after every restart — the dial plan's
/// numbering (`engine::routing::automatic_peer`), which `show dial-peer voice` uses too.
pub fn automatic_peer(dn: RegDnTag) -> u32 {
    routing::automatic_peer(NumberOwner::Register(dn))
}

/// `show voice register pool [N]` (every pool without a tag).
pub fn pools(view: &View<'_>, only: Option<u32>) -> String {
    let (model, devices, now) = (&**view.model, view.devices, view.now);
    let mut out = String::new();
    for (tag, p) in &model.pools {
        if only.is_some_and(|t| t != tag.0) {
            continue;
        }
        let _ = writeln!(out, "Pool Tag {tag}\nConfig:");
        match p.mac {
            Some(mac) => {
                let _ = writeln!(out, "  Mac address is {mac}");
            }
            None => out.push_str("  Mac address is not configured\n"),
        }
        if let Some(t) = &p.model {
            let _ = writeln!(out, "  Type is {t}");
        }
        for (line, dn) in &p.lines {
            let _ = writeln!(out, "  Number list {line} : DN {dn}");
        }
        if let Some(c) = &p.username {
            let _ = writeln!(out, "  Username is {}", c.user);
        }
        if let Some(lp) = p.logout_profile {
            let _ = writeln!(out, "  Logout profile is {lp}");
        }
        let (max, min) = model
            .registrar_expires
            .unwrap_or((EXPIRES_MAX, EXPIRES_MIN));
        let _ = writeln!(
            out,
            "  registration expires timer max is {max} and min is {min}"
        );
        out.push_str(&registration(
            devices,
            p.mac.map(DeviceName::from_mac),
            now,
            &model.clock,
        ));
        out.push_str("Statistics:\n");
        pool_counters(
            &mut out,
            view.registrar.pools.get(tag),
            active(devices, p),
            &model.clock,
        );
        out.push('\n');
    }
    if out.is_empty() {
        return match only {
            Some(t) => format!("% Pool {t} is not configured\n"),
            None => "No voice register pool is configured\n".into(),
        };
    }
    out
}

fn registration(
    devices: &Devices,
    device: Option<DeviceName>,
    now: u64,
    zone: &crate::civil::Zone,
) -> String {
    let d = device.and_then(|d| devices.get(&d));
    match d.and_then(|d| d.sip().map(|b| (d, b))) {
        Some((d, b)) if d.state == RegState::Registered => {
            let transport = if b.flow.tcp.is_some() { "TCP" } else { "UDP" };
            format!(
                "Registration:\n  State is REGISTERED\n  Contact is {} from {} over {transport}\n  Expires in {} s\n  Registered since {}\n",
                b.contact,
                b.flow.peer,
                b.expires_at.saturating_sub(now),
                crate::civil::ios(zone, d.since)
            )
        }
        _ => "Registration:\n  State is UNREGISTERED\n".into(),
    }
}

/// `show voice register dn [N]`.
pub fn dns(model: &Model, mwi: &crate::engine::mwi::Mwi, only: Option<u32>) -> String {
    let mut out = String::new();
    for (tag, d) in &model.reg_dns {
        if only.is_some_and(|t| t != tag.0) {
            continue;
        }
        let _ = writeln!(out, "Dn Tag {tag}\nConfig:");
        if let Some(n) = &d.number {
            let _ = writeln!(out, "  Number is {n}");
        }
        if let Some(n) = &d.name {
            let _ = writeln!(out, "  Name is {n}");
        }
        if let Some(m) = d.number.as_ref().and_then(|n| mwi.get(&n.0)) {
            let _ = writeln!(out, "  MWI is on ({}/{} messages)", m.new, m.old);
        }
        for (pool, line) in carriers(model, *tag) {
            let _ = writeln!(
                out,
                "  Pool {:<5}has this DN configured for line {line}",
                pool.0
            );
        }
        out.push('\n');
    }
    if out.is_empty() {
        return match only {
            Some(t) => format!("% voice register dn {t} is not configured\n"),
            None => "No voice register dn is configured\n".into(),
        };
    }
    out
}

fn carriers(model: &Model, dn: RegDnTag) -> Vec<(PoolTag, u8)> {
    model
        .pools
        .iter()
        .flat_map(|(t, p)| {
            p.lines
                .iter()
                .filter(move |(_, d)| **d == dn)
                .map(move |(l, _)| (*t, *l))
        })
        .collect()
}

/// One `label : value` line, the colons aligned at column 29 whatever the indent.
fn row(out: &mut String, indent: usize, label: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        out,
        "{:indent$}{label:<width$}: {value}",
        "",
        width = 29 - indent
    );
}

/// CME's per-pool counters; `active` is 1 while the pool is registered.
fn pool_counters(out: &mut String, s: Option<&PoolStats>, active: bool, zone: &crate::civil::Zone) {
    let d = PoolStats::default();
    let s = s.unwrap_or(&d);
    let time = |t: Option<u64>| {
        t.map_or_else(
            || "never".to_string(),
            |t| format!("*{}", crate::civil::ios(zone, t)),
        )
    };
    row(out, 2, "Active registrations", u64::from(active));
    out.push_str("  Total Registration Statistics\n");
    row(out, 4, "Registration requests", s.requests);
    row(out, 4, "Registration success", s.success);
    row(out, 4, "Registration failed", s.failed);
    row(out, 4, "unRegister requests", s.unregister_requests);
    row(out, 4, "unRegister success", s.unregister_success);
    row(out, 4, "unRegister failed", 0);
    let _ = writeln!(
        out,
        "  Attempts to register after last unregister : {}",
        s.attempts_since_unregister
    );
    row(out, 2, "Last Register Request Time", time(s.last_request));
    row(out, 2, "Register Success Time", time(s.last_success));
}

/// Whether pool `p` is registered now.
fn active(devices: &Devices, p: &crate::config::model::Pool) -> bool {
    p.mac
        .and_then(|m| devices.get(&DeviceName::from_mac(m)))
        .is_some_and(|d| d.state == RegState::Registered && d.sip().is_some())
}

/// `show voice register statistics`: `Global statistics`, then `Register pool N
/// statistics` for every configured pool.
pub fn statistics(view: &View<'_>) -> String {
    let s: &Stats = view.registrar;
    let mut out = String::from("Global statistics\n");
    let o = &mut out;
    row(o, 2, "Active registrations", view.devices.registered_sip());
    row(o, 2, "Registration requests", s.requests);
    row(
        o,
        2,
        "Registration success",
        s.new + s.refreshes + s.queries,
    );
    row(o, 4, "New registrations", s.new);
    row(o, 4, "Refreshes", s.refreshes);
    row(o, 4, "Binding queries", s.queries);
    row(
        o,
        2,
        "Registration failed",
        s.failures.values().sum::<u64>(),
    );
    for (f, label) in Failure::ALL {
        row(o, 4, label, s.failed(f));
    }
    row(o, 2, "Challenges sent (401)", s.challenges);
    row(o, 4, "Stale nonce", s.stale);
    row(o, 2, "unRegister requests", s.removed);
    row(o, 2, "Expired registrations", s.expired);
    row(o, 2, "Cleared by administrator", s.cleared);
    row(
        o,
        2,
        "Bindings not yet stored",
        view.devices.unwritten_count(),
    );
    for (tag, p) in &view.model.pools {
        let _ = writeln!(out, "\nRegister pool {tag} statistics");
        pool_counters(
            &mut out,
            s.pools.get(tag),
            active(view.devices, p),
            &view.model.clock,
        );
    }
    out
}

/// `show sip-ua status registrar`: every number every registered pool carries now (one
/// REGISTER binds them all; with Extension Mobility, the logged-in user's numbers), its
/// address, the seconds left, the contact's host, the REGISTER's Call-ID and the number's
/// automatic dial-peer (`-` for a number that is not a `voice register dn`, such as an
/// ephone-dn in a user profile).
pub fn registrar(model: &Model, devices: &Devices, now: u64) -> String {
    let mut out = String::from(
        "Line          destination      expires(sec)  contact\n              call-id\n              peer\n============================================================\n",
    );
    for p in model.pools.values() {
        let Some(d) = p.mac.and_then(|m| devices.get(&DeviceName::from_mac(m))) else {
            continue;
        };
        let Some(b) = d.sip().filter(|_| d.state == RegState::Registered) else {
            continue;
        };
        let host = contact_host(&b.contact);
        let left = b.expires_at.saturating_sub(now);
        for line in &d.layout.lines {
            let number = line.number.as_str();
            let peer = match model
                .numbers
                .get(&crate::ids::Extension(number.to_string()))
            {
                Some(NumberOwner::Register(dn)) => automatic_peer(*dn).to_string(),
                _ => "-".to_string(),
            };
            let _ = writeln!(
                out,
                "{number:<13} {:<16} {left:<13} {host}\n              {}\n              {peer}",
                b.flow.peer.ip(),
                b.call_id,
            );
        }
    }
    out
}

/// The host and port of a contact URI (`sip:2001@10.1.1.5:5062;transport=tcp` →
/// `10.1.1.5:5062`; just the host when it names no port).
pub(super) fn contact_address(uri: &str) -> &str {
    let rest = uri.split_once(':').map_or(uri, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let end = rest.find([';', '>', '?']).unwrap_or(rest.len());
    &rest[..end]
}

/// The host of a contact URI (`sip:2001@10.1.1.5:5060;transport=tcp` → `10.1.1.5`).
fn contact_host(uri: &str) -> &str {
    let rest = uri.split_once(':').map_or(uri, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    if rest.starts_with('[') {
        return rest.find(']').map_or(rest, |e| &rest[..=e]);
    }
    let end = rest.find([':', ';', '>']).unwrap_or(rest.len());
    &rest[..end]
}

/// `show voice register all`.
pub fn all(view: &View<'_>) -> String {
    let (model, devices) = (&**view.model, view.devices);
    let r = &model.register;
    let mut out = String::from("VOICE REGISTER GLOBAL\n=====================\n");
    let _ = writeln!(out, "CONFIG [Version=cmed {}]", env!("CARGO_PKG_VERSION"));
    out.push_str("========================\n");
    let _ = writeln!(
        out,
        "  Mode is {}",
        if r.mode_cme { "cme" } else { "not set" }
    );
    if let Some((a, p)) = r.source {
        let _ = writeln!(out, "  Source-address is {a} port {p}");
    }
    let _ = writeln!(
        out,
        "  Max-pool is {}\n  Max-dn is {}",
        r.max_pool, r.max_dn
    );
    let _ = writeln!(out, "  Registered pools: {}", devices.registered_sip());
    out.push_str("\nVOICE REGISTER DN\n=================\n\n");
    out.push_str(&dns(model, view.mwi, None));
    out.push_str("VOICE REGISTER POOL\n===================\n\n");
    out.push_str(&pools(view, None));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_host_takes_the_host_of_every_uri_form() {
        assert_eq!(contact_host("sip:2001@10.1.1.5:5060"), "10.1.1.5");
        assert_eq!(contact_host("sip:2001@10.1.1.5;transport=tcp"), "10.1.1.5");
        assert_eq!(contact_host("sip:10.1.1.5"), "10.1.1.5");
        assert_eq!(contact_host("sips:a@host.example"), "host.example");
        assert_eq!(contact_host("sip:a@[::1]:5062"), "[::1]");
        assert_eq!(
            contact_address("sip:2001@10.1.1.5:5062;transport=tcp"),
            "10.1.1.5:5062"
        );
        assert_eq!(contact_address("<sip:2001@10.1.1.5>"), "10.1.1.5");
    }
}
