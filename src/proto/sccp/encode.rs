//! SCCP encoders: [`encode_to_phone`] (the server's side) and [`encode_from_phone`] (the phone
//! simulator's and the fixtures' side). Each call appends one whole frame to a caller-owned
//! buffer.
//!
//! The boundary: layouts only (reference §2.3, §2.4), chosen by the header-version word the
//! frame carries (§1.6), so encoder and decoder agree by construction. Which protocol to
//! negotiate, and what the values mean, is the session's business. Encoding cannot fail:
//! over-long strings are truncated to their field (N − 1 bytes, §1.5), characters outside
//! ISO-8859-1 become `?`, over-long lists are cut to the wire's slot count.

use std::net::{IpAddr, Ipv4Addr};

use super::frame::{begin_frame, end_frame};
use super::msg::{ButtonDef, FromPhone, Proto, ToPhone};
use super::wire::{
    DEVICE_NAME, DIRNUM, DISPLAY_TEXT, HDR_IPV4OR6, HDR_LATENT_CAPS, NAME, Put, dirnum_size,
};

/// ButtonTemplate slots on the wire (WS/AST/WZ: 42, §1.5a; chan-sccp's 56 is not used).
pub const BUTTON_SLOTS: usize = 42;
/// SoftKeyTemplateRes slots (StationMaxSoftKeyDefinition, §1.5a).
pub const SOFT_KEY_SLOTS: usize = 32;
/// SoftKeySetRes sets (StationMaxSoftKeySetDefinition, §1.5a).
pub const SOFT_KEY_SET_SLOTS: usize = 16;
/// ServerRes slots (StationMaxServers, §1.5a).
pub const SERVER_SLOTS: usize = 5;
/// CapabilitiesRes entries at most (SKINNY_MAX_CAPABILITIES, §1.5a).
pub const MAX_CAPABILITIES: usize = 18;

/// The RFC 2833 payload type and "dtmfType" written into media messages (chan-sccp and
/// wazo-libsccp send 101 and 10, §2.4 OpenReceiveChannel).
const RFC2833_PAYLOAD: u32 = 101;
const DTMF_TYPE: u32 = 10;

/// Appends one call-manager → phone message framed for the negotiated `proto`.
///
/// Header version: `proto.header_version()` (0 below 17, else the protocol), except
/// KeepAliveAck, RegisterAck and UnregisterAck, which chan-sccp always sends with 0 (§1.3).
pub fn encode_to_phone(msg: &ToPhone, proto: Proto, out: &mut Vec<u8>) {
    let hv = match msg {
        ToPhone::KeepAliveAck | ToPhone::RegisterAck { .. } | ToPhone::UnregisterAck(_) => 0,
        _ => proto.header_version(),
    };
    let start = begin_frame(hv, msg.id(), out);
    to_phone_body(msg, hv, out);
    end_frame(start, out);
}

/// Appends one phone → call-manager message with the given header-version word, which also
/// picks the layouts (§1.6). Phones write their own value here (§1.3); use 0 for a classic
/// phone, 0x11/0x12+ to exercise the widened forms.
pub fn encode_from_phone(msg: &FromPhone, header_version: u32, out: &mut Vec<u8>) {
    let start = begin_frame(header_version, msg.id(), out);
    from_phone_body(msg, header_version, out);
    end_frame(start, out);
}

/// RegisterAck bytes 17–19 ("phone features" echo) for a negotiated protocol (§1.4; the
/// 4–10 value is chan-sccp's, wazo-libsccp writes `20 00 FE`).
pub(crate) fn register_ack_features(protocol: u8) -> [u8; 3] {
    match protocol {
        0..=3 => [0x00, 0x00, 0x00],
        4..=10 => [0x20, 0xF1, 0xFE],
        _ => [0x20, 0xF1, 0xFF],
    }
}

fn to_phone_body(msg: &ToPhone, hv: u32, b: &mut Vec<u8>) {
    use ToPhone as M;
    match msg {
        M::KeepAliveAck
        | M::CapabilitiesReq
        | M::ClearDisplay
        | M::ClearNotify
        | M::RegisterTokenAck
        | M::DeactivateCallPlane => {}
        M::RegisterAck {
            keepalive,
            date_template,
            secondary_keepalive,
            protocol,
        } => {
            // dateTemplate: chan-sccp's char[7] + 1 pad (WS shows 6 + 2), §2.4.
            let [f1, f2, f3] = register_ack_features(*protocol);
            b.u32(*keepalive)
                .str(date_template, 7)
                .zeros(1)
                .u32(*secondary_keepalive)
                .u8(*protocol)
                .u8(f1)
                .u8(f2)
                .u8(f3);
        }
        M::RegisterReject { text } => {
            b.str(text, DISPLAY_TEXT);
        }
        M::ButtonTemplate {
            offset,
            total,
            buttons,
        } => {
            let count = buttons.len().min(BUTTON_SLOTS);
            b.u32(*offset).u32(count as u32).u32(*total);
            let unused = ButtonDef {
                instance: 0,
                kind: 0xFF,
            };
            for i in 0..BUTTON_SLOTS {
                let d = buttons.get(i).copied().unwrap_or(unused);
                b.u8(d.instance).u8(d.kind);
            }
        }
        M::SoftKeyTemplate { keys } => {
            let count = keys.len().min(SOFT_KEY_SLOTS);
            b.u32(0).u32(count as u32).u32(count as u32);
            for i in 0..SOFT_KEY_SLOTS {
                match keys.get(i) {
                    Some(k) => b.raw(&k.label, 16).u32(k.event),
                    None => b.zeros(20),
                };
            }
        }
        M::SoftKeySet { sets } => {
            let count = sets.len().min(SOFT_KEY_SET_SLOTS);
            b.u32(0).u32(count as u32).u32(count as u32);
            for i in 0..SOFT_KEY_SET_SLOTS {
                let set = sets.get(i).copied().unwrap_or([0; 16]);
                b.extend_from_slice(&set);
                for &idx in &set {
                    // softKeyInfoIndex: 300 + template index, 0 for a blank key (§3.12).
                    b.u16(if idx == 0 { 0 } else { 300 + u16::from(idx) });
                }
            }
        }
        M::SelectSoftKeys {
            line,
            call_ref,
            set,
            mask,
        } => {
            b.u32(*line).u32(*call_ref).u32(*set).u32(*mask);
        }
        M::LineStat {
            line,
            number,
            display_name,
            label,
            options,
        } => {
            b.u32(*line)
                .str(number, DIRNUM)
                .str(display_name, NAME)
                .str(label, NAME)
                .u32(*options);
        }
        M::SpeedDialStat {
            index,
            number,
            name,
        } => {
            b.u32(*index).str(number, DIRNUM).str(name, NAME);
        }
        M::ForwardStat {
            line,
            all,
            busy,
            no_answer,
        } => {
            // Numbers are "VariableDirnumSize": 25 bytes packed from header 0x12 (§1.6).
            // activeForward and the per-kind active flags are 1 when set, as wazo-libsccp
            // and chan-sccp (v3) send; other values' meaning is unconfirmed (§2.4 ⚠).
            let dn = dirnum_size(hv);
            let any = all.is_some() || busy.is_some() || no_answer.is_some();
            b.u32(u32::from(any)).u32(*line);
            for target in [all, busy, no_answer] {
                b.u32(u32::from(target.is_some()))
                    .str(target.as_deref().unwrap_or(""), dn);
            }
        }
        M::FeatureStat {
            index,
            id,
            label,
            status,
        } => {
            b.u32(*index).u32(*id).str(label, NAME).u32(*status);
        }
        M::FeatureStatV2 {
            index,
            id,
            status,
            label,
        } => {
            // StationDynamicNameSize: at most 121 bytes including the NUL (§1.5a).
            b.u32(*index).u32(*id).u32(*status).cstr(label, 121);
        }
        M::ServiceUrlStat { index, url, name } => {
            b.u32(*index).str(url, 256).str(name, NAME);
        }
        M::ConfigStat {
            device_name,
            user_id,
            instance,
            user_name,
            server_name,
            lines,
            speed_dials,
        } => {
            b.str(device_name, DEVICE_NAME)
                .u32(*user_id)
                .u32(*instance)
                .str(user_name, NAME)
                .str(server_name, NAME)
                .u32(*lines)
                .u32(*speed_dials);
        }
        M::DefineTimeDate {
            year,
            month,
            day_of_week,
            day,
            hour,
            minute,
            second,
            millis,
            system_time,
        } => {
            for v in [
                year,
                month,
                day_of_week,
                day,
                hour,
                minute,
                second,
                millis,
                system_time,
            ] {
                b.u32(*v);
            }
        }
        M::Version(v) => {
            b.str(v, 16);
        }
        M::ServerRes { servers } => {
            // 5 × char[48] names, 5 × u32 ports, 5 × address (ipv4or6 from 0x11, §2.2).
            let slot = |i: usize| servers.get(i).cloned();
            for i in 0..SERVER_SLOTS {
                b.str(slot(i).map(|s| s.0).as_deref().unwrap_or(""), 48);
            }
            for i in 0..SERVER_SLOTS {
                b.u32(slot(i).map_or(0, |s| s.1));
            }
            for i in 0..SERVER_SLOTS {
                let ip = slot(i).map_or(Ipv4Addr::UNSPECIFIED, |s| s.2);
                b.ip(IpAddr::V4(ip), hv);
            }
        }
        M::DisplayText(text) => {
            b.str(text, DISPLAY_TEXT);
        }
        M::DisplayPromptStatus {
            timeout,
            text,
            line,
            call_ref,
        } => {
            b.u32(*timeout)
                .raw(text, DISPLAY_TEXT)
                .u32(*line)
                .u32(*call_ref);
        }
        M::ClearPromptStatus { line, call_ref } => {
            b.u32(*line).u32(*call_ref);
        }
        M::StopTone { line, call_ref } => {
            b.u32(*line).u32(*call_ref);
            if hv >= 0x0B {
                // WS reads a trailing tone word from header 0x0B (§2.2); 0 = silence.
                b.u32(0);
            }
        }
        M::DialedNumber {
            number,
            line,
            call_ref,
        } => {
            // dialedNumber: 24 bytes, 25 packed from header 0x12 (§2.4, §1.6).
            b.str(number, dirnum_size(hv)).u32(*line).u32(*call_ref);
        }
        M::DisplayNotify { timeout, text } => {
            b.u32(*timeout).raw(text, DISPLAY_TEXT);
        }
        M::DisplayPriNotify {
            timeout,
            priority,
            text,
        } => {
            b.u32(*timeout).u32(*priority).raw(text, DISPLAY_TEXT);
        }
        M::ClearPriNotify(v)
        | M::UnregisterAck(v)
        | M::RegisterTokenReject(v)
        | M::SetSpeakerMode(v)
        | M::SetMicroMode(v)
        | M::ActivateCallPlane(v) => {
            b.u32(*v);
        }
        M::Reset(kind) => {
            b.u32(*kind as u32);
        }
        M::SetLamp {
            stimulus,
            instance,
            mode,
        } => {
            b.u32(*stimulus).u32(*instance).u32(*mode);
        }
        M::SetRinger {
            mode,
            duration,
            line,
            call_ref,
        } => {
            b.u32(*mode).u32(*duration).u32(*line).u32(*call_ref);
        }
        M::CallState {
            state,
            line,
            call_ref,
            privacy,
            precedence,
        } => {
            // Last word: precedenceDomain, 0 (§2.4).
            b.u32(*state)
                .u32(*line)
                .u32(*call_ref)
                .u32(*privacy)
                .u32(*precedence)
                .u32(0);
        }
        M::StartTone {
            tone,
            direction,
            line,
            call_ref,
        } => {
            b.u32(*tone).u32(*direction).u32(*line).u32(*call_ref);
        }
        M::CallInfo {
            calling_name,
            calling,
            called_name,
            called,
            line,
            call_ref,
            call_type,
            redirected_by,
            redirect_reason,
        } => {
            b.str(calling_name, NAME)
                .str(calling, DIRNUM)
                .str(called_name, NAME)
                .str(called, DIRNUM)
                .u32(*line)
                .u32(*call_ref)
                .u32(*call_type)
                // Original-called name and number (140–203), last-redirecting name (204–243):
                // not used here; last-redirecting number (244) and both reasons (268, 272);
                // the four voice-mailbox numbers (276–371): not used here.
                .zeros(204 - 140)
                .zeros(NAME)
                .str(redirected_by, DIRNUM)
                .u32(*redirect_reason)
                .u32(*redirect_reason)
                .zeros(372 - 276)
                // callInstance (wazo-libsccp sends the callReference), callSecurityStatus 0,
                // partyPIRestrictionBits 0 (nothing hidden).
                .u32(*call_ref)
                .u32(0)
                .u32(0);
        }
        M::OpenReceiveChannel {
            conference_id,
            pass_thru,
            packet_ms,
            codec,
            call_ref,
        } => {
            // The 92-byte classic form (§2.4): echoCancellation 0, g723BitRate 0, a zero
            // 48-byte encryption block (a shorter one is "Malformed" in TShark, §5).
            b.u32(*conference_id)
                .u32(*pass_thru)
                .u32(*packet_ms)
                .u32(*codec)
                .u32(0)
                .u32(0)
                .u32(*call_ref)
                .zeros(48)
                .u32(0) // streamPassThroughId
                .u32(0) // associatedStreamId
                .u32(RFC2833_PAYLOAD)
                .u32(DTMF_TYPE);
            if hv >= HDR_IPV4OR6 {
                // mixingMode, partyDirection, sourceIpAddr (ipv4or6, unknown → 0.0.0.0),
                // sourcePortNumber, requestedIpAddrType (0 = IPv4), audioLevelAdjustment
                // (WS reads it from 0x11; chan-sccp's v17 dump lacks it, receivers ignore
                // excess, §7.8).
                b.u32(0)
                    .u32(0)
                    .ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED), hv)
                    .u32(0)
                    .u32(0)
                    .u32(0);
            }
            if hv >= HDR_LATENT_CAPS {
                b.zeros(36); // latentCapsInfo
            }
        }
        M::CloseReceiveChannel {
            conference_id,
            pass_thru,
            call_ref,
        }
        | M::StopMediaTransmission {
            conference_id,
            pass_thru,
            call_ref,
        } => {
            // Last word: portHandlingFlag 0 = close the port (§2.4).
            b.u32(*conference_id).u32(*pass_thru).u32(*call_ref).u32(0);
        }
        M::StartMediaTransmission {
            conference_id,
            pass_thru,
            ip,
            port,
            packet_ms,
            codec,
            precedence,
            call_ref,
        } => {
            b.u32(*conference_id)
                .u32(*pass_thru)
                .ip(IpAddr::V4(*ip), hv)
                .u32(*port)
                .u32(*packet_ms)
                .u32(*codec)
                .u32(*precedence)
                .u32(0) // silenceSuppression off
                .u16(0) // maxFramesPerPacket
                .u16(0)
                .u32(0) // g723BitRate / codec params (kept at 0x10+, §7.9)
                .u32(*call_ref)
                .zeros(48) // encryption key info
                .u32(0) // streamPassThroughId
                .u32(0) // associatedStreamId
                .u32(RFC2833_PAYLOAD)
                .u32(DTMF_TYPE)
                .u32(0) // mixingMode
                .u32(0); // partyDirection
            if hv >= HDR_LATENT_CAPS {
                b.zeros(36); // latentCapsInfo
            }
        }
    }
}

fn from_phone_body(msg: &FromPhone, hv: u32, b: &mut Vec<u8>) {
    use FromPhone as M;
    match msg {
        M::KeepAlive
        | M::ConfigStatReq
        | M::TimeDateReq
        | M::ButtonTemplateReq
        | M::VersionReq
        | M::ServerReq
        | M::SoftKeySetReq
        | M::Unregister
        | M::SoftKeyTemplateReq => {}
        M::Register(r) => {
            // The 124-byte form a 7941 on SCCP 8.5.3 sends (§2.3).
            b.str(&r.device_name, DEVICE_NAME)
                .u32(r.user_id)
                .u32(r.instance)
                .ipv4(r.ip)
                .u32(r.device_type)
                .u32(r.max_streams)
                .u32(r.active_streams)
                .u8(r.protocol)
                .u8(0)
                .u16(r.features)
                .u32(r.max_conferences)
                .u32(0) // activeConferences
                .zeros(12) // MAC
                .u32(0) // ipV4AddressScope
                .u32(r.max_lines)
                .zeros(16) // stationIpV6Addr
                .u32(0) // ipV6AddressScope
                .str(&r.load, 32);
        }
        M::IpPort(v)
        | M::ForwardStatReq(v)
        | M::SpeedDialStatReq(v)
        | M::LineStatReq(v)
        | M::HeadsetStatus(v)
        | M::RegisterAvailableLines(v)
        | M::ServiceUrlStatReq(v) => {
            b.u32(*v);
        }
        M::FeatureStatReq(index) => {
            b.u32(*index).u32(0); // featureCapabilities
        }
        M::KeypadButton {
            button: a,
            line: c,
            call_ref: d,
        }
        | M::SoftKeyEvent {
            event: a,
            line: c,
            call_ref: d,
        } => {
            b.u32(*a).u32(*c).u32(*d);
        }
        M::EnblocCall { number, line } => {
            b.str(number, dirnum_size(hv)).u32(*line);
        }
        M::Stimulus {
            stimulus,
            instance,
            call_ref,
            status,
        } => {
            b.u32(*stimulus).u32(*instance).u32(*call_ref).u32(*status);
        }
        M::OffHook { line, call_ref }
        | M::OnHook { line, call_ref }
        | M::HookFlash { line, call_ref } => {
            b.u32(*line).u32(*call_ref);
        }
        M::CapabilitiesRes(caps) => {
            let caps = &caps[..caps.len().min(MAX_CAPABILITIES)];
            b.u32(caps.len() as u32);
            for c in caps {
                b.u32(c.codec).u32(c.max_frames).zeros(8);
            }
        }
        M::Alarm {
            severity,
            text,
            param1,
            param2,
        } => {
            b.u32(*severity).str(text, 80).u32(*param1).u32(*param2);
        }
        M::OpenReceiveChannelAck {
            status,
            ip,
            port,
            pass_thru,
            call_ref,
        } => {
            b.u32(*status)
                .ip(*ip, hv)
                .u32(*port)
                .u32(*pass_thru)
                .u32(*call_ref);
        }
        M::RegisterTokenReq { device_name } => {
            // name; userId; instance; ip; deviceType; 16-byte IPv6 (§2.1).
            b.str(device_name, DEVICE_NAME).zeros(16 + 16);
        }
        M::MediaPathEvent { path: p, event: v }
        | M::MediaPathCapability {
            path: p,
            capability: v,
        } => {
            b.u32(*p).u32(*v);
        }
        M::StartMediaTransmissionAck {
            call_ref,
            pass_thru,
            status,
        } => {
            // callRef (WS: conferenceId); passThruPartyId; callReference; address; port;
            // status (§2.3). The address and port are not modelled: zero.
            b.u32(*call_ref)
                .u32(*pass_thru)
                .u32(*call_ref)
                .ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED), hv)
                .u32(0)
                .u32(*status);
        }
        M::Other { body, .. } => b.extend_from_slice(body),
    }
}
