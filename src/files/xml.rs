//! A small XML writer for the phone files and service pages: indented elements, every text
//! and attribute value escaped (`& < > " '`, as the phones' parser expects, §3.1 of the
//! provisioning reference), and the characters that XML 1.0 forbids (control characters,
//! U+FFFE and U+FFFF) dropped.

/// Builds one document.
pub struct Xml {
    out: String,
    open: Vec<&'static str>,
}

impl Xml {
    /// A document with the UTF-8 declaration phones need to read non-ASCII text.
    pub fn new() -> Xml {
        Xml {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
    }

    /// Writes the indentation and `<name attr="v" …` (not closed).
    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            escape_into(&mut self.out, v);
            self.out.push('"');
        }
    }

    /// Opens `<name attr="v" …>`.
    pub fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Xml {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.open.push(name);
        self
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) -> &mut Xml {
        if let Some(name) = self.open.pop() {
            self.indent();
            self.out.push_str("</");
            self.out.push_str(name);
            self.out.push_str(">\n");
        }
        self
    }

    /// `<name>text</name>`.
    pub fn leaf(&mut self, name: &str, text: &str) -> &mut Xml {
        self.leaf_with(name, &[], text)
    }

    /// `<name attr="v">text</name>`.
    pub fn leaf_with(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> &mut Xml {
        self.start_tag(name, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
        self
    }

    /// `<name>text</name>` when there is a text; nothing otherwise.
    pub fn leaf_opt(&mut self, name: &str, text: Option<&str>) -> &mut Xml {
        if let Some(t) = text {
            self.leaf(name, t);
        }
        self
    }

    /// The document, every element closed.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
    }
}

impl Default for Xml {
    fn default() -> Self {
        Xml::new()
    }
}

/// Appends `s` escaped for XML text or a double- or single-quoted attribute.
pub fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 allows only tab, LF and CR below 0x20, and neither U+FFFE nor U+FFFF
            // (§2.2 `Char`).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_from_config_are_escaped() {
        let mut x = Xml::new();
        x.open("a", &[("u", "x?a=1&b=\"2\"")])
            .leaf("n", "<Bob & 'Al'>\u{1}")
            .close();
        let s = x.finish();
        assert!(s.contains(r#"<a u="x?a=1&amp;b=&quot;2&quot;">"#), "{s}");
        assert!(s.contains("<n>&lt;Bob &amp; &apos;Al&apos;&gt;</n>"), "{s}");
    }

    /// Found by the `em_api` fuzz target: the EM API's parse error quotes the request, and a
    /// U+FFFE in it made the answer a document no XML parser accepts.
    #[test]
    fn the_noncharacters_xml_forbids_are_dropped_too() {
        let mut x = Xml::new();
        x.leaf_with("error", &[("code", "1\u{FFFF}")], "bad <\u{FFFE}a>");
        let s = x.finish();
        assert!(s.contains("<error code=\"1\">bad &lt;a&gt;</error>"), "{s}");
    }
}
