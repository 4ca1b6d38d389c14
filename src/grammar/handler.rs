//! The closed set of handler ids a grammar file may name.
//!
//! A grammar `id` that is not listed here is a load error, and every arm here must be used by
//! some grammar command (a test checks both ways). Configuration commands are handled by
//! `config::build` (which turns stored lines into the model); the other kinds by
//! `cli::exec`. Both `match` on this enum, so a new id without a handler does not compile.

macro_rules! handlers {
    ($($variant:ident = $id:literal,)*) => {
        /// A command's handler.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
        pub enum Handler { $(
            #[doc = concat!("`", $id, "`")]
            $variant,
        )* }

        impl Handler {
            /// Every handler, in declaration order.
            pub const ALL: &'static [Handler] = &[$(Handler::$variant,)*];

            /// The id grammar files use.
            pub fn id(self) -> &'static str {
                match self { $(Handler::$variant => $id,)* }
            }

            /// Looks an id up.
            pub fn from_id(id: &str) -> Option<Handler> {
                match id { $($id => Some(Handler::$variant),)* _ => None }
            }
        }
    };
}

handlers! {
    // EXEC
    Enable = "enable",
    Disable = "disable",
    ExitSession = "exit-session",
    ConfigureTerminal = "configure-terminal",
    TerminalMonitor = "terminal-monitor",
    TerminalNoMonitor = "terminal-no-monitor",
    ShowRunningConfig = "show-running-config",
    ShowStartupConfig = "show-startup-config",
    ShowStartupUnapplied = "show-startup-unapplied",
    ShowTftpBindings = "show-tftp-bindings",
    ShowClock = "show-clock",
    ShowVersion = "show-version",
    ShowTelephonyService = "show-telephony-service",
    ShowCmedStatus = "show-cmed-status",
    ShowLogging = "show-logging",
    ShowUsers = "show-users",
    ShowEphoneDnSummary = "show-ephone-dn-summary",
    ShowTftpStatistics = "show-tftp-statistics",
    DebugTftpEvents = "debug-tftp-events",
    ShowEphone = "show-ephone",
    ShowEphoneSummary = "show-ephone-summary",
    ShowEphoneAttempted = "show-ephone-attempted",
    ShowEphoneDn = "show-ephone-dn",
    DebugEphoneRegister = "debug-ephone-register",
    DebugEphoneDetail = "debug-ephone-detail",
    DebugEphoneEm = "debug-ephone-em",
    DebugEphoneMwi = "debug-ephone-mwi",
    ShowEm = "show-em",
    ShowEmUser = "show-em-user",
    ShowUserProfile = "show-user-profile",
    ShowLogoutProfile = "show-logout-profile",
    EmadminLogin = "emadmin-login",
    EmadminLogout = "emadmin-logout",
    UndebugAll = "undebug-all",
    ShowDebugging = "show-debugging",
    DebugCcsipMessages = "debug-ccsip-messages",
    DebugVoiceRegisterEvents = "debug-voice-register-events",
    DebugVoiceCcapiInout = "debug-voice-ccapi-inout",
    ShowRegisterPool = "show-register-pool",
    ShowRegisterDn = "show-register-dn",
    ShowRegisterAll = "show-register-all",
    ShowRegisterStatistics = "show-register-statistics",
    ShowCallActiveBrief = "show-call-active-brief",
    ShowSipUaRegistrar = "show-sip-ua-registrar",
    ShowDialPeerSummary = "show-dial-peer-summary",
    ShowDialPeerVoice = "show-dial-peer-voice",
    ShowCallActiveCompact = "show-call-active-compact",
    ShowSipUaCalls = "show-sip-ua-calls",
    ShowMwi = "show-mwi",
    ClearRegisterPool = "clear-register-pool",
    WriteMemory = "write-memory",
    CopyRunStart = "copy-run-start",
    // the session's terminal (console comfort)
    TerminalLength = "terminal-length",
    TerminalWidth = "terminal-width",
    TerminalDefault = "terminal-default",
    ShowHistory = "show-history",
    ShowTerminal = "show-terminal",
    // Accepted into the configuration and rendered back, with no effect in cmed yet.
    Accepted = "accepted",
    // voice service voip / sip
    VoiceServiceVoip = "voice-service-voip",
    SipUa = "sip-ua",
    TrustedList = "trusted-list",
    TrustedIpv4 = "trusted-ipv4",
    SipUaMwiServer = "sip-ua-mwi-server",
    VoiceServiceSip = "voice-service-sip",
    SipRegistrarServer = "sip-registrar-server",
    AllowConnections = "allow-connections",
    // in every configuration mode
    Exit = "exit",
    End = "end",
    Do = "do",
    No = "no",
    Default = "default",
    // global configuration
    ServicePasswordEncryption = "service-password-encryption",
    Hostname = "hostname",
    ClockTimezone = "clock-timezone",
    LoggingBuffered = "logging-buffered",
    LoggingConsole = "logging-console",
    LoggingTrap = "logging-trap",
    LoggingHost = "logging-host",
    ClockSummerTime = "clock-summer-time",
    IpHttpServer = "ip-http-server",
    IpHttpPort = "ip-http-port",
    IpHttpMetricsAllow = "ip-http-metrics-allow",
    TelephonyService = "telephony-service",
    EphoneDn = "ephone-dn",
    Ephone = "ephone",
    VoiceRegisterGlobal = "voice-register-global",
    VoiceRegisterDn = "voice-register-dn",
    VoiceRegisterPool = "voice-register-pool",
    VoiceLogoutProfile = "voice-logout-profile",
    VoiceUserProfile = "voice-user-profile",
    DialPeerVoice = "dial-peer-voice",
    TftpServer = "tftp-server",
    // line con 0 (line vty is accepted without effect)
    LineConsole = "line-console",
    LineExecTimeout = "line-exec-timeout",
    LinePrivilege = "line-privilege",
    LineLength = "line-length",
    LineWidth = "line-width",
    // telephony-service
    TelMaxEphones = "tel-max-ephones",
    TelTimeoutsInterdigit = "tel-timeouts-interdigit",
    TelMaxRedirect = "tel-max-redirect",
    TelTimeoutsRinging = "tel-timeouts-ringing",
    RegPhoneRedirectLimit = "reg-phone-redirect-limit",
    TelMaxDn = "tel-max-dn",
    TelIpSourceAddress = "tel-ip-source-address",
    TelKeepalive = "tel-keepalive",
    TelVoicemail = "tel-voicemail",
    TelUrl = "tel-url",
    TelUrlAuthentication = "tel-url-authentication",
    TelAuthCredential = "tel-auth-credential",
    TelLoad = "tel-load",
    TelEmLogout = "tel-em-logout",
    TelEmKeepHistory = "tel-em-keep-history",
    TelEmExternal = "tel-em-external",
    TelEmMultipleLogin = "tel-em-multiple-login",
    TelEmMaxLoginTime = "tel-em-max-login-time",
    TelEmMaxConcurrent = "tel-em-max-concurrent-requests",
    TelEmValidateIp = "tel-em-validate-ip",
    TelEmTrustedIp = "tel-em-trusted-ip",
    TelEmRememberLastUser = "tel-em-remember-last-user",
    TelEmLoginType = "tel-em-login-type",
    TelEmLockout = "tel-em-lockout",
    TelCreateCnfFiles = "tel-create-cnf-files",
    TelDirectoryEntry = "tel-directory-entry",
    TelResetAll = "tel-reset-all",
    TelRestartAll = "tel-restart-all",
    // ephone-dn
    DnNumber = "dn-number",
    DnName = "dn-name",
    DnLabel = "dn-label",
    DnDescription = "dn-description",
    DnCallForward = "dn-call-forward",
    DnCallForwardNoan = "dn-call-forward-noan",
    DnHuntstop = "dn-huntstop",
    DnHuntstopChannel = "dn-huntstop-channel",
    DnMwi = "dn-mwi",
    DnMwiSip = "dn-mwi-sip",
    DnPreference = "dn-preference",
    // ephone
    EphoneMac = "ephone-mac",
    EphoneSpeedDial = "ephone-speed-dial",
    EphoneType = "ephone-type",
    EphoneButton = "ephone-button",
    EphoneLogoutProfile = "ephone-logout-profile",
    EphoneDescription = "ephone-description",
    EphoneMwiLine = "ephone-mwi-line",
    EphoneRestart = "ephone-restart",
    EphoneReset = "ephone-reset",
    // voice logout-profile / voice user-profile
    ProfUser = "prof-user",
    ProfPin = "prof-pin",
    ProfNumber = "prof-number",
    ProfSpeedDial = "prof-speed-dial",
    ProfFeatureButton = "prof-feature-button",
    ProfMaxIdleTime = "prof-max-idle-time",
    ProfReset = "prof-reset",
    // voice register global
    RegModeCme = "reg-mode-cme",
    RegSourceAddress = "reg-source-address",
    RegMaxDn = "reg-max-dn",
    RegMaxPool = "reg-max-pool",
    RegAuthenticate = "reg-authenticate",
    RegAuthenticateSha256 = "reg-authenticate-sha256",
    RegAuthBlock = "reg-auth-block",
    RegUrlAuthentication = "reg-url-authentication",
    RegVoicemail = "reg-voicemail",
    RegMwiStutter = "reg-mwi-stutter",
    RegCreateProfile = "reg-create-profile",
    RegReset = "reg-reset",
    RegRestart = "reg-restart",
    // voice register dn
    RdnNumber = "rdn-number",
    RdnName = "rdn-name",
    RdnLabel = "rdn-label",
    RdnCallForward = "rdn-call-forward",
    RdnCallForwardNoan = "rdn-call-forward-noan",
    RdnPreference = "rdn-preference",
    RdnHuntstop = "rdn-huntstop",
    RdnMwi = "rdn-mwi",
    // voice register pool
    PoolLogoutProfile = "pool-logout-profile",
    PoolIdMac = "pool-id-mac",
    PoolType = "pool-type",
    PoolNumber = "pool-number",
    PoolUsername = "pool-username",
    PoolDescription = "pool-description",
    PoolReset = "pool-reset",
    PoolRestart = "pool-restart",
    // dial-peer voice
    DpDescription = "dp-description",
    DpDestinationPattern = "dp-destination-pattern",
    DpSessionProtocol = "dp-session-protocol",
    DpSessionTarget = "dp-session-target",
    DpPreference = "dp-preference",
    DpHuntstop = "dp-huntstop",
    DpMailboxSelection = "dp-mailbox-selection",
    DpCodec = "dp-codec",
    DpDtmfRelay = "dp-dtmf-relay",
    DpIncomingCalled = "dp-incoming-called",
    DpVad = "dp-vad",
}
