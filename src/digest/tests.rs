//! The digest checks against fixtures: RFC 2617's example, our challenges answered by our
//! own client side, and the refusals (wrong password, realm, forged or stale nonce, replay).

use super::*;

#[test]
fn an_authorization_lacking_a_field_or_with_a_bad_nc_is_malformed() {
    let full = r#"Digest username="u", realm="r", nonce="n", uri="sip:h", response="x", qop=auth, cnonce="c", nc=0000000a"#;
    let a = parse_authorization(full).unwrap().unwrap();
    assert_eq!(
        (a.algorithm.as_str(), a.qop),
        ("MD5", Some(("auth".into(), "c".into(), 10)))
    );
    assert_eq!(parse_authorization("Basic dTpw"), Ok(None));
    let no_uri = r#"Digest username="u", realm="r", nonce="n", response="x""#;
    assert_eq!(parse_authorization(no_uri), Err(Malformed));
    let bad_nc = full.replace("nc=0000000a", "nc=zz");
    assert_eq!(parse_authorization(&bad_nc), Err(Malformed));
    let no_cnonce = full.replace(r#"cnonce="c", "#, "");
    assert_eq!(parse_authorization(&no_cnonce), Err(Malformed));
    // A comma inside a quoted value does not split it (RFC 7616 quoted-string).
    let comma = full.replace(r#"uri="sip:h""#, r#"uri="sip:h;a=1,2""#);
    assert_eq!(
        parse_authorization(&comma).unwrap().unwrap().uri,
        "sip:h;a=1,2"
    );
}

fn nonces() -> Nonces {
    Nonces::new([7; 32], 300)
}

/// The client's side of RFC 7616 §3.4.1, to answer our challenges in tests.
fn answer(alg: Algorithm, nonce: &str, password: &str, nc: u32) -> Authorization {
    let ha1 = ha1(alg, "mlopez", "cmed", password);
    let ha2 = alg.hash("REGISTER:sip:127.0.0.1");
    Authorization {
        username: "mlopez".into(),
        realm: "cmed".into(),
        nonce: nonce.into(),
        uri: "sip:127.0.0.1".into(),
        response: alg.hash(&format!("{ha1}:{nonce}:{nc:08x}:c0ffee:auth:{ha2}")),
        algorithm: alg.token().into(),
        opaque: None,
        qop: Some(("auth".into(), "c0ffee".into(), nc)),
    }
}

fn check(d: &Authorization, r: &mut Replays, now: u64) -> Result<(), Refused> {
    let h = |alg| ha1(alg, "mlopez", "cmed", "Lab2001x");
    verify(d, "REGISTER", "cmed", h, &nonces(), r, now)
}

#[test]
fn rfc_2617_md5_example_vector() {
    // RFC 2617 §3.5 ("Mufasa"): the known response for qop=auth.
    let ha1 = ha1(
        Algorithm::Md5,
        "Mufasa",
        "testrealm@host.com",
        "Circle Of Life",
    );
    let ha2 = Algorithm::Md5.hash("GET:/dir/index.html");
    let r = Algorithm::Md5.hash(&format!(
        "{ha1}:dcd98b7102dd2f0e8b11d0f600bfb0c093:00000001:0a4f113b:auth:{ha2}"
    ));
    assert_eq!(r, "6629fae49393a05397450978507c4ef1");
}

#[test]
fn right_password_passes_with_md5_and_sha256() {
    let mut r = Replays::new(100);
    let mut issuer = nonces();
    for alg in [Algorithm::Md5, Algorithm::Sha256] {
        // Issued in the same second, yet distinct: each has its own count.
        let n = issuer.issue("cmed", 1000);
        assert_eq!(check(&answer(alg, &n, "Lab2001x", 1), &mut r, 1010), Ok(()));
    }
}

#[test]
fn wrong_password_realm_and_forged_nonce_are_refused() {
    let mut r = Replays::new(100);
    let n = nonces().issue("cmed", 1000);
    let bad = answer(Algorithm::Md5, &n, "guess", 1);
    assert_eq!(check(&bad, &mut r, 1000), Err(Refused::Wrong));
    let mut other_realm = answer(Algorithm::Md5, &n, "Lab2001x", 1);
    other_realm.realm = "elsewhere".into();
    assert_eq!(check(&other_realm, &mut r, 1000), Err(Refused::Mismatch));
    let forged = answer(
        Algorithm::Md5,
        "3e8.1.00000000000000000000000000000000",
        "Lab2001x",
        1,
    );
    assert_eq!(check(&forged, &mut r, 1000), Err(Refused::Forged));
    let other_secret = Nonces::new([8; 32], 300).issue("cmed", 1000);
    let d = answer(Algorithm::Md5, &other_secret, "Lab2001x", 1);
    assert_eq!(check(&d, &mut r, 1000), Err(Refused::Forged));
}

#[test]
fn an_old_nonce_is_stale_and_the_challenge_says_so() {
    let mut r = Replays::new(100);
    let n = nonces().issue("cmed", 1000);
    let d = answer(Algorithm::Md5, &n, "Lab2001x", 1);
    assert_eq!(check(&d, &mut r, 1300), Ok(()));
    let d = answer(Algorithm::Md5, &n, "Lab2001x", 2);
    assert_eq!(check(&d, &mut r, 1301), Err(Refused::Stale));
    assert!(challenge("cmed", &n, Algorithm::Md5, true).ends_with("qop=\"auth\", stale=true"));
}

#[test]
fn respond_reproduces_the_rfc_2617_example() {
    let ch = parse_challenge(
        "Digest realm=\"testrealm@host.com\", qop=\"auth,auth-int\", \
         nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", \
         opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"",
    )
    .unwrap();
    assert!(ch.qop_auth && !ch.stale);
    assert_eq!(ch.algorithm, Algorithm::Md5);
    let a = respond(
        &ch,
        "GET",
        "/dir/index.html",
        "Mufasa",
        "Circle Of Life",
        "0a4f113b",
        1,
    );
    assert!(
        a.contains("response=\"6629fae49393a05397450978507c4ef1\""),
        "{a}"
    );
    assert!(a.contains("nc=00000001") && a.contains("opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""));
}

#[test]
fn an_old_nonce_count_is_a_replay_and_an_exact_copy_a_retransmission() {
    let mut r = Replays::new(100);
    let n = nonces().issue("cmed", 1000);
    let one = answer(Algorithm::Md5, &n, "Lab2001x", 1);
    assert_eq!(check(&one, &mut r, 1000), Ok(()));
    // The same request again (a retransmission answered statelessly): accepted again.
    assert_eq!(check(&one, &mut r, 1000), Ok(()));
    assert_eq!(
        check(&answer(Algorithm::Md5, &n, "Lab2001x", 2), &mut r, 1002),
        Ok(())
    );
    // A count below the last one is a replay.
    assert_eq!(check(&one, &mut r, 1003), Err(Refused::Replay));
}

#[test]
fn a_single_use_answer_is_refused_the_second_time_even_as_an_exact_copy() {
    let mut r = Replays::single_use(100);
    let n = nonces().issue("cmed", 1000);
    let one = answer(Algorithm::Md5, &n, "Lab2001x", 1);
    assert_eq!(check(&one, &mut r, 1000), Ok(()));
    assert_eq!(check(&one, &mut r, 1000), Err(Refused::Replay));
    // The next count with the same nonce is a new request (a phone reusing its nonce).
    let two = answer(Algorithm::Md5, &n, "Lab2001x", 2);
    assert_eq!(check(&two, &mut r, 1001), Ok(()));
    // Without qop there is no count: the answer is good for one request per nonce.
    let n = nonces().issue("cmed", 1001);
    let ha1 = ha1(Algorithm::Md5, "mlopez", "cmed", "Lab2001x");
    let ha2 = Algorithm::Md5.hash("REGISTER:sip:127.0.0.1");
    let plain = Authorization {
        response: Algorithm::Md5.hash(&format!("{ha1}:{n}:{ha2}")),
        qop: None,
        ..answer(Algorithm::Md5, &n, "Lab2001x", 1)
    };
    assert_eq!(check(&plain, &mut r, 1000), Ok(()));
    assert_eq!(check(&plain, &mut r, 1000), Err(Refused::Replay));
    // Where copies are retransmissions (REGISTER), a qop-less answer is not counted.
    let mut lenient = Replays::new(100);
    assert_eq!(check(&plain, &mut lenient, 1000), Ok(()));
    assert_eq!(check(&plain, &mut lenient, 1000), Ok(()));
}
