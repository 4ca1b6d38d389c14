//! The SCCP phones the engine knows about: which ephone is registered on which connection,
//! what was refused, and the commands that go back to connections.
//!
//! Pure state with handlers of the form `fn(&mut self, input, now) -> Vec<PhoneCmd>`; the
//! actor routes the commands to the connection tasks. The `show ephone …` renderers live in
//! `engine::phone_shows`.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;

use crate::config::model::Model;
use crate::engine::profile::{self, PhoneRef};
use crate::engine::station;
use crate::ids::{ConnId, DeviceName, EphoneTag};
use crate::proto::sccp::msg::{Register, ResetType};
use crate::proto::sccp::session::{Event, Station};

/// How many refused registrations `show ephone attempted-registrations` remembers.
const MAX_ATTEMPTS: usize = 200;

/// What the actor must tell a connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PhoneCmd {
    /// Registration accepted: answer from this station.
    Accept {
        /// The connection.
        conn: ConnId,
        /// What the phone carries (shared with the registry, not copied).
        station: Arc<Station>,
        /// The phone's protocol version, to negotiate from.
        protocol: u8,
    },
    /// Registration refused with this text.
    Reject {
        /// The connection.
        conn: ConnId,
        /// `RegisterReject` text.
        text: &'static str,
    },
    /// Send Reset with this type and close.
    Reset {
        /// The connection.
        conn: ConnId,
        /// Restart (re-register) or reset (reboot).
        kind: ResetType,
    },
    /// A newer connection registered the same phone: close this one quietly.
    Replaced {
        /// The old connection.
        conn: ConnId,
    },
}

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

/// What we know of one ephone's connection.
#[derive(Clone, Debug)]
pub struct Status {
    /// Its state.
    pub state: RegState,
    /// The connection while registered.
    pub conn: Option<ConnId>,
    /// Where it connected from.
    pub peer: SocketAddr,
    /// The phone's device name (its MAC).
    pub device: crate::ids::Mac,
    /// The highest protocol version the phone offered in `Register`.
    pub offered_protocol: u8,
    /// `maxStreams` from `Register`.
    pub max_streams: u32,
    /// The negotiated protocol version.
    pub protocol: u8,
    /// Unix time of the registration.
    pub since: u64,
    /// Keepalives received.
    pub keepalives: u64,
    /// Off hook now.
    pub off_hook: bool,
    /// The station it was given.
    pub station: Arc<Station>,
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

/// All SCCP phones.
#[derive(Default)]
pub struct Phones {
    /// Status by ephone; an ephone that never connected has none.
    pub status: BTreeMap<EphoneTag, Status>,
    by_conn: HashMap<ConnId, EphoneTag>,
    /// Refused registrations, oldest first.
    pub attempts: VecDeque<Attempt>,
    registered_now: usize,
}

/// What a connection task is told; [`PhoneCmd`] without the connection, kept small because
/// every connection's channel holds a block of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnCmd {
    /// Registration accepted: the station and the phone's protocol version.
    Accept(Arc<Station>, u8),
    /// Registration refused with this text.
    Reject(&'static str),
    /// Send Reset with this type and close.
    Reset(ResetType),
    /// A newer connection registered the same phone.
    Replaced,
}

impl PhoneCmd {
    /// The connection it is for, and what to tell it.
    pub fn split(self) -> (ConnId, ConnCmd) {
        match self {
            PhoneCmd::Accept {
                conn,
                station,
                protocol,
            } => (conn, ConnCmd::Accept(station, protocol)),
            PhoneCmd::Reject { conn, text } => (conn, ConnCmd::Reject(text)),
            PhoneCmd::Reset { conn, kind } => (conn, ConnCmd::Reset(kind)),
            PhoneCmd::Replaced { conn } => (conn, ConnCmd::Replaced),
        }
    }
}

impl Phones {
    /// A `Register` on `conn` from `peer`.
    pub fn register(
        &mut self,
        model: &Model,
        logins: &crate::engine::Logins,
        conn: ConnId,
        peer: SocketAddr,
        reg: Register,
        now: u64,
    ) -> Vec<PhoneCmd> {
        let found = DeviceName::parse(&reg.device_name)
            .and_then(|d| model.ephone_by_mac(d.mac()).map(|(t, e)| (d, t, e)));
        let Some((device, tag, ephone)) = found else {
            self.refuse(&reg, peer, now);
            return vec![PhoneCmd::Reject {
                conn,
                text: "Device Unknown",
            }];
        };
        let again = self
            .status
            .get(&tag)
            .is_some_and(|s| s.state == RegState::Registered);
        let limit = model.telephony.max_ephones as usize;
        if !again && self.registered_count() >= limit {
            self.refuse(&reg, peer, now);
            return vec![PhoneCmd::Reject {
                conn,
                text: "Max ephones exceeded",
            }];
        }
        let mut cmds = Vec::new();
        if let Some(old) = self.status.get(&tag).and_then(|s| s.conn)
            && old != conn
        {
            self.by_conn.remove(&old);
            cmds.push(PhoneCmd::Replaced { conn: old });
        }
        let phone = PhoneRef::Ephone(tag, ephone);
        let eff = profile::effective(model, phone, logins.get(&device));
        let st = station::station(model, phone, &eff);
        let st = Arc::new(st);
        let protocol = reg.protocol;
        self.by_conn.insert(conn, tag);
        // Counted as unregistered first, so set_state counts the registration once.
        let previous = self.status.insert(
            tag,
            Status {
                state: RegState::Unregistered,
                conn: Some(conn),
                peer,
                protocol: protocol.min(crate::proto::sccp::session::MAX_PROTOCOL),
                device: device.mac(),
                offered_protocol: reg.protocol,
                max_streams: reg.max_streams,
                since: now,
                keepalives: 0,
                off_hook: false,
                station: st.clone(),
            },
        );
        if previous.is_some_and(|p| p.state == RegState::Registered) {
            self.registered_now -= 1;
        }
        self.set_state(tag, RegState::Registered);
        cmds.push(PhoneCmd::Accept {
            conn,
            station: st,
            protocol,
        });
        cmds
    }

    fn refuse(&mut self, reg: &Register, peer: SocketAddr, now: u64) {
        if self.attempts.len() == MAX_ATTEMPTS {
            self.attempts.pop_front();
        }
        self.attempts.push_back(Attempt {
            device: reg.device_name.clone(),
            at: now,
            device_type: reg.device_type,
            peer,
        });
    }

    /// An event from a registered connection.
    pub fn event(&mut self, conn: ConnId, event: &Event) {
        let Some(&tag) = self.by_conn.get(&conn) else {
            return;
        };
        match event {
            Event::OffHook | Event::OnHook => {
                if let Some(s) = self.status.get_mut(&tag) {
                    s.off_hook = *event == Event::OffHook;
                }
            }
            Event::Unregistered => self.set_state(tag, RegState::Unregistered),
            Event::Deceased => self.set_state(tag, RegState::Deceased),
            Event::Register(_) | Event::Ready | Event::Unhandled(_) => {}
        }
    }

    /// The phone on `conn`, once it registered.
    pub fn device_of(&self, conn: ConnId) -> Option<DeviceName> {
        let s = self.status.get(self.by_conn.get(&conn)?)?;
        Some(DeviceName::from_mac(s.device))
    }

    /// The address a registered phone connected from.
    pub fn address_of(&self, model: &Model, device: &DeviceName) -> Option<std::net::IpAddr> {
        let (tag, _) = model.ephone_by_mac(device.mac())?;
        let s = self.status.get(&tag)?;
        (s.state == RegState::Registered).then_some(s.peer.ip())
    }

    /// Restart commands for the registered ephones among `devices`.
    pub fn restart_devices(&self, model: &Model, devices: &[DeviceName]) -> Vec<PhoneCmd> {
        let tags: Vec<EphoneTag> = devices
            .iter()
            .filter_map(|d| model.ephone_by_mac(d.mac()).map(|(t, _)| t))
            .collect();
        self.reset(&tags, ResetType::Restart)
    }

    /// A keepalive arrived on `conn`.
    pub fn keepalive(&mut self, conn: ConnId) {
        if let Some(s) = self.by_conn.get(&conn).and_then(|t| self.status.get_mut(t)) {
            s.keepalives += 1;
        }
    }

    /// The connection ended. A phone still marked registered becomes unregistered (a close
    /// without `Unregister` counts the same, SCCP reference §4.1 step 5); a dead one stays
    /// DECEASED. Its bindings go with the connection.
    pub fn closed(&mut self, conn: ConnId) {
        let Some(tag) = self.by_conn.remove(&conn) else {
            return;
        };
        if self
            .status
            .get(&tag)
            .is_some_and(|s| s.state == RegState::Registered)
        {
            self.set_state(tag, RegState::Unregistered);
        }
        if let Some(s) = self.status.get_mut(&tag) {
            s.conn = None;
            s.off_hook = false;
        }
    }

    /// Restart or reset the registered phones among `tags`, in that order.
    pub fn reset(&self, tags: &[EphoneTag], kind: ResetType) -> Vec<PhoneCmd> {
        tags.iter()
            .filter_map(|t| self.status.get(t)?.conn)
            .map(|conn| PhoneCmd::Reset { conn, kind })
            .collect()
    }

    /// How many ephones are registered (kept up to date as states change, because a storm
    /// of registrations asks for it every time).
    pub fn registered_count(&self) -> usize {
        self.registered_now
    }

    fn set_state(&mut self, tag: EphoneTag, state: RegState) {
        if let Some(s) = self.status.get_mut(&tag) {
            if s.state == RegState::Registered {
                self.registered_now -= 1;
            }
            if state == RegState::Registered {
                self.registered_now += 1;
            }
            s.state = state;
        }
    }

    /// Registered ephones, by tag.
    pub fn registered(&self) -> Vec<EphoneTag> {
        self.status
            .iter()
            .filter(|(_, s)| s.state == RegState::Registered)
            .map(|(t, _)| *t)
            .collect()
    }

    /// Whether the ephone is off hook now.
    pub fn off_hook(&self, tag: EphoneTag) -> bool {
        self.status.get(&tag).is_some_and(|s| s.off_hook)
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::config::load;
    use crate::grammar::graph::Grammar;

    fn office() -> Model {
        let g = Grammar::embedded();
        load::load(&g, include_str!("../../sample-configs/small-office.cfg")).model
    }

    fn reg(name: &str) -> Register {
        Register::station(name, 436, 17, Ipv4Addr::LOCALHOST)
    }

    fn peer() -> SocketAddr {
        "127.0.0.1:50000".parse().unwrap()
    }

    #[test]
    fn unknown_phone_is_refused_and_remembered() {
        let m = office();
        let mut p = Phones::default();
        let cmds = p.register(
            &m,
            &crate::engine::Logins::default(),
            ConnId(1),
            peer(),
            reg("SEP000000000001"),
            7,
        );
        assert!(matches!(&cmds[..], [PhoneCmd::Reject { text, .. }] if *text == "Device Unknown"));
        assert_eq!(p.attempts.len(), 1);
        assert_eq!(p.attempts[0].device, "SEP000000000001");
    }

    #[test]
    fn a_second_registration_replaces_the_first_connection() {
        let m = office();
        let mut p = Phones::default();
        let none = crate::engine::Logins::default();
        p.register(&m, &none, ConnId(1), peer(), reg("SEP001E7A345A01"), 1);
        let cmds = p.register(&m, &none, ConnId(2), peer(), reg("SEP001E7A345A01"), 2);
        assert_eq!(cmds[0], PhoneCmd::Replaced { conn: ConnId(1) });
        assert!(matches!(
            cmds[1],
            PhoneCmd::Accept {
                conn: ConnId(2),
                ..
            }
        ));
        // The old connection closing afterwards does not unregister the phone.
        p.closed(ConnId(1));
        assert_eq!(p.status[&EphoneTag(1)].state, RegState::Registered);
        p.event(ConnId(2), &Event::Deceased);
        p.closed(ConnId(2));
        assert_eq!(p.status[&EphoneTag(1)].state, RegState::Deceased);
        assert!(p.reset(&[EphoneTag(1)], ResetType::Restart).is_empty());
    }

    #[test]
    fn a_logged_in_user_changes_what_the_phone_is_given() {
        let m = office();
        let mut p = Phones::default();
        let mut logins = crate::engine::Logins::default();
        logins.insert(
            DeviceName::parse("SEP0022905B11C2").unwrap(),
            crate::ids::UserName("bkeller".into()),
        );
        let cmds = p.register(&m, &logins, ConnId(1), peer(), reg("SEP0022905B11C2"), 1);
        let PhoneCmd::Accept { station, .. } = &cmds[0] else {
            panic!("{cmds:?}")
        };
        assert_eq!(station.lines[0].number, "1002");
    }
}
