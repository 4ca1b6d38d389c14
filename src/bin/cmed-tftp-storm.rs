//! `cmed-tftp-storm`: a phone-boot storm against a TFTP server, for benchmarks.
//!
//! Simulates `--count` Cisco phones booting at the same moment (after a power cut, say). Each
//! phone has a UDP socket of its own and does what an SCCP phone does on boot:
//!
//! 1. RRQ `CTLSEP<MAC>.tlv` (octet, no options) and expects ERROR 1 (file not found): cmed
//!    does not serve CTL files.
//! 2. RRQ `SEP<MAC>.cnf.xml` in octet mode without options, received as a lock-step RFC 1350
//!    client: every DATA is acknowledged to the transfer identifier (port) the server answered
//!    from, a DATA shorter than 512 bytes ends the transfer, and the last RRQ or ACK is sent
//!    again after 1 s without an answer, at most 5 times in a row. Datagrams from another port
//!    of the server get ERROR 5 (unknown transfer ID), as RFC 1350 §4 asks.
//!
//! All sockets are opened first; then every phone starts at once (a barrier). The report gives
//! the completed and failed phones (failures counted by reason), the wall time from the first
//! request to the last completion, the p50/p95/max time per phone, the bytes received and the
//! retransmissions. Exit status 1 when any phone failed.
//!
//! The MACs must be those of configured phones, so that the server generates their files:
//! `--macs-from-config FILE` takes every `mac-address HHHH.HHHH.HHHH` and
//! `id mac HHHH.HHHH.HHHH` line of a startup-config (for instance one written by
//! `cmed-gen-config`), wrapping around when `--count` is larger; `--first-mac` counts up from
//! one MAC instead. Everything is bounded: each phone gives up at the overall deadline
//! `--timeout-secs` after the start. The server must be a loopback address: this is a local
//! benchmark tool. It uses std and tokio only (not the daemon's TFTP code), and runs on one
//! thread so that the server under test keeps the other cores.

use std::collections::{BTreeMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use tokio::net::UdpSocket;
use tokio::sync::Barrier;

const OP_RRQ: u16 = 1;
const OP_DATA: u16 = 3;
const OP_ACK: u16 = 4;
const OP_ERROR: u16 = 5;
/// RFC 1350 block size; no options are requested.
const BLOCK: usize = 512;
/// Wait this long for an answer before sending the last packet again.
const RETRANSMIT_AFTER: Duration = Duration::from_secs(1);
/// Consecutive retransmissions of one packet before giving up.
const MAX_RETRANSMITS: u32 = 5;

#[derive(Parser, Debug)]
#[command(
    name = "cmed-tftp-storm",
    about = "Phone-boot storm: COUNT phones fetch CTLSEP<MAC>.tlv and SEP<MAC>.cnf.xml over TFTP at once"
)]
struct Args {
    /// The TFTP server (a loopback address), e.g. 127.0.0.1:6969.
    #[arg(long)]
    server: SocketAddr,
    /// Phones booting at once.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=20000))]
    count: u32,
    /// MAC of the first phone (12 hex digits, dots, colons or dashes allowed); the others
    /// count up from it.
    #[arg(
        long,
        default_value = "001E7A345A01",
        conflicts_with = "macs_from_config"
    )]
    first_mac: String,
    /// Take the MACs of the configured phones from this startup-config (`mac-address` and
    /// `id mac` lines), wrapping around when COUNT is larger.
    #[arg(long)]
    macs_from_config: Option<PathBuf>,
    /// Overall deadline in seconds: a phone not done by then has failed.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout_secs: u64,
}

/// What one phone ended with.
struct Outcome {
    /// From its first request to the end (success or failure).
    elapsed: Duration,
    start: Instant,
    end: Instant,
    result: Result<(), String>,
    bytes: u64,
    retransmits: u32,
    duplicates: u32,
}

/// Counters one phone keeps across both fetches.
#[derive(Default)]
struct Tally {
    bytes: u64,
    retransmits: u32,
    duplicates: u32,
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("cmed-tftp-storm: {e}");
            ExitCode::from(2)
        }
    }
}

/// Runs the storm and prints the report; `Ok(false)` when some phone failed.
async fn run(args: Args) -> Result<bool, String> {
    if !args.server.ip().is_loopback() {
        return Err(format!(
            "--server {} is not a loopback address; this benchmark only talks to the local machine",
            args.server
        ));
    }
    let (macs, source) = match &args.macs_from_config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let macs = macs_in_config(&text);
            if macs.is_empty() {
                return Err(format!(
                    "no `mac-address` or `id mac` line in {}",
                    path.display()
                ));
            }
            let source = format!("{} MACs from {}", macs.len(), path.display());
            (macs, source)
        }
        None => {
            let first = parse_mac(&args.first_mac)
                .ok_or_else(|| format!("--first-mac {}: not 12 hex digits", args.first_mac))?;
            let macs: Vec<String> = (0..u64::from(args.count))
                .map(|i| format!("{:012X}", (first + i) & 0xFFFF_FFFF_FFFF))
                .collect();
            (macs, format!("MACs counting up from {:012X}", first))
        }
    };
    let count = args.count as usize;
    let bind_ip = match args.server.ip() {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
    };
    println!(
        "cmed-tftp-storm: {count} phones against {} ({source}), deadline {} s",
        args.server, args.timeout_secs
    );

    let barrier = Arc::new(Barrier::new(count + 1));
    let timeout = Duration::from_secs(args.timeout_secs);
    let mut tasks = Vec::with_capacity(count);
    for i in 0..count {
        let mac = macs[i % macs.len()].clone();
        let barrier = barrier.clone();
        let server = args.server;
        tasks.push(tokio::spawn(async move {
            // Open the socket before the barrier, and always reach the barrier.
            let sock = UdpSocket::bind((bind_ip, 0)).await;
            barrier.wait().await;
            let start = Instant::now();
            let deadline = start + timeout;
            let mut tally = Tally::default();
            let result = match sock {
                Ok(sock) => boot(&sock, server, &mac, deadline, &mut tally).await,
                Err(e) => Err(format!("cannot open a UDP socket: {e}")),
            };
            let end = Instant::now();
            Outcome {
                elapsed: end - start,
                start,
                end,
                result,
                bytes: tally.bytes,
                retransmits: tally.retransmits,
                duplicates: tally.duplicates,
            }
        }));
    }
    barrier.wait().await;

    let mut outcomes = Vec::with_capacity(count);
    for t in tasks {
        match t.await {
            Ok(o) => outcomes.push(o),
            Err(e) => return Err(format!("a phone task failed: {e}")),
        }
    }
    Ok(report(&outcomes))
}

/// Prints the summary; true when every phone completed.
fn report(outcomes: &[Outcome]) -> bool {
    let mut failures: BTreeMap<&str, usize> = BTreeMap::new();
    let mut times: Vec<Duration> = Vec::new();
    let (mut bytes, mut retransmits, mut duplicates) = (0u64, 0u64, 0u64);
    for o in outcomes {
        bytes += o.bytes;
        retransmits += u64::from(o.retransmits);
        duplicates += u64::from(o.duplicates);
        match &o.result {
            Ok(()) => times.push(o.elapsed),
            Err(reason) => *failures.entry(reason.as_str()).or_default() += 1,
        }
    }
    let first = outcomes.iter().map(|o| o.start).min();
    let last = outcomes.iter().map(|o| o.end).max();
    let wall = match (first, last) {
        (Some(a), Some(b)) => b - a,
        _ => Duration::ZERO,
    };
    times.sort();
    let failed: usize = failures.values().sum();
    println!("completed: {}  failed: {failed}", times.len());
    for (reason, n) in &failures {
        println!("  {n:>6}  {reason}");
    }
    println!(
        "wall time: {:.3} s (first request to last completion)",
        wall.as_secs_f64()
    );
    if !times.is_empty() {
        println!(
            "per phone: p50 {:.3} s  p95 {:.3} s  max {:.3} s",
            percentile(&times, 50).as_secs_f64(),
            percentile(&times, 95).as_secs_f64(),
            times[times.len() - 1].as_secs_f64()
        );
    }
    println!(
        "bytes received: {bytes} (cnf.xml payload)  retransmissions: {retransmits}  duplicate DATA: {duplicates}"
    );
    failed == 0
}

/// Nearest-rank percentile of sorted, non-empty `times`.
fn percentile(times: &[Duration], p: usize) -> Duration {
    let rank = (p * times.len()).div_ceil(100).max(1);
    times[rank - 1]
}

/// One phone's boot: the CTL file (expected missing), then its configuration file.
async fn boot(
    sock: &UdpSocket,
    server: SocketAddr,
    mac: &str,
    deadline: Instant,
    tally: &mut Tally,
) -> Result<(), String> {
    let mut tid = None;
    let ctl = format!("CTLSEP{mac}.tlv");
    match fetch(sock, server, &ctl, deadline, &mut tid, tally).await {
        Err(Fetch::Error(1, _)) => {}
        Err(e) => return Err(format!("CTLSEP<MAC>.tlv: {e}")),
        Ok(_) => return Err("CTLSEP<MAC>.tlv: served a file, expected ERROR 1".into()),
    }
    let cnf = format!("SEP{mac}.cnf.xml");
    let bytes = fetch(sock, server, &cnf, deadline, &mut tid, tally)
        .await
        .map_err(|e| format!("SEP<MAC>.cnf.xml: {e}"))?;
    if bytes == 0 {
        return Err("SEP<MAC>.cnf.xml: empty file".into());
    }
    tally.bytes += bytes;
    Ok(())
}

/// Why a fetch ended without the file.
enum Fetch {
    /// The server sent ERROR code, message.
    Error(u16, String),
    /// No answer after `MAX_RETRANSMITS` retransmissions.
    TimedOut,
    /// The overall deadline passed.
    Deadline,
    /// A socket error.
    Io(String),
}

impl std::fmt::Display for Fetch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fetch::Error(code, msg) => write!(f, "ERROR {code} ({msg})"),
            Fetch::TimedOut => write!(
                f,
                "no answer after {MAX_RETRANSMITS} retransmissions, 1 s apart"
            ),
            Fetch::Deadline => write!(f, "overall deadline passed"),
            Fetch::Io(e) => write!(f, "socket error: {e}"),
        }
    }
}

/// Reads `file` in octet mode, lock-step, without options; returns its length. `tid` holds
/// the server port of the previous fetch on this socket (an ERROR from there, repeated because
/// we repeated that request, is not the answer to this one) and is set to this fetch's port.
async fn fetch(
    sock: &UdpSocket,
    server: SocketAddr,
    file: &str,
    deadline: Instant,
    tid: &mut Option<SocketAddr>,
    tally: &mut Tally,
) -> Result<u64, Fetch> {
    let stale = tid.take();
    let mut last = Vec::with_capacity(64);
    last.extend_from_slice(&OP_RRQ.to_be_bytes());
    last.extend_from_slice(file.as_bytes());
    last.push(0);
    last.extend_from_slice(b"octet\0");
    let mut last_to = server;
    let mut expected: u16 = 1;
    let mut len: u64 = 0;
    let mut silent: u32 = 0;
    let mut buf = vec![0u8; BLOCK + 64];
    send(sock, &last, last_to).await?;
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(Fetch::Deadline);
        }
        let wait = RETRANSMIT_AFTER.min(deadline - now);
        let (n, from) = match tokio::time::timeout(wait, sock.recv_from(&mut buf)).await {
            Ok(Ok(x)) => x,
            Ok(Err(e)) => {
                // ICMP errors from an earlier send surface here; the timer decides.
                if e.kind() == std::io::ErrorKind::ConnectionRefused {
                    continue;
                }
                return Err(Fetch::Io(e.to_string()));
            }
            Err(_) => {
                if Instant::now() >= deadline {
                    return Err(Fetch::Deadline);
                }
                if silent == MAX_RETRANSMITS {
                    return Err(Fetch::TimedOut);
                }
                silent += 1;
                tally.retransmits += 1;
                send(sock, &last, last_to).await?;
                continue;
            }
        };
        if from.ip() != server.ip() {
            continue; // not the server at all
        }
        let pkt = &buf[..n];
        if pkt.len() < 4 {
            continue;
        }
        let op = u16::from_be_bytes([pkt[0], pkt[1]]);
        let num = u16::from_be_bytes([pkt[2], pkt[3]]);
        match *tid {
            None if op == OP_ERROR && stale == Some(from) => continue,
            None => *tid = Some(from),
            Some(t) if t != from => {
                // RFC 1350 §4: another port of the server, e.g. a second transfer started by
                // a retransmitted RRQ.
                let mut err = Vec::with_capacity(32);
                err.extend_from_slice(&OP_ERROR.to_be_bytes());
                err.extend_from_slice(&5u16.to_be_bytes());
                err.extend_from_slice(b"Unknown transfer ID\0");
                send(sock, &err, from).await?;
                continue;
            }
            Some(_) => {}
        }
        match op {
            OP_ERROR => {
                let text = &pkt[4..];
                let text = text.split(|&b| b == 0).next().unwrap_or(&[]);
                return Err(Fetch::Error(
                    num,
                    String::from_utf8_lossy(text).into_owned(),
                ));
            }
            OP_DATA if num == expected => {
                let payload = n - 4;
                if payload > BLOCK {
                    return Err(Fetch::Io(format!(
                        "DATA {num} carries {payload} bytes, more than 512"
                    )));
                }
                len += payload as u64;
                silent = 0;
                last.clear();
                last.extend_from_slice(&OP_ACK.to_be_bytes());
                last.extend_from_slice(&num.to_be_bytes());
                last_to = from;
                send(sock, &last, last_to).await?;
                if payload < BLOCK {
                    return Ok(len);
                }
                expected = expected.wrapping_add(1);
            }
            OP_DATA if num == expected.wrapping_sub(1) => {
                // The server did not get our ACK: acknowledge the duplicate again.
                tally.duplicates += 1;
                send(sock, &last, last_to).await?;
            }
            _ => {} // an old DATA, an OACK we did not ask for: ignore
        }
    }
}

async fn send(sock: &UdpSocket, pkt: &[u8], to: SocketAddr) -> Result<(), Fetch> {
    sock.send_to(pkt, to)
        .await
        .map(|_| ())
        .map_err(|e| Fetch::Io(e.to_string()))
}

/// 12 hex digits (separators `.`, `:` and `-` ignored) as a number.
fn parse_mac(s: &str) -> Option<u64> {
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, '.' | ':' | '-'))
        .collect();
    if hex.len() != 12 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(&hex, 16).ok()
}

/// The MACs of `mac-address H.H.H` and `id mac H.H.H` lines, upper-case, in order, once each.
fn macs_in_config(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut macs = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let mac = match words.as_slice() {
            ["mac-address", mac, ..] => mac,
            ["id", "mac", mac, ..] => mac,
            _ => continue,
        };
        if let Some(m) = parse_mac(mac) {
            let m = format!("{m:012X}");
            if seen.insert(m.clone()) {
                macs.push(m);
            }
        }
    }
    macs
}
