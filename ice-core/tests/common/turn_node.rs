//! A TURN server (turn-proto) as a netsim node: relay sockets are ports on the server host.

use netsim::Node;
use sansio::{Instant, Path, Rejected, SansIo, SeededEntropy, Transmit};
use std::net::SocketAddr;
use std::time::Duration;
use stun_proto::auth::StaticUsers;
use turn_proto::server::{HeapTables, PeerFilter, ServerEvent, TurnAuth, TurnConfig, TurnServer};

/// The node: the server driven only through its `SansIo` trait path, relay sockets answered
/// with ports of the listening IP.
pub struct TurnNode {
    server: TurnServer<StaticUsers<1>, SeededEntropy, HeapTables>,
    listen: SocketAddr,
    next_port: u16,
}

impl TurnNode {
    /// Allocations the server holds.
    pub fn allocations(&self) -> usize {
        self.server.allocation_count()
    }

    /// A server listening on `listen`, relaying from ports 50000+ of the same IP. Relaying to
    /// the server's own addresses is allowed here: two relayed peers on one server need it.
    pub fn new(listen: SocketAddr, seed: u64) -> Self {
        let mut e = SeededEntropy::new(seed);
        // The only user: `user` / `pass`.
        let mut users = StaticUsers::new("sim").unwrap();
        users.add("user", "pass").unwrap();
        let auth = TurnAuth::new("sim", users, Duration::from_secs(600), &mut e).unwrap();
        let filter = PeerFilter::new().without_defaults();
        let config = TurnConfig {
            peer_filter: filter,
            ..TurnConfig::default()
        };
        TurnNode {
            server: TurnServer::new(config, auth, e),
            listen,
            next_port: 50_000,
        }
    }

    /// Answer the server's resource requests.
    fn drain(&mut self, now: Instant) {
        while let Some(ev) = self.server.poll_event() {
            if let ServerEvent::AllocateRelay(req) = ev {
                let relay = SocketAddr::new(self.listen.ip(), self.next_port);
                self.next_port += 2;
                assert!(self.server.relay_allocated(now, req.id, relay, None));
            }
        }
    }
}

impl Node for TurnNode {
    fn handle_datagram(&mut self, now: Instant, path: Path, data: &[u8]) -> Result<(), Rejected> {
        self.server.handle_datagram(now, path, data)?;
        self.drain(now);
        Ok(())
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.server.handle_timeout(now);
        self.drain(now);
    }

    fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
        self.server.poll_transmit(now, out)
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.server.poll_timeout()
    }
}
