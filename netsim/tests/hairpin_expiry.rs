//! Hairpinning (RFC 4787 §6) and mapping timeouts (§4.3).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::*;
use netsim::{DropReason, NatConfig, PortAllocation, TraceEvent};

const B: &str = "192.168.1.11:6000";

/// Adds a second inside host B and returns (world, B, A's mapping, B's mapping).
fn two_inside(
    config: NatConfig,
) -> (
    World,
    netsim::HostId,
    std::net::SocketAddr,
    std::net::SocketAddr,
) {
    let mut w = world(20, config);
    let lan = w.lan;
    let b = w.net.add_host(lan, "192.168.1.11");
    let ma = mapped(&mut w, S1A);
    let mb = one(&mut w.net, b, sa(B), sa(S1A)).path.remote;
    assert_ne!(ma, mb);
    (w, b, ma, mb)
}

#[test]
fn hairpin_translates_the_source_to_the_external_mapping() {
    let (mut w, b, ma, mb) = two_inside(NatConfig::full_cone());
    let inside = w.inside;
    let d = one(&mut w.net, inside, sa(INSIDE), mb);
    assert_eq!(d.host, b);
    assert_eq!(d.path.local, sa(B));
    // RFC 4787 REQ-9 b: the source is A's external mapping, not its private address.
    assert_eq!(d.path.remote, ma);
    assert!(w
        .net
        .trace()
        .entries()
        .any(|e| matches!(e.event, TraceEvent::Hairpinned { .. })));
    // And back the same way.
    let back = one(&mut w.net, b, sa(B), ma);
    assert_eq!((back.host, back.path.remote), (inside, mb));
}

#[test]
fn hairpin_disabled_drops() {
    let config = NatConfig {
        hairpinning: false,
        ..NatConfig::full_cone()
    };
    let (mut w, _b, _ma, mb) = two_inside(config);
    let inside = w.inside;
    assert!(exchange(&mut w.net, inside, sa(INSIDE), mb).is_empty());
    assert_eq!(w.net.stats().dropped(DropReason::Hairpin), 1);
    assert_eq!(w.net.stats().dropped_total(), 1);
}

/// Hairpinned packets go through the receiving mapping's filter like any inbound packet:
/// with port-restricted filtering B must first send to A's external mapping.
#[test]
fn hairpin_respects_filtering() {
    let (mut w, b, ma, mb) = two_inside(NatConfig::port_restricted());
    let inside = w.inside;
    assert!(exchange(&mut w.net, inside, sa(INSIDE), mb).is_empty());
    assert_eq!(w.net.stats().dropped(DropReason::Filtered), 1);
    // ... but A's attempt opened A's own filter for B's mapping: B gets through, and that
    // opens B's filter in turn (hole punching through one NAT).
    let d = one(&mut w.net, b, sa(B), ma);
    assert_eq!((d.host, d.path.remote), (inside, mb));
    let d = one(&mut w.net, inside, sa(INSIDE), mb);
    assert_eq!((d.host, d.path.remote), (b, ma));
    assert_eq!(w.net.stats().dropped_total(), 1);
}

fn with_timeout(secs: u64) -> NatConfig {
    NatConfig {
        mapping_timeout: Duration::from_secs(secs),
        ..NatConfig::port_restricted()
    }
}

fn reply_at(w: &mut World, at_secs: u64, to: std::net::SocketAddr) -> bool {
    w.net.advance_to(sansio::Instant::from_secs(at_secs));
    let s1 = w.s1;
    !exchange(&mut w.net, s1, sa(S1A), to).is_empty()
}

#[test]
fn mapping_expires_after_the_timeout_without_outbound_traffic() {
    let mut w = world(21, with_timeout(30));
    let m = mapped(&mut w, S1A);
    assert!(reply_at(&mut w, 29, m), "alive at 29 s");
    // Inbound traffic did not refresh it (refresh_on_inbound is off).
    assert!(!reply_at(&mut w, 30, m), "expired at 30 s");
    assert_eq!(w.net.stats().dropped(DropReason::NoMapping), 1);
    assert!(w.net.mappings(w.lan).is_empty());
    assert!(w
        .net
        .trace()
        .entries()
        .any(|e| matches!(e.event, TraceEvent::MappingExpired { external, .. } if external == m)));
}

#[test]
fn outbound_traffic_refreshes_the_mapping() {
    let mut w = world(22, with_timeout(30));
    let m = mapped(&mut w, S1A);
    w.net.advance_to(sansio::Instant::from_secs(20));
    assert_eq!(mapped(&mut w, S1A), m, "refresh keeps the same mapping");
    assert!(reply_at(&mut w, 49, m), "alive 29 s after the refresh");
    assert!(!reply_at(&mut w, 50, m), "expired 30 s after the refresh");
    assert_eq!(w.net.mappings(w.lan).len(), 0);
}

#[test]
fn inbound_refresh_when_enabled() {
    let config = NatConfig {
        refresh_on_inbound: true,
        ..with_timeout(30)
    };
    let mut w = world(23, config);
    let m = mapped(&mut w, S1A);
    assert!(reply_at(&mut w, 25, m));
    assert!(
        reply_at(&mut w, 50, m),
        "the inbound packet at 25 s refreshed it"
    );
    assert_eq!(
        w.net.mappings(w.lan)[0].expires,
        sansio::Instant::from_secs(80)
    );
    // Another remote is still filtered: inbound refresh opens nothing new.
    let s2 = w.s2;
    assert!(exchange(&mut w.net, s2, sa(S2A), m).is_empty());
    assert_eq!(w.net.stats().dropped(DropReason::Filtered), 1);
}

/// A fresh outbound packet after expiry builds a new mapping; with sequential allocation it
/// gets the next port, so old peers cannot reach the host on the old one.
#[test]
fn new_mapping_after_expiry() {
    let config = NatConfig {
        port_allocation: PortAllocation::Sequential,
        ..with_timeout(30)
    };
    let mut w = world(24, config);
    let m = mapped(&mut w, S1A);
    w.net.advance_to(sansio::Instant::from_secs(31));
    let m2 = mapped(&mut w, S1A);
    assert_eq!(m2.port(), m.port().wrapping_add(1).max(1024));
    assert!(!reply_at(&mut w, 32, m));
    assert!(reply_at(&mut w, 33, m2));
}
