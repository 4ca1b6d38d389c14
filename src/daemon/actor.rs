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

use std::path::PathBuf;

use tokio::sync::{mpsc, oneshot, watch};

use super::startup_file;
use crate::cli::exec::{Effect, Reply, Session};
use crate::engine::{Engine, Snapshot};

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
                            Effect::Restart(scope) | Effect::Reset(scope) => {
                                tracing::info!(
                                    ?scope,
                                    "phone restart/reset requested; no phone listener yet"
                                );
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
            }
        }
    });
    EngineHandle {
        tx,
        snapshot: snap_rx,
    }
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
