//! What the SIP adapter counts for `/metrics`: server transactions started, requests shed
//! past `--sip-max-transactions`, and the transactions live now. Plain atomics the core task
//! bumps; the registrar's own counters (REGISTER outcomes, authentication failures) are the
//! engine's.

use std::sync::atomic::AtomicU64;

/// The counters.
#[derive(Debug, Default)]
pub struct SipCounts {
    /// Server transactions created for new requests (retransmissions are absorbed by theirs).
    pub server_transactions: AtomicU64,
    /// REGISTERs answered without a transaction because the table was full.
    pub stateless_registers: AtomicU64,
    /// Other new requests answered `503` because the table was full.
    pub shed: AtomicU64,
    /// Transactions (server and client) live at the end of the core's last round.
    pub live: AtomicU64,
}
