//! Calls with SIP phones through cmed, end to end over loopback, with clients no one here
//! wrote: baresip (pool 1, `mlopez`, number 2001), a second baresip or linphonec 5.1 (a
//! third pool added to `small-office.cfg`: `lab2`, 2003), and a simulated SCCP phone (the
//! front desk, 1099).
//!
//! SIP and SCCP, both ways: the desk dials 2001 and baresip answers on its own
//! (`answermode=auto`); baresip dials 1099 (through its `ctrl_tcp` interface) and the desk
//! answers. Each time the SCCP phone is told baresip's RTP address, baresip's RTP arrives at
//! the SCCP phone's receiver directly (cmed carries only the addresses), and a hang-up on
//! either side ends both.
//!
//! SIP and SIP: baresip calls baresip, and the caller hangs up; baresip calls linphonec and
//! linphonec calls baresip, and the callee hangs up. The callee answers by itself each time.
//! Each phone plays its own tone and records what it receives, and each recording holds the
//! other phone's tone: media went phone to phone at the addresses cmed relayed between its
//! two dialogs. The hang-up reaches the other phone as a BYE from cmed. linphonec's
//! harness is `support::linphonec` (shared with the registration tests), baresip's
//! `support::baresip` (shared with the voicemail tests).
//!
//! A SIP phone's INVITE is challenged as its REGISTER is: each call these clients place
//! starts with our 401, which they ACK and answer with their credentials themselves; with
//! `debug ccsip messages` on, the baresip and linphonec callers' tests read both in the
//! daemon's log.

mod support;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use cmed::sim::Phone;
use support::audio::tone_share;
use support::baresip::Baresip;
use support::daemon::{Daemon, cli_text, start_office};
use support::linphonec::{self, Linphonec};
use support::wait_until;

const WAIT: Duration = Duration::from_secs(15);

/// Turns on `debug ccsip messages`, so the daemon's log holds every SIP message.
fn trace_sip(d: &Daemon) {
    let t = cli_text(&d.data, &["debug ccsip messages"]);
    assert!(!t.contains('%'), "{t}");
}

/// The phone's first INVITE got our 401 (in the daemon's `debug ccsip messages` log) and
/// its next one carried the digest answer: the client answered the challenge itself.
fn invite_challenged_and_answered(d: &Daemon) {
    let log = d.log();
    let challenged = log
        .split("Sent:")
        .any(|m| m.contains("SIP/2.0 401 Unauthorized") && m.contains(" INVITE\r\n"));
    let answered = log
        .split("Received:")
        .filter(|m| m.trim_start().starts_with("INVITE "))
        .any(|m| {
            // linphonec writes `Authorization:  Digest` (two spaces).
            m.lines()
                .any(|l| l.starts_with("Authorization:") && l.contains(" Digest "))
        });
    assert!(
        challenged && answered,
        "no INVITE challenge and answer:\n{log}"
    );
}

/// The SCCP front desk, registered.
async fn desk(d: &Daemon) -> Phone {
    let mut p = Phone::new(
        SocketAddr::from(([127, 0, 0, 1], d.sccp)),
        "001E7A345A01",
        436,
    );
    p.register().await.unwrap();
    p
}

/// An RTP packet arrives from baresip at `sock` within the wait.
async fn rtp_arrives(sock: &tokio::net::UdpSocket) -> bool {
    let mut buf = [0u8; 2048];
    matches!(
        tokio::time::timeout(WAIT, sock.recv_from(&mut buf)).await,
        Ok(Ok((n, _))) if n > 12 && buf[0] >> 6 == 2
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn an_sccp_phone_calls_baresip_and_media_flows_between_them() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let bs = Baresip::start(dir.path(), &d);
    let mut desk = desk(&d).await;
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();

    desk.off_hook().await.unwrap();
    desk.dial("2001").await.unwrap();
    // baresip answers by itself: the desk connects and opens its receiver.
    desk.open_receive(rtp.local_addr().unwrap()).await.unwrap();
    let to = desk.wait_start_media().await.unwrap();
    assert_eq!(to.ip().to_string(), "127.0.0.1");
    assert!(
        rtp_arrives(&rtp).await,
        "no RTP from baresip:\n{}",
        bs.log()
    );
    let calls = cli_text(&d.data, &["show ephone"]);
    assert!(calls.contains("number 1099 CH1   CONNECTED"), "{calls}");

    // The desk holds (soft key 3): baresip is told by a re-INVITE of cmed's with
    // `sendonly`. The desk resumes (10) with its receiver on a new port: a second
    // re-INVITE gives baresip that address, and its RTP arrives there.
    desk.soft_key(3).await.unwrap();
    assert!(
        wait_until(WAIT, || bs.log().contains("a=sendonly")),
        "baresip was not told of the hold:\n{}",
        bs.log()
    );
    desk.soft_key(10).await.unwrap();
    let moved = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    desk.open_receive(moved.local_addr().unwrap())
        .await
        .unwrap();
    desk.wait_start_media().await.unwrap();
    let port = format!("m=audio {} RTP/AVP", moved.local_addr().unwrap().port());
    assert!(
        wait_until(WAIT, || bs.log().contains(&port)),
        "baresip was not given the desk's new address:\n{}",
        bs.log()
    );
    assert!(
        rtp_arrives(&moved).await,
        "no RTP from baresip at the new address:\n{}",
        bs.log()
    );

    desk.on_hook().await.unwrap();
    desk.wait_idle().await.unwrap();
    assert!(
        wait_until(WAIT, || bs.log().contains("BYE sip:")),
        "baresip got no BYE:\n{}",
        bs.log()
    );
    if std::env::var_os("SIP_CALLS_LOG").is_some() {
        eprintln!("{}", bs.log());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn baresip_calls_an_sccp_phone_and_hangs_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    trace_sip(&d);
    let bs = Baresip::start(dir.path(), &d);
    let mut desk = desk(&d).await;
    let rtp = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();

    bs.command("dial", &format!("sip:1099@127.0.0.1:{}", d.sip));
    assert_eq!(desk.wait_ringing().await.unwrap().0, "2001");
    desk.off_hook().await.unwrap();
    desk.open_receive(rtp.local_addr().unwrap()).await.unwrap();
    desk.wait_start_media().await.unwrap();
    assert!(
        rtp_arrives(&rtp).await,
        "no RTP from baresip:\n{}",
        bs.log()
    );

    bs.command("hangup", "");
    desk.wait_idle().await.unwrap();
    invite_challenged_and_answered(&d);
    if std::env::var_os("SIP_CALLS_LOG").is_some() {
        eprintln!("{}", bs.log());
    }
}

/// The daemon on `small-office.cfg` with a third pool with credentials (2003, `lab2`
/// password `pw2003`), for a second SIP phone, written into `dir` with the data directory
/// beside it.
fn office_with_pool_3(dir: &Path) -> Daemon {
    let file = dir.join("startup.cfg");
    // Added before the file's `end`.
    let config = support::SMALL_OFFICE.replace(
        "\nend",
        "\nvoice register dn  3\n number 2003\n name Lab Two\n!\nvoice register pool  3\n id mac 0000.0000.2003\n number 1 dn 3\n username lab2 password 0 pw2003\n!\nend",
    );
    std::fs::write(&file, config).unwrap();
    support::daemon::start(&file, &dir.join("data"), &[])
}

/// Two SIP phones through cmed: baresip 2001 (a 440 Hz tone) calls baresip 2003 (1000 Hz),
/// which answers by itself; each is given the other's RTP address (both SDPs relayed
/// through cmed's two dialogs), each records the other's tone, and the call ends with a BYE
/// on both dialogs.
#[tokio::test(flavor = "multi_thread")]
async fn two_sip_phones_call_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let d = office_with_pool_3(dir.path());
    let a = Baresip::start(dir.path(), &d);
    let b = Baresip::as_user(dir.path(), &d, "2003", "lab2", "pw2003", 1000);
    a.command("dial", &format!("sip:2003@127.0.0.1:{}", d.sip));
    for (who, other) in [(&a, &b), (&b, &a)] {
        assert!(
            wait_until(WAIT, || who.log().contains("Call established")),
            "no call:\n{}\n---\n{}",
            who.log(),
            other.log()
        );
    }
    // The call lasts a second and a half, the audio under test: not a wait for anything
    // (both sides already said the call is established).
    tokio::time::sleep(Duration::from_millis(1500)).await;
    a.command("hangup", "");
    assert!(
        wait_until(WAIT, || b.log().contains("BYE sip:")),
        "2003 got no BYE:\n{}",
        b.log()
    );
    for (who, hz) in [(&b, 440.0), (&a, 1000.0)] {
        assert!(wait_until(WAIT, || who
            .received()
            .is_some_and(|s| s.len() > 4000)));
        let share = tone_share(&who.received().unwrap(), hz);
        assert!(
            share > 0.5,
            "{hz} Hz share {share:.3} in what {} received",
            who.home.display()
        );
    }
}

/// linphonec registered as pool 3 (2003, `lab2`), playing a 1000 Hz tone as its microphone
/// and recording what it receives. Started before baresip: its start waits for any other
/// linphonec test to finish, and baresip quits by itself after a minute.
fn linphonec_2003(dir: &Path, d: &Daemon) -> Linphonec {
    let mut l = Linphonec::start(dir, d, "2003", "lab2", "pw2003");
    assert!(l.registers(), "{}\n{}", l.status(), l.log());
    let tone = dir.join("tone-1000.wav");
    linphonec::write_tone(&tone, 1000.0, 10);
    l.use_files(&tone, &dir.join("linphonec-received.wav"));
    l
}

/// Both phones say the call is established: baresip's call, linphonec's streams running.
fn established(bs: &Baresip, lp: &Linphonec) {
    assert!(
        wait_until(WAIT, || bs.log().contains("Call established")),
        "baresip has no call:\n{}\n---\n{}",
        bs.log(),
        lp.log()
    );
    assert!(
        lp.logged("to LinphoneCallStreamsRunning"),
        "linphonec has no call:\n{}\n---\n{}",
        lp.log(),
        bs.log()
    );
}

/// Each recording holds the other phone's tone: baresip received linphonec's 1000 Hz,
/// linphonec received baresip's 440 Hz.
fn each_heard_the_other(bs: &Baresip, lp: &Linphonec) {
    assert!(
        wait_until(WAIT, || bs.received().is_some_and(|s| s.len() > 4000)),
        "baresip recorded no call audio in {}",
        bs.home.display()
    );
    assert!(
        wait_until(WAIT, || lp.received().is_some_and(|s| s.len() > 4000)),
        "linphonec recorded no call audio:\n{}",
        lp.log()
    );
    for (who, samples, hz) in [
        ("baresip", bs.received().unwrap(), 1000.0),
        ("linphonec", lp.received().unwrap(), 440.0),
    ] {
        let share = tone_share(&samples, hz);
        assert!(
            share > 0.5,
            "{hz} Hz share {share:.3} in what {who} received"
        );
    }
}

/// baresip 2001 (440 Hz) calls linphonec 2003 (1000 Hz) through cmed; linphonec answers by
/// itself (cmed's INVITE to it has no SDP: linphonec's 200 makes the offer, cmed's ACK
/// answers with baresip's address). After the call, linphonec — the callee — hangs up: cmed
/// sends baresip a BYE (which baresip reports as its peer closing the session). Each
/// recorded the other's tone.
#[test]
fn baresip_calls_linphonec_and_linphonec_hangs_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = office_with_pool_3(dir.path());
    let lp = linphonec_2003(dir.path(), &d);
    let bs = Baresip::start(dir.path(), &d);
    bs.command("dial", &format!("sip:2003@127.0.0.1:{}", d.sip));
    established(&bs, &lp);
    // The call lasts a second and a half, the audio under test: not a wait for anything
    // (both sides already said the call is established).
    std::thread::sleep(Duration::from_millis(1500));
    let ended = lp.command("terminate");
    assert!(ended.contains("ended"), "{ended}\n{}", lp.log());
    assert!(
        wait_until(WAIT, || bs.log().contains("BYE sip:")
            && bs
                .log()
                .contains("session closed: Connection reset by peer")),
        "baresip got no BYE:\n{}",
        bs.log()
    );
    each_heard_the_other(&bs, &lp);
}

/// linphonec 2003 (1000 Hz) calls baresip 2001 (440 Hz) through cmed (its INVITE's offer
/// answered by cmed with baresip's address; cmed rings baresip without SDP); baresip answers
/// by itself. After the call, baresip — the callee — hangs up: cmed sends linphonec a BYE,
/// and its call ends. Each recorded the other's tone.
#[test]
fn linphonec_calls_baresip_and_baresip_hangs_up() {
    let dir = tempfile::tempdir().unwrap();
    let d = office_with_pool_3(dir.path());
    trace_sip(&d);
    let lp = linphonec_2003(dir.path(), &d);
    let bs = Baresip::start(dir.path(), &d);
    let calling = lp.command(&format!("call sip:2001@127.0.0.1:{}", d.sip));
    assert!(calling.contains("in progress"), "{calling}\n{}", lp.log());
    established(&bs, &lp);
    // The call lasts a second and a half, the audio under test: not a wait for anything
    // (both sides already said the call is established).
    std::thread::sleep(Duration::from_millis(1500));
    bs.command("hangup", "");
    let bye = format!("new bytes from [UDP://127.0.0.1:{}]:\nBYE sip:2003@", d.sip);
    assert!(
        lp.logged(&bye) && lp.logged("from state LinphoneCallStreamsRunning to LinphoneCallEnd"),
        "linphonec got no BYE from cmed:\n{}",
        lp.log()
    );
    each_heard_the_other(&bs, &lp);
    invite_challenged_and_answered(&d);
}
