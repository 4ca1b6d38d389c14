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
    }
}
