//! The calls in progress, in CME's layouts (calls reference §5.3): `show call active voice
//! brief` — the legend, the counters by leg kind, then each leg: `<ID> : <CallID>
//! <start>ms.<index> +<connect> pid:<peer> <dir> <number> <state>`, its duration and packet
//! counters, and the address its phone receives RTP at with the codec; `… compact` — one
//! line per leg (`<callID> A/O FAX T<sec> Codec type Peer Address IP R<ip>:<udp>`); `show
//! sip-ua calls` — the SIP legs (a SIP phone's or a trunk's), UAC (cmed called) then UAS
//! (it called cmed), each with its state word, numbers, far end and media stream.
//!
//! `show sip-ua calls` here is built from the engine's calls: the SIP Call-IDs live in the
//! SIP adapter and are not shown, and the stream's addresses are where each side receives
//! (media flows phone to phone, never through cmed).
//!
//! Ours where CME's meaning does not carry over: cmed carries no media, so the packet and
//! quality counters are 0; leg ids are numbered from the call id (2n-1 the caller's leg,
//! `Answer`, 2n the callee's, `Originate`), start times are milliseconds since the daemon
//! started, and `pid` is the automatic dial-peer of the leg's number (0 when it has none),
//! or a trunk leg's dial-peer.

use std::fmt::Write as _;

use crate::config::model::NumberOwner;
use crate::engine::View;
use crate::engine::calls::{Call, End, State};
use crate::engine::routing;
use crate::ids::Extension;
use crate::time::Mono;

const LEGEND: &str = "<ID>: <CallID> <start>ms.<index> +<connect> pid:<peer_id> <dir> <addr> <state>\n  \
dur hh:mm:ss tx:<packets>/<bytes> rx:<packets>/<bytes>\n  \
IP <ip>:<udp> rtt:<time>ms pl:<play>/<gap>ms lost:<lost>/<early>/<late>\n    \
delay:<last>/<min>/<max>ms <codec>\n\n";

fn millis(m: Mono) -> u128 {
    m.0.as_millis()
}

fn hms(secs: u64) -> String {
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// The number a leg shows and its dial-peer: a line's number and automatic peer, a trunk
/// leg's party (the caller of a call in, the number dialled out) and dial-peer.
fn number_and_peer(view: &View<'_>, end: &End) -> (String, u32) {
    let (device, line) = match end {
        End::Line { device, line, .. } => (device, line),
        End::Trunk(t) => {
            return view.calls.trunk(*t).map_or((String::new(), 0), |t| {
                (t.party.number.to_string(), t.peer.0)
            });
        }
    };
    let number = view
        .devices
        .get(device)
        .and_then(|d| d.layout.lines.get(line.0.checked_sub(1)? as usize))
        .map(|l| l.number.to_string())
        .unwrap_or_default();
    let peer = match view.model.numbers.get(&Extension(number.clone())) {
        Some(owner @ (NumberOwner::Ephone(_) | NumberOwner::Register(_))) => {
            routing::automatic_peer(*owner)
        }
        None => 0,
    };
    (number, peer)
}

fn leg(out: &mut String, view: &View<'_>, id: u64, call: &Call, callee: bool) {
    let end = if callee { call.callee } else { call.caller };
    let (number, peer) = number_and_peer(view, &end);
    let connect = call.connected.map_or("-1".to_string(), |c| {
        (millis(c).saturating_sub(millis(call.started))).to_string()
    });
    let state = match call.state {
        State::Alerting => "alerting",
        State::Connected if call.held_by.is_some() => "hold",
        State::Connected => "connected",
    };
    let (leg_id, dir) = if callee {
        (id * 2, "Originate")
    } else {
        (id * 2 - 1, "Answer")
    };
    let _ = writeln!(
        out,
        "{leg_id:X} : {id} {}ms.{} +{connect} pid:{peer} {dir} {number} {state}",
        millis(call.started),
        u8::from(callee) + 1
    );
    let dur = call
        .connected
        .map_or(0, |c| view.mono.0.saturating_sub(c.0).as_secs());
    let _ = writeln!(out, " dur {} tx:0/0 rx:0/0", hms(dur));
    let media = call.media[usize::from(callee)].map_or("0.0.0.0:0".to_string(), |a| a.to_string());
    let _ = writeln!(
        out,
        " IP {media} SRTP: off rtt:0ms pl:0/0ms lost:0/0/0 delay:0/0/0ms {} TextRelay: off",
        call.codec.ios()
    );
}

/// `show call active voice brief`.
pub fn brief(view: &View<'_>) -> String {
    let calls: Vec<_> = view.calls.iter().collect();
    let legs = calls.len() * 2;
    // A leg is SCCP when its phone is on an SCCP connection, else SIP (a SIP phone, a trunk).
    let sccp = calls
        .iter()
        .flat_map(|(_, c)| [c.caller, c.callee])
        .filter(|e| {
            e.device()
                .and_then(|d| view.devices.get(&d))
                .is_some_and(|d| d.conn().is_some())
        })
        .count();
    let sip = legs - sccp;
    let mut out = String::from(LEGEND);
    let _ = write!(
        out,
        "Telephony call-legs: 0\nSIP call-legs: {sip}\nH323 call-legs: 0\n\
Call agent controlled call-legs: 0\nSCCP call-legs: {sccp}\nMulticast call-legs: 0\n\
Total call-legs: {legs}\n"
    );
    for (id, call) in calls {
        leg(&mut out, view, id.0, call, false);
        leg(&mut out, view, id.0, call, true);
    }
    out
}

/// Whether `end` is a SIP leg: a trunk, or a phone that is not on an SCCP connection.
fn is_sip(view: &View<'_>, end: &End) -> bool {
    match end.device() {
        None => true,
        Some(d) => view.devices.get(&d).is_none_or(|x| x.conn().is_none()),
    }
}

/// `show call active voice compact`.
pub fn compact(view: &View<'_>) -> String {
    let calls: Vec<_> = view.calls.iter().collect();
    let mut out = String::from(
        " <callID>  A/O FAX T<sec> Codec       type        Peer Address       IP R<ip>:<udp>\n",
    );
    let _ = writeln!(out, "Total call-legs: {}", calls.len() * 2);
    for (id, call) in calls {
        let secs = view.mono.0.saturating_sub(call.started.0).as_secs();
        for callee in [false, true] {
            let end = if callee { call.callee } else { call.caller };
            let (number, _) = number_and_peer(view, &end);
            let kind = if is_sip(view, &end) { "VOIP" } else { "TELE" };
            let media =
                call.media[usize::from(callee)].map_or("0.0.0.0:0".to_string(), |a| a.to_string());
            let _ = writeln!(
                out,
                "{:>10} {}     T{:<6} {:<11} {:<11} P{:<17} {media}",
                id.0 * 2 - u64::from(!callee),
                if callee { "ORG" } else { "ANS" },
                secs,
                call.codec.ios(),
                kind,
                number
            );
        }
    }
    out
}

/// `show sip-ua calls`.
pub fn sip_ua(view: &View<'_>) -> String {
    // (call, is the callee's leg): cmed is the UAC of a callee's leg, the UAS of a caller's.
    let mut uac = Vec::new();
    let mut uas = Vec::new();
    for (id, call) in view.calls.iter() {
        if is_sip(view, &call.caller) {
            uas.push((id, call, false));
        }
        if is_sip(view, &call.callee) {
            uac.push((id, call, true));
        }
    }
    let mut out = format!(
        "Total SIP call legs:{}, User Agent Client:{}, User Agent Server:{}\n",
        uac.len() + uas.len(),
        uac.len(),
        uas.len()
    );
    for (title, legs) in [("SIP UAC CALL INFO", &uac), ("SIP UAS CALL INFO", &uas)] {
        out.push_str(title);
        out.push('\n');
        for (n, (id, call, callee)) in legs.iter().enumerate() {
            let end = if *callee { call.callee } else { call.caller };
            let state = match (call.state, callee) {
                (State::Connected, _) => "STATE_ACTIVE (7)",
                (State::Alerting, true) => "STATE_SENT_INVITE (3)",
                (State::Alerting, false) => "STATE_SENT_ALERTING (14)",
            };
            let (calling, called) = {
                let (a, _) = number_and_peer(view, &call.caller);
                let (b, _) = number_and_peer(view, &call.callee);
                (a, b)
            };
            let far = match end {
                End::Trunk(t) => view.calls.trunk(t).map(|t| t.addr.to_string()),
                End::Line { device, .. } => view
                    .devices
                    .get(&device)
                    .and_then(|d| d.sip())
                    .map(|b| b.flow.peer.to_string()),
            }
            .unwrap_or_default();
            // This leg's far end receives the stream; the other side of the call sends it.
            let dest = call.media[usize::from(*callee)];
            let source = call.media[usize::from(!*callee)];
            let stream = if call.state == State::Connected && call.held_by.is_none() {
                "STREAM_ACTIVE"
            } else if call.state == State::Connected {
                "STREAM_INACTIVE"
            } else {
                "STREAM_ADDING"
            };
            let addr =
                |a: Option<std::net::SocketAddr>| a.map_or("0.0.0.0:0".into(), |a| a.to_string());
            let _ = write!(
                out,
                "Call {}\n   State of the call       : {state}\n   Calling Number          : {calling}\n\
   Called Number           : {called}\n   CC Call ID              : {}\n\
   Destn SIP Req Addr:Port : {far}\n   Number of Media Streams : 1\n   Media Stream 1\n\
     State of the stream      : {stream}\n     Negotiated Codec         : {}\n\
     Codec Payload Type       : {}\n     Media Source IP Addr:Port: {}\n\
     Media Dest IP Addr:Port  : {}\n",
                n + 1,
                id.0,
                call.codec.ios(),
                call.codec.payload_type(),
                addr(source),
                addr(dest),
            );
        }
    }
    out
}
