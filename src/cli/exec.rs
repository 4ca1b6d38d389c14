//! Runs command lines in an IOS session (`cli::session`: mode, privilege, pending question):
//! the handlers of EXEC commands, configuration changes and actions, `enable` and the
//! answers to the session's questions.
//!
//! Pure and read-only: the line is matched against the running configuration and the live
//! state ([`Live`]); what it asks of the engine comes back as typed [`Admin`] commands
//! (configuration edits, `write memory`, restarts, `emadmin`), which the caller hands to the
//! engine in order. A configuration line moves the session into its sub-mode at once; the
//! caller puts the session back if the engine refuses the edit.
//!
//! Typed lines get IOS parent-mode fallback; an indented line (a pasted block) belongs to the
//! section it is indented under: it is refused with a refused header and never taken as a
//! global command.

use crate::grammar::graph::{Grammar, Kind, ModeId};
use crate::grammar::handler::Handler;
use crate::grammar::matcher::{self, Help, Matched, Outcome};

use crate::config::Running;
use crate::config::edit::ConfigEdit;
use crate::config::running as render;
use crate::config::tree::{KeyPart, Line, SectionPath, key_of};
use crate::engine::{Admin, EmPhone, Scope};
use crate::ids::{EphoneTag, PoolTag, ProfileTag, UserName};
use crate::leg::RestartKind;

use super::filter::filtered;
pub use super::session::{Pending, VtySession};
pub use super::terminal::Terminal;

/// The result of one line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Reply {
    /// Text to print.
    pub output: String,
    /// What to ask of the engine, in order; each answer's text is printed after `output`.
    pub admin: Vec<Admin>,
    /// Where the session goes back to if the engine refuses the configuration edit: the
    /// mode and section the line was typed in (after any parent-mode fallback), not the
    /// sub-mode it would have entered.
    pub on_refusal: Option<(ModeId, SectionPath)>,
    /// The line was a section header in a configuration mode: if the engine refuses it, the
    /// indented lines pasted under it are refused too (`VtySession::refused_header`).
    pub header: bool,
    /// The line was refused (an IOS `%` error).
    pub error: bool,
}

impl Reply {
    pub(super) fn text(s: impl Into<String>) -> Reply {
        Reply {
            output: s.into(),
            ..Reply::default()
        }
    }

    pub(super) fn err(s: impl Into<String>) -> Reply {
        Reply {
            output: s.into(),
            error: true,
            ..Reply::default()
        }
    }
}

/// Live state that `show` and `debug` commands read or switch but the configuration does not
/// hold (provisioning counters now; phones and logins as they arrive). The engine implements
/// it; the CLI stays free of the state itself.
pub trait Live {
    /// The text of a `show` of live state, or `None` when this build has no such state.
    fn show(&self, g: &Grammar, handler: Handler, line: &Line) -> Option<String>;
    /// Switches a `debug` on or off (`undebug all` switches all off) and returns the IOS
    /// confirmation, or `None` when there is nothing to switch.
    fn debug(&self, handler: Handler, on: bool) -> Option<String>;
    /// `clear line vty N`: ends that session; IOS's answer, or `None` without sessions.
    fn clear_line(&self, _vty: u32) -> Option<String> {
        None
    }
    /// `crypto key generate KIND [BITS]`: a new SSH host key; IOS's answer, or `None`
    /// without an SSH server.
    fn generate_key(&self, _kind: &str, _bits: u32) -> Option<String> {
        None
    }
}

/// No live state: the configuration alone (CLI tests, `cmed check`).
pub struct Offline;

impl Live for Offline {
    fn show(&self, _: &Grammar, _: Handler, _: &Line) -> Option<String> {
        None
    }
    fn debug(&self, _: Handler, _: bool) -> Option<String> {
        None
    }
}

/// Runs one line typed in session `s`.
pub fn execute(
    g: &Grammar,
    run: &Running,
    live: &dyn Live,
    s: &mut VtySession,
    line: &str,
) -> Reply {
    if let Some(p) = s.pending.take() {
        return answer(run, s, p, line);
    }
    if let Some(text) = s.key_string.as_mut() {
        if !line.trim().eq_ignore_ascii_case("exit") {
            text.push_str(line.trim());
            text.push('\n');
            return Reply::default();
        }
        let text = s.key_string.take().unwrap_or_default();
        return match super::key_string::key_hash_line(&text) {
            Ok(hash_line) => execute_line(g, run, live, s, &hash_line, false),
            Err(e) => Reply::err(e),
        };
    }
    if let Some(delim) = &s.banner {
        // The text of a pasted banner, which is not applied either.
        if line.contains(delim.as_str()) {
            s.banner = None;
        }
        return Reply::default();
    }
    if line.trim_start().starts_with('!') {
        return Reply::default(); // a comment, as in IOS
    }
    s.term.remember(line);
    // An indented line (a pasted block) belongs to the section it is indented under: it is
    // refused with a refused header, and never falls back to a global command (it may still
    // fall back from `sip` to `voice service voip`, as a pasted nested block needs).
    let indented = line.starts_with([' ', '\t']) && !line.trim().is_empty();
    if indented && s.refused_header {
        return Reply::err("% Not applied: it is indented under a line that was refused\n");
    }
    let header = !indented && !line.trim().is_empty() && !g.modes[s.mode].prompt.is_empty();
    let mut r = execute_line(g, run, live, s, line, indented);
    if header {
        s.refused_header = r.error;
        r.header = true;
    }
    r
}

fn execute_line(
    g: &Grammar,
    run: &Running,
    live: &dyn Live,
    s: &mut VtySession,
    line: &str,
    indented: bool,
) -> Reply {
    let prompt_len = s.prompt(g, &run.model.hostname).chars().count();
    let (outcome, mode) = match matcher::match_with_fallback(g, s.ctx(), line) {
        (Outcome::Matched(_), m) if indented && m != s.mode && g.modes[m].name == "config" => {
            (matcher::match_line(g, s.ctx(), line), s.mode)
        }
        other => other,
    };
    let m = match outcome {
        Outcome::Matched(m) => m,
        Outcome::Empty => return Reply::default(),
        other => {
            // A router command typed in any configuration mode is a global one.
            let global = !indented && !g.modes[s.mode].prompt.is_empty();
            if let Some(f) = global
                .then(|| crate::config::kept::family_of(line))
                .flatten()
            {
                if let Some((delim, false)) = crate::config::kept::banner_delimiter(line) {
                    s.banner = Some(delim);
                }
                return Reply::err(format!(
                    "% {} configuration not applied: {}\n",
                    f.name, f.why
                ));
            }
            return Reply::err(matcher::outcome_error(&other, line, prompt_len));
        }
    };
    if mode != s.mode {
        // A parent mode's command: IOS leaves the sub-mode for it, one section per level
        // (`allow-connections` in `sip` returns to `voice service voip`).
        let mut m = s.mode;
        while m != mode {
            match g.modes[m].parent {
                Some(p) => {
                    m = p;
                    s.path.pop();
                }
                None => {
                    s.path.clear();
                    break;
                }
            }
        }
        s.mode = mode;
    }
    dispatch(g, run, live, s, m)
}

fn dispatch(g: &Grammar, run: &Running, live: &dyn Live, s: &mut VtySession, m: Matched) -> Reply {
    let cmd = g.cmd(m.cmd);
    match m.prefix.map(|p| g.cmd(p).kind) {
        Some(Kind::Do) => {
            let mut exec = VtySession {
                level: 15,
                mode: g.mode_id("exec").expect("exec mode"),
                path: Vec::new(),
                ..s.clone()
            };
            let r = dispatch(g, run, live, &mut exec, Matched { prefix: None, ..m });
            s.pending = exec.pending;
            s.term = exec.term; // `do terminal length 0`
            return r;
        }
        // `no debug …` in EXEC.
        Some(_) if cmd.kind == Kind::Exec => {
            return match live.debug(cmd.handler, false) {
                Some(text) => Reply::text(text),
                None => Reply::err("% The phone servers are not running\n"),
            };
        }
        Some(_) => return negate(g, run, s, &m),
        None => {}
    }
    match cmd.kind {
        Kind::Exec => exec_command(g, run, live, s, &m),
        Kind::Config => configure(g, run, s, &m),
        Kind::Action => action(g, s, &m),
        Kind::Exit => {
            let parent = g.modes[s.mode].parent.unwrap_or(s.mode);
            if g.modes[parent].prompt.is_empty() {
                return leave_config(g, s);
            }
            s.mode = parent;
            s.path.pop();
            Reply::default()
        }
        Kind::End => leave_config(g, s),
        Kind::Negate | Kind::Do => Reply::err("% Incomplete command.\n\n"),
    }
}

fn leave_config(g: &Grammar, s: &mut VtySession) -> Reply {
    s.mode = g.mode_id("exec").expect("exec mode");
    s.path.clear();
    // The session that configured sees it as its answer; the log (and any other console)
    // gets it as an IOS message. An SSH session names its line, address and user.
    let text = match &s.login {
        Some((user, addr)) => format!("Configured from {} ({addr}) by {user}", s.from),
        None => format!("Configured from console by {}", s.from),
    };
    tracing::info!(
        ios = "SYS-5-CONFIG_I",
        shown = s.from == "console",
        "{text}"
    );
    Reply::text(format!("%SYS-5-CONFIG_I: {text}\n"))
}

/// `enable`: privileged EXEC after `enable secret`/`password` if one is set. Without one,
/// the console goes straight in (as IOS's does) and a vty session is refused.
fn enable(run: &Running, s: &mut VtySession) -> Reply {
    if s.level >= 15 {
        return Reply::default();
    }
    match &run.model.access.enable {
        Some(crate::config::access::Credential::None) => {
            s.level = 15;
            Reply::default()
        }
        Some(_) => {
            s.pending = Some(Pending::EnablePassword(1));
            Reply::text("Password: ")
        }
        None if s.login.is_none() => {
            s.level = 15;
            Reply::default()
        }
        None => Reply::err("% No password set\n"),
    }
}

fn exec_command(
    g: &Grammar,
    run: &Running,
    live: &dyn Live,
    s: &mut VtySession,
    m: &Matched,
) -> Reply {
    let line = Line::matched(m, None);
    match g.cmd(m.cmd).handler {
        Handler::Enable => enable(run, s),
        Handler::Disable => {
            s.level = 1;
            Reply::default()
        }
        Handler::ExitSession => {
            s.closed = true;
            Reply::default()
        }
        Handler::TerminalMonitor => {
            s.monitor = true;
            Reply::default()
        }
        Handler::TerminalNoMonitor => {
            s.monitor = false;
            Reply::default()
        }
        Handler::ConfigureTerminal => {
            s.mode = g.mode_id("config").expect("config mode");
            s.path.clear();
            Reply::text("Enter configuration commands, one per line.  End with CNTL/Z.\n")
        }
        h @ (Handler::TerminalLength | Handler::TerminalWidth | Handler::TerminalDefault) => {
            super::terminal::set(g, h, &line, s, &run.model);
            Reply::default()
        }
        Handler::ShowHistory => filtered(g, &line, s.term.history_text()),
        Handler::ShowTerminal => filtered(g, &line, super::terminal::show_terminal(s, &run.model)),
        Handler::ShowRunningConfig => {
            let text = render::show_running_config(&render::running_config(g, &run.tree));
            filtered(g, &line, text)
        }
        Handler::ShowStartupConfig => match &run.startup {
            Some(body) => {
                let text = format!("Using {} out of 262144 bytes\n{body}", body.len());
                filtered(g, &line, text)
            }
            None => Reply::text("startup-config is not present\n"),
        },
        Handler::ShowStartupUnapplied => filtered(g, &line, render::unapplied(g, &run.tree)),
        Handler::WriteMemory => write_memory(run),
        Handler::ShowTelephonyService => filtered(
            g,
            &line,
            crate::cli::shows::system::telephony(g, run, line.has("all")),
        ),
        Handler::CopyRunStart => {
            s.pending = Some(Pending::CopyDestination);
            Reply::text("Destination filename [startup-config]? ")
        }
        Handler::ClearRegisterPool => {
            let tag = line.get(g, "tag").and_then(|t| t.parse().ok()).unwrap_or(0);
            ask(Admin::ClearSipPool(PoolTag(tag)))
        }
        Handler::CryptoKeyGenerate => {
            let kind = line.get(g, "kind").unwrap_or("rsa");
            let bits = line
                .get(g, "bits")
                .or(line.get(g, "size"))
                .and_then(|b| b.parse().ok())
                .unwrap_or(if kind == "ec" { 256 } else { 2048 });
            match live.generate_key(kind, bits) {
                Some(text) => Reply::text(text),
                None => {
                    Reply::err("% SSH is not served: no key was made (start with --ssh-port)\n")
                }
            }
        }
        Handler::ShowPrivilege => Reply::text(format!("Current privilege level is {}\n", s.level)),
        Handler::SshKeyString => {
            s.key_string = Some(String::new());
            Reply::default()
        }
        Handler::ClearLine => {
            let n = line.get(g, "n").and_then(|t| t.parse().ok()).unwrap_or(0);
            match live.clear_line(n) {
                Some(text) => Reply::text(text),
                None => Reply::err("% The phone servers are not running\n"),
            }
        }
        Handler::ShowUsers => match live.show(g, Handler::ShowUsers, &line) {
            Some(text) => filtered(
                g,
                &line,
                crate::cli::shows::system::mark_own(&text, &s.from),
            ),
            None => Reply::err("% The phone servers are not running\n"),
        },
        h @ (Handler::ShowDebugging
        | Handler::ShowIpSsh
        | Handler::ShowClock
        | Handler::ShowVersion
        | Handler::ShowCmedStatus
        | Handler::ShowLogging
        | Handler::ShowRegisterPool
        | Handler::ShowRegisterDn
        | Handler::ShowRegisterAll
        | Handler::ShowRegisterStatistics
        | Handler::ShowCallActiveBrief
        | Handler::ShowSipUaRegistrar
        | Handler::ShowDialPeerSummary
        | Handler::ShowDialPeerVoice
        | Handler::ShowCallActiveCompact
        | Handler::ShowSipUaCalls
        | Handler::ShowMwi
        | Handler::ShowTftpBindings
        | Handler::ShowTftpStatistics
        | Handler::ShowEphone
        | Handler::ShowEphoneSummary
        | Handler::ShowEphoneAttempted
        | Handler::ShowEphoneDn
        | Handler::ShowEphoneDnSummary
        | Handler::ShowEm
        | Handler::ShowEmUser
        | Handler::ShowUserProfile
        | Handler::ShowLogoutProfile) => match live.show(g, h, &line) {
            Some(text) => filtered(g, &line, text),
            None => Reply::err("% The phone servers are not running\n"),
        },
        h @ (Handler::DebugTftpEvents
        | Handler::DebugEphoneRegister
        | Handler::DebugEphoneDetail
        | Handler::DebugEphoneEm
        | Handler::DebugCcsipMessages
        | Handler::DebugVoiceCcapiInout
        | Handler::DebugVoiceRegisterEvents
        | Handler::UndebugAll) => match live.debug(h, true) {
            Some(text) => Reply::text(text),
            None => Reply::err("% The phone servers are not running\n"),
        },
        Handler::EmadminLogin | Handler::EmadminLogout => {
            let user = UserName(line.get(g, "user").unwrap_or("").to_string());
            let tag = |name: &str| line.get(g, name).and_then(|t| t.parse().ok());
            let phone = if let Some(t) = tag("ephone") {
                Some(EmPhone::Ephone(EphoneTag(t)))
            } else if let Some(t) = tag("pool") {
                Some(EmPhone::Pool(PoolTag(t)))
            } else {
                line.get(g, "device")
                    .map(|d| EmPhone::Device(d.to_string()))
            };
            let cmd = match phone {
                Some(phone) => Admin::EmLogin { user, phone },
                None => Admin::EmLogout { user },
            };
            ask(cmd)
        }
        other => Reply::err(format!("% {} is not an EXEC command\n", other.id())),
    }
}

/// Saves what is applied and, in place, the startup-config lines cmed keeps without applying.
fn write_memory(run: &Running) -> Reply {
    let mut output = String::from("Building configuration...\n");
    let kept = crate::config::kept::count(&run.tree.root);
    if kept > 0 {
        output.push_str(&format!(
            "% {} not applied by cmed {} kept\n",
            crate::config::kept::lines(kept),
            if kept == 1 { "was" } else { "were" }
        ));
    }
    Reply {
        output,
        admin: vec![Admin::WriteMemory],
        ..Reply::default()
    }
}

fn ask(cmd: Admin) -> Reply {
    Reply {
        admin: vec![cmd],
        ..Reply::default()
    }
}

fn answer(run: &Running, s: &mut VtySession, p: Pending, line: &str) -> Reply {
    match p {
        Pending::EnablePassword(tries) => {
            let ok = run
                .model
                .access
                .enable
                .as_ref()
                .is_some_and(|c| c.verify(line));
            if ok {
                s.level = 15;
                Reply::default()
            } else if tries < 3 {
                s.pending = Some(Pending::EnablePassword(tries + 1));
                Reply::text("Password: ")
            } else {
                Reply::err("% Bad secrets\n\n")
            }
        }
        Pending::CopyDestination => {
            let dest = line.trim();
            if dest.is_empty() || dest.eq_ignore_ascii_case("startup-config") {
                write_memory(run)
            } else {
                Reply::err(format!("%Error opening {dest} (Permission denied)\n"))
            }
        }
    }
}

fn configure(g: &Grammar, run: &Running, s: &mut VtySession, m: &Matched) -> Reply {
    configure_line(g, run, s, m, Line::matched(m, None))
}

fn configure_line(
    g: &Grammar,
    run: &Running,
    s: &mut VtySession,
    m: &Matched,
    line: Line,
) -> Reply {
    if run.tree.section(&s.path).is_none() {
        // The section was removed by another session; configure from the global level.
        s.path.clear();
        s.mode = g.mode_id("config").expect("config mode");
    }
    let key = key_of(g, s.mode, &line);
    let edit = ConfigEdit::Set {
        path: s.path.clone(),
        mode: s.mode,
        line,
    };
    let mut r = ask(Admin::Configure(edit));
    r.on_refusal = Some((s.mode, s.path.clone()));
    // Entered now; the caller moves the session back if the engine refuses the edit.
    if let Some(sub) = g.cmd(m.cmd).enters {
        s.path.push(key);
        s.mode = sub;
    }
    r
}

fn negate(g: &Grammar, run: &Running, s: &mut VtySession, m: &Matched) -> Reply {
    if g.cmd(m.cmd).kind == Kind::Action {
        // `no reset`, `no restart`: accepted, no effect (as CME does).
        return Reply::default();
    }
    if g.cmd(m.cmd).default_on && m.prefix.is_some_and(|p| g.cmd(p).handler == Handler::No) {
        // `no vad`: the command is on by default, so its `no` form is what is stored.
        return configure_line(g, run, s, m, Line::negated(m, None));
    }
    let line = Line::matched(m, None);
    let key = key_of(g, s.mode, &line);
    if run
        .tree
        .section(&s.path)
        .is_none_or(|sec| !sec.entries.contains_key(&key))
    {
        return Reply::default();
    }
    ask(Admin::Configure(ConfigEdit::Remove {
        path: s.path.clone(),
        key,
    }))
}

/// The tag of the section being configured (`ephone 3` -> 3).
fn section_tag(s: &VtySession) -> u32 {
    match s.path.first().and_then(|k| k.parts.first()) {
        Some(KeyPart::Num(n)) => *n as u32,
        _ => 0,
    }
}

fn action(g: &Grammar, s: &VtySession, m: &Matched) -> Reply {
    let line = Line::matched(m, None);
    let interval = || {
        line.get(g, "interval")
            .and_then(|v| v.parse().ok())
            .unwrap_or(15)
    };
    use RestartKind::{Reset, Restart};
    let (scope, kind) = match g.cmd(m.cmd).handler {
        Handler::TelResetAll => (Scope::AllSccp(interval()), Reset),
        Handler::TelRestartAll => (Scope::AllSccp(interval()), Restart),
        Handler::EphoneReset => (Scope::Ephone(EphoneTag(section_tag(s))), Reset),
        Handler::EphoneRestart => (Scope::Ephone(EphoneTag(section_tag(s))), Restart),
        Handler::RegReset => (Scope::AllSip, Reset),
        Handler::RegRestart => (Scope::AllSip, Restart),
        Handler::PoolReset => (Scope::Pool(PoolTag(section_tag(s))), Reset),
        Handler::PoolRestart => (Scope::Pool(PoolTag(section_tag(s))), Restart),
        Handler::ProfReset => (
            Scope::Profile {
                user: g.modes[s.mode].name == "user-profile",
                tag: ProfileTag(section_tag(s)),
            },
            Reset,
        ),
        other => return Reply::err(format!("% {} is not an action\n", other.id())),
    };
    ask(Admin::Restart { scope, kind })
}

/// What `?` prints for the line typed so far (without the `?`).
pub fn help_text(g: &Grammar, s: &VtySession, line: &str) -> String {
    match matcher::describe(g, s.ctx(), line) {
        Help::Next(items) => {
            let width = items
                .iter()
                .map(|(d, _)| d.chars().count())
                .max()
                .unwrap_or(0);
            let mut out = String::new();
            if line.trim().is_empty() {
                out.push_str(&format!("{}:\n", g.modes[s.mode].title));
            }
            for (d, h) in items {
                if h.is_empty() {
                    out.push_str(&format!("  {d}\n"));
                } else {
                    out.push_str(&format!("  {d:<width$}  {h}\n"));
                }
            }
            out.push('\n');
            out
        }
        Help::Words(ws) => format!("{}\n\n", ws.join("  ")),
        Help::Unrecognized | Help::Error(Outcome::Invalid { .. }) => {
            "% Unrecognized command\n".into()
        }
        Help::Error(o) => matcher::outcome_error(&o, line, 0),
    }
}
