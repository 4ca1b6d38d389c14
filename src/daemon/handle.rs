//! The handle everything outside the engine holds: the requests it sends to the engine
//! actor (CLI lines, SCCP connection events, EM requests) and the published snapshot.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot, watch};

use crate::cli::exec::{Reply, Session};
use crate::engine::Snapshot;
use crate::engine::em::EmError;
use crate::ids::ConnId;
use crate::net::mailbox::Mailbox;
use crate::proto::sccp::msg::Register;
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

pub(super) enum Request {
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
    Em {
        req: EmRequest,
        reply: oneshot::Sender<Result<(), EmError>>,
    },
}

/// An Extension Mobility request from the phone service pages.
#[derive(Debug)]
pub enum EmRequest {
    /// Log `user` in on `device`.
    Login {
        /// Device name as the page received it.
        device: String,
        /// User id (or extension with `em login-type dn`).
        user: String,
        /// Password.
        secret: String,
        /// The HTTP client's address.
        source: IpAddr,
    },
    /// Log out whoever is on `device`.
    Logout {
        /// Device name.
        device: String,
        /// The HTTP client's address.
        source: IpAddr,
    },
    /// An EM API login (an authorised application: no password, no IP check).
    ApiLogin {
        /// Device name.
        device: String,
        /// User id.
        user: String,
    },
    /// An EM API logout.
    ApiLogout {
        /// Device name.
        device: String,
    },
    /// Checks a user name and password (the phone's authentication URL): `authentication
    /// credential` applications and profile users.
    Authenticate {
        /// `UserID`.
        user: String,
        /// `Password`.
        secret: String,
    },
    /// The logged-in user changes their password.
    ChangePassword {
        /// Device name.
        device: String,
        /// Current password.
        old: String,
        /// New password.
        new: String,
        /// The HTTP client's address.
        source: IpAddr,
    },
}

/// What an SCCP connection task tells the engine.
#[derive(Debug)]
pub enum SccpRequest {
    /// A connection opened; the engine answers it through `mailbox`.
    Open {
        /// The connection.
        conn: ConnId,
        /// Its command channel.
        mailbox: Arc<Mailbox>,
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
    pub(super) tx: mpsc::Sender<Request>,
    pub(super) snapshot: watch::Receiver<Snapshot>,
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

    /// Runs an EM request; the answer comes after the change is durable.
    pub async fn em(&self, req: EmRequest) -> Result<Result<(), EmError>, Stopped> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request::Em { req, reply })
            .await
            .map_err(|_| Stopped)?;
        rx.await.map_err(|_| Stopped)
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
