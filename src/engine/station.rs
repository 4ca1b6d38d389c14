//! What an SCCP phone is told when it registers: its button template, lines, speed dials and
//! banner, from its effective profile (`engine::profile`).
//!
//! Button positions: a line keeps the button it has (the ephone's `button N`, or its place in
//! the profile's ordered list); speed dials take the free buttons after that, in tag order,
//! up to the phone's button count (CME drops what does not fit, reference §1.3). Instances
//! are numbered within each kind, as `ButtonTemplate` requires (SCCP reference §2.4).

use crate::config::model::{ButtonKind, Model, NumberOwner};
use crate::engine::profile::{Effective, PhoneRef};
use crate::proto::sccp::msg::ButtonDef;
use crate::proto::sccp::session::{Station, StationLine, StationSpeedDial};
use crate::small_str::SmallStr;

/// `ButtonTemplate` kinds (SCCP reference §3.2).
const LINE: u8 = 0x09;
const SPEED_DIAL: u8 = 0x02;
const UNUSED: u8 = 0xFF;

/// The station for `phone` carrying `eff`.
pub fn station(model: &Model, phone: PhoneRef<'_>, eff: &Effective<'_>) -> Station {
    let capacity = phone.capacity().max(1);
    let mut slots: Vec<Option<ButtonDef>> = vec![None; capacity];
    let mut lines = Vec::new();
    for key in &eff.lines {
        let Some(first) = key.dns.first() else {
            continue;
        };
        let pos = usize::from(key.button).saturating_sub(1);
        if pos >= capacity || key.kind == ButtonKind::Expansion {
            continue;
        }
        let number = first.number.0.as_str();
        lines.push(StationLine {
            number: number.into(),
            name: first.name.as_deref().unwrap_or(number).into(),
            label: first.label.as_deref().unwrap_or(number).into(),
            forward: forward(model, &first.number),
        });
        slots[pos] = Some(ButtonDef {
            instance: lines.len() as u8,
            kind: LINE,
        });
    }
    let mut speed_dials = Vec::new();
    for (_, sd) in &eff.speed_dials {
        let Some(free) = slots.iter().position(Option::is_none) else {
            break;
        };
        speed_dials.push(StationSpeedDial {
            number: sd.number.as_str().into(),
            name: sd.label.as_deref().unwrap_or(&sd.number).into(),
        });
        slots[free] = Some(ButtonDef {
            instance: speed_dials.len() as u8,
            kind: SPEED_DIAL,
        });
    }
    // Trailing free buttons are left out; gaps between used ones stay as unused entries.
    while slots.last().is_some_and(Option::is_none) {
        slots.pop();
    }
    let buttons = slots
        .into_iter()
        .map(|b| {
            b.unwrap_or(ButtonDef {
                instance: 0,
                kind: UNUSED,
            })
        })
        .collect();
    let load = phone
        .model_keyword()
        .and_then(|m| model.telephony.loads.get(m))
        .map_or("", String::as_str);
    Station {
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

    fn kinds(s: &Station) -> Vec<(u8, u8)> {
        s.buttons.iter().map(|b| (b.kind, b.instance)).collect()
    }

    #[test]
    fn reception_phone_gets_ten_lines_then_its_speed_dial_on_the_add_on() {
        let m = office();
        let e = &m.ephones[&EphoneTag(1)];
        let p = PhoneRef::Ephone(EphoneTag(1), e);
        let s = station(&m, p, &effective(&m, p, None));
        // 7965 (6) + 7915-24 (24) buttons: lines on 1-10, the speed dial on 11.
        assert_eq!(s.lines.len(), 10);
        assert_eq!(s.buttons.len(), 11);
        assert_eq!(
            s.buttons[10],
            ButtonDef {
                instance: 1,
                kind: SPEED_DIAL
            }
        );
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
        let s = station(&m, p, &effective(&m, p, None));
        assert_eq!(kinds(&s), vec![(LINE, 1), (SPEED_DIAL, 1), (SPEED_DIAL, 2)]);
        // amartin: 1001, 1099 (silent ring), two speed dials.
        let u = UserName("amartin".into());
        let s = station(&m, p, &effective(&m, p, Some(&u)));
        assert_eq!(
            kinds(&s),
            vec![(LINE, 1), (LINE, 2), (SPEED_DIAL, 1), (SPEED_DIAL, 2)]
        );
        assert_eq!(s.user_name, "amartin");
        // A 7945 has two buttons: the speed dials do not fit.
        let e2 = &m.ephones[&EphoneTag(2)];
        let p2 = PhoneRef::Ephone(EphoneTag(2), e2);
        let s = station(&m, p2, &effective(&m, p2, Some(&u)));
        assert_eq!(kinds(&s), vec![(LINE, 1), (LINE, 2)]);
        assert!(s.speed_dials.is_empty());
    }
}
