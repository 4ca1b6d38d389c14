//! A simulated SIP phone, for the `cmed-sip-phone` tool and the SIP benchmarks: it registers
//! over UDP as Cisco enterprise firmware does (the Contact carries `+sip.instance` with the
//! MAC and `+u.sip!devicename.ccm.cisco.com="SEP<MAC>"`, provisioning reference §4.1),
//! answers the digest challenge (MD5 or SHA-256, `qop=auth`, `nc` counted per nonce, the
//! last challenge reused on a refresh as phones do), retransmits as a non-INVITE client
//! transaction (RFC 3261 §17.1.2: T1 doubling up to T2, given up after 64·T1), and answers
//! the requests a registrar sends it (NOTIFY, OPTIONS) with 200 OK.
//!
//! A client of the registrar, not part of it: [`SipPhone`] builds and reads messages through
//! the same facade (`proto::sip::msg`) and digest code (`crate::digest`) the daemon's side uses, and owns
//! no socket, so its tests need none; [`Ua`] (one phone) and [`storm`] (many phones over a
//! few sockets) carry it over tokio UDP. Bounded: every wait has a deadline.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::net::UdpSocket;

use super::SimError;
use crate::digest::{self, Challenge};
use crate::proto::sip::msg::{self, Contacts, Message, Method, Response, StartLine};

/// RFC 3261 §17.1.2.2: the first retransmission interval, doubled up to [`T2`].
pub const T1: Duration = Duration::from_millis(500);
/// The retransmission interval's ceiling.
pub const T2: Duration = Duration::from_secs(4);
/// Timer F: a non-INVITE transaction without a final answer fails after 64·T1.
pub const TIMER_F: Duration = Duration::from_secs(32);
/// Challenges answered in one registration before it counts as refused: one, plus one more
/// for a `stale=true` or a server that rotates its nonce.
const MAX_CHALLENGES: u32 = 2;

/// A process-unique token for branches, tags, Call-IDs and cnonces. Not cryptographic: it
/// only has to differ between phones, runs and processes.
pub fn unique() -> String {
    static SEED: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| {
        let t = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        t ^ (u64::from(std::process::id()) << 32)
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // splitmix64: consecutive counters give unrelated-looking tokens.
    let mut z = seed.wrapping_add(n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    format!("{:016x}", z ^ (z >> 31))
}

/// Twelve hex digits from `0021.A0ab.cdef`, `00:21:a0:ab:cd:ef` or `0021A0ABCDEF`, uppercase.
pub fn normalize_mac(mac: &str) -> Option<String> {
    let hex: String = mac
        .chars()
        .filter(|c| !matches!(c, '.' | ':' | '-'))
        .collect();
    (hex.len() == 12 && hex.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_uppercase())
}

/// What a 200 to REGISTER granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    /// The lifetime of our binding: its Contact `expires`, else the `Expires` header, else
    /// what we asked for.
    pub expires: u32,
    /// How many bindings the answer lists for the address of record.
    pub bindings: usize,
    /// The digest algorithm we answered with, if we were challenged (or reused a challenge).
    pub algorithm: Option<&'static str>,
    /// The `Server` or `User-Agent` of the answer.
    pub server: Option<String>,
}

/// What a response means for the registration in progress.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Send this new request (the answer to a challenge).
    Send(Vec<u8>),
    /// Registered.
    Registered(Registered),
    /// A final refusal: the status, and why.
    Refused(u16, String),
    /// Not for the transaction in progress (another Call-ID, an older CSeq, a provisional).
    Ignore,
}

/// One phone's registration state: its identity, the dialog-like REGISTER identifiers
/// (Call-ID, From tag and CSeq stay across refreshes, RFC 3261 §10.2.4), and the last
/// challenge with its nonce count. Sans-IO: bytes out, [`Message`]s in.
#[derive(Clone, Debug)]
pub struct SipPhone {
    /// Twelve uppercase hex digits.
    pub mac: String,
    /// Address-of-record user and digest user name.
    pub user: String,
    password: String,
    /// The registrar.
    pub server: SocketAddr,
    /// The lifetime asked for.
    pub expires: u32,
    call_id: String,
    from_tag: String,
    cseq: u32,
    challenge: Option<Challenge>,
    nc: u32,
    /// Challenges answered in the registration in progress.
    challenges: u32,
    /// Whether the request in flight carries an `Authorization`, and for which nonce.
    answered_nonce: Option<String>,
}

impl SipPhone {
    /// A phone `SEP<mac>` registering `user` with `password` at `server`; `None` when `mac` is
    /// not twelve hex digits.
    pub fn new(server: SocketAddr, mac: &str, user: &str, password: &str) -> Option<SipPhone> {
        let mac = normalize_mac(mac)?;
        Some(SipPhone {
            call_id: unique(),
            from_tag: unique(),
            mac,
            user: user.to_string(),
            password: password.to_string(),
            server,
            expires: 3600,
            cseq: 0,
            challenge: None,
            nc: 0,
            challenges: 0,
            answered_nonce: None,
        })
    }

    /// `SEP` + MAC, the device name.
    pub fn device_name(&self) -> String {
        format!("SEP{}", self.mac)
    }

    /// The `+sip.instance` value: the MAC in the last UUID group, lowercase as phones send it.
    pub fn instance(&self) -> String {
        format!(
            "<urn:uuid:00000000-0000-0000-0000-{}>",
            self.mac.to_ascii_lowercase()
        )
    }

    /// The Request-URI (and digest `uri`): the registrar's address.
    pub fn request_uri(&self) -> String {
        format!("sip:{}", host_port(self.server))
    }

    /// Starts a registration (first or refresh) from `local`: a new transaction with the next
    /// CSeq, answering the last challenge straight away when there is one (the next `nc`).
    pub fn register(&mut self, local: SocketAddr) -> Vec<u8> {
        self.challenges = 0;
        self.next_request(local)
    }

    fn next_request(&mut self, local: SocketAddr) -> Vec<u8> {
        self.cseq += 1;
        if self.challenge.is_some() {
            self.nc += 1;
        }
        let auth = self.challenge.as_ref().map(|ch| {
            digest::respond(
                ch,
                "REGISTER",
                &self.request_uri(),
                &self.user,
                &self.password,
                &unique(),
                self.nc,
            )
        });
        self.answered_nonce = self.challenge.as_ref().map(|c| c.nonce.clone());
        let server = match self.server.ip() {
            IpAddr::V6(a) => format!("[{a}]"),
            IpAddr::V4(a) => a.to_string(),
        };
        let local_hp = host_port(local);
        let mut m = format!(
            "REGISTER {uri} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {local_hp};branch=z9hG4bK{branch};rport\r\n\
             From: <sip:{user}@{server}>;tag={tag}\r\n\
             To: <sip:{user}@{server}>\r\n\
             Call-ID: {call_id}@{local_ip}\r\n\
             CSeq: {cseq} REGISTER\r\n\
             Max-Forwards: 70\r\n\
             Contact: <sip:{user}@{local_hp};transport=udp>;+sip.instance=\"{instance}\";\
             +u.sip!devicename.ccm.cisco.com=\"{device}\"\r\n\
             Expires: {expires}\r\n\
             User-Agent: cmed-sip-phone (simulated Cisco SIP phone)\r\n\
             Allow: ACK,BYE,CANCEL,INVITE,NOTIFY,OPTIONS,REFER,REGISTER,UPDATE,SUBSCRIBE\r\n",
            uri = self.request_uri(),
            branch = unique(),
            user = self.user,
            tag = self.from_tag,
            call_id = self.call_id,
            local_ip = local.ip(),
            cseq = self.cseq,
            instance = self.instance(),
            device = self.device_name(),
            expires = self.expires,
        );
        if let Some(a) = auth {
            m.push_str("Authorization: ");
            m.push_str(&a);
            m.push_str("\r\n");
        }
        m.push_str("Content-Length: 0\r\n\r\n");
        m.into_bytes()
    }

    /// Whether `m` belongs to this phone (its Call-ID).
    pub fn owns(&self, m: &Message) -> bool {
        m.call_id()
            .is_some_and(|c| c.split('@').next() == Some(self.call_id.as_str()))
    }

    /// The Call-ID's local part, the key a storm finds the phone by.
    pub fn call_key(&self) -> &str {
        &self.call_id
    }

    /// Reads a response to the registration in flight.
    pub fn on_response(&mut self, m: &Message, local: SocketAddr) -> Outcome {
        let StartLine::Response { code, reason } = &m.start else {
            return Outcome::Ignore;
        };
        if !self.owns(m) || m.cseq().map(|(n, _)| n) != Some(self.cseq) {
            return Outcome::Ignore; // a retransmitted answer to an earlier request
        }
        match code {
            100..=199 => Outcome::Ignore,
            200..=299 => Outcome::Registered(self.registered(m)),
            401 | 407 => {
                let header = if *code == 401 {
                    "www-authenticate"
                } else {
                    "proxy-authenticate"
                };
                let Some(ch) = m
                    .raw(header)
                    .iter()
                    .find_map(|v| digest::parse_challenge(v))
                else {
                    return Outcome::Refused(
                        *code,
                        format!("{reason} (no digest challenge we can answer)"),
                    );
                };
                // The same nonce refused again without `stale`: the password is wrong.
                if self.answered_nonce.as_deref() == Some(ch.nonce.as_str()) && !ch.stale {
                    return Outcome::Refused(*code, format!("{reason} (credentials refused)"));
                }
                self.challenges += 1;
                if self.challenges > MAX_CHALLENGES {
                    return Outcome::Refused(
                        *code,
                        format!("{reason} (challenged again and again)"),
                    );
                }
                self.challenge = Some(ch);
                self.nc = 0;
                Outcome::Send(self.next_request(local))
            }
            _ => Outcome::Refused(*code, reason.clone()),
        }
    }

    fn registered(&self, m: &Message) -> Registered {
        let contacts = match m.contacts() {
            Contacts::List(l) => l,
            _ => Vec::new(),
        };
        let instance = self.instance();
        let ours = contacts.iter().find(|c| {
            c.params.iter().any(|(n, v)| {
                n.eq_ignore_ascii_case("+sip.instance")
                    && v.as_deref().map(|v| v.trim_matches('"')) == Some(instance.as_str())
            })
        });
        let expires = ours
            .and_then(|c| c.expires)
            .or_else(|| m.expires())
            .unwrap_or(self.expires);
        Registered {
            expires,
            bindings: contacts.len(),
            algorithm: self.challenge.as_ref().map(|c| c.algorithm.token()),
            server: m.first("server").or_else(|| m.first("user-agent")),
        }
    }
}

fn host_port(a: SocketAddr) -> String {
    match a.ip() {
        IpAddr::V6(ip) => format!("[{ip}]:{}", a.port()),
        IpAddr::V4(ip) => format!("{ip}:{}", a.port()),
    }
}

/// A request the registrar sent the phone, as printed by `cmed-sip-phone`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    /// The method token.
    pub method: String,
    /// The `Event` header (NOTIFY).
    pub event: Option<String>,
    /// The `Content-Type`.
    pub content_type: Option<String>,
    /// The body, as text (lossy).
    pub body: String,
    /// The status we answered with.
    pub answered: u16,
}

/// The answer to a request from the registrar: 200 to NOTIFY and OPTIONS (a phone accepts
/// them), nothing to ACK, 486 to INVITE (the simulation takes no calls), 501 to the rest.
pub fn answer(m: &Message, source: SocketAddr, to_tag: &str) -> Option<(Incoming, Vec<u8>)> {
    let StartLine::Request { method, .. } = &m.start else {
        return None;
    };
    let (code, reason) = match method {
        Method::Ack => return None,
        Method::Notify | Method::Options => (200, "OK"),
        Method::Invite => (486, "Busy Here"),
        _ => (501, "Not Implemented"),
    };
    let bytes = Response::to(m, source, code, reason, to_tag).finish();
    let incoming = Incoming {
        method: method.as_str().to_string(),
        event: m.first("event"),
        content_type: m.first("content-type"),
        body: String::from_utf8_lossy(&m.body).into_owned(),
        answered: code,
    };
    Some((incoming, bytes))
}

/// A UDP socket bound to the address that routes to `server` (so the Contact and Via name a
/// reachable address), with its receive buffer raised for storms. `connected`: only
/// `server` may answer, and an ICMP port-unreachable shows as `ConnectionRefused` instead of
/// a silent wait (a storm wants that); unconnected, requests from any address arrive, as a
/// phone takes a NOTIFY from wherever the registrar sends it.
pub async fn socket_to(server: SocketAddr, connected: bool) -> Result<UdpSocket, SimError> {
    let any = match server {
        SocketAddr::V4(_) => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        SocketAddr::V6(_) => SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), 0),
    };
    // The source address the kernel picks for `server`: Via and Contact must name it, not
    // the unspecified address.
    let route = std::net::UdpSocket::bind(any)?;
    route.connect(server)?;
    let ip = route.local_addr()?.ip();
    drop(route);
    let s = socket2::Socket::new(
        socket2::Domain::for_address(server),
        socket2::Type::DGRAM,
        Some(socket2::Protocol::UDP),
    )?;
    // Best effort: the kernel caps it at net.core.rmem_max.
    let _ = s.set_recv_buffer_size(4 << 20);
    s.set_nonblocking(true)?;
    s.bind(&SocketAddr::new(ip, 0).into())?;
    let sock = UdpSocket::from_std(s.into())?;
    if connected {
        sock.connect(server).await?;
    }
    Ok(sock)
}

fn is_refused(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::ConnectionRefused
}

/// One phone on its own (unconnected) socket: it sends to its registrar and takes requests
/// from anyone.
pub struct Ua {
    sock: UdpSocket,
    /// The local address (in Via and Contact).
    pub local: SocketAddr,
    /// The phone.
    pub phone: SipPhone,
    to_tag: String,
    /// Requests answered while waiting for a registration, not yet taken by the caller.
    pub incoming: Vec<Incoming>,
    /// Retransmissions sent so far.
    pub retransmissions: u64,
}

impl Ua {
    /// Opens the phone's socket towards its server.
    pub async fn new(phone: SipPhone) -> Result<Ua, SimError> {
        let sock = socket_to(phone.server, false).await?;
        let local = sock.local_addr()?;
        Ok(Ua {
            sock,
            local,
            phone,
            to_tag: unique(),
            incoming: Vec::new(),
            retransmissions: 0,
        })
    }

    /// Registers (or refreshes): REGISTER, the challenge answered if one comes, until a final
    /// answer or `timeout` (then [`SimError::Timeout`]: nothing answered).
    pub async fn register(&mut self, timeout: Duration) -> Result<Registered, SimError> {
        let end = Instant::now() + timeout.min(TIMER_F);
        let mut out = self.phone.register(self.local);
        let mut interval = T1;
        self.sock.send_to(&out, self.phone.server).await?;
        let mut resend = Instant::now() + interval;
        let mut buf = vec![0u8; msg::MAX_MESSAGE];
        loop {
            let wake = resend.min(end);
            let got = tokio::time::timeout_at(wake.into(), self.sock.recv_from(&mut buf)).await;
            match got {
                Err(_) if Instant::now() >= end => {
                    return Err(SimError::Timeout("a final response to REGISTER"));
                }
                Err(_) => {
                    self.sock.send_to(&out, self.phone.server).await?;
                    self.retransmissions += 1;
                    interval = (interval * 2).min(T2);
                    resend = Instant::now() + interval;
                }
                Ok(Err(e)) => return Err(SimError::Io(e)),
                Ok(Ok((n, from))) => {
                    let Ok(m) = msg::parse(&buf[..n]) else {
                        continue; // a real phone drops what it cannot parse
                    };
                    if m.is_request() {
                        self.serve(&m, from).await?;
                        continue;
                    }
                    match self.phone.on_response(&m, self.local) {
                        Outcome::Ignore => {}
                        Outcome::Send(next) => {
                            out = next;
                            self.sock.send_to(&out, self.phone.server).await?;
                            interval = T1;
                            resend = Instant::now() + interval;
                        }
                        Outcome::Registered(r) => return Ok(r),
                        Outcome::Refused(code, why) => {
                            return Err(SimError::Rejected(format!("{code} {why}")));
                        }
                    }
                }
            }
        }
    }

    /// Answers a request from `from` (back to where it came from: RFC 3261 §18.2.2 would
    /// use its Via, which for a registrar on UDP is the same address).
    async fn serve(&mut self, m: &Message, from: SocketAddr) -> Result<(), SimError> {
        if let Some((inc, bytes)) = answer(m, from, &self.to_tag) {
            self.sock.send_to(&bytes, from).await?;
            self.incoming.push(inc);
        }
        Ok(())
    }

    /// Answers requests from the server until `until`; returns the first one answered, or
    /// `None` when the time is up.
    pub async fn next_request(&mut self, until: Instant) -> Result<Option<Incoming>, SimError> {
        if !self.incoming.is_empty() {
            return Ok(Some(self.incoming.remove(0)));
        }
        let mut buf = vec![0u8; msg::MAX_MESSAGE];
        loop {
            let got = tokio::time::timeout_at(until.into(), self.sock.recv_from(&mut buf)).await;
            let (n, from) = match got {
                Err(_) => return Ok(None),
                Ok(Err(e)) => return Err(SimError::Io(e)),
                Ok(Ok(got)) => got,
            };
            if let Ok(m) = msg::parse(&buf[..n])
                && m.is_request()
            {
                self.serve(&m, from).await?;
                return Ok(self.incoming.pop());
            }
        }
    }
}

mod storm;
pub use storm::{StormReport, storm};

#[cfg(test)]
mod tests;
