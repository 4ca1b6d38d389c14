//! Calls through a VoIP dial-peer end to end over loopback, driven by sipp (a client no one
//! here wrote) on both sides: a sipp UAC calls cmed from the dial-peer's target address,
//! cmed calls the sipp UAS at the dial-peer's `session target` (`allow-connections sip to
//! sip` lets a trunk's call out on another peer). The whole call (INVITE/100/180/200/ACK,
//! BYE/200 both legs), a busy far end (486 mapped back to the caller), a CANCEL while it
//! rings (200 and 487 on both legs), a call from an address no dial-peer points at (403),
//! and a forwarded call reaching the voicemail pilot with its Diversion header. Each sipp exits 0 only when its scenario ran to the end.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use support::daemon::{Daemon, cli_text, start_with};
use support::procs::Proc;
use support::sipp::{Uas, free_udp, reply, uas_scenario};
use support::wait_until;

const WAIT: Duration = Duration::from_secs(15);

/// The INVITE both UAC scenarios start with: a fixed branch per call, so that a CANCEL and
/// the ACK of an error response can carry the INVITE's (RFC 3261 §9.1, §17.1.1.3).
const UAC_INVITE: &str = r#"
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-[pid]-[call_number]
      From: "Alice Example" <sip:5551234@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:5551234@[local_ip]:[local_port]>
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]></send>
  <recv response="100" optional="true"/>
"#;

/// The ACK of a final error response (same branch as the INVITE).
const UAC_ACK: &str = r#"
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-[pid]-[call_number]
      From: "Alice Example" <sip:5551234@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
"#;

fn uac_busy() -> String {
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac busy">{UAC_INVITE}
  <recv response="180" optional="true"/>
  <recv response="486"/>{UAC_ACK}</scenario>
"#
    )
}

fn uac_forbidden() -> String {
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac forbidden">{UAC_INVITE}
  <recv response="403"/>{UAC_ACK}</scenario>
"#
    )
}

fn uac_cancel() -> String {
    format!(
        r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac cancel">{UAC_INVITE}
  <recv response="180"/>
  <send><![CDATA[
      CANCEL sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=z9hG4bK-[pid]-[call_number]
      From: "Alice Example" <sip:5551234@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 CANCEL
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="200"/>
  <recv response="487"/>{UAC_ACK}</scenario>
"#
    )
}

/// A far end that is busy: 486 to the INVITE, then the ACK.
fn uas_busy() -> String {
    let steps = format!(
        "\n  <recv request=\"INVITE\"/>{}\n  <recv request=\"ACK\"/>",
        reply("486 Busy Here", "[last_CSeq:]")
    );
    uas_scenario("uas busy", &steps)
}

/// A far end that rings until cancelled: 180, the CANCEL's 200, 487 to the INVITE (the
/// CANCEL's CSeq is not the INVITE's), the ACK.
fn uas_rings() -> String {
    let steps = format!(
        "\n  <recv request=\"INVITE\"/>{}\n  <recv request=\"CANCEL\"/>{}{}\n  <recv request=\"ACK\"/>",
        reply("180 Ringing", "[last_CSeq:]"),
        reply("200 OK", "[last_CSeq:]"),
        reply("487 Request Terminated", "CSeq: 1 INVITE"),
    );
    uas_scenario("uas cancelled", &steps)
}

/// A voicemail server: the INVITE must carry one Diversion naming 2002 as unavailable (its
/// pool is not registered, so `call-forward b2bua busy 8000` takes the call), or sipp
/// fails the call; then 486 and the ACK.
fn uas_checks_diversion() -> String {
    let steps = format!(
        r#"
  <recv request="INVITE">
    <action>
      <ereg regexp="&lt;sip:2002@127\.0\.0\.1&gt;;reason=unavailable;counter=1" search_in="hdr"
            header="Diversion:" check_it="true" assign_to="1"/>
    </action>
  </recv>
  <Reference variables="1"/>{}
  <recv request="ACK"/>"#,
        reply("486 Busy Here", "[last_CSeq:]")
    );
    uas_scenario("uas checks Diversion", &steps)
}

/// The small office with dial-peer 7 (`7...`) at the UAS and SIP-to-SIP calls allowed.
fn start_with_peer(dir: &Path, uas: u16) -> Daemon {
    start_with(dir, &with_peer(uas))
}

fn with_peer(uas: u16) -> String {
    support::SMALL_OFFICE.replace(
        "dial-peer voice 8000 voip\n",
        &format!(
            "voice service voip\n allow-connections sip to sip\n!\ndial-peer voice 7 voip\n \
destination-pattern 7...\n session protocol sipv2\n session target ipv4:127.0.0.1:{uas}\n codec g711ulaw\n!\n\
dial-peer voice 8000 voip\n"
        ),
    )
}

/// sipp as the caller from `ip`, dialling `number` at cmed: the built-in UAC or a scenario.
fn uac(dir: &Path, d: &Daemon, ip: &str, number: &str, scenario: Option<&str>) -> Output {
    let mut c = Command::new("sipp");
    c.arg(d.sip_addr().to_string())
        .args(["-i", ip, "-s", number, "-m", "1", "-d", "200"])
        .args(["-timeout", "15s", "-nostdin"])
        .current_dir(dir);
    match scenario {
        None => c.args(["-sn", "uac"]),
        Some(xml) => {
            let f = dir.join(format!("uac-{number}.xml"));
            std::fs::write(&f, xml).unwrap();
            c.arg("-sf").arg(f)
        }
    };
    c.output().expect("sipp runs")
}

fn ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: sipp failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .rev()
            .take(40)
            .collect::<Vec<_>>()
            .join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The whole call; while it is up (sipp holds it 3 s), `show sip-ua calls` has its two SIP
/// legs active, and `show call active voice compact` its two VoIP legs.
#[test]
fn sipp_calls_sipp_through_a_dial_peer() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp();
    let mut far = Uas::start(dir.path(), port, None, 1);
    let d = start_with_peer(dir.path(), port);
    let peer = cli_text(&d.data, &["show dial-peer voice 7"]);
    for field in [
        "VoiceOverIpPeer7\n",
        "\n        tag = 7, destination-pattern = `7...',\n",
        &format!("session-target = `ipv4:127.0.0.1:{port}', session-protocol = sipv2,"),
        "Operation state is up,",
    ] {
        assert!(peer.contains(field), "{field} in {peer}");
    }
    let mut caller = Proc(
        Command::new("sipp")
            .arg(d.sip_addr().to_string())
            .args([
                "-sn",
                "uac",
                "-i",
                "127.0.0.1",
                "-s",
                "7001",
                "-m",
                "1",
                "-d",
                "3000",
            ])
            .args(["-timeout", "15s", "-nostdin"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("sipp runs"),
    );
    let up = wait_until(WAIT, || {
        let t = cli_text(&d.data, &["show sip-ua calls"]);
        t.contains("\nTotal SIP call legs:2, User Agent Client:1, User Agent Server:1\n")
            && t.matches("State of the call       : STATE_ACTIVE (7)")
                .count()
                == 2
    });
    assert!(up, "{}", cli_text(&d.data, &["show sip-ua calls"]));
    let compact = cli_text(&d.data, &["show call active voice compact"]);
    assert!(compact.contains("Total call-legs: 2\n"), "{compact}");
    assert_eq!(compact.matches(" VOIP ").count(), 2, "{compact}");
    assert!(caller.exited_within(WAIT), "the sipp UAC did not finish");
    assert!(caller.0.wait().unwrap().success(), "the sipp UAC failed");
    far.finished_ok("the call");
    let t = cli_text(&d.data, &["show sip-ua calls"]);
    assert!(t.contains("\nTotal SIP call legs:0,"), "{t}");
}

/// One call of the UAC scenario `caller` to `number` through dial-peer 7, whose target is
/// a sipp UAS playing `far_end`; both must run to their end.
fn through_the_peer(far_end: &str, number: &str, caller: &str, what: &str) {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp();
    let mut far = Uas::start(dir.path(), port, Some(far_end), 1);
    let d = start_with_peer(dir.path(), port);
    ok(
        &uac(dir.path(), &d, "127.0.0.1", number, Some(caller)),
        what,
    );
    far.finished_ok(what);
}

#[test]
fn a_busy_far_end_is_busy_for_the_caller() {
    through_the_peer(&uas_busy(), "7002", &uac_busy(), "busy");
}

#[test]
fn a_cancel_while_the_far_end_rings_cancels_both_legs() {
    through_the_peer(&uas_rings(), "7003", &uac_cancel(), "cancel");
}

/// A call in for 2002, whose pool is not registered, follows the DN's busy forward to the
/// voicemail pilot 8000 (dial-peer 8000, here at the sipp UAS), and the INVITE there says
/// so in its Diversion header; the pilot's 486 is the caller's.
#[test]
fn a_call_for_an_unregistered_number_reaches_the_pilot_with_a_diversion() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp();
    let mut far = Uas::start(dir.path(), port, Some(&uas_checks_diversion()), 1);
    let d = start_with(
        dir.path(),
        &support::SMALL_OFFICE
            .replace("ipv4:127.0.0.1:5070", &format!("ipv4:127.0.0.1:{port}"))
            .replace(
                "dial-peer voice 8000 voip\n",
                "voice service voip\n allow-connections sip to sip\n!\ndial-peer voice 8000 voip\n",
            ),
    );
    ok(
        &uac(dir.path(), &d, "127.0.0.1", "2002", Some(&uac_busy())),
        "diversion",
    );
    far.finished_ok("diversion");
}

/// The toll-fraud rule: 127.0.0.2 is no dial-peer's target, so its INVITE gets 403 and
/// nothing is called.
#[test]
fn a_call_from_an_address_no_dial_peer_points_at_is_forbidden() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp();
    let d = start_with_peer(dir.path(), port);
    ok(
        &uac(dir.path(), &d, "127.0.0.2", "7004", Some(&uac_forbidden())),
        "forbidden",
    );
    let calls = support::daemon::cli_text(&d.data, &["show call active voice brief"]);
    assert!(calls.contains("Total call-legs: 0"), "{calls}");
}
