//! SCCP framing: cutting the TCP byte stream into messages and writing message envelopes.
//!
//! The job: the 12-byte header of reference §1.2 (`length`, header version, message id) and
//! the 4-byte body padding of §1.5. The boundary: this file knows nothing about message
//! layouts; it hands out borrowed bodies and takes finished ones. It never reads a socket:
//! the caller appends received bytes to a buffer, calls [`split`] until it returns
//! `Ok(None)`, and drops the consumed prefix.

use thiserror::Error;

/// Largest `length` field accepted (reference §1.5: accept at least 4096 — UserToDeviceData
/// carries up to 2000 bytes of XML — and close the session on anything larger).
pub const MAX_LENGTH: u32 = 8192;

/// Bytes before the message id: the `length` word and the header-version word (§1.2).
/// `length` counts everything after these two words.
pub const PREFIX_LEN: usize = 8;

/// Size of the whole header including the message id (§1.2).
pub const HEADER_LEN: usize = 12;

/// One message cut out of the stream. The body borrows from the receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The header-version word as sent (§1.3). Layouts of some messages depend on it (§1.6).
    pub header_version: u32,
    /// The message id (§2).
    pub id: u32,
    /// The body: `length − 4` bytes, including any padding the sender added.
    pub body: &'a [u8],
}

/// A `length` word that cannot belong to a well-formed stream; the connection must be closed
/// because the message boundaries are lost.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
pub enum FrameError {
    /// `length` is below 4, so there is not even room for the message id (§1.2).
    #[error("SCCP length {0} is shorter than the 4-byte message id")]
    TooShort(u32),
    /// `length` is above [`MAX_LENGTH`] (§1.5).
    #[error("SCCP length {0} exceeds the maximum of {MAX_LENGTH}")]
    TooLong(u32),
}

fn le32(buf: &[u8], at: usize) -> Option<u32> {
    let b = buf.get(at..at + 4)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Cuts the first message off `buf`.
///
/// `Ok(None)`: more bytes are needed (a message may span TCP segments, §1.1).
/// `Ok(Some((frame, consumed)))`: one whole message; drop `consumed` bytes before the next call.
/// `Err`: the `length` word is out of range (checked as soon as its 4 bytes are present);
/// close the connection.
pub fn split(buf: &[u8]) -> Result<Option<(Frame<'_>, usize)>, FrameError> {
    let Some(length) = le32(buf, 0) else {
        return Ok(None);
    };
    if length < 4 {
        return Err(FrameError::TooShort(length));
    }
    if length > MAX_LENGTH {
        return Err(FrameError::TooLong(length));
    }
    // Bytes on the wire = length + 8 (§1.2); cannot overflow, length ≤ MAX_LENGTH.
    let total = length as usize + PREFIX_LEN;
    if buf.len() < total {
        return Ok(None);
    }
    let (Some(header_version), Some(id)) = (le32(buf, 4), le32(buf, 8)) else {
        return Ok(None);
    };
    let body = &buf[HEADER_LEN..total];
    Ok(Some((
        Frame {
            header_version,
            id,
            body,
        },
        total,
    )))
}

/// Appends one message to `out`: header, `body`, then zero padding to a multiple of 4 bytes,
/// the pad counted in `length` (§1.5, as chan-sccp does).
pub fn write_frame(header_version: u32, id: u32, body: &[u8], out: &mut Vec<u8>) {
    let start = begin_frame(header_version, id, out);
    out.extend_from_slice(body);
    end_frame(start, out);
}

/// Writes a header with a placeholder `length` and returns where it starts; the body is then
/// appended directly to `out` and [`end_frame`] fixes the length. Saves a copy of every body.
pub(crate) fn begin_frame(header_version: u32, id: u32, out: &mut Vec<u8>) -> usize {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&header_version.to_le_bytes());
    out.extend_from_slice(&id.to_le_bytes());
    start
}

/// Pads the body begun at `start` to 4 bytes and writes the final `length`.
pub(crate) fn end_frame(start: usize, out: &mut Vec<u8>) {
    let body_len = out.len() - start - HEADER_LEN;
    out.resize(out.len() + (4 - body_len % 4) % 4, 0);
    let length = (out.len() - start - PREFIX_LEN) as u32;
    out[start..start + 4].copy_from_slice(&length.to_le_bytes());
}
