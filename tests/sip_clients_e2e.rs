//! Two real SIP softphones that no one here wrote register to cmed with digest over
//! loopback: baresip 1.0.0 (libre's SIP stack) and linphonec 5.1 (belle-sip). sipp in
//! `sip_e2e.rs` sends what its scenario says; these clients send what they think a
//! registrar wants (their own Contact forms, `+sip.instance`, `Supported: gruu`, when they
//! re-authenticate, how they unregister), which is how the SHA-256 second challenge that
//! baresip refused was found.
//!
//! Each test starts its own daemon on `small-office.cfg`, whose `voice register pool 1` has
//! `username mlopez password 0 Lab2001x` and line 2001: both clients register
//! `sip:2001@127.0.0.1` with auth user `mlopez`, found through the digest user name. What
//! is proved, each in its own test: the client registers (401, then 200, and
//! `show voice register pool 1` shows the client's own contact); it unregisters when it
//! quits (the pool shows UNREGISTERED); a wrong password is refused (the client never
//! reaches registered, the pool stays UNREGISTERED).
//!
//! The clients are child processes killed in `Drop`, so a failed test leaves none running;
//! every wait is on a condition (the client's log, `linphonecsh status register`, the show
//! output) with a deadline. baresip and linphone-cli are installed by `scripts/test.sh`.

mod support;

use std::fs::File;
use std::net::UdpSocket;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::daemon::{Daemon, cli_text, start_office};
use support::procs::{self, Proc, free_port_pair};
use support::wait_until;

/// How long a client may take to get an answer it is waiting for (they answer in well under
/// a second on loopback; the margin is for a loaded machine).
const WAIT: Duration = Duration::from_secs(15);

/// How many times a client is started again when a port chosen for it was taken first.
const PORT_ATTEMPTS: usize = 5;

const USER: &str = "2001";
const AUTH_USER: &str = "mlopez";
const PASSWORD: &str = "Lab2001x";

/// `show voice register pool 1`.
fn pool_1(d: &Daemon) -> String {
    cli_text(&d.data, &["show voice register pool 1"])
}

fn registered(show: &str) -> bool {
    show.contains("  State is REGISTERED\n")
}

fn unregistered(show: &str) -> bool {
    show.contains("  State is UNREGISTERED\n")
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

fn read(path: &Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .unwrap()
        .port()
}

// ---------------------------------------------------------------------------------------
// baresip

/// baresip 1.0.0 headless: no audio device or UI module, only what registering needs
/// (`account.so` reads the accounts file). `net_interface 127.0.0.1` because the interface
/// name `lo` is not found in a container; `dns_server` keeps any lookup on loopback. `-s`
/// traces every SIP message to its log, `-t` makes it quit by itself even if a test
/// process dies without running `Drop`.
struct Baresip {
    proc: Proc,
    log: PathBuf,
    port: u16,
}

impl Baresip {
    fn start(dir: &Path, cmed: &Daemon, password: &str) -> Baresip {
        let home = dir.join("baresip");
        std::fs::create_dir_all(&home).unwrap();
        // The account line: `regint` is the Expires it asks for.
        std::fs::write(
            home.join("accounts"),
            format!(
                "<sip:{USER}@127.0.0.1:{}>;auth_user={AUTH_USER};auth_pass={password};regint=600\n",
                cmed.sip
            ),
        )
        .unwrap();
        std::fs::write(home.join("contacts"), "").unwrap();
        let log = dir.join("baresip.log");
        // Its ports are free when chosen, not held: if another test's process takes one
        // first, baresip exits at start-up ("Address already in use"); it gets new ones.
        for _ in 0..PORT_ATTEMPTS {
            let port = free_port_pair();
            std::fs::write(
                home.join("config"),
                format!(
                    "poll_method\tepoll\n\
sip_listen\t127.0.0.1:{port}\n\
net_interface\t127.0.0.1\n\
dns_server\t127.0.0.1:53\n\
audio_level\tno\n\
module_path\t/usr/lib/baresip/modules\n\
module_app\taccount.so\n"
                ),
            )
            .unwrap();
            let mut b = Baresip {
                proc: procs::baresip(&home, &log),
                log: log.clone(),
                port,
            };
            // It prints this once its SIP transports are bound.
            let mut exited = false;
            let ready = wait_until(WAIT, || {
                exited = b.proc.exited();
                exited || b.log().contains("baresip is ready.")
            });
            if exited {
                continue;
            }
            assert!(ready, "baresip did not start:\n{}", b.log());
            return b;
        }
        panic!(
            "baresip exited at start-up {PORT_ATTEMPTS} times:\n{}",
            read(&log)
        );
    }

    fn log(&self) -> String {
        read(&self.log)
    }

    /// Waits until baresip reports its REGISTER answered 200 with its binding in it (the
    /// line it prints: `2001@127.0.0.1: {0/UDP/v4} 200 OK (<Server>) [1 binding]`).
    fn registers(&self) -> bool {
        let ok = format!("{USER}@127.0.0.1: {{0/UDP/v4}} 200 OK");
        wait_until(WAIT, || {
            self.log()
                .lines()
                .any(|l| l.contains(&ok) && l.contains("[1 binding]"))
        })
    }

    /// Waits until the log holds `text`.
    fn logged(&self, text: &str) -> bool {
        wait_until(WAIT, || self.log().contains(text))
    }

    /// The URI of the Contact in its first REGISTER, as its trace shows it.
    fn contact(&self) -> String {
        let log = self.log();
        let line = log
            .lines()
            .find(|l| l.starts_with("Contact: <"))
            .unwrap_or_else(|| panic!("no Contact in baresip's trace:\n{log}"));
        line["Contact: <".len()..line.find('>').unwrap()].to_string()
    }

    /// Quits as a user stopping it does (SIGTERM): baresip unregisters, then exits.
    fn quit(&mut self) {
        let pid = self.proc.pid();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(
            self.proc.exited_within(WAIT),
            "baresip did not exit:\n{}",
            self.log()
        );
    }
}

/// baresip registers with MD5 digest: cmed challenges its first REGISTER, baresip answers as
/// `mlopez`, gets 200 with one binding, and the pool shows its own contact. (Before the
/// 401 lost its SHA-256 challenge, baresip gave up here with "Register: Function not
/// implemented".)
#[test]
fn baresip_registers_with_digest() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let b = Baresip::start(dir.path(), &d, PASSWORD);
    assert!(b.registers(), "{}", b.log());
    let log = b.log();
    let challenge = log.find("SIP/2.0 401 Unauthorized").expect("a 401 first");
    let answer = log
        .find(&format!("Authorization: Digest username=\"{AUTH_USER}\""))
        .expect("the challenge answered");
    let ok = log.find("SIP/2.0 200 OK").expect("then 200");
    assert!(challenge < answer && answer < ok, "{log}");
    assert!(log[..answer].contains("algorithm=MD5"), "{log}");
    let contact = b.contact();
    assert!(
        contact.ends_with(&format!("@127.0.0.1:{}", b.port)),
        "{contact}"
    );
    // The 200 gives its binding back with the interval asked for.
    assert!(
        log.contains(&format!("Contact: <{contact}>;expires=600\r\n")),
        "{log}"
    );
    let show = pool_1(&d);
    assert!(registered(&show), "{show}");
    assert!(
        show.contains(&format!(
            "  Contact is {contact} from 127.0.0.1:{port} over UDP\n",
            port = b.port
        )),
        "{show}"
    );
}

/// baresip quitting unregisters (`expires=0` on its contact, challenged and answered like
/// any REGISTER): the pool shows UNREGISTERED.
#[test]
fn baresip_quitting_unregisters_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let mut b = Baresip::start(dir.path(), &d, PASSWORD);
    assert!(b.registers(), "{}", b.log());
    assert!(registered(&pool_1(&d)));
    b.quit();
    let log = b.log();
    assert!(log.contains(">;expires=0\r\n"), "no unregistration:\n{log}");
    let show = pool_1(&d);
    assert!(unregistered(&show), "{show}\n{log}");
}

/// baresip with a wrong password: cmed answers its digest with 403, baresip reports it and
/// never registers; the pool stays UNREGISTERED.
#[test]
fn baresip_with_a_wrong_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let b = Baresip::start(dir.path(), &d, "wrong");
    assert!(
        b.logged(&format!(
            "reg: sip:{USER}@127.0.0.1:{}: 403 Forbidden",
            d.sip
        )),
        "{}",
        b.log()
    );
    let log = b.log();
    assert!(!log.contains("[1 binding]"), "{log}");
    let show = pool_1(&d);
    assert!(unregistered(&show), "{show}");
}

// ---------------------------------------------------------------------------------------
// linphonec

/// linphonec 5.1 in the daemon mode `linphonecsh init` starts (`linphonec --pipe -c
/// /dev/null -c RC`), started here directly so that it is our child and `Drop` can stop it;
/// commands go through `linphonecsh`. With stdin from a pipe instead, linphonec never runs
/// its core loop.
///
/// It has one control socket per uid (`/tmp/linphonec-<uid>`), so one linphonec runs at a
/// time: [`Linphonec::start`] takes a file lock that serializes the linphonec tests of this
/// process and of any other test run of this user. It rewrites its config on exit, so the
/// config is written fresh each run; it gets its own HOME, and a writable `[storage] uri`
/// (without one liblinphone 5.1 silently opens no SIP socket).
struct Linphonec {
    proc: Proc,
    log: PathBuf,
    port: u16,
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

impl Linphonec {
    fn start(dir: &Path, cmed: &Daemon, password: &str) -> Linphonec {
        let lock = linphonec_lock(dir);
        let home = dir.join("linphone-home");
        std::fs::create_dir_all(&home).unwrap();
        let rc = dir.join("linphonerc");
        let log = dir.join("linphonec.log");
        // Its port is free when chosen, not held: if another test's process takes it first,
        // liblinphone logs the failed bind and opens no SIP socket; it gets a new one.
        for _ in 0..PORT_ATTEMPTS {
            let port = free_udp_port();
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
[net]\n\
firewall_policy=0\n\
\n\
[sound]\n\
echocancellation=0\n\
\n\
[proxy_0]\n\
reg_proxy=<sip:127.0.0.1:{cmed};transport=udp>\n\
reg_identity=sip:{USER}@127.0.0.1\n\
reg_expires=600\n\
reg_sendregister=1\n\
publish=0\n\
\n\
[auth_info_0]\n\
username={USER}\n\
userid={AUTH_USER}\n\
passwd={password}\n\
\n\
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
            let child = Command::new("linphonec")
                .args(["--pipe", "-c", "/dev/null", "-c"])
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
            read(&log)
        );
    }

    fn log(&self) -> String {
        read(&self.log)
    }

    /// `linphonecsh ARGS`: linphonec's answer ("" while its socket is not up yet).
    fn sh(&self, args: &[&str]) -> String {
        output_within(Command::new("linphonecsh").args(args), WAIT)
            .unwrap_or_else(|| panic!("linphonecsh {args:?} did not return"))
    }

    fn status(&self) -> String {
        self.sh(&["status", "register"])
    }

    /// Waits until `linphonecsh status register` says it is registered.
    fn registers(&self) -> bool {
        let want = format!("registered, identity=sip:{USER}@127.0.0.1 duration=600");
        wait_until(WAIT, || self.status().contains(&want))
    }

    /// `linphonecsh exit`: linphonec unregisters (`Expires: 0`), then exits.
    fn exit(&mut self) {
        self.sh(&["exit"]);
        assert!(
            self.proc.exited_within(WAIT),
            "linphonec did not exit:\n{}",
            self.log()
        );
    }
}

/// linphonec registers with MD5 digest: 401, then its answer as `mlopez`, 200; it says
/// registered, and the pool shows its contact. linphone offers `Supported: gruu` with a
/// `+sip.instance`, and our 200 hands out no GRUU (with one, linphone would put it in its
/// dialogs' Contact and lose the far end's BYE).
#[test]
fn linphonec_registers_with_digest() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let l = Linphonec::start(dir.path(), &d, PASSWORD);
    assert!(l.registers(), "{}\n{}", l.status(), l.log());
    let log = l.log();
    assert!(log.contains("Supported: replaces, outbound, gruu"), "{log}");
    assert!(log.contains(";+sip.instance=\"<urn:uuid:"), "{log}");
    let challenge = log.find("SIP/2.0 401 Unauthorized").expect("a 401 first");
    let answer = log
        .find(&format!("username=\"{AUTH_USER}\""))
        .expect("the challenge answered");
    let ok = log.find("SIP/2.0 200 OK").expect("then 200");
    assert!(challenge < answer && answer < ok, "{log}");
    assert!(
        !log.contains("pub-gruu") && !log.contains("temp-gruu"),
        "a GRUU was handed out:\n{log}"
    );
    let show = pool_1(&d);
    assert!(registered(&show), "{show}");
    assert!(
        show.contains(&format!(
            "  Contact is sip:{USER}@127.0.0.1:{port};transport=udp from 127.0.0.1:{port} over UDP\n",
            port = l.port
        )),
        "{show}"
    );
}

/// linphonec's `exit` unregisters (`Expires: 0`): the pool shows UNREGISTERED.
#[test]
fn linphonec_exit_unregisters_the_pool() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let mut l = Linphonec::start(dir.path(), &d, PASSWORD);
    assert!(l.registers(), "{}\n{}", l.status(), l.log());
    assert!(registered(&pool_1(&d)));
    l.exit();
    let log = l.log();
    assert!(
        log.contains("\nExpires: 0\r\n"),
        "no unregistration:\n{log}"
    );
    assert!(log.contains("to [LinphoneRegistrationCleared]"), "{log}");
    let show = pool_1(&d);
    assert!(unregistered(&show), "{show}");
}

/// linphonec with a wrong password: cmed answers its digest with 403, its registration
/// fails (its account goes from Progress to Failed, never to Ok); the pool stays
/// UNREGISTERED. linphonec then waits for a password on its control pipe and would read
/// any `linphonecsh` command as one, so its state is read from its log, and `Drop` stops
/// it.
#[test]
fn linphonec_with_a_wrong_password_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let l = Linphonec::start(dir.path(), &d, "wrong");
    assert!(
        wait_until(WAIT, || l.log().contains("to [LinphoneRegistrationFailed]")),
        "{}",
        l.log()
    );
    let log = l.log();
    assert!(log.contains("SIP/2.0 403 Forbidden"), "{log}");
    assert!(!log.contains("to [LinphoneRegistrationOk]"), "{log}");
    let show = pool_1(&d);
    assert!(unregistered(&show), "{show}");
}
