//! The non-INVITE client transaction (RFC 3261 §17.1.2.2, Figure 6): Trying → Proceeding →
//! Completed → Terminated.
//!
//! - Timer E (unreliable only): retransmit at T1, doubling up to T2; "If Timer E fires while
//!   in "Proceeding" state, the request MUST be passed to the transport layer for
//!   retransmission, and Timer E MUST be reset with a value of T2 seconds."
//! - Timer F = 64·T1 in Trying and Proceeding: timeout to the TU.
//! - Completed absorbs retransmitted responses for Timer K = T4 ("zero seconds for reliable
//!   transports").

use super::types::{Clock, Inbound, Outbound, Sink, Timers};
use crate::time::Mono;

/// Where a NICT stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NictState {
    /// Request sent, nothing heard.
    Trying,
    /// A provisional response came.
    Proceeding,
    /// A final response came; absorbing its retransmissions.
    Completed,
}

#[derive(Debug)]
pub(super) struct Nict {
    pub state: NictState,
    request: Outbound,
    clock: Clock,
}

impl Nict {
    pub fn start(request: Outbound, t: &Timers, now: Mono, sink: &mut Sink) -> Nict {
        sink.send(&request);
        let mut clock = Clock::default();
        clock.start_retx(request.reliable, t.t1, now);
        clock.end = Some(now.after(t.t64()));
        Nict {
            state: NictState::Trying,
            request,
            clock,
        }
    }

    pub fn deadline(&self) -> Option<Mono> {
        self.clock.next()
    }

    pub fn on_response(&mut self, msg: Inbound, t: &Timers, now: Mono, sink: &mut Sink) {
        if self.state == NictState::Completed {
            return; // a retransmission of the final response: absorbed
        }
        let provisional = msg.status.unwrap_or(0) < 200;
        sink.response(msg);
        if provisional {
            self.state = NictState::Proceeding;
            return;
        }
        self.state = NictState::Completed;
        let k = if self.request.reliable {
            Default::default()
        } else {
            t.t4
        };
        if !self.clock.end_after(k, now) {
            sink.terminate();
        }
    }

    pub fn on_timer(&mut self, t: &Timers, now: Mono, sink: &mut Sink) {
        if self.clock.end_due(now) {
            if self.state != NictState::Completed {
                sink.timeout(); // Timer F
            }
            sink.terminate(); // F, or K
            return;
        }
        if self.clock.retx_due(now) {
            sink.send(&self.request);
            let next = match self.state {
                NictState::Proceeding => t.t2,
                _ => (self.clock.interval * 2).min(t.t2),
            };
            self.clock.again(next, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{Method, TuEvent, TxState};

    #[test]
    fn timer_e_retransmits_at_t1_doubling_to_t2_until_timer_f_times_out() {
        let mut k = Kit::new();
        let id = k.send(Method::Register, false);
        assert_eq!(k.sends(), 1);
        let times = k.run_until(ms(40_000));
        // 500, 1000, 2000, 4000, 4000, … ms apart, the last before F at 32 s.
        let mut expected = vec![500, 1500, 3500];
        while *expected.last().unwrap() + 4000 < 32_000 {
            expected.push(expected.last().unwrap() + 4000);
        }
        assert_eq!(times, expected);
        assert_eq!(
            k.events(),
            vec![TuEvent::Timeout { id }, TuEvent::Terminated { id }]
        );
        assert_eq!(k.at_timeout, Some(ms(32_000)));
        assert!(k.layer.is_empty());
    }

    #[test]
    fn proceeding_retransmits_every_t2_and_still_times_out() {
        let mut k = Kit::new();
        let id = k.send(Method::Register, false);
        k.clock = ms(600);
        k.layer.on_timeout(k.clock);
        k.sends(); // the 500 ms retransmission
        k.response(Method::Register, 100);
        assert_eq!(k.layer.state(id), Some(TxState::Proceeding));
        assert!(matches!(&k.events()[..], [TuEvent::Response { .. }]));
        // E was set to 1000 ms at 600; it fires at 1600, then every T2.
        assert_eq!(k.run_until(ms(14_000)), vec![1600, 5600, 9600, 13_600]);
        k.run_until(ms(40_000));
        assert_eq!(k.at_timeout, Some(ms(32_000)));
    }

    #[test]
    fn final_response_completes_absorbs_retransmissions_and_timer_k_terminates() {
        let mut k = Kit::new();
        let id = k.send(Method::Register, false);
        k.sends();
        k.clock = ms(100);
        k.response(Method::Register, 200);
        assert_eq!(k.layer.state(id), Some(TxState::Completed));
        assert_eq!(k.events().len(), 1);
        k.response(Method::Register, 200);
        assert_eq!(k.events(), vec![], "retransmitted final absorbed");
        // No more retransmissions; Timer K = T4 after the response.
        assert_eq!(k.run_until(ms(4_000)), Vec::<u64>::new());
        assert_eq!(k.layer.state(id), Some(TxState::Completed));
        k.clock = ms(5_100);
        k.layer.on_timeout(k.clock);
        assert_eq!(k.events(), vec![TuEvent::Terminated { id }]);
        assert_eq!(k.layer.state(id), None);
    }

    #[test]
    fn reliable_transport_never_retransmits_and_terminates_on_the_final() {
        let mut k = Kit::new();
        let id = k.send(Method::Options, true);
        k.sends();
        assert_eq!(k.layer.deadline(), Some(ms(32_000)), "only Timer F");
        k.response(Method::Options, 180);
        k.response(Method::Options, 486);
        assert!(matches!(
            &k.events()[..],
            [TuEvent::Response { .. }, TuEvent::Response { .. }, TuEvent::Terminated { id: t }] if *t == id
        ));
        assert!(k.layer.is_empty());
        assert_eq!(k.sends(), 0);
    }

    #[test]
    fn reliable_timeout_is_timer_f() {
        let mut k = Kit::new();
        let id = k.send(Method::Options, true);
        assert_eq!(k.sends(), 1);
        assert_eq!(k.run_until(ms(40_000)), Vec::<u64>::new());
        assert_eq!(k.at_timeout, Some(ms(32_000)));
        assert_eq!(
            k.events(),
            vec![TuEvent::Timeout { id }, TuEvent::Terminated { id }]
        );
    }
}
