//! Sans-IO protocol code: bytes and time in, messages, events and deadlines out.

pub mod tftp;
