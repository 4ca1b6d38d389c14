//! Replays every committed fuzz corpus (`fuzz/corpus/<target>/`) and crash reproducer
//! (`fuzz/regressions/<target>/`) through the fuzz targets' bodies in `cmed::fuzzing`, the
//! same functions the libFuzzer binaries call: regression tests without a fuzzing engine.
//! FUZZING.md says how the corpora were made and how to fuzz.
//!
//! The seeds (`seed-*` files) are written by `regenerate_seeds` below (ignored; run it with
//! `cargo test --test fuzz_corpora -- --ignored` after changing it), and so are the
//! dictionaries in `fuzz/dict/`.

use std::fs;
use std::path::{Path, PathBuf};

fn dir(kind: &str, target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target)
}

/// Every file of `fuzz/<kind>/<target>/`, sorted.
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir(kind, target)) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// Runs `target` on every committed input; names each one that fails.
fn replay(target: &str) {
    let (_, run) = cmed::fuzzing::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a fuzz target of that name");
    let corpus = inputs("corpus", target);
    assert!(!corpus.is_empty(), "fuzz/corpus/{target}/ has no seeds");
    let mut failed = Vec::new();
    for path in corpus.iter().chain(&inputs("regressions", target)) {
        let data = fs::read(path).expect("a readable input");
        if std::panic::catch_unwind(|| run(&data)).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "{target} fails on {failed:#?}");
}

macro_rules! replays {
    ($($target:ident),* $(,)?) => {
        $(
            #[test]
            fn $target() {
                replay(stringify!($target));
            }
        )*

        #[test]
        fn every_target_has_its_replay_test() {
            let here = [$(stringify!($target)),*];
            for (name, _) in cmed::fuzzing::TARGETS {
                assert!(here.contains(name), "no replay test for {name}");
            }
            let fuzz = fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/Cargo.toml"),
            )
            .expect("fuzz/Cargo.toml");
            for name in here {
                assert!(
                    fuzz.contains(&format!("path = \"fuzz_targets/{name}.rs\"")),
                    "fuzz/Cargo.toml has no binary for {name}"
                );
            }
        }
    };
}

replays!(
    sccp,
    tftp,
    tftp_transfer,
    sip_msg,
    sip_digest,
    sdp,
    mwi,
    cli_line,
    config_load,
    em_api,
    em_pages,
);

mod seeds {
    //! The hand-made seeds: messages as phones and cmed write them, the sample configs, the
    //! commands of every mode, the EM requests the tests make.
    use std::collections::BTreeSet;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    use cmed::grammar::graph::Grammar;
    use cmed::grammar::matcher::{Ctx, Outcome, match_line};
    use cmed::proto::sccp::{
        ButtonDef, Capability, FromPhone, Proto, Register, SoftKey, ToPhone, encode_from_phone,
        encode_to_phone, ids, write_frame,
    };
    use cmed::proto::tftp::packet::{
        RequestKind, encode_ack, encode_data, encode_error, encode_oack, encode_request,
    };
    use cmed::proto::tftp::{ErrorCode, Mode, Request};

    type Seeds = Vec<(String, Vec<u8>)>;

    fn s(v: &str) -> String {
        v.to_string()
    }

    fn from_phone() -> Vec<FromPhone> {
        use FromPhone as M;
        let ip = Ipv4Addr::new(10, 0, 0, 21);
        let mut reg = Register::station("SEP0022905B11C2", 436, 20, ip);
        reg.load = s("SCCP45.9-4-2SR3-1S");
        reg.features = 0x0010;
        vec![
            M::KeepAlive,
            M::Register(reg),
            M::Register(Register::station("SEP001E7A345A01", 7, 5, ip)),
            M::IpPort(16384),
            M::KeypadButton {
                button: 14,
                line: 1,
                call_ref: 17,
            },
            M::EnblocCall {
                number: s("1002#"),
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
                call_ref: 17,
            },
            M::CapabilitiesRes(vec![
                Capability {
                    codec: 4,
                    max_frames: 40,
                },
                Capability {
                    codec: 2,
                    max_frames: 40,
                },
                Capability {
                    codec: 11,
                    max_frames: 60,
                },
            ]),
            M::Alarm {
                severity: 2,
                text: s("Name=SEP0022905B11C2 Load=SCCP45.9-4-2SR3-1S Last=TCP-timeout"),
                param1: 0,
                param2: 0,
            },
            M::OpenReceiveChannelAck {
                status: 0,
                ip: IpAddr::V4(ip),
                port: 24580,
                pass_thru: 33,
                call_ref: 17,
            },
            M::OpenReceiveChannelAck {
                status: 0,
                ip: IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x21)),
                port: 24580,
                pass_thru: 33,
                call_ref: 17,
            },
            M::SoftKeyEvent {
                event: 2,
                line: 1,
                call_ref: 17,
            },
            M::RegisterTokenReq {
                device_name: s("SEP5475D0A32204"),
            },
            M::MediaPathEvent { path: 2, event: 1 },
            M::StartMediaTransmissionAck {
                call_ref: 17,
                pass_thru: 33,
                status: 0,
            },
            M::FeatureStatReq(3),
            M::Other {
                id: 0x0048,
                body: vec![1, 0, 0, 0, 2, 0, 0, 0],
            },
        ]
    }

    fn to_phone() -> Vec<ToPhone> {
        use ToPhone as M;
        let ip = Ipv4Addr::new(10, 0, 0, 22);
        vec![
            M::KeepAliveAck,
            M::RegisterAck {
                keepalive: 30,
                date_template: s("M/D/YA"),
                secondary_keepalive: 30,
                protocol: 20,
            },
            M::RegisterReject {
                text: s("Device Unknown"),
            },
            M::ButtonTemplate {
                offset: 0,
                total: 3,
                buttons: vec![
                    ButtonDef {
                        instance: 1,
                        kind: 0x09,
                    },
                    ButtonDef {
                        instance: 1,
                        kind: 0x02,
                    },
                    ButtonDef {
                        instance: 2,
                        kind: 0x15,
                    },
                ],
            },
            M::SoftKeyTemplate {
                keys: vec![
                    SoftKey {
                        label: vec![0x80, 0x01],
                        event: 1,
                    },
                    SoftKey {
                        label: b"Login".to_vec(),
                        event: 201,
                    },
                ],
            },
            M::SoftKeySet {
                sets: vec![[1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]],
            },
            M::LineStat {
                line: 1,
                number: s("1001"),
                display_name: s("Alice Martin"),
                label: s("Alice Martin 1001"),
                options: 0,
            },
            M::SpeedDialStat {
                index: 1,
                number: s("8000"),
                name: s("Voicemail"),
            },
            M::ForwardStat {
                line: 1,
                all: Some(s("8000")),
                busy: None,
                no_answer: Some(s("1099")),
            },
            M::FeatureStatV2 {
                index: 2,
                id: 0x15,
                status: 1,
                label: s("Front Desk"),
            },
            M::ServiceUrlStat {
                index: 1,
                url: s("http://127.0.0.1:8080/services?device=SEP0022905B11C2"),
                name: s("Services"),
            },
            M::ConfigStat {
                device_name: s("SEP0022905B11C2"),
                user_id: 0,
                instance: 1,
                user_name: s("amartin"),
                server_name: s("CME-Office"),
                lines: 2,
                speed_dials: 1,
            },
            M::DefineTimeDate {
                year: 2026,
                month: 5,
                day_of_week: 3,
                day: 6,
                hour: 18,
                minute: 4,
                second: 2,
                millis: 0,
                system_time: 1_778_090_642,
            },
            M::Version(s("SCCP45.9-4-2SR3")),
            M::ServerRes {
                servers: vec![(s("CME-Office"), 2000, ip)],
            },
            M::DisplayPromptStatus {
                timeout: 10,
                text: vec![0x80, 0x28],
                line: 1,
                call_ref: 17,
            },
            M::DisplayPriNotify {
                timeout: 10,
                priority: 5,
                text: b"Logged in".to_vec(),
            },
            M::SetLamp {
                stimulus: 9,
                instance: 1,
                mode: 2,
            },
            M::SetRinger {
                mode: 2,
                duration: 1,
                line: 1,
                call_ref: 17,
            },
            M::CallState {
                state: 4,
                line: 1,
                call_ref: 17,
                privacy: 0,
                precedence: 4,
            },
            M::StartTone {
                tone: 0x21,
                direction: 0,
                line: 1,
                call_ref: 17,
            },
            M::StopTone {
                line: 1,
                call_ref: 17,
            },
            M::CallInfo {
                calling_name: s("Bruno Keller"),
                calling: s("1002"),
                called_name: s("Alice Martin"),
                called: s("1001"),
                line: 1,
                call_ref: 17,
                redirected_by: s("1099"),
                redirect_reason: 2,
                call_type: 1,
            },
            M::DialedNumber {
                number: s("1002"),
                line: 1,
                call_ref: 17,
            },
            M::OpenReceiveChannel {
                conference_id: 17,
                pass_thru: 33,
                packet_ms: 20,
                codec: 4,
                call_ref: 17,
            },
            M::StartMediaTransmission {
                conference_id: 17,
                pass_thru: 33,
                ip,
                port: 24582,
                packet_ms: 20,
                codec: 4,
                precedence: 0,
                call_ref: 17,
            },
            M::Reset(cmed::proto::sccp::ResetType::Restart),
        ]
    }

    fn sccp() -> Seeds {
        let mut out = Seeds::new();
        let mut stream = Vec::new();
        for (i, m) in from_phone().iter().enumerate() {
            for hv in [0, 0x11, 0x12] {
                let mut b = Vec::new();
                encode_from_phone(m, hv, &mut b);
                out.push((format!("seed-from-phone-{i:02}-{hv:02x}"), b.clone()));
                if hv == 0 {
                    stream.extend_from_slice(&b);
                }
            }
        }
        out.push((s("seed-stream-of-a-registration"), stream));
        for (i, m) in to_phone().iter().enumerate() {
            for p in [0, 17, 18, 22] {
                let mut b = Vec::new();
                encode_to_phone(m, Proto(p), &mut b);
                out.push((format!("seed-to-phone-{i:02}-{p}"), b));
            }
        }
        // Every other id with a body of counting bytes, so that each decoder is reached.
        for id in (0..0x200u32).chain(0x8000..0x8100) {
            if ids::name(id).is_some() {
                let body: Vec<u8> = (0..=255u8).cycle().take(300).collect();
                let mut b = Vec::new();
                write_frame(0x12, id, &body, &mut b);
                out.push((format!("seed-id-{id:04x}"), b));
            }
        }
        out
    }

    fn tftp() -> Seeds {
        let req = |name: &str, mode, opts: &[(&str, &str)]| Request {
            filename: name.as_bytes().to_vec(),
            mode,
            options: opts.iter().map(|(n, v)| (s(n), s(v))).collect(),
        };
        let mut out = Seeds::new();
        let mut b = Vec::new();
        for (name, kind, r) in [
            (
                "rrq-plain",
                RequestKind::Read,
                req("SEP0022905B11C2.cnf.xml", Mode::Octet, &[]),
            ),
            (
                "rrq-options",
                RequestKind::Read,
                req(
                    "XMLDefault.cnf.xml",
                    Mode::Octet,
                    &[
                        ("blksize", "1428"),
                        ("tsize", "0"),
                        ("timeout", "3"),
                        ("windowsize", "8"),
                    ],
                ),
            ),
            (
                "rrq-netascii-unknown-options",
                RequestKind::Read,
                req(
                    "term45.default.loads",
                    Mode::Netascii,
                    &[("rollover", "0"), ("multicast", ""), ("BLKSIZE", "65464")],
                ),
            ),
            (
                "wrq",
                RequestKind::Write,
                req("upload.bin", Mode::Octet, &[]),
            ),
        ] {
            encode_request(kind, &r, &mut b);
            out.push((format!("seed-{name}"), b.clone()));
        }
        // Old 7960 firmware appends an extra NUL.
        let mut extra = b"\x00\x01SEPDEFAULT.cnf\x00octet\x00blksize\x00512\x00".to_vec();
        extra.push(0);
        out.push((s("seed-rrq-extra-nul"), extra));
        encode_data(1, b"<device></device>", &mut b);
        out.push((s("seed-data"), b.clone()));
        encode_ack(7, &mut b);
        out.push((s("seed-ack"), b.clone()));
        encode_error(ErrorCode::OptionRefused, "windowsize refused", &mut b);
        out.push((s("seed-error"), b.clone()));
        encode_oack(
            &[(s("blksize"), s("1428")), (s("tsize"), s("4096"))],
            &mut b,
        );
        out.push((s("seed-oack"), b.clone()));
        out
    }

    fn tftp_transfer() -> Seeds {
        vec![
            // blksize 8 + 3·b0, windowsize 1 + b1 % 8 (0x80 netascii, 0x40 OACK), file length.
            (s("seed-lockstep-clean"), {
                let mut v = vec![168, 0x00, 0x02, 0x00];
                v.extend([0u8; 64]);
                v
            }),
            (s("seed-window-losses"), {
                let mut v = vec![20, 0x47, 0x01, 0x00];
                v.extend([
                    0, 0, 2, 0, 1, 3, 0, 0, 0, 2, 2, 3, 0, 0, 3, 8, 0, 0, 0, 0, 0,
                ]);
                v
            }),
            (s("seed-netascii-timeouts"), {
                let mut v = vec![0, 0x83, 0x00, 0x80];
                v.extend([3, 3, 0, 1, 3, 0, 0, 3, 3, 3, 3, 3, 3, 0]);
                v
            }),
            (s("seed-stray-datagrams"), {
                let mut v = vec![2, 0x02, 0x00, 0x30];
                v.extend([0, 4, 4, 0, 4, 0, 1, 0, 5, 0, 0, 4, 4, 0, 5, 0, 0]);
                v
            }),
        ]
    }

    const REGISTER: &str = "REGISTER sip:127.0.0.1 SIP/2.0\r\n\
Via: SIP/2.0/UDP 10.0.0.31:5060;branch=z9hG4bK1a2b3c;rport\r\n\
From: <sip:mlopez@127.0.0.1>;tag=00eb-d5c2-9a11\r\n\
To: <sip:mlopez@127.0.0.1>\r\n\
Call-ID: 00ebd5c2-9a110002-3f1e6b2a@10.0.0.31\r\n\
Max-Forwards: 70\r\n\
CSeq: 102 REGISTER\r\n\
User-Agent: Cisco-CP8861/12.8.1\r\n\
Contact: <sip:2001@10.0.0.31:5060;transport=udp>;+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-00ebd5c29a11>\";+u.sip!devicename.ccm.cisco.com=\"SEP00EBD5C29A11\";reg-id=1;expires=3600\r\n\
Authorization: Digest username=\"mlopez\",realm=\"cmed\",uri=\"sip:127.0.0.1\",response=\"3f1c5a0e7b6f2d4c8a9b0e1d2c3f4a5b\",nonce=\"65f0a1b2.1.0123456789abcdef0123456789abcdef\",cnonce=\"4b2a\",qop=auth,nc=0000000a,algorithm=MD5\r\n\
Expires: 3600\r\n\
Content-Length: 0\r\n\r\n";

    const INVITE: &str = "INVITE sip:1001@127.0.0.1;user=phone SIP/2.0\r\n\
v: SIP/2.0/TCP 10.0.0.31:5060;branch=z9hG4bKinv1\r\n\
Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bKprx;received=10.0.0.9, SIP/2.0/UDP 10.0.0.8;branch=z9hG4bKx\r\n\
f: \"Marta Lopez\" <sip:2001@127.0.0.1>;tag=a1\r\n\
t: <sip:1001@127.0.0.1>\r\n\
i: 7a8b9c@10.0.0.31\r\n\
CSeq: 1 INVITE\r\n\
m: <sip:2001@10.0.0.31:5060>\r\n\
Record-Route: <sip:10.0.0.9;lr>,\r\n <sip:10.0.0.8;lr>\r\n\
Subject: folded\r\n\tacross lines\r\n\
c: application/sdp\r\n\
l: 190\r\n\r\n\
v=0\r\no=Cisco-SIPUA 1 0 IN IP4 10.0.0.31\r\ns=SIP Call\r\nc=IN IP4 10.0.0.31\r\nt=0 0\r\n\
m=audio 24580 RTP/AVP 0 8 18 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n\
a=ptime:20\r\na=sendrecv\r\n";

    const RESPONSE: &str = "SIP/2.0 401 Unauthorized\r\n\
Via: SIP/2.0/UDP 10.0.0.31:5060;branch=z9hG4bK1a2b3c;rport=5060;received=10.0.0.31\r\n\
From: <sip:mlopez@127.0.0.1>;tag=00eb\r\nTo: <sip:mlopez@127.0.0.1>;tag=cmed1\r\n\
Call-ID: 00ebd5c2@10.0.0.31\r\nCSeq: 101 REGISTER\r\n\
WWW-Authenticate: Digest realm=\"cmed\", nonce=\"65f0a1b2.1.00\", algorithm=MD5, qop=\"auth\"\r\n\
Content-Length: 0\r\n\r\n";

    const NOTIFY: &str = "NOTIFY sip:cmed@127.0.0.1:5060 SIP/2.0\r\n\
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKvm1\r\n\
From: <sip:vm@192.0.2.10>;tag=vm\r\nTo: <sip:cmed@127.0.0.1>;tag=sub1\r\n\
Call-ID: mwi-1003@127.0.0.1\r\nCSeq: 4 NOTIFY\r\nEvent: message-summary\r\n\
Subscription-State: active;expires=3600\r\nContact: *\r\n\
Content-Type: application/simple-message-summary\r\nContent-Length: 87\r\n\r\n\
Messages-Waiting: yes\r\nMessage-Account: sip:1003@192.0.2.10\r\nVoice-Message: 2/8 (0/2)\r\n";

    /// Oddities of RFC 4475 §3.1.1 ("A Short Tortuous INVITE") and friends, shortened.
    const TORTUOUS: &str = "INVITE sip:vivekg@chair-dnrc.example.com;unknownparam SIP/2.0\r\n\
TO :\r\n sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n\r\n\
from   : \"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8\r\n\
MaX-fOrWaRdS: 0068\r\nCall-ID: wsinv.ndaksdj@192.0.2.1\r\nContent-Length   : 150\r\n\
cseq: 0009\r\n  INVITE\r\nVia  : SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;rport;branch=390skdjuw\r\n\
s :\r\nNewFangledHeader:   newfangled value\r\n continued newfangled value\r\n\
UnknownHeaderWithUnusualValue: ;;,,;;,;\r\nContent-Type: application/sdp\r\n\
Route:\r\n <sip:services.example.com;lr;unknownwith=value;unknown-no-value>\r\n\
v:  SIP  / 2.0  / TCP     spindle.example.com   ;\r\n  branch  =   z9hG4bK9ikj8  ,\r\n \
SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239\r\n\
m:\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  \
secondparam ; q = 0.33\r\n\r\n\
v=0\r\no=mhandley 29739 7272939 IN IP4 192.0.2.3\r\ns=-\r\nc=IN IP4 192.0.2.4\r\nt=0 0\r\n\
m=audio 49217 RTP/AVP 0 12\r\nm=video 3227 RTP/AVP 31\r\na=rtpmap:31 LPC\r\n";

    fn sip_msg() -> Seeds {
        let mut two = REGISTER.as_bytes().to_vec();
        two.extend_from_slice(b"\r\n\r\n");
        two.extend_from_slice(NOTIFY.as_bytes());
        vec![
            (s("seed-register"), REGISTER.into()),
            (s("seed-invite-compact-folded"), INVITE.into()),
            (s("seed-response"), RESPONSE.into()),
            (s("seed-notify"), NOTIFY.into()),
            (s("seed-tortuous"), TORTUOUS.into()),
            (s("seed-tcp-stream-with-keepalive"), two),
        ]
    }

    fn sip_digest() -> Seeds {
        vec![
            (
                s("seed-cisco"),
                b"Digest username=\"mlopez\",realm=\"cmed\",uri=\"sip:127.0.0.1\",response=\"3f1c5a0e7b6f2d4c8a9b0e1d2c3f4a5b\",nonce=\"65f0a1b2.1.0123\",cnonce=\"4b2a\",qop=auth,nc=0000000a,algorithm=MD5\0cmed\0mlopez\0Lab2001x\0sip:127.0.0.1\x004b2a".to_vec(),
            ),
            (
                s("seed-rfc2069-opaque"),
                b"Digest username=\"bob\", realm=\"biloxi.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:bob@biloxi.com\", response=\"245f23415f11432b3434341c022\", opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"\0biloxi.com\0bob\0zanzibar\0sip:bob@biloxi.com\x000a4f113b".to_vec(),
            ),
            (
                s("seed-challenge"),
                b"Digest realm=\"cmed\", nonce=\"65f0a1b2.1.00\", algorithm=SHA-256, qop=\"auth,auth-int\", stale=TRUE, opaque=\"x\"".to_vec(),
            ),
            (
                s("seed-quoted-escapes"),
                b"digest  username=\"a\\\"b, c\" , realm=cmed,nonce=n,uri=\"sip:x\",response=r,qop=auth,nc=ffffffff,cnonce=\"\"\x00\x01".to_vec(),
            ),
        ]
    }

    fn sdp() -> Seeds {
        vec![
            (s("seed-cisco-offer"), b"v=0\r\no=Cisco-SIPUA 1 0 IN IP4 10.0.0.31\r\ns=SIP Call\r\nc=IN IP4 10.0.0.31\r\nt=0 0\r\nm=audio 24580 RTP/AVP 0 8 18 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n".to_vec()),
            (s("seed-hold-v6"), b"v=0\r\no=- 7 2 IN IP6 2001:db8::31\r\ns=-\r\nc=IN IP6 2001:db8::31\r\nt=0 0\r\na=sendonly\r\nm=video 0 RTP/AVP 31\r\nm=audio 0 RTP/AVP 9 0\r\na=rtpmap:9 G722/8000\r\na=rtpmap:0 PCMU/8000/1\r\na=inactive\r\n".to_vec()),
            (s("seed-media-connection-lf"), b"v=0\no=cmed 7 1 IN IP4 0.0.0.0\ns=cmed\nt=0 0\nm=audio 16384 RTP/AVP 18 8 96\nc=IN IP4 192.0.2.1\na=rtpmap:18 G729/8000\na=rtpmap:96 telephone-event/8000\na=recvonly\n".to_vec()),
        ]
    }

    fn mwi() -> Seeds {
        vec![
            (s("seed-rfc3842"), b"Messages-Waiting: yes\r\nMessage-Account: sip:alice@vmail.example.com\r\nVoice-Message: 2/8 (0/2)\r\n".to_vec()),
            (s("seed-no-lf"), b"messages-waiting: NO\nfax-message: 1/0\nvoice-message: 4294967295/x\n".to_vec()),
        ]
    }

    fn cli_line() -> Seeds {
        let g = Grammar::embedded();
        let mut seen = BTreeSet::new();
        let mut out = Seeds::new();
        let mut add = |mode: usize, level: u8, line: &str| {
            if seen.insert((mode, line.to_string())) {
                let mut v = vec![mode as u8, level];
                v.extend_from_slice(line.as_bytes());
                out.push((format!("seed-{mode:02}-{:03}", seen.len()), v));
            }
        };
        // Every keyword that starts a command, in the mode that declares it.
        for (m, mode) in g.modes.iter().enumerate() {
            for c in &mode.own {
                if let Some(k) = g.cmd(*c).tokens[0].kind.keyword() {
                    add(m, 0, k);
                }
            }
        }
        // Every line of the configs, in the first mode where it matches, and its `no` form.
        let configs = [
            include_str!("../sample-configs/small-office.cfg"),
            include_str!("migration/branch-sccp.cfg"),
            include_str!("migration/hq-sip.cfg"),
        ];
        for text in configs {
            for line in text.lines().map(str::trim).filter(|l| !l.starts_with('!')) {
                let first = (0..g.modes.len()).find(|&m| {
                    let ctx = Ctx { mode: m, level: 15 };
                    matches!(match_line(&g, ctx, line), Outcome::Matched(_))
                });
                if let Some(m) = first {
                    add(m, 0, line);
                    add(m, 0, &format!("no {line}"));
                }
            }
        }
        let exec = g.mode_id("exec").unwrap_or(0);
        for line in [
            "show running-config | include ephone",
            "sh run | begin telephony",
            "show ephone registered",
            "show voice register all",
            "configure terminal",
            "write memory",
            "debug ephone em",
            "show ephone-dn ?",
            "con t",
            "enable",
        ] {
            add(exec, 0, line);
            add(exec, 1, line);
        }
        out
    }

    fn config_load() -> Seeds {
        let flat = "hostname R1\ntelephony-service\nmax-ephones 2\nmax-dn 4\nephone-dn 1\nnumber 1001\n\
ephone 1\nmac-address 000D.EDAB.3566\nbutton 1:1\ninterface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n\
banner motd ^C\nAuthorised access only\n^C\nephone 2\nbutton 1:9\n";
        vec![
            (
                s("seed-small-office"),
                include_bytes!("../sample-configs/small-office.cfg").to_vec(),
            ),
            (
                s("seed-branch-sccp"),
                include_bytes!("migration/branch-sccp.cfg").to_vec(),
            ),
            (
                s("seed-hq-sip"),
                include_bytes!("migration/hq-sip.cfg").to_vec(),
            ),
            (s("seed-flat-with-families-and-errors"), flat.into()),
        ]
    }

    fn em_api() -> Seeds {
        let app =
            "<appInfo><appID>emapp</appID><appCertificate>cisco123</appCertificate></appInfo>";
        vec![
            (s("seed-login"), format!("<request>{app}<login><deviceName>SEP0022905B11C2</deviceName><userID>amartin</userID><exclusiveDuration><indefinite/></exclusiveDuration></login></request>").into()),
            (s("seed-logout"), format!("<request>{app}<logout><deviceName>SEP0022905B11C2</deviceName></logout></request>").into()),
            (s("seed-device-query"), format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<query>{app}<deviceUserQuery><deviceName>SEP0022905B11C2</deviceName><deviceName>SEP5475D0A32204</deviceName></deviceUserQuery></query>").into()),
            (s("seed-user-query"), format!("<query>{app}<userDevicesQuery><userID>amartin</userID><userID>a&amp;b &lt;c&gt;</userID></userDevicesQuery></query>").into()),
            (s("seed-unknown-root"), b"<reqest><appInfo><appID>x</appID></appInfo></reqest>".to_vec()),
            (s("seed-bad"), b"<request><appInfo><appID>a</appID></appInfo><login></request>".to_vec()),
        ]
    }

    fn em_pages() -> Seeds {
        let lines = |l: &[&str]| l.join("\n").into_bytes();
        vec![
            (
                s("seed-login-show-logout"),
                lines(&[
                    "0device=SEP0022905B11C2",
                    "1device=SEP0022905B11C2",
                    "1device=SEP0022905B11C2&action=login&userid=amartin&password=Am4rtin9",
                    "1device=SEP0022905B11C2",
                    "1name=SEP0022905B11C2&action=logout",
                ]),
            ),
            (
                s("seed-bad-logins"),
                lines(&[
                    "1device=SEP5475D0A32204&action=login&userid=amartin&password=wrong",
                    "1device=SEP5475D0A32204&action=login&userid=nobody&password=x",
                    "1device=SEP001E7A345A01&action=login&userid=bkeller&password=Bk2024",
                    "1device=&action=login",
                    "1device=SEPZZ&action=frobnicate",
                    "0device=SEP5475D0A32204%26action%3Dlogout",
                ]),
            ),
            (
                s("seed-change-password"),
                lines(&[
                    "2device=SEP5475D0A32204",
                    "2device=SEP5475D0A32204&old=Gl1007&new=S3cret&confirm=S3cret",
                    "2device=SEP5475D0A32204&old=x&new=a&confirm=b",
                ]),
            ),
            (
                s("seed-authenticate"),
                lines(&[
                    "3UserID=amartin&Password=Am4rtin9&devicename=SEP0022905B11C2",
                    "3UserID=amartin",
                    "4UserID=bkeller&Password=Bk2024",
                ]),
            ),
            (
                s("seed-api"),
                lines(&[
                    "5xml=%3Crequest%3E%3CappInfo%3E%3CappID%3Eemapp%3C%2FappID%3E%3CappCertificate%3Ecisco123%3C%2FappCertificate%3E%3C%2FappInfo%3E%3Clogin%3E%3CdeviceName%3ESEP0024C4A17E03%3C%2FdeviceName%3E%3CuserID%3Ecdubois%3C%2FuserID%3E%3C%2Flogin%3E%3C%2Frequest%3E",
                    "5xml=<query><appInfo><appID>emapp</appID><appCertificate>cisco123</appCertificate></appInfo><deviceUserQuery><deviceName>SEP0024C4A17E03</deviceName></deviceUserQuery></query>",
                    "5xml=<request><appInfo><appID>emapp</appID><appCertificate>bad</appCertificate></appInfo></request>",
                ]),
            ),
            (
                s("seed-directory-and-unknown"),
                lines(&["6", "7favicon.ico", "9"]),
            ),
        ]
    }

    /// libFuzzer dictionaries: every keyword of the grammar for the command line and the
    /// startup-config, the SIP words for the SIP message and digest parsers.
    fn dicts() -> Vec<(&'static str, String)> {
        let g = Grammar::embedded();
        let mut words = BTreeSet::new();
        for c in &g.cmds {
            for t in &c.tokens {
                if let Some(k) = t.kind.keyword() {
                    words.insert(k.to_string());
                }
            }
        }
        let quote = |w: &str| {
            let mut q = String::from("\"");
            for b in w.bytes() {
                match b {
                    b'"' | b'\\' => q.push_str(&format!("\\x{b:02X}")),
                    0x20..=0x7e => q.push(char::from(b)),
                    _ => q.push_str(&format!("\\x{b:02X}")),
                }
            }
            q.push('"');
            q
        };
        let cli: String = words.iter().map(|w| quote(w) + "\n").collect();
        let sip: String = [
            "SIP/2.0",
            "INVITE",
            "REGISTER",
            "ACK",
            "BYE",
            "CANCEL",
            "OPTIONS",
            "NOTIFY",
            "SUBSCRIBE",
            "Via:",
            "v:",
            "From:",
            "f:",
            "To:",
            "t:",
            "Call-ID:",
            "i:",
            "CSeq:",
            "Contact:",
            "m:",
            "Content-Length:",
            "l:",
            "Content-Type:",
            "c:",
            "Expires:",
            "Record-Route:",
            "Route:",
            "Event:",
            "Authorization:",
            "WWW-Authenticate:",
            "sip:",
            "sips:",
            ";tag=",
            ";branch=z9hG4bK",
            ";rport",
            ";received=",
            ";expires=",
            ";lr",
            "<",
            ">",
            "\r\n",
            "\r\n\r\n",
            "Digest ",
            "username=",
            "realm=",
            "nonce=",
            "uri=",
            "response=",
            "algorithm=",
            "MD5",
            "SHA-256",
            "opaque=",
            "qop=",
            "auth",
            "cnonce=",
            "nc=",
            "stale=true",
        ]
        .iter()
        .map(|w| quote(w) + "\n")
        .collect();
        vec![
            ("cli_line", cli.clone()),
            ("config_load", cli),
            ("sip_msg", sip.clone()),
            ("sip_digest", sip),
        ]
    }

    #[test]
    #[ignore = "writes fuzz/corpus/*/seed-*; run by hand after changing the seeds"]
    fn regenerate_seeds() {
        type Make = fn() -> Seeds;
        let all: [(&str, Make); 11] = [
            ("sccp", sccp),
            ("tftp", tftp),
            ("tftp_transfer", tftp_transfer),
            ("sip_msg", sip_msg),
            ("sip_digest", sip_digest),
            ("sdp", sdp),
            ("mwi", mwi),
            ("cli_line", cli_line),
            ("config_load", config_load),
            ("em_api", em_api),
            ("em_pages", em_pages),
        ];
        for (target, make) in all {
            let d = super::dir("corpus", target);
            std::fs::create_dir_all(&d).unwrap();
            for old in super::inputs("corpus", target) {
                if old
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("seed-"))
                {
                    std::fs::remove_file(old).unwrap();
                }
            }
            for (name, bytes) in make() {
                std::fs::write(d.join(name), bytes).unwrap();
            }
        }
        let d = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/dict");
        std::fs::create_dir_all(&d).unwrap();
        for (target, text) in dicts() {
            std::fs::write(d.join(format!("{target}.dict")), text).unwrap();
        }
    }
}
