//! Splits a command's output into the pages a terminal of `terminal length` rows shows, with
//! IOS's ` --More-- ` between them: `length - 1` rows, then the prompt; space shows the next
//! page, Return the next line, any other key ends the output. Rows are counted on a terminal
//! `terminal width` columns wide, so a line longer than the width takes the rows it wraps to.
//!
//! Pure: the console adapter (`net::console`) prints the pages, reads the keys and erases
//! the prompt. Output filters (`| include` …) have run before the text gets here.

/// The prompt between pages.
pub const MORE: &str = " --More-- ";

/// What erases [`MORE`] after a key, as IOS does: backspaces over it, spaces, backspaces.
pub fn erase_more() -> String {
    let back = "\u{8}".repeat(MORE.len());
    format!("{back}{}{back}", " ".repeat(MORE.len()))
}

/// What a key typed at `--More--` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// Space: the next page.
    Page,
    /// Return: one more line.
    Line,
    /// Anything else (`q`, Ctrl-C …): the rest of the output is dropped.
    Quit,
}

impl Key {
    /// The meaning of a byte read from the terminal.
    pub fn of(byte: u8) -> Key {
        match byte {
            b' ' => Key::Page,
            b'\r' | b'\n' => Key::Line,
            _ => Key::Quit,
        }
    }
}

/// The output still to be shown.
#[derive(Clone, Debug)]
pub struct Pager<'a> {
    rest: &'a str,
    length: usize,
    width: usize,
}

impl<'a> Pager<'a> {
    /// A pager over `text` for a terminal of `length` rows (0: one page, no prompt) and
    /// `width` columns (0: a line is one row however long).
    pub fn new(text: &'a str, length: u16, width: u16) -> Pager<'a> {
        Pager {
            rest: text,
            length: usize::from(length),
            width: usize::from(width),
        }
    }

    /// What is still to be shown.
    pub fn rest(&self) -> &'a str {
        self.rest
    }

    /// Whether everything has been shown (no `--More--` then).
    pub fn done(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next page: `length - 1` rows, the last row being the prompt's; everything when
    /// the length is 0.
    pub fn page(&mut self) -> &'a str {
        if self.length == 0 {
            return std::mem::take(&mut self.rest);
        }
        self.take(self.length.saturating_sub(1).max(1))
    }

    /// What a key asks for: the text to print next, or `None` when the output ends.
    pub fn on_key(&mut self, key: Key) -> Option<&'a str> {
        match key {
            Key::Page => Some(self.page()),
            Key::Line => Some(self.take(1)),
            Key::Quit => {
                self.rest = "";
                None
            }
        }
    }

    /// Whole lines filling at most `rows` rows (always at least one line).
    fn take(&mut self, rows: usize) -> &'a str {
        let mut used = 0;
        let mut end = 0;
        for line in self.rest.split_inclusive('\n') {
            let r = self.rows(line);
            if end > 0 && used + r > rows {
                break;
            }
            used += r;
            end += line.len();
            if used >= rows {
                break;
            }
        }
        let (page, rest) = self.rest.split_at(end);
        self.rest = rest;
        page
    }

    fn rows(&self, line: &str) -> usize {
        let chars = line.trim_end_matches(['\n', '\r']).chars().count();
        if self.width == 0 || chars == 0 {
            1
        } else {
            chars.div_ceil(self.width)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbered(n: usize) -> String {
        (1..=n).map(|i| format!("line {i}\n")).collect()
    }

    #[test]
    fn a_page_is_length_minus_one_rows_then_space_return_and_q() {
        let text = numbered(50);
        let mut p = Pager::new(&text, 24, 80);
        let first = p.page();
        assert_eq!(first.lines().count(), 23);
        assert!(first.ends_with("line 23\n"));
        assert!(!p.done());
        assert_eq!(p.on_key(Key::Line), Some("line 24\n"));
        let second = p.on_key(Key::Page).unwrap();
        assert_eq!(second.lines().next(), Some("line 25"));
        assert_eq!(second.lines().count(), 23);
        assert_eq!(p.on_key(Key::Page), Some("line 48\nline 49\nline 50\n"));
        assert!(p.done());
        let mut p = Pager::new(&text, 24, 80);
        p.page();
        assert_eq!(p.on_key(Key::Quit), None);
        assert!(p.done());
    }

    #[test]
    fn length_zero_and_short_output_never_page() {
        let text = numbered(100);
        let mut p = Pager::new(&text, 0, 80);
        assert_eq!(p.page(), text);
        assert!(p.done());
        let short = numbered(23);
        let mut p = Pager::new(&short, 24, 80);
        assert_eq!(p.page(), short);
        assert!(p.done());
        let exact = numbered(24);
        let mut p = Pager::new(&exact, 24, 80);
        p.page();
        assert!(!p.done(), "the 24th line needs the prompt's row");
    }

    #[test]
    fn long_lines_take_the_rows_they_wrap_to() {
        let text = format!("{}\nshort\nnext\n", "x".repeat(25));
        // 10 columns: the long line is 3 rows; a 5-row terminal shows 4 rows a page.
        let mut p = Pager::new(&text, 5, 10);
        assert_eq!(p.page(), format!("{}\nshort\n", "x".repeat(25)));
        assert_eq!(p.page(), "next\n");
        // A line taller than a page still comes out whole.
        let mut p = Pager::new(&text, 2, 10);
        assert_eq!(p.page(), format!("{}\n", "x".repeat(25)));
    }

    #[test]
    fn the_prompt_is_erased_with_backspaces() {
        let e = erase_more();
        assert_eq!(e.len(), 3 * MORE.len());
        assert!(e.starts_with('\u{8}') && e.ends_with('\u{8}'));
    }

    #[test]
    fn keys_as_ios_reads_them() {
        assert_eq!(Key::of(b' '), Key::Page);
        assert_eq!(Key::of(b'\r'), Key::Line);
        assert_eq!(Key::of(b'q'), Key::Quit);
        assert_eq!(Key::of(3), Key::Quit);
    }
}
