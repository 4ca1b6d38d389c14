//! What a phone carries when it registers, as a protocol-neutral [`Layout`]: its buttons,
//! lines, speed dials and banner, from its effective profile (`engine::profile`). The
//! protocol renders it (`proto::sccp::station` numbers the buttons for `ButtonTemplate`).
//!
//! Button positions: a line keeps the button it has (the ephone's `button N`, or its place in
//! the profile's ordered list); speed dials take the free buttons after that, in tag order,
//! up to the phone's button count (CME drops what does not fit, reference §1.3).

use crate::config::model::{ButtonKind, Model, NumberOwner};
use crate::engine::profile::{Effective, LineKey, PhoneRef};
use crate::leg::{Button, Layout, LineAppearance, LineInstance, SpeedDial};
use crate::small_str::SmallStr;

/// The line keys of `eff` that become line appearances on `phone`, each with its line
/// instance (from 1, in button order): a key with a DN, on a button the phone has, that is not
/// an overlay expansion. The one rule [`layout`] and the dial plan (`engine::routing`) share,
/// so a call rings the line the phone was given.
pub fn line_keys<'e>(
    phone: PhoneRef<'_>,
    eff: &'e Effective<'_>,
) -> impl Iterator<Item = (LineInstance, &'e LineKey)> + 'e {
    let capacity = phone.capacity().max(1);
    eff.lines
        .iter()
        .filter(move |key| {
            !key.dns.is_empty()
                && usize::from(key.button).saturating_sub(1) < capacity
                && key.kind != ButtonKind::Expansion
        })
        .zip(1..)
        .map(|(key, n)| (LineInstance(n), key))
}

/// The layout of `phone` carrying `eff`.
pub fn layout(model: &Model, phone: PhoneRef<'_>, eff: &Effective<'_>) -> Layout {
    let capacity = phone.capacity().max(1);
    let mut slots: Vec<Option<Button>> = vec![None; capacity];
    let mut lines = Vec::new();
    for (_, key) in line_keys(phone, eff) {
        let first = &key.dns[0];
        let pos = usize::from(key.button).saturating_sub(1);
        let number = first.number.0.as_str();
        slots[pos] = Some(Button::Line(lines.len() as u8));
        lines.push(LineAppearance {
            number: number.into(),
            name: first.name.as_deref().unwrap_or(number).into(),
            label: first.label.as_deref().unwrap_or(number).into(),
            forward: forward(model, &first.number),
            monitor: matches!(key.kind, ButtonKind::Monitor | ButtonKind::Watch),
        });
    }
    let mut speed_dials = Vec::new();
    for (_, sd) in &eff.speed_dials {
        let Some(free) = slots.iter().position(Option::is_none) else {
            break;
        };
        slots[free] = Some(Button::SpeedDial(speed_dials.len() as u8));
        speed_dials.push(SpeedDial {
            number: sd.number.as_str().into(),
            name: sd.label.as_deref().unwrap_or(&sd.number).into(),
        });
    }
    // Trailing free buttons are left out; gaps between used ones stay as unused entries.
    while slots.last().is_some_and(Option::is_none) {
        slots.pop();
    }
    let buttons = slots
        .into_iter()
        .map(|b| b.unwrap_or(Button::Unused))
        .collect();
    let load = phone
        .model_keyword()
        .and_then(|m| model.telephony.loads.get(m))
        .map_or("", String::as_str);
    Layout {
        keepalive: model.telephony.keepalive,
        date_template: "M/D/Y".into(),
        buttons,
        banner: lines.first().map(|l| l.number.clone()).unwrap_or_default(),
        lines,
        speed_dials,
        services: Vec::new(),
        user_name: eff.user.map_or("", |u| u.0.as_str()).into(),
        server_name: model.hostname.as_str().into(),
        version: load.into(),
        zone: model.clock.clone(),
    }
}

/// Call-forward targets of the DN that carries `number` (all, busy, no answer).
fn forward(
    model: &Model,
    number: &crate::ids::Extension,
) -> (Option<SmallStr>, Option<SmallStr>, Option<SmallStr>) {
    let f = match model.numbers.get(number) {
        Some(NumberOwner::Ephone(t)) => model.dns.get(t).map(|d| &d.forward),
        Some(NumberOwner::Register(t)) => model.reg_dns.get(t).map(|d| &d.forward),
        None => None,
    };
    match f {
        Some(f) => (
            f.all.as_deref().map(SmallStr::from),
            f.busy.as_deref().map(SmallStr::from),
            f.noan.as_ref().map(|(t, _)| SmallStr::from(t.as_str())),
        ),
        None => (None, None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load;
    use crate::engine::profile::effective;
    use crate::grammar::graph::Grammar;
    use crate::ids::{EphoneTag, UserName};

    fn office() -> Model {
        let g = Grammar::embedded();
        load::load(&g, include_str!("../../sample-configs/small-office.cfg")).model
    }

    use Button::{Line as L, SpeedDial as S};

    fn kinds(s: &Layout) -> Vec<Button> {
        s.buttons.clone()
    }

    #[test]
    fn reception_phone_gets_ten_lines_then_its_speed_dial_on_the_add_on() {
        let m = office();
        let e = &m.ephones[&EphoneTag(1)];
        let p = PhoneRef::Ephone(EphoneTag(1), e);
        let s = layout(&m, p, &effective(&m, p, None));
        // 7965 (6) + 7915-24 (24) buttons: lines on 1-10, the speed dial on 11.
        assert_eq!(s.lines.len(), 10);
        assert_eq!(s.buttons.len(), 11);
        assert_eq!(s.buttons[10], S(0));
        assert_eq!(s.lines[0].number, "1099");
        assert_eq!(s.lines[0].label, "Reception 1099");
        assert_eq!(s.lines[2].forward.1.as_deref(), Some("8000"));
        assert_eq!(s.version, "SCCP45.9-4-2SR3-1S");
        assert_eq!(s.banner, "1099");
    }

    #[test]
    fn em_phone_speed_dials_fill_the_buttons_left_by_the_profile() {
        let m = office();
        let e = &m.ephones[&EphoneTag(5)];
        let p = PhoneRef::Ephone(EphoneTag(5), e);
        // Logged out: logout profile 1 = 1900 + two speed dials, on a 7965 (6 buttons).
        let s = layout(&m, p, &effective(&m, p, None));
        assert_eq!(kinds(&s), vec![L(0), S(0), S(1)]);
        // amartin: 1001, 1099 (silent ring), two speed dials.
        let u = UserName("amartin".into());
        let s = layout(&m, p, &effective(&m, p, Some(&u)));
        assert_eq!(kinds(&s), vec![L(0), L(1), S(0), S(1)]);
        assert_eq!(s.user_name, "amartin");
        // A 7945 has two buttons: the speed dials do not fit.
        let e2 = &m.ephones[&EphoneTag(2)];
        let p2 = PhoneRef::Ephone(EphoneTag(2), e2);
        let s = layout(&m, p2, &effective(&m, p2, Some(&u)));
        assert_eq!(kinds(&s), vec![L(0), L(1)]);
        assert!(s.speed_dials.is_empty());
    }
}
