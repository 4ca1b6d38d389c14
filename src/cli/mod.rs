//! The IOS command sessions above the engine: a session's state (`session`), running a line
//! against the running configuration and the engine's read-only view (`exec`, with the
//! `show` output filters in `filter`), the session's terminal settings and history
//! (`terminal`), the splitting of long output into `--More--` pages (`pager`), the `show`
//! renderers (`shows`), the line editor of a remote terminal (`line_edit`), who may open a
//! vty session (`login`) and the pasted public keys of `key-string` (`key_string`). Pure.
//! The console, the control socket and SSH that carry the lines are adapters in `crate::net`
//! (the console reads the `--More--` keys); the grammar and matcher are in
//! `crate::grammar`; the startup-config reader and renderer in `crate::config`.
pub mod exec;
mod filter;
pub mod key_string;
pub mod line_edit;
pub mod login;
pub mod pager;
pub mod session;
pub mod shows;
pub mod terminal;
