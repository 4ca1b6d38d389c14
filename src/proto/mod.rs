//! Sans-IO protocol code: bytes and time in, messages, events and deadlines out. Imports only
//! the leaf modules (`ids`, `leg`, `small_str`, `civil`): no configuration, no engine. `sccp`
//! and `tftp` are here; `sip` (our facade over the parser crate, digest, RFC 3261
//! transactions and dialogs, SDP) joins them.

pub mod sccp;
pub mod sip;
pub mod tftp;
