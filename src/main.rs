//! The `cmed` command: `run` the daemon, talk to it with `cli`, or `check` a startup-config.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cmed::cli::graph::Grammar;
use cmed::cli::startup;

#[derive(Parser)]
#[command(
    name = "cmed",
    version,
    about = "Extension Mobility for Cisco IP phones, configured like Cisco Unified CME"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate a startup-config; exit 1 if any line is bad.
    Check {
        /// The startup-config file.
        file: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { file } => check(&file),
    }
}

fn check(file: &PathBuf) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cmed check: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let g = Grammar::embedded();
    let loaded = startup::load(&g, &text);
    let name = file.display().to_string();
    for d in &loaded.diagnostics {
        eprint!("{}", d.render(&name));
    }
    if loaded.diagnostics.is_empty() {
        println!(
            "{name}: OK ({} ephones, {} ephone-dns, {} user profiles, {} logout profiles, {} pools)",
            loaded.model.ephones.len(),
            loaded.model.dns.len(),
            loaded.model.user_profiles.len(),
            loaded.model.logout_profiles.len(),
            loaded.model.pools.len()
        );
        ExitCode::SUCCESS
    } else {
        eprintln!("{name}: {} bad line(s)", loaded.diagnostics.len());
        ExitCode::from(1)
    }
}
