//! Field-level helpers shared by the SCCP encoders and decoders: little-endian integers,
//! raw IPv4, "ipv4or6" addresses, fixed NUL-padded strings and NUL-terminated (V2) strings.
//!
//! The boundary: no message knowledge here. Reads never fail: a field beyond the end of the
//! body reads as zero (reference §1.5 — "zero-fill whatever is missing"), so minimum body sizes
//! are the decoders' business.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Header versions from which layouts change (reference §1.6).
pub(crate) const HDR_IPV4OR6: u32 = 0x11;
/// From here on "VariableDirnumSize" is 25 bytes (§1.6).
pub(crate) const HDR_DIRNUM25: u32 = 0x12;
/// From here on WS expects the 36-byte latentCapsInfo in media messages (§1.3, §2.4).
pub(crate) const HDR_LATENT_CAPS: u32 = 0x14;

/// Classic directory-number size (StationMaxDirnumSize, §1.5a).
pub(crate) const DIRNUM: usize = 24;
/// Directory-number size when hdr ≥ 0x12 (StationDynamicDirnumSize, §1.5a).
pub(crate) const DIRNUM_DYNAMIC: usize = 25;
/// StationMaxNameSize (§1.5a).
pub(crate) const NAME: usize = 40;
/// StationMaxDeviceNameSize (§1.5a).
pub(crate) const DEVICE_NAME: usize = 16;
/// StationMaxDisplayTextSize / StationMaxDisplayNotifySize (§1.5a).
pub(crate) const DISPLAY_TEXT: usize = 32;

/// The variable directory-number size for a header version (§1.6).
pub(crate) fn dirnum_size(header_version: u32) -> usize {
    if header_version >= HDR_DIRNUM25 {
        DIRNUM_DYNAMIC
    } else {
        DIRNUM
    }
}

/// Zero-filling reader over one message body.
#[derive(Clone, Copy)]
pub(crate) struct Rd<'a>(pub &'a [u8]);

impl<'a> Rd<'a> {
    /// The byte at `at`, or 0 past the end.
    pub fn u8(self, at: usize) -> u8 {
        self.0.get(at).copied().unwrap_or(0)
    }

    /// The little-endian u16 at `at`, zero-filled.
    pub fn u16(self, at: usize) -> u16 {
        u16::from_le_bytes([self.u8(at), self.u8(at + 1)])
    }

    /// The little-endian u32 at `at`, zero-filled.
    pub fn u32(self, at: usize) -> u32 {
        u32::from_le_bytes([
            self.u8(at),
            self.u8(at + 1),
            self.u8(at + 2),
            self.u8(at + 3),
        ])
    }

    /// An IPv4 address in network order at `at` (§1.5), zero-filled.
    pub fn ipv4(self, at: usize) -> Ipv4Addr {
        Ipv4Addr::new(
            self.u8(at),
            self.u8(at + 1),
            self.u8(at + 2),
            self.u8(at + 3),
        )
    }

    /// The 16 raw bytes at `at`, zero-filled.
    pub fn b16(self, at: usize) -> [u8; 16] {
        std::array::from_fn(|i| self.u8(at + i))
    }

    /// The bytes of the `n`-byte field at `at` up to its first NUL (the field may lack one).
    pub fn raw(self, at: usize, n: usize) -> &'a [u8] {
        let field = self.0.get(at..).unwrap_or(&[]);
        let field = &field[..n.min(field.len())];
        let end = field.iter().position(|&b| b == 0).unwrap_or(field.len());
        &field[..end]
    }

    /// A fixed `char[n]` field decoded as ISO-8859-1.
    pub fn str(self, at: usize, n: usize) -> String {
        latin1(self.raw(at, n))
    }

    /// A NUL-terminated string starting at `at` (V2 messages, §1.5), at most `max` bytes
    /// before the NUL; returns the text and the offset after the NUL.
    pub fn cstr(self, at: usize, max: usize) -> (String, usize) {
        let raw = self.raw(at, usize::MAX);
        (latin1(&raw[..raw.len().min(max)]), at + raw.len() + 1)
    }

    /// Bytes in the body, for minimum-size checks.
    pub fn len(self) -> usize {
        self.0.len()
    }
}

/// ISO-8859-1 to `String`: every byte is the code point of the same value (§1.5).
pub(crate) fn latin1(raw: &[u8]) -> String {
    raw.iter().map(|&b| char::from(b)).collect()
}

/// `String` to ISO-8859-1 (§1.5): U+0000–U+00FF map to one byte, anything else becomes `?`.
pub(crate) fn to_latin1(s: &str) -> impl Iterator<Item = u8> + '_ {
    s.chars()
        .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
}

/// Appends little-endian integers, addresses and strings to a body under construction.
pub(crate) trait Put {
    /// One byte.
    fn u8(&mut self, v: u8) -> &mut Self;
    /// A little-endian u16.
    fn u16(&mut self, v: u16) -> &mut Self;
    /// A little-endian u32.
    fn u32(&mut self, v: u32) -> &mut Self;
    /// `n` zero bytes.
    fn zeros(&mut self, n: usize) -> &mut Self;
    /// Raw bytes in an `n`-byte NUL-padded field, truncated to `n − 1` so a NUL always ends it.
    fn raw(&mut self, v: &[u8], n: usize) -> &mut Self;
    /// A string as ISO-8859-1 in an `n`-byte NUL-padded field, truncated to `n − 1` bytes.
    fn str(&mut self, v: &str, n: usize) -> &mut Self;
    /// A string as ISO-8859-1, at most `max − 1` bytes, then a NUL (V2 messages).
    fn cstr(&mut self, v: &str, max: usize) -> &mut Self;
    /// An IPv4 address, 4 bytes in network order (§1.5).
    fn ipv4(&mut self, v: Ipv4Addr) -> &mut Self;
    /// An address in the form a header version calls for (§1.6): 4 raw bytes below 0x11,
    /// else u32 type (0 IPv4, 1 IPv6) + 16 bytes with IPv4 in the first 4. An IPv6 address in
    /// the 4-byte form is written as its IPv4-mapped address if it has one, else 0.0.0.0.
    fn ip(&mut self, v: IpAddr, header_version: u32) -> &mut Self;
}

impl Put for Vec<u8> {
    fn u8(&mut self, v: u8) -> &mut Self {
        self.push(v);
        self
    }

    fn u16(&mut self, v: u16) -> &mut Self {
        self.extend_from_slice(&v.to_le_bytes());
        self
    }

    fn u32(&mut self, v: u32) -> &mut Self {
        self.extend_from_slice(&v.to_le_bytes());
        self
    }

    fn zeros(&mut self, n: usize) -> &mut Self {
        self.resize(self.len() + n, 0);
        self
    }

    fn raw(&mut self, v: &[u8], n: usize) -> &mut Self {
        let take = v.len().min(n.saturating_sub(1));
        self.extend_from_slice(&v[..take]);
        self.zeros(n - take)
    }

    fn str(&mut self, v: &str, n: usize) -> &mut Self {
        let start = self.len();
        self.extend(to_latin1(v).take(n.saturating_sub(1)));
        let used = self.len() - start;
        self.zeros(n - used)
    }

    fn cstr(&mut self, v: &str, max: usize) -> &mut Self {
        self.extend(to_latin1(v).take(max.saturating_sub(1)));
        self.u8(0)
    }

    fn ipv4(&mut self, v: Ipv4Addr) -> &mut Self {
        self.extend_from_slice(&v.octets());
        self
    }

    fn ip(&mut self, v: IpAddr, header_version: u32) -> &mut Self {
        match (v, header_version >= HDR_IPV4OR6) {
            (IpAddr::V4(a), false) => self.ipv4(a),
            (IpAddr::V6(a), false) => {
                self.ipv4(a.to_ipv4_mapped().unwrap_or(Ipv4Addr::UNSPECIFIED))
            }
            (IpAddr::V4(a), true) => self.u32(0).ipv4(a).zeros(12),
            (IpAddr::V6(a), true) => {
                self.u32(1).extend_from_slice(&a.octets());
                self
            }
        }
    }
}

/// Reads an "ipv4or6" address at `at` (§1.6, hdr ≥ 0x11): u32 type, then 16 bytes.
/// Type 1 is IPv6; types 0 (IPv4) and 2 (both) carry the IPv4 address in the first 4 bytes.
/// Returns `Err(type)` for any other type (3 = invalid).
pub(crate) fn read_ipv4or6(rd: Rd<'_>, at: usize) -> Result<IpAddr, u32> {
    match rd.u32(at) {
        0 | 2 => Ok(IpAddr::V4(rd.ipv4(at + 4))),
        1 => Ok(IpAddr::V6(Ipv6Addr::from(rd.b16(at + 4)))),
        t => Err(t),
    }
}
