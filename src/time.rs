//! Time as the rest of the program receives it: passed in, never read. The adapters and the
//! actor read the clocks once per input and hand a [`Now`] down; the pure layers (`proto`,
//! `config`, `files`, `engine`) only compare and add.

use std::time::Duration;

/// Wall-clock time in unix seconds: for what people and phones see (login times, `show`
/// ages, `DefineTimeDate`, `em logout` times of day).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Unix(pub u64);

/// Monotonic time since the daemon started: for deadlines, which must not jump when the
/// wall clock is set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mono(pub Duration);

impl Mono {
    /// `self + d`.
    pub fn after(self, d: Duration) -> Mono {
        Mono(self.0 + d)
    }

    /// How long from `self` until `later` (zero if `later` has passed).
    pub fn until(self, later: Mono) -> Duration {
        later.0.saturating_sub(self.0)
    }
}

/// Both clocks at the moment an input arrived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Now {
    /// Wall clock.
    pub unix: Unix,
    /// Monotonic clock.
    pub mono: Mono,
    /// Milliseconds of the wall clock past `unix` (`show clock` prints them).
    pub millis: u16,
}

impl Now {
    /// A hand-made instant (tests, replayed scenarios): both clocks at `secs`.
    pub fn at(secs: u64) -> Now {
        Now {
            unix: Unix(secs),
            mono: Mono(Duration::from_secs(secs)),
            millis: 0,
        }
    }

    /// The monotonic instant at which the wall clock reads `unix`, assuming it does not jump;
    /// instants already past give `self.mono`.
    pub fn mono_at(&self, unix: Unix) -> Mono {
        self.mono
            .after(Duration::from_secs(unix.0.saturating_sub(self.unix.0)))
    }
}
