//! The system shows an IOS administrator starts with: `show clock`, `show version`, `show
//! telephony-service [all]` (CME's layout, `cme-em-and-ios-cli.md` §4.5) and our `show cmed
//! status`. Text only: the facts come from the engine's view, the configuration and what the
//! daemon says about itself ([`About`]).

use std::fmt::Write as _;

use super::About;
use crate::civil;
use crate::config::Running;
use crate::engine::View;
use crate::grammar::graph::Grammar;
use crate::grammar::handler::Handler;

/// cmed's version, as Cargo knows it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// `show clock [detail]`.
pub fn clock(view: &View<'_>, detail: bool) -> String {
    let zone = &view.model.clock;
    let mut out = civil::show_clock(zone, view.now, u32::from(view.millis));
    out.push('\n');
    if detail {
        out.push_str("No time source (cmed reads the host's clock; run NTP on the host)\n");
        let l = zone.local(view.now);
        let _ = writeln!(
            out,
            "Time zone {}, {} UTC{}",
            l.abbrev,
            if l.summer {
                "summer time"
            } else {
                "standard time"
            },
            offset_text(l.offset)
        );
    }
    out
}

/// `+1:00`, `-3:30`, or nothing for UTC.
fn offset_text(secs: i32) -> String {
    if secs == 0 {
        return String::new();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.unsigned_abs() / 60;
    format!("{sign}{}:{:02}", m / 60, m % 60)
}

/// `3 weeks, 2 days, 4 hours, 5 minutes`, as IOS prints uptime.
fn uptime(secs: u64) -> String {
    let parts = [
        (secs / (86_400 * 7 * 52), "year"),
        (secs / (86_400 * 7) % 52, "week"),
        (secs / 86_400 % 7, "day"),
        (secs / 3600 % 24, "hour"),
        (secs / 60 % 60, "minute"),
    ];
    let words: Vec<String> = parts
        .iter()
        .skip_while(|(n, _)| *n == 0)
        .map(|(n, w)| format!("{n} {w}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if words.is_empty() {
        "0 minutes".into()
    } else {
        words.join(", ")
    }
}

/// `show version`. The first line and the `uptime is`, `System returned to ROM by`, `System
/// image file is` and `Configuration register is` lines keep IOS's wording, which tools
/// (TextFSM templates, Netmiko) read.
pub fn version(view: &View<'_>, about: Option<&About>) -> String {
    let m = &view.model;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Cisco IOS Software compatible, cmed Software (cmed-{}-linux), Version {VERSION}, RELEASE SOFTWARE (cmed)",
        std::env::consts::ARCH
    );
    out.push_str("cmed: a Cisco Unified CME-compatible call control daemon\n");
    let _ = writeln!(
        out,
        "Cisco Unified CME-compatible, Extension Mobility, SCCP and SIP phones\n"
    );
    let _ = writeln!(out, "ROM: cmed {VERSION}\n");
    let _ = writeln!(
        out,
        "{} uptime is {}",
        m.hostname,
        uptime(view.mono.0.as_secs())
    );
    if let Some(a) = about {
        let _ = writeln!(out, "System returned to ROM by {}", a.last_stop);
        let _ = writeln!(
            out,
            "System restarted at {}",
            civil::ios(&m.clock, a.started)
        );
    }
    out.push_str("System image file is \"flash:cmed\"\n");
    if let Some(a) = about {
        let _ = writeln!(out, "Last reload reason: {}\n", a.last_stop);
        let _ = writeln!(out, "Startup-config file: {}", a.startup_config);
        let _ = writeln!(out, "Data directory: {}", a.data_dir);
    }
    let _ = writeln!(
        out,
        "\n{} ephones, {} ephone-dns, {} voice register pools, {} user profiles configured",
        m.ephones.len(),
        m.dns.len(),
        m.pools.len(),
        m.user_profiles.len()
    );
    out.push_str("Configuration register is 0x2102\n");
    out
}

/// `show cmed status` (ours): what listens where, what is connected, the store.
pub fn status(view: &View<'_>, about: Option<&About>) -> String {
    let mut out = String::new();
    let Some(a) = about else {
        return "% The daemon's status is not available here\n".into();
    };
    out.push_str("Listeners:\n");
    for (what, at) in &a.listeners {
        let _ = writeln!(out, "  {what:<28}{at}");
    }
    out.push_str("Connections:\n");
    for (what, n) in &a.connections {
        let _ = writeln!(out, "  {what:<28}{n}");
    }
    let (sccp, sip) = (
        view.devices.registered_count(),
        view.devices.registered_sip(),
    );
    let _ = writeln!(out, "Registered phones:            {sccp} SCCP, {sip} SIP");
    let _ = writeln!(
        out,
        "EM sessions:                  {}",
        view.em.sessions.len()
    );
    let _ = writeln!(
        out,
        "Active calls:                 {}",
        view.calls.iter().count()
    );
    match a.store_bytes {
        Some(b) => {
            let _ = writeln!(
                out,
                "Store:                        {} ({b} bytes)",
                a.data_dir
            );
        }
        None => {
            let _ = writeln!(
                out,
                "Store:                        {} (size unknown)",
                a.data_dir
            );
        }
    }
    out
}

/// IOS's name of a session's line: `con 0`, `vty 3`.
pub fn line_name(from: &str) -> String {
    match from.strip_prefix("vty") {
        Some(n) => format!("vty {n}"),
        None => "con 0".into(),
    }
}

/// `show users`: one row per CLI session (the console, each `cmed cli` and SSH session),
/// IOS's layout; the caller marks its own row with `*` ([`mark_own`]).
pub fn users(about: &About) -> String {
    let mut out =
        String::from("    Line       User       Host(s)              Idle       Location\n");
    for row in &about.sessions {
        let name = line_name(&row.line);
        // IOS numbers the console 0, then aux 0 (1), then the vty lines from 2.
        let number = row
            .line
            .strip_prefix("vty")
            .and_then(|n| n.parse::<u32>().ok())
            .map_or(0, |n| n + 2);
        let idle = row.idle;
        let _ = writeln!(
            out,
            "  {number:>3} {name:<10}{:<11}{:<21}{:02}:{:02}:{:02} {}",
            row.user,
            "idle",
            idle / 3600,
            idle / 60 % 60,
            idle % 60,
            row.location
        );
    }
    out.push_str("\n  Interface    User               Mode         Idle     Peer Address\n");
    out
}

/// `show ip ssh`: IOS's lines for what cmed's server offers, then its host key.
pub fn ip_ssh(m: &crate::config::model::Model, about: &About) -> String {
    let Some(ssh) = &about.ssh else {
        return "SSH Disabled - version 2.0\n%Please create RSA keys to enable SSH (and of atleast 768 bits for SSH v2).\n".into();
    };
    let a = &m.access.ssh;
    format!(
        "SSH Enabled - version 2.0\n\
         Authentication methods:publickey,password\n\
         Hostkey Algorithms:{}\n\
         Encryption Algorithms:{}\n\
         MAC Algorithms:{}\n\
         KEX Algorithms:{}\n\
         Authentication timeout: {} secs; Authentication retries: {}\n\
         Port: {} (cmed)\n\
         Hostkey fingerprint: {} (cmed)\n\
         IOS Keys in SECSH format:\n{}\n",
        ssh.public.split(' ').next().unwrap_or(""),
        ssh.ciphers,
        ssh.macs,
        ssh.kex,
        a.timeout,
        a.retries,
        ssh.port,
        ssh.fingerprint,
        ssh.public
    )
}

/// Marks the row of the session `from` with IOS's `*`.
pub fn mark_own(text: &str, from: &str) -> String {
    let name = format!(" {} ", line_name(from));
    text.lines()
        .map(|l| {
            if l.starts_with("  ") && l.contains(&name) && !l.contains("Line") {
                format!("*{}", &l[1..])
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// `show telephony-service [all]`: CME's settings block, then with `all` the ephone-dns and
/// ephones as configured.
pub fn telephony(g: &Grammar, run: &Running, all: bool) -> String {
    let t = &run.model.telephony;
    let mut out = String::new();
    out.push_str("CONFIG (Version=8.7)\n=====================\nVersion 8.7\n");
    out.push_str("Max phoneload sccp version 17\n");
    out.push_str("Cisco Unified Communications Manager Express (cmed)\n");
    out.push_str("protocol mode default\n");
    if let Some((ip, port)) = t.source {
        let _ = writeln!(out, "ip source-address {ip} port {port}");
    }
    let _ = writeln!(out, "max-ephones {}", t.max_ephones);
    let _ = writeln!(out, "max-dn {}", t.max_dn);
    if let Some(v) = &t.voicemail {
        let _ = writeln!(out, "voicemail {v}");
    }
    let _ = writeln!(out, "keepalive {}", t.keepalive);
    let _ = writeln!(out, "timeout interdigit {}", t.interdigit.unwrap_or(10));
    let _ = writeln!(out, "timeout ringing {}", t.ringing.unwrap_or(180));
    let _ = writeln!(out, "max-redirect {}", t.max_redirect.unwrap_or(5));
    for (label, url) in [
        ("url services", &t.url_services),
        ("url directory", &t.url_directories),
        ("url idle", &t.url_idle),
        ("url information", &t.url_information),
    ] {
        if let Some(u) = url {
            let _ = writeln!(out, "{label} {u}");
        }
    }
    if let Some((u, _)) = &t.url_authentication {
        let _ = writeln!(out, "url authentication {u}");
    }
    for (model, file) in &t.loads {
        let _ = writeln!(out, "load {model} {file}");
    }
    out.push_str("cnf-file location: system:\ncnf-file option: PER-PHONE\n");
    if all {
        for entry in run.tree.root.entries.values() {
            let h = g.cmd(entry.line.cmd).handler;
            if matches!(h, Handler::EphoneDn | Handler::Ephone) {
                out.push('\n');
                for line in crate::config::running::entry_lines(g, entry, 0) {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_reads_as_ios_prints_it() {
        assert_eq!(uptime(59), "0 minutes");
        assert_eq!(uptime(61), "1 minute");
        assert_eq!(uptime(3 * 3600 + 120), "3 hours, 2 minutes");
        assert_eq!(uptime(9 * 86_400), "1 week, 2 days, 0 hours, 0 minutes");
        assert_eq!(offset_text(-3 * 3600 - 1800), "-3:30");
        assert_eq!(offset_text(3600), "+1:00");
    }
}
