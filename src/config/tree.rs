//! The running configuration as the administrator typed it: matched command lines, grouped in
//! sections (`ephone 1`, `telephony-service` …), in running-config order.
//!
//! A line is stored as the tokens it matched, in canonical spelling, so rendering it gives
//! back an equivalent command. Each line has a key (its command plus the values of the
//! command's `key` tokens): setting a line replaces the one with the same key, `no` removes
//! it. `config::build` derives the typed model from this tree. Each section also keeps the
//! startup-config lines that were not applied (`config::kept`), so they are written back.

use std::collections::BTreeMap;

use crate::config::kept::KeptBlocks;
use crate::config::secrets;
use crate::grammar::graph::{CmdId, Grammar, ModeId};
use crate::grammar::handler::Handler;
use crate::grammar::matcher::{Arg, Matched};

/// Where a line came from in a startup-config: 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// Line number. `u32`, not `usize`: every stored line carries one, and ten thousand
    /// phones' configuration is a few hundred thousand lines.
    pub line: u32,
    /// Column of the first character of the command.
    pub col: u32,
}

/// One stored command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// The command.
    pub cmd: CmdId,
    /// The tokens it matched.
    pub args: Vec<Arg>,
    /// Where it was read from, for diagnostics.
    pub origin: Option<Origin>,
    /// The `no` form of a `default-on` command (`no vad`), stored because it is not the
    /// default.
    pub negated: bool,
}

impl Line {
    /// The line a match produced.
    pub fn matched(m: &Matched, origin: Option<Origin>) -> Line {
        Line {
            cmd: m.cmd,
            args: m.args.clone(),
            origin,
            negated: false,
        }
    }

    /// The stored `no` form of a `default-on` command.
    pub fn negated(m: &Matched, origin: Option<Origin>) -> Line {
        Line {
            negated: true,
            ..Line::matched(m, origin)
        }
    }

    /// The value bound to `$name`, if the line has it (the first one for repeated tokens).
    pub fn get<'a>(&'a self, g: &Grammar, name: &str) -> Option<&'a str> {
        let c = g.cmd(self.cmd);
        self.args
            .iter()
            .find(|a| c.tokens[a.tok as usize].bind.as_deref() == Some(name))
            .map(|a| a.value.as_str())
    }

    /// Every value bound to `$name` (for repeated tokens such as `button 1:1 2:2`).
    pub fn all<'a>(&'a self, g: &'a Grammar, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let c = g.cmd(self.cmd);
        self.args
            .iter()
            .filter(move |a| c.tokens[a.tok as usize].bind.as_deref() == Some(name))
            .map(|a| a.value.as_str())
    }

    /// Whether the keyword `kw` was taken (e.g. `dual-line`).
    pub fn has(&self, kw: &str) -> bool {
        self.args.iter().any(|a| a.value.eq_ignore_ascii_case(kw))
    }
}

/// One part of a line key; numbers sort numerically so `ephone 10` follows `ephone 9`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyPart {
    /// A decimal value.
    Num(u64),
    /// Anything else, lower-cased.
    Text(crate::small_str::SmallStr),
}

/// Identifies a line within its section and orders it for rendering.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineKey {
    /// Position of the command in its mode's command list.
    pub rank: u16,
    /// Values of the command's key tokens.
    pub parts: Vec<KeyPart>,
}

/// A stored line, with its section when the command enters a mode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The line (the section header, for a section).
    pub line: Line,
    /// The section's lines.
    pub body: Option<Section>,
}

/// The lines of one mode instance, in running-config order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    /// Lines by key.
    pub entries: BTreeMap<LineKey, Entry>,
    /// Lines read from a startup-config that were not applied, kept to be written back in
    /// place (see `config::kept`), in file order.
    pub kept: KeptBlocks,
}

/// Path from the root to a section: the keys of the section headers.
pub type SectionPath = Vec<LineKey>;

/// The whole running configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigTree {
    /// The global configuration section.
    pub root: Section,
}

/// Computes the key of `line` as stored in a section of `mode`.
pub fn key_of(g: &Grammar, mode: ModeId, line: &Line) -> LineKey {
    let c = g.cmd(line.cmd);
    let rank = g.modes[mode]
        .offered
        .iter()
        .position(|&id| id == line.cmd)
        .unwrap_or(usize::from(u16::MAX)) as u16;
    let parts = c
        .key
        .iter()
        .filter_map(|k| line.args.iter().find(|a| k.contains(&a.tok)))
        .map(|a| match a.value.parse::<u64>() {
            Ok(n) => KeyPart::Num(n),
            Err(_) => KeyPart::Text(a.value.to_ascii_lowercase().into()),
        })
        .collect();
    LineKey { rank, parts }
}

impl ConfigTree {
    /// The section at `path`.
    pub fn section(&self, path: &[LineKey]) -> Option<&Section> {
        let mut s = &self.root;
        for k in path {
            s = s.entries.get(k)?.body.as_ref()?;
        }
        Some(s)
    }

    /// The section at `path`, for changes.
    pub fn section_mut(&mut self, path: &[LineKey]) -> Option<&mut Section> {
        let mut s = &mut self.root;
        for k in path {
            s = s.entries.get_mut(k)?.body.as_mut()?;
        }
        Some(s)
    }

    /// Stores `line` in the section at `path` (a mode `mode` section), replacing the line
    /// with the same key. A line that enters a mode keeps the body it already had. Returns
    /// the line's key and the entry it replaced, which [`ConfigTree::restore`] puts back.
    pub fn set(
        &mut self,
        g: &Grammar,
        path: &[LineKey],
        mode: ModeId,
        line: Line,
    ) -> Option<(LineKey, Option<Entry>)> {
        // `service password-encryption`: passwords are stored in their type 7 form (IOS).
        let service = g.cmd(line.cmd).handler == Handler::ServicePasswordEncryption;
        if service {
            secrets::encrypt_all(g, &mut self.root);
        }
        let line = secrets::stored(g, &self.root, line);
        let key = key_of(g, mode, &line);
        let opens = g.cmd(line.cmd).enters.is_some();
        let section = self.section_mut(path)?;
        let previous = section.entries.remove(&key);
        let entry = match &previous {
            // Re-entering a section (`ephone 1` again, or `ephone-dn 6` without the
            // `octo-line` it was created with) keeps the stored header and its origin, as IOS
            // does: leaving out an optional keyword does not change the line type.
            Some(p) if opens && line.args.iter().all(|a| p.line.args.contains(a)) => p.clone(),
            Some(p) if opens => Entry {
                line,
                body: p.body.clone(),
            },
            _ => Entry {
                line,
                body: opens.then(Section::default),
            },
        };
        section.entries.insert(key.clone(), entry);
        Some((key, previous))
    }

    /// Undoes a [`ConfigTree::set`] or [`ConfigTree::remove`]: `key` holds `previous` again
    /// (or nothing).
    pub fn restore(&mut self, path: &[LineKey], key: LineKey, previous: Option<Entry>) {
        if let Some(section) = self.section_mut(path) {
            match previous {
                Some(e) => section.entries.insert(key, e),
                None => section.entries.remove(&key),
            };
        }
    }

    /// Removes the line with `key` (and its section) from the section at `path`.
    pub fn remove(&mut self, path: &[LineKey], key: &LineKey) -> Option<Entry> {
        self.section_mut(path)?.entries.remove(key)
    }
}
