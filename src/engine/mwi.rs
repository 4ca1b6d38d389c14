//! Message waiting (calls reference §4.4–4.6): which numbers have messages, and the lamps
//! that show it. The state is kept per number, not per phone, so it follows the number:
//! a voicemail server's message-summary NOTIFY (taken only from the `mwi-server` or a
//! dial-peer's target) or its outcall to an `mwi on|off` DN sets it, and every line that
//! carries the number now is lit or cleared — an SCCP phone by SetLamp, a SIP phone by a
//! message-summary NOTIFY. A phone that registers (after a restart, or because a login or
//! logout changed its lines) is given the lamps of the numbers it carries then, so an EM
//! user's lamp is on wherever they are logged in and on no phone they left.
//!
//! The state is written behind, with the SIP bindings, so it survives a restart (CME
//! loses it on reload).

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, SocketAddr};

use super::effect::{Answer, ConnCmd, Effect, MwiOutcome};
use super::input::ReplyTo;
use super::{Engine, Now};
use crate::config::model::Model;
use crate::debug::MWI;
use crate::ids::{DeviceName, Extension};
use crate::leg::{LineInstance, Messages};
use crate::store::{Change, StoredMwi};

/// The subscriptions cmed keeps at the `mwi-server` (when it is not `unsolicited`): each
/// number whose DN asks for it (`ephone-dn` `mwi sip`, `voice register dn` `mwi`), with
/// the server and the interval.
pub fn subscriptions(model: &Model) -> Vec<(String, SocketAddr, u32)> {
    let Some(s) = model.mwi_server.filter(|s| !s.unsolicited) else {
        return Vec::new();
    };
    let server = SocketAddr::new(IpAddr::V4(s.ip), s.port);
    let ephone = model
        .dns
        .values()
        .filter(|d| d.mwi_sip)
        .filter_map(|d| d.number.as_ref());
    let sip = model
        .reg_dns
        .values()
        .filter(|d| d.mwi)
        .filter_map(|d| d.number.as_ref());
    ephone
        .chain(sip)
        .map(|n| (n.0.clone(), server, s.expires))
        .collect()
}

/// The numbers with messages waiting, and those not yet written behind.
#[derive(Debug, Default)]
pub struct Mwi {
    waiting: BTreeMap<Extension, StoredMwi>,
    unwritten: BTreeSet<Extension>,
}

impl Mwi {
    /// The state the store kept.
    pub fn recover(stored: BTreeMap<Extension, StoredMwi>) -> Mwi {
        Mwi {
            waiting: stored,
            unwritten: BTreeSet::new(),
        }
    }

    /// What waits for `number`, if anything.
    pub fn get(&self, number: &str) -> Option<&StoredMwi> {
        self.waiting.get(&Extension(number.to_string()))
    }

    /// Every number with messages waiting, in number order.
    pub fn iter(&self) -> impl Iterator<Item = (&Extension, &StoredMwi)> {
        self.waiting.iter()
    }

    /// Records what the server said; whether the lamp changes (on to off or off to on).
    fn set(&mut self, number: &Extension, m: Messages, source: &str, now: u64) -> bool {
        let was = self.waiting.contains_key(number);
        if m.waiting {
            let since = self.waiting.get(number).map_or(now, |s| s.since);
            self.waiting.insert(
                number.clone(),
                StoredMwi {
                    new: m.new,
                    old: m.old,
                    since,
                    source: source.to_string(),
                },
            );
        } else {
            self.waiting.remove(number);
        }
        self.unwritten.insert(number.clone());
        was != m.waiting
    }

    /// Whether changes wait to be written behind.
    pub fn unwritten(&self) -> bool {
        !self.unwritten.is_empty()
    }

    /// What to write behind: each changed number as it is now.
    pub fn take_unwritten(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.unwritten)
            .into_iter()
            .map(|number| match self.waiting.get(&number) {
                Some(m) => Change::PutMwi {
                    mwi: m.clone(),
                    number,
                },
                None => Change::DropMwi { number },
            })
            .collect()
    }

    /// A write-behind failed: write these numbers again with the next batch.
    pub fn unwritten_again(&mut self, changes: &[Change]) {
        for c in changes {
            if let Change::PutMwi { number, .. } | Change::DropMwi { number } = c {
                self.unwritten.insert(number.clone());
            }
        }
    }
}

impl Engine {
    /// A message-summary NOTIFY from `from` for `number`.
    pub(super) fn mwi_notify(
        &mut self,
        from: SocketAddr,
        number: String,
        messages: Messages,
        reply: ReplyTo,
        now: Now,
        out: &mut Vec<Effect>,
    ) {
        let m = &self.running.model;
        let number = Extension(number);
        let outcome = if !m.is_voip_peer(from.ip()) {
            tracing::info!(%from, number = number.0, "message-summary NOTIFY from an untrusted address refused");
            MwiOutcome::Forbidden
        } else if !m.numbers.contains_key(&number) {
            tracing::info!(%from, number = number.0, "message-summary NOTIFY for a number cmed does not have");
            MwiOutcome::NotFound
        } else {
            self.set_mwi(&number, messages, &from.ip().to_string(), now, out);
            MwiOutcome::Taken
        };
        out.push(Effect::Reply {
            to: reply,
            answer: Answer::Mwi(outcome),
        });
    }

    /// Sets what waits for `number` (told by `source`) and lights or clears every line that
    /// carries it now.
    pub(super) fn set_mwi(
        &mut self,
        number: &Extension,
        messages: Messages,
        source: &str,
        now: Now,
        out: &mut Vec<Effect>,
    ) {
        let changed = self.mwi.set(number, messages, source, now.unix.0);
        tracing::info!(target: MWI, number = number.0, waiting = messages.waiting, new = messages.new, old = messages.old, source, "message waiting {}", if messages.waiting { "on" } else { "off" });
        if !changed && !messages.waiting {
            return;
        }
        let Some(owner) = self.running.model.numbers.get(number).copied() else {
            return;
        };
        let lines: Vec<(DeviceName, LineInstance)> = self
            .routing()
            .1
            .of(owner)
            .iter()
            .map(|d| (d.device, d.line))
            .collect();
        for (device, line) in lines {
            self.lamp(device, line, number, messages, out);
        }
    }

    /// The lamp of `device`'s `line` (which carries `number`) shows `messages`.
    fn lamp(
        &self,
        device: DeviceName,
        line: LineInstance,
        number: &Extension,
        messages: Messages,
        out: &mut Vec<Effect>,
    ) {
        let Some(d) = self.devices.get(&device) else {
            return;
        };
        tracing::info!(target: MWI, %device, line = line.0, number = number.0, "lamp {}", if messages.waiting { "on" } else { "off" });
        if let Some(conn) = d.conn() {
            let mwi_line = (self.running.model)
                .phone_by_mac(device.mac())
                .and_then(|p| match p {
                    crate::config::phone::PhoneRef::Ephone(_, e) => e.mwi_line,
                    crate::config::phone::PhoneRef::Pool(..) => None,
                })
                .unwrap_or(1);
            out.push(Effect::ToConn {
                conn,
                cmd: ConnCmd::Mwi {
                    line,
                    on: messages.waiting,
                    handset: line.0 == u32::from(mwi_line),
                },
            });
        } else if let Some(b) = d.sip() {
            out.push(Effect::SipMwi {
                flow: b.flow,
                contact: b.contact.clone(),
                number: number.0.clone(),
                messages,
            });
        }
    }

    /// What calls to outcall DNs set: each extension's lamps follow. The counts are not
    /// known from an outcall.
    pub(super) fn mwi_outcalls(&mut self, now: Now, out: &mut Vec<Effect>) {
        for (number, on) in self.calls.take_mwi_edits() {
            if !self.running.model.numbers.contains_key(&number) {
                tracing::info!(
                    number = number.0,
                    "MWI outcall for a number cmed does not have"
                );
                continue;
            }
            let messages = Messages {
                waiting: on,
                ..Messages::default()
            };
            self.set_mwi(&number, messages, "outcall", now, out);
        }
    }

    /// A phone that just registered is given the lamps of the numbers it carries now.
    pub(super) fn lamps_at_registration(&self, device: DeviceName, out: &mut Vec<Effect>) {
        if self.mwi.waiting.is_empty() {
            return;
        }
        let Some(d) = self.devices.get(&device) else {
            return;
        };
        for (i, l) in d.layout.lines.iter().enumerate() {
            let number = Extension(l.number.to_string());
            if let Some(m) = self.mwi.waiting.get(&number) {
                let messages = Messages {
                    waiting: true,
                    new: m.new,
                    old: m.old,
                };
                let line = LineInstance(u32::try_from(i + 1).unwrap_or(u32::MAX));
                self.lamp(device, line, &number, messages, out);
            }
        }
    }
}
