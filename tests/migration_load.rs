//! Migration from a real CME router: sections by indentation, nothing applied to the wrong
//! section, and nothing lost by `write memory` (issue 11, deliverables 1 and 2).

mod support;

use cmed::config::kept::{self, Reason};
use cmed::config::{load, running as render};
use cmed::grammar::graph::Grammar;
use cmed::ids::{DnTag, EphoneTag};

/// Loads `text`, saves it as `write memory` does, loads the saved text and saves it again:
/// the applied configuration and the file must not change.
fn round_trip(g: &Grammar, text: &str) -> String {
    let a = load::load(g, text);
    let saved = render::startup_config(g, &a.tree);
    let b = load::load(g, &saved);
    assert_eq!(a.model, b.model, "applied configuration changed:\n{saved}");
    assert_eq!(
        render::running_config(g, &a.tree),
        render::running_config(g, &b.tree)
    );
    assert_eq!(
        kept::count(&a.tree.root),
        kept::count(&b.tree.root),
        "kept lines changed:\n{saved}"
    );
    assert_eq!(
        render::startup_config(g, &b.tree),
        saved,
        "saving is not stable"
    );
    saved
}

#[test]
fn dial_peer_cor_custom_names_do_not_rename_the_previous_ephone_dn() {
    let g = Grammar::embedded();
    let text = "telephony-service\n max-ephones 4\n max-dn 4\n!\nephone-dn 1\n number 1001\n name Front Desk\n!\ndial-peer cor custom\n name call1900\n name internal\n!\nend\n";
    let l = load::load(&g, text);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.model.dns[&DnTag(1)].name.as_deref(), Some("Front Desk"));
    // The names are the class-of-restriction section's (accepted, no effect yet).
    assert!(
        render::running_config(&g, &l.tree)
            .contains("dial-peer cor custom\n name call1900\n name internal\n")
    );
    round_trip(&g, text);
}

#[test]
fn a_refused_header_takes_its_indented_lines_with_it() {
    let g = Grammar::embedded();
    let text = "telephony-service\n max-ephones 4\n max-dn 4\n!\nephone-dn 1\n number 1001\n name Front Desk\n!\ndial-peer cor custon\n name call1900\n name internal\n!\nend\n";
    let l = load::load(&g, text);
    assert_eq!(l.model.dns[&DnTag(1)].name.as_deref(), Some("Front Desk"));
    // The refused header is reported once, with the two lines that went with it.
    assert_eq!(l.diagnostics.len(), 1, "{:?}", l.diagnostics);
    assert_eq!((l.diagnostics[0].line, l.diagnostics[0].under), (9, 2));
    assert!(
        l.diagnostics[0]
            .render("r.cfg")
            .ends_with("r.cfg:9: the 2 lines indented under it were not applied either\n")
    );
    let saved = round_trip(&g, text);
    assert!(saved.contains("dial-peer cor custon\n name call1900\n name internal\n"));
}

#[test]
fn interface_description_is_not_applied_to_the_previous_ephone() {
    let g = Grammar::embedded();
    let text = "telephony-service\n max-ephones 4\n max-dn 4\n!\nephone-dn 1\n number 1001\nephone 1\n mac-address 000D.EDAB.3566\n description Lobby\n button 1:1\n!\ninterface Serial0/1/1\n description Link to HQ\n ip address 10.9.9.1 255.255.255.252\n!\nend\n";
    let l = load::load(&g, text);
    assert_eq!(
        l.model.ephones[&EphoneTag(1)].description.as_deref(),
        Some("Lobby")
    );
    // Router configuration is not an error: it is reported once for its family.
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.families.len(), 1);
    assert_eq!(
        l.families[0].render(),
        "% 3 lines of interface configuration not applied: cmed is not a router"
    );
    round_trip(&g, text);
}

#[test]
fn a_refused_line_inside_a_section_is_kept_in_place() {
    let g = Grammar::embedded();
    let text = "telephony-service\n max-dn 4\n!\nephone-dn 1\n number 1001\n nmae Typo\n label Desk\n!\nend\n";
    let l = load::load(&g, text);
    assert_eq!(l.diagnostics.len(), 1);
    assert_eq!((l.diagnostics[0].line, l.diagnostics[0].col), (6, 3));
    assert!(!render::running_config(&g, &l.tree).contains("nmae"));
    let saved = round_trip(&g, text);
    assert!(
        saved.contains("ephone-dn  1\n number 1001\n nmae Typo\n label Desk\n"),
        "{saved}"
    );
}

#[test]
fn a_section_the_model_refuses_is_kept_with_its_lines() {
    let g = Grammar::embedded();
    let text = "telephony-service\n max-dn 4\n!\nephone-dn 9\n number 1009\n!\nephone 1\n mac-address 000D.EDAB.3566\n button 1:9\n!\nend\n";
    let l = load::load(&g, text);
    assert_eq!(l.diagnostics.len(), 2, "{:?}", l.diagnostics);
    assert!(l.model.dns.is_empty());
    let saved = round_trip(&g, text);
    assert!(saved.contains("ephone-dn  9\n number 1009\n"), "{saved}");
    assert!(saved.contains(" button  1:9\n"), "{saved}");
}

/// Found by the `config_load` fuzz target: a section the model refuses is kept with the key
/// of the line it was, which is also the key of the unapplied lines that followed it; it was
/// written back after them, so the next load read them as following the previous line, and
/// saving again moved them.
#[test]
fn a_refused_section_is_saved_before_the_unapplied_lines_that_followed_it() {
    let g = Grammar::embedded();
    // An indented file: the unindented `max-dn 4` and `number 1001` are global lines, invalid
    // there, kept after `telephony-service` and after `ephone-dn 1`; the model then refuses
    // `ephone-dn 1` (beyond max-dn, which is 0).
    let text = "telephony-service\n max-ephones 2\nmax-dn 4\nephone-dn 1\nnumber 1001\n!\nend\n";
    let saved = round_trip(&g, text);
    assert!(saved.contains("ephone-dn  1\nnumber 1001\n"), "{saved}");
}

/// Found by the `config_load` fuzz target: a banner whose closing delimiter never came took
/// the rest of the file as its text, and was written back unclosed, so each `write memory`
/// read the `end` written after it into the banner too, and the file grew by two lines.
#[test]
fn an_unterminated_banner_is_closed_when_saved() {
    let g = Grammar::embedded();
    let text = "hostname R1\nbanner motd ^C\nAuthorised access only\n";
    let saved = round_trip(&g, text);
    assert!(
        saved.contains("banner motd ^C\nAuthorised access only\n^C\n!\nend\n"),
        "{saved}"
    );
}

/// Regression (config_load fuzz target): lines indented under a line that opens no section
/// (`hostname`) are kept at the top level and saved flush left. The saved file then had no
/// indented line, was read flat, and IOS's fallback put the kept `button 1:9`, which followed
/// the refused `ephone 2`, into that section: the second save wrote it indented under it. A
/// file that carries cmed's header for kept lines is now read by its indentation.
#[test]
fn a_saved_file_read_flat_put_a_kept_line_into_a_refused_section() {
    let g = Grammar::embedded();
    let text =
        "hostname R1\nhostname R2\n mac-address 5475.D0A3.2288\n type 8945\nephone 2\nbutton 1:9\n";
    let saved = round_trip(&g, text);
    assert!(saved.contains("ephone  2\nbutton 1:9\n"), "{saved}");
}

/// Regression (config_load fuzz target, bug 12): a line starting with a vertical tab
/// or a form feed fits no command (the word is `\u{b}ex`) and is kept, but the loader took
/// the blank for indentation and the saver wrote the line without it, as `ex` or `te`, which
/// matched a command at the next load (`exit`; a `te…` command that changed the model).
#[test]
fn a_kept_line_starting_with_a_vertical_tab_or_form_feed_saved_trimmed_matched_a_command() {
    let g = Grammar::embedded();
    for text in ["\u{b}ex\n", "\u{c}te\n"] {
        let saved = round_trip(&g, text);
        assert!(saved.contains(&format!("\n{text}")), "{saved:?}");
    }
}

#[test]
fn multi_line_banners_are_kept_verbatim_with_their_delimiters() {
    let g = Grammar::embedded();
    let text = "hostname R1\n!\ntelephony-service\n max-ephones 4\n!\nbanner motd ^C\n\n  Authorised access only\n! not a comment here\nephone 1\n^C\nbanner login #One line#\n!\nephone 1\n mac-address 000D.EDAB.3566\n!\nend\n";
    let l = load::load(&g, text);
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(l.model.ephones.len(), 1);
    assert_eq!(l.families[0].family.name, "banner");
    assert_eq!(l.families[0].lines, 7);
    let saved = round_trip(&g, text);
    assert!(
        saved.contains(
            "banner motd ^C\n\n  Authorised access only\n! not a comment here\nephone 1\n^C\n"
        ),
        "{saved}"
    );
}

#[test]
fn write_memory_keeps_the_lines_and_says_so_and_show_lists_them() {
    let text = "hostname R1\n!\ninterface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n!\ntelephony-service\n max-dn 4\n!\nephone-dn 1\n number 1001\n!\nend\n";
    let g = Grammar::embedded();
    let l = load::load(&g, text);
    let run = cmed::config::Running::new(&g, l.tree, Some(text.into()));
    let _ = g;
    let mut c = support::Console::on(run);
    let out = c.type_lines(&["write memory"]);
    assert_eq!(
        out,
        "R1#write memory\nBuilding configuration...\n% 2 lines not applied by cmed were kept\n[OK]\n"
    );
    let saved = c.run().startup.clone().unwrap();
    assert!(saved.contains("interface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n"));
    let out = c.type_lines(&["show startup-config unapplied"]);
    assert!(
        out.contains(
            "! line 3: interface configuration: cmed is not a router\ninterface GigabitEthernet0/0\n"
        ),
        "{out}"
    );
    let out = c.type_lines(&["show running-config"]);
    assert!(!out.contains("interface"), "{out}");
}

#[test]
fn a_pasted_block_under_a_refused_header_is_refused_with_it() {
    let mut c = support::Console::new(
        "telephony-service\n max-dn 4\n!\nephone-dn 1\n number 1001\n name Front Desk\n",
    );
    let out = c.type_lines(&[
        "configure terminal",
        "ephone-dn 1",
        "dial-peer cor custon",
        " name internal",
        "interface Serial0/1/1",
        " description Link",
        "end",
    ]);
    assert!(
        out.contains("% Not applied: it is indented under a line that was refused"),
        "{out}"
    );
    assert!(out.contains("% interface configuration not applied: cmed is not a router"));
    assert_eq!(
        c.run().model.dns[&DnTag(1)].name.as_deref(),
        Some("Front Desk")
    );
    // A pasted nested block returns to its parent section; an indented line is never global.
    let out = c.type_lines(&[
        "configure terminal",
        "voice service voip",
        " sip",
        "  registrar server",
        " allow-connections sip to sip",
        "ephone-dn 1",
        " hostname Oops",
        "end",
    ]);
    assert!(
        out.contains("Router(conf-serv-sip)# allow-connections"),
        "{out}"
    );
    assert!(out.contains("Router(conf-voi-serv)#ephone-dn 1"), "{out}");
    assert!(
        out.contains("Router(config-ephone-dn)# hostname Oops\n"),
        "{out}"
    );
    assert_eq!(c.run().model.hostname, "Router");
    let run = render::running_config(&c.g, &c.run().tree);
    assert!(
        run.contains(
            "voice service voip\n allow-connections sip to sip\n sip\n  registrar server\n"
        ),
        "{run}"
    );
    // Typing without indentation keeps IOS parent-mode fallback.
    c.type_lines(&[
        "configure terminal",
        "ephone-dn 1",
        "name Lobby",
        "ephone-dn 2",
        "end",
    ]);
    assert_eq!(c.run().model.dns[&DnTag(1)].name.as_deref(), Some("Lobby"));
    assert!(c.run().model.dns.contains_key(&DnTag(2)));
}

#[test]
fn reasons_say_what_is_an_error() {
    assert!(!Reason::Family(kept::family_of("interface Gi0/0").unwrap()).is_error());
    assert!(Reason::Invalid("% Invalid input detected at '^' marker.".into()).is_error());
}

#[test]
fn a_file_without_indentation_loads_as_ios_reads_it_but_never_under_a_refused_header() {
    let g = Grammar::embedded();
    let flat = "telephony-service\nmax-dn 4\nmax-ephones 4\nephone-dn 1\nnumber 1001\nname Front Desk\n\
                voice service voip\nsip\nregistrar server\nallow-connections sip to sip\n\
                interface Serial0/1/1\ndescription Link\nephone 1\nmac-address 000D.EDAB.3566\nbutton 1:1\n\
                hostname R2\ndescription Stray\n";
    let l = load::load(&g, flat);
    let got: Vec<usize> = l.diagnostics.iter().map(|d| d.line).collect();
    // `description Link` follows a refused header, `description Stray` a global line.
    assert_eq!(got, vec![12, 17], "{:?}", l.diagnostics);
    assert_eq!(l.model.dns[&DnTag(1)].name.as_deref(), Some("Front Desk"));
    assert!(l.model.ephones[&EphoneTag(1)].description.is_none());
    assert_eq!(l.model.ephones[&EphoneTag(1)].buttons.len(), 1);
    assert!(
        render::running_config(&g, &l.tree).contains(
            "voice service voip\n allow-connections sip to sip\n sip\n  registrar server\n"
        )
    );
    round_trip(&g, flat);
}

#[test]
fn a_global_keyword_in_full_beats_an_abbreviated_sub_mode_command() {
    // In (config-ephone)#, `ephone 2` is the global `ephone`, not `ephone-template 2`.
    let mut c = support::Console::new(
        "telephony-service\n max-ephones 4\n max-dn 4\n!\nephone 1\n mac-address 000D.EDAB.3566\n",
    );
    let out = c.type_lines(&["configure terminal", "ephone 1", "ephone 2", "end"]);
    assert!(
        out.contains("Router(config-ephone)#ephone 2\nRouter(config-ephone)#end"),
        "{out}"
    );
    assert!(c.run().model.ephones.contains_key(&EphoneTag(2)));
    // In an indented file, a global `ephone-template 1` after an ephone block is global.
    let g = Grammar::embedded();
    let l = load::load(
        &g,
        "telephony-service\n max-ephones 4\nephone 1\n mac-address 000D.EDAB.3566\nephone-template 1\n max-calls-per-button 2\n",
    );
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert!(
        render::running_config(&g, &l.tree)
            .contains("ephone-template 1\n max-calls-per-button 2\n")
    );
}

#[test]
fn kept_lines_read_back_into_their_section_whatever_the_file_indentation() {
    let g = Grammar::embedded();
    // Two spaces per level, a nested section, and a refused line at the outer level after it.
    let text = "voice service voip\n  sip\n    registrar server\n  alow-connections sip to sip\n  allow-connections sip to sip\n";
    let l = load::load(&g, text);
    assert_eq!(l.diagnostics.len(), 1, "{:?}", l.diagnostics);
    let saved = round_trip(&g, text);
    assert!(
        saved.contains("voice service voip\n allow-connections sip to sip\n sip\n  registrar server\n alow-connections sip to sip\n"),
        "{saved}"
    );
}

#[test]
fn a_pasted_configuration_with_comments_banners_and_a_refused_section() {
    let mut c = support::Console::new("hostname R1\n");
    let out = c.type_lines(&[
        "configure terminal",
        "!",
        "ephone-dn 1",
        " number 1001",
        "banner motd ^C",
        "hostname Inside-Banner",
        "^C",
        "hostname R2",
        "end",
    ]);
    assert_eq!(
        out,
        "R1#configure terminal\nEnter configuration commands, one per line.  End with CNTL/Z.\n\
         R1(config)#!\n\
         R1(config)#ephone-dn 1\n% ephone-dn 1 exceeds max-dn (0); raise max-dn under telephony-service first\n\
         R1(config)# number 1001\n% Not applied: it is indented under a line that was refused\n\
         R1(config)#banner motd ^C\n% banner configuration not applied: cmed is not a router\n\
         R1(config)#hostname Inside-Banner\nR1(config)#^C\n\
         R1(config)#hostname R2\nR2(config)#end\n%SYS-5-CONFIG_I: Configured from console by console\n"
    );
}
