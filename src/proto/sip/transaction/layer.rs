//! The [`Layer`]: owns every transaction, routes inbound messages to them (§17.1.3, §17.2.3),
//! runs their timers from one queue, and collects what they send and report.
//!
//! Timers: each transaction has at most one pending deadline (the earliest of its timers).
//! The layer keeps a min-heap of (deadline, id) and pushes an entry whenever a transaction's
//! deadline changes; superseded entries stay in the heap and are skipped when they come up
//! (the transaction's deadline no longer equals them). Stale entries are popped off the top
//! after every call, so [`Layer::deadline`] is exact; the heap is rebuilt from the live
//! transactions when stale entries outnumber them, which bounds it at a few entries per
//! transaction.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};

use super::ack::{AckParts, AckTemplate};
use super::ict::{Ict, IctState};
use super::ist::{Ist, IstState};
use super::key::{AckKey, TxKey};
use super::nict::{Nict, NictState};
use super::nist::{Nist, NistState};
use super::types::{
    Dispatch, Inbound, Method, Outbound, Peer, Sink, Timers, Transmit, TuEvent, TxError, TxId,
};
use crate::small_str::SmallStr;
use crate::time::Mono;

/// The state of a live transaction, for `show` and tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TxState {
    /// NICT waiting (Trying), NIST before any response (Trying).
    Trying,
    /// ICT sent the INVITE, nothing heard.
    Calling,
    /// Any machine after a provisional.
    Proceeding,
    /// After a final response (non-2xx for INVITE).
    Completed,
    /// IST: the ACK for a non-2xx came.
    Confirmed,
    /// ICT or IST after a 2xx (RFC 6026).
    Accepted,
}

#[derive(Debug)]
enum Machine {
    Nict(Nict),
    Ict(Ict),
    Nist(Nist),
    Ist(Ist),
}

impl Machine {
    fn deadline(&self) -> Option<Mono> {
        match self {
            Machine::Nict(m) => m.deadline(),
            Machine::Ict(m) => m.deadline(),
            Machine::Nist(m) => m.deadline(),
            Machine::Ist(m) => m.deadline(),
        }
    }

    fn state(&self) -> TxState {
        match self {
            Machine::Nict(m) => match m.state {
                NictState::Trying => TxState::Trying,
                NictState::Proceeding => TxState::Proceeding,
                NictState::Completed => TxState::Completed,
            },
            Machine::Ict(m) => match m.state {
                IctState::Calling => TxState::Calling,
                IctState::Proceeding => TxState::Proceeding,
                IctState::Completed => TxState::Completed,
                IctState::Accepted => TxState::Accepted,
            },
            Machine::Nist(m) => match m.state {
                NistState::Trying => TxState::Trying,
                NistState::Proceeding => TxState::Proceeding,
                NistState::Completed => TxState::Completed,
            },
            Machine::Ist(m) => match m.state {
                IstState::Proceeding => TxState::Proceeding,
                IstState::Completed => TxState::Completed,
                IstState::Confirmed => TxState::Confirmed,
                IstState::Accepted => TxState::Accepted,
            },
        }
    }

    fn is_client(&self) -> bool {
        matches!(self, Machine::Nict(_) | Machine::Ict(_))
    }
}

#[derive(Debug)]
struct Entry {
    key: TxKey,
    /// ISTs only: how the ACK for a 2xx finds them.
    ack_key: Option<AckKey>,
    machine: Machine,
}

/// All transactions of one SIP endpoint.
#[derive(Debug)]
pub struct Layer {
    timers: Timers,
    next_id: u64,
    txs: HashMap<TxId, Entry>,
    clients: HashMap<TxKey, TxId>,
    servers: HashMap<TxKey, TxId>,
    invites: HashMap<AckKey, TxId>,
    heap: BinaryHeap<Reverse<(Mono, TxId)>>,
    out: VecDeque<Transmit>,
    events: VecDeque<TuEvent>,
}

impl Default for Layer {
    fn default() -> Layer {
        Layer::new(Timers::default())
    }
}

impl Layer {
    /// An empty layer with these timer values.
    pub fn new(timers: Timers) -> Layer {
        Layer {
            timers,
            next_id: 1,
            txs: HashMap::new(),
            clients: HashMap::new(),
            servers: HashMap::new(),
            invites: HashMap::new(),
            heap: BinaryHeap::new(),
            out: VecDeque::new(),
            events: VecDeque::new(),
        }
    }

    /// How many transactions are alive.
    pub fn len(&self) -> usize {
        self.txs.len()
    }

    /// Whether no transaction is alive.
    pub fn is_empty(&self) -> bool {
        self.txs.is_empty()
    }

    /// The state of a live transaction.
    pub fn state(&self, id: TxId) -> Option<TxState> {
        self.txs.get(&id).map(|e| e.machine.state())
    }

    /// A request from the transport, `from` the packet's source. A new request creates a
    /// server transaction (reported as [`TuEvent::Request`]); a retransmission or an ACK
    /// for a non-2xx goes to its transaction; an ACK for a 2xx goes to the TU.
    pub fn on_request(&mut self, msg: Inbound, from: Peer, reliable: bool, now: Mono) -> Dispatch {
        let key = TxKey::server(&msg);
        if let Some(&id) = self.servers.get(&key) {
            self.drive(id, |m, t, sink| match m {
                Machine::Nist(n) => n.on_request(sink),
                Machine::Ist(i) => i.on_request(msg, from, t, now, sink),
                _ => {}
            });
            return Dispatch::Matched(id);
        }
        if msg.method == Method::Ack {
            // An ACK never creates a transaction (§17.2.3 note; RFC 6026 §8.7). One for a 2xx
            // has a new branch; find the Accepted INVITE by Call-ID, From tag and CSeq.
            let invite = self.invites.get(&AckKey::of(&msg)).copied().filter(|id| {
                self.txs.get(id).map(|e| e.machine.state()) == Some(TxState::Accepted)
            });
            if let Some(id) = invite {
                self.drive(id, |m, t, sink| {
                    if let Machine::Ist(i) = m {
                        i.on_request(msg, from, t, now, sink);
                    }
                });
                return Dispatch::Matched(id);
            }
            self.events.push_back(TuEvent::Ack {
                invite: None,
                msg,
                from,
            });
            return Dispatch::Ack;
        }
        let id = self.new_id();
        let cancels = match msg.method {
            Method::Cancel => self.servers.get(&key.invite()).copied(),
            _ => None,
        };
        let (machine, ack_key) = if msg.method == Method::Invite {
            let ist = Ist::start(&msg, from, reliable, &self.timers, now);
            let ack_key = AckKey::of(&msg);
            self.invites.insert(ack_key.clone(), id);
            (Machine::Ist(ist), Some(ack_key))
        } else {
            (Machine::Nist(Nist::start(&self.timers, now)), None)
        };
        self.servers.insert(key.clone(), id);
        self.insert(id, key, ack_key, machine);
        self.events.push_back(TuEvent::Request {
            id,
            msg,
            from,
            reliable,
            cancels,
        });
        Dispatch::New(id)
    }

    /// A response from the transport. It goes to the client transaction of its top Via
    /// branch and CSeq method (§17.1.3), or to the TU as [`TuEvent::StrayResponse`].
    pub fn on_response(&mut self, msg: Inbound, from: Peer, now: Mono) -> Dispatch {
        let key = TxKey::client(&msg.branch, &msg.method);
        let Some(&id) = self.clients.get(&key) else {
            self.events.push_back(TuEvent::StrayResponse { msg, from });
            return Dispatch::Stray;
        };
        self.drive(id, |m, t, sink| match m {
            Machine::Nict(n) => n.on_response(msg, t, now, sink),
            Machine::Ict(i) => i.on_response(msg, t, now, sink),
            _ => {}
        });
        Dispatch::Matched(id)
    }

    /// Starts a non-INVITE client transaction for `out`, whose top Via has `branch` (with the
    /// cookie, unique per transaction; §8.1.1.7). A CANCEL uses its INVITE's branch.
    pub fn send_request(
        &mut self,
        method: Method,
        branch: SmallStr,
        out: Outbound,
        now: Mono,
    ) -> Result<TxId, TxError> {
        match method {
            Method::Invite => return Err(TxError::WrongMethod("INVITE")),
            Method::Ack => return Err(TxError::WrongMethod("ACK")),
            _ => {}
        }
        let key = self.free_client_key(branch, method)?;
        Ok(self.start_client(key, |t, sink| Machine::Nict(Nict::start(out, t, now, sink))))
    }

    /// Starts an INVITE client transaction; `ack` holds what its ACK for a 3xx–6xx copies
    /// from the INVITE (§17.1.1.3).
    pub fn send_invite(
        &mut self,
        branch: SmallStr,
        out: Outbound,
        ack: &AckParts,
        now: Mono,
    ) -> Result<TxId, TxError> {
        let key = self.free_client_key(branch, Method::Invite)?;
        let template = AckTemplate::new(ack);
        Ok(self.start_client(key, |t, sink| {
            Machine::Ict(Ict::start(out, template, t, now, sink))
        }))
    }

    /// Sends a message outside any transaction: the ACK for a 2xx (§13.2.2.4), a stateless
    /// response.
    pub fn send_stateless(&mut self, out: Outbound) {
        self.out.push_back(Transmit { tx: None, out });
    }

    /// The TU's response `out` with code `status` on server transaction `id`.
    pub fn respond(
        &mut self,
        id: TxId,
        status: u16,
        out: Outbound,
        now: Mono,
    ) -> Result<(), TxError> {
        if !(100..=699).contains(&status) {
            return Err(TxError::BadStatus(status));
        }
        self.drive(id, |m, t, sink| match m {
            Machine::Nist(n) => n.respond(status, out, t, now, sink),
            Machine::Ist(i) => i.respond(status, out, t, now, sink),
            _ => Err(TxError::NotServer(id)),
        })
        .unwrap_or(Err(TxError::NoTransaction(id)))
    }

    /// Answers server transaction `id` with `out` once, outside its state machine, and ends
    /// it: for a request refused before it could matter (a stranger's INVITE), which then
    /// holds no state and whose answer is not retransmitted — a retransmission of the
    /// request is decided again, as by a stateless UAS (RFC 3261 §8.2.7). A refusal costs
    /// the sender one datagram for each it sent: no amplification, no table to fill.
    pub fn respond_and_forget(&mut self, id: TxId, out: Outbound) {
        self.drive(id, |_, _, sink| sink.terminate());
        self.out.push_back(Transmit { tx: None, out });
    }

    /// The transport could not send for transaction `id`: the TU is told and the transaction
    /// ends (§17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2: "the transaction SHOULD ... inform the TU
    /// ... and move to the Terminated state").
    pub fn transport_error(&mut self, id: TxId) {
        self.drive(id, |_, _, sink| {
            sink.events.push_back(TuEvent::TransportError { id });
            sink.terminate();
        });
    }

    /// Time passes: fires every timer due at `now`.
    pub fn on_timeout(&mut self, now: Mono) {
        while let Some(&Reverse((at, id))) = self.heap.peek() {
            if at > now {
                break;
            }
            self.heap.pop();
            let live = self.txs.get(&id).and_then(|e| e.machine.deadline());
            if live != Some(at) {
                continue; // superseded, or the transaction is gone
            }
            self.drive(id, |m, t, sink| match m {
                Machine::Nict(n) => n.on_timer(t, now, sink),
                Machine::Ict(i) => i.on_timer(now, sink),
                Machine::Nist(n) => n.on_timer(now, sink),
                Machine::Ist(i) => i.on_timer(t, now, sink),
            });
        }
        self.prune();
    }

    /// Pops superseded entries off the top of the heap, so that its top is a live deadline.
    fn prune(&mut self) {
        while let Some(&Reverse((at, id))) = self.heap.peek() {
            if self.txs.get(&id).and_then(|e| e.machine.deadline()) == Some(at) {
                break;
            }
            self.heap.pop();
        }
    }

    /// When [`Layer::on_timeout`] must run next.
    pub fn deadline(&self) -> Option<Mono> {
        self.heap.peek().map(|Reverse((at, _))| *at)
    }

    /// The next message to send. Drained queues give their memory back: a registration
    /// burst should not leave its queue capacity behind.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        let t = self.out.pop_front();
        if t.is_none() && self.out.capacity() > 64 {
            self.out = VecDeque::new();
        }
        t
    }

    /// The next event for the TU.
    pub fn poll_event(&mut self) -> Option<TuEvent> {
        let e = self.events.pop_front();
        if e.is_none() && self.events.capacity() > 64 {
            self.events = VecDeque::new();
        }
        e
    }

    fn new_id(&mut self) -> TxId {
        let id = TxId(self.next_id);
        self.next_id += 1;
        id
    }

    fn free_client_key(&self, branch: SmallStr, method: Method) -> Result<TxKey, TxError> {
        let key = TxKey::client(&branch, &method);
        if self.clients.contains_key(&key) {
            return Err(TxError::Exists(branch));
        }
        Ok(key)
    }

    fn start_client(
        &mut self,
        key: TxKey,
        start: impl FnOnce(&Timers, &mut Sink) -> Machine,
    ) -> TxId {
        let id = self.new_id();
        let mut sink = Sink {
            id,
            out: &mut self.out,
            events: &mut self.events,
            terminated: false,
        };
        let machine = start(&self.timers, &mut sink);
        self.clients.insert(key.clone(), id);
        self.insert(id, key, None, machine);
        id
    }

    fn insert(&mut self, id: TxId, key: TxKey, ack_key: Option<AckKey>, machine: Machine) {
        let at = machine.deadline();
        self.txs.insert(
            id,
            Entry {
                key,
                ack_key,
                machine,
            },
        );
        if let Some(at) = at {
            self.schedule(at, id);
        }
    }

    /// Runs `f` on transaction `id` (`None` if there is none), then reschedules or removes
    /// it.
    fn drive<R>(
        &mut self,
        id: TxId,
        f: impl FnOnce(&mut Machine, &Timers, &mut Sink) -> R,
    ) -> Option<R> {
        let entry = self.txs.get_mut(&id)?;
        let before = entry.machine.deadline();
        let mut sink = Sink {
            id,
            out: &mut self.out,
            events: &mut self.events,
            terminated: false,
        };
        let r = f(&mut entry.machine, &self.timers, &mut sink);
        if sink.terminated {
            self.remove(id);
        } else if let Some(after) = entry.machine.deadline().filter(|&a| Some(a) != before) {
            self.schedule(after, id);
        }
        self.prune();
        Some(r)
    }

    fn schedule(&mut self, at: Mono, id: TxId) {
        self.heap.push(Reverse((at, id)));
        if self.heap.len() > 2 * self.txs.len() + 1024 {
            self.heap = self
                .txs
                .iter()
                .filter_map(|(&id, e)| Some(Reverse((e.machine.deadline()?, id))))
                .collect();
        }
    }

    fn remove(&mut self, id: TxId) {
        let Some(entry) = self.txs.remove(&id) else {
            return;
        };
        let index = if entry.machine.is_client() {
            &mut self.clients
        } else {
            &mut self.servers
        };
        index.remove(&entry.key);
        if let Some(k) = entry.ack_key
            && self.invites.get(&k) == Some(&id)
        {
            self.invites.remove(&k);
        }
        self.events.push_back(TuEvent::Terminated { id });
    }
}
