//! A hand clock and message builders for the transaction tests.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use super::{AckParts, Dispatch, Inbound, Layer, Method, Outbound, Peer, Transmit, TuEvent, TxId};
use crate::time::Mono;

pub fn ms(n: u64) -> Mono {
    Mono(Duration::from_millis(n))
}

/// The far end: the phone.
pub fn peer() -> Peer {
    SocketAddr::from((Ipv4Addr::new(10, 0, 0, 2), 5060))
}

/// The branch of the kit's client transactions.
pub const CLIENT_BRANCH: &str = "z9hG4bKclient1";

/// A request summary as the facade would fill it.
pub fn request(method: Method, branch: &str) -> Inbound {
    let bytes = format!(
        "{m} sip:1002@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.2:5060;branch={branch}\r\n\
         From: <sip:1001@10.0.0.1>;tag=caller\r\nTo: <sip:1002@10.0.0.1>\r\n\
         Call-ID: call1\r\nCSeq: 1 {m}\r\nContent-Length: 0\r\n\r\n",
        m = method.as_str()
    );
    Inbound {
        method,
        status: None,
        branch: branch.into(),
        sent_by: "10.0.0.2:5060".into(),
        cseq: 1,
        call_id: "call1".into(),
        from_tag: "caller".into(),
        to_tag: Default::default(),
        request_uri: "sip:1002@10.0.0.1".into(),
        to: "<sip:1002@10.0.0.1>".into(),
        bytes: bytes.into_bytes().into(),
    }
}

/// A response to one of the kit's client transactions.
pub fn response(method: Method, status: u16) -> Inbound {
    Inbound {
        method,
        status: Some(status),
        branch: CLIENT_BRANCH.into(),
        sent_by: "10.0.0.1:5060".into(),
        cseq: 1,
        call_id: "out1".into(),
        from_tag: "us".into(),
        to_tag: "callee".into(),
        request_uri: Default::default(),
        to: "<sip:1002@10.0.0.2>;tag=callee".into(),
        bytes: Arc::from(format!("SIP/2.0 {status} X\r\n\r\n").into_bytes()),
    }
}

/// An encoded response from the TU with body `bytes`, to the phone.
pub fn reply(bytes: &[u8], reliable: bool) -> Outbound {
    Outbound {
        bytes: bytes.into(),
        dest: peer(),
        reliable,
    }
}

/// A layer with default timers, a hand clock, and the events seen while running timers.
pub struct Kit {
    pub layer: Layer,
    pub clock: Mono,
    /// When the first Timeout event came, if one did.
    pub at_timeout: Option<Mono>,
    seen: Vec<TuEvent>,
}

impl Kit {
    pub fn new() -> Kit {
        Kit {
            layer: Layer::default(),
            clock: ms(0),
            at_timeout: None,
            seen: Vec::new(),
        }
    }

    /// Starts a non-INVITE client transaction at the current time.
    pub fn send(&mut self, method: Method, reliable: bool) -> TxId {
        let out = reply(method.as_str().as_bytes(), reliable);
        self.layer
            .send_request(method, CLIENT_BRANCH.into(), out, self.clock)
            .unwrap()
    }

    /// Starts an INVITE client transaction at the current time.
    pub fn invite(&mut self, reliable: bool) -> TxId {
        let parts = AckParts {
            request_uri: "sip:1002@10.0.0.2".into(),
            via: format!("SIP/2.0/UDP 10.0.0.1:5060;branch={CLIENT_BRANCH}").into(),
            from: "<sip:1001@10.0.0.1>;tag=us".into(),
            call_id: "out1".into(),
            cseq: 1,
            route: Vec::new(),
        };
        self.layer
            .send_invite(
                CLIENT_BRANCH.into(),
                reply(b"INVITE", reliable),
                &parts,
                self.clock,
            )
            .unwrap()
    }

    /// A response for the kit's client transaction arrives now.
    pub fn response(&mut self, method: Method, status: u16) -> Dispatch {
        self.layer
            .on_response(response(method, status), peer(), self.clock)
    }

    /// A new request arrives now; returns its server transaction.
    pub fn incoming(&mut self, method: Method, branch: &str, reliable: bool) -> TxId {
        match self
            .layer
            .on_request(request(method, branch), peer(), reliable, self.clock)
        {
            Dispatch::New(id) => id,
            other => panic!("not a new transaction: {other:?}"),
        }
    }

    /// Drains the transmissions.
    pub fn transmits(&mut self) -> Vec<Transmit> {
        std::iter::from_fn(|| self.layer.poll_transmit()).collect()
    }

    /// Drains the transmissions and counts them.
    pub fn sends(&mut self) -> usize {
        self.transmits().len()
    }

    /// Drains the transmissions, giving their bytes.
    pub fn sent_bodies(&mut self) -> Vec<Vec<u8>> {
        self.transmits()
            .into_iter()
            .map(|t| t.out.bytes.to_vec())
            .collect()
    }

    /// The events seen while running timers, then those queued now.
    pub fn events(&mut self) -> Vec<TuEvent> {
        let mut ev = std::mem::take(&mut self.seen);
        ev.extend(std::iter::from_fn(|| self.layer.poll_event()));
        ev
    }

    /// Runs the timers up to and including `end`, as an adapter would: sleep to the
    /// deadline, fire, repeat. Returns when (ms) each transmission went out.
    pub fn run_until(&mut self, end: Mono) -> Vec<u64> {
        let mut times = Vec::new();
        while let Some(d) = self.layer.deadline().filter(|&d| d <= end) {
            // An adapter never sleeps into the past.
            self.clock = self.clock.max(d);
            self.layer.on_timeout(self.clock);
            for _ in self.transmits() {
                times.push(self.clock.0.as_millis() as u64);
            }
            for e in std::iter::from_fn(|| self.layer.poll_event()) {
                if matches!(e, TuEvent::Timeout { .. }) && self.at_timeout.is_none() {
                    self.at_timeout = Some(self.clock);
                }
                self.seen.push(e);
            }
        }
        self.clock = self.clock.max(end);
        times
    }
}
