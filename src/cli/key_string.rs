//! `key-string` under `ip ssh pubkey-chain` / `username NAME`: the public key pasted line by
//! line (`Router(conf-ssh-pubkey-data)#`) until `exit`, which IOS stores as the `key-hash`
//! line its running-config shows: the key's type and the MD5 of its blob in hex. The text
//! may be the base64 blob alone, as IOS takes it, or a whole OpenSSH `.pub` line
//! (`ssh-ed25519 AAAA… comment`), whose comment becomes the key's name.

use md5::{Digest, Md5};

/// The key types `key-hash` takes.
const TYPES: [&str; 3] = ["ssh-rsa", "ssh-ed25519", "ecdsa-sha2-nistp256"];

/// The `key-hash …` line for the pasted `text`, or IOS-style error text.
pub fn key_hash_line(text: &str) -> Result<String, String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (data, comment) = match words.as_slice() {
        [kind, blob, rest @ ..] if TYPES.contains(kind) => (blob.to_string(), rest.first()),
        // Pasted lines are joined: the blob may be split anywhere.
        _ => (words.concat(), None),
    };
    let blob = decode(&data).ok_or("% Invalid key: not base64\n")?;
    // The blob starts with its type name, a length-prefixed string (RFC 4253 §6.6).
    let name = blob
        .get(..4)
        .map(|n| u32::from_be_bytes([n[0], n[1], n[2], n[3]]) as usize)
        .and_then(|n| blob.get(4..4 + n))
        .and_then(|n| std::str::from_utf8(n).ok())
        .filter(|n| TYPES.contains(n))
        .ok_or("% Invalid key: not an ssh-rsa, ssh-ed25519 or ecdsa-sha2-nistp256 public key\n")?;
    let hash: String = Md5::digest(&blob)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect();
    Ok(match comment {
        Some(c) => format!("key-hash {name} {hash} {c}"),
        None => format!("key-hash {name} {hash}"),
    })
}

/// Standard base64 (RFC 4648 §4), padding optional; `None` on any other character.
fn decode(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|&c| c != b'=') {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIH7zMoGI6MVrAiqffnLmSNnIMJttL3rIJSUm9w59TEAR";

    #[test]
    fn a_pasted_blob_split_over_lines_or_a_pub_line_gives_the_same_hash() {
        let alone = key_hash_line(&format!("{}\n{}", &KEY[..30], &KEY[30..])).unwrap();
        assert!(alone.starts_with("key-hash ssh-ed25519 "), "{alone}");
        assert_eq!(alone.split(' ').nth(2).unwrap().len(), 32);
        let line = key_hash_line(&format!("ssh-ed25519 {KEY} me@laptop")).unwrap();
        assert_eq!(line, format!("{alone} me@laptop"));
    }

    #[test]
    fn what_is_not_a_key_is_refused() {
        assert!(key_hash_line("not base64 !").is_err());
        assert!(
            key_hash_line("aGVsbG8gd29ybGQ=").is_err(),
            "base64, but no key"
        );
        assert!(key_hash_line("").is_err());
    }
}
