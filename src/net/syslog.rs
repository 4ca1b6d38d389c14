//! IOS messages: the events an administrator watches (`%IPPHONE-6-REGISTER: …`,
//! `%SYS-5-CONFIG_I: …`, our `%EM-6-LOGIN: …`), stamped on the configured wall clock and
//! sent where `logging …` says: the buffer `show logging` prints, the console (printed
//! above its prompt), and syslog servers over UDP in the form IOS sends (BSD syslog, RFC
//! 3164, facility local7: `<189>12: *Dec  1 11:15:02.123: %SYS-5-CONFIG_I: …`).
//!
//! Code anywhere raises one with a `tracing` event carrying an `ios` field, the message's
//! `FACILITY-SEVERITY-MNEMONIC`, and the message text; [`IosLayer`] picks those out of the
//! stream, so the pure layers need no handle. The developer's log (`tracing`'s own lines)
//! is a separate matter, left to `main`.
//!
//! Process-wide, as the console and the tracing subscriber are.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::net::{SocketAddr, UdpSocket};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::civil::Zone;
use crate::config::model::{LEVELS, Logging};

/// Where the console's messages are printed.
pub type ConsolePrinter = Box<dyn FnMut(String) + Send>;

/// What the hub holds.
struct State {
    settings: Logging,
    zone: Arc<Zone>,
    hostname: String,
    buffer: VecDeque<String>,
    buffer_bytes: usize,
    console: Option<ConsolePrinter>,
    socket: Option<UdpSocket>,
    /// Messages logged to each place, for `show logging`.
    counts: Counts,
    seq: u64,
}

#[derive(Default)]
struct Counts {
    console: u64,
    buffer: u64,
    trap: u64,
    dropped: u64,
}

fn hub() -> &'static Mutex<State> {
    static HUB: OnceLock<Mutex<State>> = OnceLock::new();
    HUB.get_or_init(|| {
        Mutex::new(State {
            settings: Logging::default(),
            zone: Arc::new(Zone::utc()),
            hostname: "Router".into(),
            buffer: VecDeque::new(),
            buffer_bytes: 0,
            console: None,
            socket: None,
            counts: Counts::default(),
            seq: 0,
        })
    })
}

fn lock() -> std::sync::MutexGuard<'static, State> {
    hub().lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes the `logging …` settings, the zone and the hostname of a new configuration.
pub fn configure(settings: &Logging, zone: Arc<Zone>, hostname: &str) {
    let mut s = lock();
    s.settings = settings.clone();
    s.zone = zone;
    s.hostname = hostname.to_string();
    if let Some((size, _)) = settings.buffered {
        trim(&mut s, size as usize);
    }
    if !settings.hosts.is_empty() && s.socket.is_none() {
        s.socket = UdpSocket::bind("0.0.0.0:0")
            .and_then(|u| u.set_nonblocking(true).map(|()| u))
            .ok();
    }
}

/// Prints the console's messages through `printer` from now on (the interactive console).
pub fn set_console(printer: ConsolePrinter) {
    lock().console = Some(printer);
}

/// The severity of a `FACILITY-SEVERITY-MNEMONIC` (`IPPHONE-6-REGISTER`: 6).
fn severity_of(tag: &str) -> u8 {
    tag.split('-')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .filter(|s| *s < 8)
        .unwrap_or(6)
}

/// `*Dec  1 11:15:02.123`: IOS's `service timestamps log datetime msec localtime`, the `*`
/// saying that no NTP set the clock.
fn stamp(zone: &Zone, unix: u64, millis: u32) -> String {
    let c = zone.local(unix).civil();
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "*{} {:>2} {:02}:{:02}:{:02}.{millis:03}",
        MONTHS[(c.month - 1) as usize],
        c.day,
        c.hour,
        c.minute,
        c.second
    )
}

/// Logs one IOS message (`tag` is `FACILITY-SEVERITY-MNEMONIC`) stamped `unix`.`millis`;
/// `to_console` false for a message the console already showed as its command's answer
/// (`%SYS-5-CONFIG_I` after `end`).
pub fn emit_at(tag: &str, text: &str, unix: u64, millis: u32, to_console: bool) {
    let sev = severity_of(tag);
    let mut s = lock();
    let line = format!("{}: %{tag}: {text}", stamp(&s.zone, unix, millis));
    if to_console && s.settings.console.is_some_and(|l| sev <= l) {
        s.counts.console += 1;
        if let Some(p) = s.console.as_mut() {
            p(format!("{line}\n"));
        }
    }
    if let Some((size, level)) = s.settings.buffered
        && sev <= level
    {
        s.counts.buffer += 1;
        s.buffer_bytes += line.len() + 1;
        s.buffer.push_back(line.clone());
        trim(&mut s, size as usize);
    }
    if sev <= s.settings.trap && !s.settings.hosts.is_empty() {
        s.seq += 1;
        // local7 (23), as IOS's `logging facility` default.
        let datagram = format!("<{}>{}: {line}", 23 * 8 + u32::from(sev), s.seq);
        let hosts = s.settings.hosts.clone();
        let mut sent = false;
        if let Some(sock) = &s.socket {
            for h in hosts {
                sent |= sock.send_to(datagram.as_bytes(), SocketAddr::V4(h)).is_ok();
            }
        }
        if sent {
            s.counts.trap += 1;
        } else {
            s.counts.dropped += 1;
        }
    }
}

fn trim(s: &mut State, size: usize) {
    while s.buffer_bytes > size {
        match s.buffer.pop_front() {
            Some(l) => s.buffer_bytes -= l.len() + 1,
            None => break,
        }
    }
}

/// `show logging`, in IOS's layout.
pub fn show() -> String {
    let s = lock();
    let st = &s.settings;
    let level = |l: Option<u8>| match l {
        Some(l) => format!("level {}", LEVELS[usize::from(l)]),
        None => "disabled".into(),
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Syslog logging: enabled ({} messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)\n",
        s.counts.dropped
    );
    let _ = writeln!(
        out,
        "    Console logging: {}, {} messages logged, xml disabled,\n                     filtering disabled",
        level(st.console),
        s.counts.console
    );
    let _ = writeln!(
        out,
        "    Monitor logging: disabled (terminal monitor: not in cmed yet)"
    );
    let _ = writeln!(
        out,
        "    Buffer logging:  {}, {} messages logged, xml disabled,\n                    filtering disabled",
        level(st.buffered.map(|b| b.1)),
        s.counts.buffer
    );
    let _ = writeln!(
        out,
        "    Trap logging: level {}, {} message lines logged",
        LEVELS[usize::from(st.trap)],
        s.counts.trap
    );
    for h in &st.hosts {
        let _ = writeln!(
            out,
            "        Logging to {}  (udp port {}, audit disabled,\n              link up),",
            h.ip(),
            h.port()
        );
    }
    if let Some((size, _)) = st.buffered {
        let _ = writeln!(out, "\nLog Buffer ({size} bytes):\n");
        for l in &s.buffer {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The `tracing` layer that turns events with an `ios` field into IOS messages.
pub struct IosLayer;

#[derive(Default)]
struct Fields {
    ios: Option<String>,
    message: String,
    /// The console already printed it (its own command's answer).
    shown: bool,
}

impl tracing::field::Visit for Fields {
    fn record_bool(&mut self, field: &tracing::field::Field, value: bool) {
        if field.name() == "shown" {
            self.shown = value;
        }
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "ios" => self.ios = Some(value.to_string()),
            "message" => self.message = value.to_string(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "ios" => self.ios = Some(format!("{value:?}").trim_matches('"').to_string()),
            "message" => self.message = format!("{value:?}"),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for IosLayer {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        if !event.metadata().fields().iter().any(|f| f.name() == "ios") {
            return;
        }
        let mut f = Fields::default();
        event.record(&mut f);
        if let Some(tag) = f.ios {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            emit_at(
                &tag,
                &f.message,
                now.as_secs(),
                now.subsec_millis(),
                !f.shown,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_severities_read_as_ios_writes_them() {
        // 2026-12-01 10:15:02 UTC.
        assert_eq!(
            stamp(&Zone::utc(), 1_796_120_102, 123),
            "*Dec  1 10:15:02.123"
        );
        assert_eq!(severity_of("IPPHONE-6-REGISTER"), 6);
        assert_eq!(severity_of("SYS-5-CONFIG_I"), 5);
        assert_eq!(severity_of("EM-4-LOCKOUT"), 4);
        assert_eq!(severity_of("odd"), 6);
    }
}
