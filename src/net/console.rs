//! The interactive console: the only code that knows rustyline.
//!
//! It runs on its own thread (rustyline blocks) and sends each line to the engine. `?` and Tab
//! are answered locally from the grammar and the session's mode: `?` prints help and gives the
//! typed line back for editing, Tab completes a unique keyword or lists the candidates, Ctrl-Z
//! is `end`.

use std::sync::{Arc, Mutex, PoisonError};

use rustyline::completion::Completer;
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{
    Cmd, CompletionType, ConditionalEventHandler, Config, Context, Editor, Event, EventContext,
    EventHandler, Helper, KeyEvent, RepeatCount,
};

use crate::actor::EngineHandle;
use crate::cli::exec::{self, VtySession};
use crate::grammar::graph::Grammar;
use crate::grammar::matcher;

/// What a key binding asked the loop to do with the line it accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    /// `?` was typed: describe the text before the cursor.
    Help,
    /// Ctrl-Z: leave configuration mode.
    CtrlZ,
}

#[derive(Default)]
struct Shared {
    special: Option<(Special, String)>,
}

type SharedRef = Arc<Mutex<Shared>>;

struct KeyHandler {
    special: Special,
    shared: SharedRef,
}

impl ConditionalEventHandler for KeyHandler {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        let before = ctx.line()[..ctx.pos()].to_string();
        self.shared
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .special = Some((self.special, before));
        Some(Cmd::AcceptLine)
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

fn console(engine: EngineHandle, grammar: Arc<Grammar>) -> rustyline::Result<()> {
    let config = Config::builder()
        .completion_type(CompletionType::List)
        .auto_add_history(true)
        .build();
    let mut rl: Editor<IosHelper, rustyline::history::DefaultHistory> =
        Editor::with_config(config)?;
    let session = Arc::new(Mutex::new(VtySession::new(&grammar, 1, "console")));
    let _listed = super::about::Listed::open("console", "");
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
    for (key, special) in [
        (KeyEvent::from('?'), Special::Help),
        (KeyEvent::ctrl('Z'), Special::CtrlZ),
    ] {
        rl.bind_sequence(
            key,
            EventHandler::Conditional(Box::new(KeyHandler {
                special,
                shared: shared.clone(),
            })),
        );
    }
    let lock =
        |s: &Arc<Mutex<VtySession>>| s.lock().unwrap_or_else(PoisonError::into_inner).clone();
    let Ok(mut prompt) = engine.prompt_blocking(lock(&session)) else {
        return Ok(());
    };
    let mut initial = String::new();
    loop {
        let read = rl.readline_with_initial(&prompt, (&initial, ""));
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
        match special {
            Some((Special::Help, before)) => {
                print!("{}", exec::help_text(&grammar, &lock(&session), &before));
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
            None => {}
        }
        super::about::session_input("console");
        let Ok(res) = engine.cli_blocking(lock(&session), line) else {
            return Ok(());
        };
        *session.lock().unwrap_or_else(PoisonError::into_inner) = res.session.clone();
        prompt = res.prompt;
        if res.session.pending.is_some() {
            // The question ends the output; it becomes the prompt for the answer.
            let out = &res.reply.output;
            let cut = out.trim_end_matches(' ').rfind('\n').map_or(0, |i| i + 1);
            print!("{}", &out[..cut]);
            prompt = out[cut..].to_string();
            continue;
        }
        print!("{}", res.reply.output);
        if res.session.closed {
            let host = prompt.trim_end_matches(['>', '#']).to_string();
            println!("\n{host} con0 is now available\n\n\n\n\n\nPress RETURN to get started.\n");
            if rl.readline("").is_err() {
                return Ok(());
            }
            let fresh = VtySession::new(&grammar, 1, "console");
            *session.lock().unwrap_or_else(PoisonError::into_inner) = fresh.clone();
            let Ok(p) = engine.prompt_blocking(fresh) else {
                return Ok(());
            };
            prompt = p;
        }
    }
}
