//! The one registry of devices, keyed by device name (`SEP<MAC>`): every configured phone
//! of either protocol that has been heard from — its state, its transport (an SCCP
//! connection or a SIP binding), where it connected from, its hook state and the
//! layout it was given — plus the registrations that were refused.
//!
//! SIP bindings (`sip.rs`) are kept here as a device's transport, and written behind to the
//! store.
//!
//! Pure state: `Engine::handle` calls it and turns what it returns into effects. The
//! `show ephone …` renderers (in `cli::shows`) read it through `engine::View`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;

use super::effect::{ConnCmd, Effect};
use super::input::{DeviceEvent, Flow, Registration};
use crate::config::model::Model;
use crate::config::phone::PhoneRef;
use crate::engine::layout;
use crate::engine::profile;
use crate::ids::{ConnId, DeviceName, EphoneTag, PoolTag};
use crate::leg::{Layout, LegEvent, RestartKind};

/// How many refused registrations `show ephone attempted-registrations` remembers.
const MAX_ATTEMPTS: usize = 200;

/// Registration state as `show ephone` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegState {
    /// Connected and registered.
    Registered,
    /// Closed normally (or never registered).
    Unregistered,
    /// Keepalive timeout.
    Deceased,
}

/// Which configured phone a device is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneKey {
    /// `ephone N`.
    Ephone(EphoneTag),
    /// `voice register pool N`.
    Pool(PoolTag),
}

/// How the engine reaches a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transport {
    /// An SCCP TCP connection.
    Sccp(ConnId),
    /// A SIP registration binding.
    Sip(Box<SipBinding>),
}

/// A SIP device's registration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SipBinding {
    /// How to reach it.
    pub flow: Flow,
    /// Its registered contact URI.
    pub contact: String,
    /// The Call-ID of its REGISTER.
    pub call_id: String,
    /// When the binding expires, unix seconds.
    pub expires_at: u64,
}

/// What we know of one device.
#[derive(Clone, Debug)]
pub struct Device {
    /// The configured phone it is.
    pub phone: PhoneKey,
    /// Its state.
    pub state: RegState,
    /// How to reach it while it is connected.
    pub transport: Option<Transport>,
    /// Where it connected from.
    pub peer: SocketAddr,
    /// The highest protocol version the phone offered.
    pub offered_protocol: u8,
    /// `maxStreams` it reported.
    pub max_streams: u32,
    /// Unix time of the registration.
    pub since: u64,
    /// Keepalives received.
    pub keepalives: u64,
    /// Off hook now.
    pub off_hook: bool,
    /// What it was given at registration (shared with its connection, not copied).
    pub layout: Arc<Layout>,
}

impl Device {
    /// The SCCP connection, while there is one.
    pub fn conn(&self) -> Option<ConnId> {
        match self.transport.as_ref()? {
            Transport::Sccp(c) => Some(*c),
            Transport::Sip(_) => None,
        }
    }

    /// The SIP binding, while there is one.
    pub fn sip(&self) -> Option<&SipBinding> {
        match self.transport.as_ref()? {
            Transport::Sip(b) => Some(b),
            Transport::Sccp(_) => None,
        }
    }
}

/// A refused registration.
#[derive(Clone, Debug)]
pub struct Attempt {
    /// The device name it sent.
    pub device: String,
    /// Unix time.
    pub at: u64,
    /// Device type it reported.
    pub device_type: u32,
    /// Where from.
    pub peer: SocketAddr,
}

/// Every device heard from. A B-tree, not a hash map: ten thousand phones cost less memory
/// that way (no empty buckets), and walks come out in device-name order.
#[derive(Default)]
pub struct Devices {
    by_name: BTreeMap<DeviceName, Device>,
    by_conn: HashMap<ConnId, DeviceName>,
    /// SIP devices whose binding changed since it was last written behind (`sip.rs`).
    unwritten: BTreeSet<DeviceName>,
    /// Refused registrations, oldest first.
    pub attempts: VecDeque<Attempt>,
    /// Registered devices by kind (SCCP, SIP), kept up to date as states change, because a
    /// storm of registrations checks `max-ephones` / `max-pool` every time.
    registered_now: [usize; 2],
}

fn kind_index(k: PhoneKey) -> usize {
    match k {
        PhoneKey::Ephone(_) => 0,
        PhoneKey::Pool(_) => 1,
    }
}

mod sip;

impl Devices {
    /// A registration on `reg.conn`: the commands for that connection (and for the one it
    /// replaces). Only configured ephones register over SCCP; `max-ephones` counts them.
    pub fn register(
        &mut self,
        model: &Model,
        logins: &crate::engine::Logins,
        reg: &Registration,
        now: u64,
    ) -> Vec<(ConnId, ConnCmd)> {
        let conn = reg.conn;
        let found = reg.device.as_ref().ok().and_then(|d| {
            model
                .ephone_by_mac(d.mac())
                .map(|(t, e)| (*d, PhoneRef::Ephone(t, e)))
        });
        let Some((device, phone)) = found else {
            self.refuse(reg, now);
            return vec![(conn, ConnCmd::Reject("Device Unknown"))];
        };
        let again = self
            .by_name
            .get(&device)
            .is_some_and(|d| d.state == RegState::Registered);
        let limit = model.telephony.max_ephones as usize;
        if !again && self.registered_now[0] >= limit {
            self.refuse(reg, now);
            return vec![(conn, ConnCmd::Reject("Max ephones exceeded"))];
        }
        let mut cmds = Vec::new();
        if let Some(old) = self.by_name.get(&device).and_then(Device::conn)
            && old != conn
        {
            self.by_conn.remove(&old);
            cmds.push((old, ConnCmd::Replaced));
        }
        let eff = profile::effective(model, phone, logins.get(&device));
        let layout = Arc::new(layout::layout(model, phone, &eff));
        let key = match phone {
            PhoneRef::Ephone(t, _) => PhoneKey::Ephone(t),
            PhoneRef::Pool(t, _) => PhoneKey::Pool(t),
        };
        self.by_conn.insert(conn, device);
        // Counted as unregistered first, so set_state counts the registration once.
        let previous = self.by_name.insert(
            device,
            Device {
                phone: key,
                state: RegState::Unregistered,
                transport: Some(Transport::Sccp(conn)),
                peer: reg.peer,
                offered_protocol: reg.protocol,
                max_streams: reg.max_streams,
                since: now,
                keepalives: 0,
                off_hook: false,
                layout: layout.clone(),
            },
        );
        if let Some(p) = previous.filter(|p| p.state == RegState::Registered) {
            self.registered_now[kind_index(p.phone)] -= 1;
        }
        self.set_state(&device, RegState::Registered);
        cmds.push((conn, ConnCmd::Accept(layout, reg.protocol)));
        cmds
    }

    fn refuse(&mut self, reg: &Registration, now: u64) {
        if self.attempts.len() == MAX_ATTEMPTS {
            self.attempts.pop_front();
        }
        let device = match &reg.device {
            Ok(d) => d.as_str().to_string(),
            Err(raw) => raw.clone(),
        };
        self.attempts.push_back(Attempt {
            device,
            at: now,
            device_type: reg.device_type,
            peer: reg.peer,
        });
    }

    /// An event from a registered connection; returns the device it came from.
    pub fn event(&mut self, conn: ConnId, event: &DeviceEvent) -> Option<DeviceName> {
        let device = *self.by_conn.get(&conn)?;
        match event {
            DeviceEvent::KeepAlive => {
                if let Some(d) = self.by_name.get_mut(&device) {
                    d.keepalives += 1;
                }
            }
            DeviceEvent::Leg(_, ev) => {
                if let Some(d) = self.by_name.get_mut(&device) {
                    match ev {
                        // A speed dial or Redial from on hook goes off hook on the speaker.
                        LegEvent::OffHook(_)
                        | LegEvent::SpeedDial(_)
                        | LegEvent::Redial(_)
                        | LegEvent::Messages(_) => d.off_hook = true,
                        LegEvent::OnHook(_) => d.off_hook = false,
                        _ => {}
                    }
                }
            }
            DeviceEvent::Unregistered => self.set_state(&device, RegState::Unregistered),
            DeviceEvent::Deceased => self.set_state(&device, RegState::Deceased),
        }
        Some(device)
    }

    /// What the registry knows of a device.
    pub fn get(&self, device: &DeviceName) -> Option<&Device> {
        self.by_name.get(device)
    }

    /// What the registry knows of `ephone N`.
    pub fn ephone(&self, model: &Model, tag: EphoneTag) -> Option<&Device> {
        let mac = model.ephones.get(&tag)?.mac?;
        self.by_name.get(&DeviceName::from_mac(mac))
    }

    /// The address a registered device connected from.
    pub fn address_of(&self, device: &DeviceName) -> Option<std::net::IpAddr> {
        let d = self.by_name.get(device)?;
        (d.state == RegState::Registered).then_some(d.peer.ip())
    }

    /// The registered device on connection `conn` and where it connected from.
    pub fn registered_on(&self, conn: ConnId) -> Option<(DeviceName, SocketAddr)> {
        let device = self.by_conn.get(&conn)?;
        let d = self.by_name.get(device)?;
        (d.state == RegState::Registered).then_some((*device, d.peer))
    }

    /// Whether the device is off hook now.
    pub fn off_hook(&self, device: &DeviceName) -> bool {
        self.by_name.get(device).is_some_and(|d| d.off_hook)
    }

    /// The connection ended. A device still marked registered becomes unregistered (a close
    /// without `Unregister` counts the same, SCCP reference §4.1 step 5); a dead one stays
    /// DECEASED. Its bindings go with the connection. Returns the device it was.
    /// The device registered on connection `conn`, if any.
    pub fn on_conn(&self, conn: ConnId) -> Option<DeviceName> {
        self.by_conn.get(&conn).copied()
    }

    pub fn closed(&mut self, conn: ConnId) -> Option<DeviceName> {
        let device = self.by_conn.remove(&conn)?;
        if self
            .by_name
            .get(&device)
            .is_some_and(|d| d.state == RegState::Registered)
        {
            self.set_state(&device, RegState::Unregistered);
        }
        if let Some(d) = self.by_name.get_mut(&device) {
            d.transport = None;
            d.off_hook = false;
        }
        Some(device)
    }

    /// Restart or reset the reachable devices among `devices`, in that order: an SCCP
    /// `Reset` on the connection, or the SIP NOTIFYs on the registered flow.
    pub fn restart(&self, devices: &[DeviceName], kind: RestartKind) -> Vec<Effect> {
        devices
            .iter()
            .filter_map(|d| match self.by_name.get(d)?.transport.as_ref()? {
                Transport::Sccp(conn) => Some(Effect::ToConn {
                    conn: *conn,
                    cmd: ConnCmd::Restart(kind),
                }),
                Transport::Sip(b) => Some(Effect::ToSip {
                    flow: b.flow,
                    contact: b.contact.clone(),
                    register_call_id: b.call_id.clone(),
                    kind,
                }),
            })
            .collect()
    }

    /// How many SCCP devices are registered (for `max-ephones`).
    pub fn registered_count(&self) -> usize {
        self.registered_now[0]
    }

    /// How many SIP devices are registered (for `max-pool`).
    pub fn registered_sip(&self) -> usize {
        self.registered_now[1]
    }

    fn set_state(&mut self, device: &DeviceName, state: RegState) {
        if let Some(d) = self.by_name.get_mut(device) {
            let k = kind_index(d.phone);
            if d.state == RegState::Registered {
                self.registered_now[k] -= 1;
            }
            if state == RegState::Registered {
                self.registered_now[k] += 1;
            }
            d.state = state;
        }
    }

    /// Registered devices, in device-name order.
    pub fn registered(&self) -> Vec<DeviceName> {
        self.by_name
            .iter()
            .filter(|(_, d)| d.state == RegState::Registered)
            .map(|(n, _)| *n)
            .collect()
    }

    /// Every device heard from, in device-name order.
    pub fn iter(&self) -> impl Iterator<Item = (&DeviceName, &Device)> {
        self.by_name.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::load;
    use crate::grammar::graph::Grammar;

    fn office() -> Model {
        let g = Grammar::embedded();
        load::load(&g, include_str!("../../../sample-configs/small-office.cfg")).model
    }

    fn reg(conn: u64, name: &str) -> Registration {
        Registration {
            conn: ConnId(conn),
            peer: "127.0.0.1:50000".parse().unwrap(),
            device: DeviceName::parse(name).ok_or_else(|| name.to_string()),
            device_type: 436,
            protocol: 17,
            max_streams: 1,
        }
    }

    #[test]
    fn unknown_phone_is_refused_and_remembered() {
        let m = office();
        let mut p = Devices::default();
        let none = crate::engine::Logins::default();
        let cmds = p.register(&m, &none, &reg(1, "SEP000000000001"), 7);
        assert_eq!(cmds, [(ConnId(1), ConnCmd::Reject("Device Unknown"))]);
        let cmds = p.register(&m, &none, &reg(2, "not a device name"), 8);
        assert_eq!(cmds, [(ConnId(2), ConnCmd::Reject("Device Unknown"))]);
        assert_eq!(p.attempts.len(), 2);
        assert_eq!(p.attempts[0].device, "SEP000000000001");
        assert_eq!(p.attempts[1].device, "not a device name");
    }

    #[test]
    fn a_second_registration_replaces_the_first_connection() {
        let m = office();
        let mut p = Devices::default();
        let none = crate::engine::Logins::default();
        let device = DeviceName::parse("SEP001E7A345A01").unwrap();
        p.register(&m, &none, &reg(1, "SEP001E7A345A01"), 1);
        let cmds = p.register(&m, &none, &reg(2, "SEP001E7A345A01"), 2);
        assert_eq!(cmds[0], (ConnId(1), ConnCmd::Replaced));
        assert!(matches!(cmds[1], (ConnId(2), ConnCmd::Accept(..))));
        assert_eq!(p.registered_count(), 1);
        // The old connection closing afterwards does not unregister the phone.
        p.closed(ConnId(1));
        assert_eq!(p.get(&device).unwrap().state, RegState::Registered);
        p.event(ConnId(2), &DeviceEvent::Deceased);
        p.closed(ConnId(2));
        assert_eq!(p.get(&device).unwrap().state, RegState::Deceased);
        assert_eq!(p.registered_count(), 0);
        assert!(p.restart(&[device], RestartKind::Restart).is_empty());
    }

    #[test]
    fn a_logged_in_user_changes_what_the_phone_is_given() {
        let m = office();
        let mut p = Devices::default();
        let mut logins = crate::engine::Logins::default();
        logins.insert(
            DeviceName::parse("SEP0022905B11C2").unwrap(),
            crate::ids::UserName("bkeller".into()),
        );
        let cmds = p.register(&m, &logins, &reg(1, "SEP0022905B11C2"), 1);
        let (_, ConnCmd::Accept(layout, _)) = &cmds[0] else {
            panic!("{cmds:?}")
        };
        assert_eq!(layout.lines[0].number, "1002");
    }
}
