//! TFTP datagram codec (RFC 1350 §5, RFC 2347 OACK).
//!
//! Pure byte shuffling: `parse` turns one datagram into a [`Packet`], the `encode_*` functions
//! write one datagram into a caller-owned buffer (cleared first, so it can be reused for every
//! send). Nothing here knows about transfers, files or policy: a filename is raw bytes for the
//! caller to validate, option values are strings for `options` to judge. Malformed input is a
//! [`PacketError`], never a panic. All integers are big-endian ("network order", RFC 1350 §5).

use thiserror::Error;

/// The opcode that starts every TFTP datagram (RFC 1350 §5, RFC 2347 for OACK).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Opcode {
    /// Read request.
    Rrq = 1,
    /// Write request.
    Wrq = 2,
    /// A block of file data.
    Data = 3,
    /// Acknowledgement of a block (or of an OACK, as block 0).
    Ack = 4,
    /// Error; ends the transfer.
    Error = 5,
    /// Option acknowledgement (RFC 2347).
    Oack = 6,
}

impl Opcode {
    /// The opcode for a wire value, if it is one we know.
    pub fn from_u16(v: u16) -> Option<Opcode> {
        Some(match v {
            1 => Opcode::Rrq,
            2 => Opcode::Wrq,
            3 => Opcode::Data,
            4 => Opcode::Ack,
            5 => Opcode::Error,
            6 => Opcode::Oack,
            _ => return None,
        })
    }

    /// The wire value.
    pub fn code(self) -> u16 {
        self as u16
    }
}

/// Transfer mode of a request (RFC 1350 §5; matched case-insensitively).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Text, lines end in CR LF on the wire (RFC 764 NVT ASCII).
    Netascii,
    /// Raw bytes.
    Octet,
    /// Obsolete mail delivery (RFC 1350 says it "should not be implemented"); callers refuse it.
    Mail,
}

impl Mode {
    /// The canonical (lower-case) spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Netascii => "netascii",
            Mode::Octet => "octet",
            Mode::Mail => "mail",
        }
    }

    fn parse(raw: &[u8]) -> Option<Mode> {
        [Mode::Netascii, Mode::Octet, Mode::Mail]
            .into_iter()
            .find(|m| raw.eq_ignore_ascii_case(m.as_str().as_bytes()))
    }
}

/// Which request [`encode_request`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// RRQ.
    Read,
    /// WRQ.
    Write,
}

/// A read or write request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The requested name as sent: any bytes but NUL. The caller validates and normalises it.
    pub filename: Vec<u8>,
    /// The transfer mode.
    pub mode: Mode,
    /// RFC 2347 options in the client's order: names lower-cased, values as sent, no empty
    /// names, no repeated names (the first occurrence wins).
    pub options: Vec<(String, String)>,
}

/// One parsed datagram. `Data` borrows its payload from the input buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet<'a> {
    /// Read request.
    Rrq(Request),
    /// Write request.
    Wrq(Request),
    /// A block of data; fewer than blksize bytes marks the last block.
    Data {
        /// Block number as on the wire (wraps at 65535).
        block: u16,
        /// The payload.
        data: &'a [u8],
    },
    /// Acknowledgement of a block number.
    Ack(u16),
    /// Error from the peer.
    Error {
        /// Error code (see [`ErrorCode`]; other values occur in the wild).
        code: u16,
        /// Message text, decoded lossily.
        message: String,
    },
    /// Option acknowledgement, options as in [`Request::options`].
    Oack(Vec<(String, String)>),
}

/// Error codes of the ERROR packet (RFC 1350 appendix, RFC 2347 for 8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum ErrorCode {
    /// Not defined, see error message.
    NotDefined = 0,
    /// File not found.
    FileNotFound = 1,
    /// Access violation.
    AccessViolation = 2,
    /// Disk full or allocation exceeded.
    DiskFull = 3,
    /// Illegal TFTP operation.
    IllegalOperation = 4,
    /// Unknown transfer ID.
    UnknownTid = 5,
    /// File already exists.
    FileExists = 6,
    /// No such user.
    NoSuchUser = 7,
    /// Option negotiation refused (RFC 2347).
    OptionRefused = 8,
}

impl ErrorCode {
    /// The wire value.
    pub fn code(self) -> u16 {
        self as u16
    }
}

/// Why a datagram could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PacketError {
    /// Shorter than the fixed part of its packet kind.
    #[error("{kind} datagram too short ({len} bytes)")]
    TooShort {
        /// The packet kind (or "datagram" when even the opcode is missing).
        kind: &'static str,
        /// The datagram length.
        len: usize,
    },
    /// The opcode is not 1..=6.
    #[error("unknown opcode {0}")]
    UnknownOpcode(u16),
    /// A string field has no terminating NUL.
    #[error("unterminated {0} string")]
    Unterminated(&'static str),
    /// A required string field is absent.
    #[error("missing {0}")]
    Missing(&'static str),
    /// The mode is not netascii, octet or mail.
    #[error("unknown transfer mode {0:?}")]
    BadMode(String),
    /// An option name or value is not UTF-8.
    #[error("option text is not UTF-8")]
    NonUtf8Option,
}

/// Parses one datagram.
pub fn parse(buf: &[u8]) -> Result<Packet<'_>, PacketError> {
    let (op, rest) = split_u16(buf).ok_or(PacketError::TooShort {
        kind: "datagram",
        len: buf.len(),
    })?;
    let op = Opcode::from_u16(op).ok_or(PacketError::UnknownOpcode(op))?;
    let too_short = |kind| PacketError::TooShort {
        kind,
        len: buf.len(),
    };
    Ok(match op {
        Opcode::Rrq => Packet::Rrq(parse_request(rest)?),
        Opcode::Wrq => Packet::Wrq(parse_request(rest)?),
        Opcode::Data => {
            let (block, data) = split_u16(rest).ok_or(too_short("DATA"))?;
            Packet::Data { block, data }
        }
        // Trailing bytes after the block number are tolerated: they carry nothing.
        Opcode::Ack => Packet::Ack(split_u16(rest).ok_or(too_short("ACK"))?.0),
        Opcode::Error => {
            let (code, text) = split_u16(rest).ok_or(too_short("ERROR"))?;
            // Some senders omit the terminator; take everything up to the first NUL.
            let text = text.split(|&b| b == 0).next().unwrap_or_default();
            Packet::Error {
                code,
                message: String::from_utf8_lossy(text).into_owned(),
            }
        }
        Opcode::Oack => match split_strings(rest) {
            (_, true) => return Err(PacketError::Unterminated("option")),
            (fields, false) => Packet::Oack(parse_options(&fields)?),
        },
    })
}

fn split_u16(buf: &[u8]) -> Option<(u16, &[u8])> {
    match buf {
        [a, b, rest @ ..] => Some((u16::from_be_bytes([*a, *b]), rest)),
        _ => None,
    }
}

/// Splits NUL-terminated strings. The second value is true when bytes follow the last NUL
/// (an unterminated string).
fn split_strings(buf: &[u8]) -> (Vec<&[u8]>, bool) {
    let mut fields: Vec<&[u8]> = buf.split(|&b| b == 0).collect();
    // `split` yields the bytes after the last NUL as a final piece: empty when terminated.
    let tail = fields.pop().is_some_and(|t| !t.is_empty());
    (fields, tail)
}

fn parse_request(rest: &[u8]) -> Result<Request, PacketError> {
    let (fields, tail) = split_strings(rest);
    if tail {
        return Err(PacketError::Unterminated(match fields.len() {
            0 => "filename",
            1 => "mode",
            _ => "option",
        }));
    }
    let Some((filename, fields)) = fields.split_first() else {
        return Err(PacketError::Missing("filename"));
    };
    let Some((mode, options)) = fields.split_first() else {
        return Err(PacketError::Missing("mode"));
    };
    let mode = Mode::parse(mode)
        .ok_or_else(|| PacketError::BadMode(String::from_utf8_lossy(mode).into_owned()))?;
    Ok(Request {
        filename: filename.to_vec(),
        mode,
        options: parse_options(options)?,
    })
}

/// Name/value pairs (RFC 2347 §"Packet Formats"). Tolerated, because real clients send them:
/// a trailing zero-length string (old Cisco 7960 firmware appends an extra NUL), and an
/// unpaired trailing name, which is dropped. Options with an empty name are ignored; a
/// repeated name keeps its first value.
fn parse_options(fields: &[&[u8]]) -> Result<Vec<(String, String)>, PacketError> {
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in fields.chunks_exact(2) {
        let name = std::str::from_utf8(pair[0]).map_err(|_| PacketError::NonUtf8Option)?;
        let value = std::str::from_utf8(pair[1]).map_err(|_| PacketError::NonUtf8Option)?;
        let name = name.to_ascii_lowercase();
        if name.is_empty() || out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        out.push((name, value.to_owned()));
    }
    Ok(out)
}

fn start(out: &mut Vec<u8>, op: Opcode) {
    out.clear();
    out.extend_from_slice(&op.code().to_be_bytes());
}

/// Writes `s` up to its first NUL (a NUL inside would end the field early on the wire), then NUL.
fn put_str(out: &mut Vec<u8>, s: &[u8]) {
    out.extend(s.iter().copied().take_while(|&b| b != 0));
    out.push(0);
}

/// DATA `block` carrying `data`.
pub fn encode_data(block: u16, data: &[u8], out: &mut Vec<u8>) {
    start(out, Opcode::Data);
    out.extend_from_slice(&block.to_be_bytes());
    out.extend_from_slice(data);
}

/// ACK `block`.
pub fn encode_ack(block: u16, out: &mut Vec<u8>) {
    start(out, Opcode::Ack);
    out.extend_from_slice(&block.to_be_bytes());
}

/// ERROR with `code` and `message` (cut at an embedded NUL, if any).
pub fn encode_error(code: ErrorCode, message: &str, out: &mut Vec<u8>) {
    start(out, Opcode::Error);
    out.extend_from_slice(&code.code().to_be_bytes());
    put_str(out, message.as_bytes());
}

/// OACK listing `options` in order.
pub fn encode_oack(options: &[(String, String)], out: &mut Vec<u8>) {
    start(out, Opcode::Oack);
    put_options(options, out);
}

/// RRQ or WRQ (for tests and client simulators; the server never sends requests).
pub fn encode_request(kind: RequestKind, req: &Request, out: &mut Vec<u8>) {
    start(
        out,
        match kind {
            RequestKind::Read => Opcode::Rrq,
            RequestKind::Write => Opcode::Wrq,
        },
    );
    put_str(out, &req.filename);
    put_str(out, req.mode.as_str().as_bytes());
    put_options(&req.options, out);
}

fn put_options(options: &[(String, String)], out: &mut Vec<u8>) {
    for (name, value) in options {
        put_str(out, name.as_bytes());
        put_str(out, value.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn round_trips() {
        let req = Request {
            filename: b"SEP0011.cnf.xml".to_vec(),
            mode: Mode::Octet,
            options: opts(&[("blksize", "1428"), ("tsize", "0")]),
        };
        let mut out = Vec::new();
        encode_request(RequestKind::Read, &req, &mut out);
        assert_eq!(parse(&out), Ok(Packet::Rrq(req.clone())));
        encode_request(RequestKind::Write, &req, &mut out);
        assert_eq!(parse(&out), Ok(Packet::Wrq(req)));
        encode_data(65535, b"hello", &mut out);
        assert_eq!(out, b"\0\x03\xff\xffhello");
        assert_eq!(
            parse(&out),
            Ok(Packet::Data {
                block: 65535,
                data: b"hello"
            })
        );
        encode_data(1, b"", &mut out);
        assert_eq!(
            parse(&out),
            Ok(Packet::Data {
                block: 1,
                data: b""
            })
        );
        encode_ack(258, &mut out);
        assert_eq!(out, b"\0\x04\x01\x02");
        assert_eq!(parse(&out), Ok(Packet::Ack(258)));
        encode_error(ErrorCode::FileNotFound, "no such file", &mut out);
        assert_eq!(
            parse(&out),
            Ok(Packet::Error {
                code: 1,
                message: "no such file".into()
            })
        );
        let o = opts(&[("blksize", "1024"), ("windowsize", "8")]);
        encode_oack(&o, &mut out);
        assert_eq!(out, b"\0\x06blksize\x001024\0windowsize\x008\0");
        assert_eq!(parse(&out), Ok(Packet::Oack(o)));
        encode_oack(&[], &mut out);
        assert_eq!(parse(&out), Ok(Packet::Oack(Vec::new())));
    }

    #[test]
    fn error_codes() {
        assert_eq!(ErrorCode::NotDefined.code(), 0);
        assert_eq!(ErrorCode::UnknownTid.code(), 5);
        assert_eq!(ErrorCode::OptionRefused.code(), 8);
        let mut out = Vec::new();
        encode_error(ErrorCode::NotDefined, "a\0b", &mut out);
        assert_eq!(out, b"\0\x05\0\0a\0");
    }

    #[test]
    fn request_details() {
        let p = parse(b"\0\x01Dir/File\0NetASCII\0BlkSize\x00512\0blksize\x00999\0\0\x00x\0");
        let Ok(Packet::Rrq(r)) = p else {
            panic!("{p:?}")
        };
        assert_eq!(r.filename, b"Dir/File");
        assert_eq!(r.mode, Mode::Netascii);
        // Lower-cased, first duplicate wins, empty name ignored.
        assert_eq!(r.options, opts(&[("blksize", "512")]));
        let p = parse(b"\0\x01\xff\xfe\0MAIL\0");
        assert!(matches!(
            p,
            Ok(Packet::Rrq(Request {
                mode: Mode::Mail,
                ..
            }))
        ));
    }

    #[test]
    fn cisco_7960_trailing_nul() {
        let want = Request {
            filename: b"SEPAABBCCDDEEFF.cnf.xml".to_vec(),
            mode: Mode::Octet,
            options: Vec::new(),
        };
        assert_eq!(
            parse(b"\0\x01SEPAABBCCDDEEFF.cnf.xml\0octet\0\0"),
            Ok(Packet::Rrq(want.clone()))
        );
        let p = parse(b"\0\x01SEPAABBCCDDEEFF.cnf.xml\0octet\0tsize\x000\0\0");
        let with_opt = Request {
            options: opts(&[("tsize", "0")]),
            ..want
        };
        assert_eq!(p, Ok(Packet::Rrq(with_opt)));
    }

    #[test]
    fn error_text_is_lenient() {
        let p = parse(b"\0\x05\0\x08refused");
        assert_eq!(
            p,
            Ok(Packet::Error {
                code: 8,
                message: "refused".into()
            })
        );
        let p = parse(b"\0\x05\0\x00\xffx\0junk");
        assert_eq!(
            p,
            Ok(Packet::Error {
                code: 0,
                message: "\u{fffd}x".into()
            })
        );
        assert_eq!(
            parse(b"\0\x05\0\x01"),
            Ok(Packet::Error {
                code: 1,
                message: String::new()
            })
        );
    }

    #[test]
    fn malformed() {
        use PacketError::*;
        let short = |kind, len| Err(TooShort { kind, len });
        assert_eq!(parse(b""), short("datagram", 0));
        assert_eq!(parse(b"\0"), short("datagram", 1));
        assert_eq!(parse(b"\0\x03\0"), short("DATA", 3));
        assert_eq!(parse(b"\0\x04\0"), short("ACK", 3));
        assert_eq!(parse(b"\0\x05"), short("ERROR", 2));
        assert_eq!(parse(b"\0\x07\0\0"), Err(UnknownOpcode(7)));
        assert_eq!(parse(b"\0\0"), Err(UnknownOpcode(0)));
        assert_eq!(parse(b"\0\x01"), Err(Missing("filename")));
        assert_eq!(parse(b"\0\x01file"), Err(Unterminated("filename")));
        assert_eq!(parse(b"\0\x01file\0"), Err(Missing("mode")));
        assert_eq!(parse(b"\0\x01file\0octet"), Err(Unterminated("mode")));
        assert_eq!(
            parse(b"\0\x01file\0octet\0blksize\x00512"),
            Err(Unterminated("option"))
        );
        assert_eq!(
            parse(b"\0\x01file\0binary\0"),
            Err(BadMode("binary".into()))
        );
        assert_eq!(
            parse(b"\0\x02file\0octet\0bl\xffk\x001\0"),
            Err(NonUtf8Option)
        );
        assert_eq!(
            parse(b"\0\x01file\0octet\0blksize\0\xff\0"),
            Err(NonUtf8Option)
        );
        assert_eq!(parse(b"\0\x06blksize\x00512"), Err(Unterminated("option")));
        assert_eq!(parse(b"\0\x06a\0\xc3\0"), Err(NonUtf8Option));
    }
}
