//! `R = 0` (no TURN allocations) leaves TURN out entirely: a configured TURN server is not
//! asked for anything and gathering completes at once, where `R = 1` sends an Allocate. (The
//! paths are dead at compile time, so a firmware with `R = 0` carries no TURN code either:
//! see examples/sensor-node/README.md for the measured flash.)
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use ice_core::{IceAgent, IceConfig, IceRole, TurnServerConfig};
use sansio::{Instant, SansIo, SeededEntropy};

/// An agent with `R` relays, TURN servers on 198.18.0.9 at `ports`, and its host added.
fn agent<const R: usize>(ports: &[u16]) -> IceAgent<SeededEntropy, 4, 8, 4, R> {
    let mut c = IceConfig::default();
    for &port in ports {
        let server = std::net::SocketAddr::from(([198, 18, 0, 9], port));
        c.turn_servers
            .push(TurnServerConfig::new(server, "u", "p").unwrap())
            .unwrap();
    }
    let mut a = IceAgent::new(c, IceRole::Controlled, SeededEntropy::new(3));
    a.add_host(Instant::ZERO, "198.18.0.1:5000".parse().unwrap(), 65535)
        .unwrap();
    a
}

/// The STUN methods of what the agent sends after its host is added.
fn sent_methods<const R: usize>() -> (Vec<u16>, bool) {
    let mut a = agent::<R>(&[3478]);
    let now = Instant::ZERO;
    a.hosts_done(now);
    let mut out = [0u8; 1500];
    let mut methods = Vec::new();
    while a.poll_transmit(now, &mut out).is_some() {
        // STUN message type: the method bits, without the class bits.
        let ty = u16::from_be_bytes([out[0], out[1]]);
        methods.push(ty & 0x3eef);
    }
    (methods, a.gathering_complete())
}

#[test]
fn without_relays_a_turn_server_is_ignored_and_gathering_completes() {
    let (none, done) = sent_methods::<0>();
    assert!(none.is_empty(), "{none:x?}");
    assert!(done);
    let (one, done) = sent_methods::<1>();
    assert_eq!(one, vec![0x0003], "an Allocate"); // TURN Allocate (RFC 8656)
    assert!(!done, "gathering waits for the allocation");
}

/// Where the Allocates of an agent with `R` relays go, with two TURN servers configured.
fn allocate_destinations<const R: usize>() -> Vec<std::net::SocketAddr> {
    let mut a = agent::<R>(&[3478, 3479]);
    let mut out = [0u8; 1500];
    let mut to = Vec::new();
    while let Some(t) = a.poll_transmit(Instant::ZERO, &mut out) {
        to.push(t.path.remote);
    }
    to
}

/// The agent keeps the first `R` of the configured TURN servers (their credentials are
/// ~290 bytes each): none without relays, and it allocates on what it kept.
#[test]
fn an_agent_keeps_the_first_r_turn_servers() {
    use ice_core::TURN_SERVERS;
    assert!(
        core::mem::size_of::<IceConfig<0>>()
            + TURN_SERVERS * core::mem::size_of::<TurnServerConfig>()
            <= core::mem::size_of::<IceConfig>()
    );
    let first: std::net::SocketAddr = "198.18.0.9:3478".parse().unwrap();
    let second: std::net::SocketAddr = "198.18.0.9:3479".parse().unwrap();
    assert_eq!(allocate_destinations::<0>(), []);
    assert_eq!(allocate_destinations::<1>(), [first]);
    assert_eq!(allocate_destinations::<2>(), [first, second]);
}
