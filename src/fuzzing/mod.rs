//! The bodies of the fuzz targets in `fuzz/fuzz_targets/` (cargo-fuzz, libFuzzer), one
//! `pub fn <target>(data: &[u8])` each, kept in the library so that `tests/fuzz_corpora.rs`
//! replays every committed corpus and crash reproducer through exactly the same code without
//! a fuzzing engine (`FUZZING.md` says how to run them).
//!
//! Each target feeds arbitrary bytes to one parser as the daemon would, must never panic, and
//! checks a property beyond that where the parser has one (decode → encode → decode gives the
//! same value; a configuration that loads renders to one that loads the same); a broken
//! property is an assertion, which libFuzzer reports as a crash like any panic.
//!
//! Not a layer of the daemon: nothing imports it, and it may import every module.

mod cli;
mod em;
mod sccp;
mod sip;
mod tftp;

pub use cli::{cli_line, config_load};
pub use em::{em_api, em_pages};
pub use sccp::sccp;
pub use sip::{mwi, sdp, sip_digest, sip_msg};
pub use tftp::{tftp, tftp_transfer};

/// A target's body.
pub type Target = fn(&[u8]);

/// Every target, by the name of its fuzz target and corpus directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("sccp", sccp),
    ("tftp", tftp),
    ("tftp_transfer", tftp_transfer),
    ("sip_msg", sip_msg),
    ("sip_digest", sip_digest),
    ("sdp", sdp),
    ("mwi", mwi),
    ("cli_line", cli_line),
    ("config_load", config_load),
    ("em_api", em_api),
    ("em_pages", em_pages),
];

/// The embedded grammar, compiled once per process.
fn grammar() -> &'static std::sync::Arc<crate::grammar::graph::Grammar> {
    static G: std::sync::OnceLock<std::sync::Arc<crate::grammar::graph::Grammar>> =
        std::sync::OnceLock::new();
    G.get_or_init(|| std::sync::Arc::new(crate::grammar::graph::Grammar::embedded()))
}

/// The first `n − 1` characters of `s`: what a NUL-terminated `n`-byte field keeps.
fn cut(s: &str, n: usize) -> String {
    s.chars().take(n.saturating_sub(1)).collect()
}
