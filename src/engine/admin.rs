//! The administrator's commands to the engine ([`Admin`], from the CLI): configuration
//! edits, `write memory`, restarts and resets of phones (spaced for `restart all N`),
//! `emadmin` logins and logouts, and `clear voice register pool`; and the one edit a phone
//! makes, the CfwdALL soft key's `call-forward all` (as CME writes it into the running
//! configuration). Part of `Engine`, split out to keep `mod.rs` about the input loop.

use super::effect::Effect;
use super::em::{EmError, Reason};
use super::input::{Admin, EmPhone, ReplyTo, Scope};
use super::profile::{self, Source};
use super::{Engine, cli_text};
use crate::config::edit::ConfigEdit;
use crate::config::phone::PhoneRef;
use crate::config::tree::{ConfigTree, Line, key_of};
use crate::grammar::graph::Grammar;
use crate::grammar::handler::Handler;
use crate::grammar::matcher::{self, Ctx, Outcome};
use crate::ids::{DeviceName, DnTag};
use crate::time::Now;

impl Engine {
    pub(super) fn admin(&mut self, cmd: Admin, reply: ReplyTo, now: Now, out: &mut Vec<Effect>) {
        let g = self.grammar.clone();
        match cmd {
            Admin::Configure(edit) => match self.running.apply(&g, edit) {
                Ok(changed) => {
                    if changed {
                        out.push(Effect::Publish);
                        self.timers.config_changed(now);
                    }
                    out.push(Effect::Reply {
                        to: reply,
                        answer: cli_text("", false),
                    });
                }
                Err(msg) => out.push(Effect::Reply {
                    to: reply,
                    answer: cli_text(&format!("{msg}\n"), true),
                }),
            },
            // What is applied, with the startup-config lines kept in place (issue 11).
            Admin::WriteMemory => out.push(Effect::WriteStartup {
                text: crate::config::running::startup_config(&g, &self.running.tree),
                reply,
            }),
            Admin::Restart { scope, kind } => {
                let devices = self.devices_in(scope);
                tracing::info!(?scope, ?kind, phones = devices.len(), "restart/reset");
                match scope {
                    // `restart all N` spaces the phones N seconds apart, as CME does, so a
                    // building does not reboot at once; the CLI answers at once.
                    Scope::AllSccp(s) if s > 0 => self.timers.space_restarts(devices, kind, s, now),
                    _ => out.extend(self.devices.restart(&devices, kind)),
                }
                self.timer_restarts(now, out);
                out.push(Effect::Reply {
                    to: reply,
                    answer: cli_text("", false),
                });
            }
            Admin::EmLogin { user, phone } => {
                let m = &self.running.model;
                let device = match phone {
                    EmPhone::Ephone(t) => m.ephones.get(&t).and_then(|e| e.mac),
                    EmPhone::Pool(t) => m.pools.get(&t).and_then(|p| p.mac),
                    EmPhone::Device(name) => DeviceName::parse(&name)
                        .map(|d| d.mac())
                        .filter(|mac| m.phone_by_mac(*mac).is_some()),
                }
                .map(DeviceName::from_mac);
                let decision = match device {
                    Some(d) => {
                        let m = self.running.model.clone();
                        self.em
                            .login(&m, &self.origin(d, None), &user, "", false, now.unix.0)
                    }
                    None => Err(EmError::UnknownDevice.into()),
                };
                self.decided(decision, reply, true, out);
            }
            Admin::ClearSipPool(tag) => {
                let device = self
                    .running
                    .model
                    .pools
                    .get(&tag)
                    .and_then(|p| p.mac)
                    .map(DeviceName::from_mac);
                let answer = match device {
                    Some(d) if self.devices.get(&d).and_then(|x| x.sip()).is_some() => {
                        tracing::info!(device = %d, "SIP registration cleared");
                        self.devices.unbind_sip(&d);
                        self.registrar.stats.cleared += 1;
                        cli_text("", false)
                    }
                    Some(_) => cli_text(&format!("% Pool {tag} is not registered\n"), true),
                    None => cli_text(
                        &format!("% Pool {tag} is not configured with an id mac\n"),
                        true,
                    ),
                };
                out.push(Effect::Reply { to: reply, answer });
            }
            Admin::EmLogout { user } => {
                let batch = self.em.logout_user(&user, Reason::Admin, now.unix.0);
                self.decided(Ok(batch), reply, true, out);
            }
        }
    }

    /// The registered phones a restart or reset of `scope` reaches, in order.
    fn devices_in(&self, scope: Scope) -> Vec<DeviceName> {
        let m = &self.running.model;
        match scope {
            Scope::AllSccp(_) => {
                // In ephone-tag order, as CME walks them.
                let mut v: Vec<(u32, DeviceName)> = self
                    .devices
                    .registered()
                    .into_iter()
                    .filter_map(|d| match m.phone_by_mac(d.mac()) {
                        Some(PhoneRef::Ephone(t, _)) => Some((t.0, d)),
                        _ => None,
                    })
                    .collect();
                v.sort();
                v.into_iter().map(|(_, d)| d).collect()
            }
            // Only a connected device is reached (`Devices::restart`).
            Scope::Ephone(t) => m
                .ephones
                .get(&t)
                .and_then(|e| e.mac)
                .map(DeviceName::from_mac)
                .into_iter()
                .collect(),
            Scope::Profile { user, tag } => self
                .devices
                .registered()
                .into_iter()
                .filter(|d| {
                    let Some(phone) = m.phone_by_mac(d.mac()) else {
                        return false;
                    };
                    let eff = profile::effective(m, phone, self.em.logins.get(d));
                    match eff.source {
                        Source::User(p) => user && p == tag,
                        Source::Logout(p) => !user && p == tag,
                        Source::Own => false,
                    }
                })
                .collect(),
            // In pool-tag order; a SIP phone is reached while it has a binding.
            Scope::AllSip => {
                let mut v: Vec<(u32, DeviceName)> = self
                    .devices
                    .registered()
                    .into_iter()
                    .filter_map(|d| match m.phone_by_mac(d.mac()) {
                        Some(PhoneRef::Pool(t, _)) => Some((t.0, d)),
                        _ => None,
                    })
                    .collect();
                v.sort();
                v.into_iter().map(|(_, d)| d).collect()
            }
            Scope::Pool(t) => m
                .pools
                .get(&t)
                .and_then(|p| p.mac)
                .map(DeviceName::from_mac)
                .into_iter()
                .collect(),
        }
    }

    /// Writes the forwards set or cancelled with the CfwdALL soft key into the running
    /// configuration: `call-forward all TARGET` under the ephone-dn, or its removal. A
    /// target the model refuses (not a number) is logged and dropped.
    pub(super) fn forward_edits(&mut self, now: Now, out: &mut Vec<Effect>) {
        let g = self.grammar.clone();
        for (dn, target) in self.calls.take_forward_edits() {
            let Some(edit) = forward_edit(&g, &self.running.tree, dn, target.as_deref()) else {
                continue;
            };
            match self.running.apply(&g, edit) {
                Ok(true) => {
                    out.push(Effect::Publish);
                    self.timers.config_changed(now);
                    self.routing = None;
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(
                    dn = dn.0,
                    error = e,
                    "call-forward all from the phone refused"
                ),
            }
        }
    }
}

/// The edit that sets (`Some`) or removes `call-forward all` under `ephone-dn dn`.
fn forward_edit(
    g: &Grammar,
    tree: &ConfigTree,
    dn: DnTag,
    target: Option<&str>,
) -> Option<ConfigEdit> {
    let mode = g.mode_id("ephone-dn")?;
    let section = tree.root.entries.iter().find_map(|(k, e)| {
        (g.cmd(e.line.cmd).handler == Handler::EphoneDn
            && e.line.get(g, "tag") == Some(&dn.0.to_string()))
        .then(|| k.clone())
    })?;
    let text = format!("call-forward all {}", target.unwrap_or("0"));
    let Outcome::Matched(m) = matcher::match_line(g, Ctx { mode, level: 15 }, &text) else {
        return None;
    };
    let line = Line::matched(&m, None);
    let path = vec![section];
    Some(match target {
        Some(_) => ConfigEdit::Set { path, mode, line },
        None => ConfigEdit::Remove {
            key: key_of(g, mode, &line),
            path,
        },
    })
}
