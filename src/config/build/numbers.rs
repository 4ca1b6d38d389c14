//! Directory numbers: `ephone-dn` (SCCP) and `voice register dn` (SIP).

use super::{Builder, Check, call_forward, check_number, num, tag_of, within};
use crate::config::model::*;
use crate::config::tree::{Line, LineKey, Section};
use crate::grammar::handler::Handler;
use crate::ids::{DnTag, RegDnTag};

impl Builder<'_> {
    pub(super) fn ephone_dn(
        &mut self,
        path: &[LineKey],
        header: &Line,
        body: &Section,
    ) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        within(
            tag,
            self.m.telephony.max_dn,
            "ephone-dn",
            "max-dn",
            "telephony-service",
        )?;
        let mut dn = EphoneDn {
            mode: if header.has("dual-line") {
                LineMode::Dual
            } else if header.has("octo-line") {
                LineMode::Octo
            } else {
                LineMode::Single
            },
            ..EphoneDn::default()
        };
        self.lines(path, body, |b, h, l| {
            match h {
                Handler::DnNumber => {
                    let n = check_number(l.get(g, "number").unwrap_or(""))?;
                    let s = l.get(g, "secondary").map(check_number).transpose()?;
                    for e in std::iter::once(&n).chain(s.as_ref()) {
                        b.numbers.insert(e.0.clone(), format!("ephone-dn {tag}"));
                    }
                    dn.number = Some(n);
                    dn.secondary = s;
                }
                Handler::DnName => dn.name = l.get(g, "name").map(String::from),
                Handler::DnLabel => {
                    let label = l.get(g, "label").unwrap_or("");
                    if label.chars().count() > 30 {
                        return Err("% Label is longer than 30 characters".into());
                    }
                    dn.label = Some(label.into());
                }
                Handler::DnDescription => dn.description = l.get(g, "text").map(String::from),
                Handler::DnCallForward | Handler::DnCallForwardNoan => {
                    call_forward(&mut dn.forward, g, l)?
                }
                // `no huntstop` is stored (huntstop is on by default in CME).
                Handler::DnHuntstop => dn.huntstop = !l.negated,
                Handler::DnHuntstopChannel => {
                    dn.huntstop_channel = (!l.negated).then(|| {
                        l.get(g, "channels")
                            .map_or(1, |n| num::<u8>(Some(n)).clamp(1, 8))
                    })
                }
                Handler::DnMwi => {
                    dn.mwi = match l.get(g, "mode") {
                        _ if l.negated => None,
                        Some("on") => Some(MwiOutcall::On),
                        Some("off") => Some(MwiOutcall::Off),
                        _ => Some(MwiOutcall::OnOff),
                    }
                }
                Handler::DnMwiSip => dn.mwi_sip = !l.negated,
                Handler::DnPreference => {
                    dn.preference = num(l.get(g, "preference"));
                    if let Some(p) = l.get(g, "secondary") {
                        dn.secondary_preference = num(Some(p));
                    }
                }
                other => return Err(format!("% {} is not an ephone-dn command", other.id())),
            }
            Ok(())
        });
        self.m.dns.insert(DnTag(tag), dn);
        Ok(())
    }

    pub(super) fn register_dn(
        &mut self,
        path: &[LineKey],
        header: &Line,
        body: &Section,
    ) -> Check<()> {
        let g = self.g;
        let tag = tag_of(header, g);
        within(
            tag,
            self.m.register.max_dn,
            "voice register dn",
            "max-dn",
            "voice register global",
        )?;
        let mut dn = RegisterDn::default();
        self.lines(path, body, |b, h, l| {
            match h {
                Handler::RdnNumber => {
                    let n = check_number(l.get(g, "number").unwrap_or(""))?;
                    b.numbers
                        .insert(n.0.clone(), format!("voice register dn {tag}"));
                    dn.number = Some(n);
                }
                Handler::RdnName => dn.name = l.get(g, "name").map(String::from),
                Handler::RdnLabel => dn.label = l.get(g, "label").map(String::from),
                Handler::RdnPreference => dn.preference = num(l.get(g, "preference")),
                Handler::RdnHuntstop => dn.huntstop = !l.negated,
                Handler::RdnMwi => dn.mwi = !l.negated,
                Handler::RdnCallForward | Handler::RdnCallForwardNoan => {
                    call_forward(&mut dn.forward, g, l)?
                }
                other => {
                    return Err(format!(
                        "% {} is not a voice register dn command",
                        other.id()
                    ));
                }
            }
            Ok(())
        });
        self.m.reg_dns.insert(RegDnTag(tag), dn);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::load;
    use crate::grammar::graph::Grammar;
    use crate::ids::{DnTag, RegDnTag};

    #[test]
    fn huntstop_is_on_unless_refused_and_preferences_default_as_cme() {
        let g = Grammar::embedded();
        let l = load::load(
            &g,
            "telephony-service\n max-dn 9\nvoice register global\n max-dn 9\n\
             ephone-dn 1\n number 5001 secondary 500.\nephone-dn 2\n number 5001\n no huntstop\n \
             preference 1 secondary 4\nvoice register dn 3\n number 6001\n preference 2\n",
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let (one, two) = (&l.model.dns[&DnTag(1)], &l.model.dns[&DnTag(2)]);
        assert!(one.huntstop, "CME's default is huntstop on");
        assert_eq!((one.preference, one.secondary_preference), (0, 9));
        assert!(!two.huntstop);
        assert_eq!((two.preference, two.secondary_preference), (1, 4));
        assert_eq!(l.model.reg_dns[&RegDnTag(3)].preference, 2);
        assert!(
            !l.model.reg_dns[&RegDnTag(3)].huntstop,
            "a SIP DN hunts on by default"
        );
    }

    #[test]
    fn huntstop_channel_limits_the_channels_that_take_calls_and_keeps_dn_huntstop() {
        let g = Grammar::embedded();
        let l = load::load(
            &g,
            "telephony-service\n max-dn 9\nvoice register global\n max-dn 9\n\
             ephone-dn 1 dual-line\n number 5001\n huntstop channel\n\
             ephone-dn 2 octo-line\n number 5002\n huntstop channel 3\n\
             ephone-dn 3 octo-line\n number 5003\n\
             voice register dn 4\n number 6001\n huntstop channel 2\n",
        );
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        let dn = |t| &l.model.dns[&DnTag(t)];
        assert_eq!(
            dn(1).huntstop_channel,
            Some(1),
            "without a number: the first only"
        );
        assert_eq!(dn(2).huntstop_channel, Some(3));
        assert_eq!(dn(3).huntstop_channel, None, "every channel by default");
        assert!(
            dn(1).huntstop && dn(2).huntstop,
            "channel huntstop is not `no huntstop`"
        );
        assert!(l.model.reg_dns[&RegDnTag(4)].huntstop);
        let text = crate::config::running::running_config(&g, &l.tree);
        for line in [
            " huntstop channel\n",
            " huntstop channel 3\n",
            " huntstop channel 2\n",
        ] {
            assert!(text.contains(line), "{line:?} in\n{text}");
        }
    }
}
