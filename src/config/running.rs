//! Renders the running configuration in IOS form, from the stored lines and the grammar.
//!
//! The order is the grammar's: global commands in `config.cli` order, each section's lines in
//! its mode's order. Separators are the grammar's too (`gap`): real CME routers print two `!`
//! after `telephony-service` and each `ephone-dn`, three after each `ephone`.

use crate::config::tree::{ConfigTree, Line, Section};
use crate::grammar::graph::{Grammar, Kind};
use crate::grammar::token::TokenKind;

/// One command line in canonical form (no indentation, no newline).
pub fn line(g: &Grammar, l: &Line) -> String {
    let c = g.cmd(l.cmd);
    let mut out = String::new();
    let mut prev = None;
    for a in &l.args {
        let t = &c.tokens[a.tok as usize];
        if !out.is_empty() {
            out.push(' ');
            // CME prints two spaces before block tags and button lists: `ephone  1`.
            if c.wide(a.tok) && prev != Some(a.tok) {
                out.push(' ');
            }
        }
        if t.kind == TokenKind::Text {
            out.push('"');
            out.push_str(&a.value);
            out.push('"');
        } else {
            out.push_str(&a.value);
        }
        prev = Some(a.tok);
    }
    out
}

/// The configuration body, from the first `!` to `end`, as written to the startup-config.
pub fn running_config(g: &Grammar, tree: &ConfigTree) -> String {
    let mut out = String::from("!\n");
    let mut plain_run = false;
    for entry in tree.root.entries.values() {
        let c = g.cmd(entry.line.cmd);
        if c.kind != Kind::Config {
            continue;
        }
        match (&entry.body, c.enters) {
            (Some(body), Some(mode)) => {
                if plain_run {
                    out.push_str("!\n");
                    plain_run = false;
                }
                out.push_str(&line(g, &entry.line));
                out.push('\n');
                section(g, body, &mut out);
                for _ in 0..g.modes[mode].gap {
                    out.push_str("!\n");
                }
            }
            _ => {
                out.push_str(&line(g, &entry.line));
                out.push('\n');
                plain_run = true;
            }
        }
    }
    if plain_run {
        out.push_str("!\n");
    }
    out.push_str("end\n");
    out
}

fn section(g: &Grammar, body: &Section, out: &mut String) {
    for entry in body.entries.values() {
        out.push(' ');
        out.push_str(&line(g, &entry.line));
        out.push('\n');
    }
}

/// `show running-config`: the IOS header, then the body.
pub fn show_running_config(body: &str) -> String {
    format!(
        "Building configuration...\n\nCurrent configuration : {} bytes\n{body}",
        body.len()
    )
}
