//! Server-side HTTP digest for SIP (RFC 3261 §22.4 with RFC 7616 and, for SHA-256, RFC 8760):
//! the challenge we send in `401 WWW-Authenticate`, our nonces, and the check of the
//! client's `Authorization`. The client's side ([`parse_challenge`], [`respond`]) is here too,
//! for the simulated SIP phones (`sim::sip`): one hash implementation for both directions,
//! and tests that answer our own challenges with it.
//!
//! Nonces are stateless: `<issued>.<serial>.<HMAC-SHA-256(secret, issued ‖ serial ‖ realm),
//! 16 bytes>` in hex, so a registration storm stores nothing per challenge (the serial makes
//! every nonce unique, so two phones challenged in the same second never share one); a nonce older than its lifetime is
//! answered `stale=true` (RFC 7616 §3.3) and the client retries without asking its user. A
//! `nc` below one already seen with the same nonce, or the same count with another response,
//! is a replay ([`Replays`]); an exact copy is a retransmission (REGISTER), or, for
//! requests whose every retransmission the transaction layer absorbs (INVITE,
//! [`Replays::single_use`]), a replay too — and there an answer without `qop`, which has no
//! count, is good for one request per nonce. The
//! response is compared in constant time. HA1 is computed from the configured password by
//! the caller ([`ha1`]); it is password-equivalent and never logged.
//!
//! A leaf module, not part of `proto::sip`: the engine's registrar decides with it, and the
//! engine may not import a protocol. `proto::sip::msg` parses the header into an
//! [`Authorization`]. Pure: time and the secret are passed in.

use std::collections::{HashMap, VecDeque};
use std::fmt::Write as _;

use hmac::{Hmac, Mac};
use md5::{Digest as _, Md5};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// A digest `Authorization` (RFC 7616 §3.4 / RFC 3261 §22.4), as the client sent it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// `username`
    pub username: String,
    /// `realm`
    pub realm: String,
    /// `nonce`
    pub nonce: String,
    /// `uri`
    pub uri: String,
    /// `response` (hex)
    pub response: String,
    /// `algorithm` token (`MD5` when absent).
    pub algorithm: String,
    /// `opaque`
    pub opaque: Option<String>,
    /// `qop`, `cnonce` and `nc` when a qop was chosen.
    pub qop: Option<(String, String, u32)>,
}

/// The digest algorithms we offer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// `MD5` (every Cisco phone and test client).
    Md5,
    /// `SHA-256` (RFC 8760).
    Sha256,
}

impl Algorithm {
    /// The `algorithm=` token.
    pub fn token(self) -> &'static str {
        match self {
            Algorithm::Md5 => "MD5",
            Algorithm::Sha256 => "SHA-256",
        }
    }

    /// The algorithm a client named (absent means MD5, RFC 7616 §3.3).
    pub fn from_token(t: &str) -> Option<Algorithm> {
        match t.trim_matches('"') {
            "" | "MD5" | "md5" => Some(Algorithm::Md5),
            "SHA-256" | "sha-256" => Some(Algorithm::Sha256),
            _ => None,
        }
    }

    fn hash(self, data: &str) -> String {
        match self {
            Algorithm::Md5 => hex(&Md5::digest(data.as_bytes())),
            Algorithm::Sha256 => hex(&Sha256::digest(data.as_bytes())),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// `H(username:realm:password)`, the stored secret of a digest user.
pub fn ha1(alg: Algorithm, user: &str, realm: &str, password: &str) -> String {
    alg.hash(&format!("{user}:{realm}:{password}"))
}

/// What a nonce is worth now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Ours and within its lifetime.
    Fresh,
    /// Ours but expired: challenge again with `stale=true`.
    Stale,
    /// Not ours (or altered).
    Forged,
}

/// Issues and checks our nonces.
#[derive(Clone)]
pub struct Nonces {
    secret: [u8; 32],
    lifetime: u64,
    serial: u64,
}

type HmacSha256 = Hmac<Sha256>;

impl Nonces {
    /// Nonces signed with `secret`, valid for `lifetime` seconds.
    pub fn new(secret: [u8; 32], lifetime: u64) -> Nonces {
        Nonces {
            secret,
            lifetime,
            serial: 0,
        }
    }

    fn tag(&self, issued: u64, serial: u64, realm: &str) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key");
        mac.update(&issued.to_be_bytes());
        mac.update(&serial.to_be_bytes());
        mac.update(realm.as_bytes());
        hex(&mac.finalize().into_bytes()[..16])
    }

    /// A new nonce issued at `now` (unix seconds) for `realm`.
    pub fn issue(&mut self, realm: &str, now: u64) -> String {
        self.serial = self.serial.wrapping_add(1);
        self.issue_for(realm, now, self.serial)
    }

    /// The nonce for request `salt` (a digest of the request's identity) issued at `now`:
    /// the same request retransmitted within the second gets the same nonce, so a stateless
    /// answer to the retransmission is the same answer (RFC 3261 §8.2.7).
    pub fn issue_for(&self, realm: &str, now: u64, salt: u64) -> String {
        format!("{now:x}.{salt:x}.{}", self.tag(now, salt, realm))
    }

    /// Whether `nonce` is ours for `realm` and still fresh at `now`.
    pub fn check(&self, nonce: &str, realm: &str, now: u64) -> Freshness {
        let mut parts = nonce.split('.');
        let (Some(issued), Some(serial), Some(tag), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Freshness::Forged;
        };
        let (Ok(issued), Ok(serial)) = (
            u64::from_str_radix(issued, 16),
            u64::from_str_radix(serial, 16),
        ) else {
            return Freshness::Forged;
        };
        if !bool::from(
            self.tag(issued, serial, realm)
                .as_bytes()
                .ct_eq(tag.as_bytes()),
        ) {
            return Freshness::Forged;
        }
        if issued > now + 5 || now - issued.min(now) > self.lifetime {
            Freshness::Stale
        } else {
            Freshness::Fresh
        }
    }
}

/// The `WWW-Authenticate` value of a challenge.
pub fn challenge(realm: &str, nonce: &str, alg: Algorithm, stale: bool) -> String {
    format!(
        "Digest realm=\"{realm}\", nonce=\"{nonce}\", algorithm={}, qop=\"auth\"{}",
        alg.token(),
        if stale { ", stale=true" } else { "" }
    )
}

/// Why an `Authorization` was not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Realm or algorithm not ours.
    Mismatch,
    /// The nonce expired: challenge again with `stale=true`.
    Stale,
    /// The nonce is not ours.
    Forged,
    /// `nc` was already used with this nonce.
    Replay,
    /// The response is wrong (wrong password).
    Wrong,
}

/// Checks `d` (sent with `method`) against the user's `ha1` for `realm`. A correct answer is
/// recorded in `replays`.
pub fn verify(
    d: &Authorization,
    method: &str,
    realm: &str,
    ha1_of: impl Fn(Algorithm) -> String,
    nonces: &Nonces,
    replays: &mut Replays,
    now: u64,
) -> Result<(), Refused> {
    let alg = Algorithm::from_token(&d.algorithm).ok_or(Refused::Mismatch)?;
    if d.realm != realm {
        return Err(Refused::Mismatch);
    }
    match nonces.check(&d.nonce, realm, now) {
        Freshness::Fresh => {}
        Freshness::Stale => return Err(Refused::Stale),
        Freshness::Forged => return Err(Refused::Forged),
    }
    let ha2 = alg.hash(&format!("{method}:{}", d.uri));
    let ha1 = ha1_of(alg);
    let expected = match &d.qop {
        Some((qop, cnonce, nc)) => {
            alg.hash(&format!("{ha1}:{}:{nc:08x}:{cnonce}:{qop}:{ha2}", d.nonce))
        }
        // RFC 2069 compatibility (no qop), which RFC 3261 §22.4 still allows.
        None => alg.hash(&format!("{ha1}:{}:{ha2}", d.nonce)),
    };
    let given = d.response.to_ascii_lowercase();
    if !bool::from(expected.as_bytes().ct_eq(given.as_bytes())) {
        return Err(Refused::Wrong);
    }
    // Without qop there is no count: single-use answers are then counted as 0, once.
    let nc = match &d.qop {
        Some((_, _, nc)) => Some(*nc),
        None => replays.single_use.then_some(0),
    };
    if let Some(nc) = nc
        && !replays.accept(&d.nonce, nc, &given)
    {
        return Err(Refused::Replay);
    }
    Ok(())
}

/// The highest `nc` seen per nonce, for the nonces still in use (bounded: the oldest are
/// forgotten first, and a forgotten nonce has expired long before).
#[derive(Debug)]
pub struct Replays {
    seen: HashMap<String, (u32, String)>,
    order: VecDeque<String>,
    max: usize,
    /// An exact copy of an accepted answer is refused too (see [`Replays::single_use`]).
    single_use: bool,
}

impl Replays {
    /// Remembers at most `max` nonces; an exact copy of an accepted answer is accepted again
    /// (see [`Replays::accept`]).
    pub fn new(max: usize) -> Replays {
        Replays {
            seen: HashMap::new(),
            order: VecDeque::new(),
            max,
            single_use: false,
        }
    }

    /// Remembers at most `max` nonces, and every answer is good once: for INVITE, whose
    /// retransmissions the server transaction absorbs, so a copy that reaches the check is
    /// another call placed with an answer already used.
    pub fn single_use(max: usize) -> Replays {
        Replays {
            single_use: true,
            ..Replays::new(max)
        }
    }

    /// Whether `nc` is new for `nonce` (and records it). Unless [`Replays::single_use`], the
    /// same count with the same response is a retransmission of the request already
    /// accepted, not a replay of an old one: accepted again, so answering a retransmitted
    /// REGISTER statelessly gives the same 200 (an exact copy can only refresh the binding
    /// it already made).
    fn accept(&mut self, nonce: &str, nc: u32, response: &str) -> bool {
        match self.seen.get_mut(nonce) {
            Some((last, r)) if nc == *last && r == response && !self.single_use => true,
            Some((last, _)) if nc <= *last => false,
            Some((last, r)) => {
                *last = nc;
                *r = response.to_string();
                true
            }
            None => {
                if self.order.len() == self.max
                    && let Some(old) = self.order.pop_front()
                {
                    self.seen.remove(&old);
                }
                self.order.push_back(nonce.to_string());
                self.seen
                    .insert(nonce.to_string(), (nc, response.to_string()));
                true
            }
        }
    }
}

/// A challenge as a client reads it from `WWW-Authenticate` (or `Proxy-Authenticate`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// `realm`
    pub realm: String,
    /// `nonce`
    pub nonce: String,
    /// `algorithm` (MD5 when absent).
    pub algorithm: Algorithm,
    /// Whether `qop` offers `auth` (then the answer carries `qop=auth`, `cnonce`, `nc`).
    pub qop_auth: bool,
    /// `opaque`, echoed in the answer.
    pub opaque: Option<String>,
    /// `stale=true`: the password was right, only the nonce expired.
    pub stale: bool,
}

/// Splits `a=b, c="d, e"` at the commas outside quotes into trimmed `(name, unquoted value)`.
fn auth_params(s: &str) -> Vec<(String, String)> {
    let (mut parts, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
        .into_iter()
        .filter_map(|p| {
            let (n, v) = p.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap_or(v);
            Some((n.trim().to_ascii_lowercase(), v.to_string()))
        })
        .collect()
}

/// A `Digest` `Authorization` that lacks a mandatory parameter or has a bad `nc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed digest Authorization")]
pub struct Malformed;

/// Reads the value of an `Authorization` header (RFC 7616 §3.4): `Ok(None)` for another
/// scheme; `Err` for a `Digest` one lacking `username`, `realm`, `nonce`, `uri` or
/// `response`, or with `qop` but no `cnonce` or hexadecimal `nc`. `algorithm` is `MD5` when
/// absent.
pub fn parse_authorization(value: &str) -> Result<Option<Authorization>, Malformed> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(char::is_whitespace).ok_or(Malformed)?;
    if !scheme.eq_ignore_ascii_case("digest") {
        return Ok(None);
    }
    let mut params = auth_params(rest);
    let mut take = |name: &str| {
        let i = params.iter().position(|(n, _)| n == name)?;
        Some(params.swap_remove(i).1)
    };
    let (username, realm, nonce) = (take("username"), take("realm"), take("nonce"));
    let (uri, response) = (take("uri"), take("response"));
    let (algorithm, opaque) = (take("algorithm"), take("opaque"));
    let qop = match take("qop") {
        None => None,
        Some(q) => {
            let cnonce = take("cnonce").ok_or(Malformed)?;
            let nc =
                u32::from_str_radix(&take("nc").ok_or(Malformed)?, 16).map_err(|_| Malformed)?;
            Some((q, cnonce, nc))
        }
    };
    Ok(Some(Authorization {
        username: username.ok_or(Malformed)?,
        realm: realm.ok_or(Malformed)?,
        nonce: nonce.ok_or(Malformed)?,
        uri: uri.ok_or(Malformed)?,
        response: response.ok_or(Malformed)?,
        algorithm: algorithm.unwrap_or_else(|| "MD5".into()),
        opaque,
        qop,
    }))
}

/// Reads a `Digest` challenge; `None` for another scheme, a missing realm or nonce, or an
/// algorithm we cannot answer (`MD5-sess`, …).
pub fn parse_challenge(value: &str) -> Option<Challenge> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(char::is_whitespace)?;
    if !scheme.eq_ignore_ascii_case("digest") {
        return None;
    }
    let params = auth_params(rest);
    let get = |name: &str| {
        params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    Some(Challenge {
        realm: get("realm")?.to_string(),
        nonce: get("nonce")?.to_string(),
        algorithm: Algorithm::from_token(get("algorithm").unwrap_or(""))?,
        qop_auth: get("qop").is_some_and(|q| q.split(',').any(|t| t.trim() == "auth")),
        opaque: get("opaque").map(str::to_string),
        stale: get("stale").is_some_and(|v| v.eq_ignore_ascii_case("true")),
    })
}

/// The client's `Authorization` value answering `ch` for `method` on `uri` (RFC 7616 §3.4):
/// with `qop=auth`, `cnonce` and the nonce count `nc` when the challenge offered `auth`, else
/// the RFC 2069 form. The caller counts `nc` per nonce (1 for the first use).
pub fn respond(
    ch: &Challenge,
    method: &str,
    uri: &str,
    user: &str,
    password: &str,
    cnonce: &str,
    nc: u32,
) -> String {
    let alg = ch.algorithm;
    let ha1 = ha1(alg, user, &ch.realm, password);
    let ha2 = alg.hash(&format!("{method}:{uri}"));
    let mut out = format!(
        "Digest username=\"{user}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", ",
        ch.realm, ch.nonce
    );
    if ch.qop_auth {
        let response = alg.hash(&format!("{ha1}:{}:{nc:08x}:{cnonce}:auth:{ha2}", ch.nonce));
        let _ = write!(
            out,
            "response=\"{response}\", algorithm={}, cnonce=\"{cnonce}\", qop=auth, nc={nc:08x}",
            alg.token()
        );
    } else {
        let response = alg.hash(&format!("{ha1}:{}:{ha2}", ch.nonce));
        let _ = write!(out, "response=\"{response}\", algorithm={}", alg.token());
    }
    if let Some(o) = &ch.opaque {
        let _ = write!(out, ", opaque=\"{o}\"");
    }
    out
}

#[cfg(test)]
mod tests;
