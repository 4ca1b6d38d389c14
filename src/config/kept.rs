//! Lines of a startup-config that cmed does not apply, kept so that nothing the administrator
//! wrote is lost, and the IOS families outside telephony that a real CME router carries.
//!
//! A kept block is a line that was not applied together with the lines indented under it, as
//! read. Blocks live in the section they were read in (the root for global lines) and
//! remember the applied line they followed, so `write memory` puts them back in place
//! (`config::running::startup_config`) and a load -> save -> load cycle gives the same file.
//! `show running-config` shows only what is applied. This file also names the IOS families
//! cmed does not apply, and counts the lines accepted with no effect yet (handler
//! `accepted`): the three classes of a migrated configuration.

use crate::config::tree::{LineKey, Section};
use crate::grammar::graph::{CmdId, Grammar};
use crate::grammar::handler::Handler;

/// Why a block was not applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reason {
    /// A configuration family outside what cmed does (`interface`, `router`, `voice-port` …).
    Family(&'static Family),
    /// The line does not parse in its mode: the IOS message (`% Invalid input …`).
    Invalid(String),
    /// The line parses but the configuration refuses it (a button naming a missing DN …).
    Refused(String),
}

impl Reason {
    /// Whether the block is an error for `cmed check` (families are not, unless `--strict`).
    pub fn is_error(&self) -> bool {
        !matches!(self, Reason::Family(_))
    }

    /// One line for `show startup-config unapplied`.
    pub fn describe(&self) -> String {
        match self {
            Reason::Family(f) => format!("{} configuration: {}", f.name, f.why),
            Reason::Invalid(m) | Reason::Refused(m) => m.clone(),
        }
    }
}

/// Lines not applied, with the lines indented under the first one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    /// The applied line of the same section it followed (`None`: before all of them).
    pub after: Option<LineKey>,
    /// The lines as written (the first one is the header of the block).
    pub lines: Vec<String>,
    /// Why they were not applied.
    pub reason: Reason,
    /// 1-based line of the first one in the file it was read from.
    pub line: usize,
}

/// The kept blocks of one section, in file order. Boxed: most sections have none, and every
/// stored line carries a (usually empty) section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
// One pointer per section instead of a Vec's three words: the extra allocation is paid only
// by the few sections that keep lines.
#[allow(clippy::box_collection)]
pub struct KeptBlocks(Option<Box<Vec<Kept>>>);

impl KeptBlocks {
    /// Adds a block; returns its index.
    pub fn push(&mut self, k: Kept) -> usize {
        let v = self.0.get_or_insert_with(Default::default);
        v.push(k);
        v.len() - 1
    }

    /// The blocks.
    pub fn iter(&self) -> std::slice::Iter<'_, Kept> {
        self.0.as_deref().map_or(&[][..], Vec::as_slice).iter()
    }

    /// One block, to add the lines indented under it.
    pub fn get_mut(&mut self, index: usize) -> Option<&mut Kept> {
        self.0.as_deref_mut()?.get_mut(index)
    }
}

/// A family of IOS commands that cmed recognises but does not apply.
#[derive(Debug, PartialEq, Eq)]
pub struct Family {
    /// The name reported (`interface`, `ip dhcp`, …).
    pub name: &'static str,
    /// Why cmed does not apply it.
    pub why: &'static str,
}

const ROUTER: &str = "cmed is not a router";
const GATEWAY: &str = "cmed has no voice ports, trunks or DSPs";

macro_rules! families {
    ($($id:ident = $name:literal, $why:expr, [$($words:literal),+];)*) => {
        $(
            static $id: Family = Family { name: $name, why: $why };
        )*
        /// The opening words (lower case, space-separated) of each family's commands.
        static TABLE: &[(&str, &Family)] = &[ $( $( ($words, &$id), )+ )* ];
    };
}

// One family per IOS area; several opening words may map to the same family.
families! {
    INTERFACE = "interface", ROUTER, ["interface"];
    IP_DHCP = "ip dhcp", ROUTER, ["ip dhcp"];
    IP_ROUTE = "ip routing", ROUTER, ["ip route", "ip default-gateway", "ip classless", "ip subnet-zero", "ip forward-protocol", "ip prefix-list", "ip local", "route-map", "ipv6", "ip multicast-routing", "ip pim", "ip igmp", "ip sla", "track", "ip vrf", "vrf", "mpls", "ip arp", "arp", "ip flow", "ip flow-export", "ip flow-cache", "flow", "ip options", "ip source-route", "ip accounting"];
    ACCESS_LIST = "access-list", ROUTER, ["access-list", "ip access-list", "object-group", "ipv6 access-list"];
    IP_NAT = "ip nat", ROUTER, ["ip nat"];
    IP_INSPECT = "ip inspect", ROUTER, ["ip inspect", "ip ips", "ip audit", "ip admission", "ip auth-proxy", "ip port-map", "zone", "zone-pair", "class-map", "policy-map", "parameter-map", "ip virtual-reassembly", "ip wccp", "ip urlfilter"];
    IP_CEF = "ip cef", ROUTER, ["ip cef"];
    IP_DOMAIN = "ip domain", ROUTER, ["ip domain", "ip domain-name", "ip domain-lookup", "ip domain-list", "ip name-server", "ip host", "ip dns"];
    IP_SERVICES = "ip services", ROUTER, ["ip ssh", "ip scp", "ip ftp", "ip tftp", "ip rcmd", "ip finger", "ip bootp", "ip http", "ip telnet", "ip tcp", "ip icmp", "ip gratuitous-arps", "ip mtu"];
    ROUTING = "router", ROUTER, ["router", "key", "bfd"];
    LINE = "line", ROUTER, ["line"];
    CRYPTO = "crypto", ROUTER, ["crypto", "webvpn", "wsma", "tunnel"];
    AAA = "aaa", ROUTER, ["aaa", "tacacs-server", "tacacs", "radius-server", "radius", "privilege", "security", "login", "ip radius", "ip tacacs"];
    USERNAME = "username", ROUTER, ["username"];
    ENABLE = "enable", ROUTER, ["enable"];
    SERVICE = "service", ROUTER, ["service"];
    BOOT = "boot", ROUTER, ["boot", "boot-start-marker", "boot-end-marker", "warm-reboot", "config-register"];
    VERSION = "version", ROUTER, ["version"];
    LICENSE = "license", ROUTER, ["license"];
    ARCHIVE = "archive", ROUTER, ["archive", "file", "exception"];
    CONTROL_PLANE = "control-plane", ROUTER, ["control-plane"];
    SNMP = "snmp-server", ROUTER, ["snmp-server", "snmp"];
    NTP = "ntp", ROUTER, ["ntp", "clock", "sntp"];
    LOGGING = "logging", ROUTER, ["logging"];
    BANNER = "banner", ROUTER, ["banner"];
    MULTILINK = "multilink", ROUTER, ["multilink", "vpdn", "vpdn-group", "dialer", "dialer-list", "chat-script"];
    REDUNDANCY = "redundancy", ROUTER, ["redundancy"];
    SCHEDULER = "scheduler", ROUTER, ["scheduler", "process-max-time"];
    CDP = "cdp", ROUTER, ["cdp", "lldp"];
    PLATFORM = "platform", ROUTER, ["memory-size", "hw-module", "platform", "diagnostic", "subscriber", "autoinstall", "spanning-tree", "vlan", "vtp", "errdisable", "mac-address-table", "alias", "event", "kron", "monitor", "macro", "power", "mls", "qos", "system", "ethernet", "transceiver", "call-home", "virtual-service", "cts", "netconf", "restconf", "no-more", "end-marker"];
    VOICE_HARDWARE = "voice gateway", GATEWAY, ["voice-card", "card", "voice-port", "controller", "isdn", "network-clock", "network-clock-participate", "network-clock-select", "dspfarm", "sccp", "mgcp", "ccm-manager", "stcapp", "application", "gateway", "voice rtp", "voice iec", "voice statistics", "voice call", "trunk", "ds0-group", "pri-group"];
}

/// The family of a global line that cmed did not apply (`no` forms included), if it is one.
pub fn family_of(line: &str) -> Option<&'static Family> {
    let mut words: Vec<String> = line
        .split_whitespace()
        .take(3)
        .map(str::to_ascii_lowercase)
        .collect();
    if words.first().is_some_and(|w| w == "no" || w == "default") {
        words.remove(0);
    }
    let first = words.first()?;
    // The longest opening that fits wins: `ip dhcp pool` is `ip dhcp`, `ipv6 access-list` is
    // an access list, not IPv6 routing.
    TABLE
        .iter()
        .filter(|(opening, _)| {
            opening.split(' ').next() == Some(first.as_str())
                && opening.split(' ').count() <= words.len()
                && opening.split(' ').zip(words.iter()).all(|(a, b)| a == b)
        })
        .max_by_key(|(opening, _)| opening.split(' ').count())
        .map(|(_, f)| *f)
}

/// The family of every line cmed does not know inside a section of mode `mode`: a `line`
/// section holds many more terminal settings than cmed declares (`stopbits`, `modem`,
/// `autoselect` …), kept as written rather than refused.
pub fn family_within(mode: &str) -> Option<&'static Family> {
    (mode == "line").then_some(&LINE)
}

/// The closing delimiter of a `banner` line (`banner motd ^C`), and whether the banner ends
/// on that same line. `None` when the line is not a banner with a delimiter.
pub fn banner_delimiter(line: &str) -> Option<(String, bool)> {
    let t = line.trim_start();
    let mut it = t.splitn(3, char::is_whitespace);
    if !it.next()?.eq_ignore_ascii_case("banner") {
        return None;
    }
    let kind = it.next()?;
    let rest = it.next().unwrap_or("").trim_start();
    // `banner ^C…` (no type, the motd) or `banner motd ^C…`.
    let rest = if kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        rest
    } else {
        t["banner".len()..].trim_start()
    };
    let caret = rest
        .get(..2)
        .filter(|d| d.starts_with('^') && d.as_bytes()[1].is_ascii_graphic());
    let delim: String = if let Some(caret) = caret {
        // IOS prints the ETX delimiter as the two characters `^C` (caret notation: the
        // caret and a printable character). A caret before a blank or a control character
        // is a delimiter of its own: `^ ` would be lost where a line's trailing blanks are
        // trimmed, and the banner, closed with it, would not close at the next load.
        caret.to_string()
    } else {
        rest.chars().next()?.to_string()
    };
    let after = &rest[delim.len()..];
    Some((delim.clone(), after.contains(delim.as_str())))
}

/// Every kept block of a section and its sub-sections, in stored order, with the path of
/// the section holding it.
pub fn walk(section: &Section) -> Vec<(Vec<LineKey>, &Kept)> {
    let mut out = Vec::new();
    collect(section, &mut Vec::new(), &mut out);
    out
}

fn collect<'a>(s: &'a Section, path: &mut Vec<LineKey>, out: &mut Vec<(Vec<LineKey>, &'a Kept)>) {
    out.extend(s.kept.iter().map(|k| (path.clone(), k)));
    for (key, e) in &s.entries {
        if let Some(body) = &e.body {
            path.push(key.clone());
            collect(body, path, out);
            path.pop();
        }
    }
}

/// Lines of one family not applied, for the once-per-family report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FamilyCount {
    /// The family.
    pub family: &'static Family,
    /// How many lines (headers and the lines under them).
    pub lines: usize,
}

impl FamilyCount {
    /// `% 119 lines of interface configuration not applied: cmed is not a router`.
    pub fn render(&self) -> String {
        let s = if self.lines == 1 { "line" } else { "lines" };
        format!(
            "% {} {s} of {} configuration not applied: {}",
            self.lines, self.family.name, self.family.why
        )
    }
}

/// The families not applied, in order of first appearance, with their line counts.
pub fn families(section: &Section) -> Vec<FamilyCount> {
    let mut out: Vec<FamilyCount> = Vec::new();
    let mut blocks = walk(section);
    blocks.sort_by_key(|(_, k)| k.line);
    for (_, k) in blocks {
        if let Reason::Family(f) = &k.reason {
            match out.iter_mut().find(|c| std::ptr::eq(c.family, *f)) {
                Some(c) => c.lines += k.lines.len(),
                None => out.push(FamilyCount {
                    family: f,
                    lines: k.lines.len(),
                }),
            }
        }
    }
    out
}

/// The comment `write memory` puts at the top of a startup-config that holds kept lines.
pub fn saved_header(kept: usize) -> String {
    format!(
        "! {} {SAVED_MARK} {} kept as written (show startup-config unapplied)",
        lines(kept),
        if kept == 1 { "is" } else { "are" }
    )
}

/// What marks [`saved_header`]: a file cmed wrote, whose sections it indented.
pub const SAVED_MARK: &str = "not applied by cmed";

/// Whether `line` is the comment of [`saved_header`].
pub fn is_saved_header(line: &str) -> bool {
    line.starts_with('!') && line.contains(SAVED_MARK) && line.contains("kept as written")
}

/// `1 line`, `3 lines`.
pub fn lines(n: usize) -> String {
    format!("{n} line{}", if n == 1 { "" } else { "s" })
}

/// How many lines are kept in all.
pub fn count(section: &Section) -> usize {
    walk(section).iter().map(|(_, k)| k.lines.len()).sum()
}

/// Lines applied to the configuration whose commands have no effect in cmed yet (handler
/// `accepted`, or one of [`STORED_FOR_CALLS`]): how many of each command, by its keywords
/// and mode (`codec (dial-peer)`), in grammar order. The middle one of the three classes:
/// applied, accepted without effect, not applied (kept).
pub fn accepted_without_effect(g: &Grammar, section: &Section) -> Vec<(String, usize)> {
    let mut counts: Vec<(CmdId, usize)> = Vec::new();
    count_accepted(g, section, &mut counts);
    counts.sort_by_key(|(c, _)| *c);
    counts
        .into_iter()
        .map(|(c, n)| {
            let cmd = g.cmd(c);
            let words: Vec<&str> = cmd
                .syntax
                .split_whitespace()
                .take_while(|w| {
                    !w.contains(['[', '{', '<', '$']) && w.chars().any(char::is_lowercase)
                })
                .collect();
            (
                format!("{} ({})", words.join(" "), g.modes[cmd.mode].name),
                n,
            )
        })
        .collect()
}

/// Handlers whose lines the model stores but no call acts on: `dtmf-relay` (cmed keeps
/// `telephone-event` in the SDP wherever both sides offer it, whatever the line says) and
/// `vad` (cmed carries no media). Still "no effect in cmed yet" for `cmed check`; a dial-peer's
/// `codec`, `incoming called-number` and `huntstop` are applied by the calls.
pub const STORED_FOR_CALLS: &[Handler] = &[Handler::DpDtmfRelay, Handler::DpVad];

fn count_accepted(g: &Grammar, s: &Section, out: &mut Vec<(CmdId, usize)>) {
    count_section(g, s, false, out);
}

/// `inert`: the section's header is accepted without effect (`line vty 0 4`), so every line
/// in it is too, whatever its handler does elsewhere (`exec-timeout` under `line con 0`).
fn count_section(g: &Grammar, s: &Section, inert: bool, out: &mut Vec<(CmdId, usize)>) {
    for e in s.entries.values() {
        let h = g.cmd(e.line.cmd).handler;
        if inert || h == Handler::Accepted || STORED_FOR_CALLS.contains(&h) {
            match out.iter_mut().find(|(c, _)| *c == e.line.cmd) {
                Some((_, n)) => *n += 1,
                None => out.push((e.line.cmd, 1)),
            }
        }
        if let Some(body) = &e.body {
            count_section(g, body, inert || h == Handler::Accepted, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_by_their_opening_words() {
        let name = |l: &str| family_of(l).map(|f| f.name);
        assert_eq!(name("interface GigabitEthernet0/0"), Some("interface"));
        assert_eq!(name("ip dhcp pool VOICE"), Some("ip dhcp"));
        assert_eq!(name("ip dhcp excluded-address 10.1.1.1"), Some("ip dhcp"));
        assert_eq!(name("no ip domain lookup"), Some("ip domain"));
        assert_eq!(name("ipv6 access-list X"), Some("access-list"));
        assert_eq!(name("ip access-list extended X"), Some("access-list"));
        assert_eq!(name("voice-port 0/0/0"), Some("voice gateway"));
        assert_eq!(name("interfac Gi0/0"), None);
        assert_eq!(name("telephony-service"), None);
    }

    #[test]
    fn banner_delimiters() {
        assert_eq!(
            banner_delimiter("banner motd ^C"),
            Some(("^C".into(), false))
        );
        assert_eq!(
            banner_delimiter("banner login #Hello#"),
            Some(("#".into(), true))
        );
        assert_eq!(
            banner_delimiter("banner ^CAuthorised only"),
            Some(("^C".into(), false))
        );
        assert_eq!(banner_delimiter("hostname R1"), None);
    }

    /// Found by the `config_load` fuzz target: `^` followed by a multi-byte character took
    /// the first two bytes as the delimiter and panicked (a startup-config that stopped the
    /// daemon from starting).
    #[test]
    fn a_caret_before_a_multibyte_character_is_the_delimiter_alone() {
        assert_eq!(
            banner_delimiter("banner motd ^éAuthorised^"),
            Some(("^".into(), true))
        );
        assert_eq!(banner_delimiter("banner ^é"), Some(("^".into(), false)));
    }

    /// Regression (config_load fuzz target): `banner motd ^ …` took `^ ` for the delimiter;
    /// an unclosed banner was saved closed with it, on a line whose trailing blank the next
    /// load trims, so the banner ran on to the end of the file again, `end` and all.
    #[test]
    fn a_caret_before_a_blank_or_a_control_character_is_the_delimiter_alone() {
        assert_eq!(
            banner_delimiter("banner motd ^ \0\0C"),
            Some(("^".into(), false))
        );
        assert_eq!(
            banner_delimiter("banner motd ^\tx^"),
            Some(("^".into(), true))
        );
        assert_eq!(
            banner_delimiter("banner motd ^Chi^C"),
            Some(("^C".into(), true))
        );
    }
}
