//! Cisco SCCP ("Skinny") wire codec, call-manager side, sans-IO
//! (reference: `sccp-wire-protocol.md`, §1 framing, §2 messages, §3 enumerations).
//!
//! The job: turn the TCP byte stream from a phone into [`FromPhone`] messages and
//! [`ToPhone`] messages into bytes — and, for the phone simulator and the tests, the reverse
//! of both. The boundary: no sockets, no tasks, no clock, no policy. The caller owns the
//! receive buffer and the connection, picks the negotiated [`Proto`], and supplies anything
//! time-related (DefineTimeDate) as plain numbers. Malformed input is an error value, never
//! a panic: a [`FrameError`] means the stream is unusable (close it), a [`DecodeError`] means
//! one message was (log it; the framing is intact).
//!
//! - [`frame`]: the 12-byte header, [`split`] and [`write_frame`].
//! - [`msg`]: the message types.
//! - [`encode`] / [`decode`]: layouts per message and header version (§1.6).
//! - [`ids`]: message ids and their TShark names.
//! - [`connection`]: one phone connection as a state machine, its call legs in [`call`];
//!   [`station`]: the engine's neutral layout in SCCP's button encoding; [`softkeys`]: the
//!   soft keys we give.

pub mod call;
pub mod connection;
pub mod decode;
mod decode_to_phone;
pub mod encode;
pub mod frame;
pub mod ids;
pub mod msg;
pub mod softkeys;
pub mod station;
mod to_phone;
mod wire;

pub use decode::{DecodeError, decode_from_phone, decode_to_phone};
pub use encode::{encode_from_phone, encode_to_phone};
pub use frame::{Frame, FrameError, MAX_LENGTH, split, write_frame};
pub use msg::{ButtonDef, Capability, FromPhone, Proto, Register, ResetType, SoftKey, ToPhone};

#[cfg(test)]
mod tests;
