//! A TURN client held open by the test (our `turn_proto` client over a blocking UDP socket):
//! an allocation that lives while the server is reconfigured, or counts against a quota.

use sansio::SansIo as _;
use sansio::{Instant, Path};
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;
use stun_proto::wire::attr::ErrorCode;
use turn_proto::client::{TurnClient, TurnClientConfig, TurnEvent};

/// One client, one allocation.
pub struct HeldTurn {
    sock: UdpSocket,
    client: TurnClient<adapters::OsEntropy, 8>,
    start: std::time::Instant,
    /// Every event so far.
    pub events: Vec<TurnEvent>,
    /// Data from peers: (peer, bytes).
    pub received: Vec<(SocketAddr, Vec<u8>)>,
}

impl HeldTurn {
    /// A client of `server` as `user`/`pass` on a fresh loopback port.
    pub fn new(server: SocketAddr, user: &str, pass: &str) -> HeldTurn {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.connect(server).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        let path = Path::udp(sock.local_addr().unwrap(), server);
        let client =
            TurnClient::new(TurnClientConfig::new(path), user, pass, adapters::OsEntropy).unwrap();
        HeldTurn {
            sock,
            client,
            start: std::time::Instant::now(),
            events: Vec::new(),
            received: Vec::new(),
        }
    }

    fn now(&self) -> Instant {
        Instant::from_micros(self.start.elapsed().as_micros() as u64 + 1_000_000)
    }

    /// Move datagrams and timers until `done` holds or `limit` passes; whether it held.
    pub fn pump_until(&mut self, limit: Duration, done: impl Fn(&HeldTurn) -> bool) -> bool {
        let end = std::time::Instant::now() + limit;
        let mut buf = [0u8; 2048];
        while std::time::Instant::now() < end {
            let now = self.now();
            self.client.handle_timeout(now);
            while let Some(t) = self.client.poll_transmit(now, &mut buf) {
                let _ = self.sock.send(&buf[..t.len]);
            }
            while let Some(e) = self.client.poll_event() {
                self.events.push(e);
            }
            if done(self) {
                return true;
            }
            if let Ok(n) = self.sock.recv(&mut buf) {
                let path = self.client.server();
                let now = self.now();
                if let Ok(Some(pd)) = self.client.handle_datagram(now, path, &buf[..n]) {
                    self.received.push((pd.peer, pd.data.to_vec()));
                }
            }
        }
        false
    }

    /// Allocate: the relayed address, or the error code (`None`: no answer).
    pub fn allocate(&mut self) -> Result<SocketAddr, Option<ErrorCode>> {
        self.client.allocate(self.now()).unwrap();
        self.pump_until(Duration::from_secs(5), |h| {
            h.events.iter().any(|e| {
                matches!(
                    e,
                    TurnEvent::Allocated { .. }
                        | TurnEvent::AllocationFailed { .. }
                        | TurnEvent::TryAlternate { .. }
                )
            })
        });
        for e in &self.events {
            match e {
                TurnEvent::Allocated { relayed, .. } => return Ok(*relayed),
                TurnEvent::AllocationFailed { code } => return Err(*code),
                TurnEvent::TryAlternate { .. } => return Err(Some(ErrorCode::TRY_ALTERNATE)),
                _ => {}
            }
        }
        Err(None)
    }

    /// Delete the allocation and wait for the answer; whether it was deleted.
    pub fn delete(&mut self) -> bool {
        self.client.delete(self.now()).unwrap();
        self.pump_until(Duration::from_secs(5), |h| {
            h.events.contains(&TurnEvent::Deleted)
        })
    }

    /// Send `data` to `peer` through the relay (a permission first) and wait for its echo.
    pub fn echo(&mut self, peer: SocketAddr, data: &[u8]) -> bool {
        let now = self.now();
        self.client.create_permission(now, peer.ip()).unwrap();
        let ip = peer.ip();
        let permitted = self.pump_until(Duration::from_secs(5), |h| {
            h.events
                .contains(&TurnEvent::PermissionCreated { peer: ip })
        });
        if !permitted {
            return false;
        }
        self.received.clear();
        let mut out = [0u8; 2048];
        let now = self.now();
        let t = self.client.send_to(now, peer, data, &mut out).unwrap();
        self.sock.send(&out[..t.len]).unwrap();
        let want = (peer, data.to_vec());
        self.pump_until(Duration::from_secs(5), |h| h.received.contains(&want))
    }
}
