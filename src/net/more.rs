//! The console's `--More--`: prints a command's output one page at a time (`cli::pager`
//! decides the pages) and reads the key typed at each prompt straight from the terminal,
//! outside rustyline, which only edits lines.
//!
//! The key is read in non-canonical mode without echo or signals (Ctrl-C at `--More--` ends
//! the output, as in IOS, instead of stopping the daemon); the terminal's settings are put
//! back before anything more is printed. Waiting at `--More--` counts as idle for the
//! console's exec-timeout. `enable`'s password is read here too, without echo.

use std::io::{self, BufRead, Read, Write};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::termios::{self, InputFlags, LocalFlags, SetArg, SpecialCharacterIndices};

use crate::cli::pager::{Key, MORE, Pager, erase_more};
use crate::cli::terminal::Terminal;

/// How paged output ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paged {
    /// Shown to the end, or ended by a key.
    Shown,
    /// Nobody answered `--More--` within the exec-timeout: the session ends.
    TimedOut,
}

/// Prints `out` paged for `term`; `idle` is the exec-timeout (`None`: never).
pub fn print_paged(out: &str, term: &Terminal, idle: Option<Duration>) -> Paged {
    let mut stdout = io::stdout().lock();
    let mut pager = Pager::new(out, term.length, term.width);
    let _ = stdout.write_all(pager.page().as_bytes());
    while !pager.done() {
        let _ = stdout.write_all(MORE.as_bytes());
        let _ = stdout.flush();
        let key = read_key(idle);
        let _ = stdout.write_all(erase_more().as_bytes());
        let Some(byte) = key else {
            let _ = stdout.flush();
            return Paged::TimedOut;
        };
        match pager.on_key(Key::of(byte)) {
            Some(text) => {
                let _ = stdout.write_all(text.as_bytes());
            }
            None => break,
        }
    }
    let _ = stdout.flush();
    Paged::Shown
}

/// A line typed without echo (`enable`'s `Password:`), outside rustyline, which only reads
/// while it edits; `None` at the end of input.
pub fn read_secret() -> Option<String> {
    let stdin = io::stdin();
    let saved = termios::tcgetattr(stdin.as_fd()).ok();
    if let Some(t) = &saved {
        // Cooked (a line, Return as a newline) whatever mode rustyline left, but silent.
        let mut quiet = t.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        quiet
            .local_flags
            .insert(LocalFlags::ICANON | LocalFlags::ISIG);
        quiet.input_flags.insert(InputFlags::ICRNL);
        let _ = termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &quiet);
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if let Some(t) = &saved {
        let _ = termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, t);
    }
    match read {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

/// One byte from the terminal, or `None` when `idle` passed first. A terminal that cannot be
/// read (end of input, not a terminal) reads as `q`: the output ends.
fn read_key(idle: Option<Duration>) -> Option<u8> {
    let stdin = io::stdin();
    let saved = termios::tcgetattr(stdin.as_fd()).ok();
    if let Some(t) = &saved {
        let mut raw = t.clone();
        raw.local_flags
            .remove(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG);
        raw.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
        raw.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
        let _ = termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, &raw);
    }
    let key = wait_readable(idle).then(|| {
        let mut b = [0u8; 1];
        match stdin.lock().read(&mut b) {
            Ok(1) => b[0],
            _ => b'q',
        }
    });
    if let Some(t) = &saved {
        let _ = termios::tcsetattr(stdin.as_fd(), SetArg::TCSANOW, t);
    }
    key
}

/// Whether stdin has input before `idle` passes (always, eventually, without a limit).
fn wait_readable(idle: Option<Duration>) -> bool {
    let Some(idle) = idle else { return true };
    let deadline = Instant::now() + idle;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        let stdin = io::stdin();
        let mut fds = [PollFd::new(stdin.as_fd(), PollFlags::POLLIN)];
        // poll takes at most about 24 days of milliseconds; longer waits loop.
        let ms = PollTimeout::try_from(left.min(Duration::from_secs(86_400)))
            .unwrap_or(PollTimeout::MAX);
        match poll(&mut fds, ms) {
            Ok(0) => continue,
            Ok(_) => return true,
            Err(nix::errno::Errno::EINTR) => continue,
            Err(_) => return true,
        }
    }
}
