//! Thin tokio adapters, one per listener. They own sockets and per-connection tasks,
//! translate bytes to protocol types and back, and make no domain decisions.

pub mod http_em;
pub mod http_prov;
pub mod phone_push;
pub mod provision;
pub mod sccp;
pub mod stats;
pub mod tftp;
