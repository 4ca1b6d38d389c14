//! `show dial-peer voice summary`, in the layout of the real IOS 12.4 CME capture (calls
//! reference §1.2): one row per dial-peer, by tag — the configured VoIP peers and the
//! automatic peers CME makes for directory numbers; and `show dial-peer voice N`, one
//! configured VoIP peer in IOS's `VoiceOverIpPeerN` block of `name = value` fields (the
//! fields cmed has, in IOS's words and order; IOS prints many more, which cmed does not
//! model — the reference has no capture of this block, so its exact layout is [U]).
//!
//! - An ephone-dn's number is a POTS peer `20000 + DN tag` with the pattern `NUMBER$`, its
//!   `preference` and its virtual voice port `50/0/TAG` (the capture's 20003 → `50/0/10`
//!   shows the port follows the DN tag). [U] A secondary number is a second row with the same
//!   tag: CME gives it a peer of its own, whose tag the reference does not show.
//! - A `voice register dn` is a VoIP peer `40000 + DN tag` only while a registered SIP phone
//!   carries it (CME creates it at registration, §1.1), with that phone's contact as the
//!   session target; [U] one row per phone when several share it. The numbering is
//!   `engine::routing::automatic_peer`, the same `show sip-ua status registrar` prints.
//! - OPER follows IOS's rule (§2.4): up with a `destination-pattern` and a `session target`,
//!   or an `incoming called-number`. The dial plan also wants `session protocol sipv2`.
//!
//! The first header line is the capture's with its leading blanks restored: there `AD`, `PRE`,
//! `PASS` and `OUT` sit 13 columns left of the words they head (`MIN`, `FER`, `THRU`,
//! `STAT`), so the capture lost them.

use std::fmt::Write as _;

use crate::config::model::{DialPeer, Model, NumberOwner};
use crate::engine::View;
use crate::engine::devices::Devices;
use crate::engine::routing::{Carriers, automatic_peer};
use crate::ids::DialPeerTag;

/// One row.
struct Row {
    tag: u32,
    kind: &'static str,
    oper: bool,
    pattern: String,
    preference: u8,
    pass_through: &'static str,
    target: String,
    port: String,
}

/// `show dial-peer voice summary`.
pub fn summary(view: &View<'_>) -> String {
    let (model, devices) = (&**view.model, view.devices);
    let mut rows = voip_rows(model);
    rows.extend(pots_rows(model));
    rows.extend(sip_rows(
        model,
        devices,
        &Carriers::new(model, devices, &view.em.logins),
    ));
    // By tag, as IOS lists them; a stable sort keeps a DN's primary number first.
    rows.sort_by_key(|r| r.tag);
    let mut out = String::from("dial-peer hunt 0\n");
    let _ = writeln!(out, "{:13}AD{:36}PRE PASS{:16}OUT", "", "", "");
    out.push_str(
        "TAG    TYPE  MIN  OPER PREFIX    DEST-PATTERN      FER THRU SESS-TARGET    STAT PORT\n",
    );
    for r in rows {
        let line = format!(
            "{:<6} {:<5} {:<4} {:<4} {:<9} {:<17} {:>2}  {:<4} {:<14} {:<4} {}",
            r.tag,
            r.kind,
            "up",
            if r.oper { "up" } else { "down" },
            "",
            r.pattern,
            r.preference,
            r.pass_through,
            r.target,
            "",
            r.port
        );
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out
}

/// `show dial-peer voice N`: a configured VoIP peer (an automatic DN peer is shown by the
/// summary only), else IOS's message for a tag that has none.
pub fn one(model: &Model, tag: u32) -> String {
    let Some(d) = model.dial_peers.get(&DialPeerTag(tag)) else {
        return format!("%Dial-peer {tag} does not exist\n");
    };
    let quoted = |v: Option<&str>| format!("`{}'", v.unwrap_or(""));
    let oper = (d.pattern.is_some() && has_target(d)) || d.incoming_called.is_some();
    let dtmf: Vec<&str> = d.dtmf_relay.iter().map(|r| r.keyword()).collect();
    let vad = match d.vad {
        crate::config::model::Vad::On => "enabled",
        crate::config::model::Vad::Aggressive => "enabled (aggressive)",
        crate::config::model::Vad::Off => "disabled",
    };
    let fields = [
        "peer type = voice, system default peer = FALSE, information type = voice,".to_string(),
        format!("description = {},", quoted(d.description.as_deref())),
        format!(
            "tag = {tag}, destination-pattern = {},",
            quoted(d.pattern.as_ref().map(|p| p.as_str()))
        ),
        format!(
            "incoming called-number = {},",
            quoted(d.incoming_called.as_ref().map(|p| p.as_str()))
        ),
        format!(
            "preference={}, huntstop = {},",
            d.preference,
            if d.huntstop { "enabled" } else { "disabled" }
        ),
        format!(
            "Admin state is up, Operation state is {},",
            if oper { "up" } else { "down" }
        ),
        format!(
            "session-target = {}, session-protocol = {},",
            quoted(Some(&target(d))),
            if d.sipv2 { "sipv2" } else { "cisco" }
        ),
        format!(
            "dtmf-relay = {},",
            if dtmf.is_empty() {
                "inband-voice".to_string()
            } else {
                dtmf.join(" ")
            }
        ),
        format!(
            "codec = {}, payload size = {} bytes,",
            d.codec.keyword(),
            d.codec_bytes.unwrap_or(160)
        ),
        format!("VAD = {vad},"),
    ];
    // IOS indents the fields under the peer's name.
    let mut out = format!("VoiceOverIpPeer{tag}\n");
    for f in fields {
        let _ = writeln!(out, "        {f}");
    }
    out
}

fn voip_rows(model: &Model) -> Vec<Row> {
    model
        .dial_peers
        .iter()
        .map(|(tag, d)| Row {
            tag: tag.0,
            kind: "voip",
            oper: (d.pattern.is_some() && has_target(d)) || d.incoming_called.is_some(),
            pattern: d.pattern.as_ref().map_or("", |p| p.as_str()).to_string(),
            preference: d.preference,
            pass_through: "syst",
            target: target(d),
            port: String::new(),
        })
        .collect()
}

fn has_target(d: &DialPeer) -> bool {
    d.target.is_some() || d.sip_server
}

/// `ipv4:A` (the port only when it is not 5060, as IOS prints what was typed), or
/// `sip-server`.
fn target(d: &DialPeer) -> String {
    match d.target {
        Some((ip, 5060)) => format!("ipv4:{ip}"),
        Some((ip, port)) => format!("ipv4:{ip}:{port}"),
        None if d.sip_server => "sip-server".into(),
        None => String::new(),
    }
}

fn pots_rows(model: &Model) -> Vec<Row> {
    let mut rows = Vec::new();
    for (tag, dn) in &model.dns {
        let numbers = [
            (&dn.number, dn.preference),
            (&dn.secondary, dn.secondary_preference),
        ];
        for (number, preference) in numbers {
            let Some(n) = number else { continue };
            rows.push(Row {
                tag: automatic_peer(NumberOwner::Ephone(*tag)),
                kind: "pots",
                oper: true,
                pattern: format!("{n}$"),
                preference,
                pass_through: "",
                target: String::new(),
                port: format!("50/0/{tag}"),
            });
        }
    }
    rows
}

fn sip_rows(model: &Model, devices: &Devices, carriers: &Carriers) -> Vec<Row> {
    let mut rows = Vec::new();
    for (tag, dn) in &model.reg_dns {
        let Some(n) = &dn.number else { continue };
        let owner = NumberOwner::Register(*tag);
        for line in carriers.of(owner) {
            let Some(b) = devices.get(&line.device).and_then(|d| d.sip()) else {
                continue;
            };
            rows.push(Row {
                tag: automatic_peer(owner),
                kind: "voip",
                oper: true,
                pattern: format!("{n}$"),
                preference: dn.preference,
                pass_through: "syst",
                target: format!("ipv4:{}", super::sip::contact_address(&b.contact)),
                port: String::new(),
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load;
    use crate::engine::devices::SipBinding;
    use crate::engine::em::Em;
    use crate::engine::input::Flow;
    use crate::engine::registrar::stats::Stats;
    use crate::grammar::graph::Grammar;
    use crate::ids::{DeviceName, PoolTag};
    use std::sync::Arc;

    #[test]
    fn the_layout_is_the_real_captures_and_sip_peers_appear_while_registered() {
        let l = load::load(
            &Grammar::embedded(),
            "telephony-service\n max-dn 10\nvoice register global\n max-dn 5\n max-pool 5\n\
             ephone-dn 1\n number 1001\nephone-dn 2\n number 1002 secondary 1802\n \
             preference 3\nephone-dn 10\n number 1000\n\
             voice register dn 1\n number 2001\n\
             voice register pool 1\n id mac 0000.0000.0001\n number 1 dn 1\n\
             dial-peer voice 13 voip\n destination-pattern [2-9]...\n session protocol sipv2\n \
             session target ipv4:192.168.0.21\n\
             dial-peer voice 14 voip\n destination-pattern 8000\n\
             dial-peer voice 15 voip\n incoming called-number 399[89]....\n",
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let model = Arc::new(l.model);
        let mut devices = Devices::default();
        let em = Em::default();
        let stats = Stats::default();
        let calls = crate::engine::calls::Calls::default();
        let mwi = crate::engine::mwi::Mwi::default();
        let view = |devices: &Devices| {
            summary(&View {
                model: &model,
                devices,
                em: &em,
                registrar: &stats,
                calls: &calls,
                mwi: &mwi,
                now: 0,
                mono: crate::time::Mono::default(),
                millis: 0,
            })
        };
        let head = "dial-peer hunt 0\n\
             \x20            AD                                    PRE PASS                OUT\n\
             TAG    TYPE  MIN  OPER PREFIX    DEST-PATTERN      FER THRU SESS-TARGET    STAT PORT\n\
             13     voip  up   up             [2-9]...           0  syst ipv4:192.168.0.21\n\
             14     voip  up   down           8000               0  syst\n\
             15     voip  up   up                                0  syst\n\
             20001  pots  up   up             1001$              0                           50/0/1\n\
             20002  pots  up   up             1002$              3                           50/0/2\n\
             20002  pots  up   up             1802$              9                           50/0/2\n\
             20010  pots  up   up             1000$              0                           50/0/10\n";
        assert_eq!(view(&devices), head);
        let device = DeviceName::parse("SEP000000000001").unwrap();
        let binding = SipBinding {
            flow: Flow {
                tcp: None,
                peer: "10.1.1.5:5062".parse().unwrap(),
            },
            contact: "sip:2001@10.1.1.5:5062;transport=udp".into(),
            call_id: "c".into(),
            expires_at: 3600,
        };
        devices.bind_sip(&model, &em.logins, device, PoolTag(1), binding, 0);
        assert_eq!(
            view(&devices),
            format!(
                "{head}40001  voip  up   up             2001$              0  syst ipv4:10.1.1.5:5062\n"
            )
        );
        devices.unbind_sip(&device);
        assert_eq!(view(&devices), head);
    }
}
