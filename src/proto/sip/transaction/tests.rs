//! Layer-wide behaviour: routing between transactions (CANCEL, ACK, stray responses), errors,
//! transport failures, termination and the timer queue under many transactions.

use super::testkit::*;
use super::{Dispatch, Method, TuEvent, TxError, TxState};

#[test]
fn cancel_is_its_own_server_transaction_pointing_at_the_invite() {
    let mut k = Kit::new();
    let invite = k.incoming(Method::Invite, "z9hG4bKc", false);
    let cancel = k.incoming(Method::Cancel, "z9hG4bKc", false);
    assert_ne!(invite, cancel);
    let ev = k.events();
    assert!(
        matches!(&ev[1], TuEvent::Request { id, cancels: Some(c), .. } if *id == cancel && *c == invite),
        "{ev:?}"
    );
    // The TU answers both; each keeps its own state.
    k.layer
        .respond(cancel, 200, reply(b"200c", false), k.clock)
        .unwrap();
    k.layer
        .respond(invite, 487, reply(b"487", false), k.clock)
        .unwrap();
    assert_eq!(k.layer.state(cancel), Some(TxState::Completed));
    assert_eq!(k.layer.state(invite), Some(TxState::Completed));
    // A retransmitted CANCEL gets the CANCEL's 200, not the 487.
    k.sends();
    k.layer
        .on_request(request(Method::Cancel, "z9hG4bKc"), peer(), false, k.clock);
    assert_eq!(k.sent_bodies(), vec![b"200c".to_vec()]);
}

#[test]
fn cancel_for_an_unknown_invite_says_so() {
    let mut k = Kit::new();
    k.incoming(Method::Cancel, "z9hG4bKnone", false);
    assert!(matches!(
        &k.events()[..],
        [TuEvent::Request { cancels: None, .. }]
    ));
}

#[test]
fn client_cancel_and_invite_share_a_branch_and_get_their_own_responses() {
    let mut k = Kit::new();
    let invite = k.invite(false);
    let cancel = k.send(Method::Cancel, false);
    assert_ne!(invite, cancel);
    assert_eq!(k.response(Method::Cancel, 200), Dispatch::Matched(cancel));
    assert_eq!(k.response(Method::Invite, 487), Dispatch::Matched(invite));
    assert_eq!(k.layer.state(cancel), Some(TxState::Completed));
    assert_eq!(k.layer.state(invite), Some(TxState::Completed));
}

#[test]
fn responses_without_a_transaction_are_stray() {
    let mut k = Kit::new();
    assert_eq!(k.response(Method::Register, 200), Dispatch::Stray);
    k.send(Method::Register, false);
    // Same branch, other CSeq method: not this transaction (§17.1.3).
    assert_eq!(k.response(Method::Options, 200), Dispatch::Stray);
    let ev = k.events();
    assert_eq!(ev.len(), 2);
    assert!(
        ev.iter()
            .all(|e| matches!(e, TuEvent::StrayResponse { from, .. } if *from == peer()))
    );
}

#[test]
fn ack_with_no_transaction_goes_to_the_tu_and_creates_none() {
    let mut k = Kit::new();
    let d = k
        .layer
        .on_request(request(Method::Ack, "z9hG4bKlone"), peer(), false, k.clock);
    assert_eq!(d, Dispatch::Ack);
    assert!(matches!(
        &k.events()[..],
        [TuEvent::Ack { invite: None, .. }]
    ));
    assert!(k.layer.is_empty());
}

#[test]
fn ack_for_a_2xx_is_not_matched_to_an_invite_still_proceeding() {
    let mut k = Kit::new();
    let id = k.incoming(Method::Invite, "z9hG4bKi", false);
    k.events();
    let d = k
        .layer
        .on_request(request(Method::Ack, "z9hG4bKother"), peer(), false, k.clock);
    assert_eq!(d, Dispatch::Ack);
    assert_eq!(k.layer.state(id), Some(TxState::Proceeding));
}

#[test]
fn same_branch_from_another_sent_by_is_another_transaction() {
    let mut k = Kit::new();
    let a = k.incoming(Method::Register, "z9hG4bKsame", false);
    let mut other = request(Method::Register, "z9hG4bKsame");
    other.sent_by = "10.0.0.3:5060".into();
    let d = k.layer.on_request(other, peer(), false, k.clock);
    assert!(matches!(d, Dispatch::New(b) if b != a));
    assert_eq!(k.layer.len(), 2);
}

#[test]
fn rfc2543_invite_retransmission_and_its_ack_match_without_a_cookie() {
    let mut k = Kit::new();
    let id = k.incoming(Method::Invite, "old-branch", false);
    k.layer
        .respond(id, 486, reply(b"486", false), k.clock)
        .unwrap();
    k.sends();
    assert_eq!(
        k.layer.on_request(
            request(Method::Invite, "old-branch"),
            peer(),
            false,
            k.clock
        ),
        Dispatch::Matched(id)
    );
    assert_eq!(k.sent_bodies(), vec![b"486".to_vec()]);
    let mut ack = request(Method::Ack, "old-branch");
    ack.to_tag = "ours".into();
    k.layer.on_request(ack, peer(), false, k.clock);
    assert_eq!(k.layer.state(id), Some(TxState::Confirmed));
}

#[test]
fn transport_error_is_reported_and_ends_the_transaction() {
    let mut k = Kit::new();
    let id = k.send(Method::Options, true);
    let t = k.transmits();
    assert_eq!(t[0].tx, Some(id), "transmissions name their transaction");
    k.layer.transport_error(id);
    assert_eq!(
        k.events(),
        vec![TuEvent::TransportError { id }, TuEvent::Terminated { id }]
    );
    assert!(k.layer.is_empty());
    assert_eq!(k.layer.deadline(), None);
    assert_eq!(k.response(Method::Options, 200), Dispatch::Stray);
}

#[test]
fn misuse_is_refused_with_typed_errors() {
    let mut k = Kit::new();
    let c = k.send(Method::Register, false);
    assert_eq!(
        k.layer.send_request(
            Method::Register,
            CLIENT_BRANCH.into(),
            reply(b"x", false),
            k.clock
        ),
        Err(TxError::Exists(CLIENT_BRANCH.into()))
    );
    for m in [Method::Invite, Method::Ack] {
        assert!(matches!(
            k.layer
                .send_request(m, "z9hG4bKx".into(), reply(b"x", false), k.clock),
            Err(TxError::WrongMethod(_))
        ));
    }
    assert_eq!(
        k.layer.respond(c, 200, reply(b"x", false), k.clock),
        Err(TxError::NotServer(c))
    );
    let s = k.incoming(Method::Options, "z9hG4bKs", false);
    assert_eq!(
        k.layer.respond(s, 99, reply(b"x", false), k.clock),
        Err(TxError::BadStatus(99))
    );
    assert_eq!(
        k.layer.respond(s, 700, reply(b"x", false), k.clock),
        Err(TxError::BadStatus(700))
    );
}

#[test]
fn stateless_sends_belong_to_no_transaction() {
    let mut k = Kit::new();
    k.layer.send_stateless(reply(b"ACK", false));
    let t = k.transmits();
    assert_eq!(t.len(), 1);
    assert_eq!(t[0].tx, None);
    assert!(k.layer.is_empty());
}

#[test]
fn thousands_of_registrations_all_end_on_time_and_leave_nothing_behind() {
    let mut k = Kit::new();
    let n = 5_000;
    for i in 0..n {
        let id = k.incoming(Method::Register, &format!("z9hG4bK{i}"), false);
        k.clock = ms(i / 10);
        k.layer
            .respond(id, 200, reply(b"200", false), k.clock)
            .unwrap();
    }
    assert_eq!(k.layer.len(), n as usize);
    k.sends();
    k.events();
    // Timer J for the last one ends at 499 ms + 32 s; none may end earlier than its own J.
    k.run_until(ms(32_000 + 498));
    assert!(!k.layer.is_empty());
    k.run_until(ms(32_000 + 499));
    assert!(k.layer.is_empty());
    let ev = k.events();
    assert_eq!(ev.len(), n as usize);
    assert!(ev.iter().all(|e| matches!(e, TuEvent::Terminated { .. })));
    assert_eq!(k.layer.deadline(), None);
}

#[test]
fn timer_values_are_configurable() {
    use super::{Layer, Timers};
    use std::time::Duration;
    let t = Timers {
        t1: Duration::from_millis(100),
        t2: Duration::from_millis(300),
        ..Timers::default()
    };
    let mut k = Kit::new();
    k.layer = Layer::new(t);
    let id = k.send(Method::Options, false);
    k.sends();
    // E: 100, 200, 300, 300, … ms apart; F = 64·T1 = 6.4 s.
    let times = k.run_until(ms(1_500));
    assert_eq!(times, vec![100, 300, 600, 900, 1200, 1500]);
    k.run_until(ms(10_000));
    assert_eq!(k.at_timeout, Some(ms(6_400)));
    assert!(matches!(k.events().last(), Some(TuEvent::Terminated { id: i }) if *i == id));
}

/// A phone answering our 401 to its INVITE: it ACKs the 401 (with the INVITE's branch,
/// §17.1.1.3), which the INVITE's server transaction absorbs — the TU hears nothing, and the
/// 401 is not sent again — and its INVITE with credentials (new branch, next CSeq, same
/// Call-ID) is a transaction of its own.
#[test]
fn the_ack_of_a_401_to_an_invite_is_absorbed_and_the_retry_is_a_new_transaction() {
    let mut k = Kit::new();
    let first = k.incoming(Method::Invite, "z9hG4bKinv1", false);
    k.events();
    k.layer
        .respond(first, 401, reply(b"401", false), k.clock)
        .unwrap();
    k.sends();
    let ack = k
        .layer
        .on_request(request(Method::Ack, "z9hG4bKinv1"), peer(), false, k.clock);
    assert_eq!(ack, Dispatch::Matched(first));
    assert_eq!(k.layer.state(first), Some(TxState::Confirmed));
    assert_eq!(k.events(), vec![], "the ACK is not a request for the TU");
    let mut retry = request(Method::Invite, "z9hG4bKinv2");
    retry.cseq = 2;
    let Dispatch::New(second) = k.layer.on_request(retry, peer(), false, k.clock) else {
        panic!("the retry is not a new transaction");
    };
    assert_ne!(second, first);
    assert!(matches!(&k.events()[..], [TuEvent::Request { id, .. }] if *id == second));
    // What goes out from now on is the retry's own 100 Trying, never the 401 again.
    assert_eq!(k.run_until(ms(40_000)), vec![200]);
    assert_eq!(k.layer.state(first), None, "Timer I ended the first");
}
