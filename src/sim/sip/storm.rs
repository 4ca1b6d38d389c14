//! A storm of simulated SIP phones: many registrations at once over a few UDP sockets, with
//! a bounded window in flight per socket, retransmission as a non-INVITE client transaction,
//! and a deadline; what the SIP benchmark and `cmed-sip-phone storm` measure.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

use super::{Outcome, SipPhone, T1, T2, TIMER_F, answer, is_refused, socket_to, unique};
use crate::proto::sip::msg;
use crate::sim::SimError;

/// What a storm measured.
#[derive(Clone, Debug, Default)]
pub struct StormReport {
    /// Phones that got a 200.
    pub registered: usize,
    /// Phones refused with a final answer.
    pub refused: usize,
    /// Phones without a final answer within Timer F or the deadline.
    pub unanswered: usize,
    /// Time from the first REGISTER to the last final outcome.
    pub elapsed: Duration,
    /// First REGISTER to 200 per registered phone (challenge round included), sorted.
    pub latencies: Vec<Duration>,
    /// Retransmitted requests.
    pub retransmissions: u64,
    /// Requests from the server answered (NOTIFY, OPTIONS …).
    pub requests_answered: u64,
    /// The first few refusals, for the report.
    pub failures: Vec<String>,
}

/// One phone in flight in a storm.
struct Flight {
    phone: SipPhone,
    out: Vec<u8>,
    interval: Duration,
    resend: Instant,
    started: Instant,
}

/// Registers every phone (each once, with its challenge round) over `sockets` UDP sockets,
/// at most `window` transactions in flight per socket, and gives up at `deadline` from the
/// start.
pub async fn storm(
    phones: Vec<SipPhone>,
    sockets: usize,
    window: usize,
    deadline: Duration,
) -> Result<StormReport, SimError> {
    let Some(server) = phones.first().map(|p| p.server) else {
        return Ok(StormReport::default());
    };
    let sockets = sockets.clamp(1, phones.len());
    let mut groups: Vec<Vec<SipPhone>> = (0..sockets).map(|_| Vec::new()).collect();
    for (i, p) in phones.into_iter().enumerate() {
        groups[i % sockets].push(p);
    }
    let start = Instant::now();
    let end = start + deadline;
    let mut tasks = Vec::new();
    for g in groups {
        let sock = socket_to(server, true).await?;
        tasks.push(tokio::spawn(storm_socket(sock, g, window.max(1), end)));
    }
    let mut total = StormReport::default();
    let mut last = start;
    for t in tasks {
        let (r, done) = t
            .await
            .map_err(|e| SimError::Bad(format!("storm task: {e}")))??;
        last = last.max(done);
        total.registered += r.registered;
        total.refused += r.refused;
        total.unanswered += r.unanswered;
        total.latencies.extend(r.latencies);
        total.retransmissions += r.retransmissions;
        total.requests_answered += r.requests_answered;
        for f in r.failures {
            if total.failures.len() < 5 {
                total.failures.push(f);
            }
        }
    }
    total.latencies.sort_unstable();
    total.elapsed = last - start;
    Ok(total)
}

/// One socket's share of a storm; returns its report and when its last phone finished.
async fn storm_socket(
    sock: UdpSocket,
    phones: Vec<SipPhone>,
    window: usize,
    end: Instant,
) -> Result<(StormReport, Instant), SimError> {
    let local = sock.local_addr()?;
    let server = phones[0].server;
    let to_tag = unique();
    let mut waiting: VecDeque<SipPhone> = phones.into();
    let mut live: HashMap<String, Flight> = HashMap::with_capacity(window);
    let mut r = StormReport::default();
    let mut last = Instant::now();
    let mut buf = vec![0u8; msg::MAX_MESSAGE];
    let fail = |r: &mut StormReport, why: String| {
        if r.failures.len() < 5 {
            r.failures.push(why);
        }
    };
    while !(waiting.is_empty() && live.is_empty()) {
        let now = Instant::now();
        if now >= end {
            r.unanswered += live.len() + waiting.len();
            break;
        }
        while live.len() < window
            && let Some(mut p) = waiting.pop_front()
        {
            let out = p.register(local);
            match sock.send(&out).await {
                Ok(_) => {}
                Err(e) if is_refused(&e) => {} // the retransmission tries again
                Err(e) => return Err(SimError::Io(e)),
            }
            let now = Instant::now();
            live.insert(
                p.call_key().to_string(),
                Flight {
                    phone: p,
                    out,
                    interval: T1,
                    resend: now + T1,
                    started: now,
                },
            );
        }
        let wake = live
            .values()
            .map(|f| f.resend)
            .min()
            .unwrap_or(end)
            .min(end);
        let first = tokio::time::timeout_at(wake.into(), sock.recv(&mut buf)).await;
        let mut datagrams = Vec::new();
        match first {
            Err(_) => {}
            Ok(Err(e)) if is_refused(&e) => {}
            Ok(Err(e)) => return Err(SimError::Io(e)),
            Ok(Ok(n)) => {
                datagrams.push(buf[..n].to_vec());
                // Drain what is already queued before looking at the timers again.
                while datagrams.len() < 256 {
                    match sock.try_recv(&mut buf) {
                        Ok(n) => datagrams.push(buf[..n].to_vec()),
                        Err(_) => break,
                    }
                }
            }
        }
        for d in datagrams {
            let Ok(m) = msg::parse(&d) else { continue };
            if m.is_request() {
                if let Some((_, bytes)) = answer(&m, server, &to_tag) {
                    let _ = sock.send(&bytes).await;
                    r.requests_answered += 1;
                }
                continue;
            }
            let Some(key) = m
                .call_id()
                .and_then(|c| c.split('@').next().map(str::to_string))
            else {
                continue;
            };
            let Some(f) = live.get_mut(&key) else {
                continue; // a late retransmission for a phone already done
            };
            match f.phone.on_response(&m, local) {
                Outcome::Ignore => {}
                Outcome::Send(next) => {
                    f.out = next;
                    f.interval = T1;
                    f.resend = Instant::now() + T1;
                    let _ = sock.send(&f.out).await;
                }
                Outcome::Registered(_) => {
                    let now = Instant::now();
                    r.registered += 1;
                    r.latencies.push(now - f.started);
                    last = now;
                    live.remove(&key);
                }
                Outcome::Refused(code, why) => {
                    r.refused += 1;
                    fail(&mut r, format!("{}: {code} {why}", f.phone.user));
                    last = Instant::now();
                    live.remove(&key);
                }
            }
        }
        let now = Instant::now();
        let mut gone = Vec::new();
        for (key, f) in live.iter_mut() {
            if f.resend > now {
                continue;
            }
            if now - f.started >= TIMER_F {
                gone.push(key.clone());
                continue;
            }
            let _ = sock.send(&f.out).await;
            r.retransmissions += 1;
            f.interval = (f.interval * 2).min(T2);
            f.resend = now + f.interval;
        }
        for key in gone {
            if let Some(f) = live.remove(&key) {
                r.unanswered += 1;
                fail(
                    &mut r,
                    format!("{}: no final answer (Timer F)", f.phone.user),
                );
                last = now;
            }
        }
    }
    Ok((r, last))
}
