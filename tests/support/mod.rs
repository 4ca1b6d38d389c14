//! Helpers shared by the integration tests: a transcript driver over the pure CLI, and
//! waiting on a condition with a deadline (tests never sleep to wait).
#![allow(dead_code)]

pub mod audio;
pub mod baresip;
pub mod daemon;
pub mod em;
pub mod linphonec;
pub mod mwi;
pub mod procs;
pub mod sipp;
pub mod tmux;

use std::time::{Duration, Instant};

use cmed::actor::core::Core;
use cmed::cli::exec::{self, VtySession};
use cmed::config::{Running, load};
use cmed::debug::Flags;
use cmed::engine::Engine;
use cmed::grammar::graph::Grammar;
use cmed::store::MemStore;
use cmed::time::Now;

/// A CLI session over an engine with an in-memory store, driven as the daemon's actor drives
/// it (the same [`Core`]); `write memory` always succeeds and keeps the text.
pub struct Console {
    pub g: Grammar,
    pub core: Core,
    pub s: VtySession,
    /// The instant every line runs at (unix second 1 unless a test sets it).
    pub now: Now,
    debug: Flags,
}

impl Console {
    /// A console on `config` text, starting in privileged EXEC.
    pub fn new(config: &str) -> Console {
        let g = Grammar::embedded();
        let loaded = load::load(&g, config);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        Console::on(Running::new(&g, loaded.tree, Some(config.to_string())))
    }

    /// A console on a running configuration as loaded (kept lines and all).
    pub fn on(running: Running) -> Console {
        let g = Grammar::embedded();
        let engine = Engine::new(std::sync::Arc::new(Grammar::embedded()), running);
        let core = Core::new(engine, Box::new(MemStore::new()), Box::new(|_| Ok(())));
        let s = VtySession::new(&g, 15, "console");
        Console {
            g,
            core,
            s,
            now: Now::at(1),
            debug: Flags::default(),
        }
    }

    /// The running configuration now.
    pub fn run(&self) -> &Running {
        self.core.engine.running()
    }

    /// Types each line (a trailing `?` asks for help) and returns the transcript: prompt,
    /// line, output, exactly as the console prints it.
    pub fn type_lines(&mut self, lines: &[&str]) -> String {
        let mut out = String::new();
        for line in lines {
            let prompt = self.core.prompt(&self.s);
            out.push_str(&format!("{prompt}{line}\n"));
            if let Some(before) = line.strip_suffix('?') {
                out.push_str(&exec::help_text(&self.g, &self.s, before));
                continue;
            }
            let (r, _) = self
                .core
                .cli(self.s.clone(), line, self.now, None, &self.debug);
            out.push_str(&r.reply.output);
            self.s = r.session;
        }
        out
    }
}

/// The files with extension `ext` in `dir` (relative to the repository), sorted: path and
/// text.
pub fn files(dir: &str, ext: &str) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut out: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == ext))
        .map(|p| {
            (
                p.display().to_string(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
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
