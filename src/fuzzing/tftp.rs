//! TFTP: the datagram codec with option negotiation, and the sending side of a transfer
//! against a simulated client.

use std::collections::VecDeque;
use std::time::Duration;

use crate::proto::tftp::options::{DEFAULT_BLKSIZE, MAX_BLKSIZE, MIN_BLKSIZE};
use crate::proto::tftp::packet::{
    RequestKind, encode_ack, encode_data, encode_error, encode_oack, encode_request, parse,
};
use crate::proto::tftp::{ErrorCode, Limits, Mode, Negotiated, Packet, Sender, State, negotiate};

/// The input is one datagram from a client.
///
/// Properties:
/// - whatever parses encodes back (the `encode_*` of its kind) to a datagram that parses to
///   the same packet;
/// - a request's negotiation, under the default limits and tight ones, for a file of unknown,
///   empty, small and huge size, stays in range (blksize 8..=65464 and within the limit, or
///   512 when not negotiated; windowsize 1..=the limit, and within the bytes-in-flight bound
///   unless that leaves less than one block; timeout 1..=255 s), and answers only options the
///   client asked for, once each, in the client's order; the OACK encodes and parses back.
pub fn tftp(data: &[u8]) {
    let Ok(p) = parse(data) else { return };
    let mut out = Vec::new();
    match &p {
        Packet::Rrq(req) | Packet::Wrq(req) => {
            let kind = match p {
                Packet::Rrq(_) => RequestKind::Read,
                _ => RequestKind::Write,
            };
            encode_request(kind, req, &mut out);
            assert_eq!(parse(&out).as_ref(), Ok(&p));
            let tight = Limits {
                max_blksize: 1428,
                max_windowsize: 8,
                max_window_bytes: 4096,
                default_timeout: Duration::from_secs(2),
                max_retries: 3,
            };
            for limits in [Limits::default(), tight] {
                for size in [None, Some(0), Some(1000), Some(u64::MAX)] {
                    let neg = negotiate(req, size, &limits);
                    check_negotiated(req, &neg, &limits);
                }
            }
        }
        Packet::Data { block, data } => {
            encode_data(*block, data, &mut out);
            assert_eq!(parse(&out).as_ref(), Ok(&p));
        }
        Packet::Ack(n) => {
            encode_ack(*n, &mut out);
            assert_eq!(parse(&out).as_ref(), Ok(&p));
        }
        Packet::Error { code, message } => {
            if let Some(c) = error_code(*code) {
                encode_error(c, message, &mut out);
                assert_eq!(parse(&out).as_ref(), Ok(&p));
            }
        }
        Packet::Oack(options) => {
            encode_oack(options, &mut out);
            assert_eq!(parse(&out).as_ref(), Ok(&p));
        }
    }
}

fn error_code(code: u16) -> Option<ErrorCode> {
    use ErrorCode as E;
    [
        E::NotDefined,
        E::FileNotFound,
        E::AccessViolation,
        E::DiskFull,
        E::IllegalOperation,
        E::UnknownTid,
        E::FileExists,
        E::NoSuchUser,
        E::OptionRefused,
    ]
    .into_iter()
    .find(|c| c.code() == code)
}

fn check_negotiated(req: &crate::proto::tftp::Request, neg: &Negotiated, limits: &Limits) {
    let max = usize::from(limits.max_blksize.clamp(MIN_BLKSIZE, MAX_BLKSIZE));
    assert!(
        neg.blksize == DEFAULT_BLKSIZE || (usize::from(MIN_BLKSIZE)..=max).contains(&neg.blksize),
        "blksize {}",
        neg.blksize
    );
    assert!(neg.windowsize >= 1);
    assert!(neg.windowsize <= usize::from(limits.max_windowsize).max(1));
    assert!(
        neg.windowsize == 1 || neg.blksize * neg.windowsize <= limits.max_window_bytes,
        "window {} × {}",
        neg.windowsize,
        neg.blksize
    );
    assert!((1..=255).contains(&neg.timeout.as_secs()) || neg.timeout == limits.default_timeout);
    let mut asked = req.options.iter().map(|(n, _)| n.as_str());
    for (name, value) in &neg.oack {
        assert!(
            asked.any(|n| n.eq_ignore_ascii_case(name)),
            "OACK {name}={value} not asked for, or out of order: {:?}",
            req.options
        );
        assert!(!value.is_empty());
    }
    let mut out = Vec::new();
    encode_oack(&neg.oack, &mut out);
    match parse(&out) {
        Ok(Packet::Oack(o)) => assert_eq!(o, neg.oack),
        other => panic!("our OACK reads back as {other:?}"),
    }
}

/// The file the simulated client fetches: `len` bytes of a text with bare CRs and LFs, so
/// netascii converts something.
fn file(len: usize) -> Vec<u8> {
    const TEXT: &[u8] = b"ab\ncd\re\r\nfg";
    (0..len).map(|i| TEXT[i % TEXT.len()]).collect()
}

/// What netascii puts on the wire for `file` (LF → CR LF, CR → CR NUL, RFC 764).
fn netascii(file: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(file.len() * 2);
    for &b in file {
        match b {
            b'\n' => out.extend_from_slice(b"\r\n"),
            b'\r' => out.extend_from_slice(b"\r\0"),
            b => out.push(b),
        }
    }
    out
}

/// An RFC 1350/7440 client: takes the OACK, takes DATA in sequence, acknowledges the last
/// block it has in sequence after every datagram.
struct Client {
    blksize: usize,
    received: Vec<u8>,
    /// The last block taken in sequence (wire numbering wraps; counted in full here).
    last: u64,
    complete: bool,
}

impl Client {
    /// Takes one datagram from the sender; returns the ACK to send, if any.
    fn take(&mut self, dgram: &[u8], oack: &[(String, String)]) -> Option<Vec<u8>> {
        let mut ack = Vec::new();
        match parse(dgram) {
            Ok(Packet::Oack(o)) => {
                assert_eq!(o, oack, "the OACK is the negotiated one");
                if self.last == 0 {
                    encode_ack(0, &mut ack);
                    return Some(ack);
                }
                None
            }
            Ok(Packet::Data { block, data }) => {
                assert!(
                    data.len() <= self.blksize,
                    "DATA {block} of {} bytes",
                    data.len()
                );
                if !self.complete && block == (self.last + 1) as u16 {
                    self.received.extend_from_slice(data);
                    self.last += 1;
                    self.complete = data.len() < self.blksize;
                }
                encode_ack(self.last as u16, &mut ack);
                Some(ack)
            }
            other => panic!("the sender sent {other:?}"),
        }
    }
}

/// The input chooses a transfer (blksize, windowsize, netascii or octet, with or without an
/// OACK, the file length) and then, byte by byte, what the network does: deliver the next
/// datagram to the client (and its ACK back, or lose the ACK), lose it, let the timer fire, or
/// hand the sender a datagram of the input's own.
///
/// Properties: every datagram the sender sends parses, as the OACK negotiated or as DATA of
/// at most blksize bytes; it never sends more payload than the (converted) file; and when no
/// datagram came from the input itself, the transfer then completes once the network stops
/// losing datagrams, with the client holding exactly the file, or ends as the retry limit
/// says.
pub fn tftp_transfer(data: &[u8]) {
    let [b0, b1, b2, b3, events @ ..] = data else {
        return;
    };
    let blksize = 8 + usize::from(*b0) * 3;
    let windowsize = 1 + usize::from(b1 % 8);
    let mode = if b1 & 0x80 != 0 {
        Mode::Netascii
    } else {
        Mode::Octet
    };
    let oack = if b1 & 0x40 != 0 {
        vec![("windowsize".to_string(), windowsize.to_string())]
    } else {
        Vec::new()
    };
    let content = file(usize::from(u16::from_be_bytes([*b2, *b3]) % 4096));
    let wire = match mode {
        Mode::Octet => content.clone(),
        _ => netascii(&content),
    };
    let neg = Negotiated {
        blksize,
        windowsize,
        timeout: Duration::from_secs(1),
        tsize: None,
        oack: oack.clone(),
        max_retries: 5,
    };
    let mut now = Duration::ZERO;
    let mut tx = Sender::new(neg, mode, now);
    let mut client = Client {
        blksize,
        received: Vec::new(),
        last: 0,
        complete: false,
    };
    let mut fed = 0;
    let mut net: VecDeque<Vec<u8>> = VecDeque::new();
    let mut honest = true;
    let mut steps = events.iter();
    let mut out = Vec::new();
    // The sender's side of one step: file bytes while it wants them, then what it sends.
    let mut pump = |tx: &mut Sender, net: &mut VecDeque<Vec<u8>>| {
        while tx.wants_data() && fed < content.len() {
            let end = (fed + 100).min(content.len());
            tx.push(&content[fed..end]);
            fed = end;
        }
        if fed == content.len() {
            tx.finish();
        }
        let mut burst = 0;
        while tx.poll_transmit(&mut out) {
            net.push_back(out.clone());
            burst += 1;
            assert!(burst <= windowsize + 1, "a burst beyond the window");
        }
        assert!(tx.bytes_sent() <= wire.len() as u64);
    };
    pump(&mut tx, &mut net);
    while let Some(&e) = steps.next() {
        now += Duration::from_millis(u64::from(e >> 3));
        match e % 5 {
            0 | 1 => {
                if let Some(d) = net.pop_front()
                    && let Some(ack) = client.take(&d, &oack)
                    && e % 5 == 0
                {
                    tx.on_datagram(&ack, now);
                }
            }
            2 => {
                net.pop_front();
            }
            3 => {
                if let Some(d) = tx.deadline() {
                    now = now.max(d);
                    tx.on_timeout(now);
                }
            }
            _ => {
                let n = usize::from(*steps.next().unwrap_or(&0) % 8);
                let dgram: Vec<u8> = steps.by_ref().take(n).copied().collect();
                honest = false;
                tx.on_datagram(&dgram, now);
            }
        }
        pump(&mut tx, &mut net);
    }
    // The network stops losing datagrams: everything in flight arrives, the timer fires when
    // nothing is.
    for _ in 0..200_000 {
        if tx.state() != State::Active {
            break;
        }
        if let Some(d) = net.pop_front() {
            if let Some(ack) = client.take(&d, &oack) {
                now += Duration::from_millis(1);
                tx.on_datagram(&ack, now);
            }
        } else if let Some(d) = tx.deadline() {
            now = now.max(d);
            tx.on_timeout(now);
        } else {
            panic!("an active transfer with nothing in flight and no timer");
        }
        pump(&mut tx, &mut net);
    }
    match tx.state() {
        State::Done { confirmed: true } if honest => {
            assert!(client.complete, "done before the client had the last block");
            assert_eq!(client.received, wire, "the client's copy differs");
        }
        State::Active if honest => panic!("the transfer never ends"),
        _ => {}
    }
}
