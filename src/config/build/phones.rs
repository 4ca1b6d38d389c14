//! Phones: `ephone` (SCCP) and `voice register pool` (SIP), and `button` assignments.

use super::{Builder, Check, check_number, num, secret, tag_of, within};
use crate::config::model::*;
use crate::config::tree::{Line, LineKey, Section};
use crate::grammar::handler::Handler;
use std::collections::BTreeMap;

use crate::ids::{DnTag, EphoneTag, Mac, PoolTag, ProfileTag, RegDnTag, UserName};

impl Builder<'_> {
    pub(super) fn ephone(&mut self, path: &[LineKey], header: &Line, body: &Section) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        within(
            tag,
            self.m.telephony.max_ephones,
            "ephone",
            "max-ephones",
            "telephony-service",
        )?;
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
                Handler::EphoneMwiLine => e.mwi_line = l.get(g, "button").map(|n| num(Some(n))),
                other => return Err(format!("% {} is not an ephone command", other.id())),
            }
            Ok(())
        });
        self.m.ephones.insert(EphoneTag(tag), e);
        Ok(())
    }

    pub(super) fn pool(&mut self, path: &[LineKey], header: &Line, body: &Section) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        within(
            tag,
            self.m.register.max_pool,
            "voice register pool",
            "max-pool",
            "voice register global",
        )?;
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
                        secret: secret(l, g)?,
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
