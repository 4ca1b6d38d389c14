//! The SSH server of the vty lines (russh): SSH 2 only, password and public-key logins
//! decided by `cli::login` from the configuration, then shell sessions (`shell`) and
//! one-command `exec` requests running the same command sessions as the console.
//!
//! A connection from a source no vty line takes (`transport input`, `access-class`, no
//! `login`) is closed at once; logins are logged as IOS logs them
//! (`%SEC_LOGIN-5-LOGIN_SUCCESS`, `%SEC_LOGIN-4-LOGIN_FAILED`) and counted by the `login
//! block-for` guard, whose quiet mode refuses every login while it lasts. The host key is
//! kept in the data directory (`keys`). Password checks of scrypt secrets run on the
//! blocking pool, never on the runtime's threads.

mod keys;
mod shell;

pub use keys::{FILE as KEY_FILE, describe, load_or_create};

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use russh::server::{Auth, Msg, Session};
use russh::{Channel, ChannelId, MethodKind, MethodSet};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::actor::EngineHandle;
use crate::cli::login::{self, Failure, Guard, Refused};
use crate::grammar::graph::Grammar;

/// Connections open at once, authenticated or not (each costs a task and its buffers).
const MAX_CONNECTIONS: usize = 32;

/// What every connection shares.
struct Shared {
    engine: EngineHandle,
    grammar: Arc<Grammar>,
    /// The server's settings with its host key; `crypto key generate` swaps them.
    config: Mutex<Arc<russh::server::Config>>,
    guard: Mutex<Guard>,
    port: u16,
    open: std::sync::atomic::AtomicUsize,
    /// Where the host key is kept.
    data: std::path::PathBuf,
}

/// The running server, for `crypto key generate` (one per daemon).
static SERVER: std::sync::OnceLock<Arc<Shared>> = std::sync::OnceLock::new();

impl Shared {
    /// Serves `key` from now on, and tells `show ip ssh`.
    fn use_key(&self, key: russh::keys::PrivateKey) {
        let (public, fingerprint) = describe(&key);
        // What russh offers, named as it negotiates them (its extension markers left out).
        let names = |list: &mut dyn Iterator<Item = &str>| {
            list.filter(|n| !n.starts_with("ext-info") && !n.starts_with("kex-strict"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let p = russh::Preferred::DEFAULT;
        crate::net::about::ssh_listening(crate::cli::shows::SshAbout {
            port: self.port,
            public,
            fingerprint,
            kex: names(&mut p.kex.iter().map(AsRef::as_ref)),
            ciphers: names(&mut p.cipher.iter().map(AsRef::as_ref)),
            macs: names(&mut p.mac.iter().map(AsRef::as_ref)),
        });
        let ssh = self.engine.snapshot().model.access.ssh.clone();
        *self.config.lock().unwrap_or_else(PoisonError::into_inner) = Arc::new(config(key, &ssh));
    }
}

/// `crypto key generate KIND BITS`: makes the key on a thread of its own (an RSA key takes
/// a while; the engine's turn must not wait for it), writes it, and serves it to the
/// connections that come after. IOS's answer; `None` when SSH is not served.
pub fn generate(kind: &str, bits: u32) -> Option<String> {
    use russh::keys::{Algorithm, EcdsaCurve};
    let shared = SERVER.get()?.clone();
    let (algorithm, text) = match kind {
        "ec" => (
            Algorithm::Ecdsa {
                curve: if bits == 384 {
                    EcdsaCurve::NistP384
                } else {
                    EcdsaCurve::NistP256
                },
            },
            format!("% Generating {bits} bit EC keys ...\n"),
        ),
        "ed25519" => (
            Algorithm::Ed25519,
            "% Generating an Ed25519 key ...\n".to_string(),
        ),
        _ => (
            Algorithm::Rsa { hash: None },
            format!(
                "% The key modulus size is {bits} bits\n% Generating {bits} bit RSA keys, keys will be non-exportable...\n"
            ),
        ),
    };
    std::thread::spawn(move || {
        let started = std::time::Instant::now();
        match keys::generate(algorithm, bits as usize).and_then(|k| {
            keys::write(&shared.data, &k)?;
            Ok(k)
        }) {
            Ok(key) => {
                shared.use_key(key);
                tracing::info!(
                    ios = "SSH-5-ENABLED",
                    "SSH 2.0 has been enabled with a new host key (made in {} ms)",
                    started.elapsed().as_millis()
                );
            }
            Err(e) => tracing::warn!(error = %e, "crypto key generate: no new key"),
        }
    });
    Some(format!(
        "{text}[OK] (the key is made in the background; new connections get it once `show ip ssh` shows it)\n"
    ))
}

/// The server's settings for `key`, from the configuration's `ip ssh`.
fn config(
    key: russh::keys::PrivateKey,
    ssh: &crate::config::access::SshSettings,
) -> russh::server::Config {
    russh::server::Config {
        // IOS's identification string, which scripts look for.
        server_id: russh::SshId::Standard("SSH-2.0-Cisco-1.25".into()),
        methods: MethodSet::from(&[MethodKind::Password, MethodKind::PublicKey][..]),
        auth_rejection_time: Duration::from_millis(500),
        auth_rejection_time_initial: Some(Duration::ZERO),
        max_auth_attempts: usize::from(ssh.retries) + 1,
        keys: vec![key],
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(60)),
        nodelay: true,
        ..Default::default()
    }
}

/// Serves SSH on `listener` until it fails, with the host key `key` of the data directory
/// `data`.
pub async fn serve(
    listener: TcpListener,
    key: russh::keys::PrivateKey,
    data: std::path::PathBuf,
    engine: EngineHandle,
    grammar: Arc<Grammar>,
) {
    let model = engine.snapshot().model;
    let port = listener.local_addr().map_or(0, |a| a.port());
    let shared = Arc::new(Shared {
        engine,
        grammar,
        config: Mutex::new(Arc::new(config(key.clone(), &model.access.ssh))),
        guard: Mutex::new(Guard::default()),
        port,
        open: Default::default(),
        data,
    });
    shared.use_key(key);
    let _ = SERVER.set(shared.clone());
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            return;
        };
        let model = shared.engine.snapshot().model;
        // IOS refuses the connection when no vty line would take it.
        if login::lines_for(&model.access, peer.ip()).is_none() {
            tracing::debug!(%peer, "SSH connection refused: no vty line takes it");
            continue;
        }
        use std::sync::atomic::Ordering::Relaxed;
        if shared.open.fetch_add(1, Relaxed) >= MAX_CONNECTIONS {
            shared.open.fetch_sub(1, Relaxed);
            tracing::warn!(%peer, "SSH connection refused: {MAX_CONNECTIONS} already open");
            continue;
        }
        let _ = stream.set_nodelay(true);
        let authenticated = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let conn = Conn {
            shared: shared.clone(),
            peer,
            user: None,
            authenticated: authenticated.clone(),
            shells: HashMap::new(),
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let timeout = Duration::from_secs(u64::from(model.access.ssh.timeout));
            let config = shared
                .config
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            match russh::server::run_stream(config, stream, conn).await {
                Ok(session) => {
                    // `ip ssh time-out` bounds the time to authenticate; after that the
                    // session lasts as long as its shells do.
                    let handle = session.handle();
                    let watch = tokio::spawn(async move {
                        tokio::time::sleep(timeout).await;
                        if !authenticated.load(Relaxed) {
                            let _ = handle
                                .disconnect(
                                    russh::Disconnect::ByApplication,
                                    "Authentication timed out".into(),
                                    "en".into(),
                                )
                                .await;
                        }
                    });
                    let _ = session.await;
                    watch.abort();
                }
                Err(e) => tracing::debug!(%peer, error = %e, "SSH connection ended"),
            }
            shared.open.fetch_sub(1, Relaxed);
        });
    }
}

/// One connection: who logged in, and the input queue of each shell channel.
struct Conn {
    shared: Arc<Shared>,
    peer: SocketAddr,
    user: Option<(String, u8)>,
    /// Set at the login, for the `ip ssh time-out` watch.
    authenticated: Arc<std::sync::atomic::AtomicBool>,
    shells: HashMap<ChannelId, mpsc::Sender<Vec<u8>>>,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Conn {
    fn at(&self, now: u64) -> String {
        crate::civil::ios(&self.shared.engine.snapshot().model.clock, now)
    }

    /// Logs the outcome, counts a failure, and answers the client.
    fn outcome(&mut self, user: &str, result: Result<u8, Refused>) -> Auth {
        let now = unix_now();
        let (ip, port) = (self.peer.ip(), self.shared.port);
        match result {
            Ok(level) => {
                tracing::info!(
                    ios = "SEC_LOGIN-5-LOGIN_SUCCESS",
                    "Login Success [user: {user}] [Source: {ip}] [localport: {port}] at {}",
                    self.at(now)
                );
                self.user = Some((user.to_string(), level));
                self.authenticated
                    .store(true, std::sync::atomic::Ordering::Relaxed);
                Auth::Accept
            }
            Err(why) => {
                tracing::warn!(
                    ios = "SEC_LOGIN-4-LOGIN_FAILED",
                    "Login failed [user: {user}] [Source: {ip}] [localport: {port}] [Reason: {}] at {}",
                    why.reason(),
                    self.at(now)
                );
                if why != Refused::QuietMode {
                    let policy = self.shared.engine.snapshot().model.access.block_for;
                    let failure = self
                        .shared
                        .guard
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .failed(policy, now);
                    if let Failure::QuietMode(secs) = failure {
                        tracing::error!(
                            ios = "SEC_LOGIN-1-QUIET_MODE_ON",
                            "Still timeleft for watching failures is {secs} secs, [user: {user}] [Source: {ip}] [localport: {port}] [Reason: {}] [ACL: sl_def_acl] at {}",
                            why.reason(),
                            self.at(now)
                        );
                    }
                }
                Auth::reject()
            }
        }
    }

    /// Quiet mode refuses every login while it lasts (`login block-for`).
    fn quiet(&self) -> bool {
        let now = unix_now();
        let mut guard = self
            .shared
            .guard
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if guard.ended(now) {
            tracing::info!(
                ios = "SEC_LOGIN-5-QUIET_MODE_OFF",
                "Quiet Mode is OFF, because block period timed out at {}",
                self.at(now)
            );
        }
        guard.quiet(now).is_some()
    }
}

impl russh::server::Handler for Conn {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        if self.quiet() {
            return Ok(self.outcome(user, Err(Refused::QuietMode)));
        }
        let model = self.shared.engine.snapshot().model;
        let ip = self.peer.ip();
        let (u, pw) = (user.to_string(), password.to_string());
        let result = tokio::task::spawn_blocking(move || {
            let line = login::lines_for(&model.access, ip).ok_or(Refused::NoLogin)?;
            login::check_password(&model.access, line, &u, &pw)
        })
        .await
        .unwrap_or(Err(Refused::Authentication));
        Ok(self.outcome(user, result))
    }

    async fn auth_publickey(
        &mut self,
        user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        if self.quiet() {
            return Ok(self.outcome(user, Err(Refused::QuietMode)));
        }
        let model = self.shared.engine.snapshot().model;
        let result = login::check_key(&model.access, user, &keys::md5_hex(key.public_key));
        Ok(self.outcome(user, result))
    }

    async fn channel_open_session(
        &mut self,
        _channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _cols: u32,
        _rows: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The session's length and width are the vty line's, as on IOS.
        session.channel_success(channel)?;
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(shell) = self.accept(channel, session)? else {
            return Ok(());
        };
        let (tx, rx) = mpsc::channel(64);
        self.shells.insert(channel, tx);
        tokio::spawn(shell.run(rx));
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(shell) = self.accept(channel, session)? else {
            return Ok(());
        };
        let command = String::from_utf8_lossy(data).trim().to_string();
        tokio::spawn(shell.exec(command));
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(tx) = self.shells.get(&channel)
            && tx.send(data.to_vec()).await.is_err()
        {
            self.shells.remove(&channel);
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.shells.remove(&channel);
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.shells.remove(&channel);
        Ok(())
    }
}

impl Conn {
    /// Answers a shell or exec request: the logged-in user's command session, or a failure
    /// when nobody has logged in on this connection.
    fn accept(
        &self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<Option<shell::Shell>, russh::Error> {
        let Some((user, level)) = self.user.clone() else {
            session.channel_failure(channel)?;
            return Ok(None);
        };
        session.channel_success(channel)?;
        Ok(Some(shell::Shell {
            engine: self.shared.engine.clone(),
            grammar: self.shared.grammar.clone(),
            handle: session.handle(),
            channel,
            user,
            level,
            peer: self.peer.ip(),
        }))
    }
}
