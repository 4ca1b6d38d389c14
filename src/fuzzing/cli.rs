//! The IOS command line: one line through the matcher in any mode, and whole startup-configs
//! through the loader and the renderer.

use super::grammar;
use crate::config::load::load;
use crate::config::running::{line as render_line, running_config, startup_config};
use crate::config::tree::Line;
use crate::grammar::matcher::{
    Ctx, Outcome, complete, describe, match_line, match_with_fallback, outcome_error,
};

/// The input's first byte picks the mode (any mode of the grammar), its second the privilege
/// level (1 or 15); the rest, up to a newline, is the line as typed.
///
/// Properties:
/// - matching, `?` help and Tab completion answer for any line; every offset they report (the
///   caret of an invalid line, the start of the word to complete) lies on a character boundary
///   within the line, so the error text can be built;
/// - a matched line, written back in canonical form (the running-config's rendering of a
///   stored line, after its `no`/`default`/`do`), matches the same command with the same
///   arguments in the same mode.
pub fn cli_line(data: &[u8]) {
    let g = grammar();
    let [mode, level, rest @ ..] = data else {
        return;
    };
    let ctx = Ctx {
        mode: usize::from(*mode) % g.modes.len(),
        level: if level & 1 == 1 { 1 } else { 15 },
    };
    let text = String::from_utf8_lossy(rest);
    let line = text.split('\n').next().unwrap_or("");
    let on_boundary = |at: usize| at <= line.len() && line.is_char_boundary(at);
    let outcome = match_line(g, ctx, line);
    if let Outcome::Invalid { at } = outcome {
        assert!(on_boundary(at), "caret at {at} in {line:?}");
    }
    let _ = outcome_error(&outcome, line, 7);
    let (fallback, _) = match_with_fallback(g, ctx, line);
    if let Outcome::Invalid { at } = fallback {
        assert!(on_boundary(at), "caret at {at} in {line:?}");
    }
    let _ = outcome_error(&fallback, line, 7);
    let _ = describe(g, ctx, line);
    let (start, _) = complete(g, ctx, line);
    assert!(on_boundary(start), "completion at {start} in {line:?}");
    if let Outcome::Matched(m) = &outcome {
        let mut canonical = render_line(g, &Line::matched(m, None));
        if let Some(p) = m.prefix {
            let kw = g.cmd(p).tokens[0].kind.keyword().unwrap_or_default();
            canonical = format!("{kw} {canonical}");
        }
        match match_line(g, ctx, &canonical) {
            Outcome::Matched(again) => assert_eq!(
                (again.cmd, &again.args, again.prefix),
                (m.cmd, &m.args, m.prefix),
                "{line:?} written as {canonical:?} reads differently"
            ),
            other => panic!("{line:?} written as {canonical:?} gives {other:?}"),
        }
    }
}

/// The input is a startup-config (read as UTF-8, lossily).
///
/// Properties (the round trip `tests/sample_configs.rs` checks for the samples, for any
/// text): whatever loads renders to a running-config that loads without a diagnostic, to the
/// same model, and renders to the same text again; the startup-config `write memory` would
/// save (applied lines and the lines kept unapplied) loads to the same model, and saving it
/// again gives the same file.
pub fn config_load(data: &[u8]) {
    let g = grammar();
    let text = String::from_utf8_lossy(data);
    let a = load(g, &text);
    let running = running_config(g, &a.tree);
    let b = load(g, &running);
    assert!(
        b.diagnostics.is_empty(),
        "the running-config does not load clean: {:?}\n{running}",
        b.diagnostics
    );
    assert!(a.model == b.model, "the model changed:\n{running}");
    assert_eq!(
        running_config(g, &b.tree),
        running,
        "rendering is not stable"
    );
    let first = startup_config(g, &a.tree);
    let c = load(g, &first);
    assert!(
        a.model == c.model,
        "the model changed through write memory:\n{first}"
    );
    // The file saved from what the saved file loads to is the saved file.
    assert_eq!(startup_config(g, &c.tree), first, "saving is not stable");
}
