//! One value of every message variant, for the round-trip tests, plus exhaustive ordinals
//! so a new variant cannot go untested.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::proto::sccp::*;

pub const IP_A: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 50);

pub fn s(v: &str) -> String {
    v.to_string()
}

/// One value of every `ToPhone` variant, strings filling their fields (N − 1 bytes) where
/// that is interesting, with ISO-8859-1 text.
pub fn to_phone_samples() -> Vec<ToPhone> {
    use ToPhone as M;
    let buttons = (1..=3)
        .map(|i| ButtonDef {
            instance: i,
            kind: 0x09,
        })
        .chain([ButtonDef {
            instance: 1,
            kind: 0x02,
        }])
        .collect();
    let keys = (1..=18)
        .map(|i| SoftKey {
            label: vec![0x80, i],
            event: u32::from(i),
        })
        .chain([SoftKey {
            label: b"Fifteen bytes!!".to_vec(),
            event: 201,
        }])
        .collect();
    vec![
        M::KeepAliveAck,
        M::RegisterAck {
            keepalive: 30,
            date_template: s("M/D/YA"),
            secondary_keepalive: 30,
            protocol: 11,
        },
        M::RegisterReject {
            text: s("Device Unknown ÄÖÜ"),
        },
        M::CapabilitiesReq,
        M::ButtonTemplate {
            offset: 0,
            total: 4,
            buttons,
        },
        M::SoftKeyTemplate { keys },
        M::SoftKeySet {
            sets: vec![
                [1, 2, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
                [9; 16],
                [0; 16],
            ],
        },
        M::SelectSoftKeys {
            line: 1,
            call_ref: 1001,
            set: 4,
            mask: 0xFFFF_FFFF,
        },
        M::LineStat {
            line: 1,
            number: s("12345678901234567890123"),
            display_name: s("José Müller"),
            label: s("Zoë"),
            options: 15,
        },
        M::SpeedDialStat {
            index: 2,
            number: s("5551234"),
            name: s("Ålesund office"),
        },
        M::ForwardStat {
            line: 1,
            all: Some(s("2001")),
            busy: None,
            no_answer: Some(s("12345678901234567890123")),
        },
        M::FeatureStat {
            index: 3,
            id: 0x15,
            label: s("BLF Alice"),
            status: 1,
        },
        M::FeatureStatV2 {
            index: 4,
            id: 0x15,
            status: 2,
            label: s("A longer BLF label that would not fit in forty bytes, fine in V2"),
        },
        M::ServiceUrlStat {
            index: 1,
            url: s("http://10.0.0.1:6970/services.xml"),
            name: s("Services"),
        },
        M::ConfigStat {
            device_name: s("SEP001122334455"),
            user_id: 0,
            instance: 1,
            user_name: s("alice"),
            server_name: s("cmed"),
            lines: 2,
            speed_dials: 1,
        },
        M::DefineTimeDate {
            year: 2025,
            month: 11,
            day_of_week: 0,
            day: 23,
            hour: 15,
            minute: 47,
            second: 9,
            millis: 250,
            system_time: 1_763_912_829,
        },
        M::Version(s("P002F202")),
        M::ServerRes {
            servers: vec![
                (s("cmed"), 2000, IP_A),
                (s("backup"), 2000, Ipv4Addr::new(10, 0, 0, 2)),
            ],
        },
        M::DisplayText(s("Hello")),
        M::ClearDisplay,
        M::DisplayPromptStatus {
            timeout: 0,
            text: vec![0x80, 0x20],
            line: 1,
            call_ref: 1001,
        },
        M::ClearPromptStatus {
            line: 1,
            call_ref: 1001,
        },
        M::DisplayNotify {
            timeout: 5,
            text: b"cmed Connected".to_vec(),
        },
        M::ClearNotify,
        M::DisplayPriNotify {
            timeout: 10,
            priority: 2,
            text: vec![0x1E, 0x17],
        },
        M::ClearPriNotify(2),
        M::Reset(ResetType::Restart),
        M::Reset(ResetType::Reset),
        M::Reset(ResetType::ApplyConfig),
        M::UnregisterAck(0),
        M::RegisterTokenAck,
        M::RegisterTokenReject(30),
        M::SetLamp {
            stimulus: 9,
            instance: 1,
            mode: 5,
        },
        M::SetRinger {
            mode: 2,
            duration: 1,
            line: 1,
            call_ref: 1002,
        },
        M::SetSpeakerMode(1),
        M::SetMicroMode(2),
        M::CallState {
            state: 4,
            line: 1,
            call_ref: 1002,
            privacy: 0,
            precedence: 4,
        },
        M::StartTone {
            tone: 0x21,
            direction: 0,
            line: 1,
            call_ref: 1001,
        },
        M::StopTone {
            line: 1,
            call_ref: 1001,
        },
        M::ActivateCallPlane(1),
        M::DeactivateCallPlane,
        M::CallInfo {
            calling_name: s("Alice Ängström"),
            calling: s("1001"),
            called_name: s("Bob"),
            called: s("2001"),
            line: 1,
            call_ref: 1002,
            call_type: 1,
            redirected_by: s("1003"),
            redirect_reason: 1,
        },
        M::DialedNumber {
            number: s("12345678901234567890123"),
            line: 1,
            call_ref: 1001,
        },
        M::OpenReceiveChannel {
            conference_id: 1001,
            pass_thru: !1001,
            packet_ms: 20,
            codec: 4,
            call_ref: 1001,
        },
        M::CloseReceiveChannel {
            conference_id: 1001,
            pass_thru: !1001,
            call_ref: 1001,
        },
        M::StartMediaTransmission {
            conference_id: 1001,
            pass_thru: !1001,
            ip: IP_A,
            port: 20000,
            packet_ms: 20,
            codec: 4,
            precedence: 184,
            call_ref: 1001,
        },
        M::StopMediaTransmission {
            conference_id: 1001,
            pass_thru: !1001,
            call_ref: 1001,
        },
    ]
}

/// Position of a variant in declaration order; exhaustive, so a new variant breaks the build
/// until the samples cover it.
pub fn to_phone_ordinal(m: &ToPhone) -> usize {
    use ToPhone as M;
    match m {
        M::KeepAliveAck => 0,
        M::RegisterAck { .. } => 1,
        M::RegisterReject { .. } => 2,
        M::CapabilitiesReq => 3,
        M::ButtonTemplate { .. } => 4,
        M::SoftKeyTemplate { .. } => 5,
        M::SoftKeySet { .. } => 6,
        M::SelectSoftKeys { .. } => 7,
        M::LineStat { .. } => 8,
        M::SpeedDialStat { .. } => 9,
        M::ForwardStat { .. } => 10,
        M::FeatureStat { .. } => 11,
        M::FeatureStatV2 { .. } => 12,
        M::ServiceUrlStat { .. } => 13,
        M::ConfigStat { .. } => 14,
        M::DefineTimeDate { .. } => 15,
        M::Version(_) => 16,
        M::ServerRes { .. } => 17,
        M::DisplayText(_) => 18,
        M::ClearDisplay => 19,
        M::DisplayPromptStatus { .. } => 20,
        M::ClearPromptStatus { .. } => 21,
        M::DisplayNotify { .. } => 22,
        M::ClearNotify => 23,
        M::DisplayPriNotify { .. } => 24,
        M::ClearPriNotify(_) => 25,
        M::Reset(_) => 26,
        M::UnregisterAck(_) => 27,
        M::RegisterTokenAck => 28,
        M::RegisterTokenReject(_) => 29,
        M::SetLamp { .. } => 30,
        M::SetRinger { .. } => 31,
        M::SetSpeakerMode(_) => 32,
        M::SetMicroMode(_) => 33,
        M::CallState { .. } => 34,
        M::StartTone { .. } => 35,
        M::StopTone { .. } => 36,
        M::ActivateCallPlane(_) => 37,
        M::DeactivateCallPlane => 38,
        M::CallInfo { .. } => 39,
        M::DialedNumber { .. } => 40,
        M::OpenReceiveChannel { .. } => 41,
        M::CloseReceiveChannel { .. } => 42,
        M::StartMediaTransmission { .. } => 43,
        M::StopMediaTransmission { .. } => 44,
    }
}

/// One value of every `FromPhone` variant; the receive address is IPv6 where the header
/// version allows it (§1.6).
pub fn from_phone_samples(hv: u32) -> Vec<FromPhone> {
    use FromPhone as M;
    let rtp_ip = if hv >= 0x11 {
        IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x50))
    } else {
        IpAddr::V4(IP_A)
    };
    vec![
        M::KeepAlive,
        M::Register(Register {
            device_name: s("SEP001122334455"),
            user_id: 0,
            instance: 1,
            ip: IP_A,
            device_type: 115,
            max_streams: 5,
            active_streams: 0,
            protocol: 17,
            features: 0x8572,
            max_conferences: 1,
            max_lines: 2,
            load: s("SCCP41.8-5-3S"),
        }),
        M::IpPort(20000),
        M::KeypadButton {
            button: 15,
            line: 1,
            call_ref: 1001,
        },
        M::EnblocCall {
            number: s("2001#"),
            line: 1,
        },
        M::Stimulus {
            stimulus: 9,
            instance: 1,
            call_ref: 0,
            status: 0,
        },
        M::OffHook {
            line: 1,
            call_ref: 0,
        },
        M::OnHook {
            line: 1,
            call_ref: 1001,
        },
        M::HookFlash {
            line: 1,
            call_ref: 1001,
        },
        M::ForwardStatReq(1),
        M::SpeedDialStatReq(1),
        M::LineStatReq(2),
        M::ConfigStatReq,
        M::TimeDateReq,
        M::ButtonTemplateReq,
        M::VersionReq,
        M::ServerReq,
        M::CapabilitiesRes(vec![
            Capability {
                codec: 4,
                max_frames: 40,
            },
            Capability {
                codec: 11,
                max_frames: 60,
            },
            Capability {
                codec: 257,
                max_frames: 0,
            },
        ]),
        M::Alarm {
            severity: 2,
            text: s("Name=SEP001122334455 Load=SCCP41.8-5-3S Last=Initialized"),
            param1: 0,
            param2: 0x3201_a8c0,
        },
        M::OpenReceiveChannelAck {
            status: 0,
            ip: rtp_ip,
            port: 20000,
            pass_thru: !1001,
            call_ref: 1001,
        },
        M::SoftKeySetReq,
        M::SoftKeyEvent {
            event: 2,
            line: 1,
            call_ref: 0,
        },
        M::Unregister,
        M::SoftKeyTemplateReq,
        M::RegisterTokenReq {
            device_name: s("SEP001122334455"),
        },
        M::HeadsetStatus(2),
        M::RegisterAvailableLines(2),
        M::ServiceUrlStatReq(1),
        M::FeatureStatReq(3),
        M::MediaPathEvent { path: 2, event: 1 },
        M::MediaPathCapability {
            path: 3,
            capability: 1,
        },
        M::StartMediaTransmissionAck {
            call_ref: 1001,
            pass_thru: !1001,
            status: 0,
        },
        M::Other {
            id: 0x0123_4567,
            body: vec![1, 2, 3, 4],
        },
    ]
}

pub fn from_phone_ordinal(m: &FromPhone) -> usize {
    use FromPhone as M;
    match m {
        M::KeepAlive => 0,
        M::Register(_) => 1,
        M::IpPort(_) => 2,
        M::KeypadButton { .. } => 3,
        M::EnblocCall { .. } => 4,
        M::Stimulus { .. } => 5,
        M::OffHook { .. } => 6,
        M::OnHook { .. } => 7,
        M::HookFlash { .. } => 8,
        M::ForwardStatReq(_) => 9,
        M::SpeedDialStatReq(_) => 10,
        M::LineStatReq(_) => 11,
        M::ConfigStatReq => 12,
        M::TimeDateReq => 13,
        M::ButtonTemplateReq => 14,
        M::VersionReq => 15,
        M::ServerReq => 16,
        M::CapabilitiesRes(_) => 17,
        M::Alarm { .. } => 18,
        M::OpenReceiveChannelAck { .. } => 19,
        M::SoftKeySetReq => 20,
        M::SoftKeyEvent { .. } => 21,
        M::Unregister => 22,
        M::SoftKeyTemplateReq => 23,
        M::RegisterTokenReq { .. } => 24,
        M::HeadsetStatus(_) => 25,
        M::RegisterAvailableLines(_) => 26,
        M::ServiceUrlStatReq(_) => 27,
        M::FeatureStatReq(_) => 28,
        M::MediaPathEvent { .. } => 29,
        M::MediaPathCapability { .. } => 30,
        M::StartMediaTransmissionAck { .. } => 31,
        M::Other { .. } => 32,
    }
}
