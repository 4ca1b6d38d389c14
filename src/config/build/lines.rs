//! `line con 0`: the console session's settings (exec-timeout, privilege level, length,
//! width). `line vty` sections are built with the rest of administrators' access
//! (`build::access`).

use super::{Builder, num};
use crate::config::tree::{LineKey, Section};
use crate::grammar::handler::Handler;

impl Builder<'_> {
    /// The lines of `line con 0`.
    pub(super) fn line_console(&mut self, path: &[LineKey], body: &Section) {
        let g = self.g;
        self.lines(path, body, |b, h, l| {
            let c = &mut b.m.console;
            match h {
                Handler::LineExecTimeout => {
                    let minutes: u32 = num(l.get(g, "minutes"));
                    let seconds: u32 = num(l.get(g, "seconds"));
                    c.exec_timeout = minutes.saturating_mul(60).saturating_add(seconds);
                }
                // cmed has two levels: 15 is privileged EXEC, anything below it user EXEC.
                Handler::LinePrivilege => {
                    c.privilege = if num::<u8>(l.get(g, "level")) >= 15 {
                        15
                    } else {
                        1
                    };
                }
                Handler::LineLength => c.length = num(l.get(g, "lines")),
                Handler::LineWidth => c.width = num(l.get(g, "columns")),
                // The console is the daemon's own terminal: whoever has it has the machine.
                // Kept and rendered, as real configurations have them (the help says so).
                Handler::LineLogin
                | Handler::LinePassword
                | Handler::LineTransportInput
                | Handler::LineAccessClass => {}
                other => return Err(format!("% {} is not a line command", other.id())),
            }
            Ok(())
        });
    }
}
