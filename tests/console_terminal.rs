//! Console comfort (issue 16, item 4), through the pure CLI: `line con 0` / `line vty`
//! sections, which load from a startup-config, render last in the running-config as IOS
//! writes them, and set the console's settings.

mod support;

use cmed::config::{load, running as render};
use cmed::grammar::graph::Grammar;
use support::Console;

const LINES: &str = "hostname R1\n!\nline con 0\n exec-timeout 5 30\n privilege level 15\n logging synchronous\n stopbits 1\n length 40\nline aux 0\n modem InOut\nline vty 0 4\n password 7 0822455D0A16\n login\n transport input ssh\nline vty 5 15\n exec-timeout 0 0\n!\nend\n";

#[test]
fn line_sections_load_render_last_and_round_trip() {
    let g = Grammar::embedded();
    let l = load::load(&g, LINES);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let c = l.model.console;
    assert_eq!(
        (c.exec_timeout, c.privilege, c.length, c.width),
        (330, 15, 40, 80)
    );
    let run = render::running_config(&g, &l.tree);
    assert!(
        run.ends_with(
            "line con 0\n exec-timeout 5 30\n privilege level 15\n logging synchronous\n length 40\n stopbits 1\n\
line vty 0 4\n password 7 0822455D0A16\n login\n transport input ssh\n\
line vty 5 15\n exec-timeout 0 0\n!\nend\n"
        ),
        "{run}"
    );
    // `line aux 0` and `modem` are router lines: kept as written, not errors.
    let families: Vec<String> = l.families.iter().map(|f| f.render()).collect();
    assert_eq!(
        families,
        ["% 2 lines of line configuration not applied: cmed is not a router"]
    );
    let saved = render::startup_config(&g, &l.tree);
    assert!(
        saved.contains("line con 0\n") && saved.contains(" modem InOut\n"),
        "{saved}"
    );
    assert!(saved.contains("line aux 0\n"), "{saved}");
    let again = load::load(&g, &saved);
    assert_eq!(again.model, l.model);
    assert_eq!(render::startup_config(&g, &again.tree), saved);
}

#[test]
fn line_console_typed_enters_config_line_and_sets_the_console() {
    let mut c = Console::new("hostname R1\n");
    let t = c.type_lines(&[
        "configure terminal",
        "line console 0",
        "exec-timeout 0 0",
        "privilege level 15",
        "transport input ssh",
        "exit",
        "line vty 0 4",
        "exec-timeout ?",
        "end",
    ]);
    assert!(
        t.contains("R1(config)#line console 0\nR1(config-line)#exec-timeout 0 0\n"),
        "{t}"
    );
    assert!(
        t.contains("R1(config-line)#exec-timeout ?\n  <0-35791>  Timeout in minutes\n"),
        "{t}"
    );
    let m = &c.run().model.console;
    assert_eq!((m.exec_timeout, m.privilege), (0, 15));
    let run = render::running_config(&c.g, &c.run().tree);
    assert!(
        run.ends_with("line console 0\n exec-timeout 0 0\n privilege level 15\n transport input ssh\nline vty 0 4\n!\nend\n"),
        "{run}"
    );
    // `no exec-timeout` goes back to IOS's 10 minutes.
    c.type_lines(&["configure terminal", "line con 0", "no exec-timeout", "end"]);
    assert_eq!(c.run().model.console.exec_timeout, 600);
}

#[test]
fn line_passwords_are_stored_in_type_7_under_service_password_encryption() {
    let g = Grammar::embedded();
    let l = load::load(
        &g,
        "service password-encryption\nline vty 0 4\n password cisco\n login\n",
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    let run = render::running_config(&g, &l.tree);
    assert!(run.contains("line vty 0 4\n password 7 "), "{run}");
    assert!(!run.contains("cisco"), "{run}");
}
