//! A migrated router configuration through the running daemon: `write memory` over the
//! control socket keeps the lines cmed does not apply, says so, and the saved file loads
//! back to the same configuration; the local directory is served to the phones.

mod support;

use cmed::config::{kept, load};
use cmed::grammar::graph::Grammar;
use support::daemon::{cli_text, http_get, start, stop};

const ROUTER: &str = "version 15.1\nservice timestamps log datetime msec\n!\ninterface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n duplex auto\n!\n";

#[test]
fn write_memory_through_the_daemon_keeps_the_router_lines() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("startup.cfg");
    // The sample office with router lines first and two directory entries.
    let office = support::SMALL_OFFICE.replacen(
        "telephony-service\n",
        "telephony-service\n directory entry 1 5551234 name Pizza Shop\n directory entry 2 5559876 name Bank\n",
        1,
    );
    let text = format!("{ROUTER}{office}");
    std::fs::write(&file, &text).unwrap();
    let d = start(&file, &dir.path().join("data"), &[]);
    let out = cli_text(
        &d.data,
        &["show startup-config unapplied | include interface"],
    );
    assert!(out.contains("interface GigabitEthernet0/0"), "{out}");
    let out = cli_text(&d.data, &["write memory"]);
    assert!(
        out.contains("Building configuration...\n% 5 lines not applied by cmed were kept\n[OK]"),
        "{out}"
    );
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        saved.contains(
            "interface GigabitEthernet0/0\n ip address 10.0.0.1 255.255.255.0\n duplex auto\n"
        ),
        "{saved}"
    );
    let g = Grammar::embedded();
    let (a, b) = (load::load(&g, &text), load::load(&g, &saved));
    assert_eq!(a.model, b.model);
    assert_eq!(kept::count(&b.tree.root), 5);
    let (code, dir_xml) = http_get(d.http, "/localdirectory");
    assert_eq!(code, 200);
    assert!(dir_xml.contains("<Name>Pizza Shop</Name>"), "{dir_xml}");
    stop(d);
}
