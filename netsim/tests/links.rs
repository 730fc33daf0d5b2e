//! Link impairments: delays add up, probabilities converge, MTU drops.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::time::Duration;

use common::*;
use netsim::{Delivery, DropReason, HostId, LinkConfig, NatConfig, Network};
use sansio::{Instant, Path};

const A: &str = "198.51.100.1:1000";
const B: &str = "198.51.100.2:2000";

/// Two public hosts A and B; the internet link is `link`.
fn pair(seed: u64, link: LinkConfig) -> (Network, HostId, HostId) {
    let mut net = Network::new(seed);
    let internet = net.internet();
    net.set_link(internet, link);
    let a = net.add_host(internet, "198.51.100.1");
    let b = net.add_host(internet, "198.51.100.2");
    (net, a, b)
}

/// A sends `n` numbered datagrams to B, one per millisecond; returns B's deliveries.
fn stream(net: &mut Network, a: HostId, n: u32) -> Vec<Delivery> {
    let mut got = Vec::new();
    for i in 0..n {
        net.send(a, Path::udp(sa(A), sa(B)), &i.to_be_bytes());
        let next = net.now() + Duration::from_millis(1);
        net.advance_to(next);
        got.extend(std::iter::from_fn(|| net.poll_delivery()));
    }
    got.extend(net.run_until_idle());
    got
}

fn seq(d: &Delivery) -> u32 {
    u32::from_be_bytes(d.data[..4].try_into().unwrap())
}

fn assert_near(what: &str, got: f64, want: f64, tolerance: f64) {
    assert!(
        (got - want).abs() <= tolerance,
        "{what}: got {got:.4}, want {want} ± {tolerance}"
    );
}

fn assert_conserved(net: &Network) {
    let s = net.stats();
    assert_eq!(
        s.sent + s.duplicated,
        s.delivered + s.dropped_total(),
        "{s}"
    );
}

#[test]
fn delays_add_up_along_the_route_and_nats_add_none() {
    let mut w = world(30, NatConfig::port_restricted());
    let internet = w.net.internet();
    w.net
        .set_host_link(w.inside, LinkConfig::with_delay(Duration::from_millis(2)));
    w.net
        .set_link(w.lan, LinkConfig::with_delay(Duration::from_millis(1)));
    w.net
        .set_link(internet, LinkConfig::with_delay(Duration::from_millis(20)));
    w.net
        .set_host_link(w.s1, LinkConfig::with_delay(Duration::from_millis(3)));
    let d = one(&mut w.net, w.inside, sa(INSIDE), sa(S1A));
    assert_eq!(d.at, Instant::from_millis(26));
    let start = w.net.now();
    let back = one(&mut w.net, w.s1, sa(S1A), d.path.remote);
    assert_eq!(back.at - start, Duration::from_millis(26));
    assert_eq!(w.net.poll_timeout(), None);
}

#[test]
fn loss_converges_and_is_counted() {
    let n = 20_000;
    let (mut net, a, b) = pair(
        31,
        LinkConfig {
            loss: 0.1,
            ..LinkConfig::IDEAL
        },
    );
    let got = stream(&mut net, a, n);
    let rate = 1.0 - got.len() as f64 / f64::from(n);
    assert_near("loss rate", rate, 0.1, 0.01);
    assert_eq!(
        net.stats().dropped(DropReason::Loss),
        u64::from(n) - got.len() as u64
    );
    assert_eq!(
        net.host_stats(a).dropped(DropReason::Loss),
        net.stats().dropped(DropReason::Loss)
    );
    assert_eq!(net.host_stats(b).delivered, got.len() as u64);
    assert_conserved(&net);
}

#[test]
fn losses_on_successive_links_compound() {
    let n = 20_000;
    let (mut net, a, _b) = pair(
        32,
        LinkConfig {
            loss: 0.2,
            ..LinkConfig::IDEAL
        },
    );
    net.set_host_link(
        a,
        LinkConfig {
            loss: 0.1,
            ..LinkConfig::IDEAL
        },
    );
    let got = stream(&mut net, a, n);
    assert_near(
        "delivery rate",
        got.len() as f64 / f64::from(n),
        0.9 * 0.8,
        0.012,
    );
    assert_conserved(&net);
}

#[test]
fn duplication_converges() {
    let n = 20_000;
    let (mut net, a, _b) = pair(
        33,
        LinkConfig {
            duplicate: 0.05,
            ..LinkConfig::IDEAL
        },
    );
    let got = stream(&mut net, a, n);
    let extra = got.len() as f64 / f64::from(n) - 1.0;
    assert_near("duplicate rate", extra, 0.05, 0.006);
    assert_eq!(net.stats().duplicated, got.len() as u64 - u64::from(n));
    // Each duplicate carries the same payload as its original.
    let mut seqs: Vec<u32> = got.iter().map(seq).collect();
    seqs.sort_unstable();
    seqs.dedup();
    assert_eq!(seqs.len() as u32, n);
    assert_conserved(&net);
}

#[test]
fn reordering_converges_and_really_reorders() {
    let n = 20_000;
    let link = LinkConfig {
        reorder: 0.1,
        reorder_delay: Duration::from_millis(10),
        ..LinkConfig::with_delay(Duration::from_millis(5))
    };
    let (mut net, a, _b) = pair(34, link);
    let got = stream(&mut net, a, n);
    assert_eq!(got.len() as u32, n);
    assert_near(
        "reorder rate",
        net.stats().reordered as f64 / f64::from(n),
        0.1,
        0.01,
    );
    // A datagram is "late" when a later-sent one arrived before it.
    let mut highest = None;
    let mut late = 0u32;
    for s in got.iter().map(seq) {
        if highest.is_some_and(|h| s < h) {
            late += 1;
        }
        highest = highest.max(Some(s));
    }
    assert_near("late arrivals", f64::from(late) / f64::from(n), 0.1, 0.012);
}

#[test]
fn jitter_spreads_delay_within_bounds() {
    let link = LinkConfig {
        jitter: Duration::from_millis(4),
        ..LinkConfig::with_delay(Duration::from_millis(10))
    };
    let (mut net, a, _b) = pair(35, link);
    let mut total = Duration::ZERO;
    let n = 2000u32;
    for _ in 0..n {
        let sent = net.now();
        let d = one(&mut net, a, sa(A), sa(B));
        let delay = d.at - sent;
        assert!(
            delay >= Duration::from_millis(10) && delay <= Duration::from_millis(14),
            "{delay:?}"
        );
        total += delay;
    }
    let mean_ms = total.as_secs_f64() * 1000.0 / f64::from(n);
    assert_near("mean delay (ms)", mean_ms, 12.0, 0.2);
}

#[test]
fn mtu_counts_ip_and_udp_headers() {
    let (mut net, a, _b) = pair(36, LinkConfig::IDEAL);
    let send = |net: &mut Network, len: usize| {
        net.send(a, Path::udp(sa(A), sa(B)), &vec![0u8; len]);
        net.run_until_idle().len()
    };
    assert_eq!(send(&mut net, 1472), 1, "1472 + 28 = 1500 fits");
    assert_eq!(send(&mut net, 1473), 0);
    assert_eq!(net.stats().dropped(DropReason::Mtu), 1);

    // A smaller MTU anywhere on the route (here the sender's access link) wins.
    net.set_host_link(
        a,
        LinkConfig {
            mtu: 1280,
            ..LinkConfig::IDEAL
        },
    );
    assert_eq!(send(&mut net, 1252), 1);
    assert_eq!(send(&mut net, 1253), 0);
    assert_eq!(net.host_stats(a).dropped(DropReason::Mtu), 2);

    // IPv6 headers are 48 bytes.
    let internet = net.internet();
    let v6a = net.add_host(internet, "2001:db8::1");
    net.add_host(internet, "2001:db8::2");
    let p = Path::udp(sa("[2001:db8::1]:1"), sa("[2001:db8::2]:2"));
    net.send(v6a, p, &[0u8; 1452]);
    net.send(v6a, p, &[0u8; 1453]);
    assert_eq!(net.run_until_idle().len(), 1);
    assert_eq!(net.host_stats(v6a).dropped(DropReason::Mtu), 1);
}

#[test]
fn reliable_transports_only_get_the_delay() {
    let link = LinkConfig {
        loss: 1.0,
        jitter: Duration::from_millis(50),
        mtu: 100,
        ..LinkConfig::with_delay(Duration::from_millis(7))
    };
    let (mut net, a, _b) = pair(37, link);
    net.send(a, Path::tcp(sa(A), sa(B)), &[1u8; 4000]);
    let got = net.run_until_idle();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].at, Instant::from_millis(7));
    assert_eq!(got[0].path.transport, sansio::Transport::Tcp);
    net.send(a, Path::udp(sa(A), sa(B)), &[1u8; 10]);
    assert!(net.run_until_idle().is_empty());
}

/// Changing one link's settings does not shift another link's random draws.
#[test]
fn links_draw_from_independent_streams() {
    let (mut net1, a1, _) = pair(
        38,
        LinkConfig {
            loss: 0.3,
            ..LinkConfig::IDEAL
        },
    );
    let (mut net2, a2, b2) = pair(
        38,
        LinkConfig {
            loss: 0.3,
            ..LinkConfig::IDEAL
        },
    );
    net2.set_host_link(
        b2,
        LinkConfig {
            jitter: Duration::from_millis(1),
            ..LinkConfig::IDEAL
        },
    );
    let s1: Vec<u32> = stream(&mut net1, a1, 500).iter().map(seq).collect();
    let mut s2: Vec<u32> = stream(&mut net2, a2, 500).iter().map(seq).collect();
    s2.sort_unstable();
    assert_eq!(s1, s2, "the same datagrams survive the internet link");
}
