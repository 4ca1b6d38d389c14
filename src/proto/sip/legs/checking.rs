//! A registered phone's new INVITE while the engine checks its digest credentials: held
//! here on its server transaction (which meanwhile absorbs retransmissions and sends 100
//! Trying itself, RFC 3261 §17.2.1) until the answer comes; then the phone's leg opens
//! ([`Legs::incoming`]) or the adapter sends the 401 or 403. A CANCEL in between ends the
//! INVITE with 487 (§9.2), and the answer that comes after it finds nothing to do.

use std::collections::HashMap;

use super::{Action, Dest, Legs};
use crate::proto::sip::msg::{Message, Response};
use crate::proto::sip::transaction::TxId;

/// The INVITEs being checked, by server transaction, and by Call-ID for a CANCEL (which
/// carries its INVITE's, §9.1).
#[derive(Debug, Default)]
pub(super) struct Checking {
    by_tx: HashMap<TxId, (Dest, Box<Message>)>,
    /// The latest INVITE of each Call-ID: an earlier one it replaced here is still answered
    /// when its check comes back, only a CANCEL no longer finds it.
    by_call: HashMap<String, TxId>,
}

impl Legs {
    /// Holds INVITE `m` (server transaction `tx`, from `dest`) until [`Legs::checked`].
    pub fn checking(&mut self, dest: Dest, tx: TxId, m: &Message) {
        if let Some(call_id) = m.call_id() {
            self.checking.by_call.insert(call_id, tx);
        }
        self.checking.by_tx.insert(tx, (dest, Box::new(m.clone())));
    }

    /// The engine answered about the INVITE on `tx`: the INVITE and where it came from,
    /// unless a CANCEL ended it meanwhile.
    pub fn checked(&mut self, tx: TxId) -> Option<(Dest, Box<Message>)> {
        let (dest, m) = self.checking.by_tx.remove(&tx)?;
        if let Some(call_id) = m.call_id()
            && self.checking.by_call.get(&call_id) == Some(&tx)
        {
            self.checking.by_call.remove(&call_id);
        }
        Some((dest, m))
    }

    /// CANCEL `m` of an INVITE being checked: the 487 that ends it (nothing if there is
    /// none; the CANCEL itself is answered by the caller).
    pub(super) fn cancel_checked(&mut self, m: &Message) -> Vec<Action> {
        let Some(tx) = m
            .call_id()
            .and_then(|c| self.checking.by_call.get(&c).copied())
        else {
            return Vec::new();
        };
        let Some((dest, invite)) = self.checked(tx) else {
            return Vec::new();
        };
        let tag = self.tag();
        vec![Action::Respond {
            to: dest,
            tx,
            status: 487,
            bytes: Response::to(&invite, dest.addr, 487, "Request Terminated", &tag).finish(),
        }]
    }
}
