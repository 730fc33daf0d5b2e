//! A TURN server (turn-proto) as a netsim node: relay sockets are ports on the server host.

use netsim::Node;
use sansio::{Instant, Path, Rejected, SeededEntropy, Transmit};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;
use stun_proto::auth::{IntegrityKey, KeyLookup};
use stun_proto::wire::attr::PasswordAlgorithm;
use turn_proto::server::{
    HeapTables, Output, PeerFilter, ServerAuth, ServerConfig, ServerEvent, TurnServer,
};

/// The only user: `user` / `pass`.
#[derive(Debug)]
pub struct OneUser;

impl KeyLookup for OneUser {
    fn long_term_key(
        &self,
        user: &str,
        realm: &str,
        alg: PasswordAlgorithm,
    ) -> Option<IntegrityKey> {
        (user == "user").then(|| IntegrityKey::long_term(b"user", realm.as_bytes(), b"pass", alg))
    }
}

/// The node.
pub struct TurnNode {
    server: TurnServer<OneUser, SeededEntropy, HeapTables>,
    listen: SocketAddr,
    next_port: u16,
    queue: VecDeque<(Transmit, Vec<u8>)>,
}

impl TurnNode {
    /// A server listening on `listen`, relaying from ports 50000+ of the same IP. Relaying to
    /// the server's own addresses is allowed here: two relayed peers on one server need it.
    pub fn new(listen: SocketAddr, seed: u64) -> Self {
        let mut e = SeededEntropy::new(seed);
        let auth = ServerAuth::new("sim", OneUser, Duration::from_secs(600), &mut e).unwrap();
        let filter = PeerFilter::new().without_defaults();
        let config = ServerConfig {
            peer_filter: filter,
            ..ServerConfig::default()
        };
        TurnNode {
            server: TurnServer::new(config, auth, e),
            listen,
            next_port: 50_000,
            queue: VecDeque::new(),
        }
    }

    fn push(&mut self, t: Transmit, data: &[u8]) {
        self.queue.push_back((t, data.to_vec()));
    }

    fn drain(&mut self, now: Instant) {
        let mut out = vec![0u8; 2048];
        while let Some(ev) = self.server.poll_event() {
            if let ServerEvent::AllocateRelay(req) = ev {
                let relay = SocketAddr::new(self.listen.ip(), self.next_port);
                self.next_port += 2;
                if let Some(t) = self
                    .server
                    .relay_allocated(now, req.id, relay, None, &mut out)
                {
                    let data = out[..t.len].to_vec();
                    self.push(t, &data);
                }
            }
        }
    }
}

impl Node for TurnNode {
    fn handle_datagram(&mut self, now: Instant, path: Path, data: &[u8]) -> Result<(), Rejected> {
        let mut out = vec![0u8; 2048];
        if path.local == self.listen {
            match self
                .server
                .handle_client_datagram(now, path, data, &mut out)?
            {
                Output::None => {}
                Output::Reply(t) => {
                    let d = out[..t.len].to_vec();
                    self.push(t, &d);
                }
                Output::Relay {
                    relay,
                    peer,
                    payload,
                    ..
                } => {
                    let t = Transmit {
                        path: Path::udp(relay, peer),
                        len: payload.len(),
                    };
                    let d = payload.to_vec();
                    self.push(t, &d);
                }
            }
        } else if let Some(t) =
            self.server
                .handle_peer_datagram(now, path.local, path.remote, data, &mut out)
        {
            let d = out[..t.len].to_vec();
            self.push(t, &d);
        }
        self.drain(now);
        Ok(())
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.server.handle_timeout(now);
        self.drain(now);
    }

    fn poll_transmit(&mut self, _now: Instant, out: &mut [u8]) -> Option<Transmit> {
        let (t, d) = self.queue.pop_front()?;
        out[..d.len()].copy_from_slice(&d);
        Some(t)
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.server.poll_timeout()
    }
}
