//! The 100 (Trying) the INVITE server transaction sends when the TU has not answered within
//! 200 ms (RFC 3261 §17.2.1). It copies From, To, Call-ID, CSeq and every Via of the request
//! (§8.2.6.2) and any Timestamp (§8.2.6.1: "MUST be copied into this 100 (Trying)
//! response"); the To gets no tag ("with the exception of the 100 (Trying) response, in which
//! a tag MAY be present"). Built here from the raw request by a header-line scan, so the layer
//! needs no parser: the request went through the facade's parser already, so it is well
//! formed; header names are matched case-insensitively, in their compact forms too, and
//! folded continuation lines go with the header they continue.

use std::sync::Arc;

/// The 100 (Trying) for `request`, or `None` if it has no header block end.
pub(super) fn trying(request: &[u8]) -> Option<Arc<[u8]>> {
    let end = request.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = &request[..end];
    let mut out = Vec::with_capacity(head.len() + 40);
    out.extend_from_slice(b"SIP/2.0 100 Trying\r\n");
    let mut keep = false;
    // Skip the request line.
    for line in head.split(|&b| b == b'\n').skip(1) {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.first().is_some_and(|&b| b == b' ' || b == b'\t') {
            // A folded continuation (§7.3.1) belongs to the header above it.
        } else {
            let name = line.split(|&b| b == b':').next().unwrap_or_default();
            keep = copied(trim(name));
        }
        if keep {
            out.extend_from_slice(line);
            out.extend_from_slice(b"\r\n");
        }
    }
    out.extend_from_slice(b"Content-Length: 0\r\n\r\n");
    Some(out.into())
}

fn copied(name: &[u8]) -> bool {
    const NAMES: [&[u8]; 10] = [
        b"via",
        b"v",
        b"from",
        b"f",
        b"to",
        b"t",
        b"call-id",
        b"i",
        b"cseq",
        b"timestamp",
    ];
    NAMES.iter().any(|n| n.eq_ignore_ascii_case(name))
}

fn trim(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &s[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trying_copies_vias_from_to_call_id_cseq_and_timestamp_only() {
        let invite = b"INVITE sip:1002@h SIP/2.0\r\n\
            Via: SIP/2.0/UDP p1;branch=z9hG4bK1\r\n\
            v: SIP/2.0/UDP a;branch=z9hG4bK2\r\n\
            Max-Forwards: 70\r\n\
            f: <sip:1001@h>;tag=x\r\n\
            TO : <sip:1002@h>\r\n\
            Call-ID: abc\r\n\
            CSeq: 1\r\n INVITE\r\n\
            Timestamp: 54\r\n\
            Contact: <sip:1001@a>\r\n\
            Content-Length: 3\r\n\r\nv=0";
        let t = trying(invite).unwrap();
        assert_eq!(
            std::str::from_utf8(&t).unwrap(),
            "SIP/2.0 100 Trying\r\n\
             Via: SIP/2.0/UDP p1;branch=z9hG4bK1\r\n\
             v: SIP/2.0/UDP a;branch=z9hG4bK2\r\n\
             f: <sip:1001@h>;tag=x\r\n\
             TO : <sip:1002@h>\r\n\
             Call-ID: abc\r\n\
             CSeq: 1\r\n INVITE\r\n\
             Timestamp: 54\r\n\
             Content-Length: 0\r\n\r\n"
        );
        assert_eq!(trying(b"INVITE sip:x SIP/2.0\r\nVia: y\r\n"), None);
    }
}
