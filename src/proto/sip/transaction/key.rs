//! Which transaction a message belongs to (RFC 3261 §17.1.3 client side, §17.2.3 server
//! side).
//!
//! Server side, RFC 3261 peers (branch starting with the magic cookie `z9hG4bK`): branch +
//! sent-by of the top Via + method, where ACK is filed under INVITE ("except for ACK, where
//! the method of the request that created the transaction is INVITE") and CANCEL keeps its own
//! method, so it is a transaction of its own with the INVITE's branch.
//!
//! RFC 2543 peers (no cookie): §17.2.3 matches on Request-URI, To tag, From tag, Call-ID, CSeq
//! and top Via. Our key is a simplification of that: Request-URI, Call-ID, From tag, CSeq
//! number and the top Via's sent-by, with the method as above. The To tag is left out because
//! the ACK for a non-2xx carries the tag of our response while the INVITE had none; the rest
//! of the top Via (its parameters) is left out because the facade only gives us sent-by.
//! Two RFC 2543 requests that differ only there would share a transaction; such peers are
//! rare and the ambiguity is theirs.
//!
//! Client side: we create every branch ourselves (with the cookie), so branch + CSeq method
//! is enough, and sent-by is left empty.

use super::types::{Inbound, Method};
use crate::small_str::SmallStr;

/// The magic cookie of RFC 3261 branches (§8.1.1.7).
pub const COOKIE: &str = "z9hG4bK";

/// The identity of a transaction on one side.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TxKey {
    /// The branch, or for RFC 2543 requests a synthesized identity starting with NUL (a
    /// character no branch token contains, so the two kinds cannot collide).
    pub branch: SmallStr,
    /// Top Via sent-by (server side), empty (client side).
    pub sent_by: SmallStr,
    /// The method of the request that created the transaction.
    pub method: Method,
}

impl TxKey {
    /// The server transaction a request belongs to (§17.2.3).
    pub fn server(msg: &Inbound) -> TxKey {
        let method = match msg.method {
            Method::Ack => Method::Invite,
            ref m => m.clone(),
        };
        let branch = if msg.branch.starts_with(COOKIE) {
            msg.branch.clone()
        } else {
            SmallStr::from(format!(
                "\0{}\0{}\0{}\0{}",
                msg.request_uri, msg.call_id, msg.from_tag, msg.cseq
            ))
        };
        TxKey {
            branch,
            sent_by: msg.sent_by.clone(),
            method,
        }
    }

    /// The client transaction for `branch` and `method` (§17.1.3; for a response, the CSeq
    /// method).
    pub fn client(branch: &SmallStr, method: &Method) -> TxKey {
        TxKey {
            branch: branch.clone(),
            sent_by: SmallStr::default(),
            method: method.clone(),
        }
    }

    /// The INVITE transaction a CANCEL with this key cancels (§9.2: same key but the method).
    pub fn invite(&self) -> TxKey {
        TxKey {
            method: Method::Invite,
            ..self.clone()
        }
    }
}

/// How an ACK for a 2xx (which has a branch of its own, §13.2.2.4) finds the INVITE server
/// transaction retransmitting that 2xx: the request's Call-ID, From tag and CSeq number.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AckKey {
    call_id: SmallStr,
    from_tag: SmallStr,
    cseq: u32,
}

impl AckKey {
    /// The key of an INVITE or of an ACK.
    pub fn of(msg: &Inbound) -> AckKey {
        AckKey {
            call_id: msg.call_id.clone(),
            from_tag: msg.from_tag.clone(),
            cseq: msg.cseq,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::request;
    use super::*;

    #[test]
    fn ack_files_under_invite_and_cancel_is_its_own_key() {
        let invite = request(Method::Invite, "z9hG4bKabc");
        let ack = request(Method::Ack, "z9hG4bKabc");
        let cancel = request(Method::Cancel, "z9hG4bKabc");
        assert_eq!(TxKey::server(&ack), TxKey::server(&invite));
        assert_ne!(TxKey::server(&cancel), TxKey::server(&invite));
        assert_eq!(TxKey::server(&cancel).invite(), TxKey::server(&invite));
    }

    #[test]
    fn server_keys_differ_by_sent_by_and_branch() {
        let a = request(Method::Register, "z9hG4bKabc");
        let mut b = a.clone();
        b.sent_by = "10.0.0.9:5060".into();
        assert_ne!(TxKey::server(&a), TxKey::server(&b));
        let mut c = a.clone();
        c.branch = "z9hG4bKabd".into();
        assert_ne!(TxKey::server(&a), TxKey::server(&c));
    }

    #[test]
    fn rfc2543_requests_match_on_uri_call_id_from_tag_and_cseq_but_not_to_tag() {
        let invite = request(Method::Invite, "1");
        let mut ack = request(Method::Ack, "1");
        ack.to_tag = "ours".into();
        assert_eq!(TxKey::server(&ack), TxKey::server(&invite));
        for change in [
            |m: &mut Inbound| m.request_uri = "sip:other@x".into(),
            |m: &mut Inbound| m.call_id = "other".into(),
            |m: &mut Inbound| m.from_tag = "other".into(),
            |m: &mut Inbound| m.cseq += 1,
        ] {
            let mut other = invite.clone();
            change(&mut other);
            assert_ne!(TxKey::server(&other), TxKey::server(&invite));
        }
        // A branch without the cookie is not compared as a branch at all.
        let mut same_branch_other_call = invite.clone();
        same_branch_other_call.call_id = "x".into();
        assert_ne!(
            TxKey::server(&same_branch_other_call),
            TxKey::server(&invite)
        );
    }
}
