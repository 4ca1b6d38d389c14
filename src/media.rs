//! What a call's legs agree on about media, in no protocol's words: the codecs cmed knows,
//! where a leg receives RTP, and which way media flows. The SIP side turns these into and
//! out of SDP (`proto::sip::sdp`), the SCCP side into OpenReceiveChannel /
//! StartMediaTransmission, and the calls engine chooses between them. cmed carries only
//! the addresses: media flows phone to phone.
//!
//! A leaf: it imports nothing of the crate.

use std::net::SocketAddr;

/// An audio codec both Cisco phones and SIP clients speak, with its static RTP payload type
/// (RFC 3551 §6) and its name in IOS `codec` commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Codec {
    /// G.711 µ-law, `g711ulaw`, PT 0 (`PCMU`).
    Pcmu,
    /// G.711 A-law, `g711alaw`, PT 8 (`PCMA`).
    Pcma,
    /// G.722 at 64 kbit/s, `g722-64`, PT 9 (RTP clock 8000 by RFC 3551's erratum).
    G722,
    /// G.729 (and Annex A), `g729r8`, PT 18.
    G729,
}

impl Codec {
    /// Every codec, in cmed's order of preference when it makes an offer: G.711 first,
    /// as CME does by default.
    pub const ALL: [Codec; 4] = [Codec::Pcmu, Codec::Pcma, Codec::G722, Codec::G729];

    /// The static RTP payload type.
    pub fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
            Codec::G722 => 9,
            Codec::G729 => 18,
        }
    }

    /// The encoding name of its `a=rtpmap` (RFC 3551 §6).
    pub fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
            Codec::G722 => "G722",
            Codec::G729 => "G729",
        }
    }

    /// The codec with this static payload type, if cmed knows it.
    pub fn from_payload_type(pt: u8) -> Option<Codec> {
        Codec::ALL.into_iter().find(|c| c.payload_type() == pt)
    }

    /// The codec an `a=rtpmap` encoding name names (case-insensitive, RFC 4566 §6), at its
    /// RTP clock rate of 8000.
    pub fn from_encoding(name: &str, clock_rate: u32) -> Option<Codec> {
        (clock_rate == 8000)
            .then(|| {
                Codec::ALL
                    .into_iter()
                    .find(|c| c.encoding_name().eq_ignore_ascii_case(name))
            })
            .flatten()
    }

    /// Its IOS `codec` keyword, as the show commands print it.
    pub fn ios(self) -> &'static str {
        match self {
            Codec::Pcmu => "g711ulaw",
            Codec::Pcma => "g711alaw",
            Codec::G722 => "g722-64",
            Codec::G729 => "g729r8",
        }
    }

    /// The codec of an IOS `codec` keyword (`dial-peer`, `voice register pool`).
    pub fn from_ios(keyword: &str) -> Option<Codec> {
        Some(match keyword {
            "g711ulaw" => Codec::Pcmu,
            "g711alaw" => Codec::Pcma,
            "g722-64" => Codec::G722,
            "g729r8" | "g729br8" => Codec::G729,
            _ => return None,
        })
    }
}

/// Which way media flows, from the point of view of the side that describes it (RFC 3264
/// §5.1, §6.1: an answer reverses `sendonly` and `recvonly`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Direction {
    /// Both ways.
    #[default]
    SendRecv,
    /// This side only sends (the other is on hold, or hears music).
    SendOnly,
    /// This side only receives.
    RecvOnly,
    /// Neither way (held both ways).
    Inactive,
}

impl Direction {
    /// The direction an answerer takes to this offered one (RFC 3264 §6.1).
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            d => d,
        }
    }

    /// Whether the side describing it sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether the side describing it receives media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }
}

/// One side's audio: where it receives RTP, the codecs it takes (in its order of
/// preference, with the payload types it numbers them by), RFC 4733 `telephone-event`, the
/// packet time and the direction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Media {
    /// Where this side receives RTP; IP `0.0.0.0` is the old-style hold of RFC 2543
    /// (RFC 3264 §8.4), which [`Media::on_hold`] reports.
    pub rtp: SocketAddr,
    /// Codecs, most preferred first, each with its payload type in this description.
    pub codecs: Vec<(u8, Codec)>,
    /// The dynamic payload type of `telephone-event`, when offered.
    pub telephone_event: Option<u8>,
    /// `a=ptime` in milliseconds, when given (SCCP's packetization, 20 ms by default).
    pub ptime: Option<u32>,
    /// Which way media flows.
    pub direction: Direction,
}

impl Media {
    /// Whether this side holds the call: it receives nothing, or it names no address or
    /// port (RFC 3264 §8.4 and the port 0 Cisco phones send with `a=inactive`).
    pub fn on_hold(&self) -> bool {
        !self.direction.receives() || self.rtp.ip().is_unspecified() || self.rtp.port() == 0
    }

    /// The preferred codec both this side and `supported` have, with this side's payload
    /// type for it.
    pub fn first_common(&self, supported: &[Codec]) -> Option<(u8, Codec)> {
        self.codecs
            .iter()
            .copied()
            .find(|(_, c)| supported.contains(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codecs_map_both_ways_between_payload_types_names_and_ios_keywords() {
        for c in Codec::ALL {
            assert_eq!(Codec::from_payload_type(c.payload_type()), Some(c));
            assert_eq!(Codec::from_encoding(c.encoding_name(), 8000), Some(c));
        }
        assert_eq!(Codec::from_encoding("pcmu", 8000), Some(Codec::Pcmu));
        assert_eq!(Codec::from_encoding("PCMU", 16000), None);
        assert_eq!(Codec::from_ios("g729r8"), Some(Codec::G729));
        assert_eq!(Codec::from_ios("opus"), None);
    }

    #[test]
    fn an_answer_reverses_one_way_directions_and_hold_is_seen_either_way() {
        assert_eq!(Direction::SendOnly.answer(), Direction::RecvOnly);
        assert_eq!(Direction::Inactive.answer(), Direction::Inactive);
        let mut m = Media {
            rtp: "10.0.0.5:16384".parse().unwrap(),
            codecs: vec![(0, Codec::Pcmu)],
            telephone_event: None,
            ptime: None,
            direction: Direction::SendRecv,
        };
        assert!(!m.on_hold());
        m.direction = Direction::SendOnly;
        assert!(m.on_hold());
        m.direction = Direction::SendRecv;
        m.rtp = "0.0.0.0:16384".parse().unwrap();
        assert!(m.on_hold());
    }
}
