//! The IOS command sessions above the engine: running lines (`exec`, with the `show` output
//! filters in `filter`), the console (`repl.rs`,
//! the only file that knows rustyline) and the control socket (`control.rs`). The grammar and
//! matcher are in `crate::grammar`; the startup-config reader and renderer in `crate::config`.
pub mod control;
pub mod exec;
mod filter;
pub mod repl;
