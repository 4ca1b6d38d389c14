//! Engine scenarios, replayed: each file in `tests/scenarios/` is a list of inputs (`> …`),
//! the effects the engine must answer with (`< …`, exactly and in order) and checks of its
//! state (`? …`). The runner drives `Engine::handle` alone — no actor, no sockets — with the
//! in-memory store and a hand clock, and plays the store's part: a `Persist` is committed
//! (or made to fail with `fail-next-commit`) and handed back as `Input::Committed`, whose
//! effects follow the `persist` line. See `tests/scenarios/README` for the vocabulary.

mod support;

#[path = "scenarios/render.rs"]
mod render;
#[path = "scenarios/sip.rs"]
mod sip;

use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use cmed::cli::exec::{self, Offline, VtySession};
use cmed::config::{Running, load};
use cmed::engine::em::EmError;
use cmed::engine::registrar::Outcome;
use cmed::engine::{
    Admin, Answer, DeviceEvent, Effect, EmPhone, EmRequest, Engine, Input, Registration, ReplyTo,
};
use cmed::grammar::graph::Grammar;
use cmed::ids::{ConnId, DeviceName, EphoneTag, UserName};
use cmed::leg::{Chan, LegCmd, LegEvent, LineInstance, Party, Refusal, SipLegId, TrunkId};
use cmed::store::{MemStore, Store};
use cmed::time::Now;
use render::{answer, change, conn_cmd, leg_cmd};

/// Where phones and their service-page requests come from unless a line says otherwise.
const PHONE_IP: &str = "127.0.0.9";

struct Runner {
    grammar: Arc<Grammar>,
    config: String,
    engine: Engine,
    store: MemStore,
    now: Now,
    vty: VtySession,
    next_reply: u64,
    /// Effects not yet matched against `<` lines.
    pending: Vec<String>,
    /// The nonce of the last SIP challenge, which `sip-register|sip-invite … auth` answers.
    last_nonce: String,
    /// The realm of the last SIP challenge.
    last_realm: String,
    file: String,
    line_no: usize,
}

fn device(s: &str) -> DeviceName {
    DeviceName::parse(s).unwrap_or_else(|| panic!("bad device name {s}"))
}

/// Codecs as scenarios write them: IOS keywords, comma-separated (`g711alaw,g711ulaw`).
fn codecs(list: &str) -> Vec<cmed::media::Codec> {
    list.split(',')
        .map(|k| cmed::media::Codec::from_ios(k).unwrap_or_else(|| panic!("bad codec {k}")))
        .collect()
}

/// A SIP leg as scenarios write it: a phone's device name, `in:N` or `out:N` for a trunk.
fn sip_leg(s: &str) -> SipLegId {
    let n = |v: &str| v.parse().unwrap_or_else(|_| panic!("bad trunk leg {s}"));
    match s.split_once(':') {
        Some(("in", v)) => SipLegId::Trunk(TrunkId::In(n(v))),
        Some(("out", v)) => SipLegId::Trunk(TrunkId::Out(n(v))),
        _ => SipLegId::Phone(device(s)),
    }
}

fn sip_leg_name(leg: &SipLegId) -> String {
    match leg {
        SipLegId::Phone(d) => d.to_string(),
        SipLegId::Trunk(TrunkId::In(n)) => format!("in:{n}"),
        SipLegId::Trunk(TrunkId::Out(n)) => format!("out:{n}"),
    }
}

impl Runner {
    fn new(file: &str, config: String) -> Runner {
        let grammar = Arc::new(Grammar::embedded());
        let engine = Runner::engine(&grammar, &config);
        let vty = VtySession::new(&grammar, 15, "scenario");
        Runner {
            grammar,
            config,
            engine,
            store: MemStore::new(),
            now: Now::at(0),
            vty,
            next_reply: 0,
            pending: Vec::new(),
            last_nonce: String::new(),
            last_realm: String::new(),
            file: file.into(),
            line_no: 0,
        }
    }

    fn engine(g: &Arc<Grammar>, config: &str) -> Engine {
        let loaded = load::load(g, config);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        Engine::new(g.clone(), Running::new(g, loaded.tree, None))
    }

    fn here(&self) -> String {
        format!("{}:{}", self.file, self.line_no)
    }

    fn reply_to(&mut self) -> ReplyTo {
        self.next_reply += 1;
        ReplyTo(self.next_reply)
    }

    /// Feeds an input and records what comes out, playing the store and the file.
    fn feed(&mut self, input: Input) {
        let mut queue = std::collections::VecDeque::from([input]);
        while let Some(input) = queue.pop_front() {
            for e in self.engine.handle(input, self.now) {
                let text = match &e {
                    Effect::Persist(batch) => {
                        let result = self.store.commit(&batch.changes).map_err(|e| e.to_string());
                        let list: Vec<String> = batch.changes.iter().map(change).collect();
                        let failed = if result.is_err() { " (fails)" } else { "" };
                        let text = format!("persist {}{failed}", list.join("; "));
                        queue.push_back(Input::Committed {
                            batch: batch.clone(),
                            result,
                        });
                        text
                    }
                    Effect::WriteBehind(changes) => {
                        let result = self.store.commit(changes);
                        let list: Vec<String> = changes.iter().map(change).collect();
                        let failed = if result.is_err() { " (fails)" } else { "" };
                        if result.is_err() {
                            queue.push_back(Input::WriteBehindFailed {
                                changes: changes.clone(),
                            });
                        }
                        format!("write-behind {}{failed}", list.join("; "))
                    }
                    Effect::Reply { answer: a, .. } => {
                        if let Answer::Register(Outcome::Challenge { realm, nonce, .. })
                        | Answer::Invite(Err(Outcome::Challenge { realm, nonce, .. })) = a
                        {
                            self.last_nonce = nonce.clone();
                            self.last_realm = realm.clone();
                        }
                        format!("reply {}", answer(a))
                    }
                    Effect::ToSip {
                        contact,
                        register_call_id,
                        kind,
                        ..
                    } => format!("to-sip {contact} {kind:?} call-id={register_call_id}")
                        .to_lowercase(),
                    Effect::ToConn { conn, cmd } => format!("to-conn {conn} {}", conn_cmd(cmd)),
                    Effect::SipMwi {
                        contact,
                        number,
                        messages: m,
                        ..
                    } => format!(
                        "to-sip-mwi {contact} {number} {} {}/{}",
                        if m.waiting { "yes" } else { "no" },
                        m.new,
                        m.old
                    ),
                    Effect::ToSipLeg { leg, cmd, to } => {
                        // Where cmed calls a trunk is part of what is checked.
                        let via = match (leg, to, cmd) {
                            (SipLegId::Trunk(_), Some((_, uri)), LegCmd::RingIn { .. }) => {
                                format!(" via {uri}")
                            }
                            _ => String::new(),
                        };
                        format!("to-sip-leg {} {}{via}", sip_leg_name(leg), leg_cmd(cmd))
                    }
                    Effect::ClearHistory { ip, .. } => format!("clear-history {ip}"),
                    Effect::WriteStartup { text, reply } => {
                        queue.push_back(Input::StartupWritten {
                            text: text.clone(),
                            result: Ok(()),
                            reply: *reply,
                        });
                        "write-startup".into()
                    }
                    Effect::Publish => "publish".into(),
                };
                self.pending.push(text);
            }
        }
    }

    fn expect(&mut self, want: &str) {
        assert!(
            !self.pending.is_empty(),
            "{}: expected `{want}`, the engine did nothing more",
            self.here()
        );
        let got = self.pending.remove(0);
        assert_eq!(got, want, "{}: effect differs", self.here());
    }

    fn all_matched(&mut self) {
        assert!(
            self.pending.is_empty(),
            "{}: effects not listed in the scenario: {:#?}",
            self.here(),
            self.pending
        );
    }

    fn input(&mut self, words: &[&str]) {
        self.all_matched();
        // A phone event may name the channel of its call last (`chN`, as the phone's call
        // reference does); without it the engine takes the line's current call.
        let (words, chan) = match words.split_last() {
            Some((w, rest)) if w.starts_with("ch") && w[2..].parse::<u8>().is_ok() => {
                (rest, Some(Chan(w[2..].parse().unwrap())))
            }
            _ => (words, None),
        };
        let ip = |w: &[&str], at: usize| -> IpAddr {
            match (w.get(at), w.get(at + 1)) {
                (Some(&"from"), Some(a)) => a.parse().unwrap(),
                _ => PHONE_IP.parse().unwrap(),
            }
        };
        let conn = |w: &str| ConnId(w.parse().unwrap());
        let line = LineInstance(1);
        let input = match words {
            ["register", c, d] => Input::Register(Registration {
                conn: conn(c),
                peer: SocketAddr::new(PHONE_IP.parse().unwrap(), 50_000),
                device: DeviceName::parse(d).ok_or_else(|| d.to_string()),
                device_type: 435,
                protocol: 17,
                max_streams: 1,
            }),
            ["offhook", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::OffHook(line)),
            },
            ["onhook", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::OnHook(line)),
            },
            ["keepalive", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::KeepAlive,
            },
            // Several keys are fed one input each; their effects follow in order.
            ["digits", c, keys] => {
                let c = conn(c);
                let mut keys = keys.chars();
                let last = keys.next_back().expect("at least one key");
                for k in keys {
                    self.feed(Input::Device {
                        conn: c,
                        event: DeviceEvent::Leg(chan, LegEvent::Digit(line, k)),
                    });
                }
                Input::Device {
                    conn: c,
                    event: DeviceEvent::Leg(chan, LegEvent::Digit(line, last)),
                }
            }
            // An SCCP phone's CapabilitiesRes, as `proto::sccp` reports it.
            ["codecs", c, list] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::Codecs(LineInstance(0), codecs(list))),
            },
            ["media", c, addr] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::MediaReady(line, addr.parse().unwrap())),
            },
            ["speed-dial", c, n] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::SpeedDial(n.parse().unwrap())),
            },
            ["messages", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::Messages(line)),
            },
            ["redial", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::Redial(line)),
            },
            ["cfwdall", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::ForwardAll(line)),
            },
            ["hold", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::Hold(line)),
            },
            ["resume", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::Resume(line)),
            },
            ["media-failed", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Leg(chan, LegEvent::MediaFailed(line)),
            },
            ["unregistered", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Unregistered,
            },
            ["closed", c] => Input::Closed { conn: conn(c) },
            // The phone missed its keepalives (the SCCP session says DECEASED).
            ["deceased", c] => Input::Device {
                conn: conn(c),
                event: DeviceEvent::Deceased,
            },
            // A voicemail server's message-summary NOTIFY (Messages-Waiting, and
            // Voice-Message new/old when given).
            ["mwi-notify", number, waiting, rest @ ..] => {
                let (counts, from) = match rest {
                    [c, "from", f] => (Some(*c), *f),
                    ["from", f] => (None, *f),
                    _ => panic!(
                        "{}: mwi-notify NUMBER yes|no [N/O] from IP:PORT",
                        self.here()
                    ),
                };
                let (new, old) = counts
                    .and_then(|c| c.split_once('/'))
                    .map_or((0, 0), |(n, o)| (n.parse().unwrap(), o.parse().unwrap()));
                Input::MwiNotify {
                    from: from.parse().unwrap(),
                    number: number.to_string(),
                    messages: cmed::leg::Messages {
                        waiting: *waiting == "yes",
                        new,
                        old,
                    },
                    reply: ReplyTo(1),
                }
            }
            ["timer"] => Input::Timer,
            ["login", d, u, s, ..] => self.em(EmRequest::Login {
                device: device(d),
                user: UserName(u.to_string()),
                secret: if *s == "-" {
                    String::new()
                } else {
                    s.to_string()
                },
                source: ip(words, 4),
            }),
            ["logout", d, ..] => self.em(EmRequest::Logout {
                device: device(d),
                source: ip(words, 2),
            }),
            ["api-login", d, u] => self.em(EmRequest::ApiLogin {
                device: device(d),
                user: UserName(u.to_string()),
            }),
            ["api-logout", d] => self.em(EmRequest::ApiLogout { device: device(d) }),
            ["authenticate", u, s] => self.em(EmRequest::Authenticate {
                user: UserName(u.to_string()),
                secret: s.to_string(),
            }),
            ["change-password", d, old, new] => self.em(EmRequest::ChangePassword {
                device: device(d),
                old: old.to_string(),
                new: new.to_string(),
                source: PHONE_IP.parse().unwrap(),
            }),
            ["emadmin-login", u, e] => self.admin(Admin::EmLogin {
                user: UserName(u.to_string()),
                phone: EmPhone::Ephone(EphoneTag(e.parse().unwrap())),
            }),
            ["emadmin-logout", u] => self.admin(Admin::EmLogout {
                user: UserName(u.to_string()),
            }),
            ["cli", rest @ ..] => return self.cli(&rest.join(" ")),
            ["sip-register", device, to, rest @ ..] => self.sip_register(device, to, rest),
            ["sip-invite", device, number, rest @ ..] => self.sip_invite(device, number, rest),
            // A SIP phone's or trunk's leg events, as `proto::sip::legs` reads them from
            // its SIP.
            ["sip-leg", d, "invite", number] => {
                let leg = sip_leg(d);
                let ev = |event| Input::SipLeg { leg, event };
                self.feed(ev(LegEvent::OffHook(line)));
                for k in number.chars() {
                    self.feed(ev(LegEvent::Digit(line, k)));
                }
                ev(LegEvent::Digit(line, '#'))
            }
            ["sip-leg", d, what @ ..] => {
                // `DEVICE/N`: the event is on the phone's line N (a call cmed rang there).
                let (d, line) = match d.split_once('/') {
                    Some((d, n)) => (d, LineInstance(n.parse().unwrap())),
                    None => (*d, line),
                };
                Input::SipLeg {
                    leg: sip_leg(d),
                    event: match what {
                        ["answer"] => LegEvent::OffHook(line),
                        ["media", addr] => LegEvent::MediaReady(line, addr.parse().unwrap()),
                        ["bye"] => LegEvent::OnHook(line),
                        ["ringing"] => LegEvent::Alerting(line),
                        ["hold"] => LegEvent::Hold(line),
                        ["redirected", to] => LegEvent::Redirected(line, (*to).into()),
                        ["codecs", list] => LegEvent::Codecs(line, codecs(list)),
                        ["resume"] => LegEvent::Resume(line),
                        ["refused", "busy"] => LegEvent::Refused(line, Refusal::Busy),
                        ["refused", "not-found"] => LegEvent::Refused(line, Refusal::NotFound),
                        ["refused", "unavailable"] => LegEvent::Refused(line, Refusal::Unavailable),
                        other => panic!("{}: unknown sip-leg event {other:?}", self.here()),
                    },
                }
            }
            // An INVITE from no registered phone (`proto::sip::legs` opened leg in:N).
            [
                "trunk-call",
                n,
                "from",
                addr,
                "to",
                called,
                "calling",
                number,
                name @ ..,
            ] => Input::TrunkCall {
                trunk: TrunkId::In(n.parse().unwrap()),
                from: addr.parse().unwrap(),
                called: called.to_string(),
                calling: Party {
                    number: (*number).into(),
                    name: name.join(" ").as_str().into(),
                },
            },
            other => panic!("{}: unknown input {other:?}", self.here()),
        };
        self.feed(input);
    }

    fn em(&mut self, req: EmRequest) -> Input {
        let reply = self.reply_to();
        Input::Em { req, reply }
    }

    fn admin(&mut self, cmd: Admin) -> Input {
        let reply = self.reply_to();
        Input::Admin { cmd, reply }
    }

    /// A CLI line, matched by the CLI as the console does; what it asks of the engine is fed.
    fn cli(&mut self, line: &str) {
        let r = exec::execute(
            &self.grammar,
            self.engine.running(),
            &Offline,
            &mut self.vty,
            line,
        );
        assert!(!r.error, "{}: `{line}` refused: {}", self.here(), r.output);
        for cmd in r.admin {
            let input = self.admin(cmd);
            self.feed(input);
        }
    }

    fn check(&mut self, words: &[&str]) {
        self.all_matched();
        let view = self.engine.view(self.now);
        let stored = self.store.load().unwrap();
        match words {
            ["logged-in", d, who] => {
                let got = view.em.sessions.get(&device(d)).map(|s| s.user.0.clone());
                let want = (*who != "none").then(|| who.to_string());
                assert_eq!(got, want, "{}: who is logged in on {d}", self.here());
                let durable = stored.sessions.get(&device(d)).map(|s| s.user.0.clone());
                assert_eq!(durable, got, "{}: the store disagrees on {d}", self.here());
            }
            ["sessions", n] => assert_eq!(
                view.em.sessions.len(),
                n.parse::<usize>().unwrap(),
                "{}",
                self.here()
            ),
            ["last-logout", reason] => {
                let got = view
                    .em
                    .recent
                    .back()
                    .map(|e| e.reason.text().replace(' ', "-"));
                assert_eq!(got.as_deref(), Some(*reason), "{}", self.here());
            }
            ["stored-credential-hides", secret] => {
                for (u, h) in &stored.credentials {
                    assert!(
                        !h.contains(secret),
                        "{}: {u}'s secret in clear",
                        self.here()
                    );
                }
                assert!(!stored.credentials.is_empty(), "{}", self.here());
            }
            ["sip-registered", d, yes] => {
                let bound = view.devices.get(&device(d)).and_then(|x| x.sip()).is_some();
                assert_eq!(bound, *yes == "yes", "{}: SIP binding of {d}", self.here());
            }
            ["running-config", "has", rest @ ..] | ["running-config", "lacks", rest @ ..] => {
                let text = cmed::config::running::running_config(
                    &self.grammar,
                    &self.engine.running().tree,
                );
                let line = rest.join(" ");
                let has = text.lines().any(|l| l.trim() == line);
                assert_eq!(
                    has,
                    words[1] == "has",
                    "{}: `{line}` in the running-config:\n{text}",
                    self.here()
                );
            }
            ["calls", n] => assert_eq!(
                view.calls.iter().count(),
                n.parse::<usize>().unwrap(),
                "{}: calls",
                self.here()
            ),
            ["no-deadline"] => assert_eq!(self.engine.next_deadline(), None, "{}", self.here()),
            ["deadline", secs] => assert_eq!(
                self.engine.next_deadline().map(|m| m.0.as_secs()),
                Some(secs.parse().unwrap()),
                "{}",
                self.here()
            ),
            other => panic!("{}: unknown check {other:?}", self.here()),
        }
    }

    /// The daemon restarts: a new engine over the configuration (edited by `replace` lines
    /// since), recovering from what the store holds; the dropped sessions are effects.
    fn restart(&mut self) {
        self.all_matched();
        self.engine = Runner::engine(&self.grammar, &self.config);
        let dropped = self.engine.recover(self.store.load().unwrap(), self.now);
        if !dropped.is_empty() {
            self.store.commit(&dropped).unwrap();
            let list: Vec<String> = dropped.iter().map(change).collect();
            self.pending
                .push(format!("recovery drops {}", list.join("; ")));
        }
    }

    fn run(mut self, text: &str) {
        for (i, raw) in text.lines().enumerate() {
            self.line_no = i + 1;
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (head, rest) = line.split_once(' ').unwrap_or((line, ""));
            let words: Vec<&str> = rest.split_whitespace().collect();
            match head {
                ">" => self.input(&words),
                "<" => self.expect(rest.trim()),
                "?" => self.check(&words),
                "at" => {
                    self.all_matched();
                    self.now = Now::at(rest.trim().parse().unwrap());
                }
                "+" => {
                    self.all_matched();
                    let secs: u64 = rest.trim().parse().unwrap();
                    self.now = Now::at(self.now.unix.0 + secs);
                }
                "fail-next-commit" => self.store.fail_next_commit(),
                "replace" => {
                    // `replace OLD => NEW` edits the configuration for the next restart;
                    // `\n` stands for a line break.
                    let (old, new) = rest.split_once(" => ").expect("replace OLD => NEW");
                    let (old, new) = (old.replace("\\n", "\n"), new.replace("\\n", "\n"));
                    assert!(
                        self.config.contains(&old),
                        "{}: `{old}` not in the config",
                        self.here()
                    );
                    self.config = self.config.replace(&old, &new);
                }
                "restart" => self.restart(),
                other => panic!("{}: unknown directive {other}", self.here()),
            }
        }
        self.all_matched();
    }
}

/// Runs every scenario in `tests/scenarios/`, each on the small-office configuration with
/// its `config-replace` edits applied before the start.
#[test]
fn every_recorded_scenario_replays_with_the_same_effects() {
    let files = support::files("tests/scenarios", "scn");
    assert!(files.len() >= 15, "scenarios missing: {}", files.len());
    let mut failures = String::new();
    for (path, text) in &files {
        let name = path.rsplit('/').next().unwrap_or(path).to_string();
        // Setup lines before the first input: the configuration and edits to it.
        let mut config = support::SMALL_OFFICE.to_string();
        for line in text.lines().take_while(|l| !l.starts_with('>')) {
            if let Some(rest) = line.strip_prefix("config-replace ") {
                let (old, new) = rest.split_once(" => ").unwrap();
                let (old, new) = (old.replace("\\n", "\n"), new.replace("\\n", "\n"));
                assert!(config.contains(&old), "{name}: `{old}` not in the config");
                config = config.replace(&old, &new);
            }
        }
        let body: String = text
            .lines()
            .map(|l| {
                if l.starts_with("config-replace ") {
                    ""
                } else {
                    l
                }
            })
            .fold(String::new(), |mut s, l| {
                let _ = writeln!(s, "{l}");
                s
            });
        let r = std::panic::catch_unwind(|| Runner::new(&name, config.clone()).run(&body));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let _ = writeln!(failures, "{name}: {msg}");
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

#[test]
fn the_runner_notices_a_wrong_expectation() {
    // A scenario that cannot fail is a defect: one wrong `<` line must fail the replay.
    let text = "at 100\n> authenticate amartin Am4rtin9\n< reply em error 201\n";
    let r = std::panic::catch_unwind(|| {
        Runner::new("inline", support::SMALL_OFFICE.to_string()).run(text)
    });
    assert!(
        r.is_err(),
        "amartin's right password was expected to give {}",
        EmError::Authentication.code()
    );
    // And an effect the scenario does not list fails it too.
    let text = "at 100\n> login SEP0022905B11C2 amartin Am4rtin9\n< reply em ok\n";
    let r = std::panic::catch_unwind(|| {
        Runner::new("inline", support::SMALL_OFFICE.to_string()).run(text)
    });
    assert!(r.is_err());
}
