//! `p2p turn-server`: the TURN server runtime of [`adapters::turn`] with its settings from
//! flags and a TOML file.

pub mod config;

use crate::exit::{Failure, Outcome};
use tokio::signal::unix::{signal, SignalKind};

pub use config::Args;

/// Run until SIGINT or SIGTERM; on SIGHUP read the configuration again and hand the server
/// its users, REST secret and peer lists (allocations stay).
pub async fn run(args: Args) -> Outcome {
    let settings = config::settings(&args)?;
    let hangups = signal(SignalKind::hangup())
        .map_err(|e| Failure::Internal(format!("cannot handle SIGHUP: {e}")))?;
    let (tx, rx) = tokio::sync::mpsc::channel(1);
    tokio::spawn(reread_on_hangup(args, hangups, tx));
    adapters::turn::run_with_reloads(settings, crate::stun_server::shutdown_signal(), rx)
        .await
        .map_err(|e| match e {
            adapters::turn::RunError::Usage(m) => Failure::Usage(m),
            adapters::turn::RunError::Network(m) => Failure::Network(m),
        })
}

/// Each SIGHUP: the flags and the `--config` file merged again; a file that does not load
/// leaves the running configuration as it is.
async fn reread_on_hangup(
    args: Args,
    mut hangups: tokio::signal::unix::Signal,
    tx: tokio::sync::mpsc::Sender<adapters::turn::Settings>,
) {
    while hangups.recv().await.is_some() {
        match config::settings(&args) {
            Ok(s) => {
                if tx.send(s).await.is_err() {
                    return;
                }
            }
            Err(f) => tracing::warn!(
                "SIGHUP: the configuration does not load, the running one stays: {}",
                f.message()
            ),
        }
    }
}
