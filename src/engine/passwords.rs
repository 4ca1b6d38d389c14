//! Changed EM passwords as the store keeps them: Argon2id (RFC 9106) PHC strings
//! (`$argon2id$v=19$m=19456,t=2,p=1$SALT$HASH`, OWASP's parameters), each with a salt of its
//! own, so the store never holds a password or a fast-to-test digest of one. Older stores
//! hold `fnv1a128:` digests (an iterated, salted FNV-1a of earlier cmed): they are checked
//! once more and replaced by an Argon2id string at the user's next successful login.
//! Every comparison is constant-time (configured passwords too: `Secret::matches`).
//!
//! The salt is drawn from a key the daemon draws at every start, the user and the time
//! (the engine has no randomness of its own): unique across users and changes, which is
//! what a salt is for.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ids::UserName;

/// The prefix of an earlier cmed's digests.
const LEGACY: &str = "fnv1a128:";

/// The key salts come from, from the daemon's random secret (kept apart from its other use).
pub fn salt_key(secret: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"cmed password salts");
    h.update(secret);
    h.finalize().into()
}

/// A salt for `user`'s new password at `now`, from the daemon's random `key`.
pub fn salt(key: &[u8; 32], user: &UserName, now: u64) -> [u8; 16] {
    let mut h = Sha256::new();
    h.update(key);
    h.update(user.0.as_bytes());
    h.update([0]);
    h.update(now.to_be_bytes());
    let d = h.finalize();
    let mut s = [0u8; 16];
    s.copy_from_slice(&d[..16]);
    s
}

/// The PHC string of `secret` with `salt`.
pub fn hash(secret: &str, salt: &[u8; 16]) -> String {
    let salt = SaltString::encode_b64(salt).expect("16 bytes make a valid salt");
    argon2::Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .expect("the default parameters hash any password")
        .to_string()
}

/// What checking a stored password found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checked {
    /// Wrong.
    Wrong,
    /// Right, and stored as it should be.
    Right,
    /// Right, in an earlier cmed's digest: store it again with Argon2id.
    RightRehash,
}

/// Checks `secret` against `user`'s stored password.
pub fn check(stored: &str, user: &UserName, secret: &str) -> Checked {
    if stored.starts_with(LEGACY) {
        return if bool::from(legacy(user, secret).as_bytes().ct_eq(stored.as_bytes())) {
            Checked::RightRehash
        } else {
            Checked::Wrong
        };
    }
    let Ok(phc) = PasswordHash::new(stored) else {
        tracing::warn!(%user, "stored password is neither Argon2id nor an earlier digest");
        return Checked::Wrong;
    };
    match argon2::Argon2::default().verify_password(secret.as_bytes(), &phc) {
        Ok(()) => Checked::Right,
        Err(_) => Checked::Wrong,
    }
}

/// What an earlier cmed stored for `user`'s `secret` (for the migration's tests).
#[cfg(test)]
pub fn legacy_for_tests(user: &UserName, secret: &str) -> String {
    legacy(user, secret)
}

/// The digest earlier cmed stored: FNV-1a, 128 bits over many rounds, salted with the user.
fn legacy(user: &UserName, secret: &str) -> String {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325;
    let mut b: u64 = 0x6c62_272e_07bb_0142;
    for _ in 0..1000 {
        for byte in user.0.bytes().chain([0]).chain(secret.bytes()) {
            a = (a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
            b = (b ^ u64::from(byte) ^ (a >> 29)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{LEGACY}{a:016x}{b:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> UserName {
        UserName("glin".into())
    }

    #[test]
    fn a_changed_password_is_an_argon2id_phc_string_with_its_own_salt() {
        let key = [7u8; 32];
        let one = hash("S3cret", &salt(&key, &user(), 100));
        let two = hash("S3cret", &salt(&key, &user(), 101));
        assert!(one.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{one}");
        assert_ne!(one, two, "each change its own salt");
        assert_eq!(check(&one, &user(), "S3cret"), Checked::Right);
        assert_eq!(check(&one, &user(), "S3cret "), Checked::Wrong);
    }

    #[test]
    fn an_earlier_cmeds_digest_is_accepted_once_for_rehashing() {
        let old = legacy(&user(), "S3cret");
        assert!(old.starts_with(LEGACY));
        assert_eq!(check(&old, &user(), "S3cret"), Checked::RightRehash);
        assert_eq!(check(&old, &user(), "wrong"), Checked::Wrong);
        assert_eq!(check("garbage", &user(), "S3cret"), Checked::Wrong);
    }
}
