//! Voicemail end to end over loopback, with voicemail servers no one here wrote: the daemon
//! as a child process on the small office, its voicemail dial-peer 8000 pointed at the
//! server's port, a simulated SCCP phone (Jonas Berg, 1010, ephone 8) calling Chloe Dubois
//! (1003, user profile 3, no forwards of her own).
//!
//! - **sipp** as the voicemail server: while Chloe is logged in nowhere, her call reaches it
//!   with exactly one `Diversion: <sip:1003@…>;reason=unavailable;counter=1` (RFC 5806),
//!   or its scenario fails the call; its 200's SDP is where the caller is told to send
//!   (StartMediaTransmission), and cmed's ACK answers with the caller's receiver. The
//!   negative controls: the same scenario expecting 1004 fails the call, and so does one
//!   INVITE carrying the Diversion twice (sipp against sipp, no cmed).
//! - The Extension Mobility story, sipp still the server: logged out → voicemail; logged
//!   in on lobby phone A (service page) → 1003 rings A; logged in on lobby phone B → B
//!   rings, A (back on its logout profile) does not; sipsak's message-summary NOTIFY for
//!   1003 lights B's lamp, not A's; logged out → voicemail again. 1020, no user's and on
//!   no registered phone, gets reorder and never reaches the server.
//! - The DN forwards to the pilot: Alice's 1001 busy (`reason=user-busy`), Bruno's 1002
//!   unanswered (`reason=no-answer`), each with its one Diversion.
//! - **baresip** as the voicemail server, answering by itself and recording: the caller's
//!   440 Hz µ-law RTP, sent to the address of StartMediaTransmission, is what it recorded.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use cmed::proto::sccp::msg::ToPhone;
use cmed::sim::Phone;
use support::audio::{tone_rtp, tone_share};
use support::baresip::Baresip;
use support::daemon::{Daemon, cli_text, start_with};
use support::em::{login_from_the_phone, logout_from_the_phone};
use support::mwi::{lamp, notify, sipsak};
use support::sipp::{Uas, free_udp, reply, reply_in_dialog, uas_scenario};
use support::wait_until;

const WAIT: Duration = Duration::from_secs(15);

/// The caller: Jonas Berg's phone (ephone 8, 1010), an 8945.
const CALLER: &str = "5475D0A32288";
/// Lobby hot desk 2 (ephone 4, logout profile 1), an 8945: phone A.
const LOBBY_A: &str = "5475D0A32204";
/// Lobby hot desk 1 (ephone 2, logout profile 1), a 7945: phone B.
const LOBBY_B: &str = "0022905B11C2";

/// The small office with its voicemail dial-peer's `session target` at 127.0.0.1:`port`.
fn office_with_voicemail_at(port: u16) -> String {
    let target = "session target ipv4:127.0.0.1:5070\n";
    assert!(support::SMALL_OFFICE.contains(target));
    support::SMALL_OFFICE.replace(target, &format!("session target ipv4:127.0.0.1:{port}\n"))
}

/// A registered simulated SCCP phone of the small office.
async fn phone(d: &Daemon, mac: &str, device_type: u32) -> Phone {
    let mut p = Phone::new(SocketAddr::from(([127, 0, 0, 1], d.sccp)), mac, device_type);
    p.register().await.unwrap();
    p
}

/// The value of a Diversion naming `number` as forwarded for `reason` after one forward
/// (RFC 5806), as a regexp (the host is cmed's address, whatever it is), XML-escaped for a
/// sipp attribute.
fn diversion(number: &str, reason: &str) -> String {
    format!("&lt;sip:{number}@[^&gt;]*&gt;;reason={reason};counter=1")
}

/// The voicemail server as a sipp UAS scenario. The INVITE must carry a Diversion whose
/// value is one of `expected` (see [`diversion`]), and no second Diversion, or sipp fails
/// the call (`check_it`: the regexp must match the whole value of the first `Diversion:`
/// header; `check_it_inverse`: anything at all in a second one fails). It rings, answers
/// with its own SDP offer (cmed's INVITE for an SCCP caller has none: a delayed offer), and
/// the ACK must carry the answer naming the caller's receiver at `answer_port`; then it
/// waits for cmed's BYE.
fn voicemail_server(expected: &[String], answer_port: u16) -> String {
    let expected = expected.join("|");
    let steps = format!(
        r#"
  <recv request="INVITE">
    <action>
      <ereg regexp="^ *({expected})$"
            search_in="hdr" header="Diversion:" check_it="true" assign_to="diversion"/>
      <ereg regexp="." search_in="hdr" header="Diversion:" occurrence="2"
            check_it_inverse="true" assign_to="second"/>
    </action>
  </recv>
  <Reference variables="diversion,second"/>{ringing}
  <send><![CDATA[
      SIP/2.0 200 OK
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:8000@[local_ip]:[local_port];transport=[transport]>
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=voicemail 1 1 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000

    ]]></send>
  <recv request="ACK">
    <action>
      <ereg regexp="m=audio {answer_port} RTP/AVP 0" search_in="body" check_it="true"
            assign_to="answer"/>
    </action>
  </recv>
  <Reference variables="answer"/>
  <recv request="BYE"/>{ok}"#,
        ringing = reply("180 Ringing", "[last_CSeq:]"),
        ok = reply_in_dialog("200 OK"),
    );
    uas_scenario("voicemail server", &steps)
}

/// Where sipp's 200 OK told the far side to send RTP (the `c=` and `m=audio` lines of the
/// first 200 with SDP it sent, from its `-trace_msg` log).
fn sipp_media_address(messages: &str) -> SocketAddr {
    let sent = messages
        .split("-----------------------------------------------")
        .find(|m| {
            m.contains("message sent") && m.contains("SIP/2.0 200 OK") && m.contains("m=audio")
        })
        .unwrap_or_else(|| panic!("sipp sent no 200 with SDP:\n{messages}"));
    let line = |prefix: &str| {
        sent.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix} in {sent}"))
            .to_string()
    };
    let ip = line("c=IN IP4 ");
    let port = line("m=audio ");
    let port = port.split_whitespace().next().unwrap();
    format!("{ip}:{port}").parse().unwrap()
}

/// The phone goes off hook, hears dial tone, and dials `number`.
async fn dials(phone: &mut Phone, number: &str) {
    phone.off_hook().await.unwrap();
    assert_eq!(phone.wait_tone().await.unwrap(), 0x21, "dial tone");
    phone.dial(number).await.unwrap();
}

/// The caller dials `number` and a voicemail server answers: see [`answered_by_voicemail`].
async fn call_reaches_voicemail(caller: &mut Phone, number: &str, rtp: SocketAddr) -> SocketAddr {
    dials(caller, number).await;
    answered_by_voicemail(caller, rtp).await
}

/// The caller's call is answered by a voicemail server: the caller opens its receiver at
/// `rtp` (G.711 µ-law asked for), is told where to send (returned), and hangs up.
async fn answered_by_voicemail(caller: &mut Phone, rtp: SocketAddr) -> SocketAddr {
    assert_eq!(caller.open_receive(rtp).await.unwrap(), 4, "G.711 µ-law");
    let to = caller.wait_start_media().await.unwrap();
    caller.on_hook().await.unwrap();
    caller.wait_idle().await.unwrap();
    to
}

/// What one call to voicemail left: sipp (exited), where it listened, and where the caller
/// was told to send its media.
struct VoicemailCall {
    vm: Uas,
    status: std::process::ExitStatus,
    port: u16,
    media_to: SocketAddr,
}

/// One call from the caller to 1003, logged in nowhere, with sipp as the voicemail server
/// expecting a Diversion naming `expected`; sipp has exited (the daemon still up) when it
/// returns.
async fn one_call_to_voicemail(dir: &Path, expected: &str) -> VoicemailCall {
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let receiver = rtp.local_addr().unwrap();
    let port = free_udp();
    let mut vm = Uas::start(
        dir,
        port,
        Some(&voicemail_server(
            &[diversion(expected, "unavailable")],
            receiver.port(),
        )),
        1,
    );
    let d = start_with(dir, &office_with_voicemail_at(port));
    let mut caller = phone(&d, CALLER, 585).await;
    let media_to = call_reaches_voicemail(&mut caller, "1003", receiver).await;
    let status = vm.finish(expected);
    VoicemailCall {
        vm,
        status,
        port,
        media_to,
    }
}

/// Chloe is logged in nowhere: Jonas's call to 1003 reaches sipp at the voicemail
/// dial-peer's target (Request-URI the pilot there) with one Diversion naming 1003
/// (`reason=unavailable;counter=1`), the ACK answers sipp's offer with Jonas's receiver,
/// and Jonas is told to send to sipp's SDP address. sipp counts one successful call and
/// none failed, and exits 0.
#[tokio::test]
async fn a_call_to_a_user_logged_in_nowhere_reaches_voicemail_with_one_diversion() {
    let dir = tempfile::tempdir().unwrap();
    let call = one_call_to_voicemail(dir.path(), "1003").await;
    let vm = &call.vm;
    assert!(
        call.status.success(),
        "sipp failed ({}):\n{}",
        call.status,
        vm.errors()
    );
    let stats = vm.stats();
    assert_eq!((stats.successful, stats.failed), (1, 0), "{stats:?}");
    let messages = vm.messages();
    assert_eq!(
        call.media_to,
        sipp_media_address(&messages),
        "StartMediaTransmission"
    );
    let request_line = format!("INVITE sip:8000@127.0.0.1:{} SIP/2.0", call.port);
    assert!(messages.contains(&request_line), "{messages}");
}

/// The negative controls of the check above. The same call, with the server expecting a
/// Diversion naming 1004 instead: sipp fails it for that regexp and exits non-zero. And
/// the scenario's "no second Diversion" check: a sipp UAC whose INVITE carries the right
/// Diversion twice makes the server fail the call (no cmed involved).
#[tokio::test]
async fn the_voicemail_servers_diversion_checks_can_fail() {
    let dir = tempfile::tempdir().unwrap();
    let call = one_call_to_voicemail(dir.path(), "1004").await;
    let vm = &call.vm;
    assert!(
        !call.status.success(),
        "sipp accepted a Diversion naming 1003 as 1004"
    );
    let stats = vm.stats();
    assert_eq!(
        (stats.successful, stats.failed, stats.regexp_failed),
        (0, 1, 1),
        "{stats:?}"
    );
    assert!(
        vm.errors().contains("Failed regexp match"),
        "{}",
        vm.errors()
    );

    let twice = tempfile::tempdir().unwrap();
    let port = free_udp();
    let mut vm = Uas::start(
        twice.path(),
        port,
        Some(&voicemail_server(
            &[diversion("1003", "unavailable")],
            40000,
        )),
        1,
    );
    let uac = twice.path().join("uac-twice.xml");
    std::fs::write(&uac, uac_with_two_diversions()).unwrap();
    let out = std::process::Command::new("sipp")
        .arg(format!("127.0.0.1:{port}"))
        .args(["-i", "127.0.0.1", "-p", &free_udp().to_string()])
        .args(["-s", "8000", "-m", "1", "-timeout", "15s", "-nostdin"])
        .arg("-sf")
        .arg(&uac)
        .current_dir(twice.path())
        .output()
        .expect("sipp runs");
    assert!(
        out.status.success(),
        "the sipp UAC did not run its call:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!vm.finish("two Diversions").success());
    let stats = vm.stats();
    assert_eq!(
        (stats.successful, stats.failed, stats.regexp_matched),
        (0, 1, 1),
        "{stats:?}"
    );
}

/// A caller as cmed would be if it sent the Diversion twice: INVITE without SDP, 180, 200
/// (the server's offer), ACK with an answer at port 40000, BYE.
fn uac_with_two_diversions() -> String {
    r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="uac two diversions">
  <send><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:1010@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      To: <sip:[service]@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: 1 INVITE
      Contact: <sip:1010@[local_ip]:[local_port]>
      Diversion: <sip:1003@127.0.0.1>;reason=unavailable;counter=1
      Diversion: <sip:1003@127.0.0.1>;reason=unavailable;counter=1
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="180"/>
  <recv response="200"/>
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:1010@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 1 ACK
      Max-Forwards: 70
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=caller 1 1 IN IP4 [local_ip]
      s=-
      c=IN IP4 [local_ip]
      t=0 0
      m=audio 40000 RTP/AVP 0

    ]]></send>
  <send><![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:1010@[local_ip]>;tag=[pid]SIPpTag00[call_number]
      [last_To:]
      Call-ID: [call_id]
      CSeq: 2 BYE
      Max-Forwards: 70
      Content-Length: 0

    ]]></send>
  <recv response="200"/>
</scenario>
"#
    .to_string()
}

/// A phone's registration gave it these numbers, in line order.
fn numbers(r: &cmed::sim::Registration) -> Vec<&str> {
    r.lines.iter().map(|l| l.0.as_str()).collect()
}

/// Whether `phone` got any of `bad` since `mark` in its log, once a keepalive round trip
/// has flushed what the daemon sent it before (the daemon answers in order on one
/// connection).
async fn got_since(phone: &mut Phone, mark: usize, bad: impl Fn(&ToPhone) -> bool) -> bool {
    phone.keepalive().await.unwrap();
    phone.log[mark..].iter().any(bad)
}

fn rings(m: &ToPhone) -> bool {
    matches!(
        m,
        ToPhone::SetRinger { mode: 2, .. } | ToPhone::CallInfo { call_type: 1, .. }
    )
}

fn lit(m: &ToPhone) -> bool {
    matches!(
        m,
        ToPhone::SetLamp {
            stimulus: 0x0F,
            mode: 2,
            ..
        }
    )
}

/// Jonas calls 1003 and `callee` rings with his number and name; he hangs up.
async fn call_rings(caller: &mut Phone, callee: &mut Phone) {
    dials(caller, "1003").await;
    assert_eq!(
        callee.wait_ringing().await.unwrap(),
        ("1010".to_string(), "Jonas Berg".to_string())
    );
    caller.on_hook().await.unwrap();
    caller.wait_idle().await.unwrap();
    callee.wait_idle().await.unwrap();
}

/// Chloe's number follows her: voicemail while she is logged in nowhere, phone A once she
/// logs in there from its service page, phone B (and not A) once she logs in on B, and
/// voicemail again once she logs out. The voicemail server (sipp, counting its calls and
/// checking each Diversion) gets exactly the two calls made while she was logged out, not
/// the one to 1020 (no user's, on no phone: reorder) nor those that rang her phones. A
/// message-summary NOTIFY for 1003, sent by sipsak from 127.0.0.1 (the dial-peer's
/// target's address), lights B's lamp and not A's.
#[tokio::test]
async fn chloes_number_follows_her_logins_and_goes_to_voicemail_when_she_is_out() {
    let dir = tempfile::tempdir().unwrap();
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let receiver = rtp.local_addr().unwrap();
    let port = free_udp();
    let mut vm = Uas::start(
        dir.path(),
        port,
        Some(&voicemail_server(
            &[diversion("1003", "unavailable")],
            receiver.port(),
        )),
        2,
    );
    let d = start_with(dir.path(), &office_with_voicemail_at(port));
    let mut caller = phone(&d, CALLER, 585).await;
    let mut a = phone(&d, LOBBY_A, 585).await;
    let mut b = phone(&d, LOBBY_B, 435).await;

    // The warehouse's 1020 is no user's and on no registered phone: reorder, not
    // voicemail (the server counts only the two calls for 1003 at the end).
    dials(&mut caller, "1020").await;
    assert_eq!(caller.wait_tone().await.unwrap(), 0x25, "reorder");
    caller.on_hook().await.unwrap();
    caller.wait_idle().await.unwrap();

    // Chloe is logged in nowhere: voicemail.
    let first = call_reaches_voicemail(&mut caller, "1003", receiver).await;

    // She logs in on A from its service page: A restarts with her lines, and rings.
    let answer = login_from_the_phone(&d, &format!("SEP{LOBBY_A}"), "cdubois", "Cd1003");
    assert!(answer.contains("Login Successful"), "{answer}");
    assert_eq!(a.wait_reset().await.unwrap(), 2, "restart after login");
    assert_eq!(numbers(&a.restart().await.unwrap())[0], "1003");
    call_rings(&mut caller, &mut a).await;

    // She logs in on B: A restarts back into its logout profile, B into her lines; B rings
    // for 1003, A gets nothing of that call.
    let answer = login_from_the_phone(&d, &format!("SEP{LOBBY_B}"), "cdubois", "Cd1003");
    assert!(answer.contains("Login Successful"), "{answer}");
    assert_eq!(a.wait_reset().await.unwrap(), 2, "A: logged out elsewhere");
    assert_eq!(b.wait_reset().await.unwrap(), 2, "B: restart after login");
    assert_eq!(numbers(&a.restart().await.unwrap()), ["1900"]);
    assert_eq!(numbers(&b.restart().await.unwrap())[0], "1003");
    let shown = cli_text(&d.data, &["show extension-mobility"]);
    assert!(
        shown.contains("SEP0022905B11C2  ephone 2    cdubois"),
        "{shown}"
    );
    let mark = a.log.len();
    call_rings(&mut caller, &mut b).await;
    assert!(
        !got_since(&mut a, mark, rings).await,
        "A rang for 1003: {:?}",
        &a.log[mark..]
    );

    // The voicemail server says 1003 has messages: B's lamps light (line 1 and the
    // handset's), A's do not.
    let a_mark = a.log.len();
    b.log.clear();
    assert!(sipsak(
        dir.path(),
        d.sip,
        &notify(d.sip, "1003", "yes", "vm1")
    ));
    lamp(&mut b, 1, 2).await;
    lamp(&mut b, 0, 2).await;
    assert!(
        !got_since(&mut a, a_mark, lit).await,
        "A's lamp lit for 1003: {:?}",
        &a.log[a_mark..]
    );
    let shown = cli_text(&d.data, &["show mwi"]);
    assert!(shown.contains("\n1003 "), "{shown}");

    // She logs out on B: B restarts into its logout profile, unlit; 1003 is voicemail's.
    let done = logout_from_the_phone(&d, &format!("SEP{LOBBY_B}"));
    assert!(done.contains("Logout Successful"), "{done}");
    assert_eq!(b.wait_reset().await.unwrap(), 2, "B: restart after logout");
    let b_mark = b.log.len();
    assert_eq!(numbers(&b.restart().await.unwrap()), ["1900"]);
    assert!(
        !got_since(&mut b, b_mark, lit).await,
        "B lit for 1900: {:?}",
        &b.log[b_mark..]
    );
    let second = call_reaches_voicemail(&mut caller, "1003", receiver).await;

    vm.finished_ok("the two voicemail calls");
    let stats = vm.stats();
    assert_eq!((stats.successful, stats.failed), (2, 0), "{stats:?}");
    let server = sipp_media_address(&vm.messages());
    assert_eq!((first, second), (server, server), "StartMediaTransmission");
}

/// Alice's 1001 forwards to voicemail when busy (`call-forward busy 8000`), Bruno's 1002
/// when it rings unanswered (`call-forward noan 8000`, its timeout cut to 3 s here): each
/// call reaches sipp with one Diversion naming the forwarding number and why (RFC 5806
/// `user-busy`, `no-answer`), in that order. Alice is logged in on A and talking to B;
/// Bruno is then logged in on B, which rings and is not answered.
#[tokio::test]
async fn busy_and_unanswered_calls_reach_voicemail_with_their_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let receiver = rtp.local_addr().unwrap();
    let port = free_udp();
    let expected = [
        diversion("1001", "user-busy"),
        diversion("1002", "no-answer"),
    ];
    let mut vm = Uas::start(
        dir.path(),
        port,
        Some(&voicemail_server(&expected, receiver.port())),
        2,
    );
    let bruno = "name Bruno Keller\n call-forward noan 8000 timeout 20\n";
    let office = office_with_voicemail_at(port);
    assert!(office.contains(bruno));
    let d = start_with(
        dir.path(),
        &office.replace(
            bruno,
            "name Bruno Keller\n call-forward noan 8000 timeout 3\n",
        ),
    );
    let mut caller = phone(&d, CALLER, 585).await;
    let mut a = phone(&d, LOBBY_A, 585).await;
    let mut b = phone(&d, LOBBY_B, 435).await;

    // Alice on A calls the lobby line on B: her 1001 is busy.
    let answer = login_from_the_phone(&d, &format!("SEP{LOBBY_A}"), "amartin", "Am4rtin9");
    assert!(answer.contains("Login Successful"), "{answer}");
    assert_eq!(a.wait_reset().await.unwrap(), 2);
    assert_eq!(numbers(&a.restart().await.unwrap())[0], "1001");
    dials(&mut a, "1900").await;
    assert_eq!(b.wait_ringing().await.unwrap().0, "1001");
    let busy = call_reaches_voicemail(&mut caller, "1001", receiver).await;
    a.on_hook().await.unwrap();
    a.wait_idle().await.unwrap();
    b.wait_idle().await.unwrap();

    // Bruno on B: 1002 rings there, nobody answers.
    let answer = login_from_the_phone(&d, &format!("SEP{LOBBY_B}"), "bkeller", "Bk2024");
    assert!(answer.contains("Login Successful"), "{answer}");
    assert_eq!(b.wait_reset().await.unwrap(), 2);
    assert_eq!(numbers(&b.restart().await.unwrap())[0], "1002");
    dials(&mut caller, "1002").await;
    assert_eq!(b.wait_ringing().await.unwrap().0, "1010");
    let unanswered = answered_by_voicemail(&mut caller, receiver).await;
    b.wait_idle().await.unwrap();

    vm.finished_ok("busy and no-answer");
    let stats = vm.stats();
    assert_eq!((stats.successful, stats.failed), (2, 0), "{stats:?}");
    let server = sipp_media_address(&vm.messages());
    assert_eq!(
        (busy, unanswered),
        (server, server),
        "StartMediaTransmission"
    );
    // Which call said what, from what sipp received: 1001 busy first, then 1002.
    let messages = vm.messages();
    let diversions: Vec<&str> = messages
        .lines()
        .filter(|l| l.starts_with("Diversion:"))
        .map(str::trim_end)
        .collect();
    assert_eq!(
        diversions,
        [
            "Diversion: <sip:1001@127.0.0.1>;reason=user-busy;counter=1",
            "Diversion: <sip:1002@127.0.0.1>;reason=no-answer;counter=1",
        ]
    );
}

/// baresip, registered nowhere, is the voicemail server at the dial-peer's target and
/// answers by itself; the INVITE it got names 1003 in its Diversion. Jonas is told to send
/// to baresip's SDP address, and baresip's own RTP reaches his receiver; he sends three
/// seconds of a 440 Hz tone as PCMU RTP from that receiver to that address, hangs up
/// (baresip gets cmed's BYE), and baresip's recording of the call is that tone.
#[tokio::test(flavor = "multi_thread")]
async fn baresip_as_voicemail_records_the_callers_tone() {
    let dir = tempfile::tempdir().unwrap();
    let vm = Baresip::server(dir.path(), "8000", 1000);
    let d = start_with(dir.path(), &office_with_voicemail_at(vm.sip));
    let mut caller = phone(&d, CALLER, 585).await;
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();

    dials(&mut caller, "1003").await;
    assert_eq!(
        caller
            .open_receive(rtp.local_addr().unwrap())
            .await
            .unwrap(),
        4,
        "G.711 µ-law"
    );
    let to = caller.wait_start_media().await.unwrap();
    let diversion = "Diversion: <sip:1003@127.0.0.1>;reason=unavailable;counter=1\r\n";
    assert!(
        wait_until(WAIT, || vm.log().contains(diversion)),
        "{}",
        vm.log()
    );
    let sdp = format!("m=audio {} RTP/AVP", to.port());
    assert!(
        wait_until(WAIT, || vm.log().contains(&sdp)) && to.ip().is_loopback(),
        "StartMediaTransmission to {to}, not baresip's SDP:\n{}",
        vm.log()
    );
    let mut buf = [0u8; 2048];
    let (n, _) = tokio::time::timeout(WAIT, rtp.recv_from(&mut buf))
        .await
        .unwrap_or_else(|_| panic!("no RTP from baresip:\n{}", vm.log()))
        .unwrap();
    assert!(n > 12 && buf[0] >> 6 == 2, "not RTP: {:?}", &buf[..n]);

    // The phone's microphone: a packet every 20 ms, the media clock (not a wait for
    // anything).
    let mut clock = tokio::time::interval(Duration::from_millis(20));
    for packet in tone_rtp(440.0, 3, 0x1003_1003) {
        clock.tick().await;
        rtp.send_to(&packet, to).await.unwrap();
    }
    caller.on_hook().await.unwrap();
    caller.wait_idle().await.unwrap();
    assert!(
        wait_until(WAIT, || vm.log().contains("BYE sip:")),
        "baresip got no BYE:\n{}",
        vm.log()
    );
    assert!(
        wait_until(WAIT, || vm.received().is_some_and(|s| s.len() > 8000)),
        "baresip recorded no call audio in {}",
        vm.home.display()
    );
    let share = tone_share(&vm.received().unwrap(), 440.0);
    assert!(
        share > 0.5,
        "440 Hz share {share:.3} in what baresip recorded"
    );
}
