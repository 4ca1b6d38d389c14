//! `voice logout-profile` and `voice user-profile`: credentials, lines and speed dials.

use super::{Builder, Check, check_number, num, secret, tag_of};
use crate::config::model::*;
use crate::config::tree::{Line, LineKey, Section};
use crate::grammar::handler::Handler;
use crate::ids::{ProfileTag, UserName};

impl Builder<'_> {
    pub(super) fn profile(
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
                        secret: secret(l, g)?,
                    });
                }
                Handler::ProfPin => {
                    let pin = secret(l, g)?;
                    // A type 6 PIN cannot be read back, so it cannot be checked either.
                    if let Some(clear) = pin.clear()
                        && (!(4..=8).contains(&clear.len())
                            || !clear.bytes().all(|c| c.is_ascii_digit()))
                    {
                        return Err("% PIN must be 4 to 8 digits".into());
                    }
                    p.pin = Some(pin);
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
}
