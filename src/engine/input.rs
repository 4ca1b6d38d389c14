//! Everything that can happen to the engine, as one enum: [`Input`]. Callers (the actor, the
//! scenario tests) build typed values — device and user names are parsed at the edge — and
//! pass them to [`Engine::handle`](super::Engine::handle) with the time they arrived.

use std::net::{IpAddr, SocketAddr};

use super::effect::Batch;
pub use crate::config::edit::ConfigEdit;
use crate::ids::{ConnId, DeviceName, EphoneTag, PoolTag, ProfileTag, UserName};
use crate::leg::{LegEvent, RestartKind};

/// A request waiting for its answer, numbered by whoever asked (the actor); the engine
/// answers it with exactly one [`Effect::Reply`](super::Effect::Reply).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReplyTo(pub u64);

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A phone asks to register on a connection.
    Register(Registration),
    /// A registered device reported something.
    Device {
        /// Its connection.
        conn: ConnId,
        /// What happened.
        event: DeviceEvent,
    },
    /// A SIP `REGISTER`, checked at the edge.
    SipRegister(Box<SipRegister>),
    /// A new `INVITE` from the address a SIP pool phone registered from: may that phone
    /// call (its digest credentials)? Answered before the INVITE becomes the phone's leg.
    SipInvite(Box<SipInvite>),
    /// A SIP call leg's event (a phone's or trunk's INVITE, answer, BYE …, read by
    /// `proto::sip::legs`).
    SipLeg {
        /// The phone or trunk.
        leg: crate::leg::SipLegId,
        /// What happened on its line.
        event: crate::leg::LegEvent,
    },
    /// A SIP INVITE from no registered phone: a call in from a trunk, taken if a dial-peer
    /// points at where it came from.
    TrunkCall {
        /// The leg the SIP side opened for it.
        trunk: crate::leg::TrunkId,
        /// Where it came from.
        from: std::net::SocketAddr,
        /// The number called (the Request-URI's user).
        called: String,
        /// The caller, as its From shows it.
        calling: crate::leg::Party,
    },
    /// A voicemail server says whether messages wait for `number` (an out-of-dialog SIP
    /// `NOTIFY` with `Event: message-summary`, RFC 3842). Taken only from the `mwi-server`
    /// or a dial-peer's target; answered with [`Answer::Mwi`](super::Answer::Mwi).
    MwiNotify {
        /// Where it came from.
        from: SocketAddr,
        /// The mailbox's number (its `Message-Account`, else the Request-URI's user).
        number: String,
        /// What waits.
        messages: crate::leg::Messages,
        /// Who waits for the answer.
        reply: ReplyTo,
    },
    /// A phone connection ended (SCCP, or a SIP TCP flow).
    Closed {
        /// The connection.
        conn: ConnId,
    },
    /// An Extension Mobility request (service pages, EM API).
    Em {
        /// The request.
        req: EmRequest,
        /// Who waits for the answer.
        reply: ReplyTo,
    },
    /// An administrator's command, already parsed by the CLI.
    Admin {
        /// The command.
        cmd: Admin,
        /// Who waits for the answer.
        reply: ReplyTo,
    },
    /// The deadline [`Engine::next_deadline`](super::Engine::next_deadline) gave has passed.
    Timer,
    /// The store finished a [`Effect::Persist`](super::Effect::Persist): the batch comes
    /// back with the outcome, and only now is it applied (or, on error, dropped).
    Committed {
        /// The batch that was committed.
        batch: Box<Batch>,
        /// `Err` holds the store's message.
        result: Result<(), String>,
    },
    /// A [`Effect::WriteBehind`](super::Effect::WriteBehind) failed: its devices are written
    /// again with the next batch.
    WriteBehindFailed {
        /// The changes that were not written.
        changes: Vec<crate::store::Change>,
    },
    /// The daemon is stopping: end every call (both sides told), then write behind now what
    /// is still pending.
    Flush,
    /// The startup-config file was written (the answer to
    /// [`Effect::WriteStartup`](super::Effect::WriteStartup)).
    StartupWritten {
        /// What was written.
        text: String,
        /// `Err` holds the message to print after `%Error writing `.
        result: Result<(), String>,
        /// The `write memory` waiting.
        reply: ReplyTo,
    },
}

/// A phone's `Register`, checked at the edge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// The connection it came on.
    pub conn: ConnId,
    /// Where from.
    pub peer: SocketAddr,
    /// The device name, or the text sent when it is not a `SEP<MAC>` name.
    pub device: Result<DeviceName, String>,
    /// The device type code it reported.
    pub device_type: u32,
    /// The highest protocol version it offered.
    pub protocol: u8,
    /// `maxStreams`.
    pub max_streams: u32,
}

/// How a SIP device is reached again: the TCP connection it registered on (NOTIFYs and,
/// later, INVITEs go back on it, RFC 5626 §4.4) or, over UDP, the address it sent from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Flow {
    /// The TCP connection, or `None` for UDP.
    pub tcp: Option<ConnId>,
    /// Where the request came from (after NAT: what RFC 3581 `rport` reports).
    pub peer: SocketAddr,
}

impl Flow {
    /// A flow read back from the store after a restart. A TCP connection does not outlive
    /// the process: such a flow names [`ConnId::GONE`], and the adapter sends on whatever
    /// connection the phone has open from that address (none until it reconnects).
    pub fn recovered(tcp: bool, peer: SocketAddr) -> Flow {
        Flow {
            tcp: tcp.then_some(ConnId::GONE),
            peer,
        }
    }
}

/// A `REGISTER`, as the SIP adapter read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipRegister {
    /// Where it came from.
    pub flow: Flow,
    /// Who waits for the answer (the adapter's server transaction).
    pub reply: ReplyTo,
    /// The `+u.sip!devicename.ccm.cisco.com` parameter of the first contact (Cisco phones).
    pub device: Option<DeviceName>,
    /// The `To` URI's user (the address of record).
    pub to_user: Option<String>,
    /// The digest credentials, if the request carries them.
    pub auth: Option<crate::digest::Authorization>,
    /// The Request-URI the digest response covers is the one in `auth`; the method is
    /// always `REGISTER`.
    pub contacts: SipContacts,
    /// The `Expires` header.
    pub expires: Option<u32>,
    /// The `Call-ID` (the phone checks it in a restart NOTIFY's `RegisterCallId`).
    pub call_id: String,
    /// The `CSeq` number: with the Call-ID, what makes a retransmission the same request.
    pub cseq: u32,
}

/// A registered phone's new `INVITE` (no To tag), as the SIP adapter read it for the digest
/// check: the response covers the method `INVITE` and the digest `uri` in `auth`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipInvite {
    /// Who waits for the answer (the adapter's INVITE server transaction).
    pub reply: ReplyTo,
    /// Where it came from (a source that fails too often is blocked).
    pub peer: SocketAddr,
    /// The phone that registered from the address the INVITE came from.
    pub device: DeviceName,
    /// The digest credentials, if the request carries them.
    pub auth: Option<crate::digest::Authorization>,
    /// The `Call-ID`.
    pub call_id: String,
    /// The `CSeq` number: with the Call-ID, what identifies the request for its nonce.
    pub cseq: u32,
}

/// The contacts of a `REGISTER`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SipContacts {
    /// None: a query for the current bindings.
    Query,
    /// `Contact: *`: remove every binding (only with `Expires: 0`, RFC 3261 §10.3 step 6).
    Star,
    /// The contacts: URI and its `expires` parameter.
    List(Vec<(String, Option<u32>)>),
}

/// What a registered device reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceEvent {
    /// A keepalive (counted for `show ephone`).
    KeepAlive,
    /// A line event (hook changes), with the channel of the call the phone named, if it
    /// named one (else the engine takes the line's current call, or a new one).
    Leg(Option<crate::leg::Chan>, LegEvent),
    /// The phone unregistered.
    Unregistered,
    /// The phone missed its keepalives.
    Deceased,
}

/// An Extension Mobility request, with typed names (the pages answer malformed ones).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmRequest {
    /// A user logs in from the phone's service page.
    Login {
        /// The phone.
        device: DeviceName,
        /// User id (or extension with `em login-type dn`).
        user: UserName,
        /// Password as typed.
        secret: String,
        /// The HTTP client's address.
        source: IpAddr,
    },
    /// The user on the phone logs out from its service page.
    Logout {
        /// The phone.
        device: DeviceName,
        /// The HTTP client's address.
        source: IpAddr,
    },
    /// An EM API login by an authorised application: no password, no IP check.
    ApiLogin {
        /// The phone.
        device: DeviceName,
        /// The user.
        user: UserName,
    },
    /// An EM API logout.
    ApiLogout {
        /// The phone.
        device: DeviceName,
    },
    /// The phone's authentication URL: an `authentication credential` or a profile user.
    Authenticate {
        /// `UserID`.
        user: UserName,
        /// `Password`.
        secret: String,
    },
    /// The logged-in user changes their password.
    ChangePassword {
        /// The phone.
        device: DeviceName,
        /// Current password.
        old: String,
        /// New password.
        new: String,
        /// The HTTP client's address.
        source: IpAddr,
    },
}

/// What an administrator asked for, once the CLI matched the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admin {
    /// Change the running configuration; refused (and undone) if the model rejects it.
    Configure(ConfigEdit),
    /// `write memory` / `copy running-config startup-config`.
    WriteMemory,
    /// `restart` / `reset` of the phones in scope.
    Restart {
        /// Which phones.
        scope: Scope,
        /// Restart or reset.
        kind: RestartKind,
    },
    /// `emadmin login USER EPHONE-TAG | pool N | SEP…`: no password, no IP check.
    EmLogin {
        /// The user.
        user: UserName,
        /// The phone.
        phone: EmPhone,
    },
    /// `clear voice register pool N`: drop that SIP phone's registration.
    ClearSipPool(PoolTag),
    /// `emadmin logout USER`: everywhere.
    EmLogout {
        /// The user.
        user: UserName,
    },
}

/// The phone `emadmin login` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EmPhone {
    /// `ephone N` (CME's form).
    Ephone(EphoneTag),
    /// `pool N`: a SIP phone.
    Pool(PoolTag),
    /// A device name (`SEP<MAC>`), SCCP or SIP; kept as typed, checked by the engine.
    Device(String),
}

/// Which phones an action is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// Every SCCP phone, this many seconds apart (`restart all N`).
    AllSccp(u32),
    /// Every SIP phone.
    AllSip,
    /// One ephone.
    Ephone(EphoneTag),
    /// One voice register pool.
    Pool(PoolTag),
    /// Every phone carrying this user profile (`true`) or logout profile.
    Profile {
        /// Whether it is a user profile.
        user: bool,
        /// Its tag.
        tag: ProfileTag,
    },
}
