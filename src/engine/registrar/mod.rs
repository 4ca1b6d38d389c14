//! The SIP registrar's decisions (RFC 3261 §10.3): which `voice register pool` a REGISTER is
//! for, whether its digest credentials are right, and the binding it leaves. The SIP adapter
//! renders the [`Outcome`] (401 with `WWW-Authenticate`, 200 with the bindings and `Date`,
//! 403, 404, 423 with `Min-Expires`, 400).
//!
//! The pool is found by the Cisco `+u.sip!devicename` contact parameter, else by the digest
//! user name (`username` of the pool), else by the `To` user (a number on one of the pool's
//! lines, or its `username`: clients that register as their authentication name). A pool
//! with `username … password …` is challenged with MD5, as CME does, and with SHA-256 after
//! it when `voice register global` has our `authenticate algorithm sha-256` (RFC 8760 §2.4:
//! the client takes the first it supports; off by default because a second challenge makes
//! some clients refuse the whole 401), with `qop=auth` and our stateless nonces
//! ([`crate::digest`]). An SHA-256 answer is checked either way. A pool without credentials
//! registers as it asks.
//! A device binds once for all its lines (CME's bulk registration): the numbers of its
//! effective profile are reached through that binding.
//!
//! The same check, with the same nonces, decides a registered phone's new INVITE
//! (`invite.rs`): the phone is challenged before its call is taken.

mod invite;
pub mod lockout;
pub mod stats;

pub use stats::{Event, Failure, Stats};

use super::devices::{Devices, SipBinding};
use super::input::{SipContacts, SipRegister};
use crate::config::model::{Credential, Model};
use crate::digest::{self, Algorithm, Nonces, Refused, Replays};
use crate::ids::{DeviceName, PoolTag};
use crate::time::Now;

/// `registrar server expires` defaults (IOS: max 3600, min 60).
pub const EXPIRES_MAX: u32 = 3600;
/// See [`EXPIRES_MAX`].
pub const EXPIRES_MIN: u32 = 60;
/// What a contact gets when it asks for nothing (RFC 3261 §10.2.1.1 leaves it to us).
const EXPIRES_DEFAULT: u32 = 3600;
/// How long a nonce stays fresh.
const NONCE_LIFETIME: u64 = 300;

/// What the registrar decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 401: authenticate with this nonce (`stale`: the old nonce expired, RFC 7616 §3.3).
    Challenge {
        /// The realm.
        realm: String,
        /// Our nonce.
        nonce: String,
        /// The previous nonce had expired.
        stale: bool,
        /// Offer SHA-256 after MD5 (`authenticate algorithm sha-256`).
        sha256: bool,
    },
    /// 200: the bindings now (contact, seconds left); empty after a removal.
    Registered {
        /// Contact URIs with their remaining seconds.
        contacts: Vec<(String, u32)>,
        /// The phone the binding is for (the SIP adapter knows the phone that sends an
        /// INVITE from a registered flow by it).
        device: DeviceName,
    },
    /// 400: a malformed registration (`*` with a non-zero Expires).
    BadRequest(&'static str),
    /// 403: wrong credentials, or `max-pool` reached.
    Forbidden(Failure),
    /// 404: no pool for this device or user.
    NotFound,
    /// 423: the interval is shorter than `Min-Expires`.
    IntervalTooBrief {
        /// Our minimum.
        min: u32,
    },
}

/// The request a digest answer is checked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// A REGISTER.
    Register,
    /// A phone's new INVITE.
    Invite,
}

impl Request {
    /// The method the answer's response covers.
    fn method(self) -> &'static str {
        match self {
            Request::Register => "REGISTER",
            Request::Invite => "INVITE",
        }
    }
}

/// The registrar's own state: nonces, the `nc` replay windows and its counters.
pub struct Registrar {
    nonces: Nonces,
    /// REGISTER answers (an exact copy is a retransmission, accepted again).
    replays: Replays,
    /// INVITE answers, each good once (see `invite.rs`).
    invite_replays: Replays,
    /// What it has decided since the daemon started (REGISTERs only: CME's counters).
    pub stats: Stats,
    /// Sources blocked after failed authentications (`lockout.rs`).
    pub lockout: lockout::Lockout,
}

impl Registrar {
    /// A registrar signing nonces with `secret` (random, from the daemon at start).
    pub fn new(secret: [u8; 32]) -> Registrar {
        Registrar {
            nonces: Nonces::new(secret, NONCE_LIFETIME),
            replays: Replays::new(65_536),
            invite_replays: Replays::single_use(65_536),
            stats: Stats::default(),
            lockout: lockout::Lockout::default(),
        }
    }

    /// Issues a challenge in our realm for request `salt` (see [`request_salt`]): a
    /// retransmission of the same REGISTER within the second is challenged with the same
    /// nonce. SHA-256 is offered after MD5 with `authenticate algorithm sha-256`.
    fn challenge(&self, m: &Model, now: u64, salt: u64, stale: bool) -> Outcome {
        let realm = realm(m);
        Outcome::Challenge {
            realm: realm.to_string(),
            nonce: self.nonces.issue_for(realm, now, salt),
            stale,
            sha256: m.register.digest_sha256,
        }
    }

    /// A REGISTER: find the pool, check its credentials, then bind, refresh, remove or list
    /// (RFC 3261 §10.3). Counted in [`Registrar::stats`].
    pub fn register(
        &mut self,
        m: &Model,
        devices: &mut Devices,
        logins: &crate::engine::Logins,
        r: SipRegister,
        now: Now,
    ) -> Outcome {
        let ip = r.flow.peer.ip();
        let policy = m.register.auth_block.policy();
        if policy.is_some() && self.lockout.blocked(ip, now.unix.0) {
            self.stats
                .record(None, Event::Failed(Failure::Blocked), now.unix.0);
            return Outcome::Forbidden(Failure::Blocked);
        }
        let (pool, outcome, event) = self.decide(m, devices, logins, r, now);
        self.stats.record(pool, event, now.unix.0);
        if let (Some(p), Outcome::Forbidden(Failure::WrongPassword | Failure::WrongUser)) =
            (policy, &outcome)
        {
            self.lockout.failed(ip, p, now.unix.0);
        }
        outcome
    }

    fn decide(
        &mut self,
        m: &Model,
        devices: &mut Devices,
        logins: &crate::engine::Logins,
        r: SipRegister,
        now: Now,
    ) -> (Option<PoolTag>, Outcome, Event) {
        let digest_user = r.auth.as_ref().map(|a| a.username.as_str());
        let Some((pool, device)) = find_pool(m, r.device, digest_user, r.to_user.as_deref()) else {
            tracing::debug!(to = ?r.to_user, device = ?r.device, "REGISTER for no configured pool");
            return (None, Outcome::NotFound, Event::Failed(Failure::NoPool));
        };
        let done = |o: Outcome, e: Event| (Some(pool), o, e);
        if let Some(c) = m.pools.get(&pool).and_then(|p| p.username.as_ref()) {
            let salt = request_salt(&r.call_id, r.cseq);
            let checked =
                self.authenticate(m, c, Request::Register, r.auth.as_ref(), now.unix.0, salt);
            if let Err(o) = checked {
                let e = match &o {
                    Outcome::Challenge { stale, .. } => Event::Challenged { stale: *stale },
                    refused => Event::Failed(Failure::of(refused).unwrap_or(Failure::WrongUser)),
                };
                return done(o, e);
            }
        }
        let current = |d: &Devices| -> Vec<(String, u32)> {
            d.get(&device)
                .and_then(|x| x.sip())
                .map(|b| {
                    let left = b.expires_at.saturating_sub(now.unix.0) as u32;
                    vec![(b.contact.clone(), left)]
                })
                .unwrap_or_default()
        };
        let removed = |d: &mut Devices| {
            d.unbind_sip(&device);
            let none = Outcome::Registered {
                contacts: Vec::new(),
                device,
            };
            done(none, Event::Removed)
        };
        match r.contacts {
            SipContacts::Query => {
                let o = Outcome::Registered {
                    contacts: current(devices),
                    device,
                };
                done(o, Event::Query)
            }
            SipContacts::Star if r.expires == Some(0) => removed(devices),
            SipContacts::Star => {
                let o = Outcome::BadRequest("Contact * needs Expires: 0");
                done(o, Event::Failed(Failure::Malformed))
            }
            SipContacts::List(list) => {
                // One binding per device: the first contact (Cisco phones send one).
                let Some((uri, asked)) = list.into_iter().next() else {
                    let o = Outcome::BadRequest("no contact");
                    return done(o, Event::Failed(Failure::Malformed));
                };
                match interval(asked, r.expires, m.registrar_expires) {
                    Err(min) => done(
                        Outcome::IntervalTooBrief { min },
                        Event::Failed(Failure::IntervalTooBrief),
                    ),
                    Ok(0) => removed(devices),
                    Ok(e) => {
                        let refresh = devices.get(&device).and_then(|d| d.sip()).is_some();
                        if !refresh && devices.registered_sip() >= m.register.max_pool as usize {
                            return done(
                                Outcome::Forbidden(Failure::MaxPool),
                                Event::Failed(Failure::MaxPool),
                            );
                        }
                        let binding = SipBinding {
                            flow: r.flow,
                            contact: uri.clone(),
                            call_id: r.call_id,
                            expires_at: now.unix.0 + u64::from(e),
                        };
                        devices.bind_sip(m, logins, device, pool, binding, now.unix.0);
                        if !refresh {
                            // Ours, in CME's form for SCCP phones (`%IPPHONE-6-REGISTER`).
                            tracing::info!(
                                ios = "SIPPHONE-6-REGISTER",
                                "pool-{}:{device} IP:{} has registered.",
                                pool.0,
                                r.flow.peer.ip()
                            );
                        }
                        let o = Outcome::Registered {
                            contacts: vec![(uri, e)],
                            device,
                        };
                        done(o, if refresh { Event::Refresh } else { Event::New })
                    }
                }
            }
        }
    }

    /// Checks the credentials of `request` (REGISTER or INVITE, identified for its nonce by
    /// `salt`) for a pool with `c` (`username … password …`): `Ok` when they are right, else
    /// the outcome to answer with — a challenge in our realm (SHA-256 offered after MD5
    /// with `authenticate algorithm sha-256`) or a 403.
    pub fn authenticate(
        &mut self,
        m: &Model,
        c: &Credential,
        request: Request,
        auth: Option<&digest::Authorization>,
        now: u64,
        salt: u64,
    ) -> Result<(), Outcome> {
        let (realm, user) = (realm(m), c.user.0.as_str());
        let challenge = |r: &Registrar, stale: bool| Err(r.challenge(m, now, salt, stale));
        let Some(a) = auth else {
            return challenge(self, false);
        };
        if a.username != user {
            return Err(Outcome::Forbidden(Failure::WrongUser));
        }
        let Some(password) = c.secret.clear() else {
            return Err(Outcome::Forbidden(Failure::UnreadablePassword));
        };
        let ha1 = |alg: Algorithm| digest::ha1(alg, user, realm, password);
        let replays = match request {
            Request::Register => &mut self.replays,
            Request::Invite => &mut self.invite_replays,
        };
        let method = request.method();
        match digest::verify(a, method, realm, ha1, &self.nonces, replays, now) {
            Ok(()) => Ok(()),
            Err(Refused::Stale) => challenge(self, true),
            // A nonce not ours (a restart changed the secret) or a count already used:
            // challenge again, the phone answers with a fresh nonce.
            Err(Refused::Forged | Refused::Replay | Refused::Mismatch) => challenge(self, false),
            Err(Refused::Wrong) => Err(Outcome::Forbidden(Failure::WrongPassword)),
        }
    }
}

/// What identifies a request for its nonce: its Call-ID and CSeq (FNV-1a; only equality
/// within a second matters, and a collision costs one more challenge).
pub fn request_salt(call_id: &str, cseq: u32) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in call_id.bytes().chain(cseq.to_be_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// The realm we challenge with: the `hostname` (any fixed text works: the phones' digest
/// uses whatever the challenge names).
pub fn realm(model: &Model) -> &str {
    &model.hostname
}

/// The pool a REGISTER is for, and its device name (pools are known by `id mac`).
pub fn find_pool(
    model: &Model,
    device: Option<DeviceName>,
    digest_user: Option<&str>,
    to_user: Option<&str>,
) -> Option<(PoolTag, DeviceName)> {
    let named = |tag: PoolTag| {
        let mac = model.pools.get(&tag)?.mac?;
        Some((tag, DeviceName::from_mac(mac)))
    };
    if let Some(d) = device
        && let Some(crate::config::phone::PhoneRef::Pool(tag, _)) = model.phone_by_mac(d.mac())
    {
        return named(tag);
    }
    if let Some(u) = digest_user
        && let Some(tag) = model.sip_users.by_username.get(u)
    {
        return named(*tag);
    }
    named(*model.sip_users.by_to_user.get(to_user?)?)
}

/// The interval a contact gets: its own `expires`, else the `Expires` header, else our
/// default; above the maximum it is lowered (RFC 3261 §10.3 step 7), below the minimum it is
/// refused with 423 (`Err(min)`); 0 means removal. `bounds` are `registrar server expires
/// max M min N`, else IOS's defaults.
pub fn interval(
    contact: Option<u32>,
    header: Option<u32>,
    bounds: Option<(u32, u32)>,
) -> Result<u32, u32> {
    let (max, min) = bounds.unwrap_or((EXPIRES_MAX, EXPIRES_MIN));
    let asked = contact.or(header).unwrap_or(EXPIRES_DEFAULT.min(max));
    match asked {
        0 => Ok(0),
        e if e < min => Err(min),
        e => Ok(e.min(max)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_are_bounded_as_ios_does() {
        assert_eq!(interval(None, None, None), Ok(3600));
        assert_eq!(interval(None, Some(7200), None), Ok(3600));
        assert_eq!(interval(Some(120), Some(7200), None), Ok(120));
        assert_eq!(interval(Some(0), Some(3600), None), Ok(0));
        assert_eq!(interval(None, Some(30), None), Err(60));
        // `registrar server expires max 600 min 120`.
        let b = Some((600, 120));
        assert_eq!(interval(None, None, b), Ok(600));
        assert_eq!(interval(Some(3600), None, b), Ok(600));
        assert_eq!(interval(Some(90), None, b), Err(120));
    }
}
