//! Output filters of `show` commands: `| include|exclude|begin|section REGEX`.

use regex::Regex;

use super::exec::Reply;
use crate::config::tree::Line;
use crate::grammar::graph::Grammar;

/// Applies an output filter (`| include REGEX` …) to `text`.
pub(super) fn filtered(g: &Grammar, line: &Line, text: String) -> Reply {
    let (Some(filter), Some(pattern)) = (line.get(g, "filter"), line.get(g, "regex")) else {
        return Reply::text(text);
    };
    let re = match Regex::new(pattern) {
        Ok(re) => re,
        Err(_) => return Reply::err(format!("% Invalid regular expression \"{pattern}\"\n")),
    };
    let mut out = String::new();
    match filter {
        "include" => text
            .lines()
            .filter(|l| re.is_match(l))
            .for_each(|l| push_line(&mut out, l)),
        "exclude" => text
            .lines()
            .filter(|l| !re.is_match(l))
            .for_each(|l| push_line(&mut out, l)),
        "begin" => text
            .lines()
            .skip_while(|l| !re.is_match(l))
            .for_each(|l| push_line(&mut out, l)),
        _ => {
            // section: a matching top-level line with its indented lines.
            let mut inside = false;
            for l in text.lines() {
                if !l.starts_with(' ') {
                    inside = re.is_match(l);
                }
                if inside {
                    push_line(&mut out, l);
                }
            }
        }
    }
    Reply::text(out)
}

fn push_line(out: &mut String, l: &str) {
    out.push_str(l);
    out.push('\n');
}
