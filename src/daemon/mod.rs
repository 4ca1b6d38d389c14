//! The composition root: loads the startup-config, opens the store, recovers the EM sessions,
//! spawns the engine actor with its outlets, opens every listener (phones, then the control
//! socket) and the console, and waits for a signal. Tokio lives here, in `actor` and in the
//! thin adapters of `net`; the pure layers never see it.

mod files;
pub mod notify;

use std::io::IsTerminal;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use crate::actor::{self, Outlets};
use crate::config::Running;
use crate::config::load;
use crate::engine::Engine;
use crate::files::{Overrides, Site};
use crate::grammar::graph::Grammar;
use crate::net::stats::ProvisionStats;
use crate::net::{self, provision::Provision};
use crate::net::{console, control};
use crate::proto::tftp::options::Limits;
use crate::store::{RedbStore, Store, StoreError};

/// `cmed run` options (the doc comments are the `--help` text).
#[derive(Clone, Debug, clap::Args)]
pub struct Options {
    /// The startup-config file (IOS text); `write memory` rewrites it.
    #[arg(long)]
    pub config: PathBuf,
    /// Data directory: the session store and the control socket.
    #[arg(long, default_value = "./cmed-data")]
    pub data: PathBuf,
    /// Listen on this address instead of the configured source addresses.
    #[arg(long)]
    pub bind: Option<IpAddr>,
    /// SCCP port (default: `ip source-address … port`, else 2000).
    #[arg(long)]
    pub sccp_port: Option<u16>,
    /// SIP port (default: `voice register global` source-address port, else 5060).
    #[arg(long)]
    pub sip_port: Option<u16>,
    /// TFTP port (default 69, which needs root or CAP_NET_BIND_SERVICE).
    #[arg(long)]
    pub tftp_port: Option<u16>,
    /// HTTP port for phone services (default: `ip http port`, else 80).
    #[arg(long)]
    pub http_port: Option<u16>,
    /// SSH port for administrators (default: `ip ssh port`, else 22 when a `line vty` is
    /// configured, which needs root or CAP_NET_BIND_SERVICE).
    #[arg(long)]
    pub ssh_port: Option<u16>,
    /// HTTP provisioning port: the TFTP files over HTTP, which newer phones try first; 0 turns
    /// it off.
    #[arg(long, default_value_t = 6970)]
    pub http_prov_port: u16,
    /// Directory of static files served over TFTP and HTTP provisioning (firmware, ring lists,
    /// locales).
    #[arg(long)]
    pub tftp_root: Option<PathBuf>,
    /// Do not attach the interactive console even when stdin is a terminal.
    #[arg(long)]
    pub no_console: bool,
    /// SIP transactions kept at once; past it REGISTERs are answered statelessly and other
    /// new requests get 503 with Retry-After (each keeps about 2 kB for up to 32 s).
    #[arg(long, default_value_t = net::sip::MAX_TRANSACTIONS)]
    pub sip_max_transactions: usize,
    /// Let this group's members use the control socket (`cmed cli`): the socket is then
    /// 0660 for the group, else 0600 (the daemon's user only).
    #[arg(long)]
    pub socket_group: Option<String>,
    /// The service manager to tell when the daemon is ready and when it stops (systemd's
    /// `$NOTIFY_SOCKET`, taken by `main` before the runtime starts; see `notify`).
    #[arg(skip)]
    pub notify: Option<notify::Notifier>,
}

/// Why the daemon could not start.
#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    /// The startup-config cannot be read.
    #[error("cannot read startup-config {path}: {source}")]
    Config {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The console thread cannot be started.
    #[error("cannot start the console: {0}")]
    Console(std::io::Error),
    /// The store cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The TFTP root is not a readable directory.
    #[error("--tftp-root {path}: {source}")]
    TftpRoot {
        /// The directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A phone listener cannot be opened.
    #[error("cannot listen for {what} on {addr}: {source} (choose another port with {flag})")]
    Listen {
        /// Which server.
        what: &'static str,
        /// The address.
        addr: SocketAddr,
        /// The flag that sets its port.
        flag: &'static str,
        /// The error.
        source: std::io::Error,
    },
    /// The data directory or the store cannot be made private.
    #[error("cannot make {path} private: {source}")]
    Private {
        /// The directory or file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// `--socket-group` names no group.
    #[error("--socket-group {0}: no such group")]
    NoGroup(String),
    /// The control socket cannot be bound.
    #[error("cannot open the control socket {path}: {source}")]
    Control {
        /// The socket.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

/// Runs the daemon until SIGINT or SIGTERM; `debug` holds the `debug …` switches (the log
/// filter reads them too).
///
/// # Errors
/// If the configuration, store or control socket cannot be opened.
pub async fn run(opts: Options, debug: Arc<crate::debug::Flags>) -> Result<(), DaemonError> {
    let grammar = Arc::new(Grammar::embedded());
    let (text, file_exists) = match std::fs::read_to_string(&opts.config) {
        Ok(t) => (t, true),
        // A missing file is a router with no startup-config: start empty, `write memory` creates it.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(file = %opts.config.display(), "startup-config not found; starting with an empty configuration");
            (String::new(), false)
        }
        Err(source) => {
            return Err(DaemonError::Config {
                path: opts.config.clone(),
                source,
            });
        }
    };
    let loaded = load::load(&grammar, &text);
    let name = opts.config.display().to_string();
    for d in &loaded.diagnostics {
        eprint!("{}", d.render(&name));
    }
    // What cmed keeps without applying (a router's interfaces, DHCP …), once per family.
    for f in &loaded.families {
        eprintln!("{name}: {}", f.render());
    }
    tracing::info!(
        file = %name,
        ephones = loaded.model.ephones.len(),
        dns = loaded.model.dns.len(),
        user_profiles = loaded.model.user_profiles.len(),
        bad_lines = loaded.diagnostics.len(),
        "startup-config loaded"
    );
    let private = |path: &std::path::Path, r: std::io::Result<()>| {
        r.map_err(|source| DaemonError::Private {
            path: path.to_path_buf(),
            source,
        })
    };
    let group = match &opts.socket_group {
        Some(g) => Some(files::group_id(g).ok_or_else(|| DaemonError::NoGroup(g.clone()))?),
        None => None,
    };
    private(&opts.data, files::private_dir(&opts.data))?;
    let store_existed = opts.data.join(crate::store::FILE_NAME).exists();
    let mut store = RedbStore::open(&opts.data)?;
    private(store.path(), files::private_file(store.path()))?;
    let persisted = store.load()?;
    let last_stop = net::about::previous_stop(&opts.data, store_existed, &loaded.model.clock);
    net::about::started(
        &opts.config,
        &opts.data,
        store.path(),
        last_stop,
        actor::wall_clock(),
    );
    tracing::info!(sessions = persisted.sessions.len(), store = %store.path().display(), "store opened");
    let running = Running {
        tree: loaded.tree,
        model: Arc::new(loaded.model),
        startup: file_exists.then_some(text),
    };
    let root = match &opts.tftp_root {
        Some(r) => {
            Some(
                net::provision::canonical_root(r).map_err(|source| DaemonError::TftpRoot {
                    path: r.clone(),
                    source,
                })?,
            )
        }
        None => None,
    };
    let stats = Arc::new(ProvisionStats::default());
    let mut engine = Engine::new(grammar.clone(), running);
    // Sessions and SIP bindings are recovered before any listener opens; those whose phone
    // or profile is gone (or, for a binding, that expired meanwhile) are dropped from the
    // store too.
    let persisted_sessions = persisted.sessions.len();
    let started = crate::time::Now {
        unix: crate::time::Unix(actor::wall_clock()),
        mono: crate::time::Mono::default(),
        millis: 0,
    };
    let persisted_bindings = persisted.bindings.len();
    let dropped = engine.recover(persisted, started);
    if !dropped.is_empty() {
        store.commit(&dropped)?;
    }
    let dropped_bindings = dropped
        .iter()
        .filter(|c| matches!(c, crate::store::Change::DropBinding { .. }))
        .count();
    let dropped_sessions = dropped.len() - dropped_bindings;
    tracing::info!(
        sessions = persisted_sessions - dropped_sessions,
        dropped = dropped_sessions,
        "EM sessions recovered"
    );
    tracing::info!(
        bindings = persisted_bindings - dropped_bindings,
        dropped = dropped_bindings,
        "SIP bindings recovered"
    );
    let overrides = Overrides {
        bind: opts.bind,
        sccp_port: opts.sccp_port,
        sip_port: opts.sip_port,
        http_port: opts.http_port,
    };
    // Nonces from an earlier run are refused as not ours: a fresh secret every start.
    engine.set_nonce_secret(random_secret());
    let model = engine.running().model.clone();
    let (sip, sip_core, sip_tcp) = bind_sip(&opts, &model, &overrides, debug.clone())?;
    // Regression: after a restart a phone's INVITE was taken for a stranger's until its
    // next REGISTER; the recovered bindings say where each phone registered from.
    for (device, d) in engine.view(started).devices.iter() {
        if let Some(b) = d.sip() {
            sip.recovered(*device, b.flow.peer);
        }
    }
    let (sip_out, sip_calls, sip_mwi) = (sip.clone(), sip.clone(), sip.clone());
    let outlets = Outlets {
        clear_history: Box::new(|ip, user, secret| {
            // Clearing call history never holds the logout up: its own task, best effort.
            tokio::spawn(net::phone_push::clear_history(ip, user, secret));
        }),
        sip_restart: Box::new(move |r| sip_out.restart(r)),
        sip_leg: Box::new(move |c| sip_calls.leg(c)),
        sip_mwi: Box::new(move |m| sip_mwi.mwi(m)),
        provision: Some(Box::new(net::stats::Shown {
            stats: stats.clone(),
            root: root.clone(),
        })),
        debug: debug.clone(),
    };
    // Commits are timed around the store, in the actor's layer, for /metrics.
    let commit_latency = Arc::new(actor::timed_store::Latency::default());
    let store = actor::timed_store::TimedStore::new(Box::new(store), commit_latency.clone());
    let engine = actor::spawn(engine, opts.config.clone(), Box::new(store), outlets);
    let provision = Arc::new(Provision::new(
        engine.subscribe(),
        overrides.clone(),
        root,
        stats.clone(),
        debug.clone(),
    ));
    let model = engine.snapshot().model;
    // IOS messages follow the configuration's `logging …`, zone and hostname.
    net::syslog::configure(&model.logging, model.clock.clone(), &model.hostname);
    let mut snapshots = engine.subscribe();
    tokio::spawn(async move {
        while snapshots.changed().await.is_ok() {
            let m = snapshots.borrow_and_update().model.clone();
            net::syslog::configure(&m.logging, m.clock.clone(), &m.hostname);
        }
    });
    open_provisioning(&opts, &model, &overrides, provision).await?;
    open_sccp(&opts, &model, &overrides, engine.clone(), debug.clone()).await?;
    tokio::spawn(net::sip::run_core(sip.clone(), sip_core, engine.clone()));
    tokio::spawn(net::sip::serve_udp(sip.clone()));
    tokio::spawn(net::sip::serve_tcp(sip_tcp, sip.clone(), engine.clone()));
    let pages = Arc::new(net::http_em::Admission::default());
    let metrics = Arc::new(net::metrics::Sources {
        engine: engine.clone(),
        provision: stats.clone(),
        sip: sip.clone(),
        store: commit_latency,
        pages: pages.clone(),
    });
    let services = (engine.clone(), pages, net::metrics::router(metrics));
    open_services(&opts, &model, &overrides, services, debug).await?;
    open_ssh(&opts, &model, engine.clone(), grammar.clone())?;
    // The control socket comes last, so a start that fails leaves no socket behind.
    let listener = control::bind(&opts.data)
        .await
        .map_err(|source| DaemonError::Control {
            path: control::socket_path(&opts.data),
            source,
        })?;
    let socket = control::socket_path(&opts.data);
    files::socket(&socket, group).map_err(|source| DaemonError::Control {
        path: socket.clone(),
        source,
    })?;
    tokio::spawn(control::serve(listener, engine.clone(), grammar.clone()));
    let stop = shutdown_signal();
    tracing::info!(socket = %control::socket_path(&opts.data).display(), "control socket ready");
    net::about::listening("Control socket", control::socket_path(&opts.data).display());
    net::about::started_up(&opts.data);
    tracing::info!(
        ios = "SYS-5-RESTART",
        "System restarted -- cmed {}",
        env!("CARGO_PKG_VERSION")
    );
    // Ready only now: the store is recovered, the startup-config loaded, every listener bound.
    notify::notify(
        opts.notify.as_ref(),
        &format!("READY=1\nSTATUS=Serving phones; startup-config {name}"),
    );
    if !opts.no_console && std::io::stdin().is_terminal() {
        let (e, g) = (engine.clone(), grammar.clone());
        std::thread::Builder::new()
            .name("console".into())
            .spawn(move || console::run(e, g))
            .map_err(DaemonError::Console)?;
    }
    stop.await;
    tracing::info!("shutting down");
    notify::notify(
        opts.notify.as_ref(),
        "STOPPING=1\nSTATUS=Ending calls and writing pending state",
    );
    // The calls end cleanly (BYE, CANCEL or 480 to the SIP side, on-hook to the SCCP
    // phones), and the SIP bindings and message waiting of the last second are written, so
    // a clean stop loses none. Then a bounded moment for what was handed to the
    // connections to leave: the SIP core says when it has sent its share.
    let _ = engine.flush().await;
    sip.drain(std::time::Duration::from_secs(1)).await;
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let _ = std::fs::remove_file(control::socket_path(&opts.data));
    net::about::mark_clean_stop(&opts.data, actor::wall_clock());
    Ok(())
}

/// The address our listeners bind: `--bind`, else the configured source address (phones are
/// told that address, so listening there is enough), else every address.
fn listen_ip(opts: &Options, model: &crate::config::model::Model) -> IpAddr {
    opts.bind
        .or(model.telephony.source.map(|(a, _)| IpAddr::V4(a)))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// Opens TFTP and HTTP provisioning; a port that cannot be bound stops the start with the flag
/// to change.
async fn open_provisioning(
    opts: &Options,
    model: &crate::config::model::Model,
    overrides: &Overrides,
    provision: Arc<Provision>,
) -> Result<(), DaemonError> {
    let ip = listen_ip(opts, model);
    let site = Site::of(model, overrides);
    if model.telephony.source.is_none() && opts.bind.is_none_or(|b| b.is_unspecified()) {
        tracing::warn!(address = %site.address, "no `ip source-address` in telephony-service and no --bind: phone files name {}", site.address);
    }
    let tftp_addr = SocketAddr::new(ip, opts.tftp_port.unwrap_or(69));
    let udp = net::bind_udp(tftp_addr).map_err(|source| DaemonError::Listen {
        what: "TFTP",
        addr: tftp_addr,
        flag: "--tftp-port",
        source,
    })?;
    let tftp_at = udp.local_addr().unwrap_or(tftp_addr);
    let _ = provision.stats.tftp_at.set(tftp_at.to_string());
    tracing::info!(addr = %tftp_at, "TFTP server listening");
    net::about::listening("TFTP", tftp_at);
    tokio::spawn(net::tftp::serve(udp, provision.clone(), Limits::default()));
    if opts.http_prov_port != 0 {
        let addr = SocketAddr::new(ip, opts.http_prov_port);
        let (tcp, at) = listen_tcp(addr, "HTTP provisioning", "--http-prov-port")?;
        let _ = provision.stats.http_at.set(at.to_string());
        tokio::spawn(net::http_prov::serve(tcp, provision));
    }
    Ok(())
}

/// Connections the kernel may queue before we accept them. A building's phones come back
/// together after a power cut; with tokio's default of 128 the overflow waits for TCP's SYN
/// retries (1, 3, 7 s …), which the SCCP benchmark showed as most of a storm's time.
const BACKLOG: u32 = 4096;

/// Binds a TCP listener; the error names the flag that changes its port.
fn listen_tcp(
    addr: SocketAddr,
    what: &'static str,
    flag: &'static str,
) -> Result<(tokio::net::TcpListener, SocketAddr), DaemonError> {
    let bind = || {
        let socket = match addr {
            SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
            SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        socket.listen(BACKLOG)
    };
    let tcp = bind().map_err(|source| DaemonError::Listen {
        what,
        addr,
        flag,
        source,
    })?;
    let at = tcp.local_addr().unwrap_or(addr);
    tracing::info!(addr = %at, "{what} listening");
    net::about::listening(what, at);
    Ok((tcp, at))
}

/// 32 random bytes for the registrar's nonces, from the kernel.
fn random_secret() -> [u8; 32] {
    let mut secret = [0u8; 32];
    if let Err(e) = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut secret))
    {
        // Still unpredictable enough to refuse forged nonces across restarts; logged.
        tracing::warn!(error = %e, "no /dev/urandom: SIP nonces signed with a time-derived secret");
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        secret[..16].copy_from_slice(&t.to_le_bytes());
    }
    secret
}

/// Binds SIP on `voice register global` `source-address A port P` (or `--bind`,
/// `--sip-port`): UDP, then TCP on the same port (`--sip-port 0` lets the OS choose it for
/// UDP and TCP follows).
fn bind_sip(
    opts: &Options,
    model: &crate::config::model::Model,
    overrides: &Overrides,
    debug: Arc<crate::debug::Flags>,
) -> Result<
    (
        Arc<net::sip::Sip>,
        net::sip::CoreQueue,
        tokio::net::TcpListener,
    ),
    DaemonError,
> {
    let ip = opts
        .bind
        .or(model.register.source.map(|(a, _)| IpAddr::V4(a)))
        .unwrap_or_else(|| listen_ip(opts, model));
    let site = Site::of(model, overrides);
    let addr = SocketAddr::new(ip, site.sip_port);
    let udp = net::bind_udp(addr).map_err(|source| DaemonError::Listen {
        what: "SIP (UDP)",
        addr,
        flag: "--sip-port",
        source,
    })?;
    let at = udp.local_addr().unwrap_or(addr);
    let (tcp, _) = listen_tcp(at, "SIP (TCP)", "--sip-port")?;
    tracing::info!(addr = %at, "SIP listening (UDP and TCP)");
    net::about::listening("SIP (UDP)", at);
    let local = if at.ip().is_unspecified() {
        SocketAddr::new(site.address, at.port())
    } else {
        at
    };
    let salt = u64::from_le_bytes(random_secret()[..8].try_into().expect("8 of 32 bytes"));
    let (sip, core) = net::sip::Sip::new(udp, local, debug, salt, opts.sip_max_transactions);
    Ok((sip, core, tcp))
}

/// Opens the SCCP listener on the configured `ip source-address … port` (or the flags).
async fn open_sccp(
    opts: &Options,
    model: &crate::config::model::Model,
    overrides: &Overrides,
    engine: actor::EngineHandle,
    debug: Arc<crate::debug::Flags>,
) -> Result<(), DaemonError> {
    let addr = SocketAddr::new(listen_ip(opts, model), Site::of(model, overrides).sccp_port);
    let (tcp, _) = listen_tcp(addr, "SCCP", "--sccp-port")?;
    tokio::spawn(net::sccp::serve(tcp, engine, debug));
    Ok(())
}

/// The phone service pages' engine, their admission counter and the routes served beside
/// them (`/metrics`).
type ServicePages = (
    actor::EngineHandle,
    Arc<net::http_em::Admission>,
    axum::Router,
);

/// Opens the phone service pages (Extension Mobility) and `/metrics` on `ip http port` when
/// `ip http server` is configured or `--http-port` is given.
async fn open_services(
    opts: &Options,
    model: &crate::config::model::Model,
    overrides: &Overrides,
    (engine, pages, extra): ServicePages,
    debug: Arc<crate::debug::Flags>,
) -> Result<(), DaemonError> {
    if !model.http_server && opts.http_port.is_none() {
        tracing::warn!("no `ip http server`: the Extension Mobility pages are not served");
        return Ok(());
    }
    let addr = SocketAddr::new(listen_ip(opts, model), Site::of(model, overrides).http_port);
    let (tcp, _) = listen_tcp(addr, "phone services (HTTP)", "--http-port")?;
    tokio::spawn(net::http_em::serve(
        tcp,
        engine,
        overrides.clone(),
        debug,
        pages,
        extra,
    ));
    Ok(())
}

/// Opens the SSH server of the vty lines on `--ssh-port`, else `ip ssh port`, else port 22
/// when a `line vty` is configured. A port given that cannot be bound stops the start; the
/// default 22 only warns (it needs privileges a test or a first try may not have).
fn open_ssh(
    opts: &Options,
    model: &crate::config::model::Model,
    engine: actor::EngineHandle,
    grammar: Arc<crate::grammar::graph::Grammar>,
) -> Result<(), DaemonError> {
    let chosen = opts.ssh_port.or(model.access.ssh.port);
    let Some(port) = chosen.or((!model.access.vty.is_empty()).then_some(22)) else {
        tracing::info!("no `line vty` and no --ssh-port: SSH is not served");
        return Ok(());
    };
    let addr = SocketAddr::new(listen_ip(opts, model), port);
    let tcp = match listen_tcp(addr, "SSH", "--ssh-port") {
        Ok((tcp, _)) => tcp,
        Err(e) if chosen.is_none() => {
            tracing::warn!(error = %e, "SSH is not served: port 22 needs privileges (use --ssh-port or `ip ssh port`)");
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    let key = net::ssh::load_or_create(&opts.data).map_err(|source| DaemonError::Control {
        path: opts.data.join(net::ssh::KEY_FILE),
        source,
    })?;
    tracing::info!(%addr, "SSH ready");
    net::about::listening("SSH", addr);
    tokio::spawn(net::ssh::serve(
        tcp,
        key,
        opts.data.clone(),
        engine,
        grammar,
    ));
    Ok(())
}

/// SIGINT or SIGTERM. The handlers are installed when this is called, not when it is first
/// awaited: a service manager may send SIGTERM as soon as it hears READY=1.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let int = signal(SignalKind::interrupt());
    async move {
        let (Ok(mut term), Ok(mut int)) = (term, int) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
}
