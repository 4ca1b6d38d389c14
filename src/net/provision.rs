//! What TFTP and HTTP provisioning serve for a name: a generated file rendered from the
//! latest snapshot, or a static file opened under the root — the same answer for both
//! protocols, because phones that try HTTP first never fall back to TFTP after a 404.
//!
//! Confinement: `files::name` has already refused `..`, NUL and over-long names; here the
//! opened path is canonicalised and must still lie under the canonical root, so a symbolic
//! link inside the root cannot lead out of it either. Every refusal is logged.

use std::fs::File;
use std::io::{self, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;

use crate::debug::Flags;
use crate::engine::Snapshot;
use crate::files::{self, Lookup, Overrides, Site};
use crate::net::stats::{Counters, ProvisionStats};

/// Shared by the TFTP and HTTP provisioning servers.
pub struct Provision {
    snapshot: watch::Receiver<Snapshot>,
    overrides: Overrides,
    root: Option<PathBuf>,
    /// Counters.
    pub stats: Arc<ProvisionStats>,
    debug: Arc<Flags>,
}

/// The bytes to send.
pub enum Content {
    /// A generated file.
    Bytes(io::Cursor<Vec<u8>>),
    /// A static file, read as it is sent.
    File(File),
}

impl Content {
    /// Its size in bytes.
    pub fn size(&self) -> io::Result<u64> {
        match self {
            Content::Bytes(c) => Ok(c.get_ref().len() as u64),
            Content::File(f) => Ok(f.metadata()?.len()),
        }
    }
}

impl Read for Content {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Content::Bytes(c) => c.read(buf),
            Content::File(f) => f.read(buf),
        }
    }
}

/// The outcome of a request.
pub enum Served {
    /// Send this.
    Content(Content),
    /// TFTP error 1, HTTP 404.
    NotFound,
    /// TFTP error 2, HTTP 403; the reason was logged.
    Refused,
}

/// The protocol a request came by, for counters and logs.
#[derive(Clone, Copy, Debug)]
pub enum Via {
    /// TFTP.
    Tftp,
    /// HTTP provisioning.
    Http,
}

impl Provision {
    /// A provisioning source over the engine's published snapshots; `root` comes from
    /// [`canonical_root`].
    pub fn new(
        snapshot: watch::Receiver<Snapshot>,
        overrides: Overrides,
        root: Option<PathBuf>,
        stats: Arc<ProvisionStats>,
        debug: Arc<Flags>,
    ) -> Provision {
        Provision {
            snapshot,
            overrides,
            root,
            stats,
            debug,
        }
    }

    /// The counters of one protocol.
    pub fn counters(&self, via: Via) -> &Counters {
        match via {
            Via::Tftp => &self.stats.tftp,
            Via::Http => &self.stats.http,
        }
    }

    /// Whether `debug tftp events` is on.
    pub fn debugging(&self) -> bool {
        Flags::on(&self.debug.tftp_events)
    }

    /// Resolves and opens a requested name.
    pub fn open(&self, raw: &[u8], peer: SocketAddr, via: Via) -> Served {
        let c = self.counters(via);
        Counters::bump(&c.requests);
        let shown = String::from_utf8_lossy(raw);
        let snap = self.snapshot.borrow().clone();
        let site = Site::of(&snap.model, &self.overrides);
        let served = match files::lookup(&snap.model, &snap.logins, &site, raw) {
            Lookup::Generated(g) => {
                Counters::bump(&c.generated);
                if self.debugging() {
                    tracing::info!(target: "cmed::debug::tftp", ?via, %peer, file = %shown, kind = ?g.kind, bytes = g.bytes.len(), "serving generated file");
                }
                Served::Content(Content::Bytes(io::Cursor::new(g.bytes)))
            }
            Lookup::NotFound => Served::NotFound,
            Lookup::Refused(why) => {
                tracing::warn!(?via, %peer, file = %shown, reason = %why, "request refused");
                Served::Refused
            }
            Lookup::Static(rel) => self.open_static(&rel, peer, via),
        };
        match &served {
            Served::NotFound => {
                Counters::bump(&c.not_found);
                if self.debugging() {
                    tracing::info!(target: "cmed::debug::tftp", ?via, %peer, file = %shown, "file not found");
                }
            }
            Served::Refused => Counters::bump(&c.refused),
            Served::Content(_) => {}
        }
        served
    }

    fn open_static(&self, rel: &str, peer: SocketAddr, via: Via) -> Served {
        let Some(root) = &self.root else {
            return Served::NotFound;
        };
        let path = match std::fs::canonicalize(root.join(rel)) {
            Ok(p) => p,
            Err(_) => return Served::NotFound,
        };
        if !path.starts_with(root) {
            tracing::warn!(?via, %peer, file = rel, "request refused: a link leads outside the TFTP root");
            return Served::Refused;
        }
        match File::open(&path).and_then(|f| f.metadata().map(|m| (f, m))) {
            Ok((f, m)) if m.is_file() => {
                Counters::bump(&self.counters(via).static_files);
                if self.debugging() {
                    tracing::info!(target: "cmed::debug::tftp", ?via, %peer, file = rel, bytes = m.len(), "serving static file");
                }
                Served::Content(Content::File(f))
            }
            Ok(_) => Served::NotFound,
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                tracing::warn!(?via, %peer, file = rel, "request refused: file not readable");
                Served::Refused
            }
            Err(_) => Served::NotFound,
        }
    }
}

/// The root as later checks compare against it: absolute, links resolved.
///
/// # Errors
/// If it does not exist or is not a directory.
pub fn canonical_root(root: &Path) -> io::Result<PathBuf> {
    let c = std::fs::canonicalize(root)?;
    if !c.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotADirectory,
            "not a directory",
        ));
    }
    Ok(c)
}

/// The static files under `root`, as names relative to it (at most `limit`, sorted; true if
/// there were more), for `show telephony-service tftp-bindings`.
pub fn static_names(root: Option<&Path>, limit: usize) -> (Vec<String>, bool) {
    let mut out = Vec::new();
    let Some(root) = root else {
        return (out, false);
    };
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                dirs.push(e.path());
            } else if t.is_file() {
                if out.len() == limit {
                    out.sort();
                    return (out, true);
                }
                if let Ok(rel) = e.path().strip_prefix(root) {
                    out.push(rel.to_string_lossy().into_owned());
                }
            }
        }
    }
    out.sort();
    (out, false)
}
