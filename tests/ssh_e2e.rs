//! Remote administration over SSH end to end, driven by tools no one here wrote: OpenSSH's
//! client (with sshpass for passwords, and with a key), Netmiko's cisco_ios driver, scrapli's
//! IOSXEDriver and ntc-templates' TextFSM templates (`tests/ssh/drive.py`, run with the
//! virtualenv scripts/test.sh makes). The daemon runs on the small office, whose `username
//! admin privilege 15 secret 9 …` is "cisco" and whose `line vty 0 4` has `login local`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use support::SMALL_OFFICE;
use support::daemon::{Daemon, cli_text, start_with};
use support::tmux::Tmux;
use support::wait_until;

/// The test virtualenv's python (Netmiko, scrapli, ntc-templates), made by scripts/test.sh
/// in the target directory.
fn python() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .to_path_buf();
    let py = target.join("ssh-venv/bin/python");
    assert!(
        py.exists(),
        "{} is missing: scripts/test.sh makes it (python3 -m venv, pip install netmiko scrapli ntc-templates)",
        py.display()
    );
    py
}

/// Runs `tests/ssh/drive.py COMMAND PORT ARGS…` and asserts it passed.
fn drive(d: &Daemon, command: &str, args: &[&str]) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/ssh/drive.py");
    let out = Command::new(python())
        .arg(script)
        .arg(command)
        .arg(d.ssh.to_string())
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "drive.py {command} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const SSH_OPTIONS: &[&str] = &[
    "-o",
    "StrictHostKeyChecking=no",
    "-o",
    "UserKnownHostsFile=/dev/null",
    "-o",
    "LogLevel=ERROR",
    "-o",
    "ConnectTimeout=10",
];

/// OpenSSH's `ssh -p PORT USER@127.0.0.1 COMMAND` with a password (sshpass types it).
fn ssh_password(d: &Daemon, user: &str, password: &str, command: &str) -> Output {
    Command::new("sshpass")
        .args(["-p", password, "ssh"])
        .args(SSH_OPTIONS)
        .args([
            "-o",
            "PubkeyAuthentication=no",
            "-o",
            "NumberOfPasswordPrompts=1",
        ])
        .args([
            "-p",
            &d.ssh.to_string(),
            &format!("{user}@127.0.0.1"),
            command,
        ])
        .output()
        .expect("sshpass and ssh (scripts/test.sh installs them)")
}

/// Whether `user` logs in with `password` (and runs `show clock`).
fn logs_in(d: &Daemon, user: &str, password: &str) -> bool {
    ssh_password(d, user, password, "show clock")
        .status
        .success()
}

/// OpenSSH's `ssh -i KEY -p PORT USER@127.0.0.1 COMMAND`, the key alone (no password).
fn ssh_key(d: &Daemon, key: &Path, user: &str, command: &str) -> Output {
    Command::new("ssh")
        .args(SSH_OPTIONS)
        .args([
            "-o",
            "BatchMode=yes",
            "-o",
            "PasswordAuthentication=no",
            "-i",
        ])
        .arg(key)
        .args([
            "-p",
            &d.ssh.to_string(),
            &format!("{user}@127.0.0.1"),
            command,
        ])
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn office(dir: &Path, extra: &str) -> Daemon {
    start_with(
        dir,
        &SMALL_OFFICE.replace("\nend", &format!("\n{extra}\nend")),
    )
}

#[test]
fn openssh_runs_one_command_with_a_password() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), "");
    let out = ssh_password(&d, "admin", "cisco", "show running-config");
    assert!(out.status.success(), "{out:?}");
    let t = text(&out);
    assert!(t.contains("hostname CME-Office"), "{t}");
    assert!(t.contains("line vty 0 4"), "{t}");
    // The host key was made at the first start, 0600, and is the same at the next.
    use std::os::unix::fs::PermissionsExt;
    let key = d.data.join("ssh_host_key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let shown = cli_text(&d.data, &["show ip ssh"]);
    assert!(shown.contains("\nSSH Enabled - version 2.0\n"), "{shown}");
    let fingerprint = Command::new("ssh-keygen")
        .args(["-l", "-f"])
        .arg(&key)
        .output()
        .unwrap();
    let fp = text(&fingerprint);
    let sha = fp.split_whitespace().nth(1).unwrap();
    assert!(
        shown.contains(sha),
        "show ip ssh has the key's fingerprint {sha}:\n{shown}"
    );
    // A wrong password is refused, and logged as IOS logs it.
    let out = ssh_password(&d, "admin", "wrong", "show clock");
    assert!(!out.status.success());
    let log = cli_text(&d.data, &["show logging"]);
    assert!(
        log.contains("%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: admin] [Source: 127.0.0.1]"),
        "{log}"
    );
    assert!(
        log.contains("%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: 127.0.0.1]"),
        "{log}"
    );
}

#[test]
fn openssh_logs_in_with_a_key_from_the_pubkey_chain() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("id_ed25519");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap();
    assert!(made.success());
    // IOS names a key by the MD5 of its blob: what `ssh-keygen -l -E md5` prints.
    let md5 = Command::new("ssh-keygen")
        .args(["-l", "-E", "md5", "-f"])
        .arg(key.with_extension("pub"))
        .output()
        .unwrap();
    let hash: String = text(&md5)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .trim_start_matches("MD5:")
        .replace(':', "")
        .to_uppercase();
    let d = office(
        dir.path(),
        &format!("ip ssh pubkey-chain\n username admin\n  key-hash ssh-ed25519 {hash} test-key\n!"),
    );
    let out = ssh_key(&d, &key, "admin", "show clock");
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out).contains("UTC"), "{}", text(&out));
    // A second key pasted as IOS takes it (`key-string`, the blob over two lines, `exit`),
    // stored as its key-hash.
    let key2 = dir.path().join("id2");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key2)
        .status()
        .unwrap();
    assert!(made.success());
    let public = std::fs::read_to_string(key2.with_extension("pub")).unwrap();
    let blob = public.split_whitespace().nth(1).unwrap();
    let (a, b) = blob.split_at(40);
    let out = cli_text(
        &d.data,
        &[
            "configure terminal",
            "ip ssh pubkey-chain",
            "username admin",
            "key-string",
            a,
            b,
            "exit",
            "end",
        ],
    );
    assert!(out.contains("(conf-ssh-pubkey-data)#"), "{out}");
    assert!(
        !out.contains('%') || out.contains("%SYS-5-CONFIG_I"),
        "{out}"
    );
    let chain = cli_text(&d.data, &["show running-config | section pubkey"]);
    assert_eq!(chain.matches("key-hash ssh-ed25519").count(), 2, "{chain}");
    let out = ssh_key(&d, &key2, "admin", "show clock");
    assert!(out.status.success(), "{out:?}");
    // Another user, whose chain does not hold the key, is refused.
    let out = ssh_key(&d, &key, "other", "show clock");
    assert!(!out.status.success());
}

#[test]
fn netmiko_shows_configures_and_saves_and_ntc_templates_parse_the_shows() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), "");
    drive(&d, "netmiko", &[]);
    // `save_config()` wrote the new ephone-dn into the startup-config.
    let saved = std::fs::read_to_string(dir.path().join("startup.cfg")).unwrap();
    assert!(saved.contains("ephone-dn  77\n number 7777"), "{saved}");
    let log = cli_text(&d.data, &["show logging | include CONFIG_I"]);
    assert!(
        log.contains("%SYS-5-CONFIG_I: Configured from vty")
            && log.contains("(127.0.0.1) by admin"),
        "{log}"
    );
}

#[test]
fn scrapli_iosxe_driver_sends_commands_and_configs() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), "");
    drive(&d, "scrapli", &[]);
    let run = cli_text(&d.data, &["show running-config | section ephone-dn  78"]);
    assert!(run.contains("number 7878"), "{run}");
}

#[test]
fn privilege_1_cannot_configure_until_enable_with_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(
        dir.path(),
        "username op secret 0 op-pass\nenable secret 0 en-secret",
    );
    // Typed as type 0, stored as type 9.
    let run = cli_text(
        &d.data,
        &["show running-config | include ^username op|^enable"],
    );
    assert!(run.contains("username op secret 9 $9$"), "{run}");
    assert!(run.contains("enable secret 9 $9$"), "{run}");
    let out = ssh_password(&d, "op", "op-pass", "show privilege");
    assert!(
        text(&out).contains("Current privilege level is 1"),
        "{out:?}"
    );
    let out = ssh_password(&d, "op", "op-pass", "configure terminal");
    assert!(!out.status.success(), "refused: exit status 1");
    assert!(text(&out).contains("% Invalid input"), "{}", text(&out));
    drive(&d, "enable", &["op", "op-pass", "en-secret"]);
}

#[test]
fn a_type_9_secret_taken_from_a_router_authenticates() {
    let dir = tempfile::tempdir().unwrap();
    // hashcat's example of IOS type 9 (scrypt); its password is "hashcat".
    let d = office(
        dir.path(),
        "username netops privilege 15 secret 9 $9$2MJBozw/9R3UsU$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo6\nusername old privilege 15 secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0",
    );
    let out = ssh_password(&d, "netops", "hashcat", "show users");
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out).contains("netops"), "{}", text(&out));
    // And type 5 (MD5-crypt) of an older one: "cisco".
    let out = ssh_password(&d, "old", "cisco", "show clock");
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn wrong_passwords_engage_login_block_for_and_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), "login block-for 3 attempts 2 within 60");
    for _ in 0..2 {
        assert!(!logs_in(&d, "admin", "guess"));
    }
    // Quiet mode: even the right password is refused.
    assert!(!logs_in(&d, "admin", "cisco"));
    let log = cli_text(&d.data, &["show logging"]);
    assert!(log.contains("%SEC_LOGIN-1-QUIET_MODE_ON"), "{log}");
    assert!(
        log.contains("[Reason: Login Authentication Failed - BlockFor]"),
        "{log}"
    );
    // After the 3 s, logins work again.
    assert!(wait_until(Duration::from_secs(15), || {
        logs_in(&d, "admin", "cisco")
    }));
    let log = cli_text(&d.data, &["show logging"]);
    assert!(log.contains("%SEC_LOGIN-5-QUIET_MODE_OFF"), "{log}");
}

#[test]
fn two_sessions_in_configuration_mode_see_each_others_changes() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), "");
    drive(&d, "two-configuring", &[]);
}

#[test]
fn clear_line_ends_another_vty_session() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), "");
    drive(&d, "clear-line", &[]);
}

#[test]
fn a_shell_past_the_vty_lines_is_told_none_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_with(
        dir.path(),
        &SMALL_OFFICE.replace("line vty 0 4\n", "line vty 0 1\n"),
    );
    drive(&d, "vty-full", &[]);
}

#[test]
fn access_class_and_transport_input_refuse_connections() {
    let dir = tempfile::tempdir().unwrap();
    let text_cfg = SMALL_OFFICE.replace(
        "line vty 0 4\n login local\n transport input ssh",
        "access-list 10 permit host 192.0.2.1\n!\nline vty 0 4\n access-class 10 in\n login local\n transport input ssh",
    );
    let d = start_with(dir.path(), &text_cfg);
    let out = ssh_password(&d, "admin", "cisco", "show clock");
    assert!(!out.status.success(), "127.0.0.1 is not in access list 10");
    // Let loopback in: the next connection is taken.
    cli_text(
        &d.data,
        &[
            "configure terminal",
            "access-list 10 permit 127.0.0.0 0.255.255.255",
            "end",
        ],
    );
    assert!(logs_in(&d, "admin", "cisco"));
    cli_text(
        &d.data,
        &[
            "configure terminal",
            "line vty 0 4",
            "transport input none",
            "end",
        ],
    );
    assert!(!logs_in(&d, "admin", "cisco"));
}

#[test]
fn an_ssh_terminal_gets_help_completion_more_and_the_exec_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_with(
        dir.path(),
        &SMALL_OFFICE.replace("line vty 0 4\n", "line vty 0 4\n exec-timeout 0 4\n"),
    );
    let cmd = format!(
        "sshpass -p cisco ssh {} -p {} admin@127.0.0.1",
        SSH_OPTIONS.join(" "),
        d.ssh
    );
    let t = Tmux::start(&format!("cmed-ssh-{}", std::process::id()), 100, 30, &cmd);
    t.wait_for("CME-Office#");
    t.keys(&["show ver", "Tab"]);
    t.wait_for("CME-Office#show version");
    // `?` lists what may follow and gives the line back.
    t.keys(&["C-u", "show ephone ?"]);
    t.wait_for("Registered phones only");
    t.keys(&["C-u", "show running-config", "Enter"]);
    let s = t.wait_for("--More--");
    assert!(s.contains("hostname CME-Office"), "{s}");
    t.keys(&["q"]);
    t.keys(&["show clock", "Enter"]);
    t.wait_for("UTC");
    // Four seconds without a key: the session ends, and with it the client.
    assert!(
        wait_until(Duration::from_secs(15), || !t.alive()),
        "the exec-timeout ended nothing:\n{}",
        t.screen()
    );
}

#[test]
fn crypto_key_generate_serves_a_new_host_key() {
    let dir = tempfile::tempdir().unwrap();
    let d = office(dir.path(), "");
    let out = cli_text(
        &d.data,
        &[
            "configure terminal",
            "crypto key generate rsa modulus 2048",
            "end",
        ],
    );
    assert!(out.contains("Generating 2048 bit RSA keys"), "{out}");
    let mut shown = String::new();
    assert!(
        wait_until(Duration::from_secs(60), || {
            shown = cli_text(&d.data, &["show ip ssh"]);
            shown.contains("\nssh-rsa AAAA")
        }),
        "{shown}"
    );
    // What a client is offered now is that key.
    let scan = Command::new("ssh-keyscan")
        .args(["-t", "rsa", "-p", &d.ssh.to_string(), "127.0.0.1"])
        .output()
        .unwrap();
    let offered = text(&scan);
    let blob = offered
        .split_whitespace()
        .nth(2)
        .expect("ssh-keyscan got a key");
    assert!(shown.contains(blob), "{offered}\n{shown}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(d.data.join("ssh_host_key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // And logins still work with it.
    assert!(logs_in(&d, "admin", "cisco"));
}

#[test]
fn login_with_the_line_password_at_the_lines_privilege_level() {
    let dir = tempfile::tempdir().unwrap();
    let d = start_with(
        dir.path(),
        &SMALL_OFFICE.replace(
            "line vty 0 4\n login local\n",
            "line vty 0 4\n privilege level 15\n password 7 070C285F4D06\n login\n",
        ),
    );
    // Any user name, the line's password ("cisco", type 7), the line's level.
    let out = ssh_password(&d, "anyone", "cisco", "show privilege");
    assert!(
        text(&out).contains("Current privilege level is 15"),
        "{out:?}"
    );
    let out = ssh_password(&d, "anyone", "cisco", "configure terminal");
    assert!(out.status.success(), "level 15 configures: {out:?}");
    assert!(!logs_in(&d, "anyone", "wrong"));
    // The usernames are not asked with `login`: admin's own password is not the line's.
    assert!(!logs_in(&d, "admin", "nope"));
}
