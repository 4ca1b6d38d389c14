//! Helpers shared by the integration tests: a transcript driver over the pure CLI, and
//! waiting on a condition with a deadline (tests never sleep to wait).
#![allow(dead_code)]

pub mod daemon;

use std::time::{Duration, Instant};

use cmed::cli::exec::{self, Effect, Session};
use cmed::config::{Running, load};
use cmed::grammar::graph::Grammar;

/// A CLI session over an in-memory running configuration.
pub struct Console {
    pub g: Grammar,
    pub run: Running,
    pub s: Session,
}

impl Console {
    /// A console on `config` text, starting in privileged EXEC.
    pub fn new(config: &str) -> Console {
        let g = Grammar::embedded();
        let loaded = load::load(&g, config);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let run = Running::new(&g, loaded.tree, Some(config.to_string()));
        let s = Session::new(&g, 15, "console");
        Console { g, run, s }
    }

    /// Types each line (a trailing `?` asks for help) and returns the transcript: prompt,
    /// line, output, exactly as the console prints it. `WriteStartup` effects succeed.
    pub fn type_lines(&mut self, lines: &[&str]) -> String {
        let mut out = String::new();
        for line in lines {
            let prompt = self.s.prompt(&self.g, &self.run.model.hostname);
            out.push_str(&format!("{prompt}{line}\n"));
            if let Some(before) = line.strip_suffix('?') {
                out.push_str(&exec::help_text(&self.g, &self.s, before));
                continue;
            }
            let r = exec::execute(&self.g, &mut self.run, &exec::Offline, &mut self.s, line);
            out.push_str(&r.output);
            for e in r.effects {
                if let Effect::WriteStartup(text) = e {
                    self.run.startup = Some(text);
                    out.push_str("[OK]\n");
                }
            }
        }
        out
    }
}

/// Polls `cond` until it holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        // This is the condition wait the tests use instead of sleeping: the pause only keeps
        // the poll off the CPU between checks; what is waited for is `cond`, up to `timeout`.
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub const SMALL_OFFICE: &str = include_str!("../../sample-configs/small-office.cfg");
