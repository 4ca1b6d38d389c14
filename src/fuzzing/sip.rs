//! SIP: the message parser and TCP framing, the digest `Authorization` parser, SDP bodies and
//! message-summary bodies.

use std::net::SocketAddr;

use crate::digest::{self, Algorithm, Nonces, Replays};
use crate::media::{Codec, Direction};
use crate::proto::sip::msg::{self, Contacts, Response, StartLine};
use crate::proto::sip::mwi as summary;
use crate::proto::sip::sdp::{self, SessionId};

/// Where the simulated peer's datagrams come from.
fn peer() -> SocketAddr {
    SocketAddr::from(([192, 0, 2, 7], 5062))
}

/// The input is read twice: as one datagram ([`msg::parse`]) and as a TCP stream, cut as the
/// SIP adapter cuts it (leading CRLFs are keep-alives, then [`msg::frame`]).
///
/// Properties:
/// - framing makes progress and never runs past the buffer;
/// - every typed accessor of a parsed message answers (no panic);
/// - the response cmed builds to a parsed request (RFC 3261 §8.2.6.2: Via, From, Call-ID, CSeq
///   copied, To tagged, the top Via given `received`/`rport`) parses, and reads back with the
///   request's Call-ID, CSeq, From and To (with our tag when the request's To had none, unless
///   it ends in parameters the parser cannot read), and as
///   many Via values; when every Via of the request reads, so do the response's, the top one
///   with the request's branch, when it has one.
pub fn sip_msg(data: &[u8]) {
    let mut buf = data;
    loop {
        let lead = buf
            .iter()
            .take_while(|b| **b == b'\r' || **b == b'\n')
            .count();
        buf = &buf[lead..];
        match msg::frame(buf) {
            Ok(Some(n)) => {
                assert!(n > 0 && n <= buf.len(), "frame {n} of {}", buf.len());
                if let Ok(m) = msg::parse(&buf[..n]) {
                    read_all(&m);
                }
                buf = &buf[n..];
            }
            Ok(None) | Err(_) => break,
        }
    }
    let Ok(m) = msg::parse(data) else { return };
    read_all(&m);
    if !m.is_request() {
        return;
    }
    let tag = "f1uzz7ag";
    let out = Response::to(&m, peer(), 200, "OK", tag)
        .header("Contact", "<sip:cmed@192.0.2.1:5060>")
        .finish();
    let r = msg::parse(&out).unwrap_or_else(|e| {
        panic!(
            "our response does not parse ({e}):\n{}",
            String::from_utf8_lossy(&out)
        )
    });
    assert!(matches!(r.start, StartLine::Response { code: 200, .. }));
    assert_eq!(r.call_id(), m.call_id(), "Call-ID");
    assert_eq!(r.cseq(), m.cseq(), "CSeq");
    assert_eq!(r.from(), m.from(), "From");
    if let Some(to) = m.to() {
        let back = r.to().expect("a To we copied reads back");
        assert_eq!((&back.user, &back.host), (&to.user, &to.host), "To");
        // Our tag goes after the To as written; after parameters the header parser cannot
        // read (`;+x:( 3600`, `;tagate: active`), or a tag it cannot read (`;tag;tag=a`), it
        // cannot read ours either.
        if to.tag.is_some()
            || m.first("to")
                .is_some_and(|v| well_formed_to(&v) && !has_tag(&v))
        {
            assert_eq!(
                back.tag.as_deref(),
                Some(to.tag.as_deref().unwrap_or(tag)),
                "To tag"
            );
        }
    }
    // Every Via value is copied as written (a malformed one too, which the typed reading
    // skips, with those after it in its header line), but for the top one's `received`,
    // which cmed's replaces: an open quote or `<` in the request's own left the commas
    // after it inside, where they separate nothing; gone, they separate values. So the
    // counts are compared when the top Via has no `received` of its own.
    let vias_raw = m.values("via");
    let own_received = vias_raw.first().is_some_and(|v| {
        v.split(';')
            .any(|p| p.trim().to_ascii_lowercase().starts_with("received="))
    });
    if own_received {
        return;
    }
    assert_eq!(r.values("via").len(), vias_raw.len(), "Vias");
    let (vias, back) = (m.vias(), r.vias());
    if vias.len() == vias_raw.len() {
        assert_eq!(back.len(), vias.len(), "typed Vias");
        // A parameter the parser cannot read (`received=%%%`) ends the parameters it reads,
        // so a branch after it is not seen; the response's `received` replaces that one and
        // the branch reads there. The branch the request's Via has is the one to keep.
        if let (Some(v), Some(b)) = (vias.first(), back.first())
            && v.branch.is_some()
        {
            assert_eq!(b.branch, v.branch, "top Via branch");
        }
    }
}

/// Whether a To value is `[display] <uri>` or a bare URI, then `;name[=value]` parameters
/// of RFC 3261 tokens (values also hosts or quoted strings), the URI a `sip:`/`sips:` URI
/// with a plain host: what a tag can follow.
fn well_formed_to(v: &str) -> bool {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        // `%` is left out of parameters: the parser percent-decodes their values, even
        // quoted, and stops reading parameters at one that decodes to invalid UTF-8
        // (`;x="%C2";tag=t` has no tag for it).
        let token = r"[A-Za-z0-9.!*_+`'~-]+";
        let value = r#"(?:[A-Za-z0-9.!*_+`'~:\[\]-]+|"[^"\\%]*")"#;
        // A host as RFC 3261 §25.1 has it: an IPv4 address, or labels ending in a top label
        // that starts with a letter. Elsewhere the parser's host ends early (at the empty
        // label of `example..0`, after the `192.0.2.1` of `192.0.2.1Kvm1`) and the rest,
        // our tag with it, is unreadable.
        let label = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
        let top = r"[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?";
        let host = format!(r"(?:[0-9]{{1,3}}(?:\.[0-9]{{1,3}}){{3}}|(?:{label}\.)*{top}\.?)");
        let uri = format!(
            r"sips?:(?:[A-Za-z0-9._!~*'%&=+$,?/-]+(?::[A-Za-z0-9._!~*'%&=+$,-]*)?@)?(?:{host}|\[[0-9A-Fa-f:.]+\])(?::[0-9]{{1,5}})?"
        );
        // Blanks are SIP's (RFC 3261 §25.1: space and tab), not the regex's `\s`: after a
        // vertical tab or a form feed the parser cannot read the tag cmed adds either.
        let param = format!(r"[ \t]*;[ \t]*{token}(?:[ \t]*=[ \t]*{value})?");
        regex::Regex::new(&format!(
            r#"^[ \t]*(?:(?:"[^"\\]*"|{token}(?:[ \t]+{token})*)?[ \t]*<{uri}(?:;{token}(?:={token})?)*>|{uri})(?:{param})*[ \t]*$"#
        ))
        .expect("a valid pattern")
    });
    re.is_match(v)
}

/// Whether a To value has a `tag` parameter, whatever its value.
fn has_tag(v: &str) -> bool {
    let params = v.rsplit_once('>').map_or(v, |(_, p)| p);
    params.split(';').skip(1).any(|p| {
        p.split('=')
            .next()
            .unwrap_or("")
            .trim()
            .eq_ignore_ascii_case("tag")
    })
}

/// Every accessor the SIP adapter, the transaction layer and the registrar use.
fn read_all(m: &msg::Message) {
    let _ = (m.method(), m.is_request(), m.call_id(), m.cseq());
    let _ = (m.vias(), m.from(), m.to(), m.expires(), m.authorization());
    if let Contacts::List(cs) = m.contacts() {
        for c in cs {
            let _ = msg::user_of(&c.uri);
        }
    }
    let _ = (
        m.values("record-route"),
        m.values("route"),
        m.first("event"),
    );
    if let StartLine::Request { uri, .. } = &m.start {
        let _ = msg::user_of(uri);
    }
}

/// A realm, user, password, URI and cnonce from the input, fit to go between the quotes of
/// a digest parameter (printable ASCII but `"` and `\`).
fn quotable(field: &[u8]) -> String {
    field
        .iter()
        .map(|&b| char::from(b))
        .filter(|c| c.is_ascii_graphic() && *c != '"' && *c != '\\' || *c == ' ')
        .collect()
}

const NOW: u64 = 1_700_000_000;

/// The input is the value of an `Authorization` header (and, read as a challenge, of a
/// `WWW-Authenticate`), then, split at NULs, the realm, user, password, URI and cnonce of an
/// exchange with our own challenge.
///
/// Properties:
/// - the value read directly ([`digest::parse_authorization`]) and through a REGISTER
///   ([`msg::Message::authorization`]) give the same digest; a digest made up by the input
///   never verifies against our nonces (it cannot carry our HMAC);
/// - our challenge for the input's realm reads back (realm, nonce, algorithm, qop); the answer
///   the client side computes to it reads back with the same fields and verifies; an exact
///   repeat verifies again for REGISTER (a retransmission) but is a replay for a single-use
///   check (INVITE), and so is an older `nc`.
pub fn sip_digest(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let value = text.split('\0').next().unwrap_or("");
    let direct = digest::parse_authorization(value);
    let _ = digest::parse_challenge(value);
    let nonces = Nonces::new([7; 32], 300);
    if !value.contains(['\r', '\n']) {
        let register = format!(
            "REGISTER sip:cme.example SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.7:5062;branch=z9hG4bKf\r\n\
             From: <sip:1001@cme.example>;tag=a\r\nTo: <sip:1001@cme.example>\r\nCall-ID: c@f\r\n\
             CSeq: 2 REGISTER\r\nAuthorization: {value}\r\nContent-Length: 0\r\n\r\n"
        );
        if let Ok(m) = msg::parse(register.as_bytes()) {
            let via_msg = m.authorization();
            if let (Some(Ok(d)), Ok(Some(direct))) = (&via_msg, &direct) {
                // The header parser trims the value; the direct call trims it too.
                assert_eq!(d, direct, "the same digest read two ways");
            }
            if let Some(Ok(d)) = via_msg {
                let mut replays = Replays::new(16);
                let r = digest::verify(
                    &d,
                    "REGISTER",
                    &d.realm,
                    |alg| digest::ha1(alg, &d.username, &d.realm, "secret"),
                    &nonces,
                    &mut replays,
                    NOW,
                );
                assert!(r.is_err(), "a digest from nowhere verified: {d:?}");
            }
        }
    }
    let mut fields = data.split(|&b| b == 0).skip(1).map(quotable);
    let mut next = || fields.next().unwrap_or_default();
    let (realm, user, password, uri, cnonce) = (next(), next(), next(), next(), next());
    let alg = if data.first().is_some_and(|b| b & 1 == 1) {
        Algorithm::Sha256
    } else {
        Algorithm::Md5
    };
    let nonce = nonces.issue_for(&realm, NOW, u64::from(data.len() as u32));
    let ch = digest::parse_challenge(&digest::challenge(&realm, &nonce, alg, false))
        .expect("our challenge reads back");
    assert_eq!((&ch.realm, &ch.nonce), (&realm, &nonce));
    assert_eq!(ch.algorithm, alg);
    assert!(ch.qop_auth && !ch.stale);
    let nc = 1 + u32::from(data.len() as u8);
    let answer = digest::respond(&ch, "REGISTER", &uri, &user, &password, &cnonce, nc);
    let d = digest::parse_authorization(&answer)
        .expect("our answer is well-formed")
        .expect("our answer is a digest");
    assert_eq!((&d.username, &d.realm, &d.uri), (&user, &realm, &uri));
    assert_eq!(d.qop, Some(("auth".to_string(), cnonce.clone(), nc)));
    let ha1 = |a| digest::ha1(a, &user, &realm, &password);
    let mut replays = Replays::new(16);
    let check = |replays: &mut Replays, d: &digest::Authorization| {
        digest::verify(d, "REGISTER", &realm, ha1, &nonces, replays, NOW + 1)
    };
    assert_eq!(check(&mut replays, &d), Ok(()), "our own answer verifies");
    assert_eq!(check(&mut replays, &d), Ok(()), "a retransmission verifies");
    let mut once = Replays::single_use(16);
    assert_eq!(check(&mut once, &d), Ok(()));
    assert_eq!(
        check(&mut once, &d),
        Err(digest::Refused::Replay),
        "single use"
    );
    if nc > 1 {
        let older = digest::respond(&ch, "REGISTER", &uri, &user, &password, &cnonce, nc - 1);
        let older = digest::parse_authorization(&older).unwrap().unwrap();
        assert_eq!(
            check(&mut replays, &older),
            Err(digest::Refused::Replay),
            "older nc"
        );
    }
}

/// The input is an SDP body.
///
/// Properties: a description that parses writes back ([`sdp::write`]) to one that parses to
/// the same [`crate::media::Media`]; our answer to it (when there is a codec in common)
/// reverses its direction, keeps its payload types, and also reads back as written.
pub fn sdp(data: &[u8]) {
    let Ok(m) = sdp::parse(data) else { return };
    let _ = m.on_hold();
    let id = SessionId { id: 7, version: 1 };
    if !m.codecs.is_empty() || m.telephone_event.is_some() {
        let out = sdp::write(id, &m);
        let back = sdp::parse(&out).unwrap_or_else(|e| {
            panic!(
                "{m:?} written does not parse ({e}):\n{}",
                String::from_utf8_lossy(&out)
            )
        });
        assert_eq!(back, m, "\n{}", String::from_utf8_lossy(&out));
    }
    let rtp = SocketAddr::from(([192, 0, 2, 1], 16384));
    if let Ok(a) = sdp::answer(&m, &Codec::ALL, rtp, true) {
        assert_eq!(a.direction, m.direction.answer());
        assert!(a.codecs.iter().all(|c| m.codecs.contains(c)));
        assert_eq!(a.telephone_event, m.telephone_event);
        let out = sdp::write(id, &a);
        assert_eq!(sdp::parse(&out).as_ref(), Ok(&a));
    }
    let _ = sdp::offer(m.rtp, &Codec::ALL, true, Direction::SendRecv);
}

/// The input is an `application/simple-message-summary` body (RFC 3842).
///
/// Property: what parses, written back the way cmed writes bodies for its SIP phones, parses
/// to the same summary (when it names an account; otherwise the same counts).
pub fn mwi(data: &[u8]) {
    let Ok(s) = summary::parse(data) else { return };
    let body = summary::body(s.messages, s.account.as_deref().unwrap_or("sip:x@y"));
    let back = summary::parse(body.as_bytes()).expect("our body reads back");
    assert_eq!(back.messages, s.messages);
    if s.account.is_some() {
        assert_eq!(back, s, "\n{body}");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_to_that_a_tag_can_follow() {
        for ok in [
            "<sip:1001@127.0.0.1>",
            "\"Alice Martin\" <sip:1001@cme>;x=1 ; y",
            "Alice <sips:a@[2001:db8::1]:5061>;p=\"q r\"",
            "sip:1001@cme;tag=a1",
        ] {
            assert!(super::well_formed_to(ok), "{ok}");
        }
        for bad in [
            "<sip:cmed@327.0.0.1>;tagate: active;expires=3600",
            "<sip:a@b;transport=udp>;+sipires:( 3600",
            "<sip:a@b",
            "sip:vivekg@chair-dnrc(example.com ;   tag    = 1918181833n",
            "<sip:a@b>;x=\"A%C2B\"",
            "<sip:a@b>\u{b}",
            "",
        ] {
            assert!(!super::well_formed_to(bad), "{bad}");
        }
    }
}
