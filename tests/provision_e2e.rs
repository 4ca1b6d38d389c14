//! TFTP and HTTP provisioning end to end, driven by real clients as phones and
//! administrators would use them: tftp-hpa (octet and netascii), atftp with RFC 2347/2348/
//! 2349/7440 options, curl over TFTP and HTTP. `scripts/test.sh` installs the clients.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::daemon::{Daemon, cli_text, start};

/// A daemon on the sample office with a TFTP root holding a 40 MB firmware file and a link
/// that points out of the root.
struct Office {
    d: Daemon,
    dir: tempfile::TempDir,
    tftp: u16,
    http: u16,
}

fn office() -> Office {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tftpboot");
    std::fs::create_dir(&root).unwrap();
    // 40 MB of varied bytes: 78,125 blocks of 512, so block numbers roll over.
    let mut big = Vec::with_capacity(40_000_000);
    let mut x: u32 = 0x1234_5678;
    while big.len() < 40_000_000 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        big.extend_from_slice(&x.to_le_bytes());
    }
    std::fs::write(root.join("SCCP45.9-4-2SR3-1S.sbn"), &big).unwrap();
    std::fs::write(root.join("Ringlist.xml"), "<CiscoIPPhoneRingList/>\n").unwrap();
    std::os::unix::fs::symlink("/etc/passwd", root.join("passwd")).unwrap();
    let config = dir.path().join("startup.cfg");
    std::fs::write(&config, support::SMALL_OFFICE).unwrap();
    let data = dir.path().join("data");
    let d = start(&config, &data, &["--tftp-root", root.to_str().unwrap()]);
    let (tftp, http) = (d.port("TFTP server"), d.port("HTTP provisioning server"));
    Office { d, dir, tftp, http }
}

impl Office {
    fn out(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn root_file(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.dir.path().join("tftpboot").join(name)).unwrap()
    }

    /// tftp-hpa `get` in `mode`; returns the client's output (errors are printed there).
    fn tftp_hpa(&self, mode: &str, remote: &str, local: &Path) -> String {
        let out = run(Command::new("tftp")
            .args([
                "127.0.0.1",
                &self.tftp.to_string(),
                "-m",
                mode,
                "-c",
                "get",
                remote,
            ])
            .arg(local));
        format!("{}{}", text(&out.stdout), text(&out.stderr))
    }

    fn curl_http(&self, path: &str) -> (u16, Vec<u8>) {
        let body = self.out("http.body");
        let out = run(Command::new("curl")
            .args(["-s", "--path-as-is", "-o"])
            .arg(&body)
            .args(["-w", "%{http_code}"])
            .arg(format!("http://127.0.0.1:{}{path}", self.http)));
        let code = text(&out.stdout).parse().unwrap();
        (code, std::fs::read(&body).unwrap_or_default())
    }

    fn generated(&self, name: &str) -> Vec<u8> {
        let (code, body) = self.curl_http(&format!("/{name}"));
        assert_eq!(code, 200, "{name}");
        body
    }
}

fn run(c: &mut Command) -> Output {
    c.output()
        .unwrap_or_else(|e| panic!("{c:?}: {e} (scripts/test.sh installs the TFTP clients)"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn version_stamp(xml: &[u8]) -> String {
    let s = text(xml);
    let a = s.find("<versionStamp>").unwrap() + "<versionStamp>".len();
    let b = s[a..].find('<').unwrap();
    s[a..a + b].to_string()
}

#[test]
fn tftp_hpa_fetches_the_generated_file_in_octet_and_netascii() {
    let o = office();
    let want = o.generated("SEP0022905B11C2.cnf.xml");
    for mode in ["octet", "netascii"] {
        let local = o.out(&format!("cnf.{mode}"));
        let said = o.tftp_hpa(mode, "SEP0022905B11C2.cnf.xml", &local);
        assert!(said.is_empty(), "{mode}: {said}");
        // netascii travels as CR LF and the client turns it back into LF.
        assert_eq!(std::fs::read(&local).unwrap(), want, "{mode}");
    }
    // A lower-case MAC and a leading slash name the same phone.
    let local = o.out("cnf.lower");
    assert!(
        o.tftp_hpa("octet", "/sep0022905b11c2.cnf.xml", &local)
            .is_empty()
    );
    assert_eq!(std::fs::read(&local).unwrap(), want);
}

#[test]
fn a_40_mb_file_arrives_byte_identical_through_block_number_rollover() {
    let o = office();
    let want = o.root_file("SCCP45.9-4-2SR3-1S.sbn");
    let local = o.out("big.tftp");
    let said = o.tftp_hpa("octet", "SCCP45.9-4-2SR3-1S.sbn", &local);
    assert!(said.is_empty(), "{said}");
    assert!(
        std::fs::read(&local).unwrap() == want,
        "tftp-hpa copy differs"
    );
    // The same file over HTTP provisioning.
    let (code, body) = o.curl_http("/SCCP45.9-4-2SR3-1S.sbn");
    assert_eq!(code, 200);
    assert!(body == want, "HTTP copy differs");
}

fn atftp(o: &Office, remote: &str, local: &Path, trace: bool) -> String {
    let out = run(Command::new("atftp")
        .args(["-g", "-r", remote, "-l"])
        .arg(local)
        .args(["--option", "blksize 1428", "--option", "tsize 0"])
        .args(["--option", "windowsize 8"])
        .args(if trace { &["--trace"][..] } else { &[][..] })
        .args(["127.0.0.1", &o.tftp.to_string()]));
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{said}");
    said
}

#[test]
fn atftp_negotiates_blksize_tsize_and_windowsize() {
    let o = office();
    // The OACK answers exactly the three options asked for.
    let local = o.out("default.atftp");
    let said = atftp(&o, "XMLDefault.cnf.xml", &local, true);
    let want = o.generated("XMLDefault.cnf.xml");
    let oack = said
        .lines()
        .find(|l| l.starts_with("received OACK"))
        .unwrap_or_else(|| panic!("no OACK in:\n{said}"));
    assert!(oack.contains("blksize: 1428"), "{oack}");
    assert!(oack.contains("windowsize: 8"), "{oack}");
    assert!(oack.contains(&format!("tsize: {}", want.len())), "{oack}");
    assert_eq!(oack.matches(": ").count(), 3, "{oack}");
    assert_eq!(std::fs::read(&local).unwrap(), want);
    // And a 40 MB file with those options arrives whole.
    let local = o.out("big.atftp");
    atftp(&o, "SCCP45.9-4-2SR3-1S.sbn", &local, false);
    assert!(
        std::fs::read(&local).unwrap() == o.root_file("SCCP45.9-4-2SR3-1S.sbn"),
        "atftp copy differs"
    );
}

#[test]
fn curl_fetches_over_tftp_with_a_large_block_size() {
    let o = office();
    for (name, blksize) in [
        ("SCCP45.9-4-2SR3-1S.sbn", "8192"),
        ("XMLDefault.cnf.xml", "1428"),
    ] {
        let local = o.out("curl.out");
        let out = run(Command::new("curl")
            .args(["-sS", "--tftp-blksize", blksize, "-o"])
            .arg(&local)
            .arg(format!("tftp://127.0.0.1:{}/{name}", o.tftp)));
        assert!(out.status.success(), "{name}: {}", text(&out.stderr));
        let want = if name.ends_with(".sbn") {
            o.root_file(name)
        } else {
            o.generated(name)
        };
        assert!(std::fs::read(&local).unwrap() == want, "{name} differs");
    }
}

#[test]
fn http_provisioning_serves_the_same_bytes_as_tftp() {
    let o = office();
    for name in [
        "SEP001E7A345A01.cnf.xml",
        "SEP00EBD5C29A11.cnf.xml",
        "XMLDefault.cnf.xml",
        "Ringlist.xml",
    ] {
        let local = o.out("same");
        assert!(o.tftp_hpa("octet", name, &local).is_empty(), "{name}");
        let (code, body) = o.curl_http(&format!("/{name}"));
        assert_eq!(code, 200, "{name}");
        assert_eq!(body, std::fs::read(&local).unwrap(), "{name}");
    }
}

#[test]
fn unknown_phones_get_not_found_then_the_default_file() {
    let o = office();
    let local = o.out("x");
    let said = o.tftp_hpa("octet", "SEP000000000001.cnf.xml", &local);
    assert!(said.contains("Error code 1"), "{said}");
    for trust in [
        "CTLSEP0022905B11C2.tlv",
        "ITLSEP0022905B11C2.tlv",
        "ITLFile.tlv",
    ] {
        let said = o.tftp_hpa("octet", trust, &local);
        assert!(said.contains("Error code 1"), "{trust}: {said}");
    }
    assert_eq!(o.curl_http("/SEP000000000001.cnf.xml").0, 404);
    let said = o.tftp_hpa("octet", "XMLDefault.cnf.xml", &local);
    assert!(said.is_empty(), "{said}");
    assert!(
        text(&std::fs::read(&local).unwrap()).contains("<loadInformation436 model=\"Cisco 7965\">")
    );
}

#[test]
fn traversal_and_writes_are_refused_with_the_right_errors() {
    let o = office();
    let local = o.out("x");
    for (name, code) in [
        ("../etc/passwd", "Error code 2"),
        ("..\\..\\etc\\passwd", "Error code 2"),
        ("a/../../etc/passwd", "Error code 2"),
        // Absolute names are taken relative to the root, where there is no /etc.
        ("/etc/passwd", "Error code 1"),
        // TFTP names are not URL-encoded: this is a file literally called %2e%2e.
        ("%2e%2e/etc/passwd", "Error code 1"),
        // A link inside the root that leads out of it.
        ("passwd", "Error code 2"),
    ] {
        let said = o.tftp_hpa("octet", name, &local);
        assert!(said.contains(code), "{name}: {said}");
    }
    for (path, status) in [
        ("/../etc/passwd", 403),
        ("/%2e%2e/%2e%2e/etc/passwd", 403),
        ("/..%5c..%5cetc%5cpasswd", 403),
        ("/passwd", 403),
        ("/etc/passwd", 404),
    ] {
        assert_eq!(o.curl_http(path).0, status, "{path}");
    }
    let upload = o.out("upload.txt");
    std::fs::write(&upload, "x").unwrap();
    let out = run(Command::new("tftp")
        .args(["127.0.0.1", &o.tftp.to_string(), "-m", "octet", "-c", "put"])
        .arg(&upload)
        .arg("upload.txt"));
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(said.contains("Error code 2"), "{said}");
    assert!(!o.dir.path().join("tftpboot/upload.txt").exists());
    let stats = cli_text(&o.d.data, &["show tftp statistics | include Refused"]);
    assert!(stats.contains("Refused"), "{stats}");
}

#[test]
fn a_config_change_shows_in_the_next_fetch_with_a_new_version_stamp() {
    let o = office();
    let before = o.generated("SEP0022905B11C2.cnf.xml");
    let out = cli_text(
        &o.d.data,
        &["configure terminal", "ephone 2", "type 7965", "end"],
    );
    assert!(!out.contains("\n% "), "{out}");
    let after = o.generated("SEP0022905B11C2.cnf.xml");
    assert_ne!(version_stamp(&before), version_stamp(&after));
    // A profile edit changes the file of the SIP phone that carries it.
    let sip_before = o.generated("SEP2C3124376B12.cnf.xml");
    let out = cli_text(
        &o.d.data,
        &[
            "configure terminal",
            "voice logout-profile 2",
            "no speed-dial 1",
            "end",
        ],
    );
    assert!(!out.contains("\n% "), "{out}");
    let sip_after = o.generated("SEP2C3124376B12.cnf.xml");
    assert!(!text(&sip_after).contains("speedDialNumber"));
    assert_ne!(version_stamp(&sip_before), version_stamp(&sip_after));
    // And TFTP serves the new bytes too.
    let local = o.out("after");
    assert!(
        o.tftp_hpa("octet", "SEP2C3124376B12.cnf.xml", &local)
            .is_empty()
    );
    assert_eq!(std::fs::read(&local).unwrap(), sip_after);
}

#[test]
fn bindings_counters_and_debug_are_visible_at_the_cli() {
    let o = office();
    let local = o.out("x");
    o.tftp_hpa("octet", "SEP001E7A345A01.cnf.xml", &local);
    let text = cli_text(
        &o.d.data,
        &[
            "show telephony-service tftp-bindings",
            "debug tftp events",
            "show tftp statistics",
            "no debug tftp events",
        ],
    );
    for want in [
        "tftp-server system:/its/XMLDefault.cnf.xml alias XMLDefault.cnf.xml\n",
        "tftp-server system:/its/SEP001E7A345A01.cnf.xml alias SEP001E7A345A01.cnf.xml\n",
        "tftp-server system:/cme/sipphone/SEP00EBD5C29A11.cnf.xml alias SEP00EBD5C29A11.cnf.xml\n",
        "tftp-server root:/Ringlist.xml alias Ringlist.xml\n",
        "TFTP Event debugging is on\n",
        "TFTP event debugging is on\n",
        "TFTP Event debugging is off\n",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let requests = text
        .lines()
        .find(|l| l.starts_with("Requests"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse::<u64>().ok())
        .unwrap();
    assert!(requests >= 1, "{text}");
}
