//! SIP bindings in the device registry: binding, refreshing and removing a registration,
//! expiry, and the write-behind of bindings to the store — a batch a second of what
//! changed, never a commit per REGISTER (issue 12: "written behind, at most a second late,
//! never one fsync per REGISTER") — and their recovery at start.

use std::sync::Arc;

use super::{Device, Devices, PhoneKey, RegState, SipBinding, Transport};
use crate::config::model::Model;
use crate::config::phone::PhoneRef;
use crate::engine::input::Flow;
use crate::engine::{layout, profile};
use crate::ids::{DeviceName, PoolTag};
use crate::store::{Change, StoredBinding};

impl Devices {
    /// A SIP device registered (or refreshed its registration) with `binding`. A refresh
    /// keeps the layout it was given; a new registration computes it.
    pub fn bind_sip(
        &mut self,
        model: &Model,
        logins: &crate::engine::Logins,
        device: DeviceName,
        pool: PoolTag,
        binding: SipBinding,
        now: u64,
    ) {
        self.unwritten.insert(device);
        if let Some(d) = self.by_name.get_mut(&device)
            && d.state == RegState::Registered
            && d.sip().is_some()
        {
            d.peer = binding.flow.peer;
            d.transport = Some(Transport::Sip(Box::new(binding)));
            return;
        }
        let Some(phone) = model.pools.get(&pool).map(|p| PhoneRef::Pool(pool, p)) else {
            return;
        };
        let eff = profile::effective(model, phone, logins.get(&device));
        let layout = Arc::new(layout::layout(model, phone, &eff));
        let previous = self.by_name.insert(
            device,
            Device {
                phone: PhoneKey::Pool(pool),
                state: RegState::Unregistered,
                peer: binding.flow.peer,
                transport: Some(Transport::Sip(Box::new(binding))),
                offered_protocol: 0,
                max_streams: 0,
                since: now,
                keepalives: 0,
                off_hook: false,
                layout,
            },
        );
        if let Some(p) = previous.filter(|p| p.state == RegState::Registered) {
            self.registered_now[super::kind_index(p.phone)] -= 1;
        }
        self.set_state(&device, RegState::Registered);
    }

    /// The SIP device's binding is gone (`Expires: 0`, `*`, expiry, `clear`).
    pub fn unbind_sip(&mut self, device: &DeviceName) {
        if self.by_name.get(device).and_then(Device::sip).is_some() {
            self.unwritten.insert(*device);
            self.set_state(device, RegState::Unregistered);
            if let Some(d) = self.by_name.get_mut(device) {
                d.transport = None;
            }
        }
    }

    /// A SIP phone is about to be told to restart after its profile changed (a login, a
    /// logout, an edited profile): what it carries is what its file says from now on, so its
    /// layout is recomputed here. (An SCCP phone gets its new layout when it registers again.)
    pub fn relayout_sip(
        &mut self,
        model: &Model,
        logins: &crate::engine::Logins,
        device: &DeviceName,
    ) {
        let Some(d) = self.by_name.get_mut(device) else {
            return;
        };
        let (PhoneKey::Pool(pool), Some(_)) = (d.phone, d.sip()) else {
            return;
        };
        let Some(p) = model.pools.get(&pool) else {
            return;
        };
        let phone = PhoneRef::Pool(pool, p);
        let eff = profile::effective(model, phone, logins.get(device));
        d.layout = Arc::new(layout::layout(model, phone, &eff));
    }

    /// The SIP devices whose binding has expired at `now` (unix seconds).
    pub fn expired_sip(&self, now: u64) -> Vec<DeviceName> {
        self.by_name
            .iter()
            .filter(|(_, d)| d.sip().is_some_and(|b| b.expires_at <= now))
            .map(|(n, _)| *n)
            .collect()
    }

    /// Whether bindings changed since they were last written behind.
    pub fn unwritten(&self) -> bool {
        !self.unwritten.is_empty()
    }

    /// How many devices' bindings wait to be written behind.
    pub fn unwritten_count(&self) -> usize {
        self.unwritten.len()
    }

    /// What to write behind: each changed device's binding as it is now, or its removal.
    pub fn take_unwritten(&mut self) -> Vec<Change> {
        let devices = std::mem::take(&mut self.unwritten);
        devices
            .into_iter()
            .map(|device| match self.by_name.get(&device).and_then(stored) {
                Some(binding) => Change::PutBinding { device, binding },
                None => Change::DropBinding { device },
            })
            .collect()
    }

    /// A write-behind failed: write these devices again with the next batch.
    pub fn unwritten_again(&mut self, changes: &[Change]) {
        for c in changes {
            if let Change::PutBinding { device, .. } | Change::DropBinding { device } = c {
                self.unwritten.insert(*device);
            }
        }
    }

    /// Takes back the bindings the store kept across a restart, as registered; returns the
    /// removals of those that expired meanwhile or whose pool (or its `id mac`) is no longer
    /// configured, to commit before anything listens.
    pub fn recover_sip(
        &mut self,
        model: &Model,
        logins: &crate::engine::Logins,
        bindings: impl IntoIterator<Item = (DeviceName, StoredBinding)>,
        now: u64,
    ) -> Vec<Change> {
        let mut dropped = Vec::new();
        for (device, b) in bindings {
            let pool = PoolTag(b.pool);
            let same_phone = model
                .pools
                .get(&pool)
                .and_then(|p| p.mac)
                .is_some_and(|mac| DeviceName::from_mac(mac) == device);
            if !same_phone || b.expires_at <= now {
                tracing::debug!(%device, pool = b.pool, expired = b.expires_at <= now, "SIP binding dropped at start");
                dropped.push(Change::DropBinding { device });
                continue;
            }
            let binding = SipBinding {
                flow: Flow::recovered(b.tcp, b.peer),
                contact: b.contact,
                call_id: b.call_id,
                expires_at: b.expires_at,
            };
            self.bind_sip(model, logins, device, pool, binding, b.since);
        }
        // What was just read back needs no writing.
        self.unwritten.clear();
        dropped
    }
}

/// A device's binding as the store keeps it.
fn stored(d: &Device) -> Option<StoredBinding> {
    let (PhoneKey::Pool(pool), Some(b)) = (d.phone, d.sip()) else {
        return None;
    };
    Some(StoredBinding {
        pool: pool.0,
        contact: b.contact.clone(),
        call_id: b.call_id.clone(),
        peer: b.flow.peer,
        tcp: b.flow.tcp.is_some(),
        since: d.since,
        expires_at: b.expires_at,
    })
}
