//! The same seed and inputs replay the same run; another seed gives another run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::toys::{Echo, Peer, Pinger, Rendezvous};
use common::*;
use netsim::{Counters, Delivery, LinkConfig, NatConfig, Network, PortAllocation, Sim, TraceEntry};
use sansio::{Instant, Path};

fn impaired(delay_ms: u64) -> LinkConfig {
    LinkConfig {
        jitter: Duration::from_millis(delay_ms),
        loss: 0.05,
        duplicate: 0.03,
        reorder: 0.05,
        ..LinkConfig::with_delay(Duration::from_millis(delay_ms))
    }
}

/// Raw network traffic: three hosts behind two NATs and a server, a fixed send schedule.
fn raw_run(seed: u64) -> (Vec<TraceEntry>, Vec<Delivery>, Counters) {
    let mut net = Network::new(seed);
    let internet = net.internet();
    net.set_link(internet, impaired(20));
    let lan1 = net.add_nat(
        internet,
        "203.0.113.1",
        "10.0.0.0/24",
        NatConfig::full_cone(),
    );
    let lan2 = net.add_nat(
        internet,
        "203.0.113.2",
        "10.0.0.0/24",
        NatConfig::symmetric(),
    );
    net.set_link(lan1, impaired(2));
    let hosts = [
        (net.add_host(lan1, "10.0.0.2"), sa("10.0.0.2:4000")),
        (net.add_host(lan1, "10.0.0.3"), sa("10.0.0.3:4000")),
        (net.add_host(lan2, "10.0.0.2"), sa("10.0.0.2:4000")),
    ];
    net.add_host(internet, "198.51.100.1");
    let mut deliveries = Vec::new();
    for round in 0..400u32 {
        let (h, local) = hosts[round as usize % 3];
        let remote = SocketAddr::new("198.51.100.1".parse().unwrap(), 3478 + (round % 5) as u16);
        net.send(h, Path::udp(local, remote), &round.to_be_bytes());
        let next = net.now() + Duration::from_micros(700);
        net.advance_to(next);
        deliveries.extend(std::iter::from_fn(|| net.poll_delivery()));
    }
    deliveries.extend(net.run_until_idle());
    (
        net.trace().entries().cloned().collect(),
        deliveries,
        net.stats().clone(),
    )
}

/// Sans-IO nodes through the `Sim` driver on lossy links.
fn sim_run(seed: u64) -> (Vec<TraceEntry>, Vec<(Instant, SocketAddr)>) {
    let mut net = Network::new(seed);
    let internet = net.internet();
    net.set_link(internet, impaired(15));
    let cfg = NatConfig {
        port_allocation: PortAllocation::Random,
        ..NatConfig::restricted()
    };
    let lan_a = net.add_nat(internet, "203.0.113.1", "192.168.1.0/24", cfg);
    let lan_b = net.add_nat(
        internet,
        "203.0.113.2",
        "192.168.1.0/24",
        NatConfig::symmetric(),
    );
    let ha = net.add_host(lan_a, "192.168.1.10");
    let hb = net.add_host(lan_b, "192.168.1.10");
    let hs = net.add_host(internet, "198.51.100.1");
    let he = net.add_host(internet, "198.51.100.2");
    let mut sim = Sim::new(net);
    let pa = sim.add_machine(ha, Peer::new(sa(INSIDE), sa(S1A)));
    sim.add_machine(hb, Peer::new(sa(INSIDE), sa(S1A)));
    sim.add_machine(hs, Rendezvous::default());
    let e = sim.add_machine(he, Echo::default());
    let ping = Pinger::new(
        Path::udp(sa("192.168.1.10:6000"), sa(S2A)),
        Duration::from_millis(20),
        50,
    );
    let p = sim.add_machine(ha, ping);
    sim.with::<Pinger, _>(p, |m, now| m.start(now));
    sim.run_until(Instant::from_secs(3), |_| false);
    let mut events: Vec<_> = sim.events::<Echo>(e).iter().copied().collect();
    events.extend(sim.events::<Peer>(pa).iter().copied());
    (sim.net().trace().entries().cloned().collect(), events)
}

#[test]
fn same_seed_same_raw_run() {
    let (t1, d1, s1) = raw_run(99);
    let (t2, d2, s2) = raw_run(99);
    assert!(
        t1.len() > 1000,
        "the scenario exercises the network: {}",
        t1.len()
    );
    assert!(
        s1.dropped_total() > 0 && s1.duplicated > 0 && s1.reordered > 0,
        "{s1}"
    );
    assert_eq!(s1, s2);
    assert_eq!(d1, d2);
    assert_eq!(t1, t2);
    let (t3, d3, _) = raw_run(100);
    assert_ne!(t1, t3);
    assert_ne!(d1, d3);
}

#[test]
fn same_seed_same_sim_run() {
    let (t1, e1) = sim_run(7);
    let (t2, e2) = sim_run(7);
    assert!(!e1.is_empty());
    assert_eq!(e1, e2);
    assert_eq!(t1, t2);
    let (t3, _) = sim_run(8);
    assert_ne!(t1, t3);
}
