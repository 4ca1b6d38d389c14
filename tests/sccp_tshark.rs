//! TShark conformance of the SCCP codec (reference §5): every message the server sends during
//! a registration and a basic call is encoded with `cmed::proto::sccp`, wrapped in TCP by
//! `text2pcap` (one packet per message, call manager on port 2000) and decoded by TShark,
//! which must recognise it as SKINNY with the expected id, name and key field values and
//! without malformed or warning/error expert marks. The phone-side encodings (port 50000 →
//! 2000) get the same treatment. Classic layouts are checked at proto 11, the widened ones
//! (ipv4or6, 25-byte numbers, latentCaps) at 17, 18 and 22.
//!
//! TShark and text2pcap (Debian packages `tshark`, `wireshark-common`) are required:
//! `scripts/test.sh` installs them. Field names are those of TShark 4.0.17. Set
//! `SCCP_TSHARK_KEEP=<dir>` to keep the generated pcaps.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use cmed::proto::sccp::{FromPhone, Proto, ToPhone, encode_from_phone, encode_to_phone};

#[path = "sccp_tshark/from_phone.rs"]
mod from_phone;
#[path = "sccp_tshark/to_phone.rs"]
mod to_phone;
use from_phone::phone_cases;
use to_phone::server_cases;

/// One packet and what TShark must show for it.
struct Case {
    what: String,
    bytes: Vec<u8>,
    id: u32,
    name: &'static str,
    hdr: u32,
    checks: Vec<(&'static str, String)>,
}

/// Pseudo field: the value must occur in the packet's `tshark -V` tree (for what TShark
/// shows but does not put in a field, such as expanded display labels).
const TREE: &str = "tree";

fn checks(list: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    list.iter().map(|(f, v)| (*f, v.to_string())).collect()
}

/// A server message at `proto`; the header version TShark must show is the rule of
/// reference §1.3/§6: 0 below 17 and always for KeepAliveAck/RegisterAck/UnregisterAck.
fn to(m: ToPhone, proto: u8, list: &[(&'static str, &str)]) -> Case {
    let mut bytes = Vec::new();
    encode_to_phone(&m, Proto(proto), &mut bytes);
    let always_basic = matches!(
        m,
        ToPhone::KeepAliveAck | ToPhone::RegisterAck { .. } | ToPhone::UnregisterAck(_)
    );
    let hdr = if proto < 17 || always_basic {
        0
    } else {
        u32::from(proto)
    };
    Case {
        what: format!("{m:?} at proto {proto}"),
        bytes,
        id: m.id(),
        name: m.name(),
        hdr,
        checks: checks(list),
    }
}

/// A phone message written with header version `hdr`.
fn from(m: FromPhone, hdr: u32, list: &[(&'static str, &str)]) -> Case {
    let mut bytes = Vec::new();
    encode_from_phone(&m, hdr, &mut bytes);
    Case {
        what: format!("{m:?} at header {hdr:#x}"),
        bytes,
        id: m.id(),
        name: m.name(),
        hdr,
        checks: checks(list),
    }
}

fn s(v: &str) -> String {
    v.to_string()
}

/// The offset-prefixed hex listing text2pcap reads: offset 0 starts a new packet.
fn hex_dump(cases: &[Case]) -> String {
    let mut out = String::new();
    for c in cases {
        for (i, line) in c.bytes.chunks(16).enumerate() {
            let _ = write!(out, "{:06x}", i * 16);
            for b in line {
                let _ = write!(out, " {b:02x}");
            }
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

fn run(cmd: &mut Command) -> String {
    let tool = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "cannot run {tool}: {e} — TShark/text2pcap are required (scripts/test.sh installs them)"
        )
    });
    assert!(
        out.status.success(),
        "{tool} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Encodes `cases` into a pcap (TCP `ports`), decodes it with TShark and checks every packet.
fn check(cases: &[Case], ports: &str, pcap_name: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("dump.txt");
    let pcap = dir.path().join(pcap_name);
    std::fs::write(&dump, hex_dump(cases)).expect("write dump");
    run(Command::new("text2pcap")
        .args(["-q", "-T", ports])
        .arg(&dump)
        .arg(&pcap));
    if let Some(keep) = std::env::var_os("SCCP_TSHARK_KEEP") {
        let _ = std::fs::copy(&pcap, Path::new(&keep).join(pcap_name));
    }

    let verbose = run(Command::new("tshark").arg("-r").arg(&pcap).arg("-V"));
    // One tree per packet: each starts with a "Frame N:" line.
    let trees: Vec<&str> = verbose.split("\nFrame ").collect();

    let mut fields = vec![
        "frame.number",
        "skinny.messageId",
        "skinny.hdr_version",
        "_ws.col.Info",
        "_ws.malformed",
        "_ws.expert.severity",
        "_ws.expert.message",
    ];
    for c in cases {
        for (f, _) in &c.checks {
            if *f != TREE && !fields.contains(f) {
                fields.push(f);
            }
        }
    }
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(&pcap);
    cmd.args([
        "-o",
        "skinny.desegment:TRUE",
        "-o",
        "tcp.analyze_sequence_numbers:FALSE",
    ]);
    cmd.args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]);
    for f in &fields {
        cmd.args(["-e", f]);
    }
    let output = run(&mut cmd);
    let rows: Vec<Vec<&str>> = output.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(
        rows.len(),
        cases.len(),
        "one TShark row per packet:\n{output}"
    );

    let mut failures = Vec::new();
    for (i, (c, row)) in cases.iter().zip(&rows).enumerate() {
        let tree = trees.get(i).copied().unwrap_or("");
        let get = |f: &str| {
            let i = fields
                .iter()
                .position(|x| *x == f)
                .expect("requested field");
            row.get(i).copied().unwrap_or("")
        };
        let mut problems = Vec::new();
        if get("skinny.messageId") != c.id.to_string() {
            problems.push(format!("not decoded as SKINNY id {}", c.id));
        }
        if get("skinny.hdr_version") != format!("0x{:08x}", c.hdr) {
            problems.push(format!("header version {}", get("skinny.hdr_version")));
        }
        if get("_ws.col.Info").split_whitespace().next() != Some(c.name) {
            problems.push(format!("name {:?} != {}", get("_ws.col.Info"), c.name));
        }
        if !get("_ws.malformed").is_empty() {
            problems.push("malformed".to_string());
        }
        // PI_WARN is 0x00600000; notes and chats are fine.
        let worst = get("_ws.expert.severity")
            .split('|')
            .filter_map(|v| v.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        if worst >= 0x0060_0000 {
            problems.push(format!("expert: {}", get("_ws.expert.message")));
        }
        for (f, want) in &c.checks {
            if *f == TREE {
                if !tree.contains(want.as_str()) {
                    problems.push(format!("tree lacks {want:?}"));
                }
            } else if get(f) != want {
                problems.push(format!("{f} = {:?}, want {want:?}", get(f)));
            }
        }
        if !problems.is_empty() {
            failures.push(format!(
                "frame {} {}: {}",
                get("frame.number"),
                c.what,
                problems.join("; ")
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "TShark disagrees:\n{}",
        failures.join("\n")
    );
}

#[test]
fn tshark_decodes_what_the_server_sends() {
    check(&server_cases(), "2000,50000", "to_phone.pcap");
}

#[test]
fn tshark_decodes_what_a_phone_sends() {
    check(&phone_cases(), "50000,2000", "from_phone.pcap");
}
