//! The interactive console: the only code that knows rustyline.
//!
//! It runs on its own thread (rustyline blocks) and sends each line to the engine. `?` and Tab
//! are answered locally from the grammar and the session's mode: `?` prints help and gives the
//! typed line back for editing, Tab completes a unique keyword or lists the candidates, Ctrl-Z
//! is `end`. Output longer than the session's `terminal length` is paged (`net::more`).
//!
//! Each session starts with the `line con 0` settings (privilege level, length, width) and
//! ends after its exec-timeout of idleness (`net::idle`) or at `exit`; the next one starts
//! after RETURN, as on an IOS console.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{
    Cmd, CompletionType, ConditionalEventHandler, Config, Context, Editor, Event, EventContext,
    EventHandler, Helper, KeyEvent, Prompt, RepeatCount,
};

use crate::actor::EngineHandle;
use crate::cli::exec::{self, Pending, VtySession};
use crate::grammar::graph::Grammar;
use crate::grammar::matcher;
use crate::net::idle::{Ended, Idle};
use crate::net::more::{Paged, print_paged};

/// What a key binding asked the loop to do with the line it accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    /// `?` was typed: describe the text before the cursor.
    Help,
    /// Ctrl-Z: leave configuration mode.
    CtrlZ,
    /// A key came after the exec-timeout: the session had ended, the key is no input.
    TimedOut,
}

#[derive(Default)]
struct Shared {
    special: Option<(Special, String)>,
}

type SharedRef = Arc<Mutex<Shared>>;

/// `?`, Ctrl-Z (`special`), or any other key (`None`: rustyline handles it), each of which
/// first tells the idle clock.
struct KeyHandler {
    special: Option<Special>,
    shared: SharedRef,
    idle: Arc<Idle>,
}

impl ConditionalEventHandler for KeyHandler {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        let special = if self.idle.key() {
            Special::TimedOut
        } else {
            self.special?
        };
        let before = ctx.line()[..ctx.pos()].to_string();
        self.shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .special = Some((special, before));
        Some(Cmd::AcceptLine)
    }
}

/// The prompt, shown as blanks of its width once the session's end has been announced above
/// it (the announcement is printed while rustyline waits, and rustyline repaints the prompt).
struct ConsolePrompt {
    text: String,
    blank: String,
    idle: Arc<Idle>,
}

impl ConsolePrompt {
    fn new(text: String, idle: &Arc<Idle>) -> ConsolePrompt {
        ConsolePrompt {
            blank: " ".repeat(text.chars().count()),
            text,
            idle: idle.clone(),
        }
    }
}

impl Prompt for ConsolePrompt {
    fn raw(&self) -> &str {
        if self.idle.announced() {
            &self.blank
        } else {
            &self.text
        }
    }
}

struct IosHelper {
    grammar: Arc<Grammar>,
    session: Arc<Mutex<VtySession>>,
}

impl Completer for IosHelper {
    type Candidate = String;
    fn complete(
        &self,
        line: &str,
        pos: usize,
        _: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let ctx = self
            .session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .ctx();
        let (start, mut words) = matcher::complete(&self.grammar, ctx, &line[..pos]);
        if words.len() == 1 {
            words[0].push(' ');
        }
        Ok((start, words))
    }
}

impl Hinter for IosHelper {
    type Hint = String;
}
impl Highlighter for IosHelper {}
impl Validator for IosHelper {}
impl Helper for IosHelper {}

/// Runs the console until its input ends. Blocks: call it on a dedicated thread.
pub fn run(engine: EngineHandle, grammar: Arc<Grammar>) {
    if let Err(e) = console(engine, grammar) {
        tracing::warn!(error = %e, "console stopped");
    }
}

/// IOS's text when a console session ends (`exit`, exec-timeout).
fn available(host: &str) -> String {
    format!("\n{host} con0 is now available\n\n\n\n\n\nPress RETURN to get started.\n\n")
}

fn console(engine: EngineHandle, grammar: Arc<Grammar>) -> rustyline::Result<()> {
    let idle = Arc::new(Idle::default());
    let result = edit(&engine, &grammar, &idle);
    idle.stop();
    result
}

fn edit(engine: &EngineHandle, grammar: &Arc<Grammar>, idle: &Arc<Idle>) -> rustyline::Result<()> {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(true)
        .build();
    let mut rl: Editor<IosHelper, rustyline::history::DefaultHistory> =
        Editor::with_config(config)?;
    let console_line = |e: &EngineHandle| e.snapshot().model.console;
    // The exec-timeout of `line con 0` now (0: never).
    let limit = |e: &EngineHandle| {
        let secs = console_line(e).exec_timeout;
        (secs > 0).then(|| Duration::from_secs(u64::from(secs)))
    };
    let session = Arc::new(Mutex::new(VtySession::console(
        grammar,
        &console_line(engine),
    )));
    // Listed by `show users` while the console runs.
    let _listed = super::about::Listed::open("console", "", "");
    // IOS messages print above the prompt, as on a router's console.
    if let Ok(mut printer) = rl.create_external_printer() {
        super::syslog::set_console(Box::new(move |line| {
            let _ = rustyline::ExternalPrinter::print(&mut printer, line);
        }));
    }
    let shared: SharedRef = Arc::default();
    rl.set_helper(Some(IosHelper {
        grammar: grammar.clone(),
        session: session.clone(),
    }));
    for (event, special) in [
        (Event::from(KeyEvent::from('?')), Some(Special::Help)),
        (Event::from(KeyEvent::ctrl('Z')), Some(Special::CtrlZ)),
        (Event::Any, None),
    ] {
        rl.bind_sequence(
            event,
            EventHandler::Conditional(Box::new(KeyHandler {
                special,
                shared: shared.clone(),
                idle: idle.clone(),
            })),
        );
    }
    if let Ok(printer) = rl.create_external_printer() {
        let engine = engine.clone();
        idle.watch(printer, move || {
            available(&engine.snapshot().model.hostname)
        });
    }
    let lock =
        |s: &Arc<Mutex<VtySession>>| s.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let Ok(mut prompt) = engine.prompt_blocking(lock(&session)) else {
        return Ok(());
    };
    let mut initial = String::new();
    loop {
        idle.arm(limit(engine));
        let read =
            rl.readline_with_initial(&ConsolePrompt::new(prompt.clone(), idle), (&initial, ""));
        let ended = idle.disarm();
        initial.clear();
        let mut line = match read {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => return Ok(()),
            Err(e) => return Err(e),
        };
        let special = shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .special
            .take();
        if let Some(how) = ended {
            // Idle past the exec-timeout: whatever came is not input.
            let ask = how == Ended::AtKey;
            if !restart(
                &mut rl,
                engine,
                grammar,
                &shared,
                &session,
                &mut prompt,
                ask,
            ) {
                return Ok(());
            }
            continue;
        }
        match special {
            Some((Special::Help, before)) => {
                print!("{}", exec::help_text(grammar, &lock(&session), &before));
                initial = before;
                continue;
            }
            Some((Special::CtrlZ, _)) => {
                if grammar.modes[lock(&session).mode].prompt.is_empty() {
                    continue;
                }
                println!("^Z");
                line = "end".into();
            }
            Some((Special::TimedOut, _)) | None => {}
        }
        super::about::session_input("console");
        let Ok(res) = engine.cli_blocking(lock(&session), line) else {
            return Ok(());
        };
        *session.lock().unwrap_or_else(PoisonError::into_inner) = res.session.clone();
        prompt = res.prompt.clone();
        if matches!(res.session.pending, Some(Pending::EnablePassword(_))) {
            // `enable`'s Password: is answered without echo, as many times as IOS asks.
            let mut res = res;
            while matches!(res.session.pending, Some(Pending::EnablePassword(_))) {
                print!("{}", res.reply.output);
                let _ = std::io::Write::flush(&mut std::io::stdout());
                let Some(secret) = crate::net::more::read_secret() else {
                    return Ok(());
                };
                println!();
                let Ok(next) = engine.cli_blocking(res.session.clone(), secret) else {
                    return Ok(());
                };
                res = next;
                *session.lock().unwrap_or_else(PoisonError::into_inner) = res.session.clone();
            }
            print!("{}", res.reply.output);
            prompt = res.prompt;
            continue;
        }
        if res.session.pending.is_some() {
            // The question ends the output; it becomes the prompt for the answer.
            let out = &res.reply.output;
            let cut = out.trim_end_matches(' ').rfind('\n').map_or(0, |i| i + 1);
            print!("{}", &out[..cut]);
            prompt = out[cut..].to_string();
            continue;
        }
        let paged = print_paged(&res.reply.output, &res.session.term, limit(engine));
        if (res.session.closed || paged == Paged::TimedOut)
            && !restart(
                &mut rl,
                engine,
                grammar,
                &shared,
                &session,
                &mut prompt,
                true,
            )
        {
            return Ok(());
        }
    }
}

/// Ends the console session and starts the next one: after IOS's text and RETURN when
/// `ask`, at once when the text was announced and a key already came. `false` when the
/// console's input or the engine has ended.
fn restart(
    rl: &mut Editor<IosHelper, rustyline::history::DefaultHistory>,
    engine: &EngineHandle,
    grammar: &Grammar,
    shared: &SharedRef,
    session: &Arc<Mutex<VtySession>>,
    prompt: &mut String,
    ask: bool,
) -> bool {
    if ask {
        print!("{}", available(&engine.snapshot().model.hostname));
        if rl.readline("").is_err() {
            return false;
        }
        // A `?` or Ctrl-Z typed while waiting for RETURN is not for the next session.
        shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .special = None;
    }
    // Arrow-key history belongs to the session that ended, as `show history` does.
    let _ = rl.clear_history();
    let fresh = VtySession::console(grammar, &engine.snapshot().model.console);
    *session.lock().unwrap_or_else(PoisonError::into_inner) = fresh.clone();
    match engine.prompt_blocking(fresh) {
        Ok(p) => {
            *prompt = p;
            true
        }
        Err(_) => false,
    }
}
