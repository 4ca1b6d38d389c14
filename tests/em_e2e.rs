//! Extension Mobility end to end over loopback: the daemon as a child process, SCCP phones
//! simulated by `cmed::sim`, and an HTTP client that follows the service XML as a phone does.

mod support;

use std::net::SocketAddr;
use std::process::Command;

use cmed::sim::Phone;
use support::daemon::{Daemon, cli_text, http_get, start, start_office, xml_text};
use support::em::{login_from_the_phone, logout_from_the_phone};

fn sccp(d: &Daemon) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], d.sccp))
}

#[tokio::test]
async fn login_restarts_the_phone_into_the_user_profile_and_login_elsewhere_moves_the_user() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let mut lobby = Phone::new(sccp(&d), "5475D0A32204", 585);
    let mut desk = Phone::new(sccp(&d), "002333B84F05", 436);
    let before = lobby.register().await.unwrap();
    desk.register().await.unwrap();
    assert_eq!(before.lines[0].0, "1900", "logged out: the logout profile");
    let (_, file_before) = http_get(d.http_prov, "/SEP5475D0A32204.cnf.xml");

    let answer = login_from_the_phone(&d, "SEP5475D0A32204", "amartin", "Am4rtin9");
    assert!(answer.contains("Login Successful"), "{answer}");
    assert_eq!(lobby.wait_reset().await.unwrap(), 2, "restart after login");
    let after = lobby.restart().await.unwrap();
    let lines: Vec<&str> = after.lines.iter().map(|l| l.0.as_str()).collect();
    assert_eq!(lines, ["1001", "1099"]);
    assert_eq!(after.speed_dials[0].0, "1002");
    // The next fetch of its file carries a new versionStamp.
    let (_, file_after) = http_get(d.http_prov, "/SEP5475D0A32204.cnf.xml");
    assert_ne!(
        xml_text(&file_before, "versionStamp"),
        xml_text(&file_after, "versionStamp")
    );

    // The same user logs in on a second phone: the first restarts into its logout profile.
    let answer = login_from_the_phone(&d, "SEP002333B84F05", "amartin", "Am4rtin9");
    assert!(answer.contains("Login Successful"), "{answer}");
    assert_eq!(lobby.wait_reset().await.unwrap(), 2);
    assert_eq!(desk.wait_reset().await.unwrap(), 2);
    assert_eq!(lobby.restart().await.unwrap().lines[0].0, "1900");
    assert_eq!(desk.restart().await.unwrap().lines[0].0, "1001");
    let shown = cli_text(&d.data, &["show extension-mobility"]);
    assert!(
        shown.contains("SEP002333B84F05  ephone 5    amartin"),
        "{shown}"
    );
    assert!(shown.contains("login elsewhere"), "{shown}");

    // Logout through the logout prompt's soft key.
    let done = logout_from_the_phone(&d, "SEP002333B84F05");
    assert!(done.contains("Logout Successful"), "{done}");
    assert_eq!(desk.wait_reset().await.unwrap(), 2);
    assert_eq!(desk.restart().await.unwrap().lines[0].0, "1900");
    // Remember last user: the login form is prefilled.
    let (_, form) = http_get(d.http, "/emapp/EMAppServlet?device=SEP002333B84F05");
    assert!(
        form.contains("<DefaultValue>amartin</DefaultValue>"),
        "{form}"
    );
}

#[test]
fn service_errors_are_pages_with_cisco_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let page = |q: &str| http_get(d.http, &format!("/emapp/EMAppServlet?{q}")).1;
    assert!(
        page("device=SEP5475D0A32204&action=login&userid=amartin&password=x")
            .contains("Login is unavailable(201)")
    );
    assert!(page("device=SEP5475D0A32204&action=login&userid=&password=").contains("(202)"));
    assert!(page("device=").contains("(207)"));
    assert!(page("").contains("(207)"));
    assert!(
        page("device=SEP001E7A345A01").contains("(22)"),
        "reception phone has no logout profile"
    );
    assert!(page("device=%%%garbage").contains("<CiscoIPPhoneText>"));
    assert!(page("device=SEP000000000009").contains("(11)"));
    // A device parameter that would smuggle a query into the URLs we hand out is refused.
    let (_, menu) = http_get(d.http, "/services?device=SEP5475D0A32204%26action%3Dlogout");
    assert!(menu.contains("(11)"), "{menu}");
    // The phones' authentication URL answers with exactly one word.
    let auth = |q: &str| http_get(d.http, &format!("/CCMCIP/authenticate.asp?{q}")).1;
    assert_eq!(
        auth("UserID=emapp&Password=cisco123&devicename=SEP5475D0A32204"),
        "AUTHORIZED"
    );
    assert_eq!(auth("UserID=amartin&Password=Am4rtin9"), "AUTHORIZED");
    assert_eq!(auth("UserID=emapp&Password=nope"), "UN-AUTHORIZED");
    assert_eq!(auth("devicename=SEP5475D0A32204"), "ERROR");
    let out = Command::new("curl")
        .args(["-s", "-d", "UserID=emapp&Password=cisco123"])
        .arg(format!(
            "http://127.0.0.1:{}/CCMCIP/authenticate.asp",
            d.http
        ))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "AUTHORIZED");
}

#[test]
fn a_changed_password_survives_a_restart_and_emadmin_works() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("startup.cfg");
    std::fs::write(&config, support::SMALL_OFFICE).unwrap();
    let data = dir.path().join("data");
    let d = start(&config, &data, &[]);
    let answer = login_from_the_phone(&d, "SEP5475D0A32204", "glin", "Gl1007");
    assert!(answer.contains("Login Successful"), "{answer}");
    let (_, r) = http_get(
        d.http,
        "/changecredential/ChangeCredentialServlet?device=SEP5475D0A32204&old=Gl1007&new=S3cret&confirm=S3cret",
    );
    assert!(r.contains("Password changed."), "{r}");
    support::daemon::stop(d);
    let d = start(&config, &data, &[]);
    let shown = cli_text(&data, &["show extension-mobility"]);
    assert!(
        shown.contains("glin"),
        "the login survived the restart: {shown}"
    );
    let out = cli_text(&data, &["emadmin logout glin"]);
    assert!(!out.contains("% "), "{out}");
    assert!(login_from_the_phone(&d, "SEP5475D0A32204", "glin", "Gl1007").contains("(201)"));
    assert!(
        login_from_the_phone(&d, "SEP5475D0A32204", "glin", "S3cret").contains("Login Successful")
    );
    // The running-config never shows the changed password.
    let run = cli_text(&data, &["show running-config | include glin"]);
    assert!(!run.contains("S3cret"), "{run}");
    let out = cli_text(
        &data,
        &[
            "emadmin login hpeters 2",
            "show extension-mobility user hpeters",
        ],
    );
    assert!(
        out.contains("logged in on SEP0022905B11C2 (ephone 2)"),
        "{out}"
    );
    let out = cli_text(&data, &["emadmin login hpeters 1"]);
    assert!(
        out.contains("% Extension Mobility: Dev Logon Disabled (22)"),
        "{out}"
    );
}

#[test]
fn a_hundred_logins_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let generated = Command::new(env!("CARGO_BIN_EXE_cmed-gen-config"))
        .args(["--ephones", "400", "--dns", "800", "--users", "100"])
        .output()
        .unwrap();
    let text = String::from_utf8(generated.stdout).unwrap();
    // The MACs of the EM-enabled ephones, in order.
    let mut macs = Vec::new();
    let mut mac = None;
    for line in text.lines() {
        if let Some(m) = line.trim().strip_prefix("mac-address ") {
            mac = Some(m.replace('.', ""));
        }
        if line.trim().starts_with("logout-profile ") {
            macs.extend(mac.take());
        }
    }
    assert!(macs.len() >= 100, "{} EM phones", macs.len());
    let config = dir.path().join("startup.cfg");
    std::fs::write(&config, &text).unwrap();
    let data = dir.path().join("data");
    let mut d = start(&config, &data, &[]);
    for (i, mac) in macs.iter().take(100).enumerate() {
        let n = i + 1;
        let (_, r) = http_get(
            d.http,
            &format!("/emapp/EMAppServlet?device=SEP{mac}&action=login&userid=u{n}&password=p{n}"),
        );
        assert!(r.contains("Login Successful"), "login {n}: {r}");
    }
    // Every answer came after its commit: a SIGKILL now loses nothing.
    d.child.kill().unwrap();
    d.child.wait().unwrap();
    let d = start(&config, &data, &[]);
    let shown = cli_text(&d.data, &["show extension-mobility | include Total"]);
    assert!(shown.contains("Total users logged in: 100"), "{shown}");
}

fn em_api(d: &Daemon, xml: &str) -> String {
    let out = Command::new("curl")
        .args(["-s", "--data-urlencode", &format!("xml={xml}")])
        .arg(format!(
            "http://127.0.0.1:{}/emservice/EMServiceServlet",
            d.http
        ))
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_em_api_logs_in_queries_and_logs_out() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let app = "<appInfo><appID>emapp</appID><appCertificate>cisco123</appCertificate></appInfo>";
    let login = format!(
        "<request>{app}<login><deviceName>SEP0024C4A17E03</deviceName><userID>erossi</userID></login></request>"
    );
    assert!(em_api(&d, &login).contains("<success>"), "login");
    let q = format!(
        "<query>{app}<deviceUserQuery><deviceName>SEP0024C4A17E03</deviceName><deviceName>SEP0022905B11C2</deviceName><deviceName>SEP000000000001</deviceName></deviceUserQuery></query>"
    );
    let r = em_api(&d, &q);
    assert!(r.contains("<device name=\"SEP0024C4A17E03\">"), "{r}");
    assert!(r.contains("<userID>erossi</userID>"), "{r}");
    assert!(
        r.contains("<device name=\"SEP0022905B11C2\">\n      <none></none>"),
        "{r}"
    );
    assert!(
        r.contains("<device name=\"SEP000000000001\">\n      <doesNotExist></doesNotExist>"),
        "{r}"
    );
    let q = format!(
        "<query>{app}<userDevicesQuery><userID>erossi</userID><userID>ghost</userID></userDevicesQuery></query>"
    );
    let r = em_api(&d, &q);
    assert!(
        r.contains("<deviceName>SEP0024C4A17E03</deviceName>"),
        "{r}"
    );
    assert!(
        r.contains("<user id=\"ghost\">\n      <doesNotExist></doesNotExist>"),
        "{r}"
    );
    // Wrong application secret, a device without logout profile, a parse error.
    let bad = login.replace("cisco123", "nope");
    assert!(
        em_api(&d, &bad).contains("<error code=\"3\">"),
        "invalid app user"
    );
    let desk = login.replace("SEP0024C4A17E03", "SEP001E7A345A01");
    assert!(em_api(&d, &desk).contains("<error code=\"22\">"));
    assert!(em_api(&d, "<request><login>").contains("<error code="));
    let logout = format!(
        "<request>{app}<logout><deviceName>SEP0024C4A17E03</deviceName></logout></request>"
    );
    assert!(em_api(&d, &logout).contains("<success>"));
    assert!(
        em_api(&d, &logout).contains("<error code=\"19\">"),
        "nobody left to log out"
    );
}
