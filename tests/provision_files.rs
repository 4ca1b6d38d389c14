//! The generated phone files: golden copies for the sample office, well-formed XML with the
//! elements phones need, escaping, and a `versionStamp` that follows the effective profile.
//!
//! Set `CMED_UPDATE_GOLDEN=1` to rewrite the golden files after an intended change, then
//! review the diff.

use cmed::config::load;
use cmed::config::model::Model;
use cmed::engine::Logins;
use cmed::files::{self, Lookup, Overrides, Site};
use cmed::grammar::graph::Grammar;
use cmed::ids::{DeviceName, EphoneTag, RegDnTag, UserName};
use quick_xml::events::Event;

mod support;

fn office() -> Model {
    let g = Grammar::embedded();
    let loaded = load::load(&g, support::SMALL_OFFICE);
    assert!(loaded.diagnostics.is_empty());
    loaded.model
}

fn site(m: &Model) -> Site {
    Site::of(m, &Overrides::default())
}

fn fetch(m: &Model, logins: &Logins, name: &str) -> String {
    match files::lookup(m, logins, &site(m), name.as_bytes()) {
        Lookup::Generated(g) => String::from_utf8(g.bytes).unwrap(),
        other => panic!("{name}: {other:?}"),
    }
}

/// Every element path (`device/devicePool/...`) with its text, in document order; panics on
/// malformed XML.
fn paths(xml: &str) -> Vec<(String, String)> {
    let mut r = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<String> = Vec::new();
    let mut out = Vec::new();
    loop {
        match r
            .read_event()
            .unwrap_or_else(|e| panic!("malformed XML: {e}\n{xml}"))
        {
            Event::Start(s) => {
                stack.push(String::from_utf8(s.name().as_ref().to_vec()).unwrap());
                out.push((stack.join("/"), String::new()));
            }
            Event::Text(t) => {
                let text = t.xml_content().unwrap().into_owned();
                if let Some(last) = out.last_mut() {
                    last.1.push_str(&text);
                }
            }
            Event::GeneralRef(g) => {
                let name = String::from_utf8(g.to_vec()).unwrap();
                let c = match name.as_str() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity {other}"),
                };
                if let Some(last) = out.last_mut() {
                    last.1.push_str(c);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty());
    out
}

fn text_of<'a>(p: &'a [(String, String)], path: &str) -> Vec<&'a str> {
    p.iter()
        .filter(|(k, _)| k == path)
        .map(|(_, v)| v.trim())
        .collect()
}

fn golden(name: &str, actual: &str) {
    let path = format!("{}/tests/golden/{name}", env!("CARGO_MANIFEST_DIR"));
    if std::env::var_os("CMED_UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (run with CMED_UPDATE_GOLDEN=1 to create it)"));
    assert_eq!(actual, want, "{name} differs from its golden copy");
}

#[test]
fn generated_files_match_their_golden_copies() {
    let m = office();
    let none = Logins::default();
    let mut logged = Logins::default();
    logged.insert(
        DeviceName::parse("SEP0022905B11C2").unwrap(),
        UserName("amartin".into()),
    );
    for (file, logins) in [
        ("XMLDefault.cnf.xml", &none),
        ("SEP001E7A345A01.cnf.xml", &none),
        ("SEP0022905B11C2.cnf.xml", &none),
        ("SEP00EBD5C29A11.cnf.xml", &none),
        ("SEP2C3124376B12.cnf.xml", &none),
    ] {
        golden(file, &fetch(&m, logins, file));
    }
    golden(
        "SEP0022905B11C2.amartin.cnf.xml",
        &fetch(&m, &logged, "SEP0022905B11C2.cnf.xml"),
    );
}

#[test]
fn sccp_file_of_an_em_phone_logged_out_has_what_the_phone_needs() {
    let m = office();
    let p = paths(&fetch(&m, &Logins::default(), "sep0022905b11c2.cnf.xml"));
    let cm = "device/devicePool/callManagerGroup/members/member/callManager";
    assert_eq!(text_of(&p, "device/deviceProtocol"), ["SCCP"]);
    assert_eq!(
        text_of(&p, &format!("{cm}/ports/ethernetPhonePort")),
        ["2000"]
    );
    assert_eq!(text_of(&p, &format!("{cm}/processNodeName")), ["127.0.0.1"]);
    assert_eq!(
        text_of(&p, "device/loadInformation"),
        ["SCCP45.9-4-2SR3-1S"]
    );
    assert_eq!(
        text_of(&p, "device/servicesURL"),
        ["http://127.0.0.1:8080/services?device=SEP0022905B11C2"]
    );
    assert_eq!(
        text_of(&p, "device/authenticationURL"),
        ["http://127.0.0.1:8080/CCMCIP/authenticate.asp"]
    );
    assert_eq!(
        text_of(&p, "device/directoryURL"),
        ["http://127.0.0.1:8080/directory"]
    );
    assert_eq!(
        text_of(&p, "device/userLocale/name"),
        ["English_United_States"]
    );
    assert_eq!(text_of(&p, "device/networkLocale"), ["United_States"]);
    assert_eq!(text_of(&p, "device/versionStamp").len(), 1);
    // SCCP phones get their lines over SCCP, never in the file.
    assert!(text_of(&p, "device/sipProfile").is_empty());
}

#[test]
fn non_em_phone_keeps_the_configured_services_url() {
    let m = office();
    let p = paths(&fetch(&m, &Logins::default(), "SEP001E7A345A01.cnf.xml"));
    assert_eq!(
        text_of(&p, "device/servicesURL"),
        ["http://127.0.0.1:8080/services"]
    );
}

#[test]
fn sip_file_carries_the_lines_of_the_effective_profile() {
    let m = office();
    let none = Logins::default();
    let own = paths(&fetch(&m, &none, "SEP00EBD5C29A11.cnf.xml"));
    let line = "device/sipProfile/sipLines/line";
    assert_eq!(text_of(&own, "device/deviceProtocol"), ["SIP"]);
    assert_eq!(
        text_of(
            &own,
            "device/devicePool/callManagerGroup/members/member/callManager/ports/sipPort"
        ),
        ["5060"]
    );
    assert_eq!(text_of(&own, &format!("{line}/featureID")), ["9", "9"]);
    assert_eq!(text_of(&own, &format!("{line}/name")), ["2001", "2002"]);
    assert_eq!(
        text_of(&own, &format!("{line}/displayName")),
        ["Marta Lopez", "Lab Line"]
    );
    assert_eq!(
        text_of(&own, &format!("{line}/authName")),
        ["mlopez", "mlopez"]
    );
    assert_eq!(
        text_of(&own, &format!("{line}/authPassword")),
        ["Lab2001x", "Lab2001x"]
    );
    assert_eq!(
        text_of(&own, "device/sipProfile/dialTemplate"),
        ["dialplan.xml"]
    );

    // Pool 2 is EM-enabled: logged out it carries logout profile 2 (1901 and a speed dial) ...
    let out = paths(&fetch(&m, &none, "SEP2C3124376B12.cnf.xml"));
    assert_eq!(text_of(&out, &format!("{line}/name")), ["1901"]);
    assert_eq!(
        text_of(&out, &format!("{line}/featureLabel")),
        ["Meeting Room 1901", "Front Desk"]
    );
    assert_eq!(text_of(&out, &format!("{line}/speedDialNumber")), ["1099"]);
    // ... and with cdubois logged in, only her normal line (no overlay) plus her speed dial.
    let mut logins = Logins::default();
    logins.insert(
        DeviceName::parse("SEP2C3124376B12").unwrap(),
        UserName("cdubois".into()),
    );
    let inn = paths(&fetch(&m, &logins, "SEP2C3124376B12.cnf.xml"));
    assert_eq!(text_of(&inn, &format!("{line}/name")), ["1003"]);
    assert_eq!(text_of(&inn, &format!("{line}/authName")), ["cdubois"]);
    assert_eq!(text_of(&inn, "device/sipProfile/phoneLabel"), ["cdubois"]);
}

#[test]
fn version_stamp_changes_with_the_profile_and_the_settings_only() {
    let mut m = office();
    let stamp = |m: &Model, logins: &Logins| {
        let p = paths(&fetch(m, logins, "SEP0022905B11C2.cnf.xml"));
        text_of(&p, "device/versionStamp")[0].to_string()
    };
    let none = Logins::default();
    let first = stamp(&m, &none);
    assert_eq!(stamp(&m, &none), first, "same inputs, same stamp");
    let mut logins = Logins::default();
    logins.insert(
        DeviceName::parse("SEP0022905B11C2").unwrap(),
        UserName("amartin".into()),
    );
    let in_stamp = stamp(&m, &logins);
    assert_ne!(in_stamp, first, "a login changes the stamp");
    // `ephone 2` / `type 7965`: a different load and more line buttons.
    m.ephones.get_mut(&EphoneTag(2)).unwrap().model = Some("7965".into());
    assert_ne!(
        stamp(&m, &none),
        first,
        "a settings change changes the stamp"
    );
    // An edit of the logout profile the phone carries.
    let mut m = office();
    m.logout_profiles
        .values_mut()
        .next()
        .unwrap()
        .speed_dials
        .clear();
    assert_ne!(stamp(&m, &none), first, "a profile edit changes the stamp");
}

#[test]
fn config_values_are_escaped() {
    let mut m = office();
    m.reg_dns.get_mut(&RegDnTag(1)).unwrap().name = Some("R&D <\"Lab\"> 'x'".into());
    let p = paths(&fetch(&m, &Logins::default(), "SEP00EBD5C29A11.cnf.xml"));
    assert_eq!(
        text_of(&p, "device/sipProfile/sipLines/line/displayName")[0],
        "R&D <\"Lab\"> 'x'"
    );
}

#[test]
fn xml_default_names_each_loaded_model_by_device_type() {
    let m = office();
    let p = paths(&fetch(&m, &Logins::default(), "XMLDefault.cnf.xml"));
    assert_eq!(
        text_of(&p, "Default/loadInformation435"),
        ["SCCP45.9-4-2SR3-1S"]
    );
    assert_eq!(
        text_of(&p, "Default/loadInformation436"),
        ["SCCP45.9-4-2SR3-1S"]
    );
    assert_eq!(
        text_of(
            &p,
            "Default/callManagerGroup/members/member/callManager/processNodeName"
        ),
        ["127.0.0.1"]
    );
}

#[test]
fn unknown_phones_trust_lists_and_bad_names_are_not_served() {
    let m = office();
    let s = site(&m);
    let none = Logins::default();
    let look = |n: &[u8]| files::lookup(&m, &none, &s, n);
    assert_eq!(look(b"SEP000000000001.cnf.xml"), Lookup::NotFound);
    assert_eq!(look(b"CTLSEP0022905B11C2.tlv"), Lookup::NotFound);
    assert_eq!(look(b"ITLFile.tlv"), Lookup::NotFound);
    assert!(matches!(look(b"../etc/passwd"), Lookup::Refused(_)));
    assert_eq!(look(b"/etc/passwd"), Lookup::Static("etc/passwd".into()));
}

/// The phones' files name the configured zone (the CUCM name of its standard offset), so
/// SIP phones, which take their time from the `Date:` header in GMT, show local time.
#[test]
fn phone_files_name_the_configured_time_zone() {
    let g = Grammar::embedded();
    let text = format!(
        "clock timezone PST -8\nclock summer-time PDT recurring\n{}",
        support::SMALL_OFFICE
    );
    let m = load::load(&g, &text).model;
    let xml = fetch(&m, &Logins::default(), "SEP00EBD5C29A11.cnf.xml");
    assert!(
        xml.contains("<timeZone>Pacific Standard/Daylight Time</timeZone>"),
        "{xml}"
    );
}
