//! The model of `dial-peer voice N voip` (calls reference §2): what `config::build` makes
//! of its lines and the dial plan (`engine::routing`) reads. Part of [`crate::config::model`],
//! which re-exports it; a file of its own to keep the model's file short.

use std::net::Ipv4Addr;

use crate::config::pattern::Pattern;

/// `dial-peer voice N voip`: a route to a SIP server for the numbers its pattern matches
/// (calls reference §2). The dial plan (`engine::routing`) reads the pattern, preference,
/// huntstop and target; the calls its codec (a trunk leg's codec) and incoming
/// called-number (the inbound peer of a call from its target); DTMF relay and VAD change
/// nothing yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DialPeer {
    /// `description`.
    pub description: Option<String>,
    /// `destination-pattern`: the called numbers this peer takes outbound.
    pub pattern: Option<Pattern>,
    /// `session protocol sipv2`. Without it an IOS VoIP peer speaks H.323, which cmed does
    /// not: such a peer is never chosen.
    pub sipv2: bool,
    /// `session target ipv4:A[:P]` (port default 5060).
    pub target: Option<(Ipv4Addr, u16)>,
    /// `session target sip-server`: the `sip-server` of `sip-ua` (not read by cmed yet).
    pub sip_server: bool,
    /// `preference`, 0 (tried first, the default) to 10 (§2.4).
    pub preference: u8,
    /// `huntstop`: no further peer is tried after this one (§2.4).
    pub huntstop: bool,
    /// `codec`, default g711ulaw.
    pub codec: Codec,
    /// `codec … bytes N`.
    pub codec_bytes: Option<u16>,
    /// `dtmf-relay`: the methods in the order given (none: DTMF stays in the audio).
    pub dtmf_relay: Vec<DtmfRelay>,
    /// `incoming called-number`: what an inbound call's called number must match for the
    /// call to match this peer (§2.3).
    pub incoming_called: Option<Pattern>,
    /// `vad` (on by default), `vad aggressive`, `no vad`.
    pub vad: Vad,
    /// `mailbox-selection orig-called-num`: a forwarded call's Diversion names the number
    /// first called, not the last that forwarded it (calls reference §4.3; the voicemail
    /// server picks the mailbox by it).
    pub orig_called_mailbox: bool,
}

impl Default for DialPeer {
    fn default() -> Self {
        DialPeer {
            description: None,
            pattern: None,
            sipv2: false,
            target: None,
            sip_server: false,
            preference: 0,
            huntstop: false,
            codec: Codec::G711Ulaw,
            codec_bytes: None,
            dtmf_relay: Vec::new(),
            incoming_called: None,
            vad: Vad::On,
            orig_called_mailbox: false,
        }
    }
}

/// An enum spelled in the configuration by exactly these keywords.
macro_rules! keywords {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $kw:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $(
            #[doc = concat!("`", $kw, "`")]
            $variant,
        )* }

        impl $name {
            /// The configuration keyword.
            pub fn keyword(self) -> &'static str {
                match self { $($name::$variant => $kw,)* }
            }

            /// The value spelled `kw`, if any.
            pub fn from_keyword(kw: &str) -> Option<$name> {
                match kw { $($kw => Some($name::$variant),)* _ => None }
            }
        }
    };
}

keywords! {
    /// A dial-peer's `codec` (the keywords `grammar/dial-peer.cli` accepts).
    Codec {
        G711Ulaw = "g711ulaw",
        G711Alaw = "g711alaw",
        G722 = "g722-64",
        G729r8 = "g729r8",
        G729br8 = "g729br8",
        G726r16 = "g726r16",
        G726r24 = "g726r24",
        G726r32 = "g726r32",
        G723r53 = "g723r53",
        G723r63 = "g723r63",
        Ilbc = "ilbc",
        Isac = "isac",
        Opus = "opus",
        AacLd = "aacld",
        Transparent = "transparent",
    }
}

keywords! {
    /// A `dtmf-relay` method.
    DtmfRelay {
        RtpNte = "rtp-nte",
        SipNotify = "sip-notify",
        SipKpml = "sip-kpml",
        SipInfo = "sip-info",
        H245Alphanumeric = "h245-alphanumeric",
        H245Signal = "h245-signal",
        CiscoRtp = "cisco-rtp",
    }
}

/// Voice activity detection on a dial-peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Vad {
    /// `vad` (the default).
    #[default]
    On,
    /// `vad aggressive`.
    Aggressive,
    /// `no vad`.
    Off,
}
