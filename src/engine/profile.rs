//! The effective profile of a phone (ARCHITECTURE.md §4): which lines and speed dials it
//! carries right now, in button order.
//!
//! - No `logout-profile`: the phone's own `button` (ephone) or `number` (pool) lines.
//! - EM-enabled, nobody logged in: its logout profile.
//! - A user logged in: that user's profile.
//!
//! Profile lines are ordered normal, silent-ring, beep-ring, feature-ring, monitor-ring,
//! overlay (cw-overlay with overlay), keeping configuration order within a type; SIP phones
//! take only normal lines; lines beyond the model's line buttons are dropped. Speed dials
//! follow the lines. Device-dependent settings (model, add-on modules) always come from the
//! phone. Pure: the registration layout (`engine::layout`) and the phone files both read this.

use std::collections::BTreeMap;

use crate::config::model::{
    ButtonKind, LineType, Model, NumberOwner, Profile, ProfileLine, SpeedDial,
};
pub use crate::config::phone::PhoneRef;
use crate::ids::{Extension, ProfileTag, UserName};

/// Where the effective profile comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The phone's own `button` / `number` lines.
    Own,
    /// `voice logout-profile N`.
    Logout(ProfileTag),
    /// `voice user-profile N` of the logged-in user.
    User(ProfileTag),
}

/// One directory number on a line button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Appearance {
    /// The extension.
    pub number: Extension,
    /// The DN it is: the one the button names, or for a profile line the DN with that
    /// number (`Model::numbers`). The dial plan rings this DN's calls here, so two DNs with
    /// the same number (a hunt pair, calls reference §1.5) each ring their own buttons.
    pub dn: Option<NumberOwner>,
    /// `name` of its DN.
    pub name: Option<String>,
    /// `label` of its DN.
    pub label: Option<String>,
}

/// A line button.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineKey {
    /// Button position, from 1.
    pub button: u8,
    /// How the button rings and presents.
    pub kind: ButtonKind,
    /// Its numbers (several only for overlays).
    pub dns: Vec<Appearance>,
}

/// What a phone carries now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Effective<'m> {
    /// Where it comes from.
    pub source: Source,
    /// The user logged in, for `User`.
    pub user: Option<&'m UserName>,
    /// Line buttons in button order.
    pub lines: Vec<LineKey>,
    /// Speed dials by tag, after the lines.
    pub speed_dials: Vec<(u8, &'m SpeedDial)>,
}

/// The user profile whose credential is `user`.
pub fn user_profile<'m>(model: &'m Model, user: &UserName) -> Option<(ProfileTag, &'m Profile)> {
    let tag = *model.users.get(user)?;
    model.user_profiles.get(&tag).map(|p| (tag, p))
}

/// The effective profile of `phone` when `user` (if any) is logged in on it. A login on a phone
/// without a logout profile, or by a user without a profile, is ignored: the phone keeps what
/// it would have without it.
pub fn effective<'m>(
    model: &'m Model,
    phone: PhoneRef<'m>,
    user: Option<&UserName>,
) -> Effective<'m> {
    let capacity = phone.capacity();
    let sip = matches!(phone, PhoneRef::Pool(..));
    if let Some(logout) = phone.logout_profile() {
        let logged_in = user.and_then(|u| user_profile(model, u));
        let (source, profile) = match logged_in {
            Some((tag, p)) => (Source::User(tag), p),
            None => match model.logout_profiles.get(&logout) {
                Some(p) => (Source::Logout(logout), p),
                None => return own(model, phone, capacity),
            },
        };
        return Effective {
            source,
            user: match source {
                Source::User(_) => profile.user.as_ref().map(|c| &c.user),
                _ => None,
            },
            lines: profile_lines(model, &profile.lines, capacity, sip),
            speed_dials: by_tag(&profile.speed_dials),
        };
    }
    own(model, phone, capacity)
}

fn own<'m>(model: &'m Model, phone: PhoneRef<'m>, capacity: usize) -> Effective<'m> {
    let (lines, speed_dials) = match phone {
        PhoneRef::Ephone(_, e) => {
            let mut buttons: Vec<_> = e
                .buttons
                .iter()
                .filter(|b| usize::from(b.index) <= capacity)
                .collect();
            buttons.sort_by_key(|b| b.index);
            let lines = buttons
                .into_iter()
                .map(|b| LineKey {
                    button: b.index,
                    kind: b.kind,
                    dns: match b.kind {
                        // An expansion button names another button, not DNs.
                        ButtonKind::Expansion => Vec::new(),
                        _ => b
                            .dns
                            .iter()
                            .filter_map(|t| {
                                let n = model.dns.get(t)?.number.as_ref()?;
                                Some(appearance(model, n, Some(NumberOwner::Ephone(*t))))
                            })
                            .collect(),
                    },
                })
                .collect();
            (lines, by_tag(&e.speed_dials))
        }
        PhoneRef::Pool(_, p) => {
            let lines = p
                .lines
                .iter()
                .filter(|(i, _)| usize::from(**i) <= capacity)
                .filter_map(|(i, t)| {
                    let number = model.reg_dns.get(t)?.number.as_ref()?;
                    Some(LineKey {
                        button: *i,
                        kind: ButtonKind::Normal,
                        dns: vec![appearance(model, number, Some(NumberOwner::Register(*t)))],
                    })
                })
                .collect();
            (lines, Vec::new())
        }
    };
    Effective {
        source: Source::Own,
        user: None,
        lines,
        speed_dials,
    }
}

fn profile_lines(model: &Model, lines: &[ProfileLine], capacity: usize, sip: bool) -> Vec<LineKey> {
    let rank = |k: LineType| match k {
        LineType::CwOverlay => LineType::Overlay,
        other => other,
    };
    let mut ordered: Vec<&ProfileLine> = lines
        .iter()
        .filter(|l| !sip || l.kind == LineType::Normal)
        .collect();
    // A stable sort keeps configuration order within each type.
    ordered.sort_by_key(|l| rank(l.kind));
    ordered
        .into_iter()
        .take(capacity)
        .zip(1u8..)
        .map(|(l, button)| LineKey {
            button,
            kind: match l.kind {
                LineType::Normal => ButtonKind::Normal,
                LineType::SilentRing => ButtonKind::Silent,
                LineType::BeepRing => ButtonKind::Beep,
                LineType::FeatureRing => ButtonKind::FeatureRing,
                LineType::MonitorRing => ButtonKind::Monitor,
                LineType::Overlay => ButtonKind::Overlay,
                LineType::CwOverlay => ButtonKind::CwOverlay,
            },
            dns: l
                .numbers
                .iter()
                .map(|n| appearance(model, n, model.numbers.get(n).copied()))
                .collect(),
        })
        .collect()
}

fn appearance(model: &Model, number: &Extension, dn: Option<NumberOwner>) -> Appearance {
    let (name, label) = model.line_text(number);
    Appearance {
        number: number.clone(),
        dn,
        name: name.map(String::from),
        label: label.map(String::from),
    }
}

fn by_tag(map: &BTreeMap<u8, SpeedDial>) -> Vec<(u8, &SpeedDial)> {
    map.iter().map(|(t, s)| (*t, s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load;
    use crate::grammar::graph::Grammar;
    use crate::ids::{EphoneTag, PoolTag};

    fn office() -> Model {
        let g = Grammar::embedded();
        let text = include_str!("../../sample-configs/small-office.cfg");
        let loaded = load::load(&g, text);
        assert!(loaded.diagnostics.is_empty());
        loaded.model
    }

    fn numbers(e: &Effective) -> Vec<String> {
        e.lines
            .iter()
            .map(|l| {
                l.dns
                    .iter()
                    .map(|d| d.number.0.clone())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect()
    }

    #[test]
    fn phone_without_logout_profile_keeps_its_buttons_whoever_logs_in() {
        let m = office();
        let e1 = &m.ephones[&EphoneTag(1)];
        let eff = effective(&m, PhoneRef::Ephone(EphoneTag(1), e1), None);
        assert_eq!(eff.source, Source::Own);
        assert_eq!(numbers(&eff)[..3], ["1099", "1050,1051", "1001"]);
        assert_eq!(eff.lines[1].kind, ButtonKind::Overlay);
        let as_user = effective(
            &m,
            PhoneRef::Ephone(EphoneTag(1), e1),
            Some(&UserName("amartin".into())),
        );
        assert_eq!(as_user.source, Source::Own);
    }

    #[test]
    fn em_phone_carries_logout_profile_then_user_profile_in_type_order() {
        let m = office();
        let e2 = &m.ephones[&EphoneTag(2)];
        let out = effective(&m, PhoneRef::Ephone(EphoneTag(2), e2), None);
        assert_eq!(out.source, Source::Logout(ProfileTag(1)));
        assert_eq!(numbers(&out), ["1900"]);
        assert_eq!(out.lines[0].dns[0].label.as_deref(), Some("Lobby 1900"));
        assert_eq!(out.speed_dials.len(), 2);
        let user = UserName("amartin".into());
        let inn = effective(&m, PhoneRef::Ephone(EphoneTag(2), e2), Some(&user));
        assert_eq!(inn.source, Source::User(ProfileTag(1)));
        assert_eq!(inn.user, Some(&user));
        assert_eq!(numbers(&inn), ["1001", "1099"]);
        assert_eq!(inn.lines[1].kind, ButtonKind::Silent);
    }

    #[test]
    fn lines_beyond_the_model_are_dropped_and_sip_takes_normal_lines_only() {
        let mut m = office();
        // cdubois: 1003 normal + overlay 1050,1051; a 7945 has two line buttons.
        let user = UserName("cdubois".into());
        let e2 = m.ephones[&EphoneTag(2)].clone();
        let eff = effective(&m, PhoneRef::Ephone(EphoneTag(2), &e2), Some(&user));
        assert_eq!(numbers(&eff), ["1003", "1050,1051"]);
        let p2 = m.pools[&PoolTag(2)].clone();
        let sip = effective(&m, PhoneRef::Pool(PoolTag(2), &p2), Some(&user));
        assert_eq!(numbers(&sip), ["1003"]);
        // One line button only: the overlay goes.
        m.ephones.get_mut(&EphoneTag(2)).unwrap().model = Some("7911".into());
        let e2 = m.ephones[&EphoneTag(2)].clone();
        let eff = effective(&m, PhoneRef::Ephone(EphoneTag(2), &e2), Some(&user));
        assert_eq!(numbers(&eff), ["1003"]);
    }

    #[test]
    fn pool_without_logout_profile_uses_its_number_lines() {
        let m = office();
        let p1 = &m.pools[&PoolTag(1)];
        let eff = effective(&m, PhoneRef::Pool(PoolTag(1), p1), None);
        assert_eq!(numbers(&eff), ["2001", "2002"]);
        assert_eq!(eff.lines[0].dns[0].name.as_deref(), Some("Marta Lopez"));
    }
}
