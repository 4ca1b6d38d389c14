//! SCCP decoders: [`decode_from_phone`] (the server's side) here, [`decode_to_phone`] (the
//! phone simulator's and the fixtures' side) in `decode_to_phone.rs`.
//!
//! The boundary: one [`Frame`] in, one message value out; never a panic on wire input.
//! Following reference §1.5/§6, short bodies are accepted by zero-filling absent trailing
//! fields and excess tails are ignored; only a body missing a field that identifies the
//! message (Register below 36 bytes, a KeypadButton without its key …) is a [`DecodeError`].
//! Layouts that depend on the header version are keyed on the *frame's* word (§1.3, §1.6).

use thiserror::Error;

use super::encode::MAX_CAPABILITIES;
use super::frame::Frame;
use super::ids;
use super::msg::{Capability, FromPhone, Register};
use super::wire::{DEVICE_NAME, DIRNUM_DYNAMIC, HDR_DIRNUM25, HDR_IPV4OR6, Rd, read_ipv4or6};

pub use super::decode_to_phone::decode_to_phone;

/// Why a frame's body could not be turned into a message. The frame boundaries are intact,
/// so the caller may log and carry on, or close the session.
#[derive(Error, Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    /// The body stops before a field that cannot be zero-filled.
    #[error("{name} (0x{id:04X}): body of {got} bytes, at least {need} required")]
    TooShort {
        /// The message id.
        id: u32,
        /// Its TShark name.
        name: &'static str,
        /// Minimum body size.
        need: usize,
        /// Actual body size.
        got: usize,
    },
    /// A field holds a value the message type cannot represent.
    #[error("{name} (0x{id:04X}): {field} = {value} is not valid")]
    BadValue {
        /// The message id.
        id: u32,
        /// Its TShark name.
        name: &'static str,
        /// The field.
        field: &'static str,
        /// The value found.
        value: u32,
    },
    /// `decode_to_phone` got an id it has no variant for (phone-bound ids only).
    #[error("message id 0x{0:04X} is not a call-manager message this codec models")]
    UnknownId(u32),
}

/// Rejects a body shorter than `need` bytes.
pub(crate) fn require(frame: &Frame<'_>, need: usize) -> Result<(), DecodeError> {
    if frame.body.len() < need {
        return Err(DecodeError::TooShort {
            id: frame.id,
            name: ids::name(frame.id).unwrap_or("Unknown"),
            need,
            got: frame.body.len(),
        });
    }
    Ok(())
}

/// A `BadValue` error for `frame`.
pub(crate) fn bad(frame: &Frame<'_>, field: &'static str, value: u32) -> DecodeError {
    DecodeError::BadValue {
        id: frame.id,
        name: ids::name(frame.id).unwrap_or("Unknown"),
        field,
        value,
    }
}

/// Decodes a phone → call-manager message. Ids without a variant become [`FromPhone::Other`].
pub fn decode_from_phone(frame: &Frame<'_>) -> Result<FromPhone, DecodeError> {
    use FromPhone as M;
    let rd = Rd(frame.body);
    let hv = frame.header_version;
    Ok(match frame.id {
        ids::KEEP_ALIVE => M::KeepAlive,
        ids::REGISTER => M::Register(register(frame)?),
        ids::IP_PORT => M::IpPort(rd.u32(0)),
        ids::KEYPAD_BUTTON => {
            // 4 bytes on old firmware, 12 with line and call (§2.3).
            require(frame, 4)?;
            M::KeypadButton {
                button: rd.u32(0),
                line: rd.u32(4),
                call_ref: rd.u32(8),
            }
        }
        ids::ENBLOC_CALL => enbloc_call(rd, hv),
        ids::STIMULUS => {
            // 8–16 bytes: AST reads only the first three words (§2.3).
            require(frame, 8)?;
            M::Stimulus {
                stimulus: rd.u32(0),
                instance: rd.u32(4),
                call_ref: rd.u32(8),
                status: rd.u32(12),
            }
        }
        // OffHook/OnHook: empty on old firmware (§2.3), zero = "no line selected".
        ids::OFF_HOOK => M::OffHook {
            line: rd.u32(0),
            call_ref: rd.u32(4),
        },
        ids::ON_HOOK => M::OnHook {
            line: rd.u32(0),
            call_ref: rd.u32(4),
        },
        ids::HOOK_FLASH => M::HookFlash {
            line: rd.u32(0),
            call_ref: rd.u32(4),
        },
        ids::FORWARD_STAT_REQ => M::ForwardStatReq(rd.u32(0)),
        ids::SPEED_DIAL_STAT_REQ => M::SpeedDialStatReq(rd.u32(0)),
        ids::LINE_STAT_REQ => M::LineStatReq(rd.u32(0)),
        ids::CONFIG_STAT_REQ => M::ConfigStatReq,
        ids::TIME_DATE_REQ => M::TimeDateReq,
        // chan-sccp declares a u32 in ButtonTemplateReq; nothing reads it (§2.1).
        ids::BUTTON_TEMPLATE_REQ => M::ButtonTemplateReq,
        ids::VERSION_REQ => M::VersionReq,
        ids::SERVER_REQ => M::ServerReq,
        ids::CAPABILITIES_RES => M::CapabilitiesRes(capabilities(rd)),
        ids::ALARM => M::Alarm {
            severity: rd.u32(0),
            text: rd.str(4, 80),
            param1: rd.u32(84),
            param2: rd.u32(88),
        },
        ids::OPEN_RECEIVE_CHANNEL_ACK => open_receive_channel_ack(frame)?,
        ids::SOFT_KEY_SET_REQ => M::SoftKeySetReq,
        ids::SOFT_KEY_EVENT => {
            require(frame, 4)?;
            M::SoftKeyEvent {
                event: rd.u32(0),
                line: rd.u32(4),
                call_ref: rd.u32(8),
            }
        }
        ids::UNREGISTER => M::Unregister,
        ids::SOFT_KEY_TEMPLATE_REQ => M::SoftKeyTemplateReq,
        ids::REGISTER_TOKEN_REQ => M::RegisterTokenReq {
            device_name: rd.str(0, DEVICE_NAME),
        },
        ids::HEADSET_STATUS => M::HeadsetStatus(rd.u32(0)),
        ids::REGISTER_AVAILABLE_LINES => M::RegisterAvailableLines(rd.u32(0)),
        ids::SERVICE_URL_STAT_REQ => M::ServiceUrlStatReq(rd.u32(0)),
        ids::FEATURE_STAT_REQ => M::FeatureStatReq(rd.u32(0)),
        ids::MEDIA_PATH_EVENT => M::MediaPathEvent {
            path: rd.u32(0),
            event: rd.u32(4),
        },
        ids::MEDIA_PATH_CAPABILITY => M::MediaPathCapability {
            path: rd.u32(0),
            capability: rd.u32(4),
        },
        ids::START_MEDIA_TRANSMISSION_ACK => {
            // callRef; passThruPartyId; callReference; address (4 bytes, or type + 16 from
            // 0x11); port; status (§2.3).
            let ip_len = if hv >= HDR_IPV4OR6 { 20 } else { 4 };
            M::StartMediaTransmissionAck {
                pass_thru: rd.u32(4),
                call_ref: rd.u32(8),
                status: rd.u32(12 + ip_len + 4),
            }
        }
        id => M::Other {
            id,
            body: frame.body.to_vec(),
        },
    })
}

/// Register 0x0001 (§2.3). Bodies come in 36 … 172 bytes; below 36 the identity fields are
/// incomplete, above it every absent field reads as zero.
fn register(frame: &Frame<'_>) -> Result<Register, DecodeError> {
    require(frame, 36)?;
    let rd = Rd(frame.body);
    Ok(Register {
        device_name: rd.str(0, DEVICE_NAME),
        user_id: rd.u32(16),
        instance: rd.u32(20),
        // Always 4 bytes here, even for v17+ phones (§2.3).
        ip: rd.ipv4(24),
        device_type: rd.u32(28),
        max_streams: rd.u32(32),
        active_streams: rd.u32(36),
        protocol: rd.u8(40),
        features: rd.u16(42),
        max_conferences: rd.u32(44),
        max_lines: rd.u32(68),
        load: rd.str(92, 32),
    })
}

/// EnblocCall 0x0004: calledParty, then lineInstance at 24; from header 0x12 the number is
/// 25 bytes and the line sits at 25 (packed: WS, a 7970) or 28 (padded: an 8945 per
/// chan-sccp) — §1.6 says accept both. Padded is recognised by a zero pad (bytes 25–27) and
/// a non-zero word at 28; a packed line below 2^24 always has a non-zero byte 25..28 or is 0.
fn enbloc_call(rd: Rd<'_>, hv: u32) -> FromPhone {
    let (number, line) = if hv >= HDR_DIRNUM25 {
        let pad_is_zero = rd.u8(25) == 0 && rd.u8(26) == 0 && rd.u8(27) == 0;
        let line = if rd.len() >= 32 && pad_is_zero && rd.u32(28) != 0 {
            rd.u32(28)
        } else {
            rd.u32(DIRNUM_DYNAMIC)
        };
        (rd.str(0, DIRNUM_DYNAMIC), line)
    } else {
        (rd.str(0, 24), rd.u32(24))
    };
    FromPhone::EnblocCall { number, line }
}

/// CapabilitiesRes 0x0010: count, then 16-byte entries (§2.3). Phones send only `count`
/// entries; at most 18 are read, and a count beyond the body is cut to the entries present.
fn capabilities(rd: Rd<'_>) -> Vec<Capability> {
    let present = rd.len().saturating_sub(4) / 16;
    let count = usize::try_from(rd.u32(0)).unwrap_or(usize::MAX);
    (0..count.min(present).min(MAX_CAPABILITIES))
        .map(|i| Capability {
            codec: rd.u32(4 + 16 * i),
            max_frames: rd.u32(8 + 16 * i),
        })
        .collect()
}

/// OpenReceiveChannelAck 0x0022 (§2.3): below header 0x11 status, IPv4, port, passThru,
/// [callRef] (16/20 bytes); from 0x11 the address is type + 16 bytes (32/36 bytes).
fn open_receive_channel_ack(frame: &Frame<'_>) -> Result<FromPhone, DecodeError> {
    let rd = Rd(frame.body);
    let (ip, after_ip) = if frame.header_version >= HDR_IPV4OR6 {
        require(frame, 32)?;
        let ip = read_ipv4or6(rd, 4).map_err(|t| bad(frame, "ipAddr type", t))?;
        (ip, 24)
    } else {
        require(frame, 16)?;
        (rd.ipv4(4).into(), 8)
    };
    Ok(FromPhone::OpenReceiveChannelAck {
        status: rd.u32(0),
        ip,
        port: rd.u32(after_ip),
        pass_thru: rd.u32(after_ip + 4),
        call_ref: rd.u32(after_ip + 8),
    })
}
