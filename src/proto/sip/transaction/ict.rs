//! The INVITE client transaction (RFC 3261 §17.1.1.2, Figure 5, as updated by RFC 6026
//! §8.4): Calling → Proceeding → Completed or Accepted → Terminated.
//!
//! - Calling: Timer A (unreliable only) retransmits at T1, doubling without a cap; Timer B =
//!   64·T1 times out. Timer B belongs to Calling only: once a provisional came, how long to
//!   ring is the TU's business (its Timer C, or a CANCEL).
//! - 3xx–6xx → Completed: the transaction itself ACKs (§17.1.1.3), and again for every
//!   retransmission of the final response, which it absorbs, until Timer D (≥ 32 s
//!   unreliable, 0 reliable).
//! - 2xx → Accepted (RFC 6026): every 2xx, retransmissions and forked ones alike, goes to the
//!   TU, which sends the ACK itself (it is a new transaction-less request, §13.2.2.4); Timer M
//!   = 64·T1 ends the state.

use super::ack::AckTemplate;
use super::types::{Clock, Inbound, Outbound, Sink, Timers};
use crate::time::Mono;

/// Where an ICT stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IctState {
    /// INVITE sent, nothing heard.
    Calling,
    /// A provisional came.
    Proceeding,
    /// A 3xx–6xx came and was ACKed.
    Completed,
    /// A 2xx came (RFC 6026).
    Accepted,
}

#[derive(Debug)]
pub(super) struct Ict {
    pub state: IctState,
    request: Outbound,
    ack: AckTemplate,
    /// The ACK sent in Completed, resent for retransmitted finals.
    sent_ack: Option<Outbound>,
    clock: Clock,
}

impl Ict {
    pub fn start(
        request: Outbound,
        ack: AckTemplate,
        t: &Timers,
        now: Mono,
        sink: &mut Sink,
    ) -> Ict {
        sink.send(&request);
        let mut clock = Clock::default();
        clock.start_retx(request.reliable, t.t1, now);
        clock.end = Some(now.after(t.t64()));
        Ict {
            state: IctState::Calling,
            request,
            ack,
            sent_ack: None,
            clock,
        }
    }

    pub fn deadline(&self) -> Option<Mono> {
        self.clock.next()
    }

    pub fn on_response(&mut self, msg: Inbound, t: &Timers, now: Mono, sink: &mut Sink) {
        let status = msg.status.unwrap_or(0);
        match (self.state, status) {
            (IctState::Calling | IctState::Proceeding, 100..=199) => {
                self.state = IctState::Proceeding;
                self.clock.retx = None;
                self.clock.end = None;
                sink.response(msg);
            }
            (IctState::Calling | IctState::Proceeding, 200..=299) => {
                self.state = IctState::Accepted;
                self.clock.end_after(t.t64(), now); // Timer M
                sink.response(msg);
            }
            (IctState::Calling | IctState::Proceeding, _) => {
                self.state = IctState::Completed;
                let ack = Outbound {
                    bytes: self.ack.render(&msg.to),
                    dest: self.request.dest,
                    reliable: self.request.reliable,
                };
                sink.send(&ack);
                sink.response(msg);
                let d = if self.request.reliable {
                    Default::default()
                } else {
                    t.d
                };
                if self.clock.end_after(d, now) {
                    self.sent_ack = Some(ack);
                } else {
                    sink.terminate();
                }
            }
            (IctState::Accepted, 200..=299) => sink.response(msg),
            (IctState::Completed, 300..) => {
                if let Some(ack) = &self.sent_ack {
                    sink.send(ack);
                }
            }
            // Late provisionals, and a non-2xx after a 2xx or the reverse: nothing to do.
            _ => {}
        }
    }

    pub fn on_timer(&mut self, now: Mono, sink: &mut Sink) {
        if self.clock.end_due(now) {
            if self.state == IctState::Calling {
                sink.timeout(); // Timer B
            }
            sink.terminate(); // B, D or M
            return;
        }
        if self.clock.retx_due(now) {
            sink.send(&self.request);
            self.clock.again(self.clock.interval * 2, now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{Method, TuEvent, TxState};

    #[test]
    fn timer_a_doubles_without_cap_until_timer_b_times_out() {
        let mut k = Kit::new();
        let id = k.invite(false);
        assert_eq!(k.sends(), 1);
        // 500, 1000, 2000, 4000, 8000, 16000 ms apart: A is not capped by T2.
        assert_eq!(
            k.run_until(ms(40_000)),
            vec![500, 1500, 3500, 7500, 15_500, 31_500]
        );
        assert_eq!(k.at_timeout, Some(ms(32_000)));
        assert_eq!(
            k.events(),
            vec![TuEvent::Timeout { id }, TuEvent::Terminated { id }]
        );
    }

    #[test]
    fn reliable_invite_is_not_retransmitted_and_times_out_by_timer_b() {
        let mut k = Kit::new();
        let id = k.invite(true);
        assert_eq!(k.sends(), 1);
        assert_eq!(k.run_until(ms(40_000)), Vec::<u64>::new());
        assert_eq!(k.at_timeout, Some(ms(32_000)));
        assert_eq!(k.layer.state(id), None);
    }

    #[test]
    fn provisional_stops_retransmission_and_timer_b() {
        let mut k = Kit::new();
        let id = k.invite(false);
        k.sends();
        k.response(Method::Invite, 180);
        assert_eq!(k.layer.state(id), Some(TxState::Proceeding));
        assert!(matches!(&k.events()[..], [TuEvent::Response { .. }]));
        assert_eq!(k.run_until(ms(600_000)), Vec::<u64>::new());
        assert_eq!(k.at_timeout, None);
        assert_eq!(k.layer.state(id), Some(TxState::Proceeding));
    }

    #[test]
    fn non_2xx_is_acked_by_the_transaction_and_retransmissions_absorbed_until_timer_d() {
        let mut k = Kit::new();
        let id = k.invite(false);
        k.sends();
        k.clock = ms(1000);
        k.response(Method::Invite, 486);
        let ack = k.transmits();
        assert_eq!(ack.len(), 1);
        let text = String::from_utf8(ack[0].out.bytes.to_vec()).unwrap();
        assert!(
            text.starts_with("ACK sip:1002@10.0.0.2 SIP/2.0\r\n"),
            "{text}"
        );
        assert!(
            text.contains("\r\nTo: <sip:1002@10.0.0.2>;tag=callee\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\nCSeq: 1 ACK\r\n"), "{text}");
        assert_eq!(ack[0].out.dest, peer());
        assert_eq!(k.layer.state(id), Some(TxState::Completed));
        assert!(
            matches!(&k.events()[..], [TuEvent::Response { msg, .. }] if msg.status == Some(486))
        );
        // The retransmitted 486 is ACKed again and not passed up.
        k.response(Method::Invite, 486);
        assert_eq!(k.transmits()[0].out.bytes, ack[0].out.bytes);
        assert_eq!(k.events(), vec![]);
        // No INVITE retransmission in Completed; Timer D is 32 s after the 486.
        assert_eq!(k.run_until(ms(32_999)), Vec::<u64>::new());
        assert_eq!(k.layer.state(id), Some(TxState::Completed));
        k.run_until(ms(33_000));
        assert_eq!(k.events(), vec![TuEvent::Terminated { id }]);
    }

    #[test]
    fn reliable_non_2xx_acks_once_and_terminates_at_once() {
        let mut k = Kit::new();
        let id = k.invite(true);
        k.sends();
        k.response(Method::Invite, 603);
        assert_eq!(k.sends(), 1, "the ACK");
        assert!(matches!(
            &k.events()[..],
            [TuEvent::Response { .. }, TuEvent::Terminated { id: t }] if *t == id
        ));
    }

    #[test]
    fn accepted_passes_every_2xx_to_the_tu_until_timer_m() {
        let mut k = Kit::new();
        let id = k.invite(false);
        k.sends();
        k.clock = ms(700);
        k.response(Method::Invite, 200);
        assert_eq!(k.layer.state(id), Some(TxState::Accepted));
        k.response(Method::Invite, 200);
        k.response(Method::Invite, 180); // late: dropped
        let ev = k.events();
        assert_eq!(ev.len(), 2);
        assert!(
            ev.iter()
                .all(|e| matches!(e, TuEvent::Response { msg, .. } if msg.status == Some(200)))
        );
        assert_eq!(k.sends(), 0, "the TU ACKs a 2xx, not the transaction");
        assert_eq!(k.run_until(ms(32_699)), Vec::<u64>::new());
        assert_eq!(k.layer.state(id), Some(TxState::Accepted));
        k.run_until(ms(32_700));
        assert_eq!(k.events(), vec![TuEvent::Terminated { id }]);
        // After M, a 2xx retransmission is stray and goes to the core (§18.1.2).
        k.response(Method::Invite, 200);
        assert!(matches!(&k.events()[..], [TuEvent::StrayResponse { .. }]));
    }
}
