//! The sending side of one read request: OACK, DATA blocks, ACKs, retransmission.
//!
//! Sans-IO: the adapter feeds file bytes ([`Sender::push`], [`Sender::finish`]), datagrams
//! from the client's TID ([`Sender::on_datagram`]) and timer expiries ([`Sender::on_timeout`]),
//! and drains datagrams with [`Sender::poll_transmit`]. Time is a `Duration` since an epoch of
//! the adapter's choosing; nothing here reads a clock, a socket or a file. Checking the source
//! address of datagrams (and answering strangers with ERROR 5) is the adapter's job.
//!
//! With a non-empty OACK, the OACK goes first and DATA 1 waits for ACK 0 (RFC 2347: "If the
//! transfer was initiated with a Read Request, then an ACK (with the data block number set to
//! 0) is sent by the client to confirm the values in the server's OACK packet").
//!
//! Flow control (RFC 7440 §4, paraphrased): up to `windowsize` blocks beyond the last
//! acknowledged one are sent, then the sender waits. The receiver acknowledges the last block
//! it received in sequence; an ACK of block n acknowledges everything up to n, and if blocks
//! after n had been sent the sender goes back and resends from n+1. With windowsize 1 this is
//! RFC 1350 lock-step.
//!
//! Duplicate ACKs never cause a retransmission (RFC 1123 §4.2.3.1: the sender "must never
//! resend the current DATA packet on receipt of a duplicate ACK"; answering duplicates is the
//! "Sorcerer's Apprentice" bug, which sends every later block twice), with one
//! exception for windowsize > 1: when the first block of a window is lost, an RFC 7440
//! receiver can only say so by acknowledging the last block it has in sequence, i.e. by
//! repeating the previous ACK. Such a repeat rewinds to the block after it, but only once per
//! acknowledged block (a receiver may repeat its ACK for every out-of-order block), not after
//! a timeout already resent that window, and not when any block that ACK covered was sent more
//! than once (then the repeat may just be the receiver's answer to our own duplicate, and
//! answering it is exactly the Apprentice loop). Everything else waits for the timer.
//!
//! Retransmission: on timeout the OACK, or every unacknowledged block from the oldest, is
//! sent again and the timeout doubles, up to 8 times the negotiated one. After `max_retries`
//! consecutive timeouts without progress the transfer fails, except when only the final block
//! is unacknowledged: some clients never ACK it (servers such as tftp-hpa and dnsmasq do not
//! treat that as an error), so the transfer ends as `Done { confirmed: false }`.
//!
//! Block numbers are counted in a u64 and sent modulo 2^16, so block 65535 is followed by
//! block 0 (the tftp-hpa default "rollover"). An incoming ACK is mapped back by searching the
//! range from the last acknowledged block to the highest block sent, which never exceeds
//! 65536 numbers because windowsize is at most 65535.

use std::collections::VecDeque;
use std::time::Duration;

use super::options::{MAX_BLKSIZE, MIN_BLKSIZE, Negotiated};
use super::packet::{self, Mode, Packet};

/// The retransmission timeout stops doubling at this multiple of the negotiated timeout.
const MAX_BACKOFF: u32 = 8;
/// Opcode and block number in front of every DATA payload.
const HEADER: usize = 4;

/// Why a transfer failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// `max_retries` consecutive timeouts without progress.
    TimedOut,
    /// The client sent an ERROR (for instance 8, refusing our OACK). It gets no reply.
    Peer {
        /// The client's error code.
        code: u16,
        /// The client's error text.
        message: String,
    },
}

/// Where a transfer stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    /// Still sending or waiting for ACKs.
    Active,
    /// The whole file was sent; `confirmed` is false when the last ACK never came.
    Done {
        /// Whether the client acknowledged the final block.
        confirmed: bool,
    },
    /// The transfer was abandoned.
    Failed(Failure),
}

#[derive(Debug)]
enum Phase {
    /// The OACK is due (`due`) or sent `sends` times; waiting for ACK 0.
    Oack { due: bool, sends: u32 },
    /// Sending DATA.
    Data,
    /// Finished: `State::Done` or `State::Failed`.
    Over(State),
}

/// One DATA datagram, header included, and how often it has been sent.
#[derive(Debug)]
struct Block {
    dgram: Vec<u8>,
    sends: u32,
}

impl Block {
    fn payload_len(&self) -> usize {
        self.dgram.len() - HEADER
    }
}

/// Sender state machine for one RRQ.
#[derive(Debug)]
pub struct Sender {
    oack: Vec<(String, String)>,
    blksize: usize,
    windowsize: u64,
    netascii: bool,
    base_timeout: Duration,
    rto: Duration,
    max_retries: u32,
    retries: u32,
    phase: Phase,
    /// Blocks `acked + 1 ..= acked + queue.len()`: sent but unacknowledged, then unsent ones;
    /// the last may be partial while more bytes can come.
    queue: VecDeque<Block>,
    /// Buffers of acknowledged blocks, reused for new ones.
    spare: Vec<Vec<u8>>,
    acked: u64,
    next: u64,
    highest_sent: u64,
    final_block: Option<u64>,
    /// The latest `now` seen; `push` and `poll_transmit` carry no time of their own.
    clock: Duration,
    deadline: Option<Duration>,
    /// A retransmission from `acked + 1` already happened without new progress.
    rewound: bool,
    /// Some block covered by the latest progress ACK (or the OACK) was sent more than once.
    echo_possible: bool,
    bytes_sent: u64,
}

impl Sender {
    /// A sender for a negotiated transfer. `Mode::Mail` (refused by callers) is converted like
    /// netascii. Out-of-range `blksize` and `windowsize` are clamped into 8..=65464 and 1..=65535.
    pub fn new(neg: Negotiated, mode: Mode, now: Duration) -> Sender {
        let phase = if neg.oack.is_empty() {
            Phase::Data
        } else {
            Phase::Oack {
                due: true,
                sends: 0,
            }
        };
        Sender {
            oack: neg.oack,
            blksize: neg
                .blksize
                .clamp(usize::from(MIN_BLKSIZE), usize::from(MAX_BLKSIZE)),
            windowsize: neg.windowsize.clamp(1, 65535) as u64,
            netascii: mode != Mode::Octet,
            base_timeout: neg.timeout,
            rto: neg.timeout,
            max_retries: neg.max_retries,
            retries: 0,
            phase,
            queue: VecDeque::new(),
            spare: Vec::new(),
            acked: 0,
            next: 1,
            highest_sent: 0,
            final_block: None,
            clock: now,
            deadline: None,
            rewound: false,
            echo_possible: false,
            bytes_sent: 0,
        }
    }

    /// True while the sender has room for more source bytes (it keeps at most the current
    /// window, i.e. `windowsize` blocks of `blksize`, buffered plus one partial block).
    pub fn wants_data(&self) -> bool {
        self.active() && self.final_block.is_none() && (self.full_blocks() as u64) < self.windowsize
    }

    /// Feeds the next bytes of the file (any length; more than [`Sender::wants_data`] asked
    /// for is buffered too). In netascii mode they are converted on the fly, per byte and
    /// without state, so chunk boundaries do not matter: LF becomes CR LF and CR becomes
    /// CR NUL (RFC 1350 defines netascii by the Telnet NVT rules of RFC 764). Ignored after
    /// [`Sender::finish`] or the end.
    pub fn push(&mut self, bytes: &[u8]) {
        if !self.active() || self.final_block.is_some() {
            return;
        }
        if !self.netascii {
            return self.append(bytes);
        }
        let mut rest = bytes;
        while let Some(i) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.append(&rest[..i]);
            self.append(if rest[i] == b'\n' { b"\r\n" } else { b"\r\0" });
            rest = &rest[i + 1..];
        }
        self.append(rest);
    }

    /// The file has no more bytes. The last block is the one shorter than blksize, so a file
    /// whose length is a multiple of blksize (or empty) ends with an empty DATA (RFC 1350 §6).
    pub fn finish(&mut self) {
        if !self.active() || self.final_block.is_some() {
            return;
        }
        if self
            .queue
            .back()
            .is_none_or(|b| b.payload_len() == self.blksize)
        {
            self.new_block();
        }
        self.final_block = Some(self.acked + self.queue.len() as u64);
    }

    /// Writes the next datagram to send into `out` and returns true, or returns false when
    /// nothing is due now. Call until false after every event (including `push`/`finish`).
    /// When nothing was awaiting an answer, sending arms the deadline relative to the latest
    /// `now` this sender was given, as `push` and this call carry no time.
    pub fn poll_transmit(&mut self, out: &mut Vec<u8>) -> bool {
        let limit = self.send_limit();
        match &mut self.phase {
            Phase::Oack { due, sends } if *due => {
                *due = false;
                *sends += 1;
                packet::encode_oack(&self.oack, out);
            }
            Phase::Data if self.next <= limit => {
                let block = &mut self.queue[(self.next - self.acked - 1) as usize];
                out.clear();
                out.extend_from_slice(&block.dgram);
                block.sends += 1;
                if block.sends == 1 {
                    self.bytes_sent += block.payload_len() as u64;
                }
                self.highest_sent = self.highest_sent.max(self.next);
                self.next += 1;
            }
            _ => return false,
        }
        if self.deadline.is_none() {
            self.deadline = Some(self.clock + self.rto);
        }
        true
    }

    /// A datagram from the client's TID. Malformed datagrams, requests, DATA and OACK are
    /// ignored; an ERROR ends the transfer without reply.
    pub fn on_datagram(&mut self, bytes: &[u8], now: Duration) {
        self.clock = self.clock.max(now);
        match packet::parse(bytes) {
            Ok(Packet::Error { code, message }) if self.active() => {
                self.end(State::Failed(Failure::Peer { code, message }));
            }
            Ok(Packet::Ack(n)) => self.on_ack(n, now),
            _ => {}
        }
    }

    /// Call when `now >= deadline()`; earlier calls are ignored.
    pub fn on_timeout(&mut self, now: Duration) {
        self.clock = self.clock.max(now);
        if self.deadline.is_none_or(|d| now < d) {
            return;
        }
        let in_flight = match self.phase {
            Phase::Oack { .. } => true,
            Phase::Data => self.highest_sent > self.acked,
            Phase::Over(_) => false,
        };
        if !in_flight {
            self.deadline = None;
            return;
        }
        if self.retries >= self.max_retries {
            let last_only = self.final_block == Some(self.acked + 1);
            return self.end(if matches!(self.phase, Phase::Data) && last_only {
                State::Done { confirmed: false }
            } else {
                State::Failed(Failure::TimedOut)
            });
        }
        self.retries += 1;
        let cap = self.base_timeout.saturating_mul(MAX_BACKOFF);
        self.rto = self.rto.saturating_mul(2).min(cap);
        match &mut self.phase {
            Phase::Oack { due, .. } => *due = true,
            _ => {
                self.next = self.acked + 1;
                self.rewound = true;
            }
        }
        self.deadline = Some(now + self.rto);
    }

    /// When [`Sender::on_timeout`] is due, if anything is awaiting an answer.
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// Where the transfer stands.
    pub fn state(&self) -> State {
        match &self.phase {
            Phase::Over(state) => state.clone(),
            _ => State::Active,
        }
    }

    /// Payload bytes sent, counting first transmissions only.
    pub fn bytes_sent(&self) -> u64 {
        self.bytes_sent
    }

    fn active(&self) -> bool {
        !matches!(self.phase, Phase::Over(_))
    }

    fn end(&mut self, state: State) {
        self.phase = Phase::Over(state);
        self.deadline = None;
        self.queue = VecDeque::new();
        self.spare = Vec::new();
    }

    /// Buffered blocks that are complete: all but a trailing partial one, until `finish`.
    fn full_blocks(&self) -> usize {
        let partial = self
            .queue
            .back()
            .is_some_and(|b| b.payload_len() < self.blksize);
        self.queue.len() - usize::from(partial && self.final_block.is_none())
    }

    /// The highest block number that may be sent now.
    fn send_limit(&self) -> u64 {
        let ready = self
            .final_block
            .unwrap_or(self.acked + self.full_blocks() as u64);
        ready.min(self.acked + self.windowsize)
    }

    fn new_block(&mut self) {
        let number = self.acked + self.queue.len() as u64 + 1;
        let mut dgram = self
            .spare
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(HEADER + self.blksize));
        packet::encode_data(number as u16, &[], &mut dgram);
        self.queue.push_back(Block { dgram, sends: 0 });
    }

    fn append(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            if self
                .queue
                .back()
                .is_none_or(|b| b.payload_len() == self.blksize)
            {
                self.new_block();
            }
            let last = self.queue.len() - 1;
            let block = &mut self.queue[last];
            let n = (self.blksize - block.payload_len()).min(bytes.len());
            block.dgram.extend_from_slice(&bytes[..n]);
            bytes = &bytes[n..];
        }
    }

    fn on_ack(&mut self, n: u16, now: Duration) {
        match self.phase {
            // RFC 2347: for a RRQ the client acknowledges the OACK with ACK 0.
            Phase::Oack { sends, .. } if n == 0 => {
                self.phase = Phase::Data;
                self.echo_possible = sends > 1;
                self.retries = 0;
                self.rto = self.base_timeout;
                self.deadline = None;
            }
            Phase::Data => self.on_data_ack(n, now),
            _ => {}
        }
    }

    fn on_data_ack(&mut self, n: u16, now: Duration) {
        let offset = u64::from(n.wrapping_sub(self.acked as u16));
        let k = self.acked + offset;
        if k > self.highest_sent {
            return; // never sent (or a stale number from before a wrap)
        }
        if offset == 0 {
            // A repeated ACK: see the module comment for the one case that rewinds.
            let window_sent = self.highest_sent > self.acked;
            if self.windowsize > 1 && window_sent && !self.rewound && !self.echo_possible {
                self.next = self.acked + 1;
                self.rewound = true;
                self.deadline = Some(now + self.rto);
            }
            return;
        }
        let mut echo = false;
        for _ in 0..offset {
            if let Some(block) = self.queue.pop_front() {
                echo |= block.sends > 1;
                if self.spare.len() <= self.windowsize as usize {
                    self.spare.push(block.dgram);
                }
            }
        }
        self.acked = k;
        self.echo_possible = echo;
        self.retries = 0;
        self.rto = self.base_timeout;
        if self.final_block == Some(k) {
            return self.end(State::Done { confirmed: true });
        }
        // RFC 7440 §4: the receiver acknowledges the last block it got in sequence, so blocks
        // sent after k are presumed lost (the receiver drops out-of-order blocks): resend them.
        self.rewound = k < self.highest_sent;
        self.next = if self.rewound {
            k + 1
        } else {
            self.next.max(k + 1)
        };
        self.deadline = self.rewound.then_some(now + self.rto);
    }
}

#[cfg(test)]
mod tests {
    //! Timer behaviour; whole-transfer scenarios are in the parent module's tests.
    use super::*;
    use crate::proto::tftp::packet::parse;
    use crate::proto::tftp::testkit::*;

    #[test]
    fn timeout_backoff_then_failure() {
        let mut tx = sender(8, 1, false, &[0; 20]);
        drain(&mut tx);
        tx.on_timeout(s(0)); // before the deadline: nothing
        assert!(drain(&mut tx).is_empty());
        let mut t = s(1);
        for wait in [2, 4, 8, 8, 8] {
            assert_eq!(tx.deadline(), Some(t));
            tx.on_timeout(t);
            assert_eq!(nums(&drain(&mut tx)), vec![1]);
            t += s(wait);
        }
        assert_eq!(tx.deadline(), Some(s(31)));
        tx.on_timeout(s(31));
        assert_eq!(tx.state(), State::Failed(Failure::TimedOut));
        assert_eq!(tx.bytes_sent(), 8);
    }

    #[test]
    fn progress_resets_backoff() {
        let mut tx = sender(8, 1, false, &[0; 20]);
        drain(&mut tx);
        tx.on_timeout(s(1));
        tx.on_timeout(s(3));
        drain(&mut tx);
        ack(&mut tx, 1, s(4));
        assert_eq!(nums(&drain(&mut tx)), vec![2]);
        assert_eq!(tx.deadline(), Some(s(5)));
    }

    #[test]
    fn oack_timeout_resends_oack() {
        let mut tx = sender(8, 1, true, b"x");
        drain(&mut tx);
        tx.on_timeout(s(1));
        assert!(matches!(parse(&drain(&mut tx)[0]), Ok(Packet::Oack(_))));
        for t in [3, 7, 15, 23, 31] {
            tx.on_timeout(s(t));
        }
        assert_eq!(tx.state(), State::Failed(Failure::TimedOut));
    }

    #[test]
    fn final_ack_never_arrives() {
        let mut tx = sender(8, 1, false, &[0; 12]);
        drain(&mut tx);
        ack(&mut tx, 1, s(0));
        drain(&mut tx);
        for t in [1, 3, 7, 15, 23, 31] {
            tx.on_timeout(s(t));
        }
        assert_eq!(tx.state(), State::Done { confirmed: false });
        // Not when an earlier block is still unacknowledged.
        let mut tx = sender(8, 2, false, &[0; 12]);
        assert_eq!(nums(&drain(&mut tx)), vec![1, 2]);
        for t in [1, 3, 7, 15, 23, 31] {
            tx.on_timeout(s(t));
        }
        assert_eq!(tx.state(), State::Failed(Failure::TimedOut));
    }

    #[test]
    fn wants_data_bounds_the_buffer() {
        let mut tx = Sender::new(neg(8, 2, false), Mode::Octet, T0);
        assert!(tx.wants_data());
        tx.push(&[0; 15]);
        assert!(tx.wants_data()); // one full block and a partial one
        tx.push(&[0; 1]);
        assert!(!tx.wants_data());
        assert_eq!(nums(&drain(&mut tx)), vec![1, 2]);
        ack(&mut tx, 2, s(0));
        assert!(tx.wants_data());
        tx.finish();
        assert!(!tx.wants_data());
        assert_eq!(nums(&drain(&mut tx)), vec![3]);
    }
}
