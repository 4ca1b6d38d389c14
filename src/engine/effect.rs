//! Everything the engine wants done, as one enum: [`Effect`]. The caller carries the effects
//! out in order. A [`Effect::Persist`] is always the last effect of its call: what depends on
//! it (the answer, restarts, the published snapshot) comes only after the caller reports the
//! commit back as [`Input::Committed`](super::Input::Committed) — persist before you announce.

use std::net::IpAddr;
use std::sync::Arc;

use super::em::{Ended, Reason, Refusal};
use super::input::ReplyTo;
use crate::ids::{ConnId, DeviceName, UserName};
use crate::leg::{Layout, LegCmd, RestartKind};
use crate::store::Change;
use crate::time::Unix;

/// One thing to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Commit `batch.changes` in one durable transaction, then hand the batch back as
    /// `Input::Committed` with the outcome.
    Persist(Box<Batch>),
    /// Commit these SIP binding changes, written behind: nothing waits for them and the
    /// engine has already applied them. On failure, report `Input::WriteBehindFailed`.
    WriteBehind(Vec<Change>),
    /// Answer a waiting request.
    Reply {
        /// Who waits.
        to: ReplyTo,
        /// The answer.
        answer: Answer,
    },
    /// Restart or reset a SIP phone (rendered as NOTIFYs on its registered flow).
    ToSip {
        /// The phone's flow.
        flow: super::input::Flow,
        /// Its registered contact.
        contact: String,
        /// The Call-ID of its REGISTER (the phone checks `RegisterCallId`).
        register_call_id: String,
        /// Restart or reset.
        kind: RestartKind,
    },
    /// Tell a SIP phone whether messages wait for one of its numbers: a `NOTIFY` with
    /// `Event: message-summary` on its registered flow.
    SipMwi {
        /// The phone's flow.
        flow: super::input::Flow,
        /// Its registered contact.
        contact: String,
        /// The number (the `Message-Account`).
        number: String,
        /// What waits.
        messages: crate::leg::Messages,
    },
    /// Tell a SIP call leg something (`proto::sip::legs` renders it as SIP).
    ToSipLeg {
        /// The phone or trunk.
        leg: crate::leg::SipLegId,
        /// Where a call cmed places goes: a phone's flow and registered contact while it has
        /// a binding, a trunk's target and Request-URI (a leg the far side opened knows
        /// where it came from).
        to: Option<(super::input::Flow, String)>,
        /// What to do.
        cmd: LegCmd,
    },
    /// Tell a phone connection something.
    ToConn {
        /// The connection.
        conn: ConnId,
        /// What to tell it.
        cmd: ConnCmd,
    },
    /// Clear a phone's call history after a logout (`Init:CallHistory` on its `/CGI/Execute`,
    /// authenticated with the credential the phone checks). Best effort, never waited for.
    ClearHistory {
        /// The phone's address.
        ip: IpAddr,
        /// `authentication credential` application name.
        user: String,
        /// Its password.
        secret: String,
    },
    /// Write the startup-config file, then report `Input::StartupWritten`.
    WriteStartup {
        /// The file's new text.
        text: String,
        /// The `write memory` waiting.
        reply: ReplyTo,
    },
    /// The state readers see changed: publish a new snapshot.
    Publish,
}

/// The answer to a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// An EM request: done, or why not.
    Em(Result<(), super::em::EmError>),
    /// A `REGISTER`: what the registrar decided.
    Register(super::registrar::Outcome),
    /// A registered phone's new `INVITE`: `Ok`, the call may proceed; else the challenge
    /// (401) or refusal (403) to answer it with, rendered as a REGISTER's are.
    Invite(Result<(), super::registrar::Outcome>),
    /// A voicemail server's message-summary NOTIFY: taken (200), from a source that is
    /// neither the `mwi-server` nor a dial-peer target (403), or for a number cmed does not
    /// have (404).
    Mwi(MwiOutcome),
    /// An administrator's command: text to print after the line's own output.
    Cli {
        /// What to print (may be empty).
        text: String,
        /// The command was refused (an IOS `%` error).
        error: bool,
    },
}

/// What became of a message-summary NOTIFY.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MwiOutcome {
    /// Taken: the lamps follow.
    Taken,
    /// Not from the `mwi-server` or a dial-peer target.
    Forbidden,
    /// No such number here.
    NotFound,
}

/// What a phone connection is told; small, because every connection's mailbox holds a few.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnCmd {
    /// Registration accepted: what the phone carries and the protocol version it offered.
    Accept(Arc<Layout>, u8),
    /// Registration refused with this text.
    Reject(&'static str),
    /// Restart or reset the phone (it closes and registers again).
    Restart(RestartKind),
    /// A newer connection registered the same phone: close quietly.
    Replaced,
    /// Something to render on a line's channel.
    Leg(crate::leg::Chan, LegCmd),
    /// The message-waiting lamp of a line: its envelope, and the handset's lamp too when
    /// it is the phone's `mwi-line`.
    Mwi {
        /// The line.
        line: crate::leg::LineInstance,
        /// On or off.
        on: bool,
        /// It is the phone's `mwi-line` (line 1 unless configured).
        handset: bool,
    },
}

/// A decision that must be durable before it takes effect: the store changes, and what the
/// engine does once they are committed. Planned by `&self` code; applied only after the
/// commit succeeded, so a failed commit leaves everything as it was.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// The store changes, committed in one transaction.
    pub changes: Vec<Change>,
    /// The EM sessions it ends (for `show extension-mobility` and the logs).
    pub ended: Vec<Ended>,
    /// The phones to restart afterwards, so they register again with their new profile.
    pub restart: Vec<DeviceName>,
    /// The automatic-logout check this batch completes: the check time advances to it.
    pub tick_to: Option<Unix>,
    /// Logouts that must wait for these phones to go on hook.
    pub defer: Vec<(DeviceName, Reason)>,
    /// A successful password login: that user's failure count is reset.
    pub clear_failures: Option<UserName>,
    /// Who waits for the outcome.
    pub reply: Option<ReplyTo>,
    /// How to answer: an EM request or a CLI command (which prints EM errors its own way).
    pub for_cli: bool,
}

/// An EM decision: a batch to commit, or a refusal (which may update failure counters).
pub type Decision = Result<Batch, Refusal>;
