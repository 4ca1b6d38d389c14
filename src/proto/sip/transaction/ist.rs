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
