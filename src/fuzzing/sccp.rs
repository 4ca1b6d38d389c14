//! SCCP: framing of a TCP byte stream, then each frame decoded in both directions at each
//! header-version layout (reference §1.6), with the round trips checked.

use super::cut;
use crate::proto::sccp::frame::HEADER_LEN;
use crate::proto::sccp::{
    Frame, FromPhone, Proto, ToPhone, decode_from_phone, decode_to_phone, encode_from_phone,
    encode_to_phone, split, write_frame,
};

/// Header versions from which decoding layouts change (§1.6): the "ipv4or6" address from
/// 0x11, the 25-byte directory number from 0x12; 0 stands for everything below 0x11.
const LAYOUTS: [u32; 3] = [0, 0x11, 0x12];

/// The input is a TCP stream from a phone (or to one): [`split`] cuts it into frames until it
/// needs more bytes or the stream is unusable. Each frame is decoded as it came, at its own
/// header-version word, and again at each layout of [`LAYOUTS`], both as a phone → CM and as a
/// CM → phone message.
///
/// Properties:
/// - framing: `split` consumes at least a header and at most the buffer; writing a frame's
///   header and body back ([`write_frame`]) and splitting again gives the same header-version,
///   id and body (zero-padded to 4 bytes);
/// - every decoded message encodes (at the same layout), and that frame decodes to the same
///   message, up to what the wire cannot carry: strings longer than their field less its NUL
///   are cut (§1.5), an `Other` body is padded to 4 bytes, and an EnblocCall line from 2^24 with
///   its low 24 bits zero is read as the padded form from 0x12 (§1.6, documented ambiguity).
pub fn sccp(data: &[u8]) {
    let mut rest = data;
    while let Ok(Some((frame, used))) = split(rest) {
        assert!(
            (HEADER_LEN..=rest.len()).contains(&used),
            "split consumed {used} of {}",
            rest.len()
        );
        reframe(&frame);
        let mut versions = vec![frame.header_version];
        versions.extend(LAYOUTS.iter().filter(|&&v| v != frame.header_version));
        for hv in versions {
            let f = Frame {
                header_version: hv,
                ..frame
            };
            if let Ok(m) = decode_from_phone(&f) {
                from_phone_round_trip(&m, hv);
            }
            if let Ok(m) = decode_to_phone(&f) {
                to_phone_round_trip(&m, hv);
            }
        }
        rest = &rest[used..];
    }
}

fn reframe(frame: &Frame<'_>) {
    let mut out = Vec::new();
    write_frame(frame.header_version, frame.id, frame.body, &mut out);
    let (again, used) = split(&out)
        .expect("a frame we write has a valid length")
        .expect("a frame we write is whole");
    assert_eq!(used, out.len());
    assert_eq!(
        (again.header_version, again.id),
        (frame.header_version, frame.id)
    );
    assert_eq!(again.body.len() % 4, 0);
    assert_eq!(&again.body[..frame.body.len()], frame.body);
    assert!(again.body[frame.body.len()..].iter().all(|&b| b == 0));
}

/// The one frame in `out`.
fn only_frame(out: &[u8]) -> Frame<'_> {
    let (f, used) = split(out)
        .expect("an encoded message has a valid length")
        .expect("an encoded message is whole");
    assert_eq!(used, out.len(), "one message, one frame");
    f
}

fn from_phone_round_trip(m: &FromPhone, hv: u32) {
    let mut out = Vec::new();
    encode_from_phone(m, hv, &mut out);
    let f = only_frame(&out);
    assert_eq!((f.header_version, f.id), (hv, m.id()));
    let again = decode_from_phone(&f)
        .unwrap_or_else(|e| panic!("{m:?} encoded at {hv:#x} does not decode: {e}"));
    assert_eq!(again, from_phone_on_wire(m.clone(), hv), "at {hv:#x}");
}

/// The protocol whose header-version word gives the same decoding layout as `hv`.
fn proto_for(hv: u32) -> Proto {
    match hv {
        0..0x11 => Proto(0),
        _ => Proto(hv.min(22) as u8),
    }
}

fn to_phone_round_trip(m: &ToPhone, hv: u32) {
    let mut out = Vec::new();
    encode_to_phone(m, proto_for(hv), &mut out);
    let f = only_frame(&out);
    assert_eq!(f.id, m.id());
    let again = decode_to_phone(&f)
        .unwrap_or_else(|e| panic!("{m:?} encoded for {hv:#x} does not decode: {e}"));
    assert_eq!(again, to_phone_on_wire(m.clone(), hv), "at {hv:#x}");
}

/// The directory-number field size at `hv` (§1.6).
fn dirnum(hv: u32) -> usize {
    if hv >= 0x12 { 25 } else { 24 }
}

/// `m` as the wire carries it at `hv` (see [`sccp`]).
fn from_phone_on_wire(m: FromPhone, hv: u32) -> FromPhone {
    use FromPhone as M;
    match m {
        M::Register(mut r) => {
            r.device_name = cut(&r.device_name, 16);
            r.load = cut(&r.load, 32);
            M::Register(r)
        }
        M::EnblocCall { number, line } => M::EnblocCall {
            number: cut(&number, dirnum(hv)),
            line: if hv >= 0x12 && line & 0x00FF_FFFF == 0 {
                line >> 24
            } else {
                line
            },
        },
        M::Alarm {
            severity,
            text,
            param1,
            param2,
        } => M::Alarm {
            severity,
            text: cut(&text, 80),
            param1,
            param2,
        },
        M::RegisterTokenReq { device_name } => M::RegisterTokenReq {
            device_name: cut(&device_name, 16),
        },
        M::Other { id, mut body } => {
            body.resize(body.len().div_ceil(4) * 4, 0);
            M::Other { id, body }
        }
        m => m,
    }
}

fn cut_bytes(b: &[u8], n: usize) -> Vec<u8> {
    b[..b.len().min(n - 1)].to_vec()
}

/// `m` as the wire carries it at `hv` (see [`sccp`]).
fn to_phone_on_wire(m: ToPhone, hv: u32) -> ToPhone {
    use ToPhone as M;
    match m {
        M::RegisterAck {
            keepalive,
            date_template,
            secondary_keepalive,
            protocol,
        } => M::RegisterAck {
            keepalive,
            // char[7] + 1 pad on the wire, read back as 8 bytes (§2.4).
            date_template: cut(&date_template, 7),
            secondary_keepalive,
            protocol,
        },
        M::RegisterReject { text } => M::RegisterReject {
            text: cut(&text, 32),
        },
        M::SoftKeyTemplate { keys } => M::SoftKeyTemplate {
            keys: keys
                .into_iter()
                .map(|mut k| {
                    k.label = cut_bytes(&k.label, 16);
                    k
                })
                .collect(),
        },
        M::LineStat {
            line,
            number,
            display_name,
            label,
            options,
        } => M::LineStat {
            line,
            number: cut(&number, 24),
            display_name: cut(&display_name, 40),
            label: cut(&label, 40),
            options,
        },
        M::SpeedDialStat {
            index,
            number,
            name,
        } => M::SpeedDialStat {
            index,
            number: cut(&number, 24),
            name: cut(&name, 40),
        },
        M::ForwardStat {
            line,
            all,
            busy,
            no_answer,
        } => {
            let dn = |t: Option<String>| t.map(|t| cut(&t, dirnum(hv)));
            M::ForwardStat {
                line,
                all: dn(all),
                busy: dn(busy),
                no_answer: dn(no_answer),
            }
        }
        M::FeatureStat {
            index,
            id,
            label,
            status,
        } => M::FeatureStat {
            index,
            id,
            label: cut(&label, 40),
            status,
        },
        M::ServiceUrlStat { index, url, name } => M::ServiceUrlStat {
            index,
            url: cut(&url, 256),
            name: cut(&name, 40),
        },
        M::ConfigStat {
            device_name,
            user_id,
            instance,
            user_name,
            server_name,
            lines,
            speed_dials,
        } => M::ConfigStat {
            device_name: cut(&device_name, 16),
            user_id,
            instance,
            user_name: cut(&user_name, 40),
            server_name: cut(&server_name, 40),
            lines,
            speed_dials,
        },
        M::Version(v) => M::Version(cut(&v, 16)),
        M::ServerRes { servers } => M::ServerRes {
            servers: servers
                .into_iter()
                .map(|(name, port, ip)| (cut(&name, 48), port, ip))
                .collect(),
        },
        M::DisplayText(t) => M::DisplayText(cut(&t, 32)),
        M::DisplayPromptStatus {
            timeout,
            text,
            line,
            call_ref,
        } => M::DisplayPromptStatus {
            timeout,
            text: cut_bytes(&text, 32),
            line,
            call_ref,
        },
        M::DisplayNotify { timeout, text } => M::DisplayNotify {
            timeout,
            text: cut_bytes(&text, 32),
        },
        M::DisplayPriNotify {
            timeout,
            priority,
            text,
        } => M::DisplayPriNotify {
            timeout,
            priority,
            text: cut_bytes(&text, 32),
        },
        M::CallInfo {
            calling_name,
            calling,
            called_name,
            called,
            line,
            call_ref,
            redirected_by,
            redirect_reason,
            call_type,
        } => M::CallInfo {
            calling_name: cut(&calling_name, 40),
            calling: cut(&calling, 24),
            called_name: cut(&called_name, 40),
            called: cut(&called, 24),
            line,
            call_ref,
            redirected_by: cut(&redirected_by, 24),
            redirect_reason,
            call_type,
        },
        M::DialedNumber {
            number,
            line,
            call_ref,
        } => M::DialedNumber {
            number: cut(&number, dirnum(hv)),
            line,
            call_ref,
        },
        m => m,
    }
}
