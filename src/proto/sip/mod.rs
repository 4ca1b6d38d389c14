//! Sans-IO SIP: bytes and time in, messages, events and deadlines out; transactions
//! (RFC 3261 §17) in `transaction`; the message facade, digest and SDP join it.

pub mod transaction;
