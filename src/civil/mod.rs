//! Civil (calendar) time from unix seconds: for `DefineTimeDate` and the times `show`
//! commands print, in the configured zone (`zone`), and the SIP `Date:` header, in GMT.
//! Pure arithmetic; the caller supplies the instant.

pub mod zone;

pub use zone::{Local, Zone};

/// A UTC date and time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Year.
    pub year: u32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
    /// Day of the week, 0 = Sunday.
    pub weekday: u32,
    /// Hour, 0–23.
    pub hour: u32,
    /// Minute.
    pub minute: u32,
    /// Second.
    pub second: u32,
}

const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The SIP `Date:` form (RFC 3261 §20.17, RFC 1123, always GMT): `Tue, 01 Dec 2026 10:15:02 GMT`.
/// SIP phones set their clock from it when they have no NTP.
pub fn sip_date(unix: u64) -> String {
    let c = civil(unix);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[c.weekday as usize],
        c.day,
        MONTHS[(c.month - 1) as usize],
        c.year,
        c.hour,
        c.minute,
        c.second
    )
}

/// The civil time of `unix` seconds (H. Hinnant's days-to-civil algorithm).
pub fn civil(unix: u64) -> Civil {
    let days = unix / 86_400;
    let secs = unix % 86_400;
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    Civil {
        year: year as u32,
        month: month as u32,
        day: day as u32,
        // 1970-01-01 was a Thursday.
        weekday: ((days + 4) % 7) as u32,
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
    }
}

/// Days from the epoch of a proleptic Gregorian date (H. Hinnant's days-from-civil).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// IOS style, in `zone`: `22:26:32 CET Thu Apr 28 2005`.
pub fn ios(zone: &Zone, unix: u64) -> String {
    wall(zone, unix, None)
}

/// `show clock`: `*10:15:02.123 CET Tue Dec 1 2026`. The `*` is IOS's mark of a clock no NTP
/// has set: cmed takes the machine's clock as it is and runs no NTP of its own.
pub fn show_clock(zone: &Zone, unix: u64, millis: u32) -> String {
    format!("*{}", wall(zone, unix, Some(millis)))
}

fn wall(zone: &Zone, unix: u64, millis: Option<u32>) -> String {
    let l = zone.local(unix);
    let c = l.civil();
    let ms = millis.map_or(String::new(), |m| format!(".{m:03}"));
    format!(
        "{:02}:{:02}:{:02}{ms} {} {} {} {} {}",
        c.hour,
        c.minute,
        c.second,
        l.abbrev,
        DAYS[c.weekday as usize],
        MONTHS[(c.month - 1) as usize],
        c.day,
        c.year
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sip_date_is_rfc_1123_gmt() {
        // 2026-12-01 10:15:02 UTC, a Tuesday.
        assert_eq!(sip_date(1_796_120_102), "Tue, 01 Dec 2026 10:15:02 GMT");
    }

    #[test]
    fn known_instants() {
        // 2026-11-23 15:30:00 UTC, a Monday.
        assert_eq!(
            civil(1_795_447_800),
            Civil {
                year: 2026,
                month: 11,
                day: 23,
                weekday: 1,
                hour: 15,
                minute: 30,
                second: 0
            }
        );
        assert_eq!(ios(&Zone::utc(), 0), "00:00:00 UTC Thu Jan 1 1970");
        for (y, m, d) in [(1970, 1, 1), (2024, 2, 29), (2026, 12, 1), (2000, 3, 1)] {
            let c = civil((days_from_civil(y, m, d) * 86_400) as u64);
            assert_eq!((c.year, c.month, c.day), (y as u32, m as u32, d as u32));
        }
        // 2024-02-29, a leap day.
        assert_eq!(civil(1_709_164_800).day, 29);
    }
}
