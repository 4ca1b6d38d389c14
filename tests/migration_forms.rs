//! IOS forms seen in real CME configurations that cmed used to refuse (issue 11, deliverable
//! 4): each loads without a diagnostic, means what IOS means, and renders back the same.

use cmed::config::model::{LineMode, LineType};
use cmed::config::{load, running as render};
use cmed::grammar::graph::Grammar;
use cmed::ids::{DialPeerTag, DnTag, ProfileTag};

const SYSTEM: &str = "telephony-service\n max-ephones 10\n max-dn 20\n";

/// Loads `body` after a telephony-service block; asserts it loads clean and renders stably.
fn clean(body: &str) -> load::Loaded {
    let g = Grammar::embedded();
    let text = format!("{SYSTEM}{body}");
    let l = load::load(&g, &text);
    assert!(l.diagnostics.is_empty(), "{body}: {:?}", l.diagnostics);
    let r = render::running_config(&g, &l.tree);
    let again = load::load(&g, &r);
    assert!(again.diagnostics.is_empty(), "{r}: {:?}", again.diagnostics);
    assert_eq!(render::running_config(&g, &again.tree), r);
    assert_eq!(l.model, again.model);
    l
}

#[test]
fn destination_patterns_with_sets_and_ranges() {
    let l = clean(
        "dial-peer voice 1 voip\n destination-pattern 9[1-7,9]......\n session target sip-server\n\
         dial-peer voice 2 voip\n destination-pattern 3003[012]..\n\
         dial-peer voice 3 voip\n destination-pattern [2-9]...\n",
    );
    let d = &l.model.dial_peers[&DialPeerTag(1)];
    assert_eq!(
        d.pattern.as_ref().map(|p| p.as_str()),
        Some("9[1-7,9]......")
    );
    assert!(d.sip_server);
    assert!(d.target.is_none());
    let g = Grammar::embedded();
    let bad = load::load(
        &g,
        &format!("{SYSTEM}dial-peer voice 1 voip\n destination-pattern 9[1-7\n"),
    );
    assert_eq!(bad.diagnostics.len(), 1);
}

#[test]
fn create_cnf_files_version_stamp_and_create_profile_sync() {
    let l = clean(
        " create cnf-files version-stamp 7960 Aug 13 2009 17:21:44\nvoice register global\n mode cme\n create profile sync 0004695155120541\n",
    );
    assert!(l.model.telephony.create_cnf_files);
    assert!(l.model.register.create_profile);
    let g = Grammar::embedded();
    assert!(
        render::running_config(&g, &l.tree)
            .contains(" create cnf-files version-stamp 7960 Aug 13 2009 17:21:44\n")
    );
}

#[test]
fn ip_source_address_with_a_secondary_router() {
    let l = clean(" ip source-address 10.1.1.1 port 2000 secondary 10.1.1.2 strict-match\n");
    assert_eq!(
        l.model.telephony.source,
        Some(("10.1.1.1".parse().unwrap(), 2000))
    );
}

#[test]
fn number_no_reg_and_re_entering_an_octo_line_dn_keeps_its_type() {
    let l = clean(
        "ephone-dn 6 octo-line\n number 1006 no-reg primary\n!\nephone-dn 6\n name Sales\n!\nephone-dn 7\n number 1007 secondary 2007 no-reg\n",
    );
    let dn = &l.model.dns[&DnTag(6)];
    assert_eq!(dn.mode, LineMode::Octo);
    assert_eq!(dn.name.as_deref(), Some("Sales"));
    assert_eq!(dn.number.as_ref().map(|n| n.0.as_str()), Some("1006"));
}

#[test]
fn url_authentication_in_ciscos_own_form() {
    let l = clean(" url authentication http://10.1.1.1/CCMCIP/authenticate.asp AppUser S3cret\n");
    let (url, app) = l.model.telephony.url_authentication.clone().unwrap();
    assert_eq!(url, "http://10.1.1.1/CCMCIP/authenticate.asp");
    let (name, secret) = app.unwrap();
    assert_eq!((name.as_str(), secret.text.as_str()), ("AppUser", "S3cret"));
}

#[test]
fn more_phone_types_and_device_id_name() {
    clean(
        "ephone 1\n mac-address 0001.0002.0003\n type CIPC\n!\nephone 2\n mac-address 0001.0002.0004\n type 7926\n",
    );
    clean(
        "voice register global\n mode cme\n max-pool 5\nvoice register pool 1\n id device-id-name CSFJSMITH\n type Jabber-CSF-Client\n\
         voice register pool 2\n id mac 0001.0002.0005\n type Jabber-Android\n",
    );
}

#[test]
fn a_profile_number_without_type_is_a_normal_line() {
    let l = clean(
        "ephone-dn 1\n number 1001\n!\nvoice user-profile 1\n user jdoe password 1234\n number 1001\n",
    );
    assert_eq!(
        l.model.user_profiles[&ProfileTag(1)].lines[0].kind,
        LineType::Normal
    );
}

#[test]
fn no_huntstop_is_kept_and_max_dn_takes_no_reg() {
    let l = clean(
        " max-dn 30 no-reg primary\nephone-dn 1\n number 1001\n no huntstop\nephone-dn 2\n number 1001\n huntstop\n",
    );
    assert_eq!(l.model.telephony.max_dn, 30);
    assert!(!l.model.dns[&DnTag(1)].huntstop);
    assert!(l.model.dns[&DnTag(2)].huntstop);
    let g = Grammar::embedded();
    assert!(render::running_config(&g, &l.tree).contains(" number 1001\n no huntstop\n"));
}

#[test]
fn tftp_server_alias_serves_the_file_under_the_alias() {
    use cmed::engine::Logins;
    use cmed::files::{self, Lookup, Overrides, Site};
    let l = clean(
        "tftp-server flash:phone/7945/SCCP45.9-4-2SR3-1S.loads alias SCCP45.9-4-2SR3-1S.loads\ntftp-server flash:music-on-hold.au\n",
    );
    let m = &l.model;
    let site = Site::of(m, &Overrides::default());
    let look = |n: &str| files::lookup(m, &Logins::default(), &site, n.as_bytes());
    assert_eq!(
        look("SCCP45.9-4-2SR3-1S.loads"),
        Lookup::Static("phone/7945/SCCP45.9-4-2SR3-1S.loads".into())
    );
    assert_eq!(
        look("music-on-hold.au"),
        Lookup::Static("music-on-hold.au".into())
    );
    let g = Grammar::embedded();
    let bad = load::load(&g, "tftp-server flash:../etc/passwd alias x\n");
    assert_eq!(bad.diagnostics.len(), 1, "{:?}", bad.diagnostics);
    assert!(bad.model.tftp_aliases.is_empty());
}

#[test]
fn directory_entries_are_the_phones_local_directory() {
    use cmed::engine::Logins;
    use cmed::files::{self, Lookup, Overrides, Site, services};
    let l = clean(
        " ip source-address 10.1.1.1 port 2000\n directory entry 1 5551234 name Pizza Shop\n directory entry 2 5559876 name Bank\n\
         ephone-dn 1\n number 1001\n name Front Desk\nephone 1\n mac-address 0001.0002.0003\n button 1:1\nip http server\n",
    );
    let xml = services::local_directory(&l.model);
    assert!(
        xml.contains(
            "<DirectoryEntry>\n    <Name>Bank</Name>\n    <Telephone>5559876</Telephone>\n  </DirectoryEntry>"
        ),
        "{xml}"
    );
    let bank = xml.find("Bank").unwrap();
    assert!(
        bank < xml.find("Front Desk").unwrap()
            && xml.find("Front Desk").unwrap() < xml.find("Pizza Shop").unwrap()
    );
    // The Directories button opens it unless `url directories` says otherwise.
    let site = Site::of(&l.model, &Overrides::default());
    let Lookup::Generated(cnf) = files::lookup(
        &l.model,
        &Logins::default(),
        &site,
        b"SEP000100020003.cnf.xml",
    ) else {
        panic!("no file")
    };
    let cnf = String::from_utf8(cnf.bytes).unwrap();
    assert!(
        cnf.contains("<directoryURL>http://10.1.1.1:80/localdirectory</directoryURL>"),
        "{cnf}"
    );
}
