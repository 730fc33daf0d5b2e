//! The `Sim` driver running toy sans-IO machines through NATs in virtual time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::toys::{Echo, Peer, Pinger, Rendezvous};
use common::*;
use netsim::{LinkConfig, NatConfig, Network, Sim};
use sansio::{Instant, Path};

/// A pinger behind a symmetric NAT and an echo server on the internet.
#[test]
fn echo_through_a_nat() {
    let mut net = Network::new(40);
    let internet = net.internet();
    net.set_link(internet, LinkConfig::with_delay(Duration::from_millis(20)));
    let lan = net.add_nat(internet, NAT_IP, "192.168.1.0/24", NatConfig::symmetric());
    net.set_link(lan, LinkConfig::with_delay(Duration::from_millis(1)));
    let client = net.add_host(lan, "192.168.1.10");
    let server = net.add_host(internet, "198.51.100.1");

    let mut sim = Sim::new(net);
    let pinger = Pinger::new(
        Path::udp(sa(INSIDE), sa(S1A)),
        Duration::from_millis(100),
        5,
    );
    let p = sim.add_machine(client, pinger);
    let e = sim.add_machine(server, Echo::default());
    sim.with::<Pinger, _>(p, |m, now| m.start(now));

    let done = sim.run_until(Instant::from_secs(5), |s| s.events::<Pinger>(p).len() == 5);
    assert!(done, "{}", sim.net().trace());
    for (i, (at, (seq, rtt))) in sim.events::<Pinger>(p).iter().enumerate() {
        assert_eq!(*seq, i as u32);
        assert_eq!(*rtt, Duration::from_millis(42), "1 + 20 ms each way");
        assert_eq!(*at, Instant::from_millis(42 + 100 * i as u64));
    }
    // The server saw the NAT's public address, always through the same mapping.
    let seen: Vec<_> = std::iter::from_fn(|| sim.poll_event::<Echo>(e))
        .map(|(_, a)| a)
        .collect();
    assert_eq!(seen.len(), 5);
    assert!(seen
        .iter()
        .all(|a| *a == seen[0] && a.ip().to_string() == NAT_IP));
    assert_eq!(sim.node_stats(p).transmitted, 5);
    assert_eq!(sim.node_stats(e).received, 5);
    assert_eq!(
        sim.now(),
        Instant::from_millis(442),
        "stops as soon as the condition holds"
    );
    // Nothing left to do: the run ends at the deadline.
    assert!(!sim.run_until(Instant::from_secs(6), |_| false));
    assert_eq!(sim.now(), Instant::from_secs(6));
}

/// Datagrams go to the host's nodes in order, skipping those that answer `NotForUs`;
/// unclaimed ones are counted.
#[test]
fn nodes_share_a_host() {
    let mut net = Network::new(41);
    let internet = net.internet();
    let client = net.add_host(internet, "198.51.100.1");
    let server = net.add_host(internet, "198.51.100.2");
    let mut sim = Sim::new(net);
    let to_server = |port| Path::udp(sa(&format!("198.51.100.1:{port}")), sa("198.51.100.2:7"));
    let p1 = sim.add_machine(
        client,
        Pinger::new(to_server(1), Duration::from_millis(10), 3),
    );
    let p2 = sim.add_machine(
        client,
        Pinger::new(to_server(2), Duration::from_millis(10), 3),
    );
    let e = sim.add_machine(server, Echo::default());
    sim.with::<Pinger, _>(p1, |m, now| m.start(now));
    sim.with::<Pinger, _>(p2, |m, now| m.start(now));
    assert!(sim.run_until(Instant::from_secs(1), |s| {
        s.events::<Pinger>(p1).len() == 3 && s.events::<Pinger>(p2).len() == 3
    }));
    assert_eq!(sim.node_stats(p1).received, 3);
    assert_eq!(sim.node_stats(p2).received, 3);
    assert_eq!(sim.node_stats(e).received, 6);
    assert_eq!(sim.unclaimed(), 0);
    sim.net_mut().send(
        server,
        Path::udp(sa("198.51.100.2:7"), sa("198.51.100.1:3")),
        b"x",
    );
    sim.run_for(Duration::from_millis(1));
    assert_eq!(sim.unclaimed(), 1);
}

#[test]
#[should_panic(expected = "is a")]
fn downcast_to_the_wrong_type_panics_with_a_message() {
    let mut net = Network::new(42);
    let internet = net.internet();
    let h = net.add_host(internet, "198.51.100.1");
    let mut sim = Sim::new(net);
    let e = sim.add_machine(h, Echo::default());
    let _ = sim.machine::<Rendezvous>(e);
}

/// Two peers behind NATs find each other through a rendezvous server, like ICE with
/// server-reflexive candidates only; `None` when they cannot connect.
fn hole_punch(a: NatConfig, b: NatConfig) -> Option<(std::net::SocketAddr, std::net::SocketAddr)> {
    let mut net = Network::new(43);
    let internet = net.internet();
    net.set_link(internet, LinkConfig::with_delay(Duration::from_millis(15)));
    let lan_a = net.add_nat(internet, "203.0.113.1", "192.168.1.0/24", a);
    let lan_b = net.add_nat(internet, "203.0.113.2", "192.168.1.0/24", b);
    let ha = net.add_host(lan_a, "192.168.1.10");
    let hb = net.add_host(lan_b, "192.168.1.10"); // same private address, other LAN
    let hs = net.add_host(internet, "198.51.100.1");
    let mut sim = Sim::new(net);
    let pa = sim.add_machine(ha, Peer::new(sa(INSIDE), sa(S1A)));
    let pb = sim.add_machine(hb, Peer::new(sa(INSIDE), sa(S1A)));
    sim.add_machine(hs, Rendezvous::default());
    let both = |s: &mut Sim| {
        s.machine::<Peer>(pa).connected.is_some() && s.machine::<Peer>(pb).connected.is_some()
    };
    sim.run_until(Instant::from_secs(5), both).then(|| {
        (
            sim.machine::<Peer>(pa).connected.unwrap(),
            sim.machine::<Peer>(pb).connected.unwrap(),
        )
    })
}

/// The classic traversal table: direct hole punching works unless a symmetric NAT faces a
/// port-restricted or symmetric one.
#[test]
fn hole_punching_matrix() {
    let kinds = [
        ("full cone", NatConfig::full_cone()),
        ("restricted", NatConfig::restricted()),
        ("port restricted", NatConfig::port_restricted()),
        ("symmetric", NatConfig::symmetric()),
    ];
    for (i, (name_a, a)) in kinds.iter().enumerate() {
        for (j, (name_b, b)) in kinds.iter().enumerate() {
            let sym_a = i == 3;
            let sym_b = j == 3;
            let expect = !(sym_a && j >= 2 || sym_b && i >= 2);
            let got = hole_punch(*a, *b);
            assert_eq!(got.is_some(), expect, "{name_a} vs {name_b}: {got:?}");
            if let Some((seen_by_a, seen_by_b)) = got {
                assert_eq!(seen_by_a.ip().to_string(), "203.0.113.2");
                assert_eq!(seen_by_b.ip().to_string(), "203.0.113.1");
            }
        }
    }
}
