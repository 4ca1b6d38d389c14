//! SDP for the B2BUA (RFC 4566 for the format, RFC 3264 for offer and answer), behind our
//! facade over the `sdp-types` parser and writer: what a SIP leg's body says about its
//! audio, in the protocol-neutral terms of [`crate::media`], and the body we send.
//!
//! cmed never anchors media: an SDP body only carries where each phone receives RTP and
//! what it can decode. [`parse`] reads the first audio stream (its `c=` or the session's,
//! its payload types through `a=rtpmap` or the static table, `telephone-event`, `a=ptime`,
//! the direction attribute), [`answer`] applies our answer policy to an offer, and
//! [`write`] renders a description. Pure: bytes in, values out; a malformed body is an
//! [`SdpError`], never a panic.

use std::net::{IpAddr, SocketAddr};

use sdp_types::{Attribute, Connection, MediaType, Origin, Session, Time, TransportProto};

use crate::media::{Codec, Direction, Media};

/// Why a body gives us no usable audio description.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    /// Not SDP as RFC 4566 writes it.
    #[error("malformed SDP: {0}")]
    Malformed(String),
    /// No `m=audio` stream.
    #[error("no audio stream in the SDP")]
    NoAudio,
    /// The audio stream has no `c=` line, neither its own nor the session's, or an address
    /// that is not an IP address.
    #[error("no usable connection address for the audio stream")]
    NoAddress,
    /// None of the offered codecs is one we can pass on (488 Not Acceptable Here,
    /// RFC 3261 §21.4.26).
    #[error("no codec in common")]
    NoCommonCodec,
}

/// What identifies our descriptions across a dialog (RFC 4566 §5.2: the version grows with
/// each new offer or answer in the same session).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionId {
    /// `sess-id`, fixed for the leg.
    pub id: u64,
    /// `sess-version`, one more each time the description changes.
    pub version: u64,
}

/// The payload type we give `telephone-event` in our own offers (a common choice: 101).
pub const TELEPHONE_EVENT_PT: u8 = 101;

/// Reads the first audio stream of an SDP body.
pub fn parse(body: &[u8]) -> Result<Media, SdpError> {
    let s = Session::parse(body).map_err(|e| SdpError::Malformed(e.to_string()))?;
    let m = s
        .medias
        .iter()
        .find(|m| m.media.eq_ignore_ascii_case("audio"))
        .ok_or(SdpError::NoAudio)?;
    let conn = m
        .connections
        .first()
        .or(s.connection.as_ref())
        .ok_or(SdpError::NoAddress)?;
    let ip: IpAddr = conn.try_address().map_err(|_| SdpError::NoAddress)?.ip;
    let value = |name: &'static str| values(&m.attributes, name);
    let mut codecs = Vec::new();
    let mut telephone_event = None;
    for pt in m
        .fmt
        .split_whitespace()
        .filter_map(|p| p.parse::<u8>().ok())
    {
        // `a=rtpmap:<pt> <name>/<rate>[/<channels>]` (RFC 4566 §6).
        let map = value("rtpmap").find_map(|v| {
            let (p, rest) = v.split_once(' ')?;
            (p.parse::<u8>().ok()? == pt).then_some(rest)
        });
        match map.map(|r| r.split('/').collect::<Vec<_>>()) {
            Some(parts) if parts.len() >= 2 => {
                let rate = parts[1].trim().parse().unwrap_or(0);
                if parts[0].eq_ignore_ascii_case("telephone-event") && rate == 8000 {
                    telephone_event = Some(pt);
                } else if let Some(c) = Codec::from_encoding(parts[0].trim(), rate) {
                    codecs.push((pt, c));
                }
            }
            Some(_) => {}
            // No rtpmap: a static payload type (RFC 3551 §6).
            None => codecs.extend(Codec::from_payload_type(pt).map(|c| (pt, c))),
        }
    }
    let ptime = value("ptime").find_map(|v| v.trim().parse().ok());
    let direction = direction_of(&m.attributes)
        .or_else(|| direction_of(&s.attributes))
        .unwrap_or_default();
    Ok(Media {
        rtp: SocketAddr::new(ip, m.port),
        codecs,
        telephone_event,
        ptime,
        direction,
    })
}

/// The values of the attributes named `name`.
fn values<'a>(attributes: &'a [Attribute], name: &'static str) -> impl Iterator<Item = &'a str> {
    attributes
        .iter()
        .filter(move |a| a.attribute.eq_ignore_ascii_case(name))
        .filter_map(|a| a.value.as_deref())
}

fn direction_of(attributes: &[Attribute]) -> Option<Direction> {
    attributes.iter().find_map(|a| {
        Some(match a.attribute.to_ascii_lowercase().as_str() {
            "sendrecv" => Direction::SendRecv,
            "sendonly" => Direction::SendOnly,
            "recvonly" => Direction::RecvOnly,
            "inactive" => Direction::Inactive,
            _ => return None,
        })
    })
}

/// Our answer to `offer`, receiving at `rtp`: the offered codecs we can pass on, in the
/// offerer's order and with its payload types (RFC 3264 §6.1), `telephone-event` when
/// offered and `dtmf` is wanted, the offer's packet time, and the direction reversed.
pub fn answer(
    offer: &Media,
    supported: &[Codec],
    rtp: SocketAddr,
    dtmf: bool,
) -> Result<Media, SdpError> {
    let codecs: Vec<(u8, Codec)> = offer
        .codecs
        .iter()
        .copied()
        .filter(|(_, c)| supported.contains(c))
        .collect();
    if codecs.is_empty() {
        return Err(SdpError::NoCommonCodec);
    }
    Ok(Media {
        rtp,
        codecs,
        telephone_event: offer.telephone_event.filter(|_| dtmf),
        ptime: offer.ptime,
        direction: offer.direction.answer(),
    })
}

/// An offer of ours receiving at `rtp`: `codecs` in that order with their static payload
/// types, `telephone-event` as [`TELEPHONE_EVENT_PT`] when `dtmf`, 20 ms packets.
pub fn offer(rtp: SocketAddr, codecs: &[Codec], dtmf: bool, direction: Direction) -> Media {
    Media {
        rtp,
        codecs: codecs.iter().map(|c| (c.payload_type(), *c)).collect(),
        telephone_event: dtmf.then_some(TELEPHONE_EVENT_PT),
        ptime: Some(20),
        direction,
    }
}

/// The SDP body describing `m` (one audio stream), for session `id`.
pub fn write(id: SessionId, m: &Media) -> Vec<u8> {
    let ip = m.rtp.ip();
    let mut origin = Origin::with_ip_addr(id.id, id.version, ip);
    origin.set_username("cmed");
    let mut s = Session::new(origin, "cmed");
    s.connection = Some(Connection::from_ip_addr(ip));
    s.times.push(Time::new(0, 0));
    let mut fmt: Vec<String> = m.codecs.iter().map(|(pt, _)| pt.to_string()).collect();
    fmt.extend(m.telephone_event.map(|pt| pt.to_string()));
    let mut media = sdp_types::Media::new(
        MediaType::Audio,
        m.rtp.port(),
        TransportProto::RtpAvp,
        fmt.join(" "),
    );
    for (pt, c) in &m.codecs {
        media.add_attribute_with_value("rtpmap", format!("{pt} {}/8000", c.encoding_name()));
    }
    if let Some(pt) = m.telephone_event {
        media.add_attribute_with_value("rtpmap", format!("{pt} telephone-event/8000"));
        // The DTMF events 0–15 only (RFC 4733 §2.5.1.2's default): what the phones offer;
        // answering 0-16 named an event (flash) neither side had offered.
        media.add_attribute_with_value("fmtp", format!("{pt} 0-15"));
    }
    if let Some(p) = m.ptime {
        media.add_attribute_with_value("ptime", p);
    }
    media.add_attribute_from_str(match m.direction {
        Direction::SendRecv => "sendrecv",
        Direction::SendOnly => "sendonly",
        Direction::RecvOnly => "recvonly",
        Direction::Inactive => "inactive",
    });
    s.medias.push(media);
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = s.write(&mut out);
    out
}

#[cfg(test)]
mod tests;
