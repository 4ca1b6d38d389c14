//! cmed's subscriptions to a voicemail server's `message-summary` event (RFC 6665 with the
//! package of RFC 3842), for IOS's `mwi-server` without `unsolicited`: one subscription per
//! number that asks for it (`ephone-dn` `mwi sip`, `voice register dn` `mwi`), kept alive by
//! refreshing it before it expires (RFC 6665 §4.1.2.1) and started again in a new dialog
//! when the server has lost it — a `481` to a refresh (the server restarted), a `NOTIFY`
//! with `Subscription-State: terminated`, a refused or unanswered SUBSCRIBE (then after a
//! pause). The NOTIFYs the server sends are read like unsolicited ones (`mwi`).
//!
//! Sans-IO: the wanted set and `now` in; SUBSCRIBE requests (for the transaction layer to
//! send) and a deadline out; the outcome of each request fed back by its branch.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::time::Duration;

use crate::small_str::SmallStr;
use crate::time::Mono;

/// How long to wait before trying again after a subscription failed.
pub const RETRY: Duration = Duration::from_secs(60);

/// How long to wait before subscribing again after the server ended the subscription.
pub const AGAIN: Duration = Duration::from_secs(5);

/// A SUBSCRIBE to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Its Via branch (its client transaction).
    pub branch: SmallStr,
    /// The server.
    pub dest: SocketAddr,
    /// The request.
    pub bytes: Vec<u8>,
}

/// One number's subscription.
#[derive(Clone, Debug)]
struct Sub {
    server: SocketAddr,
    /// The interval asked for.
    expires: u32,
    call_id: String,
    from_tag: String,
    /// The server's tag, once it accepted (the dialog).
    to_tag: Option<String>,
    cseq: u32,
    /// A SUBSCRIBE is out (its branch); else the next is sent at `due`.
    waiting: Option<SmallStr>,
    due: Mono,
    /// `Expires: 0` is being sent: the number no longer asks for messages.
    ending: bool,
}

/// Every subscription cmed keeps.
#[derive(Debug)]
pub struct Subscriptions {
    subs: BTreeMap<String, Sub>,
    by_branch: HashMap<String, String>,
    local: SocketAddr,
    salt: u64,
    serial: u64,
}

impl Subscriptions {
    /// No subscriptions; `local` is cmed's SIP address, `salt` makes its identifiers its own.
    pub fn new(local: SocketAddr, salt: u64) -> Subscriptions {
        Subscriptions {
            subs: BTreeMap::new(),
            by_branch: HashMap::new(),
            local,
            salt,
            serial: 0,
        }
    }

    /// How many numbers are subscribed (or being subscribed).
    pub fn len(&self) -> usize {
        self.subs.values().filter(|s| !s.ending).count()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn fresh(&mut self, what: &str) -> String {
        self.serial += 1;
        format!("cmed{what}{:x}{:x}", self.salt, self.serial)
    }

    /// A new dialog for a subscription (after the old one was lost), due at `due`.
    fn restart(&mut self, number: &str, due: Mono) {
        let (call_id, from_tag) = (self.fresh("sub"), self.fresh("t"));
        if let Some(s) = self.subs.get_mut(number) {
            s.call_id = call_id;
            s.from_tag = from_tag;
            s.to_tag = None;
            s.cseq = 0;
            s.waiting = None;
            s.due = due;
        }
    }

    /// The numbers to subscribe now, each at its server with its interval: new ones are
    /// subscribed at once, a changed server or interval starts again, a number no longer
    /// wanted is unsubscribed (`Expires: 0`).
    pub fn set(&mut self, want: impl IntoIterator<Item = (String, SocketAddr, u32)>, now: Mono) {
        let want: BTreeMap<String, (SocketAddr, u32)> =
            want.into_iter().map(|(n, s, e)| (n, (s, e))).collect();
        for (number, s) in &mut self.subs {
            if !want.contains_key(number) && !s.ending {
                s.ending = true;
                s.waiting = None;
                s.due = now;
            }
        }
        for (number, (server, expires)) in want {
            let same = self
                .subs
                .get(&number)
                .is_some_and(|s| !s.ending && s.server == server && s.expires == expires);
            if same {
                continue;
            }
            let (call_id, from_tag) = (self.fresh("sub"), self.fresh("t"));
            self.subs.insert(
                number,
                Sub {
                    server,
                    expires,
                    call_id,
                    from_tag,
                    to_tag: None,
                    cseq: 0,
                    waiting: None,
                    due: now,
                    ending: false,
                },
            );
        }
    }

    /// The SUBSCRIBEs due at `now`.
    pub fn poll(&mut self, now: Mono) -> Vec<Request> {
        let due: Vec<String> = self
            .subs
            .iter()
            .filter(|(_, s)| s.waiting.is_none() && s.due <= now)
            .map(|(n, _)| n.clone())
            .collect();
        let mut out = Vec::new();
        for number in due {
            let branch = SmallStr::from(format!("z9hG4bK{}", self.fresh("s")).as_str());
            let local = self.local;
            let Some(s) = self.subs.get_mut(&number) else {
                continue;
            };
            s.cseq += 1;
            s.waiting = Some(branch.clone());
            let to_tag = s
                .to_tag
                .as_ref()
                .map_or(String::new(), |t| format!(";tag={t}"));
            let expires = if s.ending { 0 } else { s.expires };
            let text = format!(
                "SUBSCRIBE sip:{number}@{server} SIP/2.0\r\n\
Via: SIP/2.0/UDP {local};branch={branch};rport\r\n\
Max-Forwards: 70\r\n\
From: <sip:{number}@{ip}>;tag={from_tag}\r\n\
To: <sip:{number}@{server_ip}>{to_tag}\r\n\
Call-ID: {call_id}@{ip}\r\n\
CSeq: {cseq} SUBSCRIBE\r\n\
Contact: <sip:{number}@{local}>\r\n\
Event: message-summary\r\n\
Accept: application/simple-message-summary\r\n\
Expires: {expires}\r\n\
Content-Length: 0\r\n\r\n",
                server = s.server,
                server_ip = s.server.ip(),
                ip = local.ip(),
                from_tag = s.from_tag,
                call_id = s.call_id,
                cseq = s.cseq,
            );
            self.by_branch.insert(branch.to_string(), number);
            out.push(Request {
                branch,
                dest: s.server,
                bytes: text.into_bytes(),
            });
        }
        out
    }

    /// Whether `branch` is one of our SUBSCRIBEs.
    pub fn owns(&self, branch: &str) -> bool {
        self.by_branch.contains_key(branch)
    }

    /// The final response to our SUBSCRIBE `branch`: `status`, the server's To tag, and
    /// the `Expires` (and for a 423 the `Min-Expires`) it gave.
    pub fn response(
        &mut self,
        branch: &str,
        status: u16,
        to_tag: Option<&str>,
        expires: Option<u32>,
        now: Mono,
    ) {
        if status < 200 {
            return;
        }
        let Some(number) = self.by_branch.remove(branch) else {
            return;
        };
        let Some(s) = self.subs.get_mut(&number) else {
            return;
        };
        s.waiting = None;
        if s.ending {
            self.subs.remove(&number);
            return;
        }
        match status {
            200..=299 => {
                if s.to_tag.is_none() {
                    s.to_tag = to_tag.map(str::to_string);
                }
                // Refresh at nine tenths of the interval the server granted.
                let granted = expires.unwrap_or(s.expires).min(s.expires).max(1);
                s.due = now.after(Duration::from_secs(u64::from(granted)) * 9 / 10);
            }
            423 => {
                if let Some(min) = expires {
                    s.expires = min.max(s.expires);
                }
                s.due = now;
            }
            481 => self.restart(&number, now),
            _ => {
                tracing::info!(
                    number,
                    status,
                    "message-summary SUBSCRIBE refused; trying again later"
                );
                self.restart(&number, now.after(RETRY));
            }
        }
    }

    /// Our SUBSCRIBE `branch` got no answer (Timer F).
    pub fn timed_out(&mut self, branch: &str, now: Mono) {
        let Some(number) = self.by_branch.remove(branch) else {
            return;
        };
        if self.subs.get(&number).is_some_and(|s| s.ending) {
            self.subs.remove(&number);
            return;
        }
        tracing::info!(
            number,
            "message-summary SUBSCRIBE unanswered; trying again later"
        );
        self.restart(&number, now.after(RETRY));
    }

    /// The server ended the subscription of dialog `call_id` (a NOTIFY with
    /// `Subscription-State: terminated`): subscribe again shortly, in a new dialog.
    pub fn terminated(&mut self, call_id: &str, now: Mono) {
        let number = self
            .subs
            .iter()
            .find(|(_, s)| !s.ending && call_id.starts_with(s.call_id.as_str()))
            .map(|(n, _)| n.clone());
        if let Some(n) = number {
            self.restart(&n, now.after(AGAIN));
        }
    }

    /// When the next SUBSCRIBE is due, if any.
    pub fn deadline(&self) -> Option<Mono> {
        self.subs
            .values()
            .filter(|s| s.waiting.is_none())
            .map(|s| s.due)
            .min()
    }
}

#[cfg(test)]
mod tests;
