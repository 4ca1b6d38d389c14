//! sipp as the far end of cmed's outgoing SIP calls (a trunk, the voicemail server): a UAS
//! on a port of 127.0.0.1 the test chose, the built-in `uas` scenario or one the test wrote,
//! for a given number of calls. What it did is read from its own traces: its statistics
//! (`-trace_stat`, the counters at exit), every message it sent and received
//! (`-trace_msg`), and its warnings such as a failed `<ereg check_it>` (`-trace_err`).
//! sipp exits 0 only when every call ran its scenario to the end with no check failed.

use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

use super::procs::{Proc, read_log};
use super::wait_until;

/// How long sipp may take to bind its port or finish once its last call is over.
const WAIT: Duration = Duration::from_secs(15);

/// A UDP port of 127.0.0.1 the OS just handed out and released.
pub fn free_udp() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A response the sipp UAS sends to the last request: `status` (`486 Busy Here`), its
/// dialog headers with our To tag, and `cseq` (`[last_CSeq:]`, or a literal one).
pub fn reply(status: &str, cseq: &str) -> String {
    format!(
        r#"
  <send><![CDATA[
      SIP/2.0 {status}
      [last_Via:]
      [last_From:]
      [last_To:];tag=[pid]SIPpTag01[call_number]
      [last_Call-ID:]
      {cseq}
      Content-Length: 0

    ]]></send>"#
    )
}

/// A response the sipp UAS sends to an in-dialog request (a BYE): `status` with the
/// request's dialog headers as they are (its To carries our tag already).
pub fn reply_in_dialog(status: &str) -> String {
    format!(
        r#"
  <send><![CDATA[
      SIP/2.0 {status}
      [last_Via:]
      [last_From:]
      [last_To:]
      [last_Call-ID:]
      [last_CSeq:]
      Content-Length: 0

    ]]></send>"#
    )
}

/// A sipp UAS scenario named `name` made of `steps`.
pub fn uas_scenario(name: &str, steps: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\n<scenario name=\"{name}\">{steps}\n</scenario>\n"
    )
}

/// sipp's counters at exit (`-trace_stat`: the last row of its CSV, cumulative columns).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// `SuccessfulCall(C)`.
    pub successful: u64,
    /// `FailedCall(C)`.
    pub failed: u64,
    /// `FailedRegexpDoesntMatch(C)`: an `<ereg check_it="true">` that did not match (or
    /// whose header was missing: `FailedRegexpHdrNotFound(C)` is counted here too).
    pub regexp_failed: u64,
    /// `FailedRegexpShouldntMatch(C)`: an `<ereg check_it_inverse="true">` that matched.
    pub regexp_matched: u64,
}

/// A sipp UAS we started, killed when dropped (through its [`Proc`]).
pub struct Uas {
    proc: Proc,
    stat: PathBuf,
    messages: PathBuf,
    errors: PathBuf,
}

impl Uas {
    /// sipp on 127.0.0.1:`port` for `calls` calls of the built-in UAS (`-sn uas`) or of the
    /// scenario `xml`, its files in `dir`; returned once it holds its port. `-timeout`
    /// makes it quit by itself even if the test process dies without `Drop`.
    pub fn start(dir: &Path, port: u16, scenario: Option<&str>, calls: u32) -> Uas {
        let file = |what: &str| dir.join(format!("sipp-uas-{port}-{what}"));
        let (stat, messages, errors) = (file("stat.csv"), file("messages.log"), file("errors.log"));
        let mut c = Command::new("sipp");
        c.args(["-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-m", &calls.to_string(), "-timeout", "60s", "-nostdin"])
            .arg("-trace_stat")
            .arg("-stf")
            .arg(&stat)
            .arg("-trace_msg")
            .arg("-message_file")
            .arg(&messages)
            .arg("-trace_err")
            .arg("-error_file")
            .arg(&errors)
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        match scenario {
            None => c.args(["-sn", "uas"]),
            Some(xml) => {
                let f = file("scenario.xml");
                std::fs::write(&f, xml).unwrap();
                c.arg("-sf").arg(f)
            }
        };
        let proc = Proc(
            c.spawn()
                .expect("sipp runs (scripts/test.sh installs sip-tester)"),
        );
        let mut uas = Uas {
            proc,
            stat,
            messages,
            errors,
        };
        // A port taken by another process first is not sipp's: sipp exits at start-up.
        let mut exited = false;
        let bound = wait_until(WAIT, || {
            exited = uas.proc.exited();
            exited || UdpSocket::bind(("127.0.0.1", port)).is_err()
        });
        assert!(bound && !exited, "sipp UAS did not bind {port}");
        uas
    }

    /// Waits for sipp to exit by itself (its last call over); its exit status.
    pub fn finish(&mut self, what: &str) -> ExitStatus {
        assert!(
            self.proc.exited_within(WAIT),
            "{what}: the sipp UAS did not finish its calls:\n{}",
            self.errors()
        );
        self.proc.0.wait().unwrap()
    }

    /// Waits for sipp to exit and requires it to have succeeded: every call ran to its
    /// end, no check failed.
    pub fn finished_ok(&mut self, what: &str) {
        let status = self.finish(what);
        assert!(
            status.success(),
            "{what}: the sipp UAS failed ({status}):\n{}",
            self.errors()
        );
    }

    /// Its counters at exit (call after [`Uas::finish`]).
    pub fn stats(&self) -> Stats {
        let text = read_log(&self.stat);
        let mut rows = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<&str> = rows.next().unwrap_or_default().split(';').collect();
        let last: Vec<&str> = rows.next_back().unwrap_or_default().split(';').collect();
        let column = |name: &str| -> u64 {
            let i = header
                .iter()
                .position(|h| *h == name)
                .unwrap_or_else(|| panic!("no column {name} in sipp's statistics:\n{text}"));
            last.get(i)
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or_else(|| panic!("no {name} in sipp's last statistics row:\n{text}"))
        };
        Stats {
            successful: column("SuccessfulCall(C)"),
            failed: column("FailedCall(C)"),
            regexp_failed: column("FailedRegexpDoesntMatch(C)")
                + column("FailedRegexpHdrNotFound(C)"),
            regexp_matched: column("FailedRegexpShouldntMatch(C)"),
        }
    }

    /// Every message it sent and received so far (`-trace_msg`).
    pub fn messages(&self) -> String {
        read_log(&self.messages)
    }

    /// Its warnings and unexpected messages so far (`-trace_err`).
    pub fn errors(&self) -> String {
        read_log(&self.errors)
    }
}

/// A digest REGISTER of pool 1 of the sample office (user mlopez, number 2001): REGISTER,
/// the 401, REGISTER with `PASSWORD`, the 200.
pub const REGISTER_POOL_1: &str = r#"<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="register with digest">
  <send retrans="500"><![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:2001@[remote_ip]>;tag=[pid]SIPpTag[call_number]
      To: <sip:2001@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 1 REGISTER
      Contact: <sip:2001@[local_ip]:[local_port];transport=[transport]>
      Max-Forwards: 70
      Expires: 3600
      Content-Length: 0

    ]]></send>
  <recv response="401" auth="true"/>
  <send retrans="500"><![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: <sip:2001@[remote_ip]>;tag=[pid]SIPpTag[call_number]
      To: <sip:2001@[remote_ip]>
      Call-ID: [call_id]
      CSeq: 2 REGISTER
      Contact: <sip:2001@[local_ip]:[local_port];transport=[transport]>
      [authentication username=mlopez password=PASSWORD]
      Max-Forwards: 70
      Expires: 3600
      Content-Length: 0

    ]]></send>
  <recv response="200"/>
</scenario>
"#;

/// sipp registers pool 1 of the sample office with `password` through [`REGISTER_POOL_1`];
/// sipp exits 0 only if the 200 came.
pub fn register_pool_1(
    d: &super::daemon::Daemon,
    dir: &Path,
    password: &str,
) -> std::process::Output {
    let sf = dir.join(format!("reg-{password}.xml"));
    std::fs::write(&sf, REGISTER_POOL_1.replace("PASSWORD", password)).unwrap();
    // sipp picks a free local port itself.
    Command::new("sipp")
        .arg(d.sip_addr().to_string())
        .args(["-sf", sf.to_str().unwrap(), "-m", "1", "-i", "127.0.0.1"])
        .args(["-timeout", "10s", "-nostdin"])
        .current_dir(dir)
        .output()
        .expect("sipp runs (scripts/test.sh installs sip-tester)")
}
