//! One matcher, three uses: execute a line, describe what may come next (`?`), and complete
//! a word (Tab).
//!
//! All commands offered in a mode run in parallel over the words of the line. At each word
//! only the best-fitting readings survive (see `token` for the scores); two different
//! abbreviated keywords at the best score make the line ambiguous, as in IOS. `no`/`default`
//! and `do` hand the rest of the line to the mode's configuration commands or to EXEC.

use super::graph::{CmdId, Grammar, Kind, ModeId};
use super::token::{Fit, PARTIAL, TokenKind};
use super::words::{Word, split};

/// Who is asking: the mode and the privilege level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ctx {
    /// The current mode.
    pub mode: ModeId,
    /// 1 for `Router>`, 15 for `Router#` and configuration modes.
    pub level: u8,
}

/// One argument of a matched line: the token and its canonical text.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Arg {
    /// Token index in the command.
    pub tok: u16,
    /// Canonical value (keywords in declared spelling).
    pub value: crate::small_str::SmallStr,
}

/// A line that matched a command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Matched {
    /// The command.
    pub cmd: CmdId,
    /// The tokens taken, in order.
    pub args: Vec<Arg>,
    /// The `no`/`default`/`do` that preceded it, if any.
    pub prefix: Option<CmdId>,
}

/// The result of matching a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing but blanks.
    Empty,
    /// Exactly one command.
    Matched(Matched),
    /// A valid start that needs more words.
    Incomplete,
    /// A word that abbreviates two or more keywords.
    Ambiguous,
    /// A word that fits nothing; `at` is the byte offset of the first bad character.
    Invalid {
        /// Offset of the caret.
        at: usize,
    },
}

#[derive(Clone, Debug)]
struct Thread {
    cmd: CmdId,
    state: u16,
    args: Vec<Arg>,
    /// A `LINE` took the rest of the line.
    done: bool,
}

/// Threads alive after some words, or why there are none.
struct Walk {
    threads: Vec<Thread>,
    negate: bool,
    prefix: Option<CmdId>,
}

/// Threads at the start of every command that may run here. With the first word known,
/// only commands whose opening keyword it fits are started: every command opens with a
/// keyword (a grammar invariant), and this keeps a startup-config line to a few threads.
fn start_threads(
    g: &Grammar,
    cmds: &[CmdId],
    level: u8,
    negate: bool,
    first: Option<&str>,
) -> Vec<Thread> {
    let mut out = Vec::new();
    for &cmd in cmds {
        let c = g.cmd(cmd);
        // In EXEC, `no` applies only to `debug` commands, as in IOS.
        let negatable = match c.kind {
            Kind::Config | Kind::Action => true,
            Kind::Exec => c.handler.id().starts_with("debug-"),
            _ => false,
        };
        if c.level > level || (negate && !negatable) {
            continue;
        }
        if first.is_some_and(|w| matches!(c.tokens[0].kind.fit(w), Fit::No { .. })) {
            continue;
        }
        push_closure(
            g,
            &mut out,
            Thread {
                cmd,
                state: 0,
                args: Vec::new(),
                done: false,
            },
        );
    }
    out
}

/// Adds `t` and every thread reachable from it over epsilon edges.
fn push_closure(g: &Grammar, out: &mut Vec<Thread>, t: Thread) {
    let seen = |out: &[Thread], t: &Thread| {
        out.iter()
            .any(|o| o.cmd == t.cmd && o.state == t.state && o.done == t.done)
    };
    let edges = &g.cmd(t.cmd).edges[t.state as usize];
    if edges.iter().all(|(tok, _)| tok.is_some()) {
        // The common case (a plain token follows): no copies of the thread needed.
        if !seen(out, &t) {
            out.push(t);
        }
        return;
    }
    let mut stack = vec![t];
    while let Some(t) = stack.pop() {
        if seen(out, &t) {
            continue;
        }
        for &(tok, to) in &g.cmd(t.cmd).edges[t.state as usize] {
            if tok.is_none() {
                stack.push(Thread {
                    state: to,
                    ..t.clone()
                });
            }
        }
        out.push(t);
    }
}

fn is_complete(g: &Grammar, t: &Thread, negate: bool) -> bool {
    let c = g.cmd(t.cmd);
    if t.done || t.state == c.accept {
        return true;
    }
    if !negate {
        return false;
    }
    if c.key.is_empty() {
        t.args.len() >= c.lead as usize && c.lead > 0
    } else {
        c.key
            .iter()
            .all(|k| t.args.iter().any(|a| k.contains(&a.tok)))
    }
}

/// Advances all threads over `words`; `Err` is the outcome that stops the line.
fn walk(
    g: &Grammar,
    ctx: Ctx,
    cmds: &[CmdId],
    words: &[Word<'_>],
    line: &str,
    negate: bool,
) -> Result<Walk, Outcome> {
    let mut threads = start_threads(g, cmds, ctx.level, negate, words.first().map(|w| w.text));
    if threads.is_empty() {
        // No command fits the first word: start them all so the caret lands where the
        // best one failed.
        threads = start_threads(g, cmds, ctx.level, negate, None);
    }
    for (i, w) in words.iter().enumerate() {
        let mut cands = Vec::new();
        let mut best = 0;
        let mut good = 0;
        for (ti, t) in threads.iter().enumerate() {
            if t.done {
                continue;
            }
            for &(tok, to) in &g.cmd(t.cmd).edges[t.state as usize] {
                let Some(tok) = tok else { continue };
                match g.cmd(t.cmd).tokens[tok as usize].kind.fit(w.text) {
                    Fit::Yes(score) => {
                        best = best.max(score);
                        cands.push((ti, tok, to, score));
                    }
                    Fit::No { good: g2 } => good = good.max(g2),
                }
            }
        }
        let carried: Vec<Thread> = threads.iter().filter(|t| t.done).cloned().collect();
        if cands.is_empty() {
            if carried.is_empty() {
                // `good` counts bytes; the caret goes to the start of the character it ends in
                // (a token may count a multi-byte character in part).
                let mut good = good.min(w.text.len());
                while !w.text.is_char_boundary(good) {
                    good -= 1;
                }
                return Err(Outcome::Invalid { at: w.start + good });
            }
            threads = carried;
            continue;
        }
        cands.retain(|c| c.3 == best);
        if best == PARTIAL {
            let mut kws: Vec<String> = cands
                .iter()
                .filter_map(|&(ti, tok, _, _)| {
                    g.cmd(threads[ti].cmd).tokens[tok as usize]
                        .kind
                        .keyword()
                        .map(str::to_ascii_lowercase)
                })
                .collect();
            kws.sort();
            kws.dedup();
            if kws.len() > 1 {
                // `eph` means `ephone` rather than `ephone-dn`: a keyword that begins every
                // other candidate wins (IOS-style shorthand the administrators rely on).
                let shortest = kws
                    .iter()
                    .min_by_key(|k| k.len())
                    .cloned()
                    .unwrap_or_default();
                if !kws.iter().all(|k| k.starts_with(&shortest)) {
                    return Err(Outcome::Ambiguous);
                }
                cands.retain(|&(ti, tok, _, _)| {
                    g.cmd(threads[ti].cmd).tokens[tok as usize]
                        .kind
                        .keyword()
                        .is_some_and(|k| k.eq_ignore_ascii_case(&shortest))
                });
            }
        }
        let mut next = carried;
        for (ti, tok, to, _) in cands {
            let t = &threads[ti];
            let kind = &g.cmd(t.cmd).tokens[tok as usize].kind;
            let (value, done) = if *kind == TokenKind::Line {
                (line[w.start..].trim_end().to_string(), true)
            } else {
                (kind.canonical(w.text), false)
            };
            let mut args = t.args.clone();
            args.push(Arg {
                tok,
                value: value.into(),
            });
            push_closure(
                g,
                &mut next,
                Thread {
                    cmd: t.cmd,
                    state: to,
                    args,
                    done,
                },
            );
        }
        threads = next;
        // `no`, `default` and `do` hand the rest of the line to other commands.
        if i == 0 && !negate {
            let prefix = threads.first().map(|t| t.cmd).filter(|&c| {
                matches!(g.cmd(c).kind, Kind::Negate | Kind::Do)
                    && threads.iter().all(|t| t.cmd == c)
            });
            if let Some(p) = prefix {
                let (sub_ctx, sub_cmds, sub_negate) = if g.cmd(p).kind == Kind::Do {
                    let exec = g.mode_id("exec").expect("grammar has an exec mode");
                    let c = Ctx {
                        mode: exec,
                        level: 15,
                    };
                    (c, &g.modes[exec].offered[..], false)
                } else {
                    (ctx, &g.modes[ctx.mode].offered[..], true)
                };
                let mut sub = walk(g, sub_ctx, sub_cmds, &words[1..], line, sub_negate)?;
                sub.prefix = Some(p);
                return Ok(sub);
            }
        }
    }
    Ok(Walk {
        threads,
        negate,
        prefix: None,
    })
}

/// Matches a whole line in `ctx`.
pub fn match_line(g: &Grammar, ctx: Ctx, line: &str) -> Outcome {
    let words = split(line);
    if words.is_empty() {
        return Outcome::Empty;
    }
    let cmds = &g.modes[ctx.mode].offered;
    let w = match walk(g, ctx, cmds, &words, line, false) {
        Ok(w) => w,
        Err(o) => return o,
    };
    match w.threads.iter().find(|t| is_complete(g, t, w.negate)) {
        Some(t) => Outcome::Matched(Matched {
            cmd: t.cmd,
            args: t.args.clone(),
            prefix: w.prefix,
        }),
        None => Outcome::Incomplete,
    }
}

/// What `?` shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Help {
    /// After a space: the tokens that may come next with their help; `<cr>` when complete.
    Next(Vec<(String, String)>),
    /// Directly after letters: the keywords that the partial word abbreviates.
    Words(Vec<String>),
    /// The line before `?` is already wrong.
    Error(Outcome),
    /// The partial word fits nothing.
    Unrecognized,
}

/// Help for the line typed so far (without the `?`).
pub fn describe(g: &Grammar, ctx: Ctx, line: &str) -> Help {
    let words = split(line);
    let partial = !line.is_empty() && !line.ends_with([' ', '\t']);
    let (done_words, last) = match (partial, words.split_last()) {
        (true, Some((last, rest))) => (rest, Some(last)),
        _ => (&words[..], None),
    };
    let cmds = &g.modes[ctx.mode].offered;
    let w = match walk(g, ctx, cmds, done_words, line, false) {
        Ok(w) => w,
        Err(o) => return Help::Error(o),
    };
    if let Some(last) = last {
        let mut kws = keywords_after(g, &w, last.text);
        if kws.is_empty() {
            // A partial argument (`max-ephones 2?`) is described like a finished word.
            return match walk(g, ctx, cmds, &words, line, false) {
                Ok(_) => Help::Words(vec![last.text.to_string()]),
                Err(_) => Help::Unrecognized,
            };
        }
        kws.sort_by_key(|k| k.to_ascii_lowercase());
        kws.dedup();
        return Help::Words(kws);
    }
    let mut args = Vec::new();
    let mut kws = Vec::new();
    for t in w.threads.iter().filter(|t| !t.done) {
        let c = g.cmd(t.cmd);
        for &(tok, _) in &c.edges[t.state as usize] {
            let Some(tok) = tok else { continue };
            let token = &c.tokens[tok as usize];
            let entry = (token.kind.display(), token.help.clone());
            let list = if token.kind.keyword().is_some() {
                &mut kws
            } else {
                &mut args
            };
            if !list.iter().any(|(d, _)| *d == entry.0) {
                list.push(entry);
            }
        }
    }
    kws.sort_by_key(|(k, _)| k.to_ascii_lowercase());
    args.extend(kws);
    if w.threads.iter().any(|t| is_complete(g, t, w.negate)) {
        args.push(("<cr>".into(), String::new()));
    }
    Help::Next(args)
}

fn keywords_after(g: &Grammar, w: &Walk, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in w.threads.iter().filter(|t| !t.done) {
        let c = g.cmd(t.cmd);
        for &(tok, _) in &c.edges[t.state as usize] {
            let Some(tok) = tok else { continue };
            if let Some(k) = c.tokens[tok as usize].kind.keyword()
                && super::token::common_prefix(prefix, k) == prefix.len()
                && !out.iter().any(|o| o == k)
            {
                out.push(k.to_string());
            }
        }
    }
    out
}

/// Tab completion: the byte offset where the partial word starts and the keywords it may
/// become. One candidate means the word can be completed (a space is appended).
pub fn complete(g: &Grammar, ctx: Ctx, line: &str) -> (usize, Vec<String>) {
    let words = split(line);
    let partial = !line.is_empty() && !line.ends_with([' ', '\t']);
    let Some((last, rest)) = words.split_last().filter(|_| partial) else {
        return (line.len(), Vec::new());
    };
    let cmds = &g.modes[ctx.mode].offered;
    let Ok(w) = walk(g, ctx, cmds, rest, line, false) else {
        return (last.start, Vec::new());
    };
    let mut kws = keywords_after(g, &w, last.text);
    kws.sort_by_key(|k| k.to_ascii_lowercase());
    (last.start, kws)
}

/// The IOS text for a line that did not match; `prompt_len` aligns the caret.
pub fn outcome_error(outcome: &Outcome, line: &str, prompt_len: usize) -> String {
    match outcome {
        Outcome::Invalid { at } => format!(
            "{}^\n% Invalid input detected at '^' marker.\n\n",
            " ".repeat(prompt_len + line[..*at].chars().count())
        ),
        Outcome::Incomplete => "% Incomplete command.\n\n".into(),
        Outcome::Ambiguous => format!("% Ambiguous command:  \"{}\"\n", line.trim()),
        Outcome::Empty | Outcome::Matched(_) => String::new(),
    }
}

/// Matches `line` in the session's mode, falling back to enclosing configuration modes as
/// IOS does when a line does not parse in a sub-mode (`ephone-dn 2` typed in
/// `(config-ephone-dn)#`). Returns the outcome and the mode it matched in. When no mode
/// matches, the error of the mode that read furthest into the line is reported (`ephone`
/// alone in `(config-ephone)#` is incomplete in the parent, not invalid here).
pub fn match_with_fallback(g: &Grammar, ctx: Ctx, line: &str) -> (Outcome, ModeId) {
    let progress = |o: &Outcome| match o {
        Outcome::Incomplete => (2, 0),
        Outcome::Ambiguous => (1, 0),
        Outcome::Invalid { at } => (0, *at),
        Outcome::Empty | Outcome::Matched(_) => (3, 0),
    };
    // Whether the line's first word is its command's keyword in full: `ephone 2` typed in
    // `(config-ephone)#` is the global `ephone`, not an abbreviated `ephone-template 2`.
    let first = line.split_whitespace().next().unwrap_or("");
    let exact = |o: &Outcome| match o {
        Outcome::Matched(m) => g.cmd(m.prefix.unwrap_or(m.cmd)).tokens[0]
            .kind
            .keyword()
            .is_some_and(|k| k.eq_ignore_ascii_case(first)),
        _ => false,
    };
    let mut best = (match_line(g, ctx, line), ctx.mode);
    let mut mode = ctx.mode;
    while !exact(&best.0) && !matches!(best.0, Outcome::Empty) {
        let Some(parent) = g.modes[mode]
            .parent
            .filter(|p| !g.modes[*p].prompt.is_empty())
        else {
            break;
        };
        let o = match_line(
            g,
            Ctx {
                mode: parent,
                level: ctx.level,
            },
            line,
        );
        if matches!(best.0, Outcome::Matched(_)) {
            // Matched here with an abbreviation: only a parent's exact keyword wins over it.
            if exact(&o) {
                best = (o, parent);
            }
        } else if progress(&o) > progress(&best.0) {
            best = (o, parent);
        }
        mode = parent;
    }
    if !matches!(best.0, Outcome::Matched(_)) {
        // A refused line does not move the session.
        best.1 = ctx.mode;
    }
    best
}
