//! `clock timezone` and `clock summer-time`: the zone every time of day is read in.

use std::sync::Arc;

use super::{Builder, Check, minutes_of, num};
use crate::civil::days_from_civil;
use crate::civil::zone::{Recur, Summer, SummerRule, Zone};
use crate::config::tree::Line;

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn index(list: &[&str], v: Option<&str>) -> u8 {
    v.and_then(|v| list.iter().position(|d| d.eq_ignore_ascii_case(v)))
        .unwrap_or(0) as u8
}

impl Builder<'_> {
    /// `clock timezone NAME HOURS [MINUTES]`, or our `clock timezone Area/City`.
    pub(super) fn clock_timezone(&mut self, l: &Line) -> Check<()> {
        let g = self.g;
        let name = l.get(g, "zone").unwrap_or("UTC");
        let Some(hours) = l.get(g, "hours") else {
            return match Zone::iana(name) {
                Some(z) if name.contains('/') => {
                    self.m.clock = Arc::new(z);
                    Ok(())
                }
                _ => Err(format!(
                    "% clock timezone {name} needs an hours offset (-23 to 23), or an IANA zone name such as Europe/Paris"
                )),
            };
        };
        let h: i32 = match hours.parse() {
            Ok(h) if (-23..=23).contains(&h) => h,
            _ => return Err(format!("% Invalid hours offset {hours}: use -23 to 23")),
        };
        let m: i32 = num(l.get(g, "minutes"));
        // `clock timezone NST -3 30` is three and a half hours west.
        let sign = if hours.starts_with('-') { -1 } else { 1 };
        let offset = sign * (h.abs() * 3600 + m * 60);
        self.m.clock = Arc::new(Zone::Fixed {
            name: name.to_string(),
            offset,
            summer: None,
        });
        Ok(())
    }

    /// `clock summer-time NAME recurring […]` or `… date …`, on the zone configured above.
    pub(super) fn clock_summer(&mut self, l: &Line) -> Check<()> {
        let g = self.g;
        let name = l.get(g, "zone").unwrap_or("").to_string();
        let offset = l.get(g, "offset").map_or(60, |o| num::<i32>(Some(o))) * 60;
        let time = |k: &str| minutes_of(l.get(g, k).unwrap_or("0:00")) as u16;
        let rule = if l.has("recurring") {
            let recur = |w: &str, d: &str, mo: &str, t: &str| Recur {
                week: match l.get(g, w) {
                    Some("first") => 1,
                    Some("last") => 5,
                    v => num(v),
                },
                weekday: index(&DAYS, l.get(g, d)),
                month: index(&MONTHS, l.get(g, mo)) + 1,
                minute: time(t),
            };
            if l.get(g, "week1").is_some() {
                SummerRule::Recurring {
                    start: recur("week1", "day1", "month1", "time1"),
                    end: recur("week2", "day2", "month2", "time2"),
                }
            } else {
                SummerRule::Recurring {
                    start: Recur::US_START,
                    end: Recur::US_END,
                }
            }
        } else {
            let at = |mo: &str, d: &str, y: &str, t: &str| {
                let month = i64::from(index(&MONTHS, l.get(g, mo))) + 1;
                days_from_civil(num(l.get(g, y)), month, num(l.get(g, d))) * 86_400
                    + i64::from(time(t)) * 60
            };
            let (start, end) = (
                at("month1", "date1", "year1", "time1"),
                at("month2", "date2", "year2", "time2"),
            );
            if end <= start {
                return Err("% The summer time ends before it starts".into());
            }
            SummerRule::Dates { start, end }
        };
        match Arc::make_mut(&mut self.m.clock) {
            Zone::Fixed { summer, .. } => {
                *summer = Some(Summer { name, rule, offset });
                Ok(())
            }
            Zone::Iana(_) => Err(
                "% clock summer-time does not apply to an IANA zone, which has its own rules"
                    .into(),
            ),
        }
    }
}
