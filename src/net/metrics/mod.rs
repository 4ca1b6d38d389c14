//! `GET /metrics` on the phone services port (`ip http server`): cmed's counters and gauges
//! in the Prometheus text format, for a scraper on an address `ip http metrics allow`
//! admits (loopback only when none is configured); anyone else gets `403`.
//!
//! Thin, like the other adapters: it reads what already exists — the engine's numbers
//! (one actor turn, as a `show` command), the provisioning servers' and the SIP adapter's
//! atomics, the store's commit latency histogram — and writes them out (`text.rs`). It
//! decides nothing and keeps no state of its own.

pub mod text;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use axum::extract::{ConnectInfo, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::actor::EngineHandle;
use crate::actor::counts::EngineCounts;
use crate::actor::timed_store::{BOUNDS, Latency};
use crate::engine::em::{EmError, Reason};
use crate::engine::em_counts::REASONS;
use crate::engine::registrar::Failure;
use crate::net::http_em::Admission;
use crate::net::sip::SipCounts;
use crate::net::stats::{Counters, ProvisionStats};
use text::{Exposition, Kind};

/// The path scrapers ask for.
pub const PATH: &str = "/metrics";

/// Where the numbers come from.
pub struct Sources {
    /// The engine (its numbers, and the allow-list in the configuration).
    pub engine: EngineHandle,
    /// TFTP and HTTP provisioning counters.
    pub provision: Arc<ProvisionStats>,
    /// The SIP adapter (its transaction counters).
    pub sip: Arc<crate::net::sip::Sip>,
    /// Store commit latency.
    pub store: Arc<Latency>,
    /// The service pages' admission (EM requests refused as busy, error 26, at the door).
    pub pages: Arc<Admission>,
}

/// The `/metrics` route, to merge into the phone services' router.
pub fn router(sources: Arc<Sources>) -> axum::Router {
    axum::Router::new()
        .route(PATH, get(metrics))
        .with_state(sources)
}

async fn metrics(
    State(s): State<Arc<Sources>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let allow = s.engine.snapshot().model.metrics_allow.clone();
    if !allowed(&allow, peer.ip()) {
        tracing::debug!(%peer, "/metrics refused: not on `ip http metrics allow`");
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Forbidden: this address is not on `ip http metrics allow`\n",
        )
            .into_response();
    }
    let Ok(counts) = s.engine.counts().await else {
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        render(&counts, &s),
    )
        .into_response()
}

/// Whether `ip` may read `/metrics`: on the list (address and mask), or loopback when the
/// list is empty. An IPv4-mapped IPv6 peer is taken as its IPv4 address.
pub fn allowed(list: &[(Ipv4Addr, Ipv4Addr)], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    if list.is_empty() {
        return ip.is_loopback();
    }
    let IpAddr::V4(a) = ip else { return false };
    list.iter().any(|(net, mask)| {
        let m = u32::from(*mask);
        u32::from(a) & m == u32::from(*net) & m
    })
}

/// Every EM error, for refusal series that exist (at 0) before the first refusal.
const EM_ERRORS: [EmError; 11] = [
    EmError::Authentication,
    EmError::Blank,
    EmError::ProfileAbsent,
    EmError::DeviceNameEmpty,
    EmError::UnknownDevice,
    EmError::LogonDisabled,
    EmError::NoUser,
    EmError::Elsewhere,
    EmError::Busy,
    EmError::UntrustedIp,
    EmError::Database,
];

fn reason_label(r: Reason) -> &'static str {
    match r {
        Reason::Manual => "user",
        Reason::Admin => "admin",
        Reason::LoginElsewhere => "login_elsewhere",
        Reason::Replaced => "replaced",
        Reason::TimeOfDay => "time_of_day",
        Reason::Idle => "idle",
        Reason::MaxLoginTime => "max_login_time",
    }
}

fn failure_label(f: Failure) -> &'static str {
    match f {
        Failure::WrongPassword => "wrong_password",
        Failure::WrongUser => "wrong_user",
        Failure::NoPool => "no_pool",
        Failure::MaxPool => "max_pool",
        Failure::IntervalTooBrief => "interval_too_brief",
        Failure::Malformed => "malformed",
        Failure::Blocked => "source_blocked",
        Failure::UnreadablePassword => "type6_password",
    }
}

/// The exposition for `c` and the adapters' counters.
pub fn render(c: &EngineCounts, s: &Sources) -> String {
    let mut e = Exposition::default();
    e.family(
        "cmed_build_info",
        Kind::Gauge,
        "cmed's version, as a label; always 1",
    );
    e.sample(
        "cmed_build_info",
        &[("version", env!("CARGO_PKG_VERSION"))],
        1,
    );
    e.family(
        "cmed_phones_registered",
        Kind::Gauge,
        "Phones registered now, by protocol",
    );
    e.sample(
        "cmed_phones_registered",
        &[("protocol", "sccp")],
        c.sccp_registered,
    );
    e.sample(
        "cmed_phones_registered",
        &[("protocol", "sip")],
        c.sip_registered,
    );
    em(&mut e, c, s);
    e.family("cmed_calls_active", Kind::Gauge, "Calls now, by state");
    e.sample(
        "cmed_calls_active",
        &[("state", "alerting")],
        c.calls_alerting,
    );
    e.sample(
        "cmed_calls_active",
        &[("state", "connected")],
        c.calls_connected,
    );
    e.single(
        "cmed_call_setups_total",
        Kind::Counter,
        "Calls set up: each callee rung (a forward or hunt to another line counts again)",
        c.call_setups,
    );
    provisioning(&mut e, &s.provision);
    sip(&mut e, c, &s.sip.counts);
    let l = s.store.read();
    e.histogram(
        "cmed_store_commit_duration_seconds",
        "Durable store commits (EM sessions, passwords, SIP bindings, message waiting), by time taken",
        &BOUNDS,
        &l.cumulative,
        l.sum_seconds,
    );
    e.finish()
}

fn em(e: &mut Exposition, c: &EngineCounts, s: &Sources) {
    e.single(
        "cmed_em_sessions",
        Kind::Gauge,
        "Extension Mobility users logged in now",
        c.em_sessions,
    );
    e.single(
        "cmed_em_logins_total",
        Kind::Counter,
        "Extension Mobility logins (sessions started)",
        c.em.logins,
    );
    e.family(
        "cmed_em_logouts_total",
        Kind::Counter,
        "Extension Mobility logouts (sessions ended), by reason",
    );
    for r in REASONS {
        e.sample(
            "cmed_em_logouts_total",
            &[("reason", reason_label(r))],
            c.em.logouts_for(r),
        );
    }
    e.family(
        "cmed_em_failures_total",
        Kind::Counter,
        "Extension Mobility requests refused (login, logout, password change), by Cisco error code",
    );
    for err in EM_ERRORS {
        let mut n =
            c.em.refused
                .iter()
                .find(|(k, _)| *k == err)
                .map_or(0, |(_, n)| *n);
        if err == EmError::Busy {
            n += s.pages.busy();
        }
        let code = err.code().to_string();
        let text = err.to_string();
        e.sample(
            "cmed_em_failures_total",
            &[("code", &code), ("error", &text)],
            n,
        );
    }
}

/// One provisioning family: name, type, help, and the counter it reads of each server.
type ProvisionRow = (&'static str, Kind, &'static str, fn(&Counters) -> u64);

fn provisioning(e: &mut Exposition, p: &ProvisionStats) {
    let servers: [(&str, &Counters); 2] = [("tftp", &p.tftp), ("http", &p.http)];
    let rows: [ProvisionRow; 6] = [
        (
            "cmed_provision_requests_total",
            Kind::Counter,
            "Provisioning requests (TFTP read requests, HTTP GETs), by server",
            |c| c.requests.load(Relaxed),
        ),
        (
            "cmed_provision_sent_bytes_total",
            Kind::Counter,
            "Payload bytes sent by the provisioning servers",
            |c| c.bytes.load(Relaxed),
        ),
        (
            "cmed_provision_not_found_total",
            Kind::Counter,
            "Provisioning requests answered file not found",
            |c| c.not_found.load(Relaxed),
        ),
        (
            "cmed_provision_refused_total",
            Kind::Counter,
            "Provisioning requests refused (traversal, bad names, writes)",
            |c| c.refused.load(Relaxed),
        ),
        (
            "cmed_provision_errors_total",
            Kind::Counter,
            "Provisioning transfers that failed (timeouts, client errors, I/O, overload)",
            |c| c.errors.load(Relaxed),
        ),
        (
            "cmed_provision_transfers_active",
            Kind::Gauge,
            "Provisioning transfers in progress",
            |c| c.active.load(Relaxed),
        ),
    ];
    for (name, kind, help, read) in rows {
        e.family(name, kind, help);
        for (server, c) in servers {
            e.sample(name, &[("server", server)], read(c));
        }
    }
    let name = "cmed_provision_transfers_total";
    e.family(
        name,
        Kind::Counter,
        "Files served by the provisioning servers, by server and kind (generated from the configuration, or static under --tftp-root)",
    );
    for (server, c) in servers {
        e.sample(
            name,
            &[("server", server), ("file", "generated")],
            c.generated.load(Relaxed),
        );
        e.sample(
            name,
            &[("server", server), ("file", "static")],
            c.static_files.load(Relaxed),
        );
    }
}

fn sip(e: &mut Exposition, c: &EngineCounts, sip: &SipCounts) {
    e.single(
        "cmed_sip_server_transactions_total",
        Kind::Counter,
        "SIP server transactions started (new requests; retransmissions are absorbed)",
        sip.server_transactions.load(Relaxed),
    );
    e.single(
        "cmed_sip_transactions_active",
        Kind::Gauge,
        "SIP transactions (server and client) live now",
        sip.live.load(Relaxed),
    );
    e.family(
        "cmed_sip_requests_shed_total",
        Kind::Counter,
        "SIP requests answered without a transaction past --sip-max-transactions, by how",
    );
    e.sample(
        "cmed_sip_requests_shed_total",
        &[("answer", "stateless_register")],
        sip.stateless_registers.load(Relaxed),
    );
    e.sample(
        "cmed_sip_requests_shed_total",
        &[("answer", "503")],
        sip.shed.load(Relaxed),
    );
    let r = &c.registrar;
    e.single(
        "cmed_sip_register_requests_total",
        Kind::Counter,
        "REGISTER requests the registrar decided",
        r.requests,
    );
    e.family(
        "cmed_sip_register_accepted_total",
        Kind::Counter,
        "REGISTER requests accepted, by what they did",
    );
    for (what, n) in [
        ("new", r.new),
        ("refresh", r.refreshes),
        ("removed", r.removed),
        ("query", r.queries),
    ] {
        e.sample("cmed_sip_register_accepted_total", &[("kind", what)], n);
    }
    e.family(
        "cmed_sip_register_challenges_total",
        Kind::Counter,
        "401 digest challenges sent to REGISTERs, stale=\"true\" for an expired nonce",
    );
    e.sample(
        "cmed_sip_register_challenges_total",
        &[("stale", "false")],
        r.challenges.saturating_sub(r.stale),
    );
    e.sample(
        "cmed_sip_register_challenges_total",
        &[("stale", "true")],
        r.stale,
    );
    e.family(
        "cmed_sip_register_failures_total",
        Kind::Counter,
        "REGISTER requests refused, by reason",
    );
    for (f, _) in Failure::ALL {
        e.sample(
            "cmed_sip_register_failures_total",
            &[("reason", failure_label(f))],
            r.failed(f),
        );
    }
    e.single(
        "cmed_sip_auth_failures_total",
        Kind::Counter,
        "REGISTER digest authentication failures (a wrong password or digest user name; the same as those two reasons of cmed_sip_register_failures_total)",
        r.failed(Failure::WrongPassword) + r.failed(Failure::WrongUser),
    );
    e.single(
        "cmed_sip_bindings_expired_total",
        Kind::Counter,
        "SIP bindings that expired without a refresh",
        r.expired,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn loopback_only_by_default() {
        assert!(allowed(&[], ip("127.0.0.1")));
        assert!(allowed(&[], ip("127.1.2.3")));
        assert!(allowed(&[], ip("::1")));
        assert!(allowed(&[], ip("::ffff:127.0.0.1")));
        assert!(!allowed(&[], ip("192.0.2.10")));
    }

    #[test]
    fn a_configured_list_replaces_the_default() {
        let list = [
            (Ipv4Addr::new(192, 0, 2, 0), Ipv4Addr::new(255, 255, 255, 0)),
            (Ipv4Addr::new(198, 51, 100, 7), Ipv4Addr::BROADCAST),
        ];
        assert!(allowed(&list, ip("192.0.2.99")));
        assert!(allowed(&list, ip("198.51.100.7")));
        assert!(allowed(&list, ip("::ffff:192.0.2.1")));
        assert!(!allowed(&list, ip("198.51.100.8")));
        assert!(!allowed(&list, ip("127.0.0.1")), "loopback is not implied");
        assert!(!allowed(&list, ip("::1")));
    }
}
