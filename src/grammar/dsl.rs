//! Reads the `grammar/*.cli` declaration files.
//!
//! A grammar file declares one CLI mode and every command of it, once: the syntax, help for
//! each token, the handler, the sub-mode it enters and its impact on phones. This module only
//! turns the text into declarations (nom 8); `graph` compiles them into matchers and checks
//! cross-references. The format:
//!
//! ```text
//! mode ephone-dn                      # one mode per file
//! prompt config-ephone-dn
//! parent config
//! include config-common               # also offer that mode's commands here
//! gap 2                               # `!` lines after each section in the running-config
//! title "Ephone DN configuration commands"
//! help number "Define E.164 telephone number"     # file-wide help for a token
//!
//! cmd "number WORD$number [secondary WORD$secondary]"
//!   id dn-number                      # the handler (`accepted`: stored and rendered, no
//!                                     # effect in cmed yet; `cmed check` lists those lines)
//!   help $number "Telephone number"   # help for this command's tokens
//!   impact restart                    # none | regen | restart | reset
//!   key $tag                          # arguments naming one instance (repeatable lines)
//!   wide $tag                         # printed after two spaces (`ephone  1`)
//!   enters ephone                     # sub-mode entered
//!   kind action                       # config (default in config modes) | action | exec
//!                                     # | negate | do | exit | end
//!   level 1                           # available in user EXEC (`Router>`)
//!   default-on                        # on by default: `no` is stored and rendered (`no vad`)
//! ```
//!
//! Syntax: bare words are keywords; `WORD`, `LINE`, `TEXT`, `H.H.H`, `A.B.C.D`, `HH:MM`,
//! `HHH:MM`, `BUTTON`, `TARGET`, `SIPTARGET`, `PIPE` and `<lo-hi>` are arguments; `[ ]` is optional,
//! `{a|b}` a choice, `[a|b]` an optional choice; `$name` binds the token or choice before it;
//! `...` after an argument repeats it.

use nom::branch::alt;
use nom::bytes::complete::{is_not, tag, take_till, take_while1};
use nom::character::complete::{char, digit1, space0, space1};
use nom::combinator::{all_consuming, map, map_res, opt, recognize};
use nom::multi::separated_list1;
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

/// One element of a command's syntax.
#[derive(Clone, Debug, PartialEq)]
pub enum Elem {
    /// A keyword or argument.
    Tok(TokDecl),
    /// `[ ... ]`: the inner sequences are alternatives, all optional.
    Opt(Vec<Vec<Elem>>),
    /// `{ ... }`: exactly one of the inner sequences.
    Alt(Vec<Vec<Elem>>),
}

/// A token as written in a syntax string.
#[derive(Clone, Debug, PartialEq)]
pub struct TokDecl {
    /// Keyword text, or the argument kind as written (`WORD`, `<1-48>` …).
    pub text: String,
    /// `$name` binding, if any.
    pub bind: Option<String>,
    /// Followed by `...`.
    pub repeat: bool,
}

/// A `cmd` block.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CmdDecl {
    /// The syntax string.
    pub syntax: String,
    /// Parsed syntax.
    pub elems: Vec<Elem>,
    /// Handler id (`id`).
    pub id: String,
    /// `kind`, if given.
    pub kind: Option<String>,
    /// `enters`, if given.
    pub enters: Option<String>,
    /// `impact`, if given.
    pub impact: Option<String>,
    /// `key` bindings.
    pub key: Vec<String>,
    /// `wide` bindings: printed after two spaces in the running-config.
    pub wide: Vec<String>,
    /// `level`, if given.
    pub level: Option<u8>,
    /// `default-on`: the command is on by default, so its `no` form is a stored line.
    pub default_on: bool,
    /// Help given inside the block, by token text (`number`) or binding (`$number`).
    pub help: Vec<(String, String)>,
    /// Line of the `cmd` directive in its file.
    pub line: usize,
}

/// One grammar file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FileDecl {
    /// `mode`.
    pub mode: String,
    /// `prompt` (the part inside the parentheses), empty for EXEC.
    pub prompt: String,
    /// `parent`.
    pub parent: Option<String>,
    /// `include`: modes whose commands are offered here too.
    pub include: Vec<String>,
    /// `gap`: `!` lines printed after a section of this mode (default 1).
    pub gap: Option<usize>,
    /// `title`, the heading of `?` alone.
    pub title: String,
    /// File-wide help, by token text or binding.
    pub help: Vec<(String, String)>,
    /// The commands in declaration order (which is also running-config order).
    pub cmds: Vec<CmdDecl>,
}

/// A grammar file that cannot be read, with the line it failed on.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("{file}:{line}: {message}")]
pub struct DslError {
    /// The grammar file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

enum Directive {
    Mode(String),
    Prompt(String),
    Parent(String),
    Include(String),
    Gap(usize),
    Title(String),
    Help(String, String),
    Cmd(String),
    Id(String),
    Kind(String),
    Enters(String),
    Impact(String),
    Key(Vec<String>),
    Wide(Vec<String>),
    Level(u8),
    DefaultOn,
}

fn name(i: &str) -> IResult<&str, &str> {
    take_while1(|c: char| c.is_ascii_alphanumeric() || "-_$*.".contains(c)).parse(i)
}

fn quoted(i: &str) -> IResult<&str, String> {
    map(
        delimited(char('"'), opt(is_not("\"")), char('"')),
        |s: Option<&str>| s.unwrap_or("").to_string(),
    )
    .parse(i)
}

fn directive(i: &str) -> IResult<&str, Directive> {
    let word = |kw: &'static str| preceded((tag(kw), space1), name);
    alt((
        map((tag("default-on"), space0), |_| Directive::DefaultOn),
        map(word("mode"), |s| Directive::Mode(s.into())),
        map(word("prompt"), |s| Directive::Prompt(s.into())),
        map(word("parent"), |s| Directive::Parent(s.into())),
        map(word("include"), |s| Directive::Include(s.into())),
        map(
            preceded((tag("gap"), space1), map_res(digit1, str::parse::<usize>)),
            Directive::Gap,
        ),
        map(preceded((tag("title"), space1), quoted), Directive::Title),
        map(
            (
                preceded((tag("help"), space1), take_till(|c| c == ' ')),
                preceded(space1, quoted),
            ),
            |(t, h): (&str, String)| Directive::Help(t.into(), h),
        ),
        map(preceded((tag("cmd"), space1), quoted), Directive::Cmd),
        map(word("id"), |s| Directive::Id(s.into())),
        map(word("kind"), |s| Directive::Kind(s.into())),
        map(word("enters"), |s| Directive::Enters(s.into())),
        map(word("impact"), |s| Directive::Impact(s.into())),
        map(
            preceded((tag("key"), space1), separated_list1(space1, name)),
            |v: Vec<&str>| Directive::Key(v.into_iter().map(Into::into).collect()),
        ),
        map(
            preceded((tag("wide"), space1), separated_list1(space1, name)),
            |v: Vec<&str>| Directive::Wide(v.into_iter().map(Into::into).collect()),
        ),
        map(
            preceded((tag("level"), space1), map_res(digit1, str::parse::<u8>)),
            Directive::Level,
        ),
    ))
    .parse(i)
}

/// Parses one grammar file. `file` names it in errors.
pub fn parse_file(file: &str, text: &str) -> Result<FileDecl, DslError> {
    let err = |line: usize, message: String| DslError {
        file: file.to_string(),
        line,
        message,
    };
    let mut out = FileDecl::default();
    for (n, raw) in text.lines().enumerate() {
        let lineno = n + 1;
        let line = strip_comment(raw).trim();
        if line.is_empty() {
            continue;
        }
        let (_, d) = all_consuming((directive, space0))
            .parse(line)
            .map_err(|_| err(lineno, format!("cannot read directive: {line}")))?;
        let d = d.0;
        let cmd = out.cmds.last_mut();
        match d {
            Directive::Mode(m) => out.mode = m,
            Directive::Prompt(p) => out.prompt = p,
            Directive::Parent(p) => out.parent = Some(p),
            Directive::Include(m) => out.include.push(m),
            Directive::Gap(n) => out.gap = Some(n),
            Directive::Title(t) => out.title = t,
            Directive::Help(t, h) => match cmd {
                Some(c) => c.help.push((t, h)),
                None => out.help.push((t, h)),
            },
            Directive::Cmd(s) => {
                let elems = parse_syntax(&s)
                    .map_err(|m| err(lineno, format!("bad syntax \"{s}\": {m}")))?;
                out.cmds.push(CmdDecl {
                    syntax: s,
                    elems,
                    line: lineno,
                    ..CmdDecl::default()
                });
            }
            other => {
                let c = cmd.ok_or_else(|| err(lineno, "directive outside a cmd block".into()))?;
                match other {
                    Directive::Id(v) => c.id = v,
                    Directive::Kind(v) => c.kind = Some(v),
                    Directive::Enters(v) => c.enters = Some(v),
                    Directive::Impact(v) => c.impact = Some(v),
                    Directive::Key(v) => c.key = v,
                    Directive::Wide(v) => c.wide = v,
                    Directive::Level(v) => c.level = Some(v),
                    Directive::DefaultOn => c.default_on = true,
                    _ => unreachable!("handled above"),
                }
            }
        }
    }
    if out.mode.is_empty() {
        return Err(err(1, "no `mode` directive".into()));
    }
    for c in &out.cmds {
        if c.id.is_empty() {
            return Err(err(c.line, format!("cmd \"{}\" has no id", c.syntax)));
        }
    }
    Ok(out)
}

/// Drops a `#` comment that is not inside a quoted string.
fn strip_comment(line: &str) -> &str {
    let mut in_quote = false;
    for (i, c) in line.char_indices() {
        match c {
            '"' => in_quote = !in_quote,
            '#' if !in_quote => return &line[..i],
            _ => {}
        }
    }
    line
}

fn token(i: &str) -> IResult<&str, TokDecl> {
    let range = recognize((char('<'), digit1, char('-'), digit1, char('>')));
    let word = take_while1(|c: char| !" \t[]{}|$".contains(c));
    map(
        (alt((range, word)), opt(preceded(char('$'), name))),
        |(t, bind): (&str, Option<&str>)| {
            let (text, repeat) = match t.strip_suffix("...") {
                Some(base) => (base, true),
                None => (t, false),
            };
            TokDecl {
                text: text.to_string(),
                bind: bind.map(Into::into),
                repeat,
            }
        },
    )
    .parse(i)
}

fn alternatives(i: &str) -> IResult<&str, Vec<Vec<Elem>>> {
    separated_list1((space0, char('|'), space0), sequence).parse(i)
}

fn group(i: &str) -> IResult<&str, Elem> {
    let bind = opt(preceded(char('$'), name));
    alt((
        map(
            (
                delimited((char('['), space0), alternatives, (space0, char(']'))),
                bind,
            ),
            |(alts, b)| Elem::Opt(bind_alts(alts, b)),
        ),
        map(
            (
                delimited((char('{'), space0), alternatives, (space0, char('}'))),
                opt(preceded(char('$'), name)),
            ),
            |(alts, b)| Elem::Alt(bind_alts(alts, b)),
        ),
    ))
    .parse(i)
}

/// `{a|b}$x`: the binding goes on each alternative that is a single unbound keyword.
fn bind_alts(mut alts: Vec<Vec<Elem>>, bind: Option<&str>) -> Vec<Vec<Elem>> {
    if let Some(b) = bind {
        for seq in &mut alts {
            if let [Elem::Tok(t)] = seq.as_mut_slice() {
                t.bind.get_or_insert_with(|| b.to_string());
            }
        }
    }
    alts
}

fn elem(i: &str) -> IResult<&str, Elem> {
    alt((group, map(token, Elem::Tok))).parse(i)
}

fn sequence(i: &str) -> IResult<&str, Vec<Elem>> {
    separated_list1(space1, elem).parse(i)
}

/// Parses a syntax string into elements.
pub fn parse_syntax(s: &str) -> Result<Vec<Elem>, String> {
    all_consuming(delimited(space0, sequence, space0))
        .parse(s)
        .map(|(_, v)| v)
        .map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(text: &str, bind: Option<&str>) -> Elem {
        Elem::Tok(TokDecl {
            text: text.into(),
            bind: bind.map(Into::into),
            repeat: false,
        })
    }

    #[test]
    fn syntax_with_options_choices_and_bindings() {
        let e = parse_syntax("ephone-dn <1-30000>$tag [dual-line|octo-line]$mode").unwrap();
        assert_eq!(
            e,
            vec![
                tok("ephone-dn", None),
                tok("<1-30000>", Some("tag")),
                Elem::Opt(vec![
                    vec![tok("dual-line", Some("mode"))],
                    vec![tok("octo-line", Some("mode"))]
                ]),
            ]
        );
    }

    #[test]
    fn nested_groups_and_repeats() {
        let e = parse_syntax("em trusted-ip A.B.C.D...$ips").unwrap();
        assert!(matches!(&e[2], Elem::Tok(t) if t.repeat && t.text == "A.B.C.D"));
        let e = parse_syntax("type {7965|7945}$model [addon 1 {7914}$m1 [2 {7914}$m2]]").unwrap();
        assert_eq!(e.len(), 3);
    }

    #[test]
    fn a_file_with_file_wide_and_command_help() {
        let f = parse_file(
            "t.cli",
            "mode x # the mode\nprompt config-x\ntitle \"X commands\"\nhelp a \"A thing\"\n\
             cmd \"a WORD$w\"\n  id x-a\n  help $w \"The # word\"\n  key $w\n",
        )
        .unwrap();
        assert_eq!(f.mode, "x");
        assert_eq!(f.help, vec![("a".into(), "A thing".into())]);
        assert_eq!(f.cmds[0].help, vec![("$w".into(), "The # word".into())]);
        assert_eq!(f.cmds[0].key, vec!["$w".to_string()]);
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = parse_file("t.cli", "mode x\ncmd \"a [b\"\n id q\n").unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("t.cli", 2));
        let e = parse_file("t.cli", "mode x\nid q\n").unwrap_err();
        assert_eq!(e.line, 2);
    }
}
