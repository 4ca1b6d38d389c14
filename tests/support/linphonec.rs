//! linphonec 5.1 (liblinphone, belle-sip) as a phone the tests drive: registered as a pool
//! phone with digest, G.711 µ-law only, answering calls by itself (`-a`), and — once
//! [`Linphonec::use_files`] is called — playing a WAV file as its microphone and recording
//! what it receives to another. Commands go through `linphonecsh`; what it did is read from
//! its log (`-d 6`: every SIP message and call state change) and its record file.

use std::fs::File;
use std::net::UdpSocket;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::daemon::Daemon;
use super::procs::{Proc, free_port_pair, read_log};
use super::wait_until;

/// How long linphonec may take to get an answer it is waiting for (well under a second on
/// loopback; the margin is for a loaded machine).
const WAIT: Duration = Duration::from_secs(15);

/// How many times linphonec is started again when the port chosen for it was taken first.
const PORT_ATTEMPTS: usize = 5;

/// linphonec in the daemon mode `linphonecsh init` starts (`linphonec --pipe -c /dev/null
/// -c RC`), started here directly so that it is our child and `Drop` can stop it; commands
/// go through `linphonecsh`. With stdin from a pipe instead, linphonec never runs its core
/// loop.
///
/// It has one control socket per uid (`/tmp/linphonec-<uid>`), so one linphonec runs at a
/// time: [`Linphonec::start`] takes a file lock that serializes the linphonec tests of this
/// process and of any other test run of this user. It rewrites its config on exit, so the
/// config is written fresh each run; it gets its own HOME, and a writable `[storage] uri`
/// (without one liblinphone 5.1 silently opens no SIP socket).
pub struct Linphonec {
    proc: Proc,
    log: PathBuf,
    /// Its SIP port.
    pub port: u16,
    user: String,
    record: Option<PathBuf>,
    /// Released after `proc` is stopped (fields drop in order).
    _lock: Option<File>,
}

/// Holds the lock serializing linphonec runs (see [`Linphonec`]) until dropped.
fn linphonec_lock(dir: &Path) -> File {
    let uid = std::fs::metadata(dir).unwrap().uid();
    let path = std::env::temp_dir().join(format!("cmed-tests-linphonec-{uid}.lock"));
    let f = File::create(&path).unwrap();
    assert!(
        wait_until(Duration::from_secs(120), || f.try_lock().is_ok()),
        "another linphonec test held {} for two minutes",
        path.display()
    );
    f
}

/// Runs `cmd` to completion, killing it after `timeout`; its stdout (`None` on timeout).
fn output_within(cmd: &mut Command, timeout: Duration) -> Option<String> {
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?} does not start ({e}): run scripts/test.sh"));
    let mut p = Proc(child);
    let deadline = Instant::now() + timeout;
    loop {
        if let Ok(Some(_)) = p.0.try_wait() {
            let mut out = String::new();
            use std::io::Read;
            p.0.stdout.take()?.read_to_string(&mut out).ok()?;
            return Some(out);
        }
        if Instant::now() >= deadline {
            return None;
        }
        // A bounded poll of a child that answers in milliseconds, not a wait for an event.
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .unwrap()
        .port()
}

/// The audio codecs as liblinphone lists them in its config: µ-law enabled, every other
/// codec it enables by default turned off (one not named keeps its default).
const CODECS: &[(&str, u32, u32, u8)] = &[
    ("PCMU", 8000, 1, 1),
    ("opus", 48000, 2, 0),
    ("speex", 16000, 1, 0),
    ("speex", 8000, 1, 0),
    ("PCMA", 8000, 1, 0),
    ("G729", 8000, 1, 0),
];

impl Linphonec {
    /// linphonec registering `sip:USER@127.0.0.1` to `cmed` with digest user `auth_user`
    /// and `password`.
    pub fn start(
        dir: &Path,
        cmed: &Daemon,
        user: &str,
        auth_user: &str,
        password: &str,
    ) -> Linphonec {
        let lock = linphonec_lock(dir);
        let home = dir.join("linphone-home");
        std::fs::create_dir_all(&home).unwrap();
        let rc = dir.join("linphonerc");
        let log = dir.join("linphonec.log");
        let codecs: String = CODECS
            .iter()
            .enumerate()
            .map(|(i, (mime, rate, channels, enabled))| {
                format!(
                    "[audio_codec_{i}]\nmime={mime}\nrate={rate}\nchannels={channels}\nenabled={enabled}\n\n"
                )
            })
            .collect();
        // Its ports are free when chosen, not held: if another test's process takes the SIP
        // port first, liblinphone logs the failed bind and opens no SIP socket; it gets a
        // new one. (Its RTP port is bound only for a call.)
        for _ in 0..PORT_ATTEMPTS {
            let port = free_udp_port();
            let rtp = free_port_pair();
            // `[auth_info_0]`: linphone finds it by the identity's user (`username`) and
            // sends `userid` as the digest user name. Network monitoring stays on (no
            // `auto_net_state_mon=0`): with it off the core never marks the network up, and
            // then skips unregistering on exit.
            std::fs::write(
                &rc,
                format!(
                    "[sip]\n\
sip_port={port}\n\
sip_tcp_port=0\n\
sip_tls_port=0\n\
bind_address=127.0.0.1\n\
register_only_when_network_is_up=0\n\
guess_hostname=0\n\
ipv6=0\n\
default_proxy=0\n\
\n\
[rtp]\n\
audio_rtp_port={rtp}\n\
\n\
[net]\n\
firewall_policy=0\n\
\n\
[sound]\n\
echocancellation=0\n\
\n\
[proxy_0]\n\
reg_proxy=<sip:127.0.0.1:{cmed};transport=udp>\n\
reg_identity=sip:{user}@127.0.0.1\n\
reg_expires=600\n\
reg_sendregister=1\n\
publish=0\n\
\n\
[auth_info_0]\n\
username={user}\n\
userid={auth_user}\n\
passwd={password}\n\
\n\
{codecs}\
[storage]\n\
backend=sqlite3\n\
uri={db}\n\
\n\
[misc]\n\
history_max_size=0\n",
                    cmed = cmed.sip,
                    db = dir.join("linphone.db").display(),
                ),
            )
            .unwrap();
            let _ = std::fs::remove_file(&log);
            // `-a`: it answers an incoming call by itself.
            let child = Command::new("linphonec")
                .args(["--pipe", "-a", "-c", "/dev/null", "-c"])
                .arg(&rc)
                .args(["-d", "6", "-l"])
                .arg(&log)
                .env("HOME", &home)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("linphonec runs (scripts/test.sh installs linphone-cli)");
            let l = Linphonec {
                proc: Proc(child),
                log: log.clone(),
                port,
                user: user.to_string(),
                record: None,
                _lock: None,
            };
            // Its first REGISTER goes out from its socket once that is bound.
            let sent = format!("Via: SIP/2.0/UDP 127.0.0.1:{port};");
            let bound = wait_until(WAIT, || {
                let t = l.log();
                t.contains("udp bind() failed") || t.contains(&sent)
            });
            assert!(bound, "linphonec did not start:\n{}", l.log());
            if l.log().contains("udp bind() failed") {
                continue;
            }
            return Linphonec {
                _lock: Some(lock),
                ..l
            };
        }
        panic!(
            "linphonec found its port taken {PORT_ATTEMPTS} times:\n{}",
            read_log(&log)
        );
    }

    pub fn log(&self) -> String {
        read_log(&self.log)
    }

    /// Waits until the log holds `text`.
    pub fn logged(&self, text: &str) -> bool {
        wait_until(WAIT, || self.log().contains(text))
    }

    /// `linphonecsh ARGS`: linphonec's answer ("" while its socket is not up yet).
    pub fn sh(&self, args: &[&str]) -> String {
        output_within(Command::new("linphonecsh").args(args), WAIT)
            .unwrap_or_else(|| panic!("linphonecsh {args:?} did not return"))
    }

    /// `linphonecsh generic COMMAND` (a linphonec command line): its answer.
    pub fn command(&self, command: &str) -> String {
        self.sh(&["generic", command])
    }

    pub fn status(&self) -> String {
        self.sh(&["status", "register"])
    }

    /// Waits until `linphonecsh status register` says it is registered.
    pub fn registers(&self) -> bool {
        let want = format!(
            "registered, identity=sip:{}@127.0.0.1 duration=600",
            self.user
        );
        wait_until(WAIT, || self.status().contains(&want))
    }

    /// From its next call on, `play` (an 8 kHz mono 16-bit WAV, see [`write_tone`]) is its
    /// microphone and what it receives is recorded to `record` (a WAV whose header is
    /// written when the call ends).
    pub fn use_files(&mut self, play: &Path, record: &Path) {
        // The first command waits for its control socket (a command sent before the socket
        // is up reaches nothing, so sending it again is safe).
        assert!(
            wait_until(WAIT, || self
                .command("soundcard use files")
                .contains("Using wav files instead of soundcard")),
            "linphonec took no commands:\n{}",
            self.log()
        );
        self.command(&format!("play {}", play.display()));
        self.command(&format!("record {}", record.display()));
        self.record = Some(record.to_path_buf());
    }

    /// The audio it recorded in its last call, once the call has ended and the file has its
    /// header (8 kHz mono 16-bit; until then the header is zeros): the samples.
    pub fn received(&self) -> Option<Vec<i16>> {
        let bytes = std::fs::read(self.record.as_ref()?).ok()?;
        if !bytes.starts_with(b"RIFF") {
            return None;
        }
        let at = bytes.windows(4).position(|w| w == b"data")?;
        let size = u32::from_le_bytes(bytes.get(at + 4..at + 8)?.try_into().ok()?) as usize;
        // mediastreamer 5.1 writes the file's whole length as the data chunk's size (44
        // bytes more than there are): the data is what follows, up to that size.
        let data = bytes.get(at + 8..(at + 8 + size).min(bytes.len()))?;
        Some(
            data.chunks_exact(2)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect(),
        )
    }

    /// `linphonecsh exit`: linphonec unregisters (`Expires: 0`), then exits.
    pub fn exit(&mut self) {
        self.sh(&["exit"]);
        assert!(
            self.proc.exited_within(WAIT),
            "linphonec did not exit:\n{}",
            self.log()
        );
    }
}

/// Writes `secs` of a `hz` sine (8 kHz mono 16-bit PCM, 0.3 of full scale) to the WAV file
/// `path`: what linphonec plays as its microphone.
pub fn write_tone(path: &Path, hz: f64, secs: u32) {
    let samples: Vec<u8> = (0..8000 * secs)
        .flat_map(|i| {
            let x = 9830.0 * (2.0 * std::f64::consts::PI * hz * f64::from(i) / 8000.0).sin();
            (x as i16).to_le_bytes()
        })
        .collect();
    let len = samples.len() as u32;
    let mut wav = Vec::with_capacity(44 + samples.len());
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + len).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    wav.extend_from_slice(&1u16.to_le_bytes()); // PCM
    wav.extend_from_slice(&1u16.to_le_bytes()); // mono
    wav.extend_from_slice(&8000u32.to_le_bytes()); // sample rate
    wav.extend_from_slice(&16000u32.to_le_bytes()); // bytes per second
    wav.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    wav.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&len.to_le_bytes());
    wav.extend_from_slice(&samples);
    std::fs::write(path, wav).unwrap();
}
