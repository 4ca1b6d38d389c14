//! SDP bodies as real clients send them (the forms of the SIP reference's §A.4 tests), our
//! answer policy, and our own bodies read back.

use super::*;

/// baresip 1.0.0's offer (PCMU only, as its test account is configured).
const BARESIP: &str = "v=0\r\no=- 1394536148 2064513590 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 10000 RTP/AVP 0 101\r\nb=AS:64\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=sendrecv\r\na=label:1\r\na=ssrc:1476187906 cname:sip:2001@127.0.0.1\r\na=rtcp-rsize\r\na=ptime:20\r\n";

/// linphone 5.1's offer: several codecs, dynamic types, session-level connection.
const LINPHONE: &str = "v=0\r\no=1003 3418 1072 IN IP4 127.0.0.1\r\ns=Talk\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\na=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\nm=audio 10200 RTP/AVP 96 97 98 0 8 18 101 99 100\r\na=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\na=rtpmap:97 speex/16000\r\na=rtpmap:98 speex/8000\r\na=rtpmap:101 telephone-event/48000\r\na=rtpmap:99 telephone-event/16000\r\na=rtpmap:100 telephone-event/8000\r\na=rtcp-fb:* trr-int 1000\r\na=rtcp-fb:* ccm tmmbr\r\n";

/// A Cisco phone putting the call on hold: no address, port 0, inactive.
const CISCO_HOLD: &str = "v=0\r\no=Cisco-SIPUA 19381 1 IN IP4 10.1.1.20\r\ns=SIP Call\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 0 RTP/AVP 0 8 18 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\na=inactive\r\na=X-cisco-media:umoh\r\n";

#[test]
fn baresip_offer_gives_address_codec_dtmf_and_ptime() {
    let m = parse(BARESIP.as_bytes()).unwrap();
    assert_eq!(m.rtp, "127.0.0.1:10000".parse().unwrap());
    assert_eq!(m.codecs, [(0, Codec::Pcmu)]);
    assert_eq!(m.telephone_event, Some(101));
    assert_eq!(m.ptime, Some(20));
    assert_eq!(m.direction, Direction::SendRecv);
    assert!(!m.on_hold());
}

#[test]
fn linphone_offer_keeps_only_codecs_we_know_and_the_8khz_telephone_event() {
    let m = parse(LINPHONE.as_bytes()).unwrap();
    assert_eq!(m.rtp, "127.0.0.1:10200".parse().unwrap());
    // opus and speex are not passed on; static types without rtpmap come from RFC 3551.
    assert_eq!(
        m.codecs,
        [(0, Codec::Pcmu), (8, Codec::Pcma), (18, Codec::G729)]
    );
    assert_eq!(m.telephone_event, Some(100));
    assert_eq!(m.ptime, None);
}

#[test]
fn cisco_hold_is_seen_as_hold() {
    let m = parse(CISCO_HOLD.as_bytes()).unwrap();
    assert_eq!(m.direction, Direction::Inactive);
    assert!(m.on_hold());
    assert_eq!(m.codecs.len(), 3);
}

#[test]
fn an_answer_keeps_the_offerers_order_and_payload_types_and_reverses_direction() {
    let mut offer = parse(LINPHONE.as_bytes()).unwrap();
    offer.direction = Direction::SendOnly;
    let at = "10.0.0.7:20000".parse().unwrap();
    let a = answer(&offer, &[Codec::G729, Codec::Pcmu], at, true).unwrap();
    assert_eq!(a.codecs, [(0, Codec::Pcmu), (18, Codec::G729)]);
    assert_eq!(a.telephone_event, Some(100));
    assert_eq!(a.direction, Direction::RecvOnly);
    assert_eq!(a.rtp, at);
    let no_dtmf = answer(&offer, &[Codec::Pcmu], at, false).unwrap();
    assert_eq!(no_dtmf.telephone_event, None);
    assert_eq!(
        answer(&offer, &[Codec::G722], at, true),
        Err(SdpError::NoCommonCodec)
    );
}

#[test]
fn our_offer_reads_back_the_same() {
    let rtp = "192.168.10.5:16384".parse().unwrap();
    let o = offer(rtp, &[Codec::Pcmu, Codec::Pcma], true, Direction::SendRecv);
    let body = write(SessionId { id: 7, version: 2 }, &o);
    let text = String::from_utf8(body.clone()).unwrap();
    assert!(
        text.starts_with("v=0\r\no=cmed 7 2 IN IP4 192.168.10.5\r\ns=cmed\r\n"),
        "{text}"
    );
    assert!(text.contains("m=audio 16384 RTP/AVP 0 8 101\r\n"), "{text}");
    assert!(text.contains("a=fmtp:101 0-15\r\n"), "{text}");
    assert_eq!(parse(&body).unwrap(), o);
}

#[test]
fn bodies_without_usable_audio_are_typed_errors() {
    assert!(matches!(parse(b"not sdp"), Err(SdpError::Malformed(_))));
    let video = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=video 5000 RTP/AVP 96\r\n";
    assert_eq!(parse(video.as_bytes()), Err(SdpError::NoAudio));
    let no_c = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";
    assert_eq!(parse(no_c.as_bytes()), Err(SdpError::NoAddress));
    let fqdn = "v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 host.example\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n";
    assert_eq!(parse(fqdn.as_bytes()), Err(SdpError::NoAddress));
}
