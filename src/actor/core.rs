//! The synchronous heart of the actor: the engine with its store and startup-config writer.
//! It runs an input and everything the input leads to at one instant — a `Persist` is
//! committed and handed back as `Input::Committed` (a `WriteBehind` is committed and only a
//! failure handed back), a `WriteStartup` is written and handed
//! back as `Input::StartupWritten` — so the answer, the restarts and the new snapshot come
//! only after the commit (persist before you announce). What is left for the world (answers,
//! connection commands, pushes, snapshots) is returned, in order, for the caller to deliver.
//!
//! No tokio: the daemon's actor wraps it in its loop, and the tests drive it directly.

use std::net::IpAddr;

use crate::cli::exec::{self, Reply, VtySession};
use crate::cli::shows::{ProvisionInfo, Shows};
use crate::debug::Flags;
use crate::engine::{Answer, ConnCmd, Effect, Engine, Flow, Input, ReplyTo};
use crate::ids::ConnId;
use crate::leg::RestartKind;
use crate::store::Store;
use crate::time::Now;

use super::CliResult;

/// Writes the startup-config text; `Err` is the message printed after `%Error writing `.
pub type StartupWriter = Box<dyn FnMut(&str) -> Result<(), String> + Send>;

/// What the engine asked of the world, once the store and the file have had their say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Out {
    /// An answer to a waiting request.
    Reply(ReplyTo, Answer),
    /// A command for a phone connection.
    ToConn(ConnId, ConnCmd),
    /// Restart or reset a SIP phone on its flow.
    ToSip(SipRestart),
    /// A SIP phone's call leg command.
    ToSipLeg(SipLegCmd),
    /// A message-summary NOTIFY for a SIP phone.
    SipMwi(SipMwi),
    /// Clear a phone's call history (best effort).
    ClearHistory {
        /// The phone's address.
        ip: IpAddr,
        /// Application user.
        user: String,
        /// Its password.
        secret: String,
    },
    /// Publish a new snapshot.
    Publish,
}

/// A SIP phone to restart or reset: the NOTIFYs the SIP adapter sends on its flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipRestart {
    /// Its flow.
    pub flow: Flow,
    /// Its registered contact (the NOTIFY's Request-URI).
    pub contact: String,
    /// The Call-ID of its REGISTER (`RegisterCallId`).
    pub register_call_id: String,
    /// Restart or reset.
    pub kind: RestartKind,
}

/// A message-summary NOTIFY to send a SIP phone on its flow (the engine's `SipMwi`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipMwi {
    /// Its flow.
    pub flow: Flow,
    /// Its registered contact (the NOTIFY's Request-URI).
    pub contact: String,
    /// The number whose messages it is.
    pub number: String,
    /// What waits.
    pub messages: crate::leg::Messages,
}

/// What a SIP call leg is told (the engine's `ToSipLeg`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipLegCmd {
    /// The phone or trunk.
    pub leg: crate::leg::SipLegId,
    /// Where a call cmed places goes (flow and Request-URI).
    pub to: Option<(Flow, String)>,
    /// The command.
    pub cmd: crate::leg::LegCmd,
}

/// The engine, its store and its startup-config writer.
pub struct Core {
    /// The engine (read it for snapshots and deadlines; change it only through `input`).
    pub engine: Engine,
    store: Box<dyn crate::store::Store>,
    write: StartupWriter,
    next_reply: u64,
}

impl Core {
    /// A core over `engine`, committing to `store` and saving with `write`.
    pub fn new(engine: Engine, store: Box<dyn Store>, write: StartupWriter) -> Core {
        Core {
            engine,
            store,
            write,
            next_reply: 0,
        }
    }

    /// A fresh number for a request that waits for its answer.
    pub fn reply_to(&mut self) -> ReplyTo {
        self.next_reply += 1;
        ReplyTo(self.next_reply)
    }

    /// The store (tests look at what it holds).
    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    /// Runs `input` and everything it leads to at `now`.
    pub fn input(&mut self, input: Input, now: Now) -> Vec<Out> {
        let mut out = Vec::new();
        let mut queue = std::collections::VecDeque::from([input]);
        while let Some(input) = queue.pop_front() {
            for effect in self.engine.handle(input, now) {
                match effect {
                    Effect::Persist(batch) => {
                        let result = self.store.commit(&batch.changes).map_err(|e| e.to_string());
                        queue.push_back(Input::Committed { batch, result });
                    }
                    Effect::WriteBehind(changes) => {
                        if let Err(e) = self.store.commit(&changes) {
                            tracing::error!(error = %e, bindings = changes.len(), "SIP bindings not written; trying again in a second");
                            queue.push_back(Input::WriteBehindFailed { changes });
                        }
                    }
                    Effect::WriteStartup { text, reply } => {
                        let result = (self.write)(&text);
                        queue.push_back(Input::StartupWritten {
                            text,
                            result,
                            reply,
                        });
                    }
                    Effect::Reply { to, answer } => out.push(Out::Reply(to, answer)),
                    Effect::ToConn { conn, cmd } => out.push(Out::ToConn(conn, cmd)),
                    Effect::ToSip {
                        flow,
                        contact,
                        register_call_id,
                        kind,
                    } => out.push(Out::ToSip(SipRestart {
                        flow,
                        contact,
                        register_call_id,
                        kind,
                    })),
                    Effect::SipMwi {
                        flow,
                        contact,
                        number,
                        messages,
                    } => out.push(Out::SipMwi(SipMwi {
                        flow,
                        contact,
                        number,
                        messages,
                    })),
                    Effect::ToSipLeg { leg, to, cmd } => {
                        out.push(Out::ToSipLeg(SipLegCmd { leg, to, cmd }))
                    }
                    Effect::ClearHistory { ip, user, secret } => {
                        out.push(Out::ClearHistory { ip, user, secret })
                    }
                    Effect::Publish => out.push(Out::Publish),
                }
            }
        }
        out
    }

    /// The prompt `session` shows now.
    pub fn prompt(&self, session: &VtySession) -> String {
        session.prompt(self.engine.grammar(), &self.engine.running().model.hostname)
    }

    /// One CLI line: matched against the engine's state, then each command it asks for is
    /// handed to the engine and its answer printed after the line's own output. A refused
    /// configuration line does not enter its sub-mode. The CLI's own answers are taken
    /// out of what is returned.
    pub fn cli(
        &mut self,
        mut session: VtySession,
        line: &str,
        now: Now,
        provision: Option<&dyn ProvisionInfo>,
        debug: &Flags,
    ) -> (CliResult, Vec<Out>) {
        let mut reply: Reply = {
            let shows = Shows {
                view: self.engine.view(now),
                provision,
                debug,
            };
            exec::execute(
                self.engine.grammar(),
                self.engine.running(),
                &shows,
                &mut session,
                line,
            )
        };
        let mut rest = Vec::new();
        for cmd in std::mem::take(&mut reply.admin) {
            let to = self.reply_to();
            for o in self.input(Input::Admin { cmd, reply: to }, now) {
                match o {
                    Out::Reply(id, Answer::Cli { text, error }) if id == to => {
                        reply.output.push_str(&text);
                        if error {
                            reply.error = true;
                            if let Some((mode, path)) = reply.on_refusal.take() {
                                session.mode = mode;
                                session.path = path;
                            }
                            // Lines pasted indented under a refused header are refused too.
                            if reply.header {
                                session.refused_header = true;
                            }
                        }
                    }
                    other => rest.push(other),
                }
            }
        }
        let prompt = self.prompt(&session);
        (
            CliResult {
                reply,
                session,
                prompt,
            },
            rest,
        )
    }
}
