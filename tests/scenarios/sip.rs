//! The scenario runner's SIP requests that carry digest credentials — `sip-register` and
//! `sip-invite` — and the phone's side of digest that answers the registrar's last
//! challenge, computed here by hand (RFC 7616 §3.4.1) rather than with `cmed::digest`, so
//! the check is tested against an implementation of its own.

use std::fmt::Write as _;
use std::net::SocketAddr;

use cmed::digest::{self, Algorithm, Authorization};
use cmed::engine::{Flow, Input, SipContacts, SipInvite, SipRegister};
use cmed::ids::DeviceName;
use md5::Digest as _;

use super::{PHONE_IP, Runner};

/// `auth USER PASSWORD [nc N] [sha256] [nonce last|TEXT]`, read from a request's words.
struct Credentials<'a> {
    user: &'a str,
    password: &'a str,
    nc: u32,
    alg: Algorithm,
    /// `None`: the last challenge's.
    nonce: Option<&'a str>,
}

impl Runner {
    /// Reads `auth …` (the words after `auth`) with its options from `words`.
    fn credentials<'a>(
        &self,
        words: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>,
    ) -> Credentials<'a> {
        let here = self.here();
        let value = |w: &mut dyn Iterator<Item = &'a str>| -> &'a str {
            w.next()
                .unwrap_or_else(|| panic!("{here}: a value is missing"))
        };
        let (user, password) = (value(words), value(words));
        let mut c = Credentials {
            user,
            password,
            nc: 1,
            alg: Algorithm::Md5,
            nonce: None,
        };
        while let Some(&o @ ("nc" | "sha256" | "nonce")) = words.peek() {
            words.next();
            match o {
                "nc" => c.nc = value(words).parse().unwrap(),
                "sha256" => c.alg = Algorithm::Sha256,
                _ => c.nonce = Some(value(words)).filter(|n| *n != "last"),
            }
        }
        c
    }

    /// `sip-register DEVICE|- TO [auth USER PASSWORD [nc N] [sha256] [nonce last|TEXT]]
    /// [contact URI] [contact-expires N] [expires N] [star] [query] [call-id X]`.
    pub(super) fn sip_register(&mut self, device: &str, to: &str, rest: &[&str]) -> Input {
        let mut auth = None;
        let (mut contact, mut contact_expires, mut expires) =
            (format!("sip:{to}@{PHONE_IP}:5060"), None, None);
        let (mut star, mut query, mut call_id) = (false, false, "reg-1".to_string());
        let mut words = rest.iter().copied().peekable();
        let here = self.here();
        let num = |v: Option<&str>| -> u32 {
            v.unwrap_or_else(|| panic!("{here}: a value is missing"))
                .parse()
                .unwrap()
        };
        while let Some(w) = words.next() {
            match w {
                "auth" => {
                    let c = self.credentials(&mut words);
                    auth = Some(self.answer(&c, "REGISTER", "sip:127.0.0.1"));
                }
                "contact" => contact = words.next().expect("a contact").to_string(),
                "contact-expires" => contact_expires = Some(num(words.next())),
                "expires" => expires = Some(num(words.next())),
                "call-id" => call_id = words.next().expect("a Call-ID").to_string(),
                "star" => star = true,
                "query" => query = true,
                other => panic!("{}: unknown sip-register word {other}", self.here()),
            }
        }
        let contacts = if star {
            SipContacts::Star
        } else if query {
            SipContacts::Query
        } else {
            SipContacts::List(vec![(contact, contact_expires)])
        };
        let reply = self.reply_to();
        Input::SipRegister(Box::new(SipRegister {
            flow: Flow {
                tcp: None,
                peer: SocketAddr::new(PHONE_IP.parse().unwrap(), 5060),
            },
            reply,
            device: DeviceName::parse(device),
            to_user: Some(to.to_string()),
            auth,
            contacts,
            expires,
            call_id,
            cseq: 1,
        }))
    }

    /// `sip-invite DEVICE NUMBER [auth USER PASSWORD [nc N] [sha256] [nonce last|TEXT]]
    /// [cseq N]`: a new INVITE to NUMBER from the address DEVICE registered from, for the
    /// digest check (Call-ID `inv-1`; CSeq 1 unless given).
    pub(super) fn sip_invite(&mut self, device: &str, number: &str, rest: &[&str]) -> Input {
        let (mut auth, mut cseq) = (None, 1);
        let mut words = rest.iter().copied().peekable();
        while let Some(w) = words.next() {
            match w {
                "auth" => {
                    let c = self.credentials(&mut words);
                    let uri = format!("sip:{number}@127.0.0.1:5060");
                    auth = Some(self.answer(&c, "INVITE", &uri));
                }
                "cseq" => cseq = words.next().expect("a CSeq").parse().unwrap(),
                other => panic!("{}: unknown sip-invite word {other}", self.here()),
            }
        }
        let reply = self.reply_to();
        Input::SipInvite(Box::new(SipInvite {
            reply,
            peer: "127.0.0.9:5060".parse().unwrap(),
            device: DeviceName::parse(device).expect("a device name"),
            auth,
            call_id: "inv-1".into(),
            cseq,
        }))
    }

    /// The phone's answer to the last challenge (or to the nonce `c` names) for `method` on
    /// `uri`.
    fn answer(&self, c: &Credentials<'_>, method: &str, uri: &str) -> Authorization {
        let realm = self.last_realm.clone();
        let nonce = c
            .nonce
            .map_or_else(|| self.last_nonce.clone(), str::to_string);
        let (alg, nc) = (c.alg, c.nc);
        let ha1 = digest::ha1(alg, c.user, &realm, c.password);
        let hash = |s: &str| match alg {
            Algorithm::Md5 => hex(&md5::Md5::digest(s.as_bytes())),
            Algorithm::Sha256 => hex(&sha2::Sha256::digest(s.as_bytes())),
        };
        let ha2 = hash(&format!("{method}:{uri}"));
        let response = hash(&format!("{ha1}:{nonce}:{nc:08x}:c0ffee:auth:{ha2}"));
        Authorization {
            username: c.user.into(),
            realm,
            nonce,
            uri: uri.into(),
            response,
            algorithm: alg.token().into(),
            opaque: None,
            qop: Some(("auth".into(), "c0ffee".into(), nc)),
        }
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}
