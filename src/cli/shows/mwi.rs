//! `show mwi` (cmed's own: IOS has no such command): the numbers with messages waiting,
//! their counts, since when the lamp is on, and who said so (the NOTIFY's source address,
//! or `outcall` for a call to an `mwi on` DN).

use std::fmt::Write;

use crate::civil;
use crate::engine::mwi::Mwi;

/// The list, one number a line.
pub fn list(mwi: &Mwi, zone: &civil::Zone) -> String {
    let mut out = String::new();
    for (number, m) in mwi.iter() {
        if out.is_empty() {
            let _ = writeln!(
                out,
                "Number           New/Old  Since                     Source"
            );
        }
        let _ = writeln!(
            out,
            "{:<16} {:<8} {:<25} {}",
            number.0,
            format!("{}/{}", m.new, m.old),
            civil::ios(zone, m.since),
            m.source
        );
    }
    if out.is_empty() {
        out.push_str("No messages waiting\n");
    }
    out
}
