//! Invariants of the declaration tables in `grammar/`: every file compiles, every token has
//! help, every handler id is bound both ways, every sub-mode exists, and no mode offers the
//! same keyword twice with different help.

use std::collections::{HashMap, HashSet};

use cmed::grammar::graph::{FILES, Grammar, Kind};
use cmed::grammar::handler::Handler;

#[test]
fn the_embedded_grammar_compiles_without_errors() {
    if let Err(errs) = Grammar::compile(FILES) {
        panic!(
            "{}",
            errs.iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn every_token_has_help() {
    let g = Grammar::embedded();
    for c in &g.cmds {
        for t in &c.tokens {
            assert!(
                !t.help.trim().is_empty(),
                "{:?}: {} has empty help",
                c.origin,
                c.syntax
            );
        }
    }
}

#[test]
fn every_handler_is_used_and_every_id_is_a_handler() {
    let g = Grammar::embedded();
    let used: HashSet<Handler> = g.cmds.iter().map(|c| c.handler).collect();
    for h in Handler::ALL {
        assert!(
            used.contains(h),
            "handler {} is not used by any grammar command",
            h.id()
        );
    }
}

#[test]
fn every_config_mode_has_a_parent_and_is_entered_by_some_command() {
    let g = Grammar::embedded();
    let entered: HashSet<usize> = g.cmds.iter().filter_map(|c| c.enters).collect();
    for (id, m) in g.modes.iter().enumerate() {
        if m.prompt.is_empty() || m.name == "config" {
            continue;
        }
        assert!(m.parent.is_some(), "mode {} has no parent", m.name);
        assert!(entered.contains(&id), "no command enters mode {}", m.name);
    }
    for c in g.cmds.iter().filter(|c| c.enters.is_some()) {
        assert_eq!(
            c.kind,
            Kind::Config,
            "{} enters a mode but is not a config command",
            c.syntax
        );
    }
}

#[test]
fn no_mode_offers_a_keyword_twice_with_different_help() {
    let g = Grammar::embedded();
    for m in &g.modes {
        let mut first: HashMap<String, (String, String)> = HashMap::new();
        for &id in &m.offered {
            let c = g.cmd(id);
            let t = &c.tokens[0];
            let Some(k) = t.kind.keyword() else {
                panic!("{}: a command must start with a keyword", c.syntax)
            };
            if let Some((help, other)) = first.get(k) {
                assert_eq!(
                    help, &t.help,
                    "mode {}: `{}` has different help in \"{}\" and \"{}\"",
                    m.name, k, other, c.syntax
                );
            } else {
                first.insert(k.to_string(), (t.help.clone(), c.syntax.clone()));
            }
        }
    }
}

#[test]
fn repeatable_config_lines_declare_a_key_and_sub_modes_are_keyed_by_their_tag() {
    let g = Grammar::embedded();
    for c in g.cmds.iter().filter(|c| c.enters.is_some()) {
        let has_tag = c.tokens.iter().any(|t| t.bind.as_deref() == Some("tag"));
        assert_eq!(
            has_tag,
            !c.key.is_empty(),
            "{}: key must be the tag",
            c.syntax
        );
    }
}
