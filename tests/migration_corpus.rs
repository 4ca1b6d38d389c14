//! Full CME router configurations of our own (`tests/migration/*.cfg`): interfaces, DHCP
//! pools, access lists, a voice gateway and the CME sections, with deliberate typos (each on
//! the line after a `! typo` comment). Every telephony line is applied or accepted, every
//! router line is kept and reported once per family, no line lands in the wrong section, and
//! load -> write memory -> load gives the same applied configuration and the same file.

mod support;

use std::collections::HashSet;
use std::process::Command;

use cmed::config::kept::{self, Reason};
use cmed::config::model::LineMode;
use cmed::config::{load, running as render};
use cmed::grammar::graph::Grammar;
use cmed::ids::{DnTag, EphoneTag, PoolTag};

const CMED: &str = env!("CARGO_BIN_EXE_cmed");

fn corpus() -> Vec<(String, String)> {
    let out = support::files("tests/migration", "cfg");
    assert!(out.len() >= 2);
    out
}

/// 1-based numbers of the lines that follow a `! typo` comment.
fn typo_lines(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    (0..lines.len())
        .filter(|&i| i > 0 && lines[i - 1].trim() == "! typo")
        .map(|i| i + 1)
        .collect()
}

/// Lines as an admin wrote them, blanks collapsed: what must survive a save.
fn meaningful(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| {
            !l.is_empty()
                && !l.starts_with('!')
                && !l.starts_with("Building configuration")
                && !l.starts_with("Current configuration")
                && l != "end"
        })
        .collect()
}

#[test]
fn every_line_is_applied_accepted_or_kept_and_only_the_typos_are_errors() {
    let g = Grammar::embedded();
    for (name, text) in corpus() {
        let l = load::load(&g, &text);
        let got: Vec<usize> = l.diagnostics.iter().map(|d| d.line).collect();
        assert_eq!(got, typo_lines(&text), "{name}: {:#?}", l.diagnostics);
        // Every kept block is a typo or a router family; the families are reported once each.
        let families: HashSet<&str> = l.families.iter().map(|f| f.family.name).collect();
        assert_eq!(families.len(), l.families.len(), "{name}");
        for (_, k) in kept::walk(&l.tree.root) {
            match &k.reason {
                Reason::Family(_) => {}
                Reason::Invalid(_) | Reason::Refused(_) => assert!(
                    typo_lines(&text).contains(&k.line),
                    "{name}:{}: {:?} not applied",
                    k.line,
                    k.lines
                ),
            }
        }
        assert!(families.contains("interface"), "{name}");
        assert!(
            !kept::accepted_without_effect(&g, &l.tree.root).is_empty(),
            "{name}"
        );
    }
}

#[test]
fn load_write_load_gives_the_same_configuration_and_the_same_file_and_loses_nothing() {
    let g = Grammar::embedded();
    for (name, text) in corpus() {
        let a = load::load(&g, &text);
        let saved = render::startup_config(&g, &a.tree);
        let b = load::load(&g, &saved);
        assert_eq!(a.model, b.model, "{name}");
        assert_eq!(
            render::running_config(&g, &a.tree),
            render::running_config(&g, &b.tree),
            "{name}"
        );
        assert_eq!(
            render::startup_config(&g, &b.tree),
            saved,
            "{name}: a second save differs"
        );
        // The same families and counts (their report order follows the file, which changed).
        let sorted = |l: &load::Loaded| {
            let mut v: Vec<String> = l.families.iter().map(|f| f.render()).collect();
            v.sort();
            v
        };
        assert_eq!(sorted(&a), sorted(&b), "{name}");
        assert_eq!(a.diagnostics.len(), b.diagnostics.len(), "{name}");
        // Nothing the admin wrote is missing from the saved file (canonical spacing aside).
        // An applied `no` line (`no ip http server`) removes a line: there is nothing to write
        // back, as in IOS.
        let written: HashSet<String> = meaningful(&saved).into_iter().collect();
        // Under `service password-encryption` a type 0 password is saved in its type 7 form.
        let encryption = text.lines().any(|l| l == "service password-encryption");
        for line in meaningful(&text) {
            if line.starts_with("no ") && !written.contains(&line) {
                let g2 = Grammar::embedded();
                let alone = load::load(&g2, &line);
                assert_eq!(
                    kept::count(&alone.tree.root),
                    0,
                    "{name}: `{line}` was lost"
                );
                continue;
            }
            // A re-entered header (`ephone-dn 3`) is the section's stored header
            // (`ephone-dn 3 octo-line`).
            let found = written.contains(&line)
                || written.iter().any(|w| w.starts_with(&format!("{line} ")))
                || encryption && written.contains(&in_type_7(&line));
            assert!(found, "{name}: `{line}` was lost:\n{saved}");
        }
    }
}

/// `line` with its last word, a type 0 password, in type 7 form.
fn in_type_7(line: &str) -> String {
    let (head, pw) = line.rsplit_once(' ').unwrap_or(("", line));
    let head = head.strip_suffix(" 0").unwrap_or(head);
    format!("{head} 7 {}", cmed::config::secrets::type7(pw))
}

#[test]
fn no_line_is_applied_to_the_wrong_section() {
    let g = Grammar::embedded();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/migration/branch-sccp.cfg"
    ))
    .unwrap();
    let l = load::load(&g, &text);
    let m = &l.model;
    // `dial-peer cor custom` / ` name internal` follows ephone-dn 1.
    assert_eq!(m.dns[&DnTag(1)].name.as_deref(), Some("Front Desk"));
    // The refused `telephony-sevice` block's ` max-dn 40` is not applied to anything.
    assert_eq!(m.telephony.max_dn, 48);
    // Re-entering `ephone-dn 3` without octo-line keeps the line type.
    assert_eq!(m.dns[&DnTag(3)].mode, LineMode::Octo);
    // An interface's description stays with the interface.
    assert!(m.ephones.values().all(|e| e.description.is_none()));
    assert_eq!(m.ephones[&EphoneTag(3)].model.as_deref(), Some("CIPC"));
    assert_eq!(m.ephones.len(), 3);
    assert!(m.http_server);
    let families: Vec<String> = l.families.iter().map(|f| f.render()).collect();
    assert!(
        families.contains(
            &"% 29 lines of interface configuration not applied: cmed is not a router".to_string()
        ),
        "{families:#?}"
    );
    assert!(families.contains(
        &"% 4 lines of banner configuration not applied: cmed is not a router".to_string()
    ));
    let sip = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/migration/hq-sip.cfg"
    ))
    .unwrap();
    let l = load::load(&g, &sip);
    assert_eq!(l.model.pools.len(), 3);
    assert!(l.model.pools[&PoolTag(3)].mac.is_none());
    assert_eq!(l.model.dial_peers.len(), 2);
    assert_eq!(l.model.user_profiles.len(), 1);
}

#[test]
fn cmed_check_passes_router_lines_fails_typos_and_strict_fails_both() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in corpus() {
        // Without the typos and the lines indented under them.
        let typos = typo_lines(&text);
        let mut clean = String::new();
        let mut skipping: Option<usize> = None;
        for (i, l) in text.lines().enumerate() {
            let indent = l.len() - l.trim_start().len();
            if skipping.is_some_and(|d| indent > d && !l.trim().is_empty()) {
                continue;
            }
            skipping = None;
            if typos.contains(&(i + 1)) {
                skipping = Some(indent);
                continue;
            }
            clean.push_str(l);
            clean.push('\n');
        }
        let path = dir.path().join("clean.cfg");
        std::fs::write(&path, clean).unwrap();
        let out = Command::new(CMED).arg("check").arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{name}: {stderr}");
        assert!(
            stderr.contains("lines of interface configuration not applied: cmed is not a router"),
            "{stderr}"
        );
        assert!(
            stdout.contains("accepted, no effect in cmed yet"),
            "{stdout}"
        );
        let out = Command::new(CMED)
            .args(["check", "--strict"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}");
        let out = Command::new(CMED).arg("check").arg(&name).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}");
    }
}
