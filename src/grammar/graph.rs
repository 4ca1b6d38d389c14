//! Compiles the grammar declarations into one command table per mode.
//!
//! Each command becomes a small NFA over its tokens (Thompson construction: optional parts
//! and choices are epsilon edges, `...` a self-loop). The matcher runs all commands of a mode
//! in parallel over the typed words, which gives execution, `?` help and Tab completion from
//! the same tables. Declaration order is kept: it is the order of `?` listings' ties and of
//! `show running-config`.

use std::collections::HashMap;

use super::dsl::{self, Elem, FileDecl};
use super::handler::Handler;
use super::token::TokenKind;

/// The grammar files, embedded so the binary needs nothing at run time.
pub const FILES: &[(&str, &str)] = &[
    ("exec.cli", include_str!("../../grammar/exec.cli")),
    (
        "config-common.cli",
        include_str!("../../grammar/config-common.cli"),
    ),
    ("config.cli", include_str!("../../grammar/config.cli")),
    (
        "ssh-pubkey.cli",
        include_str!("../../grammar/ssh-pubkey.cli"),
    ),
    (
        "ssh-pubkey-user.cli",
        include_str!("../../grammar/ssh-pubkey-user.cli"),
    ),
    (
        "telephony-service.cli",
        include_str!("../../grammar/telephony-service.cli"),
    ),
    ("ephone-dn.cli", include_str!("../../grammar/ephone-dn.cli")),
    ("ephone.cli", include_str!("../../grammar/ephone.cli")),
    ("profile.cli", include_str!("../../grammar/profile.cli")),
    (
        "logout-profile.cli",
        include_str!("../../grammar/logout-profile.cli"),
    ),
    (
        "user-profile.cli",
        include_str!("../../grammar/user-profile.cli"),
    ),
    (
        "register-global.cli",
        include_str!("../../grammar/register-global.cli"),
    ),
    (
        "register-dn.cli",
        include_str!("../../grammar/register-dn.cli"),
    ),
    (
        "register-pool.cli",
        include_str!("../../grammar/register-pool.cli"),
    ),
    ("dial-peer.cli", include_str!("../../grammar/dial-peer.cli")),
    ("line.cli", include_str!("../../grammar/line.cli")),
    // Accepted into the configuration with no effect in cmed yet (see README).
    (
        "dial-peer-pots.cli",
        include_str!("../../grammar/dial-peer-pots.cli"),
    ),
    (
        "dial-peer-cor.cli",
        include_str!("../../grammar/dial-peer-cor.cli"),
    ),
    (
        "dial-peer-cor-list.cli",
        include_str!("../../grammar/dial-peer-cor-list.cli"),
    ),
    (
        "voice-service.cli",
        include_str!("../../grammar/voice-service.cli"),
    ),
    (
        "voice-service-sip.cli",
        include_str!("../../grammar/voice-service-sip.cli"),
    ),
    (
        "trusted-list.cli",
        include_str!("../../grammar/trusted-list.cli"),
    ),
    (
        "voice-class-codec.cli",
        include_str!("../../grammar/voice-class-codec.cli"),
    ),
    (
        "translation-rule.cli",
        include_str!("../../grammar/translation-rule.cli"),
    ),
    (
        "translation-profile.cli",
        include_str!("../../grammar/translation-profile.cli"),
    ),
    (
        "hunt-group.cli",
        include_str!("../../grammar/hunt-group.cli"),
    ),
    (
        "ephone-hunt.cli",
        include_str!("../../grammar/ephone-hunt.cli"),
    ),
    (
        "ephone-template.cli",
        include_str!("../../grammar/ephone-template.cli"),
    ),
    (
        "register-template.cli",
        include_str!("../../grammar/register-template.cli"),
    ),
    ("sip-ua.cli", include_str!("../../grammar/sip-ua.cli")),
];

/// Index of a mode in [`Grammar::modes`].
pub type ModeId = usize;

/// Index of a command in [`Grammar::cmds`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct CmdId(pub u16);

/// What running a command does.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Stored in the running configuration.
    Config,
    /// Does something now; not stored (`reset`, `restart`).
    Action,
    /// An EXEC command.
    Exec,
    /// `no` / `default`: the rest of the line is a configuration command to remove.
    Negate,
    /// `do`: the rest of the line is an EXEC command.
    Do,
    /// `exit`: up one level.
    Exit,
    /// `end`: back to privileged EXEC.
    End,
}

/// What a configuration change means for the phones that carry it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Impact {
    /// Nothing to tell the phones.
    None,
    /// Their configuration files change.
    Regen,
    /// They must re-register to pick it up (buttons, lines, speed dials).
    Restart,
    /// They must reboot and fetch their files again.
    Reset,
}

/// One token of a command.
#[derive(Clone, Debug)]
pub struct Token {
    /// What it accepts.
    pub kind: TokenKind,
    /// Its `$name` binding.
    pub bind: Option<String>,
    /// Its help text.
    pub help: String,
}

/// An edge of a command's NFA: `None` is an epsilon edge.
pub type Edge = (Option<u16>, u16);

/// A compiled command.
#[derive(Clone, Debug)]
pub struct Command {
    /// Its handler.
    pub handler: Handler,
    /// Its kind.
    pub kind: Kind,
    /// The mode that declares it.
    pub mode: ModeId,
    /// Position among the declaring mode's commands (running-config order).
    pub order: u16,
    /// The sub-mode it enters.
    pub enters: Option<ModeId>,
    /// Impact on phones.
    pub impact: Impact,
    /// Tokens whose values name one instance of a repeatable line: one group per `key`
    /// name, holding every token that name binds (the keywords of a choice).
    pub key: Vec<Vec<u16>>,
    /// How many keywords open the syntax; `no` followed by those alone is complete for a
    /// command without a key (`no hostname`, `no em logout`).
    pub lead: u16,
    /// Tokens rendered after two spaces (`wide` directive), as CME prints `ephone  1`.
    pub wide: Vec<u16>,
    /// Lowest privilege level that may run it (1 = `Router>`, 15 = `Router#`).
    pub level: u8,
    /// On by default: `no …` is stored (and rendered) rather than removing the line.
    pub default_on: bool,
    /// Tokens, indexed by the NFA edges.
    pub tokens: Vec<Token>,
    /// NFA edges per state; state 0 is the start, [`Command::accept`] the end.
    pub edges: Vec<Vec<Edge>>,
    /// The accepting state.
    pub accept: u16,
    /// The syntax as declared.
    pub syntax: String,
    /// Where it is declared, for invariant reports.
    pub origin: (String, usize),
}

/// A compiled mode.
#[derive(Clone, Debug)]
pub struct Mode {
    /// Its name in the grammar.
    pub name: String,
    /// The prompt suffix inside parentheses, empty for EXEC.
    pub prompt: String,
    /// The mode a command falls back to when it does not match here.
    pub parent: Option<ModeId>,
    /// Heading of `?` alone.
    pub title: String,
    /// The commands it declares, in order.
    pub own: Vec<CmdId>,
    /// The commands offered here: included ones, then its own.
    pub offered: Vec<CmdId>,
    /// `!` lines after each section of this mode in the running-config.
    pub gap: usize,
}

/// The whole compiled grammar.
#[derive(Clone, Debug)]
pub struct Grammar {
    /// All modes.
    pub modes: Vec<Mode>,
    /// All commands.
    pub cmds: Vec<Command>,
    by_name: HashMap<String, ModeId>,
}

/// Something wrong in the grammar files; the embedded grammar must have none (tests check).
#[derive(Debug, thiserror::Error)]
pub enum GrammarError {
    /// A file could not be read.
    #[error(transparent)]
    Dsl(#[from] dsl::DslError),
    /// A declaration is inconsistent.
    #[error("{file}:{line}: {message}")]
    Invalid {
        /// The grammar file.
        file: String,
        /// Its line.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl Command {
    /// Whether token `tok` is rendered after two spaces.
    pub fn wide(&self, tok: u16) -> bool {
        self.wide.contains(&tok)
    }
}

impl Grammar {
    /// Compiles the embedded grammar.
    ///
    /// # Panics
    /// If the embedded grammar is broken; `tests/grammar_invariants.rs` keeps it whole.
    pub fn embedded() -> Grammar {
        match Grammar::compile(FILES) {
            Ok(g) => g,
            Err(errs) => panic!(
                "embedded grammar is broken:\n{}",
                errs.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
        }
    }

    /// Compiles grammar files; reports every problem found, not just the first.
    pub fn compile(files: &[(&str, &str)]) -> Result<Grammar, Vec<GrammarError>> {
        let mut errors = Vec::new();
        let mut decls: Vec<(&str, FileDecl)> = Vec::new();
        for (name, text) in files {
            match dsl::parse_file(name, text) {
                Ok(d) => decls.push((name, d)),
                Err(e) => errors.push(e.into()),
            }
        }
        let by_name: HashMap<String, ModeId> = decls
            .iter()
            .enumerate()
            .map(|(i, (_, d))| (d.mode.clone(), i))
            .collect();
        let mut g = Grammar {
            modes: Vec::new(),
            cmds: Vec::new(),
            by_name,
        };
        let invalid = |file: &str, line: usize, message: String| GrammarError::Invalid {
            file: file.to_string(),
            line,
            message,
        };
        for (mode_id, (file, d)) in decls.iter().enumerate() {
            let parent = d.parent.as_ref().and_then(|p| {
                let id = g.by_name.get(p).copied();
                if id.is_none() {
                    errors.push(invalid(file, 1, format!("unknown parent mode {p}")));
                }
                id
            });
            let mut own = Vec::new();
            for (order, c) in d.cmds.iter().enumerate() {
                match compile_cmd(&g, mode_id, order, file, d, c) {
                    Ok(cmd) => {
                        own.push(CmdId(g.cmds.len() as u16));
                        g.cmds.push(cmd);
                    }
                    Err(m) => errors.push(invalid(file, c.line, m)),
                }
            }
            g.modes.push(Mode {
                name: d.mode.clone(),
                prompt: d.prompt.clone(),
                parent,
                title: d.title.clone(),
                own: own.clone(),
                offered: own,
                gap: d.gap.unwrap_or(1),
            });
        }
        // Included commands come first so that a mode's own lines render after the shared ones.
        for (mode_id, (file, d)) in decls.iter().enumerate() {
            let mut offered = Vec::new();
            for inc in &d.include {
                match g.by_name.get(inc) {
                    Some(&m) => offered.extend(g.modes[m].own.iter().copied()),
                    None => errors.push(invalid(file, 1, format!("unknown included mode {inc}"))),
                }
            }
            offered.extend(g.modes[mode_id].own.iter().copied());
            g.modes[mode_id].offered = offered;
        }
        if errors.is_empty() {
            Ok(g)
        } else {
            Err(errors)
        }
    }

    /// The mode with this grammar name.
    pub fn mode_id(&self, name: &str) -> Option<ModeId> {
        self.by_name.get(name).copied()
    }

    /// A command.
    pub fn cmd(&self, id: CmdId) -> &Command {
        &self.cmds[id.0 as usize]
    }
}

fn compile_cmd(
    g: &Grammar,
    mode: ModeId,
    order: usize,
    file: &str,
    d: &FileDecl,
    c: &dsl::CmdDecl,
) -> Result<Command, String> {
    let handler = Handler::from_id(&c.id).ok_or_else(|| format!("unknown handler id {}", c.id))?;
    let kind = match c.kind.as_deref() {
        None if d.mode == "exec" => Kind::Exec,
        None | Some("config") => Kind::Config,
        Some("action") => Kind::Action,
        Some("exec") => Kind::Exec,
        Some("negate") => Kind::Negate,
        Some("do") => Kind::Do,
        Some("exit") => Kind::Exit,
        Some("end") => Kind::End,
        Some(k) => return Err(format!("unknown kind {k}")),
    };
    let impact = match c.impact.as_deref() {
        None | Some("none") => Impact::None,
        Some("regen") => Impact::Regen,
        Some("restart") => Impact::Restart,
        Some("reset") => Impact::Reset,
        Some(i) => return Err(format!("unknown impact {i}")),
    };
    let enters = match &c.enters {
        Some(m) => Some(
            g.by_name
                .get(m)
                .copied()
                .ok_or_else(|| format!("enters unknown mode {m}"))?,
        ),
        None => None,
    };
    let mut b = NfaBuilder::default();
    b.edges.push(Vec::new());
    let end = b.seq(&c.elems, 0);
    let mut tokens = Vec::new();
    for t in &b.tokens {
        let kind = TokenKind::from_decl(&t.text);
        let lookup = |key: &str| {
            c.help
                .iter()
                .chain(d.help.iter())
                .find(|(k, _)| k == key)
                .map(|(_, h)| h.clone())
        };
        let help = match (&kind, &t.bind) {
            (TokenKind::Keyword(k), _) => lookup(k),
            (_, Some(b)) => lookup(&format!("${b}")),
            (_, None) => lookup(&t.text),
        }
        .ok_or_else(|| format!("no help for token {} in \"{}\"", t.text, c.syntax))?;
        tokens.push(Token {
            kind,
            bind: t.bind.clone(),
            help,
        });
    }
    // `key $a` and `wide $a` name bound tokens; resolve them to token indexes.
    // A name binds every token of a choice (`{all|busy}$type`): each of them counts.
    let bound = |names: &[String], what: &str| -> Result<Vec<Vec<u16>>, String> {
        names
            .iter()
            .map(|n| {
                let name = n.trim_start_matches('$');
                let toks: Vec<u16> = (0..tokens.len() as u16)
                    .filter(|&i| tokens[i as usize].bind.as_deref() == Some(name))
                    .collect();
                if toks.is_empty() {
                    Err(format!("{what} {n} is not bound in \"{}\"", c.syntax))
                } else {
                    Ok(toks)
                }
            })
            .collect()
    };
    let wide = bound(&c.wide, "wide")?.concat();
    let key = bound(&c.key, "key")?;
    Ok(Command {
        handler,
        kind,
        mode,
        order: order as u16,
        enters,
        impact,
        key,
        wide,
        level: c.level.unwrap_or(15),
        default_on: c.default_on,
        lead: c
            .elems
            .iter()
            .take_while(|e| matches!(e, Elem::Tok(t) if !t.repeat && matches!(TokenKind::from_decl(&t.text), TokenKind::Keyword(_))))
            .count() as u16,
        tokens,
        accept: end,
        edges: b.edges,
        syntax: c.syntax.clone(),
        origin: (file.to_string(), c.line),
    })
}

#[derive(Default)]
struct NfaBuilder {
    edges: Vec<Vec<Edge>>,
    tokens: Vec<dsl::TokDecl>,
}

impl NfaBuilder {
    fn state(&mut self) -> u16 {
        self.edges.push(Vec::new());
        (self.edges.len() - 1) as u16
    }

    fn seq(&mut self, elems: &[Elem], mut at: u16) -> u16 {
        for e in elems {
            at = self.elem(e, at);
        }
        at
    }

    fn elem(&mut self, e: &Elem, from: u16) -> u16 {
        match e {
            Elem::Tok(t) => {
                let tok = self.tokens.len() as u16;
                self.tokens.push(t.clone());
                let to = self.state();
                self.edges[from as usize].push((Some(tok), to));
                if t.repeat {
                    self.edges[to as usize].push((Some(tok), to));
                }
                to
            }
            Elem::Opt(alts) | Elem::Alt(alts) => {
                let to = self.state();
                if matches!(e, Elem::Opt(_)) {
                    self.edges[from as usize].push((None, to));
                }
                for seq in alts {
                    let end = self.seq(seq, from);
                    self.edges[end as usize].push((None, to));
                }
                to
            }
        }
    }
}
