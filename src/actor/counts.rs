//! The engine's numbers `/metrics` exposes, copied out of its read-only `View` in one
//! actor turn (registered phones, EM, calls, the registrar's counters), so the HTTP side
//! renders them without holding the engine.

use crate::engine::View;
use crate::engine::calls::State;
use crate::engine::em_counts::EmCounts;
use crate::engine::registrar::Stats;

/// A copy of the engine's counters and gauges at one instant.
#[derive(Clone, Debug, Default)]
pub struct EngineCounts {
    /// SCCP phones registered now.
    pub sccp_registered: u64,
    /// SIP phones registered now.
    pub sip_registered: u64,
    /// Users logged in now.
    pub em_sessions: u64,
    /// EM logins, logouts and refusals since the start.
    pub em: EmCounts,
    /// Calls ringing now.
    pub calls_alerting: u64,
    /// Calls answered and in progress now.
    pub calls_connected: u64,
    /// Calls set up since the start (each callee rung).
    pub call_setups: u64,
    /// The registrar's counters (REGISTERs), without the per-pool table.
    pub registrar: Stats,
}

impl EngineCounts {
    /// The numbers of `view`.
    pub fn of(view: &View<'_>) -> EngineCounts {
        let (mut alerting, mut connected) = (0, 0);
        for (_, call) in view.calls.iter() {
            match call.state {
                State::Alerting => alerting += 1,
                State::Connected => connected += 1,
            }
        }
        let mut registrar = view.registrar.clone();
        registrar.pools.clear();
        let n = |x: usize| u64::try_from(x).unwrap_or(u64::MAX);
        EngineCounts {
            sccp_registered: n(view.devices.registered_count()),
            sip_registered: n(view.devices.registered_sip()),
            em_sessions: n(view.em.sessions.len()),
            em: view.em.counts.clone(),
            calls_alerting: alerting,
            calls_connected: connected,
            call_setups: view.calls.set_up(),
            registrar,
        }
    }
}
