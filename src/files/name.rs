//! What a requested file name means: a phone's config file, the default config, a trust list
//! we never have, or a path under the static root — or a name we refuse.
//!
//! Shared by TFTP and HTTP provisioning so that both serve exactly the same names (phones do
//! not fall back to TFTP after an HTTP 404, provisioning reference §1.5). Normalisation follows
//! §1.4 and §5.9 there: a leading `/` or `./` is dropped (both are seen from real phones), `\`
//! becomes `/`, and a `..` component, a NUL byte, a non-UTF-8 or over-long name is refused.
//! What remains is always a relative path with no `..`, so joining it to the root cannot leave
//! the root lexically (symbolic links are the caller's check).

use crate::ids::Mac;

/// Longest name accepted; RFC 2347 keeps a whole request within 512 bytes anyway.
pub const MAX_NAME: usize = 255;

/// A request the daemon can answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// `SEP<MAC>.cnf.xml` (any case).
    DeviceConfig(Mac),
    /// `XMLDefault.cnf.xml`.
    Default,
    /// `CTLSEP<MAC>.tlv`, `ITLSEP<MAC>.tlv`, `ITLFile.tlv`, `CTLFile.tlv` or a signed config
    /// (`.sgn`): we run without security, so these are a fast "not found", as phones expect.
    TrustList,
    /// Any other name: a file under the static root, as this relative `/`-separated path.
    Static(String),
}

/// Why a name is refused. All of these are logged; TFTP answers them with error 2 (access
/// violation), HTTP with 403.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BadName {
    /// Empty after normalisation.
    #[error("empty file name")]
    Empty,
    /// Longer than [`MAX_NAME`].
    #[error("file name longer than {MAX_NAME} bytes")]
    TooLong,
    /// Holds a NUL byte.
    #[error("file name holds a NUL byte")]
    Nul,
    /// Not UTF-8.
    #[error("file name is not UTF-8")]
    NotUtf8,
    /// A `..` component: an attempt to leave the root.
    #[error("file name leaves the root ('..')")]
    Traversal,
}

/// Classifies a raw requested name.
pub fn classify(raw: &[u8]) -> Result<Wanted, BadName> {
    if raw.len() > MAX_NAME {
        return Err(BadName::TooLong);
    }
    if raw.contains(&0) {
        return Err(BadName::Nul);
    }
    let name = std::str::from_utf8(raw).map_err(|_| BadName::NotUtf8)?;
    let name = name.replace('\\', "/");
    let mut parts = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(BadName::Traversal),
            p => parts.push(p),
        }
    }
    let Some(last) = parts.last() else {
        return Err(BadName::Empty);
    };
    if parts.len() == 1 {
        let lower = last.to_ascii_lowercase();
        if let Some(mac) = lower
            .strip_prefix("sep")
            .and_then(|r| r.strip_suffix(".cnf.xml"))
            .and_then(Mac::parse_plain)
        {
            return Ok(Wanted::DeviceConfig(mac));
        }
        if lower == "xmldefault.cnf.xml" {
            return Ok(Wanted::Default);
        }
        let trust = (lower.starts_with("ctl") || lower.starts_with("itl"))
            && lower.ends_with(".tlv")
            || lower.ends_with(".cnf.xml.sgn")
            || lower.ends_with(".cnf.xml.enc.sgn");
        if trust {
            return Ok(Wanted::TrustList);
        }
    }
    Ok(Wanted::Static(parts.join("/")))
}

/// Decodes `%XX` escapes of an HTTP path into raw bytes (an invalid escape stays as typed),
/// so that an encoded `..` is seen and refused like a plain one.
pub fn percent_decode(path: &str) -> Vec<u8> {
    let b = path.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac() -> Mac {
        Mac::parse_plain("0022905B11C2").unwrap()
    }

    #[test]
    fn device_names_match_in_any_case_with_phone_prefixes() {
        for n in [
            "SEP0022905B11C2.cnf.xml",
            "sep0022905b11c2.CNF.XML",
            "/SEP0022905B11C2.cnf.xml",
            "./SEP0022905B11C2.cnf.xml",
        ] {
            assert_eq!(
                classify(n.as_bytes()),
                Ok(Wanted::DeviceConfig(mac())),
                "{n}"
            );
        }
        assert_eq!(classify(b"XMLDefault.cnf.xml"), Ok(Wanted::Default));
    }

    #[test]
    fn trust_lists_and_signed_files_are_known_absent() {
        for n in [
            "CTLSEP0022905B11C2.tlv",
            "ITLSEP0022905B11C2.tlv",
            "ITLFile.tlv",
            "SEP0022905B11C2.cnf.xml.sgn",
        ] {
            assert_eq!(classify(n.as_bytes()), Ok(Wanted::TrustList), "{n}");
        }
    }

    #[test]
    fn traversal_and_bad_names_are_refused() {
        assert_eq!(classify(b"../etc/passwd"), Err(BadName::Traversal));
        assert_eq!(classify(b"a/../../x"), Err(BadName::Traversal));
        assert_eq!(classify(b"..\\..\\x"), Err(BadName::Traversal));
        assert_eq!(classify(b"a\0b"), Err(BadName::Nul));
        assert_eq!(classify(b"/"), Err(BadName::Empty));
        assert_eq!(classify(&[b'a'; 300]), Err(BadName::TooLong));
        assert_eq!(classify(&[0xff, 0xfe]), Err(BadName::NotUtf8));
        assert_eq!(
            classify(&percent_decode("%2e%2E/x")),
            Err(BadName::Traversal)
        );
    }

    #[test]
    fn absolute_and_windows_names_stay_under_the_root() {
        assert_eq!(
            classify(b"/etc/passwd"),
            Ok(Wanted::Static("etc/passwd".into()))
        );
        assert_eq!(
            classify(b"Desktops\\320x212x16\\List.xml"),
            Ok(Wanted::Static("Desktops/320x212x16/List.xml".into()))
        );
    }
}
