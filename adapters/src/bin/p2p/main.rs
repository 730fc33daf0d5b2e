//! `p2p`: the command-line face of the stack.
//!
//! ```text
//! p2p [node] [--listen 127.0.0.1:8080]      # a machine-monitoring node a browser watches
//! p2p stun-server [--listen 127.0.0.1:3478] [--alternate 127.0.0.2:3479] [--realm R --user N:P]
//! p2p stun 127.0.0.1:3478 [--tcp] [--nat-behavior]
//! p2p turn-server --listen 127.0.0.1:3478 --relay-ip 127.0.0.1 --realm R --user N:P [--config FILE]
//! p2p turn 127.0.0.1:3478 --user N:P --peer 127.0.0.1:3480 [--tcp] [--send-indication]
//! p2p view http://127.0.0.1:8080/whep [--frames N] [--duration S]   # a viewer without a browser
//! p2p ice --host IP [--stun S] [--turn T --turn-user N:P] [--relay-only]   (`/restart` restarts)
//! ```
//!
//! Exit codes scripts can rely on: 0 success, 1 internal error, 2 bad usage, 3 no answer
//! (timeout), 4 network error (cannot bind, connection refused, unreachable, bad address),
//! 5 the server answered with an error.

mod exit;
mod ice;
mod nat_behavior;
mod node;
mod stun_client;
mod stun_server;
mod tls_client;
mod turn_client;
mod turn_server;
mod view;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Peer-to-peer WebRTC: a monitoring node a browser watches, STUN and TURN servers and
/// clients, ICE.
#[derive(Debug, Parser)]
#[command(name = "p2p", version, about, long_about = None)]
struct Cli {
    /// Log filter (e.g. `info`, `debug`, `adapters=trace`); `RUST_LOG` also works.
    #[arg(long, global = true, default_value = "info")]
    log: String,
    /// Append log lines to this file instead of stderr (errors still go to stderr).
    #[arg(long, global = true, value_name = "FILE")]
    log_file: Option<std::path::PathBuf>,
    /// Log line format: `text`, or `json` (one object per line, for log collectors).
    #[arg(long, global = true, value_enum, default_value = "text")]
    log_format: LogFormat,
    /// What to run; without one, `p2p` runs `node` on 127.0.0.1:8080.
    #[command(subcommand)]
    command: Option<Command>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum LogFormat {
    // Plain comments: doc comments on the values would switch `--help` to its long layout.
    // Human-readable lines.
    Text,
    // One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a machine-monitoring node: a page and a WHEP endpoint; a browser watches its thermal
    /// camera, temperatures and microphone over WebRTC (the default).
    Node(node::Args),
    /// Run a STUN server (UDP and TCP) answering Binding requests.
    StunServer(stun_server::Args),
    /// Ask a STUN server for this host's mapped (public) address.
    Stun(stun_client::Args),
    /// Connect to another `p2p ice` (or any ICE agent) through NATs by copy and paste, then
    /// chat over the selected pair.
    Ice(ice::Args),
    /// Run a TURN server (RFC 8656 over UDP and TCP, RFC 6062 TCP relays) with long-term
    /// and REST credentials, quotas, a peer filter and Prometheus metrics.
    TurnServer(Box<turn_server::Args>),
    /// Allocate a relay on a TURN server, send a message to a peer through it and print the
    /// echo (a test of the server, or of the path to a peer).
    Turn(turn_client::Args),
    /// Watch a node without a browser: connect to its WHEP endpoint, print readings and
    /// thermal frames, count audio packets.
    View(view::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    if let Err(f) = init_logs(&cli) {
        return f.report();
    }
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return exit::Failure::Internal(format!("cannot start runtime: {e}")).report(),
    };
    let result = rt.block_on(async {
        let command = cli
            .command
            .unwrap_or_else(|| Command::Node(node::Args::default()));
        match command {
            Command::Node(a) => node::run(a).await,
            Command::StunServer(a) => stun_server::run(a).await,
            Command::Stun(a) => stun_client::run(a).await,
            Command::Ice(a) => ice::run(a).await,
            Command::TurnServer(a) => turn_server::run(*a).await,
            Command::Turn(a) => turn_client::run(a).await,
            Command::View(a) => view::run(a).await,
        }
    });
    // Do not wait for a blocking stdin read to finish.
    rt.shutdown_background();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.report(),
    }
}

/// `--help` and `--version` print as clap renders them (exit 0); every other parse error is
/// the one line scripts expect, `p2p: error: …` with exit 2, pointing at `--help`.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return if e.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
            ExitCode::from(2)
        } else {
            ExitCode::SUCCESS
        };
    }
    // The first paragraph of clap's message ("error: …" and, for missing arguments, the
    // list of them), joined into one line.
    let rendered = e.render().to_string();
    let first: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty())
        .collect();
    let line = first.join(" ");
    let line = line.strip_prefix("error: ").unwrap_or(&line);
    exit::Failure::Usage(format!("{line} (see `p2p --help`)")).report()
}

fn init_logs(cli: &Cli) -> Result<(), exit::Failure> {
    use std::io::IsTerminal;
    use tracing_subscriber::fmt::writer::BoxMakeWriter;
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&cli.log));
    let (writer, ansi) = match &cli.log_file {
        Some(path) => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| exit::Failure::Usage(format!("--log-file {}: {e}", path.display())))?;
            (BoxMakeWriter::new(std::sync::Mutex::new(file)), false)
        }
        None => (
            BoxMakeWriter::new(std::io::stderr),
            std::io::stderr().is_terminal(),
        ),
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match cli.log_format {
        LogFormat::Text => builder.with_ansi(ansi).init(),
        LogFormat::Json => builder.json().init(),
    }
    Ok(())
}
