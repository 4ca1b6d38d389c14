//! Renders the running configuration in IOS form, from the stored lines and the grammar.
//!
//! The order is the grammar's: global commands in `config.cli` order, each section's lines in
//! its mode's order. Separators are the grammar's too (`gap`): real CME routers print two `!`
//! after `telephony-service` and each `ephone-dn`, three after each `ephone`. Sub-sections
//! (`voice service voip` / `sip`) are indented one more space per level.
//!
//! `startup_config` adds the lines kept from the startup-config that cmed did not apply
//! (`config::kept`), each after the applied line it followed; `running_config` shows only
//! what is applied.

use crate::config::kept;
use crate::config::tree::{ConfigTree, Entry, Line, LineKey, Section};
use crate::grammar::graph::{Grammar, Kind};
use crate::grammar::token::TokenKind;

/// One command line in canonical form (no indentation, no newline).
pub fn line(g: &Grammar, l: &Line) -> String {
    let c = g.cmd(l.cmd);
    let mut out = String::from(if l.negated { "no" } else { "" });
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

/// The configuration body, from the first `!` to `end`: what is applied (`show
/// running-config`).
pub fn running_config(g: &Grammar, tree: &ConfigTree) -> String {
    render(g, tree, false)
}

/// The text `write memory` saves: what is applied, and the startup-config lines cmed did not
/// apply, each back after the applied line it followed in its section, as read. Loading it
/// gives the same applied configuration and the same kept lines, so saving again gives the
/// same file.
pub fn startup_config(g: &Grammar, tree: &ConfigTree) -> String {
    render(g, tree, true)
}

fn render(g: &Grammar, tree: &ConfigTree, with_kept: bool) -> String {
    let mut out = String::from("!\n");
    let kept = if with_kept {
        kept::count(&tree.root)
    } else {
        0
    };
    if kept > 0 {
        out.push_str(&kept::saved_header(kept));
        out.push_str("\n!\n");
    }
    let root = &tree.root;
    let mut plain_run = false;
    let mut pending = with_kept.then(|| in_place_order(root).into_iter().peekable());
    let mut flush = |out: &mut String, plain_run: &mut bool, before: Option<&LineKey>| {
        let Some(it) = pending.as_mut() else { return };
        while let Some(k) = it.next_if(|k| before.is_none_or(|b| k.after.as_ref() < Some(b))) {
            if k.lines.len() > 1 {
                if *plain_run {
                    out.push_str("!\n");
                }
                push_block(out, k, 0);
                out.push_str("!\n");
                *plain_run = false;
            } else {
                push_block(out, k, 0);
                *plain_run = true;
            }
        }
    };
    // The mode of the section just written when its mode has `gap 0` (`line`): IOS writes
    // such sections one after the other and closes the run with one `!`.
    let mut gapless = None;
    for (key, entry) in &root.entries {
        flush(&mut out, &mut plain_run, Some(key));
        let c = g.cmd(entry.line.cmd);
        if c.kind != Kind::Config {
            continue;
        }
        match (&entry.body, c.enters) {
            (Some(body), Some(mode)) => {
                if plain_run && gapless != Some(mode) {
                    out.push_str("!\n");
                }
                plain_run = false;
                out.push_str(&line(g, &entry.line));
                out.push('\n');
                section(g, body, 1, with_kept, &mut out);
                for _ in 0..g.modes[mode].gap {
                    out.push_str("!\n");
                }
                gapless = (g.modes[mode].gap == 0).then_some(mode);
                plain_run |= gapless.is_some();
            }
            _ => {
                if gapless.take().is_some() {
                    out.push_str("!\n");
                }
                out.push_str(&line(g, &entry.line));
                out.push('\n');
                plain_run = true;
            }
        }
    }
    flush(&mut out, &mut plain_run, None);
    if plain_run {
        out.push_str("!\n");
    }
    out.push_str("end\n");
    out
}

/// A section's kept blocks by the line they follow, file order among those of one line.
/// File order is the blocks' line numbers, not the order they were kept in: a section the
/// model refuses is kept last, under its own key, after the unapplied lines that followed it.
fn in_place_order(s: &Section) -> Vec<&kept::Kept> {
    let mut v: Vec<&kept::Kept> = s.kept.iter().collect();
    v.sort_by(|a, b| a.after.cmp(&b.after).then(a.line.cmp(&b.line)));
    v
}

/// A kept block at `depth`: the block's own indentation (that of its first line) becomes one
/// space per level, as cmed writes sections, and everything after it is written as it was
/// read; so the block reads back into the same section whatever indentation the original
/// file used. A global block (depth 0, first line unindented) is written verbatim, and so is
/// a banner's text.
fn push_block(out: &mut String, k: &kept::Kept, depth: usize) {
    if matches!(&k.reason, kept::Reason::Family(f) if f.name == "banner") {
        return push_lines(out, &k.lines);
    }
    // Spaces and tabs, as the loader counts indentation (a leading vertical tab is text).
    let indent = |l: &str| l.len() - l.trim_start_matches([' ', '\t']).len();
    let base = k.lines.first().map_or(0, |l| indent(l));
    for l in &k.lines {
        out.push_str(&" ".repeat(depth));
        out.push_str(&l[base.min(indent(l))..]);
        out.push('\n');
    }
}

fn push_lines(out: &mut String, lines: &[String]) {
    for l in lines {
        out.push_str(l);
        out.push('\n');
    }
}

/// A section's lines at `depth` (one space each), sub-sections nested, kept blocks back
/// after the line they followed.
fn section(g: &Grammar, body: &Section, depth: usize, with_kept: bool, out: &mut String) {
    let mut kept = in_place_order(body)
        .into_iter()
        .filter(|_| with_kept)
        .peekable();
    for (key, entry) in &body.entries {
        while let Some(k) = kept.next_if(|k| k.after.as_ref() < Some(key)) {
            push_block(out, k, depth);
        }
        if g.cmd(entry.line.cmd).kind != Kind::Config {
            continue;
        }
        out.push_str(&" ".repeat(depth));
        out.push_str(&line(g, &entry.line));
        out.push('\n');
        if let Some(sub) = &entry.body {
            section(g, sub, depth + 1, with_kept, out);
        }
    }
    for k in kept {
        push_block(out, k, depth);
    }
}

/// An entry as canonical lines at `depth` (its header, then its section with what it kept),
/// for keeping an entry the configuration refused.
pub fn entry_lines(g: &Grammar, entry: &Entry, depth: usize) -> Vec<String> {
    let mut out = format!("{}{}\n", " ".repeat(depth), line(g, &entry.line));
    if let Some(body) = &entry.body {
        section(g, body, depth + 1, true, &mut out);
    }
    out.lines().map(String::from).collect()
}

/// `show running-config`: the IOS header, then the body.
pub fn show_running_config(body: &str) -> String {
    format!(
        "Building configuration...\n\nCurrent configuration : {} bytes\n{body}",
        body.len()
    )
}

/// `show startup-config unapplied`: every kept block in file order, each after a comment
/// line with where it was read, the section it is in and why it is not applied.
pub fn unapplied(g: &Grammar, tree: &ConfigTree) -> String {
    let mut blocks = kept::walk(&tree.root);
    if blocks.is_empty() {
        return "Every line of the startup-config is applied\n".into();
    }
    blocks.sort_by_key(|(_, k)| k.line);
    let total: usize = blocks.iter().map(|(_, k)| k.lines.len()).sum();
    let mut out = format!(
        "{} of the startup-config {} not applied by cmed (kept, written back by write memory)\n",
        kept::lines(total),
        if total == 1 { "is" } else { "are" }
    );
    for (path, k) in blocks {
        let mut at = format!("! line {}", k.line);
        let mut s = &tree.root;
        for key in &path {
            let Some(e) = s.entries.get(key) else { break };
            at.push_str(&format!(", under {}", line(g, &e.line)));
            match &e.body {
                Some(b) => s = b,
                None => break,
            }
        }
        out.push_str(&format!("{at}: {}\n", k.reason.describe()));
        push_lines(&mut out, &k.lines);
    }
    out
}
