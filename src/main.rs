//! The `cmed` command: `run` the daemon, talk to it with `cli`, or `check` a startup-config.

use std::io::{IsTerminal as _, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use cmed::config::load;
use cmed::daemon;
use cmed::grammar::graph::Grammar;
use cmed::net::control::{self, Client};
use std::sync::Arc;

use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _, filter};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Run the daemon.
    Run(daemon::Options),
    /// Run commands on the running daemon, as on its console (privileged EXEC).
    Cli {
        /// Data directory of the daemon.
        #[arg(long, default_value = "./cmed-data")]
        data: PathBuf,
        /// A command to run; repeat for several. Without -c, commands are read from stdin.
        #[arg(short = 'c', long = "command")]
        commands: Vec<String>,
    },
    /// Validate a startup-config; exit 1 if any line is bad. Router configuration that cmed
    /// does not apply (interfaces, routing, access lists …) is reported once per family and
    /// is not an error unless --strict.
    Check {
        /// The startup-config file.
        file: PathBuf,
        /// Treat router configuration that cmed does not apply as errors too.
        #[arg(long)]
        strict: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { file, strict } => check(&file, strict),
        Command::Run(mut opts) => {
            // The debug switches gate their own lines in the log (see `debug::CCAPI`).
            let debug = Arc::new(cmed::debug::Flags::default());
            let gate = debug.clone();
            // At an interactive console the administrator reads IOS messages (printed above
            // the prompt by net::syslog); the developer's log then keeps to warnings, errors
            // and what `debug …` commands switch on. Elsewhere (a service, a pipe) it is the
            // whole log on stderr, as before.
            let interactive = !opts.no_console && std::io::stdin().is_terminal();
            tracing_subscriber::registry()
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_writer(std::io::stderr)
                        .with_filter(
                            EnvFilter::try_from_default_env()
                                .unwrap_or_else(|_| EnvFilter::new("info")),
                        )
                        .with_filter(filter::filter_fn(move |m| {
                            gate.admits(m.target())
                                && (!interactive
                                    || *m.level() <= tracing::Level::WARN
                                    || m.target().starts_with("cmed::debug"))
                        })),
                )
                // Only call sites that carry an `ios` field reach it (decided once per call
                // site), so it costs the others nothing.
                .with(
                    cmed::net::syslog::IosLayer
                        .with_filter(filter::filter_fn(|m| m.fields().field("ios").is_some())),
                )
                .init();
            // Before the runtime's threads exist: it also unsets the variable.
            opts.notify = daemon::notify::take_from_env();
            let rt = runtime();
            let result = rt.block_on(daemon::run(opts, debug));
            // A TFTP transfer runs on a blocking thread until its client acknowledges or
            // times out (tens of seconds); dropping the runtime would wait for it and hold a
            // clean stop past its 5 s. The phone asks again from the next daemon.
            rt.shutdown_timeout(std::time::Duration::from_millis(200));
            match result {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("cmed: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Cli { data, commands } => runtime().block_on(cli_client(&data, commands)),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("cannot start the tokio runtime")
}

/// `cmed cli`: prints a transcript (prompt, command, output) exactly as the console shows it.
/// Exits 1 if any command was refused, 2 if the daemon cannot be reached.
async fn cli_client(data: &std::path::Path, commands: Vec<String>) -> ExitCode {
    let commands = if commands.is_empty() {
        let mut input = String::new();
        if let Err(e) = std::io::stdin().read_to_string(&mut input) {
            eprintln!("cmed cli: cannot read stdin: {e}");
            return ExitCode::from(2);
        }
        input.lines().map(String::from).collect()
    } else {
        commands
    };
    let (mut client, greeting) = match Client::connect(data).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "cmed cli: cannot reach the daemon at {}: {e} (is `cmed run --data {}` running?)",
                control::socket_path(data).display(),
                data.display()
            );
            return ExitCode::from(2);
        }
    };
    let mut prompt = greeting.prompt;
    let mut failed = false;
    let mut monitoring = false;
    let mut it = commands.into_iter();
    let mut out = std::io::stdout().lock();
    while let Some(cmd) = it.next() {
        let _ = writeln!(out, "{prompt}{cmd}");
        let answer = match cmd.strip_suffix('?') {
            Some(before) => client.request('H', before).await,
            None => client.request('E', &cmd).await,
        };
        let mut answer = match answer {
            Ok(a) => a,
            Err(e) => {
                eprintln!("cmed cli: {e}");
                return ExitCode::from(2);
            }
        };
        while answer.flag == 'a' {
            // A question: the next command is its answer (Enter when there is none).
            let reply = it.next().unwrap_or_default();
            let _ = writeln!(out, "{}{reply}", answer.output);
            answer = match client.request('E', &reply).await {
                Ok(a) => a,
                Err(e) => {
                    eprintln!("cmed cli: {e}");
                    return ExitCode::from(2);
                }
            };
        }
        let _ = write!(out, "{}", answer.output);
        for m in client.messages.drain(..) {
            let _ = write!(out, "{m}");
        }
        failed |= answer.flag == 'e';
        if matches!(answer.flag, '-' | 'M') {
            monitoring = answer.flag == 'M';
        }
        prompt = answer.prompt;
        if answer.flag == 'q' {
            break;
        }
    }
    let _ = out.flush();
    // `terminal monitor` as the last word: print IOS messages as they happen, until the
    // daemon stops or the user interrupts (tail -f style).
    if monitoring && !failed {
        drop(out);
        while let Ok(Some(m)) = client.next_message().await {
            let mut o = std::io::stdout().lock();
            let _ = write!(o, "{m}");
            let _ = o.flush();
        }
    }
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn check(file: &PathBuf, strict: bool) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("cmed check: cannot read {}: {e}", file.display());
            return ExitCode::from(2);
        }
    };
    let g = Grammar::embedded();
    let loaded = load::load(&g, &text);
    let name = file.display().to_string();
    for d in &loaded.diagnostics {
        eprint!("{}", d.render(&name));
    }
    for f in &loaded.families {
        eprintln!("{name}: {}", f.render());
    }
    let kept = cmed::config::kept::count(&loaded.tree.root);
    if kept > 0 {
        eprintln!(
            "{name}: {} not applied {} kept: write memory writes them back (show startup-config unapplied lists them)",
            cmed::config::kept::lines(kept),
            if kept == 1 { "is" } else { "are" }
        );
    }
    let accepted = cmed::config::kept::accepted_without_effect(&g, &loaded.tree.root);
    if !accepted.is_empty() {
        let total: usize = accepted.iter().map(|(_, n)| n).sum();
        println!(
            "{name}: {} accepted, no effect in cmed yet:",
            cmed::config::kept::lines(total)
        );
        for (what, n) in &accepted {
            println!("{name}:   {n:>4} {what}");
        }
    }
    let errors = loaded.diagnostics.len() + if strict { loaded.families.len() } else { 0 };
    if errors == 0 {
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
        eprintln!(
            "{name}: {} bad line(s){}",
            loaded.diagnostics.len(),
            if strict && !loaded.families.is_empty() {
                format!(
                    ", {} router families not applied (--strict)",
                    loaded.families.len()
                )
            } else {
                String::new()
            }
        );
        ExitCode::from(1)
    }
}
