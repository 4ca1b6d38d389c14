//! Newtypes for every identity the daemon handles.
//!
//! Each type parses from and prints to the form an administrator or a phone uses, and
//! carries no other logic. Keeping them distinct stops a DN tag from being passed where an
//! ephone tag is meant, which the config language makes easy to confuse (`ephone 1` vs
//! `ephone-dn 1`).

use std::fmt;
use std::str::FromStr;

/// A 48-bit MAC address, written by IOS as dotted hex (`000D.EDAB.3566`) and by phones
/// inside their device name (`SEP000DEDAB3566`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Mac(pub [u8; 6]);

/// Why a MAC address did not parse; `at` is the byte offset of the first bad character.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BadMac {
    /// Offset of the first character that cannot belong to a MAC address.
    pub at: usize,
}

impl Mac {
    /// Parses the IOS dotted form `HHHH.HHHH.HHHH` (case-insensitive; each group 1–4 hex digits).
    pub fn parse_dotted(s: &str) -> Result<Mac, BadMac> {
        let mut out = [0u8; 6];
        let mut pos: usize = 0;
        let groups: Vec<&str> = s.split('.').collect();
        for (g, part) in groups.iter().enumerate() {
            if g >= 3 {
                return Err(BadMac {
                    at: pos.saturating_sub(1),
                });
            }
            if part.is_empty() || part.len() > 4 {
                return Err(BadMac {
                    at: pos + part.len().min(4),
                });
            }
            if let Some(bad) = part.find(|c: char| !c.is_ascii_hexdigit()) {
                return Err(BadMac { at: pos + bad });
            }
            let v = u16::from_str_radix(part, 16).map_err(|_| BadMac { at: pos })?;
            out[g * 2] = (v >> 8) as u8;
            out[g * 2 + 1] = v as u8;
            pos += part.len() + 1;
        }
        if groups.len() != 3 {
            return Err(BadMac { at: s.len() });
        }
        Ok(Mac(out))
    }

    /// Parses twelve hex digits without separators, as in `SEP001122334455`.
    pub fn parse_plain(s: &str) -> Option<Mac> {
        if s.len() != 12 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let mut out = [0u8; 6];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
        }
        Some(Mac(out))
    }

    /// The twelve upper-case hex digits phones use in file and device names.
    pub fn plain(&self) -> String {
        self.0.iter().map(|b| format!("{b:02X}")).collect()
    }
}

impl fmt::Display for Mac {
    /// IOS prints MACs as `000D.EDAB.3566`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.0;
        write!(
            f,
            "{:02X}{:02X}.{:02X}{:02X}.{:02X}{:02X}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl FromStr for Mac {
    type Err = BadMac;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mac::parse_dotted(s)
    }
}

/// The name a phone registers with: `SEP` followed by its MAC in upper-case hex. Kept inline
/// (15 ASCII bytes, no allocation): the device registry and every EM table are keyed by it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceName([u8; 15]);

impl DeviceName {
    /// The device name of the phone with this MAC.
    pub fn from_mac(mac: Mac) -> DeviceName {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut b = *b"SEP000000000000";
        for (i, byte) in mac.0.iter().enumerate() {
            b[3 + 2 * i] = HEX[usize::from(byte >> 4)];
            b[4 + 2 * i] = HEX[usize::from(byte & 0xF)];
        }
        DeviceName(b)
    }

    /// Accepts `SEP<12 hex digits>` in any case and normalises it to upper case.
    pub fn parse(s: &str) -> Option<DeviceName> {
        s.get(..3).filter(|p| p.eq_ignore_ascii_case("SEP"))?;
        let mac = Mac::parse_plain(&s[3..])?;
        Some(DeviceName::from_mac(mac))
    }

    /// The MAC inside the name.
    pub fn mac(&self) -> Mac {
        Mac::parse_plain(self.as_str().get(3..).unwrap_or_default())
            .expect("DeviceName is only built from a valid MAC")
    }

    /// The name as phones write it.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("DeviceName is ASCII")
    }
}

impl fmt::Debug for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}

impl fmt::Display for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! tag_newtype {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
        pub struct $name(pub u32);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

tag_newtype!(
    /// The tag of an `ephone N` (SCCP phone) block.
    EphoneTag
);
tag_newtype!(
    /// The tag of an `ephone-dn N` block.
    DnTag
);
tag_newtype!(
    /// The tag of a `voice register pool N` (SIP phone) block.
    PoolTag
);
tag_newtype!(
    /// The tag of a `voice register dn N` block.
    RegDnTag
);
tag_newtype!(
    /// The tag of a `voice logout-profile N` or `voice user-profile N` block.
    ProfileTag
);
tag_newtype!(
    /// The tag of a `dial-peer voice N voip` block.
    DialPeerTag
);

/// One phone connection (SCCP or SIP TCP connection), numbered by the daemon from 1.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ConnId(pub u64);

impl ConnId {
    /// A connection of an earlier run of the daemon: never handed out (numbering starts at 1).
    pub const GONE: ConnId = ConnId(0);
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A dialable number as configured (`number 1001`); may hold `.` wildcards.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Extension(pub String);

impl fmt::Display for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A credential user name (`user NAME password …`); unique across all credentials.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct UserName(pub String);

impl fmt::Display for UserName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_round_trips_between_ios_and_device_forms() {
        let mac: Mac = "000d.edab.3566".parse().unwrap();
        assert_eq!(mac.to_string(), "000D.EDAB.3566");
        let dev = DeviceName::from_mac(mac);
        assert_eq!(dev.as_str(), "SEP000DEDAB3566");
        assert_eq!(DeviceName::parse("sep000dedab3566"), Some(dev));
        assert_eq!(dev.mac(), mac);
    }

    #[test]
    fn short_groups_are_zero_padded_as_ios_does() {
        assert_eq!(
            Mac::parse_dotted("1.2.3").unwrap().to_string(),
            "0001.0002.0003"
        );
    }

    #[test]
    fn bad_macs_point_at_the_first_bad_character() {
        assert_eq!(Mac::parse_dotted("000D.EXAB.3566"), Err(BadMac { at: 6 }));
        assert_eq!(Mac::parse_dotted("000D.EDAB"), Err(BadMac { at: 9 }));
        assert_eq!(
            Mac::parse_dotted("000D.EDAB.3566.1"),
            Err(BadMac { at: 14 })
        );
        assert!(DeviceName::parse("SEP00112233445").is_none());
    }
}
