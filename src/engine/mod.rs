//! The single owner of mutable domain state: the running configuration, the device registry
//! (SCCP connections and SIP bindings), the Extension Mobility sessions, the registrar's
//! nonces and counters — and, with the calls issue, calls.
//!
//! One way in, one way out: [`Engine::handle`] takes an [`Input`] and the time it arrived and
//! returns the [`Effect`]s to carry out, in order; [`Engine::next_deadline`] says when to call
//! it with [`Input::Timer`]. The engine reads no clock, keeps none, does no I/O and speaks no
//! protocol: adapters parse the wire into typed inputs and render the neutral commands
//! ([`ConnCmd`], `leg::LegCmd`) back into their protocol. Decisions that must survive a crash
//! leave as [`Effect::Persist`] and take effect only when the commit comes back
//! ([`Input::Committed`]); SIP bindings are the exception, written behind a second late
//! ([`Effect::WriteBehind`]). Readers that must not queue behind the engine get a
//! [`Snapshot`]; the CLI's `show` commands read a [`View`].
//!
//! The SIP registrar's decisions are in `registrar/` (with the digest check of a registered
//! phone's INVITE, which uses the registrar's nonces); its bindings are a transport in the
//! [`devices`] registry. The dial plan (numbers → devices through effective profiles,
//! dial-peer matching) is the pure [`routing`]; calls are in [`calls`], which today finds
//! numbers through its own small directory and will ask [`routing`] instead.

mod admin;
pub mod calls;
pub mod devices;
pub mod effect;
pub mod em;
pub mod em_counts;
pub mod input;
pub mod layout;
pub mod mwi;
mod passwords;
pub mod profile;
pub mod registrar;
pub mod routing;
pub mod shared_map;
mod timers;

use std::net::IpAddr;
use std::sync::Arc;

use crate::config::Running;
use crate::config::model::Model;
use crate::grammar::graph::Grammar;
use crate::ids::{ConnId, DeviceName, UserName};
use crate::leg::{LegEvent, RestartKind, SipLegId};
use crate::store::{Change, Persisted};
use crate::time::{Mono, Now};
use devices::Devices;
pub use effect::{Answer, Batch, ConnCmd, Effect};
use em::{Em, EmError, Origin, Reason};
pub use input::{
    Admin, DeviceEvent, EmPhone, EmRequest, Flow, Input, Registration, ReplyTo, Scope, SipContacts,
    SipInvite, SipRegister,
};
use registrar::Registrar;
use timers::Timers;

/// Phones and the users logged in on them (or who last were).
pub type Logins = shared_map::SharedMap<DeviceName, UserName>;

/// What readers that must not queue behind the engine see: the last published state.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The configuration model.
    pub model: Arc<Model>,
    /// Extension Mobility logins: phone -> user.
    pub logins: Logins,
    /// The last user of each phone (`em remember-last-user`).
    pub last_users: Logins,
}

/// A read-only view of the engine for one CLI line: what `show` commands render.
pub struct View<'a> {
    /// The model as it is before the line runs.
    pub model: &'a Arc<Model>,
    /// The device registry.
    pub devices: &'a Devices,
    /// Extension Mobility state.
    pub em: &'a Em,
    /// The registrar's counters.
    pub registrar: &'a registrar::Stats,
    /// The calls.
    pub calls: &'a calls::Calls,
    /// Message waiting.
    pub mwi: &'a mwi::Mwi,
    /// Unix time now, for ages.
    pub now: u64,
    /// Monotonic time now (call durations, `show call active voice`'s start times).
    pub mono: Mono,
    /// Milliseconds past `now` (`show clock`).
    pub millis: u16,
}

/// The engine state.
pub struct Engine {
    grammar: Arc<Grammar>,
    running: Running,
    devices: Devices,
    em: Em,
    registrar: Registrar,
    timers: Timers,
    calls: calls::Calls,
    mwi: mwi::Mwi,
    /// The dial plan and who carries each number, rebuilt when a call needs them after the
    /// configuration changed (see [`Engine::routing`]).
    routing: Option<(routing::DialPlan, routing::Carriers)>,
    /// Devices whose registration or login changed since the carriers were last brought
    /// up to date: only theirs are computed again.
    stale: std::collections::BTreeSet<DeviceName>,
}

impl Engine {
    /// An engine over a loaded configuration.
    pub fn new(grammar: Arc<Grammar>, running: Running) -> Engine {
        Engine {
            grammar,
            running,
            devices: Devices::default(),
            em: Em::default(),
            registrar: Registrar::new([0; 32]),
            timers: Timers::default(),
            calls: calls::Calls::default(),
            mwi: mwi::Mwi::default(),
            routing: None,
            stale: std::collections::BTreeSet::new(),
        }
    }

    /// Signs the registrar's nonces with `secret` (random at every start: nonces from an
    /// earlier run are then refused as not ours, and challenged again).
    pub fn set_nonce_secret(&mut self, secret: [u8; 32]) {
        self.registrar = Registrar::new(secret);
        // The salts of changed passwords come from the same random draw, hashed apart.
        self.em.salt_key = crate::engine::passwords::salt_key(&secret);
    }

    fn wants_housekeeping(&self) -> bool {
        self.em.wants_ticks()
            || self.devices.registered_sip() > 0
            || self.devices.unwritten()
            || self.mwi.unwritten()
    }

    /// The grammar lines are matched against.
    pub fn grammar(&self) -> &Arc<Grammar> {
        &self.grammar
    }

    /// The running configuration, read-only (the CLI matches and renders against it).
    pub fn running(&self) -> &Running {
        &self.running
    }

    /// What `show` commands read, at `now`.
    pub fn view(&self, now: Now) -> View<'_> {
        View {
            model: &self.running.model,
            devices: &self.devices,
            em: &self.em,
            registrar: &self.registrar.stats,
            calls: &self.calls,
            mwi: &self.mwi,
            now: now.unix.0,
            mono: now.mono,
            millis: now.millis,
        }
    }

    /// The snapshot readers get.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            model: self.running.model.clone(),
            logins: self.em.logins.clone(),
            last_users: self.em.last_users.clone(),
        }
    }

    /// Takes over the EM state and the SIP bindings recovered from the store at `now`;
    /// returns the changes that drop sessions whose phone or profile is gone and bindings
    /// that expired or whose pool is gone (to commit before anything listens).
    pub fn recover(&mut self, mut persisted: Persisted, now: Now) -> Vec<Change> {
        let bindings = std::mem::take(&mut persisted.bindings);
        self.mwi = mwi::Mwi::recover(std::mem::take(&mut persisted.mwi));
        let model = self.running.model.clone();
        let (em, mut drop) = Em::recover(&model, persisted);
        let key = self.em.salt_key;
        self.em = em;
        self.em.salt_key = key;
        drop.extend(
            self.devices
                .recover_sip(&model, &self.em.logins, bindings, now.unix.0),
        );
        drop
    }

    /// When to call [`Engine::handle`] with [`Input::Timer`] next, if ever.
    pub fn next_deadline(&self) -> Option<Mono> {
        let timers = self.timers.next(self.wants_housekeeping());
        [timers, self.calls.next_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    /// The dial plan and the carriers of every number: built whole after a configuration
    /// change; after a registration, a binding or a login only the devices concerned are
    /// computed again (a re-registration storm with calls meanwhile costs one device each,
    /// not the whole office each). Calls ask on every digit; the changes only mark devices
    /// stale, so a registration storm computes nothing until a call or a lamp needs it.
    fn routing(&mut self) -> &(routing::DialPlan, routing::Carriers) {
        let (m, d, l) = (&self.running.model, &self.devices, &self.em.logins);
        if let Some((_, carriers)) = self.routing.as_mut() {
            for device in std::mem::take(&mut self.stale) {
                carriers.refresh(m, d, l, device);
            }
        } else {
            self.stale.clear();
        }
        self.routing
            .get_or_insert_with(|| (routing::DialPlan::new(m), routing::Carriers::new(m, d, l)))
    }

    /// `device`'s registration or login changed: its lines are computed again before the
    /// next call.
    fn stale_device(&mut self, device: DeviceName) {
        if self.routing.is_some() {
            self.stale.insert(device);
        }
    }

    /// Runs `f` on the calls with what they read of the engine (the dial plan fresh).
    fn with_calls(
        &mut self,
        now: Now,
        f: impl FnOnce(&mut calls::Calls, &calls::Ctx<'_>) -> calls::Cmds,
    ) -> calls::Cmds {
        self.routing();
        let (plan, carriers) = self.routing.as_ref().expect("just built");
        let ctx = calls::Ctx {
            model: &self.running.model,
            devices: &self.devices,
            plan,
            carriers,
            mwi: &self.mwi,
            now: now.mono,
        };
        f(&mut self.calls, &ctx)
    }

    /// Handles one input that arrived at `now`; returns what to do, in order.
    pub fn handle(&mut self, input: Input, now: Now) -> Vec<Effect> {
        // What can change who carries which number: a configuration edit (everything is
        // computed again), a registration or its end, a committed login or logout (that
        // device's lines; and, in `timer`, an expired SIP binding). Call events, keepalives
        // and the once-a-second tick leave it as it was.
        match &input {
            Input::Admin { .. } => self.routing = None,
            Input::Register(reg) => {
                if let Ok(d) = &reg.device {
                    self.stale_device(*d);
                }
            }
            Input::Closed { conn }
            | Input::Device {
                conn,
                event: DeviceEvent::Unregistered | DeviceEvent::Deceased,
            } => {
                if let Some(d) = self.devices.on_conn(*conn) {
                    self.stale_device(d);
                }
                // A phone that was registered leaves: CME's message, before its state goes.
                if let Some((device, peer)) = self.devices.registered_on(*conn) {
                    let (tag, how) = match &input {
                        Input::Device {
                            event: DeviceEvent::Deceased,
                            ..
                        } => ("IPPHONE-6-UNREGISTER_ABNORMAL", "abnormally"),
                        _ => ("IPPHONE-6-UNREGISTER_NORMAL", "normally"),
                    };
                    tracing::info!(
                        ios = tag,
                        "{}:{device} IP:{} Socket:{} DeviceType:Phone has unregistered {how}.",
                        ephone_name(&self.running.model, &device),
                        peer.ip(),
                        conn.0
                    );
                }
            }
            Input::Committed { batch, .. } => {
                for c in &batch.changes {
                    if let Change::PutSession { device, .. } | Change::EndSession { device } = c {
                        self.stale_device(*device);
                    }
                }
            }
            _ => {}
        }
        let mut out = Vec::new();
        match input {
            Input::Register(reg) => {
                let model = self.running.model.clone();
                let cmds = self
                    .devices
                    .register(&model, &self.em.logins, &reg, now.unix.0);
                let accepted = cmds
                    .iter()
                    .any(|(c, cmd)| *c == reg.conn && matches!(cmd, ConnCmd::Accept(..)));
                out.extend(
                    cmds.into_iter()
                        .map(|(conn, cmd)| Effect::ToConn { conn, cmd }),
                );
                if accepted && let Ok(device) = &reg.device {
                    tracing::info!(
                        ios = "IPPHONE-6-REGISTER",
                        "{}:{device} IP:{} Socket:{} DeviceType:Phone has registered.",
                        ephone_name(&model, device),
                        reg.peer.ip(),
                        reg.conn.0
                    );
                    self.lamps_at_registration(*device, &mut out);
                }
            }
            Input::Device { conn, event } => self.device_event(conn, event, now, &mut out),
            Input::SipRegister(r) => {
                let model = self.running.model.clone();
                let to = r.reply;
                let outcome =
                    self.registrar
                        .register(&model, &mut self.devices, &self.em.logins, *r, now);
                if let registrar::Outcome::Registered { device, .. } = &outcome {
                    self.stale_device(*device);
                }
                let lit = match &outcome {
                    registrar::Outcome::Registered { contacts, device } if !contacts.is_empty() => {
                        Some(*device)
                    }
                    _ => None,
                };
                out.push(Effect::Reply {
                    to,
                    answer: Answer::Register(outcome),
                });
                if let Some(device) = lit {
                    self.lamps_at_registration(device, &mut out);
                }
            }
            Input::SipInvite(r) => {
                let checked = self.registrar.invite(&self.running.model, &r, now.unix.0);
                out.push(Effect::Reply {
                    to: r.reply,
                    answer: Answer::Invite(checked),
                });
            }
            Input::SipLeg {
                leg: SipLegId::Phone(device),
                event,
            } => {
                let bound = self.devices.get(&device).is_some_and(|d| d.sip().is_some());
                let cmds = if bound {
                    self.with_calls(now, |c, ctx| {
                        c.event(device, Some(crate::leg::Chan::FIRST), event, ctx)
                    })
                } else if let LegEvent::OffHook(line) = event {
                    // Only registered SIP phones call (an open B2BUA is a toll-fraud relay);
                    // the rest of the refused INVITE's events change nothing.
                    let end = calls::End::Line {
                        device,
                        line,
                        chan: crate::leg::Chan::FIRST,
                    };
                    vec![(end, crate::leg::LegCmd::Forbidden(line))]
                } else {
                    Vec::new()
                };
                self.leg_cmds(cmds, &mut out);
            }
            Input::SipLeg {
                leg: SipLegId::Trunk(trunk),
                event,
            } => {
                let cmds = self.with_calls(now, |c, ctx| c.trunk_event(trunk, event, ctx));
                self.leg_cmds(cmds, &mut out);
            }
            Input::TrunkCall {
                trunk,
                from,
                called,
                calling,
            } => {
                let cmds =
                    self.with_calls(now, |c, ctx| c.incoming(trunk, from, &called, calling, ctx));
                self.leg_cmds(cmds, &mut out);
            }
            Input::Closed { conn } => {
                if let Some(device) = self.devices.closed(conn) {
                    let cmds = self.calls.device_gone(device);
                    self.leg_cmds(cmds, &mut out);
                }
            }
            Input::Em { req, reply } => self.em_request(req, reply, now, &mut out),
            Input::Admin { cmd, reply } => self.admin(cmd, reply, now, &mut out),
            Input::Timer => self.timer(now, &mut out),
            Input::Committed { batch, result } => match result {
                Ok(()) => self.finish(*batch, &mut out),
                Err(e) => {
                    tracing::error!(error = %e, "EM change not committed; refused");
                    self.em.counts.refused(EmError::Database);
                    if let Some(to) = batch.reply {
                        out.push(reply_em(to, batch.for_cli, Err(EmError::Database)));
                    }
                }
            },
            Input::WriteBehindFailed { changes } => {
                self.devices.unwritten_again(&changes);
                self.mwi.unwritten_again(&changes);
            }
            Input::MwiNotify {
                from,
                number,
                messages,
                reply,
            } => self.mwi_notify(from, number, messages, reply, now, &mut out),
            // The daemon stops: calls end cleanly, then what waits is written behind.
            Input::Flush => {
                let cmds = self.calls.release_all();
                self.leg_cmds(cmds, &mut out);
                self.write_behind(&mut out);
            }
            Input::StartupWritten {
                text,
                result,
                reply,
            } => {
                let answer = match result {
                    Ok(()) => {
                        self.running.startup = Some(text);
                        cli_text("[OK]\n", false)
                    }
                    Err(e) => cli_text(&format!("%Error writing {e}\n"), true),
                };
                out.push(Effect::Reply { to: reply, answer });
            }
        }
        self.mwi_outcalls(now, &mut out);
        self.timers.arm_housekeeping(self.wants_housekeeping(), now);
        out
    }

    fn device_event(&mut self, conn: ConnId, event: DeviceEvent, now: Now, out: &mut Vec<Effect>) {
        let Some(device) = self.devices.event(conn, &event) else {
            return;
        };
        match event {
            DeviceEvent::Leg(chan, ev) => {
                if let LegEvent::OffHook(_)
                | LegEvent::SpeedDial(_)
                | LegEvent::Redial(_)
                | LegEvent::Messages(_) = ev
                {
                    self.em.off_hook(&device, now.unix.0);
                }
                let on_hook = matches!(ev, LegEvent::OnHook(_));
                let cmds = self.with_calls(now, |c, ctx| c.event(device, chan, ev, ctx));
                self.leg_cmds(cmds, out);
                self.forward_edits(now, out);
                // A logout that waited for the call to end happens now.
                if on_hook && let Some(batch) = self.em.on_hook(&device, now.unix.0) {
                    self.submit(batch, out);
                }
            }
            DeviceEvent::Unregistered | DeviceEvent::Deceased => {
                let cmds = self.calls.device_gone(device);
                self.leg_cmds(cmds, out);
            }
            DeviceEvent::KeepAlive => {}
        }
    }

    /// Sends each leg command to its phone (an SCCP connection, else the SIP side) or to
    /// its trunk (the SIP side, with the target and Request-URI of a call cmed places).
    fn leg_cmds(&self, cmds: calls::Cmds, out: &mut Vec<Effect>) {
        for (end, cmd) in cmds {
            let (leg, to) = match end {
                calls::End::Line { device, .. } => {
                    let d = self.devices.get(&device);
                    if let Some(conn) = d.and_then(|d| d.conn()) {
                        out.push(Effect::ToConn {
                            conn,
                            cmd: ConnCmd::Leg(end.chan(), cmd),
                        });
                        continue;
                    }
                    let to = d.and_then(|d| d.sip()).map(|b| (b.flow, b.contact.clone()));
                    (SipLegId::Phone(device), to)
                }
                calls::End::Trunk(t) => {
                    let to = self.calls.trunk(t).map(|t| {
                        let flow = Flow {
                            tcp: None,
                            peer: t.addr,
                        };
                        (flow, format!("sip:{}@{}", t.number, t.addr))
                    });
                    (SipLegId::Trunk(t), to)
                }
            };
            out.push(Effect::ToSipLeg { leg, to, cmd });
        }
    }

    /// Where an EM request comes from: the phone's service pages (`source`) or an
    /// administrator (`None`: no IP check).
    fn origin(&self, device: DeviceName, source: Option<IpAddr>) -> Origin {
        Origin {
            device,
            source,
            registered: self.devices.address_of(&device),
        }
    }

    fn em_request(&mut self, req: EmRequest, reply: ReplyTo, now: Now, out: &mut Vec<Effect>) {
        let (m, t) = (self.running.model.clone(), now.unix.0);
        let decision = match req {
            EmRequest::Login {
                device,
                user,
                secret,
                source,
            } => self.em.login(
                &m,
                &self.origin(device, Some(source)),
                &user,
                &secret,
                true,
                t,
            ),
            EmRequest::Logout { device, source } => {
                self.em
                    .logout(&m, &self.origin(device, Some(source)), Reason::Manual, t)
            }
            EmRequest::ApiLogin { device, user } => {
                self.em
                    .login(&m, &self.origin(device, None), &user, "", false, t)
            }
            EmRequest::ApiLogout { device } => {
                self.em
                    .logout(&m, &self.origin(device, None), Reason::Admin, t)
            }
            EmRequest::ChangePassword {
                device,
                old,
                new,
                source,
            } => self.em.change_password(
                &m,
                &self.origin(device, Some(source)),
                &old,
                &new,
                now.unix.0,
            ),
            EmRequest::Authenticate { user, secret } => {
                let ok = self.authenticate(&user, &secret);
                let answer = if ok {
                    Ok(())
                } else {
                    Err(EmError::Authentication)
                };
                out.push(reply_em(reply, false, answer));
                return;
            }
        };
        self.decided(decision, reply, false, out);
    }

    fn decided(
        &mut self,
        decision: effect::Decision,
        reply: ReplyTo,
        cli: bool,
        out: &mut Vec<Effect>,
    ) {
        match decision {
            Ok(mut batch) => {
                batch.reply = Some(reply);
                batch.for_cli = cli;
                self.submit(batch, out);
            }
            Err(refusal) => {
                self.em.record_failure(&refusal);
                out.push(reply_em(reply, cli, Err(refusal.error)));
            }
        }
    }

    /// Whether `user`/`secret` is an `authentication credential` or a profile user with that
    /// password (changed or configured).
    fn authenticate(&self, user: &UserName, secret: &str) -> bool {
        let m = &self.running.model;
        if m.telephony
            .credentials
            .get(&user.0)
            .is_some_and(|s| s.matches(secret))
        {
            return true;
        }
        let profile = profile::user_profile(m, user).map(|(_, p)| p).or_else(|| {
            m.logout_profiles
                .values()
                .find(|p| p.user.as_ref().is_some_and(|c| c.user == *user))
        });
        profile.is_some_and(|p| !secret.is_empty() && self.em.verify(p, secret))
    }

    /// A batch with nothing to commit takes effect at once; anything else is persisted first.
    fn submit(&mut self, batch: Batch, out: &mut Vec<Effect>) {
        if batch.changes.is_empty() {
            self.finish(batch, out);
        } else {
            out.push(Effect::Persist(Box::new(batch)));
        }
    }

    /// A batch is durable: apply it, publish, answer, then clear histories and restart the
    /// phones (the phone shows the result first, then re-registers).
    fn finish(&mut self, batch: Batch, out: &mut Vec<Effect>) {
        self.em.apply(&batch);
        let m = self.running.model.clone();
        for e in &batch.ended {
            tracing::info!(
                ios = "EM-6-LOGOUT",
                "User {} logged out of {}:{} ({})",
                e.user,
                ephone_name(&m, &e.device),
                e.device,
                e.reason.text()
            );
        }
        for c in &batch.changes {
            if let Change::PutSession { device, session } = c {
                tracing::info!(
                    ios = "EM-6-LOGIN",
                    "User {} logged in on {}:{device}",
                    session.user,
                    ephone_name(&m, device)
                );
            }
        }
        if !batch.changes.is_empty() {
            out.push(Effect::Publish);
        }
        if let Some(to) = batch.reply {
            out.push(reply_em(to, batch.for_cli, Ok(())));
        }
        self.history_pushes(&batch, out);
        self.restart_changed(&batch.restart, out);
    }

    /// Restarts phones whose profile changed; a SIP phone's layout follows its file at once.
    fn restart_changed(&mut self, devices: &[DeviceName], out: &mut Vec<Effect>) {
        let model = self.running.model.clone();
        for d in devices {
            self.devices.relayout_sip(&model, &self.em.logins, d);
        }
        out.extend(self.devices.restart(devices, RestartKind::Restart));
    }

    /// CME clears the call history after a logout unless `em keep-history`: an
    /// `Init:CallHistory` push to each registered phone, with the credential the phone checks
    /// (the first `authentication credential`).
    fn history_pushes(&self, batch: &Batch, out: &mut Vec<Effect>) {
        let m = &self.running.model;
        if m.telephony.em.keep_history {
            return;
        }
        let Some((app, secret)) = m.telephony.credentials.iter().next() else {
            return;
        };
        for e in &batch.ended {
            if let Some(ip) = self.devices.address_of(&e.device) {
                out.push(Effect::ClearHistory {
                    ip,
                    user: app.clone(),
                    secret: secret.clear().unwrap_or_default().to_string(),
                });
            }
        }
    }

    fn timer(&mut self, now: Now, out: &mut Vec<Effect>) {
        if self.timers.housekeeping_due(self.wants_housekeeping(), now) {
            for device in self.devices.expired_sip(now.unix.0) {
                tracing::info!(%device, "SIP registration expired");
                self.devices.unbind_sip(&device);
                self.stale_device(device);
                self.registrar.stats.expired += 1;
            }
            self.write_behind(out);
            let model = self.running.model.clone();
            let devices = &self.devices;
            let batch = self
                .em
                .tick(&model, now.unix.0, &|d: &DeviceName| devices.off_hook(d));
            self.submit(batch, out);
        }
        if self.calls.next_deadline().is_some_and(|d| d <= now.mono) {
            let cmds = self.with_calls(now, |c, ctx| c.timeout(ctx));
            self.leg_cmds(cmds, out);
            self.forward_edits(now, out);
        }
        if self.timers.refresh_due(now) {
            let stale = self.stale_em_phones();
            if !stale.is_empty() {
                tracing::info!(
                    phones = stale.len(),
                    "restarting phones whose profile was edited"
                );
            }
            self.restart_changed(&stale, out);
        }
        self.timer_restarts(now, out);
    }

    /// The SIP bindings changed since the last write, written behind (at most a second
    /// late: housekeeping runs every second while any are pending).
    fn write_behind(&mut self, out: &mut Vec<Effect>) {
        if self.devices.unwritten() || self.mwi.unwritten() {
            let mut changes = self.devices.take_unwritten();
            changes.extend(self.mwi.take_unwritten());
            out.push(Effect::WriteBehind(changes));
        }
    }

    fn timer_restarts(&mut self, now: Now, out: &mut Vec<Effect>) {
        for (device, kind) in self.timers.due_restarts(now) {
            out.extend(self.devices.restart(&[device], kind));
        }
    }

    /// Registered EM phones whose current profile no longer matches what they were given at
    /// registration (a profile edited while in use).
    fn stale_em_phones(&self) -> Vec<DeviceName> {
        let m = &self.running.model;
        self.devices
            .registered()
            .into_iter()
            .filter(|d| {
                let Some(phone) = m.phone_by_mac(d.mac()) else {
                    return false;
                };
                if phone.logout_profile().is_none() {
                    return false;
                }
                let eff = profile::effective(m, phone, self.em.logins.get(d));
                let dev = self.devices.get(d).expect("registered devices are known");
                layout::layout(m, phone, &eff) != *dev.layout
            })
            .collect()
    }
}

fn cli_text(text: &str, error: bool) -> Answer {
    Answer::Cli {
        text: text.to_string(),
        error,
    }
}

/// The answer to an EM request: the page's result, or for `emadmin` the CLI's text.
fn reply_em(to: ReplyTo, cli: bool, r: Result<(), EmError>) -> Effect {
    let answer = match (cli, r) {
        (false, r) => Answer::Em(r),
        (true, Ok(())) => cli_text("", false),
        (true, Err(e)) => cli_text(&format!("% Extension Mobility: {e} ({})\n", e.code()), true),
    };
    Effect::Reply { to, answer }
}

/// `ephone-3` as CME names a phone in its messages (`-` for an unconfigured one).
fn ephone_name(model: &Model, device: &DeviceName) -> String {
    match model.ephone_by_mac(device.mac()) {
        Some((tag, _)) => format!("ephone-{}", tag.0),
        None => "ephone-".into(),
    }
}
