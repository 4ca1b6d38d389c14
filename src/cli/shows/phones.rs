//! `show ephone …` output, in the layouts of the CME reference §4.1, §4.2 and §4.4.
//!
//! Where the reference marks a layout unconfirmed (column widths of the summary table) the
//! columns are ours, fixed-width and aligned. Fields CME prints that have no meaning here yet
//! (media, whisper, paging) print their idle value.

use std::fmt::Write as _;

use crate::civil;
use crate::config::model::{LineMode, Model, NumberOwner};
use crate::engine::devices::{Device as Status, Devices as Phones, PhoneKey, RegState};
use crate::ids::DnTag;
use crate::leg::Button;
use crate::proto::sccp::connection::MAX_PROTOCOL;

fn state_word(s: Option<&Status>) -> &'static str {
    match s.map(|s| s.state) {
        Some(RegState::Registered) => "REGISTERED",
        Some(RegState::Deceased) => "DECEASED",
        Some(RegState::Unregistered) | None => "UNREGISTERED",
    }
}

/// `show ephone` (every configured ephone) or `show ephone registered`.
pub fn ephones(
    model: &Model,
    phones: &Phones,
    calls: &crate::engine::calls::Calls,
    mwi: &crate::engine::mwi::Mwi,
    registered_only: bool,
) -> String {
    let mut out = String::new();
    for (index, (tag, e)) in model.ephones.iter().enumerate() {
        let st = phones.ephone(model, *tag);
        if registered_only && st.is_none_or(|s| s.state != RegState::Registered) {
            continue;
        }
        let mac = e
            .mac
            .map(|m| m.to_string())
            .unwrap_or_else(|| "0000.0000.0000".into());
        let socket = st
            .and_then(Status::conn)
            .map_or("-1".to_string(), |c| c.to_string());
        let _ = write!(
            out,
            "\nephone-{tag}[{index}] Mac:{mac} TCP socket:[{socket}] activeLine:0 whisperLine:0 {}",
            state_word(st)
        );
        match st {
            Some(s) if s.state == RegState::Registered => {
                let _ = writeln!(
                    out,
                    " in SCCP ver {}/{} max_streams={}",
                    s.offered_protocol.min(MAX_PROTOCOL),
                    s.offered_protocol,
                    s.max_streams
                );
            }
            _ => out.push('\n'),
        }
        let off_hook = st.is_some_and(|s| s.off_hook);
        let _ = writeln!(
            out,
            "mediaActive:0 whisper_mediaActive:0 startMedia:0 offhook:{} ringing:0 reset:0 reset_sent:0 paging 0 debug:0 caps:8 privacy:0",
            u8::from(off_hook)
        );
        let model_name = e.model.as_deref().unwrap_or("unknown");
        let capacity = crate::config::catalog::line_buttons(e.model.as_deref(), &e.addons);
        match st {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "IP:{} * {} {model_name}  keepalive {} max_line {capacity} available_line {capacity}",
                    s.peer.ip(),
                    s.peer.port(),
                    s.keepalives
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "IP:0.0.0.0 {model_name}  keepalive 0 max_line {capacity}"
                );
            }
        }
        if let Some(s) = st.filter(|s| s.state == RegState::Registered) {
            for (pos, b) in s.layout.buttons.iter().enumerate() {
                match *b {
                    Button::Line(i) => {
                        let l = &s.layout.lines[usize::from(i)];
                        let dn =
                            dn_tag(model, &l.number).map_or("-".to_string(), |t| t.to_string());
                        let _ = writeln!(out, "button {}: cw:1 ccw:(0 0)", pos + 1);
                        // One state per channel of the DN (CH1, CH2… of a dual-line or
                        // octo-line DN), as CME prints them.
                        let chans = match dn_tag(model, &l.number).and_then(|t| model.dns.get(&t)) {
                            Some(d) if d.mode == LineMode::Dual => 2,
                            Some(d) if d.mode == LineMode::Octo => 8,
                            _ => 1,
                        };
                        let mut states = String::new();
                        for c in 1..=chans {
                            let state = e.mac.map_or("IDLE", |mac| {
                                calls.line_state(&crate::engine::calls::End::Line {
                                    device: crate::ids::DeviceName::from_mac(mac),
                                    line: crate::leg::LineInstance(u32::from(i) + 1),
                                    chan: crate::leg::Chan(c),
                                })
                            });
                            let _ = write!(states, "CH{c}   {state:<13}");
                        }
                        // A lit lamp shows as `mwi` at the end of the line (CME's layout).
                        let lit = if mwi.get(&l.number).is_some() {
                            " mwi"
                        } else {
                            ""
                        };
                        let _ = writeln!(
                            out,
                            "  dn {dn}  number {} {}{lit}",
                            l.number,
                            states.trim_end()
                        );
                    }
                    Button::SpeedDial(i) => {
                        let d = &s.layout.speed_dials[usize::from(i)];
                        let _ = writeln!(out, "speed dial {}:{} {}", i + 1, d.number, d.name);
                    }
                    Button::Unused => {}
                }
            }
            if !s.layout.user_name.is_empty() {
                let _ = writeln!(out, "Logged in user: {}", s.layout.user_name);
            }
            let _ = writeln!(out, "Preferred Codec: g711ulaw");
        }
    }
    if out.is_empty() {
        return "No ephone in specified type/condition.\n".into();
    }
    out.push('\n');
    out
}

fn dn_tag(model: &Model, number: &str) -> Option<DnTag> {
    match model
        .numbers
        .get(&crate::ids::Extension(number.to_string()))?
    {
        NumberOwner::Ephone(t) => Some(*t),
        NumberOwner::Register(_) => None,
    }
}

/// `show ephone summary` / `show ephone registered summary`.
pub fn summary(model: &Model, phones: &Phones, registered_only: bool) -> String {
    let rule = "=".repeat(86);
    let mut out = format!(
        "{rule}\n{:<11}{:<8}{:<16}{:<16}{:<4}{:<6}{:<9}{}\n{rule}\n",
        "PhoneType", "Ephone", "MacAddress", "IpAddress", "Ln", "Dn", "Number", "Status"
    );
    let (mut reg, mut unreg, mut dead) = (0, 0, 0);
    for (tag, e) in &model.ephones {
        let st = phones.ephone(model, *tag);
        let status = match st.map(|s| s.state) {
            Some(RegState::Registered) => {
                reg += 1;
                "Registered"
            }
            Some(RegState::Deceased) => {
                dead += 1;
                "Deceased"
            }
            _ => {
                unreg += 1;
                "Unregistered"
            }
        };
        if registered_only && status != "Registered" {
            continue;
        }
        let mac = e.mac.map(|m| m.to_string()).unwrap_or_default();
        let tag = tag.0;
        let ip = st
            .map(|s| s.peer.ip().to_string())
            .unwrap_or_else(|| "-".into());
        let kind = e.model.as_deref().unwrap_or("-");
        let lines: Vec<(usize, String)> = match st.filter(|s| s.state == RegState::Registered) {
            Some(s) => s
                .layout
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| (i + 1, l.number.to_string()))
                .collect(),
            None => Vec::new(),
        };
        if lines.is_empty() {
            let _ = writeln!(
                out,
                "{kind:<11}{tag:<8}{mac:<16}{ip:<16}{:<4}{:<6}{:<9}{status}",
                "-", "-", "-"
            );
        }
        for (i, (ln, number)) in lines.iter().enumerate() {
            let dn = dn_tag(model, number).map_or("-".to_string(), |t| t.to_string());
            if i == 0 {
                let _ = writeln!(
                    out,
                    "{kind:<11}{tag:<8}{mac:<16}{ip:<16}{ln:<4}{dn:<6}{number:<9}{status}"
                );
            } else {
                let _ = writeln!(out, "{:<51}{ln:<4}{dn:<6}{number:<9}{status}", "");
            }
        }
    }
    let _ = writeln!(out, "{rule}");
    let _ = writeln!(out, "Total ephones configured    : {}", model.ephones.len());
    let _ = writeln!(out, "Total ephones registered    : {reg}");
    let _ = writeln!(out, "Total ephones unregistered  : {unreg}");
    let _ = writeln!(out, "Total ephones deceased      : {dead}");
    out
}

/// `show ephone attempted-registrations`.
pub fn attempts(phones: &Phones, zone: &civil::Zone) -> String {
    let mut out = String::from("Attempting Mac address:\n");
    let _ = writeln!(
        out,
        "{:<7}{:<20}{:<34}DeviceType",
        "Num", "Mac Address", "DateTime"
    );
    let _ = writeln!(out, "{}", "-".repeat(72));
    for (i, a) in phones.attempts.iter().enumerate() {
        let mac = crate::ids::DeviceName::parse(&a.device)
            .map(|d| d.mac().to_string())
            .unwrap_or_else(|| a.device.clone());
        let kind = crate::config::catalog::by_device_type(a.device_type)
            .map_or(a.device_type.to_string(), |m| {
                format!("Telecaster {}", m.keyword)
            });
        let _ = writeln!(
            out,
            "{:<7}{mac:<20}{:<34}{kind}",
            i + 1,
            civil::ios(zone, a.at)
        );
    }
    out
}

/// `show ephone dn N`: the DN and the registered phones whose buttons carry it.
pub fn dn(model: &Model, phones: &Phones, tag: DnTag) -> String {
    let Some(d) = model.dns.get(&tag) else {
        return format!("% ephone-dn {tag} is not configured\n");
    };
    let mut out = format!("Tag {tag}, Normal or Intercom dn\n");
    let Some(number) = &d.number else {
        return out;
    };
    let mut registered: Vec<(u32, &Status)> = phones
        .iter()
        .filter(|(_, s)| s.state == RegState::Registered)
        .filter_map(|(_, s)| match s.phone {
            PhoneKey::Ephone(t) => Some((t.0, s)),
            PhoneKey::Pool(_) => None,
        })
        .collect();
    registered.sort_by_key(|(t, _)| *t);
    for (etag, s) in registered {
        let etag = crate::ids::EphoneTag(etag);
        for (i, l) in s.layout.lines.iter().enumerate() {
            if *l.number == *number.0 {
                let mac = model
                    .ephones
                    .get(&etag)
                    .and_then(|e| e.mac)
                    .map(|m| m.to_string())
                    .unwrap_or_default();
                let _ = writeln!(out, "ephone {etag}, mac-address {mac}, line {}", i + 1);
            }
        }
    }
    out
}

/// `show ephone-dn summary` (our layout: CME's lists voice ports): one row per ephone-dn
/// with its number, name, line type and how many registered phones carry it.
pub fn dn_summary(model: &Model, phones: &Phones) -> String {
    let mut out = String::from(
        "Tag    Number           Name                     Type        Phones
",
    );
    out.push_str(&format!("{}\n", "-".repeat(68)));
    for (tag, d) in &model.dns {
        let number = d.number.as_ref().map_or("-", |n| n.0.as_str());
        let carried = phones
            .iter()
            .filter(|(_, s)| s.state == RegState::Registered)
            .filter(|(_, s)| s.layout.lines.iter().any(|l| *l.number == *number))
            .count();
        let kind = match d.mode {
            LineMode::Single => "single",
            LineMode::Dual => "dual-line",
            LineMode::Octo => "octo-line",
        };
        let _ = writeln!(
            out,
            "{:<7}{number:<17}{:<25}{kind:<12}{carried}",
            tag.0,
            d.name.as_deref().unwrap_or("")
        );
    }
    out
}
