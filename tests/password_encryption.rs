//! `service password-encryption` and the password types IOS writes: type 7 stored from type
//! 0 when the service is on (and left so when it is turned off), type 7 and type 6 read from
//! a router's configuration, a malformed type 7 refused.

mod support;

use cmed::config::load;
use cmed::config::running::{running_config, startup_config};
use cmed::config::secrets::{clear7, type7};
use cmed::grammar::graph::Grammar;
use support::Console;

const POOL: &str = concat!(
    "hostname R1\nvoice register global\n max-pool 4\n max-dn 4\n!\n",
    "voice register dn  1\n number 2001\n!\nvoice register pool  1\n id mac 0011.2233.4455\n",
    " number 1 dn 1\n username alice password cisco\n!\nvoice user-profile 1\n",
    " user bob password 0 Gl1007\n pin 1234\n!\nend\n"
);

fn running(c: &Console) -> String {
    running_config(&c.g, &c.run().tree)
}

#[test]
fn setting_the_service_stores_every_type_0_password_as_type_7() {
    let mut c = Console::new(POOL);
    assert!(running(&c).contains(" username alice password cisco\n"));
    c.type_lines(&["conf t", "service password-encryption", "end"]);
    let r = running(&c);
    assert!(r.contains("\nservice password-encryption\n"), "{r}");
    let alice = format!(" username alice password 7 {}\n", type7("cisco"));
    assert!(r.contains(&alice), "{r}");
    assert!(
        r.contains(&format!(" user bob password 7 {}\n", type7("Gl1007"))),
        "{r}"
    );
    assert!(r.contains(&format!(" pin 7 {}\n", type7("1234"))), "{r}");
    assert!(!r.contains("cisco") && !r.contains("Gl1007"), "{r}");
    // What the model uses is still the password itself.
    let m = &c.run().model;
    let pool = m.pools.values().next().unwrap();
    assert_eq!(
        pool.username.as_ref().unwrap().secret.clear(),
        Some("cisco")
    );
    // `write memory` saves the same lines.
    assert!(startup_config(&c.g, &c.run().tree).contains(&alice));
}

#[test]
fn a_password_typed_while_the_service_is_on_is_stored_as_type_7_and_stays_so_after_no() {
    let mut c = Console::new(POOL);
    c.type_lines(&[
        "conf t",
        "service password-encryption",
        "voice register pool 1",
        "username alice password n3w",
        "exit",
        "no service password-encryption",
        "voice user-profile 1",
        "user bob password Later1",
        "end",
    ]);
    let r = running(&c);
    assert!(!r.contains("service password-encryption"), "{r}");
    // Typed with the service on: type 7, and `no service …` does not decrypt it (IOS).
    assert!(
        r.contains(&format!(" username alice password 7 {}\n", type7("n3w"))),
        "{r}"
    );
    // Typed after it: as typed.
    assert!(r.contains(" user bob password Later1\n"), "{r}");
}

#[test]
fn type_7_and_type_6_passwords_of_a_router_load_and_type_7_is_usable() {
    let g = Grammar::embedded();
    let cfg = POOL
        .replace("password cisco", "password 7 070C285F4D06")
        .replace(
            "password 0 Gl1007",
            "password 6 fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAAB",
        );
    let loaded = load::load(&g, &cfg);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let r = running_config(&g, &loaded.tree);
    // Written back exactly as read.
    assert!(
        r.contains(" username alice password 7 070C285F4D06\n"),
        "{r}"
    );
    assert!(
        r.contains(" user bob password 6 fe_a`iJYE\\DZYJhDhTP[`MYaTgRH_MAAB\n"),
        "{r}"
    );
    let c = Console::on(cmed::config::Running::new(&g, loaded.tree, None));
    let m = &c.run().model;
    let alice = &m
        .pools
        .values()
        .next()
        .unwrap()
        .username
        .as_ref()
        .unwrap()
        .secret;
    assert_eq!(alice.clear(), Some("cisco"));
    assert!(alice.matches("cisco"));
    let bob = &m
        .user_profiles
        .values()
        .next()
        .unwrap()
        .user
        .as_ref()
        .unwrap()
        .secret;
    assert_eq!(
        bob.clear(),
        None,
        "type 6 cannot be read without the router's key"
    );
    assert!(!bob.matches("Cisco123"));
}

#[test]
fn a_malformed_type_7_password_is_refused_with_the_ios_message() {
    let mut c = Console::new(POOL);
    let t = c.type_lines(&[
        "conf t",
        "voice register pool 1",
        "username alice password 7 0Z9",
    ]);
    assert!(t.contains("% Invalid encrypted password\n"), "{t}");
    assert!(running(&c).contains(" username alice password cisco\n"));
    assert_eq!(clear7("0Z9"), Err(cmed::config::secrets::BadType7));
}

#[test]
fn question_mark_offers_type_7() {
    let mut c = Console::new(POOL);
    let t = c.type_lines(&[
        "conf t",
        "voice register pool 1",
        "username alice password ?",
    ]);
    assert!(
        t.contains("  7     Password follows in type-7 (service password-encryption) form"),
        "{t}"
    );
}
