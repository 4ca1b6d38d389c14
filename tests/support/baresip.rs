//! baresip 1.0 (a client no one here wrote) as the tests run it: G.711 µ-law only, a sine
//! (`ausine`) as its microphone, a silent player, auto-answer, `ctrl_tcp` to dial and hang
//! up, and the `sndfile` filter recording what it sends and receives (recipe of the SIP
//! reference §B.1). Either a phone registered to cmed as a pool's user
//! ([`Baresip::as_user`]), or a server that registers nowhere and answers calls for its
//! number at a port the test chose before cmed started ([`Baresip::server`]: the voicemail
//! server of a dial-peer's `session target`).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::daemon::{Daemon, free_port};
use super::procs::{self, Proc, free_port_pair, read_log};
use super::wait_until;

/// How long baresip may take to start, register, or see a call through.
const WAIT: Duration = Duration::from_secs(15);

/// How many times baresip is started again when a port chosen for it was taken first.
const PORT_ATTEMPTS: usize = 5;

/// A baresip we started, killed when dropped.
pub struct Baresip {
    pub child: Proc,
    log: PathBuf,
    ctrl: u16,
    /// Its configuration directory, where `sndfile` writes its recordings.
    pub home: PathBuf,
    /// Its SIP port (UDP and TCP; TLS on the next one).
    pub sip: u16,
}

impl Baresip {
    /// baresip registered as pool 1 (2001, `mlopez`), sending 440 Hz.
    pub fn start(dir: &Path, d: &Daemon) -> Baresip {
        Baresip::as_user(dir, d, "2001", "mlopez", "Lab2001x", 440)
    }

    /// baresip registered to `cmed` as `user` with digest `auth_user`/`password`, sending
    /// a `tone` Hz sine; returned once its registration got a 200.
    pub fn as_user(
        dir: &Path,
        d: &Daemon,
        user: &str,
        auth_user: &str,
        password: &str,
        tone: u32,
    ) -> Baresip {
        let account = format!(
            "<sip:{user}@127.0.0.1:{}>;auth_user={auth_user};auth_pass={password};regint=600;answermode=auto;audio_codecs=PCMU\n",
            d.sip
        );
        Baresip::run(dir, user, &account, tone, |b| {
            b.log().contains("200 OK") && b.log().contains("[1 binding]")
        })
    }

    /// baresip as a SIP server for `number` (`sip:NUMBER@127.0.0.1`, `regint=0`: it
    /// registers nowhere), answering every call by itself, sending a `tone` Hz sine;
    /// returned once it is ready, its port in [`Baresip::sip`]. An INVITE whose
    /// Request-URI's user is `number` reaches it.
    pub fn server(dir: &Path, number: &str, tone: u32) -> Baresip {
        let account =
            format!("<sip:{number}@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU\n");
        Baresip::run(dir, number, &account, tone, |b| {
            b.log().contains("baresip is ready.")
        })
    }

    /// Writes the configuration into `dir/bs-NAME` and starts baresip until `up` holds
    /// (again on new ports if it exited at start-up).
    fn run(
        dir: &Path,
        name: &str,
        account: &str,
        tone: u32,
        up: impl Fn(&Baresip) -> bool,
    ) -> Baresip {
        let home = dir.join(format!("bs-{name}"));
        std::fs::create_dir_all(&home).unwrap();
        std::fs::write(home.join("accounts"), account).unwrap();
        std::fs::write(home.join("contacts"), "").unwrap();
        // Its ports are free when chosen, not held: if another test's process takes one
        // first, baresip exits at start-up; it is started again on new ones.
        for _ in 0..PORT_ATTEMPTS {
            let (sip, ctrl) = (free_port_pair(), free_port());
            let rtp = free_port_pair();
            std::fs::write(
                home.join("config"),
                format!(
                    "poll_method\tepoll\nsip_listen\t127.0.0.1:{sip}\nnet_interface\t127.0.0.1\n\
dns_server\t127.0.0.1:53\naudio_player\taubridge,nullsink\naudio_source\tausine,{tone}\n\
ausrc_srate\t48000\nauplay_srate\t48000\nausrc_channels\t2\nauplay_channels\t2\n\
audio_level\tno\nrtp_ports\t{rtp}-{}\nrtp_timeout\t0\n\
module_path\t/usr/lib/baresip/modules\nmodule\tg711.so\nmodule\tausine.so\n\
module\taubridge.so\nmodule\tsndfile.so\nsnd_path\t{}\n\
module_app\taccount.so\nmodule_app\tmenu.so\n\
module_app\tctrl_tcp.so\nctrl_tcp_listen\t127.0.0.1:{ctrl}\n",
                    rtp + 1,
                    home.display()
                ),
            )
            .unwrap();
            let log = dir.join(format!("baresip-{name}.log"));
            let mut b = Baresip {
                child: procs::baresip(&home, &log),
                log,
                ctrl,
                home: home.clone(),
                sip,
            };
            let mut exited = false;
            let ready = wait_until(WAIT, || {
                exited = b.child.exited();
                exited || up(&b)
            });
            if exited {
                continue;
            }
            assert!(ready, "baresip did not come up:\n{}", b.log());
            return b;
        }
        panic!("baresip exited at start-up {PORT_ATTEMPTS} times");
    }

    pub fn log(&self) -> String {
        read_log(&self.log)
    }

    /// The audio it received in its last call, as its `sndfile` filter wrote it after the
    /// call (`dump-…-dec.wav`, 8 kHz mono 16-bit): the samples.
    pub fn received(&self) -> Option<Vec<i16>> {
        let wav = std::fs::read_dir(&self.home)
            .ok()?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.to_string_lossy().ends_with("-dec.wav"))?;
        let bytes = std::fs::read(wav).ok()?;
        let data = bytes.windows(4).position(|w| w == b"data")? + 8;
        Some(
            bytes[data..]
                .chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect(),
        )
    }

    /// One `ctrl_tcp` command (netstring JSON).
    pub fn command(&self, command: &str, params: &str) {
        let mut s = TcpStream::connect(("127.0.0.1", self.ctrl)).unwrap();
        let json = format!("{{\"command\":\"{command}\",\"params\":\"{params}\",\"token\":\"t\"}}");
        s.write_all(format!("{}:{json},", json.len()).as_bytes())
            .unwrap();
        s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf);
    }
}
