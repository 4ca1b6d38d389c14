//! Sans-IO protocol code: bytes and time in, messages, events and deadlines out.

pub mod sccp;
pub mod tftp;
