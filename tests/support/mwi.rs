//! Message waiting as a voicemail server drives it: its unsolicited message-summary
//! NOTIFY (RFC 3842), sent with **sipsak**, and the lamp an SCCP phone is told to light.

use std::process::Command;

use cmed::proto::sccp::msg::ToPhone;
use cmed::sim::Phone;

/// A message-summary NOTIFY for `number`, as a voicemail server sends it.
pub fn notify(port: u16, number: &str, waiting: &str, call_id: &str) -> String {
    let body = format!(
        "Messages-Waiting: {waiting}\r\nMessage-Account: sip:{number}@127.0.0.1\r\nVoice-Message: 2/1 (0/0)\r\n"
    );
    format!(
        "NOTIFY sip:{number}@127.0.0.1:{port} SIP/2.0\r\n\
Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-{call_id}\r\n\
From: <sip:8000@127.0.0.1:5070>;tag=vm\r\n\
To: <sip:{number}@127.0.0.1>\r\n\
Call-ID: {call_id}@127.0.0.1\r\n\
CSeq: 1 NOTIFY\r\n\
Max-Forwards: 70\r\n\
Event: message-summary\r\n\
Subscription-State: active\r\n\
Content-Type: application/simple-message-summary\r\n\
Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// Sends `request` with sipsak; whether it got a 2xx.
pub fn sipsak(dir: &std::path::Path, port: u16, request: &str) -> bool {
    let file = dir.join("notify.sip");
    std::fs::write(&file, request).unwrap();
    let out = Command::new("sipsak")
        .args(["-f", file.to_str().unwrap(), "-s"])
        .arg(format!("sip:127.0.0.1:{port}"))
        .output()
        .expect("sipsak runs (scripts/test.sh installs it)");
    out.status.success()
}

/// Waits for the lamp `instance` (0: the handset's, N: line N's envelope) to be set to
/// `mode` (2 on, 1 off) on the voicemail stimulus; a lamp set while the phone registered
/// is in what it received already.
pub async fn lamp(phone: &mut Phone, instance: u32, mode: u32) {
    let is = |m: &ToPhone| {
        matches!(m, ToPhone::SetLamp { stimulus: 0x0F, instance: i, mode: m }
            if *i == instance && *m == mode)
    };
    if phone.log.iter().any(is) {
        return;
    }
    phone
        .wait_for("SetLamp on the voicemail stimulus", |m| is(m).then_some(()))
        .await
        .unwrap();
}
