//! The non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8): Trying → Proceeding →
//! Completed → Terminated.
//!
//! Request retransmissions are absorbed: in Trying silently ("any further request
//! retransmissions are discarded"), in Proceeding and Completed by resending the last
//! response. Completed lasts Timer J = 64·T1 on unreliable transport, 0 on reliable.
//!
//! One addition the RFC does not make: a NIST the TU never answers would live for ever, so
//! after 64·T1 in Trying or Proceeding (when the client has given up by its Timer F) it
//! reports a timeout and ends. With 10,000 REGISTERs a second, one forgotten answer per
//! thousand would otherwise leak ten transactions a second.

use super::types::{Clock, Outbound, Sink, Timers, TxError};
use crate::time::Mono;

/// Where a NIST stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NistState {
    /// Request passed to the TU, no response yet.
    Trying,
    /// A provisional was sent.
    Proceeding,
    /// The final response was sent.
    Completed,
}

#[derive(Debug)]
pub(super) struct Nist {
    pub state: NistState,
    last: Option<Outbound>,
    clock: Clock,
}

impl Nist {
    pub fn start(t: &Timers, now: Mono) -> Nist {
        Nist {
            state: NistState::Trying,
            last: None,
            clock: Clock {
                end: Some(now.after(t.t64())),
                ..Clock::default()
            },
        }
    }

    pub fn deadline(&self) -> Option<Mono> {
        self.clock.next()
    }

    /// A retransmission of the request.
    pub fn on_request(&mut self, sink: &mut Sink) {
        if let Some(last) = &self.last {
            sink.send(last);
        }
    }

    pub fn respond(
        &mut self,
        status: u16,
        out: Outbound,
        t: &Timers,
        now: Mono,
        sink: &mut Sink,
    ) -> Result<(), TxError> {
        if self.state == NistState::Completed {
            return Err(TxError::AlreadyFinal);
        }
        sink.send(&out);
        let reliable = out.reliable;
        self.last = Some(out);
        if status < 200 {
            self.state = NistState::Proceeding;
            return Ok(());
        }
        self.state = NistState::Completed;
        let j = if reliable {
            Default::default()
        } else {
            t.t64()
        };
        if !self.clock.end_after(j, now) {
            sink.terminate();
        }
        Ok(())
    }

    pub fn on_timer(&mut self, now: Mono, sink: &mut Sink) {
        if self.clock.end_due(now) {
            if self.state != NistState::Completed {
                sink.timeout(); // never answered
            }
            sink.terminate(); // Timer J
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{Dispatch, Method, TuEvent, TxError, TxState};

    #[test]
    fn new_request_goes_to_the_tu_and_retransmissions_in_trying_are_dropped() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Register, "z9hG4bKr1", false);
        assert!(matches!(
            &k.events()[..],
            [TuEvent::Request { id: i, cancels: None, reliable: false, .. }] if *i == id
        ));
        assert_eq!(k.layer.state(id), Some(TxState::Trying));
        let again = k.layer.on_request(
            request(Method::Register, "z9hG4bKr1"),
            peer(),
            false,
            k.clock,
        );
        assert_eq!(again, Dispatch::Matched(id));
        assert_eq!(k.events(), vec![]);
        assert_eq!(k.sends(), 0);
    }

    #[test]
    fn retransmissions_get_the_last_response_and_timer_j_ends_completed() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Register, "z9hG4bKr1", false);
        k.events();
        k.layer
            .respond(id, 100, reply(b"100", false), k.clock)
            .unwrap();
        assert_eq!(k.layer.state(id), Some(TxState::Proceeding));
        k.layer.on_request(
            request(Method::Register, "z9hG4bKr1"),
            peer(),
            false,
            k.clock,
        );
        assert_eq!(k.sent_bodies(), vec![b"100".to_vec(), b"100".to_vec()]);
        k.clock = ms(1000);
        k.layer
            .respond(id, 200, reply(b"200", false), k.clock)
            .unwrap();
        assert_eq!(
            k.layer.respond(id, 200, reply(b"200", false), k.clock),
            Err(TxError::AlreadyFinal)
        );
        k.layer.on_request(
            request(Method::Register, "z9hG4bKr1"),
            peer(),
            false,
            k.clock,
        );
        assert_eq!(k.sent_bodies(), vec![b"200".to_vec(), b"200".to_vec()]);
        assert_eq!(k.events(), vec![], "retransmissions never reach the TU");
        // No retransmission by the server (the client's Timer E drives them); J = 64·T1.
        assert_eq!(k.run_until(ms(32_999)), Vec::<u64>::new());
        assert_eq!(k.layer.state(id), Some(TxState::Completed));
        k.run_until(ms(33_000));
        assert_eq!(k.events(), vec![TuEvent::Terminated { id }]);
        // Gone: the same request now is a new transaction.
        let again = k.layer.on_request(
            request(Method::Register, "z9hG4bKr1"),
            peer(),
            false,
            k.clock,
        );
        assert!(matches!(again, Dispatch::New(n) if n != id));
    }

    #[test]
    fn reliable_final_terminates_at_once() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Options, "z9hG4bKo", true);
        k.events();
        k.layer
            .respond(id, 200, reply(b"200", true), k.clock)
            .unwrap();
        assert_eq!(k.events(), vec![TuEvent::Terminated { id }]);
        assert!(k.layer.is_empty());
        assert_eq!(
            k.layer.respond(id, 200, reply(b"200", true), k.clock),
            Err(TxError::NoTransaction(id))
        );
    }

    #[test]
    fn unanswered_request_times_out_after_64_t1() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Register, "z9hG4bKr1", false);
        k.events();
        k.run_until(ms(40_000));
        assert_eq!(k.at_timeout, Some(ms(32_000)));
        assert_eq!(
            k.events(),
            vec![TuEvent::Timeout { id }, TuEvent::Terminated { id }]
        );
    }
}
