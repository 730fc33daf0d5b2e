//! In-process interoperability with two independent SCTP stacks on netsim: `sctp-proto`
//! (webrtc-rs / str0m) and `dcsctp` (the Rust dcSCTP). Handshake both ways, data channels
//! opened from both sides (DCEP in the harness for the foreign stack, as a WebRTC stack adds
//! it), strings and binary, ordered and unordered, empty to 256 KiB, and a lossy run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/foreign.rs"]
mod foreign;
mod support;

use foreign::{Dc, Foreign, Proto, Stack};
use netsim::{LinkConfig, NodeId, Sim};
use sansio::{Instant, Path};
use sctp_core::association::{ChannelConfig, ChannelId, DtlsRole, Event, MessageKind};
use std::net::SocketAddr;
use std::time::Duration;
use support::{fnv, Node};

const OURS: &str = "198.51.100.1:5000";
const THEIRS: &str = "203.0.113.1:5000";

fn our_path() -> Path {
    Path::udp(OURS.parse().unwrap(), THEIRS.parse().unwrap())
}

fn world<S: Stack + 'static>(seed: u64, link: LinkConfig, stack: S) -> (Sim, NodeId, NodeId) {
    world_with(seed, link, stack, false)
}

fn world_with<S: Stack + 'static>(
    seed: u64,
    link: LinkConfig,
    stack: S,
    zero_checksum: bool,
) -> (Sim, NodeId, NodeId) {
    let mut net = netsim::Network::new(seed);
    net.set_trace_capacity(0);
    let internet = net.internet();
    net.set_link(internet, link);
    let ha = net.add_host(internet, "198.51.100.1");
    let hb = net.add_host(internet, "203.0.113.1");
    let mut sim = Sim::new(net);
    let cfg = sctp_core::association::Config {
        role: DtlsRole::Client,
        zero_checksum,
        ..Default::default()
    };
    let ours = sim.add_machine(
        ha,
        Node(support::Assoc::with_capacity(
            cfg,
            sansio::SeededEntropy::new(seed),
            4 << 20,
            4 << 20,
        )),
    );
    let theirs = sim.add_node(hb, Foreign::new(stack, our_path().reversed()));
    (sim, ours, theirs)
}

fn ev(sim: &Sim, id: NodeId, e: Event) -> bool {
    sim.events::<Node>(id).iter().any(|(_, x)| *x == e)
}

fn handshake<S: Stack + 'static>(sim: &mut Sim, ours: NodeId, theirs: NodeId, we_start: bool) {
    if we_start {
        sim.with::<Node, _>(ours, |n, now| n.0.connect(now, our_path()));
    } else {
        let now = sim.now();
        sim.node_mut::<Foreign<S>>(theirs).s.connect(now);
    }
    let ok = sim.run_until(sim.now() + Duration::from_secs(30), |s| {
        ev(s, ours, Event::AssociationUp) && s.node::<Foreign<S>>(theirs).s.connected()
    });
    assert!(
        ok,
        "no association (we start: {we_start}): {:?}",
        sim.events::<Node>(ours)
    );
}

const SIZES: [usize; 7] = [0, 1, 100, 1200, 5000, 65_536, 256 * 1024];

fn payload(size: usize, salt: usize) -> Vec<u8> {
    (0..size)
        .map(|i| (i.wrapping_mul(131) ^ salt) as u8)
        .collect()
}

fn ppid(kind: MessageKind, empty: bool) -> u32 {
    match (kind, empty) {
        (MessageKind::String, false) => 51,
        (MessageKind::String, true) => 56,
        (MessageKind::Binary, false) => 53,
        (MessageKind::Binary, true) => 57,
    }
}

/// The message matrix both ways, on channels opened by both sides.
fn matrix<S: Stack + 'static>(sim: &mut Sim, ours: NodeId, theirs: NodeId) {
    // Our channels.
    let co = sim
        .with::<Node, _>(ours, |n, now| {
            n.0.open_channel(
                now,
                ChannelConfig {
                    label: "ours-ordered",
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let cu = sim
        .with::<Node, _>(ours, |n, now| {
            n.0.open_channel(
                now,
                ChannelConfig {
                    label: "ours-unordered",
                    ordered: false,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    assert!(
        sim.run_until(sim.now() + Duration::from_secs(10), |s| {
            let f = s.node::<Foreign<S>>(theirs);
            f.opened_by_peer.len() == 2
                && ev(s, ours, Event::ChannelOpen(co))
                && ev(s, ours, Event::ChannelOpen(cu))
        }),
        "our channels did not open"
    );
    let labels: Vec<String> = sim
        .node::<Foreign<S>>(theirs)
        .opened_by_peer
        .iter()
        .map(|x| x.1.clone())
        .collect();
    assert_eq!(labels, ["ours-ordered", "ours-unordered"]);
    // Theirs (odd ids: they are the DTLS server here).
    let now = sim.now();
    sim.node_mut::<Foreign<S>>(theirs)
        .open(now, 1, "theirs-ordered", true);
    sim.node_mut::<Foreign<S>>(theirs)
        .open(now, 3, "theirs-unordered", false);
    assert!(
        sim.run_until(sim.now() + Duration::from_secs(10), |s| {
            ev(s, ours, Event::ChannelOpen(ChannelId(1)))
                && ev(s, ours, Event::ChannelOpen(ChannelId(3)))
                && s.node::<Foreign<S>>(theirs).acked.len() == 2
        }),
        "their channels did not open"
    );
    assert_eq!(
        sim.machine::<Node>(ours).0.channel_label(ChannelId(1)),
        Some("theirs-ordered")
    );

    // Us → them.
    let mut expect: Vec<(u16, u32, u64)> = Vec::new();
    for (i, (ch, kind, size)) in [co, cu]
        .iter()
        .flat_map(|c| [MessageKind::String, MessageKind::Binary].map(|k| (*c, k)))
        .flat_map(|(c, k)| SIZES.map(|s| (c, k, s)))
        .enumerate()
    {
        let data = payload(size, i);
        sim.with::<Node, _>(ours, |n, now| n.0.send(now, ch, kind, &data))
            .unwrap();
        let wire = if size == 0 { vec![0] } else { data };
        expect.push((ch.0, ppid(kind, size == 0), fnv(&wire)));
    }
    let ok = sim.run_until(sim.now() + Duration::from_secs(60), |s| {
        s.node::<Foreign<S>>(theirs).inbox.len() == expect.len()
    });
    if !ok {
        let got: Vec<(u16, u32, usize)> = sim
            .node::<Foreign<S>>(theirs)
            .inbox
            .iter()
            .map(|(s, p, d)| (*s, *p, d.len()))
            .collect();
        panic!(
            "not all arrived at the peer: {got:?}\n{:?}",
            sim.machine::<Node>(ours).0
        );
    }
    let got: Vec<(u16, u32, u64)> = sim
        .node_mut::<Foreign<S>>(theirs)
        .inbox
        .drain(..)
        .map(|(s, p, d)| (s, p, fnv(&d)))
        .collect();
    check(&expect, &got, co.0);

    // Them → us.
    let mut expect = Vec::new();
    let now = sim.now();
    for (i, (sid, kind, size)) in [1u16, 3]
        .iter()
        .flat_map(|c| [MessageKind::String, MessageKind::Binary].map(|k| (*c, k)))
        .flat_map(|(c, k)| SIZES.map(|s| (c, k, s)))
        .enumerate()
    {
        let data = payload(size, i + 100);
        let wire = if size == 0 { vec![0] } else { data.clone() };
        sim.node_mut::<Foreign<S>>(theirs)
            .s
            .send(now, sid, ppid(kind, size == 0), &wire, sid == 3);
        expect.push((sid, ppid(kind, size == 0), fnv(&data)));
    }
    let mut got = Vec::new();
    let mut buf = vec![0u8; 300 * 1024];
    assert!(
        sim.run_until(sim.now() + Duration::from_secs(60), |s| {
            let n = s.machine_mut::<Node>(ours);
            while let Ok(Some(r)) = n.0.poll_message(&mut buf) {
                got.push((r.channel.0, ppid(r.kind, r.len == 0), fnv(&buf[..r.len])));
            }
            got.len() == expect.len()
        }),
        "not all arrived here: {} of {}",
        got.len(),
        expect.len()
    );
    check(&expect, &got, 1);
}

/// Same messages; per ordered stream in the same order.
fn check(expect: &[(u16, u32, u64)], got: &[(u16, u32, u64)], ordered: u16) {
    let mut a = expect.to_vec();
    let mut b = got.to_vec();
    let on = |v: &[(u16, u32, u64)]| {
        v.iter()
            .filter(|x| x.0 == ordered)
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(on(expect), on(got), "ordered stream differs");
    a.sort();
    b.sort();
    assert_eq!(a, b, "messages differ");
}

/// 2 MB each way in 10 kB messages on a lossy path.
fn lossy<S: Stack + 'static>(sim: &mut Sim, ours: NodeId, theirs: NodeId) {
    let ch = sim
        .with::<Node, _>(ours, |n, now| {
            n.0.open_channel(now, ChannelConfig::default())
        })
        .unwrap();
    let (mut sent, mut i) = (Vec::new(), 0usize);
    while sent.len() < 200 {
        let data = payload(10_000, i);
        i += 1;
        sim.with::<Node, _>(ours, |n, now| n.0.send(now, ch, MessageKind::Binary, &data))
            .unwrap();
        sent.push(fnv(&data));
    }
    assert!(
        sim.run_until(sim.now() + Duration::from_secs(600), |s| s
            .node::<Foreign<S>>(theirs)
            .inbox
            .len()
            == 200),
        "lossy: not all arrived at the peer"
    );
    let got: Vec<u64> = sim
        .node_mut::<Foreign<S>>(theirs)
        .inbox
        .drain(..)
        .map(|x| fnv(&x.2))
        .collect();
    assert_eq!(got, sent);
    let now = sim.now();
    let mut expect = Vec::new();
    for k in 0..200 {
        let data = payload(10_000, k + 7);
        sim.node_mut::<Foreign<S>>(theirs)
            .s
            .send(now, ch.0, 53, &data, false);
        expect.push(fnv(&data));
    }
    let mut got = Vec::new();
    let mut buf = vec![0u8; 20_000];
    assert!(
        sim.run_until(sim.now() + Duration::from_secs(600), |s| {
            let n = s.machine_mut::<Node>(ours);
            while let Ok(Some(r)) = n.0.poll_message(&mut buf) {
                got.push(fnv(&buf[..r.len]));
            }
            got.len() == 200
        }),
        "lossy: not all arrived here"
    );
    assert_eq!(got, expect);
}

fn lossy_link() -> LinkConfig {
    LinkConfig {
        delay: Duration::from_millis(20),
        jitter: Duration::from_millis(2),
        loss: 0.02,
        duplicate: 0.005,
        ..LinkConfig::IDEAL
    }
}

fn theirs() -> SocketAddr {
    OURS.parse().unwrap()
}

#[test]
fn sctp_proto_we_connect() {
    let (mut sim, o, t) = world(
        1,
        LinkConfig::with_delay(Duration::from_millis(5)),
        Proto::new(true, theirs()),
    );
    handshake::<Proto>(&mut sim, o, t, true);
    assert!(!sim.machine::<Node>(o).0.uses_idata());
    matrix::<Proto>(&mut sim, o, t);
}

#[test]
fn sctp_proto_they_connect() {
    let (mut sim, o, t) = world(
        2,
        LinkConfig::with_delay(Duration::from_millis(5)),
        Proto::new(false, theirs()),
    );
    handshake::<Proto>(&mut sim, o, t, false);
    matrix::<Proto>(&mut sim, o, t);
}

#[test]
fn sctp_proto_lossy() {
    let (mut sim, o, t) = world(3, lossy_link(), Proto::new(true, theirs()));
    handshake::<Proto>(&mut sim, o, t, true);
    lossy::<Proto>(&mut sim, o, t);
}

#[test]
fn dcsctp_we_connect_with_interleaving() {
    let (mut sim, o, t) = world(
        4,
        LinkConfig::with_delay(Duration::from_millis(5)),
        Dc::new("dc", true),
    );
    handshake::<Dc>(&mut sim, o, t, true);
    assert!(
        sim.machine::<Node>(o).0.uses_idata(),
        "I-DATA negotiated with dcsctp"
    );
    matrix::<Dc>(&mut sim, o, t);
}

#[test]
fn dcsctp_they_connect_without_interleaving() {
    let (mut sim, o, t) = world(
        5,
        LinkConfig::with_delay(Duration::from_millis(5)),
        Dc::new("dc", false),
    );
    handshake::<Dc>(&mut sim, o, t, false);
    assert!(!sim.machine::<Node>(o).0.uses_idata());
    matrix::<Dc>(&mut sim, o, t);
}

#[test]
fn dcsctp_both_connect_at_once() {
    let (mut sim, o, t) = world(
        6,
        LinkConfig::with_delay(Duration::from_millis(5)),
        Dc::new("dc", true),
    );
    let now = sim.now();
    sim.node_mut::<Foreign<Dc>>(t).s.connect(now);
    handshake::<Dc>(&mut sim, o, t, true);
    matrix::<Dc>(&mut sim, o, t);
}

#[test]
fn dcsctp_lossy() {
    let (mut sim, o, t) = world(7, lossy_link(), Dc::new("dc", true));
    handshake::<Dc>(&mut sim, o, t, true);
    lossy::<Dc>(&mut sim, o, t);
}

#[allow(dead_code)]
fn unused(_: Instant) {}

/// RFC 9653 both ways with dcsctp: each side announces zero checksums (over DTLS), each
/// sends them once the other did, and everything still arrives.
#[test]
fn dcsctp_zero_checksum_both_ways() {
    let (mut sim, o, t) = world_with(
        8,
        LinkConfig::with_delay(Duration::from_millis(5)),
        Dc::with_zero_checksum("dc", true, true),
        true,
    );
    handshake::<Dc>(&mut sim, o, t, true);
    assert!(
        sim.machine::<Node>(o).0.sends_zero_checksum(),
        "dcsctp announced zero checksum"
    );
    matrix::<Dc>(&mut sim, o, t);
}
