//! cmed: Extension Mobility for Cisco IP phones, configured like Cisco Unified CME.
pub mod cli;
pub mod config;
pub mod ids;
pub mod store;
