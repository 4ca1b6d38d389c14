//! [`decode_to_phone`]: call-manager → phone messages back into [`ToPhone`] values, for the
//! phone simulator and the codec fixtures (the server itself never receives these).
//!
//! The boundary and rules are `decode`'s: zero-fill short bodies, ignore excess, key layouts
//! on the frame's header version (§1.6). It reads exactly what `encode_to_phone` writes and
//! what the reference §2.4 layouts describe; an id it has no variant for is an error.

use std::net::{IpAddr, Ipv4Addr};

use super::decode::{DecodeError, bad};
use super::encode::{BUTTON_SLOTS, SERVER_SLOTS, SOFT_KEY_SET_SLOTS, SOFT_KEY_SLOTS};
use super::frame::Frame;
use super::ids;
use super::msg::{ButtonDef, ResetType, SoftKey, ToPhone};
use super::wire::{
    DEVICE_NAME, DIRNUM, DISPLAY_TEXT, HDR_IPV4OR6, NAME, Rd, dirnum_size, read_ipv4or6,
};

/// Decodes a call-manager → phone message.
pub fn decode_to_phone(frame: &Frame<'_>) -> Result<ToPhone, DecodeError> {
    use ToPhone as M;
    let rd = Rd(frame.body);
    let hv = frame.header_version;
    let slots = |n: u32, max: usize| usize::try_from(n).unwrap_or(max).min(max);
    Ok(match frame.id {
        ids::KEEP_ALIVE_ACK => M::KeepAliveAck,
        ids::REGISTER_ACK => M::RegisterAck {
            keepalive: rd.u32(0),
            date_template: rd.str(4, 8),
            secondary_keepalive: rd.u32(12),
            protocol: rd.u8(16),
        },
        ids::REGISTER_REJECT => M::RegisterReject {
            text: rd.str(0, DISPLAY_TEXT),
        },
        ids::CAPABILITIES_REQ => M::CapabilitiesReq,
        ids::BUTTON_TEMPLATE => M::ButtonTemplate {
            offset: rd.u32(0),
            total: rd.u32(8),
            buttons: (0..slots(rd.u32(4), BUTTON_SLOTS))
                .map(|i| ButtonDef {
                    instance: rd.u8(12 + 2 * i),
                    kind: rd.u8(13 + 2 * i),
                })
                .collect(),
        },
        ids::SOFT_KEY_TEMPLATE => M::SoftKeyTemplate {
            keys: (0..slots(rd.u32(4), SOFT_KEY_SLOTS))
                .map(|i| SoftKey {
                    label: rd.raw(12 + 20 * i, 16).to_vec(),
                    event: rd.u32(28 + 20 * i),
                })
                .collect(),
        },
        ids::SOFT_KEY_SET => M::SoftKeySet {
            sets: (0..slots(rd.u32(4), SOFT_KEY_SET_SLOTS))
                .map(|i| std::array::from_fn(|k| rd.u8(12 + 48 * i + k)))
                .collect(),
        },
        ids::SELECT_SOFT_KEYS => M::SelectSoftKeys {
            line: rd.u32(0),
            call_ref: rd.u32(4),
            set: rd.u32(8),
            mask: rd.u32(12),
        },
        ids::LINE_STAT => M::LineStat {
            line: rd.u32(0),
            number: rd.str(4, DIRNUM),
            display_name: rd.str(28, NAME),
            label: rd.str(68, NAME),
            options: rd.u32(108),
        },
        ids::SPEED_DIAL_STAT => M::SpeedDialStat {
            index: rd.u32(0),
            number: rd.str(4, DIRNUM),
            name: rd.str(28, NAME),
        },
        ids::FORWARD_STAT => {
            // activeForward; lineNumber; then (active, dirnum) × 3, dirnum 24 or 25 (§2.4).
            let dn = dirnum_size(hv);
            let target = |at: usize| (rd.u32(at) != 0).then(|| rd.str(at + 4, dn));
            M::ForwardStat {
                line: rd.u32(4),
                all: target(8),
                busy: target(12 + dn),
                no_answer: target(16 + 2 * dn),
            }
        }
        ids::FEATURE_STAT => M::FeatureStat {
            index: rd.u32(0),
            id: rd.u32(4),
            label: rd.str(8, NAME),
            status: rd.u32(48),
        },
        ids::FEATURE_STAT_V2 => M::FeatureStatV2 {
            index: rd.u32(0),
            id: rd.u32(4),
            status: rd.u32(8),
            label: rd.cstr(12, 120).0,
        },
        ids::SERVICE_URL_STAT => M::ServiceUrlStat {
            index: rd.u32(0),
            url: rd.str(4, 256),
            name: rd.str(260, NAME),
        },
        ids::CONFIG_STAT => M::ConfigStat {
            device_name: rd.str(0, DEVICE_NAME),
            user_id: rd.u32(16),
            instance: rd.u32(20),
            user_name: rd.str(24, NAME),
            server_name: rd.str(64, NAME),
            lines: rd.u32(104),
            speed_dials: rd.u32(108),
        },
        ids::DEFINE_TIME_DATE => M::DefineTimeDate {
            year: rd.u32(0),
            month: rd.u32(4),
            day_of_week: rd.u32(8),
            day: rd.u32(12),
            hour: rd.u32(16),
            minute: rd.u32(20),
            second: rd.u32(24),
            millis: rd.u32(28),
            system_time: rd.u32(32),
        },
        ids::VERSION => M::Version(rd.str(0, 16)),
        ids::SERVER_RES => server_res(frame)?,
        ids::DISPLAY_TEXT => M::DisplayText(rd.str(0, DISPLAY_TEXT)),
        ids::CLEAR_DISPLAY => M::ClearDisplay,
        ids::DISPLAY_PROMPT_STATUS => M::DisplayPromptStatus {
            timeout: rd.u32(0),
            text: rd.raw(4, DISPLAY_TEXT).to_vec(),
            line: rd.u32(36),
            call_ref: rd.u32(40),
        },
        ids::CLEAR_PROMPT_STATUS => M::ClearPromptStatus {
            line: rd.u32(0),
            call_ref: rd.u32(4),
        },
        ids::DISPLAY_NOTIFY => M::DisplayNotify {
            timeout: rd.u32(0),
            text: rd.raw(4, DISPLAY_TEXT).to_vec(),
        },
        ids::CLEAR_NOTIFY => M::ClearNotify,
        ids::DISPLAY_PRI_NOTIFY => M::DisplayPriNotify {
            timeout: rd.u32(0),
            priority: rd.u32(4),
            text: rd.raw(8, DISPLAY_TEXT).to_vec(),
        },
        ids::CLEAR_PRI_NOTIFY => M::ClearPriNotify(rd.u32(0)),
        ids::RESET => {
            let v = rd.u32(0);
            M::Reset(ResetType::from_u32(v).ok_or_else(|| bad(frame, "resetType", v))?)
        }
        ids::UNREGISTER_ACK => M::UnregisterAck(rd.u32(0)),
        ids::REGISTER_TOKEN_ACK => M::RegisterTokenAck,
        ids::REGISTER_TOKEN_REJECT => M::RegisterTokenReject(rd.u32(0)),
        ids::SET_LAMP => M::SetLamp {
            stimulus: rd.u32(0),
            instance: rd.u32(4),
            mode: rd.u32(8),
        },
        ids::SET_RINGER => M::SetRinger {
            mode: rd.u32(0),
            duration: rd.u32(4),
            line: rd.u32(8),
            call_ref: rd.u32(12),
        },
        ids::SET_SPEAKER_MODE => M::SetSpeakerMode(rd.u32(0)),
        ids::SET_MICRO_MODE => M::SetMicroMode(rd.u32(0)),
        ids::CALL_STATE => M::CallState {
            state: rd.u32(0),
            line: rd.u32(4),
            call_ref: rd.u32(8),
            privacy: rd.u32(12),
            precedence: rd.u32(16),
        },
        ids::START_TONE => M::StartTone {
            tone: rd.u32(0),
            direction: rd.u32(4),
            line: rd.u32(8),
            call_ref: rd.u32(12),
        },
        ids::STOP_TONE => M::StopTone {
            line: rd.u32(0),
            call_ref: rd.u32(4),
        },
        ids::ACTIVATE_CALL_PLANE => M::ActivateCallPlane(rd.u32(0)),
        ids::DEACTIVATE_CALL_PLANE => M::DeactivateCallPlane,
        ids::CALL_INFO => M::CallInfo {
            calling_name: rd.str(0, NAME),
            calling: rd.str(40, DIRNUM),
            called_name: rd.str(64, NAME),
            called: rd.str(104, DIRNUM),
            line: rd.u32(128),
            call_ref: rd.u32(132),
            call_type: rd.u32(136),
            redirected_by: rd.str(244, DIRNUM),
            redirect_reason: rd.u32(272),
        },
        ids::DIALED_NUMBER => {
            // Packed 25-byte number from 0x12, as WS reads it (§2.4); the padded variant
            // is only ever seen phone → CM (EnblocCall).
            let dn = dirnum_size(hv);
            M::DialedNumber {
                number: rd.str(0, dn),
                line: rd.u32(dn),
                call_ref: rd.u32(dn + 4),
            }
        }
        ids::OPEN_RECEIVE_CHANNEL => M::OpenReceiveChannel {
            conference_id: rd.u32(0),
            pass_thru: rd.u32(4),
            packet_ms: rd.u32(8),
            codec: rd.u32(12),
            call_ref: rd.u32(24),
        },
        ids::CLOSE_RECEIVE_CHANNEL => M::CloseReceiveChannel {
            conference_id: rd.u32(0),
            pass_thru: rd.u32(4),
            call_ref: rd.u32(8),
        },
        ids::START_MEDIA_TRANSMISSION => start_media_transmission(frame)?,
        ids::STOP_MEDIA_TRANSMISSION => M::StopMediaTransmission {
            conference_id: rd.u32(0),
            pass_thru: rd.u32(4),
            call_ref: rd.u32(8),
        },
        id => return Err(DecodeError::UnknownId(id)),
    })
}

/// Reads an address in the form the header version calls for (§1.6) as IPv4; an IPv6 or
/// invalid address type is a `BadValue` (these messages only carry IPv4 here).
fn ipv4_at(frame: &Frame<'_>, at: usize) -> Result<(Ipv4Addr, usize), DecodeError> {
    let rd = Rd(frame.body);
    if frame.header_version < HDR_IPV4OR6 {
        return Ok((rd.ipv4(at), 4));
    }
    match read_ipv4or6(rd, at) {
        Ok(IpAddr::V4(ip)) => Ok((ip, 20)),
        Ok(IpAddr::V6(_)) => Err(bad(frame, "ipAddr type", 1)),
        Err(t) => Err(bad(frame, "ipAddr type", t)),
    }
}

/// ServerRes 0x009E: 5 names, 5 ports, 5 addresses; trailing all-zero slots are unused.
fn server_res(frame: &Frame<'_>) -> Result<ToPhone, DecodeError> {
    let rd = Rd(frame.body);
    let mut servers = Vec::with_capacity(SERVER_SLOTS);
    let ips_at = SERVER_SLOTS * 48 + SERVER_SLOTS * 4;
    let mut ip_at = ips_at;
    for i in 0..SERVER_SLOTS {
        let (ip, len) = ipv4_at(frame, ip_at)?;
        ip_at += len;
        servers.push((rd.str(48 * i, 48), rd.u32(SERVER_SLOTS * 48 + 4 * i), ip));
    }
    while servers
        .last()
        .is_some_and(|(n, p, ip)| n.is_empty() && *p == 0 && ip.is_unspecified())
    {
        servers.pop();
    }
    Ok(ToPhone::ServerRes { servers })
}

/// StartMediaTransmission 0x008A (§2.4): the address widens by 16 bytes from 0x11.
fn start_media_transmission(frame: &Frame<'_>) -> Result<ToPhone, DecodeError> {
    let rd = Rd(frame.body);
    let (ip, len) = ipv4_at(frame, 8)?;
    let at = 8 + len; // remotePortNumber
    Ok(ToPhone::StartMediaTransmission {
        conference_id: rd.u32(0),
        pass_thru: rd.u32(4),
        ip,
        port: rd.u32(at),
        packet_ms: rd.u32(at + 4),
        codec: rd.u32(at + 8),
        precedence: rd.u32(at + 12),
        call_ref: rd.u32(at + 28),
    })
}
