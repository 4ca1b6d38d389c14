//! A clean stop (SIGTERM): the calls in progress end as calls do — the SCCP phones are
//! put on hook, the SIP side gets its BYE — the control socket is removed, and the daemon
//! exits 0 within 5 s.

mod support;

use std::net::SocketAddr;
use std::process::Command;
use std::time::{Duration, Instant};

use cmed::sim::Phone;
use support::daemon::start_with;
use support::sipp::{Uas, free_udp};

async fn phone(sccp: u16, mac: &str, device_type: u32) -> Phone {
    let mut p = Phone::new(SocketAddr::from(([127, 0, 0, 1], sccp)), mac, device_type);
    p.register().await.unwrap();
    p
}

#[tokio::test]
async fn sigterm_ends_the_calls_cleanly_removes_the_socket_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_udp();
    // sipp's built-in UAS answers the call to the voicemail pilot, then needs its BYE to
    // finish: it exits 0 only if cmed sent one.
    let mut vm = Uas::start(dir.path(), port, None, 1);
    let target = "session target ipv4:127.0.0.1:5070\n";
    let config =
        support::SMALL_OFFICE.replace(target, &format!("session target ipv4:127.0.0.1:{port}\n"));
    let mut d = start_with(dir.path(), &config);
    let rtp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let rtp = rtp.local_addr().unwrap();

    // The lobby talks to the front desk, Jonas to the voicemail server.
    let mut desk = phone(d.sccp, "001E7A345A01", 436).await;
    let mut lobby = phone(d.sccp, "0022905B11C2", 435).await;
    lobby.off_hook().await.unwrap();
    lobby.dial("1099").await.unwrap();
    desk.wait_ringing().await.unwrap();
    desk.off_hook().await.unwrap();
    desk.open_receive(rtp).await.unwrap();
    lobby.open_receive(rtp).await.unwrap();
    let mut jonas = phone(d.sccp, "5475D0A32288", 585).await;
    jonas.off_hook().await.unwrap();
    jonas.dial("8000").await.unwrap();
    jonas.open_receive(rtp).await.unwrap();
    jonas.wait_start_media().await.unwrap();

    let stopped = Instant::now();
    let pid = d.child.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    for p in [&mut desk, &mut lobby, &mut jonas] {
        p.wait_idle()
            .await
            .expect("put on hook before the daemon went");
    }
    vm.finished_ok("the voicemail server got its BYE");
    let exited = support::wait_until(Duration::from_secs(5), || {
        matches!(d.child.try_wait(), Ok(Some(_)))
    });
    assert!(exited, "the daemon did not exit within 5 s of SIGTERM");
    assert!(stopped.elapsed() < Duration::from_secs(5));
    let status = d.child.wait().unwrap();
    assert!(status.success(), "exit status {status}");
    assert!(
        !d.data.join("cmed.sock").exists(),
        "the control socket is removed"
    );
}
