//! `show voice register pool [N|all]`, `show voice register dn [N]` and
//! `show voice register all`, in the layouts of the CME reference (calls reference §5.1,
//! CLI reference §4.6): a block per pool (`Pool Tag N` / `Config:` …) and per DN (`Dn Tag N`
//! …). The registration lines after each pool's configuration are ours: the state, the
//! contact, the flow and the time left, which CME spreads over other commands.

use std::fmt::Write as _;

use crate::config::model::Model;
use crate::engine::devices::{Devices, RegState};
use crate::engine::registrar::{EXPIRES_MAX, EXPIRES_MIN};
use crate::ids::{DeviceName, PoolTag, RegDnTag};

/// `show voice register pool [N]` (every pool without a tag).
pub fn pools(model: &Model, devices: &Devices, now: u64, only: Option<u32>) -> String {
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
        out.push_str(&registration(devices, p.mac.map(DeviceName::from_mac), now));
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

fn registration(devices: &Devices, device: Option<DeviceName>, now: u64) -> String {
    let d = device.and_then(|d| devices.get(&d));
    match d.and_then(|d| d.sip().map(|b| (d, b))) {
        Some((d, b)) if d.state == RegState::Registered => {
            let transport = if b.flow.tcp.is_some() { "TCP" } else { "UDP" };
            format!(
                "Registration:\n  State is REGISTERED\n  Contact is {} from {} over {transport}\n  Expires in {} s\n  Registered since {}\n",
                b.contact,
                b.flow.peer,
                b.expires_at.saturating_sub(now),
                crate::civil::ios(d.since)
            )
        }
        _ => "Registration:\n  State is UNREGISTERED\n".into(),
    }
}

/// `show voice register dn [N]`.
pub fn dns(model: &Model, only: Option<u32>) -> String {
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

/// `show voice register all`.
pub fn all(model: &Model, devices: &Devices, now: u64) -> String {
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
    out.push_str(&dns(model, None));
    out.push_str("VOICE REGISTER POOL\n===================\n\n");
    out.push_str(&pools(model, devices, now, None));
    out
}
