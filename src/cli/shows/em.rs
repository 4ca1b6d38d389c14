//! `show extension-mobility`, `show voice user-profile` and `show voice logout-profile`.
//!
//! CME documents no EM show commands (reference §4.7), so these layouts are ours: one line per
//! login, then the recent logouts with their reason; profiles print as configured followed by
//! where they are in use.

use std::fmt::Write as _;

use crate::civil;
use crate::config::model::{LineType, Model, Profile};
use crate::config::phone::PhoneRef;
use crate::engine::em::Em;
use crate::ids::{ProfileTag, UserName};

fn minutes(from: u64, now: u64) -> u64 {
    now.saturating_sub(from) / 60
}

fn phone_name(model: &Model, device: &crate::ids::DeviceName) -> String {
    match model.phone_by_mac(device.mac()) {
        Some(PhoneRef::Ephone(t, _)) => format!("ephone {t}"),
        Some(PhoneRef::Pool(t, _)) => format!("pool {t}"),
        None => "-".into(),
    }
}

/// `show extension-mobility`.
pub fn sessions(model: &Model, em: &Em, now: u64) -> String {
    let mut out = format!(
        "{:<17}{:<12}{:<16}{:<9}{:<31}{}\n",
        "Device", "Phone", "User", "Profile", "Since", "Idle(min)"
    );
    for (device, s) in &em.sessions {
        let profile = model
            .users
            .get(&s.user)
            .map_or("-".to_string(), |t| t.to_string());
        let _ = writeln!(
            out,
            "{:<17}{:<12}{:<16}{:<9}{:<31}{}",
            device.as_str(),
            phone_name(model, device),
            s.user.0,
            profile,
            civil::ios(&model.clock, s.since),
            minutes(s.last_activity, now)
        );
    }
    let _ = writeln!(out, "Total users logged in: {}", em.sessions.len());
    if !em.recent.is_empty() {
        let _ = writeln!(out, "\nRecent logouts:");
        let _ = writeln!(
            out,
            "{:<17}{:<16}{:<31}Reason",
            "Device", "User", "Logged out"
        );
        for e in em.recent.iter().rev() {
            let _ = writeln!(
                out,
                "{:<17}{:<16}{:<31}{}",
                e.device.as_str(),
                e.user.0,
                civil::ios(&model.clock, e.at),
                e.reason.text()
            );
        }
    }
    out
}

/// `show extension-mobility user NAME`.
pub fn user(model: &Model, em: &Em, user: &UserName, now: u64) -> String {
    let Some(tag) = model.users.get(user) else {
        return format!("% No voice user-profile has user {user}\n");
    };
    let mut out = format!("User {user}, voice user-profile {tag}\n");
    let mut any = false;
    for (device, s) in em.sessions.iter().filter(|(_, s)| s.user == *user) {
        any = true;
        let _ = writeln!(
            out,
            "  logged in on {} ({}) since {}, {} min",
            device.as_str(),
            phone_name(model, device),
            civil::ios(&model.clock, s.since),
            minutes(s.since, now)
        );
    }
    if !any {
        let _ = writeln!(out, "  not logged in");
    }
    for e in em.recent.iter().rev().filter(|e| e.user == *user) {
        let _ = writeln!(
            out,
            "  logged out of {} at {} ({})",
            e.device.as_str(),
            civil::ios(&model.clock, e.at),
            e.reason.text()
        );
    }
    if em.credentials.contains_key(user) {
        let _ = writeln!(out, "  password changed by the user");
    }
    out
}

fn kind_word(k: LineType) -> &'static str {
    match k {
        LineType::Normal => "normal",
        LineType::SilentRing => "silent-ring",
        LineType::BeepRing => "beep-ring",
        LineType::FeatureRing => "feature-ring",
        LineType::MonitorRing => "monitor-ring",
        LineType::Overlay => "overlay",
        LineType::CwOverlay => "cw-overlay",
    }
}

fn profile_body(out: &mut String, p: &Profile) {
    if let Some(c) = &p.user {
        let _ = writeln!(out, " user {}", c.user);
    }
    for l in &p.lines {
        let numbers: Vec<&str> = l.numbers.iter().map(|n| n.0.as_str()).collect();
        let _ = writeln!(
            out,
            " number {} type {}",
            numbers.join(","),
            kind_word(l.kind)
        );
    }
    for (t, sd) in &p.speed_dials {
        let _ = write!(out, " speed-dial {t} {}", sd.number);
        if let Some(l) = &sd.label {
            let _ = write!(out, " label \"{l}\"");
        }
        let _ = writeln!(out, "{}", if sd.blf { " blf" } else { "" });
    }
    if let Some(m) = p.max_idle_minutes {
        let _ = writeln!(out, " max-idle-time {m}");
    }
}

/// `show voice user-profile [N]` or `show voice logout-profile [N]`.
pub fn profiles(model: &Model, em: &Em, user: bool, only: Option<ProfileTag>) -> String {
    let map = if user {
        &model.user_profiles
    } else {
        &model.logout_profiles
    };
    let what = if user {
        "user-profile"
    } else {
        "logout-profile"
    };
    let mut out = String::new();
    for (tag, p) in map.iter().filter(|(t, _)| only.is_none_or(|o| o == **t)) {
        let _ = writeln!(out, "voice {what} {tag}");
        profile_body(&mut out, p);
        let mut uses = Vec::new();
        if user {
            if let Some(c) = &p.user {
                for (d, s) in em.sessions.iter().filter(|(_, s)| s.user == c.user) {
                    uses.push(format!(
                        "{} ({}) since {}",
                        d.as_str(),
                        phone_name(model, d),
                        civil::ios(&model.clock, s.since)
                    ));
                }
            }
        } else {
            for (t, e) in model
                .ephones
                .iter()
                .filter(|(_, e)| e.logout_profile == Some(*tag))
            {
                uses.push(state(em, e.mac, format!("ephone {t}")));
            }
            for (t, pl) in model
                .pools
                .iter()
                .filter(|(_, p)| p.logout_profile == Some(*tag))
            {
                uses.push(state(em, pl.mac, format!("pool {t}")));
            }
        }
        if uses.is_empty() {
            let _ = writeln!(out, " In use: none");
        }
        for u in uses {
            let _ = writeln!(out, " In use: {u}");
        }
    }
    if out.is_empty() {
        return match only {
            Some(t) => format!("% voice {what} {t} is not configured\n"),
            None => format!("No voice {what} is configured\n"),
        };
    }
    out
}

/// A phone carrying a logout profile, and whether a user has replaced it.
fn state(em: &Em, mac: Option<crate::ids::Mac>, name: String) -> String {
    let device = mac.map(crate::ids::DeviceName::from_mac);
    match device
        .as_ref()
        .and_then(|d| em.sessions.get(d).map(|s| (d, s)))
    {
        Some((d, s)) => format!("{name} {} (user {} logged in)", d.as_str(), s.user),
        None => match device {
            Some(d) => format!("{name} {}", d.as_str()),
            None => name,
        },
    }
}
