//! Calls end to end over loopback: the daemon as a child process and two simulated SCCP
//! phones (`cmed::sim`). The lobby phone dials the front desk; the front desk rings with the
//! caller's number and name, answers; both open their RTP receivers and are told where the
//! other receives, and RTP sent to those addresses arrives at the other phone directly
//! (cmed carries only the addresses); the caller hangs up and both go idle. Then the
//! failure tones: busy, reorder. `debug voice ccapi inout` logs the call's setup, answer
//! and release. Call waiting on the desk's dual-line DN: a second caller rings its second
//! channel, Answer on it holds the first call, Resume swaps back.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use cmed::proto::sccp::msg::ToPhone;
use cmed::sim::Phone;
use support::daemon::{cli_text, start_office};

/// A registered simulated phone of the sample office.
async fn phone(sccp: u16, mac: &str, device_type: u32) -> Phone {
    let mut p = Phone::new(SocketAddr::from(([127, 0, 0, 1], sccp)), mac, device_type);
    p.register().await.unwrap();
    p
}

/// The phone's RTP receiver: a UDP socket on loopback.
async fn rtp() -> tokio::net::UdpSocket {
    tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap()
}

/// One RTP packet (RFC 3550 header, PCMU, 160 bytes of payload) with sequence `seq`.
fn packet(seq: u16) -> Vec<u8> {
    let mut p = vec![0x80, 0x00];
    p.extend_from_slice(&seq.to_be_bytes());
    p.extend_from_slice(&(u32::from(seq) * 160).to_be_bytes());
    p.extend_from_slice(&0x1234_5678u32.to_be_bytes());
    p.extend(std::iter::repeat_n(0xFFu8, 160));
    p
}

async fn received(sock: &tokio::net::UdpSocket) -> Vec<u8> {
    let mut buf = [0u8; 2048];
    let (n, _) = tokio::time::timeout(Duration::from_secs(5), sock.recv_from(&mut buf))
        .await
        .expect("an RTP packet within 5 s")
        .unwrap();
    buf[..n].to_vec()
}

#[tokio::test]
async fn two_sccp_phones_call_each_other_and_rtp_flows_phone_to_phone() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    // Ephone 1 (reception, 1099 on button 1) and ephone 2 (lobby, logout profile 1: 1900).
    let mut desk = phone(d.sccp, "001E7A345A01", 436).await;
    let mut lobby = phone(d.sccp, "0022905B11C2", 435).await;
    let (desk_rtp, lobby_rtp) = (rtp().await, rtp().await);
    let on = cli_text(&d.data, &["debug voice ccapi inout"]);
    assert!(on.contains("voip ccapi inout debugging is on"), "{on}");

    lobby.off_hook().await.unwrap();
    assert_eq!(lobby.wait_tone().await.unwrap(), 0x21, "dial tone");
    lobby.dial("1099").await.unwrap();
    assert_eq!(
        desk.wait_ringing().await.unwrap(),
        ("1900".to_string(), "Lobby".to_string())
    );
    assert_eq!(lobby.wait_tone().await.unwrap(), 0x24, "ring-back");
    let show = cli_text(&d.data, &["show ephone"]);
    assert!(
        show.contains("number 1099 CH1   RINGING      CH2   IDLE\n"),
        "{show}"
    );
    assert!(show.contains("number 1900 CH1   ALERTING\n"), "{show}");

    desk.off_hook().await.unwrap();
    // G.711 µ-law (SCCP compressionType 4) on both sides.
    assert_eq!(
        desk.open_receive(desk_rtp.local_addr().unwrap())
            .await
            .unwrap(),
        4
    );
    assert_eq!(
        lobby
            .open_receive(lobby_rtp.local_addr().unwrap())
            .await
            .unwrap(),
        4
    );
    let lobby_sends_to = lobby.wait_start_media().await.unwrap();
    let desk_sends_to = desk.wait_start_media().await.unwrap();
    assert_eq!(lobby_sends_to, desk_rtp.local_addr().unwrap());
    assert_eq!(desk_sends_to, lobby_rtp.local_addr().unwrap());

    // Media goes phone to phone, never through cmed.
    let lobby_out = rtp().await;
    lobby_out.send_to(&packet(1), lobby_sends_to).await.unwrap();
    assert_eq!(received(&desk_rtp).await, packet(1));
    let desk_out = rtp().await;
    desk_out.send_to(&packet(2), desk_sends_to).await.unwrap();
    assert_eq!(received(&lobby_rtp).await, packet(2));
    let show = cli_text(&d.data, &["show ephone"]);
    assert!(
        show.contains("number 1099 CH1   CONNECTED    CH2   IDLE\n"),
        "{show}"
    );
    assert!(show.contains("number 1900 CH1   CONNECTED\n"), "{show}");
    let calls = cli_text(&d.data, &["show call active voice brief"]);
    assert!(
        calls.contains("SCCP call-legs: 2\nMulticast call-legs: 0\nTotal call-legs: 2\n"),
        "{calls}"
    );
    assert!(
        calls.contains(" pid:20016 Answer 1900 connected\n"),
        "{calls}"
    );
    assert!(
        calls.contains(" pid:20013 Originate 1099 connected\n"),
        "{calls}"
    );
    for rtp in [&desk_rtp, &lobby_rtp] {
        let at = format!(" IP {} SRTP: off", rtp.local_addr().unwrap());
        assert!(calls.contains(&at), "{at} in {calls}");
    }

    // Hold (soft key 3) on the desk: both phones close their media; Resume (10) opens it
    // again and each is told where the other receives.
    desk.soft_key(3).await.unwrap();
    desk.wait_for("CallState hold", |m| {
        matches!(m, ToPhone::CallState { state: 8, .. }).then_some(())
    })
    .await
    .unwrap();
    lobby
        .wait_for("CloseReceiveChannel", |m| {
            matches!(m, ToPhone::CloseReceiveChannel { .. }).then_some(())
        })
        .await
        .unwrap();
    let show = cli_text(&d.data, &["show ephone"]);
    assert!(
        show.contains("number 1099 CH1   HOLD         CH2   IDLE\n"),
        "{show}"
    );
    assert!(show.contains("number 1900 CH1   CONNECTED\n"), "{show}");
    desk.soft_key(10).await.unwrap();
    desk.open_receive(desk_rtp.local_addr().unwrap())
        .await
        .unwrap();
    lobby
        .open_receive(lobby_rtp.local_addr().unwrap())
        .await
        .unwrap();
    assert_eq!(
        lobby.wait_start_media().await.unwrap(),
        desk_rtp.local_addr().unwrap()
    );
    assert_eq!(
        desk.wait_start_media().await.unwrap(),
        lobby_rtp.local_addr().unwrap()
    );

    lobby.on_hook().await.unwrap();
    lobby.wait_idle().await.unwrap();
    desk.wait_idle().await.unwrap();
    // One line each for the setup, the answer and the release (normal clearing, 0x10).
    let lines = [
        "CCAPI/cc_api_call_setup_ind_common: Call Info(Calling Number=1900,(Calling Name=Lobby), Called Number=1099), Outgoing Dial-peer=20013",
        "CCAPI/cc_api_call_connected: Call Id=",
        "CCAPI/ccCallDisconnect: (callID=",
    ];
    assert!(
        support::wait_until(Duration::from_secs(5), || lines
            .iter()
            .all(|l| d.log().contains(l))),
        "{lines:?} in the log:\n{}",
        d.log()
    );
    assert!(
        d.log()
            .contains(", cause=0x10 tag=0x0) by SEP0022905B11C2/1"),
        "{}",
        d.log()
    );
}

#[tokio::test]
async fn a_speed_dial_button_places_the_call_from_on_hook() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let mut desk = phone(d.sccp, "001E7A345A01", 436).await;
    // Ephone 2's speed dial 1 is the front desk (1099).
    let mut lobby = phone(d.sccp, "0022905B11C2", 435).await;
    lobby.speed_dial(1).await.unwrap();
    assert_eq!(
        desk.wait_ringing().await.unwrap(),
        ("1900".to_string(), "Lobby".to_string())
    );
}

#[tokio::test]
async fn a_busy_line_gets_busy_tone_and_an_unknown_number_reorder() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    // Jonas's 1010 (ephone 8) is a single-line DN: one call, then busy.
    let mut jonas = phone(d.sccp, "5475D0A32288", 585).await;
    let mut lobby = phone(d.sccp, "0022905B11C2", 435).await;
    let mut lobby2 = phone(d.sccp, "5475D0A32204", 585).await;

    lobby.off_hook().await.unwrap();
    lobby.dial("1010").await.unwrap();
    jonas.wait_ringing().await.unwrap();
    lobby2.off_hook().await.unwrap();
    assert_eq!(lobby2.wait_tone().await.unwrap(), 0x21);
    lobby2.dial("1010").await.unwrap();
    assert_eq!(lobby2.wait_tone().await.unwrap(), 0x23, "busy tone");
    lobby2.on_hook().await.unwrap();
    lobby2.wait_idle().await.unwrap();

    lobby2.off_hook().await.unwrap();
    assert_eq!(lobby2.wait_tone().await.unwrap(), 0x21);
    lobby2.dial("5").await.unwrap();
    assert_eq!(lobby2.wait_tone().await.unwrap(), 0x25, "reorder");
}

#[tokio::test]
async fn a_second_call_to_a_dual_line_dn_waits_and_answering_it_holds_the_first() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let mut desk = phone(d.sccp, "001E7A345A01", 436).await;
    let mut lobby = phone(d.sccp, "0022905B11C2", 435).await;
    let mut jonas = phone(d.sccp, "5475D0A32288", 585).await;
    let (desk_rtp, lobby_rtp, jonas_rtp) = (rtp().await, rtp().await, rtp().await);

    lobby.off_hook().await.unwrap();
    lobby.dial("1099").await.unwrap();
    desk.wait_ringing().await.unwrap();
    desk.off_hook().await.unwrap();
    desk.open_receive(desk_rtp.local_addr().unwrap())
        .await
        .unwrap();
    lobby
        .open_receive(lobby_rtp.local_addr().unwrap())
        .await
        .unwrap();
    desk.wait_start_media().await.unwrap();

    // Jonas calls while the desk talks: the call waits on the desk's second channel,
    // under a call reference of its own, with the call-waiting tone and no ringer.
    jonas.off_hook().await.unwrap();
    jonas.dial("1099").await.unwrap();
    let waiting = desk.wait_call_waiting().await.unwrap();
    assert_eq!(jonas.wait_tone().await.unwrap(), 0x21, "dial tone first");
    assert_eq!(jonas.wait_tone().await.unwrap(), 0x24, "then ring-back");
    let show = cli_text(&d.data, &["show ephone"]);
    assert!(
        show.contains("number 1099 CH1   CONNECTED    CH2   RINGING\n"),
        "{show}"
    );

    // Answer (soft key 11) on the waiting call: the lobby's call goes on hold.
    desk.soft_key_on(11, waiting).await.unwrap();
    lobby
        .wait_for("CloseReceiveChannel", |m| {
            matches!(m, ToPhone::CloseReceiveChannel { .. }).then_some(())
        })
        .await
        .unwrap();
    desk.open_receive(desk_rtp.local_addr().unwrap())
        .await
        .unwrap();
    jonas
        .open_receive(jonas_rtp.local_addr().unwrap())
        .await
        .unwrap();
    assert_eq!(
        jonas.wait_start_media().await.unwrap(),
        desk_rtp.local_addr().unwrap()
    );
    let show = cli_text(&d.data, &["show ephone"]);
    assert!(
        show.contains("number 1099 CH1   HOLD         CH2   CONNECTED\n"),
        "{show}"
    );

    // Jonas hangs up; Resume brings the lobby back.
    jonas.on_hook().await.unwrap();
    jonas.wait_idle().await.unwrap();
    let first = desk
        .wait_for("CallState on hook of the waiting call", |m| match m {
            ToPhone::CallState {
                state: 2, call_ref, ..
            } => Some(*call_ref),
            _ => None,
        })
        .await
        .unwrap();
    assert_eq!(first, waiting, "only the second call ended");
    desk.soft_key(10).await.unwrap();
    desk.open_receive(desk_rtp.local_addr().unwrap())
        .await
        .unwrap();
    lobby
        .open_receive(lobby_rtp.local_addr().unwrap())
        .await
        .unwrap();
    assert_eq!(
        lobby.wait_start_media().await.unwrap(),
        desk_rtp.local_addr().unwrap()
    );
}
