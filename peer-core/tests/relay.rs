//! A peer whose only usable candidate is relayed through a TURN server (turn-proto's, in
//! memory): ICE selects the relayed pair and DTLS, SCTP and a data-channel message must get
//! through it — on the side that owns the relay, the datagrams arrive from the TURN server
//! (ChannelData or Data indications) and must reach DTLS as coming from the peer.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::peer;
use ice_core::{CandidateKind, TurnServerConfig};
use peer_core::data::ChannelConfig;
use peer_core::{MessageKind, PeerConfig, PeerEvent, PeerState};
use sansio::{DtlsRole, Instant, Path, SansIo, SeededEntropy};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;
use stun_proto::auth::StaticUsers;
use turn_proto::server::{HeapTables, PeerFilter, ServerEvent, TurnAuth, TurnConfig, TurnServer};

type Server = TurnServer<StaticUsers<1>, SeededEntropy, HeapTables>;

const A: &str = "10.0.0.1:5000";
const B: &str = "10.0.0.2:6000";
const TURN: &str = "10.0.0.3:3478";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// The TURN server: user `user` / `pass`, relaying to private addresses, relays on ports
/// 50000+ of its own IP.
fn server() -> Server {
    let mut e = SeededEntropy::new(9);
    let mut users = StaticUsers::new("sim").unwrap();
    users.add("user", "pass").unwrap();
    let auth = TurnAuth::new("sim", users, Duration::from_secs(600), &mut e).unwrap();
    let config = TurnConfig {
        peer_filter: PeerFilter::new().without_defaults(),
        ..TurnConfig::default()
    };
    TurnServer::new(config, auth, e)
}

/// Relay-only ICE through the server.
fn relayed_config() -> PeerConfig {
    let mut c = PeerConfig::default();
    c.ice
        .turn_servers
        .push(TurnServerConfig::new(addr(TURN), "user", "pass").unwrap())
        .unwrap();
    c.ice.relay_only = true;
    c
}

/// Two peers and the server on one switch that drops every datagram between the peers
/// directly: only the relay carries them. Candidates trickle at once.
struct Net {
    a: common::Peer,
    b: common::Peer,
    turn: Server,
    next_port: u16,
    now: Instant,
    wire: VecDeque<(Path, Vec<u8>)>,
    events: (Vec<PeerEvent>, Vec<PeerEvent>),
    /// Datagrams the server relayed to a peer (from a relay address).
    relayed: usize,
}

impl Net {
    /// `a` offers, `b` answers; the one with `relay_on_a` (else `b`) gathers relay-only.
    fn new(relay_on_a: bool) -> Self {
        let (ca, cb) = if relay_on_a {
            (relayed_config(), PeerConfig::default())
        } else {
            (PeerConfig::default(), relayed_config())
        };
        let (mut a, mut b) = (peer(1, ca), peer(2, cb));
        let now = Instant::ZERO;
        a.add_host(now, addr(A)).unwrap();
        a.hosts_done(now);
        b.add_host(now, addr(B)).unwrap();
        b.hosts_done(now);
        let mut buf = vec![0u8; 8192];
        let n = a.create_offer(now, &mut buf).unwrap();
        let offer = String::from_utf8(buf[..n].to_vec()).unwrap();
        let n = b.accept_offer(now, &offer, &mut buf).unwrap();
        let answer = String::from_utf8(buf[..n].to_vec()).unwrap();
        a.accept_answer(now, &answer).unwrap();
        Net {
            a,
            b,
            turn: server(),
            next_port: 50_000,
            now,
            wire: VecDeque::new(),
            events: (Vec::new(), Vec::new()),
            relayed: 0,
        }
    }

    /// Deliver one datagram (sent on `path`) to whoever owns its destination.
    fn deliver(&mut self, path: Path, bytes: &[u8]) {
        let (now, to) = (self.now, path.reversed());
        let turn_ip = addr(TURN).ip();
        if path.remote.ip() == turn_ip {
            let _ = self.turn.handle_datagram(now, to, bytes);
            while let Some(ev) = self.turn.poll_event() {
                if let ServerEvent::AllocateRelay(req) = ev {
                    let relay = SocketAddr::new(turn_ip, self.next_port);
                    self.next_port += 2;
                    assert!(self.turn.relay_allocated(now, req.id, relay, None));
                }
            }
            return;
        }
        if path.local.ip() != turn_ip {
            return; // peer to peer directly: blocked
        }
        if path.local != addr(TURN) {
            self.relayed += 1;
        }
        let target = if path.remote == addr(A) {
            &mut self.a
        } else if path.remote == addr(B) {
            &mut self.b
        } else {
            return;
        };
        let _ = target.handle_datagram(now, to, bytes);
    }

    /// Trickle every local candidate and end-of-candidates to the other side.
    fn signal(&mut self) {
        while let Some(e) = self.a.poll_event() {
            trickle(&mut self.b, self.now, &e);
            self.events.0.push(e);
        }
        while let Some(e) = self.b.poll_event() {
            trickle(&mut self.a, self.now, &e);
            self.events.1.push(e);
        }
    }

    /// Move datagrams and fire timers until `done` or `limit` passes.
    fn run(&mut self, limit: Duration, done: impl Fn(&Net) -> bool) -> bool {
        let end = self.now + limit;
        let mut out = vec![0u8; 2048];
        loop {
            loop {
                self.signal();
                for p in [&mut self.a, &mut self.b] {
                    while let Some(t) = p.poll_transmit(self.now, &mut out) {
                        self.wire.push_back((t.path, out[..t.len].to_vec()));
                    }
                }
                while let Some(t) = self.turn.poll_transmit(self.now, &mut out) {
                    self.wire.push_back((t.path, out[..t.len].to_vec()));
                }
                let Some((path, bytes)) = self.wire.pop_front() else {
                    break;
                };
                self.deliver(path, &bytes);
            }
            if done(self) {
                return true;
            }
            if self.now >= end {
                return false;
            }
            let next = [
                self.a.poll_timeout(),
                self.b.poll_timeout(),
                self.turn.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(end);
            self.now = next.max(self.now + Duration::from_millis(1)).min(end);
            self.a.handle_timeout(self.now);
            self.b.handle_timeout(self.now);
            self.turn.handle_timeout(self.now);
        }
    }
}

fn trickle(to: &mut common::Peer, now: Instant, e: &PeerEvent) {
    match e {
        PeerEvent::LocalCandidate(c) => {
            let _ = to.add_remote_candidate(now, &c.to_string());
        }
        PeerEvent::GatheringComplete => {
            let _ = to.add_remote_candidate(now, "");
        }
        _ => {}
    }
}

fn connected(n: &Net) -> bool {
    n.a.state() == PeerState::Connected && n.b.state() == PeerState::Connected
}

/// The relayed side selects its relayed candidate, DTLS completes on both sides, and a
/// data-channel message crosses the relay both ways.
fn relayed_side_connects(relay_on_a: bool) -> DtlsRole {
    let mut n = Net::new(relay_on_a);
    let ok = n.run(Duration::from_secs(20), connected);
    let (relay_side, relay_events) = if relay_on_a {
        (&n.a, &n.events.0)
    } else {
        (&n.b, &n.events.1)
    };
    let selected = relay_events.iter().find_map(|e| match e {
        PeerEvent::SelectedPair(s) => Some(*s),
        _ => None,
    });
    let selected = selected.expect("ICE selected no pair");
    assert_eq!(selected.local_kind, CandidateKind::Relayed, "{selected:?}");
    assert!(
        ok,
        "not connected: a {:?} b {:?}, {} datagrams relayed",
        n.a, n.b, n.relayed
    );
    let role = relay_side.dtls().role();
    assert!(n.run(Duration::from_secs(5), |n| {
        n.events.0.contains(&PeerEvent::DataChannelsReady)
            && n.events.1.contains(&PeerEvent::DataChannelsReady)
    }));
    let before = n.relayed;
    let now = n.now;
    let ch =
        n.a.open_channel(
            now,
            ChannelConfig {
                label: "x",
                ..Default::default()
            },
        )
        .unwrap();
    assert!(n.run(Duration::from_secs(5), |n| {
        n.events
            .1
            .iter()
            .any(|e| matches!(e, PeerEvent::ChannelOpen(_)))
    }));
    let now = n.now;
    n.a.send(now, ch, MessageKind::Binary, b"through the relay")
        .unwrap();
    let mut got = vec![0u8; 64];
    assert!(n.run(Duration::from_secs(5), |n| {
        n.events
            .1
            .iter()
            .any(|e| matches!(e, PeerEvent::MessageReady(_)))
    }));
    let msg = n.b.poll_message(&mut got).unwrap().expect("a message");
    assert_eq!(&got[..msg.len], b"through the relay");
    assert!(n.relayed > before, "the message did not cross the relay");
    role
}

#[test]
fn dtls_completes_when_the_answerer_has_only_a_relayed_candidate() {
    // The `p2p node --turn` case: the answerer is the DTLS client, its HelloVerifyRequest
    // comes back through its own allocation.
    assert_eq!(relayed_side_connects(false), DtlsRole::Client);
}

#[test]
fn dtls_completes_when_the_offerer_has_only_a_relayed_candidate() {
    assert_eq!(relayed_side_connects(true), DtlsRole::Server);
}
