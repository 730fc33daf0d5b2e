//! Topology rules: interfaces, address checks, misuse panics, driver guards.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use netsim::{NatConfig, Network, Node, Sim, TraceEvent};
use sansio::{Instant, Path, Rejected, Transmit};

/// A dual-stack host: IPv4 behind the NAT, IPv6 directly on the internet. An unspecified
/// source picks the interface of the destination's family.
#[test]
fn dual_stack_host_picks_the_interface_by_family() {
    let mut w = world(50, NatConfig::symmetric());
    let internet = w.net.internet();
    let inside = w.inside;
    w.net.add_interface(inside, internet, "2001:db8:1::10");
    let v6_server = w.net.add_host(internet, "2001:db8:2::1");
    let d = one(
        &mut w.net,
        inside,
        sa("[::]:5000"),
        sa("[2001:db8:2::1]:3478"),
    );
    assert_eq!(
        (d.host, d.path.remote),
        (v6_server, sa("[2001:db8:1::10]:5000"))
    );
    let d = one(&mut w.net, inside, sa("0.0.0.0:5000"), sa(S1A));
    assert_eq!(d.path.remote.ip().to_string(), NAT_IP);
    assert_eq!(w.net.host_interfaces(inside).len(), 2);
    // Replies to the v6 address arrive without any NAT.
    let back = one(
        &mut w.net,
        v6_server,
        sa("[2001:db8:2::1]:3478"),
        sa("[2001:db8:1::10]:5000"),
    );
    assert_eq!(back.host, inside);
}

#[test]
#[should_panic(expected = "already in use")]
fn duplicate_address_panics() {
    let mut net = Network::new(1);
    let internet = net.internet();
    net.add_host(internet, "198.51.100.1");
    net.add_host(internet, "198.51.100.1");
}

#[test]
#[should_panic(expected = "outside the realm's prefix")]
fn address_outside_the_lan_panics() {
    let mut net = Network::new(1);
    let internet = net.internet();
    let lan = net.add_nat(
        internet,
        "203.0.113.1",
        "10.0.0.0/24",
        NatConfig::full_cone(),
    );
    net.add_host(lan, "10.0.1.1");
}

#[test]
#[should_panic(expected = "already in use")]
fn nat_address_clash_panics() {
    let mut net = Network::new(1);
    let internet = net.internet();
    net.add_host(internet, "203.0.113.1");
    net.add_nat(
        internet,
        "203.0.113.1",
        "10.0.0.0/24",
        NatConfig::full_cone(),
    );
}

#[test]
#[should_panic(expected = "is not an IP address")]
fn bad_literal_panics() {
    let mut net = Network::new(1);
    let internet = net.internet();
    net.add_host(internet, "198.51.100.300");
}

/// NAT reboot: mappings vanish, the old mapped address stops working.
#[test]
fn flushing_a_nat_drops_its_mappings() {
    let mut w = world(51, NatConfig::full_cone());
    let m = mapped(&mut w, S1A);
    let lan = w.lan;
    w.net.flush_nat(lan);
    assert!(w.net.mappings(lan).is_empty());
    let s1 = w.s1;
    assert!(exchange(&mut w.net, s1, sa(S1A), m).is_empty());
}

/// Reconfiguring a NAT mid-run: hairpinning switched off takes effect on the next packet.
#[test]
fn nat_config_can_change_mid_run() {
    let mut w = world(52, NatConfig::full_cone());
    let m = mapped(&mut w, S1A);
    let lan = w.lan;
    let b = w.net.add_host(lan, "192.168.1.11");
    assert_eq!(one(&mut w.net, b, sa("192.168.1.11:1"), m).host, w.inside);
    let cfg = NatConfig {
        hairpinning: false,
        ..w.net.nat_config(lan)
    };
    w.net.set_nat_config(lan, cfg);
    assert!(exchange(&mut w.net, b, sa("192.168.1.11:1"), m).is_empty());
}

/// The trace is bounded and says how much it forgot.
#[test]
fn trace_is_bounded() {
    let mut w = world(53, NatConfig::full_cone());
    w.net.set_trace_capacity(5);
    for _ in 0..10 {
        mapped(&mut w, S1A);
    }
    assert_eq!(w.net.trace().len(), 5);
    assert!(w.net.trace().forgotten() > 0);
    assert!(matches!(
        w.net.trace().entries().last().unwrap().event,
        TraceEvent::Delivered { .. }
    ));
    assert_eq!(w.net.trace().tail(2).lines().count(), 2);
}

/// A node whose timeout never moves forward is reported instead of hanging the test.
struct Stuck;

impl Node for Stuck {
    fn handle_datagram(&mut self, _: Instant, _: Path, _: &[u8]) -> Result<(), Rejected> {
        Ok(())
    }
    fn handle_timeout(&mut self, _: Instant) {}
    fn poll_transmit(&mut self, _: Instant, _: &mut [u8]) -> Option<Transmit> {
        None
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Some(Instant::ZERO)
    }
}

#[test]
#[should_panic(expected = "livelock")]
fn livelock_is_detected() {
    let mut net = Network::new(1);
    let internet = net.internet();
    let h = net.add_host(internet, "198.51.100.1");
    let mut sim = Sim::new(net);
    sim.add_node(h, Stuck);
    sim.run_until(Instant::from_secs(1), |_| false);
}
