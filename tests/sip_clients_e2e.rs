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

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use support::daemon::{Daemon, cli_text, start_office};
use support::linphonec::Linphonec;
use support::procs::{self, Proc, free_port_pair, read_log};
use support::wait_until;

/// How long a client may take to get an answer it is waiting for (they answer in well under
/// a second on loopback; the margin is for a loaded machine).
const WAIT: Duration = Duration::from_secs(15);

/// How many times baresip is started again when a port chosen for it was taken first.
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
            read_log(&log)
        );
    }

    fn log(&self) -> String {
        read_log(&self.log)
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
// linphonec (the harness, shared with the call tests, is `support::linphonec`)

/// linphonec registers with MD5 digest: 401, then its answer as `mlopez`, 200; it says
/// registered, and the pool shows its contact. linphone offers `Supported: gruu` with a
/// `+sip.instance`, and our 200 hands out no GRUU (with one, linphone would put it in its
/// dialogs' Contact and lose the far end's BYE).
#[test]
fn linphonec_registers_with_digest() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_office(dir.path());
    let l = Linphonec::start(dir.path(), &d, USER, AUTH_USER, PASSWORD);
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
    let mut l = Linphonec::start(dir.path(), &d, USER, AUTH_USER, PASSWORD);
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
    let l = Linphonec::start(dir.path(), &d, USER, AUTH_USER, "wrong");
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
