//! The handle everything outside the engine holds: the requests it sends to the engine
//! actor (CLI lines, EM requests, phone connection inputs) and the published snapshot.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};

use super::mailbox::Mailbox;
use crate::cli::exec::{Reply, VtySession};
use crate::engine::em::EmError;
use crate::engine::registrar::Outcome;
use crate::engine::{Answer, EmRequest, Input, SipInvite, SipRegister, Snapshot};
use crate::ids::ConnId;

/// The result of one CLI line.
#[derive(Clone, Debug)]
pub struct CliResult {
    /// What to print, the engine's answers included.
    pub reply: Reply,
    /// The session after the line.
    pub session: VtySession,
    /// The prompt to show next.
    pub prompt: String,
}

pub(super) enum Request {
    Cli {
        session: VtySession,
        line: String,
        reply: oneshot::Sender<CliResult>,
    },
    Prompt {
        session: VtySession,
        reply: oneshot::Sender<String>,
    },
    /// The engine's numbers for `/metrics`.
    Counts {
        reply: oneshot::Sender<super::counts::EngineCounts>,
    },
    Em {
        req: EmRequest,
        reply: oneshot::Sender<Answer>,
    },
    SipRegister {
        req: Box<SipRegister>,
        reply: Waiter,
    },
    SipInvite {
        req: Box<SipInvite>,
        reply: oneshot::Sender<Answer>,
    },
    Mwi {
        from: std::net::SocketAddr,
        number: String,
        messages: crate::leg::Messages,
        reply: oneshot::Sender<Answer>,
    },
    /// A phone connection opened; the engine answers it through `mailbox`.
    Open { conn: ConnId, mailbox: Arc<Mailbox> },
    /// An input that waits for no answer (phone registrations and events).
    Input(Input),
    /// The daemon stops: write behind what is pending, then answer.
    Flush { reply: oneshot::Sender<()> },
}

/// Who waits for an engine answer: a task, woken through a oneshot, or a function the actor
/// calls with it (which posts it to a queue of its own: one task fewer to wake per request,
/// which is what the SIP core uses for REGISTER, its busiest request).
pub(super) enum Waiter {
    Task(oneshot::Sender<Answer>),
    Call(Call),
}

impl Waiter {
    pub(super) fn answer(self, a: Answer) {
        match self {
            Waiter::Task(tx) => {
                let _ = tx.send(a);
            }
            Waiter::Call(mut c) => {
                if let Some(f) = c.0.take() {
                    f(Some(a));
                }
            }
        }
    }
}

/// The function a [`Waiter::Call`] calls: with the answer, or with `None` when it is dropped
/// unanswered (the engine stopped), as a oneshot's receiver learns it.
pub(super) struct Call(Option<Box<dyn FnOnce(Option<Answer>) + Send>>);

impl Drop for Call {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f(None);
        }
    }
}

/// A clonable handle to the engine actor.
#[derive(Clone)]
pub struct EngineHandle {
    pub(super) tx: mpsc::Sender<Request>,
    pub(super) snapshot: watch::Receiver<Snapshot>,
}

/// The engine actor stopped (the daemon is shutting down).
#[derive(Debug, thiserror::Error)]
#[error("the engine has stopped")]
pub struct Stopped;

impl EngineHandle {
    async fn ask<T>(&self, make: impl FnOnce(oneshot::Sender<T>) -> Request) -> Result<T, Stopped> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(make(reply)).await.map_err(|_| Stopped)?;
        rx.await.map_err(|_| Stopped)
    }

    fn ask_blocking<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Request,
    ) -> Result<T, Stopped> {
        let (reply, rx) = oneshot::channel();
        self.tx.blocking_send(make(reply)).map_err(|_| Stopped)?;
        rx.blocking_recv().map_err(|_| Stopped)
    }

    /// Runs one CLI line.
    pub async fn cli(&self, session: VtySession, line: String) -> Result<CliResult, Stopped> {
        self.ask(|reply| Request::Cli {
            session,
            line,
            reply,
        })
        .await
    }

    /// Runs one CLI line from a thread outside the runtime (the console).
    pub fn cli_blocking(&self, session: VtySession, line: String) -> Result<CliResult, Stopped> {
        self.ask_blocking(|reply| Request::Cli {
            session,
            line,
            reply,
        })
    }

    /// The engine's counters and gauges now (`/metrics`): one turn of the actor, like a
    /// `show` command.
    pub async fn counts(&self) -> Result<super::counts::EngineCounts, Stopped> {
        self.ask(|reply| Request::Counts { reply }).await
    }

    /// The prompt for a session.
    pub async fn prompt(&self, session: VtySession) -> Result<String, Stopped> {
        self.ask(|reply| Request::Prompt { session, reply }).await
    }

    /// The prompt for a session, from outside the runtime.
    pub fn prompt_blocking(&self, session: VtySession) -> Result<String, Stopped> {
        self.ask_blocking(|reply| Request::Prompt { session, reply })
    }

    /// Runs an EM request; the answer comes after the change is durable.
    pub async fn em(&self, req: EmRequest) -> Result<Result<(), EmError>, Stopped> {
        match self.ask(|reply| Request::Em { req, reply }).await? {
            Answer::Em(r) => Ok(r),
            _ => Err(Stopped),
        }
    }

    /// Asks the registrar about a REGISTER without a task waiting for the answer: `then` is
    /// called with the outcome on the engine's side (it should only post it somewhere), or
    /// with `Err(Stopped)` when the engine is gone. When the engine's queue is full, a task
    /// waits for room, as an async request would.
    pub fn sip_register_then(
        &self,
        req: Box<SipRegister>,
        then: impl FnOnce(Result<Outcome, Stopped>) + Send + 'static,
    ) {
        let reply = Waiter::Call(Call(Some(Box::new(move |a| {
            then(match a {
                Some(Answer::Register(o)) => Ok(o),
                _ => Err(Stopped),
            })
        }))));
        match self.tx.try_send(Request::SipRegister { req, reply }) {
            // Closed: the request, dropped here, calls `then` with `Err(Stopped)`.
            Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
            Err(mpsc::error::TrySendError::Full(r)) => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let _ = tx.send(r).await;
                });
            }
        }
    }

    /// Asks whether a registered phone's new INVITE may become its call (its digest
    /// credentials; the `reply` field is filled in here): `Ok`, or the registrar's 401 or
    /// 403 to answer it with.
    pub async fn sip_invite(&self, req: SipInvite) -> Result<Result<(), Outcome>, Stopped> {
        let req = Box::new(req);
        match self.ask(|reply| Request::SipInvite { req, reply }).await? {
            Answer::Invite(r) => Ok(r),
            _ => Err(Stopped),
        }
    }

    /// Tells the engine of a voicemail server's message-summary NOTIFY from `from`.
    pub async fn mwi_notify(
        &self,
        from: std::net::SocketAddr,
        number: String,
        messages: crate::leg::Messages,
    ) -> Result<crate::engine::effect::MwiOutcome, Stopped> {
        match self
            .ask(|reply| Request::Mwi {
                from,
                number,
                messages,
                reply,
            })
            .await?
        {
            Answer::Mwi(o) => Ok(o),
            _ => Err(Stopped),
        }
    }

    /// A phone connection opened; the engine's commands for it go to `mailbox`.
    pub async fn open(&self, conn: ConnId, mailbox: Arc<Mailbox>) {
        let _ = self.tx.send(Request::Open { conn, mailbox }).await;
    }

    /// Tells the engine something that waits for no answer (fire and forget).
    pub async fn input(&self, input: Input) {
        let _ = self.tx.send(Request::Input(input)).await;
    }

    /// Ends every call (the BYEs and on-hooks are handed to the adapters) and writes behind
    /// what is still pending (SIP bindings, message waiting), waiting until it is written:
    /// what the daemon does last before it exits.
    pub async fn flush(&self) -> Result<(), Stopped> {
        self.ask(|reply| Request::Flush { reply }).await
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
