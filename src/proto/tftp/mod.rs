//! TFTP, server side, read requests only (RFC 1350, with RFC 2347 option negotiation,
//! RFC 2348 blksize, RFC 2349 timeout/tsize and RFC 7440 windowsize).
//!
//! The job: decode requests, decide the transfer parameters, and run the sending side of a
//! transfer, so phones can fetch their configuration and firmware files.
//!
//! The boundary: sans-IO. Bytes, file contents and the current time (a `Duration` since an
//! epoch the adapter picks) go in; datagrams to send, a state and a deadline come out. This
//! module never touches a socket, a file or a clock. The adapter owns the sockets (one per
//! transfer, RFC 1350 TIDs), checks the source of every datagram (ERROR 5 to strangers),
//! resolves and validates file names, refuses WRQ and mode `mail`, reads the file, and turns
//! deadlines into timers.
//!
//! - [`packet`]: the datagram codec.
//! - [`options`]: option negotiation for a read request.
//! - [`transfer`]: the [`Sender`] state machine for one read request.

pub mod options;
pub mod packet;
pub mod transfer;

pub use options::{Limits, Negotiated, negotiate};
pub use packet::{ErrorCode, Mode, Packet, PacketError, Request};
pub use transfer::{Failure, Sender, State};

#[cfg(test)]
pub(crate) mod testkit {
    //! A hand-driven client for the [`Sender`] tests: time is whatever the test says.
    use std::time::Duration;

    use super::packet::{Packet, encode_ack, parse};
    use super::{Mode, Negotiated, Sender};

    pub const T0: Duration = Duration::ZERO;

    pub fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    /// Parameters as `negotiate` would produce them; `oack` adds a windowsize OACK.
    pub fn neg(blksize: usize, windowsize: usize, oack: bool) -> Negotiated {
        let oack = if oack {
            vec![("windowsize".into(), windowsize.to_string())]
        } else {
            vec![]
        };
        Negotiated {
            blksize,
            windowsize,
            timeout: s(1),
            tsize: None,
            oack,
            max_retries: 5,
        }
    }

    /// An octet sender holding the whole `file`.
    pub fn sender(blksize: usize, windowsize: usize, oack: bool, file: &[u8]) -> Sender {
        let mut tx = Sender::new(neg(blksize, windowsize, oack), Mode::Octet, T0);
        tx.push(file);
        tx.finish();
        tx
    }

    /// Everything the sender has to send now.
    pub fn drain(tx: &mut Sender) -> Vec<Vec<u8>> {
        let (mut all, mut out) = (Vec::new(), Vec::new());
        while tx.poll_transmit(&mut out) {
            all.push(out.clone());
        }
        all
    }

    /// Block numbers of a batch of DATA datagrams.
    pub fn nums(dgrams: &[Vec<u8>]) -> Vec<u16> {
        dgrams.iter().map(|d| data(d).0).collect()
    }

    /// The payload of a DATA datagram.
    pub fn payload(dgram: &[u8]) -> &[u8] {
        data(dgram).1
    }

    fn data(dgram: &[u8]) -> (u16, &[u8]) {
        match parse(dgram) {
            Ok(Packet::Data { block, data }) => (block, data),
            other => panic!("not DATA: {other:?}"),
        }
    }

    /// The client acknowledges block `n` at `now`.
    pub fn ack(tx: &mut Sender, n: u16, now: Duration) {
        let mut b = Vec::new();
        encode_ack(n, &mut b);
        tx.on_datagram(&b, now);
    }
}

#[cfg(test)]
mod tests {
    //! Whole read transfers: the sender driven by a simulated client, datagram by datagram.
    use super::packet::{ErrorCode, Packet, RequestKind, encode_error, encode_request, parse};
    use super::testkit::*;
    use super::*;

    #[test]
    fn rrq_bytes_to_confirmed_end() {
        let opt = |n: &str, v: &str| (n.to_string(), v.to_string());
        let rrq = Request {
            filename: b"SEP001122334455.cnf.xml".to_vec(),
            mode: Mode::Octet,
            options: vec![
                opt("blksize", "8"),
                opt("rollover", "0"),
                opt("windowsize", "4"),
                opt("tsize", "0"),
            ],
        };
        let mut wire = Vec::new();
        encode_request(RequestKind::Read, &rrq, &mut wire);
        let Ok(Packet::Rrq(req)) = parse(&wire) else {
            panic!("RRQ did not parse")
        };
        let file = b"<device>0123</device>";
        let neg = negotiate(&req, Some(file.len() as u64), &Limits::default());
        let mut tx = Sender::new(neg, req.mode, T0);
        tx.push(file);
        tx.finish();
        let d = drain(&mut tx);
        let want = vec![
            opt("blksize", "8"),
            opt("windowsize", "4"),
            opt("tsize", "21"),
        ];
        assert_eq!(
            d.iter().map(|d| parse(d)).collect::<Vec<_>>(),
            vec![Ok(Packet::Oack(want))]
        );
        ack(&mut tx, 0, s(0));
        let d = drain(&mut tx);
        assert_eq!(nums(&d), vec![1, 2, 3]);
        assert_eq!(
            d.iter()
                .flat_map(|d| payload(d).to_vec())
                .collect::<Vec<_>>(),
            file
        );
        ack(&mut tx, 3, s(0));
        assert_eq!(tx.state(), State::Done { confirmed: true });
        assert_eq!(tx.bytes_sent(), 21);
    }

    #[test]
    fn lock_step_small_file() {
        let file: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        let mut tx = sender(512, 1, false, &file);
        let d = drain(&mut tx);
        assert_eq!((nums(&d), payload(&d[0])), (vec![1], &file[..512]));
        assert_eq!(tx.deadline(), Some(s(1)));
        ack(&mut tx, 1, s(0));
        let d = drain(&mut tx);
        assert_eq!((nums(&d), payload(&d[0])), (vec![2], &file[512..]));
        ack(&mut tx, 2, s(0));
        assert_eq!(tx.state(), State::Done { confirmed: true });
        assert_eq!((tx.deadline(), tx.bytes_sent()), (None, 1000));
        assert!(drain(&mut tx).is_empty());
    }

    #[test]
    fn exact_multiple_ends_with_empty_data() {
        let mut tx = sender(512, 1, false, &[7; 1024]);
        for n in 1..=3u16 {
            let d = drain(&mut tx);
            assert_eq!(nums(&d), vec![n]);
            assert_eq!(payload(&d[0]).len(), if n == 3 { 0 } else { 512 });
            ack(&mut tx, n, s(0));
        }
        assert_eq!(tx.state(), State::Done { confirmed: true });
    }

    #[test]
    fn empty_file_is_one_empty_block() {
        let mut tx = sender(512, 1, false, b"");
        let d = drain(&mut tx);
        assert_eq!((nums(&d), payload(&d[0]).len()), (vec![1], 0));
        ack(&mut tx, 1, s(0));
        assert_eq!(
            (tx.state(), tx.bytes_sent()),
            (State::Done { confirmed: true }, 0)
        );
    }

    #[test]
    fn oack_then_ack0_then_data() {
        let mut tx = sender(512, 1, true, b"hi");
        let d = drain(&mut tx);
        assert_eq!(
            parse(&d[0]),
            Ok(Packet::Oack(vec![("windowsize".into(), "1".into())]))
        );
        assert_eq!(d.len(), 1);
        ack(&mut tx, 1, s(0)); // not an answer to the OACK
        assert!(drain(&mut tx).is_empty());
        ack(&mut tx, 0, s(0));
        assert_eq!(nums(&drain(&mut tx)), vec![1]);
        ack(&mut tx, 0, s(0)); // duplicate ACK 0: ignored
        assert!(drain(&mut tx).is_empty());
        ack(&mut tx, 1, s(0));
        assert_eq!(tx.state(), State::Done { confirmed: true });
    }

    #[test]
    fn error_answering_oack_fails_silently() {
        let mut tx = sender(512, 1, true, b"hi");
        drain(&mut tx);
        let mut e = Vec::new();
        encode_error(ErrorCode::OptionRefused, "no", &mut e);
        tx.on_datagram(&e, s(0));
        let want = Failure::Peer {
            code: 8,
            message: "no".into(),
        };
        assert_eq!(tx.state(), State::Failed(want));
        assert!(drain(&mut tx).is_empty());
        assert_eq!(tx.deadline(), None);
    }

    #[test]
    fn error_during_data_fails() {
        let mut tx = sender(8, 1, false, &[0; 100]);
        drain(&mut tx);
        let mut e = Vec::new();
        encode_error(ErrorCode::DiskFull, "full", &mut e);
        tx.on_datagram(&e, s(0));
        assert!(matches!(
            tx.state(),
            State::Failed(Failure::Peer { code: 3, .. })
        ));
    }

    #[test]
    fn duplicate_or_unknown_acks_do_not_retransmit() {
        let mut tx = sender(8, 1, false, &[0; 100]);
        drain(&mut tx);
        ack(&mut tx, 1, s(0));
        assert_eq!(nums(&drain(&mut tx)), vec![2]);
        ack(&mut tx, 1, s(0));
        ack(&mut tx, 0, s(0));
        ack(&mut tx, 9, s(0)); // never sent
        assert!(drain(&mut tx).is_empty());
        for junk in [
            &b"\0\x09xx"[..],
            b"\0",
            b"\0\x01f\0octet\0",
            b"\0\x03\0\x02abc",
            b"\0\x06",
        ] {
            tx.on_datagram(junk, s(0));
        }
        assert!(drain(&mut tx).is_empty());
        assert_eq!((tx.state(), tx.deadline()), (State::Active, Some(s(1))));
    }

    #[test]
    fn window_of_eight_and_partial_ack() {
        let mut tx = sender(8, 8, true, &[1; 160]); // 20 full blocks and an empty one
        drain(&mut tx);
        ack(&mut tx, 0, s(0));
        assert_eq!(nums(&drain(&mut tx)), (1..=8).collect::<Vec<_>>());
        assert!(drain(&mut tx).is_empty());
        ack(&mut tx, 3, s(0)); // block 4 lost: resend from 4, window slides to 11
        assert_eq!(nums(&drain(&mut tx)), (4..=11).collect::<Vec<_>>());
        ack(&mut tx, 3, s(0)); // the receiver repeats it for later out-of-order blocks
        assert!(drain(&mut tx).is_empty());
        ack(&mut tx, 11, s(0));
        assert_eq!(nums(&drain(&mut tx)), (12..=19).collect::<Vec<_>>());
        ack(&mut tx, 19, s(0));
        assert_eq!(nums(&drain(&mut tx)), vec![20, 21]);
        ack(&mut tx, 21, s(0));
        assert_eq!(tx.state(), State::Done { confirmed: true });
        assert_eq!(tx.bytes_sent(), 160);
    }

    #[test]
    fn window_first_block_lost_repeated_ack_rewinds_once() {
        let mut tx = sender(8, 4, true, &[1; 100]);
        drain(&mut tx);
        ack(&mut tx, 0, s(0));
        assert_eq!(nums(&drain(&mut tx)), vec![1, 2, 3, 4]);
        ack(&mut tx, 0, s(0)); // RFC 7440 receiver lost block 1
        assert_eq!(nums(&drain(&mut tx)), vec![1, 2, 3, 4]);
        ack(&mut tx, 0, s(0));
        assert!(drain(&mut tx).is_empty());
        // Blocks 1..=4 went out twice: a repeat of ACK 4 may echo our duplicate. Ignore it.
        ack(&mut tx, 4, s(0));
        assert_eq!(nums(&drain(&mut tx)), vec![5, 6, 7, 8]);
        ack(&mut tx, 4, s(0));
        assert!(drain(&mut tx).is_empty());
        // Blocks 5..=8 went out once: a repeat of ACK 8 is a loss signal again.
        ack(&mut tx, 8, s(0));
        assert_eq!(nums(&drain(&mut tx)), vec![9, 10, 11, 12]);
        ack(&mut tx, 8, s(0));
        assert_eq!(nums(&drain(&mut tx)), vec![9, 10, 11, 12]);
        // After a timeout resent the window, a repeated ACK is not answered again.
        let mut tx = sender(8, 4, true, &[1; 100]);
        drain(&mut tx);
        ack(&mut tx, 0, s(0));
        assert_eq!(nums(&drain(&mut tx)), vec![1, 2, 3, 4]);
        tx.on_timeout(s(1));
        assert_eq!(nums(&drain(&mut tx)), vec![1, 2, 3, 4]);
        ack(&mut tx, 0, s(1));
        assert!(drain(&mut tx).is_empty());
    }

    #[test]
    fn rollover_past_block_65535() {
        const BLOCKS: usize = 66_000;
        let mut tx = Sender::new(neg(8, 8, false), Mode::Octet, T0);
        let (mut fed, mut seen) = (0, Vec::with_capacity(BLOCKS + 1));
        while tx.state() == State::Active {
            while tx.wants_data() && fed < BLOCKS * 8 {
                tx.push(&[0x5a; 64]);
                fed += 64;
            }
            if fed == BLOCKS * 8 {
                tx.finish();
            }
            let batch = nums(&drain(&mut tx));
            let Some(&last) = batch.last() else { break };
            seen.extend(batch);
            ack(&mut tx, last, s(0));
        }
        assert_eq!(tx.state(), State::Done { confirmed: true });
        assert_eq!(seen.len(), BLOCKS + 1); // the file ends on a block boundary
        assert!(seen.iter().enumerate().all(|(i, &n)| n == (i + 1) as u16));
        assert_eq!(&seen[65533..65537], &[65534, 65535, 0, 1]);
        assert_eq!(tx.bytes_sent(), (BLOCKS * 8) as u64);
    }

    #[test]
    fn netascii_conversion_across_chunks_and_blocks() {
        let mut tx = Sender::new(neg(512, 1, false), Mode::Netascii, T0);
        tx.push(b"a\r");
        tx.push(b"\nb\rc\n");
        tx.finish();
        assert_eq!(payload(&drain(&mut tx)[0]), b"a\r\0\r\nb\r\0c\r\n");
        // LF at the end of a full block: its CR LF straddles the block boundary.
        let mut tx = Sender::new(neg(8, 2, false), Mode::Netascii, T0);
        tx.push(b"1234567\nx");
        tx.finish();
        let d = drain(&mut tx);
        assert_eq!(
            (payload(&d[0]), payload(&d[1])),
            (&b"1234567\r"[..], &b"\nx"[..])
        );
        assert_eq!(tx.bytes_sent(), 10);
    }
}
