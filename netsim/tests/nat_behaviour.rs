//! RFC 4787 mapping and filtering behaviours, every combination.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use netsim::{DropReason, Filtering, Mapping, NatConfig, PortAllocation};

const MAPPINGS: [Mapping; 3] = [
    Mapping::EndpointIndependent,
    Mapping::AddressDependent,
    Mapping::AddressAndPortDependent,
];
const FILTERINGS: [Filtering; 3] = [
    Filtering::EndpointIndependent,
    Filtering::AddressDependent,
    Filtering::AddressAndPortDependent,
];

/// RFC 4787 §4.1: which destinations share a mapping.
#[test]
fn mapping_behaviours() {
    for mapping in MAPPINGS {
        for filtering in FILTERINGS {
            let mut w = world(1, NatConfig::new(mapping, filtering));
            let a = mapped(&mut w, S1A);
            let b = mapped(&mut w, S1B); // same IP, other port
            let c = mapped(&mut w, S2A); // other IP
            let again = mapped(&mut w, S1A);
            assert_eq!(a.ip(), NAT_IP.parse::<std::net::IpAddr>().unwrap());
            assert_eq!(
                a, again,
                "{mapping:?}: a mapping is reused for the same destination"
            );
            let (same_ip, other_ip) = match mapping {
                Mapping::EndpointIndependent => (true, true),
                Mapping::AddressDependent => (true, false),
                Mapping::AddressAndPortDependent => (false, false),
            };
            assert_eq!(a == b, same_ip, "{mapping:?}/{filtering:?}: {a} vs {b}");
            assert_eq!(a == c, other_ip, "{mapping:?}/{filtering:?}: {a} vs {c}");
            assert_eq!(b == c, other_ip, "{mapping:?}/{filtering:?}: {b} vs {c}");
            let expected_mappings = match mapping {
                Mapping::EndpointIndependent => 1,
                Mapping::AddressDependent => 2,
                Mapping::AddressAndPortDependent => 3,
            };
            assert_eq!(w.net.mappings(w.lan).len(), expected_mappings);
        }
    }
}

/// RFC 4787 §5: who may send back to a mapping created towards S1A.
#[test]
fn filtering_behaviours() {
    for mapping in MAPPINGS {
        for filtering in FILTERINGS {
            let mut w = world(2, NatConfig::new(mapping, filtering));
            let m = mapped(&mut w, S1A);
            let (s1, s2) = (w.s1, w.s2);
            // The contacted endpoint always gets through.
            let back = one(&mut w.net, s1, sa(S1A), m);
            assert_eq!(back.host, w.inside);
            assert_eq!(back.path.local, sa(INSIDE));
            assert_eq!(back.path.remote, sa(S1A));
            // Same IP, other port.
            let same_ip = exchange(&mut w.net, s1, sa(S1B), m);
            let expect_same_ip = filtering != Filtering::AddressAndPortDependent;
            assert_eq!(
                !same_ip.is_empty(),
                expect_same_ip,
                "{mapping:?}/{filtering:?}"
            );
            // Other IP.
            let other = exchange(&mut w.net, s2, sa(S2A), m);
            let expect_other = filtering == Filtering::EndpointIndependent;
            assert_eq!(!other.is_empty(), expect_other, "{mapping:?}/{filtering:?}");
            let filtered = u64::from(!expect_same_ip) + u64::from(!expect_other);
            assert_eq!(w.net.stats().dropped(DropReason::Filtered), filtered);
            assert_eq!(w.net.stats().dropped_total(), filtered);
        }
    }
}

/// Filter state is per mapping: with a symmetric mapping and address-dependent filtering,
/// S2 (contacted through its own mapping) cannot use the mapping made for S1, while S1 from
/// another port can.
#[test]
fn filtering_is_per_mapping() {
    let cfg = NatConfig::new(
        Mapping::AddressAndPortDependent,
        Filtering::AddressDependent,
    );
    let mut w = world(3, cfg);
    let m1 = mapped(&mut w, S1A);
    let m2 = mapped(&mut w, S2A);
    assert_ne!(m1, m2);
    let (s1, s2) = (w.s1, w.s2);
    assert!(exchange(&mut w.net, s2, sa(S2A), m1).is_empty());
    assert_eq!(w.net.stats().dropped(DropReason::Filtered), 1);
    assert_eq!(one(&mut w.net, s2, sa(S2A), m2).path.remote, sa(S2A));
    assert_eq!(one(&mut w.net, s1, sa(S1B), m1).path.remote, sa(S1B));
}

/// Full cone: after the inside host talked to S1, an unrelated third host reaches it.
#[test]
fn full_cone_lets_a_third_host_in() {
    let mut w = world(4, NatConfig::full_cone());
    let m = mapped(&mut w, S1A);
    let internet = w.net.internet();
    let third = w.net.add_host(internet, "192.0.2.77");
    let d = one(&mut w.net, third, sa("192.0.2.77:9999"), m);
    assert_eq!(d.host, w.inside);
    assert_eq!(d.path.remote, sa("192.0.2.77:9999"));
}

/// Symmetric: two destinations, two external ports; the reply to each mapping arrives
/// from its own destination only.
#[test]
fn symmetric_nat_maps_per_destination() {
    let mut w = world(5, NatConfig::symmetric());
    let a = mapped(&mut w, S1A);
    let b = mapped(&mut w, S2A);
    assert_eq!(a.ip(), b.ip());
    assert_ne!(a.port(), b.port());
    let s1 = w.s1;
    // S1 answering on the mapping made for S2 is filtered.
    assert!(exchange(&mut w.net, s1, sa(S1A), b).is_empty());
    assert_eq!(w.net.stats().dropped(DropReason::Filtered), 1);
}

/// Nothing gets in without a mapping, whatever the filtering.
#[test]
fn unsolicited_inbound_has_no_mapping() {
    for filtering in FILTERINGS {
        let mut w = world(6, NatConfig::new(Mapping::EndpointIndependent, filtering));
        let s1 = w.s1;
        let got = exchange(&mut w.net, s1, sa(S1A), sa("203.0.113.1:5000"));
        assert!(got.is_empty());
        assert_eq!(w.net.stats().dropped(DropReason::NoMapping), 1);
    }
}

/// Port preservation keeps the internal port; a second internal host with the same port
/// gets another one.
#[test]
fn port_preservation() {
    let cfg = NatConfig {
        port_allocation: PortAllocation::Preserve,
        ..NatConfig::port_restricted()
    };
    let mut w = world(7, cfg);
    assert_eq!(mapped(&mut w, S1A).port(), 5000);
    let lan = w.lan;
    let other = w.net.add_host(lan, "192.168.1.11");
    let d = one(&mut w.net, other, sa("192.168.1.11:5000"), sa(S1A));
    assert_ne!(d.path.remote.port(), 5000);
}

/// Ports are drawn from the seed: the same seed gives the same ports, another seed others.
#[test]
fn port_allocation_follows_the_seed() {
    let ports = |seed| {
        let mut w = world(seed, NatConfig::symmetric());
        [
            mapped(&mut w, S1A),
            mapped(&mut w, S1B),
            mapped(&mut w, S2A),
        ]
    };
    assert_eq!(ports(11), ports(11));
    assert_ne!(ports(11), ports(12));
}

/// Private addresses are not routed on the internet, and a LAN reaches its own hosts
/// directly without the NAT.
#[test]
fn private_addresses_stay_private() {
    let mut w = world(8, NatConfig::full_cone());
    let s1 = w.s1;
    assert!(exchange(&mut w.net, s1, sa(S1A), sa(INSIDE)).is_empty());
    assert_eq!(w.net.stats().dropped(DropReason::NoRoute), 1);
    let lan = w.lan;
    let peer = w.net.add_host(lan, "192.168.1.20");
    let d = one(&mut w.net, peer, sa("192.168.1.20:7000"), sa(INSIDE));
    assert_eq!(d.path.remote, sa("192.168.1.20:7000"));
    assert!(
        w.net.mappings(lan).is_empty(),
        "LAN traffic creates no mapping"
    );
    // An unused address of the LAN prefix is unreachable.
    assert!(exchange(
        &mut w.net,
        peer,
        sa("192.168.1.20:7000"),
        sa("192.168.1.99:1")
    )
    .is_empty());
    assert_eq!(w.net.stats().dropped(DropReason::NoRoute), 2);
}

/// A source address the host does not own is dropped; an unspecified one picks the
/// host's address.
#[test]
fn source_address_is_checked() {
    let mut w = world(9, NatConfig::full_cone());
    let inside = w.inside;
    assert!(exchange(&mut w.net, inside, sa("192.168.1.99:5000"), sa(S1A)).is_empty());
    assert_eq!(w.net.host_stats(inside).dropped(DropReason::BadSource), 1);
    let d = one(&mut w.net, inside, sa("0.0.0.0:5000"), sa(S1A));
    assert_eq!(
        d.path.remote.ip(),
        NAT_IP.parse::<std::net::IpAddr>().unwrap()
    );
    assert_eq!(w.net.mappings(w.lan)[0].internal, sa(INSIDE));
}

/// NAT behind NAT (e.g. a home router behind carrier-grade NAT): both translate, and the
/// reply finds its way back through both.
#[test]
fn nat_behind_nat() {
    let mut net = netsim::Network::new(10);
    let internet = net.internet();
    let cgn = net.add_nat(
        internet,
        "203.0.113.50",
        "100.64.0.0/10",
        NatConfig::port_restricted(),
    );
    let home = net.add_nat(cgn, "100.64.0.7", "192.168.1.0/24", NatConfig::symmetric());
    let inside = net.add_host(home, "192.168.1.10");
    let server = net.add_host(internet, "198.51.100.1");
    let d = one(&mut net, inside, sa(INSIDE), sa(S1A));
    assert_eq!(
        d.path.remote.ip(),
        "203.0.113.50".parse::<std::net::IpAddr>().unwrap()
    );
    let home_map = net.mappings(home)[0];
    let cgn_map = net.mappings(cgn)[0];
    assert_eq!(home_map.internal, sa(INSIDE));
    assert_eq!(cgn_map.internal, home_map.external);
    assert_eq!(cgn_map.external, d.path.remote);
    let back = one(&mut net, server, sa(S1A), d.path.remote);
    assert_eq!(
        (back.host, back.path.local, back.path.remote),
        (inside, sa(INSIDE), sa(S1A))
    );
}
