//! `cmed-crash-load`: the load and the check of `scripts/crash-loop.sh`, which kills cmed
//! with SIGKILL in the middle of it and restarts it on the same data directory.
//!
//! - `cmed-crash-load load --http A:P --sip A:P --config FILE --round R --acked FILE`
//!   runs three loads at once against a daemon running a `cmed-gen-config --pools …`
//!   startup-config, each at its own rate, and appends every request the daemon
//!   acknowledged to FILE as soon as its answer arrives (one `write` a line, so a line in
//!   the file is an answer that came; nothing is buffered in the process):
//!   - Extension Mobility logins over the phone service pages (as `cmed-em-storm`): every EM
//!     ephone once, each with a different user, so no login of the round can move another
//!     one (`em multiple-login auto-logout` only moves a user's login of an earlier round);
//!     acknowledged = "Login Successful": `em MS DEVICE USER`;
//!   - SIP registrations (digest, as `cmed-sip-phone`) of `--pools-per-round` pools, a
//!     different window of pools each round; acknowledged = 200: `reg MS TAG on`. Once
//!     every pool has had its turn the windows start again, unregistering (Expires: 0,
//!     `reg MS TAG off`) on odd passes, so every round changes what the store holds;
//!   - message-summary NOTIFYs from 127.0.0.1 (the voicemail dial-peer's target) for
//!     `--mwi-per-round` ephone-dn numbers, windows as for the pools (`Messages-Waiting:
//!     yes`, then `no` on odd passes); acknowledged = 200: `mwi MS NUMBER yes|no`.
//!
//!   MS is the wall clock in milliseconds since the epoch when the answer was read. With
//!   `--started FILE` it writes the time the load begins to FILE. It stops at `--deadline`
//!   or on SIGTERM/SIGINT, printing what it sent and what was refused to stderr.
//! - `cmed-crash-load check --acked FILE --kill-ms MS --em FILE --pools FILE --mwi FILE`
//!   reads what the restarted daemon shows (`show extension-mobility`, `show voice register
//!   pool N` for each acknowledged pool, `show mwi`, as `cmed cli` prints them) and checks
//!   the acknowledgements against it: every login must be there (logins are committed
//!   before they are answered); a registration or MWI change acknowledged more than
//!   `--margin-ms` (1000) before the kill must be there (they are written behind, at most
//!   a second late), a later one may be missing (counted apart). Prints one line of
//!   `key=value` counts on stdout and the first faults on stderr.
//!
//! Exit status: 0; 1 when the check found a loss (or the load could not run); 2 for a bad
//! command line. Talks only to the addresses given (loopback in the script).

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use clap::{Args, Parser, Subcommand};
use cmed::sim::sip::{SipPhone, Ua, unique};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

#[derive(Parser)]
#[command(
    name = "cmed-crash-load",
    about = "Load and check for the crash loop (scripts/crash-loop.sh)"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one round's load, writing what was acknowledged.
    Load(LoadArgs),
    /// Check what a restarted daemon shows against what was acknowledged.
    Check(CheckArgs),
}

#[derive(Args)]
struct LoadArgs {
    /// The phone services address (`ip http port`).
    #[arg(long)]
    http: SocketAddr,
    /// The SIP address (UDP).
    #[arg(long)]
    sip: SocketAddr,
    /// The startup-config the daemon runs (from cmed-gen-config).
    #[arg(long)]
    config: PathBuf,
    /// The round (0, 1, …): picks the users, pools and numbers.
    #[arg(long)]
    round: usize,
    /// Appends `em|reg|mwi MS …` here for each acknowledged request.
    #[arg(long)]
    acked: PathBuf,
    /// EM logins per second (open loop); 0: none.
    #[arg(long, default_value_t = 1000)]
    em_rate: u32,
    /// Concurrent HTTP connections (keep-alive).
    #[arg(long, default_value_t = 32)]
    em_connections: usize,
    /// SIP pools registered (or unregistered) per round.
    #[arg(long, default_value_t = 200)]
    pools_per_round: usize,
    /// REGISTER transactions started per second.
    #[arg(long, default_value_t = 80)]
    reg_rate: u32,
    /// MWI NOTIFYs per round.
    #[arg(long, default_value_t = 50)]
    mwi_per_round: usize,
    /// NOTIFYs per second.
    #[arg(long, default_value_t = 20)]
    mwi_rate: u32,
    /// Take only the first N ephone-dn numbers for the NOTIFYs (0: all), so the windows
    /// come round again sooner and odd passes clear what even ones set.
    #[arg(long, default_value_t = 0)]
    mwi_numbers: usize,
    /// Stop after this many seconds.
    #[arg(long, default_value_t = 20)]
    deadline: u64,
    /// Written (the time, ms since the epoch) when the config is read and the load
    /// begins, so the script can time its kill from there.
    #[arg(long)]
    started: Option<PathBuf>,
}

#[derive(Args)]
struct CheckArgs {
    /// What the load acknowledged.
    #[arg(long)]
    acked: PathBuf,
    /// When the daemon was killed, ms since the epoch.
    #[arg(long)]
    kill_ms: u64,
    /// `show extension-mobility` of the restarted daemon.
    #[arg(long)]
    em: PathBuf,
    /// `show voice register pool N` for the acknowledged pools.
    #[arg(long)]
    pools: PathBuf,
    /// `show mwi`.
    #[arg(long)]
    mwi: PathBuf,
    /// Written-behind state acknowledged more than this before the kill must be there.
    #[arg(long, default_value_t = 1000)]
    margin_ms: u64,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A SIP pool as the generated config has it.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pool {
    tag: u32,
    mac: String,
    user: String,
    password: String,
}

/// What the load needs from the startup-config.
#[derive(Debug, Default)]
struct Plan {
    /// EM ephones' device names, in config order.
    em_phones: Vec<String>,
    /// `user … password 0 …` of the user profiles.
    users: Vec<(String, String)>,
    pools: Vec<Pool>,
    /// ephone-dn numbers.
    numbers: Vec<String>,
}

fn parse_config(text: &str) -> Plan {
    enum Block {
        Other,
        Ephone(Option<String>),
        Dn,
        Pool(u32, Option<String>, Option<(String, String)>),
    }
    let mut plan = Plan::default();
    let mut block = Block::Other;
    let end = |block: &mut Block, plan: &mut Plan| {
        if let Block::Pool(tag, Some(mac), Some((user, password))) =
            std::mem::replace(block, Block::Other)
        {
            plan.pools.push(Pool {
                tag,
                mac,
                user,
                password,
            });
        }
    };
    for raw in text.lines() {
        let indented = raw.starts_with(' ');
        let line = raw.trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        if !indented {
            end(&mut block, &mut plan);
            block = match words.as_slice() {
                ["ephone", _] => Block::Ephone(None),
                ["ephone-dn", _, ..] => Block::Dn,
                ["voice", "register", "pool", t] => Block::Pool(t.parse().unwrap_or(0), None, None),
                _ => Block::Other,
            };
            continue;
        }
        match (&mut block, words.as_slice()) {
            (Block::Ephone(mac), ["mac-address", m]) => {
                *mac = Some(m.replace('.', "").to_ascii_uppercase());
            }
            (Block::Ephone(mac), ["logout-profile", _]) => {
                if let Some(m) = mac.take() {
                    plan.em_phones.push(format!("SEP{m}"));
                }
            }
            (Block::Dn, ["number", n, ..]) => plan.numbers.push(n.to_string()),
            (Block::Pool(_, mac, _), ["id", "mac", m]) => {
                *mac = Some(m.replace('.', "").to_ascii_uppercase());
            }
            (Block::Pool(_, _, cred), ["username", u, "password", p]) => {
                *cred = Some((u.to_string(), p.to_string()));
            }
            (Block::Other, ["user", u, "password", "0", p]) => {
                plan.users.push((u.to_string(), p.to_string()));
            }
            _ => {}
        }
    }
    end(&mut block, &mut plan);
    plan
}

/// Request `j` of round `round`, `per` a round over `n` items: the item's index and
/// whether this pass sets (even passes) or clears (odd passes) it.
fn window(round: usize, per: usize, j: usize, n: usize) -> (usize, bool) {
    let k = round * per + j;
    (k % n, (k / n).is_multiple_of(2))
}

/// Login `i` of round `round` over `phones` EM phones and `users` users: the phone's and
/// the user's indices. Within a round both are distinct for `i < min(phones, users)`.
fn em_pair(round: usize, i: usize, phones: usize, users: usize) -> (usize, usize) {
    let n = phones.min(users);
    ((i + round * 7) % phones, (round * n + i) % users)
}

/// Appends acknowledgements, a whole line a `write`, straight to the file.
#[derive(Clone)]
struct Acked(Arc<Mutex<std::fs::File>>);

impl Acked {
    fn open(path: &Path) -> std::io::Result<Acked> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(Acked(Arc::new(Mutex::new(f))))
    }

    fn line(&self, what: std::fmt::Arguments<'_>) {
        let line = format!("{} {what}\n", now_ms());
        let mut f = self.0.lock().expect("acked file lock");
        if let Err(e) = f.write_all(line.as_bytes()) {
            eprintln!("cmed-crash-load: writing the acknowledgements: {e}");
        }
    }
}

/// Counters printed when the load ends.
#[derive(Default)]
struct Counts {
    em_sent: AtomicUsize,
    em_ok: AtomicUsize,
    em_refused: AtomicUsize,
    em_error: AtomicUsize,
    reg_sent: AtomicUsize,
    reg_ok: AtomicUsize,
    reg_failed: AtomicUsize,
    mwi_sent: AtomicUsize,
    mwi_ok: AtomicUsize,
    mwi_refused: AtomicUsize,
}

/// One keep-alive HTTP/1.1 connection that GETs paths and reads whole answers.
struct Conn {
    server: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    async fn get(&mut self, path: &str) -> std::io::Result<String> {
        let r = self.try_get(path).await;
        if r.is_err() {
            self.stream = None;
        }
        r
    }

    async fn try_get(&mut self, path: &str) -> std::io::Result<String> {
        if self.stream.is_none() {
            let s = TcpStream::connect(self.server).await?;
            s.set_nodelay(true)?;
            self.stream = Some(s);
        }
        let s = self.stream.as_mut().expect("connected");
        let req = format!("GET {path} HTTP/1.1\r\nHost: cmed\r\n\r\n");
        s.write_all(req.as_bytes()).await?;
        self.buf.clear();
        loop {
            let mut chunk = [0u8; 4096];
            let n = s.read(&mut chunk).await?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            self.buf.extend_from_slice(&chunk[..n]);
            let text = String::from_utf8_lossy(&self.buf);
            if let Some((head, body)) = text.split_once("\r\n\r\n") {
                let len = head
                    .lines()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("content-length")
                            .then(|| v.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                if body.len() >= len {
                    return Ok(body.to_string());
                }
            }
        }
    }
}

fn due(start: Instant, i: usize, rate: u32) -> tokio::time::Instant {
    (start + Duration::from_secs_f64(i as f64 / f64::from(rate.max(1)))).into()
}

async fn em_load(a: Arc<LoadArgs>, plan: Arc<Plan>, acked: Acked, c: Arc<Counts>, start: Instant) {
    let (phones, users) = (plan.em_phones.len(), plan.users.len());
    // `--em-rate 0`: no logins (to look at the other loads alone).
    let count = if a.em_rate == 0 { 0 } else { phones.min(users) };
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..a.em_connections.max(1) {
        let (a, plan, acked, c, next) = (
            a.clone(),
            plan.clone(),
            acked.clone(),
            c.clone(),
            next.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut conn = Conn {
                server: a.http,
                stream: None,
                buf: Vec::new(),
            };
            loop {
                let i = next.fetch_add(1, Relaxed);
                if i >= count {
                    break;
                }
                tokio::time::sleep_until(due(start, i, a.em_rate)).await;
                let (p, u) = em_pair(a.round, i, phones, users);
                let device = &plan.em_phones[p];
                let (user, password) = &plan.users[u];
                let path = format!(
                    "/emapp/EMAppServlet?device={device}&action=login&userid={user}&password={password}"
                );
                c.em_sent.fetch_add(1, Relaxed);
                match conn.get(&path).await {
                    Ok(body) if body.contains("Login Successful") => {
                        acked.line(format_args!("em {device} {user}"));
                        c.em_ok.fetch_add(1, Relaxed);
                    }
                    Ok(body) => {
                        if c.em_refused.fetch_add(1, Relaxed) < 3 {
                            eprintln!(
                                "cmed-crash-load: login {user} on {device} refused: {}",
                                body.replace('\n', " ")
                            );
                        }
                    }
                    Err(_) => {
                        // The daemon was killed: expected, only counted.
                        c.em_error.fetch_add(1, Relaxed);
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

async fn reg_load(a: Arc<LoadArgs>, plan: Arc<Plan>, acked: Acked, c: Arc<Counts>, start: Instant) {
    let n = plan.pools.len();
    if n == 0 {
        return;
    }
    let mut tasks = Vec::new();
    for j in 0..a.pools_per_round {
        tokio::time::sleep_until(due(start, j, a.reg_rate)).await;
        let (idx, on) = window(a.round, a.pools_per_round, j, n);
        let pool = plan.pools[idx].clone();
        let (sip, acked, c) = (a.sip, acked.clone(), c.clone());
        // `Ua::register` is not `Send`: these run on the load's `LocalSet`.
        tasks.push(tokio::task::spawn_local(async move {
            let Some(mut phone) = SipPhone::new(sip, &pool.mac, &pool.user, &pool.password) else {
                eprintln!("cmed-crash-load: pool {}: bad MAC {}", pool.tag, pool.mac);
                return;
            };
            phone.expires = if on { 3600 } else { 0 };
            c.reg_sent.fetch_add(1, Relaxed);
            let r = match Ua::new(phone).await {
                Ok(mut ua) => ua.register(Duration::from_secs(5)).await.map(|_| ()),
                Err(e) => Err(e),
            };
            match r {
                Ok(()) => {
                    let state = if on { "on" } else { "off" };
                    acked.line(format_args!("reg {} {state}", pool.tag));
                    c.reg_ok.fetch_add(1, Relaxed);
                }
                Err(e) => {
                    let msg = e.to_string();
                    if c.reg_failed.fetch_add(1, Relaxed) < 3 && !msg.contains("timed out") {
                        eprintln!("cmed-crash-load: pool {}: {msg}", pool.tag);
                    }
                }
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

/// An unsolicited message-summary NOTIFY for `number` from `local`, as a voicemail server
/// sends it (the form of `tests/support/mwi.rs`).
fn notify(local: SocketAddr, server: SocketAddr, number: &str, on: bool, call_id: &str) -> String {
    let body = if on {
        format!(
            "Messages-Waiting: yes\r\nMessage-Account: sip:{number}@{ip}\r\nVoice-Message: 2/1 (0/0)\r\n",
            ip = server.ip()
        )
    } else {
        format!(
            "Messages-Waiting: no\r\nMessage-Account: sip:{number}@{ip}\r\nVoice-Message: 0/0 (0/0)\r\n",
            ip = server.ip()
        )
    };
    format!(
        "NOTIFY sip:{number}@{server} SIP/2.0\r\n\
Via: SIP/2.0/UDP {local};branch=z9hG4bK-{call_id}\r\n\
From: <sip:8000@{local}>;tag=vm{call_id}\r\n\
To: <sip:{number}@{ip}>\r\n\
Call-ID: {call_id}@{lip}\r\n\
CSeq: 1 NOTIFY\r\n\
Max-Forwards: 70\r\n\
Event: message-summary\r\n\
Subscription-State: active\r\n\
Content-Type: application/simple-message-summary\r\n\
Content-Length: {}\r\n\r\n{body}",
        body.len(),
        ip = server.ip(),
        lip = local.ip(),
    )
}

/// The status code and the Call-ID's local part of a SIP response.
fn response_of(text: &str) -> Option<(u16, String)> {
    let mut lines = text.split("\r\n");
    let status = lines
        .next()?
        .strip_prefix("SIP/2.0 ")?
        .get(..3)?
        .parse()
        .ok()?;
    let call_id = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.eq_ignore_ascii_case("call-id") || k.eq_ignore_ascii_case("i"))
            .then(|| v.trim().split('@').next().unwrap_or("").to_string())
    })?;
    Some((status, call_id))
}

async fn mwi_load(a: Arc<LoadArgs>, plan: Arc<Plan>, acked: Acked, c: Arc<Counts>, start: Instant) {
    let n = match a.mwi_numbers {
        0 => plan.numbers.len(),
        m => m.min(plan.numbers.len()),
    };
    if n == 0 {
        return;
    }
    // From 127.0.0.1: the voicemail dial-peer's target, a trusted source.
    let sock = match UdpSocket::bind("127.0.0.1:0").await {
        Ok(s) => Arc::new(s),
        Err(e) => {
            eprintln!("cmed-crash-load: MWI socket: {e}");
            return;
        }
    };
    let local = sock.local_addr().expect("bound");
    // Call-ID -> (number, on, request, next retransmission, interval).
    type Pending = HashMap<String, (String, bool, Vec<u8>, Instant, Duration)>;
    let pending: Arc<Mutex<Pending>> = Arc::default();
    let reader = {
        let (sock, pending, acked, c) = (sock.clone(), pending.clone(), acked.clone(), c.clone());
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65536];
            loop {
                let Ok(len) = sock.recv(&mut buf).await else {
                    continue; // ICMP port unreachable after the kill
                };
                let text = String::from_utf8_lossy(&buf[..len]);
                let Some((status, call_id)) = response_of(&text) else {
                    continue;
                };
                if status < 200 {
                    continue;
                }
                let Some((number, on, ..)) = pending.lock().expect("lock").remove(&call_id) else {
                    continue; // an answer to a retransmission
                };
                if status == 200 {
                    let state = if on { "yes" } else { "no" };
                    acked.line(format_args!("mwi {number} {state}"));
                    c.mwi_ok.fetch_add(1, Relaxed);
                } else if c.mwi_refused.fetch_add(1, Relaxed) < 3 {
                    eprintln!("cmed-crash-load: NOTIFY for {number}: {status}");
                }
            }
        })
    };
    // Retransmits unanswered NOTIFYs as a non-INVITE client transaction (T1 doubling to T2).
    let resender = {
        let (sock, pending, server) = (sock.clone(), pending.clone(), a.sip);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let now = Instant::now();
                let due: Vec<Vec<u8>> = pending
                    .lock()
                    .expect("lock")
                    .values_mut()
                    .filter(|p| p.3 <= now)
                    .map(|p| {
                        p.4 = (p.4 * 2).min(Duration::from_secs(4));
                        p.3 = now + p.4;
                        p.2.clone()
                    })
                    .collect();
                for bytes in due {
                    let _ = sock.send_to(&bytes, server).await;
                }
            }
        })
    };
    for j in 0..a.mwi_per_round {
        tokio::time::sleep_until(due(start, j, a.mwi_rate)).await;
        let (idx, on) = window(a.round, a.mwi_per_round, j, n);
        let number = plan.numbers[idx].clone();
        let call_id = unique();
        let bytes = notify(local, a.sip, &number, on, &call_id).into_bytes();
        let t1 = Duration::from_millis(500);
        pending.lock().expect("lock").insert(
            call_id,
            (number, on, bytes.clone(), Instant::now() + t1, t1),
        );
        c.mwi_sent.fetch_add(1, Relaxed);
        let _ = sock.send_to(&bytes, a.sip).await;
    }
    // Answers may still come; the deadline or SIGTERM ends the wait.
    let _ = tokio::join!(reader, resender);
}

fn load(a: LoadArgs) -> ExitCode {
    let text = match std::fs::read_to_string(&a.config) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cmed-crash-load: {}: {e}", a.config.display());
            return ExitCode::FAILURE;
        }
    };
    let plan = parse_config(&text);
    if plan.em_phones.is_empty() || plan.users.is_empty() {
        eprintln!("cmed-crash-load: the config has no EM phones or no users");
        return ExitCode::FAILURE;
    }
    let acked = match Acked::open(&a.acked) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("cmed-crash-load: {}: {e}", a.acked.display());
            return ExitCode::FAILURE;
        }
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let counts = Arc::new(Counts::default());
    let deadline = Duration::from_secs(a.deadline.max(1));
    let (a, plan) = (Arc::new(a), Arc::new(plan));
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async {
        let start = Instant::now();
        if let Some(p) = &a.started
            && let Err(e) = std::fs::write(p, format!("{}\n", now_ms()))
        {
            eprintln!("cmed-crash-load: {}: {e}", p.display());
        }
        let all = async {
            tokio::join!(
                em_load(
                    a.clone(),
                    plan.clone(),
                    acked.clone(),
                    counts.clone(),
                    start
                ),
                reg_load(
                    a.clone(),
                    plan.clone(),
                    acked.clone(),
                    counts.clone(),
                    start
                ),
                mwi_load(
                    a.clone(),
                    plan.clone(),
                    acked.clone(),
                    counts.clone(),
                    start
                ),
            )
        };
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = all => {}
            _ = tokio::time::sleep(deadline) => {}
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    });
    let g = |x: &AtomicUsize| x.load(Relaxed);
    let c = &counts;
    eprintln!(
        "load: em {} sent {} ok {} refused {} unanswered; reg {} sent {} ok {} failed; \
         mwi {} sent {} ok {} refused",
        g(&c.em_sent),
        g(&c.em_ok),
        g(&c.em_refused),
        g(&c.em_error),
        g(&c.reg_sent),
        g(&c.reg_ok),
        g(&c.reg_failed),
        g(&c.mwi_sent),
        g(&c.mwi_ok),
        g(&c.mwi_refused),
    );
    // Do not wait for the tasks still blocked on a dead daemon.
    rt.shutdown_background();
    ExitCode::SUCCESS
}

/// What the load acknowledged, the last word per key.
#[derive(Debug, Default, PartialEq, Eq)]
struct Acks {
    /// device -> (user, ms).
    em: BTreeMap<String, (String, u64)>,
    /// pool tag -> (registered, ms).
    reg: BTreeMap<u32, (bool, u64)>,
    /// number -> (waiting, ms).
    mwi: BTreeMap<String, (bool, u64)>,
}

fn parse_acks(text: &str) -> Result<Acks, String> {
    let mut acks = Acks::default();
    for (n, line) in text.lines().enumerate() {
        let w: Vec<&str> = line.split_whitespace().collect();
        let bad = || format!("acknowledgements line {}: {line:?}", n + 1);
        let ms: u64 = w.first().and_then(|m| m.parse().ok()).ok_or_else(bad)?;
        match w.as_slice() {
            [_, "em", device, user] => {
                acks.em.insert(device.to_string(), (user.to_string(), ms));
            }
            [_, "reg", tag, state @ ("on" | "off")] => {
                let tag = tag.parse().map_err(|_| bad())?;
                acks.reg.insert(tag, (*state == "on", ms));
            }
            [_, "mwi", number, state @ ("yes" | "no")] => {
                acks.mwi.insert(number.to_string(), (*state == "yes", ms));
            }
            _ => return Err(bad()),
        }
    }
    Ok(acks)
}

/// `show extension-mobility`: device -> user, columns found from the header line.
fn parse_em(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut cols: Option<(usize, usize)> = None;
    for line in text.lines() {
        if line.starts_with("Device ") && line.contains(" User ") {
            let user = line.find(" User ").map(|i| i + 1);
            let profile = line.find(" Profile ").map(|i| i + 1);
            cols = user.zip(profile);
            continue;
        }
        if line.starts_with("Total users logged in") || line.is_empty() {
            cols = None;
            continue;
        }
        if let Some((u, p)) = cols
            && let (Some(device), Some(user)) = (line.split_whitespace().next(), line.get(u..p))
        {
            out.insert(device.to_string(), user.trim().to_string());
        }
    }
    out
}

/// `show voice register pool N` (several): tag -> registered.
fn parse_pools(text: &str) -> BTreeMap<u32, bool> {
    let mut out = BTreeMap::new();
    let mut tag = None;
    for line in text.lines() {
        if let Some(t) = line.strip_prefix("Pool Tag ") {
            tag = t.trim().parse().ok();
        } else if let Some(state) = line.trim().strip_prefix("State is ")
            && let Some(t) = tag.take()
        {
            out.insert(t, state.trim() == "REGISTERED");
        }
    }
    out
}

/// `show mwi`: the numbers with messages waiting.
fn parse_mwi(text: &str) -> std::collections::BTreeSet<String> {
    let mut out = std::collections::BTreeSet::new();
    let mut listing = false;
    for line in text.lines() {
        if line.starts_with("Number ") && line.contains("New/Old") {
            listing = true;
        } else if listing {
            match line.split_whitespace().next() {
                Some(n) if n.bytes().all(|b| b.is_ascii_digit()) => {
                    out.insert(n.to_string());
                }
                _ => listing = false,
            }
        }
    }
    out
}

/// The outcome of one check.
#[derive(Debug, Default, PartialEq, Eq)]
struct Verdict {
    em_acked: usize,
    em_lost: usize,
    reg_acked: usize,
    /// Acknowledged more than the margin before the kill.
    reg_checked: usize,
    /// Of those, not as acknowledged after the restart.
    reg_lost: usize,
    /// Acknowledged within the margin and not as acknowledged (allowed).
    reg_recent_missing: usize,
    /// How long before the kill the oldest of the missing ones was acknowledged, ms.
    reg_oldest_missing_ms: u64,
    mwi_acked: usize,
    mwi_checked: usize,
    mwi_lost: usize,
    mwi_recent_missing: usize,
    mwi_oldest_missing_ms: u64,
    faults: Vec<String>,
}

fn judge(
    acks: &Acks,
    kill_ms: u64,
    margin_ms: u64,
    em: &BTreeMap<String, String>,
    pools: &BTreeMap<u32, bool>,
    mwi: &std::collections::BTreeSet<String>,
) -> Verdict {
    let mut v = Verdict::default();
    let old = |ms: u64| kill_ms.saturating_sub(ms) > margin_ms;
    for (device, (user, _)) in &acks.em {
        v.em_acked += 1;
        let found = em.get(device);
        if found != Some(user) {
            v.em_lost += 1;
            v.faults.push(format!(
                "login {user} on {device} acknowledged, after the restart {}",
                found.map_or("nobody".to_string(), |u| format!("{u} is there"))
            ));
        }
    }
    for (tag, (on, ms)) in &acks.reg {
        v.reg_acked += 1;
        let shown = pools.get(tag).copied();
        let ok = shown == Some(*on);
        if !ok {
            v.reg_oldest_missing_ms = v.reg_oldest_missing_ms.max(kill_ms.saturating_sub(*ms));
        }
        if old(*ms) {
            v.reg_checked += 1;
            if !ok {
                v.reg_lost += 1;
                v.faults.push(format!(
                    "pool {tag} {} acknowledged {} ms before the kill, shown {}",
                    if *on { "registered" } else { "unregistered" },
                    kill_ms.saturating_sub(*ms),
                    match shown {
                        Some(true) => "REGISTERED",
                        Some(false) => "UNREGISTERED",
                        None => "nothing",
                    }
                ));
            }
        } else if !ok {
            v.reg_recent_missing += 1;
        }
    }
    for (number, (on, ms)) in &acks.mwi {
        v.mwi_acked += 1;
        let ok = mwi.contains(number) == *on;
        if !ok {
            v.mwi_oldest_missing_ms = v.mwi_oldest_missing_ms.max(kill_ms.saturating_sub(*ms));
        }
        if old(*ms) {
            v.mwi_checked += 1;
            if !ok {
                v.mwi_lost += 1;
                v.faults.push(format!(
                    "MWI {number} {} acknowledged {} ms before the kill, not so after the restart",
                    if *on { "on" } else { "off" },
                    kill_ms.saturating_sub(*ms)
                ));
            }
        } else if !ok {
            v.mwi_recent_missing += 1;
        }
    }
    v
}

fn check(a: CheckArgs) -> ExitCode {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let inputs = (|| {
        let acks = parse_acks(&read(&a.acked)?)?;
        Ok::<_, String>((acks, read(&a.em)?, read(&a.pools)?, read(&a.mwi)?))
    })();
    let (acks, em, pools, mwi) = match inputs {
        Ok(x) => x,
        Err(e) => {
            eprintln!("cmed-crash-load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let v = judge(
        &acks,
        a.kill_ms,
        a.margin_ms,
        &parse_em(&em),
        &parse_pools(&pools),
        &parse_mwi(&mwi),
    );
    println!(
        "em_acked={} em_lost={} reg_acked={} reg_checked={} reg_lost={} reg_recent_missing={} \
         reg_oldest_missing_ms={} mwi_acked={} mwi_checked={} mwi_lost={} mwi_recent_missing={} \
         mwi_oldest_missing_ms={}",
        v.em_acked,
        v.em_lost,
        v.reg_acked,
        v.reg_checked,
        v.reg_lost,
        v.reg_recent_missing,
        v.reg_oldest_missing_ms,
        v.mwi_acked,
        v.mwi_checked,
        v.mwi_lost,
        v.mwi_recent_missing,
        v.mwi_oldest_missing_ms
    );
    for f in v.faults.iter().take(10) {
        eprintln!("  lost: {f}");
    }
    if v.faults.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    match Cli::parse().cmd {
        Cmd::Load(a) => load(a),
        Cmd::Check(a) => check(a),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
telephony-service
 max-ephones 8
!
ephone-dn  1
 number 100001
 name Line 100001
!
ephone-dn  2
 number 100002
!
ephone  3
 mac-address 0021.A000.0003
 button 1:1 2:2
!
ephone  4
 mac-address 0021.A000.0004
 type 7965
 logout-profile 1
!
voice register pool  1
 username sip1 password s1
 id mac 64A0.E700.0001
 type 8861
 number 1 dn 1
!
voice register pool  4
 username sip4 password s4
 logout-profile 1
 id mac 64A0.E700.0004
!
voice user-profile 1
 user u1 password 0 p1
 number 100001 type normal
!
end
";

    #[test]
    fn the_config_gives_em_phones_users_pools_and_numbers() {
        let p = parse_config(CONFIG);
        assert_eq!(p.em_phones, ["SEP0021A0000004"]);
        assert_eq!(p.users, [("u1".to_string(), "p1".to_string())]);
        assert_eq!(p.numbers, ["100001", "100002"]);
        assert_eq!(p.pools.len(), 2);
        assert_eq!(
            p.pools[1],
            Pool {
                tag: 4,
                mac: "64A0E7000004".into(),
                user: "sip4".into(),
                password: "s4".into()
            }
        );
    }

    #[test]
    fn a_round_uses_each_phone_and_each_user_once() {
        for round in [0, 1, 5, 49] {
            let mut phones = std::collections::HashSet::new();
            let mut users = std::collections::HashSet::new();
            for i in 0..2500 {
                let (p, u) = em_pair(round, i, 2500, 10_000);
                assert!(
                    phones.insert(p) && users.insert(u),
                    "round {round} login {i}"
                );
            }
        }
    }

    #[test]
    fn windows_move_on_and_clear_on_odd_passes() {
        assert_eq!(window(0, 200, 0, 1000), (0, true));
        assert_eq!(window(4, 200, 199, 1000), (999, true));
        assert_eq!(window(5, 200, 0, 1000), (0, false));
        assert_eq!(window(10, 200, 3, 1000), (3, true));
    }

    #[test]
    fn the_shows_are_read_as_cmed_prints_them() {
        let em = "CME-Bench#show extension-mobility\n\
Device           Phone       User            Profile  Since                          Idle(min)\n\
SEP0021A0000004  ephone 4    u17             17       12:00:01 UTC Mon Dec 1 2026    0\n\
SEP0021A0000008  -           u3              3        12:00:01 UTC Mon Dec 1 2026    0\n\
Total users logged in: 2\n\nRecent logouts:\n\
Device           User            Logged out                     Reason\n\
SEP0021A0000012  u9              12:00:00 UTC Mon Dec 1 2026    login elsewhere\n";
        let m = parse_em(em);
        assert_eq!(m.len(), 2);
        assert_eq!(m["SEP0021A0000004"], "u17");
        assert_eq!(m["SEP0021A0000008"], "u3");

        let pools = "CME-Bench#show voice register pool 1\nPool Tag 1\nConfig:\n  Mac address is 64A0.E700.0001\n\
Registration:\n  State is REGISTERED\n  Contact is sip:x\nStatistics:\n\n\
CME-Bench#show voice register pool 2\nPool Tag 2\nConfig:\nRegistration:\n  State is UNREGISTERED\nStatistics:\n";
        let p = parse_pools(pools);
        assert!(p[&1]);
        assert!(!p[&2]);

        let mwi = "CME-Bench#show mwi\nNumber           New/Old  Since                     Source\n\
100001           2/1      12:00:01 UTC Mon Dec 1 2026 127.0.0.1\nCME-Bench#\n";
        let w = parse_mwi(mwi);
        assert_eq!(w.len(), 1);
        assert!(w.contains("100001"));
        assert!(parse_mwi("No messages waiting\n").is_empty());
    }

    #[test]
    fn only_old_written_behind_losses_and_any_login_loss_count() {
        let acks = parse_acks(
            "1000 em SEP1 u1\n1000 em SEP2 u2\n1000 reg 1 on\n9500 reg 2 on\n1000 reg 3 off\n\
             1000 mwi 100001 yes\n9900 mwi 100002 yes\n1000 mwi 100003 no\n",
        )
        .unwrap();
        let em = BTreeMap::from([("SEP1".to_string(), "u1".to_string())]);
        let pools = BTreeMap::from([(1, true), (2, false), (3, false)]);
        let mwi = std::collections::BTreeSet::from(["100001".to_string()]);
        let v = judge(&acks, 10_000, 1000, &em, &pools, &mwi);
        assert_eq!((v.em_acked, v.em_lost), (2, 1));
        assert_eq!(
            (v.reg_acked, v.reg_checked, v.reg_lost, v.reg_recent_missing),
            (3, 2, 0, 1)
        );
        assert_eq!(
            (v.mwi_acked, v.mwi_checked, v.mwi_lost, v.mwi_recent_missing),
            (3, 2, 0, 1)
        );
        assert_eq!(
            (v.reg_oldest_missing_ms, v.mwi_oldest_missing_ms),
            (500, 100)
        );
        assert_eq!(v.faults.len(), 1);
        let v = judge(
            &acks,
            10_000,
            1000,
            &em,
            &BTreeMap::new(),
            &Default::default(),
        );
        // A pool not shown at all is a fault too (it was not asked for).
        assert_eq!((v.reg_lost, v.mwi_lost), (2, 1));
        assert!(parse_acks("x em a b\n").is_err());
    }

    #[test]
    fn notify_answers_are_matched_by_call_id() {
        let n = notify(
            "127.0.0.1:4000".parse().unwrap(),
            "127.0.0.1:5060".parse().unwrap(),
            "100001",
            true,
            "abc",
        );
        assert!(n.contains("Call-ID: abc@127.0.0.1\r\n"));
        assert!(n.ends_with("Voice-Message: 2/1 (0/0)\r\n"));
        let len: usize = n
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(len, n.split_once("\r\n\r\n").unwrap().1.len());
        assert_eq!(
            response_of("SIP/2.0 200 OK\r\nVia: x\r\nCall-ID: abc@127.0.0.1\r\n\r\n"),
            Some((200, "abc".to_string()))
        );
    }
}
