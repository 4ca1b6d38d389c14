//! The SIP transaction layer (RFC 3261 §17, with RFC 6026's Accepted state): the four state
//! machines (non-INVITE and INVITE, client and server) and the [`Layer`] that owns them.
//!
//! The job: match messages to transactions, absorb retransmissions, retransmit over
//! unreliable transport, run Timers A–M, ACK non-2xx final responses to our INVITEs and send
//! 100 Trying for INVITEs the TU is slow to answer.
//!
//! The boundary: sans-IO. The parser facade turns a received message into an [`Inbound`]
//! summary (the few fields matching needs, plus the bytes for the TU) and the TU hands down
//! encoded messages as [`Outbound`]; this module parses no SIP (beyond the header-line scan
//! that builds a 100 Trying), and never touches a socket or a clock: `now` is passed in, and
//! out come [`Transmit`]s, [`TuEvent`]s and a deadline. Dialogs, authentication and the
//! choice of responses are the TU's.
//!
//! - [`types`]: the summaries, events, timer values and errors.
//! - [`key`]: transaction identity and matching (§17.1.3, §17.2.3, RFC 2543 fallback).
//! - [`layer`]: the [`Layer`].
//! - `nict`, `ict`, `nist`, `ist`: the machines; `ack`: the non-2xx ACK; `trying`: the
//!   100 Trying.

mod ack;
mod ict;
mod ist;
pub mod key;
pub mod layer;
mod nict;
mod nist;
mod trying;
pub mod types;

#[cfg(test)]
mod testkit;
#[cfg(test)]
mod tests;

pub use ack::AckParts;
pub use key::{COOKIE, TxKey};
pub use layer::{Layer, TxState};
pub use types::{
    Dispatch, Inbound, Method, Outbound, Peer, Timers, Transmit, TuEvent, TxError, TxId,
};
