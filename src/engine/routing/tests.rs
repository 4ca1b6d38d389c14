//! The dial plan against the small-office sample and small configurations of its own: where
//! numbers ring as phones register and users log in and out, digit collection, and the order
//! of the hunt.

use super::*;
use crate::config::load;
use crate::config::model::ButtonKind;
use crate::config::phone::PhoneRef;
use crate::engine::Logins;
use crate::engine::devices::{Devices, SipBinding};
use crate::engine::input::{Flow, Registration};
use crate::grammar::graph::Grammar;
use crate::ids::{ConnId, DeviceName, DnTag, PoolTag, RegDnTag, UserName};
use crate::leg::LineInstance;

use Collection::{Finished, Ongoing};

const OFFICE: &str = include_str!("../../../sample-configs/small-office.cfg");

/// A configuration, the devices registered to it and who is logged in where.
struct World {
    m: Model,
    devices: Devices,
    logins: Logins,
    carriers: Carriers,
    conns: BTreeMap<DeviceName, ConnId>,
}

fn dev(name: &str) -> DeviceName {
    DeviceName::parse(name).unwrap()
}

impl World {
    fn new(text: &str) -> World {
        let l = load::load(&Grammar::embedded(), text);
        assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
        World {
            m: l.model,
            devices: Devices::default(),
            logins: Logins::default(),
            carriers: Carriers::default(),
            conns: BTreeMap::new(),
        }
    }

    fn refresh(&mut self, device: DeviceName) {
        self.carriers
            .refresh(&self.m, &self.devices, &self.logins, device);
        // The index kept up to date one device at a time is the index built afresh.
        assert_eq!(
            Carriers::new(&self.m, &self.devices, &self.logins),
            self.carriers
        );
    }

    /// An SCCP phone registers.
    fn register(&mut self, name: &str) {
        let conn = ConnId(self.conns.len() as u64 + 1);
        let device = dev(name);
        let reg = Registration {
            conn,
            peer: "127.0.0.9:50000".parse().unwrap(),
            device: Ok(device),
            device_type: 436,
            protocol: 17,
            max_streams: 1,
        };
        self.devices.register(&self.m, &self.logins, &reg, 1);
        self.conns.insert(device, conn);
        self.refresh(device);
    }

    /// An SCCP phone's connection closes.
    fn close(&mut self, name: &str) {
        let device = dev(name);
        self.devices.closed(self.conns[&device]);
        self.refresh(device);
    }

    /// A SIP phone of pool `pool` registers.
    fn register_sip(&mut self, name: &str, pool: u32) {
        let device = dev(name);
        let binding = SipBinding {
            flow: Flow {
                tcp: None,
                peer: "127.0.0.9:5060".parse().unwrap(),
            },
            contact: "sip:x@127.0.0.9:5060".into(),
            call_id: "c".into(),
            expires_at: 3600,
        };
        self.devices
            .bind_sip(&self.m, &self.logins, device, PoolTag(pool), binding, 1);
        self.refresh(device);
    }

    fn login(&mut self, name: &str, user: &str) {
        self.logins.insert(dev(name), UserName(user.into()));
        self.refresh(dev(name));
    }

    fn logout(&mut self, name: &str) {
        self.logins.remove(&dev(name));
        self.refresh(dev(name));
    }

    fn plan(&self) -> DialPlan {
        DialPlan::new(&self.m)
    }

    /// The phone a device is, as `ephone N` / `pool N`.
    fn phone(&self, d: &DeviceName) -> String {
        match self.m.phone_by_mac(d.mac()) {
            Some(PhoneRef::Ephone(t, _)) => format!("ephone{t}"),
            Some(PhoneRef::Pool(t, _)) => format!("pool{t}"),
            None => d.to_string(),
        }
    }

    fn lines(&self, lines: &[Destination]) -> String {
        let at: Vec<String> = lines
            .iter()
            .map(|l| format!("{}:{}", self.phone(&l.device), l.button))
            .collect();
        at.join(",")
    }

    /// The route of `digits`, written short: `more`, `unknown`, or each candidate as its
    /// automatic peer tag (`s` for a secondary number) and where it rings, or `peerN`.
    fn route(&self, digits: &str, c: Collection) -> String {
        match self.plan().route(&self.carriers, digits, c) {
            Dialed::More => "more".into(),
            Dialed::Unknown => "unknown".into(),
            Dialed::Route(hunt) => {
                let each: Vec<String> = hunt
                    .iter()
                    .map(|c| match &c.target {
                        Target::Line {
                            dn,
                            secondary,
                            reach,
                            ..
                        } => format!(
                            "{}{}@{}",
                            automatic_peer(*dn),
                            if *secondary { "s" } else { "" },
                            match reach {
                                Reach::Carried(l) => self.lines(l),
                                Reach::Unregistered => "unregistered".into(),
                            }
                        ),
                        Target::Peer(t) => format!("peer{t}"),
                    })
                    .collect();
                each.join(" ")
            }
        }
    }

    fn lookup(&self, number: &str) -> Lookup {
        self.plan().lookup(&self.carriers, number)
    }
}

const RECEPTION: &str = "SEP001E7A345A01"; // ephone 1: 1099, overlay 1050+1051, monitors
const LOBBY_1: &str = "SEP0022905B11C2"; // ephone 2: logout profile 1 (1900)
const LOBBY_2: &str = "SEP5475D0A32204"; // ephone 4: logout profile 1 (1900)
const SALES: &str = "SEP5475D0A32288"; // ephone 8: 1010, 1012, 1050
const LAB: &str = "SEP00EBD5C29A11"; // pool 1: 2001, 2002
const MEETING_SIP: &str = "SEP2C3124376B12"; // pool 2: logout profile 2 (1901)

#[test]
fn own_buttons_ring_shared_lines_on_every_phone_but_monitor_buttons_do_not() {
    let mut w = World::new(OFFICE);
    w.register(SALES);
    w.register(RECEPTION);
    // A shared line rings every phone that carries it, in device-name order.
    assert_eq!(w.route("1050", Finished), "20014@ephone1:2,ephone8:3");
    // Both numbers of an overlay button ring on it.
    assert_eq!(w.route("1051", Finished), "20015@ephone1:2");
    // Reception monitors 1001 (`3m1`): a monitor button shows the line, it does not ring.
    assert_eq!(w.route("1001", Finished), "20001@unregistered");
    let on = w.carriers.of(NumberOwner::Ephone(DnTag(14)));
    assert_eq!(
        on[0],
        Destination {
            device: dev(RECEPTION),
            button: 2,
            line: LineInstance(2),
            kind: ButtonKind::Overlay,
        }
    );
    assert_eq!((on[1].button, on[1].line), (3, LineInstance(3)));
    // A phone that goes away takes its lines with it.
    w.close(SALES);
    assert_eq!(w.route("1050", Finished), "20014@ephone1:2");
    assert_eq!(w.route("1010", Finished), "20010@unregistered");
}

#[test]
fn a_users_number_rings_where_the_user_is_logged_in_and_follows_a_login_elsewhere() {
    let mut w = World::new(OFFICE);
    w.register(LOBBY_1);
    w.register(LOBBY_2);
    assert_eq!(w.route("1900", Finished), "20016@ephone2:1,ephone4:1");
    assert_eq!(w.route("1001", Finished), "20001@unregistered");
    assert_eq!(
        w.lookup("1001"),
        Lookup::Unregistered(NumberOwner::Ephone(DnTag(1)))
    );
    // amartin logs in on lobby 1: her lines ring there, the logout line no longer does.
    w.login(LOBBY_1, "amartin");
    assert_eq!(w.route("1001", Finished), "20001@ephone2:1");
    assert_eq!(w.route("1099", Finished), "20013@ephone2:2");
    assert_eq!(w.route("1900", Finished), "20016@ephone4:1");
    let silent = w.carriers.of(NumberOwner::Ephone(DnTag(13)));
    assert_eq!(silent[0].kind, ButtonKind::Silent);
    // She logs in on lobby 2 (and so out of lobby 1): her number moves with her.
    w.logout(LOBBY_1);
    w.login(LOBBY_2, "amartin");
    assert_eq!(w.route("1001", Finished), "20001@ephone4:1");
    assert_eq!(w.route("1900", Finished), "20016@ephone2:1");
    // Lobby 2 is switched off: logged in on a phone that is not registered is nowhere.
    w.close(LOBBY_2);
    assert_eq!(w.route("1001", Finished), "20001@unregistered");
    assert_eq!(
        w.lookup("1900"),
        Lookup::Carried(
            NumberOwner::Ephone(DnTag(16)),
            w.carriers.of(NumberOwner::Ephone(DnTag(16))).to_vec()
        )
    );
}

#[test]
fn sip_phones_carry_their_own_lines_or_their_effective_profile() {
    let mut w = World::new(OFFICE);
    w.register_sip(LAB, 1);
    w.register_sip(MEETING_SIP, 2);
    assert_eq!(w.route("2001", Finished), "40001@pool1:1");
    assert_eq!(w.route("2002", Finished), "40002@pool1:2");
    // Pool 2's logout profile carries ephone-dn 17's number: a DN is a DN whoever carries it.
    assert_eq!(w.route("1901", Finished), "20017@pool2:1");
    w.login(MEETING_SIP, "bkeller");
    assert_eq!(w.route("1002", Finished), "20002@pool2:1");
    assert_eq!(w.route("1901", Finished), "20017@unregistered");
    assert_eq!(
        w.lookup("2002"),
        Lookup::Carried(
            NumberOwner::Register(RegDnTag(2)),
            w.carriers.of(NumberOwner::Register(RegDnTag(2))).to_vec()
        )
    );
}

#[test]
fn unknown_numbers_are_told_apart_from_unregistered_ones() {
    let w = World::new(OFFICE);
    assert_eq!(w.route("4444", Finished), "unknown");
    assert_eq!(w.lookup("4444"), Lookup::Unknown);
    // A user-profile number no one carries is configured: unregistered, not unknown.
    assert_eq!(w.route("1005", Finished), "20005@unregistered");
    // The voicemail pilot is a dial-peer, not a directory number.
    assert_eq!(w.route("8000", Finished), "peer8000");
    assert_eq!(w.lookup("8000"), Lookup::Unknown);
}

#[test]
fn digit_collection_waits_while_a_longer_number_or_a_t_pattern_could_still_match() {
    let w = World::new(
        "telephony-service\n max-dn 9\nephone-dn 1\n number 100\nephone-dn 2\n number 1001\n\
         ephone-dn 3\n number 500.\n\
         dial-peer voice 9 voip\n destination-pattern 9T\n session protocol sipv2\n \
         session target ipv4:192.0.2.1\n",
    );
    assert_eq!(w.route("", Ongoing), "more");
    assert_eq!(w.route("10", Ongoing), "more");
    // `100` with `1001` configured is ambiguous until the timeout or `#` (§1.3).
    assert_eq!(w.route("100", Ongoing), "more");
    assert_eq!(w.route("100", Finished), "20001@unregistered");
    // `1001` is complete and nothing longer starts with it: routed at once.
    assert_eq!(w.route("1001", Ongoing), "20002@unregistered");
    assert_eq!(w.route("500", Ongoing), "more");
    assert_eq!(w.route("5003", Ongoing), "20003@unregistered");
    assert_eq!(w.route("50034", Finished), "unknown");
    // A `T` pattern takes any length: it waits for the timeout or `#`.
    assert_eq!(w.route("9", Ongoing), "more");
    assert_eq!(w.route("95551234", Ongoing), "more");
    assert_eq!(w.route("95551234", Finished), "peer9");
    // Nothing starts with 4: reorder at once, without waiting for the timeout.
    assert_eq!(w.route("4", Ongoing), "unknown");
    assert_eq!(w.route("10", Finished), "unknown");
}

const HUNT: &str = "telephony-service\n max-dn 9\n\
ephone-dn 1\n number 5001 secondary 500.\n\
ephone-dn 2\n number 5002\n no huntstop\n\
ephone-dn 3\n number 6000\n preference 2\n\
ephone-dn 4\n number 6000\n preference 1\n no huntstop\n\
dial-peer voice 1 voip\n destination-pattern 5002\n session protocol sipv2\n session target ipv4:192.0.2.1\n\
dial-peer voice 2 voip\n destination-pattern 9T\n session protocol sipv2\n session target ipv4:192.0.2.2\n\
dial-peer voice 3 voip\n destination-pattern 91......\n preference 1\n session protocol sipv2\n session target ipv4:192.0.2.3\n\
dial-peer voice 4 voip\n destination-pattern 91......\n session protocol sipv2\n session target ipv4:192.0.2.4\n\
dial-peer voice 5 voip\n destination-pattern 91......\n session protocol sipv2\n session target sip-server\n\
dial-peer voice 6 voip\n destination-pattern 91......\n session target ipv4:192.0.2.6\n\
dial-peer voice 7 voip\n destination-pattern 91......\n session protocol sipv2\n\
dial-peer voice 8 voip\n destination-pattern 5...\n session protocol sipv2\n session target ipv4:192.0.2.8\n";

#[test]
fn longest_match_then_preference_then_the_lower_tag_and_huntstop_ends_the_hunt() {
    let w = World::new(HUNT);
    // 91…: peers 4 and 5 (2 explicit digits, preference 0; 4 first by tag), then 3
    // (preference 1), then 9T (1 explicit digit). Peer 6 speaks no SIP and 7 has no target.
    assert_eq!(w.route("91234567", Finished), "peer4 peer5 peer3 peer2");
    // 81690 beats 816.. (§1.3): the DN's exact number beats its own wildcard secondary, a DN
    // beats a dial-peer of the same length and preference (even one with a lower tag), and
    // the secondary's huntstop (on by default) ends the hunt before the catch-all 5... .
    assert_eq!(
        w.route("5002", Finished),
        "20002@unregistered peer1 20001s@unregistered"
    );
    assert_eq!(w.route("5009", Finished), "20001s@unregistered");
    assert_eq!(w.route("5001", Finished), "20001@unregistered");
    assert_eq!(w.route("5100", Finished), "peer8");
    // Two DNs with one number: the lower preference first, hunting on to the other.
    assert_eq!(
        w.route("6000", Finished),
        "20004@unregistered 20003@unregistered"
    );
    let with_huntstop = World::new(&format!("{HUNT}dial-peer voice 5 voip\n huntstop\n"));
    assert_eq!(with_huntstop.route("91234567", Finished), "peer4 peer5");
}

#[test]
fn two_dns_with_one_number_each_ring_their_own_phones() {
    let mut w = World::new(
        "telephony-service\n max-ephones 4\n max-dn 4\n\
         ephone-dn 1\n number 5001\n no huntstop\n preference 1\n\
         ephone-dn 2\n number 5001\n preference 2\n\
         ephone 1\n mac-address 0000.0000.0001\n type 7965\n button 1:1\n\
         ephone 2\n mac-address 0000.0000.0002\n type 7965\n button 1:2\n",
    );
    w.register("SEP000000000001");
    w.register("SEP000000000002");
    // CME's hunt pair (§1.5): DN 1 rings its phone, then the call hunts to DN 2's.
    assert_eq!(w.route("5001", Finished), "20001@ephone1:1 20002@ephone2:1");
}

#[test]
fn automatic_peers_are_numbered_by_dn_tag() {
    assert_eq!(automatic_peer(NumberOwner::Ephone(DnTag(13))), 20013);
    assert_eq!(automatic_peer(NumberOwner::Register(RegDnTag(2))), 40002);
}
