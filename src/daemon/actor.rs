//! The engine actor: one task owns the [`Engine`]; everything else holds an [`EngineHandle`].
//!
//! ```text
//!  console thread ──┐                         ┌─> startup-config file (write memory)
//!  control socket ──┼─ mpsc<Request> ─> actor ┤
//!  (listeners, later)┘                        └─> watch<Snapshot> ─> TFTP/HTTP readers
//! ```
//!
//! Effects run in order after the handler returns; the file is written before `[OK]` is
//! printed (persist before you announce).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};

use super::startup_file;
use crate::cli::exec::{Effect, Reply, Scope, Session};
use crate::engine::phones::PhoneCmd;
use crate::engine::{Engine, Snapshot};
use crate::ids::ConnId;
use crate::proto::sccp::msg::{Register, ResetType};
use crate::proto::sccp::session::Event;

/// The result of one CLI line.
#[derive(Clone, Debug)]
pub struct CliResult {
    /// What to print, effects' results included.
    pub reply: Reply,
    /// The session after the line.
    pub session: Session,
    /// The prompt to show next.
    pub prompt: String,
}

enum Request {
    Cli {
        session: Session,
        line: String,
        reply: oneshot::Sender<CliResult>,
    },
    Prompt {
        session: Session,
        reply: oneshot::Sender<String>,
    },
    Sccp(SccpRequest),
}

/// What an SCCP connection task tells the engine.
#[derive(Debug)]
pub enum SccpRequest {
    /// A connection opened; the engine answers it on `tx`.
    Open {
        /// The connection.
        conn: ConnId,
        /// Its command channel.
        tx: mpsc::Sender<PhoneCmd>,
    },
    /// The phone sent `Register`.
    Register {
        /// The connection.
        conn: ConnId,
        /// Where it came from.
        peer: SocketAddr,
        /// What it sent.
        reg: Register,
        /// Wall clock, unix seconds.
        unix: u64,
    },
    /// A keepalive from a registered phone.
    KeepAlive {
        /// The connection.
        conn: ConnId,
    },
    /// Another session event.
    Event {
        /// The connection.
        conn: ConnId,
        /// The event.
        event: Event,
    },
    /// The connection ended.
    Closed {
        /// The connection.
        conn: ConnId,
    },
}

/// A clonable handle to the engine actor.
#[derive(Clone)]
pub struct EngineHandle {
    tx: mpsc::Sender<Request>,
    snapshot: watch::Receiver<Snapshot>,
}

/// The engine actor stopped (the daemon is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("the engine has stopped")]
pub struct Stopped;

impl EngineHandle {
    /// Runs one CLI line.
    pub async fn cli(&self, session: Session, line: String) -> Result<CliResult, Stopped> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Cli {
                session,
                line,
                reply,
            })
            .await
            .map_err(|_| Stopped)?;
        rx.await.map_err(|_| Stopped)
    }

    /// Runs one CLI line from a thread outside the runtime (the console).
    pub fn cli_blocking(&self, session: Session, line: String) -> Result<CliResult, Stopped> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .blocking_send(Request::Cli {
                session,
                line,
                reply,
            })
            .map_err(|_| Stopped)?;
        rx.blocking_recv().map_err(|_| Stopped)
    }

    /// The prompt for a session.
    pub async fn prompt(&self, session: Session) -> Result<String, Stopped> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Prompt { session, reply })
            .await
            .map_err(|_| Stopped)?;
        rx.await.map_err(|_| Stopped)
    }

    /// The prompt for a session, from outside the runtime.
    pub fn prompt_blocking(&self, session: Session) -> Result<String, Stopped> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .blocking_send(Request::Prompt { session, reply })
            .map_err(|_| Stopped)?;
        rx.blocking_recv().map_err(|_| Stopped)
    }

    /// Tells the engine about an SCCP connection (fire and forget).
    pub async fn sccp(&self, req: SccpRequest) {
        let _ = self.tx.send(Request::Sccp(req)).await;
    }

    /// The latest published snapshot.
    pub fn snapshot(&self) -> Snapshot {
        self.snapshot.borrow().clone()
    }

    /// A receiver of every published snapshot, for readers that must not queue behind the
    /// engine (TFTP, HTTP pages).
    pub fn subscribe(&self) -> watch::Receiver<Snapshot> {
        self.snapshot.clone()
    }
}

/// Starts the actor on the current runtime.
pub fn spawn(engine: Engine, startup_path: PathBuf) -> EngineHandle {
    let (tx, mut rx) = mpsc::channel::<Request>(64);
    let (snap_tx, snap_rx) = watch::channel(engine.snapshot());
    let mut engine = engine;
    let mut conns: HashMap<ConnId, mpsc::Sender<PhoneCmd>> = HashMap::new();
    tokio::spawn(async move {
        while let Some(req) = rx.recv().await {
            match req {
                Request::Cli {
                    mut session,
                    line,
                    reply,
                } => {
                    let mut r = engine.cli(&mut session, &line);
                    let mut changed = false;
                    for effect in std::mem::take(&mut r.effects) {
                        match effect {
                            Effect::WriteStartup(text) => {
                                // Blocking file I/O in the actor is deliberate: nothing may change
                                // the configuration while it is being saved.
                                match startup_file::write_atomic(&startup_path, &text) {
                                    Ok(()) => {
                                        tracing::info!(file = %startup_path.display(), "startup-config written");
                                        engine.startup_saved(text);
                                        r.output.push_str("[OK]\n");
                                    }
                                    Err(e) => {
                                        tracing::error!(file = %startup_path.display(), error = %e, "write memory failed");
                                        r.output.push_str(&format!(
                                            "%Error writing {} ({e})\n",
                                            startup_path.display()
                                        ));
                                        r.error = true;
                                    }
                                }
                            }
                            Effect::ConfigChanged => changed = true,
                            Effect::Restart(scope) => {
                                restart(&engine, &conns, &scope, ResetType::Restart)
                            }
                            Effect::Reset(scope) => {
                                restart(&engine, &conns, &scope, ResetType::Reset)
                            }
                        }
                    }
                    if changed {
                        let _ = snap_tx.send(engine.snapshot());
                    }
                    let prompt = engine.prompt(&session);
                    let _ = reply.send(CliResult {
                        reply: r,
                        session,
                        prompt,
                    });
                }
                Request::Prompt { session, reply } => {
                    let _ = reply.send(engine.prompt(&session));
                }
                Request::Sccp(req) => sccp(&mut engine, &mut conns, req),
            }
        }
    });
    EngineHandle {
        tx,
        snapshot: snap_rx,
    }
}

fn sccp(
    engine: &mut Engine,
    conns: &mut HashMap<ConnId, mpsc::Sender<PhoneCmd>>,
    req: SccpRequest,
) {
    match req {
        SccpRequest::Open { conn, tx } => {
            conns.insert(conn, tx);
        }
        SccpRequest::Register {
            conn,
            peer,
            reg,
            unix,
        } => {
            for cmd in engine.sccp_register(conn, peer, reg, unix) {
                deliver(conns, cmd);
            }
        }
        SccpRequest::KeepAlive { conn } => engine.sccp_keepalive(conn),
        SccpRequest::Event { conn, event } => engine.sccp_event(conn, &event),
        SccpRequest::Closed { conn } => {
            conns.remove(&conn);
            engine.sccp_closed(conn);
        }
    }
}

fn target(cmd: &PhoneCmd) -> ConnId {
    match cmd {
        PhoneCmd::Accept { conn, .. }
        | PhoneCmd::Reject { conn, .. }
        | PhoneCmd::Reset { conn, .. }
        | PhoneCmd::Replaced { conn } => *conn,
    }
}

fn deliver(conns: &HashMap<ConnId, mpsc::Sender<PhoneCmd>>, cmd: PhoneCmd) {
    let conn = target(&cmd);
    if let Some(tx) = conns.get(&conn)
        && tx.try_send(cmd).is_err()
    {
        tracing::warn!(%conn, "SCCP connection not taking commands; dropped one");
    }
}

/// Restarts or resets the phones of `scope`. `restart all N` / `reset all N` space the
/// phones N seconds apart, as CME does, so a building does not reboot at once; that runs in
/// its own task and the CLI answers at once.
fn restart(
    engine: &Engine,
    conns: &HashMap<ConnId, mpsc::Sender<PhoneCmd>>,
    scope: &Scope,
    kind: ResetType,
) {
    let cmds = engine.phones_in(scope, kind);
    tracing::info!(?scope, ?kind, phones = cmds.len(), "restart/reset");
    let spacing = match scope {
        Scope::AllSccp(s) => Duration::from_secs(u64::from(*s)),
        _ => Duration::ZERO,
    };
    if spacing.is_zero() {
        for cmd in cmds {
            deliver(conns, cmd);
        }
        return;
    }
    let targets: Vec<_> = cmds
        .into_iter()
        .filter_map(|c| conns.get(&target(&c)).map(|tx| (tx.clone(), c)))
        .collect();
    tokio::spawn(async move {
        for (i, (tx, cmd)) in targets.into_iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(spacing).await;
            }
            let _ = tx.send(cmd).await;
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::cli::exec::Running;
    use crate::cli::graph::Grammar;

    #[tokio::test]
    async fn a_config_change_is_published_and_write_memory_persists_before_ok() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("startup.cfg");
        let g = Arc::new(Grammar::embedded());
        let engine = Engine::new(g.clone(), Running::new(&g, Default::default(), None));
        let h = spawn(engine, file.clone());
        let s = Session::new(&g, 15, "test");
        let r = h.cli(s, "configure terminal".into()).await.unwrap();
        let r = h.cli(r.session, "hostname Edge".into()).await.unwrap();
        assert_eq!(r.prompt, "Edge(config)#");
        assert_eq!(h.snapshot().model.hostname, "Edge");
        let r = h.cli(r.session, "do write memory".into()).await.unwrap();
        assert_eq!(r.reply.output, "Building configuration...\n[OK]\n");
        assert!(
            std::fs::read_to_string(&file)
                .unwrap()
                .contains("hostname Edge\n")
        );
    }

    #[tokio::test]
    async fn a_failed_write_memory_says_so_instead_of_ok() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("missing-dir").join("startup.cfg");
        let g = Arc::new(Grammar::embedded());
        let h = spawn(
            Engine::new(g.clone(), Running::new(&g, Default::default(), None)),
            file,
        );
        let r = h
            .cli(Session::new(&g, 15, "test"), "write memory".into())
            .await
            .unwrap();
        assert!(r.reply.error);
        assert!(
            r.reply
                .output
                .starts_with("Building configuration...\n%Error writing "),
            "{}",
            r.reply.output
        );
        assert!(!r.reply.output.contains("[OK]"));
    }
}
