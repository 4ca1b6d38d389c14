//! What the daemon knows about each phone model: the device-type code phones report (SCCP
//! `RegisterReq.deviceType`, the `loadInformationNNN` element of `XMLDefault.cnf.xml`) and
//! how many line-capable buttons it has.
//!
//! Facts: `sccp-wire-protocol.md` §3.1 (device types) and `cme-em-and-ios-cli.md` (line buttons
//! per model). Counts the reference marks unconfirmed are our choice and noted below. Pure data.

/// One phone model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PhoneModel {
    /// The `type` keyword (`7965`).
    pub keyword: &'static str,
    /// Cisco device-type code, where the reference gives one.
    pub device_type: Option<u32>,
    /// Line-capable buttons on the phone itself.
    pub lines: u8,
    /// Whether add-on key expansion modules attach to it (7914/7915/7916 on 796x/797x).
    pub addons: bool,
}

const fn m(keyword: &'static str, code: u32, lines: u8, addons: bool) -> PhoneModel {
    PhoneModel {
        keyword,
        device_type: if code == 0 { None } else { Some(code) },
        lines,
        addons,
    }
}

/// Every model the grammar's `type` accepts (ephone and voice register pool). A zero code means
/// the reference lists none. Line counts for 6901/6911/6921/6945/6961/7841/7861/8941/88xx are
/// unconfirmed in the reference ([U]); we use the figures it proposes.
static MODELS: &[PhoneModel] = &[
    m("3905", 0, 1, false),
    m("6901", 547, 1, false),
    m("6911", 548, 1, false),
    m("6921", 495, 2, false),
    m("6941", 496, 4, false),
    m("6945", 564, 4, false),
    m("6961", 497, 12, false),
    m("7821", 621, 2, false),
    m("7841", 0, 4, false),
    m("7861", 0, 16, false),
    m("7902", 30008, 1, false),
    m("7905", 20000, 1, false),
    m("7906", 369, 1, false),
    m("7910", 6, 1, false),
    m("7911", 307, 1, false),
    m("7912", 30007, 1, false),
    m("7920", 30002, 6, false),
    m("7921", 365, 6, false),
    m("7925", 484, 6, false),
    m("7931", 348, 24, false),
    m("7935", 9, 2, false),
    m("7936", 30019, 2, false),
    m("7937", 431, 2, false),
    m("7940", 8, 2, false),
    m("7941", 115, 2, false),
    m("7941GE", 309, 2, false),
    m("7942", 434, 2, false),
    m("7945", 435, 2, false),
    m("7960", 7, 6, true),
    m("7961", 30018, 6, true),
    m("7961GE", 308, 6, true),
    m("7962", 404, 6, true),
    m("7965", 436, 6, true),
    m("7970", 30006, 8, true),
    m("7971", 119, 8, true),
    m("7975", 437, 8, true),
    m("8841", 683, 5, false),
    m("8845", 0, 5, false),
    m("8851", 684, 5, false),
    m("8861", 0, 5, false),
    m("8865", 0, 5, false),
    m("8941", 586, 4, false),
    m("8945", 585, 4, false),
    m("8961", 0, 5, false),
    m("9951", 0, 5, false),
    m("9971", 0, 6, false),
    // Added for migrated configurations (CME's type lists); line counts are our choice [U].
    m("7926", 577, 6, false),
    m("7985", 302, 1, false),
    m("12SP", 0, 1, false),
    m("CIPC", 30016, 8, false),
    m("anl", 0, 1, false),
    m("ata", 12, 1, false),
    m("bri", 0, 1, false),
    m("vgc-phone", 0, 1, false),
    m("3951", 0, 1, false),
    m("6922", 0, 2, false),
    m("7811", 0, 1, false),
    m("7832", 0, 1, false),
    m("8811", 0, 5, false),
    m("8831", 0, 1, false),
    m("8851NR", 0, 5, false),
    m("8865NR", 0, 5, false),
    m("9900", 0, 6, false),
    m("ATA", 0, 2, false),
    m("ATA-187", 0, 2, false),
    m("ATA-190", 0, 2, false),
    m("ATA-191", 0, 2, false),
    m("DX650", 0, 6, false),
    m("DX70", 0, 6, false),
    m("DX80", 0, 6, false),
    m("Jabber-Android", 0, 1, false),
    m("Jabber-CSF-Client", 0, 1, false),
    m("Jabber-iPad", 0, 1, false),
    m("Jabber-iPhone", 0, 1, false),
    m("P100", 0, 1, false),
    m("P600", 0, 1, false),
];

/// The model for a `type` keyword (case-insensitive).
pub fn model(keyword: &str) -> Option<&'static PhoneModel> {
    MODELS
        .iter()
        .find(|m| m.keyword.eq_ignore_ascii_case(keyword))
}

/// The model that reports `code` as its device type in `Register`.
pub fn by_device_type(code: u32) -> Option<&'static PhoneModel> {
    MODELS.iter().find(|m| m.device_type == Some(code))
}

/// Buttons an add-on module contributes (`7915-24` -> 24, `7914` -> 14).
pub fn addon_keys(keyword: &str) -> u8 {
    match keyword {
        "7914" => 14,
        k => k
            .rsplit_once('-')
            .and_then(|(_, n)| n.parse().ok())
            .unwrap_or(0),
    }
}

/// Line-capable buttons of a phone of `model` with these add-on modules; a phone without a
/// `type` is treated as having one line, which is all CME assumes either.
pub fn line_buttons(model_kw: Option<&str>, addons: &[String]) -> usize {
    let Some(pm) = model_kw.and_then(model) else {
        return 1;
    };
    let extra: usize = if pm.addons {
        addons.iter().map(|a| usize::from(addon_keys(a))).sum()
    } else {
        0
    };
    usize::from(pm.lines) + extra
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_grammar_type_keyword_is_catalogued() {
        for file in crate::grammar::graph::FILES {
            for line in file.1.lines().filter(|l| l.starts_with("cmd \"type {")) {
                let inner = &line[line.find('{').unwrap() + 1..line.find('}').unwrap()];
                for kw in inner.split('|') {
                    assert!(model(kw).is_some(), "type {kw} is not in the catalogue");
                }
            }
        }
    }

    #[test]
    fn addon_modules_count_only_on_models_that_take_them() {
        let two = ["7915-24".to_string(), "7914".to_string()];
        assert_eq!(line_buttons(Some("7965"), &two), 6 + 24 + 14);
        assert_eq!(line_buttons(Some("7945"), &two), 2);
        assert_eq!(line_buttons(None, &[]), 1);
    }
}
