//! Pushes to a phone's own web server: `POST http://PHONE/CGI/Execute` with a
//! `CiscoIPPhoneExecute` object (provisioning reference §3.4), used to clear the call history
//! at EM logout (`Init:CallHistory`). Best effort: a phone without a web server, or one that
//! refuses, is logged and nothing waits for it.

use std::net::IpAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::files::xml::Xml;

/// How long a push may take in all.
const LIMIT: Duration = Duration::from_secs(5);

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn base64(input: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The request body and headers of a push of `uri` (an internal URI such as
/// `Init:CallHistory`), authenticated as `user`/`secret` (the phone checks them against its
/// authentication URL, i.e. our `authenticate.asp`).
pub fn execute_request(host: &str, uri: &str, user: &str, secret: &str) -> String {
    let mut x = Xml::new();
    x.open("CiscoIPPhoneExecute", &[]);
    x.leaf_with("ExecuteItem", &[("Priority", "0"), ("URL", uri)], "");
    let body = format!("XML={}", urlencode(&x.finish()));
    format!(
        "POST /CGI/Execute HTTP/1.1\r\nHost: {host}\r\nAuthorization: Basic {}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        base64(format!("{user}:{secret}").as_bytes()),
        body.len()
    )
}

/// Asks the phone at `ip` to clear its call history; logs the outcome.
pub async fn clear_history(ip: IpAddr, user: String, secret: String) {
    let attempt = async {
        let mut s = TcpStream::connect((ip, 80)).await?;
        s.write_all(
            execute_request(&ip.to_string(), "Init:CallHistory", &user, &secret).as_bytes(),
        )
        .await?;
        let mut answer = Vec::new();
        s.read_to_end(&mut answer).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&answer).into_owned())
    };
    match tokio::time::timeout(LIMIT, attempt).await {
        Ok(Ok(a)) if a.contains("Status=\"0\"") => {
            tracing::info!(%ip, "call history cleared");
        }
        Ok(Ok(a)) => {
            tracing::warn!(%ip, answer = %a.lines().next().unwrap_or(""), "phone refused to clear its call history");
        }
        Ok(Err(e)) => tracing::warn!(%ip, error = %e, "cannot clear the phone's call history"),
        Err(_) => tracing::warn!(%ip, "clearing the phone's call history timed out"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_push_is_a_form_post_with_basic_auth() {
        let r = execute_request("10.0.0.9", "Init:CallHistory", "emapp", "cisco123");
        assert!(r.starts_with("POST /CGI/Execute HTTP/1.1\r\n"));
        assert!(r.contains("Authorization: Basic ZW1hcHA6Y2lzY28xMjM=\r\n"));
        assert!(r.contains("XML=%3C%3Fxml"));
        assert!(r.contains("Init%3ACallHistory"));
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
