//! `debug voice ccapi inout`: one line per call setup, answer, forward and release, in the
//! shape of IOS's `//<callid>/CCAPI/<function>:` lines (calls reference §5.4), with the
//! Q.850 cause IOS prints on a disconnect. Logged under [`CCAPI`]; the daemon's log filter
//! lets them through only while the switch is on (the engine cannot read it).

use super::{Call, CallId, End};
use crate::debug::CCAPI;
use crate::leg::{Chan, LegCmd, Party, RedirectReason};

/// Q.850 causes of the disconnects cmed makes.
#[derive(Clone, Copy, Debug)]
pub enum Cause {
    /// 1: unallocated (unassigned) number.
    Unallocated = 1,
    /// 16: normal call clearing.
    Normal = 16,
    /// 17: user busy.
    Busy = 17,
    /// 18: no user responding.
    NoResponse = 18,
    /// 19: no answer from user (user alerted).
    NoAnswer = 19,
    /// 21: call rejected.
    Rejected = 21,
    /// 23: redirection to a new destination.
    Redirected = 23,
}

impl Cause {
    /// The cause of the tone a failed setup ends in.
    pub fn of(cmd: &LegCmd) -> Cause {
        match cmd {
            LegCmd::Busy(_) => Cause::Busy,
            LegCmd::Unavailable(_) => Cause::NoResponse,
            LegCmd::Forbidden(_) => Cause::Rejected,
            _ => Cause::Unallocated,
        }
    }
}

fn who(end: &End) -> String {
    match end {
        End::Line { device, line, chan } if *chan == Chan::FIRST => {
            format!("{device}/{}", line.0)
        }
        End::Line { device, line, chan } => format!("{device}/{} CH{}", line.0, chan.0),
        End::Trunk(t) => format!("{t:?}"),
    }
}

/// A call set up: who calls whom, on which dial-peer (the callee's).
pub fn setup(id: CallId, call: &Call, calling: &Party, peer: u32) {
    tracing::info!(
        target: CCAPI,
        "//{}/CCAPI/cc_api_call_setup_ind_common: Call Info(Calling Number={},(Calling Name={}), Called Number={}), Outgoing Dial-peer={peer}, Caller={}, Callee={}, Call Id={}",
        id.0,
        calling.number,
        calling.name,
        call.dialled,
        who(&call.caller),
        who(&call.callee),
        id.0
    );
}

/// The callee answered.
pub fn connected(id: CallId) {
    tracing::info!(target: CCAPI, "//{}/CCAPI/cc_api_call_connected: Call Id={}", id.0, id.0);
}

/// A call forwarded from `from` to `target`.
pub fn redirected(from: &str, target: &str, reason: RedirectReason, counter: u8) {
    tracing::info!(
        target: CCAPI,
        "//-1/CCAPI/cc_api_call_redirect: cisco-rdn={from}, final_redirectNumber={target}, cisco-redirectreason={}, counter={counter}",
        reason.token()
    );
}

/// A call (`None`: a setup that rang nothing) ends with `cause`.
pub fn disconnect(id: Option<CallId>, end: &End, cause: Cause) {
    let n = id.map_or(-1, |i| i64::try_from(i.0).unwrap_or(i64::MAX));
    tracing::info!(
        target: CCAPI,
        "//{n}/CCAPI/ccCallDisconnect: (callID={n}, cause=0x{:x} tag=0x0) by {}",
        cause as u8,
        who(end)
    );
}
