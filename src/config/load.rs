//! Reads a whole startup-config: sections by indentation, the same matcher as the console,
//! then one model build.
//!
//! A line belongs to the section whose header it is indented under, and is matched in that
//! section's mode only (no IOS parent-mode fallback: that is for interactive typing). A file
//! with no indentation at all still loads as IOS reads it: a line is tried in the section
//! opened last, then its parents, then globally, unless a global line (applied or refused)
//! came in between.
//!
//! A line that is not applied, with every line indented under it, is kept (`config::kept`)
//! and never applied anywhere else:
//! - a global line of an IOS family outside telephony (`interface`, `router`, `banner` with
//!   its delimited text …) is counted in its family's report ([`Loaded::families`]);
//! - any other line that does not parse is reported as `FILE:LINE:COL: <IOS message>` with the
//!   line and a caret, and how many lines under it went with it;
//! - a line the model refuses (a button naming a missing DN …) is reported the same way and
//!   set aside with its section, repeatedly, until the configuration builds cleanly.

use crate::config::build::build;
use crate::config::kept::{self, FamilyCount, Kept, Reason};
use crate::config::model::Model;
use crate::config::running::entry_lines;
use crate::config::tree::{ConfigTree, Line, LineKey, Origin, SectionPath, key_of};
use crate::grammar::graph::{Grammar, Kind, ModeId};
use crate::grammar::handler::Handler;
use crate::grammar::matcher::{Ctx, Outcome, match_line, match_with_fallback, outcome_error};

/// One problem found in a startup-config.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based line.
    pub line: usize,
    /// 1-based column of the problem.
    pub col: usize,
    /// The IOS message (`% Invalid input detected at '^' marker.` …).
    pub message: String,
    /// The offending line as written.
    pub text: String,
    /// How many lines indented under it were not applied with it.
    pub under: usize,
}

impl Diagnostic {
    /// `FILE:LINE:COL: message`, then the line and a caret under the column, then how many
    /// lines under it were not applied either.
    pub fn render(&self, file: &str) -> String {
        let mut out = format!(
            "{file}:{}:{}: {}\n{}\n{}^\n",
            self.line,
            self.col,
            self.message,
            self.text,
            " ".repeat(self.col.saturating_sub(1))
        );
        if self.under > 0 {
            let s = if self.under == 1 { "line" } else { "lines" };
            out.push_str(&format!(
                "{file}:{}: the {} {s} indented under it {} not applied either\n",
                self.line,
                self.under,
                if self.under == 1 { "was" } else { "were" }
            ));
        }
        out
    }
}

/// The result of loading a startup-config.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The lines that loaded, and those kept without being applied.
    pub tree: ConfigTree,
    /// The model built from them.
    pub model: Model,
    /// Every error, in file order.
    pub diagnostics: Vec<Diagnostic>,
    /// The families outside telephony that were not applied, once each (not errors).
    pub families: Vec<FamilyCount>,
}

/// Header lines of `show running-config` output, accepted so a saved transcript loads.
fn is_banner(line: &str) -> bool {
    line.starts_with("Building configuration")
        || line.starts_with("Current configuration :")
        || line.starts_with("Using ") && line.ends_with(" bytes")
}

/// A header still open: the lines indented deeper than it belong to it.
enum Open {
    /// An applied section: its lines are matched in its mode. `last` is the line applied
    /// last in it, which a kept block is written back after.
    Section {
        indent: usize,
        mode: ModeId,
        path: SectionPath,
        last: Option<LineKey>,
    },
    /// A kept block: its lines join it unread.
    Kept {
        indent: usize,
        path: SectionPath,
        index: usize,
        diag: Option<usize>,
    },
}

impl Open {
    fn indent(&self) -> usize {
        match self {
            Open::Section { indent, .. } | Open::Kept { indent, .. } => *indent,
        }
    }
}

/// A `banner` whose delimited text runs over the next lines.
struct Banner {
    delim: String,
    index: usize,
}

/// Loads configuration text.
pub fn load(g: &Grammar, text: &str) -> Loaded {
    let config_mode = g.mode_id("config").expect("config mode");
    let mut stack = vec![Open::Section {
        indent: 0,
        mode: config_mode,
        path: Vec::new(),
        last: None,
    }];
    let mut tree = ConfigTree::default();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut banner: Option<Banner> = None;
    // The section an unindented line may still belong to (see below).
    let mut flat: Option<(ModeId, SectionPath)> = None;
    let lines: Vec<&str> = text.lines().collect();
    // Indentation is authoritative in a file that uses it; only a file without any is read
    // with IOS fallback to the section opened last (`flat`). A file cmed saved with kept
    // lines (its header says so) is always read by indentation, as cmed indents every
    // section it writes: read flat, a kept line written after a refused section header
    // would join that section at the next load (found by the config_load fuzz target).
    let flat_file = !lines
        .iter()
        .any(|l| l.starts_with([' ', '\t']) && !l.trim().is_empty() || kept::is_saved_header(l));
    for (n, raw) in lines.iter().enumerate() {
        let line = raw.trim_end();
        if let Some(b) = &banner {
            if let Some(k) = tree.root.kept.get_mut(b.index) {
                k.lines.push(line.to_string());
            }
            if line.contains(b.delim.as_str()) {
                banner = None;
            }
            continue;
        }
        // Indentation is spaces and tabs, the blanks the word splitter and the saved file
        // know: a line starting with a vertical tab or a form feed fits no command as read,
        // and trimmed of it here it was kept, saved trimmed, and matched a command at the
        // next load (bug 12 of FUZZING.md).
        let trimmed = line.trim_start_matches([' ', '\t']);
        if trimmed.is_empty() || trimmed.starts_with('!') || is_banner(trimmed) {
            continue;
        }
        let indent = line.len() - trimmed.len();
        let col = indent + 1;
        while stack.len() > 1 && stack.last().is_some_and(|o| o.indent() >= indent) {
            stack.pop();
        }
        let (mode, path) = match stack.last().expect("the root is never popped") {
            Open::Kept {
                path, index, diag, ..
            } => {
                if let Some(k) = tree.section_mut(path).and_then(|s| s.kept.get_mut(*index)) {
                    k.lines.push(line.to_string());
                }
                if let Some(d) = diag {
                    diagnostics[*d].under += 1;
                }
                continue;
            }
            Open::Section { mode, path, .. } => (*mode, path.clone()),
        };
        let (mut mode, mut path) = (mode, path);
        let mut outcome = Outcome::Empty;
        let mut unindented = false;
        // A file written without indentation: IOS tries the section still open first, then
        // its parents, then the global commands, as long as no global line (applied or
        // refused) came in between.
        if let (Some((fm, fp)), 1) = (&flat, stack.len()) {
            let (o, m) = match_with_fallback(
                g,
                Ctx {
                    mode: *fm,
                    level: 15,
                },
                line,
            );
            if matches!(o, Outcome::Matched(_)) {
                let (mut at, mut p) = (*fm, fp.clone());
                while at != m {
                    at = g.modes[at].parent.unwrap_or(m);
                    p.pop();
                }
                unindented = !p.is_empty();
                (mode, path) = (m, p);
            }
            outcome = o;
        }
        if !unindented && !matches!(outcome, Outcome::Matched(_)) {
            outcome = match_line(g, Ctx { mode, level: 15 }, line);
        }
        if stack.len() == 1 && !unindented {
            // A global line (applied or refused) closes the unindented section.
            flat = None;
        }
        let m = match outcome {
            Outcome::Matched(m) => m,
            Outcome::Empty => continue,
            other => {
                let global = path.is_empty();
                let after = match stack.last() {
                    Some(Open::Section { last, .. }) => last.clone(),
                    _ => None,
                };
                let keep = |reason| {
                    let s = tree.section_mut(&path).expect("open sections exist");
                    s.kept.push(Kept {
                        after,
                        lines: vec![line.to_string()],
                        reason,
                        line: n + 1,
                    })
                };
                if let Some((delim, closed)) =
                    global.then(|| kept::banner_delimiter(trimmed)).flatten()
                {
                    let index = keep(Reason::Family(kept::family_of("banner").expect("banner")));
                    if !closed {
                        banner = Some(Banner { delim, index });
                    }
                    continue;
                }
                let family = if global {
                    kept::family_of(trimmed)
                } else {
                    kept::family_within(&g.modes[mode].name)
                };
                let (reason, diag) = match family {
                    Some(f) => (Reason::Family(f), None),
                    None => {
                        let at = match other {
                            Outcome::Invalid { at } => at + 1,
                            _ => col,
                        };
                        let message = outcome_error(&other, line, 0)
                            .lines()
                            .find(|l| l.starts_with('%'))
                            .unwrap_or("")
                            .to_string();
                        diagnostics.push(Diagnostic {
                            line: n + 1,
                            col: at,
                            message: message.clone(),
                            text: line.to_string(),
                            under: 0,
                        });
                        (Reason::Invalid(message), Some(diagnostics.len() - 1))
                    }
                };
                let index = keep(reason);
                stack.push(Open::Kept {
                    indent,
                    path,
                    index,
                    diag,
                });
                continue;
            }
        };
        let cmd = g.cmd(m.cmd);
        let negated = m.prefix.is_some_and(|p| g.cmd(p).kind == Kind::Negate);
        // `no vad` is stored (vad is on by default); `default vad` removes the line.
        let stored_no = cmd.default_on && m.prefix.is_some_and(|p| g.cmd(p).handler == Handler::No);
        let origin = Some(Origin {
            line: (n + 1) as u32,
            col: col as u32,
        });
        match (m.prefix.map(|p| g.cmd(p).kind), cmd.kind) {
            // `exit` is implied by indentation; actions and EXEC commands do not configure.
            (Some(Kind::Do), _) | (_, Kind::Action | Kind::Exec | Kind::Exit) => {}
            (_, Kind::End) => break,
            (_, Kind::Config) if negated && !stored_no => {
                let l = Line::matched(&m, origin);
                let key = key_of(g, mode, &l);
                tree.remove(&path, &key);
            }
            (_, Kind::Config) => {
                let l = if negated {
                    Line::negated(&m, origin)
                } else {
                    Line::matched(&m, origin)
                };
                if let Some((key, _)) = tree.set(g, &path, mode, l) {
                    if !unindented && let Some(Open::Section { last, .. }) = stack.last_mut() {
                        *last = Some(key.clone());
                    }
                    if let Some(sub) = cmd.enters {
                        let mut inner = path.clone();
                        inner.push(key);
                        if stack.len() == 1 && flat_file {
                            flat = Some((sub, inner.clone()));
                        }
                        if !unindented {
                            // Re-entered (`ephone-dn 1` again): kept lines follow what it has.
                            let last = tree
                                .section(&inner)
                                .and_then(|s| s.entries.keys().next_back().cloned());
                            stack.push(Open::Section {
                                indent,
                                mode: sub,
                                path: inner,
                                last,
                            });
                        }
                    } else if unindented {
                        flat = Some((mode, path.clone()));
                    }
                }
            }
            _ => {}
        }
    }
    // A banner still open at the end of the file is closed with its delimiter: written back
    // open, it would take what `write memory` writes after it (`end`) at the next load.
    if let Some(b) = banner
        && let Some(k) = tree.root.kept.get_mut(b.index)
    {
        k.lines.push(b.delim);
    }
    let model = set_aside_refused(g, &mut tree, &lines, &mut diagnostics);
    diagnostics.sort_by_key(|d| (d.line, d.col));
    let families = kept::families(&tree.root);
    Loaded {
        tree,
        model,
        diagnostics,
        families,
    }
}

/// Sets aside what the model refuses until it builds cleanly; each round can only shrink the
/// applied tree. A refused line (with its section) is kept in canonical form where it was.
/// Returns the model of what is left.
fn set_aside_refused(
    g: &Grammar,
    tree: &mut ConfigTree,
    lines: &[&str],
    diagnostics: &mut Vec<Diagnostic>,
) -> Model {
    loop {
        let (model, errors) = build(g, tree);
        let mut dropped = 0;
        for e in errors {
            let origin = e.origin.unwrap_or(Origin { line: 0, col: 1 });
            let mut under = 0;
            if let Some(entry) = tree.remove(&e.section, &e.key) {
                dropped += 1;
                let kept_lines = entry_lines(g, &entry, e.section.len());
                under = kept_lines.len() - 1;
                if let Some(s) = tree.section_mut(&e.section) {
                    s.kept.push(Kept {
                        after: Some(e.key.clone()),
                        lines: kept_lines,
                        reason: Reason::Refused(e.message.clone()),
                        line: origin.line as usize,
                    });
                }
            }
            diagnostics.push(Diagnostic {
                line: origin.line as usize,
                col: origin.col as usize,
                message: e.message,
                text: lines
                    .get((origin.line as usize).wrapping_sub(1))
                    .copied()
                    .unwrap_or("")
                    .trim_end()
                    .to_string(),
                under,
            });
        }
        if dropped == 0 {
            // Clean, or nothing left to set aside (cannot happen for errors tied to lines).
            return model;
        }
    }
}
