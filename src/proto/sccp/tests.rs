//! Codec fixtures: round trips of every message in both directions, the byte-exact examples
//! of the reference (§1.2, §2.4), body sizes from §2.2, and framing edge cases.

use std::net::IpAddr;

use super::*;

mod samples;
use samples::*;

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(u8::is_ascii_hexdigit).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).expect("ascii"), 16).expect("hex"))
        .collect()
}

fn to_bytes(m: &ToPhone, proto: u8) -> Vec<u8> {
    let mut out = Vec::new();
    encode_to_phone(m, Proto(proto), &mut out);
    out
}

fn from_bytes(m: &FromPhone, hv: u32) -> Vec<u8> {
    let mut out = Vec::new();
    encode_from_phone(m, hv, &mut out);
    out
}

/// Splits `bytes`, which must hold exactly one frame.
fn one_frame(bytes: &[u8]) -> Frame<'_> {
    let (frame, used) = split(bytes).expect("valid").expect("complete");
    assert_eq!(used, bytes.len(), "exactly one frame");
    frame
}

/// A frame with a hand-made body, for decoder tests.
fn raw(hv: u32, id: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_frame(hv, id, body, &mut out);
    out
}

#[test]
fn samples_cover_every_variant() {
    let mut seen: Vec<usize> = to_phone_samples().iter().map(to_phone_ordinal).collect();
    seen.dedup();
    assert_eq!(seen, (0..=44).collect::<Vec<_>>());
    let seen: Vec<usize> = from_phone_samples(0)
        .iter()
        .map(from_phone_ordinal)
        .collect();
    assert_eq!(seen, (0..=32).collect::<Vec<_>>());
}

#[test]
fn to_phone_round_trips_at_every_layout() {
    for proto in [3, 8, 11, 15, 16, 17, 18, 20, 22] {
        for m in to_phone_samples() {
            let bytes = to_bytes(&m, proto);
            let frame = one_frame(&bytes);
            assert_eq!(frame.id, m.id());
            assert_eq!(frame.body.len() % 4, 0, "{} padded", m.name());
            let always_basic = matches!(
                m,
                ToPhone::KeepAliveAck | ToPhone::RegisterAck { .. } | ToPhone::UnregisterAck(_)
            );
            let hv = if proto < 17 || always_basic {
                0
            } else {
                u32::from(proto)
            };
            assert_eq!(frame.header_version, hv, "{} at proto {proto}", m.name());
            assert_eq!(decode_to_phone(&frame), Ok(m.clone()), "proto {proto}");
        }
    }
}

#[test]
fn from_phone_round_trips_at_every_layout() {
    for hv in [0, 0x0B, 0x11, 0x12, 0x16] {
        for m in from_phone_samples(hv) {
            let bytes = from_bytes(&m, hv);
            let frame = one_frame(&bytes);
            assert_eq!((frame.header_version, frame.id), (hv, m.id()));
            assert_eq!(decode_from_phone(&frame), Ok(m.clone()), "hdr {hv:#x}");
        }
    }
}

#[test]
fn reference_byte_examples() {
    // §1.2 KeepAlive / KeepAliveAck.
    let keepalive = hex("04 00 00 00 00 00 00 00 00 00 00 00");
    assert_eq!(from_bytes(&FromPhone::KeepAlive, 0), keepalive);
    assert_eq!(
        decode_from_phone(&one_frame(&keepalive)),
        Ok(FromPhone::KeepAlive)
    );
    let ack = hex("04 00 00 00 00 00 00 00 00 01 00 00");
    for proto in [11, 17, 22] {
        assert_eq!(to_bytes(&ToPhone::KeepAliveAck, proto), ack);
    }
    // §2.4 RegisterAck: keepalive 30 s, "M/D/Y", proto 11.
    let register_ack = ToPhone::RegisterAck {
        keepalive: 30,
        date_template: s("M/D/Y"),
        secondary_keepalive: 30,
        protocol: 11,
    };
    let bytes = hex(
        "18 00 00 00 00 00 00 00 81 00 00 00 1e 00 00 00 4d 2f 44 2f 59 00 00 00 \
         1e 00 00 00 0b 20 f1 ff",
    );
    assert_eq!(to_bytes(&register_ack, 11), bytes);
    assert_eq!(decode_to_phone(&one_frame(&bytes)), Ok(register_ack));
    // §2.4 StartTone: inside dial tone on line 1, call 1001.
    let tone = ToPhone::StartTone {
        tone: 0x21,
        direction: 0,
        line: 1,
        call_ref: 1001,
    };
    let bytes =
        hex("14 00 00 00 00 00 00 00 82 00 00 00 21 00 00 00 00 00 00 00 01 00 00 00 e9 03 00 00");
    assert_eq!(to_bytes(&tone, 11), bytes);
    assert_eq!(decode_to_phone(&one_frame(&bytes)), Ok(tone));
    // §2.4 CallState RingIn, line 1, call 1002.
    let ring_in = ToPhone::CallState {
        state: 4,
        line: 1,
        call_ref: 1002,
        privacy: 0,
        precedence: 4,
    };
    let bytes = hex(
        "1c 00 00 00 00 00 00 00 11 01 00 00 04 00 00 00 01 00 00 00 ea 03 00 00 \
         00 00 00 00 04 00 00 00 00 00 00 00",
    );
    assert_eq!(to_bytes(&ring_in, 11), bytes);
    assert_eq!(decode_to_phone(&one_frame(&bytes)), Ok(ring_in));
    // §2.4 Reset, Restart.
    let bytes = hex("08 00 00 00 00 00 00 00 9f 00 00 00 02 00 00 00");
    assert_eq!(to_bytes(&ToPhone::Reset(ResetType::Restart), 11), bytes);
    assert_eq!(
        decode_to_phone(&one_frame(&bytes)),
        Ok(ToPhone::Reset(ResetType::Restart))
    );
}

#[test]
fn register_ack_feature_bytes_follow_the_protocol() {
    for (protocol, tail) in [
        (3, [0, 0, 0]),
        (8, [0x20, 0xF1, 0xFE]),
        (11, [0x20, 0xF1, 0xFF]),
    ] {
        let m = ToPhone::RegisterAck {
            keepalive: 60,
            date_template: s("D.M.Y"),
            secondary_keepalive: 60,
            protocol,
        };
        let bytes = to_bytes(&m, 17);
        assert_eq!(bytes[4..8], [0, 0, 0, 0], "RegisterAck is always header 0");
        assert_eq!(bytes[12 + 16], protocol);
        assert_eq!(bytes[12 + 17..], tail);
    }
}

#[test]
fn body_sizes_match_the_reference() {
    let size = |m: &ToPhone, proto| one_frame(&to_bytes(m, proto)).body.len();
    let samples = to_phone_samples();
    let find = |id: u32| samples.iter().find(|m| m.id() == id).expect("sample");
    for (id, classic, v17, v18, v22) in [
        (ids::REGISTER_ACK, 20, 20, 20, 20),
        (ids::REGISTER_REJECT, 32, 32, 32, 32),
        (ids::BUTTON_TEMPLATE, 96, 96, 96, 96),
        (ids::SOFT_KEY_TEMPLATE, 652, 652, 652, 652),
        (ids::SOFT_KEY_SET, 780, 780, 780, 780),
        (ids::SELECT_SOFT_KEYS, 16, 16, 16, 16),
        (ids::LINE_STAT, 112, 112, 112, 112),
        (ids::SPEED_DIAL_STAT, 68, 68, 68, 68),
        (ids::FORWARD_STAT, 92, 92, 96, 96),
        (ids::FEATURE_STAT, 52, 52, 52, 52),
        (ids::SERVICE_URL_STAT, 300, 300, 300, 300),
        (ids::CONFIG_STAT, 112, 112, 112, 112),
        (ids::DEFINE_TIME_DATE, 36, 36, 36, 36),
        (ids::SERVER_RES, 280, 360, 360, 360),
        (ids::DISPLAY_PROMPT_STATUS, 44, 44, 44, 44),
        (ids::DISPLAY_NOTIFY, 36, 36, 36, 36),
        (ids::DISPLAY_PRI_NOTIFY, 40, 40, 40, 40),
        (ids::CALL_STATE, 24, 24, 24, 24),
        (ids::STOP_TONE, 8, 12, 12, 12),
        (ids::CALL_INFO, 384, 384, 384, 384),
        (ids::DIALED_NUMBER, 32, 32, 36, 36),
        (ids::OPEN_RECEIVE_CHANNEL, 92, 132, 132, 168),
        (ids::CLOSE_RECEIVE_CHANNEL, 16, 16, 16, 16),
        (ids::START_MEDIA_TRANSMISSION, 116, 132, 132, 168),
        (ids::STOP_MEDIA_TRANSMISSION, 16, 16, 16, 16),
    ] {
        let m = find(id);
        let got = [11, 17, 18, 22].map(|p| size(m, p));
        assert_eq!(got, [classic, v17, v18, v22], "{}", m.name());
    }
}

#[test]
fn numbers_widen_to_25_bytes_from_header_0x12() {
    let number = s("123456789012345678901234"); // 24 digits: needs the 25-byte field
    let dialed = ToPhone::DialedNumber {
        number: number.clone(),
        line: 1,
        call_ref: 1001,
    };
    let forward = ToPhone::ForwardStat {
        line: 1,
        all: None,
        busy: Some(number.clone()),
        no_answer: None,
    };
    for m in [dialed, forward] {
        for (proto, fits) in [(11, false), (17, false), (18, true), (22, true)] {
            let bytes = to_bytes(&m, proto);
            let back = decode_to_phone(&one_frame(&bytes)).expect("decodes");
            assert_eq!(back == m, fits, "{} at proto {proto}", m.name());
        }
    }
    // Packed (WS): DialedNumber's line follows the 25th byte directly.
    let bytes = to_bytes(
        &ToPhone::DialedNumber {
            number,
            line: 7,
            call_ref: 9,
        },
        18,
    );
    assert_eq!(one_frame(&bytes).body[24..33], [0, 7, 0, 0, 0, 9, 0, 0, 0]);
}

#[test]
fn templates_pad_and_cut_to_their_slot_counts() {
    let buttons: Vec<ButtonDef> = (0..50)
        .map(|i| ButtonDef {
            instance: i,
            kind: 0x09,
        })
        .collect();
    let m = ToPhone::ButtonTemplate {
        offset: 0,
        total: 50,
        buttons: buttons.clone(),
    };
    let bytes = to_bytes(&m, 11);
    let body = one_frame(&bytes).body;
    assert_eq!(
        body[4..12],
        [42, 0, 0, 0, 50, 0, 0, 0],
        "count 42, total 50"
    );
    let Ok(ToPhone::ButtonTemplate { buttons: got, .. }) = decode_to_phone(&one_frame(&bytes))
    else {
        panic!("decodes");
    };
    assert_eq!(got, buttons[..42]);

    let short = ToPhone::ButtonTemplate {
        offset: 0,
        total: 1,
        buttons: buttons[1..2].to_vec(),
    };
    let bytes = to_bytes(&short, 11);
    let body = one_frame(&bytes).body;
    assert_eq!(
        body[12..16],
        [1, 0x09, 0, 0xFF],
        "unused slots are {{0, 0xFF}}"
    );
    assert!(body[14..].chunks(2).all(|e| e == [0, 0xFF]));

    let sets = ToPhone::SoftKeySet {
        sets: vec![[1, 0, 18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
    };
    let bytes = to_bytes(&sets, 11);
    let body = one_frame(&bytes).body;
    assert_eq!(
        body[28..34],
        [45, 1, 0, 0, 62, 1],
        "info index 300 + template index"
    );
}

#[test]
fn strings_are_latin1_and_truncated_to_their_field() {
    let m = ToPhone::DisplayText(s("Zoë 日本 and a text that is far too long"));
    let bytes = to_bytes(&m, 11);
    let body = one_frame(&bytes).body;
    assert_eq!(&body[..8], b"Zo\xEB ?? a");
    assert_eq!((body[30], body[31]), (b't', 0), "31 bytes then NUL");
    assert_eq!(
        decode_to_phone(&one_frame(&bytes)),
        Ok(ToPhone::DisplayText(s("Zoë ?? and a text that is far t")))
    );
}

#[test]
fn short_bodies_zero_fill_and_long_ones_are_ignored() {
    let dec = |hv, id, body: &[u8]| decode_from_phone(&one_frame(&raw(hv, id, body)));
    assert_eq!(
        dec(0, ids::KEYPAD_BUTTON, &[5, 0, 0, 0]),
        Ok(FromPhone::KeypadButton {
            button: 5,
            line: 0,
            call_ref: 0
        })
    );
    assert_eq!(
        dec(0, ids::OFF_HOOK, &[]),
        Ok(FromPhone::OffHook {
            line: 0,
            call_ref: 0
        })
    );
    assert_eq!(
        dec(0, ids::STIMULUS, &[9, 0, 0, 0, 1, 0, 0, 0]),
        Ok(FromPhone::Stimulus {
            stimulus: 9,
            instance: 1,
            call_ref: 0,
            status: 0
        })
    );
    let old_ack = hex("00000000 c0a80132 204e0000 16fcffff");
    assert_eq!(
        dec(0, ids::OPEN_RECEIVE_CHANNEL_ACK, &old_ack),
        Ok(FromPhone::OpenReceiveChannelAck {
            status: 0,
            ip: IpAddr::V4(IP_A),
            port: 20000,
            pass_thru: !1001,
            call_ref: 0
        })
    );
    assert_eq!(
        dec(0, ids::LINE_STAT_REQ, &[2, 0, 0, 0, 9, 9, 9, 9]),
        Ok(FromPhone::LineStatReq(2))
    );
    // A 44-byte Register (7936, §2.3): everything past offset 44 reads as zero.
    let full = from_bytes(&from_phone_samples(0)[1], 0);
    let Ok(FromPhone::Register(r)) = dec(0, ids::REGISTER, &one_frame(&full).body[..44]) else {
        panic!("short Register decodes");
    };
    assert_eq!(
        (r.protocol, r.features, r.max_lines, r.load),
        (17, 0x8572, 0, s(""))
    );
    // A count larger than the entries present is cut to what is there.
    assert_eq!(
        dec(
            0,
            ids::CAPABILITIES_RES,
            &hex("05000000 04000000 28000000 0000000000000000")
        ),
        Ok(FromPhone::CapabilitiesRes(vec![Capability {
            codec: 4,
            max_frames: 40
        }]))
    );
}

#[test]
fn missing_identifying_fields_are_errors() {
    let dec = |hv, id, body: &[u8]| decode_from_phone(&one_frame(&raw(hv, id, body)));
    // Register: the reference's shortest form is 36 bytes.
    let full = from_bytes(&from_phone_samples(0)[1], 0);
    let short = &one_frame(&full).body[..32];
    assert_eq!(
        dec(0, ids::REGISTER, short),
        Err(DecodeError::TooShort {
            id: ids::REGISTER,
            name: "RegisterReq",
            need: 36,
            got: 32
        })
    );
    assert!(matches!(
        dec(0, ids::KEYPAD_BUTTON, &[]),
        Err(DecodeError::TooShort { .. })
    ));
    assert!(matches!(
        dec(0, ids::STIMULUS, &[9, 0, 0, 0]),
        Err(DecodeError::TooShort { .. })
    ));
    assert!(matches!(
        dec(0x11, ids::OPEN_RECEIVE_CHANNEL_ACK, &[0; 20]),
        Err(DecodeError::TooShort { need: 32, .. })
    ));
    let bad_type = hex("00000000 03000000 00000000000000000000000000000000 00000000 00000000");
    assert!(matches!(
        dec(0x11, ids::OPEN_RECEIVE_CHANNEL_ACK, &bad_type),
        Err(DecodeError::BadValue { value: 3, .. })
    ));
    let reset = raw(0, ids::RESET, &[7, 0, 0, 0]);
    assert!(matches!(
        decode_to_phone(&one_frame(&reset)),
        Err(DecodeError::BadValue { value: 7, .. })
    ));
    let unknown = raw(0, 0x0119, &[]);
    assert_eq!(
        decode_to_phone(&one_frame(&unknown)),
        Err(DecodeError::UnknownId(0x0119))
    );
}

#[test]
fn unknown_phone_ids_are_other() {
    let bytes = raw(0, 0x0023, &[1, 2, 3]);
    let m = decode_from_phone(&one_frame(&bytes)).expect("decodes");
    assert_eq!(
        m,
        FromPhone::Other {
            id: 0x0023,
            body: vec![1, 2, 3, 0]
        }
    );
    assert_eq!(m.name(), "ConnectionStatisticsRes");
}

#[test]
fn enbloc_call_accepts_packed_and_padded_25_byte_numbers() {
    let mut packed = b"2001".to_vec();
    packed.resize(25, 0);
    packed.extend_from_slice(&3u32.to_le_bytes());
    let mut padded = b"2001".to_vec();
    padded.resize(28, 0);
    padded.extend_from_slice(&3u32.to_le_bytes());
    for body in [packed, padded] {
        let bytes = raw(0x12, ids::ENBLOC_CALL, &body);
        assert_eq!(
            decode_from_phone(&one_frame(&bytes)),
            Ok(FromPhone::EnblocCall {
                number: s("2001"),
                line: 3
            })
        );
    }
}

#[test]
fn split_needs_the_whole_frame() {
    let bytes = to_bytes(&to_phone_samples()[1], 11);
    for n in 0..bytes.len() {
        assert_eq!(split(&bytes[..n]), Ok(None), "prefix of {n} bytes");
    }
    assert!(split(&bytes).expect("valid").is_some());
}

#[test]
fn split_takes_one_frame_at_a_time() {
    let mut buf = to_bytes(&ToPhone::KeepAliveAck, 11);
    let first = buf.len();
    buf.extend(to_bytes(&to_phone_samples()[1], 11));
    buf.extend_from_slice(&[0x18, 0, 0]); // start of a third
    let (a, used) = split(&buf).expect("valid").expect("first");
    assert_eq!((a.id, used), (ids::KEEP_ALIVE_ACK, first));
    let (b, used2) = split(&buf[used..]).expect("valid").expect("second");
    assert_eq!((b.id, b.body.len()), (ids::REGISTER_ACK, 20));
    assert_eq!(split(&buf[used + used2..]), Ok(None));
}

#[test]
fn split_rejects_impossible_lengths() {
    assert_eq!(split(&[3, 0, 0, 0]), Err(FrameError::TooShort(3)));
    assert_eq!(split(&[0, 0, 0, 0, 0, 0]), Err(FrameError::TooShort(0)));
    let too_long = (MAX_LENGTH + 1).to_le_bytes();
    assert_eq!(split(&too_long), Err(FrameError::TooLong(MAX_LENGTH + 1)));
    // The largest accepted frame is fine.
    let mut max = raw(0, 0x011E, &vec![0; MAX_LENGTH as usize - 4]);
    assert_eq!(one_frame(&max).body.len(), MAX_LENGTH as usize - 4);
    max.truncate(100);
    assert_eq!(split(&max), Ok(None));
}

#[test]
fn write_frame_pads_and_counts_the_pad() {
    let bytes = raw(0x11, 0x0042, &[1, 2, 3, 4, 5]);
    assert_eq!(bytes, hex("0c000000 11000000 42000000 0102030405000000"));
}

#[test]
fn names_are_tshark_names() {
    assert_eq!(FromPhone::KeepAlive.name(), "KeepAliveReq");
    assert_eq!(FromPhone::Unregister.name(), "UnregisterReq");
    assert_eq!(ToPhone::ClearNotify.name(), "ClearNotify");
    assert_eq!(to_phone_samples()[8].name(), "LineStatRes");
    let other = FromPhone::Other {
        id: 0x7777,
        body: vec![],
    };
    assert_eq!(other.name(), "Unknown");
}
