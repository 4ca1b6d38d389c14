//! Digest on a registered phone's INVITE. The B2BUA takes calls only from registered pool
//! phones and from dial-peer targets (an open B2BUA is a toll-fraud relay), and an address
//! a phone registered from is not proof enough that the phone is calling: its INVITE is
//! challenged as its REGISTER is. The SIP adapter asks here about every new INVITE (no To
//! tag) from the address a pool phone registered from; an INVITE from any other address
//! is a trunk's, which the calls take only from a dial-peer's target, unchallenged; a
//! re-INVITE inside a dialog is not challenged.
//!
//! The check is REGISTER's ([`Registrar::authenticate`]): the same realm, nonces (lifetime
//! and signing) and challenge (MD5 with `qop="auth"`, SHA-256 after it only with
//! `authenticate algorithm sha-256`), the response computed over `INVITE` and the digest
//! `uri`. That is the phone's Request-URI as it wrote it; it is not required to equal the
//! Request-URI we received (RFC 7616 §3.4.6 keeps it apart because proxies rewrite the
//! request line, and the SIP reference notes that `uri` may differ), as it is not for
//! REGISTER. An expired nonce is challenged with `stale=true`, a nonce not ours or a count
//! already used is challenged again; a digest user other than the pool's `username` or a
//! wrong password is 403. One thing differs from REGISTER: an INVITE's answer is good for
//! one INVITE ([`Replays::single_use`](crate::digest::Replays::single_use)), where an exact
//! copy of a REGISTER's is accepted again — the INVITE server transaction absorbs every
//! retransmission, so a copy that reaches this check would be a second call placed with
//! one answer (to any number, since the Request-URI is not bound). A pool without
//! `username … password` has nothing to check against: its INVITEs pass, as its REGISTERs
//! do. Whether the phone is still registered is the calls' check, not this one (an INVITE
//! that passes here from a phone without a binding is refused there with 403). INVITE
//! challenges are not counted in `show voice register statistics`, whose counters are
//! CME's, of REGISTERs.
//!
//! Configuration: CME turns the challenge of INVITEs on with `authenticate all` or
//! `authenticate invite` under `voice register global`. cmed challenges them always, for
//! toll-fraud safety, and accepts both lines (and `authenticate register`) as saying what
//! it does already (`grammar/register-global.cli`): the reference records no CME default
//! that users rely on to place unchallenged calls from registered phones.

use super::{Failure, Outcome, Registrar, Request, request_salt};
use crate::config::model::Model;
use crate::config::phone::PhoneRef;
use crate::engine::input::SipInvite;

impl Registrar {
    /// A registered phone's new INVITE: `Ok` when its credentials are right (or its pool
    /// has none), else the challenge (401) or refusal (403) to answer it with. At `now`,
    /// unix seconds.
    pub fn invite(&mut self, m: &Model, r: &SipInvite, now: u64) -> Result<(), Outcome> {
        let policy = m.register.auth_block.policy();
        if policy.is_some() && self.lockout.blocked(r.peer.ip(), now) {
            return Err(Outcome::Forbidden(Failure::Blocked));
        }
        let checked = self.check_invite(m, r, now);
        if let (Some(p), Err(Outcome::Forbidden(Failure::WrongPassword | Failure::WrongUser))) =
            (policy, &checked)
        {
            self.lockout.failed(r.peer.ip(), p, now);
        }
        checked
    }

    fn check_invite(&mut self, m: &Model, r: &SipInvite, now: u64) -> Result<(), Outcome> {
        let pool = match m.phone_by_mac(r.device.mac()) {
            Some(PhoneRef::Pool(tag, _)) => m.pools.get(&tag),
            _ => None,
        };
        // The adapter names a device the registrar bound; its pool can only be gone after
        // a configuration edit.
        let Some(pool) = pool else {
            return Err(Outcome::Forbidden(Failure::NoPool));
        };
        let Some(c) = &pool.username else {
            return Ok(());
        };
        let salt = request_salt(&r.call_id, r.cseq);
        self.authenticate(m, c, Request::Invite, r.auth.as_ref(), now, salt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load;
    use crate::digest::{self, Algorithm, Authorization, challenge, parse_challenge};
    use crate::engine::ReplyTo;
    use crate::grammar::graph::Grammar;
    use crate::ids::DeviceName;

    const T: u64 = 1_795_420_800;

    fn office(edit: &str) -> Model {
        let g = Grammar::embedded();
        let text = include_str!("../../../sample-configs/small-office.cfg");
        // Edits go before the final `end`, after which IOS reads nothing.
        let text = text.replace("\nend\n", &format!("\n{edit}end\n"));
        let loaded = load::load(&g, &text);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        loaded.model
    }

    /// Pool 1's phone (`username mlopez password Lab2001x`).
    fn invite(auth: Option<Authorization>, cseq: u32) -> SipInvite {
        SipInvite {
            reply: ReplyTo(1),
            peer: "127.0.0.9:5060".parse().unwrap(),
            device: DeviceName::parse("SEP00EBD5C29A11").unwrap(),
            auth,
            call_id: "call-1".into(),
            cseq,
        }
    }

    /// The phone's answer to `ch` for an INVITE to 1099, with our own client side.
    fn answer(ch: &Outcome, user: &str, password: &str, method: &str, nc: u32) -> Authorization {
        let Outcome::Challenge {
            realm,
            nonce,
            stale,
            ..
        } = ch
        else {
            panic!("not a challenge: {ch:?}");
        };
        let ch = parse_challenge(&challenge(realm, nonce, Algorithm::Md5, *stale)).unwrap();
        let uri = "sip:1099@127.0.0.1";
        let value = digest::respond(&ch, method, uri, user, password, "c0ffee", nc);
        digest::parse_authorization(&value).unwrap().unwrap()
    }

    #[test]
    fn an_invite_without_credentials_is_challenged_as_a_register_is() {
        let m = office("");
        let mut r = Registrar::new([3; 32]);
        let ch = r.invite(&m, &invite(None, 1), T).unwrap_err();
        // REGISTER's realm (the hostname), MD5 only by default.
        assert!(
            matches!(&ch, Outcome::Challenge { realm, stale: false, sha256: false, .. } if realm == "CME-Office"),
            "{ch:?}"
        );
        // With `authenticate algorithm sha-256`, SHA-256 is offered after MD5, as for REGISTER.
        let sha = office("voice register global\n authenticate algorithm sha-256\n");
        let ch = r.invite(&sha, &invite(None, 1), T).unwrap_err();
        assert!(
            matches!(ch, Outcome::Challenge { sha256: true, .. }),
            "{ch:?}"
        );
    }

    #[test]
    fn the_right_answer_passes_once_and_a_wrong_one_is_forbidden() {
        let m = office("");
        let mut r = Registrar::new([3; 32]);
        let ch = r.invite(&m, &invite(None, 1), T).unwrap_err();
        let good = answer(&ch, "mlopez", "Lab2001x", "INVITE", 1);
        assert_eq!(r.invite(&m, &invite(Some(good.clone()), 2), T + 1), Ok(()));
        // The same answer again is another call, not a retransmission: challenged again.
        let again = r.invite(&m, &invite(Some(good), 3), T + 2);
        assert!(matches!(
            again,
            Err(Outcome::Challenge { stale: false, .. })
        ));
        let wrong = answer(&ch, "mlopez", "guess", "INVITE", 2);
        assert_eq!(
            r.invite(&m, &invite(Some(wrong), 4), T + 3),
            Err(Outcome::Forbidden(Failure::WrongPassword))
        );
        // Another pool's user (or anyone's) is not this phone's.
        let other = answer(&ch, "intruder", "Lab2001x", "INVITE", 3);
        assert_eq!(
            r.invite(&m, &invite(Some(other), 5), T + 4),
            Err(Outcome::Forbidden(Failure::WrongUser))
        );
        // An answer computed for REGISTER does not place a call.
        let register = answer(&ch, "mlopez", "Lab2001x", "REGISTER", 4);
        assert_eq!(
            r.invite(&m, &invite(Some(register), 6), T + 5),
            Err(Outcome::Forbidden(Failure::WrongPassword))
        );
    }

    #[test]
    fn an_expired_nonce_is_challenged_stale() {
        let m = office("");
        let mut r = Registrar::new([3; 32]);
        let ch = r.invite(&m, &invite(None, 1), T).unwrap_err();
        let late = answer(&ch, "mlopez", "Lab2001x", "INVITE", 1);
        let o = r.invite(&m, &invite(Some(late), 2), T + 301);
        assert!(
            matches!(o, Err(Outcome::Challenge { stale: true, .. })),
            "{o:?}"
        );
    }

    #[test]
    fn a_pool_without_a_password_calls_unchallenged() {
        let m = office("");
        let mut r = Registrar::new([3; 32]);
        let pool_2 = SipInvite {
            device: DeviceName::parse("SEP2C3124376B12").unwrap(),
            ..invite(None, 1)
        };
        assert_eq!(r.invite(&m, &pool_2, T), Ok(()));
    }
}
