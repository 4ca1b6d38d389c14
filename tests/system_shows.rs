//! `show clock`, `show version`, `show telephony-service [all]` and the time zone commands,
//! as an IOS administrator types them.

mod support;

use cmed::time::{Mono, Now, Unix};
use support::{Console, SMALL_OFFICE};

/// 2026-12-01 10:15:02.123 UTC, a Tuesday.
fn december() -> Now {
    Now {
        unix: Unix(1_796_120_102),
        mono: Mono(std::time::Duration::from_secs(3 * 3600 + 125)),
        millis: 123,
    }
}

#[test]
fn show_clock_is_in_the_configured_zone_with_summer_time() {
    let mut c = Console::new(SMALL_OFFICE);
    c.now = december();
    assert_eq!(
        c.type_lines(&["show clock"]),
        "CME-Office#show clock\n*10:15:02.123 UTC Tue Dec 1 2026\n"
    );
    let t = c.type_lines(&[
        "conf t",
        "clock timezone CET 1 0",
        "clock summer-time CEST recurring last Sun Mar 2:00 last Sun Oct 3:00",
        "end",
        "show clock",
    ]);
    assert!(
        t.ends_with("CME-Office#show clock\n*11:15:02.123 CET Tue Dec 1 2026\n"),
        "{t}"
    );
    // In July, summer time.
    c.now.unix = Unix(1_784_116_800);
    let t = c.type_lines(&["show clock detail"]);
    assert!(t.contains("*14:00:00.123 CEST Wed Jul 15 2026\n"), "{t}");
    assert!(t.contains("Time zone CEST, summer time UTC+2:00\n"), "{t}");
    // The running-config keeps IOS's spelling.
    let r = c.type_lines(&["show running-config | include clock"]);
    assert!(r.contains("\nclock timezone CET 1 0\nclock summer-time CEST recurring last Sun Mar 2:00 last Sun Oct 3:00\n"), "{r}");
}

#[test]
fn an_iana_zone_and_negative_and_half_hour_offsets() {
    let mut c = Console::new(SMALL_OFFICE);
    c.now = december();
    let t = c.type_lines(&["conf t", "clock timezone America/New_York", "do show clock"]);
    assert!(t.ends_with("*05:15:02.123 EST Tue Dec 1 2026\n"), "{t}");
    let t = c.type_lines(&["clock timezone NST -3 30", "do show clock"]);
    assert!(t.ends_with("*06:45:02.123 NST Tue Dec 1 2026\n"), "{t}");
    let t = c.type_lines(&["clock timezone XYZ 24"]);
    assert!(
        t.contains("% Invalid hours offset 24: use -23 to 23\n"),
        "{t}"
    );
    let t = c.type_lines(&["clock timezone Nowhere/Atlantis"]);
    assert!(t.contains("needs an hours offset"), "{t}");
    let t = c.type_lines(&[
        "clock timezone Europe/Paris",
        "clock summer-time CEST recurring",
    ]);
    assert!(
        t.contains("% clock summer-time does not apply to an IANA zone"),
        "{t}"
    );
}

#[test]
fn show_version_has_the_lines_ios_tools_read() {
    let mut c = Console::new(SMALL_OFFICE);
    c.now = december();
    let t = c.type_lines(&["show version"]);
    let first = t.lines().nth(1).unwrap();
    assert!(first.starts_with("Cisco IOS Software"), "{t}");
    assert!(
        first.contains(&format!(
            ", Version {}, RELEASE SOFTWARE",
            env!("CARGO_PKG_VERSION")
        )),
        "{t}"
    );
    assert!(
        t.contains("\nCME-Office uptime is 3 hours, 2 minutes\n"),
        "{t}"
    );
    assert!(t.contains("\nSystem image file is \"flash:cmed\"\n"), "{t}");
    assert!(t.contains("\nConfiguration register is 0x2102\n"), "{t}");
}

#[test]
fn show_telephony_service_prints_the_cme_settings_and_all_adds_the_phones() {
    let mut c = Console::new(SMALL_OFFICE);
    let t = c.type_lines(&["show telephony-service"]);
    assert!(
        t.contains("\nCONFIG (Version=8.7)\n=====================\n"),
        "{t}"
    );
    assert!(t.contains("\nmax-ephones "), "{t}");
    assert!(!t.contains("ephone-dn"), "{t}");
    let all = c.type_lines(&["show telephony-service all"]);
    assert!(all.contains("\nephone-dn  1"), "{all}");
    assert!(all.contains("\nephone  1\n"), "{all}");
}

#[test]
fn show_ephone_dn_lists_each_dn_and_summary_one_line_each() {
    let mut c = Console::new(SMALL_OFFICE);
    let t = c.type_lines(&["show ephone-dn summary"]);
    assert!(t.contains("\nTag    Number           Name"), "{t}");
    assert!(t.contains("\n1      1001"), "{t}");
    let one = c.type_lines(&["show ephone-dn 1"]);
    assert!(one.contains("Tag 1, Normal or Intercom dn\n"), "{one}");
    let all = c.type_lines(&["show ephone-dn"]);
    assert!(
        all.matches(", Normal or Intercom dn\n").count() > 1,
        "{all}"
    );
    // `show ephone` still means the phones.
    let phones = c.type_lines(&["show ephone summary"]);
    assert!(!phones.contains("Normal or Intercom"), "{phones}");
}
