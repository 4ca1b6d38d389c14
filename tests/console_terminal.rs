//! Console comfort (issue 16, item 4), through the pure CLI: `terminal length`/`width`,
//! `show terminal`, `show history`, and `line con 0` / `line vty` sections, which load from
//! a startup-config, render last in the running-config as IOS writes them, and set the
//! console's session. The `--More--` pager itself is driven through tmux in
//! `console_tmux.rs`; its page splitting is unit-tested in `cli::pager`.

mod support;

use cmed::cli::exec::VtySession;
use cmed::config::{load, running as render};
use cmed::grammar::graph::Grammar;
use support::Console;

const LINES: &str = "hostname R1\n!\nline con 0\n exec-timeout 5 30\n privilege level 15\n logging synchronous\n stopbits 1\n length 40\nline aux 0\n modem InOut\nline vty 0 4\n password 7 0822455D0A16\n login\n transport input ssh\nline vty 5 15\n exec-timeout 0 0\n!\nend\n";

#[test]
fn terminal_length_and_width_are_per_session_and_show_terminal_reports_them() {
    let mut c = Console::new("hostname R1\n");
    c.s = VtySession::console(&c.g, &c.run().model.console);
    let t = c.type_lines(&[
        "show terminal",
        "terminal length 0",
        "term width 132",
        "show terminal | include Length",
    ]);
    assert_eq!(
        t,
        "R1>show terminal\n\
Line 0, Location: \"\", Type: \"\"\n\
Length: 24 lines, Width: 80 columns\n\
Status: Ready, Active\n\
Capabilities: none\n\
Timeouts:      Idle EXEC    Idle Session   Modem Answer  Session   Dispatch\n\
\x20              00:10:00        never                        none     not set\n\
Editing is enabled.\n\
History is enabled, history size is 10.\n\
R1>terminal length 0\n\
R1>term width 132\n\
R1>show terminal | include Length\n\
Length: 0 lines, Width: 132 columns\n"
    );
    assert_eq!((c.s.term.length, c.s.term.width), (0, 132));
    // `terminal default length` goes back to the line's setting; out of range is refused.
    let t = c.type_lines(&["terminal default length", "terminal length 513"]);
    assert_eq!(c.s.term.length, 24);
    assert!(t.contains("% Invalid input detected at '^' marker."), "{t}");
    // A `cmed cli` session starts at length 0: scripts never page.
    let vty = VtySession::new(&c.g, 15, "vty0");
    assert_eq!(vty.term.length, 0);
    let mut v = Console::new("hostname R1\n");
    v.s = vty;
    let t = v.type_lines(&["show terminal | include Line|Length|Idle EXEC|never"]);
    assert!(t.contains("Line 2, Location"), "{t}");
    assert!(t.contains("Length: 0 lines, Width: 80 columns"), "{t}");
}

#[test]
fn show_history_lists_the_sessions_commands_in_ios_layout() {
    let mut c = Console::new("hostname R1\n");
    let t = c.type_lines(&[
        "show clock",
        "",
        "conf t",
        "hostname R2",
        "! a comment is not a command",
        "do show history",
        "end",
        "show history | include host",
    ]);
    assert!(
        t.contains(
            "R2(config)#do show history\n  show clock\n  conf t\n  hostname R2\n  do show history\n"
        ),
        "{t}"
    );
    assert!(
        t.ends_with(
            "R2#show history | include host\n  hostname R2\n  show history | include host\n"
        ),
        "{t}"
    );
    // Only the last ten are kept, as IOS's default history size.
    for i in 0..12 {
        c.type_lines(&[&format!("terminal width {i}")]);
    }
    let t = c.type_lines(&["show history"]);
    assert_eq!(t.lines().count(), 11, "{t}");
    assert!(
        t.contains("  terminal width 3\n") && !t.contains("width 2\n"),
        "{t}"
    );
}

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
    // The console's next session starts where `line con 0` says.
    let s = VtySession::console(&c.g, m);
    assert_eq!(s.prompt(&c.g, "R1"), "R1#");
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
