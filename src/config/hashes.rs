//! IOS's one-way secrets (`username … secret T HASH`, `enable secret T HASH`): type 5
//! (MD5-crypt, `$1$SALT$HASH`), type 8 (PBKDF2-HMAC-SHA-256, 20 000 iterations,
//! `$8$SALT$HASH`) and type 9 (scrypt, N = 16384, r = 1, p = 1, `$9$SALT$HASH`), so that a
//! real router's `username admin privilege 15 secret 9 $9$…` keeps working in cmed.
//!
//! Types 8 and 9: the salt is the 14 characters as written (IOS draws 10 random bytes and
//! writes them in its base64 alphabet), the 32-byte key is written in base64 with IOS's
//! alphabet `./0-9A-Za-z` in the standard bit order and no padding. Type 5 is the FreeBSD
//! MD5-crypt of `openssl passwd -1`. The test vectors are Cisco's published type 8 example,
//! hashcat's examples of types 8 and 9, and OpenSSL's MD5-crypt.
//!
//! A type 0 secret is stored as type 9 (what IOS 15.3(3)M3+ does with `algorithm-type
//! scrypt`, and what it recommends): [`hash9`]. Comparisons are constant-time.

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

/// The alphabet of IOS's base64 (types 8 and 9) and of crypt's (type 5).
const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A secret's text that is not the type it says.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("% Invalid secret: not a type {0} hash")]
pub struct BadHash(pub u8);

/// A one-way secret as configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hashed {
    /// 5, 8 or 9.
    pub kind: u8,
    /// `$1$…`, `$8$…` or `$9$…`, as configured.
    pub text: String,
}

impl Hashed {
    /// Reads `text` as a type `kind` secret.
    ///
    /// # Errors
    /// When the text is not of that type's form.
    pub fn parse(kind: u8, text: &str) -> Result<Hashed, BadHash> {
        let prefix = match kind {
            5 => "$1$",
            8 => "$8$",
            9 => "$9$",
            _ => return Err(BadHash(kind)),
        };
        let rest = text.strip_prefix(prefix).ok_or(BadHash(kind))?;
        let (salt, hash) = rest.split_once('$').ok_or(BadHash(kind))?;
        let b64 = |s: &str| s.bytes().all(|b| ALPHABET.contains(&b));
        let ok = match kind {
            5 => salt.len() <= 8 && !salt.contains('$') && hash.len() == 22 && b64(hash),
            _ => salt.len() == 14 && b64(salt) && hash.len() == 43 && b64(hash),
        };
        if !ok {
            return Err(BadHash(kind));
        }
        Ok(Hashed {
            kind,
            text: text.to_string(),
        })
    }

    /// Whether `given` is the password this secret was made from. Slow by design for types
    /// 8 and 9 (tens of milliseconds): callers off the engine's turn where they can.
    pub fn verify(&self, given: &str) -> bool {
        let Some((salt, hash)) = self.text[3..].split_once('$') else {
            return false;
        };
        let computed = match self.kind {
            5 => md5_crypt(given.as_bytes(), salt.as_bytes()),
            8 => type8(given.as_bytes(), salt.as_bytes()),
            9 => type9(given.as_bytes(), salt.as_bytes()),
            _ => return false,
        };
        bool::from(computed.as_bytes().ct_eq(hash.as_bytes()))
    }
}

/// The type 9 secret of `clear`, with a fresh random salt.
pub fn hash9(clear: &str) -> String {
    hash(9, clear)
}

/// The type `kind` (5, 8, else 9) secret of `clear`, with a fresh random salt: 14
/// characters for types 8 and 9, 4 for type 5 (as IOS writes them).
pub fn hash(kind: u8, clear: &str) -> String {
    let salt = encode(&random_salt());
    let pw = clear.as_bytes();
    match kind {
        5 => {
            let salt = &salt[..4];
            format!("$1${salt}${}", md5_crypt(pw, salt.as_bytes()))
        }
        8 => format!("$8${salt}${}", type8(pw, salt.as_bytes())),
        _ => format!("$9${salt}${}", type9(pw, salt.as_bytes())),
    }
}

/// Ten random bytes (80 bits, as IOS draws), from the keys the standard library draws from
/// the operating system for its hash maps (each `RandomState` is a fresh key): the
/// configuration layer stays free of I/O.
fn random_salt() -> [u8; 10] {
    use std::hash::{BuildHasher, Hasher};
    let mut salt = [0u8; 10];
    for (i, chunk) in salt.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes()[..chunk.len()]);
    }
    salt
}

/// IOS's base64: the standard bit order, its alphabet, no padding.
fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut n = [0u8; 3];
        n[..chunk.len()].copy_from_slice(chunk);
        let v = u32::from(n[0]) << 16 | u32::from(n[1]) << 8 | u32::from(n[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(v >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

fn type8(pw: &[u8], salt: &[u8]) -> String {
    let mut key = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, 20_000, &mut key);
    encode(&key)
}

fn type9(pw: &[u8], salt: &[u8]) -> String {
    let mut key = [0u8; 32];
    // log2(16384) = 14, r = 1, p = 1: IOS's parameters (always valid).
    let params = scrypt::Params::new(14, 1, 1, 32).expect("IOS's scrypt parameters are valid");
    scrypt::scrypt(pw, salt, &params, &mut key).expect("a 32-byte key is a valid length");
    encode(&key)
}

/// MD5-crypt (FreeBSD's `$1$`), as IOS's type 5 and `openssl passwd -1` compute it.
fn md5_crypt(pw: &[u8], salt: &[u8]) -> String {
    let salt = &salt[..salt.len().min(8)];
    let alternate = Md5::new()
        .chain_update(pw)
        .chain_update(salt)
        .chain_update(pw)
        .finalize();
    let mut ctx = Md5::new()
        .chain_update(pw)
        .chain_update(b"$1$")
        .chain_update(salt);
    let mut left = pw.len();
    while left > 0 {
        let n = left.min(16);
        ctx.update(&alternate[..n]);
        left -= n;
    }
    let mut bits = pw.len();
    while bits > 0 {
        if bits & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(&pw[..pw.len().min(1)]);
        }
        bits >>= 1;
    }
    let mut digest = ctx.finalize();
    for i in 0..1000 {
        let mut c = Md5::new();
        if i & 1 == 1 {
            c.update(pw);
        } else {
            c.update(digest);
        }
        if i % 3 != 0 {
            c.update(salt);
        }
        if i % 7 != 0 {
            c.update(pw);
        }
        if i & 1 == 1 {
            c.update(digest);
        } else {
            c.update(pw);
        }
        digest = c.finalize();
    }
    // crypt's own order of the digest's bytes, 6 bits at a time, least significant first.
    let mut out = String::with_capacity(22);
    let mut put = |v: u32, n: usize| {
        let mut v = v;
        for _ in 0..n {
            out.push(char::from(ALPHABET[(v & 63) as usize]));
            v >>= 6;
        }
    };
    let d = |i: usize| u32::from(digest[i]);
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        put(d(a) << 16 | d(b) << 8 | d(c), 4);
    }
    put(d(11), 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(kind: u8, text: &str, pw: &str) {
        let h = Hashed::parse(kind, text).unwrap();
        assert!(h.verify(pw), "{text} is {pw}");
        assert!(!h.verify("wrong"), "{text} is not 'wrong'");
    }

    #[test]
    fn type5_is_openssl_md5_crypt() {
        // `openssl passwd -1 -salt mERr cisco`, the form of Cisco's own examples.
        check(5, "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0", "cisco");
    }

    #[test]
    fn type8_reads_ciscos_published_example_and_hashcats() {
        // Cisco's learning network: `username yasser algorithm-type sha256 secret cisco`.
        check(
            8,
            "$8$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs",
            "cisco",
        );
        check(
            8,
            "$8$TnGX/fE4KGHOVU$pEhnEvxrvaynpi8j4f.EMHr6M.FzU8xnZnBr/tJdFWk",
            "hashcat",
        );
    }

    #[test]
    fn type9_reads_hashcats_example_and_reads_back_what_it_writes() {
        check(
            9,
            "$9$2MJBozw/9R3UsU$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo6",
            "hashcat",
        );
        let made = hash9("s3cret pass");
        check(9, &made, "s3cret pass");
        assert_ne!(hash9("s3cret pass"), made, "a fresh salt each time");
        check(5, &hash(5, "pw five"), "pw five");
        check(8, &hash(8, "pw eight"), "pw eight");
    }

    #[test]
    fn malformed_secrets_are_refused() {
        for (kind, text) in [
            (9, "cisco"),
            (
                9,
                "$8$dsYGNam3K1SIJO$7nv/35M/qr6t.dVc7UY9zrJDWRVqncHub1PE9UlMQFs",
            ),
            (9, "$9$short$2lFhcKvpghcyw8deP25GOfyZaagyUOGBymkryvOdfo6"),
            (8, "$8$dsYGNam3K1SIJO$7nv/35M/qr6t"),
            (5, "$1$mERr$hx5rVt7rPNoS4wqbXKX7m0!"),
            (5, "$1$mERr"),
            (7, "$7$x$y"),
        ] {
            assert_eq!(Hashed::parse(kind, text), Err(BadHash(kind)), "{text}");
        }
    }
}
