//! cmed: Extension Mobility for Cisco IP phones, configured like Cisco Unified CME.
pub mod ids;
pub mod store;
