//! CLI transcripts with exact expected output: prompts, `?`, Tab candidates, the three IOS
//! error forms with the caret in the right column, `do`, parent-mode fallback and `no`.

mod support;

use cmed::grammar::matcher::{self, Ctx};
use support::{Console, SMALL_OFFICE};

const MINI: &str = "hostname R1\ntelephony-service\n max-ephones 10\n max-dn 20\n!\n\
ephone-dn  1\n number 1001\n!\nephone  1\n mac-address 000D.EDAB.3566\n type 7965\n button  1:1\n!\nend\n";

#[test]
fn modes_and_prompts_follow_ios() {
    let mut c = Console::new(MINI);
    c.s.level = 1;
    let t = c.type_lines(&[
        "enable",
        "conf t",
        "tel",
        "exit",
        "ephone-dn 2",
        "ephone 1",
        "voice logout-profile 1",
        "voice user-profile 1",
        "voice register global",
        "voice register pool 1",
        "voice register dn 1",
        "dial-peer voice 9 voip",
        "end",
        "disable",
    ]);
    assert_eq!(
        t,
        "R1>enable\nR1#conf t\nEnter configuration commands, one per line.  End with CNTL/Z.\n\
R1(config)#tel\nR1(config-telephony)#exit\nR1(config)#ephone-dn 2\nR1(config-ephone-dn)#ephone 1\n\
R1(config-ephone)#voice logout-profile 1\nR1(config-logout-profile)#voice user-profile 1\n\
R1(config-user-profile)#voice register global\nR1(config-register-global)#voice register pool 1\n\
% voice register pool 1 exceeds max-pool (0); raise max-pool under voice register global first\n\
R1(config)#voice register dn 1\n\
% voice register dn 1 exceeds max-dn (0); raise max-dn under voice register global first\n\
R1(config)#dial-peer voice 9 voip\nR1(config-dial-peer)#end\n\
%SYS-5-CONFIG_I: Configured from console by console\nR1#disable\nR1>"
            .trim_end_matches("R1>")
    );
}

#[test]
fn errors_put_the_caret_under_the_first_bad_character() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&[
        "shox run",
        "conf t",
        "max-ephones 5",
        "tel",
        "max-ephones 10001",
        "em",
        "e",
        "eph 1",
    ]);
    assert_eq!(
        t,
        "R1#shox run\n      ^\n% Invalid input detected at '^' marker.\n\n\
R1#conf t\nEnter configuration commands, one per line.  End with CNTL/Z.\n\
R1(config)#max-ephones 5\n           ^\n% Invalid input detected at '^' marker.\n\n\
R1(config)#tel\nR1(config-telephony)#max-ephones 10001\n                                 ^\n\
% Invalid input detected at '^' marker.\n\n\
R1(config-telephony)#em\n% Incomplete command.\n\n\
R1(config-telephony)#e\n% Ambiguous command:  \"e\"\n\
R1(config-telephony)#eph 1\nR1(config-ephone)#"
            .trim_end_matches("R1(config-ephone)#")
    );
}

/// Found by the `cli_line` fuzz target: a MAC address group of more than four bytes put the
/// caret four bytes in, inside `é` here, and building the error message panicked.
#[test]
fn a_caret_inside_a_multibyte_character_lands_on_its_start() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&["conf t", "ephone 1", "mac-address 000D.EDAé.3566"]);
    let caret = " ".repeat("R1(config-ephone)#mac-address 000D.EDA".len());
    assert_eq!(
        t,
        format!(
            "R1#conf t\nEnter configuration commands, one per line.  End with CNTL/Z.\n\
R1(config)#ephone 1\nR1(config-ephone)#mac-address 000D.EDAé.3566\n\
{caret}^\n% Invalid input detected at '^' marker.\n\n"
        )
    );
}

/// Found by the `cli_line` fuzz target: `description` followed by a form feed (or U+00A0)
/// matched with an empty description, stored and shown as `description `, a line that does
/// not load: the rest of a line that is only blanks is no value.
#[test]
fn a_rest_of_line_of_blanks_is_no_value() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&[
        "conf t",
        "ephone-dn 1",
        "description \u{c}",
        "description \u{a0} ",
    ]);
    assert_eq!(
        t,
        "R1#conf t\nEnter configuration commands, one per line.  End with CNTL/Z.\n\
R1(config)#ephone-dn 1\nR1(config-ephone-dn)#description \u{c}\n% Incomplete command.\n\n\
R1(config-ephone-dn)#description \u{a0} \n% Incomplete command.\n\n"
    );
}

#[test]
fn question_mark_lists_next_tokens_keywords_and_cr() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&[
        "conf t",
        "tel",
        "max-ephones ?",
        "ip source-address 10.0.0.1 ?",
        "em l?",
        "keepalive 30 ?",
    ]);
    assert_eq!(
        t,
        "R1#conf t\nEnter configuration commands, one per line.  End with CNTL/Z.\n\
R1(config)#tel\n\
R1(config-telephony)#max-ephones ?\n  <1-10000>  Maximum phones to support\n\n\
R1(config-telephony)#ip source-address 10.0.0.1 ?\n  any-match     Accept registrations on any address (default)\n  port          Define TCP port for SCCP\n  secondary     Define a secondary CME router (no effect in cmed)\n  strict-match  Accept registrations only on this address\n  <cr>\n\n\
R1(config-telephony)#em l?\nlockout  login-type  logout\n\n\
R1(config-telephony)#keepalive 30 ?\n  <cr>\n\n"
    );
}

#[test]
fn question_mark_alone_lists_the_mode_with_its_title() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&["conf t", "dial-peer voice 1 voip", "?"]);
    let help = t.split("#?\n").nth(1).unwrap();
    assert!(
        help.starts_with("Dial-peer configuration commands:\n"),
        "{help}"
    );
    for line in [
        "  default              Set a command to its defaults",
        "  session              Session settings",
    ] {
        assert!(help.contains(line), "missing {line:?} in\n{help}");
    }
}

#[test]
fn tab_completes_a_unique_keyword_and_lists_candidates() {
    let c = Console::new(MINI);
    let config = Ctx {
        mode: c.g.mode_id("config").unwrap(),
        level: 15,
    };
    assert_eq!(
        matcher::complete(&c.g, config, "tele"),
        (0, vec!["telephony-service".to_string()])
    );
    assert_eq!(matcher::complete(&c.g, config, "voice "), (6, vec![]));
    assert_eq!(
        matcher::complete(&c.g, config, "voice r"),
        (6, vec!["register".to_string()])
    );
    let (start, words) = matcher::complete(&c.g, config, "voice register ");
    assert_eq!((start, words), (15, vec![]));
    let (_, words) = matcher::complete(&c.g, config, "e");
    assert_eq!(
        words,
        [
            "enable",
            "end",
            "ephone",
            "ephone-dn",
            "ephone-hunt",
            "ephone-template",
            "exit"
        ]
    );
}

#[test]
fn do_runs_exec_commands_from_any_config_mode() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&[
        "conf t",
        "ephone 1",
        "do show running-config | include ^hostname",
    ]);
    assert!(
        t.ends_with("R1(config-ephone)#do show running-config | include ^hostname\nhostname R1\n"),
        "{t}"
    );
}

#[test]
fn a_parent_mode_command_leaves_the_sub_mode() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&[
        "conf t",
        "ephone-dn 1",
        "ephone-dn 2",
        "number 1002",
        "hostname R2",
        "ephone 1",
    ]);
    assert!(t.contains("R1(config-ephone-dn)#ephone-dn 2\nR1(config-ephone-dn)#number 1002\nR1(config-ephone-dn)#hostname R2\nR2(config)#ephone 1\n"), "{t}");
    assert_eq!(c.run().model.dns.len(), 2);
}

#[test]
fn no_removes_lines_and_sections_and_refuses_dangling_references() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&[
        "conf t",
        "no ephone-dn 1",
        "ephone 1",
        "no button",
        "exit",
        "no ephone-dn 1",
        "no hostname",
    ]);
    assert!(
        t.contains("R1(config)#no ephone-dn 1\n% ephone-dn 1 does not exist (button 1:1)\n"),
        "{t}"
    );
    assert!(c.run().model.dns.is_empty());
    assert_eq!(c.run().model.hostname, "Router");
    assert!(c.run().model.ephones.values().all(|e| e.buttons.is_empty()));
}

#[test]
fn invalid_interactive_changes_change_nothing() {
    let mut c = Console::new(MINI);
    let before = c.run().tree.clone();
    let t = c.type_lines(&[
        "conf t",
        "ephone 2",
        "mac-address 000d.edab.3566",
        "exit",
        "ephone 11",
        "ephone 1",
        "button 1:7",
    ]);
    assert!(
        t.contains("% MAC address 000D.EDAB.3566 is already used by ephone 1\n"),
        "{t}"
    );
    assert!(t.contains("% ephone 11 exceeds max-ephones (10); raise max-ephones under telephony-service first\n"), "{t}");
    assert!(
        t.contains("% ephone-dn 7 does not exist (button 1:7)\n"),
        "{t}"
    );
    // ephone 2 exists (empty); nothing else changed.
    let mut after = c.run().tree.clone();
    let key = after
        .root
        .entries
        .keys()
        .find(|k| k.parts == [cmed::config::tree::KeyPart::Num(2)])
        .cloned()
        .unwrap();
    after.root.entries.remove(&key);
    assert_eq!(after, before);
}

#[test]
fn user_names_are_unique_across_all_credentials() {
    let mut c = Console::new(SMALL_OFFICE);
    let t = c.type_lines(&["conf t", "voice user-profile 20", "user lobby password 0 x"]);
    assert!(t.contains("% User name lobby is already used by voice logout-profile 1; credential names must be unique\n"), "{t}");
}

#[test]
fn write_memory_and_copy_prompt_for_the_destination() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&["copy run start", "", "wr"]);
    assert_eq!(
        t,
        "R1#copy run start\nDestination filename [startup-config]? R1#\nBuilding configuration...\n[OK]\n\
R1#wr\nBuilding configuration...\n[OK]\n"
    );
}

#[test]
fn show_running_config_has_the_ios_header_and_byte_count() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&["show running-config"]);
    let body = "!\nhostname R1\n!\ntelephony-service\n max-ephones 10\n max-dn 20\n!\n!\n\
ephone-dn  1\n number 1001\n!\n!\nephone  1\n mac-address 000D.EDAB.3566\n type 7965\n button  1:1\n!\n!\n!\nend\n";
    assert_eq!(
        t,
        format!(
            "R1#show running-config\nBuilding configuration...\n\nCurrent configuration : {} bytes\n{body}",
            body.len()
        )
    );
    let t = c.type_lines(&["show running-config | section ^ephone "]);
    assert!(
        t.ends_with("ephone  1\n mac-address 000D.EDAB.3566\n type 7965\n button  1:1\n"),
        "{t}"
    );
}

/// Regression: `ephone` alone in `(config-ephone)#` was reported as invalid input in the
/// sub-mode although it is an incomplete command of the parent mode.
#[test]
fn incomplete_parent_command_in_a_sub_mode_says_incomplete_not_invalid() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&["conf t", "ephone 1", "ephone", "typo"]);
    assert!(
        t.ends_with("R1(config-ephone)#ephone\n% Incomplete command.\n\nR1(config-ephone)#typo\n                     ^\n% Invalid input detected at '^' marker.\n\n"),
        "{t}"
    );
}

/// Regression: `undebug all` left `debug ephone extension-mobility` on, because the list of
/// switches it turned off was kept by hand. `show debugging` lists what is on.
#[test]
fn undebug_all_turns_off_extension_mobility_debugging_too() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&[
        "debug ephone extension-mobility",
        "debug tftp events",
        "show debugging",
        "undebug all",
        "show debugging",
    ]);
    assert_eq!(
        t,
        "R1#debug ephone extension-mobility\nEPHONE extension mobility debugging is on\n\
R1#debug tftp events\nTFTP Event debugging is on\n\
R1#show debugging\nTFTP Event debugging is on\nEPHONE extension mobility debugging is on\n\
R1#undebug all\nAll possible debugging has been turned off\n\
R1#show debugging\n"
    );
    let t = c.type_lines(&[
        "debug ephone detail",
        "no debug ephone detail",
        "show debugging",
    ]);
    assert_eq!(
        t,
        "R1#debug ephone detail\nEPHONE detail debugging is on\n\
R1#no debug ephone detail\nEPHONE detail debugging is off\nR1#show debugging\n"
    );
}

#[test]
fn show_dial_peer_voice_summary_lists_the_voip_peers_and_the_peers_of_the_dns() {
    let mut c = Console::new(SMALL_OFFICE);
    let t = c.type_lines(&[
        "show dial-peer voice summary | include ^(dial|TAG|8000|20001|20013)",
        "show dial-peer voice ?",
    ]);
    assert_eq!(
        t,
        "CME-Office#show dial-peer voice summary | include ^(dial|TAG|8000|20001|20013)\n\
dial-peer hunt 0\n\
TAG    TYPE  MIN  OPER PREFIX    DEST-PATTERN      FER THRU SESS-TARGET    STAT PORT\n\
8000   voip  up   up             8000               0  syst ipv4:127.0.0.1:5070\n\
20001  pots  up   up             1001$              0                           50/0/1\n\
20013  pots  up   up             1099$              0                           50/0/13\n\
CME-Office#show dial-peer voice ?\n  \
<1-2147483647>  Dial-peer tag\n  \
summary         One line per dial-peer, with the automatic ones of directory numbers\n\n"
    );
    // What is typed shows at once: a peer's preference, a new DN's peer and secondary.
    let t = c.type_lines(&[
        "conf t",
        "dial-peer voice 8000 voip",
        "preference 4",
        "ephone-dn 20",
        "number 1199 secondary 1198",
        "end",
        "show dial-peer voice summary | include ^(8000|20020)",
    ]);
    assert!(
        t.ends_with(
            "#show dial-peer voice summary | include ^(8000|20020)\n\
8000   voip  up   up             8000               4  syst ipv4:127.0.0.1:5070\n\
20020  pots  up   up             1199$              0                           50/0/20\n\
20020  pots  up   up             1198$              9                           50/0/20\n"
        ),
        "{t}"
    );
}

/// CME's `authenticate all` and `authenticate invite` are accepted and say that cmed
/// challenges INVITEs already; each `authenticate` line is kept beside the others, as on IOS.
#[test]
fn authenticate_all_and_invite_describe_what_cmed_does_and_each_line_is_kept() {
    let mut c = Console::new(MINI);
    let t = c.type_lines(&[
        "conf t",
        "voice register global",
        "authenticate ?",
        "authenticate register",
        "authenticate all",
        "authenticate invite",
        "authenticate realm cisco.com",
        "do show running-config | section voice register global",
    ]);
    assert_eq!(
        t,
        "R1#conf t\nEnter configuration commands, one per line.  End with CNTL/Z.\n\
R1(config)#voice register global\n\
R1(config-register-global)#authenticate ?\n  \
algorithm  Digest algorithms offered in the 401\n  \
all        Of every request from the phones (cmed always challenges REGISTER and new INVITEs)\n  \
block-for  Answer a source 403 for SECS after ATTEMPTS failed authentications within WITHIN seconds (cmed's; on by default: 120 s after 10 within 60 s; no ... turns it off)\n  \
invite     Of a phone's new INVITE (cmed always does: an unchallenged call is a toll-fraud risk)\n  \
realm      Realm (accepted; no effect in cmed yet: the realm is the hostname)\n  \
register   Of REGISTER (cmed always does)\n\n\
R1(config-register-global)#authenticate register\n\
R1(config-register-global)#authenticate all\n\
R1(config-register-global)#authenticate invite\n\
R1(config-register-global)#authenticate realm cisco.com\n\
R1(config-register-global)#do show running-config | section voice register global\n\
voice register global\n authenticate all\n authenticate invite\n authenticate register\n \
authenticate realm cisco.com\n"
    );
}
