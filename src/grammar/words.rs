//! Splits one command line into words the way the IOS parser sees them.
//!
//! Words are separated by spaces or tabs; a word that starts with `"` runs to the next `"`
//! (spaces included), which is how IOS takes labels such as `label "Front Desk"`. Every
//! word keeps its byte offsets so errors can put the caret under the right character.

/// One word of a command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word<'a> {
    /// The word as typed, quotes included.
    pub text: &'a str,
    /// Byte offset of the first character in the line.
    pub start: usize,
}

/// Splits `line` into words. An unterminated quote runs to the end of the line.
pub fn split(line: &str) -> Vec<Word<'_>> {
    let bytes = line.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b' ' || bytes[i] == b'\t' {
            i += 1;
            continue;
        }
        let start = i;
        if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        }
        while i < bytes.len() && bytes[i] != b' ' && bytes[i] != b'\t' {
            i += 1;
        }
        words.push(Word {
            text: &line[start..i],
            start,
        });
    }
    words
}

/// The text of a quoted word without its quotes; other words unchanged.
pub fn unquote(text: &str) -> &str {
    let inner = text.strip_prefix('"').unwrap_or(text);
    if inner.len() < text.len() {
        inner.strip_suffix('"').unwrap_or(inner)
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_words_keep_their_spaces_and_offsets() {
        let w = split(" speed-dial 1 1001 label \"Front Desk\" blf");
        let texts: Vec<_> = w.iter().map(|w| w.text).collect();
        assert_eq!(
            texts,
            ["speed-dial", "1", "1001", "label", "\"Front Desk\"", "blf"]
        );
        assert_eq!(w[0].start, 1);
        assert_eq!(w[4].start, 25);
        assert_eq!(unquote(w[4].text), "Front Desk");
    }

    #[test]
    fn an_unterminated_quote_runs_to_the_end() {
        let w = split("label \"Front Desk");
        assert_eq!(w.len(), 2);
        assert_eq!(unquote(w[1].text), "Front Desk");
    }
}
