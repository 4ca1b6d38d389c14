//! cmed: what Cisco Unified CME does for a small office — IOS configuration, SCCP (and SIP)
//! phones, TFTP provisioning and Extension Mobility — as one daemon.
//!
//! Layers, each importing only those before it (ARCHITECTURE.md §2; `.ci/run` checks it):
//! - leaf: [`ids`], [`time`], [`small_str`], [`leg`] (the protocol-neutral phone vocabulary),
//!   [`civil`], [`debug`], [`digest`] (server-side SIP/HTTP digest), [`media`] (codecs,
//!   RTP addresses and directions, in no protocol's words);
//! - [`grammar`]: the IOS command language and its matcher;
//! - [`config`]: the configuration model, the startup-config reader and the renderer;
//! - [`proto`]: sans-IO protocols (SCCP, TFTP, and SIP's parser, transactions and SDP in
//!   `proto::sip`), leaf imports only;
//! - [`store`]: durable state behind a trait;
//! - [`engine`]: the single owner of mutable state, `handle(Input, Now) -> Vec<Effect>`
//!   (SIP registrar decisions, calls and the dial-peer matcher go here);
//! - [`files`]: phone configuration files and service pages, generated;
//! - [`cli`]: command sessions and `show` renderers, above the engine;
//! - [`actor`]: the tokio loop that feeds the engine and carries out its effects;
//! - [`net`]: thin tokio adapters, one per listener;
//! - [`daemon`]: the composition root; [`sim`]: simulated phones for tests and load;
//!   [`fuzzing`]: the fuzz targets' bodies, above everything (nothing imports it).
//!
//! `proto`, `config`, `files`, `engine` and `grammar` use no tokio and read no clock.
pub mod actor;
pub mod civil;
pub mod cli;
pub mod config;
pub mod daemon;
pub mod debug;
pub mod digest;
pub mod engine;
pub mod files;
pub mod fuzzing;
pub mod grammar;
pub mod ids;
pub mod leg;
pub mod media;
pub mod net;
pub mod proto;
pub mod sim;
pub mod small_str;
pub mod store;
pub mod time;
