//! A simulated SCCP phone, for tests, benchmarks and the `cmed-phone` tool: it registers as a
//! given MAC and model, asks for its templates as a real station does (SCCP reference §4.1),
//! answers keepalives when told to, goes off and on hook, dials, answers a ringing call,
//! opens its RTP receiver where it is told to (the caller of [`Phone::open_receive`] owns
//! the socket), learns where to send RTP, and records every message it receives.
//!
//! This is a client of the daemon, not part of it: it uses the same codec in the other
//! direction (`encode_from_phone`, `decode_to_phone`), so a disagreement between the two
//! sides is caught by the tshark tests rather than hidden.
//!
//! The SCCP phone is this module's root (its API predates the SIP one); [`sip`] holds the
//! simulated SIP phone. Both may import only `proto` and the leaf modules.

pub mod sip;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::proto::sccp::decode::decode_to_phone;
use crate::proto::sccp::encode::encode_from_phone;
use crate::proto::sccp::frame;
use crate::proto::sccp::msg::{ButtonDef, FromPhone, Register, ToPhone};

/// What went wrong talking to the server.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A socket error.
    #[error("socket: {0}")]
    Io(#[from] std::io::Error),
    /// Nothing arrived in time.
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    /// The server closed the connection.
    #[error("server closed the connection")]
    Closed,
    /// The server sent something we cannot decode.
    #[error("bad message from the server: {0}")]
    Bad(String),
    /// Registration refused.
    #[error("registration rejected: {0}")]
    Rejected(String),
}

/// What a registration delivered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registration {
    /// Keepalive interval from `RegisterAck`.
    pub keepalive: u32,
    /// Negotiated protocol from `RegisterAck`.
    pub protocol: u8,
    /// The button template.
    pub buttons: Vec<ButtonDef>,
    /// `LineStat` per line: (number, display name, label).
    pub lines: Vec<(String, String, String)>,
    /// `SpeedDialStat` per speed dial: (number, name).
    pub speed_dials: Vec<(String, String)>,
    /// `ForwardStat` per line: (all, busy, no answer).
    pub forwards: Vec<(Option<String>, Option<String>, Option<String>)>,
    /// The text of the first `DisplayPromptStatus` after registration.
    pub prompt: String,
}

/// Every `mac-address` of an `ephone` in a startup-config's text, as twelve hex digits:
/// the phones a load generator plays.
pub fn ephone_macs(config: &str) -> Vec<String> {
    config
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mac-address "))
        .map(|m| m.replace('.', "").to_ascii_uppercase())
        .collect()
}

/// One simulated phone.
pub struct Phone {
    server: SocketAddr,
    /// Device name (`SEP` + MAC).
    pub name: String,
    /// Device type code (e.g. 436 for a 7965).
    pub device_type: u32,
    /// Highest protocol version it claims.
    pub protocol: u8,
    stream: Option<TcpStream>,
    inbuf: Vec<u8>,
    /// Every message received, in order, across reconnections.
    pub log: Vec<ToPhone>,
    /// How long to wait for each answer.
    pub timeout: Duration,
}

impl Phone {
    /// A phone that will talk to `server` as `SEP<mac>` (twelve hex digits).
    pub fn new(server: SocketAddr, mac: &str, device_type: u32) -> Phone {
        Phone {
            server,
            name: format!("SEP{}", mac.to_ascii_uppercase()),
            device_type,
            protocol: 17,
            stream: None,
            inbuf: Vec::new(),
            log: Vec::new(),
            timeout: Duration::from_secs(10),
        }
    }

    /// Opens the TCP connection (as a phone does after its TFTP fetch).
    pub async fn connect(&mut self) -> Result<(), SimError> {
        let s = TcpStream::connect(self.server).await?;
        s.set_nodelay(true)?;
        self.stream = Some(s);
        self.inbuf.clear();
        Ok(())
    }

    /// Sends one message.
    pub async fn send(&mut self, msg: &FromPhone) -> Result<(), SimError> {
        let mut out = Vec::new();
        encode_from_phone(msg, 0, &mut out);
        self.send_raw(&out).await
    }

    /// Sends raw bytes (for malformed-frame tests).
    pub async fn send_raw(&mut self, bytes: &[u8]) -> Result<(), SimError> {
        let s = self.stream.as_mut().ok_or(SimError::Closed)?;
        s.write_all(bytes).await?;
        Ok(())
    }

    /// The next message from the server, or `None` once the server has closed.
    pub async fn recv(&mut self) -> Result<Option<ToPhone>, SimError> {
        loop {
            match frame::split(&self.inbuf) {
                Ok(Some((f, n))) => {
                    let msg = decode_to_phone(&f).map_err(|e| SimError::Bad(e.to_string()))?;
                    self.inbuf.drain(..n);
                    self.log.push(msg.clone());
                    return Ok(Some(msg));
                }
                Ok(None) => {}
                Err(e) => return Err(SimError::Bad(e.to_string())),
            }
            let s = self.stream.as_mut().ok_or(SimError::Closed)?;
            let n = tokio::time::timeout(self.timeout, s.read_buf(&mut self.inbuf))
                .await
                .map_err(|_| SimError::Timeout("a message"))??;
            if n == 0 {
                self.stream = None;
                return Ok(None);
            }
        }
    }

    /// Receives until `pick` accepts a message; `what` names it in the timeout error.
    pub async fn wait_for<T>(
        &mut self,
        what: &'static str,
        mut pick: impl FnMut(&ToPhone) -> Option<T>,
    ) -> Result<T, SimError> {
        let deadline = tokio::time::Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let m = tokio::time::timeout(left, self.recv())
                .await
                .map_err(|_| SimError::Timeout(what))??;
            match m {
                Some(m) => {
                    if let Some(t) = pick(&m) {
                        return Ok(t);
                    }
                }
                None => return Err(SimError::Closed),
            }
        }
    }

    fn register_msg(&self) -> FromPhone {
        FromPhone::Register(Register::station(
            &self.name,
            self.device_type,
            self.protocol,
            Ipv4Addr::LOCALHOST,
        ))
    }

    /// Connects if needed, registers, and asks for everything a station asks for: button
    /// template, soft keys, each line, forward and speed dial, config, then the time (which
    /// ends a registration). Returns what it was given.
    pub async fn register(&mut self) -> Result<Registration, SimError> {
        if self.stream.is_none() {
            self.connect().await?;
        }
        let reg = self.register_msg();
        self.send(&reg).await?;
        let mut r = Registration::default();
        let ack = self
            .wait_for("RegisterAck", |m| match m {
                ToPhone::RegisterAck {
                    keepalive,
                    protocol,
                    ..
                } => Some(Ok((*keepalive, *protocol))),
                ToPhone::RegisterReject { text } => Some(Err(text.clone())),
                _ => None,
            })
            .await?;
        (r.keepalive, r.protocol) = ack.map_err(SimError::Rejected)?;
        self.send(&FromPhone::ButtonTemplateReq).await?;
        r.buttons = self
            .wait_for("ButtonTemplate", |m| match m {
                ToPhone::ButtonTemplate { buttons, .. } => Some(buttons.clone()),
                _ => None,
            })
            .await?;
        self.send(&FromPhone::SoftKeyTemplateReq).await?;
        self.wait_for("SoftKeyTemplate", |m| {
            matches!(m, ToPhone::SoftKeyTemplate { .. }).then_some(())
        })
        .await?;
        self.send(&FromPhone::SoftKeySetReq).await?;
        self.wait_for("SoftKeySet", |m| {
            matches!(m, ToPhone::SoftKeySet { .. }).then_some(())
        })
        .await?;
        let lines = r.buttons.iter().filter(|b| b.kind == 0x09).count() as u32;
        let speeds = r.buttons.iter().filter(|b| b.kind == 0x02).count() as u32;
        for n in 1..=lines {
            self.send(&FromPhone::LineStatReq(n)).await?;
            let l = self
                .wait_for("LineStat", |m| match m {
                    ToPhone::LineStat {
                        line,
                        number,
                        display_name,
                        label,
                        ..
                    } if *line == n => Some((number.clone(), display_name.clone(), label.clone())),
                    _ => None,
                })
                .await?;
            r.lines.push(l);
            self.send(&FromPhone::ForwardStatReq(n)).await?;
            let f = self
                .wait_for("ForwardStat", |m| match m {
                    ToPhone::ForwardStat {
                        all,
                        busy,
                        no_answer,
                        ..
                    } => Some((all.clone(), busy.clone(), no_answer.clone())),
                    _ => None,
                })
                .await?;
            r.forwards.push(f);
        }
        for n in 1..=speeds {
            self.send(&FromPhone::SpeedDialStatReq(n)).await?;
            let s = self
                .wait_for("SpeedDialStat", |m| match m {
                    ToPhone::SpeedDialStat {
                        index,
                        number,
                        name,
                    } if *index == n => Some((number.clone(), name.clone())),
                    _ => None,
                })
                .await?;
            r.speed_dials.push(s);
        }
        self.send(&FromPhone::RegisterAvailableLines(lines)).await?;
        self.send(&FromPhone::ConfigStatReq).await?;
        self.wait_for("ConfigStat", |m| {
            matches!(m, ToPhone::ConfigStat { .. }).then_some(())
        })
        .await?;
        self.send(&FromPhone::TimeDateReq).await?;
        self.wait_for("DefineTimeDate", |m| {
            matches!(m, ToPhone::DefineTimeDate { .. }).then_some(())
        })
        .await?;
        r.prompt = self
            .wait_for("DisplayPromptStatus", |m| match m {
                ToPhone::DisplayPromptStatus { text, .. } => {
                    Some(String::from_utf8_lossy(text).into_owned())
                }
                _ => None,
            })
            .await?;
        Ok(r)
    }

    /// Sends a keepalive and waits for its acknowledgement.
    pub async fn keepalive(&mut self) -> Result<(), SimError> {
        self.send(&FromPhone::KeepAlive).await?;
        self.wait_for("KeepAliveAck", |m| {
            matches!(m, ToPhone::KeepAliveAck).then_some(())
        })
        .await
    }

    /// Lifts the handset.
    pub async fn off_hook(&mut self) -> Result<(), SimError> {
        self.send(&FromPhone::OffHook {
            line: 0,
            call_ref: 0,
        })
        .await
    }

    /// Hangs up.
    pub async fn on_hook(&mut self) -> Result<(), SimError> {
        self.send(&FromPhone::OnHook {
            line: 0,
            call_ref: 0,
        })
        .await
    }

    /// Presses a keypad key (0–9, 14 = `*`, 15 = `#`).
    pub async fn press(&mut self, button: u32) -> Result<(), SimError> {
        self.send(&FromPhone::KeypadButton {
            button,
            line: 1,
            call_ref: 0,
        })
        .await
    }

    /// Presses soft key `event` (SCCP reference §3.12: 1 Redial, 3 Hold, 9 EndCall,
    /// 10 Resume, 11 Answer …) on line 1.
    pub async fn soft_key(&mut self, event: u32) -> Result<(), SimError> {
        self.soft_key_on(event, 0).await
    }

    /// Presses soft key `event` on line 1 for the call `call_ref` (a phone with two calls
    /// names the one selected: Answer on the waiting call, Resume on the held one).
    pub async fn soft_key_on(&mut self, event: u32, call_ref: u32) -> Result<(), SimError> {
        self.send(&FromPhone::SoftKeyEvent {
            event,
            line: 1,
            call_ref,
        })
        .await
    }

    /// Waits until a call is offered while the phone is in another (the call-waiting tone,
    /// 0x2D); returns its call reference.
    pub async fn wait_call_waiting(&mut self) -> Result<u32, SimError> {
        self.wait_for("StartTone call waiting", |m| match m {
            ToPhone::StartTone {
                tone: 0x2D,
                call_ref,
                ..
            } => Some(*call_ref),
            _ => None,
        })
        .await
    }

    /// Presses speed-dial button `n` (1-based).
    pub async fn speed_dial(&mut self, n: u32) -> Result<(), SimError> {
        self.send(&FromPhone::Stimulus {
            stimulus: 2,
            instance: n,
            call_ref: 0,
            status: 0,
        })
        .await
    }

    /// Dials `number` on the keypad (`*` and `#` included).
    pub async fn dial(&mut self, number: &str) -> Result<(), SimError> {
        for c in number.chars() {
            let key = match c {
                '0'..='9' => c as u32 - '0' as u32,
                '*' => 14,
                '#' => 15,
                _ => continue,
            };
            self.press(key).await?;
        }
        Ok(())
    }

    /// Waits until a call rings in; returns the caller's number and name (`CallInfo`).
    pub async fn wait_ringing(&mut self) -> Result<(String, String), SimError> {
        let info = self
            .wait_for("CallInfo of an incoming call", |m| match m {
                ToPhone::CallInfo {
                    calling,
                    calling_name,
                    call_type: 1,
                    ..
                } => Some((calling.clone(), calling_name.clone())),
                _ => None,
            })
            .await?;
        self.wait_for("SetRinger", |m| {
            matches!(m, ToPhone::SetRinger { mode: 2, .. }).then_some(())
        })
        .await?;
        Ok(info)
    }

    /// Waits for `OpenReceiveChannel` and answers it as a phone does: its RTP receiver is
    /// at `rtp` (SCCP reference §4.2 step 15). Returns the codec asked for.
    pub async fn open_receive(&mut self, rtp: SocketAddr) -> Result<u32, SimError> {
        let (pass_thru, call_ref, codec) = self
            .wait_for("OpenReceiveChannel", |m| match m {
                ToPhone::OpenReceiveChannel {
                    pass_thru,
                    call_ref,
                    codec,
                    ..
                } => Some((*pass_thru, *call_ref, *codec)),
                _ => None,
            })
            .await?;
        self.send(&FromPhone::OpenReceiveChannelAck {
            status: 0,
            ip: rtp.ip(),
            port: u32::from(rtp.port()),
            pass_thru,
            call_ref,
        })
        .await?;
        Ok(codec)
    }

    /// Waits for `StartMediaTransmission`: where to send RTP.
    pub async fn wait_start_media(&mut self) -> Result<SocketAddr, SimError> {
        self.wait_for("StartMediaTransmission", |m| match m {
            ToPhone::StartMediaTransmission { ip, port, .. } => {
                Some(SocketAddr::new((*ip).into(), u16::try_from(*port).ok()?))
            }
            _ => None,
        })
        .await
    }

    /// Waits until the line is back on hook (`CallState` on-hook).
    pub async fn wait_idle(&mut self) -> Result<(), SimError> {
        self.wait_for("CallState on hook", |m| {
            matches!(m, ToPhone::CallState { state: 2, .. }).then_some(())
        })
        .await
    }

    /// Waits for a tone (`StartTone`; 0x21 dial, 0x23 busy, 0x24 ring-back, 0x25 reorder).
    pub async fn wait_tone(&mut self) -> Result<u32, SimError> {
        self.wait_for("StartTone", |m| match m {
            ToPhone::StartTone { tone, .. } => Some(*tone),
            _ => None,
        })
        .await
    }

    /// Waits for the server's `Reset`, as a phone does, and returns its type; the server
    /// closes the connection after it.
    pub async fn wait_reset(&mut self) -> Result<u32, SimError> {
        self.wait_for("Reset", |m| match m {
            ToPhone::Reset(kind) => Some(*kind as u32),
            _ => None,
        })
        .await
    }

    /// What a phone does after a `Reset`: drop the connection and register again.
    pub async fn restart(&mut self) -> Result<Registration, SimError> {
        self.stream = None;
        self.register().await
    }

    /// Closes the connection without unregistering (a pulled cable).
    pub fn drop_connection(&mut self) {
        self.stream = None;
    }

    /// Whether the server has closed the connection: reads until end of stream or timeout.
    pub async fn closed_by_server(&mut self) -> bool {
        loop {
            match self.recv().await {
                Ok(Some(_)) => continue,
                Ok(None) => return true,
                Err(SimError::Io(_)) => return true,
                Err(_) => return false,
            }
        }
    }
}
