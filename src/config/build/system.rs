//! telephony-service, voice register global and dial-peers: system-wide settings.

use super::{Builder, Check, check_number, ipv4, minutes_of, num, secret, tag_of};
use crate::config::model::*;
use crate::config::tree::{Line, LineKey, Section};
use crate::grammar::handler::Handler;
use crate::ids::DialPeerTag;

impl Builder<'_> {
    pub(super) fn telephony(&mut self, path: &[LineKey], body: &Section) {
        self.m.telephony.present = true;
        let g = self.g;
        // Limits first: they bound the tags of everything built later.
        self.lines(path, body, |b, h, l| {
            let t = &mut b.m.telephony;
            match h {
                Handler::TelMaxEphones => t.max_ephones = num(l.get(g, "n")),
                Handler::TelTimeoutsInterdigit => t.interdigit = Some(num(l.get(g, "secs"))),
                Handler::TelMaxRedirect => t.max_redirect = Some(num(l.get(g, "n"))),
                Handler::TelTimeoutsRinging => t.ringing = Some(num(l.get(g, "secs"))),
                Handler::TelMaxDn => t.max_dn = num(l.get(g, "n")),
                Handler::TelIpSourceAddress => {
                    t.source = Some((
                        ipv4(l.get(g, "addr")),
                        l.get(g, "port").map_or(2000, |p| num(Some(p))),
                    ))
                }
                Handler::TelKeepalive => t.keepalive = num(l.get(g, "secs")),
                Handler::TelVoicemail => {
                    t.voicemail = Some(check_number(l.get(g, "number").unwrap_or(""))?.0)
                }
                Handler::TelUrl => {
                    let url = l.get(g, "url").map(String::from);
                    match l.get(g, "which") {
                        Some("services") => t.url_services = url,
                        Some("directories") => t.url_directories = url,
                        Some("idle") => t.url_idle = url,
                        _ => t.url_information = url,
                    }
                }
                Handler::TelUrlAuthentication => {
                    let app = match l.get(g, "app") {
                        Some(a) => Some((a.to_string(), secret(l, g)?)),
                        None => None,
                    };
                    if let Some((name, _)) = &app {
                        b.claim_user(name, "url authentication".into())?;
                    }
                    b.m.telephony.url_authentication =
                        Some((l.get(g, "url").unwrap_or("").into(), app));
                }
                Handler::TelAuthCredential => {
                    let app = l.get(g, "app").unwrap_or("").to_string();
                    if b.m
                        .telephony
                        .url_authentication
                        .as_ref()
                        .and_then(|u| u.1.as_ref())
                        .map(|a| &a.0)
                        != Some(&app)
                    {
                        b.claim_user(&app, "authentication credential".into())?;
                    }
                    b.m.telephony.credentials.insert(app, secret(l, g)?);
                }
                Handler::TelLoad => {
                    t.loads.insert(
                        l.get(g, "model").unwrap_or("").into(),
                        l.get(g, "file").unwrap_or("").into(),
                    );
                }
                Handler::TelEmLogout => {
                    t.em.logout_times = ["t1", "t2", "t3"]
                        .iter()
                        .filter_map(|n| l.get(g, n))
                        .map(|v| minutes_of(v) as u16)
                        .collect();
                }
                Handler::TelEmKeepHistory => t.em.keep_history = true,
                Handler::TelEmExternal => t.em.external = true,
                Handler::TelEmMultipleLogin => {
                    t.em.multiple_login = match l.get(g, "policy") {
                        Some("not-allowed") => MultipleLogin::NotAllowed,
                        Some("allowed") => MultipleLogin::Allowed,
                        _ => MultipleLogin::AutoLogout,
                    }
                }
                Handler::TelEmMaxLoginTime => {
                    let m = minutes_of(l.get(g, "limit").unwrap_or("0"));
                    if m == 0 {
                        return Err("% em max-login-time must be at least 0:01".into());
                    }
                    t.em.max_login_minutes = Some(m);
                }
                Handler::TelEmMaxConcurrent => t.em.max_concurrent = num(l.get(g, "n")),
                Handler::TelEmValidateIp => t.em.validate_ip = true,
                Handler::TelEmTrustedIp => {
                    t.em.trusted_ips = l.all(g, "addrs").map(|a| ipv4(Some(a))).collect()
                }
                Handler::TelEmRememberLastUser => t.em.remember_last_user = true,
                Handler::TelEmLoginType => {
                    t.em.login_type = if l.get(g, "type") == Some("dn") {
                        LoginType::Dn
                    } else {
                        LoginType::Uid
                    }
                }
                Handler::TelEmLockout => {
                    t.em.lockout = Some((num(l.get(g, "attempts")), num(l.get(g, "minutes"))))
                }
                Handler::TelCreateCnfFiles => t.create_cnf_files = true,
                Handler::TelDirectoryEntry => {
                    let number = check_number(l.get(g, "number").unwrap_or(""))?.0;
                    let name = l.get(g, "name").unwrap_or("").to_string();
                    t.directory.insert(num(l.get(g, "tag")), (number, name));
                }
                other => {
                    return Err(format!(
                        "% {} is not a telephony-service command",
                        other.id()
                    ));
                }
            }
            Ok(())
        });
    }

    /// `voice service voip`: of its settings `allow-connections sip to sip` and `sip` /
    /// `registrar server` have an effect.
    pub(super) fn voice_service(&mut self, path: &[LineKey], body: &Section) {
        let g = self.g;
        for (key, entry) in &body.entries {
            let handler = g.cmd(entry.line.cmd).handler;
            if handler == Handler::AllowConnections {
                let l = &entry.line;
                if l.get(g, "from") == Some("sip") && l.get(g, "to") == Some("sip") {
                    self.m.allow_sip_to_sip = true;
                }
                continue;
            }
            if handler == Handler::TrustedList {
                let mut sub = path.to_vec();
                sub.push(key.clone());
                let inner = entry.body.clone().unwrap_or_default();
                self.lines(&sub, &inner, |b, h, l| match h {
                    Handler::TrustedIpv4 => {
                        let addr = ipv4(l.get(g, "addr"));
                        let mask = l
                            .get(g, "mask")
                            .map_or(std::net::Ipv4Addr::BROADCAST, |m| ipv4(Some(m)));
                        b.m.trusted.push((addr, mask));
                        Ok(())
                    }
                    other => Err(format!(
                        "% {} is not an ip address trusted list command",
                        other.id()
                    )),
                });
                continue;
            }
            if handler != Handler::VoiceServiceSip {
                continue;
            }
            let mut sub = path.to_vec();
            sub.push(key.clone());
            let inner = entry.body.clone().unwrap_or_default();
            self.lines(&sub, &inner, |b, h, l| match h {
                Handler::SipRegistrarServer => {
                    let max = l.get(g, "max").map(|v| num(Some(v)));
                    let min = l.get(g, "min").map(|v| num(Some(v)));
                    b.m.registrar_expires = match (max, min) {
                        (Some(max), Some(min)) if min > max => {
                            return Err(format!(
                                "% registrar server expires min {min} is above max {max}"
                            ));
                        }
                        (Some(max), Some(min)) => Some((max, min)),
                        _ => None,
                    };
                    Ok(())
                }
                other => Err(format!(
                    "% {} is not a voice service sip command",
                    other.id()
                )),
            });
        }
    }

    /// `sip-ua`: of its settings only `mwi-server` has an effect (an IPv4 target: the
    /// address its NOTIFYs must come from).
    pub(super) fn sip_ua(&mut self, path: &[LineKey], body: &Section) {
        let g = self.g;
        self.lines(path, body, |b, h, l| match h {
            Handler::SipUaMwiServer => {
                let target = l.get(g, "target").unwrap_or("");
                let Some(addr) = target.strip_prefix("ipv4:") else {
                    return Err(format!(
                        "% cmed takes mwi-server ipv4:A.B.C.D[:port] only, not {target}"
                    ));
                };
                let (ip, port) = addr.split_once(':').unwrap_or((addr, "5060"));
                let ip = ip
                    .parse()
                    .map_err(|_| format!("% Invalid IPv4 address {ip}"))?;
                let port = l.get(g, "port").unwrap_or(port);
                b.m.mwi_server = Some(MwiServer {
                    ip,
                    port: num(Some(port)),
                    unsolicited: l.has("unsolicited"),
                    expires: l.get(g, "expires").map_or(3600, |e| num(Some(e))),
                });
                Ok(())
            }
            other => Err(format!("% {} is not a sip-ua command", other.id())),
        });
    }

    pub(super) fn register_global(&mut self, path: &[LineKey], body: &Section) {
        self.m.register.present = true;
        let g = self.g;
        self.lines(path, body, |b, h, l| {
            let r = &mut b.m.register;
            match h {
                Handler::RegModeCme => r.mode_cme = true,
                Handler::RegSourceAddress => {
                    r.source = Some((
                        ipv4(l.get(g, "addr")),
                        l.get(g, "port").map_or(5060, |p| num(Some(p))),
                    ))
                }
                Handler::RegMaxDn => r.max_dn = num(l.get(g, "n")),
                Handler::RegMaxPool => r.max_pool = num(l.get(g, "n")),
                Handler::RegPhoneRedirectLimit => r.phone_redirect_limit = Some(num(l.get(g, "n"))),
                // `authenticate register|all|invite`: what cmed does whatever the line says
                // (REGISTER and new INVITEs of pools with a password are challenged), so
                // there is nothing to set.
                Handler::RegAuthenticate => {}
                Handler::RegAuthenticateSha256 => r.digest_sha256 = true,
                Handler::RegUrlAuthentication => {
                    r.url_authentication = l.get(g, "url").map(String::from)
                }
                Handler::RegVoicemail => {
                    r.voicemail = Some(check_number(l.get(g, "number").unwrap_or(""))?.0)
                }
                Handler::RegCreateProfile => r.create_profile = true,
                Handler::RegMwiStutter => r.mwi_stutter = !l.negated,
                Handler::RegAuthBlock if l.negated => r.auth_block = AuthBlock::Off,
                Handler::RegAuthBlock => {
                    r.auth_block = AuthBlock::Set {
                        secs: num(l.get(g, "secs")),
                        attempts: num(l.get(g, "attempts")),
                        within: num(l.get(g, "within")),
                    }
                }
                other => {
                    return Err(format!(
                        "% {} is not a voice register global command",
                        other.id()
                    ));
                }
            }
            Ok(())
        });
    }

    /// `tftp-server flash:DIR/FILE [alias NAME]`: with an alias, a request for NAME is served
    /// the file DIR/FILE of `--tftp-root` (the router's flash is that directory).
    pub(super) fn tftp_server(&mut self, l: &Line) -> Check<()> {
        let g = self.g;
        let file = l.get(g, "file").unwrap_or("");
        let path = file
            .split_once(':')
            .map_or(file, |(_, p)| p)
            .replace('\\', "/");
        let path = path.trim_start_matches('/').to_string();
        if path.is_empty() || path.split('/').any(|p| p == ".." || p.is_empty()) {
            return Err(format!(
                "% Invalid file {file}: a path under the TFTP root, for example flash:SCCP45.9-4-2SR3-1S.loads"
            ));
        }
        if let Some(alias) = l.get(g, "alias") {
            self.m.tftp_aliases.insert(alias.to_string(), path);
        }
        Ok(())
    }

    pub(super) fn dial_peer(
        &mut self,
        path: &[LineKey],
        header: &Line,
        body: &Section,
    ) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        let mut d = DialPeer::default();
        self.lines(path, body, |_, h, l| {
            match h {
                Handler::DpDescription => d.description = l.get(g, "text").map(String::from),
                Handler::DpDestinationPattern => {
                    d.pattern = Some(pattern("destination-pattern", l.get(g, "pattern"))?)
                }
                Handler::DpIncomingCalled => {
                    d.incoming_called = Some(pattern("called-number", l.get(g, "number"))?)
                }
                Handler::DpSessionProtocol => d.sipv2 = true,
                Handler::DpSessionTarget if l.get(g, "target") == Some("sip-server") => {
                    d.sip_server = true
                }
                Handler::DpSessionTarget => {
                    let t = l.get(g, "target").unwrap_or("").trim_start_matches("ipv4:");
                    let (ip, port) = t.split_once(':').unwrap_or((t, "5060"));
                    d.target = Some((ipv4(Some(ip)), num(Some(port))));
                }
                Handler::DpPreference => d.preference = num(l.get(g, "preference")),
                Handler::DpHuntstop => d.huntstop = true,
                Handler::DpMailboxSelection => {
                    d.orig_called_mailbox =
                        !l.negated && l.get(g, "which") == Some("orig-called-num")
                }
                Handler::DpCodec => {
                    let kw = l.get(g, "codec").unwrap_or("");
                    d.codec =
                        Codec::from_keyword(kw).ok_or_else(|| format!("% Unknown codec {kw}"))?;
                    d.codec_bytes = l.get(g, "bytes").map(|b| num(Some(b)));
                }
                Handler::DpDtmfRelay => {
                    d.dtmf_relay = ["m1", "m2", "m3"]
                        .iter()
                        .filter_map(|m| l.get(g, m))
                        .map(|kw| {
                            DtmfRelay::from_keyword(kw)
                                .ok_or_else(|| format!("% Unknown dtmf-relay method {kw}"))
                        })
                        .collect::<Check<_>>()?;
                }
                Handler::DpVad => {
                    d.vad = match (l.negated, l.has("aggressive")) {
                        (true, _) => Vad::Off,
                        (false, true) => Vad::Aggressive,
                        (false, false) => Vad::On,
                    }
                }
                other => return Err(format!("% {} is not a dial-peer command", other.id())),
            }
            Ok(())
        });
        self.m.dial_peers.insert(DialPeerTag(tag), d);
        Ok(())
    }
}

/// A dial pattern (`engine::routing`'s syntax, `config::pattern`), refused with the IOS-style
/// message naming the command it was given to.
fn pattern(what: &str, text: Option<&str>) -> Check<Pattern> {
    let text = text.unwrap_or("");
    Pattern::parse(text).map_err(|e| format!("% Invalid {what} {text}: {e}"))
}

#[cfg(test)]
mod tests {
    use crate::config::load;
    use crate::config::model::{Codec, DtmfRelay, Vad};
    use crate::grammar::graph::Grammar;
    use crate::ids::DialPeerTag;
    use std::net::Ipv4Addr;

    #[test]
    fn dial_peer_lines_become_the_model_the_dial_plan_reads() {
        let g = Grammar::embedded();
        let l = load::load(
            &g,
            "dial-peer voice 9 voip\n destination-pattern 9[1-7,9]......\n session protocol sipv2\n \
             session target ipv4:192.0.2.10\n preference 3\n huntstop\n codec g729r8 bytes 30\n \
             dtmf-relay sip-notify rtp-nte\n incoming called-number 3003[012]..\n no vad\n\
             dial-peer voice 10 voip\n session target ipv4:192.0.2.11:5070\n vad aggressive\n",
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let d = &l.model.dial_peers[&DialPeerTag(9)];
        assert_eq!(d.pattern.as_ref().unwrap().as_str(), "9[1-7,9]......");
        assert!(d.sipv2);
        assert_eq!(d.target, Some((Ipv4Addr::new(192, 0, 2, 10), 5060)));
        assert_eq!((d.preference, d.huntstop), (3, true));
        assert_eq!((d.codec, d.codec_bytes), (Codec::G729r8, Some(30)));
        assert_eq!(d.dtmf_relay, [DtmfRelay::SipNotify, DtmfRelay::RtpNte]);
        assert_eq!(d.incoming_called.as_ref().unwrap().as_str(), "3003[012]..");
        assert_eq!(d.vad, Vad::Off);
        // Defaults: preference 0, no huntstop, g711ulaw, vad on.
        let e = &l.model.dial_peers[&DialPeerTag(10)];
        assert_eq!(e.target, Some((Ipv4Addr::new(192, 0, 2, 11), 5070)));
        assert_eq!(
            (e.preference, e.huntstop, e.codec),
            (0, false, Codec::G711Ulaw)
        );
        assert_eq!(e.vad, Vad::Aggressive);
    }

    #[test]
    fn a_bad_pattern_is_refused_with_the_reason() {
        let g = Grammar::embedded();
        let l = load::load(
            &g,
            "dial-peer voice 1 voip\n destination-pattern 9[1-7\n incoming called-number 12a4\n",
        );
        let msgs: Vec<&str> = l.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            msgs,
            [
                "% Invalid destination-pattern 9[1-7: a [ ] set takes digits, ranges, * and # and ends with ]",
                "% Invalid called-number 12a4: unexpected character 'a' at position 3",
            ]
        );
        let d = &l.model.dial_peers[&crate::ids::DialPeerTag(1)];
        assert!(d.pattern.is_none() && d.incoming_called.is_none());
    }
}
