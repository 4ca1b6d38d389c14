//! The `application/simple-message-summary` body of RFC 3842 (§5): what a voicemail
//! server's `NOTIFY` with `Event: message-summary` says, and what cmed tells a SIP phone.
//!
//! ```text
//! Messages-Waiting: yes
//! Message-Account: sip:1003@192.0.2.10
//! Voice-Message: 2/8 (0/2)
//! ```
//!
//! Only `Messages-Waiting` is mandatory (§5.2); header names are case-insensitive, lines
//! end in CRLF or LF, and message classes other than `Voice-Message` are ignored.

use crate::leg::Messages;

/// What a message-summary body says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Whether messages wait, and how many voice messages.
    pub messages: Messages,
    /// The `Message-Account` URI, if given.
    pub account: Option<String>,
}

/// Why a body is not a message summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    /// No `Messages-Waiting` line (§5.2: it is mandatory).
    #[error("no Messages-Waiting line")]
    NoStatus,
    /// `Messages-Waiting` is neither `yes` nor `no`.
    #[error("Messages-Waiting is neither yes nor no")]
    BadStatus,
}

/// Reads a message-summary body.
pub fn parse(body: &[u8]) -> Result<Summary, SummaryError> {
    let text = String::from_utf8_lossy(body);
    let mut waiting = None;
    let mut summary = Summary::default();
    for line in text.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "messages-waiting" => {
                waiting = Some(match value.to_ascii_lowercase().as_str() {
                    "yes" => true,
                    "no" => false,
                    _ => return Err(SummaryError::BadStatus),
                })
            }
            "message-account" => summary.account = Some(value.to_string()),
            // `new/old`, then an optional `(urgent-new/urgent-old)`.
            "voice-message" => {
                let counts = value.split_whitespace().next().unwrap_or("");
                if let Some((new, old)) = counts.split_once('/') {
                    summary.messages.new = new.trim().parse().unwrap_or(0);
                    summary.messages.old = old.trim().parse().unwrap_or(0);
                }
            }
            _ => {}
        }
    }
    summary.messages.waiting = waiting.ok_or(SummaryError::NoStatus)?;
    Ok(summary)
}

/// The body cmed sends a SIP phone for `account` (a `sip:` URI of the number).
pub fn body(messages: Messages, account: &str) -> String {
    format!(
        "Messages-Waiting: {}\r\nMessage-Account: {account}\r\nVoice-Message: {}/{} (0/0)\r\n",
        if messages.waiting { "yes" } else { "no" },
        messages.new,
        messages.old
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_rfc_3842_example_and_case_insensitive_names() {
        let s = parse(
            b"Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\n\
              Voice-Message: 2/8 (0/2)\r\n",
        )
        .unwrap();
        assert_eq!(
            s.messages,
            Messages {
                waiting: true,
                new: 2,
                old: 8
            }
        );
        assert_eq!(s.account.as_deref(), Some("sip:alice@vmail.example.com"));
        let s = parse(b"messages-waiting: NO\nfax-message: 1/0\n").unwrap();
        assert!(!s.messages.waiting);
        assert_eq!((s.messages.new, s.messages.old), (0, 0));
    }

    #[test]
    fn a_body_without_a_yes_or_no_status_is_refused() {
        assert_eq!(
            parse(b"Voice-Message: 1/0\r\n"),
            Err(SummaryError::NoStatus)
        );
        assert_eq!(
            parse(b"Messages-Waiting: maybe\r\n"),
            Err(SummaryError::BadStatus)
        );
        assert_eq!(parse(b""), Err(SummaryError::NoStatus));
    }

    #[test]
    fn what_cmed_sends_reads_back() {
        let m = Messages {
            waiting: true,
            new: 3,
            old: 1,
        };
        let s = parse(body(m, "sip:1003@192.0.2.1").as_bytes()).unwrap();
        assert_eq!(s.messages, m);
        assert_eq!(s.account.as_deref(), Some("sip:1003@192.0.2.1"));
    }
}
