//! `cmed-call-storm`: SCCP phones calling each other in pairs through a running cmed, for
//! the calls benchmark (issue 13, `scripts/bench-calls.sh`).
//!
//! `cmed-call-storm --server A:P --config FILE --pairs N [--rate R] [--pid PID]
//! [--deadline SECS]` registers 2 × N phones of the config's ephones (those whose first line
//! is their own number), then every caller — all at once, or R per second — lifts the
//! handset and dials its callee's first number; the callee answers as soon as it rings,
//! both open their RTP receivers and wait for the other's address (StartMediaTransmission).
//! Once every call is connected (cmed's VmRSS is read then, with `--pid`), the callers hang
//! up and both sides wait for idle. It reports call setups per second (first off-hook to
//! the last call's media) and the setup times: from the caller's off-hook, and from the
//! callee's answer, to both phones' media.
//!
//! Bounded: every wait has a timeout, the whole run a deadline. Loopback only in the
//! project's scripts.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use cmed::sim::{Phone, SimError};
use tokio::sync::Barrier;

#[derive(Parser)]
#[command(
    name = "cmed-call-storm",
    about = "SCCP phones calling each other in pairs"
)]
struct Cli {
    /// The call agent, `address:port`.
    #[arg(long)]
    server: SocketAddr,
    /// A startup-config whose `ephone` MACs the phones use.
    #[arg(long)]
    config: PathBuf,
    /// How many calls at once (twice as many phones).
    #[arg(long, default_value_t = 500)]
    pairs: usize,
    /// Start the calls at this many per second (0: all at once).
    #[arg(long, default_value_t = 0)]
    rate: u32,
    /// The daemon's pid: its VmRSS is read after registration and while every call is
    /// connected, for the memory per active call.
    #[arg(long)]
    pid: Option<u32>,
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 120)]
    deadline: u64,
}

/// VmRSS of process `pid` in kB.
fn rss(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches(" kB")
        .trim()
        .parse()
        .ok()
}

/// What one call measured.
struct Setup {
    /// Caller off hook → both phones told where to send media.
    from_off_hook: Duration,
    /// Callee's answer → both phones told where to send media.
    from_answer: Duration,
    /// When the last of the two media messages arrived.
    done: Instant,
}

/// The barriers every call meets: the start, and (all connected) before hanging up.
struct Gates {
    start: Barrier,
    connected: Barrier,
    hang_up: Barrier,
}

async fn call(
    mut a: Phone,
    mut b: Phone,
    number: String,
    gates: Arc<Gates>,
    delay: Duration,
) -> Result<Setup, SimError> {
    let rtp_a = SocketAddr::from(([127, 0, 0, 1], 40_000));
    let rtp_b = SocketAddr::from(([127, 0, 0, 1], 40_002));
    gates.start.wait().await;
    tokio::time::sleep(delay).await;
    let t0 = Instant::now();
    a.off_hook().await?;
    a.wait_tone().await?;
    a.dial(&number).await?;
    b.wait_ringing().await?;
    let t1 = Instant::now();
    b.off_hook().await?;
    b.open_receive(rtp_b).await?;
    a.open_receive(rtp_a).await?;
    a.wait_start_media().await?;
    b.wait_start_media().await?;
    let done = Instant::now();
    // Every call stays up until all are connected (the memory sample), then all hang up.
    gates.connected.wait().await;
    gates.hang_up.wait().await;
    a.on_hook().await?;
    a.wait_idle().await?;
    b.wait_idle().await?;
    Ok(Setup {
        from_off_hook: done - t0,
        from_answer: done - t1,
        done,
    })
}

fn pct(sorted: &[Duration], q: f64) -> f64 {
    let i = ((sorted.len() as f64 * q) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or_default().as_secs_f64() * 1e3
}

async fn run(cli: Cli) -> ExitCode {
    let macs = match std::fs::read_to_string(&cli.config) {
        Ok(t) => cmed::sim::ephone_macs(&t),
        Err(e) => {
            eprintln!("cmed-call-storm: {}: {e}", cli.config.display());
            return ExitCode::FAILURE;
        }
    };
    // Register the phones; keep those whose first line is a number of their own (not an
    // Extension Mobility phone's shared logout-profile line).
    let mut tasks = Vec::new();
    for mac in macs {
        let server = cli.server;
        tasks.push(tokio::spawn(async move {
            let mut p = Phone::new(server, &mac, 436);
            p.timeout = Duration::from_secs(30);
            let r = p.register().await;
            (p, r)
        }));
    }
    let mut phones: Vec<(Phone, String)> = Vec::new();
    let mut seen = std::collections::HashMap::<String, usize>::new();
    for t in tasks {
        if let Ok((p, Ok(r))) = t.await
            && let Some((n, _, _)) = r.lines.first()
        {
            *seen.entry(n.clone()).or_default() += 1;
            phones.push((p, n.clone()));
        }
    }
    phones.retain(|(_, n)| seen[n] == 1);
    let pairs = cli.pairs.min(phones.len() / 2);
    if pairs == 0 {
        eprintln!("cmed-call-storm: no two phones with numbers of their own registered");
        return ExitCode::FAILURE;
    }
    phones.truncate(pairs * 2);
    let gates = Arc::new(Gates {
        start: Barrier::new(pairs + 1),
        connected: Barrier::new(pairs + 1),
        hang_up: Barrier::new(pairs + 1),
    });
    let mut calls = Vec::new();
    let mut it = phones.into_iter().enumerate();
    while let (Some((i, (a, _))), Some((_, (b, number)))) = (it.next(), it.next()) {
        let delay = match cli.rate {
            0 => Duration::ZERO,
            r => Duration::from_secs_f64((i / 2) as f64 / f64::from(r)),
        };
        calls.push(tokio::spawn(call(a, b, number, gates.clone(), delay)));
    }
    let registered = cli.pid.and_then(rss);
    gates.start.wait().await;
    let start = Instant::now();
    // A call that fails never reaches the barriers: give up waiting for them at the deadline.
    let limit = Duration::from_secs(cli.deadline);
    let connected = tokio::time::timeout(limit, gates.connected.wait())
        .await
        .is_ok();
    let during = cli.pid.and_then(rss);
    if connected {
        let _ = tokio::time::timeout(limit, gates.hang_up.wait()).await;
    }
    let (mut off_hook, mut answer, mut failed, mut last) = (Vec::new(), Vec::new(), 0, start);
    for c in calls {
        match tokio::time::timeout(limit.saturating_sub(start.elapsed()), c).await {
            Ok(Ok(Ok(s))) => {
                off_hook.push(s.from_off_hook);
                answer.push(s.from_answer);
                last = last.max(s.done);
            }
            Ok(Ok(Err(e))) => {
                failed += 1;
                if failed <= 5 {
                    eprintln!("cmed-call-storm: call failed: {e}");
                }
            }
            _ => failed += 1,
        }
    }
    off_hook.sort();
    answer.sort();
    let secs = (last - start).as_secs_f64().max(1e-6);
    println!(
        "calls: {} set up, {failed} failed, {:.0} setups/s over {:.3} s; from off-hook p50 {:.1} ms p99 {:.1} ms; from answer p50 {:.1} ms p99 {:.1} ms",
        off_hook.len(),
        off_hook.len() as f64 / secs,
        secs,
        pct(&off_hook, 0.5),
        pct(&off_hook, 0.99),
        pct(&answer, 0.5),
        pct(&answer, 0.99),
    );
    if let (Some(r), Some(d)) = (registered, during) {
        println!(
            "memory: cmed VmRSS {r} kB with the phones registered, {d} kB with every call connected: {} bytes per active call",
            d.saturating_sub(r) * 1024 / (off_hook.len().max(1) as u64)
        );
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
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
            eprintln!("cmed-call-storm: {e}");
            ExitCode::FAILURE
        }
    }
}
