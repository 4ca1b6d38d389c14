//! The line editor of a remote terminal (an SSH session's shell): the bytes the client's
//! terminal sends in, what to echo back and the lines, `?` and Tab out. IOS's keys: Return
//! (CR, LF or CR LF) ends a line, Backspace/Delete erases, `?` asks for help on the text
//! before it, Tab completes, Ctrl-A/Ctrl-E and the arrows move, Ctrl-U/Ctrl-X erase the
//! line, Ctrl-W the word before the cursor, Ctrl-P/Ctrl-N and up/down walk the history,
//! Ctrl-Z is `end`, Ctrl-C abandons the line.
//!
//! Pure: the SSH adapter (`net::ssh`) feeds it and writes what it returns. Echo can be
//! turned off (`enable`'s `Password:`). Output uses the terminal's CR LF.

/// What a key asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A line was entered.
    Line(String),
    /// `?`: help on the text before the cursor (the line is kept for more editing).
    Help(String),
    /// Tab: complete the text before the cursor.
    Complete(String),
    /// Ctrl-Z.
    CtrlZ,
    /// Ctrl-C: the line is dropped.
    CtrlC,
}

/// Where an escape sequence (`ESC [ A` …) has got to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Esc {
    #[default]
    None,
    Start,
    Bracket,
}

/// The line being edited.
#[derive(Debug, Default)]
pub struct Editor {
    line: Vec<char>,
    cursor: usize,
    /// Whether typed characters are echoed.
    pub echo: bool,
    history: Vec<String>,
    /// Where up/down has got to in `history` (its length: the line being typed).
    browse: usize,
    esc: Esc,
    /// The last byte was CR: a LF right after it is the same Return.
    after_cr: bool,
    /// Bytes of a UTF-8 character still coming.
    partial: Vec<u8>,
}

/// Lines IOS's history keeps by default (`history size 10`; cmed keeps 20).
const HISTORY: usize = 20;

impl Editor {
    /// An empty line, echoing.
    pub fn new() -> Editor {
        Editor {
            echo: true,
            ..Editor::default()
        }
    }

    /// The text being edited.
    pub fn text(&self) -> String {
        self.line.iter().collect()
    }

    /// Starts a new line holding `text` (after `?`, the text given back), cursor at its end;
    /// returns what to print after the prompt.
    pub fn start(&mut self, text: &str) -> String {
        self.line = text.chars().collect();
        self.cursor = self.line.len();
        self.browse = self.history.len();
        if self.echo {
            text.to_string()
        } else {
            String::new()
        }
    }

    /// Feeds bytes from the terminal; echo goes to `out`, what they asked for comes back in
    /// order. Bytes after an event that ends the line still edit the next line.
    pub fn feed(&mut self, bytes: &[u8], out: &mut String) -> Vec<Event> {
        let mut events = Vec::new();
        for &b in bytes {
            if let Some(e) = self.byte(b, out) {
                events.push(e);
            }
        }
        events
    }

    fn byte(&mut self, b: u8, out: &mut String) -> Option<Event> {
        let after_cr = std::mem::take(&mut self.after_cr);
        match self.esc {
            Esc::Start => {
                self.esc = if b == b'[' || b == b'O' {
                    Esc::Bracket
                } else {
                    Esc::None
                };
                return None;
            }
            Esc::Bracket => {
                self.esc = Esc::None;
                match b {
                    b'A' => self.history_step(-1, out),
                    b'B' => self.history_step(1, out),
                    b'C' => self.right(out),
                    b'D' => self.left(out),
                    _ => {}
                }
                return None;
            }
            Esc::None => {}
        }
        if !self.partial.is_empty() || b >= 0x80 {
            self.partial.push(b);
            match std::str::from_utf8(&self.partial) {
                Ok(s) => {
                    let c = s.chars().next().unwrap_or('?');
                    self.partial.clear();
                    self.insert(c, out);
                }
                Err(e) if e.error_len().is_some() || self.partial.len() >= 4 => {
                    self.partial.clear();
                }
                Err(_) => {}
            }
            return None;
        }
        match b {
            b'\r' => {
                self.after_cr = true;
                Some(self.enter(out))
            }
            b'\n' if after_cr => None,
            b'\n' => Some(self.enter(out)),
            0x08 | 0x7f => {
                self.backspace(out);
                None
            }
            b'?' if self.echo => {
                out.push('?');
                Some(Event::Help(self.before()))
            }
            b'\t' if self.echo => Some(Event::Complete(self.before())),
            0x01 => {
                while self.cursor > 0 {
                    self.left(out);
                }
                None
            }
            0x05 => {
                while self.cursor < self.line.len() {
                    self.right(out);
                }
                None
            }
            0x02 => {
                self.left(out);
                None
            }
            0x06 => {
                self.right(out);
                None
            }
            0x15 | 0x18 => {
                self.erase_all(out);
                None
            }
            0x17 => {
                while self.cursor > 0 && self.line[self.cursor - 1] == ' ' {
                    self.backspace(out);
                }
                while self.cursor > 0 && self.line[self.cursor - 1] != ' ' {
                    self.backspace(out);
                }
                None
            }
            0x10 => {
                self.history_step(-1, out);
                None
            }
            0x0e => {
                self.history_step(1, out);
                None
            }
            0x1a => {
                self.line.clear();
                self.cursor = 0;
                Some(Event::CtrlZ)
            }
            0x03 => {
                self.line.clear();
                self.cursor = 0;
                Some(Event::CtrlC)
            }
            0x1b => {
                self.esc = Esc::Start;
                None
            }
            b if b < 0x20 => None,
            b => {
                self.insert(char::from(b), out);
                None
            }
        }
    }

    fn before(&self) -> String {
        self.line[..self.cursor].iter().collect()
    }

    fn enter(&mut self, out: &mut String) -> Event {
        out.push_str("\r\n");
        let line: String = self.line.drain(..).collect();
        self.cursor = 0;
        if self.echo && !line.trim().is_empty() && self.history.last() != Some(&line) {
            self.history.push(line.clone());
            if self.history.len() > HISTORY {
                self.history.remove(0);
            }
        }
        self.browse = self.history.len();
        Event::Line(line)
    }

    fn insert(&mut self, c: char, out: &mut String) {
        self.line.insert(self.cursor, c);
        self.cursor += 1;
        if self.echo {
            // The character, the rest of the line after it, and back to the cursor.
            let rest: String = self.line[self.cursor - 1..].iter().collect();
            out.push_str(&rest);
            back(out, self.line.len() - self.cursor);
        }
    }

    fn backspace(&mut self, out: &mut String) {
        if self.cursor == 0 {
            return;
        }
        self.cursor -= 1;
        self.line.remove(self.cursor);
        if self.echo {
            let rest: String = self.line[self.cursor..].iter().collect();
            out.push('\u{8}');
            out.push_str(&rest);
            out.push(' ');
            back(out, rest.chars().count() + 1);
        }
    }

    fn left(&mut self, out: &mut String) {
        if self.cursor > 0 {
            self.cursor -= 1;
            if self.echo {
                out.push('\u{8}');
            }
        }
    }

    fn right(&mut self, out: &mut String) {
        if self.cursor < self.line.len() {
            if self.echo {
                out.push(self.line[self.cursor]);
            }
            self.cursor += 1;
        }
    }

    fn erase_all(&mut self, out: &mut String) {
        while self.cursor < self.line.len() {
            self.right(out);
        }
        while self.cursor > 0 {
            self.backspace(out);
        }
    }

    /// Up (`-1`) or down (`1`) the history: the line shown becomes that entry.
    fn history_step(&mut self, step: i32, out: &mut String) {
        if !self.echo {
            return;
        }
        let next = if step < 0 {
            match self.browse.checked_sub(1) {
                Some(n) => n,
                None => return,
            }
        } else if self.browse < self.history.len() {
            self.browse + 1
        } else {
            return;
        };
        self.browse = next;
        let text = self.history.get(next).cloned().unwrap_or_default();
        self.erase_all(out);
        for c in text.chars() {
            self.insert(c, out);
        }
    }
}

fn back(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push('\u{8}');
    }
}

/// `text` with every LF as the terminal's CR LF.
pub fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut last = '\0';
    for c in text.chars() {
        if c == '\n' && last != '\r' {
            out.push('\r');
        }
        out.push(c);
        last = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(e: &mut Editor, bytes: &[u8]) -> (String, Vec<Event>) {
        let mut out = String::new();
        let ev = e.feed(bytes, &mut out);
        (out, ev)
    }

    #[test]
    fn a_line_is_echoed_and_ends_at_cr_lf_or_cr_lf() {
        let mut e = Editor::new();
        let (out, ev) = feed(&mut e, b"show version\r\n");
        assert_eq!(out, "show version\r\n");
        assert_eq!(ev, vec![Event::Line("show version".into())]);
        let (_, ev) = feed(&mut e, b"a\nb\rc\r");
        assert_eq!(
            ev,
            vec![
                Event::Line("a".into()),
                Event::Line("b".into()),
                Event::Line("c".into())
            ]
        );
        // The LF of a CR LF split over two packets is still the same Return.
        let (_, ev) = feed(&mut e, b"\nd\r");
        assert_eq!(ev, vec![Event::Line("d".into())]);
    }

    #[test]
    fn backspace_arrows_and_kill_edit_the_line() {
        let mut e = Editor::new();
        let (out, _) = feed(&mut e, b"shox\x7fw");
        assert_eq!(out, "shox\u{8} \u{8}w");
        // Left twice, insert: the rest is redrawn and the cursor put back.
        let (out, _) = feed(&mut e, b"\x1b[D\x1b[DX");
        assert_eq!(out, "\u{8}\u{8}Xow\u{8}\u{8}");
        assert_eq!(e.text(), "shXow");
        feed(&mut e, b"\x15");
        assert_eq!(e.text(), "");
        feed(&mut e, b"one two\x17");
        assert_eq!(e.text(), "one ");
    }

    #[test]
    fn help_and_tab_give_the_text_before_the_cursor_and_keep_the_line() {
        let mut e = Editor::new();
        let (out, ev) = feed(&mut e, b"show ?");
        assert_eq!(out, "show ?");
        assert_eq!(ev, vec![Event::Help("show ".into())]);
        assert_eq!(e.start("show "), "show ");
        let (_, ev) = feed(&mut e, b"ver\t");
        assert_eq!(ev, vec![Event::Complete("show ver".into())]);
    }

    #[test]
    fn history_walks_with_up_and_down() {
        let mut e = Editor::new();
        feed(&mut e, b"first\rsecond\r");
        feed(&mut e, b"\x1b[A");
        assert_eq!(e.text(), "second");
        feed(&mut e, b"\x10");
        assert_eq!(e.text(), "first");
        feed(&mut e, b"\x1b[B\x1b[B");
        assert_eq!(e.text(), "");
    }

    #[test]
    fn without_echo_nothing_is_shown_and_question_marks_are_text() {
        let mut e = Editor::new();
        e.echo = false;
        let (out, ev) = feed(&mut e, b"pa?ss\r");
        assert_eq!(out, "\r\n");
        assert_eq!(ev, vec![Event::Line("pa?ss".into())]);
    }

    #[test]
    fn control_keys_and_utf8() {
        let mut e = Editor::new();
        assert_eq!(feed(&mut e, b"conf\x1a").1, vec![Event::CtrlZ]);
        assert_eq!(feed(&mut e, b"junk\x03").1, vec![Event::CtrlC]);
        let (out, _) = feed(&mut e, "é".as_bytes());
        assert_eq!(out, "é");
        assert_eq!(crlf("a\nb\r\nc"), "a\r\nb\r\nc");
    }
}
