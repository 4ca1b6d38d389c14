//! `logging …`: where IOS messages go (the buffer, the console, syslog servers).

use super::{Builder, num};
use crate::config::model::severity;
use crate::config::tree::Line;
use crate::grammar::handler::Handler;

impl Builder<'_> {
    /// `logging buffered|console|trap|host`.
    pub(super) fn logging(&mut self, h: Handler, l: &Line) {
        let g = self.g;
        let level = l.get(g, "level").and_then(severity);
        let lg = &mut self.m.logging;
        match h {
            Handler::LoggingBuffered if l.negated => lg.buffered = None,
            Handler::LoggingBuffered => {
                lg.buffered = Some((
                    l.get(g, "size").map_or(4096, |s| num(Some(s))),
                    level.unwrap_or(7),
                ));
            }
            Handler::LoggingConsole if l.negated => lg.console = None,
            Handler::LoggingConsole => lg.console = Some(level.unwrap_or(7)),
            Handler::LoggingTrap => lg.trap = level.unwrap_or(6),
            _ => {
                let ip = l.get(g, "host").and_then(|h| h.parse().ok());
                let port = l.get(g, "port").map_or(514, |p| num(Some(p)));
                if let Some(ip) = ip {
                    lg.hosts.push(std::net::SocketAddrV4::new(ip, port));
                }
            }
        }
    }
}
