//! IOS messages end to end: a phone registers and reports its last restart, a user logs
//! in, the configuration changes, and the messages (`%IPPHONE-6-REGISTER`,
//! `%IPPHONE-6-REG_ALARM`, `%EM-6-LOGIN`, `%SYS-5-CONFIG_I`) are in `show logging` and
//! reach a real syslog server, rsyslogd, listening on loopback.

mod support;

use std::net::SocketAddr;
use std::process::{Child, Command};
use std::time::Duration;

use cmed::sim::Phone;
use support::daemon::{cli_text, start_with};
use support::em::login_from_the_phone;
use support::wait_until;

/// rsyslogd in the foreground, on 127.0.0.1:`port`, writing each message as received.
struct Rsyslog {
    child: Child,
    out: std::path::PathBuf,
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rsyslog(dir: &std::path::Path, port: u16) -> Rsyslog {
    let out = dir.join("received.log");
    let conf = dir.join("rsyslog.conf");
    std::fs::write(
        &conf,
        format!(
            "global(workDirectory=\"{dir}\")\n\
             module(load=\"imudp\")\n\
             input(type=\"imudp\" address=\"127.0.0.1\" port=\"{port}\")\n\
             template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")\n\
             *.* action(type=\"omfile\" file=\"{out}\" template=\"raw\")\n",
            dir = dir.display(),
            out = out.display()
        ),
    )
    .unwrap();
    // Debian puts it in /usr/sbin, which a user's PATH may lack.
    let program = ["/usr/sbin/rsyslogd", "rsyslogd"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or("rsyslogd");
    let child = Command::new(program)
        .args(["-n", "-f"])
        .arg(&conf)
        .arg("-i")
        .arg(dir.join("rsyslogd.pid"))
        .spawn()
        .expect("rsyslogd runs (scripts/test.sh installs rsyslog)");
    // Ready when it answers: send probes until one is written.
    let probe = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let up = wait_until(Duration::from_secs(10), || {
        let _ = probe.send_to(b"<14>probe", ("127.0.0.1", port));
        std::fs::read_to_string(&out).is_ok_and(|t| t.contains("probe"))
    });
    assert!(up, "rsyslogd did not start");
    Rsyslog { child, out }
}

#[tokio::test]
async fn ios_messages_go_to_the_buffer_and_to_a_syslog_server() {
    let dir = tempfile::tempdir().unwrap();
    let port = support::daemon::free_port();
    let syslog = rsyslog(dir.path(), port);
    let cfg = format!(
        "logging buffered 16384 informational\nlogging host 127.0.0.1 transport udp port {port}\n{}",
        support::SMALL_OFFICE
    );
    let d = start_with(dir.path(), &cfg);
    let mut lobby = Phone::new(
        SocketAddr::from(([127, 0, 0, 1], d.sccp)),
        "5475D0A32204",
        585,
    );
    lobby.register().await.unwrap();
    // What a phone reports about its last restart, as it registers.
    lobby
        .send(&cmed::proto::sccp::FromPhone::Alarm {
            severity: 2,
            text: "23: Name=SEP5475D0A32204 Load=SCCP42.9-4-2SR3S Last=Initialized".into(),
            param1: 0,
            param2: 0,
        })
        .await
        .unwrap();
    let answer = login_from_the_phone(&d, "SEP5475D0A32204", "amartin", "Am4rtin9");
    assert!(answer.contains("Login Successful"), "{answer}");
    cli_text(
        &d.data,
        &["configure terminal", "hostname CME-Office", "end"],
    );

    let expected = [
        "%SYS-5-RESTART: System restarted -- cmed",
        "%IPPHONE-6-REGISTER: ephone-",
        ":SEP5475D0A32204 IP:127.0.0.1 Socket:",
        "%EM-6-LOGIN: User amartin logged in on ephone-",
        "%SYS-5-CONFIG_I: Configured from console by vty",
        "%IPPHONE-6-REG_ALARM: 23: Name=SEP5475D0A32204 Load=SCCP42.9-4-2SR3S Last=Initialized",
    ];
    let mut shown = String::new();
    let all_there = wait_until(Duration::from_secs(10), || {
        shown = cli_text(&d.data, &["show logging"]);
        expected.iter().all(|e| shown.contains(e))
    });
    assert!(all_there, "{shown}");
    assert!(
        shown.contains("Buffer logging:  level informational"),
        "{shown}"
    );
    assert!(shown.contains("Logging to 127.0.0.1  (udp port"), "{shown}");
    // The buffer's lines carry IOS's timestamps.
    let line = shown.lines().find(|l| l.contains("%EM-6-LOGIN")).unwrap();
    assert!(
        line.starts_with('*') && line.contains(": %EM-6-LOGIN: "),
        "{line}"
    );

    let mut received = String::new();
    let arrived = wait_until(Duration::from_secs(10), || {
        received = std::fs::read_to_string(&syslog.out).unwrap_or_default();
        expected.iter().all(|e| received.contains(e))
    });
    assert!(arrived, "{received}");
    // IOS's form: facility local7, the severity in the priority (EM-6: <190>, SYS-5: <189>).
    let login = received
        .lines()
        .find(|l| l.contains("%EM-6-LOGIN"))
        .unwrap();
    assert!(login.starts_with("<190>"), "{login}");
    let config = received
        .lines()
        .find(|l| l.contains("%SYS-5-CONFIG_I"))
        .unwrap();
    assert!(config.starts_with("<189>"), "{config}");
}
