//! Message waiting end to end over loopback: the daemon as a child process, **sipsak** as
//! the voicemail server sending its unsolicited message-summary NOTIFY (from 127.0.0.1, the
//! voicemail dial-peer's target), a simulated SCCP phone whose lamp lights (SetLamp on the
//! voicemail stimulus) and a simulated SIP phone that is told by NOTIFY. A NOTIFY from an
//! address that is neither the mwi-server nor a dial-peer target is refused with 403. The
//! state is kept: after kill -9 and a restart, the phone's lamp comes back when it
//! registers again.

mod support;

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use cmed::sim::Phone;
use cmed::sim::sip::{SipPhone, Ua};
use support::daemon::{cli_text, crash_after_write_behind, start_office};
use support::mwi::{lamp, notify, sipsak};

#[tokio::test]
async fn a_voicemail_servers_notify_lights_the_phones_of_the_number_and_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let server = SocketAddr::from(([127, 0, 0, 1], d.sccp));
    let mut lobby = Phone::new(server, "0022905B11C2", 435);
    lobby.register().await.unwrap();

    // sipsak, as the voicemail server at 127.0.0.1: 1900 has messages.
    assert!(sipsak(
        dir.path(),
        d.sip,
        &notify(d.sip, "1900", "yes", "n1")
    ));
    lamp(&mut lobby, 1, 2).await;
    lamp(&mut lobby, 0, 2).await;
    let shown = cli_text(&d.data, &["show mwi"]);
    assert!(shown.contains("\n1900             2/1      "), "{shown}");
    assert!(shown.trim_end().ends_with(" 127.0.0.1"), "{shown}");
    let ephone = cli_text(&d.data, &["show ephone registered"]);
    assert!(ephone.contains("number 1900 CH1   IDLE mwi\n"), "{ephone}");

    // Marta's SIP phone (pool 1, 2001) is told by NOTIFY.
    let sip = SipPhone::new(d.sip_addr(), "00EBD5C29A11", "mlopez", "Lab2001x").unwrap();
    let mut marta = Ua::new(sip).await.unwrap();
    marta.register(Duration::from_secs(5)).await.unwrap();
    assert!(sipsak(
        dir.path(),
        d.sip,
        &notify(d.sip, "2001", "yes", "n2")
    ));
    let until = Instant::now() + Duration::from_secs(5);
    let told = loop {
        let r = marta
            .next_request(until)
            .await
            .unwrap()
            .expect("a NOTIFY within 5 s");
        if r.event.as_deref() == Some("message-summary") {
            break r;
        }
    };
    assert_eq!(
        told.content_type.as_deref(),
        Some("application/simple-message-summary")
    );
    assert!(
        told.body.contains("Messages-Waiting: yes\r\n"),
        "{}",
        told.body
    );
    assert!(
        told.body.contains("Voice-Message: 2/1 (0/0)\r\n"),
        "{}",
        told.body
    );

    // From 127.0.0.2, which no dial-peer and no mwi-server names: 403, nothing lit.
    let stranger = std::net::UdpSocket::bind("127.0.0.2:0").unwrap();
    stranger
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    stranger
        .send_to(notify(d.sip, "1900", "no", "n3").as_bytes(), d.sip_addr())
        .unwrap();
    let mut buf = [0u8; 2048];
    let n = stranger.recv(&mut buf).expect("an answer");
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("SIP/2.0 403 "), "{answer}");

    // kill -9 once the state is written behind; the phone registers again: lit.
    let d = crash_after_write_behind(d, &dir.path().join("startup.cfg"));
    let mut lobby = Phone::new(
        SocketAddr::from(([127, 0, 0, 1], d.sccp)),
        "0022905B11C2",
        435,
    );
    lobby.register().await.unwrap();
    lamp(&mut lobby, 1, 2).await;

    // The server clears it: the lamp goes off.
    assert!(sipsak(
        dir.path(),
        d.sip,
        &notify(d.sip, "1900", "no", "n4")
    ));
    lamp(&mut lobby, 1, 1).await;
    let shown = cli_text(&d.data, &["show mwi"]);
    assert!(!shown.contains("\n1900 "), "{shown}");
}

/// sipp as a voicemail server that waits for subscriptions (IOS's `mwi-server` without
/// `unsolicited`): it takes cmed's SUBSCRIBE for 1900 only if it asks for the
/// message-summary package, accepts it (202) and NOTIFYs in its dialog that messages wait.
const SUBSCRIBED_SERVER: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="mwi server">
  <recv request="SUBSCRIBE">
    <action>
      <ereg regexp="message-summary" search_in="hdr" header="Event:" check_it="true" assign_to="ev"/>
      <ereg regexp="sip:1900@" search_in="msg" check_it="true" assign_to="ruri"/>
      <ereg regexp="sip:[^>]*" search_in="hdr" header="Contact:" assign_to="contact"/>
      <ereg regexp=".*" search_in="hdr" header="From:" assign_to="from"/>
    </action>
  </recv>
  <Reference variables="ev,ruri"/>
  <send>
    <![CDATA[
SIP/2.0 202 Accepted
[last_Via:]
[last_From:]
[last_To:];tag=[pid]vm[call_number]
[last_Call-ID:]
[last_CSeq:]
Expires: 60
Contact: <sip:vm@[local_ip]:[local_port]>
Content-Length: 0

]]>
  </send>
  <pause milliseconds="100"/>
  <send>
    <![CDATA[
NOTIFY [$contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: <sip:1900@[local_ip]:[local_port]>;tag=[pid]vm[call_number]
To:[$from]
[last_Call-ID:]
CSeq: 1 NOTIFY
Max-Forwards: 70
Contact: <sip:vm@[local_ip]:[local_port]>
Event: message-summary
Subscription-State: active;expires=60
Content-Type: application/simple-message-summary
Content-Length: [len]

Messages-Waiting: yes
Message-Account: sip:1900@[local_ip]
Voice-Message: 1/0 (0/0)
]]>
  </send>
  <recv response="200"/>
</scenario>
"#;

#[tokio::test]
async fn cmed_subscribes_for_a_dn_with_mwi_sip_and_the_servers_notify_lights_the_lamp() {
    let dir = tempfile::tempdir().unwrap();
    let vm = support::daemon::free_port();
    let config = support::SMALL_OFFICE
        .replace(
            "ephone-dn  16\n number 1900\n",
            "ephone-dn  16\n number 1900\n mwi sip\n",
        )
        .replace(
            "dial-peer voice 8000 voip\n",
            &format!("sip-ua\n mwi-server ipv4:127.0.0.1 expires 60 port {vm}\n!\ndial-peer voice 8000 voip\n"),
        );
    assert!(config.contains(" mwi sip\n") && config.contains("mwi-server"));
    let file = dir.path().join("startup.cfg");
    std::fs::write(&file, &config).unwrap();
    let scenario = dir.path().join("vm.xml");
    std::fs::write(&scenario, SUBSCRIBED_SERVER).unwrap();
    let sipp = support::procs::Proc(
        Command::new("sipp")
            .args(["-i", "127.0.0.1", "-p", &vm.to_string(), "-m", "1"])
            .args(["-timeout", "20s", "-nostdin", "-sf"])
            .arg(&scenario)
            .current_dir(dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("sipp runs"),
    );
    assert!(support::wait_until(Duration::from_secs(5), || {
        std::net::UdpSocket::bind(("127.0.0.1", vm)).is_err()
    }));
    let d = support::daemon::start(&file, &dir.path().join("data"), &[]);
    let mut lobby = Phone::new(
        SocketAddr::from(([127, 0, 0, 1], d.sccp)),
        "0022905B11C2",
        435,
    );
    lobby.register().await.unwrap();
    lamp(&mut lobby, 1, 2).await;
    let mut sipp = sipp;
    let ended = support::wait_until(Duration::from_secs(10), || {
        matches!(sipp.0.try_wait(), Ok(Some(_)))
    });
    assert!(ended, "sipp did not finish its scenario");
    let status = sipp.0.wait().unwrap();
    assert!(
        status.success(),
        "sipp's checks of the SUBSCRIBE failed: {status}"
    );
}
