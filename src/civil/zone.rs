//! The time zone the administrator configured, and local time in it: IOS's `clock timezone
//! NAME HOURS [MINUTES]` with `clock summer-time NAME recurring …` or `date …`, or our
//! extension `clock timezone Area/City`, an IANA zone from the database bundled at build time
//! (jiff). Without either, UTC. The machine's own zone is never read: what the phones show
//! and when `em logout` fires follow the configuration, as on a router.
//!
//! IOS's rules (Cisco's `clock summer-time` reference): summer time starts at the given time
//! of day in standard time and ends at the given time of day in summer time; a start month
//! after the end month is a southern-hemisphere summer, spanning the new year. `recurring`
//! with no dates is the United States rule (second Sunday of March 2:00 to first Sunday of
//! November 2:00). The offset is 60 minutes unless given.

use super::{civil, days_from_civil};

/// One end of a recurring summer time: the `week`th `weekday` of `month` at `minute` after
/// midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Recur {
    /// 1 to 4, or 5 for `last`.
    pub week: u8,
    /// 0 = Sunday.
    pub weekday: u8,
    /// 1 to 12.
    pub month: u8,
    /// Minutes after midnight.
    pub minute: u16,
}

impl Recur {
    /// IOS's default `recurring` start: second Sunday of March, 2:00.
    pub const US_START: Recur = Recur {
        week: 2,
        weekday: 0,
        month: 3,
        minute: 120,
    };
    /// IOS's default `recurring` end: first Sunday of November, 2:00.
    pub const US_END: Recur = Recur {
        week: 1,
        weekday: 0,
        month: 11,
        minute: 120,
    };

    /// The local (wall-clock) second this rule names in `year`, counted from the epoch.
    fn in_year(self, year: i64) -> i64 {
        let month = i64::from(self.month);
        let day = if self.week == 5 {
            // The last such weekday: back from the last day of the month.
            let next = if month == 12 {
                days_from_civil(year + 1, 1, 1)
            } else {
                days_from_civil(year, month + 1, 1)
            };
            let last = next - 1;
            last - (weekday(last) - i64::from(self.weekday)).rem_euclid(7)
        } else {
            let first = days_from_civil(year, month, 1);
            first
                + (i64::from(self.weekday) - weekday(first)).rem_euclid(7)
                + 7 * (i64::from(self.week) - 1)
        };
        day * 86_400 + i64::from(self.minute) * 60
    }
}

/// When summer time applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SummerRule {
    /// Every year, between two recurring days.
    Recurring {
        /// Start, in standard time.
        start: Recur,
        /// End, in summer time.
        end: Recur,
    },
    /// Once, between two local instants (seconds from the epoch, wall clock: the start in
    /// standard time, the end in summer time).
    Dates {
        /// Start.
        start: i64,
        /// End.
        end: i64,
    },
}

/// `clock summer-time`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summer {
    /// The name shown in summer (`CEST`).
    pub name: String,
    /// When.
    pub rule: SummerRule,
    /// Seconds added to standard time (60 minutes by default).
    pub offset: i32,
}

/// The configured zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Zone {
    /// `clock timezone NAME HOURS [MINUTES]`, with its summer time if configured.
    Fixed {
        /// The standard-time name (`CET`).
        name: String,
        /// Seconds east of UTC.
        offset: i32,
        /// `clock summer-time`.
        summer: Option<Summer>,
    },
    /// `clock timezone Area/City` (ours): the IANA zone's own rules.
    Iana(jiff::tz::TimeZone),
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::utc()
    }
}

/// An instant as the zone's wall clock reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Local {
    /// Wall-clock seconds from the epoch (what `civil` turns into a date and time).
    pub secs: i64,
    /// The zone's name at that instant (`CET`, `CEST`, `UTC`).
    pub abbrev: String,
    /// Seconds east of UTC at that instant.
    pub offset: i32,
    /// Whether summer time applies.
    pub summer: bool,
}

impl Local {
    /// The wall-clock date and time.
    pub fn civil(&self) -> super::Civil {
        civil(self.secs.max(0) as u64)
    }

    /// Seconds after local midnight.
    pub fn second_of_day(&self) -> u64 {
        self.secs.rem_euclid(86_400) as u64
    }
}

impl Zone {
    /// UTC, the zone when none is configured.
    pub fn utc() -> Zone {
        Zone::Fixed {
            name: "UTC".into(),
            offset: 0,
            summer: None,
        }
    }

    /// The IANA zone `name` from the bundled database.
    pub fn iana(name: &str) -> Option<Zone> {
        jiff::tz::TimeZone::get(name).ok().map(Zone::Iana)
    }

    /// Local time at `unix` (seconds, UTC).
    pub fn local(&self, unix: u64) -> Local {
        let unix = unix as i64;
        match self {
            Zone::Fixed {
                name,
                offset,
                summer,
            } => {
                let std = i64::from(*offset);
                let on = summer.as_ref().filter(|s| in_summer(s, std, unix));
                let (abbrev, off) = match on {
                    Some(s) => (s.name.clone(), *offset + s.offset),
                    None => (name.clone(), *offset),
                };
                Local {
                    secs: unix + i64::from(off),
                    abbrev,
                    offset: off,
                    summer: on.is_some(),
                }
            }
            Zone::Iana(tz) => {
                let Ok(ts) = jiff::Timestamp::from_second(unix) else {
                    return Zone::utc().local(unix as u64);
                };
                let info = tz.to_offset_info(ts);
                let off = info.offset().seconds();
                Local {
                    secs: unix + i64::from(off),
                    abbrev: info.abbreviation().to_string(),
                    offset: off,
                    summer: info.dst().is_dst(),
                }
            }
        }
    }
}

impl Zone {
    /// The first instant (unix seconds) at which the wall clock reads `local` (seconds from
    /// the epoch, wall clock): in the hour repeated in autumn, the first of the two; in the
    /// hour skipped in spring, the first instant after the skip (the wall clock then reads
    /// past `local`, so a time of day in the gap is reached once, late, not never).
    pub fn first_at(&self, local: i64) -> i64 {
        // The offsets a day either side: no zone changes its offset twice within two days.
        let around = |u: i64| i64::from(self.local(u.max(0) as u64).offset);
        let mut c = [
            local - around(local - 86_400),
            local - around(local + 86_400),
        ];
        c.sort_unstable();
        c.into_iter()
            .find(|&u| self.local(u.max(0) as u64).secs >= local)
            .unwrap_or(c[1])
    }

    /// Whether the wall clock reached `second_of_day` (seconds after local midnight) after
    /// `last` and at or before `now` (unix seconds): once a day, whatever the summer time
    /// does (`em logout 19:00` fires once on the day the clocks change, too).
    pub fn crosses(&self, last: u64, now: u64, second_of_day: u64) -> bool {
        if now <= last {
            return false;
        }
        let first = self.local(last).secs.div_euclid(86_400) - 1;
        // A daemon stopped for years checks the last ten years of days only.
        let end = self.local(now).secs.div_euclid(86_400) + 1;
        let start = first.max(end - 3660);
        (start..=end).any(|day| {
            let at = self.first_at(day * 86_400 + second_of_day as i64);
            (last as i64) < at && at <= now as i64
        })
    }
}

impl Zone {
    /// The standard-time offset, in seconds east of UTC (an IANA zone's is the smaller of
    /// its January and July offsets: its standard time in either hemisphere).
    pub fn standard_offset(&self) -> i32 {
        match self {
            Zone::Fixed { offset, .. } => *offset,
            // 2026-01-15 and 2026-07-15, 12:00 UTC.
            Zone::Iana(_) => self
                .local(1_768_478_400)
                .offset
                .min(self.local(1_784_116_800).offset),
        }
    }

    /// The Windows-style name Cisco phones take in their configuration file
    /// (`devicePool/dateTimeSetting/timeZone`) for this zone's standard offset; the phone
    /// applies that zone's own summer rule. The table is ours, from the names CUCM lists
    /// (provisioning reference: "from a fixed table"); an offset it lacks gets GMT's.
    pub fn phone_name(&self) -> &'static str {
        match self.standard_offset() / 60 {
            -600 => "Hawaiian Standard/Daylight Time",
            -540 => "Alaskan Standard/Daylight Time",
            -480 => "Pacific Standard/Daylight Time",
            -420 => "Mountain Standard/Daylight Time",
            -360 => "Central Standard/Daylight Time",
            -300 => "Eastern Standard/Daylight Time",
            -240 => "Atlantic Standard/Daylight Time",
            -210 => "Newfoundland Standard/Daylight Time",
            -180 => "E. South America Standard/Daylight Time",
            60 => "W. Europe Standard/Daylight Time",
            120 => "E. Europe Standard/Daylight Time",
            180 => "Russian Standard/Daylight Time",
            240 => "Arabian Standard/Daylight Time",
            330 => "India Standard/Daylight Time",
            420 => "SE Asia Standard/Daylight Time",
            480 => "China Standard/Daylight Time",
            540 => "Tokyo Standard/Daylight Time",
            600 => "AUS Eastern Standard/Daylight Time",
            720 => "New Zealand Standard/Daylight Time",
            _ => "GMT Standard/Daylight Time",
        }
    }
}

/// Whether `unix` falls in summer time `s` of a zone `std` seconds east of UTC.
fn in_summer(s: &Summer, std: i64, unix: i64) -> bool {
    let summer = std + i64::from(s.offset);
    match &s.rule {
        SummerRule::Recurring { start, end } => {
            let year = i64::from(civil((unix + std).max(0) as u64).year);
            let from = start.in_year(year) - std;
            let to = end.in_year(year) - summer;
            if from <= to {
                (from..to).contains(&unix)
            } else {
                // Southern hemisphere: summer from `start` to the next year's `end`.
                unix >= from || unix < to
            }
        }
        SummerRule::Dates { start, end } => ((start - std)..(end - summer)).contains(&unix),
    }
}

/// The weekday of a day counted from the epoch, 0 = Sunday (1970-01-01 was a Thursday).
fn weekday(day: i64) -> i64 {
    (day + 4).rem_euclid(7)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix seconds of a UTC date and time.
    fn utc(y: i64, mo: i64, d: i64, h: i64, mi: i64) -> u64 {
        (days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60) as u64
    }

    fn cet() -> Zone {
        // clock timezone CET 1 0
        // clock summer-time CEST recurring last Sun Mar 2:00 last Sun Oct 3:00
        Zone::Fixed {
            name: "CET".into(),
            offset: 3600,
            summer: Some(Summer {
                name: "CEST".into(),
                rule: SummerRule::Recurring {
                    start: Recur {
                        week: 5,
                        weekday: 0,
                        month: 3,
                        minute: 120,
                    },
                    end: Recur {
                        week: 5,
                        weekday: 0,
                        month: 10,
                        minute: 180,
                    },
                },
                offset: 3600,
            }),
        }
    }

    fn hm(l: &Local) -> (u32, u32, String) {
        let c = l.civil();
        (c.hour, c.minute, l.abbrev.clone())
    }

    #[test]
    fn recurring_eu_summer_time_changes_at_the_configured_local_times() {
        let z = cet();
        // 2026: summer from Sun 29 Mar 01:00 UTC (02:00 CET) to Sun 25 Oct 01:00 UTC (03:00 CEST).
        assert_eq!(hm(&z.local(utc(2026, 3, 29, 0, 59))), (1, 59, "CET".into()));
        assert_eq!(hm(&z.local(utc(2026, 3, 29, 1, 0))), (3, 0, "CEST".into()));
        assert_eq!(
            hm(&z.local(utc(2026, 10, 25, 0, 59))),
            (2, 59, "CEST".into())
        );
        assert_eq!(hm(&z.local(utc(2026, 10, 25, 1, 0))), (2, 0, "CET".into()));
        assert_eq!(
            hm(&z.local(utc(2026, 12, 1, 10, 15))),
            (11, 15, "CET".into())
        );
    }

    #[test]
    fn the_iana_zone_agrees_with_the_ios_rules_for_paris() {
        let paris = Zone::iana("Europe/Paris").unwrap();
        let ios = cet();
        for t in [
            utc(2026, 3, 29, 0, 59),
            utc(2026, 3, 29, 1, 0),
            utc(2026, 10, 25, 0, 59),
            utc(2026, 10, 25, 1, 0),
            utc(2026, 7, 14, 12, 0),
        ] {
            let (a, b) = (paris.local(t), ios.local(t));
            assert_eq!(
                (a.secs, a.offset, a.summer),
                (b.secs, b.offset, b.summer),
                "{t}"
            );
        }
        assert_eq!(paris.local(utc(2026, 7, 14, 12, 0)).abbrev, "CEST");
        assert!(Zone::iana("Mars/Olympus_Mons").is_none());
    }

    #[test]
    fn the_default_recurring_rule_is_the_us_one() {
        // clock timezone PST -8 / clock summer-time PDT recurring
        let z = Zone::Fixed {
            name: "PST".into(),
            offset: -8 * 3600,
            summer: Some(Summer {
                name: "PDT".into(),
                rule: SummerRule::Recurring {
                    start: Recur::US_START,
                    end: Recur::US_END,
                },
                offset: 3600,
            }),
        };
        // 2026: 8 March 10:00 UTC (02:00 PST) to 1 November 09:00 UTC (02:00 PDT).
        assert_eq!(hm(&z.local(utc(2026, 3, 8, 9, 59))), (1, 59, "PST".into()));
        assert_eq!(hm(&z.local(utc(2026, 3, 8, 10, 0))), (3, 0, "PDT".into()));
        assert_eq!(hm(&z.local(utc(2026, 11, 1, 8, 59))), (1, 59, "PDT".into()));
        assert_eq!(hm(&z.local(utc(2026, 11, 1, 9, 0))), (1, 0, "PST".into()));
    }

    #[test]
    fn a_southern_summer_spans_the_new_year() {
        // clock timezone AEST 10 / clock summer-time AEDT recurring 1 Sun Oct 2:00 1 Sun Apr 3:00
        let z = Zone::Fixed {
            name: "AEST".into(),
            offset: 10 * 3600,
            summer: Some(Summer {
                name: "AEDT".into(),
                rule: SummerRule::Recurring {
                    start: Recur {
                        week: 1,
                        weekday: 0,
                        month: 10,
                        minute: 120,
                    },
                    end: Recur {
                        week: 1,
                        weekday: 0,
                        month: 4,
                        minute: 180,
                    },
                },
                offset: 3600,
            }),
        };
        assert_eq!(z.local(utc(2026, 1, 15, 0, 0)).abbrev, "AEDT");
        assert_eq!(z.local(utc(2026, 6, 15, 0, 0)).abbrev, "AEST");
        assert_eq!(z.local(utc(2026, 12, 15, 0, 0)).abbrev, "AEDT");
        let sydney = Zone::iana("Australia/Sydney").unwrap();
        for t in [
            utc(2026, 1, 15, 0, 0),
            utc(2026, 6, 15, 0, 0),
            utc(2026, 12, 15, 0, 0),
        ] {
            assert_eq!(z.local(t).offset, sydney.local(t).offset, "{t}");
        }
    }

    #[test]
    fn a_summer_time_by_dates_applies_once() {
        let z = Zone::Fixed {
            name: "CET".into(),
            offset: 3600,
            summer: Some(Summer {
                name: "CEST".into(),
                rule: SummerRule::Dates {
                    start: days_from_civil(2026, 3, 29) * 86_400 + 7200,
                    end: days_from_civil(2026, 10, 25) * 86_400 + 10_800,
                },
                offset: 3600,
            }),
        };
        assert!(z.local(utc(2026, 7, 1, 0, 0)).summer);
        assert!(!z.local(utc(2027, 7, 1, 0, 0)).summer);
    }

    #[test]
    fn a_time_of_day_is_crossed_once_on_the_days_the_clocks_change() {
        let z = cet();
        let every_minute = |from: u64, to: u64, at: u64| {
            (from..to)
                .step_by(60)
                .filter(|&t| z.crosses(t, t + 60, at))
                .map(|t| t + 60)
                .collect::<Vec<_>>()
        };
        // 19:00 local on the spring day is 17:00 UTC; on the autumn day 18:00 UTC.
        let spring = every_minute(utc(2026, 3, 28, 12, 0), utc(2026, 3, 30, 12, 0), 19 * 3600);
        assert_eq!(spring, [utc(2026, 3, 28, 18, 0), utc(2026, 3, 29, 17, 0)]);
        // 02:30 on the autumn night comes twice on the wall clock, and fires once (the first).
        let autumn = every_minute(utc(2026, 10, 24, 12, 0), utc(2026, 10, 25, 12, 0), 9000);
        assert_eq!(autumn, [utc(2026, 10, 25, 0, 30)]);
        // 02:30 on the spring night never shows: it fires once, just after the skip.
        let gap = every_minute(utc(2026, 3, 28, 12, 0), utc(2026, 3, 29, 12, 0), 9000);
        assert_eq!(gap.len(), 1);
        assert!(
            gap[0] >= utc(2026, 3, 29, 1, 0) && gap[0] <= utc(2026, 3, 29, 1, 31),
            "{gap:?}"
        );
        // In UTC, as before: 19:00 each day.
        let u = Zone::utc();
        let day = 20_000 * 86_400;
        assert!(u.crosses(day + 19 * 3600 - 1, day + 19 * 3600, 19 * 3600));
        assert!(!u.crosses(day + 19 * 3600, day + 19 * 3600 + 5, 19 * 3600));
        assert!(u.crosses(day + 23 * 3600, day + 86_400 + 19 * 3600, 19 * 3600));
        assert!(!u.crosses(day + 10, day + 10, 19 * 3600));
    }

    #[test]
    fn phones_are_told_the_zone_of_the_standard_offset() {
        assert_eq!(cet().phone_name(), "W. Europe Standard/Daylight Time");
        assert_eq!(
            Zone::iana("Europe/Paris").unwrap().phone_name(),
            "W. Europe Standard/Daylight Time"
        );
        assert_eq!(
            Zone::iana("America/Los_Angeles").unwrap().standard_offset(),
            -8 * 3600
        );
        assert_eq!(
            Zone::iana("Australia/Sydney").unwrap().standard_offset(),
            10 * 3600
        );
        assert_eq!(Zone::utc().phone_name(), "GMT Standard/Daylight Time");
    }

    #[test]
    fn half_hour_zones_and_utc() {
        let z = Zone::Fixed {
            name: "IST".into(),
            offset: 5 * 3600 + 1800,
            summer: None,
        };
        assert_eq!(
            hm(&z.local(utc(2026, 12, 1, 10, 0))),
            (15, 30, "IST".into())
        );
        assert_eq!(
            hm(&Zone::utc().local(utc(2026, 12, 1, 10, 0))),
            (10, 0, "UTC".into())
        );
    }
}
