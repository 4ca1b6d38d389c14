//! Extension Mobility scenarios on the engine alone: the in-memory store, a hand-driven
//! clock (unix seconds), and SCCP phones registered through the engine's own handlers.

mod support;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use cmed::config::Running;
use cmed::config::load;
use cmed::engine::Engine;
use cmed::engine::em::{EmError, Plan, Reason};
use cmed::engine::phones::PhoneCmd;
use cmed::grammar::graph::Grammar;
use cmed::ids::{ConnId, DeviceName, UserName};
use cmed::proto::sccp::msg::{Register, ResetType};
use cmed::proto::sccp::session::Event;
use cmed::store::{MemStore, Persisted, Store};

/// 2026-11-23 08:00:00 UTC.
const MORNING: u64 = 1_795_420_800;
const LOBBY: &str = "SEP0022905B11C2";
const LOBBY2: &str = "SEP5475D0A32204";
const DESK: &str = "SEP001E7A345A01";

fn phone_ip() -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, 9))
}

struct World {
    engine: Engine,
    store: MemStore,
}

impl World {
    fn new(config: &str) -> World {
        let g = Arc::new(Grammar::embedded());
        let loaded = load::load(&g, config);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let running = Running::new(&g, loaded.tree, None);
        let mut engine = Engine::new(g, running);
        assert!(engine.recover(Persisted::default()).is_empty());
        World {
            engine,
            store: MemStore::default(),
        }
    }

    fn office() -> World {
        World::new(support::SMALL_OFFICE)
    }

    /// Commits and applies a plan as the actor does; returns the restarts.
    fn commit(&mut self, plan: Result<Plan, EmError>) -> Result<Vec<PhoneCmd>, EmError> {
        let plan = plan?;
        self.store
            .commit(&plan.changes)
            .map_err(|_| EmError::Database)?;
        Ok(self.engine.em_apply(&plan))
    }

    fn login(
        &mut self,
        device: &str,
        user: &str,
        secret: &str,
        now: u64,
    ) -> Result<Vec<PhoneCmd>, EmError> {
        let plan = self
            .engine
            .em_login(device, user, secret, phone_ip(), true, now);
        self.commit(plan)
    }

    fn logout(&mut self, device: &str, now: u64) -> Result<Vec<PhoneCmd>, EmError> {
        let plan = self.engine.em_logout(device, phone_ip(), true, now);
        self.commit(plan)
    }

    fn user_on(&self, device: &str) -> Option<String> {
        let d = DeviceName::parse(device).unwrap();
        self.engine.em().sessions.get(&d).map(|s| s.user.0.clone())
    }

    /// Registers `device` over SCCP as connection `conn` from the phone's address.
    fn register(&mut self, conn: u64, device: &str) {
        let reg = Register::station(device, 435, 17, Ipv4Addr::new(127, 0, 0, 9));
        let peer = SocketAddr::new(phone_ip(), 50_000);
        let cmds = self.engine.sccp_register(ConnId(conn), peer, reg, MORNING);
        assert!(
            matches!(cmds.last(), Some(PhoneCmd::Accept { .. })),
            "{cmds:?}"
        );
    }

    fn tick(&mut self, now: u64) -> Vec<PhoneCmd> {
        let plan = self.engine.em_tick(now);
        self.commit(Ok(plan)).unwrap()
    }
}

fn restarted(cmds: &[PhoneCmd]) -> Vec<ConnId> {
    cmds.iter()
        .filter_map(|c| match c {
            PhoneCmd::Reset {
                conn,
                kind: ResetType::Restart,
            } => Some(*conn),
            _ => None,
        })
        .collect()
}

#[test]
fn login_swaps_the_profile_commits_and_restarts_the_phone() {
    let mut w = World::office();
    w.register(1, LOBBY);
    let cmds = w.login(LOBBY, "amartin", "Am4rtin9", MORNING).unwrap();
    assert_eq!(restarted(&cmds), [ConnId(1)]);
    assert_eq!(w.user_on(LOBBY).as_deref(), Some("amartin"));
    // Durable: the store holds the session and the last user.
    let p = w.store.load().unwrap();
    let d = DeviceName::parse(LOBBY).unwrap();
    assert_eq!(p.sessions[&d].user, UserName("amartin".into()));
    assert_eq!(p.last_users[&d], UserName("amartin".into()));
    // The phone's next registration gets the user's lines.
    w.register(2, LOBBY);
    let cmds = w.logout(LOBBY, MORNING + 60).unwrap();
    assert_eq!(restarted(&cmds), [ConnId(2)]);
    assert_eq!(w.user_on(LOBBY), None);
    assert!(w.store.load().unwrap().sessions.is_empty());
    assert_eq!(w.logout(LOBBY, MORNING + 61), Err(EmError::NoUser));
}

#[test]
fn refusals_carry_the_cisco_numbers() {
    let mut w = World::office();
    assert_eq!(
        w.login(LOBBY, "amartin", "wrong", MORNING),
        Err(EmError::Authentication)
    );
    assert_eq!(
        w.login(LOBBY, "nobody", "x", MORNING),
        Err(EmError::Authentication)
    );
    assert_eq!(w.login(LOBBY, "", "x", MORNING), Err(EmError::Blank));
    assert_eq!(w.login(LOBBY, "amartin", "", MORNING), Err(EmError::Blank));
    assert_eq!(
        w.login("", "amartin", "Am4rtin9", MORNING),
        Err(EmError::DeviceNameEmpty)
    );
    assert_eq!(
        w.login("SEP000000000001", "amartin", "Am4rtin9", MORNING),
        Err(EmError::UnknownDevice)
    );
    assert_eq!(
        w.login("garbage", "amartin", "Am4rtin9", MORNING),
        Err(EmError::UnknownDevice)
    );
    // The reception phone has no logout profile.
    assert_eq!(
        w.login(DESK, "amartin", "Am4rtin9", MORNING),
        Err(EmError::LogonDisabled)
    );
    assert_eq!(EmError::LogonDisabled.code(), 22);
    assert!(w.engine.em().sessions.is_empty());
}

#[test]
fn login_elsewhere_under_each_policy() {
    // Default (CME): auto-logout of the first phone.
    let mut w = World::office();
    w.register(1, LOBBY);
    w.register(2, LOBBY2);
    w.login(LOBBY, "amartin", "Am4rtin9", MORNING).unwrap();
    let cmds = w.login(LOBBY2, "amartin", "Am4rtin9", MORNING + 5).unwrap();
    assert_eq!(
        restarted(&cmds),
        [ConnId(1), ConnId(2)],
        "first phone restarted into its logout profile"
    );
    assert_eq!(w.user_on(LOBBY), None);
    assert_eq!(w.user_on(LOBBY2).as_deref(), Some("amartin"));
    assert_eq!(
        w.engine.em().recent.back().unwrap().reason,
        Reason::LoginElsewhere
    );

    let not_allowed = support::SMALL_OFFICE.replace(
        "em multiple-login auto-logout",
        "em multiple-login not-allowed",
    );
    let mut w = World::new(&not_allowed);
    w.login(LOBBY, "amartin", "Am4rtin9", MORNING).unwrap();
    assert_eq!(
        w.login(LOBBY2, "amartin", "Am4rtin9", MORNING),
        Err(EmError::Elsewhere)
    );
    assert_eq!(EmError::Elsewhere.code(), 25);

    let allowed =
        support::SMALL_OFFICE.replace("em multiple-login auto-logout", "em multiple-login allowed");
    let mut w = World::new(&allowed);
    w.login(LOBBY, "amartin", "Am4rtin9", MORNING).unwrap();
    w.login(LOBBY2, "amartin", "Am4rtin9", MORNING).unwrap();
    assert_eq!(w.engine.em().sessions.len(), 2);
}

#[test]
fn lockout_after_five_failures_for_fifteen_minutes() {
    let mut w = World::office();
    for i in 0..5 {
        assert_eq!(
            w.login(LOBBY, "bkeller", "nope", MORNING + i),
            Err(EmError::Authentication)
        );
    }
    // Locked: even the right password is refused.
    assert_eq!(
        w.login(LOBBY, "bkeller", "Bk2024", MORNING + 10),
        Err(EmError::Authentication)
    );
    assert_eq!(
        w.login(LOBBY, "bkeller", "Bk2024", MORNING + 4 + 15 * 60 - 1),
        Err(EmError::Authentication)
    );
    // After fifteen minutes it works again.
    w.login(LOBBY, "bkeller", "Bk2024", MORNING + 4 + 15 * 60 + 1)
        .unwrap();
    assert_eq!(w.user_on(LOBBY).as_deref(), Some("bkeller"));
}

#[test]
fn everyone_is_logged_out_at_the_em_logout_time_of_day() {
    let mut w = World::office();
    w.register(1, LOBBY);
    w.login(LOBBY, "amartin", "Am4rtin9", MORNING).unwrap();
    w.login(LOBBY2, "cdubois", "Cd1003", MORNING).unwrap();
    let seven_pm = MORNING + 11 * 3600; // 19:00 UTC
    assert!(w.tick(seven_pm - 1).is_empty());
    assert_eq!(w.engine.em().sessions.len(), 2);
    let cmds = w.tick(seven_pm + 1);
    assert_eq!(restarted(&cmds), [ConnId(1)]);
    assert!(w.engine.em().sessions.is_empty());
    assert!(
        w.engine
            .em()
            .recent
            .iter()
            .all(|e| e.reason == Reason::TimeOfDay)
    );
}

#[test]
fn idle_logout_and_going_off_hook_restarts_the_idle_timer() {
    let mut w = World::office();
    w.register(1, LOBBY);
    // bkeller has max-idle-time 60.
    w.login(LOBBY, "bkeller", "Bk2024", MORNING).unwrap();
    w.tick(MORNING);
    assert!(w.engine.em_tick(MORNING + 59 * 60).changes.is_empty());
    // Off hook at +30 min, back on hook: the hour counts from there.
    w.engine
        .sccp_event(ConnId(1), &Event::OffHook, MORNING + 30 * 60);
    assert!(
        w.engine
            .sccp_event(ConnId(1), &Event::OnHook, MORNING + 31 * 60)
            .is_none()
    );
    assert!(w.tick(MORNING + 61 * 60).is_empty());
    assert_eq!(w.user_on(LOBBY).as_deref(), Some("bkeller"));
    let cmds = w.tick(MORNING + 91 * 60);
    assert_eq!(restarted(&cmds), [ConnId(1)]);
    assert_eq!(w.engine.em().recent.back().unwrap().reason, Reason::Idle);
}

#[test]
fn an_automatic_logout_waits_while_the_phone_is_off_hook() {
    let mut w = World::office();
    w.register(1, LOBBY);
    w.login(LOBBY, "amartin", "Am4rtin9", MORNING).unwrap();
    w.tick(MORNING);
    w.engine
        .sccp_event(ConnId(1), &Event::OffHook, MORNING + 11 * 3600 - 10);
    // 19:00 passes during the call: the user stays.
    assert!(w.tick(MORNING + 11 * 3600 + 1).is_empty());
    assert_eq!(w.user_on(LOBBY).as_deref(), Some("amartin"));
    // On hook: the deferred logout happens now.
    let plan = w
        .engine
        .sccp_event(ConnId(1), &Event::OnHook, MORNING + 11 * 3600 + 120);
    let cmds = w.commit(plan.ok_or(EmError::NoUser)).unwrap();
    assert_eq!(restarted(&cmds), [ConnId(1)]);
    assert_eq!(w.user_on(LOBBY), None);
}

#[test]
fn max_login_time_and_validate_ip() {
    let cfg = support::SMALL_OFFICE.replace(
        " em remember-last-user\n",
        " em remember-last-user\n em max-login-time 8:00\n em validate-ip\n em trusted-ip 10.0.0.5\n",
    );
    let mut w = World::new(&cfg);
    w.register(1, LOBBY);
    // From the phone's own address: fine. From anywhere else: error 28.
    let stranger = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 77));
    let plan = w
        .engine
        .em_login(LOBBY, "amartin", "Am4rtin9", stranger, true, MORNING);
    assert_eq!(plan.map(|_| ()), Err(EmError::UntrustedIp));
    let trusted = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5));
    assert!(
        w.engine
            .em_login(LOBBY, "amartin", "Am4rtin9", trusted, true, MORNING)
            .is_ok()
    );
    w.login(LOBBY, "amartin", "Am4rtin9", MORNING).unwrap();
    w.tick(MORNING + 1);
    assert!(w.tick(MORNING + 8 * 3600 - 1).is_empty());
    w.tick(MORNING + 8 * 3600);
    assert_eq!(
        w.engine.em().recent.back().unwrap().reason,
        Reason::MaxLoginTime
    );
}

#[test]
fn changed_password_is_durable_and_replaces_the_configured_one() {
    let mut w = World::office();
    w.login(LOBBY, "glin", "Gl1007", MORNING).unwrap();
    let plan = w
        .engine
        .em_change_password(LOBBY, phone_ip(), "Gl1007", "N3wSecret");
    w.commit(plan).unwrap();
    let stored = w.store.load().unwrap();
    let hashed = &stored.credentials[&UserName("glin".into())];
    assert!(
        !hashed.contains("N3wSecret"),
        "the store never holds it in clear"
    );
    w.logout(LOBBY, MORNING + 1).unwrap();
    assert_eq!(
        w.login(LOBBY, "glin", "Gl1007", MORNING + 2),
        Err(EmError::Authentication)
    );
    w.login(LOBBY, "glin", "N3wSecret", MORNING + 3).unwrap();
    // A restart recovers it from the store.
    let mut again = World::office();
    again.engine.recover(stored);
    again
        .login(LOBBY2, "glin", "N3wSecret", MORNING + 4)
        .unwrap();
    assert!(again.engine.em_authenticate("glin", "N3wSecret"));
    assert!(!again.engine.em_authenticate("glin", "Gl1007"));
}

#[test]
fn sessions_of_phones_or_users_no_longer_configured_are_dropped_at_recovery() {
    let mut w = World::office();
    w.login(LOBBY, "amartin", "Am4rtin9", MORNING).unwrap();
    w.login(LOBBY2, "bkeller", "Bk2024", MORNING).unwrap();
    let persisted = w.store.load().unwrap();
    // bkeller's profile is gone from the new configuration.
    let cfg = support::SMALL_OFFICE.replace(
        "voice user-profile 2\n user bkeller password 0 Bk2024\n",
        "voice user-profile 2\n",
    );
    let g = Arc::new(Grammar::embedded());
    let loaded = load::load(&g, &cfg);
    let mut engine = Engine::new(g.clone(), Running::new(&g, loaded.tree, None));
    let dropped = engine.recover(persisted);
    assert_eq!(dropped.len(), 1);
    assert_eq!(engine.em().sessions.len(), 1);
    assert!(
        engine
            .snapshot()
            .logins
            .get(&DeviceName::parse(LOBBY).unwrap())
            .is_some()
    );
}

#[test]
fn a_failed_commit_changes_nothing_and_says_database_error() {
    let mut w = World::office();
    w.store.fail_next_commit();
    let plan = w
        .engine
        .em_login(LOBBY, "amartin", "Am4rtin9", phone_ip(), true, MORNING);
    assert_eq!(w.commit(plan), Err(EmError::Database));
    assert!(w.engine.em().sessions.is_empty());
}

#[test]
fn an_edited_profile_in_use_restarts_the_phones_that_carry_it() {
    let mut w = World::office();
    w.register(1, LOBBY);
    w.register(2, LOBBY2);
    // An 8945 has room for amartin's two lines and both speed dials.
    w.login(LOBBY2, "amartin", "Am4rtin9", MORNING).unwrap();
    w.register(3, LOBBY2); // re-registered with amartin's profile
    assert!(w.engine.stale_em_phones().is_empty());
    let mut s = cmed::cli::exec::Session::new(&Grammar::embedded(), 15, "test");
    for line in [
        "configure terminal",
        "voice user-profile 1",
        "no speed-dial 2",
        "end",
    ] {
        let r = w.engine.cli(&mut s, line);
        assert!(!r.error, "{line}: {}", r.output);
    }
    // Only the phone carrying user-profile 1 restarts, not the one in the logout profile.
    assert_eq!(restarted(&w.engine.stale_em_phones()), [ConnId(3)]);
}
