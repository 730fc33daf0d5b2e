//! Associations on the deterministic network simulator: bulk transfer under loss, reordering
//! and duplication (checksummed), ordered against unordered delivery, PR-SCTP expiry, stream
//! reset both ways, a peer restart.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use netsim::{LinkConfig, NodeId, Sim};
use sansio::Instant;
use sctp_core::association::{ChannelConfig, ChannelId, Event, MessageKind, Reliability};
use std::time::Duration;
use support::{fnv, sim_path, up, world, Node};

fn lossy(loss: f64) -> LinkConfig {
    LinkConfig {
        delay: Duration::from_millis(25),
        jitter: Duration::from_millis(3),
        loss,
        duplicate: 0.01,
        reorder: 0.02,
        reorder_delay: Duration::from_millis(8),
        ..LinkConfig::IDEAL
    }
}

fn connect(sim: &mut Sim, a: NodeId, b: NodeId) {
    sim.with::<Node, _>(a, |n, now| n.0.connect(now, sim_path()));
    let ok = sim.run_until(Instant::from_secs(120), |s| up(s, a) && up(s, b));
    assert!(ok, "no association: {:?}", sim.events::<Node>(a));
}

/// Send `total` bytes in `size`-byte messages from a to b; returns virtual seconds taken.
fn bulk(
    sim: &mut Sim,
    a: NodeId,
    b: NodeId,
    cfg: ChannelConfig<'static>,
    total: usize,
    size: usize,
) -> (Vec<u64>, Vec<u64>, f64) {
    let ch = sim
        .with::<Node, _>(a, |n, now| n.0.open_channel(now, cfg))
        .unwrap();
    let start = sim.now();
    let (mut sent, mut got, mut queued) = (Vec::new(), Vec::new(), 0usize);
    let mut buf = vec![0u8; size + 1];
    let mut msg = vec![0u8; size];
    let deadline = sim.now() + Duration::from_secs(3600);
    let done = sim.run_until(deadline, |s| {
        s.with::<Node, _>(a, |n, now| {
            while queued < total && n.0.can_send(size) {
                let k = sent.len() as u32;
                for (i, x) in msg.iter_mut().enumerate() {
                    *x = (i as u32 ^ k.wrapping_mul(2_654_435_761)) as u8;
                }
                n.0.send(now, ch, MessageKind::Binary, &msg).unwrap();
                sent.push(fnv(&msg));
                queued += size;
            }
        });
        let n = s.machine_mut::<Node>(b);
        while let Ok(Some(r)) = n.0.poll_message(&mut buf) {
            got.push(fnv(&buf[..r.len]));
        }
        queued >= total && got.len() == sent.len()
    });
    let secs = (sim.now() - start).as_secs_f64();
    assert!(
        done || cfg.reliability != Reliability::Reliable,
        "stalled: {}/{} {:?} {:?}",
        got.len(),
        sent.len(),
        sim.machine::<Node>(a).0.stats(),
        sim.machine::<Node>(b).0.stats()
    );
    (sent, got, secs)
}

fn ten_mb(loss: f64, seed: u64) {
    let (mut sim, a, b) = world(seed, lossy(loss));
    connect(&mut sim, a, b);
    let (sent, got, secs) = bulk(
        &mut sim,
        a,
        b,
        ChannelConfig::default(),
        10 << 20,
        16 * 1024,
    );
    assert_eq!(sent.len(), got.len());
    assert_eq!(sent, got, "content or order differs");
    let st = sim.machine::<Node>(a).0.stats();
    eprintln!(
        "loss {loss}: {:.1} virtual s, {:.2} MB/s, {st:?}",
        secs,
        10.0 * 1.048_576 / secs
    );
    if loss > 0.0 {
        assert!(st.t3_expiries + st.fast_retransmits > 0);
    }
}

#[test]
fn ten_megabytes_no_loss() {
    ten_mb(0.0, 100);
}

#[test]
fn ten_megabytes_one_percent_loss() {
    ten_mb(0.01, 200);
}

#[test]
fn ten_megabytes_five_percent_loss() {
    ten_mb(0.05, 300);
}

#[test]
fn ten_megabytes_twenty_percent_loss() {
    ten_mb(0.20, 400);
}

#[test]
fn ordered_channels_keep_order_unordered_ones_need_not() {
    let (mut sim, a, b) = world(500, lossy(0.05));
    connect(&mut sim, a, b);
    let ord = sim
        .with::<Node, _>(a, |n, now| {
            n.0.open_channel(
                now,
                ChannelConfig {
                    label: "o",
                    ..Default::default()
                },
            )
        })
        .unwrap();
    let uno = sim
        .with::<Node, _>(a, |n, now| {
            n.0.open_channel(
                now,
                ChannelConfig {
                    label: "u",
                    ordered: false,
                    ..Default::default()
                },
            )
        })
        .unwrap();
    // Let the channels open so the unordered one really is unordered (RFC 8832 §6).
    sim.run_for(Duration::from_secs(2));
    for i in 0..400u32 {
        sim.with::<Node, _>(a, |n, now| {
            n.0.send(now, ord, MessageKind::Binary, &i.to_be_bytes())
                .unwrap();
            n.0.send(now, uno, MessageKind::Binary, &i.to_be_bytes())
                .unwrap();
        });
        sim.run_for(Duration::from_millis(2));
    }
    let (mut o, mut u) = (Vec::new(), Vec::new());
    let mut buf = [0u8; 16];
    sim.run_until(sim.now() + Duration::from_secs(120), |s| {
        let n = s.machine_mut::<Node>(b);
        while let Ok(Some(r)) = n.0.poll_message(&mut buf) {
            let v = u32::from_be_bytes(buf[..4].try_into().unwrap());
            if r.channel == ord {
                o.push(v)
            } else {
                u.push(v)
            }
        }
        o.len() == 400 && u.len() == 400
    });
    assert_eq!(
        o,
        (0..400).collect::<Vec<_>>(),
        "ordered channel out of order"
    );
    let mut us = u.clone();
    us.sort();
    assert_eq!(
        us,
        (0..400).collect::<Vec<_>>(),
        "unordered channel lost or duplicated"
    );
    assert_ne!(
        u, us,
        "with 5 % loss some unordered messages overtake earlier ones"
    );
}

#[test]
fn pr_sctp_expired_messages_are_skipped() {
    let (mut sim, a, b) = world(600, lossy(0.15));
    connect(&mut sim, a, b);
    let cfg = ChannelConfig {
        ordered: true,
        reliability: Reliability::MaxRetransmits(0),
        ..Default::default()
    };
    let (sent, got, _) = bulk(&mut sim, a, b, cfg, 2 << 20, 4000);
    // Some were given up, the rest arrived intact and in order, and the receiver was not
    // stuck behind the holes.
    assert!(got.len() < sent.len(), "nothing abandoned at 15 % loss?");
    assert!(got.len() > sent.len() / 2);
    let mut it = sent.iter();
    for g in &got {
        assert!(
            it.any(|s| s == g),
            "a message arrived out of order or corrupted"
        );
    }
    // Afterwards a reliable channel still works (the cumulative TSN moved past the holes).
    let (s2, g2, _) = bulk(&mut sim, a, b, ChannelConfig::default(), 100_000, 1000);
    assert_eq!(s2, g2);
    let lifetime = ChannelConfig {
        ordered: false,
        reliability: Reliability::MaxLifetimeMs(400),
        ..Default::default()
    };
    let (s3, g3, _) = bulk(&mut sim, a, b, lifetime, 300_000, 1000);
    assert!(
        g3.len() < s3.len() && !g3.is_empty(),
        "{} of {}",
        g3.len(),
        s3.len()
    );
}

#[test]
fn stream_reset_closes_channels_from_either_side() {
    let (mut sim, a, b) = world(700, lossy(0.02));
    connect(&mut sim, a, b);
    let c1 = sim
        .with::<Node, _>(a, |n, now| n.0.open_channel(now, ChannelConfig::default()))
        .unwrap();
    let c2 = sim
        .with::<Node, _>(b, |n, now| n.0.open_channel(now, ChannelConfig::default()))
        .unwrap();
    sim.run_for(Duration::from_secs(2));
    let closed = |s: &Sim, id: NodeId, c: ChannelId| {
        s.events::<Node>(id)
            .iter()
            .any(|(_, e)| *e == Event::ChannelClosed(c))
    };
    sim.with::<Node, _>(a, |n, now| n.0.close_channel(now, c1));
    sim.with::<Node, _>(a, |n, now| n.0.close_channel(now, c2)); // a closes the channel b opened
    assert!(
        sim.run_until(sim.now() + Duration::from_secs(60), |s| closed(s, a, c1)
            && closed(s, b, c1)
            && closed(s, a, c2)
            && closed(s, b, c2))
    );
    let c3 = sim
        .with::<Node, _>(b, |n, now| n.0.open_channel(now, ChannelConfig::default()))
        .unwrap();
    sim.run_for(Duration::from_secs(2));
    sim.with::<Node, _>(b, |n, now| n.0.close_channel(now, c3));
    assert!(
        sim.run_until(sim.now() + Duration::from_secs(60), |s| closed(s, a, c3)
            && closed(s, b, c3))
    );
}

#[test]
fn association_survives_a_peer_restart() {
    let (mut sim, a, b) = world(800, lossy(0.02));
    connect(&mut sim, a, b);
    let (s1, g1, _) = bulk(&mut sim, a, b, ChannelConfig::default(), 200_000, 2000);
    assert_eq!(s1, g1);
    // b's process restarts with a fresh association and connects again.
    let host = sim.host_of(b);
    let fresh = support::assoc(sctp_core::association::DtlsRole::Server, 4242, 1 << 20);
    *sim.machine_mut::<Node>(b) = Node(fresh);
    sim.with::<Node, _>(b, |n, now| n.0.connect(now, sim_path_rev()));
    let _ = host;
    assert!(sim.run_until(sim.now() + Duration::from_secs(60), |s| s
        .events::<Node>(a)
        .iter()
        .any(|(_, e)| *e == Event::AssociationRestarted)
        && up(s, b)));
    let (s2, g2, _) = bulk(&mut sim, a, b, ChannelConfig::default(), 200_000, 2000);
    assert_eq!(s2, g2);
}

fn sim_path_rev() -> sansio::Path {
    sim_path().reversed()
}
