//! The SIP legs both ways, message by message, read back with our own parser.

use super::inbound::refusal;
use super::*;
use crate::leg::Refusal;
use crate::proto::sip::msg::parse;

const PHONE: &str = "127.0.0.1:5062";
const OFFER: &str = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 10000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";

fn device() -> SipLegId {
    SipLegId::Phone(crate::ids::DeviceName::parse("SEP00EBD5C29A11").unwrap())
}

fn dest() -> Dest {
    Dest {
        addr: PHONE.parse().unwrap(),
        reliable: false,
    }
}

fn legs() -> Legs {
    Legs::new("127.0.0.1:5060".parse().unwrap(), 0x5eed)
}

fn invite_from_phone(number: &str) -> Message {
    parse(&invite_bytes(number)).unwrap()
}

fn invite_bytes(number: &str) -> Vec<u8> {
    format!(
        "INVITE sip:{number}@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {PHONE};branch=z9hG4bKp1;rport\r\n\
From: <sip:2001@127.0.0.1>;tag=ph1\r\nTo: <sip:{number}@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\
Contact: <sip:2001@{PHONE}>\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{OFFER}",
        OFFER.len()
    )
    .into_bytes()
}

/// The engine's `StartMedia`: the other phone receives at 10.0.0.11:16384.
fn start_media() -> LegCmd {
    LegCmd::StartMedia {
        line: LINE,
        to: "10.0.0.11:16384".parse().unwrap(),
        codec: Codec::Pcmu,
    }
}

/// The engine's `RingIn` on `line` from and to nobody in particular, with `offer`.
fn ring_in(line: LineInstance, offer: Option<Media>) -> LegCmd {
    LegCmd::RingIn {
        line,
        calling: Default::default(),
        called: Default::default(),
        redirect: None,
        offer,
    }
}

/// A call the phone placed and the engine connected: its INVITE, `Connected`, then
/// `StartMedia`; our 200 to its INVITE.
fn answered_call(l: &mut Legs) -> Message {
    l.incoming(device(), dest(), TxId(1), &invite_from_phone("1099"));
    l.command(
        device(),
        LegCmd::Connected {
            line: LINE,
            codec: Codec::Pcmu,
        },
        None,
    );
    responses(&l.command(device(), start_media(), None))
        .remove(0)
        .1
}

/// The far side's response `status` (`200 OK`) to our `invite`: its Via, From, To (with a
/// tag `ph` when it has none yet), Call-ID and CSeq, then `extra` header lines and `sdp`.
fn answer(invite: &Message, status: &str, extra: &str, sdp: &str) -> Message {
    let to = invite.first("to").unwrap();
    let tag = if invite.to().unwrap().tag.is_some() {
        ""
    } else {
        ";tag=ph"
    };
    let (seq, _) = invite.cseq().unwrap();
    let body = if sdp.is_empty() {
        ""
    } else {
        "Content-Type: application/sdp\r\n"
    };
    let text = format!(
        "SIP/2.0 {status}\r\nVia: {}\r\nFrom: {}\r\nTo: {to}{tag}\r\nCall-ID: {}\r\n\
CSeq: {seq} INVITE\r\n{extra}{body}Content-Length: {}\r\n\r\n{sdp}",
        invite.first("via").unwrap(),
        invite.first("from").unwrap(),
        invite.call_id().unwrap(),
        sdp.len()
    );
    parse(text.as_bytes()).unwrap()
}

fn events(actions: &[Action]) -> Vec<LegEvent> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Event(_, e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn responses(actions: &[Action]) -> Vec<(u16, Message)> {
    actions
        .iter()
        .filter_map(|a| match a {
            Action::Respond { status, bytes, .. } => Some((*status, parse(bytes).unwrap())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_phones_invite_dials_its_number_and_is_answered_with_the_other_phones_address() {
    let mut l = legs();
    let a = l.incoming(device(), dest(), TxId(1), &invite_from_phone("1099"));
    assert_eq!(responses(&a)[0].0, 100);
    assert_eq!(
        events(&a),
        [
            LegEvent::Offer(LINE, sdp::parse(OFFER.as_bytes()).unwrap()),
            LegEvent::OffHook(LINE),
            LegEvent::Digit(LINE, '1'),
            LegEvent::Digit(LINE, '0'),
            LegEvent::Digit(LINE, '9'),
            LegEvent::Digit(LINE, '9'),
            LegEvent::Digit(LINE, '#'),
        ]
    );
    let a = l.command(device(), LegCmd::RingOut(LINE), None);
    assert_eq!(responses(&a)[0].0, 180);
    let a = l.command(
        device(),
        LegCmd::Connected {
            line: LINE,
            codec: Codec::Pcmu,
        },
        None,
    );
    assert_eq!(
        events(&a),
        [LegEvent::MediaReady(
            LINE,
            "127.0.0.1:10000".parse().unwrap()
        )]
    );
    let a = l.command(device(), start_media(), None);
    let (status, ok) = responses(&a).remove(0);
    assert_eq!(status, 200);
    let answer = sdp::parse(&ok.body).unwrap();
    assert_eq!(answer.rtp, "10.0.0.11:16384".parse().unwrap());
    assert_eq!(answer.codecs, [(0, Codec::Pcmu)]);
    // Our hang-up is a BYE inside the dialog the 200 made.
    let a = l.command(device(), LegCmd::Idle(LINE), None);
    let Action::Request { method, bytes, .. } = &a[0] else {
        panic!("{a:?}")
    };
    assert_eq!(*method, Method::Bye);
    let bye = parse(bytes).unwrap();
    assert_eq!(bye.to().unwrap().tag.as_deref(), Some("ph1"));
}

#[test]
fn a_second_invite_is_busy_and_refusals_map_to_sip_codes() {
    let mut l = legs();
    l.incoming(device(), dest(), TxId(1), &invite_from_phone("1099"));
    let a = l.incoming(device(), dest(), TxId(2), &invite_from_phone("1002"));
    assert_eq!(responses(&a)[0].0, 486);
    let a = l.command(device(), LegCmd::Reorder(LINE), None);
    assert_eq!(responses(&a)[0].0, 404);
    l.incoming(device(), dest(), TxId(3), &invite_from_phone("1099"));
    let a = l.command(device(), LegCmd::Busy(LINE), None);
    assert_eq!(responses(&a)[0].0, 486);
    l.incoming(device(), dest(), TxId(4), &invite_from_phone("1099"));
    let a = l.command(device(), LegCmd::Idle(LINE), None);
    assert_eq!(responses(&a)[0].0, 480);
    l.incoming(device(), dest(), TxId(5), &invite_from_phone("1099"));
    let a = l.command(device(), LegCmd::Forbidden(LINE), None);
    assert_eq!(responses(&a)[0].0, 403);
    l.incoming(device(), dest(), TxId(6), &invite_from_phone("1099"));
    let a = l.command(device(), LegCmd::Unavailable(LINE), None);
    assert_eq!(responses(&a)[0].0, 480);
}

/// Regression: after a 404 or 486 the engine kept the phone's line hearing its tone, and
/// the phone's next INVITE (a phone does not hang up after a refusal) went unanswered.
#[test]
fn a_refused_phone_is_on_hook_again() {
    let mut l = legs();
    l.incoming(device(), dest(), TxId(1), &invite_from_phone("4444"));
    let a = l.command(device(), LegCmd::Reorder(LINE), None);
    assert_eq!(events(&a), [LegEvent::OnHook(LINE)]);
    assert!(l.is_empty());
}

#[test]
fn a_trunks_invite_is_one_call_event_with_its_caller() {
    let mut l = legs();
    let text = String::from_utf8(invite_bytes("1099")).unwrap().replace(
        "From: <sip:2001@127.0.0.1>",
        "From: \"Alice Example\" <sip:5551234@127.0.0.1>",
    );
    let m = parse(text.as_bytes()).unwrap();
    let a = l.incoming_trunk(dest(), TxId(1), &m);
    assert_eq!(responses(&a)[0].0, 100);
    assert_eq!(
        events(&a),
        [LegEvent::Offer(LINE, sdp::parse(OFFER.as_bytes()).unwrap())],
        "its offer, and no digits from a trunk"
    );
    let Some(Action::Call {
        trunk,
        from,
        called,
        calling,
    }) = a.last()
    else {
        panic!("{a:?}")
    };
    assert_eq!((*from, called.as_str()), (dest().addr, "1099"));
    assert_eq!(
        (calling.number.as_str(), calling.name.as_str()),
        ("5551234", "Alice Example")
    );
    // Refused by the engine: 403, answered once with no transaction kept (a stranger's
    // INVITE costs no state and is not retransmitted to).
    let a = l.command(SipLegId::Trunk(*trunk), LegCmd::Forbidden(LINE), None);
    let Some(Action::Refuse { bytes, .. }) = a.first() else {
        panic!("{a:?}")
    };
    assert!(bytes.starts_with(b"SIP/2.0 403 "));
}

#[test]
fn a_trunk_we_call_alerts_once_and_its_refusal_says_why() {
    let mut l = legs();
    let trunk = SipLegId::Trunk(TrunkId::Out(1));
    let to = Some((dest(), "sip:9555@127.0.0.1:5062"));
    let ring = ring_in(LINE, None);
    let a = l.command(trunk, ring, to);
    let Action::Invite { bytes, .. } = &a[0] else {
        panic!("{a:?}")
    };
    let invite = parse(bytes).unwrap();
    assert_eq!(invite.to().unwrap().user.as_deref(), Some("9555"));
    l.invite_sent(trunk, TxId(9));
    let reply = |code: u16, reason: &str| answer(&invite, &format!("{code} {reason}"), "", "");
    assert_eq!(events(&l.response(TxId(9), &reply(100, "Trying"))), []);
    assert_eq!(
        events(&l.response(TxId(9), &reply(183, "Session Progress"))),
        [LegEvent::Alerting(LINE)]
    );
    assert_eq!(events(&l.response(TxId(9), &reply(180, "Ringing"))), []);
    assert_eq!(
        events(&l.response(TxId(9), &reply(503, "Service Unavailable"))),
        [LegEvent::Refused(LINE, Refusal::Unavailable)]
    );
    assert!(l.is_empty());
    assert_eq!(refusal(486), Refusal::Busy);
    assert_eq!(refusal(600), Refusal::Busy);
    assert_eq!(refusal(404), Refusal::NotFound);
    assert_eq!(refusal(408), Refusal::Unavailable);
}

/// The phone's CANCEL of its INVITE to 1099 (`invite_from_phone`).
fn cancel_from_phone() -> Message {
    parse(
        format!(
            "CANCEL sip:1099@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP {PHONE};branch=z9hG4bKp1\r\n\
From: <sip:2001@127.0.0.1>;tag=ph1\r\nTo: <sip:1099@127.0.0.1>\r\nCall-ID: c1\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n"
        )
        .as_bytes(),
    )
    .unwrap()
}

#[test]
fn a_cancel_from_the_phone_ends_its_unanswered_invite_with_487() {
    let mut l = legs();
    let invite = invite_from_phone("1099");
    l.incoming(device(), dest(), TxId(1), &invite);
    let a = l.cancelled(&cancel_from_phone());
    assert_eq!(responses(&a)[0].0, 487);
    assert_eq!(events(&a), [LegEvent::OnHook(LINE)]);
}

#[test]
fn an_invite_held_for_its_digest_check_is_given_back_once_or_cancelled_with_487() {
    let mut l = legs();
    let invite = invite_from_phone("1099");
    l.checking(dest(), TxId(1), &invite);
    let (to, held) = l.checked(TxId(1)).expect("held");
    assert_eq!((to, held.call_id()), (dest(), invite.call_id()));
    assert!(l.checked(TxId(1)).is_none(), "given back once");
    // A CANCEL while the engine checks: 487 to the INVITE, no call event (the engine has
    // heard nothing of it), and the answer that comes after finds nothing.
    l.checking(dest(), TxId(2), &invite);
    let a = l.cancelled(&cancel_from_phone());
    let r = responses(&a);
    assert_eq!(r.len(), 1, "{a:?}");
    assert_eq!(r[0].0, 487);
    assert_eq!(r[0].1.cseq(), invite.cseq(), "the INVITE's 487");
    assert!(matches!(a[0], Action::Respond { tx: TxId(2), .. }));
    assert!(events(&a).is_empty());
    assert!(l.checked(TxId(2)).is_none());
    assert!(l.cancelled(&cancel_from_phone()).is_empty());
}

#[test]
fn cmed_rings_a_sip_phone_with_a_delayed_offer_and_acks_with_the_answer() {
    let mut l = legs();
    let to = Some((dest(), "sip:2001@127.0.0.1:5062"));
    let ring = LegCmd::RingIn {
        line: LINE,
        calling: crate::leg::Party {
            number: "1099".into(),
            name: "Front Desk".into(),
        },
        called: crate::leg::Party {
            number: "2001".into(),
            name: "Marta".into(),
        },
        // Forwarded here by 1001 (busy).
        redirect: Some(crate::leg::Redirect {
            from: "1001".into(),
            reason: crate::leg::RedirectReason::UserBusy,
            counter: 1,
        }),
        offer: None,
    };
    let a = l.command(device(), ring, to);
    let Action::Invite { bytes, .. } = &a[0] else {
        panic!("{a:?}")
    };
    let invite = parse(bytes).unwrap();
    assert!(invite.body.is_empty(), "a delayed offer");
    assert_eq!(
        invite.raw("diversion"),
        ["<sip:1001@127.0.0.1>;reason=user-busy;counter=1"]
    );
    l.invite_sent(device(), TxId(7));
    let ok = answer(
        &invite,
        "200 OK",
        &format!("Contact: <sip:2001@{PHONE}>\r\n"),
        OFFER,
    );
    let a = l.response(TxId(7), &ok);
    assert_eq!(
        events(&a),
        [
            LegEvent::Codecs(LINE, vec![Codec::Pcmu]),
            LegEvent::OffHook(LINE),
            LegEvent::MediaReady(LINE, "127.0.0.1:10000".parse().unwrap())
        ]
    );
    let a = l.command(device(), start_media(), to);
    let Action::Stateless(_, bytes) = &a[0] else {
        panic!("{a:?}")
    };
    let ack = parse(bytes).unwrap();
    assert_eq!(ack.cseq(), Some((1, Method::Ack)));
    assert_eq!(
        sdp::parse(&ack.body).unwrap().rtp,
        "10.0.0.11:16384".parse().unwrap()
    );
}

#[test]
fn hanging_up_before_the_phone_answers_cancels_our_invite() {
    let mut l = legs();
    let to = Some((dest(), "sip:2001@127.0.0.1:5062"));
    let ring = ring_in(LINE, None);
    let a = l.command(device(), ring, to);
    let Action::Invite { branch, .. } = &a[0] else {
        panic!("{a:?}")
    };
    let branch = branch.clone();
    let a = l.command(device(), LegCmd::Idle(LINE), to);
    let Action::Request {
        method,
        branch: b,
        bytes,
        ..
    } = &a[0]
    else {
        panic!("{a:?}")
    };
    assert_eq!(*method, Method::Cancel);
    assert_eq!(*b, branch, "a CANCEL has its INVITE's branch (§9.1)");
    assert_eq!(parse(bytes).unwrap().cseq(), Some((1, Method::Cancel)));
}

/// Regression: a call cmed rang on a SIP phone's second number (its line 2) was answered
/// on line 1, which the engine did not ring, so the answer was lost.
#[test]
fn a_call_rung_on_a_phones_second_line_is_answered_on_that_line() {
    let mut l = legs();
    let to = Some((dest(), "sip:2002@127.0.0.1:5062"));
    let line2 = LineInstance(2);
    let ring = ring_in(line2, None);
    let a = l.command(device(), ring, to);
    let Action::Invite { bytes, .. } = &a[0] else {
        panic!("{a:?}")
    };
    let invite = parse(bytes).unwrap();
    l.invite_sent(device(), TxId(3));
    let ok = answer(
        &invite,
        "200 OK",
        &format!("Contact: <sip:2002@{PHONE}>\r\n"),
        OFFER,
    );
    let a = l.response(TxId(3), &ok);
    assert_eq!(
        events(&a),
        [
            LegEvent::Codecs(line2, vec![Codec::Pcmu]),
            LegEvent::OffHook(line2),
            LegEvent::MediaReady(line2, "127.0.0.1:10000".parse().unwrap())
        ]
    );
}

/// cmed rings a phone at `to` with a plain RingIn on line 1; returns the INVITE.
fn ring_phone(l: &mut Legs, tx: u64) -> Message {
    let to = Some((dest(), "sip:2001@127.0.0.1:5062"));
    let ring = ring_in(LINE, None);
    let a = l.command(device(), ring, to);
    let Action::Invite { bytes, .. } = &a[0] else {
        panic!("{a:?}")
    };
    l.invite_sent(device(), TxId(tx));
    parse(bytes).unwrap()
}

/// Regression: a 200 that crossed our CANCEL was dropped, so the phone kept a call no one
/// was on (retransmitting its 200, never ACKed). It is ACKed and ended with a BYE.
#[test]
fn a_200_crossing_our_cancel_is_acked_and_ended_with_a_bye() {
    let mut l = legs();
    let invite = ring_phone(&mut l, 5);
    let a = l.command(device(), LegCmd::Idle(LINE), None);
    assert!(
        matches!(
            &a[0],
            Action::Request {
                method: Method::Cancel,
                ..
            }
        ),
        "{a:?}"
    );
    let ok = answer(
        &invite,
        "200 OK",
        &format!("Contact: <sip:2001@{PHONE}>\r\n"),
        "",
    );
    let a = l.response(TxId(5), &ok);
    let [
        Action::Stateless(_, ack),
        Action::Request { method, bytes, .. },
    ] = &a[..]
    else {
        panic!("{a:?}")
    };
    assert_eq!(parse(ack).unwrap().cseq(), Some((1, Method::Ack)));
    assert_eq!(*method, Method::Bye);
    assert_eq!(
        parse(bytes).unwrap().to().unwrap().tag.as_deref(),
        Some("ph")
    );
    assert!(events(&a).is_empty(), "the engine already ended the call");
}

/// Regression: an INVITE no one answered (Timer B) left the call ringing for ever; the
/// engine now hears it as unavailable (and may hunt on or forward).
#[test]
fn an_invite_that_times_out_is_a_refusal() {
    let mut l = legs();
    ring_phone(&mut l, 6);
    let a = l.timed_out(TxId(6));
    assert_eq!(events(&a), [LegEvent::Refused(LINE, Refusal::Unavailable)]);
    assert!(l.is_empty());
}

/// Regression: tags, branches and Call-IDs were a bare counter, the same after every
/// restart (RFC 3261 §19.3 wants them unique and tags random).
#[test]
fn identifiers_carry_the_runs_salt() {
    let invite = |salt| {
        let mut l = Legs::new("127.0.0.1:5060".parse().unwrap(), salt);
        let m = ring_phone(&mut l, 1);
        (
            m.call_id().unwrap(),
            m.from().unwrap().tag.unwrap(),
            m.first("via").unwrap(),
        )
    };
    let (a, b) = (invite(0x1111_2222_3333_4444), invite(0x5555_6666_7777_8888));
    assert_ne!(a.0, b.0);
    assert_ne!(a.1, b.1);
    assert_ne!(a.2, b.2);
    assert!(a.1.contains("1111222233334444"), "{}", a.1);
}

/// A phone that forwards on its own answers our INVITE with 302: the engine hears the
/// number of its Contact (and 3xx without one is unavailable).
#[test]
fn a_302_from_the_phone_is_a_redirection_to_its_contact() {
    let mut l = legs();
    let invite = ring_phone(&mut l, 8);
    let moved = answer(
        &invite,
        "302 Moved Temporarily",
        "Contact: <sip:1099@127.0.0.1>\r\n",
        "",
    );
    let a = l.response(TxId(8), &moved);
    assert_eq!(events(&a), [LegEvent::Redirected(LINE, "1099".into())]);
    assert!(l.is_empty());
}

/// A SIP caller's offer is relayed: cmed's INVITE to the callee carries it (the caller's
/// address: media stays phone to phone), the callee's 200 answers it, and the ACK is bare;
/// had the caller's address changed by then, a re-INVITE would give the new one.
#[test]
fn a_sip_callers_offer_is_relayed_to_the_callee() {
    let mut l = legs();
    let caller = sdp::parse(OFFER.as_bytes()).unwrap();
    let ring = ring_in(LINE, Some(caller.clone()));
    let a = l.command(device(), ring, Some((dest(), "sip:2001@127.0.0.1:5062")));
    let Action::Invite { bytes, .. } = &a[0] else {
        panic!("{a:?}")
    };
    let invite = parse(bytes).unwrap();
    let offered = sdp::parse(&invite.body).unwrap();
    assert_eq!(offered.rtp, caller.rtp, "the caller's own address");
    l.invite_sent(device(), TxId(4));
    let their_answer = OFFER.replace("10000", "10010");
    let ok = answer(
        &invite,
        "200 OK",
        &format!("Contact: <sip:2001@{PHONE}>\r\n"),
        &their_answer,
    );
    let a = l.response(TxId(4), &ok);
    assert_eq!(
        events(&a),
        [
            LegEvent::Codecs(LINE, vec![Codec::Pcmu]),
            LegEvent::OffHook(LINE),
            LegEvent::MediaReady(LINE, "127.0.0.1:10010".parse().unwrap())
        ]
    );
    let same = LegCmd::StartMedia {
        line: LINE,
        to: caller.rtp,
        codec: Codec::Pcmu,
    };
    let a = l.command(device(), same, None);
    let [Action::Stateless(_, ack)] = &a[..] else {
        panic!("{a:?}")
    };
    assert!(parse(ack).unwrap().body.is_empty(), "a bare ACK");
}

mod reinvite;
