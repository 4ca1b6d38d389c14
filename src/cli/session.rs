//! One command session's state (IOS's vty line): its mode and section, privilege level,
//! pending question, pasted text (banner, key-string), terminal settings, and who it is
//! for `%SYS-5-CONFIG_I`. `exec` runs lines in it; the adapters keep one per console,
//! `cmed cli` connection and SSH shell.

use crate::config::tree::SectionPath;
use crate::grammar::graph::{Grammar, ModeId};
use crate::grammar::matcher::Ctx;

use super::terminal::Terminal;

/// A question the session is waiting to have answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// `copy running-config startup-config`: `Destination filename [startup-config]?`
    CopyDestination,
    /// `enable`'s `Password:`, asked for the Nth time (IOS asks three times). The answer is
    /// not echoed.
    EnablePassword(u8),
}

/// One command session (IOS calls them vty lines): the console or a control-socket client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VtySession {
    /// 1 for `Router>`, 15 for `Router#`.
    pub level: u8,
    /// The current mode.
    pub mode: ModeId,
    /// The section being configured, in sub-modes.
    pub path: SectionPath,
    /// A question waiting for the next line.
    pub pending: Option<Pending>,
    /// Who is configuring, for `%SYS-5-CONFIG_I` (`console`, `vty0`).
    pub from: String,
    /// The user who logged in and from where (SSH sessions), for `%SYS-5-CONFIG_I`.
    pub login: Option<(String, String)>,
    /// The session has ended (`exit` from EXEC).
    pub closed: bool,
    /// The last line typed without indentation was refused: the indented lines pasted under
    /// it belong to it and are refused too, never applied to the section still open.
    pub refused_header: bool,
    /// Inside the text of a pasted `banner`: the delimiter that ends it.
    pub banner: Option<String>,
    /// Inside a `key-string`: the key's text so far, until `exit`.
    pub key_string: Option<String>,
    /// `terminal monitor`: IOS messages are copied to this session as they happen.
    pub monitor: bool,
    /// `terminal length`/`width` and `show history` (see [`Terminal`]).
    pub term: Terminal,
}

impl VtySession {
    /// A session in EXEC at `level`.
    pub fn new(g: &Grammar, level: u8, from: &str) -> VtySession {
        VtySession {
            level,
            mode: g.mode_id("exec").expect("grammar has an exec mode"),
            path: Vec::new(),
            pending: None,
            from: from.to_string(),
            login: None,
            closed: false,
            refused_header: false,
            banner: None,
            key_string: None,
            monitor: false,
            term: Terminal::default(),
        }
    }

    /// The console's session: the level, length and width of `line con 0`.
    pub fn console(g: &Grammar, line: &crate::config::model::ConsoleLine) -> VtySession {
        let mut s = VtySession::new(g, line.privilege, "console");
        s.term = Terminal::new(line.length, line.width);
        s
    }

    /// The matcher context of this session.
    pub fn ctx(&self) -> Ctx {
        Ctx {
            mode: self.mode,
            level: self.level,
        }
    }

    /// The prompt, e.g. `Router>`, `Router#`, `Router(config-ephone)#`.
    pub fn prompt(&self, g: &Grammar, hostname: &str) -> String {
        let m = &g.modes[self.mode];
        if self.key_string.is_some() {
            format!("{hostname}(conf-ssh-pubkey-data)#")
        } else if m.prompt.is_empty() {
            format!("{hostname}{}", if self.level >= 15 { '#' } else { '>' })
        } else {
            format!("{hostname}({})#", m.prompt)
        }
    }
}
