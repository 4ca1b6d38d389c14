//! The call-manager → phone packets of the TShark conformance test and the field values
//! TShark must show for them (TShark 4.0.17 field names; enumerated values print as hex,
//! e.g. `0x00000009`).

use std::net::Ipv4Addr;

use cmed::proto::sccp::{ButtonDef, ResetType, SoftKey, ToPhone};

use super::{Case, TREE, s, to};

const PHONE_A: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 50);

/// The messages whose layout widens with the header version (§1.6), at `proto`.
fn media_cases(proto: u8) -> Vec<Case> {
    let widened = proto >= 17;
    // 24 digits fit the 25-byte numbers of header 0x12 only; below, the 24-byte field keeps 23.
    let long = "123456789012345678901234";
    let kept = if proto >= 18 { long } else { &long[..23] };
    let (server_ip, server_ips) = if widened {
        (
            "skinny.stationIpAddr.ipv4",
            "192.168.1.50|0.0.0.0|0.0.0.0|0.0.0.0|0.0.0.0",
        )
    } else {
        (
            "skinny.stationIpAddr",
            "192.168.1.50|0.0.0.0|0.0.0.0|0.0.0.0|0.0.0.0",
        )
    };
    vec![
        to(
            ToPhone::OpenReceiveChannel {
                conference_id: 1001,
                pass_thru: 4_294_966_294,
                packet_ms: 20,
                codec: 4,
                call_ref: 1001,
            },
            proto,
            &[
                ("skinny.conferenceId", "1001"),
                ("skinny.passThroughPartyId", "4294966294"),
                ("skinny.milliSecondPacketSize", "20"),
                ("skinny.compressionType", "0x00000004"),
                ("skinny.callReference", "1001"),
            ],
        ),
        to(
            ToPhone::StartMediaTransmission {
                conference_id: 1001,
                pass_thru: 4_294_966_294,
                ip: PHONE_A,
                port: 20000,
                packet_ms: 20,
                codec: 4,
                precedence: 184,
                call_ref: 1001,
            },
            proto,
            &[
                ("skinny.conferenceId", "1001"),
                ("skinny.remoteIpAddr.ipv4", "192.168.1.50"),
                ("skinny.remotePortNumber", "20000"),
                ("skinny.milliSecondPacketSize", "20"),
                ("skinny.compressionType", "0x00000004"),
                ("skinny.precedenceValue", "184"),
                ("skinny.callReference", "1001"),
            ],
        ),
        to(
            ToPhone::ServerRes {
                servers: vec![(s("cmed"), 2000, PHONE_A)],
            },
            proto,
            &[
                ("skinny.ServerName", "cmed||||"),
                ("skinny.serverTcpListenPort", "2000|0|0|0|0"),
                (server_ip, server_ips),
            ],
        ),
        to(
            ToPhone::ForwardStat {
                line: 1,
                all: Some(s("2001")),
                busy: Some(s("2002")),
                no_answer: Some(s(long)),
            },
            proto,
            &[
                ("skinny.lineNumber", "1"),
                ("skinny.activeForward", "1"),
                ("skinny.forwardAllDirnum", "2001"),
                ("skinny.forwardBusyDirnum", "2002"),
                ("skinny.forwardNoAnswerlDirnum", kept),
            ],
        ),
        to(
            ToPhone::DialedNumber {
                number: s(long),
                line: 1,
                call_ref: 1001,
            },
            proto,
            &[
                ("skinny.dialedNumber", kept),
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1001"),
            ],
        ),
        to(
            ToPhone::StopTone {
                line: 1,
                call_ref: 1001,
            },
            proto,
            &[
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1001"),
            ],
        ),
    ]
}

/// Every `ToPhone` variant: the fixed layouts at proto 11 (header 0), 17 and 22 (header =
/// proto, but 0 for the acks), the widened media/number layouts at 11, 17, 18 and 22.
pub fn server_cases() -> Vec<Case> {
    let mut v = Vec::new();
    for proto in [11, 17, 22] {
        v.extend(fixed_cases(proto));
    }
    for proto in [11, 17, 18, 22] {
        v.extend(media_cases(proto));
    }
    v
}

/// The messages whose layout does not depend on the header version, at `p`.
fn fixed_cases(p: u8) -> Vec<Case> {
    vec![
        to(ToPhone::KeepAliveAck, p, &[]),
        to(
            ToPhone::RegisterAck {
                keepalive: 30,
                date_template: s("M/D/Y"),
                secondary_keepalive: 30,
                protocol: 11,
            },
            p,
            &[
                ("skinny.keepAliveInterval", "30"),
                ("skinny.dateTemplate", "M/D/Y"),
                ("skinny.secondaryKeepAliveInterval", "30"),
                ("skinny.maxProtocolVer", "11"),
            ],
        ),
        to(
            ToPhone::RegisterReject {
                text: s("Device Unknown"),
            },
            p,
            &[("skinny.text", "Device Unknown")],
        ),
        to(ToPhone::CapabilitiesReq, p, &[]),
        to(
            ToPhone::ButtonTemplate {
                offset: 0,
                total: 3,
                buttons: vec![
                    ButtonDef {
                        instance: 1,
                        kind: 0x09,
                    },
                    ButtonDef {
                        instance: 2,
                        kind: 0x09,
                    },
                    ButtonDef {
                        instance: 1,
                        kind: 0x15,
                    },
                ],
            },
            p,
            &[
                ("skinny.buttonCount", "3"),
                ("skinny.totalButtonCount", "3"),
                ("skinny.instanceNumber", "1|2|1"),
                ("skinny.buttonDefinition", "0x09|0x09|0x15"),
            ],
        ),
        to(
            ToPhone::SoftKeyTemplate {
                keys: vec![
                    SoftKey {
                        label: vec![0x80, 0x01],
                        event: 1,
                    },
                    SoftKey {
                        label: b"Login".to_vec(),
                        event: 2,
                    },
                ],
            },
            p,
            &[
                ("skinny.softKeyCount", "2"),
                (TREE, "softKeyLabel: \u{fffd}\\001 => \"Redial\""),
                (TREE, "softKeyLabel: Login"),
                ("skinny.softKeyEvent", "0x00000001|0x00000002"),
            ],
        ),
        to(
            ToPhone::SoftKeySet {
                sets: vec![[1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
            },
            p,
            &[("skinny.softKeySetCount", "1")],
        ),
        to(
            ToPhone::SelectSoftKeys {
                line: 1,
                call_ref: 1001,
                set: 4,
                mask: 0xFFFF_FFFF,
            },
            p,
            &[
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1001"),
                ("skinny.softKeySetIndex", "0x00000004"),
            ],
        ),
        to(
            ToPhone::LineStat {
                line: 1,
                number: s("1001"),
                display_name: s("Alice Example"),
                label: s("Alice"),
                options: 15,
            },
            p,
            &[
                ("skinny.lineNumber", "1"),
                ("skinny.lineDirNumber", "1001"),
                ("skinny.lineFullyQualifiedDisplayName", "Alice Example"),
                ("skinny.lineTextLabel", "Alice"),
                ("skinny.lineDisplayOptions", "15"),
            ],
        ),
        to(
            ToPhone::SpeedDialStat {
                index: 1,
                number: s("2001"),
                name: s("Bob"),
            },
            p,
            &[
                ("skinny.speedDialNumber", "1"),
                ("skinny.speedDialDirNumber", "2001"),
                ("skinny.speedDialDisplayName", "Bob"),
            ],
        ),
        to(
            ToPhone::ForwardStat {
                line: 1,
                all: None,
                busy: None,
                no_answer: None,
            },
            p,
            &[("skinny.lineNumber", "1"), ("skinny.activeForward", "0")],
        ),
        to(
            ToPhone::FeatureStat {
                index: 3,
                id: 0x15,
                label: s("BLF Bob"),
                status: 1,
            },
            p,
            &[
                ("skinny.featureIndex", "3"),
                ("skinny.featureTextLabel", "BLF Bob"),
            ],
        ),
        to(
            ToPhone::FeatureStatV2 {
                index: 3,
                id: 0x15,
                status: 2,
                label: s("BLF Bob"),
            },
            p,
            &[
                ("skinny.featureIndex", "3"),
                ("skinny.featureStatus", "2"),
                ("skinny.featureTextLabel", "BLF Bob"),
            ],
        ),
        to(
            ToPhone::ServiceUrlStat {
                index: 1,
                url: s("http://10.0.0.1/s.xml"),
                name: s("Services"),
            },
            p,
            &[
                ("skinny.serviceURLIndex", "1"),
                ("skinny.serviceURL", "http://10.0.0.1/s.xml"),
                ("skinny.serviceURLDisplayName", "Services"),
            ],
        ),
        to(
            ToPhone::ConfigStat {
                device_name: s("SEP001122334455"),
                user_id: 0,
                instance: 1,
                user_name: s("alice"),
                server_name: s("cmed"),
                lines: 2,
                speed_dials: 1,
            },
            p,
            &[
                ("skinny.DeviceName", "SEP001122334455"),
                ("skinny.userName", "alice"),
                ("skinny.serverName", "cmed"),
                ("skinny.numberOfLines", "2"),
                ("skinny.numberOfSpeedDials", "1"),
            ],
        ),
        to(
            ToPhone::DefineTimeDate {
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
            p,
            &[
                ("skinny.wYear", "2025"),
                ("skinny.wMonth", "11"),
                ("skinny.wDay", "23"),
                ("skinny.wMinute", "47"),
                ("skinny.systemTime", "1763912829"),
            ],
        ),
        to(
            ToPhone::Version(s("P002F202")),
            p,
            &[("skinny.versionStr", "P002F202")],
        ),
        to(
            ToPhone::DisplayText(s("Hello")),
            p,
            &[("skinny.text", "Hello")],
        ),
        to(ToPhone::ClearDisplay, p, &[]),
        to(
            ToPhone::DisplayPromptStatus {
                timeout: 0,
                text: vec![0x80, 0x20],
                line: 1,
                call_ref: 1001,
            },
            p,
            &[
                ("skinny.timeOutValue", "0"),
                (TREE, "=> \"Enter Number\""),
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1001"),
            ],
        ),
        to(
            ToPhone::ClearPromptStatus {
                line: 1,
                call_ref: 1001,
            },
            p,
            &[
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1001"),
            ],
        ),
        to(
            ToPhone::DisplayNotify {
                timeout: 5,
                text: b"cmed Connected".to_vec(),
            },
            p,
            &[
                ("skinny.timeOutValue", "5"),
                ("skinny.notify", "cmed Connected"),
            ],
        ),
        to(ToPhone::ClearNotify, p, &[]),
        to(
            ToPhone::DisplayPriNotify {
                timeout: 10,
                priority: 2,
                text: b"Logged in".to_vec(),
            },
            p,
            &[
                ("skinny.timeOutValue", "10"),
                ("skinny.priority", "2"),
                ("skinny.notify", "Logged in"),
            ],
        ),
        to(ToPhone::ClearPriNotify(2), p, &[("skinny.priority", "2")]),
        to(
            ToPhone::Reset(ResetType::Restart),
            p,
            &[("skinny.resetType", "0x00000002")],
        ),
        to(
            ToPhone::Reset(ResetType::Reset),
            p,
            &[("skinny.resetType", "0x00000001")],
        ),
        to(ToPhone::UnregisterAck(0), p, &[]),
        to(ToPhone::RegisterTokenAck, p, &[]),
        to(
            ToPhone::RegisterTokenReject(30),
            p,
            &[("skinny.waitTimeBeforeNextReq", "30")],
        ),
        to(
            ToPhone::SetLamp {
                stimulus: 9,
                instance: 1,
                mode: 5,
            },
            p,
            &[
                ("skinny.stimulus", "0x00000009"),
                ("skinny.stimulusInstance", "1"),
                ("skinny.lampMode", "0x00000005"),
            ],
        ),
        to(
            ToPhone::SetRinger {
                mode: 2,
                duration: 1,
                line: 1,
                call_ref: 1002,
            },
            p,
            &[
                ("skinny.ringMode", "0x00000002"),
                ("skinny.ringDuration", "0x00000001"),
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1002"),
            ],
        ),
        to(ToPhone::SetSpeakerMode(1), p, &[]),
        to(ToPhone::SetMicroMode(2), p, &[]),
        to(
            ToPhone::CallState {
                state: 4,
                line: 1,
                call_ref: 1002,
                privacy: 0,
                precedence: 4,
            },
            p,
            &[
                ("skinny.callState", "0x00000004"),
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1002"),
                ("skinny.privacy", "0x00000000"),
            ],
        ),
        to(
            ToPhone::StartTone {
                tone: 0x21,
                direction: 0,
                line: 1,
                call_ref: 1001,
            },
            p,
            &[
                ("skinny.tone", "0x00000021"),
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1001"),
            ],
        ),
        to(
            ToPhone::ActivateCallPlane(1),
            p,
            &[("skinny.lineInstance", "1")],
        ),
        to(ToPhone::DeactivateCallPlane, p, &[]),
        to(
            ToPhone::CallInfo {
                calling_name: s("Alice"),
                calling: s("1001"),
                called_name: s("Bob"),
                called: s("2001"),
                line: 1,
                call_ref: 1002,
                call_type: 1,
                redirected_by: s("1003"),
                redirect_reason: 1,
            },
            p,
            &[
                ("skinny.callingPartyName", "Alice"),
                ("skinny.callingParty", "1001"),
                ("skinny.calledPartyName", "Bob"),
                ("skinny.calledParty", "2001"),
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1002"),
                ("skinny.callType", "0x00000001"),
                ("skinny.lastRedirectingParty", "1003"),
            ],
        ),
        to(
            ToPhone::CloseReceiveChannel {
                conference_id: 1001,
                pass_thru: 4_294_966_294,
                call_ref: 1001,
            },
            p,
            &[
                ("skinny.conferenceId", "1001"),
                ("skinny.passThroughPartyId", "4294966294"),
                ("skinny.callReference", "1001"),
            ],
        ),
        to(
            ToPhone::StopMediaTransmission {
                conference_id: 1001,
                pass_thru: 4_294_966_294,
                call_ref: 1001,
            },
            p,
            &[
                ("skinny.conferenceId", "1001"),
                ("skinny.passThroughPartyId", "4294966294"),
                ("skinny.callReference", "1001"),
            ],
        ),
    ]
}
