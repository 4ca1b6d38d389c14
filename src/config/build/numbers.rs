//! Directory numbers: `ephone-dn` (SCCP) and `voice register dn` (SIP).

use super::{Builder, Check, call_forward, check_number, tag_of, within};
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
