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
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, watch};

use super::handle::Request;
pub use super::handle::{CliResult, EmRequest, EngineHandle, SccpRequest, Stopped};
use super::startup_file;
use crate::cli::exec::{Effect, EmAdmin, Reply, Scope, Session};
use crate::engine::em::{EmError, Plan};
use crate::engine::phones::PhoneCmd;
use crate::engine::{Engine, Snapshot};
use crate::ids::ConnId;
use crate::net::mailbox::Mailbox;
use crate::proto::sccp::msg::ResetType;
use crate::store::Store;

/// Starts the actor on the current runtime. The actor owns the engine and the store: every
/// EM change is committed to the store before it is applied, answered or announced.
pub fn spawn(engine: Engine, startup_path: PathBuf, store: Box<dyn Store>) -> EngineHandle {
    let (tx, mut rx) = mpsc::channel::<Request>(256);
    let (snap_tx, snap_rx) = watch::channel(engine.snapshot());
    let mut actor = Actor {
        engine,
        store,
        conns: HashMap::new(),
        snap_tx,
        startup_path,
        refresh_at: None,
    };
    tokio::spawn(async move {
        // Automatic logouts are checked every second (time of day, idle, maximum login time).
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                req = rx.recv() => match req {
                    Some(req) => actor.handle(req),
                    None => break,
                },
                _ = tick.tick() => actor.tick(),
            }
        }
    });
    EngineHandle {
        tx,
        snapshot: snap_rx,
    }
}

/// Unix time now, in seconds.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

struct Actor {
    engine: Engine,
    store: Box<dyn Store>,
    conns: HashMap<ConnId, Arc<Mailbox>>,
    snap_tx: watch::Sender<Snapshot>,
    startup_path: PathBuf,
    /// When to look for EM phones whose profile was edited: a quiet moment after the last
    /// configuration change, so many edits make one restart.
    refresh_at: Option<u64>,
}

/// Seconds of quiet after a configuration change before edited profiles restart phones.
const REFRESH_QUIET: u64 = 2;

impl Actor {
    fn handle(&mut self, req: Request) {
        match req {
            Request::Cli {
                mut session,
                line,
                reply,
            } => {
                let r = self.cli(&mut session, &line);
                let prompt = self.engine.prompt(&session);
                let _ = reply.send(CliResult {
                    reply: r,
                    session,
                    prompt,
                });
            }
            Request::Prompt { session, reply } => {
                let _ = reply.send(self.engine.prompt(&session));
            }
            Request::Sccp(req) => self.sccp(req),
            Request::Em { req, reply } => {
                let now = unix_now();
                let planned = match req {
                    EmRequest::Login {
                        device,
                        user,
                        secret,
                        source,
                    } => self
                        .engine
                        .em_login(&device, &user, &secret, source, true, now),
                    EmRequest::Logout { device, source } => {
                        self.engine.em_logout(&device, source, true, now)
                    }
                    EmRequest::ApiLogin { device, user } => {
                        let local = std::net::Ipv4Addr::LOCALHOST.into();
                        self.engine.em_login(&device, &user, "", local, false, now)
                    }
                    EmRequest::ApiLogout { device } => {
                        let local = std::net::Ipv4Addr::LOCALHOST.into();
                        self.engine.em_logout(&device, local, false, now)
                    }
                    EmRequest::ChangePassword {
                        device,
                        old,
                        new,
                        source,
                    } => self.engine.em_change_password(&device, source, &old, &new),
                    EmRequest::Authenticate { user, secret } => {
                        let ok = self.engine.em_authenticate(&user, &secret);
                        let _ = reply.send(if ok {
                            Ok(())
                        } else {
                            Err(EmError::Authentication)
                        });
                        return;
                    }
                };
                let result = planned.and_then(|plan| self.commit(&plan));
                // Answer first, then restart: the phone shows the result, then re-registers.
                let (answer, restarts) = match result {
                    Ok(cmds) => (Ok(()), cmds),
                    Err(e) => (Err(e), Vec::new()),
                };
                let _ = reply.send(answer);
                for cmd in restarts {
                    deliver(&self.conns, cmd);
                }
            }
        }
    }

    /// Commits a plan, applies it and publishes the new state; returns the restarts to send.
    fn commit(&mut self, plan: &Plan) -> Result<Vec<PhoneCmd>, EmError> {
        if plan.changes.is_empty() {
            return Ok(Vec::new());
        }
        if let Err(e) = self.store.commit(&plan.changes) {
            tracing::error!(error = %e, "EM change not committed; refused");
            return Err(EmError::Database);
        }
        // Clearing call history never holds the logout up: its own task, best effort.
        for (ip, user, secret) in self.engine.history_pushes(plan) {
            tokio::spawn(crate::net::phone_push::clear_history(ip, user, secret));
        }
        let cmds = self.engine.em_apply(plan);
        let _ = self.snap_tx.send(self.engine.snapshot());
        Ok(cmds)
    }

    fn commit_and_restart(&mut self, plan: &Plan) {
        if let Ok(cmds) = self.commit(plan) {
            for cmd in cmds {
                deliver(&self.conns, cmd);
            }
        }
    }

    fn tick(&mut self) {
        let now = unix_now();
        let plan = self.engine.em_tick(now);
        self.commit_and_restart(&plan);
        if self.refresh_at.is_some_and(|t| now >= t) {
            self.refresh_at = None;
            let cmds = self.engine.stale_em_phones();
            if !cmds.is_empty() {
                tracing::info!(
                    phones = cmds.len(),
                    "restarting phones whose profile was edited"
                );
            }
            for cmd in cmds {
                deliver(&self.conns, cmd);
            }
        }
    }

    fn cli(&mut self, session: &mut Session, line: &str) -> Reply {
        self.engine.set_clock(unix_now());
        let mut r = self.engine.cli(session, line);
        let mut changed = false;
        for effect in std::mem::take(&mut r.effects) {
            match effect {
                Effect::WriteStartup(text) => {
                    // Blocking file I/O in the actor is deliberate: nothing may change the
                    // configuration while it is being saved.
                    let path = &self.startup_path;
                    match startup_file::write_atomic(path, &text) {
                        Ok(()) => {
                            tracing::info!(file = %path.display(), "startup-config written");
                            self.engine.startup_saved(text);
                            r.output.push_str("[OK]\n");
                        }
                        Err(e) => {
                            tracing::error!(file = %path.display(), error = %e, "write memory failed");
                            r.output
                                .push_str(&format!("%Error writing {} ({e})\n", path.display()));
                            r.error = true;
                        }
                    }
                }
                Effect::ConfigChanged => changed = true,
                Effect::Restart(scope) => {
                    restart(&self.engine, &self.conns, &scope, ResetType::Restart)
                }
                Effect::Reset(scope) => {
                    restart(&self.engine, &self.conns, &scope, ResetType::Reset)
                }
                Effect::EmAdmin(cmd) => {
                    if let Err(e) = self.em_admin(&cmd) {
                        r.output
                            .push_str(&format!("% Extension Mobility: {e} ({})\n", e.code()));
                        r.error = true;
                    }
                }
            }
        }
        if changed {
            let _ = self.snap_tx.send(self.engine.snapshot());
            self.refresh_at = Some(unix_now() + REFRESH_QUIET);
        }
        r
    }

    /// `emadmin login USER EPHONE-TAG` / `emadmin logout USER`: no password, no IP check.
    fn em_admin(&mut self, cmd: &EmAdmin) -> Result<(), EmError> {
        let now = unix_now();
        let plan = match cmd {
            EmAdmin::Login { user, ephone } => {
                let device = self
                    .engine
                    .device_of_ephone(*ephone)
                    .ok_or(EmError::UnknownDevice)?;
                let local = std::net::Ipv4Addr::LOCALHOST.into();
                self.engine
                    .em_login(device.as_str(), user, "", local, false, now)?
            }
            EmAdmin::Logout { user } => self
                .engine
                .em_logout_user(&crate::ids::UserName(user.clone()), now),
        };
        for cmd in self.commit(&plan)? {
            deliver(&self.conns, cmd);
        }
        Ok(())
    }

    fn sccp(&mut self, req: SccpRequest) {
        match req {
            SccpRequest::Open { conn, mailbox } => {
                self.conns.insert(conn, mailbox);
            }
            SccpRequest::Register {
                conn,
                peer,
                reg,
                unix,
            } => {
                for cmd in self.engine.sccp_register(conn, peer, reg, unix) {
                    deliver(&self.conns, cmd);
                }
            }
            SccpRequest::KeepAlive { conn } => self.engine.sccp_keepalive(conn),
            SccpRequest::Event { conn, event } => {
                let now = unix_now();
                if let Some(plan) = self.engine.sccp_event(conn, &event, now) {
                    self.commit_and_restart(&plan);
                }
            }
            SccpRequest::Closed { conn } => {
                self.conns.remove(&conn);
                self.engine.sccp_closed(conn);
            }
        }
    }
}

fn deliver(conns: &HashMap<ConnId, Arc<Mailbox>>, cmd: PhoneCmd) {
    let (conn, cmd) = cmd.split();
    if let Some(mailbox) = conns.get(&conn) {
        mailbox.post(cmd);
    }
}

/// Restarts or resets the phones of `scope`. `restart all N` / `reset all N` space the
/// phones N seconds apart, as CME does, so a building does not reboot at once; that runs in
/// its own task and the CLI answers at once.
fn restart(engine: &Engine, conns: &HashMap<ConnId, Arc<Mailbox>>, scope: &Scope, kind: ResetType) {
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
        .filter_map(|c| {
            let (conn, cmd) = c.split();
            conns.get(&conn).map(|m| (m.clone(), cmd))
        })
        .collect();
    tokio::spawn(async move {
        for (i, (mailbox, cmd)) in targets.into_iter().enumerate() {
            if i > 0 {
                tokio::time::sleep(spacing).await;
            }
            mailbox.post(cmd);
        }
    });
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::config::Running;
    use crate::grammar::graph::Grammar;

    #[tokio::test]
    async fn a_config_change_is_published_and_write_memory_persists_before_ok() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("startup.cfg");
        let g = Arc::new(Grammar::embedded());
        let engine = Engine::new(g.clone(), Running::new(&g, Default::default(), None));
        let h = spawn(
            engine,
            file.clone(),
            Box::new(crate::store::MemStore::default()),
        );
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
            Box::new(crate::store::MemStore::default()),
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
