//! The configuration: the stored lines (`tree`), the typed model (`model`, with the
//! dial-peers in `dial_peer`) and the step between them (`build`); dial patterns, parsed when
//! a line is applied (`pattern`); reading a startup-config (`load`), rendering it back
//! (`running`), the lines of a startup-config that are not applied but kept (`kept`), the
//! forms of configured passwords (`secrets`) and one-way secrets (`hashes`), administrators'
//! access (`access`), the `logging …` settings (`logging`), and one edit made whole or not
//! at all (`edit`). Pure: no I/O, no clock (a new secret's salt comes from the standard
//! library's randomly keyed hasher).
pub mod access;
pub mod build;
pub mod catalog;
pub mod dial_peer;
pub mod edit;
pub mod hashes;
pub mod kept;
pub mod load;
pub mod logging;
pub mod model;
pub mod pattern;
pub mod phone;
pub mod running;
pub mod secrets;
pub mod tree;

use std::sync::Arc;

use crate::grammar::graph::Grammar;
use model::Model;
use tree::ConfigTree;

/// The running configuration as the lines typed and the model built from them.
#[derive(Clone, Debug, Default)]
pub struct Running {
    /// The stored lines.
    pub tree: ConfigTree,
    /// The model built from them, shared with the published snapshots.
    pub model: Arc<Model>,
    /// The startup-config file's text, if there is one.
    pub startup: Option<String>,
}

impl Running {
    /// A running configuration from a tree that already built cleanly.
    pub fn new(g: &Grammar, tree: ConfigTree, startup: Option<String>) -> Running {
        let (model, _) = build::build(g, &tree);
        Running {
            tree,
            model: Arc::new(model),
            startup,
        }
    }
}
