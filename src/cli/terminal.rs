//! A session's terminal: its `terminal length`/`width`, the command history that
//! `show history` lists, and `show terminal`. Plain data carried in the session; the
//! console adapter pages output with it (`cli::pager`), the control socket ignores it.

use std::collections::VecDeque;

use crate::config::model::Model;
use crate::config::tree::Line;
use crate::grammar::graph::Grammar;
use crate::grammar::handler::Handler;

use super::exec::VtySession;

/// Commands `show history` keeps, as IOS does by default (`history size 10`).
pub const HISTORY_SIZE: usize = 10;

/// The terminal settings and history of one session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terminal {
    /// `terminal length`: rows per page; 0 never shows `--More--`.
    pub length: u16,
    /// `terminal width`: columns, used to count the rows a long line takes on a page.
    pub width: u16,
    /// The last commands typed, oldest first.
    history: VecDeque<String>,
}

impl Default for Terminal {
    /// A `cmed cli` session's: no paging (it serves scripts), 80 columns.
    fn default() -> Self {
        Terminal::new(0, 80)
    }
}

impl Terminal {
    /// A terminal of `length` rows and `width` columns, with no history yet.
    pub fn new(length: u16, width: u16) -> Terminal {
        Terminal {
            length,
            width,
            history: VecDeque::new(),
        }
    }

    /// Records a typed command (blank lines are not commands).
    pub fn remember(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        if self.history.len() == HISTORY_SIZE {
            self.history.pop_front();
        }
        self.history.push_back(line.to_string());
    }

    /// `show history`: one command per line after two spaces, oldest first (the
    /// `show history` being run is the last one, as in IOS).
    pub fn history_text(&self) -> String {
        self.history.iter().map(|l| format!("  {l}\n")).collect()
    }
}

/// `terminal length N`, `terminal width N`, `terminal default length|width` (back to what
/// the session started with: `line con 0`'s on the console, length 0 on `cmed cli`).
pub fn set(g: &Grammar, h: Handler, line: &Line, s: &mut VtySession, model: &Model) {
    let n = |name| line.get(g, name).and_then(|n| n.parse().ok()).unwrap_or(0);
    let start = if s.from == "console" {
        Terminal::new(model.console.length, model.console.width)
    } else {
        Terminal::default()
    };
    match h {
        Handler::TerminalLength => s.term.length = n("lines"),
        Handler::TerminalWidth => s.term.width = n("columns"),
        _ if line.get(g, "what") == Some("width") => s.term.width = start.width,
        _ => s.term.length = start.length,
    }
}

/// `hh:mm:ss`, or `never` for 0, as `show terminal` prints timeouts.
fn timeout(seconds: u32) -> String {
    if seconds == 0 {
        return "never".into();
    }
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// `show terminal`: the IOS layout's lines that mean something in cmed. Lines are numbered
/// as on a classic IOS router: the console is line 0, vty N is line N + 2 (after aux 1).
pub fn show_terminal(s: &VtySession, model: &Model) -> String {
    let console = s.from == "console";
    let line = if console {
        0
    } else {
        s.from
            .strip_prefix("vty")
            .and_then(|n| n.parse::<u32>().ok())
            .map_or(2, |n| n + 2)
    };
    let idle = if console {
        timeout(model.console.exec_timeout)
    } else {
        timeout(0)
    };
    format!(
        "Line {line}, Location: \"\", Type: \"\"\n\
         Length: {} lines, Width: {} columns\n\
         Status: Ready, Active\n\
         Capabilities: none\n\
         Timeouts:      Idle EXEC    Idle Session   Modem Answer  Session   Dispatch\n\
         \x20              {idle:<16}never                        none     not set\n\
         Editing is {}.\n\
         History is enabled, history size is {HISTORY_SIZE}.\n",
        s.term.length,
        s.term.width,
        if console { "enabled" } else { "disabled" },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_keeps_the_last_ten_commands_without_blanks() {
        let mut t = Terminal::default();
        for i in 0..12 {
            t.remember(&format!("show ephone {i} "));
            t.remember("   ");
        }
        let text = t.history_text();
        assert_eq!(text.lines().count(), HISTORY_SIZE);
        assert!(text.starts_with("  show ephone 2\n"), "{text}");
        assert!(text.ends_with("  show ephone 11\n"), "{text}");
    }

    #[test]
    fn timeouts_print_as_hours_minutes_seconds_or_never() {
        assert_eq!(timeout(0), "never");
        assert_eq!(timeout(600), "00:10:00");
        assert_eq!(timeout(3 * 3600 + 61), "03:01:01");
    }
}
