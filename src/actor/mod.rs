//! The engine actor: the tokio glue around the [`Engine`]. One task owns the engine and the
//! store; everything else holds an [`EngineHandle`].
//!
//! ```text
//!  console thread ──┐                          ┌─> store (redb), then Input::Committed
//!  control socket ──┤                          ├─> startup-config file (write memory)
//!  SCCP connections ┼─ mpsc<Request> ─> actor ─┼─> connection mailboxes
//!  service pages  ──┘        ▲                 ├─> outlets (history pushes)
//!                      deadline timer          └─> watch<Snapshot> ─> TFTP/HTTP readers
//! ```
//!
//! A plain loop: wait for a request or the engine's next deadline, read the clocks once, hand
//! the input to the [`Core`] (which runs the engine and carries out the store and file
//! effects), then deliver what it returns in order. The actor decides nothing.

pub mod core;
pub mod counts;
mod handle;
pub mod mailbox;
mod startup_file;
pub mod timed_store;

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::{mpsc, watch};

use self::core::{Core, Out};
pub use self::core::{SipLegCmd, SipMwi, SipRestart};
use crate::cli::shows::ProvisionInfo;
use crate::debug::Flags;
use crate::engine::{Engine, Input, ReplyTo, Snapshot};
use crate::ids::ConnId;
use crate::store::Store;
use crate::time::{Mono, Now, Unix};
use handle::Request;
pub use handle::{CliResult, EngineHandle, Stopped};
use mailbox::Mailbox;

/// What the actor hands to the adapters that do work it must not wait for.
pub struct Outlets {
    /// Clears a phone's call history: address, application user, password.
    pub clear_history: Box<dyn Fn(IpAddr, String, String) + Send>,
    /// Restarts a SIP phone (the SIP adapter's NOTIFYs).
    pub sip_restart: Box<dyn Fn(SipRestart) + Send>,
    /// A SIP phone's call leg command (the SIP adapter's calls).
    pub sip_leg: Box<dyn Fn(SipLegCmd) + Send>,
    /// A message-summary NOTIFY for a SIP phone (the SIP adapter's).
    pub sip_mwi: Box<dyn Fn(SipMwi) + Send>,
    /// What `show` may ask of the provisioning servers, when they run.
    pub provision: Option<Box<dyn ProvisionInfo>>,
    /// The debug switches the CLI turns on and off.
    pub debug: Arc<Flags>,
}

impl Default for Outlets {
    fn default() -> Outlets {
        Outlets {
            clear_history: Box::new(|_, _, _| {}),
            sip_restart: Box::new(|_| {}),
            sip_leg: Box::new(|_| {}),
            sip_mwi: Box::new(|_| {}),
            provision: None,
            debug: Arc::default(),
        }
    }
}

/// Starts the actor on the current runtime. The actor owns the engine and the store: every
/// durable change is committed to the store before it is applied, answered or announced.
pub fn spawn(
    engine: Engine,
    startup_path: PathBuf,
    store: Box<dyn Store>,
    outlets: Outlets,
) -> EngineHandle {
    let (tx, mut rx) = mpsc::channel::<Request>(256);
    let (snap_tx, snap_rx) = watch::channel(engine.snapshot());
    let write = Box::new(move |text: &str| {
        // Blocking file I/O in the actor is deliberate: nothing may change the configuration
        // while it is being saved.
        let r = startup_file::write_atomic(&startup_path, text)
            .map_err(|e| format!("{} ({e})", startup_path.display()));
        match &r {
            Ok(()) => tracing::info!(file = %startup_path.display(), "startup-config written"),
            Err(e) => tracing::error!(error = %e, "write memory failed"),
        }
        r
    });
    let mut actor = Actor {
        core: Core::new(engine, store, write),
        conns: HashMap::new(),
        snap_tx,
        outlets,
        waiting: HashMap::new(),
        start: Instant::now(),
    };
    tokio::spawn(async move {
        loop {
            let deadline = actor.core.engine.next_deadline().map(|d| actor.instant(d));
            tokio::select! {
                req = rx.recv() => match req {
                    Some(req) => actor.request(req),
                    None => break,
                },
                _ = sleep_until(deadline) => actor.timer(),
            }
        }
    });
    EngineHandle {
        tx,
        snapshot: snap_rx,
    }
}

async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

struct Actor {
    core: Core,
    conns: HashMap<ConnId, Arc<Mailbox>>,
    snap_tx: watch::Sender<Snapshot>,
    outlets: Outlets,
    /// Requests waiting for their answer (EM pages, SIP registrations and INVITE checks).
    waiting: HashMap<ReplyTo, handle::Waiter>,
    /// The origin of monotonic time handed to the engine.
    start: Instant,
}

/// The wall clock in unix seconds: the one place the daemon reads it (the actor for each
/// input, the adapters for what they stamp on the wire: `DefineTimeDate`, SIP `Date`).
pub fn wall_clock() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Actor {
    /// Both clocks, read once per request.
    fn now(&self) -> Now {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        Now {
            unix: Unix(wall.as_secs()),
            mono: Mono(self.start.elapsed()),
            millis: wall.subsec_millis() as u16,
        }
    }

    fn instant(&self, at: Mono) -> tokio::time::Instant {
        tokio::time::Instant::from_std(self.start + at.0)
    }

    fn request(&mut self, req: Request) {
        let now = self.now();
        match req {
            Request::Cli {
                session,
                line,
                reply,
            } => {
                let provision = self.outlets.provision.as_deref();
                let (r, out) = self
                    .core
                    .cli(session, &line, now, provision, &self.outlets.debug);
                self.deliver(out);
                let _ = reply.send(r);
            }
            Request::Counts { reply } => {
                let _ = reply.send(counts::EngineCounts::of(&self.core.engine.view(now)));
            }
            Request::Prompt { session, reply } => {
                let _ = reply.send(self.core.prompt(&session));
            }
            Request::Em { req, reply } => {
                let to = self.core.reply_to();
                self.waiting.insert(to, handle::Waiter::Task(reply));
                let out = self.core.input(Input::Em { req, reply: to }, now);
                self.deliver(out);
            }
            Request::SipRegister { mut req, reply } => {
                let to = self.core.reply_to();
                self.waiting.insert(to, reply);
                req.reply = to;
                let out = self.core.input(Input::SipRegister(req), now);
                self.deliver(out);
            }
            Request::SipInvite { mut req, reply } => {
                let to = self.core.reply_to();
                self.waiting.insert(to, handle::Waiter::Task(reply));
                req.reply = to;
                let out = self.core.input(Input::SipInvite(req), now);
                self.deliver(out);
            }
            Request::Mwi {
                from,
                number,
                messages,
                reply,
            } => {
                let to = self.core.reply_to();
                self.waiting.insert(to, handle::Waiter::Task(reply));
                let input = Input::MwiNotify {
                    from,
                    number,
                    messages,
                    reply: to,
                };
                let out = self.core.input(input, now);
                self.deliver(out);
            }
            Request::Open { conn, mailbox } => {
                self.conns.insert(conn, mailbox);
            }
            Request::Flush { reply } => {
                let out = self.core.input(Input::Flush, now);
                self.deliver(out);
                let _ = reply.send(());
            }
            Request::Input(input) => {
                if let Input::Closed { conn } = &input {
                    self.conns.remove(conn);
                }
                let out = self.core.input(input, now);
                self.deliver(out);
            }
        }
    }

    fn timer(&mut self) {
        let out = self.core.input(Input::Timer, self.now());
        self.deliver(out);
    }

    /// Carries out what the engine asked of the world, in order.
    fn deliver(&mut self, out: Vec<Out>) {
        for o in out {
            match o {
                Out::Reply(to, answer) => {
                    if let Some(w) = self.waiting.remove(&to) {
                        w.answer(answer);
                    }
                }
                Out::ToSip(r) => (self.outlets.sip_restart)(r),
                Out::ToSipLeg(c) => (self.outlets.sip_leg)(c),
                Out::SipMwi(m) => (self.outlets.sip_mwi)(m),
                Out::ToConn(conn, cmd) => {
                    if let Some(mailbox) = self.conns.get(&conn) {
                        mailbox.post(cmd);
                    }
                }
                Out::ClearHistory { ip, user, secret } => {
                    (self.outlets.clear_history)(ip, user, secret);
                }
                Out::Publish => {
                    let _ = self.snap_tx.send(self.core.engine.snapshot());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::cli::exec::VtySession;
    use crate::config::Running;
    use crate::grammar::graph::Grammar;

    fn spawn_at(file: PathBuf) -> (EngineHandle, Arc<Grammar>) {
        let g = Arc::new(Grammar::embedded());
        let text = "telephony-service\n max-ephones 4\n max-dn 4\n";
        let tree = crate::config::load::load(&g, text).tree;
        let engine = Engine::new(g.clone(), Running::new(&g, tree, None));
        let h = spawn(
            engine,
            file,
            Box::new(crate::store::MemStore::default()),
            Outlets::default(),
        );
        (h, g)
    }

    #[tokio::test]
    async fn a_config_change_is_published_and_write_memory_persists_before_ok() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("startup.cfg");
        let (h, g) = spawn_at(file.clone());
        let s = VtySession::new(&g, 15, "test");
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
        let (h, g) = spawn_at(dir.path().join("missing-dir").join("startup.cfg"));
        let r = h
            .cli(VtySession::new(&g, 15, "test"), "write memory".into())
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

    #[tokio::test]
    async fn a_refused_configuration_line_leaves_the_session_where_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let (h, g) = spawn_at(dir.path().join("startup.cfg"));
        let r = h
            .cli(VtySession::new(&g, 15, "test"), "configure terminal".into())
            .await
            .unwrap();
        // A button naming a DN that does not exist is refused by the model.
        let r = h.cli(r.session, "ephone 1".into()).await.unwrap();
        assert_eq!(r.prompt, "Router(config-ephone)#");
        let r = h.cli(r.session, "button 1:7".into()).await.unwrap();
        assert!(r.reply.error, "{}", r.reply.output);
        assert_eq!(r.prompt, "Router(config-ephone)#");
    }
}
