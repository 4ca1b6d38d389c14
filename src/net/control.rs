//! The control socket: `cmed cli` talks to the running daemon over a Unix socket in the data
//! directory, one CLI session per connection (starting in privileged EXEC, as vtysh does).
//!
//! Protocol, one request per line: `E <line>` runs a line, `H <line>` asks for `?` help.
//! Every answer is a header `<bytes> <flag> <prompt>` and then that many bytes of output.
//! Flags: `-` done, `e` the line was refused, `a` a question awaits the next line, `q` the
//! session ended, `M` done while the session monitors (after `terminal monitor`). The daemon
//! greets each connection with an empty answer carrying the prompt. A monitoring session
//! also gets, between answers, frames with flag `m` and no prompt: one IOS message each.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};

use crate::actor::EngineHandle;
use crate::cli::exec::{self, VtySession};
use crate::grammar::graph::Grammar;

/// The socket's file name in the data directory.
pub const SOCKET: &str = "cmed.sock";

/// The socket path for a data directory.
pub fn socket_path(data: &Path) -> PathBuf {
    data.join(SOCKET)
}

/// Binds the control socket, replacing a stale one left by a daemon that died.
///
/// # Errors
/// If another daemon answers on the socket, or the socket cannot be bound.
pub async fn bind(data: &Path) -> io::Result<UnixListener> {
    let path = socket_path(data);
    if path.exists() {
        if UnixStream::connect(&path).await.is_ok() {
            return Err(io::Error::new(
                io::ErrorKind::AddrInUse,
                format!("another cmed is serving {}", path.display()),
            ));
        }
        std::fs::remove_file(&path)?;
    }
    UnixListener::bind(&path)
}

/// Serves control connections until the listener fails.
/// Each connection takes the lowest free vty number, as IOS assigns its vty lines
/// (`about::Listed::vty`, shared with SSH sessions).
pub async fn serve(listener: UnixListener, engine: EngineHandle, grammar: Arc<Grammar>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let (engine, grammar) = (engine.clone(), grammar.clone());
        tokio::spawn(async move {
            if let Err(e) = connection(stream, engine, grammar).await {
                tracing::debug!(error = %e, "control connection ended");
            }
        });
    }
}

async fn send(
    w: &mut (impl AsyncWriteExt + Unpin),
    flag: char,
    prompt: &str,
    out: &str,
) -> io::Result<()> {
    let mut buf = format!("{} {flag} {prompt}\n", out.len()).into_bytes();
    buf.extend_from_slice(out.as_bytes());
    w.write_all(&buf).await
}

async fn connection(
    stream: UnixStream,
    engine: EngineHandle,
    grammar: Arc<Grammar>,
) -> io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    // Listed by `show users` while it lasts; `clear line` ends it.
    let listed = super::about::Listed::vty("cmed-cli", "control socket");
    let vty = listed.line().to_string();
    let mut session = VtySession::new(&grammar, 15, &vty);
    let stopped = |_| io::Error::other("engine stopped");
    let prompt = engine.prompt(session.clone()).await.map_err(stopped)?;
    send(&mut w, '-', &prompt, "").await?;
    let mut monitor: Option<tokio::sync::broadcast::Receiver<String>> = None;
    loop {
        let next = match monitor.as_mut() {
            None => tokio::select! {
                l = lines.next_line() => l?,
                () = listed.cleared() => None,
            },
            Some(rx) => tokio::select! {
                l = lines.next_line() => l?,
                () = listed.cleared() => None,
                m = rx.recv() => {
                    let text = match m {
                        Ok(line) => format!("{line}\n"),
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            format!("% {n} messages lost: this session read them too slowly\n")
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => continue,
                    };
                    send(&mut w, 'm', "", &text).await?;
                    continue;
                }
            },
        };
        let Some(req) = next else { break };
        let (kind, line) = req.split_at(req.len().min(2));
        match kind.trim() {
            "H" => {
                let help = exec::help_text(&grammar, &session, line);
                let prompt = engine.prompt(session.clone()).await.map_err(stopped)?;
                send(&mut w, '-', &prompt, &help).await?;
            }
            "E" => {
                super::about::session_input(&vty);
                let res = engine
                    .cli(session, line.to_string())
                    .await
                    .map_err(stopped)?;
                session = res.session;
                match (session.monitor, monitor.is_some()) {
                    (true, false) => monitor = Some(super::syslog::monitor()),
                    (false, true) => monitor = None,
                    _ => {}
                }
                let flag = if session.closed {
                    'q'
                } else if session.pending.is_some() {
                    'a'
                } else if res.reply.error {
                    'e'
                } else if session.monitor {
                    'M'
                } else {
                    '-'
                };
                send(&mut w, flag, &res.prompt, &res.reply.output).await?;
                if session.closed {
                    return Ok(());
                }
            }
            _ => send(&mut w, 'e', "", "% Bad control request\n").await?,
        }
    }
    Ok(())
}

/// One answer from the daemon.
#[derive(Debug)]
pub struct Answer {
    /// The flag (see the module doc).
    pub flag: char,
    /// The prompt to show next.
    pub prompt: String,
    /// Output.
    pub output: String,
}

/// The client side, used by `cmed cli`.
pub struct Client {
    reader: BufReader<tokio::net::unix::OwnedReadHalf>,
    writer: tokio::net::unix::OwnedWriteHalf,
    /// IOS messages that arrived while waiting for an answer (a monitoring session).
    pub messages: Vec<String>,
}

impl Client {
    /// Connects and reads the greeting.
    ///
    /// # Errors
    /// If no daemon listens on the socket of `data`.
    pub async fn connect(data: &Path) -> io::Result<(Client, Answer)> {
        let s = UnixStream::connect(socket_path(data)).await?;
        let (r, w) = s.into_split();
        let mut c = Client {
            reader: BufReader::new(r),
            writer: w,
            messages: Vec::new(),
        };
        let greeting = c.read_answer().await?;
        Ok((c, greeting))
    }

    async fn read_answer(&mut self) -> io::Result<Answer> {
        let mut header = String::new();
        if self.reader.read_line(&mut header).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the daemon closed the connection",
            ));
        }
        let mut parts = header.trim_end_matches('\n').splitn(3, ' ');
        let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad answer from the daemon");
        let len: usize = parts.next().and_then(|n| n.parse().ok()).ok_or_else(bad)?;
        let flag = parts
            .next()
            .and_then(|f| f.chars().next())
            .ok_or_else(bad)?;
        let prompt = parts.next().unwrap_or("").to_string();
        let mut buf = vec![0; len];
        self.reader.read_exact(&mut buf).await?;
        Ok(Answer {
            flag,
            prompt,
            output: String::from_utf8_lossy(&buf).into_owned(),
        })
    }

    /// Sends a request (`E` or `H`) and reads the answer.
    ///
    /// # Errors
    /// If the connection fails.
    pub async fn request(&mut self, kind: char, line: &str) -> io::Result<Answer> {
        let line = line.replace(['\n', '\r'], " ");
        self.writer
            .write_all(format!("{kind} {line}\n").as_bytes())
            .await?;
        loop {
            let a = self.read_answer().await?;
            if a.flag != 'm' {
                return Ok(a);
            }
            self.messages.push(a.output);
        }
    }

    /// The next IOS message of a monitoring session (`terminal monitor`); `None` when the
    /// daemon closed the connection.
    ///
    /// # Errors
    /// If the connection fails otherwise.
    pub async fn next_message(&mut self) -> io::Result<Option<String>> {
        if !self.messages.is_empty() {
            return Ok(Some(self.messages.remove(0)));
        }
        match self.read_answer().await {
            Ok(a) => Ok(Some(a.output)),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(None),
            Err(e) => Err(e),
        }
    }
}
