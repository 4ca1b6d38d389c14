//! The ACK the INVITE client transaction sends for a 3xx–6xx response itself (RFC 3261
//! §17.1.1.3), built from pieces of the INVITE the caller gives when sending it, so the layer
//! needs no SIP encoder: Request-URI, Call-ID and From "equal to the values of those header
//! fields in the request passed to the transport", To "MUST equal the To header field in the
//! response being acknowledged", "a single Via header field ... equal to the top Via header
//! field of the original request", CSeq with the INVITE's number and method ACK, and the
//! INVITE's Route header fields.

use std::fmt::Write;
use std::sync::Arc;

use crate::small_str::SmallStr;

/// The pieces of an INVITE its non-2xx ACK copies (header values, without names).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AckParts {
    /// The INVITE's Request-URI.
    pub request_uri: SmallStr,
    /// The INVITE's top Via header value (branch included).
    pub via: SmallStr,
    /// The INVITE's From header value (tag included).
    pub from: SmallStr,
    /// The INVITE's Call-ID.
    pub call_id: SmallStr,
    /// The INVITE's CSeq number.
    pub cseq: u32,
    /// The INVITE's Route header values, in order.
    pub route: Vec<SmallStr>,
}

/// The ACK rendered once up to the To header: `text[..split]` goes before it, the rest after.
/// One allocation per INVITE, kept until the transaction ends.
#[derive(Clone, Debug)]
pub(super) struct AckTemplate {
    text: Box<str>,
    split: usize,
}

impl AckTemplate {
    pub fn new(p: &AckParts) -> AckTemplate {
        let mut s = String::with_capacity(160);
        // `write!` to a String cannot fail.
        let _ = write!(s, "ACK {} SIP/2.0\r\nVia: {}\r\n", p.request_uri, p.via);
        for r in &p.route {
            let _ = write!(s, "Route: {r}\r\n");
        }
        let _ = write!(s, "From: {}\r\nTo: ", p.from);
        let split = s.len();
        let _ = write!(
            s,
            "\r\nCall-ID: {}\r\nCSeq: {} ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
            p.call_id, p.cseq
        );
        AckTemplate {
            text: s.into_boxed_str(),
            split,
        }
    }

    /// The ACK for a response whose To header value is `to`.
    pub fn render(&self, to: &str) -> Arc<[u8]> {
        let (head, tail) = self.text.split_at(self.split);
        let mut v = Vec::with_capacity(self.text.len() + to.len());
        v.extend_from_slice(head.as_bytes());
        v.extend_from_slice(to.as_bytes());
        v.extend_from_slice(tail.as_bytes());
        v.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ack_copies_the_invite_and_the_response_to() {
        let parts = AckParts {
            request_uri: "sip:1002@10.0.0.2:5060".into(),
            via: "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK77".into(),
            from: "<sip:1001@10.0.0.1>;tag=a1".into(),
            call_id: "c1@10.0.0.1".into(),
            cseq: 7,
            route: vec!["<sip:p1;lr>".into(), "<sip:p2;lr>".into()],
        };
        let ack = AckTemplate::new(&parts).render("<sip:1002@10.0.0.2>;tag=b2");
        assert_eq!(
            std::str::from_utf8(&ack).unwrap(),
            "ACK sip:1002@10.0.0.2:5060 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK77\r\n\
             Route: <sip:p1;lr>\r\n\
             Route: <sip:p2;lr>\r\n\
             From: <sip:1001@10.0.0.1>;tag=a1\r\n\
             To: <sip:1002@10.0.0.2>;tag=b2\r\n\
             Call-ID: c1@10.0.0.1\r\n\
             CSeq: 7 ACK\r\n\
             Max-Forwards: 70\r\n\
             Content-Length: 0\r\n\r\n"
        );
    }
}
