//! `p2p turn-server`: the TURN server runtime of [`adapters::turn`] with its settings from
//! flags and a TOML file.

pub mod config;

use crate::exit::{Failure, Outcome};

pub use config::Args;

/// Run until SIGINT or SIGTERM.
pub async fn run(args: Args) -> Outcome {
    let settings = config::settings(&args)?;
    adapters::turn::run(settings, crate::stun_server::shutdown_signal())
        .await
        .map_err(|e| match e {
            adapters::turn::RunError::Usage(m) => Failure::Usage(m),
            adapters::turn::RunError::Network(m) => Failure::Network(m),
        })
}
