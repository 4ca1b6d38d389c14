//! The validated configuration model: what the rest of the daemon reads.
//!
//! Plain data, built from the stored lines by `config::build`; every cross-reference in it
//! (a button's DN, an ephone's logout profile, a profile's numbers) is known to exist.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::Arc;

pub use super::logging::{LEVELS, Logging, severity};
pub use super::secrets::Secret;

pub use crate::config::dial_peer::{Codec, DialPeer, DtmfRelay, Vad};
pub use crate::config::pattern::Pattern;
use crate::ids::{
    DialPeerTag, DnTag, EphoneTag, Extension, Mac, PoolTag, ProfileTag, RegDnTag, UserName,
};

/// The whole configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    /// `hostname`, default `Router`.
    pub hostname: String,
    /// `clock timezone` / `clock summer-time`: the zone of every time of day; UTC by default.
    /// Shared with every phone's layout (`leg::Layout::zone`).
    pub clock: Arc<crate::civil::Zone>,
    /// `logging …`: where IOS messages go.
    pub logging: Logging,
    /// `ip http server`.
    pub http_server: bool,
    /// `ip http port`, default 80.
    pub http_port: u16,
    /// `ip http metrics allow A [MASK]` (ours): who may read `/metrics`; empty means
    /// loopback only.
    pub metrics_allow: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// `telephony-service`.
    pub telephony: Telephony,
    /// `ephone-dn N`.
    pub dns: BTreeMap<DnTag, EphoneDn>,
    /// `ephone N`.
    pub ephones: BTreeMap<EphoneTag, Ephone>,
    /// `voice register global`.
    pub register: RegisterGlobal,
    /// `voice service voip` / `sip` / `registrar server expires max M min N`: the bounds
    /// of SIP registration intervals, when configured.
    pub registrar_expires: Option<(u32, u32)>,
    /// `voice service voip` / `allow-connections sip to sip`: a call from a SIP trunk may go
    /// out on another dial-peer (a hairpin; without it only cmed's own numbers take it).
    pub allow_sip_to_sip: bool,
    /// `voice service voip` / `ip address trusted list` / `ipv4 A [MASK]`: addresses (and
    /// networks) taken as trunks besides the dial-peers' targets.
    pub trusted: Vec<(Ipv4Addr, Ipv4Addr)>,
    /// `sip-ua` / `mwi-server ipv4:A …`: the voicemail server whose message-summary
    /// NOTIFYs set message waiting (besides the dial-peers' targets).
    pub mwi_server: Option<MwiServer>,
    /// `voice register dn N`.
    pub reg_dns: BTreeMap<RegDnTag, RegisterDn>,
    /// `voice register pool N`.
    pub pools: BTreeMap<PoolTag, Pool>,
    /// `voice logout-profile N`.
    pub logout_profiles: BTreeMap<ProfileTag, Profile>,
    /// `voice user-profile N`.
    pub user_profiles: BTreeMap<ProfileTag, Profile>,
    /// `dial-peer voice N voip`.
    pub dial_peers: BTreeMap<DialPeerTag, DialPeer>,
    /// `tftp-server FLASH:FILE alias NAME`: the name phones request -> the file's path under
    /// `--tftp-root` (the device prefix dropped). Files without an alias need no entry: they
    /// are served by their own path.
    pub tftp_aliases: BTreeMap<String, String>,
    /// Which directory number carries each extension (derived from `dns` and `reg_dns`, so
    /// profiles and phone files can find a line's name and label without a scan).
    pub numbers: BTreeMap<Extension, NumberOwner>,
    /// Which user profile each credential name logs in to (derived from `user_profiles`).
    pub users: BTreeMap<UserName, ProfileTag>,
    /// The numbers on some voice user-profile's lines (derived from `user_profiles`): a
    /// call to one goes to the mailbox when its user is logged in nowhere, decided per call
    /// without a scan of ten thousand profiles.
    pub profile_numbers: std::collections::BTreeSet<Extension>,
    /// Which phone has each MAC (derived from `ephones` and `pools`; MACs are unique).
    pub macs: BTreeMap<Mac, PhoneTag>,
    /// The SIP registrar's lookups, derived from `pools` and `reg_dns` (a REGISTER storm
    /// must not scan ten thousand pools): the first pool, by tag, with each digest
    /// `username`, and with each `To` user a client may register as (a number on one of
    /// its lines, or its `username`).
    pub sip_users: SipUsers,
    /// `line con 0`: the interactive console's session settings.
    pub console: ConsoleLine,
    /// Administrators, `enable`, the vty lines and the SSH server (`config::access`).
    pub access: super::access::Access,
}

/// `line con 0`: what the interactive console session starts with (IOS defaults without it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsoleLine {
    /// `exec-timeout M [S]` in seconds; 0 never times out. IOS's default is 10 minutes.
    pub exec_timeout: u32,
    /// `privilege level N`: 15 starts the console in privileged EXEC, below it user EXEC.
    pub privilege: u8,
    /// `length N`: the terminal length sessions start with (0: no --More--).
    pub length: u16,
    /// `width N`: the terminal width sessions start with.
    pub width: u16,
}

impl Default for ConsoleLine {
    fn default() -> Self {
        ConsoleLine {
            exec_timeout: 600,
            privilege: 1,
            length: 24,
            width: 80,
        }
    }
}

/// See [`Model::sip_users`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SipUsers {
    /// Pool `username` -> the first pool with it.
    pub by_username: BTreeMap<String, PoolTag>,
    /// Line number or `username` -> the first pool with it.
    pub by_to_user: BTreeMap<String, PoolTag>,
}

/// A configured phone by its kind and tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneTag {
    /// `ephone N`.
    Ephone(EphoneTag),
    /// `voice register pool N`.
    Pool(PoolTag),
}

/// The directory number an extension belongs to; also how the dial plan names a DN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NumberOwner {
    /// An `ephone-dn` (primary or secondary number).
    Ephone(DnTag),
    /// A `voice register dn`.
    Register(RegDnTag),
}

impl Model {
    /// Whether `ip` is a SIP server cmed takes requests from without a registration: the
    /// `mwi-server`, a SIP dial-peer's target, or on the `ip address trusted list` (IOS's
    /// toll-fraud protection).
    pub fn is_voip_peer(&self, ip: std::net::IpAddr) -> bool {
        self.mwi_server
            .is_some_and(|s| std::net::IpAddr::V4(s.ip) == ip)
            || self.is_trusted(ip)
            || self
                .dial_peers
                .values()
                .any(|p| p.sipv2 && p.target.is_some_and(|(a, _)| std::net::IpAddr::V4(a) == ip))
    }

    /// Whether `ip` is on the `ip address trusted list` (an address, or in a network).
    pub fn is_trusted(&self, ip: std::net::IpAddr) -> bool {
        let std::net::IpAddr::V4(ip) = ip else {
            return false;
        };
        self.trusted
            .iter()
            .any(|(a, m)| u32::from(ip) & u32::from(*m) == u32::from(*a) & u32::from(*m))
    }

    /// Rebuilds the derived indexes ([`Model::numbers`], [`Model::users`], [`Model::macs`],
    /// [`Model::sip_users`]); an extension on both kinds of DN belongs to the ephone-dn.
    pub fn index(&mut self) {
        self.macs = self
            .ephones
            .iter()
            .filter_map(|(t, e)| Some((e.mac?, PhoneTag::Ephone(*t))))
            .chain(
                self.pools
                    .iter()
                    .filter_map(|(t, p)| Some((p.mac?, PhoneTag::Pool(*t)))),
            )
            .collect();
        self.users = self
            .user_profiles
            .iter()
            .filter_map(|(t, p)| Some((p.user.as_ref()?.user.clone(), *t)))
            .collect();
        self.profile_numbers = self
            .user_profiles
            .values()
            .flat_map(|p| p.lines.iter().flat_map(|l| l.numbers.iter().cloned()))
            .collect();
        let mut index = BTreeMap::new();
        for (tag, dn) in &self.dns {
            for e in dn.number.iter().chain(dn.secondary.iter()) {
                index.entry(e.clone()).or_insert(NumberOwner::Ephone(*tag));
            }
        }
        for (tag, dn) in &self.reg_dns {
            if let Some(e) = &dn.number {
                index
                    .entry(e.clone())
                    .or_insert(NumberOwner::Register(*tag));
            }
        }
        self.numbers = index;
        let mut sip = SipUsers::default();
        for (tag, p) in &self.pools {
            if let Some(c) = &p.username {
                sip.by_username.entry(c.user.0.clone()).or_insert(*tag);
                sip.by_to_user.entry(c.user.0.clone()).or_insert(*tag);
            }
            for dn in p.lines.values() {
                if let Some(n) = self.reg_dns.get(dn).and_then(|d| d.number.as_ref()) {
                    sip.by_to_user.entry(n.0.clone()).or_insert(*tag);
                }
            }
        }
        self.sip_users = sip;
    }

    /// The ephone with this MAC.
    pub fn ephone_by_mac(&self, mac: Mac) -> Option<(EphoneTag, &Ephone)> {
        match self.macs.get(&mac)? {
            PhoneTag::Ephone(t) => self.ephones.get(t).map(|e| (*t, e)),
            PhoneTag::Pool(_) => None,
        }
    }

    /// Name and label of the line that carries `number`, as `(name, label)`.
    pub fn line_text(&self, number: &Extension) -> (Option<&str>, Option<&str>) {
        match self.numbers.get(number) {
            Some(NumberOwner::Ephone(t)) => self
                .dns
                .get(t)
                .map_or((None, None), |d| (d.name.as_deref(), d.label.as_deref())),
            Some(NumberOwner::Register(t)) => self
                .reg_dns
                .get(t)
                .map_or((None, None), |d| (d.name.as_deref(), d.label.as_deref())),
            None => (None, None),
        }
    }
}

impl Default for Model {
    fn default() -> Self {
        Model {
            hostname: "Router".into(),
            clock: Arc::new(crate::civil::Zone::utc()),
            logging: Logging::default(),
            http_server: false,
            http_port: 80,
            metrics_allow: Vec::new(),
            telephony: Telephony::default(),
            dns: BTreeMap::new(),
            ephones: BTreeMap::new(),
            register: RegisterGlobal::default(),
            registrar_expires: None,
            allow_sip_to_sip: false,
            mwi_server: None,
            trusted: Vec::new(),
            reg_dns: BTreeMap::new(),
            pools: BTreeMap::new(),
            logout_profiles: BTreeMap::new(),
            user_profiles: BTreeMap::new(),
            dial_peers: BTreeMap::new(),
            tftp_aliases: BTreeMap::new(),
            numbers: BTreeMap::new(),
            users: BTreeMap::new(),
            profile_numbers: Default::default(),
            macs: BTreeMap::new(),
            sip_users: SipUsers::default(),
            console: ConsoleLine::default(),
            access: Default::default(),
        }
    }
}

/// A user name with its password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credential {
    /// The name.
    pub user: UserName,
    /// The password.
    pub secret: Secret,
}

/// `telephony-service`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Telephony {
    /// Whether the block exists at all.
    pub present: bool,
    /// `max-ephones`, default 0.
    pub max_ephones: u32,
    /// `timeouts interdigit` seconds (IOS default 10 when absent).
    pub interdigit: Option<u32>,
    /// `max-redirect`: forwards one call may follow (IOS default 10 when absent).
    pub max_redirect: Option<u32>,
    /// `timeouts ringing` seconds: how long an unanswered call rings with no no-answer
    /// forward to take it (IOS default 180 when absent).
    pub ringing: Option<u32>,
    /// `max-dn`, default 0.
    pub max_dn: u32,
    /// `ip source-address A [port P]` (port default 2000).
    pub source: Option<(Ipv4Addr, u16)>,
    /// `keepalive`, default 30 s.
    pub keepalive: u32,
    /// `voicemail`.
    pub voicemail: Option<String>,
    /// `url services`.
    pub url_services: Option<String>,
    /// `url directories`.
    pub url_directories: Option<String>,
    /// `url idle`.
    pub url_idle: Option<String>,
    /// `url information`.
    pub url_information: Option<String>,
    /// `url authentication URL [APP password PW]`.
    pub url_authentication: Option<(String, Option<(String, Secret)>)>,
    /// `authentication credential APP PW`, by application name.
    pub credentials: BTreeMap<String, Secret>,
    /// `load MODEL FILE`, by model.
    pub loads: BTreeMap<String, String>,
    /// Extension Mobility settings.
    pub em: EmPolicy,
    /// `create cnf-files`.
    pub create_cnf_files: bool,
    /// `directory entry TAG NUMBER name NAME`, by tag: the phones' local directory.
    pub directory: BTreeMap<u32, (String, String)>,
}

impl Default for Telephony {
    fn default() -> Self {
        Telephony {
            present: false,
            max_ephones: 0,
            interdigit: None,
            max_redirect: None,
            ringing: None,
            max_dn: 0,
            source: None,
            keepalive: 30,
            voicemail: None,
            url_services: None,
            url_directories: None,
            url_idle: None,
            url_information: None,
            url_authentication: None,
            credentials: BTreeMap::new(),
            loads: BTreeMap::new(),
            em: EmPolicy::default(),
            create_cnf_files: false,
            directory: BTreeMap::new(),
        }
    }
}

/// What a login does when the user is already logged in on another phone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum MultipleLogin {
    /// Log the user out of the other phone (CME's behaviour).
    #[default]
    AutoLogout,
    /// Refuse the login with error 25.
    NotAllowed,
    /// Allow logins on several phones.
    Allowed,
}

/// What users type on the login page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LoginType {
    /// User id and password.
    #[default]
    Uid,
    /// Primary extension and password.
    Dn,
}

/// Extension Mobility policies (`em …` under telephony-service).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmPolicy {
    /// `em logout`: times of day as minutes after midnight (up to three).
    pub logout_times: Vec<u16>,
    /// `em keep-history`.
    pub keep_history: bool,
    /// `em external`.
    pub external: bool,
    /// `em multiple-login`.
    pub multiple_login: MultipleLogin,
    /// `em max-login-time`, in minutes.
    pub max_login_minutes: Option<u32>,
    /// `em max-concurrent-requests`, default 5.
    pub max_concurrent: u32,
    /// `em validate-ip`.
    pub validate_ip: bool,
    /// `em trusted-ip`.
    pub trusted_ips: Vec<Ipv4Addr>,
    /// `em remember-last-user`.
    pub remember_last_user: bool,
    /// `em login-type`.
    pub login_type: LoginType,
    /// `em lockout attempts N minutes M`.
    pub lockout: Option<(u32, u32)>,
}

impl Default for EmPolicy {
    fn default() -> Self {
        EmPolicy {
            logout_times: Vec::new(),
            keep_history: false,
            external: false,
            multiple_login: MultipleLogin::AutoLogout,
            max_login_minutes: None,
            max_concurrent: 5,
            validate_ip: false,
            trusted_ips: Vec::new(),
            remember_last_user: false,
            login_type: LoginType::Uid,
            lockout: None,
        }
    }
}

/// Calls a DN carries at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LineMode {
    /// One call.
    #[default]
    Single,
    /// Two calls (`dual-line`).
    Dual,
    /// Eight calls (`octo-line`).
    Octo,
}

/// Where calls to a DN go when it cannot take them (`call-forward …`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct CallForward {
    /// `all`: every call.
    pub all: Option<String>,
    /// `busy`: when the line is busy.
    pub busy: Option<String>,
    /// `noan TARGET [timeout S]`: when nobody answers.
    pub noan: Option<(String, Option<u32>)>,
    /// `unregistered` (`call-forward b2bua unregistered` on a `voice register dn`, the
    /// same `call-forward unregistered` on an `ephone-dn` as cmed's extension): while no
    /// registered phone carries the number.
    pub unregistered: Option<String>,
}

/// `sip-ua` / `mwi-server ipv4:A.B.C.D [expires N] [port P] [transport udp|tcp]
/// [unsolicited]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MwiServer {
    /// Its address.
    pub ip: Ipv4Addr,
    /// Its port (`port`, else the target's, else 5060).
    pub port: u16,
    /// `unsolicited`: it NOTIFYs without a subscription; else cmed subscribes for the
    /// numbers that ask for it.
    pub unsolicited: bool,
    /// `expires N`: the subscriptions' interval (IOS default 3600 s).
    pub expires: u32,
}

/// `mwi on|off|on-off` on an ephone-dn: an outcall number (`number PREFIX....`) the
/// voicemail server calls to set an extension's message waiting (calls reference §4.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MwiOutcall {
    /// A call to it lights the extension's lamp.
    On,
    /// A call to it clears the lamp.
    Off,
    /// [U] A call to its primary number lights the lamp, to its secondary number clears
    /// it (the reference does not say how one DN does both; this is cmed's reading).
    OnOff,
}

/// `ephone-dn N`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EphoneDn {
    /// Line mode.
    pub mode: LineMode,
    /// `number`.
    pub number: Option<Extension>,
    /// `number … secondary`.
    pub secondary: Option<Extension>,
    /// `name`.
    pub name: Option<String>,
    /// `label`.
    pub label: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `call-forward …`.
    pub forward: CallForward,
    /// `huntstop`: on by default in CME (calls reference §1.5), so only `no huntstop` lets a
    /// call hunt on to another DN or dial-peer with a matching number.
    pub huntstop: bool,
    /// `huntstop channel [N]`: only the first N channels (1 without a number) take
    /// incoming calls, the rest are kept for calls the phone makes; `None`: every channel
    /// (calls reference §1.5: CME's default for dual-line and octo-line).
    pub huntstop_channel: Option<u8>,
    /// `mwi on|off|on-off`: an outcall number for message waiting, not a phone's line.
    pub mwi: Option<MwiOutcall>,
    /// `mwi sip`: cmed subscribes to the `mwi-server` for this number's messages.
    pub mwi_sip: bool,
    /// `preference N`: of the primary number's dial-peer, 0 (the default, tried first) to 10.
    pub preference: u8,
    /// `preference … secondary N`: of the secondary number's. [U] default 9, as the CME
    /// command reference gives it (not in our reference notes).
    pub secondary_preference: u8,
}

impl Default for EphoneDn {
    fn default() -> Self {
        EphoneDn {
            mode: LineMode::Single,
            number: None,
            secondary: None,
            name: None,
            label: None,
            description: None,
            forward: CallForward::default(),
            huntstop: true,
            huntstop_channel: None,
            mwi: None,
            mwi_sip: false,
            preference: 0,
            secondary_preference: 9,
        }
    }
}

/// How a button presents its DNs (`button` separators).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ButtonKind {
    /// `:` normal.
    Normal,
    /// `s` silent ring.
    Silent,
    /// `b` beep, no ring.
    Beep,
    /// `f` feature ring.
    FeatureRing,
    /// `m` monitor.
    Monitor,
    /// `o` overlay.
    Overlay,
    /// `c` overlay with call waiting.
    CwOverlay,
    /// `w` watch.
    Watch,
    /// `x` overlay expansion of another button.
    Expansion,
}

/// One `button` assignment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    /// Button number on the phone.
    pub index: u8,
    /// Presentation.
    pub kind: ButtonKind,
    /// DN tags (several for overlays); for `x`, the overlay button it expands.
    pub dns: Vec<DnTag>,
}

/// A speed dial.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpeedDial {
    /// Number dialled.
    pub number: String,
    /// Label, if any.
    pub label: Option<String>,
    /// Busy-lamp field.
    pub blf: bool,
}

/// `ephone N`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Ephone {
    /// `mac-address`.
    pub mac: Option<Mac>,
    /// `type` model keyword.
    pub model: Option<String>,
    /// `type … addon` modules.
    pub addons: Vec<String>,
    /// `button` assignments, by button number.
    pub buttons: Vec<Button>,
    /// `speed-dial`, by tag.
    pub speed_dials: BTreeMap<u8, SpeedDial>,
    /// `logout-profile`: the phone is EM-enabled.
    pub logout_profile: Option<ProfileTag>,
    /// `description`.
    pub description: Option<String>,
    /// `mwi-line N`: the line whose messages light the handset's lamp (default 1).
    pub mwi_line: Option<u8>,
}

/// Line types of profile numbers, in the order CME assigns them to buttons.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LineType {
    /// `normal`.
    Normal,
    /// `silent-ring`.
    SilentRing,
    /// `beep-ring`.
    BeepRing,
    /// `feature-ring`.
    FeatureRing,
    /// `monitor-ring`.
    MonitorRing,
    /// `overlay`.
    Overlay,
    /// `cw-overlay` (ordered with overlays).
    CwOverlay,
}

/// A profile's `number … type …` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileLine {
    /// The extensions (several only for overlays).
    pub numbers: Vec<Extension>,
    /// The line type.
    pub kind: LineType,
}

/// `voice logout-profile N` or `voice user-profile N`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Profile {
    /// `user NAME password PW`.
    pub user: Option<Credential>,
    /// `pin`.
    pub pin: Option<Secret>,
    /// `number` lines in configuration order.
    pub lines: Vec<ProfileLine>,
    /// `speed-dial`, by tag.
    pub speed_dials: BTreeMap<u8, SpeedDial>,
    /// `feature-button`, by index: feature and label.
    pub feature_buttons: BTreeMap<u8, (String, Option<String>)>,
    /// `max-idle-time` in minutes (user profiles).
    pub max_idle_minutes: Option<u32>,
}

/// `authenticate block-for …` under `voice register global`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AuthBlock {
    /// Not configured: 120 s after 10 failures within 60 s.
    #[default]
    Default,
    /// `no authenticate block-for`.
    Off,
    /// Configured.
    Set {
        /// Seconds a source is blocked.
        secs: u32,
        /// Failures that block it.
        attempts: u32,
        /// Within this many seconds.
        within: u32,
    },
}

impl AuthBlock {
    /// Blocked seconds, failures and window, unless turned off.
    pub fn policy(self) -> Option<(u32, u32, u32)> {
        match self {
            AuthBlock::Default => Some((120, 10, 60)),
            AuthBlock::Off => None,
            AuthBlock::Set {
                secs,
                attempts,
                within,
            } => Some((secs, attempts, within)),
        }
    }
}

/// `voice register global`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RegisterGlobal {
    /// Whether the block exists.
    pub present: bool,
    /// `mode cme`.
    pub mode_cme: bool,
    /// `source-address A [port P]` (port default 5060).
    pub source: Option<(Ipv4Addr, u16)>,
    /// `max-dn`.
    pub max_dn: u32,
    /// `max-pool`.
    pub max_pool: u32,
    /// `url authentication`.
    pub url_authentication: Option<String>,
    /// `voicemail`.
    pub voicemail: Option<String>,
    /// `mwi stutter`: off hook on a line with messages waiting gives the stutter dial tone.
    pub mwi_stutter: bool,
    /// `authenticate block-for S attempts N within W` (cmed's): a source that fails digest
    /// authentication N times within W seconds is answered 403 for S seconds.
    pub auth_block: AuthBlock,
    /// `create profile`.
    pub create_profile: bool,
    /// `authenticate algorithm sha-256` (ours): the 401 offers SHA-256 after MD5.
    pub digest_sha256: bool,
    /// `phone-redirect-limit`: how many 3xx redirections from SIP phones one call follows
    /// (CME default 5 when absent).
    pub phone_redirect_limit: Option<u32>,
}

/// `voice register dn N`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RegisterDn {
    /// `number`.
    pub number: Option<Extension>,
    /// `name`.
    pub name: Option<String>,
    /// `label`.
    pub label: Option<String>,
    /// `call-forward …`.
    pub forward: CallForward,
    /// `preference N`: of its dial-peer, 0 (the default) to 10.
    pub preference: u8,
    /// `huntstop`: off by default on a SIP DN (calls reference §1.5), so a busy or
    /// unanswered call hunts on to another DN or dial-peer with its number.
    pub huntstop: bool,
    /// `mwi`: cmed subscribes to the `mwi-server` for this number's messages.
    pub mwi: bool,
}

/// `voice register pool N`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Pool {
    /// `id mac`.
    pub mac: Option<Mac>,
    /// `type`.
    pub model: Option<String>,
    /// `number L dn T`, by line.
    pub lines: BTreeMap<u8, RegDnTag>,
    /// `username … password …`.
    pub username: Option<Credential>,
    /// `logout-profile`.
    pub logout_profile: Option<ProfileTag>,
    /// `description`.
    pub description: Option<String>,
}
