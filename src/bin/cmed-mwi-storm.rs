//! `cmed-mwi-storm`: a voicemail server's burst of message-waiting NOTIFYs against a running
//! cmed with many registered SCCP phones, for the voicemail benchmark (issue 14,
//! `scripts/bench-voicemail.sh`).
//!
//! `cmed-mwi-storm --sccp A:P --sip A:P --config FILE [--count N] [--concurrency C]
//! [--rate R] [--pid PID] [--settle MS] [--deadline SECS]` registers N phones of the
//! config's ephones, C at a time (so the listener's accept queue does not overflow), keeps
//! their connections open until the end (a phone that goes away changes cmed's routing,
//! which the next NOTIFY rebuilds) and learns each one's line-1 number from its LineStat.
//! Numbers carried by more than one of them are left out, so each NOTIFY lights one phone.
//! Then, from one UDP socket on 127.0.0.1, it sends one unsolicited message-summary NOTIFY
//! per number (`Messages-Waiting: yes`), all at once (or R per second), retransmitting each
//! unanswered one as an RFC 3261 non-INVITE client transaction does (Timer E: 0.5 s
//! doubling to 4 s; given up after Timer F, 32 s). Every phone waits for its lamps: SetLamp
//! on the voicemail stimulus (0x0F), mode on (2), for line 1 and for the handset
//! (instance 0).
//!
//! It reports the time from the first NOTIFY sent to the last phone lit, the per-phone time
//! from its own NOTIFY's first sending to its lamps (p50/p99/max), the answers by status,
//! the retransmissions, the datagrams the kernel dropped on cmed's SIP socket over the
//! burst and on ours (`/proc/net/udp`), and with `--pid` the daemon's CPU time
//! (utime+stime) from the first NOTIFY to the end (every answer and every lamp in).
//!
//! Bounded: the registration and the burst each have a deadline, every wait a timeout.
//! Exit status 0 when every phone was lit and every NOTIFY got a 200, 1 otherwise, 2 on a
//! setup error. Loopback only in the project's scripts.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use cmed::proto::sccp::msg::ToPhone;
use cmed::sim::Phone;
use tokio::net::UdpSocket;
use tokio::sync::Semaphore;

#[derive(Parser)]
#[command(
    name = "cmed-mwi-storm",
    about = "A burst of message-waiting NOTIFYs lighting registered SCCP phones"
)]
struct Cli {
    /// cmed's SCCP listener, `address:port`.
    #[arg(long)]
    sccp: SocketAddr,
    /// cmed's SIP (UDP) listener, `address:port`.
    #[arg(long)]
    sip: SocketAddr,
    /// A startup-config whose `ephone` MACs the phones use.
    #[arg(long)]
    config: PathBuf,
    /// How many phones (and NOTIFYs).
    #[arg(long, default_value_t = 10_000)]
    count: usize,
    /// Registrations in progress at once.
    #[arg(long, default_value_t = 100)]
    concurrency: usize,
    /// Send the NOTIFYs at this many per second (0: all at once).
    #[arg(long, default_value_t = 0)]
    rate: u32,
    /// The daemon's pid, for its CPU time over the burst.
    #[arg(long)]
    pid: Option<u32>,
    /// Wait this many milliseconds between the last registration and the burst (every
    /// phone's watcher is reading by then; a profiler can be attached).
    #[arg(long, default_value_t = 200)]
    settle: u64,
    /// Give up on the registrations, and separately on the burst, after this many seconds.
    #[arg(long, default_value_t = 60)]
    deadline: u64,
}

/// RFC 3261 Timer E's first value and cap, and Timer F (non-INVITE transaction timeout).
const T1: Duration = Duration::from_millis(500);
const T2: Duration = Duration::from_secs(4);
const TIMER_F: Duration = Duration::from_secs(32);

/// utime + stime of `pid`, in clock ticks (fields 14 and 15 of /proc/PID/stat, counted
/// after the command name in parentheses).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// The kernel's drop count of the IPv4 UDP socket bound to `addr` (last column of
/// /proc/net/udp), if there is one.
fn udp_drops(addr: SocketAddr) -> Option<u64> {
    let SocketAddr::V4(a) = addr else {
        return None;
    };
    let local = format!(
        "{:08X}:{:04X}",
        u32::from_le_bytes(a.ip().octets()),
        a.port()
    );
    let table = std::fs::read_to_string("/proc/net/udp").ok()?;
    table
        .lines()
        .skip(1)
        .filter(|l| l.split_whitespace().nth(1) == Some(local.as_str()))
        .filter_map(|l| l.split_whitespace().last()?.parse::<u64>().ok())
        .reduce(|a, b| a + b)
}

/// The voicemail server's socket on 127.0.0.1, with room for a burst of answers (the
/// kernel caps the size at net.core.rmem_max).
fn bind_udp() -> std::io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    let _ = s.set_recv_buffer_size(4 << 20);
    s.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    s.set_nonblocking(true)?;
    UdpSocket::from_std(s.into())
}

/// The message-summary NOTIFY number `i` sends for `number`.
fn notify(sip: SocketAddr, from: SocketAddr, i: usize, number: &str) -> Vec<u8> {
    let body = format!(
        "Messages-Waiting: yes\r\nMessage-Account: sip:{number}@{ip}\r\nVoice-Message: 1/0 (0/0)\r\n",
        ip = sip.ip()
    );
    format!(
        "NOTIFY sip:{number}@{sip} SIP/2.0\r\n\
Via: SIP/2.0/UDP {from};branch=z9hG4bK-mwi-{i}\r\n\
From: <sip:8000@{from}>;tag=vm{i}\r\n\
To: <sip:{number}@{ip}>\r\n\
Call-ID: mwi-{i}@{ip}\r\n\
CSeq: 1 NOTIFY\r\n\
Max-Forwards: 70\r\n\
Event: message-summary\r\n\
Subscription-State: active\r\n\
Content-Type: application/simple-message-summary\r\n\
Content-Length: {}\r\n\r\n{body}",
        body.len(),
        ip = from.ip(),
    )
    .into_bytes()
}

/// The status code and the NOTIFY index (from `Call-ID: mwi-I@…`) of a response.
fn answer_of(datagram: &[u8]) -> Option<(u16, usize)> {
    let text = std::str::from_utf8(datagram).ok()?;
    let status = text.strip_prefix("SIP/2.0 ")?.get(..3)?.parse().ok()?;
    let call_id = text.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        (name.eq_ignore_ascii_case("call-id") || name.eq_ignore_ascii_case("i"))
            .then(|| value.trim())
    })?;
    let i = call_id
        .strip_prefix("mwi-")?
        .split('@')
        .next()?
        .parse()
        .ok()?;
    Some((status, i))
}

fn pct(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or_default().as_secs_f64() * 1e3
}

/// Registers the phones, C at a time; returns those registered with their line-1 numbers.
async fn register(cli: &Cli, macs: Vec<String>) -> (Vec<(Phone, String)>, usize, Duration) {
    let gate = Arc::new(Semaphore::new(cli.concurrency.max(1)));
    let limit = Duration::from_secs(cli.deadline);
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(macs.len());
    for mac in macs {
        let (gate, server) = (gate.clone(), cli.sccp);
        tasks.push(tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.ok()?;
            let mut p = Phone::new(server, &mac, 436);
            p.timeout = Duration::from_secs(30);
            let r = tokio::time::timeout(limit.saturating_sub(start.elapsed()), p.register())
                .await
                .ok()?;
            match r {
                Ok(r) => Some((p, r.lines.first()?.0.clone())),
                Err(e) => {
                    eprintln!("cmed-mwi-storm: {mac}: registration failed: {e}");
                    None
                }
            }
        }));
    }
    let mut phones = Vec::with_capacity(tasks.len());
    let mut failed = 0;
    for t in tasks {
        match t.await {
            Ok(Some(p)) => phones.push(p),
            _ => failed += 1,
        }
    }
    (phones, failed, start.elapsed())
}

/// Waits until `phone` is lit (line 1 and the handset) or `until`; when it was lit. The
/// phone is handed back, so that its connection stays open until every phone is done (a
/// connection that closes is a phone going away, which changes cmed's routing).
async fn lamps(mut phone: Phone, until: tokio::time::Instant) -> (Phone, Option<Instant>) {
    let (mut line, mut handset) = (false, false);
    phone.timeout = until.saturating_duration_since(tokio::time::Instant::now());
    let lit = phone
        .wait_for("SetLamp on the voicemail stimulus", |m| {
            if let ToPhone::SetLamp {
                stimulus: 0x0F,
                instance,
                mode: 2,
            } = m
            {
                line |= *instance == 1;
                handset |= *instance == 0;
            }
            (line && handset).then_some(())
        })
        .await
        .ok()
        .map(|()| Instant::now());
    (phone, lit)
}

/// One NOTIFY's client transaction.
struct Tx {
    number: String,
    first: Option<Instant>,
    next: Instant,
    interval: Duration,
    status: Option<u16>,
}

/// Takes NOTIFY `i`'s answer `status`; whether it was its first final answer.
fn record(txs: &mut [Tx], statuses: &mut HashMap<u16, usize>, status: u16, i: usize) -> bool {
    match txs.get_mut(i) {
        Some(tx) if tx.status.is_none() && status >= 200 => {
            tx.status = Some(status);
            *statuses.entry(status).or_default() += 1;
            true
        }
        _ => false,
    }
}

async fn run(cli: Cli) -> ExitCode {
    let macs = match std::fs::read_to_string(&cli.config) {
        Ok(t) => cmed::sim::ephone_macs(&t),
        Err(e) => {
            eprintln!("cmed-mwi-storm: {}: {e}", cli.config.display());
            return ExitCode::from(2);
        }
    };
    let macs: Vec<String> = macs.into_iter().take(cli.count).collect();
    let wanted = macs.len();
    let (phones, failed, took) = register(&cli, macs).await;
    let mut carried = HashMap::<String, usize>::new();
    for (_, n) in &phones {
        *carried.entry(n.clone()).or_default() += 1;
    }
    let registered = phones.len();
    let phones: Vec<(Phone, String)> = phones
        .into_iter()
        .filter(|(_, n)| carried[n] == 1)
        .collect();
    println!(
        "registration: {registered} of {wanted} phones registered ({failed} failed) in {:.3} s, {} at a time; {} with a line-1 number of their own",
        took.as_secs_f64(),
        cli.concurrency,
        phones.len()
    );
    if phones.is_empty() {
        eprintln!("cmed-mwi-storm: no phone with a number of its own registered");
        return ExitCode::FAILURE;
    }

    let sock = match bind_udp() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cmed-mwi-storm: UDP socket: {e}");
            return ExitCode::from(2);
        }
    };
    let from = sock.local_addr().expect("a bound socket has an address");
    let sock = Arc::new(sock);

    let limit = Duration::from_secs(cli.deadline);
    let until = tokio::time::Instant::now() + limit;
    let mut txs: Vec<Tx> = Vec::with_capacity(phones.len());
    let mut watchers = Vec::with_capacity(phones.len());
    let now = Instant::now();
    for (phone, number) in phones {
        txs.push(Tx {
            number,
            first: None,
            next: now,
            interval: T1,
            status: None,
        });
        watchers.push(tokio::spawn(lamps(phone, until)));
    }
    let n = txs.len();
    // Let every watcher reach its first read before the burst.
    tokio::time::sleep(Duration::from_millis(cli.settle)).await;

    // Responses: a reader task hands (status, NOTIFY index) to the sender loop.
    let (answers_tx, mut answers) = tokio::sync::mpsc::unbounded_channel();
    let reader = {
        let sock = sock.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            loop {
                let Ok(len) = sock.recv(&mut buf).await else {
                    return;
                };
                if let Some(a) = answer_of(&buf[..len])
                    && answers_tx.send(a).is_err()
                {
                    return;
                }
            }
        })
    };

    let drops_before = udp_drops(cli.sip);
    let own_drops_before = udp_drops(from);
    let cpu_before = cli.pid.and_then(cpu_ticks);
    let t0 = Instant::now();
    let (mut sent, mut retransmissions, mut answered) = (0usize, 0u64, 0usize);
    let mut statuses = HashMap::<u16, usize>::new();
    let mut burst_sent = None;
    let pace = (cli.rate > 0).then(|| Duration::from_secs_f64(1.0 / f64::from(cli.rate)));
    let end = t0 + limit;
    // The sender: first sendings in order (paced or not), then Timer E retransmissions of
    // the unanswered, until all are answered or have reached Timer F, within the deadline.
    loop {
        while let Ok((status, i)) = answers.try_recv() {
            answered += usize::from(record(&mut txs, &mut statuses, status, i));
        }
        let now = Instant::now();
        if answered == n || now >= end {
            break;
        }
        // First sendings due now.
        while sent < n {
            let due = pace.map_or(t0, |p| t0 + p * sent as u32);
            if due > now {
                break;
            }
            let bytes = notify(cli.sip, from, sent, &txs[sent].number);
            let _ = sock.send_to(&bytes, cli.sip).await;
            let at = Instant::now();
            let tx = &mut txs[sent];
            tx.first = Some(at);
            tx.next = at + T1;
            sent += 1;
        }
        if sent == n && burst_sent.is_none() {
            burst_sent = Some(t0.elapsed());
        }
        // Retransmissions due now.
        let mut all_done = sent == n;
        for (i, tx) in txs.iter_mut().enumerate().take(sent) {
            if tx.status.is_some() {
                continue;
            }
            let first = tx.first.expect("sent");
            if now - first >= TIMER_F {
                continue;
            }
            all_done = false;
            if now >= tx.next {
                let bytes = notify(cli.sip, from, i, &tx.number);
                let _ = sock.send_to(&bytes, cli.sip).await;
                retransmissions += 1;
                tx.interval = (tx.interval * 2).min(T2);
                tx.next = now + tx.interval;
            }
        }
        if all_done {
            break;
        }
        if sent == n {
            // Wait for an answer or the next retransmission tick.
            match tokio::time::timeout(Duration::from_millis(10), answers.recv()).await {
                Ok(Some((status, i))) => {
                    answered += usize::from(record(&mut txs, &mut statuses, status, i));
                }
                Ok(None) => break,
                Err(_) => {}
            }
        } else if pace.is_some() {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    let answers_done = t0.elapsed();

    // The lamps, in NOTIFY order.
    let (mut lit_at, mut kept) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for w in watchers {
        match w.await {
            Ok((phone, lit)) => {
                lit_at.push(lit);
                kept.push(phone);
            }
            Err(_) => lit_at.push(None),
        }
    }
    let cpu_after = cli.pid.and_then(cpu_ticks);
    let drops_after = udp_drops(cli.sip);
    let own_drops_after = udp_drops(from);
    reader.abort();
    // Every phone hangs up only now.
    drop(kept);

    let lit = lit_at.iter().filter(|l| l.is_some()).count();
    let last = lit_at.iter().flatten().max().copied();
    let mut own: Vec<Duration> = lit_at
        .iter()
        .zip(&txs)
        .filter_map(|(l, tx)| Some(l.as_ref()?.saturating_duration_since(tx.first?)))
        .collect();
    own.sort();
    let mut statuses: Vec<(u16, usize)> = statuses.into_iter().collect();
    statuses.sort();
    let statuses: Vec<String> = statuses.iter().map(|(s, c)| format!("{c} × {s}")).collect();
    let ok = txs.iter().all(|t| t.status == Some(200));
    println!(
        "burst: {n} NOTIFYs, the first sendings took {:.3} s; answers {} ({} unanswered), {retransmissions} retransmissions; all answered or given up {:.3} s after the first",
        burst_sent.unwrap_or_default().as_secs_f64(),
        if statuses.is_empty() {
            "none".to_string()
        } else {
            statuses.join(", ")
        },
        n - answered,
        answers_done.as_secs_f64(),
    );
    if let (Some(b), Some(a)) = (drops_before, drops_after) {
        let own = match (own_drops_before, own_drops_after) {
            (Some(b), Some(a)) => a.saturating_sub(b).to_string(),
            _ => "?".to_string(),
        };
        println!(
            "kernel: {} datagrams dropped on cmed's SIP socket during the burst, {own} on ours",
            a.saturating_sub(b)
        );
    }
    match last {
        Some(last) => println!(
            "lamps: {lit} of {n} phones lit; first NOTIFY to last lamp {:.3} s; per phone, its NOTIFY to its lamps p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            last.saturating_duration_since(t0).as_secs_f64(),
            pct(&own, 0.5),
            pct(&own, 0.99),
            own.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        ),
        None => println!("lamps: 0 of {n} phones lit"),
    }
    if let (Some(b), Some(a)) = (cpu_before, cpu_after) {
        // /proc counts in USER_HZ, 100 per second on Linux whatever the kernel's HZ.
        let hz = 100.0;
        println!(
            "cmed CPU from the first NOTIFY to the end of the burst: {:.2} s ({:.0} µs per NOTIFY)",
            (a - b) as f64 / hz,
            (a - b) as f64 / hz / n as f64 * 1e6,
        );
    }
    if lit == n && ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(run(cli)),
        Err(e) => {
            eprintln!("cmed-mwi-storm: {e}");
            ExitCode::from(2)
        }
    }
}
