//! Cisco IP Phone Services XML pages for the Services button and Extension Mobility:
//! `CiscoIPPhoneMenu`, `CiscoIPPhoneInput`, `CiscoIPPhoneText` (provisioning reference §3),
//! and the local directory (`CiscoIPPhoneDirectory`) of the Directories button.
//!
//! Pure builders; every value is escaped by the writer. The phone shows at most 100 menu
//! items and 5 input items; our pages stay far below, and texts are kept short (phones cut
//! text objects around 4000 bytes).

use super::xml::Xml;
use crate::config::model::Model;

/// A soft key: label, action URL (an HTTP URL or an internal URI such as `Init:Services`),
/// position 1–4.
pub struct SoftKey<'a> {
    /// Label.
    pub name: &'a str,
    /// What it does.
    pub url: &'a str,
    /// Position on the screen.
    pub position: u8,
}

fn soft_keys(x: &mut Xml, keys: &[SoftKey<'_>]) {
    for k in keys {
        x.open("SoftKeyItem", &[])
            .leaf("Name", k.name)
            .leaf("URL", k.url)
            .leaf("Position", &k.position.to_string())
            .close();
    }
}

/// `CiscoIPPhoneMenu` with (name, URL) items.
pub fn menu(title: &str, prompt: &str, items: &[(String, String)]) -> String {
    let mut x = Xml::new();
    x.open("CiscoIPPhoneMenu", &[])
        .leaf("Title", title)
        .leaf("Prompt", prompt);
    for (name, url) in items {
        x.open("MenuItem", &[])
            .leaf("Name", name)
            .leaf("URL", url)
            .close();
    }
    x.finish()
}

/// One input field of a `CiscoIPPhoneInput`.
pub struct Field<'a> {
    /// Label on the phone.
    pub label: &'a str,
    /// Query parameter the phone appends.
    pub param: &'a str,
    /// Prefilled value.
    pub default: &'a str,
    /// `InputFlags`: `A` text, `T` telephone number, `N` numeric, with `P` to mask.
    pub flags: &'a str,
}

/// `CiscoIPPhoneInput`: the phone GETs `url` with each field as `param=value` appended.
pub fn input(title: &str, prompt: &str, url: &str, fields: &[Field<'_>]) -> String {
    let mut x = Xml::new();
    x.open("CiscoIPPhoneInput", &[])
        .leaf("Title", title)
        .leaf("Prompt", prompt)
        .leaf("URL", url);
    for f in fields {
        x.open("InputItem", &[])
            .leaf("DisplayName", f.label)
            .leaf("QueryStringParam", f.param)
            .leaf("DefaultValue", f.default)
            .leaf("InputFlags", f.flags)
            .close();
    }
    x.finish()
}

/// `CiscoIPPhoneText` with optional soft keys.
pub fn text(title: &str, prompt: &str, body: &str, keys: &[SoftKey<'_>]) -> String {
    let mut x = Xml::new();
    x.open("CiscoIPPhoneText", &[])
        .leaf("Title", title)
        .leaf("Prompt", prompt)
        .leaf("Text", body);
    soft_keys(&mut x, keys);
    x.finish()
}

/// The phones' local directory (`/localdirectory`, the Directories button): the `directory
/// entry` lines and every named directory number, by name; at most 32 entries, as phones
/// show no more in one `CiscoIPPhoneDirectory`.
pub fn local_directory(model: &Model) -> String {
    let mut entries: Vec<(&str, &str)> = model
        .telephony
        .directory
        .values()
        .map(|(number, name)| (name.as_str(), number.as_str()))
        .chain(
            model
                .dns
                .values()
                .filter_map(|d| Some((d.name.as_deref()?, d.number.as_ref()?.0.as_str()))),
        )
        .collect();
    entries.sort();
    entries.dedup();
    let mut x = Xml::new();
    x.open("CiscoIPPhoneDirectory", &[])
        .leaf("Title", "Local Directory")
        .leaf("Prompt", "Select an entry");
    for (name, number) in entries.into_iter().take(32) {
        x.open("DirectoryEntry", &[])
            .leaf("Name", name)
            .leaf("Telephone", number)
            .close();
    }
    x.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_and_carry_their_items() {
        let m = menu(
            "Services",
            "Select",
            &[("A&B".into(), "http://x/?a=1&b=2".into())],
        );
        assert!(m.contains("<Name>A&amp;B</Name>"));
        assert!(m.contains("<URL>http://x/?a=1&amp;b=2</URL>"));
        let i = input(
            "EM",
            "Log in",
            "http://x/e?device=SEP1",
            &[Field {
                label: "Password",
                param: "password",
                default: "",
                flags: "AP",
            }],
        );
        assert!(i.contains("<InputFlags>AP</InputFlags>"));
        let t = text(
            "EM",
            "",
            "ok",
            &[SoftKey {
                name: "Logout",
                url: "http://x/",
                position: 1,
            }],
        );
        assert!(t.contains("<SoftKeyItem>"));
    }
}
