//! The control socket: `cmed cli` talks to the running daemon over a Unix socket in the data
//! directory, one CLI session per connection (starting in privileged EXEC, as vtysh does).
//!
//! Protocol, one request per line: `E <line>` runs a line, `H <line>` asks for `?` help.
//! Every answer is a header `<bytes> <flag> <prompt>` and then that many bytes of output.
//! Flags: `-` done, `e` the line was refused, `a` a question awaits the next line, `q` the
//! session ended. The daemon greets each connection with an empty answer carrying the prompt.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

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
/// Each connection takes the lowest free vty number, as IOS assigns its vty lines.
pub async fn serve(listener: UnixListener, engine: EngineHandle, grammar: Arc<Grammar>) {
    let in_use: Arc<Mutex<BTreeSet<u32>>> = Arc::default();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let (engine, grammar, in_use) = (engine.clone(), grammar.clone(), in_use.clone());
        let n = {
            let mut used = in_use.lock().unwrap_or_else(PoisonError::into_inner);
            let n = (0..).find(|n| !used.contains(n)).unwrap_or(0);
            used.insert(n);
            n
        };
        tokio::spawn(async move {
            if let Err(e) = connection(stream, engine, grammar, format!("vty{n}")).await {
                tracing::debug!(error = %e, "control connection ended");
            }
            in_use
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&n);
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
    vty: String,
) -> io::Result<()> {
    let (r, mut w) = stream.into_split();
    let mut lines = BufReader::new(r).lines();
    let mut session = VtySession::new(&grammar, 15, &vty);
    // Listed by `show users` while it lasts.
    let _listed = super::about::Listed::open(&vty, "control socket");
    let stopped = |_| io::Error::other("engine stopped");
    let prompt = engine.prompt(session.clone()).await.map_err(stopped)?;
    send(&mut w, '-', &prompt, "").await?;
    while let Some(req) = lines.next_line().await? {
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
                let flag = if session.closed {
                    'q'
                } else if session.pending.is_some() {
                    'a'
                } else if res.reply.error {
                    'e'
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
        self.read_answer().await
    }
}
