//! A TURN client and server wired together in virtual time.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::net::SocketAddr;
use core::time::Duration;
use sansio::SansIo as _;
use sansio::{Instant, Path, SeededEntropy, Transport};
use stun_proto::auth::UserTable;
use turn_proto::client::{PeerData, TurnClient, TurnClientConfig, TurnEvent};
use turn_proto::server::{HeapTables, Output, ServerEvent, TurnAuth, TurnConfig, TurnServer};

pub const REALM: &str = "example.org";
pub const SECRET: &str = "rest-secret";
pub const SERVER: &str = "203.0.113.1:3478";
pub const CLIENT: &str = "192.0.2.10:40000";
pub const PEER: &str = "198.51.100.7:6000";

pub fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// The test users of `realm`: `alice` / `secret` and `bob` / `hunter2`.
pub fn users(realm: &str) -> Users {
    UserTable::with_users(realm, [("alice", "secret"), ("bob", "hunter2")])
}

/// The servers' user table.
pub type Users = UserTable;

pub type Server = TurnServer<Users, SeededEntropy, HeapTables>;
pub type Client = TurnClient<SeededEntropy, 8>;

pub fn server(config: TurnConfig) -> Server {
    let mut e = SeededEntropy::new(7);
    let mut auth = TurnAuth::new(REALM, users(REALM), Duration::from_secs(600), &mut e)
        .unwrap()
        .with_rest_secret(SECRET.as_bytes())
        .unwrap();
    auth.set_unix_time(Instant::ZERO, 1_700_000_000);
    TurnServer::new(config, auth, e)
}

pub fn client_path(transport: Transport) -> Path {
    Path {
        transport,
        local: addr(CLIENT),
        remote: addr(SERVER),
    }
}

pub fn client(user: &str, pass: &str, transport: Transport, seed: u64) -> Client {
    let config = TurnClientConfig::new(client_path(transport));
    TurnClient::new(config, user, pass, SeededEntropy::new(seed)).unwrap()
}

/// Client, server, a clock, the relay ports handed out, and what peers received.
pub struct Net {
    pub now: Instant,
    pub server: Server,
    pub client: Client,
    pub next_port: u16,
    pub to_peers: Vec<(SocketAddr, SocketAddr, Vec<u8>)>,
    pub client_events: Vec<TurnEvent>,
    pub server_events: Vec<ServerEvent>,
    pub received: Vec<(SocketAddr, Vec<u8>, Option<u16>)>,
    pub replies: usize,
}

impl Net {
    pub fn new(server: Server, client: Client) -> Self {
        Net {
            now: Instant::from_secs(1),
            server,
            client,
            next_port: 50_000,
            to_peers: Vec::new(),
            client_events: Vec::new(),
            server_events: Vec::new(),
            received: Vec::new(),
            replies: 0,
        }
    }

    /// Server path as the server sees the client.
    pub fn server_view(&self) -> Path {
        self.client.server().reversed()
    }

    /// Move datagrams until nothing moves.
    pub fn pump(&mut self) {
        for _ in 0..100 {
            let mut moved = false;
            let mut buf = [0u8; 1500];
            while let Some(t) = self.client.poll_transmit(self.now, &mut buf) {
                moved = true;
                let data = buf[..t.len].to_vec();
                self.deliver_to_server(t.path.reversed(), &data);
            }
            moved |= self.drain_server();
            while let Some(e) = self.client.poll_event() {
                self.client_events.push(e);
            }
            if !moved {
                return;
            }
        }
        panic!("no quiescence");
    }

    /// Deliver one datagram from the client to the server.
    pub fn deliver_to_server(&mut self, at_server: Path, data: &[u8]) {
        let mut out = [0u8; 1500];
        match self
            .server
            .handle_client_datagram(self.now, at_server, data, &mut out)
        {
            Ok(Output::Reply(t)) => {
                self.replies += 1;
                let reply = out[..t.len].to_vec();
                self.deliver_to_client(t.path.reversed(), &reply);
            }
            Ok(Output::Relay {
                relay,
                peer,
                payload,
                ..
            }) => self.to_peers.push((relay, peer, payload.to_vec())),
            Ok(Output::None) | Err(_) => {}
        }
    }

    pub fn deliver_to_client(&mut self, path: Path, data: &[u8]) {
        if let Ok(Some(PeerData {
            peer,
            data,
            channel,
        })) = self.client.handle_datagram(self.now, path, data)
        {
            self.received.push((peer, data.to_vec(), channel));
        }
    }

    /// Answer the server's resource requests; true if anything happened.
    pub fn drain_server(&mut self) -> bool {
        let mut moved = false;
        while let Some(ev) = self.server.poll_event() {
            moved = true;
            if let ServerEvent::AllocateRelay(req) = &ev {
                let mut out = [0u8; 1500];
                let relay = SocketAddr::new(addr(SERVER).ip(), self.next_port);
                self.next_port += 2;
                let next = req
                    .reserve_next
                    .then(|| SocketAddr::new(relay.ip(), relay.port() + 1));
                assert!(self.server.relay_allocated(self.now, req.id, relay, next));
                while let Some(t) = self.server.poll_transmit(self.now, &mut out) {
                    let reply = out[..t.len].to_vec();
                    self.deliver_to_client(t.path.reversed(), &reply);
                }
            }
            self.server_events.push(ev);
        }
        moved
    }

    /// A peer sends `data` to the client's relay.
    pub fn peer_sends(&mut self, peer: SocketAddr, data: &[u8]) -> bool {
        let relay = self.client.relayed_address().unwrap();
        let mut out = [0u8; 1500];
        match self
            .server
            .handle_peer_datagram(self.now, relay, peer, data, &mut out)
        {
            Some(t) => {
                let d = out[..t.len].to_vec();
                self.deliver_to_client(t.path.reversed(), &d);
                true
            }
            None => false,
        }
    }

    /// Advance time in steps, firing both machines' timers.
    pub fn advance(&mut self, total: Duration, step: Duration) {
        let end = self.now + total;
        while self.now < end {
            self.now = (self.now + step).min(end);
            self.client.handle_timeout(self.now);
            self.server.handle_timeout(self.now);
            self.pump();
        }
    }

    /// The client sends `data` to `peer`.
    pub fn send(&mut self, peer: SocketAddr, data: &[u8]) {
        let mut buf = [0u8; 1500];
        let t = self.client.send_to(self.now, peer, data, &mut buf).unwrap();
        let d = buf[..t.len].to_vec();
        self.deliver_to_server(t.path.reversed(), &d);
    }

    pub fn allocate(&mut self) -> SocketAddr {
        self.client.allocate(self.now).unwrap();
        self.pump();
        match self
            .client_events
            .iter()
            .find(|e| matches!(e, TurnEvent::Allocated { .. }))
        {
            Some(TurnEvent::Allocated { relayed, .. }) => *relayed,
            _ => panic!("no allocation: {:?}", self.client_events),
        }
    }
}
