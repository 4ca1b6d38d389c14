//! SCCP message types: what a phone sends ([`FromPhone`], reference §2.1/§2.3) and what the
//! call manager sends ([`ToPhone`], §2.2/§2.4), as plain values.
//!
//! The boundary: types only. Wire layouts live in `encode*`/`decode*`; the meaning of the
//! numbers (call states, tones, soft-key sets …) is the session's business, the reference
//! section for each enumeration is noted on its field. Strings are Rust `String`s; they go on
//! the wire as ISO-8859-1 in fixed NUL-padded fields (§1.5) and are truncated to fit.

use std::net::{IpAddr, Ipv4Addr};

use super::ids;

/// The negotiated protocol version (RegisterAck byte 16, §1.4). It picks the header-version
/// word and the layouts the encoder writes (§1.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Proto(pub u8);

impl Proto {
    /// The header-version word to send at this protocol (§1.3, §6): 0 below 17, where the
    /// classic layouts are used and TShark (which refuses 1–9 and 0x0C–0x0E) always accepts
    /// it; the protocol itself from 17 (chan-sccp's model), capped at 22 (0x16), the highest
    /// value TShark and chan-sccp know.
    pub fn header_version(self) -> u32 {
        match self.0 {
            0..17 => 0,
            p => u32::from(p.min(22)),
        }
    }
}

/// Register 0x0001 (§2.3): who the phone is and what it can do. Fields the server does not
/// use (activeConferences, MAC, IPv6 address, scopes, configVersionStamp) are not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Register {
    /// deviceName, e.g. `SEP` + 12 hex digits of the MAC (char[16]).
    pub device_name: String,
    /// userId (reserved, 0).
    pub user_id: u32,
    /// instance (0 or 1).
    pub instance: u32,
    /// stationIpAddr, always 4 bytes in Register.
    pub ip: Ipv4Addr,
    /// deviceType (§3.1).
    pub device_type: u32,
    /// maxStreams.
    pub max_streams: u32,
    /// activeStreams (offset 36; 0 when the body stops at 36).
    pub active_streams: u32,
    /// Highest protocol version the phone speaks (offset 40, §1.4).
    pub protocol: u8,
    /// phoneFeatures bits (offset 42, §3.15), e.g. 0x0010 UTF-8.
    pub features: u16,
    /// maxConferences (offset 44).
    pub max_conferences: u32,
    /// maxNumberOfLines (offset 68).
    pub max_lines: u32,
    /// Firmware load name (offset 92, char[32]), e.g. `SCCP41.8-5-3S`.
    pub load: String,
}

impl Register {
    /// A station's `Register` as a phone with one stream and no conferences sends it; the
    /// fields not given are zero or empty.
    pub fn station(device_name: &str, device_type: u32, protocol: u8, ip: Ipv4Addr) -> Register {
        Register {
            device_name: device_name.into(),
            user_id: 0,
            instance: 1,
            ip,
            device_type,
            max_streams: 1,
            active_streams: 0,
            protocol,
            features: 0,
            max_conferences: 0,
            max_lines: 0,
            load: String::new(),
        }
    }
}

/// One CapabilitiesRes entry (§2.3): a codec the phone can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capability {
    /// payloadCapability (§3.10), e.g. 4 = G.711 µ-law.
    pub codec: u32,
    /// maxFramesPerPacket: milliseconds of audio per packet.
    pub max_frames: u32,
}

/// A message from a phone to the call manager (§2.1). Every id of §2.1 with a layout this
/// server needs has a variant; anything else arrives as [`FromPhone::Other`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FromPhone {
    /// KeepAlive 0x0000; answer KeepAliveAck.
    KeepAlive,
    /// Register 0x0001.
    Register(Register),
    /// IpPort 0x0002: rtpMediaPort (old phones).
    IpPort(u32),
    /// KeypadButton 0x0003; line and call are 0 when old firmware omits them.
    KeypadButton {
        /// Key (§3.7): 0–9, 14 `*`, 15 `#`.
        button: u32,
        /// lineInstance.
        line: u32,
        /// callReference.
        call_ref: u32,
    },
    /// EnblocCall 0x0004: a whole number dialled at once.
    EnblocCall {
        /// calledParty (may end in `#`).
        number: String,
        /// lineInstance (0 when absent).
        line: u32,
    },
    /// Stimulus 0x0005: a feature, line or speed-dial button.
    Stimulus {
        /// stimulus (§3.4).
        stimulus: u32,
        /// stimulusInstance (line instance, speed-dial index …).
        instance: u32,
        /// callReference (0 when absent).
        call_ref: u32,
        /// stimulusStatus (0 when absent).
        status: u32,
    },
    /// OffHook 0x0006; both 0 when the body is empty (old firmware).
    OffHook {
        /// lineInstance (0 = no line selected).
        line: u32,
        /// callReference.
        call_ref: u32,
    },
    /// OnHook 0x0007; both 0 when the body is empty.
    OnHook {
        /// lineInstance.
        line: u32,
        /// callReference.
        call_ref: u32,
    },
    /// HookFlash 0x0008.
    HookFlash {
        /// lineInstance.
        line: u32,
        /// callReference.
        call_ref: u32,
    },
    /// ForwardStatReq 0x0009: lineNumber.
    ForwardStatReq(u32),
    /// SpeedDialStatReq 0x000A: speedDialNumber (1-based).
    SpeedDialStatReq(u32),
    /// LineStatReq 0x000B: lineNumber (1-based).
    LineStatReq(u32),
    /// ConfigStatReq 0x000C.
    ConfigStatReq,
    /// TimeDateReq 0x000D (chan-sccp treats it as "registration finished", §4.1).
    TimeDateReq,
    /// ButtonTemplateReq 0x000E.
    ButtonTemplateReq,
    /// VersionReq 0x000F.
    VersionReq,
    /// ServerReq 0x0012.
    ServerReq,
    /// CapabilitiesRes 0x0010: the phone's codecs (at most 18 are read).
    CapabilitiesRes(Vec<Capability>),
    /// Alarm 0x0020.
    Alarm {
        /// Severity (§3.16).
        severity: u32,
        /// Alarm text (char[80]).
        text: String,
        /// First parameter.
        param1: u32,
        /// Second parameter.
        param2: u32,
    },
    /// OpenReceiveChannelAck 0x0022: where the phone receives RTP.
    OpenReceiveChannelAck {
        /// mediaReceptionStatus (§3.11; 0 = OK).
        status: u32,
        /// The phone's RTP address: IPv4 below header 0x11, "ipv4or6" from 0x11 (§1.6).
        ip: IpAddr,
        /// The phone's RTP port.
        port: u32,
        /// passThruPartyId echoed from OpenReceiveChannel.
        pass_thru: u32,
        /// callReference (0 in the old 16-byte form).
        call_ref: u32,
    },
    /// SoftKeySetReq 0x0025.
    SoftKeySetReq,
    /// SoftKeyEvent 0x0026.
    SoftKeyEvent {
        /// softKeyEvent as assigned in SoftKeyTemplateRes (§3.12).
        event: u32,
        /// lineInstance.
        line: u32,
        /// callReference (0 when idle).
        call_ref: u32,
    },
    /// Unregister 0x0027 (the optional reason word is not kept).
    Unregister,
    /// SoftKeyTemplateReq 0x0028.
    SoftKeyTemplateReq,
    /// RegisterTokenReq 0x0029 (only the device name is kept).
    RegisterTokenReq {
        /// deviceName (char[16]).
        device_name: String,
    },
    /// HeadsetStatus 0x002B: 1 on, 2 off.
    HeadsetStatus(u32),
    /// RegisterAvailableLines 0x002D: maxNumOfAvailLines.
    RegisterAvailableLines(u32),
    /// ServiceURLStatReq 0x0033: serviceURLIndex.
    ServiceUrlStatReq(u32),
    /// FeatureStatReq 0x0034: featureIndex (featureCapabilities is not kept).
    FeatureStatReq(u32),
    /// MediaPathEvent 0x0049.
    MediaPathEvent {
        /// pathId: 1 headset, 2 handset, 3 speaker.
        path: u32,
        /// event: 1 on, 2 off.
        event: u32,
    },
    /// MediaPathCapability 0x004A.
    MediaPathCapability {
        /// pathId: 1 headset, 2 handset, 3 speaker.
        path: u32,
        /// capability: 1 enable, 2 disable, 3 monitor.
        capability: u32,
    },
    /// StartMediaTransmissionAck 0x0154 (the echoed address and port are not kept).
    StartMediaTransmissionAck {
        /// callReference.
        call_ref: u32,
        /// passThruPartyId.
        pass_thru: u32,
        /// Status (§3.11).
        status: u32,
    },
    /// Any other id, body as received (padding included).
    Other {
        /// The message id.
        id: u32,
        /// The raw body.
        body: Vec<u8>,
    },
}

impl FromPhone {
    /// The message id.
    pub fn id(&self) -> u32 {
        use FromPhone as M;
        match self {
            M::KeepAlive => ids::KEEP_ALIVE,
            M::Register(_) => ids::REGISTER,
            M::IpPort(_) => ids::IP_PORT,
            M::KeypadButton { .. } => ids::KEYPAD_BUTTON,
            M::EnblocCall { .. } => ids::ENBLOC_CALL,
            M::Stimulus { .. } => ids::STIMULUS,
            M::OffHook { .. } => ids::OFF_HOOK,
            M::OnHook { .. } => ids::ON_HOOK,
            M::HookFlash { .. } => ids::HOOK_FLASH,
            M::ForwardStatReq(_) => ids::FORWARD_STAT_REQ,
            M::SpeedDialStatReq(_) => ids::SPEED_DIAL_STAT_REQ,
            M::LineStatReq(_) => ids::LINE_STAT_REQ,
            M::ConfigStatReq => ids::CONFIG_STAT_REQ,
            M::TimeDateReq => ids::TIME_DATE_REQ,
            M::ButtonTemplateReq => ids::BUTTON_TEMPLATE_REQ,
            M::VersionReq => ids::VERSION_REQ,
            M::ServerReq => ids::SERVER_REQ,
            M::CapabilitiesRes(_) => ids::CAPABILITIES_RES,
            M::Alarm { .. } => ids::ALARM,
            M::OpenReceiveChannelAck { .. } => ids::OPEN_RECEIVE_CHANNEL_ACK,
            M::SoftKeySetReq => ids::SOFT_KEY_SET_REQ,
            M::SoftKeyEvent { .. } => ids::SOFT_KEY_EVENT,
            M::Unregister => ids::UNREGISTER,
            M::SoftKeyTemplateReq => ids::SOFT_KEY_TEMPLATE_REQ,
            M::RegisterTokenReq { .. } => ids::REGISTER_TOKEN_REQ,
            M::HeadsetStatus(_) => ids::HEADSET_STATUS,
            M::RegisterAvailableLines(_) => ids::REGISTER_AVAILABLE_LINES,
            M::ServiceUrlStatReq(_) => ids::SERVICE_URL_STAT_REQ,
            M::FeatureStatReq(_) => ids::FEATURE_STAT_REQ,
            M::MediaPathEvent { .. } => ids::MEDIA_PATH_EVENT,
            M::MediaPathCapability { .. } => ids::MEDIA_PATH_CAPABILITY,
            M::StartMediaTransmissionAck { .. } => ids::START_MEDIA_TRANSMISSION_ACK,
            M::Other { id, .. } => *id,
        }
    }

    /// The TShark/Wireshark message name, e.g. `RegisterReq`; `Unknown` for an id neither
    /// this module nor §2.1 names.
    pub fn name(&self) -> &'static str {
        ids::name(self.id()).unwrap_or("Unknown")
    }
}

/// One ButtonTemplate entry (§2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ButtonDef {
    /// instanceNumber: 1-based within its kind (line 1, line 2, speed dial 1 …).
    pub instance: u8,
    /// buttonDefinition (§3.2): 0x09 line, 0x02 speed dial, 0x15 BLF speed dial, 0xFF unused.
    pub kind: u8,
}

/// One SoftKeyTemplateRes entry (§2.4).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SoftKey {
    /// Label bytes (at most 15): plain text, or an embedded label `0x80, code` (§3.14).
    pub label: Vec<u8>,
    /// The event number the phone returns in SoftKeyEvent (§3.12).
    pub event: u32,
}

/// Reset resetType (§3.13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetType {
    /// 1: reboot, re-fetching the TFTP configuration.
    Reset = 1,
    /// 2: drop the registration and register again without rebooting.
    Restart = 2,
    /// 3: apply changed configuration (newer firmware; behaviour unconfirmed, §7).
    ApplyConfig = 3,
}

impl ResetType {
    /// The reset type for a wire value.
    pub fn from_u32(v: u32) -> Option<ResetType> {
        Some(match v {
            1 => ResetType::Reset,
            2 => ResetType::Restart,
            3 => ResetType::ApplyConfig,
            _ => return None,
        })
    }
}

pub use super::to_phone::ToPhone;
