//! Which registered devices carry each directory number right now, and on which line: the
//! "number → devices through effective profiles" half of the dial plan (ARCHITECTURE §3,
//! "Call"; §4).
//!
//! A device carries the DNs of its *effective* profile (`engine::profile`): its own buttons,
//! its logout profile while nobody is logged in, or the logged-in user's profile. So a
//! user's number rings wherever the user is logged in, and a logout-profile line stops
//! ringing on a phone while a user is logged in on it. Only registered devices count.
//!
//! Kept as an index so that routing a digit is a lookup, not a walk over every phone: build it
//! with [`Carriers::new`] (again when the configuration changes) and, when one device
//! registers, unregisters, goes deceased, loses its SIP binding or has a user log in or out,
//! [`Carriers::refresh`] that device. Pure.

use std::collections::BTreeMap;

use crate::config::model::{ButtonKind, Model, NumberOwner};
use crate::engine::devices::{Devices, RegState};
use crate::engine::{Logins, layout, profile};
use crate::ids::DeviceName;
use crate::leg::LineInstance;

/// One line of a registered device that a DN's calls ring on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Destination {
    /// The device.
    pub device: DeviceName,
    /// The button the line is on (from 1).
    pub button: u8,
    /// Its line instance, as the device was given it (`engine::layout::line_keys`).
    pub line: LineInstance,
    /// How the button rings (silent, beep, overlay …).
    pub kind: ButtonKind,
}

/// Whether a button of this kind takes calls. Monitor (`m`) and watch (`w`) buttons show a
/// line's state and cannot answer (CME reference: "`m` monitor (status only)"); an overlay
/// expansion (`x`) names a button, not DNs. A DN only on such buttons is unregistered.
fn takes_calls(kind: ButtonKind) -> bool {
    !matches!(
        kind,
        ButtonKind::Monitor | ButtonKind::Watch | ButtonKind::Expansion
    )
}

/// The lines each DN rings on now, by DN, in device-name then button order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Carriers {
    by_dn: BTreeMap<NumberOwner, Vec<Destination>>,
    /// The DNs each device carries, to undo its entries on a refresh.
    by_device: BTreeMap<DeviceName, Vec<NumberOwner>>,
}

impl Carriers {
    /// The carriers of every registered device.
    pub fn new(model: &Model, devices: &Devices, logins: &Logins) -> Carriers {
        let mut c = Carriers::default();
        for device in devices.registered() {
            c.add(model, logins, device);
        }
        c
    }

    /// Recomputes what `device` carries (after it registered or unregistered, or a user logged
    /// in or out on it).
    pub fn refresh(
        &mut self,
        model: &Model,
        devices: &Devices,
        logins: &Logins,
        device: DeviceName,
    ) {
        self.remove(device);
        if devices
            .get(&device)
            .is_some_and(|d| d.state == RegState::Registered)
        {
            self.add(model, logins, device);
        }
    }

    /// The lines `dn` rings on now (empty: it is on no registered device).
    pub fn of(&self, dn: NumberOwner) -> &[Destination] {
        self.by_dn.get(&dn).map_or(&[], Vec::as_slice)
    }

    fn add(&mut self, model: &Model, logins: &Logins, device: DeviceName) {
        let Some(phone) = model.phone_by_mac(device.mac()) else {
            return;
        };
        let eff = profile::effective(model, phone, logins.get(&device));
        let mut carried = Vec::new();
        for (line, key) in layout::line_keys(phone, &eff) {
            if !takes_calls(key.kind) {
                continue;
            }
            for dn in key.dns.iter().filter_map(|a| a.dn) {
                let list = self.by_dn.entry(dn).or_default();
                let at = list.partition_point(|d| (d.device, d.button) < (device, key.button));
                list.insert(
                    at,
                    Destination {
                        device,
                        button: key.button,
                        line,
                        kind: key.kind,
                    },
                );
                if !carried.contains(&dn) {
                    carried.push(dn);
                }
            }
        }
        if !carried.is_empty() {
            self.by_device.insert(device, carried);
        }
    }

    fn remove(&mut self, device: DeviceName) {
        for dn in self.by_device.remove(&device).unwrap_or_default() {
            if let Some(list) = self.by_dn.get_mut(&dn) {
                list.retain(|d| d.device != device);
                if list.is_empty() {
                    self.by_dn.remove(&dn);
                }
            }
        }
    }
}
