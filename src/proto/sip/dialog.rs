//! SIP dialogs (RFC 3261 §12) for the B2BUA's legs: each call leg cmed has with a SIP phone
//! or a dial-peer target is one dialog, which cmed is the UAS of (the phone called in) or the
//! UAC of (cmed called the phone).
//!
//! A [`Dialog`] keeps what §12.1 says the dialog state is — Call-ID, local and remote tag,
//! local and remote sequence number, local and remote URI, remote target, route set — and
//! is created from the INVITE it answers ([`Dialog::uas`], §12.1.1) or from the response to
//! the INVITE it sent ([`Dialog::uac`], §12.1.2). It builds the requests inside it (BYE,
//! re-INVITE, the ACK of a 2xx, §12.2.1.1 and §13.2.2.4), checks the requests that arrive in
//! it (§12.2.2: a lower CSeq is refused) and follows target refreshes. [`invite`] builds the
//! out-of-dialog INVITE that starts a UAC leg (§8.1.1). Pure: messages in, bytes out; the
//! transactions they travel in are `transaction`'s, the branch and tags are the caller's.
//!
//! Loose routing only (RFC 3261 §16.12 `lr`): the route set becomes `Route` headers and the
//! Request-URI is the remote target. A strict-routing proxy is not supported (none sits
//! between cmed and its phones).

use std::fmt::Write as _;

use super::msg::{Contacts, Message, StartLine};
use super::transaction::{AckParts, Method};
use crate::small_str::SmallStr;

/// Why a message does not make or fit a dialog.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DialogError {
    /// A header the dialog needs is missing (`From`, `To`, `Call-ID`, `CSeq`, a tag).
    #[error("no {0} to build a dialog from")]
    Missing(&'static str),
    /// The request's `Contact` is not one URI (§12.1.1: the remote target).
    #[error("a dialog needs exactly one Contact")]
    Contact,
    /// A request whose CSeq is not above the last one (§12.2.2: answer 500).
    #[error("CSeq {got} is not above {last}")]
    OutOfOrder {
        /// What the request carried.
        got: u32,
        /// The dialog's remote sequence number.
        last: u32,
    },
    /// The request belongs to another dialog.
    #[error("request of another dialog")]
    NotOurs,
}

/// Whether the dialog was answered yet (§12.1: early on a 1xx with a To tag, confirmed on a
/// 2xx).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Created by a provisional response.
    Early,
    /// Created or confirmed by a 2xx.
    Confirmed,
}

/// A dialog's identity from our side (§12: Call-ID, local tag, remote tag).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DialogId {
    /// `Call-ID`.
    pub call_id: String,
    /// Our tag.
    pub local_tag: String,
    /// The peer's tag.
    pub remote_tag: String,
}

impl DialogId {
    /// The dialog a request received belongs to (§12.2.2: To tag ours, From tag theirs);
    /// `None` for a request outside any dialog (no To tag).
    pub fn of_request(m: &Message) -> Option<DialogId> {
        Some(DialogId {
            call_id: m.call_id()?,
            local_tag: m.to()?.tag?,
            remote_tag: m.from()?.tag?,
        })
    }
}

/// One dialog.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dialog {
    /// Its identity.
    pub id: DialogId,
    /// Early or confirmed.
    pub state: State,
    /// Our `From`/`To` value in requests we send, with our tag.
    local: String,
    /// The peer's `From`/`To` value, with its tag.
    remote: String,
    /// Where requests inside the dialog go (the peer's Contact URI).
    pub remote_target: String,
    /// `Route` values for requests inside the dialog, in order.
    route_set: Vec<String>,
    /// The CSeq of the last request we sent.
    local_seq: u32,
    /// The CSeq of the last request the peer sent, once it sent one.
    remote_seq: Option<u32>,
    /// The CSeq of the INVITE that made (or last re-INVITEd) the dialog: the ACK of its
    /// 2xx carries the same number (§13.2.2.4).
    invite_seq: u32,
}

fn contact_uri(m: &Message) -> Result<String, DialogError> {
    match m.contacts() {
        Contacts::List(l) if l.len() == 1 => Ok(l[0].uri.clone()),
        _ => Err(DialogError::Contact),
    }
}

impl Dialog {
    /// The dialog cmed is UAS of, created by answering `invite` with a response carrying
    /// `local_tag` (§12.1.1): the remote target is the INVITE's Contact, the route set its
    /// Record-Route in order, the remote sequence number its CSeq.
    pub fn uas(invite: &Message, local_tag: &str, state: State) -> Result<Dialog, DialogError> {
        let from = invite.first("from").ok_or(DialogError::Missing("From"))?;
        let to = invite.first("to").ok_or(DialogError::Missing("To"))?;
        let remote_tag = invite
            .from()
            .and_then(|f| f.tag)
            .ok_or(DialogError::Missing("From tag"))?;
        let (cseq, _) = invite.cseq().ok_or(DialogError::Missing("CSeq"))?;
        let call_id = invite.call_id().ok_or(DialogError::Missing("Call-ID"))?;
        Ok(Dialog {
            id: DialogId {
                call_id,
                local_tag: local_tag.to_string(),
                remote_tag,
            },
            state,
            local: format!("{to};tag={local_tag}"),
            remote: from,
            remote_target: contact_uri(invite)?,
            route_set: invite.values("record-route"),
            local_seq: 0,
            remote_seq: Some(cseq),
            invite_seq: cseq,
        })
    }

    /// The dialog cmed is UAC of, created by `response` (1xx with a To tag, or 2xx) to the
    /// INVITE it sent (§12.1.2): the remote target is the response's Contact, the route set
    /// its Record-Route reversed, the local sequence number the INVITE's CSeq.
    pub fn uac(response: &Message) -> Result<Dialog, DialogError> {
        let StartLine::Response { code, .. } = response.start else {
            return Err(DialogError::Missing("response"));
        };
        let from = response.first("from").ok_or(DialogError::Missing("From"))?;
        let to = response.first("to").ok_or(DialogError::Missing("To"))?;
        let local_tag = response
            .from()
            .and_then(|f| f.tag)
            .ok_or(DialogError::Missing("From tag"))?;
        let remote_tag = response
            .to()
            .and_then(|t| t.tag)
            .ok_or(DialogError::Missing("To tag"))?;
        let (cseq, _) = response.cseq().ok_or(DialogError::Missing("CSeq"))?;
        let mut route_set = response.values("record-route");
        route_set.reverse();
        Ok(Dialog {
            id: DialogId {
                call_id: response.call_id().ok_or(DialogError::Missing("Call-ID"))?,
                local_tag,
                remote_tag,
            },
            state: if (200..300).contains(&code) {
                State::Confirmed
            } else {
                State::Early
            },
            local: from,
            remote: to,
            remote_target: contact_uri(response)?,
            route_set,
            local_seq: cseq,
            remote_seq: None,
            invite_seq: cseq,
        })
    }

    /// A 2xx arrived for an early dialog, or a later response refreshed the target
    /// (§12.1.2, §12.2.1.2).
    pub fn confirm(&mut self, response: &Message) {
        self.state = State::Confirmed;
        if let Ok(uri) = contact_uri(response) {
            self.remote_target = uri;
        }
    }

    /// Checks a request the peer sent in this dialog (§12.2.2): it must be ours and, except
    /// for ACK and CANCEL (which repeat the INVITE's number), carry a CSeq above the last
    /// one. A re-INVITE's Contact refreshes the remote target (§12.2.2, target refresh).
    pub fn receive(&mut self, request: &Message) -> Result<(), DialogError> {
        if DialogId::of_request(request).as_ref() != Some(&self.id) {
            return Err(DialogError::NotOurs);
        }
        let (seq, method) = request.cseq().ok_or(DialogError::Missing("CSeq"))?;
        if matches!(method, Method::Ack | Method::Cancel) {
            return Ok(());
        }
        if let Some(last) = self.remote_seq
            && seq <= last
        {
            return Err(DialogError::OutOfOrder { got: seq, last });
        }
        self.remote_seq = Some(seq);
        if method == Method::Invite
            && let Ok(uri) = contact_uri(request)
        {
            self.remote_target = uri;
        }
        Ok(())
    }

    /// A request inside the dialog (§12.2.1.1): BYE, re-INVITE, INFO … with the next CSeq.
    /// `via` is our `SIP/2.0/UDP host:port` sent-by, `branch` the transaction's, `contact`
    /// our Contact URI, `body` a content type and bytes.
    pub fn request(
        &mut self,
        method: &Method,
        via: &str,
        branch: &str,
        contact: &str,
        body: Option<(&str, &[u8])>,
    ) -> Vec<u8> {
        self.local_seq += 1;
        if *method == Method::Invite {
            self.invite_seq = self.local_seq;
        }
        let seq = self.local_seq;
        self.build(method, seq, via, branch, Some(contact), body)
    }

    /// What the transaction layer copies into the ACK of a non-2xx final response to the
    /// re-INVITE just built with `via` and `branch` (§17.1.1.3).
    pub fn ack_parts(&self, via: &str, branch: &str) -> AckParts {
        AckParts {
            request_uri: SmallStr::from(self.remote_target.as_str()),
            via: SmallStr::from(format!("{via};branch={branch};rport").as_str()),
            from: SmallStr::from(self.local.as_str()),
            call_id: SmallStr::from(self.id.call_id.as_str()),
            cseq: self.invite_seq,
            route: self
                .route_set
                .iter()
                .map(|r| SmallStr::from(r.as_str()))
                .collect(),
        }
    }

    /// The ACK of a 2xx to our INVITE (§13.2.2.4): the INVITE's CSeq number, a new branch,
    /// the dialog's route set; the answer SDP when the INVITE carried no offer.
    pub fn ack(&self, via: &str, branch: &str, body: Option<(&str, &[u8])>) -> Vec<u8> {
        self.build(&Method::Ack, self.invite_seq, via, branch, None, body)
    }

    fn build(
        &self,
        method: &Method,
        seq: u32,
        via: &str,
        branch: &str,
        contact: Option<&str>,
        body: Option<(&str, &[u8])>,
    ) -> Vec<u8> {
        let m = method.as_str();
        let mut t = format!("{m} {} SIP/2.0\r\n", self.remote_target);
        let _ = write!(t, "Via: {via};branch={branch};rport\r\n");
        for r in &self.route_set {
            let _ = write!(t, "Route: {r}\r\n");
        }
        let _ = write!(
            t,
            "Max-Forwards: 70\r\nFrom: {}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {seq} {m}\r\n",
            self.local, self.remote, self.id.call_id
        );
        if let Some(c) = contact {
            let _ = write!(t, "Contact: <{c}>\r\n");
        }
        finish(t, body)
    }
}

/// What an out-of-dialog INVITE says (§8.1.1): where it goes and as whom.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invite<'a> {
    /// The Request-URI: the callee's registered contact, or `sip:NUMBER@target`.
    pub uri: &'a str,
    /// `From` value without tag (the caller, e.g. `"Alice" <sip:1001@cmed>`).
    pub from: &'a str,
    /// Our tag for the `From`.
    pub from_tag: &'a str,
    /// `To` value (the callee, no tag).
    pub to: &'a str,
    /// `Call-ID`.
    pub call_id: &'a str,
    /// `CSeq` number.
    pub cseq: u32,
    /// Our `SIP/2.0/UDP host:port` sent-by.
    pub via: &'a str,
    /// The transaction's branch.
    pub branch: &'a str,
    /// Our Contact URI.
    pub contact: &'a str,
}

/// The bytes of an out-of-dialog INVITE with `extra` headers (e.g. `Diversion`) and
/// `body` (the SDP offer).
pub fn invite(i: &Invite<'_>, extra: &[(&str, &str)], body: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut t = format!("INVITE {} SIP/2.0\r\n", i.uri);
    let _ = write!(
        t,
        "Via: {};branch={};rport\r\nMax-Forwards: 70\r\nFrom: {};tag={}\r\nTo: {}\r\n\
Call-ID: {}\r\nCSeq: {} INVITE\r\nContact: <{}>\r\n",
        i.via, i.branch, i.from, i.from_tag, i.to, i.call_id, i.cseq, i.contact
    );
    t.push_str("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, NOTIFY\r\n");
    for (name, value) in extra {
        let _ = write!(t, "{name}: {value}\r\n");
    }
    finish(t, body)
}

fn finish(mut t: String, body: Option<(&str, &[u8])>) -> Vec<u8> {
    let bytes = body.map_or(&[][..], |(_, b)| b);
    if let Some((ct, _)) = body {
        let _ = write!(t, "Content-Type: {ct}\r\n");
    }
    let _ = write!(t, "Content-Length: {}\r\n\r\n", bytes.len());
    let mut out = t.into_bytes();
    out.extend_from_slice(bytes);
    out
}

#[cfg(test)]
mod tests;
