//! `cmed-gen-config`: writes a large, valid CME-style startup-config to stdout for benchmarks.
//!
//! The output uses the same IOS syntax as `sample-configs/small-office.cfg`: `telephony-service`,
//! then `ephone-dn` blocks, `ephone` blocks (one in four Extension Mobility enabled), optional SIP
//! `voice register` blocks, `voice logout-profile`s, `voice user-profile`s, a voicemail dial-peer
//! and `end`. Deliberately std-only so that it builds and runs without the daemon's crate.
//!
//! Layout of the numbering plan (all deterministic, derived from the indices):
//! - `ephone-dn` tag `d` has number `100000 + d`.
//! - Ephone tag `t` is EM-enabled when `t % 4 == 0`; the k-th EM ephone gets logout profile
//!   `k % L + 1` with `L = min(100, ephones)`. Every other ephone owns two DNs of its own
//!   (`button 1:<d> 2:<d+1>`), taken in order from tag 1.
//! - The DNs left over after the owned ones go first to the logout profiles, then to the user
//!   profiles, which cycle over them (so several profiles may share a DN when users outnumber
//!   them). When no DN is left over, profiles cycle over all DNs.
//! - SIP pools (`--pools`): pool tag `p` is EM-enabled when `p % 4 == 0`; every other pool owns a
//!   `voice register dn` numbered `200000 + tag`. Every pool has the digest credential
//!   `username sip<p> password s<p>`, which `scripts/bench-sip.sh` gives Kamailio and
//!   `cmed-sip-phone storm` derives from the tag, so both sides agree without sharing a file.

use std::fmt;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

const PROG: &str = "cmed-gen-config";

const USAGE: &str = "\
Usage: cmed-gen-config [--ephones N] [--dns N] [--users N] [--pools N]

Writes a large CME startup-config (IOS syntax, as read by `cmed run --config`) to stdout.

Options:
  --ephones N   SCCP phones (ephone blocks), 1-10000            [default: 10000]
                one in four is Extension Mobility enabled; the others own two DNs each
  --dns N       ephone-dn blocks, 1-30000, at least 2 per non-EM ephone
                                                               [default: 20000]
  --users N     voice user-profiles, 0 to 3 x ephones (max 30000) [default: 10000]
  --pools N     SIP phones (voice register pool blocks), 0-10000  [default: 0]
                pool p registers with digest user sip<p>, password s<p>
  -h, --help    print this help and exit

Example:
  cmed-gen-config --ephones 500 --dns 1000 --users 500 > /tmp/bench.cfg
";

/// `max-ephones <1-10000>`; logout-profile tags share this range.
const MAX_EPHONES: u32 = 10_000;
/// `max-dn <1-30000>`.
const MAX_DNS: u32 = 30_000;
/// `voice user-profile <1-30000>`, and at most three per phone.
const MAX_USERS: u32 = 30_000;
/// SIP pools; no range is fixed by the grammar yet, so keep the same bound as ephones.
const MAX_POOLS: u32 = 10_000;
/// Logout profiles generated: `min(LOGOUT_PROFILES, ephones)`.
const LOGOUT_PROFILES: u32 = 100;

const EPHONE_DN_BASE: u32 = 100_000;
const REGISTER_DN_BASE: u32 = 200_000;
const SCCP_MODELS: [&str; 5] = ["7965", "7945", "7975", "8945", "6941"];
const SIP_MODELS: [&str; 4] = ["8861", "7841", "8851", "8845"];
const VOICEMAIL: &str = "8000";

/// What to generate.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Params {
    ephones: u32,
    dns: u32,
    users: u32,
    pools: u32,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            ephones: 10_000,
            dns: 20_000,
            users: 10_000,
            pools: 0,
        }
    }
}

/// A command line that cannot be obeyed; printed after `cmed-gen-config: error: `.
#[derive(Clone, PartialEq, Eq, Debug)]
struct UsageError(String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(PartialEq, Eq, Debug)]
enum Command {
    Help,
    Generate(Params),
}

fn parse_args<I>(args: I) -> Result<Command, UsageError>
where
    I: IntoIterator<Item = String>,
{
    let mut params = Params::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let slot = match flag.as_str() {
            "--ephones" => &mut params.ephones,
            "--dns" => &mut params.dns,
            "--users" => &mut params.users,
            "--pools" => &mut params.pools,
            _ => return Err(UsageError(format!("unknown argument '{arg}'"))),
        };
        let value = match inline {
            Some(v) => v,
            None => args
                .next()
                .ok_or_else(|| UsageError(format!("{flag} needs a value")))?,
        };
        *slot = value.parse().map_err(|_| {
            UsageError(format!(
                "{flag}: '{value}' is not a whole number (0-{})",
                u32::MAX
            ))
        })?;
    }
    validate(&params)?;
    Ok(Command::Generate(params))
}

fn em_count(phones: u32) -> u32 {
    phones / 4
}

fn validate(p: &Params) -> Result<(), UsageError> {
    let range = |flag: &str, v: u32, lo: u32, hi: u32| {
        if v < lo || v > hi {
            Err(UsageError(format!(
                "{flag} {v} is out of range <{lo}-{hi}>"
            )))
        } else {
            Ok(())
        }
    };
    range("--ephones", p.ephones, 1, MAX_EPHONES)?;
    range("--dns", p.dns, 1, MAX_DNS)?;
    range("--pools", p.pools, 0, MAX_POOLS)?;
    let max_users = MAX_USERS.min(3 * p.ephones);
    if p.users > max_users {
        return Err(UsageError(format!(
            "--users {} is out of range <0-{max_users}> (at most 3 user profiles per ephone, \
             and at most {MAX_USERS}; the default is 10000)",
            p.users
        )));
    }
    let owned = 2 * (p.ephones - em_count(p.ephones));
    if p.dns < owned {
        return Err(UsageError(format!(
            "--dns {} is too small: {} ephones without Extension Mobility own 2 DNs each, \
             so at least {owned} are needed",
            p.dns,
            p.ephones - em_count(p.ephones)
        )));
    }
    Ok(())
}

/// The numbering plan derived from [`Params`].
struct Plan {
    p: Params,
    /// Logout profiles generated (tags `1..=logout_profiles`).
    logout_profiles: u32,
    /// DN tags `1..=owned` are on the buttons of non-EM ephones.
    owned: u32,
    /// User profiles cycle over DN tags `user_first..user_first + user_len`.
    user_first: u32,
    user_len: u32,
    /// `voice register dn` tags `1..=register_dns`, one per non-EM pool.
    register_dns: u32,
}

impl Plan {
    fn new(p: Params) -> Plan {
        let logout_profiles = LOGOUT_PROFILES.min(p.ephones);
        let owned = 2 * (p.ephones - em_count(p.ephones));
        let free = p.dns - owned;
        let (user_first, user_len) = if free > logout_profiles {
            (owned + logout_profiles + 1, free - logout_profiles)
        } else if free > 0 {
            (owned + 1, free)
        } else {
            (1, p.dns)
        };
        Plan {
            p,
            logout_profiles,
            owned,
            user_first,
            user_len,
            register_dns: p.pools - em_count(p.pools),
        }
    }

    fn logout_profile_dn(&self, tag: u32) -> u32 {
        let free = self.p.dns - self.owned;
        if free > 0 {
            self.owned + 1 + (tag - 1) % free
        } else {
            1 + (tag - 1) % self.p.dns
        }
    }
}

fn dn_number(tag: u32) -> u32 {
    EPHONE_DN_BASE + tag
}

/// A locally administered style MAC that is unique per index: `PPPP.PP<hi>.<lo>`.
fn mac(prefix: &str, index: u32) -> String {
    format!(
        "{prefix}{:02X}.{:04X}",
        (index >> 16) & 0xFF,
        index & 0xFFFF
    )
}

fn generate<W: Write>(p: Params, out: &mut W) -> io::Result<()> {
    let plan = Plan::new(p);

    writeln!(out, "hostname CME-Bench\n!")?;
    writeln!(out, "ip http server\nip http port 8080\n!")?;
    writeln!(out, "telephony-service")?;
    writeln!(out, " max-ephones {}", p.ephones)?;
    writeln!(out, " max-dn {}", p.dns)?;
    writeln!(out, " ip source-address 127.0.0.1 port 2000")?;
    writeln!(out, " keepalive 30")?;
    writeln!(out, " voicemail {VOICEMAIL}")?;
    writeln!(
        out,
        " url authentication http://127.0.0.1:8080/CCMCIP/authenticate.asp"
    )?;
    writeln!(out, " url services http://127.0.0.1:8080/services")?;
    writeln!(out, " authentication credential emapp 0 cisco123")?;
    writeln!(out, " em multiple-login auto-logout")?;
    writeln!(out, " create cnf-files\n!")?;

    for tag in 1..=p.dns {
        let number = dn_number(tag);
        writeln!(
            out,
            "ephone-dn  {tag}\n number {number}\n name Line {number}\n!"
        )?;
    }

    let mut em_seen = 0;
    let mut next_dn = 1;
    for tag in 1..=p.ephones {
        let model = SCCP_MODELS[((tag - 1) as usize) % SCCP_MODELS.len()];
        writeln!(out, "ephone  {tag}")?;
        writeln!(out, " mac-address {}", mac("0021.A0", tag))?;
        writeln!(out, " type {model}")?;
        if tag % 4 == 0 {
            let profile = em_seen % plan.logout_profiles + 1;
            em_seen += 1;
            writeln!(out, " logout-profile {profile}")?;
        } else {
            writeln!(out, " button 1:{} 2:{}", next_dn, next_dn + 1)?;
            next_dn += 2;
        }
        writeln!(out, "!")?;
    }
    debug_assert_eq!(next_dn - 1, plan.owned);

    if p.pools > 0 {
        writeln!(out, "voice register global")?;
        writeln!(out, " mode cme")?;
        writeln!(out, " source-address 127.0.0.1 port 5060")?;
        writeln!(out, " max-dn {}", plan.register_dns.max(1))?;
        writeln!(out, " max-pool {}", p.pools)?;
        writeln!(
            out,
            " url authentication http://127.0.0.1:8080/CCMCIP/authenticate.asp"
        )?;
        writeln!(out, " voicemail {VOICEMAIL}")?;
        writeln!(out, " create profile\n!")?;
        for tag in 1..=plan.register_dns {
            let number = REGISTER_DN_BASE + tag;
            writeln!(
                out,
                "voice register dn  {tag}\n number {number}\n name Sip {number}\n!"
            )?;
        }
        let mut em_seen = 0;
        let mut next_dn = 1;
        for tag in 1..=p.pools {
            let model = SIP_MODELS[((tag - 1) as usize) % SIP_MODELS.len()];
            writeln!(out, "voice register pool  {tag}")?;
            // The `[0|6]` type is optional in `grammar/register-pool.cli`; clear text it is.
            writeln!(out, " username sip{tag} password s{tag}")?;
            if tag % 4 == 0 {
                let profile = em_seen % plan.logout_profiles + 1;
                em_seen += 1;
                writeln!(out, " logout-profile {profile}")?;
                writeln!(out, " id mac {}\n type {model}", mac("64A0.E7", tag))?;
            } else {
                writeln!(out, " id mac {}\n type {model}", mac("64A0.E7", tag))?;
                writeln!(out, " number 1 dn {next_dn}")?;
                next_dn += 1;
            }
            writeln!(out, "!")?;
        }
    }

    for tag in 1..=plan.logout_profiles {
        writeln!(out, "voice logout-profile {tag}")?;
        writeln!(
            out,
            " number {} type normal",
            dn_number(plan.logout_profile_dn(tag))
        )?;
        writeln!(out, "!")?;
    }

    for tag in 1..=p.users {
        writeln!(out, "voice user-profile {tag}")?;
        writeln!(out, " user u{tag} password 0 p{tag}")?;
        let first = 2 * (tag - 1);
        writeln!(
            out,
            " number {} type normal",
            dn_number(plan.user_first + first % plan.user_len)
        )?;
        if plan.user_len > 1 {
            writeln!(
                out,
                " number {} type normal",
                dn_number(plan.user_first + (first + 1) % plan.user_len)
            )?;
        }
        let speed = dn_number(1 + (tag - 1) % p.dns);
        writeln!(out, " speed-dial 1 {speed} label \"Ext {speed}\"")?;
        writeln!(out, "!")?;
    }

    writeln!(out, "dial-peer voice {VOICEMAIL} voip")?;
    writeln!(out, " description Voicemail server")?;
    writeln!(out, " destination-pattern {VOICEMAIL}")?;
    writeln!(out, " session protocol sipv2")?;
    writeln!(out, " session target ipv4:127.0.0.1:5070")?;
    writeln!(out, "!\nend")?;
    Ok(())
}

fn main() -> ExitCode {
    let params = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Generate(p)) => p,
        Err(e) => {
            eprintln!("{PROG}: error: {e}");
            eprintln!("Try '{PROG} --help' for more information.");
            return ExitCode::from(2);
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    match generate(params, &mut out).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        // `cmed-gen-config | head` is not a failure worth shouting about.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{PROG}: error: writing stdout: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, HashSet};

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(ToString::to_string).collect()
    }

    fn text(p: Params) -> String {
        let mut buf = Vec::new();
        generate(p, &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    }

    /// Block counts seen by [`check`].
    #[derive(Default, Debug)]
    struct Counts {
        dns: usize,
        ephones: usize,
        em_ephones: usize,
        register_dns: usize,
        pools: usize,
        /// Pools that carry `username sip<tag> password s<tag>` for their own tag.
        credentials: usize,
        logout_profiles: usize,
        user_profiles: usize,
    }

    /// Reads a generated config back and checks shape and cross-references; panics on a fault.
    fn check(cfg: &str) -> Counts {
        let mut c = Counts::default();
        let mut dn_tags = HashSet::new();
        let mut dn_numbers = HashSet::new();
        let mut reg_dn_tags = HashSet::new();
        let mut logout_tags = HashSet::new();
        let mut macs = HashSet::new();
        let mut users = HashSet::new();
        let mut button_refs = Vec::new();
        let mut reg_refs = Vec::new();
        let mut logout_refs = Vec::new();
        let mut profile_numbers = Vec::new();
        let mut max = HashMap::new();
        let mut pool_tag = 0u32;
        let mut sip_users = HashSet::new();

        assert!(
            cfg.ends_with("!\nend\n"),
            "config must end with `!` then `end`"
        );
        let mut block = "";
        for (i, line) in cfg.lines().enumerate() {
            let n = i + 1;
            if line == "!" || line == "end" {
                block = "";
                continue;
            }
            if let Some(body) = line.strip_prefix(' ') {
                assert!(!block.is_empty(), "line {n}: indented line outside a block");
                assert!(!body.starts_with(' '), "line {n}: indented twice");
                let words: Vec<&str> = body.split(' ').collect();
                match (block, words.as_slice()) {
                    ("telephony-service", ["max-ephones" | "max-dn", v]) => {
                        max.insert(words[0], v.parse::<u32>().unwrap());
                    }
                    ("ephone-dn", ["number", v]) => {
                        assert!(
                            dn_numbers.insert(v.to_string()),
                            "line {n}: duplicate number"
                        );
                    }
                    ("ephone", ["mac-address", m]) | ("pool", ["id", "mac", m]) => {
                        assert!(macs.insert(m.to_string()), "line {n}: duplicate MAC {m}");
                    }
                    ("ephone", ["button", buttons @ ..]) => {
                        for b in buttons {
                            let (_, dn) = b.split_once(':').expect("button n:dn");
                            button_refs.push((n, dn.parse::<u32>().unwrap()));
                        }
                    }
                    ("ephone", ["logout-profile", t]) => {
                        c.em_ephones += 1;
                        logout_refs.push((n, t.parse::<u32>().unwrap()));
                    }
                    ("pool", ["logout-profile", t]) => {
                        logout_refs.push((n, t.parse::<u32>().unwrap()));
                    }
                    ("pool", ["username", u, "password", p]) => {
                        assert_eq!(*u, format!("sip{pool_tag}"), "line {n}: user of the pool");
                        assert_eq!(*p, format!("s{pool_tag}"), "line {n}: password of the pool");
                        assert!(sip_users.insert(u.to_string()), "line {n}: duplicate {u}");
                        c.credentials += 1;
                    }
                    ("pool", ["number", "1", "dn", t]) => {
                        reg_refs.push((n, t.parse::<u32>().unwrap()));
                    }
                    ("logout" | "user", ["number", v, "type", "normal"]) => {
                        profile_numbers.push((n, v.to_string()));
                    }
                    ("user", ["user", u, "password", "0", _]) => {
                        assert!(users.insert(u.to_string()), "line {n}: duplicate user {u}");
                    }
                    _ => {}
                }
                continue;
            }
            let words: Vec<&str> = line.split(' ').collect();
            block = match words.as_slice() {
                ["telephony-service"] => "telephony-service",
                ["ephone-dn", "", t] => {
                    c.dns += 1;
                    assert!(dn_tags.insert(t.parse::<u32>().unwrap()));
                    "ephone-dn"
                }
                ["ephone", "", _] => {
                    c.ephones += 1;
                    "ephone"
                }
                ["voice", "register", "global"] => "global",
                ["voice", "register", "dn", "", t] => {
                    c.register_dns += 1;
                    assert!(reg_dn_tags.insert(t.parse::<u32>().unwrap()));
                    "reg-dn"
                }
                ["voice", "register", "pool", "", t] => {
                    c.pools += 1;
                    pool_tag = t.parse().unwrap();
                    "pool"
                }
                ["voice", "logout-profile", t] => {
                    c.logout_profiles += 1;
                    assert!(logout_tags.insert(t.parse::<u32>().unwrap()));
                    "logout"
                }
                ["voice", "user-profile", _] => {
                    c.user_profiles += 1;
                    "user"
                }
                ["dial-peer", "voice", _, "voip"] => "dial-peer",
                ["hostname", _] | ["ip", "http", ..] => "",
                _ => panic!("line {n}: unexpected global line {line:?}"),
            };
        }

        for (n, t) in button_refs {
            assert!(
                dn_tags.contains(&t),
                "line {n}: button names missing ephone-dn {t}"
            );
        }
        for (n, t) in reg_refs {
            assert!(
                reg_dn_tags.contains(&t),
                "line {n}: missing voice register dn {t}"
            );
        }
        for (n, t) in logout_refs {
            assert!(
                logout_tags.contains(&t),
                "line {n}: missing logout-profile {t}"
            );
        }
        for (n, v) in profile_numbers {
            assert!(
                dn_numbers.contains(&v),
                "line {n}: profile number {v} is no ephone-dn"
            );
        }
        assert!(dn_tags.iter().all(|&t| t >= 1 && t <= max["max-dn"]));
        assert_eq!(c.ephones, max["max-ephones"] as usize);
        c
    }

    #[test]
    fn small_config_has_unique_macs_and_only_existing_dns() {
        let p = Params {
            ephones: 10,
            dns: 20,
            users: 10,
            pools: 0,
        };
        let c = check(&text(p));
        assert_eq!(c.dns, 20);
        assert_eq!(c.ephones, 10);
        assert_eq!(c.em_ephones, 2);
        assert_eq!(c.logout_profiles, 10);
        assert_eq!(c.user_profiles, 10);
        assert_eq!(c.pools, 0);
    }

    #[test]
    fn sip_pools_reference_their_own_register_dns() {
        let p = Params {
            ephones: 8,
            dns: 16,
            users: 24,
            pools: 9,
        };
        let c = check(&text(p));
        assert_eq!(c.pools, 9);
        assert_eq!(c.register_dns, 7);
    }

    #[test]
    fn every_pool_has_its_own_digest_credential() {
        let p = Params {
            ephones: 4,
            dns: 8,
            users: 0,
            pools: 10,
        };
        let cfg = text(p);
        let c = check(&cfg);
        assert_eq!(c.credentials, 10);
        // The EM pools (tag % 4 == 0) register too: the credential is the device's.
        assert!(cfg.contains("voice register pool  8\n username sip8 password s8\n"));
        assert!(cfg.contains("voice register pool  10\n username sip10 password s10\n"));
    }

    #[test]
    fn tight_and_tiny_numbering_plans_stay_consistent() {
        // No DN left over for profiles: they share the phones' DNs.
        check(&text(Params {
            ephones: 4,
            dns: 6,
            users: 12,
            pools: 0,
        }));
        check(&text(Params {
            ephones: 1,
            dns: 2,
            users: 3,
            pools: 1,
        }));
        // A single DN left over: the logout profiles share it and users get one line each.
        let cfg = text(Params {
            ephones: 4,
            dns: 7,
            users: 2,
            pools: 0,
        });
        check(&cfg);
        assert_eq!(cfg.matches("number 100007 type normal").count(), 4 + 2);
    }

    #[test]
    fn upper_bounds_generate_without_overflow() {
        let p = Params {
            ephones: MAX_EPHONES,
            dns: MAX_DNS,
            users: MAX_USERS,
            pools: 0,
        };
        validate(&p).unwrap();
        let c = check(&text(p));
        assert_eq!(c.user_profiles, 30_000);
    }

    #[test]
    fn arguments_parse_with_defaults_and_both_spellings() {
        assert_eq!(
            parse_args(args(&[])),
            Ok(Command::Generate(Params::default()))
        );
        assert_eq!(
            parse_args(args(&[
                "--ephones",
                "10",
                "--dns=20",
                "--users",
                "30",
                "--pools",
                "2"
            ])),
            Ok(Command::Generate(Params {
                ephones: 10,
                dns: 20,
                users: 30,
                pools: 2
            }))
        );
        assert_eq!(
            parse_args(args(&["--dns", "5", "--help"])),
            Ok(Command::Help)
        );
    }

    #[test]
    fn bad_arguments_are_refused_with_a_reason() {
        let err = |a: &[&str]| parse_args(args(a)).unwrap_err().0;
        assert!(err(&["--phones", "3"]).contains("unknown argument '--phones'"));
        assert!(err(&["--ephones"]).contains("needs a value"));
        assert!(err(&["--ephones", "ten"]).contains("not a whole number"));
        assert!(err(&["--ephones", "0"]).contains("out of range <1-10000>"));
        assert!(err(&["--ephones", "10001"]).contains("out of range"));
        assert!(err(&["--dns", "30001"]).contains("out of range <1-30000>"));
        assert!(err(&["--ephones", "10", "--dns", "20", "--users", "31"]).contains("<0-30>"));
        assert!(err(&["--ephones", "10", "--dns", "15", "--users", "10"]).contains("at least 16"));
    }
}
