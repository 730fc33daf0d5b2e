//! `--turn`: the node's own STUN and TURN server (the `p2p turn-server` runtime, embedded),
//! on its own thread, with credentials made up at start, relaying only to loopback and the
//! node's subnet. Its relay ports (20000 to 20999) lie
//! below Linux's ephemeral range, so they are never a viewer's own port.

use super::nat::Servers;
use crate::exit::Failure;
use adapters::turn::{run, Settings};
use sansio::Entropy;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use turn_proto::server::IpRange;

/// The relay ports.
pub const RELAY_PORTS: (u16, u16) = (20_000, 20_999);

/// A running embedded server and what clients need to use it.
#[derive(Clone, Debug)]
pub struct Relay {
    /// Where it listens (UDP, STUN and TURN).
    pub servers: Servers,
    /// The one user's name.
    pub user: String,
    /// Its password (random at every start).
    pub password: String,
}

impl Relay {
    /// The page's `RTCIceServer` list as JSON.
    pub fn ice_servers_json(&self) -> String {
        let s = self.servers.server;
        format!(
            r#"[{{"urls":"stun:{s}"}},{{"urls":"turn:{s}?transport=udp","username":"{}","credential":"{}"}}]"#,
            self.user, self.password
        )
    }
}

/// Start the server on `server`, relaying to loopback and to the subnet of `media_ip` (where
/// the node's sessions are); fails when it cannot bind.
pub fn start(server: SocketAddr, media_ip: IpAddr) -> Result<Relay, Failure> {
    let mut e = adapters::OsEntropy;
    let password = format!("{:016x}{:016x}", e.next_u64(), e.next_u64());
    let relay = Relay {
        servers: Servers {
            server,
            relay_ip: server.ip(),
            relay_ports: RELAY_PORTS,
        },
        user: "viewer".into(),
        password,
    };
    // Relay to loopback and to the node's own subnet (a /24 or /64), nowhere else.
    let subnet = match media_ip {
        IpAddr::V4(_) => 24,
        IpAddr::V6(_) => 64,
    };
    let settings = Settings {
        listen: vec![server],
        relay_ips: vec![server.ip()],
        ports: RELAY_PORTS,
        realm: "p2p-node".into(),
        users: vec![(relay.user.clone(), relay.password.clone())],
        allow_loopback: true,
        allowed: IpRange::new(media_ip, subnet).into_iter().collect(),
        tcp: false,
        ..Settings::default()
    };
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("turn".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            let r = match rt {
                Ok(rt) => rt.block_on(run(settings, std::future::pending::<()>())),
                Err(e) => Err(adapters::turn::RunError::Network(e.to_string())),
            };
            let _ = tx.send(r);
        })
        .map_err(|e| Failure::Internal(format!("TURN thread: {e}")))?;
    // It binds at once; an error comes back at once.
    match rx.recv_timeout(Duration::from_millis(300)) {
        Ok(Err(adapters::turn::RunError::Usage(m))) => Err(Failure::Usage(m)),
        Ok(Err(adapters::turn::RunError::Network(m))) => Err(Failure::Network(m)),
        Ok(Ok(())) => Err(Failure::Internal("the TURN server stopped".into())),
        Err(_) => Ok(relay),
    }
}
