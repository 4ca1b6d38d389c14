//! Dialogs from both sides, the requests they build read back by our own parser, and the
//! checks of §12.2.2.

use super::*;
use crate::proto::sip::msg::parse;

const INVITE_FROM_PHONE: &str = "INVITE sip:1002@10.0.0.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 10.0.0.21:5060;branch=z9hG4bKaaa;rport\r\n\
Record-Route: <sip:p1.example;lr>, <sip:p2.example;lr>\r\n\
From: \"Alice\" <sip:1001@10.0.0.1>;tag=alice-1\r\n\
To: <sip:1002@10.0.0.1>\r\n\
Call-ID: call-1@10.0.0.21\r\n\
CSeq: 7 INVITE\r\n\
Contact: <sip:1001@10.0.0.21:5060>\r\n\
Content-Length: 0\r\n\r\n";

fn msg(text: &str) -> Message {
    parse(text.as_bytes()).unwrap()
}

#[test]
fn a_uas_dialog_sends_bye_to_the_contact_through_the_record_route_in_order() {
    let mut d = Dialog::uas(&msg(INVITE_FROM_PHONE), "cmed-9", State::Confirmed).unwrap();
    assert_eq!(d.id.remote_tag, "alice-1");
    assert_eq!(d.remote_target, "sip:1001@10.0.0.21:5060");
    let bye = d.request(
        &Method::Bye,
        "SIP/2.0/UDP 10.0.0.1:5060",
        "z9hG4bKb1",
        "sip:cmed@10.0.0.1:5060",
        None,
    );
    let m = parse(&bye).unwrap();
    let text = String::from_utf8(bye).unwrap();
    assert!(
        text.starts_with("BYE sip:1001@10.0.0.21:5060 SIP/2.0\r\n"),
        "{text}"
    );
    assert_eq!(
        m.values("route"),
        ["<sip:p1.example;lr>", "<sip:p2.example;lr>"]
    );
    assert_eq!(m.from().unwrap().tag.as_deref(), Some("cmed-9"));
    assert_eq!(m.to().unwrap().tag.as_deref(), Some("alice-1"));
    assert_eq!(m.call_id().as_deref(), Some("call-1@10.0.0.21"));
    assert_eq!(m.cseq(), Some((1, Method::Bye)));
}

#[test]
fn requests_from_the_peer_are_checked_for_dialog_and_order() {
    let mut d = Dialog::uas(&msg(INVITE_FROM_PHONE), "cmed-9", State::Confirmed).unwrap();
    let in_dialog = |method: &str, seq: u32, contact: &str| {
        msg(&format!(
            "{method} sip:cmed@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.21:5060;branch=z9hG4bK{seq}{method}\r\n\
From: <sip:1001@10.0.0.1>;tag=alice-1\r\nTo: <sip:1002@10.0.0.1>;tag=cmed-9\r\n\
Call-ID: call-1@10.0.0.21\r\nCSeq: {seq} {method}\r\n{contact}Content-Length: 0\r\n\r\n"
        ))
    };
    // The ACK of our 2xx repeats the INVITE's number.
    assert_eq!(d.receive(&in_dialog("ACK", 7, "")), Ok(()));
    // A re-INVITE (hold) moves the remote target.
    let reinvite = in_dialog("INVITE", 8, "Contact: <sip:1001@10.0.0.22:5060>\r\n");
    assert_eq!(d.receive(&reinvite), Ok(()));
    assert_eq!(d.remote_target, "sip:1001@10.0.0.22:5060");
    assert_eq!(
        d.receive(&in_dialog("BYE", 8, "")),
        Err(DialogError::OutOfOrder { got: 8, last: 8 })
    );
    assert_eq!(d.receive(&in_dialog("BYE", 9, "")), Ok(()));
    let other =
        msg(&INVITE_FROM_PHONE.replace("To: <sip:1002@10.0.0.1>", "To: <sip:1002@10.0.0.1>;tag=x"));
    assert_eq!(d.receive(&other), Err(DialogError::NotOurs));
}

#[test]
fn a_uac_dialog_is_early_on_180_confirmed_on_200_and_acks_with_the_invites_number() {
    let invite_bytes = invite(
        &Invite {
            uri: "sip:2001@10.0.0.30:5062",
            from: "\"Alice\" <sip:1001@10.0.0.1>",
            from_tag: "cmed-1",
            to: "<sip:2001@10.0.0.1>",
            call_id: "cmed-call-1",
            cseq: 1,
            via: "SIP/2.0/UDP 10.0.0.1:5060",
            branch: "z9hG4bKi1",
            contact: "sip:cmed@10.0.0.1:5060",
        },
        &[(
            "Diversion",
            "<sip:1002@10.0.0.1>;reason=no-answer;counter=1",
        )],
        Some(("application/sdp", b"v=0\r\n")),
    );
    let sent = parse(&invite_bytes).unwrap();
    assert_eq!(
        sent.first("diversion").as_deref(),
        Some("<sip:1002@10.0.0.1>;reason=no-answer;counter=1")
    );
    assert_eq!(&sent.body[..], b"v=0\r\n");
    let response = |code: &str, contact: &str| {
        msg(&format!(
            "SIP/2.0 {code}\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKi1;rport\r\n\
Record-Route: <sip:p1.example;lr>\r\nRecord-Route: <sip:p2.example;lr>\r\n\
From: \"Alice\" <sip:1001@10.0.0.1>;tag=cmed-1\r\nTo: <sip:2001@10.0.0.1>;tag=bob-5\r\n\
Call-ID: cmed-call-1\r\nCSeq: 1 INVITE\r\nContact: <{contact}>\r\nContent-Length: 0\r\n\r\n"
        ))
    };
    let mut d = Dialog::uac(&response("180 Ringing", "sip:2001@10.0.0.30:5062")).unwrap();
    assert_eq!(d.state, State::Early);
    assert_eq!(d.id.local_tag, "cmed-1");
    d.confirm(&response("200 OK", "sip:2001@10.0.0.31:5062"));
    assert_eq!(d.state, State::Confirmed);
    assert_eq!(d.remote_target, "sip:2001@10.0.0.31:5062");
    let ack = parse(&d.ack("SIP/2.0/UDP 10.0.0.1:5060", "z9hG4bKa1", None)).unwrap();
    assert_eq!(ack.cseq(), Some((1, Method::Ack)));
    // The UAC reverses the Record-Route (§12.1.2).
    assert_eq!(
        ack.values("route"),
        ["<sip:p2.example;lr>", "<sip:p1.example;lr>"]
    );
    assert_eq!(ack.first("contact"), None);
    let bye = parse(&d.request(
        &Method::Bye,
        "SIP/2.0/UDP 10.0.0.1:5060",
        "z9hG4bKb2",
        "sip:cmed@10.0.0.1:5060",
        None,
    ))
    .unwrap();
    assert_eq!(bye.cseq(), Some((2, Method::Bye)));
}

#[test]
fn what_cannot_make_a_dialog_is_a_typed_error() {
    let no_tag = INVITE_FROM_PHONE.replace(";tag=alice-1", "");
    assert_eq!(
        Dialog::uas(&msg(&no_tag), "t", State::Early),
        Err(DialogError::Missing("From tag"))
    );
    let two = INVITE_FROM_PHONE.replace(
        "Contact: <sip:1001@10.0.0.21:5060>",
        "Contact: <sip:a@h>, <sip:b@h>",
    );
    assert_eq!(
        Dialog::uas(&msg(&two), "t", State::Early),
        Err(DialogError::Contact)
    );
    let trying = "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nFrom: <sip:a@h>;tag=1\r\nTo: <sip:b@h>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
    assert_eq!(
        Dialog::uac(&msg(trying)),
        Err(DialogError::Missing("To tag"))
    );
}
