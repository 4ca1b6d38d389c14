//! Extension Mobility as a phone's user drives it: the service page's menu, the login form,
//! the logout prompt, followed over HTTP as a phone's browser follows the service XML.

use super::daemon::{Daemon, http_get, xml_text};

/// The path and query of an absolute URL from a page (`http://host:port/path?q`).
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/').map_or("/".into(), |i| rest[i..].to_string())
}

/// What a phone does: Services -> "Extension Mobility" -> fill the input -> submit. The
/// answer page.
pub fn login_from_the_phone(d: &Daemon, device: &str, user: &str, secret: &str) -> String {
    let (code, menu) = http_get(d.http, &format!("/services?device={device}"));
    assert_eq!(code, 200);
    assert!(menu.contains("<CiscoIPPhoneMenu>"), "{menu}");
    // Extension Mobility is the last entry.
    let names: Vec<&str> = menu
        .match_indices("<Name>")
        .map(|(i, _)| &menu[i + 6..])
        .collect();
    assert!(
        names
            .last()
            .unwrap()
            .starts_with("Extension Mobility</Name>"),
        "{menu}"
    );
    let em_url = menu
        .rsplit("<URL>")
        .next()
        .unwrap()
        .split("</URL>")
        .next()
        .unwrap();
    let (_, form) = http_get(d.http, &path_of(&em_url.replace("&amp;", "&")));
    assert!(form.contains("<CiscoIPPhoneInput>"), "{form}");
    assert!(
        form.contains("<InputFlags>AP</InputFlags>"),
        "password is masked: {form}"
    );
    let submit = xml_text(&form, "URL").unwrap();
    let (_, answer) = http_get(
        d.http,
        &format!("{}&userid={user}&password={secret}", path_of(&submit)),
    );
    answer
}

/// What a phone with a user logged in does to log out: the EM service shows the logout
/// prompt, the user presses its Logout soft key. The answer page.
pub fn logout_from_the_phone(d: &Daemon, device: &str) -> String {
    let (_, prompt) = http_get(d.http, &format!("/emapp/EMAppServlet?device={device}"));
    assert!(prompt.contains("<Name>Logout</Name>"), "{prompt}");
    let i = prompt.find("<Name>Logout</Name>").unwrap();
    let url = xml_text(&prompt[i..], "URL").unwrap();
    http_get(d.http, &path_of(&url)).1
}
