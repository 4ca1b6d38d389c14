//! Readiness and stop notification for systemd's `Type=notify` (sd_notify(3)), written by
//! hand: one datagram of `KEY=VALUE` lines to the unix socket named by `$NOTIFY_SOCKET`, a
//! path or, when it starts with `@`, a Linux abstract socket name.
//!
//! The boundary: this module knows the wire form and the variable, nothing of the daemon.
//! The daemon says *when* (`READY=1` once the store is recovered, the startup-config
//! loaded and every listener bound; `STOPPING=1` at SIGTERM). Without the variable every call
//! is a no-op, so a daemon started by hand or by the tests behaves as before.

use std::io;
use std::os::unix::net::{SocketAddr, UnixDatagram};

/// The variable systemd sets for a `Type=notify` service.
pub const VAR: &str = "NOTIFY_SOCKET";

/// Why `$NOTIFY_SOCKET` names no socket we can use.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The variable is set but empty, or names neither a path nor an `@` abstract name.
    #[error("{VAR}={0:?} is not an absolute path or an @abstract name")]
    Address(String),
    /// The name is not a valid socket address (too long, for one).
    #[error("{VAR}={name:?}: {source}")]
    Socket {
        /// The variable's value.
        name: String,
        /// The error.
        source: io::Error,
    },
}

/// Where notifications go: the service manager's socket.
#[derive(Clone, Debug)]
pub struct Notifier {
    /// Boxed: a unix socket address is 110 bytes, and the notifier rides in the options.
    addr: Box<SocketAddr>,
}

impl Notifier {
    /// The notifier for a `$NOTIFY_SOCKET` value: `/path` or `@abstract`.
    ///
    /// # Errors
    /// If the value is neither, or too long for a socket address.
    pub fn for_name(name: &str) -> Result<Notifier, NotifyError> {
        let bad = |source| NotifyError::Socket {
            name: name.to_string(),
            source,
        };
        let addr = if let Some(abstract_name) = name.strip_prefix('@') {
            use std::os::linux::net::SocketAddrExt as _;
            SocketAddr::from_abstract_name(abstract_name.as_bytes()).map_err(bad)?
        } else if name.starts_with('/') {
            SocketAddr::from_pathname(name).map_err(bad)?
        } else {
            return Err(NotifyError::Address(name.to_string()));
        };
        Ok(Notifier {
            addr: Box::new(addr),
        })
    }

    /// Sends one notification (`READY=1\nSTATUS=…`), a single datagram as sd_notify does.
    ///
    /// # Errors
    /// If the socket cannot be created or the datagram not sent (systemd gone, say).
    pub fn send(&self, state: &str) -> io::Result<()> {
        let sock = UnixDatagram::unbound()?;
        sock.send_to_addr(state.as_bytes(), &self.addr)?;
        Ok(())
    }
}

/// Reads `$NOTIFY_SOCKET` and removes it from the environment, so that nothing the daemon
/// may ever start inherits it and notifies in its name (sd_notify's `unset_environment`).
///
/// Call it from `main` before any other thread exists (before the tokio runtime starts):
/// changing the environment while another thread may read it is undefined behaviour, which
/// is why `remove_var` is `unsafe` in Rust 2024. A value we cannot use is logged and dropped.
pub fn take_from_env() -> Option<Notifier> {
    let name = std::env::var_os(VAR)?;
    // SAFETY: called from `main` while the process has a single thread (see above), so no
    // other thread can be reading the environment.
    unsafe { std::env::remove_var(VAR) };
    match Notifier::for_name(&name.to_string_lossy()) {
        Ok(n) => Some(n),
        Err(e) => {
            tracing::warn!(error = %e, "service manager notification disabled");
            None
        }
    }
}

/// Tells the service manager `state`, if there is one; a failure is logged, never fatal
/// (the daemon serves phones whether or not systemd heard it).
pub fn notify(notifier: Option<&Notifier>, state: &str) {
    if let Some(n) = notifier
        && let Err(e) = n.send(state)
    {
        tracing::warn!(error = %e, "cannot notify the service manager");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_socket_gets_one_datagram_per_notification() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("notify.sock");
        let listener = UnixDatagram::bind(&path).unwrap();
        let n = Notifier::for_name(path.to_str().unwrap()).unwrap();
        n.send("READY=1\nSTATUS=up").unwrap();
        let mut buf = [0u8; 256];
        let len = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..len], b"READY=1\nSTATUS=up");
    }

    #[test]
    fn an_abstract_socket_is_named_with_an_at_sign() {
        use std::os::linux::net::SocketAddrExt as _;
        let name = format!("cmed-notify-test-{}", std::process::id());
        let addr = SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
        let listener = UnixDatagram::bind_addr(&addr).unwrap();
        Notifier::for_name(&format!("@{name}"))
            .unwrap()
            .send("STOPPING=1")
            .unwrap();
        let mut buf = [0u8; 64];
        let len = listener.recv(&mut buf).unwrap();
        assert_eq!(&buf[..len], b"STOPPING=1");
    }

    #[test]
    fn a_relative_or_empty_name_is_refused() {
        assert!(matches!(
            Notifier::for_name("notify.sock"),
            Err(NotifyError::Address(_))
        ));
        assert!(matches!(
            Notifier::for_name(""),
            Err(NotifyError::Address(_))
        ));
    }
}
