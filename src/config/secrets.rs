//! Configured passwords in the forms IOS writes them: type 0 (clear), type 7 (IOS's
//! reversible "password-encryption", a keyed XOR that hides a password from a glance at
//! the screen and nothing more) and type 6 (AES under the router's master key).
//!
//! `service password-encryption` turns every type 0 password of a command that accepts the
//! type keyword into its type 7 form when the line is stored, as IOS does: the stored line,
//! and so `show running-config` and `write memory`, carry the type 7 form from then on, and
//! `no service password-encryption` does not turn them back. Type 7 reads back to the clear
//! text the model uses (SIP digest needs it: `HA1 = MD5(user:realm:password)`).
//!
//! Type 6 is kept as configured and written back as read, but cmed cannot use it: its key is
//! the router's `key config-key password-encrypt`, which IOS keeps out of every
//! configuration file. `Secret::clear` is then `None` and the model says so (the phone or
//! user cannot authenticate until the password is typed again as type 0 or 7).

use crate::config::tree::{Line, LineKey, Section};
use crate::grammar::graph::Grammar;
use crate::grammar::handler::Handler;
use crate::grammar::matcher::{Ctx, Outcome, match_line};
use crate::grammar::token::TokenKind;

/// A password as configured: type 0 (clear), 7 (IOS's reversible form) or 6 (AES under the
/// router's master key, which cmed does not have; see `config::secrets`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Secret {
    /// 0, 6 or 7.
    pub kind: u8,
    /// The text after the type, as configured.
    pub text: String,
    /// The password itself: the text of type 0, the decoded type 7; `None` for type 6.
    pub clear: Option<String>,
}

impl Secret {
    /// The password, if cmed can know it (not type 6).
    pub fn clear(&self) -> Option<&str> {
        self.clear.as_deref()
    }

    /// Whether `given` is this password, compared in constant time; a type 6 password
    /// matches nothing.
    pub fn matches(&self, given: &str) -> bool {
        use subtle::ConstantTimeEq;
        self.clear()
            .is_some_and(|c| bool::from(c.as_bytes().ct_eq(given.as_bytes())))
    }
}

/// The key IOS's type 7 XORs passwords with, from the offset its first two digits give.
const XLAT: &[u8; 53] = b"dsfd;kfoA,.iyewrkldJKDHSUBsgvca69834ncxv9873254k;fg87";

/// The `$name`s that hold a password in the grammar.
const SECRET_BINDS: [&str; 2] = ["secret", "pin"];

/// A type 7 string that does not decode.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("% Invalid encrypted password")]
pub struct BadType7;

/// The type 7 form of `clear`. IOS draws the offset at random; cmed takes it from the text,
/// so that storing the same password twice gives the same line (and `write memory` does not
/// change a file for nothing).
pub fn type7(clear: &str) -> String {
    let seed = clear.bytes().fold(0usize, |a, b| a + usize::from(b)) % 16;
    let mut out = format!("{seed:02}");
    for (i, b) in clear.bytes().enumerate() {
        out.push_str(&format!("{:02X}", b ^ XLAT[(seed + i) % XLAT.len()]));
    }
    out
}

/// The clear text of a type 7 string: two decimal digits of offset into the key, then one
/// pair of hex digits per byte (either case, as IOS accepts).
pub fn clear7(encoded: &str) -> Result<String, BadType7> {
    let b = encoded.as_bytes();
    if b.len() < 2 || !b.len().is_multiple_of(2) || !b[..2].iter().all(u8::is_ascii_digit) {
        return Err(BadType7);
    }
    let seed = usize::from((b[0] - b'0') * 10 + (b[1] - b'0'));
    if seed >= XLAT.len() {
        return Err(BadType7);
    }
    let mut out = Vec::with_capacity(b.len() / 2);
    for (i, pair) in b[2..].chunks(2).enumerate() {
        let hex = std::str::from_utf8(pair).map_err(|_| BadType7)?;
        let byte = u8::from_str_radix(hex, 16).map_err(|_| BadType7)?;
        out.push(byte ^ XLAT[(seed + i) % XLAT.len()]);
    }
    String::from_utf8(out).map_err(|_| BadType7)
}

/// Where `line` has a type 0 password that a type 7 could replace (its command takes the
/// `7` keyword), as an index into its arguments.
fn plain_password_at(g: &Grammar, line: &Line) -> Option<usize> {
    let c = g.cmd(line.cmd);
    let bound = |a: &crate::grammar::matcher::Arg| c.tokens[a.tok as usize].bind.as_deref();
    let at = line
        .args
        .iter()
        .position(|a| bound(a).is_some_and(|b| SECRET_BINDS.contains(&b)))?;
    let takes_7 = c
        .tokens
        .iter()
        .any(|t| t.bind.as_deref() == Some("type") && t.kind.keyword() == Some("7"));
    let plain = line.get(g, "type").is_none_or(|t| t == "0");
    (takes_7 && plain && !line.negated).then_some(at)
}

/// `line` with its type 0 password in type 7 form, if it has one and its command takes the
/// `7` keyword; `None` when there is nothing to change. The new line is matched again from
/// its text, so it is exactly what typing the type 7 form gives.
pub fn encrypted(g: &Grammar, line: &Line) -> Option<Line> {
    let at = plain_password_at(g, line)?;
    let c = g.cmd(line.cmd);
    let bound = |a: &crate::grammar::matcher::Arg| c.tokens[a.tok as usize].bind.as_deref();
    let mut words = Vec::new();
    for (i, a) in line.args.iter().enumerate() {
        if bound(a) == Some("type") {
            continue; // the type 0 keyword
        }
        if i == at {
            words.push(String::new()); // where the type goes
            words.push(type7(&a.value));
        } else if c.tokens[a.tok as usize].kind == TokenKind::Text {
            words.push(format!("\"{}\"", a.value));
        } else {
            words.push(a.value.to_string());
        }
    }
    // `url authentication URL APP PW` has no type; its typed form says `password 7 PW`.
    ["7", "password 7"].into_iter().find_map(|ty| {
        let text = words
            .iter()
            .map(|w| if w.is_empty() { ty } else { w.as_str() })
            .collect::<Vec<_>>()
            .join(" ");
        rematch(g, line, &text)
    })
}

/// `text` matched in `line`'s mode, if it is the same command: the stored form of a line
/// rewritten with its password in another form, exactly what typing it gives.
fn rematch(g: &Grammar, line: &Line, text: &str) -> Option<Line> {
    let c = g.cmd(line.cmd);
    match match_line(
        g,
        Ctx {
            mode: c.mode,
            level: 15,
        },
        text,
    ) {
        Outcome::Matched(m) if m.cmd == line.cmd && m.prefix.is_none() => {
            Some(Line::matched(&m, line.origin))
        }
        _ => None,
    }
}

/// Encrypts every type 0 password stored in `section` and the sections below it
/// (`service password-encryption` being set).
pub fn encrypt_all(g: &Grammar, section: &mut Section) {
    for entry in section.entries.values_mut() {
        if let Some(l) = encrypted(g, &entry.line) {
            entry.line = l;
        }
        if let Some(body) = entry.body.as_mut() {
            encrypt_all(g, body);
        }
    }
}

/// Whether the root section has `service password-encryption`: one look-up by the line's
/// key, since this runs for every password line of a startup-config.
pub fn service_on(g: &Grammar, root: &Section) -> bool {
    let Some(config) = g.mode_id("config") else {
        return false;
    };
    g.modes[config]
        .offered
        .iter()
        .position(|&c| g.cmd(c).handler == Handler::ServicePasswordEncryption)
        .is_some_and(|rank| {
            root.entries.contains_key(&LineKey {
                rank: rank as u16,
                parts: Vec::new(),
            })
        })
}

/// `line` as it is stored: a type 0 one-way secret (`username … secret`, `enable secret`)
/// as its hash (type 9, or as `algorithm-type` says), always, as IOS does; a type 0
/// password in its type 7 form when `service password-encryption` is on.
pub fn stored(g: &Grammar, root: &Section, line: Line) -> Line {
    let line = hashed(g, &line).unwrap_or(line);
    if plain_password_at(g, &line).is_none() || !service_on(g, root) {
        return line;
    }
    encrypted(g, &line).unwrap_or(line)
}

/// `line` with its type 0 secret (`$hash` after an absent or `0` `$stype`) replaced by its
/// hash, `algorithm-type` dropped as IOS drops it; `None` when there is nothing to hash (a
/// command that names its secret `$hash` must have an `$stype`).
fn hashed(g: &Grammar, line: &Line) -> Option<Line> {
    let c = g.cmd(line.cmd);
    let bound = |a: &crate::grammar::matcher::Arg| c.tokens[a.tok as usize].bind.as_deref();
    let at = line.args.iter().position(|a| bound(a) == Some("hash"))?;
    let typed = c.tokens.iter().any(|t| t.bind.as_deref() == Some("stype"));
    if !typed || line.negated || line.get(g, "stype").is_some_and(|t| t != "0") {
        return None;
    }
    let kind = match line.get(g, "algo") {
        Some("md5") => 5,
        Some("sha256") => 8,
        _ => 9,
    };
    let mut words = Vec::new();
    for (i, a) in line.args.iter().enumerate() {
        let keyword = c.tokens[a.tok as usize].kind.keyword();
        match bound(a) {
            Some("stype" | "algo") => {}
            _ if keyword == Some("algorithm-type") => {}
            _ if i == at => {
                words.push(kind.to_string());
                words.push(super::hashes::hash(kind, &a.value));
            }
            _ => words.push(a.value.to_string()),
        }
    }
    rematch(g, line, &words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type7_reads_the_strings_ios_writes() {
        assert_eq!(clear7("070C285F4D06").unwrap(), "cisco");
        assert_eq!(clear7("062506324f41584b5643").unwrap(), "Cisco1234");
    }

    #[test]
    fn type7_written_reads_back_and_is_stable() {
        for pw in [
            "cisco",
            "Cisco1234",
            "a",
            "",
            "quite a long password of 40 characters!",
        ] {
            let e = type7(pw);
            assert_eq!(clear7(&e).unwrap(), pw, "{e}");
            assert_eq!(type7(pw), e);
        }
    }

    #[test]
    fn malformed_type7_strings_are_refused() {
        for bad in [
            "",
            "0",
            "070",
            "0Z0C",
            "990C",
            "53",
            "07ZZ",
            "7a0C",
            "07\u{e9}0",
        ] {
            assert_eq!(clear7(bad), Err(BadType7), "{bad}");
        }
        assert_eq!(clear7("07").unwrap(), "");
        assert_eq!(clear7("070"), Err(BadType7));
        assert_eq!(clear7("990C"), Err(BadType7));
        assert_eq!(clear7("07ZZ"), Err(BadType7));
        // Bytes that XOR to invalid UTF-8.
        assert_eq!(clear7("00FF"), Err(BadType7));
    }

    #[test]
    fn configured_passwords_compare_exactly_and_type_6_matches_nothing() {
        let s = |kind, text: &str, clear: Option<&str>| crate::config::model::Secret {
            kind,
            text: text.into(),
            clear: clear.map(String::from),
        };
        assert!(s(0, "Gl1007", Some("Gl1007")).matches("Gl1007"));
        assert!(!s(0, "Gl1007", Some("Gl1007")).matches("Gl100"));
        assert!(!s(0, "Gl1007", Some("Gl1007")).matches("gl1007"));
        assert!(s(7, "070C285F4D06", Some("cisco")).matches("cisco"));
        assert!(!s(7, "070C285F4D06", Some("cisco")).matches("070C285F4D06"));
        assert!(!s(6, "fe_a`iJYE", None).matches("fe_a`iJYE"));
    }
}
