//! Who may administer cmed over SSH, and how, as the configuration says it: `username`,
//! `enable secret|password`, `line vty`, `login block-for`, the `access-list` permits that
//! `access-class` names, `ip ssh` and its public key chain. Built by `config::build::access`;
//! read by `cli::login` (the decisions) and `net::ssh` (the server).

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use super::hashes::Hashed;
use super::secrets::Secret;

/// A password or secret a login is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Credential {
    /// `secret 5|8|9 HASH` (a type 0 secret is stored as type 9).
    Hashed(Hashed),
    /// `password 0|7 PW` (reversible).
    Password(Secret),
    /// `nopassword`: no password is asked.
    None,
}

impl Credential {
    /// Whether `given` is the password (constant-time; slow for hashed secrets).
    pub fn verify(&self, given: &str) -> bool {
        match self {
            Credential::Hashed(h) => h.verify(given),
            Credential::Password(s) => s.matches(given),
            Credential::None => true,
        }
    }
}

/// `username NAME …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalUser {
    /// `privilege N` (IOS's default 1). cmed has two EXEC levels: 15 is privileged EXEC,
    /// anything below it user EXEC.
    pub privilege: u8,
    /// What a login is checked against.
    pub credential: Credential,
}

/// How a vty line checks who logs in (`login`, `login local`, neither).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Login {
    /// No `login`: IOS asks nothing on a vty, but SSH always authenticates, so cmed refuses
    /// (`% Password required, but none set` in IOS's words for a line without one).
    #[default]
    None,
    /// `login`: the line's `password`, whatever the user name.
    Line,
    /// `login local`: the `username` entries.
    Local,
}

/// `line vty FIRST [LAST]`: the settings of SSH sessions on those lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VtyLines {
    /// The first and last line number.
    pub first: u16,
    /// The last line number (FIRST when alone).
    pub last: u16,
    /// `exec-timeout M [S]` in seconds; 0 never times out. IOS's default is 10 minutes.
    pub exec_timeout: u32,
    /// `privilege level N` for `login` (with `login local`, the user's own level counts).
    pub privilege: u8,
    /// `login [local]`.
    pub login: Login,
    /// `password 0|7 PW`.
    pub password: Option<Secret>,
    /// `transport input` allows SSH (IOS's default on vty lines: all).
    pub ssh: bool,
    /// `access-class N in`: only sources the list permits may connect.
    pub access_class: Option<u8>,
    /// `length N`, `width N`: what the sessions start with.
    pub length: u16,
    /// See `length`.
    pub width: u16,
}

impl VtyLines {
    /// The lines with IOS's defaults.
    pub fn new(first: u16, last: u16) -> VtyLines {
        VtyLines {
            first,
            last,
            exec_timeout: 600,
            privilege: 1,
            login: Login::None,
            password: None,
            ssh: true,
            access_class: None,
            length: 24,
            width: 80,
        }
    }
}

/// `ip ssh …`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SshSettings {
    /// `ip ssh port N` (else `--ssh-port`, else 22).
    pub port: Option<u16>,
    /// `ip ssh time-out S`: how long authentication may take (IOS's default 120 s).
    pub timeout: u32,
    /// `ip ssh authentication-retries N` (IOS's default 3).
    pub retries: u8,
}

impl Default for SshSettings {
    fn default() -> Self {
        SshSettings {
            port: None,
            timeout: 120,
            retries: 3,
        }
    }
}

/// Everything about administrators' access.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// `username` entries by name (IOS's user names are case-sensitive).
    pub users: BTreeMap<String, LocalUser>,
    /// `enable secret` (preferred, as in IOS) or else `enable password`.
    pub enable: Option<Credential>,
    /// `line vty` sections in line order.
    pub vty: Vec<VtyLines>,
    /// `login block-for SECS attempts N within W`.
    pub block_for: Option<(u32, u32, u32)>,
    /// `access-list N permit …`: (address, wildcard bits) entries by list.
    pub acls: BTreeMap<u8, Vec<(Ipv4Addr, Ipv4Addr)>>,
    /// `ip ssh`.
    pub ssh: SshSettings,
    /// `ip ssh pubkey-chain`: user -> the MD5 hashes of their keys' blobs, in upper-case hex.
    pub pubkeys: BTreeMap<String, Vec<String>>,
}

impl Access {
    /// The settings of vty line `n`, if it is configured.
    pub fn vty_line(&self, n: u16) -> Option<&VtyLines> {
        self.vty.iter().find(|l| (l.first..=l.last).contains(&n))
    }

    /// Whether access list `list` permits `ip`. A list with no entry permits nothing, as
    /// IOS's implicit `deny any` says; an IPv6 source never matches an IPv4 list.
    pub fn permits(&self, list: u8, ip: std::net::IpAddr) -> bool {
        let std::net::IpAddr::V4(ip) = ip else {
            return false;
        };
        self.acls.get(&list).is_some_and(|entries| {
            entries.iter().any(|(addr, wild)| {
                let care = !u32::from(*wild);
                u32::from(ip) & care == u32::from(*addr) & care
            })
        })
    }
}
