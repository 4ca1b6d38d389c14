//! The simulated SIP phone's messages, read back through our own facade and answered by our
//! own server-side digest: what cmed's registrar will see from `cmed-sip-phone`.

use super::*;
use crate::digest::{Algorithm, Nonces, Replays, challenge, ha1, verify};

fn server() -> SocketAddr {
    "127.0.0.1:5060".parse().unwrap()
}

fn local() -> SocketAddr {
    "127.0.0.1:40000".parse().unwrap()
}

fn phone() -> SipPhone {
    SipPhone::new(server(), "64A0.E700.0001", "sip1", "s1").unwrap()
}

fn parse(bytes: &[u8]) -> Message {
    msg::parse(bytes).unwrap()
}

/// The registrar's 401 to `req`, as cmed builds it.
fn challenge_to(req: &Message, nonce: &str, alg: Algorithm, stale: bool) -> Message {
    let b = Response::to(req, local(), 401, "Unauthorized", "srv")
        .header("WWW-Authenticate", &challenge("cmed", nonce, alg, stale))
        .finish();
    parse(&b)
}

fn ok_to(req: &Message, contact: &str) -> Message {
    let b = Response::to(req, local(), 200, "OK", "srv")
        .header("Contact", contact)
        .header("Server", "cmed")
        .finish();
    parse(&b)
}

/// Checks the request's `Authorization` the way the registrar does.
fn verified(req: &Message, nonces: &Nonces, replays: &mut Replays) -> Result<(), digest::Refused> {
    let d = req.authorization().expect("an Authorization").unwrap();
    assert_eq!(d.uri, "sip:127.0.0.1:5060");
    assert_eq!(d.username, "sip1");
    let h = |alg| ha1(alg, "sip1", "cmed", "s1");
    verify(&d, "REGISTER", "cmed", h, nonces, replays, 1000)
}

#[test]
fn the_register_carries_the_cisco_contact_parameters() {
    let mut p = phone();
    assert_eq!(p.mac, "64A0E7000001");
    let m = parse(&p.register(local()));
    assert_eq!(m.method(), Some(Method::Register));
    assert!(matches!(&m.start, StartLine::Request { uri, .. } if uri == "sip:127.0.0.1:5060"));
    assert_eq!(m.cseq(), Some((1, Method::Register)));
    assert_eq!(m.expires(), Some(3600));
    let from = m.from().unwrap();
    assert_eq!(from.user.as_deref(), Some("sip1"));
    assert!(from.tag.is_some());
    assert!(m.to().unwrap().tag.is_none());
    let via = &m.vias()[0];
    assert!(via.branch.as_deref().unwrap().starts_with("z9hG4bK"));
    assert_eq!(
        (via.sent_by.as_str(), via.rport),
        ("127.0.0.1:40000", Some(None))
    );
    let Contacts::List(c) = m.contacts() else {
        panic!("no contact")
    };
    assert_eq!(c[0].uri, "sip:sip1@127.0.0.1:40000;transport=udp");
    let param = |n: &str| {
        c[0].params
            .iter()
            .find(|(k, _)| k == n)
            .and_then(|(_, v)| v.clone())
    };
    assert_eq!(
        param("+sip.instance").as_deref(),
        Some("\"<urn:uuid:00000000-0000-0000-0000-64a0e7000001>\"")
    );
    assert_eq!(
        param("+u.sip!devicename.ccm.cisco.com").as_deref(),
        Some("\"SEP64A0E7000001\"")
    );
    assert!(m.authorization().is_none());
    assert!(SipPhone::new(server(), "64A0E70000", "u", "p").is_none());
}

#[test]
fn a_challenge_is_answered_then_reused_with_a_counted_nc_on_refresh() {
    for alg in [Algorithm::Md5, Algorithm::Sha256] {
        let mut nonces = Nonces::new([3; 32], 300);
        let mut replays = Replays::new(10);
        let mut p = phone();
        let first = parse(&p.register(local()));
        let nonce = nonces.issue("cmed", 1000);
        let Outcome::Send(again) =
            p.on_response(&challenge_to(&first, &nonce, alg, false), local())
        else {
            panic!("the challenge was not answered")
        };
        let second = parse(&again);
        assert_eq!(second.call_id(), first.call_id());
        assert_eq!(second.cseq(), Some((2, Method::Register)));
        assert_ne!(second.vias()[0].branch, first.vias()[0].branch);
        let d = second.authorization().unwrap().unwrap();
        assert_eq!(
            (d.algorithm.as_str(), d.qop.as_ref().map(|q| q.2)),
            (alg.token(), Some(1))
        );
        assert_eq!(verified(&second, &nonces, &mut replays), Ok(()));

        let contact = "<sip:sip1@127.0.0.1:40000;transport=udp>;expires=120;\
                       +sip.instance=\"<urn:uuid:00000000-0000-0000-0000-64a0e7000001>\"";
        let Outcome::Registered(r) = p.on_response(&ok_to(&second, contact), local()) else {
            panic!("not registered")
        };
        assert_eq!(r.expires, 120);
        assert_eq!((r.bindings, r.algorithm), (1, Some(alg.token())));
        assert_eq!(r.server.as_deref(), Some("cmed"));

        // The refresh answers the same challenge at once, with the next nonce count.
        let refresh = parse(&p.register(local()));
        assert_eq!(refresh.cseq(), Some((3, Method::Register)));
        let d = refresh.authorization().unwrap().unwrap();
        assert_eq!(d.qop.as_ref().map(|q| q.2), Some(2));
        assert_eq!(verified(&refresh, &nonces, &mut replays), Ok(()));
    }
}

#[test]
fn a_wrong_password_is_refused_and_a_stale_nonce_answered_again() {
    let nonces = Nonces::new([3; 32], 300);
    let mut issuer = nonces.clone();
    let mut p = SipPhone::new(server(), "64A0E7000001", "sip1", "wrong").unwrap();
    let first = parse(&p.register(local()));
    let nonce = issuer.issue("cmed", 1000);
    let Outcome::Send(b) = p.on_response(
        &challenge_to(&first, &nonce, Algorithm::Md5, false),
        local(),
    ) else {
        panic!("not answered")
    };
    let second = parse(&b);
    assert_eq!(
        verified(&second, &nonces, &mut Replays::new(10)),
        Err(digest::Refused::Wrong)
    );
    // The registrar challenges again with the same nonce: the phone gives up.
    let again = challenge_to(&second, &nonce, Algorithm::Md5, false);
    assert!(matches!(
        p.on_response(&again, local()),
        Outcome::Refused(401, _)
    ));

    // A stale nonce is answered again with the new one, nc back at 1.
    let mut p = phone();
    let first = parse(&p.register(local()));
    let Outcome::Send(b) = p.on_response(
        &challenge_to(&first, &nonce, Algorithm::Md5, false),
        local(),
    ) else {
        panic!("not answered")
    };
    let second = parse(&b);
    let fresh = issuer.issue("cmed", 1001);
    let Outcome::Send(b) = p.on_response(
        &challenge_to(&second, &fresh, Algorithm::Md5, true),
        local(),
    ) else {
        panic!("stale not answered")
    };
    let d = parse(&b).authorization().unwrap().unwrap();
    assert_eq!(
        (d.nonce.as_str(), d.qop.map(|q| q.2)),
        (fresh.as_str(), Some(1))
    );
}

#[test]
fn answers_to_other_transactions_are_ignored() {
    let mut p = phone();
    let first = parse(&p.register(local()));
    let mut other = phone();
    let foreign = parse(&other.register(local()));
    let nonce = Nonces::new([3; 32], 300).issue("cmed", 1000);
    assert_eq!(
        p.on_response(
            &challenge_to(&foreign, &nonce, Algorithm::Md5, false),
            local()
        ),
        Outcome::Ignore
    );
    let challenge_1 = challenge_to(&first, &nonce, Algorithm::Md5, false);
    assert!(matches!(
        p.on_response(&challenge_1, local()),
        Outcome::Send(_)
    ));
    // The 401 to CSeq 1 retransmitted after we sent CSeq 2.
    assert_eq!(p.on_response(&challenge_1, local()), Outcome::Ignore);
    let trying = parse(&Response::to(&first, local(), 100, "Trying", "").finish());
    assert_eq!(p.on_response(&trying, local()), Outcome::Ignore);
    let forbidden = parse(&Response::to(&first, local(), 403, "Forbidden", "x").finish());
    // Not the CSeq in flight any more (2): ignored too.
    assert_eq!(p.on_response(&forbidden, local()), Outcome::Ignore);
}

#[test]
fn a_notify_from_the_registrar_gets_200_ok() {
    let raw = "NOTIFY sip:sip1@127.0.0.1:40000 SIP/2.0\r\n\
               Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKn1\r\n\
               From: <sip:cmed@127.0.0.1>;tag=srv\r\n\
               To: <sip:sip1@127.0.0.1>\r\n\
               Call-ID: n1@127.0.0.1\r\n\
               CSeq: 7 NOTIFY\r\n\
               Event: check-sync\r\n\
               Content-Type: text/plain\r\n\
               Content-Length: 5\r\n\r\nreset";
    let (inc, bytes) = answer(&parse(raw.as_bytes()), server(), "ph").unwrap();
    assert_eq!(inc.method, "NOTIFY");
    assert_eq!(inc.event.as_deref(), Some("check-sync"));
    assert_eq!((inc.body.as_str(), inc.answered), ("reset", 200));
    let ok = parse(&bytes);
    assert!(matches!(ok.start, StartLine::Response { code: 200, .. }));
    assert_eq!(ok.cseq(), Some((7, Method::Notify)));
    assert_eq!(ok.call_id().as_deref(), Some("n1@127.0.0.1"));
    assert_eq!(ok.to().unwrap().tag.as_deref(), Some("ph"));
    let ack = raw
        .replace("NOTIFY sip", "ACK sip")
        .replace("7 NOTIFY", "7 ACK");
    assert!(answer(&parse(ack.as_bytes()), server(), "ph").is_none());
}

#[test]
fn unique_tokens_differ() {
    let a: std::collections::HashSet<String> = (0..1000).map(|_| unique()).collect();
    assert_eq!(a.len(), 1000);
}
