//! Reads a whole startup-config: the same matcher as the console, line by line with IOS
//! parent-mode fallback, then one model build.
//!
//! A bad line is reported as `FILE:LINE:COL: <IOS message>` with the line and a caret, and
//! left out; the rest still loads. Lines the model refuses (a button naming a missing DN …)
//! are reported the same way and dropped, repeatedly, until the configuration builds cleanly.

use crate::config::build::build;
use crate::config::model::Model;
use crate::config::tree::{ConfigTree, Line, Origin, key_of};
use crate::grammar::graph::{Grammar, Kind};
use crate::grammar::matcher::{Ctx, Outcome, match_with_fallback, outcome_error};

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
}

impl Diagnostic {
    /// `FILE:LINE:COL: message`, then the line and a caret under the column.
    pub fn render(&self, file: &str) -> String {
        format!(
            "{file}:{}:{}: {}\n{}\n{}^\n",
            self.line,
            self.col,
            self.message,
            self.text,
            " ".repeat(self.col.saturating_sub(1))
        )
    }
}

/// The result of loading a startup-config.
#[derive(Clone, Debug, Default)]
pub struct Loaded {
    /// The lines that loaded.
    pub tree: ConfigTree,
    /// The model built from them.
    pub model: Model,
    /// Every problem, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

/// Header lines of `show running-config` output, accepted so a saved transcript loads.
fn is_banner(line: &str) -> bool {
    line.starts_with("Building configuration")
        || line.starts_with("Current configuration :")
        || line.starts_with("Using ") && line.ends_with(" bytes")
}

/// Where the loader stands: the mode and the section being configured.
struct Cursor {
    mode: crate::grammar::graph::ModeId,
    path: crate::config::tree::SectionPath,
}

/// Loads configuration text.
pub fn load(g: &Grammar, text: &str) -> Loaded {
    let config_mode = g.mode_id("config").expect("config mode");
    let mut s = Cursor {
        mode: config_mode,
        path: Vec::new(),
    };
    let mut tree = ConfigTree::default();
    let mut diagnostics = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (n, raw) in lines.iter().enumerate() {
        let line = raw.trim_end_matches('\r');
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('!') || is_banner(trimmed) {
            continue;
        }
        let col = line.len() - trimmed.len() + 1;
        let (outcome, mode) = match_with_fallback(
            g,
            Ctx {
                mode: s.mode,
                level: 15,
            },
            line,
        );
        let m = match outcome {
            Outcome::Matched(m) => m,
            Outcome::Empty => continue,
            other => {
                let at = match other {
                    Outcome::Invalid { at } => at + 1,
                    _ => col,
                };
                let message = outcome_error(&other, line, 0);
                let message = message
                    .lines()
                    .find(|l| l.starts_with('%'))
                    .unwrap_or("")
                    .to_string();
                diagnostics.push(Diagnostic {
                    line: n + 1,
                    col: at,
                    message,
                    text: line.to_string(),
                });
                continue;
            }
        };
        if mode != s.mode {
            s.mode = mode;
            s.path.clear();
        }
        let cmd = g.cmd(m.cmd);
        let negated = m.prefix.is_some_and(|p| g.cmd(p).kind == Kind::Negate);
        let origin = Some(Origin { line: n + 1, col });
        match (m.prefix.map(|p| g.cmd(p).kind), cmd.kind) {
            (Some(Kind::Do), _) | (_, Kind::Action | Kind::Exec) => {}
            (_, Kind::Exit) => {
                let parent = g.modes[s.mode]
                    .parent
                    .filter(|p| !g.modes[*p].prompt.is_empty());
                s.mode = parent.unwrap_or(config_mode);
                s.path.pop();
            }
            (_, Kind::End) => break,
            (_, Kind::Config) if negated => {
                let l = Line::matched(&m, origin);
                let key = key_of(g, s.mode, &l);
                tree.remove(&s.path, &key);
            }
            (_, Kind::Config) => {
                let l = Line::matched(&m, origin);
                if let Some((key, _)) = tree.set(g, &s.path, s.mode, l)
                    && let Some(sub) = cmd.enters
                {
                    s.path.push(key);
                    s.mode = sub;
                }
            }
            _ => {}
        }
    }
    // Drop what the model refuses until it builds cleanly; each round can only shrink the tree.
    loop {
        let (model, errors) = build(g, &tree);
        if errors.is_empty() {
            diagnostics.sort_by_key(|d| (d.line, d.col));
            return Loaded {
                tree,
                model,
                diagnostics,
            };
        }
        let mut dropped = 0;
        for e in errors {
            let origin = e.origin.unwrap_or(Origin { line: 0, col: 1 });
            diagnostics.push(Diagnostic {
                line: origin.line,
                col: origin.col,
                message: e.message.clone(),
                text: lines
                    .get(origin.line.wrapping_sub(1))
                    .copied()
                    .unwrap_or("")
                    .trim_end()
                    .to_string(),
            });
            dropped += usize::from(tree.remove(&e.section, &e.key).is_some());
        }
        if dropped == 0 {
            // Nothing left to drop (cannot happen for errors tied to lines); stop rather than spin.
            let (model, _) = build(g, &tree);
            return Loaded {
                tree,
                model,
                diagnostics,
            };
        }
    }
}
