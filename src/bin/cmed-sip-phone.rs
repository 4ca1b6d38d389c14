//! `cmed-sip-phone`: simulated SIP phones against a registrar (cmed, or Kamailio as the
//! stand-in), over UDP with digest authentication.
//!
//! - `cmed-sip-phone one --server A:P --mac MAC --user U --password P [--expires S] [--hold S]`
//!   registers one phone and prints what it got; with `--hold` it stays registered that
//!   long, refreshing before expiry and answering NOTIFY/OPTIONS with 200 OK (each printed).
//! - `cmed-sip-phone storm --server A:P --count N [--first-tag T]` registers N phones at once
//!   with the credentials `cmed-gen-config --pools` writes (pool tag t: MAC
//!   `64A0E7` + t in six hex digits, user `sip<t>`, password `s<t>`) over a few sockets and
//!   reports how long until all had their 200, failures, and p50/p95/max.
//!
//! Exit status: 0 when every phone registered, 1 when one was refused or failed, 3 when
//! nothing answered at all (no listener: the benchmark script tells this apart), 2 for a bad
//! command line. Bounded: every wait has a timeout, a storm has an overall deadline.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use cmed::sim::SimError;
use cmed::sim::sip::{Incoming, Registered, SipPhone, StormReport, Ua, storm};

#[derive(Parser)]
#[command(name = "cmed-sip-phone", about = "Simulated SIP phones (UDP, digest)")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Register one phone and show what it got.
    One {
        /// The registrar, `address:port`.
        #[arg(long)]
        server: SocketAddr,
        /// MAC, twelve hex digits (dots or colons allowed).
        #[arg(long)]
        mac: String,
        /// Address-of-record and digest user.
        #[arg(long)]
        user: String,
        /// Digest password.
        #[arg(long)]
        password: String,
        /// Registration lifetime to ask for, seconds.
        #[arg(long, default_value_t = 3600)]
        expires: u32,
        /// Stay registered this many seconds (refreshing, answering NOTIFY).
        #[arg(long, default_value_t = 0)]
        hold: u64,
        /// Seconds to wait for a final answer to each registration (at most 32, Timer F).
        #[arg(long, default_value_t = 10)]
        timeout: u64,
    },
    /// Register many phones at once.
    Storm {
        /// The registrar, `address:port`.
        #[arg(long)]
        server: SocketAddr,
        /// How many phones.
        #[arg(long, default_value_t = 1000)]
        count: u32,
        /// Pool tag of the first phone.
        #[arg(long, default_value_t = 1)]
        first_tag: u32,
        /// UDP sockets the phones share (many phones behind few ports, as behind a NAT).
        #[arg(long, default_value_t = 4)]
        sockets: usize,
        /// Registrations in flight per socket. More does not go faster: against Kamailio on
        /// loopback, 4 x 64 overflowed its receive buffer (retransmissions after T1, 500 ms)
        /// where 4 x 16 registered 5,000 phones in 0.6 s with none.
        #[arg(long, default_value_t = 16)]
        window: usize,
        /// Registration lifetime to ask for, seconds.
        #[arg(long, default_value_t = 3600)]
        expires: u32,
        /// Give up after this many seconds.
        #[arg(long, default_value_t = 60)]
        deadline: u64,
    },
}

/// The MAC `cmed-gen-config` gives pool `tag` (`id mac 64A0.E7hh.llll`).
fn pool_mac(tag: u32) -> String {
    format!("64A0E7{:02X}{:04X}", (tag >> 16) & 0xFF, tag & 0xFFFF)
}

fn print_registered(r: &Registered, device: &str) {
    println!(
        "registered: {device} for {} s, {} binding(s), digest {}, server {}",
        r.expires,
        r.bindings,
        r.algorithm.unwrap_or("none"),
        r.server.as_deref().unwrap_or("-")
    );
}

fn print_incoming(i: &Incoming) {
    println!(
        "received {}{}{}, {} byte body -> answered {}",
        i.method,
        i.event
            .as_deref()
            .map(|e| format!(" Event: {e}"))
            .unwrap_or_default(),
        i.content_type
            .as_deref()
            .map(|c| format!(" Content-Type: {c}"))
            .unwrap_or_default(),
        i.body.len(),
        i.answered
    );
    for line in i.body.lines().take(10) {
        println!("  | {line}");
    }
}

fn no_answer(e: &SimError) -> bool {
    match e {
        SimError::Timeout(_) => true,
        SimError::Io(io) => io.kind() == ErrorKind::ConnectionRefused,
        _ => false,
    }
}

/// The exit status for a failed registration, after saying why.
fn failed(server: SocketAddr, e: &SimError) -> ExitCode {
    if no_answer(e) {
        println!("no answer from {server}: {e}");
        ExitCode::from(3)
    } else {
        println!("registration failed: {e}");
        ExitCode::FAILURE
    }
}

#[allow(clippy::too_many_arguments)]
async fn one(
    server: SocketAddr,
    mac: &str,
    user: &str,
    password: &str,
    expires: u32,
    hold: u64,
    timeout: u64,
) -> ExitCode {
    let Some(mut phone) = SipPhone::new(server, mac, user, password) else {
        eprintln!("cmed-sip-phone: --mac '{mac}' is not twelve hex digits");
        return ExitCode::from(2);
    };
    phone.expires = expires;
    let device = phone.device_name();
    let timeout = Duration::from_secs(timeout.max(1));
    let mut ua = match Ua::new(phone).await {
        Ok(ua) => ua,
        Err(e) => {
            eprintln!("cmed-sip-phone: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("REGISTER {device} as {user} to {server} from {}", ua.local);
    let mut r = match ua.register(timeout).await {
        Ok(r) => r,
        Err(e) => return failed(server, &e),
    };
    print_registered(&r, &device);
    let end = Instant::now() + Duration::from_secs(hold);
    loop {
        for i in std::mem::take(&mut ua.incoming) {
            print_incoming(&i);
        }
        // Refresh at 85 % of the granted lifetime, as phones refresh ahead of expiry.
        let refresh = Instant::now() + Duration::from_millis(u64::from(r.expires.max(1)) * 850);
        let until = refresh.min(end);
        match ua.next_request(until).await {
            Ok(Some(i)) => {
                print_incoming(&i);
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                eprintln!("cmed-sip-phone: {e}");
                return ExitCode::FAILURE;
            }
        }
        if Instant::now() >= end {
            break;
        }
        println!("refreshing");
        r = match ua.register(timeout).await {
            Ok(r) => r,
            Err(e) => return failed(server, &e),
        };
        print_registered(&r, &device);
    }
    if ua.retransmissions > 0 {
        println!("retransmissions: {}", ua.retransmissions);
    }
    ExitCode::SUCCESS
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) * p).div_ceil(100)]
}

fn print_storm(count: u32, r: &StormReport) {
    println!(
        "storm: {} registered, {} failed ({} refused, {} unanswered) of {count}, all done in {:.3} s, \
         p50 {} ms, p95 {} ms, max {} ms, {} retransmissions, {} requests answered",
        r.registered,
        r.refused + r.unanswered,
        r.refused,
        r.unanswered,
        r.elapsed.as_secs_f64(),
        ms(percentile(&r.latencies, 50)),
        ms(percentile(&r.latencies, 95)),
        ms(r.latencies.last().copied().unwrap_or_default()),
        r.retransmissions,
        r.requests_answered,
    );
    for f in &r.failures {
        println!("  failed: {f}");
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_storm(
    server: SocketAddr,
    count: u32,
    first_tag: u32,
    sockets: usize,
    window: usize,
    expires: u32,
    deadline: u64,
) -> ExitCode {
    if count == 0 || first_tag == 0 || first_tag.checked_add(count).is_none() {
        eprintln!("cmed-sip-phone: --count and --first-tag must be at least 1");
        return ExitCode::from(2);
    }
    let phones: Vec<SipPhone> = (first_tag..first_tag + count)
        .map(|t| {
            let mut p = SipPhone::new(server, &pool_mac(t), &format!("sip{t}"), &format!("s{t}"))
                .expect("pool MACs are twelve hex digits");
            p.expires = expires;
            p
        })
        .collect();
    match storm(
        phones,
        sockets,
        window,
        Duration::from_secs(deadline.max(1)),
    )
    .await
    {
        Ok(r) => {
            print_storm(count, &r);
            if r.registered == count as usize {
                ExitCode::SUCCESS
            } else if r.registered == 0 && r.refused == 0 {
                println!("no answer from {server}");
                ExitCode::from(3)
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("cmed-sip-phone: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cmed-sip-phone: tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(async {
        match cli.cmd {
            Cmd::One {
                server,
                mac,
                user,
                password,
                expires,
                hold,
                timeout,
            } => one(server, &mac, &user, &password, expires, hold, timeout).await,
            Cmd::Storm {
                server,
                count,
                first_tag,
                sockets,
                window,
                expires,
                deadline,
            } => run_storm(server, count, first_tag, sockets, window, expires, deadline).await,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pool_macs_match_cmed_gen_config() {
        // cmed-gen-config writes `id mac 64A0.E700.0001` for pool 1 and 64A0.E701.0000 for 65536.
        assert_eq!(pool_mac(1), "64A0E7000001");
        assert_eq!(pool_mac(10_000), "64A0E7002710");
        assert_eq!(pool_mac(65_536), "64A0E7010000");
    }

    #[test]
    fn percentiles_pick_from_the_sorted_latencies() {
        let l: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&l, 50), Duration::from_millis(51));
        assert_eq!(percentile(&l, 95), Duration::from_millis(96));
        assert_eq!(percentile(&[], 95), Duration::ZERO);
    }
}
