//! The `logging …` settings of the model: where IOS messages go and from which severity.

/// `logging buffered`, `logging console`, `logging trap`, `logging host`: severities are
/// 0 (emergencies) to 7 (debugging); a message is logged where its severity is at most the
/// level.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Logging {
    /// The buffer `show logging` prints: its size in bytes and level; `None` after `no
    /// logging buffered`.
    pub buffered: Option<(u32, u8)>,
    /// The console's level; `None` after `no logging console`.
    pub console: Option<u8>,
    /// The syslog servers' level (`logging trap`, informational by default).
    pub trap: u8,
    /// Syslog servers (UDP).
    pub hosts: Vec<std::net::SocketAddrV4>,
}

impl Default for Logging {
    fn default() -> Logging {
        // IOS: a 4096-byte buffer and the console at debugging, syslog at informational.
        Logging {
            buffered: Some((4096, 7)),
            console: Some(7),
            trap: 6,
            hosts: Vec::new(),
        }
    }
}

/// IOS's logging level keywords, by severity (0 = emergencies).
pub const LEVELS: [&str; 8] = [
    "emergencies",
    "alerts",
    "critical",
    "errors",
    "warnings",
    "notifications",
    "informational",
    "debugging",
];

/// The IOS level keyword's severity.
pub fn severity(level: &str) -> Option<u8> {
    LEVELS.iter().position(|l| *l == level).map(|p| p as u8)
}
