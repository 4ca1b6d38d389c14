//! cmed: Extension Mobility for Cisco IP phones, configured like Cisco Unified CME.
//!
//! Layers (see ARCHITECTURE.md): `cli` (the IOS language), `config` (the model), `engine`
//! (the single owner of mutable state), `store` (durable state), `daemon` (tokio glue: the
//! engine actor, control socket, console, signals). Only `daemon`, `cli::control` and
//! `cli::repl` touch tokio or terminals.
pub mod civil;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod debug;
pub mod engine;
pub mod files;
pub mod grammar;
pub mod ids;
pub mod net;
pub mod proto;
pub mod sim;
pub mod small_str;
pub mod store;
