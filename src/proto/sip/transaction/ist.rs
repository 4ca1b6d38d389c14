//! The INVITE server transaction (RFC 3261 §17.2.1, Figure 7, as updated by RFC 6026 §8.5
//! – §8.7): Proceeding → Completed → Confirmed, or Proceeding → Accepted, → Terminated.
//!
//! - Proceeding: if the TU has not answered within 200 ms the transaction sends 100 Trying
//!   itself (§17.2.1); a retransmitted INVITE gets "the most recent provisional response".
//! - 3xx–6xx → Completed: Timer G (unreliable only) retransmits the final at T1, doubling to
//!   T2; Timer H = 64·T1 without an ACK is a timeout; the ACK moves to Confirmed, which
//!   absorbs further ACKs for Timer I = T4 (0 reliable).
//! - 2xx → Accepted (RFC 6026). Here, by the brief of this layer, the transaction also
//!   retransmits the 2xx like Timer G (T1 doubling to T2, unreliable only; §13.3.1.4 gives
//!   that job to the UAS core) until the ACK comes. The ACK, which usually has a branch of its
//!   own, is passed to the TU (RFC 6026 §8.7), every copy of it; retransmitted INVITEs are
//!   not, and get the 2xx again while no ACK came. Timer L = 64·T1 ends the state, reported
//!   as a timeout if no ACK came (the core then ends the session, §13.3.1.4).

use std::sync::Arc;

use super::trying::trying;
use super::types::{Clock, Inbound, Method, Outbound, Peer, Sink, Timers, TuEvent, TxError};
use crate::time::Mono;

/// Where an IST stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IstState {
    /// The INVITE is with the TU; provisionals may have been sent.
    Proceeding,
    /// A 3xx–6xx was sent; waiting for its ACK.
    Completed,
    /// The ACK came; absorbing its retransmissions.
    Confirmed,
    /// A 2xx was sent (RFC 6026).
    Accepted,
}

#[derive(Debug)]
pub(super) struct Ist {
    pub state: IstState,
    /// The INVITE, kept only until the TU answers or the 100 Trying is built from it.
    request: Option<Arc<[u8]>>,
    from: Peer,
    reliable: bool,
    last: Option<Outbound>,
    /// When to send 100 Trying.
    trying_at: Option<Mono>,
    acked: bool,
    clock: Clock,
}

impl Ist {
    pub fn start(msg: &Inbound, from: Peer, reliable: bool, t: &Timers, now: Mono) -> Ist {
        Ist {
            state: IstState::Proceeding,
            request: Some(msg.bytes.clone()),
            from,
            reliable,
            last: None,
            trying_at: Some(now.after(t.trying)),
            acked: false,
            clock: Clock::default(),
        }
    }

    pub fn deadline(&self) -> Option<Mono> {
        match (self.trying_at, self.clock.next()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// A retransmitted INVITE or an ACK.
    pub fn on_request(&mut self, msg: Inbound, from: Peer, t: &Timers, now: Mono, sink: &mut Sink) {
        let ack = msg.method == Method::Ack;
        match (self.state, ack) {
            (IstState::Proceeding | IstState::Completed, false) => self.resend(sink),
            (IstState::Accepted, false) if !self.acked => self.resend(sink),
            (IstState::Completed, true) => {
                self.state = IstState::Confirmed;
                let i = if self.reliable {
                    Default::default()
                } else {
                    t.t4
                };
                if !self.clock.end_after(i, now) {
                    sink.terminate();
                }
            }
            (IstState::Accepted, true) => {
                self.acked = true;
                self.clock.retx = None;
                sink.events.push_back(TuEvent::Ack {
                    invite: Some(sink.id),
                    msg,
                    from,
                });
            }
            // Confirmed absorbs ACKs and INVITEs; an ACK in Proceeding acknowledges nothing.
            _ => {}
        }
    }

    fn resend(&self, sink: &mut Sink) {
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
        match (self.state, status) {
            (IstState::Proceeding, _) => {}
            // RFC 6026 §8.5: further 2xx (from other forks of a proxy) go out too.
            (IstState::Accepted, 200..=299) => {
                sink.send(&out);
                return Ok(());
            }
            _ => return Err(TxError::AlreadyFinal),
        }
        sink.send(&out);
        self.last = Some(out);
        self.trying_at = None;
        self.request = None;
        if status < 200 {
            return Ok(());
        }
        self.state = if status < 300 {
            IstState::Accepted
        } else {
            IstState::Completed
        };
        self.clock.end_after(t.t64(), now); // L or H
        self.clock.start_retx(self.reliable, t.t1, now);
        Ok(())
    }

    pub fn on_timer(&mut self, t: &Timers, now: Mono, sink: &mut Sink) {
        if self.trying_at.is_some_and(|at| at <= now) {
            self.trying_at = None;
            if let Some(bytes) = self.request.take().as_deref().and_then(trying) {
                let out = Outbound {
                    bytes,
                    dest: self.from,
                    reliable: self.reliable,
                };
                sink.send(&out);
                self.last = Some(out);
            }
        }
        if self.clock.end_due(now) {
            let unacked = match self.state {
                IstState::Completed => true,       // Timer H
                IstState::Accepted => !self.acked, // Timer L
                _ => false,                        // Timer I
            };
            if unacked {
                sink.timeout();
            }
            sink.terminate();
            return;
        }
        if self.clock.retx_due(now) {
            self.resend(sink);
            self.clock.again((self.clock.interval * 2).min(t.t2), now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::super::{Dispatch, Method, TuEvent, TxError, TxState};

    const BRANCH: &str = "z9hG4bKinv1";

    fn invite_again(k: &mut Kit) -> Dispatch {
        k.layer
            .on_request(request(Method::Invite, BRANCH), peer(), false, k.clock)
    }

    fn ack(k: &mut Kit, branch: &str) -> Dispatch {
        k.layer
            .on_request(request(Method::Ack, branch), peer(), false, k.clock)
    }

    #[test]
    fn slow_tu_gets_a_100_trying_after_200_ms_and_retransmissions_repeat_it() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Invite, BRANCH, false);
        assert!(matches!(&k.events()[..], [TuEvent::Request { id: i, .. }] if *i == id));
        assert_eq!(k.run_until(ms(199)), Vec::<u64>::new());
        assert_eq!(k.run_until(ms(200)), vec![200]);
        assert_eq!(k.layer.state(id), Some(TxState::Proceeding));
        assert_eq!(invite_again(&mut k), Dispatch::Matched(id));
        let t = k.transmits();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].out.dest, peer());
        let text = String::from_utf8(t[0].out.bytes.to_vec()).unwrap();
        assert!(
            text.starts_with(
                "SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKinv1\r\n"
            ),
            "{text}"
        );
        assert!(text.contains("\r\nCSeq: 1 INVITE\r\n"), "{text}");
        assert_eq!(k.events(), vec![], "the retransmitted INVITE is absorbed");
        // Proceeding has no timer of its own: ringing lasts as long as the TU wants.
        assert_eq!(k.layer.deadline(), None);
    }

    #[test]
    fn prompt_provisional_replaces_the_100_and_is_what_retransmissions_get() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Invite, BRANCH, false);
        invite_again(&mut k);
        assert_eq!(k.sends(), 0, "nothing to repeat before any provisional");
        k.clock = ms(150);
        k.layer
            .respond(id, 180, reply(b"180", false), k.clock)
            .unwrap();
        assert_eq!(k.run_until(ms(1000)), Vec::<u64>::new(), "no 100 Trying");
        invite_again(&mut k);
        assert_eq!(k.sent_bodies(), vec![b"180".to_vec(), b"180".to_vec()]);
    }

    #[test]
    fn non_2xx_is_retransmitted_by_timer_g_until_timer_h_times_out() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Invite, BRANCH, false);
        k.events();
        k.layer
            .respond(id, 486, reply(b"486", false), k.clock)
            .unwrap();
        assert_eq!(k.layer.state(id), Some(TxState::Completed));
        assert_eq!(k.sends(), 1);
        invite_again(&mut k);
        assert_eq!(k.sent_bodies(), vec![b"486".to_vec()]);
        assert_eq!(
            k.layer.respond(id, 200, reply(b"200", false), k.clock),
            Err(TxError::AlreadyFinal)
        );
        let mut expected = vec![500, 1500, 3500];
        while *expected.last().unwrap() + 4000 < 32_000 {
            expected.push(expected.last().unwrap() + 4000);
        }
        assert_eq!(k.run_until(ms(40_000)), expected);
        assert_eq!(k.at_timeout, Some(ms(32_000)));
        assert_eq!(
            k.events(),
            vec![TuEvent::Timeout { id }, TuEvent::Terminated { id }]
        );
    }

    #[test]
    fn ack_confirms_stops_timer_g_and_timer_i_terminates() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Invite, BRANCH, false);
        k.events();
        k.layer
            .respond(id, 404, reply(b"404", false), k.clock)
            .unwrap();
        k.sends();
        assert_eq!(k.run_until(ms(1500)), vec![500, 1500]);
        k.clock = ms(2000);
        assert_eq!(ack(&mut k, BRANCH), Dispatch::Matched(id));
        assert_eq!(k.layer.state(id), Some(TxState::Confirmed));
        // Confirmed absorbs ACKs and INVITEs without sending or reporting.
        ack(&mut k, BRANCH);
        invite_again(&mut k);
        assert_eq!(k.run_until(ms(6_999)), Vec::<u64>::new());
        assert_eq!(k.events(), vec![], "the non-2xx ACK is not passed up");
        k.run_until(ms(7_000));
        assert_eq!(k.events(), vec![TuEvent::Terminated { id }]);
        assert_eq!(k.at_timeout, None);
    }

    #[test]
    fn reliable_non_2xx_has_no_timer_g_but_timer_h_and_ack_ends_at_once() {
        let mut k = Kit::new();
        let id = k
            .layer
            .on_request(request(Method::Invite, BRANCH), peer(), true, k.clock);
        let Dispatch::New(id2) = id else { panic!() };
        k.events();
        k.layer
            .respond(id2, 500, reply(b"500", true), k.clock)
            .unwrap();
        k.sends();
        assert_eq!(k.layer.deadline(), Some(ms(32_000)), "Timer H only");
        k.layer
            .on_request(request(Method::Ack, BRANCH), peer(), true, k.clock);
        assert_eq!(k.events(), vec![TuEvent::Terminated { id: id2 }]);
        let mut k = Kit::new();
        let id = k.incoming(Method::Invite, BRANCH, true);
        k.layer
            .respond(id, 500, reply(b"500", true), k.clock)
            .unwrap();
        k.sends();
        assert_eq!(k.run_until(ms(40_000)), Vec::<u64>::new());
        assert_eq!(k.at_timeout, Some(ms(32_000)), "Timer H on reliable too");
    }

    #[test]
    fn accepted_retransmits_the_2xx_until_the_ack_which_goes_to_the_tu() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Invite, BRANCH, false);
        k.events();
        k.layer
            .respond(id, 200, reply(b"200", false), k.clock)
            .unwrap();
        assert_eq!(k.layer.state(id), Some(TxState::Accepted));
        k.sends();
        assert_eq!(k.run_until(ms(8_000)), vec![500, 1500, 3500, 7500]);
        // A retransmitted INVITE is not passed up; it gets the 2xx again.
        invite_again(&mut k);
        assert_eq!(k.sent_bodies(), vec![b"200".to_vec()]);
        // The ACK for a 2xx has its own branch (§13.2.2.4): matched by Call-ID, From tag, CSeq.
        k.clock = ms(8_100);
        assert_eq!(ack(&mut k, "z9hG4bKack1"), Dispatch::Matched(id));
        // Every copy of the ACK goes to the TU (RFC 6026 §8.7).
        for _ in 0..2 {
            let ev = k.events();
            assert!(
                matches!(&ev[..], [TuEvent::Ack { invite: Some(i), .. }] if *i == id),
                "{ev:?}"
            );
            ack(&mut k, "z9hG4bKack1");
        }
        k.events();
        assert_eq!(
            k.run_until(ms(31_999)),
            Vec::<u64>::new(),
            "the ACK stopped retransmission"
        );
        invite_again(&mut k);
        assert_eq!(k.sends(), 0, "after the ACK, INVITEs are absorbed");
        assert_eq!(k.layer.state(id), Some(TxState::Accepted));
        k.run_until(ms(40_000));
        assert_eq!(
            k.events(),
            vec![TuEvent::Terminated { id }],
            "Timer L, acked: no timeout"
        );
    }

    #[test]
    fn accepted_without_ack_times_out_by_timer_l() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Invite, BRANCH, false);
        k.events();
        k.clock = ms(1000);
        k.layer
            .respond(id, 200, reply(b"200", false), k.clock)
            .unwrap();
        k.sends();
        let mut expected = vec![1500, 2500, 4500];
        while *expected.last().unwrap() + 4000 < 33_000 {
            expected.push(expected.last().unwrap() + 4000);
        }
        assert_eq!(k.run_until(ms(40_000)), expected);
        assert_eq!(k.at_timeout, Some(ms(33_000)));
        assert_eq!(
            k.events(),
            vec![TuEvent::Timeout { id }, TuEvent::Terminated { id }]
        );
        // The ACK that comes too late matches nothing and still reaches the TU.
        assert_eq!(ack(&mut k, "z9hG4bKack1"), Dispatch::Ack);
        assert!(matches!(
            &k.events()[..],
            [TuEvent::Ack { invite: None, .. }]
        ));
    }

    #[test]
    fn reliable_2xx_is_sent_once_and_further_2xx_go_out_too() {
        let mut k = Kit::new();
        let id = k.incoming(Method::Invite, BRANCH, true);
        k.layer
            .respond(id, 200, reply(b"200a", true), k.clock)
            .unwrap();
        k.layer
            .respond(id, 200, reply(b"200b", true), k.clock)
            .unwrap();
        assert_eq!(
            k.layer.respond(id, 486, reply(b"486", true), k.clock),
            Err(TxError::AlreadyFinal)
        );
        assert_eq!(k.sent_bodies(), vec![b"200a".to_vec(), b"200b".to_vec()]);
        assert_eq!(k.layer.deadline(), Some(ms(32_000)), "Timer L only");
    }
}
