//! A subscription's life: subscribed at once, refreshed before it expires inside its
//! dialog, started again in a new dialog when the server lost it, retried after a failure,
//! ended with `Expires: 0`.

use super::*;
use crate::proto::sip::msg::{self, StartLine};

fn at(s: u64) -> Mono {
    Mono(Duration::from_secs(s))
}

fn server() -> SocketAddr {
    "192.0.2.50:5060".parse().unwrap()
}

fn subs() -> Subscriptions {
    let mut s = Subscriptions::new("127.0.0.1:5060".parse().unwrap(), 7);
    s.set([("1003".to_string(), server(), 3600)], at(0));
    s
}

fn one(s: &mut Subscriptions, now: Mono) -> (Request, msg::Message) {
    let mut r = s.poll(now);
    assert_eq!(r.len(), 1, "one SUBSCRIBE due");
    let r = r.remove(0);
    let m = msg::parse(&r.bytes).unwrap();
    (r, m)
}

#[test]
fn a_number_is_subscribed_at_once_and_refreshed_before_it_expires_in_its_dialog() {
    let mut s = subs();
    let (r, m) = one(&mut s, at(0));
    assert_eq!(r.dest, server());
    assert!(
        matches!(&m.start, StartLine::Request { uri, .. } if uri == "sip:1003@192.0.2.50:5060")
    );
    assert_eq!(m.first("event").as_deref(), Some("message-summary"));
    assert_eq!(
        m.first("accept").as_deref(),
        Some("application/simple-message-summary")
    );
    assert_eq!(m.expires(), Some(3600));
    assert!(s.poll(at(1)).is_empty(), "nothing more while it is out");
    s.response(&r.branch, 202, Some("vm1"), Some(1800), at(1));
    assert_eq!(
        s.deadline(),
        Some(at(1 + 1620)),
        "nine tenths of what was granted"
    );
    assert!(s.poll(at(1000)).is_empty());
    let (_, refresh) = one(&mut s, at(1621));
    assert_eq!(refresh.call_id(), m.call_id(), "the same dialog");
    assert_eq!(refresh.to().and_then(|t| t.tag).as_deref(), Some("vm1"));
    assert_eq!(refresh.cseq().map(|c| c.0), Some(2));
}

#[test]
fn a_server_that_lost_the_subscription_gets_a_new_one_in_a_new_dialog() {
    let mut s = subs();
    let (r, first) = one(&mut s, at(0));
    s.response(&r.branch, 200, Some("vm1"), None, at(0));
    let (r, _) = one(&mut s, at(3240));
    // The server restarted: it knows no such dialog.
    s.response(&r.branch, 481, None, None, at(3240));
    let (_, again) = one(&mut s, at(3240));
    assert_ne!(again.call_id(), first.call_id());
    assert_eq!(again.to().and_then(|t| t.tag), None);
    assert_eq!(again.cseq().map(|c| c.0), Some(1));
    // It ends the new one by NOTIFY: subscribed again a little later.
    let call_id = again.call_id().unwrap();
    s.terminated(&call_id, at(3241));
    assert!(s.poll(at(3241)).is_empty());
    let (_, third) = one(&mut s, at(3246));
    assert_ne!(third.call_id(), again.call_id());
}

#[test]
fn a_refused_or_unanswered_subscribe_is_tried_again_after_a_pause() {
    let mut s = subs();
    let (r, _) = one(&mut s, at(0));
    s.timed_out(&r.branch, at(32));
    assert_eq!(s.deadline(), Some(at(32 + 60)));
    let (r, _) = one(&mut s, at(92));
    s.response(&r.branch, 503, None, None, at(92));
    assert_eq!(s.deadline(), Some(at(152)));
    // 423: the server's Min-Expires is taken at once.
    let (r, _) = one(&mut s, at(152));
    s.response(&r.branch, 423, None, Some(7200), at(152));
    let (_, m) = one(&mut s, at(152));
    assert_eq!(m.expires(), Some(7200));
}

#[test]
fn a_number_no_longer_wanted_is_unsubscribed_and_forgotten() {
    let mut s = subs();
    let (r, _) = one(&mut s, at(0));
    s.response(&r.branch, 200, Some("vm1"), None, at(0));
    s.set(std::iter::empty(), at(10));
    assert!(s.is_empty());
    let (r, m) = one(&mut s, at(10));
    assert_eq!(m.expires(), Some(0));
    assert_eq!(m.to().and_then(|t| t.tag).as_deref(), Some("vm1"));
    s.response(&r.branch, 200, None, Some(0), at(10));
    assert_eq!(s.deadline(), None);
    assert!(s.poll(at(100_000)).is_empty());
}
