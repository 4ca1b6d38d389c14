//! The phone → call-manager packets of the TShark conformance test and the field values
//! TShark must show for them.

use std::net::{IpAddr, Ipv4Addr};

use cmed::proto::sccp::{Capability, FromPhone, Register};

use super::{Case, from, s};

const PHONE_A: Ipv4Addr = Ipv4Addr::new(192, 168, 1, 50);

/// What a phone sends, classic (header 0) and widened (0x11, 0x12).
pub fn phone_cases() -> Vec<Case> {
    let register = FromPhone::Register(Register {
        device_name: s("SEP001122334455"),
        user_id: 0,
        instance: 1,
        ip: PHONE_A,
        device_type: 115,
        max_streams: 5,
        active_streams: 0,
        protocol: 17,
        features: 0x8572,
        max_conferences: 1,
        max_lines: 2,
        load: s("SCCP41.8-5-3S"),
    });
    let ack = |ip: IpAddr| FromPhone::OpenReceiveChannelAck {
        status: 0,
        ip,
        port: 20000,
        pass_thru: 4_294_966_294,
        call_ref: 1001,
    };
    let mut v = vec![
        from(FromPhone::KeepAlive, 0, &[]),
        from(
            register,
            0,
            &[
                ("skinny.DeviceName", "SEP001122334455"),
                ("skinny.stationIpAddr", "192.168.1.50"),
                ("skinny.deviceType", "0x00000073"),
                ("skinny.maxStreams", "5"),
                ("skinny.protocolVer", "17"),
                ("skinny.maxNumberOfLines", "2"),
                ("skinny.firmwareLoadName", "SCCP41.8-5-3S"),
            ],
        ),
        from(
            FromPhone::IpPort(20000),
            0,
            &[("skinny.rtpMediaPort", "20000")],
        ),
        from(
            FromPhone::KeypadButton {
                button: 15,
                line: 1,
                call_ref: 1001,
            },
            0,
            &[
                ("skinny.kpButton", "0x0000000f"),
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1001"),
            ],
        ),
        from(
            FromPhone::EnblocCall {
                number: s("2001"),
                line: 1,
            },
            0,
            &[("skinny.calledParty", "2001"), ("skinny.lineInstance", "1")],
        ),
        from(
            FromPhone::Stimulus {
                stimulus: 9,
                instance: 1,
                call_ref: 0,
                status: 0,
            },
            0,
            &[
                ("skinny.stimulus", "0x00000009"),
                ("skinny.lineInstance", "1"),
            ],
        ),
        from(
            FromPhone::OffHook {
                line: 1,
                call_ref: 0,
            },
            0,
            &[("skinny.lineInstance", "1")],
        ),
        from(
            FromPhone::OnHook {
                line: 1,
                call_ref: 1001,
            },
            0,
            &[
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1001"),
            ],
        ),
        from(
            FromPhone::HookFlash {
                line: 1,
                call_ref: 1001,
            },
            0,
            &[
                ("skinny.lineInstance", "1"),
                ("skinny.callReference", "1001"),
            ],
        ),
        from(
            FromPhone::ForwardStatReq(1),
            0,
            &[("skinny.lineNumber", "1")],
        ),
        from(
            FromPhone::SpeedDialStatReq(1),
            0,
            &[("skinny.speedDialNumber", "1")],
        ),
        from(FromPhone::LineStatReq(2), 0, &[("skinny.lineNumber", "2")]),
        from(FromPhone::ConfigStatReq, 0, &[]),
        from(FromPhone::TimeDateReq, 0, &[]),
        from(FromPhone::ButtonTemplateReq, 0, &[]),
        from(FromPhone::VersionReq, 0, &[]),
        from(FromPhone::ServerReq, 0, &[]),
        from(
            FromPhone::CapabilitiesRes(vec![
                Capability {
                    codec: 4,
                    max_frames: 40,
                },
                Capability {
                    codec: 11,
                    max_frames: 60,
                },
            ]),
            0,
            &[
                ("skinny.capCount", "2"),
                ("skinny.maxFramesPerPacket", "40|60"),
            ],
        ),
        from(
            FromPhone::Alarm {
                severity: 2,
                text: s("Last=Initialized"),
                param1: 1,
                param2: 2,
            },
            0,
            &[
                ("skinny.alarmSeverity", "0x00000002"),
                ("skinny.text", "Last=Initialized"),
            ],
        ),
        from(
            ack(IpAddr::V4(PHONE_A)),
            0,
            &[
                ("skinny.mediaReceptionStatus", "0x00000000"),
                ("skinny.ipAddr.ipv4", "192.168.1.50"),
                ("skinny.portNumber", "20000"),
                ("skinny.passThroughPartyId", "4294966294"),
                ("skinny.callReference", "1001"),
            ],
        ),
        from(FromPhone::SoftKeySetReq, 0, &[]),
        from(
            FromPhone::SoftKeyEvent {
                event: 2,
                line: 1,
                call_ref: 0,
            },
            0,
            &[
                ("skinny.softKeyEvent", "0x00000002"),
                ("skinny.lineInstance", "1"),
            ],
        ),
        from(FromPhone::Unregister, 0, &[]),
        from(FromPhone::SoftKeyTemplateReq, 0, &[]),
        from(
            FromPhone::RegisterTokenReq {
                device_name: s("SEP001122334455"),
            },
            0,
            &[("skinny.DeviceName", "SEP001122334455")],
        ),
        from(FromPhone::HeadsetStatus(2), 0, &[]),
        from(
            FromPhone::RegisterAvailableLines(2),
            0,
            &[("skinny.maxNumOfAvailLines", "2")],
        ),
        from(
            FromPhone::ServiceUrlStatReq(1),
            0,
            &[("skinny.serviceURLIndex", "1")],
        ),
        from(
            FromPhone::FeatureStatReq(3),
            0,
            &[("skinny.featureIndex", "3")],
        ),
        from(FromPhone::MediaPathEvent { path: 2, event: 1 }, 0, &[]),
        from(
            FromPhone::MediaPathCapability {
                path: 3,
                capability: 1,
            },
            0,
            &[],
        ),
        from(
            FromPhone::StartMediaTransmissionAck {
                call_ref: 1001,
                pass_thru: 4_294_966_294,
                status: 0,
            },
            0,
            &[("skinny.passThroughPartyId", "4294966294")],
        ),
    ];
    for hdr in [0x11, 0x12] {
        v.push(from(
            ack(IpAddr::V4(PHONE_A)),
            hdr,
            &[
                ("skinny.ipAddr.ipv4", "192.168.1.50"),
                ("skinny.portNumber", "20000"),
            ],
        ));
        v.push(from(
            ack("2001:db8::50".parse().expect("v6")),
            hdr,
            &[
                ("skinny.ipAddr.ipv6", "2001:db8::50"),
                ("skinny.portNumber", "20000"),
            ],
        ));
        v.push(from(
            FromPhone::EnblocCall {
                number: s("1234567890123456789012345"),
                line: 2,
            },
            hdr,
            &[("skinny.lineInstance", "2")],
        ));
        v.push(from(
            FromPhone::StartMediaTransmissionAck {
                call_ref: 1001,
                pass_thru: 4_294_966_294,
                status: 0,
            },
            hdr,
            &[("skinny.passThroughPartyId", "4294966294")],
        ));
    }
    v
}
