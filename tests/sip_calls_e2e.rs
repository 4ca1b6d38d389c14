//! Calls between a SIP phone and an SCCP phone through cmed, end to end over loopback:
//! baresip (a client no one here wrote; pool 1, `mlopez`, number 2001) and a simulated
//! SCCP phone (the front desk, 1099). Both ways: the desk dials 2001 and baresip answers
//! on its own (`answermode=auto`); baresip dials 1099 (through its `ctrl_tcp` interface)
//! and the desk answers. Each time the SCCP phone is told baresip's RTP address, baresip's
//! RTP arrives at the SCCP phone's receiver directly (cmed carries only the addresses),
//! and a hang-up on either side ends both.

mod support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cmed::sim::Phone;
use support::daemon::{Daemon, cli_text, start_office};
use support::wait_until;

const WAIT: Duration = Duration::from_secs(15);

/// A child killed when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free UDP port with the next one free too (baresip opens a TLS listener on port + 1).
fn free_pair() -> u16 {
    for _ in 0..100 {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let p = s.local_addr().unwrap().port();
        if p < u16::MAX
            && std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()
            && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok()
        {
            return p;
        }
    }
    panic!("no two adjacent free ports");
}

fn free_tcp() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// baresip as a phone that can call: G.711 µ-law, a 440 Hz tone as its microphone, a
/// silent player, auto-answer, and `ctrl_tcp` to dial and hang up (recipe of the SIP
/// reference §B.1).
struct Baresip {
    _proc: Proc,
    log: PathBuf,
    ctrl: u16,
}

impl Baresip {
    fn start(dir: &Path, d: &Daemon) -> Baresip {
        let home = dir.join("bs");
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(
            home.join("accounts"),
            format!(
                "<sip:2001@127.0.0.1:{}>;auth_user=mlopez;auth_pass=Lab2001x;regint=600;answermode=auto;audio_codecs=PCMU\n",
                d.sip
            ),
        )
        .unwrap();
        std::fs::write(home.join("contacts"), "").unwrap();
        let (sip, ctrl) = (free_pair(), free_tcp());
        let rtp = free_pair();
        std::fs::write(
            home.join("config"),
            format!(
                "poll_method\tepoll\nsip_listen\t127.0.0.1:{sip}\nnet_interface\t127.0.0.1\n\
dns_server\t127.0.0.1:53\naudio_player\taubridge,nullsink\naudio_source\tausine,440\n\
ausrc_srate\t48000\nauplay_srate\t48000\nausrc_channels\t2\nauplay_channels\t2\n\
audio_level\tno\nrtp_ports\t{rtp}-{}\nrtp_timeout\t0\n\
module_path\t/usr/lib/baresip/modules\nmodule\tg711.so\nmodule\tausine.so\n\
module\taubridge.so\nmodule_app\taccount.so\nmodule_app\tmenu.so\n\
module_app\tctrl_tcp.so\nctrl_tcp_listen\t127.0.0.1:{ctrl}\n",
                rtp + 1
            ),
        )
        .unwrap();
        let log = dir.join("baresip.log");
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new("baresip")
            .arg("-f")
            .arg(&home)
            .args(["-s", "-t", "60"])
            .stdin(Stdio::null())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .expect("baresip runs (scripts/test.sh installs it)");
        let b = Baresip {
            _proc: Proc(child),
            log,
            ctrl,
        };
        assert!(
            wait_until(WAIT, || b.log().contains("200 OK")
                && b.log().contains("[1 binding]")),
            "baresip did not register:\n{}",
            b.log()
        );
        b
    }

    fn log(&self) -> String {
        std::fs::read(&self.log)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// One `ctrl_tcp` command (netstring JSON).
    fn command(&self, command: &str, params: &str) {
        let mut s = TcpStream::connect(("127.0.0.1", self.ctrl)).unwrap();
        let json = format!("{{\"command\":\"{command}\",\"params\":\"{params}\",\"token\":\"t\"}}");
        s.write_all(format!("{}:{json},", json.len()).as_bytes())
            .unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf);
    }
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
    if std::env::var_os("SIP_CALLS_LOG").is_some() {
        eprintln!("{}", bs.log());
    }
}
