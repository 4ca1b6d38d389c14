//! The dial plan: where dialed digits go (ARCHITECTURE §2 `routing.rs`, §3 "Call"; calls
//! reference §1 and §2).
//!
//! Every directory number is a dial-peer, as in CME (§1.1): each `ephone-dn` number (primary
//! and `secondary`, `.` wildcards included) and each `voice register dn` number is matched
//! whole (`NUMBER$`), beside the configured VoIP dial-peers. For the digits dialed so far,
//! [`DialPlan::route`] says: wait for more ([`Dialed::More`], §1.3 digit collection), nothing
//! can match ([`Dialed::Unknown`]), or the ordered hunt list ([`Dialed::Route`]): longest
//! explicit match first, then lower `preference`, then the tie-break below, cut after the
//! first candidate with `huntstop` (§1.5, §2.4). A DN candidate names the lines that carry it
//! now ([`Carriers`], through effective profiles) or says it is unregistered — configured but
//! on no registered device, which the voicemail issue tells apart from an unknown number.
//!
//! [U] Tie-break, where the longest match and the preference are equal: directory numbers
//! before VoIP dial-peers (a local phone before a trunk), ephone-dns before voice register
//! dns, then the lower tag, a primary number before a secondary one. IOS picks at random
//! among equal peers (`dial-peer hunt 0`, §2.4); cmed picks the same one every time.
//!
//! The boundary: this module decides nothing about a call's state. The calls engine
//! (`engine::calls`, issue 13) asks it on every digit and on the interdigit timeout, tries the
//! candidates in order and decides which failures hunt on (not a 486 unless
//! `voice hunt user-busy`). Pure: no I/O, no clock; it reads the model, the device registry
//! and the logins, and owns no state beyond its indexes.

mod carriers;
#[cfg(test)]
mod tests;

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::ops::Bound;

use crate::config::model::{Model, NumberOwner};
pub use crate::config::pattern::{MAX_DIGITS, Match, Pattern, PatternError};
use crate::ids::{DialPeerTag, Extension};
pub use carriers::{Carriers, Destination};

/// Whether more digits can still come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    /// The caller is still dialing: an ambiguous number waits for more.
    Ongoing,
    /// No more digits: the interdigit timeout, `#` (§1.3), or a number sent whole (a SIP
    /// INVITE, a speed dial, a forward target).
    Finished,
}

/// What the digits dialed so far lead to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dialed {
    /// More digits could still change the outcome (a longer number starts with these, or a
    /// matching pattern takes more, like `9T`): collect them, or the interdigit timeout.
    More,
    /// No directory number and no dial-peer can match, however many digits follow.
    Unknown,
    /// Where to try, in order (never empty); the last one ends the hunt.
    Route(Vec<Candidate>),
}

/// One place a call can be tried, in hunt order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// What it is.
    pub target: Target,
    /// Literal keys its pattern matched (the longest match wins).
    pub explicit: usize,
    /// Its `preference` (lower first).
    pub preference: u8,
    /// Its `huntstop`: nothing after it is tried.
    pub huntstop: bool,
}

/// A directory number or a VoIP dial-peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A DN (its automatic dial-peer).
    Line {
        /// Which DN.
        dn: NumberOwner,
        /// The number of it that matched, as configured (`500.` for a wildcard).
        number: Extension,
        /// Whether that is the ephone-dn's `secondary` number.
        secondary: bool,
        /// Where it rings now.
        reach: Reach,
    },
    /// `dial-peer voice N voip`.
    Peer(DialPeerTag),
}

/// Where a DN rings now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reach {
    /// On these lines, in device-name then button order (several: a shared line).
    Carried(Vec<Destination>),
    /// Configured, but on no registered device's effective profile: its phones are off or
    /// deceased, or it belongs to a user logged in nowhere, or to a logout profile whose
    /// phones all have a user logged in (calls reference §3.3).
    Unregistered,
}

/// What a whole number is, as far as directory numbers go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// No directory number has it (a dial-peer may still take it: see [`DialPlan::route`]).
    Unknown,
    /// This DN has it, but no registered device carries it.
    Unregistered(NumberOwner),
    /// This DN has it and rings on these lines.
    Carried(NumberOwner, Vec<Destination>),
}

/// The tag CME gives the automatic dial-peer of a DN (§1.1, §1.2). [U] CME numbers them in
/// the order it creates them, from 20001 for ephone-dns and 40001 for SIP DNs; cmed adds the
/// DN tag (20000 + tag, 40000 + tag: `show sip-ua status registrar` prints the same), so a
/// DN's peer keeps its tag across restarts. Above ephone-dn 20000 the two ranges overlap.
pub fn automatic_peer(dn: NumberOwner) -> u32 {
    match dn {
        NumberOwner::Ephone(t) => 20_000 + t.0,
        NumberOwner::Register(t) => 40_000 + t.0,
    }
}

/// What a directory number's or dial-peer's match is for.
#[derive(Clone, Debug)]
enum Owner {
    Dn {
        dn: NumberOwner,
        number: Extension,
        secondary: bool,
    },
    Peer(DialPeerTag),
}

#[derive(Clone, Debug)]
struct Entry {
    owner: Owner,
    preference: u8,
    huntstop: bool,
}

impl Entry {
    /// The order among equal matches (see the module header).
    fn rank(&self) -> (u8, u32, bool) {
        match &self.owner {
            Owner::Dn {
                dn: NumberOwner::Ephone(t),
                secondary,
                ..
            } => (0, t.0, *secondary),
            Owner::Dn {
                dn: NumberOwner::Register(t),
                ..
            } => (1, t.0, false),
            Owner::Peer(tag) => (2, tag.0, false),
        }
    }
}

/// The numbers and patterns of one configuration, indexed for matching digit by digit.
/// Build it again when the configuration changes.
#[derive(Clone, Debug, Default)]
pub struct DialPlan {
    /// DN numbers without wildcards, upper case: a lookup, and a range scan for "a longer
    /// number starts with these digits".
    exact: BTreeMap<String, Vec<Entry>>,
    /// DN numbers with `.` and the usable VoIP dial-peers, matched one by one.
    patterns: Vec<(Pattern, Entry)>,
}

impl DialPlan {
    /// The dial plan of `model`. A VoIP dial-peer takes part when it has a
    /// `destination-pattern`, `session protocol sipv2` (without it IOS speaks H.323, which cmed
    /// does not) and a `session target` (§2.4: a peer without one is not operational).
    pub fn new(model: &Model) -> DialPlan {
        let mut plan = DialPlan::default();
        for (tag, d) in &model.dns {
            let dn = NumberOwner::Ephone(*tag);
            let numbers = [
                (d.number.as_ref(), false, d.preference),
                (d.secondary.as_ref(), true, d.secondary_preference),
            ];
            for (number, secondary, preference) in numbers {
                if let Some(n) = number {
                    plan.add_number(dn, n, secondary, preference, d.huntstop);
                }
            }
        }
        for (tag, d) in &model.reg_dns {
            if let Some(n) = &d.number {
                plan.add_number(
                    NumberOwner::Register(*tag),
                    n,
                    false,
                    d.preference,
                    d.huntstop,
                );
            }
        }
        for (tag, d) in &model.dial_peers {
            let Some(pattern) = d.pattern.clone() else {
                continue;
            };
            if !d.sipv2 || (d.target.is_none() && !d.sip_server) {
                continue;
            }
            let entry = Entry {
                owner: Owner::Peer(*tag),
                preference: d.preference,
                huntstop: d.huntstop,
            };
            plan.patterns.push((pattern, entry));
        }
        plan
    }

    fn add_number(
        &mut self,
        dn: NumberOwner,
        number: &Extension,
        secondary: bool,
        preference: u8,
        huntstop: bool,
    ) {
        let entry = Entry {
            owner: Owner::Dn {
                dn,
                number: number.clone(),
                secondary,
            },
            preference,
            huntstop,
        };
        if number.0.contains('.') {
            self.patterns.push((Pattern::number(&number.0), entry));
        } else {
            let key = number.0.to_ascii_uppercase();
            self.exact.entry(key).or_default().push(entry);
        }
    }

    /// Where `digits` go: see [`Dialed`]. While `Ongoing`, an ambiguous number (`100` with
    /// `1001` configured, or any `T` pattern) waits; once `Finished`, the best complete
    /// matches are taken and an incomplete number is [`Dialed::Unknown`].
    pub fn route(&self, carriers: &Carriers, digits: &str, collection: Collection) -> Dialed {
        let (mut found, waiting) = self.matches(digits);
        if waiting && collection == Collection::Ongoing {
            return Dialed::More;
        }
        if found.is_empty() {
            return Dialed::Unknown;
        }
        found.sort_by_key(|(e, explicit)| (Reverse(*explicit), e.preference, e.rank()));
        let mut hunt = Vec::new();
        for (e, explicit) in found {
            let target = match &e.owner {
                Owner::Dn {
                    dn,
                    number,
                    secondary,
                } => Target::Line {
                    dn: *dn,
                    number: number.clone(),
                    secondary: *secondary,
                    reach: match carriers.of(*dn) {
                        [] => Reach::Unregistered,
                        lines => Reach::Carried(lines.to_vec()),
                    },
                },
                Owner::Peer(tag) => Target::Peer(*tag),
            };
            hunt.push(Candidate {
                target,
                explicit,
                preference: e.preference,
                huntstop: e.huntstop,
            });
            if e.huntstop {
                break;
            }
        }
        Dialed::Route(hunt)
    }

    /// The directory number a whole `number` reaches (the best one, in hunt order), and where
    /// it rings now: for forward targets, the voicemail fallback and message-waiting lamps.
    pub fn lookup(&self, carriers: &Carriers, number: &str) -> Lookup {
        let (found, _) = self.matches(number);
        let best = found
            .into_iter()
            .filter_map(|(e, explicit)| match &e.owner {
                Owner::Dn { dn, .. } => Some((Reverse(explicit), e.preference, e.rank(), *dn)),
                Owner::Peer(_) => None,
            })
            .min();
        match best {
            None => Lookup::Unknown,
            Some((.., dn)) => match carriers.of(dn) {
                [] => Lookup::Unregistered(dn),
                lines => Lookup::Carried(dn, lines.to_vec()),
            },
        }
    }

    /// The entries `digits` match completely, with their explicit keys, and whether any
    /// number or pattern could still match (or match longer) with more digits.
    fn matches(&self, digits: &str) -> (Vec<(&Entry, usize)>, bool) {
        let mut found = Vec::new();
        let key = digits.to_ascii_uppercase();
        if let Some(entries) = self.exact.get(&key) {
            found.extend(entries.iter().map(|e| (e, key.len())));
        }
        let mut waiting = key.len() < MAX_DIGITS
            && self
                .exact
                .range::<str, _>((Bound::Excluded(key.as_str()), Bound::Unbounded))
                .next()
                .is_some_and(|(k, _)| k.starts_with(&key));
        for (pattern, entry) in &self.patterns {
            match pattern.matches(digits) {
                Match::Complete { explicit, more } => {
                    found.push((entry, explicit));
                    waiting |= more;
                }
                Match::Partial => waiting = true,
                Match::None => {}
            }
        }
        (found, waiting)
    }
}
