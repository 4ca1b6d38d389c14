//! Counters of the provisioning servers (TFTP and HTTP 6970), shared between the adapters
//! that count and the `show` commands that print them. Plain atomics: no lock, no clock.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Counters of one server.
#[derive(Debug, Default)]
pub struct Counters {
    /// Requests received (read requests for TFTP, GETs for HTTP).
    pub requests: AtomicU64,
    /// Generated files served.
    pub generated: AtomicU64,
    /// Static files served.
    pub static_files: AtomicU64,
    /// Payload bytes sent.
    pub bytes: AtomicU64,
    /// Answered "not found".
    pub not_found: AtomicU64,
    /// Refused names (traversal, bad names) and refused operations (writes).
    pub refused: AtomicU64,
    /// Transfers that failed (timeouts, client errors, I/O errors, overload).
    pub errors: AtomicU64,
    /// Transfers in progress.
    pub active: AtomicU64,
}

impl Counters {
    /// Adds one to a counter.
    pub fn bump(c: &AtomicU64) {
        c.fetch_add(1, Relaxed);
    }
}

/// Picks one counter out of [`Counters`], for the rows of `show tftp statistics`.
type Field = fn(&Counters) -> &AtomicU64;

/// Everything the provisioning servers count.
#[derive(Debug, Default)]
pub struct ProvisionStats {
    /// The TFTP server.
    pub tftp: Counters,
    /// HTTP provisioning (port 6970).
    pub http: Counters,
    /// Where the servers listen, as `address:port` (empty when off), for `show`.
    pub tftp_at: std::sync::OnceLock<String>,
    /// Where HTTP provisioning listens.
    pub http_at: std::sync::OnceLock<String>,
}

impl ProvisionStats {
    /// `show tftp statistics`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let at = |l: &std::sync::OnceLock<String>| l.get().cloned().unwrap_or_else(|| "off".into());
        let _ = writeln!(s, "TFTP server: {}", at(&self.tftp_at));
        let _ = writeln!(s, "HTTP provisioning server: {}", at(&self.http_at));
        let _ = writeln!(s, "{:<24}{:>12}{:>12}", "", "TFTP", "HTTP");
        let rows: [(&str, Field); 8] = [
            ("Requests", |c| &c.requests),
            ("  Generated files", |c| &c.generated),
            ("  Static files", |c| &c.static_files),
            ("  Not found", |c| &c.not_found),
            ("  Refused", |c| &c.refused),
            ("Errors", |c| &c.errors),
            ("Bytes sent", |c| &c.bytes),
            ("Transfers active", |c| &c.active),
        ];
        for (label, f) in rows {
            let _ = writeln!(
                s,
                "{:<24}{:>12}{:>12}",
                label,
                f(&self.tftp).load(Relaxed),
                f(&self.http).load(Relaxed)
            );
        }
        s
    }
}

/// What `show` may ask of the provisioning servers: their counters and the static files.
pub struct Shown {
    /// The counters the servers keep.
    pub stats: std::sync::Arc<ProvisionStats>,
    /// The TFTP root, if one was given.
    pub root: Option<std::path::PathBuf>,
}

impl crate::cli::shows::ProvisionInfo for Shown {
    fn stats(&self) -> String {
        self.stats.render()
    }

    fn statics(&self, max: usize) -> (Vec<String>, bool) {
        super::provision::static_names(self.root.as_deref(), max)
    }

    fn logging(&self) -> Option<String> {
        Some(super::syslog::show())
    }

    fn clear_line(&self, vty: u32) -> Option<String> {
        Some(super::about::clear_line(vty))
    }

    fn generate_key(&self, kind: &str, bits: u32) -> Option<String> {
        super::ssh::generate(kind, bits)
    }

    fn about(&self) -> Option<crate::cli::shows::About> {
        let active = |c: &Counters| c.active.load(Relaxed);
        super::about::about(vec![
            ("TFTP transfers".into(), active(&self.stats.tftp)),
            (
                "HTTP provisioning transfers".into(),
                active(&self.stats.http),
            ),
        ])
    }
}
