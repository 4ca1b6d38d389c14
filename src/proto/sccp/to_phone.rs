//! [`ToPhone`]: the call-manager → phone messages (reference §2.2, layouts §2.4) this server
//! sends during registration, calls, prompts and resets. Re-exported from `msg`.
//!
//! The boundary: types only, like `msg`. Sizes given here are the fixed string fields; longer
//! strings are truncated by the encoder.

use std::net::Ipv4Addr;

use super::ids;
use super::msg::{ButtonDef, ResetType, SoftKey};

/// A message from the call manager to a phone (§2.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToPhone {
    /// KeepAliveAck 0x0100.
    KeepAliveAck,
    /// RegisterAck 0x0081 (always header version 0; bytes 17–19 follow `protocol`, §1.4).
    RegisterAck {
        /// keepAliveInterval in seconds.
        keepalive: u32,
        /// dateTemplate, e.g. `M/D/Y` (at most 6 characters).
        date_template: String,
        /// secondaryKeepAliveInterval in seconds.
        secondary_keepalive: u32,
        /// The negotiated protocol version.
        protocol: u8,
    },
    /// RegisterReject 0x009D.
    RegisterReject {
        /// Reason shown by the phone, e.g. "Device Unknown" (char[32]).
        text: String,
    },
    /// CapabilitiesReq 0x009B.
    CapabilitiesReq,
    /// ButtonTemplate 0x0097. The wire holds 42 entries; more than 42 are cut to the first 42
    /// (paging with buttonOffset is unconfirmed, §7.13), fewer are padded with {0, 0xFF}.
    ButtonTemplate {
        /// buttonOffset (0).
        offset: u32,
        /// totalButtonCount.
        total: u32,
        /// The real entries (buttonCount = their number).
        buttons: Vec<ButtonDef>,
    },
    /// SoftKeyTemplateRes 0x0108: up to 32 keys, position n (1-based) is template index n.
    SoftKeyTemplate {
        /// The keys in template order.
        keys: Vec<SoftKey>,
    },
    /// SoftKeySetRes 0x0109: up to 16 sets; set n is selected by SelectSoftKeys set n.
    /// Each set lists 16 template indices (1-based, 0 = blank key); the info index on the
    /// wire is 300 + template index (0 for a blank key).
    SoftKeySet {
        /// The sets in set-index order.
        sets: Vec<[u8; 16]>,
    },
    /// SelectSoftKeys 0x0110.
    SelectSoftKeys {
        /// lineInstance (0 for the idle set).
        line: u32,
        /// callReference (0 for the idle set).
        call_ref: u32,
        /// softKeySetIndex (§3.12).
        set: u32,
        /// validKeyMask: bit n enables key position n.
        mask: u32,
    },
    /// LineStatRes 0x0092.
    LineStat {
        /// lineNumber.
        line: u32,
        /// lineDirNumber (char[24]).
        number: String,
        /// lineFullyQualifiedDisplayName (char[40]).
        display_name: String,
        /// lineTextLabel, the button label (char[40]).
        label: String,
        /// lineDisplayOptions bits.
        options: u32,
    },
    /// SpeedDialStatRes 0x0091.
    SpeedDialStat {
        /// speedDialNumber.
        index: u32,
        /// speedDialDirNumber (char[24]).
        number: String,
        /// speedDialDisplayName (char[40]).
        name: String,
    },
    /// ForwardStatRes 0x0090; `None` = that forward is off.
    ForwardStat {
        /// lineNumber.
        line: u32,
        /// Forward-all target.
        all: Option<String>,
        /// Forward-busy target.
        busy: Option<String>,
        /// Forward-no-answer target.
        no_answer: Option<String>,
    },
    /// FeatureStatRes 0x011F (classic, fixed label).
    FeatureStat {
        /// featureIndex.
        index: u32,
        /// featureId (button type, §3.2).
        id: u32,
        /// featureTextLabel (char[40]).
        label: String,
        /// featureStatus.
        status: u32,
    },
    /// FeatureStatV2Res 0x0146 (dynamic label, at most 120 bytes).
    FeatureStatV2 {
        /// featureIndex.
        index: u32,
        /// featureId (e.g. 0x15 BLF speed dial).
        id: u32,
        /// featureStatus (BLF: 1 idle, 2 in use …, §3.16).
        status: u32,
        /// featureTextLabel.
        label: String,
    },
    /// ServiceURLStatRes 0x012F.
    ServiceUrlStat {
        /// serviceURLIndex.
        index: u32,
        /// URL (char[256]).
        url: String,
        /// displayName (char[40]).
        name: String,
    },
    /// ConfigStatRes 0x0093.
    ConfigStat {
        /// deviceName (char[16]).
        device_name: String,
        /// userId.
        user_id: u32,
        /// instance.
        instance: u32,
        /// userName (char[40]).
        user_name: String,
        /// serverName (char[40]).
        server_name: String,
        /// numberOfLines.
        lines: u32,
        /// numberOfSpeedDials.
        speed_dials: u32,
    },
    /// TimeDateRes 0x0094 (DefineTimeDate): the phone's local time, supplied by the caller.
    DefineTimeDate {
        /// wYear.
        year: u32,
        /// wMonth, 1–12.
        month: u32,
        /// wDayOfWeek, 0 = Sunday.
        day_of_week: u32,
        /// wDay.
        day: u32,
        /// wHour.
        hour: u32,
        /// wMinute.
        minute: u32,
        /// wSecond.
        second: u32,
        /// wMilliseconds.
        millis: u32,
        /// systemTime, Unix seconds.
        system_time: u32,
    },
    /// VersionRes 0x0098 (char[16]).
    Version(String),
    /// ServerRes 0x009E: up to 5 (name, listen port, address) entries; unused slots are zero.
    ServerRes {
        /// The call managers in preference order.
        servers: Vec<(String, u32, Ipv4Addr)>,
    },
    /// DisplayText 0x0099 (char[32]).
    DisplayText(String),
    /// ClearDisplay 0x009A.
    ClearDisplay,
    /// DisplayPromptStatus 0x0112.
    DisplayPromptStatus {
        /// Seconds, 0 = stays.
        timeout: u32,
        /// Text bytes (at most 31), may hold `0x80, code` labels (§3.14).
        text: Vec<u8>,
        /// lineInstance.
        line: u32,
        /// callReference.
        call_ref: u32,
    },
    /// ClearPromptStatus 0x0113.
    ClearPromptStatus {
        /// lineInstance.
        line: u32,
        /// callReference.
        call_ref: u32,
    },
    /// DisplayNotify 0x0114.
    DisplayNotify {
        /// Seconds, 0 = until cleared.
        timeout: u32,
        /// Text bytes (at most 31), may hold labels.
        text: Vec<u8>,
    },
    /// ClearNotify 0x0115.
    ClearNotify,
    /// DisplayPriNotify 0x0120.
    DisplayPriNotify {
        /// Seconds, 0 = until cleared.
        timeout: u32,
        /// Priority.
        priority: u32,
        /// Text bytes (at most 31), may hold labels.
        text: Vec<u8>,
    },
    /// ClearPriNotify 0x0121: the priority to clear.
    ClearPriNotify(u32),
    /// Reset 0x009F.
    Reset(ResetType),
    /// UnregisterAck 0x0118: 0 OK, 1 error, 2 NAK (call active). Always header version 0.
    UnregisterAck(u32),
    /// RegisterTokenAck 0x011A.
    RegisterTokenAck,
    /// RegisterTokenReject 0x011B: waitTimeBeforeNextReq.
    RegisterTokenReject(u32),
    /// SetLamp 0x0086.
    SetLamp {
        /// stimulus (§3.4; 9 line, 0x0F voicemail).
        stimulus: u32,
        /// stimulusInstance.
        instance: u32,
        /// lampMode (§3.8).
        mode: u32,
    },
    /// SetRinger 0x0085.
    SetRinger {
        /// ringMode (§3.6).
        mode: u32,
        /// ringDuration: 1 normal, 2 single.
        duration: u32,
        /// lineInstance.
        line: u32,
        /// callReference.
        call_ref: u32,
    },
    /// SetSpeakerMode 0x0088: 1 on, 2 off.
    SetSpeakerMode(u32),
    /// SetMicroMode 0x0089: 1 on, 2 off.
    SetMicroMode(u32),
    /// CallState 0x0111 (precedenceDomain is written as 0).
    CallState {
        /// callState (§3.3).
        state: u32,
        /// lineInstance.
        line: u32,
        /// callReference.
        call_ref: u32,
        /// privacy.
        privacy: u32,
        /// precedenceLevel (4 = normal).
        precedence: u32,
    },
    /// StartTone 0x0082.
    StartTone {
        /// tone (§3.5).
        tone: u32,
        /// direction: 0 user, 1 network, 2 both.
        direction: u32,
        /// lineInstance.
        line: u32,
        /// callReference.
        call_ref: u32,
    },
    /// StopTone 0x0083.
    StopTone {
        /// lineInstance.
        line: u32,
        /// callReference.
        call_ref: u32,
    },
    /// ActivateCallPlane 0x0116: lineInstance.
    ActivateCallPlane(u32),
    /// DeactivateCallPlane 0x0117.
    DeactivateCallPlane,
    /// CallInfo 0x008F (classic fixed layout, 384 bytes; of the redirect fields only the
    /// last redirecting party and reasons are filled, the rest are zero).
    CallInfo {
        /// callingPartyName (char[40]).
        calling_name: String,
        /// callingParty (char[24]).
        calling: String,
        /// calledPartyName (char[40]).
        called_name: String,
        /// calledParty (char[24]).
        called: String,
        /// lineInstance.
        line: u32,
        /// callReference (also written as callInstance, as wazo-libsccp does).
        call_ref: u32,
        /// lastRedirectingParty (char[24]): the number that forwarded the call here, else
        /// empty.
        redirected_by: String,
        /// originalCdpnRedirectReason and lastRedirectingReason (Q.931 reason for
        /// redirection: 1 busy, 2 no reply, 15 unconditional, 0 unknown).
        redirect_reason: u32,
        /// callType: 1 inbound, 2 outbound, 3 forward.
        call_type: u32,
    },
    /// DialedNumber 0x011D.
    DialedNumber {
        /// dialedNumber (24 bytes, 25 from header 0x12).
        number: String,
        /// lineInstance.
        line: u32,
        /// callReference.
        call_ref: u32,
    },
    /// OpenReceiveChannel 0x0105: ask the phone to open its RTP receiver.
    OpenReceiveChannel {
        /// conferenceId.
        conference_id: u32,
        /// passThruPartyId (echoed in the ack).
        pass_thru: u32,
        /// millisecondPacketSize.
        packet_ms: u32,
        /// compressionType (§3.10).
        codec: u32,
        /// callReference.
        call_ref: u32,
    },
    /// CloseReceiveChannel 0x0106 (portHandlingFlag 0 = close).
    CloseReceiveChannel {
        /// conferenceId.
        conference_id: u32,
        /// passThruPartyId.
        pass_thru: u32,
        /// callReference.
        call_ref: u32,
    },
    /// StartMediaTransmission 0x008A: send RTP to the peer's address.
    StartMediaTransmission {
        /// conferenceId.
        conference_id: u32,
        /// passThruPartyId.
        pass_thru: u32,
        /// remoteIpAddr: the peer's RTP address.
        ip: Ipv4Addr,
        /// remotePortNumber.
        port: u32,
        /// millisecondPacketSize.
        packet_ms: u32,
        /// compressionType (§3.10).
        codec: u32,
        /// precedenceValue (DSCP-ish, e.g. 184).
        precedence: u32,
        /// callReference.
        call_ref: u32,
    },
    /// StopMediaTransmission 0x008B (portHandlingFlag 0 = close).
    StopMediaTransmission {
        /// conferenceId.
        conference_id: u32,
        /// passThruPartyId.
        pass_thru: u32,
        /// callReference.
        call_ref: u32,
    },
}

impl ToPhone {
    /// The message id.
    pub fn id(&self) -> u32 {
        use ToPhone as M;
        match self {
            M::KeepAliveAck => ids::KEEP_ALIVE_ACK,
            M::RegisterAck { .. } => ids::REGISTER_ACK,
            M::RegisterReject { .. } => ids::REGISTER_REJECT,
            M::CapabilitiesReq => ids::CAPABILITIES_REQ,
            M::ButtonTemplate { .. } => ids::BUTTON_TEMPLATE,
            M::SoftKeyTemplate { .. } => ids::SOFT_KEY_TEMPLATE,
            M::SoftKeySet { .. } => ids::SOFT_KEY_SET,
            M::SelectSoftKeys { .. } => ids::SELECT_SOFT_KEYS,
            M::LineStat { .. } => ids::LINE_STAT,
            M::SpeedDialStat { .. } => ids::SPEED_DIAL_STAT,
            M::ForwardStat { .. } => ids::FORWARD_STAT,
            M::FeatureStat { .. } => ids::FEATURE_STAT,
            M::FeatureStatV2 { .. } => ids::FEATURE_STAT_V2,
            M::ServiceUrlStat { .. } => ids::SERVICE_URL_STAT,
            M::ConfigStat { .. } => ids::CONFIG_STAT,
            M::DefineTimeDate { .. } => ids::DEFINE_TIME_DATE,
            M::Version(_) => ids::VERSION,
            M::ServerRes { .. } => ids::SERVER_RES,
            M::DisplayText(_) => ids::DISPLAY_TEXT,
            M::ClearDisplay => ids::CLEAR_DISPLAY,
            M::DisplayPromptStatus { .. } => ids::DISPLAY_PROMPT_STATUS,
            M::ClearPromptStatus { .. } => ids::CLEAR_PROMPT_STATUS,
            M::DisplayNotify { .. } => ids::DISPLAY_NOTIFY,
            M::ClearNotify => ids::CLEAR_NOTIFY,
            M::DisplayPriNotify { .. } => ids::DISPLAY_PRI_NOTIFY,
            M::ClearPriNotify(_) => ids::CLEAR_PRI_NOTIFY,
            M::Reset(_) => ids::RESET,
            M::UnregisterAck(_) => ids::UNREGISTER_ACK,
            M::RegisterTokenAck => ids::REGISTER_TOKEN_ACK,
            M::RegisterTokenReject(_) => ids::REGISTER_TOKEN_REJECT,
            M::SetLamp { .. } => ids::SET_LAMP,
            M::SetRinger { .. } => ids::SET_RINGER,
            M::SetSpeakerMode(_) => ids::SET_SPEAKER_MODE,
            M::SetMicroMode(_) => ids::SET_MICRO_MODE,
            M::CallState { .. } => ids::CALL_STATE,
            M::StartTone { .. } => ids::START_TONE,
            M::StopTone { .. } => ids::STOP_TONE,
            M::ActivateCallPlane(_) => ids::ACTIVATE_CALL_PLANE,
            M::DeactivateCallPlane => ids::DEACTIVATE_CALL_PLANE,
            M::CallInfo { .. } => ids::CALL_INFO,
            M::DialedNumber { .. } => ids::DIALED_NUMBER,
            M::OpenReceiveChannel { .. } => ids::OPEN_RECEIVE_CHANNEL,
            M::CloseReceiveChannel { .. } => ids::CLOSE_RECEIVE_CHANNEL,
            M::StartMediaTransmission { .. } => ids::START_MEDIA_TRANSMISSION,
            M::StopMediaTransmission { .. } => ids::STOP_MEDIA_TRANSMISSION,
        }
    }

    /// The TShark/Wireshark message name, e.g. `RegisterAck`, `LineStatRes`.
    pub fn name(&self) -> &'static str {
        ids::name(self.id()).unwrap_or("Unknown")
    }
}
