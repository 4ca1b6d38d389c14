//! The IOS command language: grammar, matching, help, completion, and the command sessions
//! that run lines against the configuration. Pure except `repl.rs` (the terminal) and
//! `control.rs` (the control socket).
pub mod control;
pub mod dsl;
pub mod exec;
pub mod graph;
pub mod handler;
pub mod matcher;
pub mod render;
pub mod repl;
pub mod startup;
pub mod token;
pub mod words;
