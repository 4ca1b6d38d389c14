//! Telephony commands accepted into the configuration with no effect in cmed yet (issue 11,
//! deliverable 5): validated for syntax and range, rendered back, listed as such, and the
//! `no` form of a command that is on by default (`no vad`) is kept.

mod support;

use cmed::config::kept;
use cmed::config::{load, running as render};
use cmed::grammar::graph::Grammar;

#[test]
fn no_vad_is_stored_and_default_vad_removes_it() {
    let g = Grammar::embedded();
    let text = "dial-peer voice 1 voip\n destination-pattern 2000\n no vad\n";
    let l = load::load(&g, text);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert!(render::running_config(&g, &l.tree).contains(" no vad\n"));
    let mut c = support::Console::new(text);
    c.type_lines(&["configure terminal", "dial-peer voice 1 voip", "vad"]);
    let run = render::running_config(&c.g, &c.run().tree);
    assert!(run.contains(" vad\n") && !run.contains("no vad"), "{run}");
    c.type_lines(&["no vad"]);
    assert!(render::running_config(&c.g, &c.run().tree).contains(" no vad\n"));
    c.type_lines(&["default vad"]);
    assert!(!render::running_config(&c.g, &c.run().tree).contains("vad"));
}

#[test]
fn accepted_commands_are_validated_for_syntax_and_range() {
    let mut c = support::Console::new("telephony-service\n max-dn 4\n");
    let out = c.type_lines(&[
        "configure terminal",
        "telephony-service",
        "time-zone 99",
        "max-conferences 8 gain -6",
        "transfer-system full-consul",
        "exit",
        "dial-peer voice 1 voip",
        "codec g711",
        "dtmf-relay rtp-nte sip-notify",
        "end",
    ]);
    assert!(
        out.contains("time-zone 99\n                                   ^\n% Invalid input"),
        "{out}"
    );
    assert!(
        out.contains("% Ambiguous command:  \"codec g711\""),
        "{out}"
    );
    let run = render::running_config(&c.g, &c.run().tree);
    assert!(run.contains(" max-conferences 8 gain -6\n"), "{run}");
    assert!(run.contains(" transfer-system full-consult\n"), "{run}");
    assert!(run.contains(" dtmf-relay rtp-nte sip-notify\n"), "{run}");
}

#[test]
fn nested_sections_have_their_prompts_and_render_indented() {
    let mut c = support::Console::new("hostname R1\n");
    let out = c.type_lines(&[
        "configure terminal",
        "voice service voip",
        "ip address trusted list",
        "ipv4 10.0.0.0 255.0.0.0",
        "exit",
        "allow-connections sip to sip",
        "sip",
        "registrar server expires max 600 min 60",
        "end",
    ]);
    assert!(out.contains("R1(cfg-iptrust-list)#ipv4"), "{out}");
    assert!(out.contains("R1(conf-serv-sip)#registrar"), "{out}");
    let run = render::running_config(&c.g, &c.run().tree);
    assert!(
        run.contains(
            "voice service voip\n ip address trusted list\n  ipv4 10.0.0.0 255.0.0.0\n allow-connections sip to sip\n sip\n  registrar server expires max 600 min 60\n!\n"
        ),
        "{run}"
    );
    let again = load::load(&c.g, &run);
    assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
    assert_eq!(render::running_config(&c.g, &again.tree), run);
}

#[test]
fn accepted_lines_are_listed_by_command() {
    let g = Grammar::embedded();
    let l = load::load(
        &g,
        "dial-peer voice 1 voip\n codec g711ulaw\n no vad\ndial-peer voice 2 voip\n codec g729r8\n\
         voice hunt-group 1 parallel\n list 1001,1002\n pilot 1100\n",
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let got = kept::accepted_without_effect(&g, &l.tree.root);
    // A dial-peer's codec is the calls' (a trunk leg's codec): applied, not listed.
    assert!(
        !got.iter().any(|(c, _)| c == "codec (dial-peer)"),
        "{got:?}"
    );
    assert!(got.contains(&("vad (dial-peer)".to_string(), 1)), "{got:?}");
    assert!(
        got.contains(&("voice hunt-group (config)".to_string(), 1)),
        "{got:?}"
    );
    assert!(
        got.contains(&("pilot (hunt-group)".to_string(), 1)),
        "{got:?}"
    );
}
