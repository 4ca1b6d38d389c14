//! One SSH session's command session: the terminal's bytes through the line editor
//! (`cli::line_edit`), each line to the engine, the output back in `--More--` pages
//! (`cli::pager`), `?` and Tab from the grammar; the vty line's exec-timeout, `clear
//! line`, `terminal monitor` and `exit` end or shape it. An `exec` request runs its one
//! command through the same engine call.

use std::sync::Arc;
use std::time::Duration;

use russh::ChannelId;
use russh::server::Handle;
use tokio::sync::mpsc;

use crate::actor::EngineHandle;
use crate::cli::exec::{self, Pending, VtySession};
use crate::cli::line_edit::{Editor, Event, crlf};
use crate::cli::pager::{Key, MORE, Pager, erase_more};
use crate::grammar::graph::Grammar;
use crate::grammar::matcher;
use crate::net::about::Listed;

/// Who the session is and where it writes.
pub(super) struct Shell {
    pub engine: EngineHandle,
    pub grammar: Arc<Grammar>,
    pub handle: Handle,
    pub channel: ChannelId,
    /// The user who logged in and their privilege level.
    pub user: String,
    pub level: u8,
    /// The client's address.
    pub peer: std::net::IpAddr,
}

impl Shell {
    /// Writes `text` with the terminal's line ends; a client that has gone is noticed when
    /// its input ends.
    async fn write(&self, text: &str) {
        if !text.is_empty() {
            let _ = self
                .handle
                .data(self.channel, crlf(text).into_bytes())
                .await;
        }
    }

    async fn close(&self) {
        let _ = self.handle.eof(self.channel).await;
        let _ = self.handle.close(self.channel).await;
    }

    fn session(&self, listed: &Listed) -> (VtySession, u32) {
        let model = self.engine.snapshot().model;
        let line = crate::cli::login::lines_for(&model.access, self.peer);
        let mut s = VtySession::new(
            &self.grammar,
            if self.level >= 15 { 15 } else { 1 },
            listed.line(),
        );
        s.login = Some((self.user.clone(), self.peer.to_string()));
        let timeout = match line {
            Some(l) => {
                s.term = exec::Terminal::new(l.length, l.width);
                l.exec_timeout
            }
            None => 600,
        };
        (s, timeout)
    }

    /// Runs an `exec` request: one command, its whole output, exit status 0 (1 if refused).
    pub async fn exec(self, command: String) {
        let listed = Listed::vty(&self.user, &self.peer.to_string());
        let (session, _) = self.session(&listed);
        let status = match self.engine.cli(session, command).await {
            Ok(res) => {
                self.write(&res.reply.output).await;
                u32::from(res.reply.error)
            }
            Err(_) => 1,
        };
        let _ = self.handle.exit_status_request(self.channel, status).await;
        self.close().await;
    }

    /// Runs the interactive shell until `exit`, the exec-timeout, `clear line` or the end of
    /// the client's input.
    pub async fn run(self, mut input: mpsc::Receiver<Vec<u8>>) {
        // One vty line per shell: past the lines that take SSH, IOS has none to give.
        let Some(_line) = VtyTaken::take(&self.engine) else {
            self.write("% All vty lines are in use\n").await;
            return self.close().await;
        };
        let listed = Listed::vty(&self.user, &self.peer.to_string());
        let (mut session, timeout) = self.session(&listed);
        let idle = (timeout > 0).then(|| Duration::from_secs(u64::from(timeout)));
        let mut editor = Editor::new();
        let mut prompt = match self.engine.prompt(session.clone()).await {
            Ok(p) => p,
            Err(_) => return self.close().await,
        };
        self.write(&format!("\n{prompt}")).await;
        // The rest of an output waiting at --More--.
        let mut more: Option<String> = None;
        let mut monitor: Option<tokio::sync::broadcast::Receiver<String>> = None;
        loop {
            let bytes = tokio::select! {
                b = input.recv() => match b {
                    Some(b) => b,
                    None => break,
                },
                () = listed.cleared() => break,
                () = sleep(idle) => {
                    self.write("\n").await;
                    break;
                }
                m = recv(&mut monitor) => {
                    if let Some(line) = m {
                        self.write(&format!("{line}\n{prompt}{}", editor.text())).await;
                    }
                    continue;
                }
            };
            crate::net::about::session_input(listed.line());
            let mut i = 0;
            while i < bytes.len() {
                if let Some(rest) = more.take() {
                    // A key at --More--: it is the pager's, not the line's.
                    let mut pager = Pager::new(&rest, session.term.length, session.term.width);
                    let mut out = erase_more();
                    if let Some(text) = pager.on_key(Key::of(bytes[i])) {
                        out.push_str(text);
                    }
                    if pager.done() {
                        out.push_str(&prompt);
                    } else {
                        out.push_str(MORE);
                        more = Some(pager.rest().to_string());
                    }
                    self.write(&out).await;
                    i += 1;
                    continue;
                }
                let mut echo = String::new();
                let mut events = Vec::new();
                // One byte at a time once paging may start: the keys after a long output
                // belong to its --More--.
                while i < bytes.len() && events.is_empty() {
                    events = editor.feed(&bytes[i..=i], &mut echo);
                    i += 1;
                }
                self.write(&echo).await;
                for event in events {
                    let step = self.event(event, &mut session, &mut editor).await;
                    let Some(step) = step else {
                        return self.close().await;
                    };
                    prompt = step.prompt;
                    match (session.monitor, monitor.is_some()) {
                        (true, false) => monitor = Some(crate::net::syslog::monitor()),
                        (false, true) => monitor = None,
                        _ => {}
                    }
                    if session.closed {
                        self.write(&step.output).await;
                        return self.close().await;
                    }
                    let mut pager =
                        Pager::new(&step.output, session.term.length, session.term.width);
                    let mut out = pager.page().to_string();
                    if pager.done() {
                        out.push_str(&step.after);
                    } else {
                        out.push_str(MORE);
                        more = Some(pager.rest().to_string());
                    }
                    self.write(&out).await;
                }
            }
        }
        self.close().await;
    }

    /// What one editor event does; `None` when the engine has stopped.
    async fn event(&self, event: Event, s: &mut VtySession, editor: &mut Editor) -> Option<Step> {
        let g = &self.grammar;
        let line = match event {
            Event::Line(l) => l,
            Event::Help(before) => {
                let prompt = self.engine.prompt(s.clone()).await.ok()?;
                let help = exec::help_text(g, s, &before);
                let after = format!("{prompt}{}", editor.start(&before));
                return Some(Step {
                    output: format!("\n{help}"),
                    after,
                    prompt,
                });
            }
            Event::Complete(before) => {
                let prompt = self.engine.prompt(s.clone()).await.ok()?;
                let (start, words) = matcher::complete(g, s.ctx(), &before);
                let (output, text) = match words.as_slice() {
                    [one] => (String::new(), format!("{}{one} ", &before[..start])),
                    [] => (String::new(), before.clone()),
                    many => (format!("\n{}\n", many.join("  ")), before.clone()),
                };
                // The line is drawn again, completed.
                let erase = "\u{8} \u{8}".repeat(before.chars().count());
                let after = if output.is_empty() {
                    format!("{erase}{}", editor.start(&text))
                } else {
                    format!("{prompt}{}", editor.start(&text))
                };
                return Some(Step {
                    output,
                    after,
                    prompt,
                });
            }
            Event::CtrlZ | Event::CtrlC => {
                let configuring = !g.modes[s.mode].prompt.is_empty();
                let mark = if event == Event::CtrlZ { "^Z" } else { "^C" };
                if !configuring {
                    let prompt = self.engine.prompt(s.clone()).await.ok()?;
                    let output = if event == Event::CtrlC {
                        format!("{mark}\n")
                    } else {
                        String::new()
                    };
                    return Some(Step {
                        output,
                        after: prompt.clone(),
                        prompt,
                    });
                }
                let res = self.engine.cli(s.clone(), "end".into()).await.ok()?;
                *s = res.session;
                return Some(Step {
                    output: format!("{mark}\n{}", res.reply.output),
                    after: res.prompt.clone(),
                    prompt: res.prompt,
                });
            }
        };
        let res = self.engine.cli(s.clone(), line).await.ok()?;
        *s = res.session;
        // A question ends the output and is the prompt for its answer; a password is not
        // echoed.
        editor.echo = !matches!(s.pending, Some(Pending::EnablePassword(_)));
        if s.pending.is_some() {
            return Some(Step {
                output: res.reply.output,
                after: String::new(),
                prompt: res.prompt,
            });
        }
        Some(Step {
            output: res.reply.output,
            after: res.prompt.clone(),
            prompt: res.prompt,
        })
    }
}

/// SSH shells open now (each holds a vty line).
static SHELLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// A vty line held by a shell, given back when dropped.
struct VtyTaken;

impl VtyTaken {
    /// A line, if the `line vty` sections that take SSH have one free.
    fn take(engine: &EngineHandle) -> Option<VtyTaken> {
        use std::sync::atomic::Ordering::Relaxed;
        let lines: usize = engine
            .snapshot()
            .model
            .access
            .vty
            .iter()
            .filter(|l| l.ssh)
            .map(|l| usize::from(l.last - l.first) + 1)
            .sum();
        let taken = SHELLS.fetch_add(1, Relaxed);
        if taken >= lines {
            SHELLS.fetch_sub(1, Relaxed);
            return None;
        }
        Some(VtyTaken)
    }
}

impl Drop for VtyTaken {
    fn drop(&mut self) {
        SHELLS.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What an event prints: `output` (paged), then `after` once it has all been shown.
struct Step {
    output: String,
    after: String,
    /// The prompt from now on.
    prompt: String,
}

async fn sleep(idle: Option<Duration>) {
    match idle {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// The next IOS message for a monitoring session (never, without `terminal monitor`).
async fn recv(monitor: &mut Option<tokio::sync::broadcast::Receiver<String>>) -> Option<String> {
    use tokio::sync::broadcast::error::RecvError;
    match monitor {
        None => std::future::pending().await,
        Some(rx) => match rx.recv().await {
            Ok(line) => Some(line),
            Err(RecvError::Lagged(n)) => Some(format!(
                "% {n} messages lost: this session read them too slowly"
            )),
            Err(RecvError::Closed) => {
                *monitor = None;
                None
            }
        },
    }
}
