//! Two agents connecting on simple networks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{ms, Harness, Options};
use ice_core::{CandidateKind, IceState};
use netsim::scenario::Site;
use netsim::NatConfig;
use sansio::Carrier as _;

#[test]
fn public_hosts_connect_host_to_host() {
    let mut h = Harness::new(1, Site::Public, Site::Public, Options::default());
    h.add_hosts();
    assert!(h.connect(ms(5000)), "{}", h.sim.net().trace().tail(50));
    let a = h.a.selected.unwrap();
    let b = h.b.selected.unwrap();
    assert_eq!(
        (a.local_kind, a.remote_kind),
        (CandidateKind::Host, CandidateKind::Host)
    );
    assert_eq!(a.remote, b.local);
    assert_eq!(b.remote, a.local);
    assert_eq!(h.agent_a().state(), IceState::Connected);
    assert_eq!(h.agent_b().state(), IceState::Connected);
}

#[test]
fn same_lan_uses_host_candidates() {
    let mut h = Harness::new(
        2,
        Site::BehindNat(NatConfig::port_restricted()),
        Site::WithA,
        Options::default(),
    );
    h.add_hosts();
    assert!(h.connect(ms(5000)), "{}", h.sim.net().trace().tail(50));
    let a = h.a.selected.unwrap();
    assert_eq!(
        (a.local_kind, a.remote_kind),
        (CandidateKind::Host, CandidateKind::Host),
        "{a:?}"
    );
    assert!(a.remote.ip().to_string().starts_with("192.168.1."));
}

#[test]
fn full_cone_nats_connect_server_reflexive() {
    let mut h = Harness::new(
        3,
        Site::BehindNat(NatConfig::full_cone()),
        Site::BehindNat(NatConfig::full_cone()),
        Options::default(),
    );
    h.add_hosts();
    assert!(h.connect(ms(10_000)), "{}", h.sim.net().trace().tail(80));
    let a = h.a.selected.unwrap();
    assert_eq!(a.remote_kind, CandidateKind::ServerReflexive, "{a:?}");
}

#[test]
fn relay_only_policy_connects_through_turn_and_carries_data() {
    let opts = Options {
        relay_only: true,
        ..Options::default()
    };
    let mut h = Harness::new(
        4,
        Site::BehindNat(NatConfig::port_restricted()),
        Site::Public,
        opts,
    );
    h.add_hosts();
    assert!(h.connect(ms(10_000)), "{}", h.dump());
    let a = h.a.selected.unwrap();
    assert_eq!(a.local_kind, CandidateKind::Relayed, "{a:?}");
    assert_eq!(a.local_addr.ip().to_string(), "198.51.100.1");
    // Only the relayed candidate was shown to B: A's host and server-reflexive addresses
    // stay private, as under a browser's `iceTransportPolicy: "relay"`.
    let signalled: Vec<_> = h.agent_a().signalled_candidates().map(|c| c.kind).collect();
    assert_eq!(signalled, [CandidateKind::Relayed], "{}", h.dump());
    assert!(
        h.agent_a().local_candidates().len() > 1,
        "A still holds its host candidate"
    );
    assert!(
        h.agent_b()
            .remote_candidates()
            .iter()
            .all(|c| c.kind != CandidateKind::Host && c.kind != CandidateKind::ServerReflexive),
        "{}",
        h.dump()
    );
    // Let the channel bind, then send: the datagram must reach B's agent, which hands the
    // payload up to the application.
    h.run_until(ms(1000), |_| false);
    let na = h.a.node.unwrap();
    let nb = h.b.node.unwrap();
    assert!(h.sim.data::<common::Agent>(nb).is_empty());
    let mut out = [0u8; 1500];
    let t = h
        .sim
        .with::<common::Agent, _>(na, |ag, now| {
            ag.send(now, (), b"hello through the relay", &mut out)
        })
        .expect("connected agents can send");
    assert_eq!(
        t.path.remote.ip().to_string(),
        "198.51.100.1",
        "data goes to the TURN server"
    );
    assert_eq!(out[0] >> 6, 1, "as ChannelData once the channel is bound");
    let host_a = h.a.host.unwrap();
    h.sim.net_mut().send(host_a, t.path, &out[..t.len]);
    h.run_until(ms(500), |_| false);
    let got: Vec<&[u8]> = h
        .sim
        .data::<common::Agent>(nb)
        .iter()
        .map(|(_, _, d)| &d[..])
        .collect();
    assert_eq!(
        got,
        [&b"hello through the relay"[..]],
        "the payload reached B's application"
    );
    // A ends: its allocation is deleted at once, not left to expire.
    let server = h.turn.unwrap();
    let held = h
        .sim
        .node::<common::turn_node::TurnNode>(server)
        .allocations();
    assert!(held >= 1, "{held}");
    h.sim
        .with::<common::Agent, _>(na, |ag, now| ag.release_relays(now));
    h.run_until(ms(500), |_| false);
    let left = h
        .sim
        .node::<common::turn_node::TurnNode>(server)
        .allocations();
    assert_eq!(left, held - 1);
}
