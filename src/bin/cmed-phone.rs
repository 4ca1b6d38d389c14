//! `cmed-phone`: simulated SCCP phones against a running cmed (or any SCCP call agent).
//!
//! - `cmed-phone one --server A:P --mac 001E7A345A01 [--type 436]` registers one phone,
//!   prints what it was given (buttons, lines, speed dials), and with `--hold SECS` stays
//!   registered answering keepalives, re-registering after a restart.
//! - `cmed-phone storm --server A:P --config FILE --count N [--hold SECS]` registers N phones
//!   (the MACs of the config's ephones) at once and reports how long it took; with `--hold`
//!   they then keep sending keepalives at the announced interval, for the steady-load figure.
//!
//! Bounded: every wait has a timeout, a storm has an overall deadline.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use cmed::sim::{Phone, Registration};

#[derive(Parser)]
#[command(name = "cmed-phone", about = "Simulated SCCP phones")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Register one phone and show what it was given.
    One {
        /// The call agent, `address:port`.
        #[arg(long)]
        server: SocketAddr,
        /// MAC, twelve hex digits.
        #[arg(long)]
        mac: String,
        /// Device type (436 = 7965, 435 = 7945, 437 = 7975, 585 = 8945).
        #[arg(long = "type", default_value_t = 436)]
        device_type: u32,
        /// Stay registered this many seconds, answering keepalives.
        #[arg(long, default_value_t = 0)]
        hold: u64,
    },
    /// Register many phones at once.
    Storm {
        /// The call agent, `address:port`.
        #[arg(long)]
        server: SocketAddr,
        /// A startup-config whose `ephone` MACs the phones use.
        #[arg(long)]
        config: PathBuf,
        /// How many phones.
        #[arg(long, default_value_t = 1000)]
        count: usize,
        /// Keep them registered this many seconds afterwards, sending keepalives.
        #[arg(long, default_value_t = 0)]
        hold: u64,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 120)]
        deadline: u64,
    },
}

fn print(r: &Registration) {
    println!(
        "registered: keepalive {} s, protocol {}",
        r.keepalive, r.protocol
    );
    for (i, b) in r.buttons.iter().enumerate() {
        println!(
            "  button {}: type 0x{:02X} instance {}",
            i + 1,
            b.kind,
            b.instance
        );
    }
    for (i, (n, name, label)) in r.lines.iter().enumerate() {
        println!("  line {}: {n} \"{name}\" label \"{label}\"", i + 1);
    }
    for (i, (n, name)) in r.speed_dials.iter().enumerate() {
        println!("  speed dial {}: {n} \"{name}\"", i + 1);
    }
    println!("  display: {}", r.prompt);
}

async fn one(server: SocketAddr, mac: String, device_type: u32, hold: u64) -> ExitCode {
    let mut p = Phone::new(server, &mac, device_type);
    let mut r = match p.register().await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cmed-phone: {e}");
            return ExitCode::FAILURE;
        }
    };
    print(&r);
    let end = Instant::now() + Duration::from_secs(hold);
    while Instant::now() < end {
        let every = Duration::from_secs(u64::from(r.keepalive.max(1)));
        tokio::time::sleep(every.min(end.saturating_duration_since(Instant::now()))).await;
        if Instant::now() >= end {
            break;
        }
        if let Err(e) = p.keepalive().await {
            // A restart from the server ends the connection: register again, as a phone does.
            eprintln!("cmed-phone: {e}; registering again");
            match p.restart().await {
                Ok(again) => {
                    r = again;
                    print(&r);
                }
                Err(e) => {
                    eprintln!("cmed-phone: {e}");
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    ExitCode::SUCCESS
}

/// Every `mac-address` of an `ephone` in a startup-config, as twelve hex digits.
fn macs(config: &PathBuf) -> std::io::Result<Vec<String>> {
    Ok(cmed::sim::ephone_macs(&std::fs::read_to_string(config)?))
}

async fn storm(
    server: SocketAddr,
    config: PathBuf,
    count: usize,
    hold: u64,
    deadline: u64,
) -> ExitCode {
    let macs = match macs(&config) {
        Ok(m) if !m.is_empty() => m,
        Ok(_) => {
            eprintln!("cmed-phone: no ephone MACs in {}", config.display());
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("cmed-phone: {}: {e}", config.display());
            return ExitCode::FAILURE;
        }
    };
    let count = count.min(macs.len());
    let start = Instant::now();
    let limit = Duration::from_secs(deadline);
    let mut tasks = Vec::with_capacity(count);
    for mac in macs.into_iter().take(count) {
        tasks.push(tokio::spawn(async move {
            let mut p = Phone::new(server, &mac, 436);
            p.timeout = Duration::from_secs(30);
            let t = Instant::now();
            let r = tokio::time::timeout(limit, p.register()).await;
            (p, r, t.elapsed())
        }));
    }
    let mut phones = Vec::with_capacity(count);
    let mut times = Vec::with_capacity(count);
    let mut failed = 0usize;
    let mut keepalive = 30;
    for t in tasks {
        match t.await {
            Ok((p, Ok(Ok(r)), took)) => {
                keepalive = r.keepalive.max(1);
                times.push(took);
                phones.push(p);
            }
            Ok((_, Ok(Err(e)), _)) => {
                failed += 1;
                if failed <= 5 {
                    eprintln!("cmed-phone: registration failed: {e}");
                }
            }
            _ => failed += 1,
        }
    }
    let all = start.elapsed();
    times.sort();
    let pct = |q: f64| {
        times
            .get(((times.len() as f64 * q) as usize).min(times.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    println!(
        "storm: {} registered, {failed} failed, all done in {:.3} s (p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms)",
        phones.len(),
        all.as_secs_f64(),
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.95).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
    );
    if hold > 0 {
        // Each phone sends a keepalive every interval, spread evenly over the interval.
        let every = Duration::from_secs(u64::from(keepalive));
        let end = Instant::now() + Duration::from_secs(hold);
        let n = phones.len().max(1) as u32;
        let mut tasks = Vec::new();
        for (i, mut p) in phones.into_iter().enumerate() {
            let offset = every * i as u32 / n;
            tasks.push(tokio::spawn(async move {
                tokio::time::sleep(offset).await;
                let mut sent = 0u64;
                while Instant::now() < end {
                    if p.keepalive().await.is_err() {
                        return (sent, false);
                    }
                    sent += 1;
                    tokio::time::sleep(every).await;
                }
                (sent, true)
            }));
        }
        let (mut sent, mut lost) = (0u64, 0usize);
        for t in tasks {
            match t.await {
                Ok((s, ok)) => {
                    sent += s;
                    lost += usize::from(!ok);
                }
                Err(_) => lost += 1,
            }
        }
        println!("hold: {hold} s, {sent} keepalives answered, {lost} phones lost");
        if lost > 0 {
            return ExitCode::FAILURE;
        }
    }
    if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cmed-phone: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async {
        match cli.cmd {
            Cmd::One {
                server,
                mac,
                device_type,
                hold,
            } => one(server, mac, device_type, hold).await,
            Cmd::Storm {
                server,
                config,
                count,
                hold,
                deadline,
            } => storm(server, config, count, hold, deadline).await,
        }
    })
}
