//! Every sample config loads clean and round-trips; bad lines are located and the rest loads.

mod support;

use cmed::config::{load, running as render};
use cmed::grammar::graph::Grammar;

fn samples() -> Vec<(String, String)> {
    let out = support::files("sample-configs", "cfg");
    assert!(!out.is_empty());
    out
}

#[test]
fn every_sample_loads_clean_and_survives_parse_render_parse() {
    let g = Grammar::embedded();
    for (name, text) in samples() {
        let a = load::load(&g, &text);
        assert!(a.diagnostics.is_empty(), "{name}: {:?}", a.diagnostics);
        let rendered = render::running_config(&g, &a.tree);
        let b = load::load(&g, &rendered);
        assert!(
            b.diagnostics.is_empty(),
            "{name} rendered: {:?}",
            b.diagnostics
        );
        assert_eq!(a.model, b.model, "{name}: model changed by a round trip");
        assert_eq!(
            render::running_config(&g, &b.tree),
            rendered,
            "{name}: rendering is not stable"
        );
    }
}

#[test]
fn small_office_is_stored_in_canonical_form() {
    let g = Grammar::embedded();
    let text = include_str!("../sample-configs/small-office.cfg");
    let loaded = load::load(&g, text);
    assert_eq!(render::running_config(&g, &loaded.tree), text);
    assert_eq!(loaded.model.ephones.len(), 8);
    assert!(
        loaded
            .model
            .ephones
            .values()
            .filter(|e| e.logout_profile.is_some())
            .count()
            >= 2
    );
    assert_eq!(loaded.model.logout_profiles.len(), 2);
    assert!(!loaded.model.pools.is_empty());
}

#[test]
fn bad_lines_get_located_diagnostics_and_the_rest_still_loads() {
    let g = Grammar::embedded();
    let text = "hostname R1\ntelephony-service\n max-ephones 2\n max-dn 4\n maxx-dn 5\n keepalive\n\
ephone-dn 1\n number 1001\nephone-dn 9\n number 1009\nephone 1\n mac-address 000D.EDAB.3566\n button 1:1 2:9\n\
ephone 2\n mac-address 000D.EDAB.3566\n em logout 25:00\nend\n";
    let l = load::load(&g, text);
    let got: Vec<(usize, usize, &str)> = l
        .diagnostics
        .iter()
        .map(|d| (d.line, d.col, d.message.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            (5, 5, "% Invalid input detected at '^' marker."),
            (6, 2, "% Incomplete command."),
            (
                9,
                1,
                "% ephone-dn 9 exceeds max-dn (4); raise max-dn under telephony-service first"
            ),
            (13, 2, "% ephone-dn 9 does not exist (button 2:9)"),
            (
                15,
                2,
                "% MAC address 000D.EDAB.3566 is already used by ephone 1"
            ),
            (16, 3, "% Invalid input detected at '^' marker."),
        ]
    );
    assert_eq!(
        l.diagnostics[0].render("x.cfg"),
        "x.cfg:5:5: % Invalid input detected at '^' marker.\n maxx-dn 5\n    ^\n"
    );
    assert_eq!(l.model.hostname, "R1");
    assert_eq!(l.model.telephony.max_dn, 4);
    assert_eq!(l.model.dns.len(), 1);
    assert_eq!(l.model.ephones.len(), 2);
}

#[test]
fn abbreviations_work_in_files_too() {
    let g = Grammar::embedded();
    let l = load::load(&g, "hostn R9\ntel\n max-eph 3\neph 1\n mac 1.2.3\n");
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.model.hostname, "R9");
    assert_eq!(l.model.ephones.len(), 1);
}

/// Found by the `cli_line` fuzz target: the caret of an invalid MAC address could fall inside
/// a multi-byte character, and loading such a startup-config panicked building the message.
#[test]
fn a_startup_config_line_with_the_caret_inside_a_multibyte_character_loads() {
    let g = Grammar::embedded();
    let text =
        "telephony-service\n max-ephones 2\n!\nephone 1\n mac-address 000D.EDAé.3566\n!\nend\n";
    let l = load::load(&g, text);
    assert_eq!(l.diagnostics.len(), 1, "{:?}", l.diagnostics);
    // Column 22: the byte where `é` starts (columns count bytes).
    assert_eq!((l.diagnostics[0].line, l.diagnostics[0].col), (5, 22));
}
