//! One change to the running configuration, made whole or not at all: the stored line is set
//! or removed, the model is rebuilt, and if the model refuses the result the line is put back
//! as it was. The CLI matches the line and builds the [`ConfigEdit`]; the engine applies it.

use std::sync::Arc;

use super::Running;
use super::build::build;
use super::tree::{Line, LineKey, SectionPath};
use crate::grammar::graph::{Grammar, ModeId};

/// One change of the stored configuration lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConfigEdit {
    /// Set `line` in the section at `path`, configured in `mode`.
    Set {
        /// The section.
        path: SectionPath,
        /// The mode the line was typed in.
        mode: ModeId,
        /// The matched line.
        line: Line,
    },
    /// Remove the line with `key` (and its section) from the section at `path` (`no …`).
    Remove {
        /// The section.
        path: SectionPath,
        /// The line's key.
        key: LineKey,
    },
}

impl Running {
    /// Applies `edit`. `Ok(true)` when something changed; `Err` carries the model's refusal
    /// (the IOS message), and then the configuration is exactly as it was.
    pub fn apply(&mut self, g: &Grammar, edit: ConfigEdit) -> Result<bool, String> {
        let (path, key, previous) = match edit {
            ConfigEdit::Set { path, mode, line } => {
                let Some((key, previous)) = self.tree.set(g, &path, mode, line) else {
                    return Err("% The section being configured no longer exists".into());
                };
                (path, key, previous)
            }
            ConfigEdit::Remove { path, key } => match self.tree.remove(&path, &key) {
                Some(removed) => (path, key.clone(), Some(removed)),
                None => return Ok(false),
            },
        };
        let (model, errors) = build(g, &self.tree);
        match errors.first() {
            Some(e) => {
                let msg = e.message.clone();
                // Setting puts the old line back (or removes a new one); removing puts the
                // removed line back.
                self.tree.restore(&path, key, previous);
                Err(msg)
            }
            None => {
                self.model = Arc::new(model);
                Ok(true)
            }
        }
    }
}
