//! The console's exec-timeout (`line con 0` / `exec-timeout M S`): when the session waits at
//! its prompt longer than that, it ends, as IOS ends an idle console session.
//!
//! rustyline cannot be interrupted while it waits for a key, so a watchdog thread announces
//! the end when the time comes (the IOS "con0 is now available" text, through rustyline's
//! external printer, with the prompt blanked under it), and the next key, whatever it is, is
//! not taken as input: it starts the fresh session. Where the console cannot announce (no
//! external printer), the next key finds the session expired all the same.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustyline::ExternalPrinter;

/// The idle clock of the console session.
#[derive(Default)]
pub struct Idle {
    state: Mutex<State>,
    /// The watchdog has announced the end; read by the prompt while rustyline repaints, so
    /// it is not behind the lock the watchdog holds.
    announced: AtomicBool,
}

#[derive(Default)]
struct State {
    /// When the last key came, or the prompt was shown.
    last: Option<Instant>,
    /// The exec-timeout while the session waits at its prompt (`None`: never, or busy).
    limit: Option<Duration>,
    /// A key came after the limit: the session has ended.
    ended: bool,
    /// The console has ended: the watchdog stops.
    stopped: bool,
}

/// How an idle session ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The watchdog printed the banner in time; the key that came next starts the next
    /// session.
    Announced,
    /// Found at the next key: the console prints the banner and waits for RETURN.
    AtKey,
}

impl State {
    fn expired(&self, now: Instant) -> bool {
        match (self.last, self.limit) {
            (Some(last), Some(limit)) => now.duration_since(last) >= limit,
            _ => false,
        }
    }
}

impl Idle {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The prompt is shown: idle from now, for at most `limit`.
    pub fn arm(&self, limit: Option<Duration>) {
        let mut s = self.lock();
        s.last = Some(Instant::now());
        s.limit = limit;
    }

    /// The prompt has been answered; whether the session had ended before (the line is then
    /// not a command). Resets the clock for the next session.
    pub fn disarm(&self) -> Option<Ended> {
        let mut s = self.lock();
        let expired = std::mem::take(&mut s.ended) || s.expired(Instant::now());
        s.limit = None;
        if self.announced.swap(false, Ordering::SeqCst) {
            Some(Ended::Announced)
        } else {
            expired.then_some(Ended::AtKey)
        }
    }

    /// A key came; whether the session had already ended (announced, or idle too long).
    /// Ended stays ended until [`Idle::disarm`], whatever keys come first.
    pub fn key(&self) -> bool {
        let now = Instant::now();
        let mut s = self.lock();
        s.ended |= self.announced() || s.expired(now);
        s.last = Some(now);
        s.ended
    }

    /// Whether the end has been announced (the prompt shows blank then).
    pub fn announced(&self) -> bool {
        self.announced.load(Ordering::SeqCst)
    }

    /// The console has ended.
    pub fn stop(&self) {
        self.lock().stopped = true;
    }

    /// Starts the watchdog: when the session has been idle past its limit, it prints
    /// `banner()` above the prompt once.
    pub fn watch(
        self: &Arc<Self>,
        mut printer: impl ExternalPrinter + Send + 'static,
        banner: impl Fn() -> String + Send + 'static,
    ) {
        let idle = self.clone();
        let spawned = std::thread::Builder::new()
            .name("console-idle".into())
            .spawn(move || {
                loop {
                    let wait = {
                        let s = idle.lock();
                        if s.stopped {
                            return;
                        }
                        let now = Instant::now();
                        if !idle.announced() && s.expired(now) {
                            idle.announced.store(true, Ordering::SeqCst);
                            None
                        } else {
                            // A new prompt or a key changes the deadline: look again at
                            // least every second.
                            let left = match (s.last, s.limit) {
                                (Some(last), Some(limit)) => {
                                    (last + limit).saturating_duration_since(now)
                                }
                                _ => Duration::MAX,
                            };
                            Some(left.min(Duration::from_secs(1)))
                        }
                    };
                    match wait {
                        Some(d) => std::thread::sleep(d),
                        // Printed outside the lock: the printer waits for rustyline, which
                        // reads `announced` while it repaints.
                        None => {
                            let _ = printer.print(banner());
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "console exec-timeout watchdog not started");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_after_the_limit_finds_the_session_ended_until_disarmed() {
        let idle = Idle::default();
        idle.arm(Some(Duration::ZERO));
        assert!(idle.key());
        assert!(idle.key(), "ended stays ended");
        assert_eq!(idle.disarm(), Some(Ended::AtKey));
        // The next session.
        idle.arm(Some(Duration::from_secs(600)));
        assert!(!idle.key());
        assert_eq!(idle.disarm(), None);
        // `exec-timeout 0 0`: never.
        idle.arm(None);
        assert!(!idle.key());
        assert_eq!(idle.disarm(), None);
    }

    #[test]
    fn the_watchdog_announces_once_and_the_next_key_ends_the_session() {
        struct Printed(std::sync::mpsc::Sender<String>);
        impl ExternalPrinter for Printed {
            fn print(&mut self, msg: String) -> rustyline::Result<()> {
                let _ = self.0.send(msg);
                Ok(())
            }
        }
        let (tx, rx) = std::sync::mpsc::channel();
        let idle = Arc::new(Idle::default());
        idle.watch(Printed(tx), || "R1 con0 is now available".into());
        idle.arm(Some(Duration::from_millis(10)));
        let msg = rx.recv_timeout(Duration::from_secs(10)).expect("announced");
        assert_eq!(msg, "R1 con0 is now available");
        assert!(idle.announced());
        assert!(idle.key());
        assert_eq!(idle.disarm(), Some(Ended::Announced));
        assert!(!idle.announced());
        idle.stop();
    }
}
