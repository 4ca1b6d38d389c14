//! The binary end to end: `cmed check` exit codes, and `cmed cli` against a running daemon,
//! including `configure terminal` … `end`, `write memory`, and a restart that shows the change;
//! and the modes of what the daemon keeps (data directory, store, control socket).

mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use support::daemon::{CMED, Daemon, cli, stop};

fn start(config: &Path, data: &Path) -> Daemon {
    support::daemon::start(config, data, &[])
}

#[test]
fn check_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let good = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/sample-configs/small-office.cfg"
    );
    let out = Command::new(CMED).args(["check", good]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad = dir.path().join("bad.cfg");
    std::fs::write(
        &bad,
        "hostname R1\nhostnam\ntelephony-service\n max-ephones 99999\n",
    )
    .unwrap();
    let out = Command::new(CMED).arg("check").arg(&bad).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.cfg:2:1: % Incomplete command."), "{err}");
    assert!(err.contains("bad.cfg:4:14: % Invalid input detected at '^' marker.\n max-ephones 99999\n             ^\n"), "{err}");
    let out = Command::new(CMED)
        .arg("check")
        .arg(dir.path().join("missing.cfg"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_configures_the_running_daemon_and_write_memory_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("startup.cfg");
    let data = dir.path().join("data");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/sample-configs/small-office.cfg"
        ),
        &config,
    )
    .unwrap();
    let d = start(&config, &data);

    let out = cli(
        &data,
        &[
            "conf t",
            "ephone 8",
            "description Renamed by the test",
            "end",
            "write memory",
        ],
    );
    // The vty number depends on whether the readiness probe's connection has closed yet.
    let text = String::from_utf8_lossy(&out.stdout).replace("by vty1", "by vty0");
    assert!(out.status.success(), "{text}");
    assert_eq!(
        text,
        "CME-Office#conf t\nEnter configuration commands, one per line.  End with CNTL/Z.\n\
CME-Office(config)#ephone 8\nCME-Office(config-ephone)#description Renamed by the test\n\
CME-Office(config-ephone)#end\n%SYS-5-CONFIG_I: Configured from console by vty0\n\
CME-Office#write memory\nBuilding configuration...\n[OK]\n"
    );
    let bak = std::fs::read_to_string(dir.path().join("startup.cfg.bak")).unwrap();
    assert!(bak.contains(" description Sales office\n"));

    // A refused command is reported with exit status 1 and changes nothing.
    let out = cli(&data, &["conf t", "ephone 99", "end"]);
    assert_eq!(out.status.code(), Some(1));

    stop(d);
    let d = start(&config, &data);
    let out = cli(&data, &["show running-config | section ^ephone  8"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(" description Renamed by the test\n"),
        "{text}"
    );
    stop(d);
}

#[test]
fn cli_reports_an_unreachable_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let out = cli(dir.path(), &["show running-config"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot reach the daemon"));
}

#[test]
fn a_second_daemon_on_the_same_data_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("startup.cfg");
    std::fs::write(&config, "hostname R1\n").unwrap();
    let data = dir.path().join("data");
    let d = start(&config, &data);
    let out = Command::new(CMED)
        .args([
            "run",
            "--no-console",
            "--tftp-port",
            "0",
            "--http-prov-port",
            "0",
            "--config",
        ])
        .arg(&config)
        .arg("--data")
        .arg(&data)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("in use by another cmed process"));
    stop(d);
}

/// Regression: a start that failed on a phone listener left `cmed.sock` behind.
#[test]
fn a_port_in_use_names_its_flag_and_leaves_no_control_socket() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("startup.cfg");
    std::fs::write(&config, "hostname R1\n").unwrap();
    let data = dir.path().join("data");
    let taken = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = Command::new(CMED)
        .args([
            "run",
            "--no-console",
            "--bind",
            "127.0.0.1",
            "--tftp-port",
            &port,
        ])
        .arg("--config")
        .arg(&config)
        .arg("--data")
        .arg(&data)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot listen for TFTP"), "{err}");
    assert!(err.contains("--tftp-port"), "{err}");
    assert!(!data.join("cmed.sock").exists());
}

/// The data directory is the daemon's own (0700), the store and the control socket its
/// user's (0600, or 0660 for `--socket-group`), and `write memory` keeps the mode an
/// administrator gave the startup-config.
#[test]
fn the_data_directory_store_and_socket_are_private_and_write_memory_keeps_the_mode() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("startup.cfg");
    std::fs::write(&config, support::SMALL_OFFICE).unwrap();
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o640)).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let d = start(&config, &data);
    assert_eq!(mode(&data), 0o700, "the data directory");
    assert_eq!(mode(&data.join("cmed.redb")), 0o600, "the store");
    assert_eq!(mode(&data.join("cmed.sock")), 0o600, "the control socket");
    let out = cli(&data, &["write memory"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("[OK]"));
    assert_eq!(mode(&config), 0o640, "write memory kept the mode");
    stop(d);

    // `--socket-group`: the group may use the socket.
    let d = support::daemon::start(&config, &data, &["--socket-group", "0"]);
    assert_eq!(mode(&data.join("cmed.sock")), 0o660);
    stop(d);
}

/// `show version` tells how the previous run ended — first start, clean stop (SIGTERM),
/// or not (SIGKILL) — and `show cmed status` lists the listeners.
#[test]
fn show_version_tells_a_clean_stop_from_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("startup.cfg");
    let d = support::daemon::start_with(dir.path(), support::SMALL_OFFICE);
    let v = support::daemon::cli_text(&d.data, &["show version"]);
    assert!(v.contains("System returned to ROM by first start"), "{v}");
    assert!(
        v.contains(&format!("Startup-config file: {}", config.display())),
        "{v}"
    );
    let s = support::daemon::cli_text(&d.data, &["show cmed status"]);
    for what in [
        "TFTP",
        "SCCP",
        "SIP (UDP)",
        "phone services (HTTP)",
        "Control socket",
    ] {
        assert!(s.contains(&format!("\n  {what:<28}")), "{what}: {s}");
    }
    assert!(
        s.contains("Registered phones:            0 SCCP, 0 SIP\n"),
        "{s}"
    );
    support::daemon::stop(d);
    let mut d = support::daemon::start(&config, &dir.path().join("data"), &[]);
    let v = support::daemon::cli_text(&d.data, &["show version"]);
    assert!(
        v.contains("System returned to ROM by clean stop at "),
        "{v}"
    );
    d.child.kill().unwrap();
    d.child.wait().unwrap();
    let d = support::daemon::start(&config, &dir.path().join("data"), &[]);
    let v = support::daemon::cli_text(&d.data, &["show version"]);
    assert!(
        v.contains("System returned to ROM by an unclean stop"),
        "{v}"
    );
}
