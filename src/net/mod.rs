//! Thin adapters, one per way in: the phone listeners (SCCP, TFTP, HTTP provisioning, the
//! service pages; SIP joins them), the control socket and the console. They own sockets,
//! terminals and per-connection tasks, translate bytes to typed inputs and back, and make no
//! domain decisions. They reach the engine through `actor::EngineHandle`.

pub mod console;
pub mod control;
pub mod http_em;
pub mod http_prov;
pub mod phone_push;
pub mod provision;
pub mod sccp;
pub mod stats;
pub mod tftp;
