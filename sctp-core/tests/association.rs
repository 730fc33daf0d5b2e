//! Association behaviour between two of ours, back to back in memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use sctp_core::association::LostReason;
use sctp_core::association::{ChannelConfig, DtlsRole, Event, MessageKind, Reliability, State};
use std::time::Duration;
use support::{assoc, Pair};

#[test]
fn handshake_channel_and_messages_both_ways() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 1, 1 << 20),
        assoc(DtlsRole::Server, 2, 1 << 20),
    );
    p.connect();
    assert_eq!(p.a.state(), State::Established);
    assert!(p.a.uses_idata() && p.b.uses_idata());
    let now = p.now;
    let ch =
        p.a.open_channel(
            now,
            ChannelConfig {
                label: "chat",
                protocol: "proto",
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(ch.0 % 2, 0, "client opens even stream ids");
    p.a.send(now, ch, MessageKind::String, b"hello").unwrap();
    p.a.send(now, ch, MessageKind::Binary, &[]).unwrap();
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7) as u8).collect();
    p.a.send(now, ch, MessageKind::Binary, &big).unwrap();
    let mut got = Vec::new();
    let mut buf = vec![0u8; 300_000];
    assert!(p.run(Duration::from_secs(10), |p| {
        while let Ok(Some(r)) = p.b.poll_message(&mut buf) {
            got.push((r.channel, r.kind, buf[..r.len].to_vec()));
        }
        got.len() == 3
    }));
    assert!(p.ev_b.contains(&Event::ChannelOpen(ch)));
    assert_eq!(p.b.channel_label(ch), Some("chat"));
    assert_eq!(p.b.channel_protocol(ch), Some("proto"));
    assert_eq!(got[0], (ch, MessageKind::String, b"hello".to_vec()));
    assert_eq!(got[1], (ch, MessageKind::Binary, vec![]));
    assert_eq!(got[2].2, big);
    // The ACK came back: the opener sees the channel open too.
    assert!(p.ev_a.contains(&Event::ChannelOpen(ch)));
    // And the other way, on a channel the server opens (odd id).
    let now = p.now;
    let ch2 =
        p.b.open_channel(
            now,
            ChannelConfig {
                label: "back",
                ordered: false,
                reliability: Reliability::MaxRetransmits(0),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(ch2.0 % 2, 1);
    p.b.send(now, ch2, MessageKind::String, "ünïcode".as_bytes())
        .unwrap();
    let mut got = None;
    assert!(p.run(Duration::from_secs(10), |p| {
        if let Ok(Some(r)) = p.a.poll_message(&mut buf) {
            got = Some((r, buf[..r.len].to_vec()));
        }
        got.is_some()
    }));
    let (r, bytes) = got.unwrap();
    assert_eq!((r.channel, r.kind), (ch2, MessageKind::String));
    assert_eq!(bytes, "ünïcode".as_bytes());
    assert_eq!(
        p.a.channel_policy(ch2),
        Some((false, Reliability::MaxRetransmits(0), 256))
    );
}

fn fnv(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Send `total` bytes as messages of `size` on one channel, return (sent hashes, received hashes).
fn transfer(
    p: &mut Pair,
    cfg: ChannelConfig<'_>,
    total: usize,
    size: usize,
    limit: Duration,
) -> (Vec<u64>, Vec<u64>) {
    let now = p.now;
    let ch = p.a.open_channel(now, cfg).unwrap();
    let mut sent = Vec::new();
    let mut got = Vec::new();
    let mut buf = vec![0u8; size.max(1) + 16];
    let mut seq = 0u32;
    let mut queued = 0usize;
    let ok = p.run(limit, |p| {
        while queued < total && p.a.can_send(size) {
            let msg: Vec<u8> = (0..size)
                .map(|i| (i as u32).wrapping_mul(31).wrapping_add(seq) as u8)
                .collect();
            let now = p.now;
            p.a.send(now, ch, MessageKind::Binary, &msg).unwrap();
            sent.push(fnv(&msg));
            seq += 1;
            queued += size;
        }
        while let Ok(Some(r)) = p.b.poll_message(&mut buf) {
            got.push(fnv(&buf[..r.len]));
        }
        queued >= total && got.len() == sent.len()
    });
    assert!(
        ok || cfg.reliability != Reliability::Reliable,
        "transfer stalled: {} of {} messages, stats a {:?} b {:?}",
        got.len(),
        sent.len(),
        p.a.stats(),
        p.b.stats()
    );
    (sent, got)
}

#[test]
fn lossy_link_delivers_everything_in_order() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 3, 1 << 20),
        assoc(DtlsRole::Server, 4, 1 << 20),
    );
    p.connect();
    let mut rng = 0x1234_5678u64;
    p.lose = Box::new(move |_, _| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % 100 < 10
    });
    let (sent, got) = transfer(
        &mut p,
        ChannelConfig::default(),
        2 << 20,
        10_000,
        Duration::from_secs(600),
    );
    assert_eq!(sent, got);
    let s = p.a.stats();
    assert!(s.t3_expiries + s.fast_retransmits > 0, "{s:?}");
}

#[test]
fn simultaneous_open_converges() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 5, 1 << 16),
        assoc(DtlsRole::Server, 6, 1 << 16),
    );
    let now = p.now;
    p.a.connect(now, support::path());
    p.b.connect(now, support::path().reversed());
    assert!(p.run(Duration::from_secs(30), |p| p.a.is_established()
        && p.b.is_established()));
    assert_eq!(
        p.ev_a
            .iter()
            .filter(|e| **e == Event::AssociationUp)
            .count(),
        1
    );
    assert_eq!(
        p.ev_b
            .iter()
            .filter(|e| **e == Event::AssociationUp)
            .count(),
        1
    );
    let (sent, got) = transfer(
        &mut p,
        ChannelConfig::default(),
        100_000,
        1000,
        Duration::from_secs(30),
    );
    assert_eq!(sent, got);
}

#[test]
fn closing_a_channel_resets_streams_both_ways() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 7, 1 << 16),
        assoc(DtlsRole::Server, 8, 1 << 16),
    );
    p.connect();
    let now = p.now;
    let ch = p.a.open_channel(now, ChannelConfig::default()).unwrap();
    p.a.send(now, ch, MessageKind::String, b"last words")
        .unwrap();
    p.a.close_channel(now, ch);
    let mut buf = [0u8; 64];
    let mut got = None;
    assert!(
        p.run(Duration::from_secs(10), |p| {
            if let Ok(Some(r)) = p.b.poll_message(&mut buf) {
                got = Some(buf[..r.len].to_vec());
            }
            p.ev_a.contains(&Event::ChannelClosed(ch)) && p.ev_b.contains(&Event::ChannelClosed(ch))
        }),
        "{:?} / {:?}",
        p.ev_a,
        p.ev_b
    );
    assert_eq!(got.as_deref(), Some(&b"last words"[..]));
    assert_eq!(
        p.a.send(p.now, ch, MessageKind::String, b"x"),
        Err(sctp_core::association::SendError::UnknownChannel)
    );
    // The stream id can be used again, from the other side too.
    let now = p.now;
    let again =
        p.b.open_channel(
            now,
            ChannelConfig {
                negotiated_id: Some(ch.0),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(again, ch);
}

#[test]
fn graceful_shutdown_and_abort() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 9, 1 << 16),
        assoc(DtlsRole::Server, 10, 1 << 16),
    );
    p.connect();
    let now = p.now;
    let ch = p.a.open_channel(now, ChannelConfig::default()).unwrap();
    p.a.send(now, ch, MessageKind::Binary, &[1; 5000]).unwrap();
    p.a.shutdown(now);
    let lost = |e: &Vec<Event>| {
        e.iter().any(|e| {
            matches!(
                e,
                Event::AssociationLost {
                    reason: LostReason::Shutdown
                }
            )
        })
    };
    assert!(
        p.run(Duration::from_secs(10), |p| lost(&p.ev_a) && lost(&p.ev_b)),
        "{:?} {:?}",
        p.ev_a,
        p.ev_b
    );
    let mut buf = [0u8; 6000];
    assert_eq!(
        p.b.poll_message(&mut buf).unwrap().map(|r| r.len),
        Some(5000)
    );
    assert_eq!((p.a.state(), p.b.state()), (State::Closed, State::Closed));

    let mut p = Pair::new(
        assoc(DtlsRole::Client, 11, 1 << 16),
        assoc(DtlsRole::Server, 12, 1 << 16),
    );
    p.connect();
    let now = p.now;
    p.b.abort(now);
    assert!(
        p.run(Duration::from_secs(5), |p| p.ev_a.iter().any(|e| matches!(
            e,
            Event::AssociationLost {
                reason: LostReason::PeerAbort
            }
        )))
    );
}

#[test]
fn peer_restart_is_survived() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 13, 1 << 16),
        assoc(DtlsRole::Server, 14, 1 << 16),
    );
    p.connect();
    let now = p.now;
    let ch = p.a.open_channel(now, ChannelConfig::default()).unwrap();
    p.a.send(now, ch, MessageKind::String, b"before").unwrap();
    let mut buf = [0u8; 64];
    assert!(p.run(Duration::from_secs(5), |p| matches!(
        p.b.poll_message(&mut buf),
        Ok(Some(_))
    )));
    // The server process restarts: a fresh association with new state connects again.
    p.b = assoc(DtlsRole::Server, 99, 1 << 16);
    p.ev_b.clear();
    let now = p.now;
    p.b.connect(now, support::path().reversed());
    assert!(
        p.run(Duration::from_secs(30), |p| p
            .ev_a
            .contains(&Event::AssociationRestarted)
            && p.ev_b.contains(&Event::AssociationUp)),
        "{:?} {:?}",
        p.ev_a,
        p.ev_b
    );
    assert!(p.ev_a.contains(&Event::ChannelClosed(ch)));
    let (sent, got) = transfer(
        &mut p,
        ChannelConfig::default(),
        50_000,
        1000,
        Duration::from_secs(30),
    );
    assert_eq!(sent, got);
}

/// With I-DATA a small message on one channel is not stuck behind a large one on another;
/// with DATA it is (fragments of one message must be consecutive).
#[test]
fn idata_interleaves_channels_data_does_not() {
    for interleaving in [true, false] {
        let cfg = |role| sctp_core::association::Config {
            role,
            interleaving,
            ..Default::default()
        };
        let mk = |role, seed| {
            support::Assoc::with_capacity(
                cfg(role),
                sansio::SeededEntropy::new(seed),
                1 << 20,
                1 << 20,
            )
        };
        let mut p = Pair::new(mk(DtlsRole::Client, 30), mk(DtlsRole::Server, 31));
        p.connect();
        let now = p.now;
        let big =
            p.a.open_channel(
                now,
                ChannelConfig {
                    negotiated_id: Some(10),
                    ..Default::default()
                },
            )
            .unwrap();
        let small =
            p.a.open_channel(
                now,
                ChannelConfig {
                    negotiated_id: Some(12),
                    ..Default::default()
                },
            )
            .unwrap();
        p.b.open_channel(
            now,
            ChannelConfig {
                negotiated_id: Some(10),
                ..Default::default()
            },
        )
        .unwrap();
        p.b.open_channel(
            now,
            ChannelConfig {
                negotiated_id: Some(12),
                ..Default::default()
            },
        )
        .unwrap();
        p.a.send(now, big, MessageKind::Binary, &vec![1; 200_000])
            .unwrap();
        p.a.send(now, small, MessageKind::String, b"urgent")
            .unwrap();
        let mut order = Vec::new();
        let mut buf = vec![0u8; 300_000];
        assert!(p.run(Duration::from_secs(10), |p| {
            while let Ok(Some(r)) = p.b.poll_message(&mut buf) {
                order.push(r.channel);
            }
            order.len() == 2
        }));
        assert_eq!(p.a.uses_idata(), interleaving);
        let expect = if interleaving {
            [small, big]
        } else {
            [big, small]
        };
        assert_eq!(order, expect, "interleaving {interleaving}");
    }
}

#[test]
fn buffered_amount_falls_and_reports_the_low_water_mark() {
    let mut p = Pair::new(
        assoc(DtlsRole::Client, 50, 1 << 20),
        assoc(DtlsRole::Server, 51, 1 << 20),
    );
    p.connect();
    let now = p.now;
    let ch =
        p.a.open_channel(
            now,
            ChannelConfig {
                negotiated_id: Some(4),
                ..Default::default()
            },
        )
        .unwrap();
    p.a.set_buffered_amount_low_threshold(ch, 10_000);
    for _ in 0..50 {
        p.a.send(now, ch, MessageKind::Binary, &[9; 2000]).unwrap();
    }
    assert_eq!(p.a.buffered_amount(ch), 100_000);
    assert!(p.run(Duration::from_secs(10), |p| p
        .ev_a
        .contains(&Event::BufferedAmountLow(ch))
        && p.a.buffered_amount(ch) == 0));
    assert_eq!(
        p.ev_a
            .iter()
            .filter(|e| **e == Event::BufferedAmountLow(ch))
            .count(),
        1
    );
}

mod random {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// Random loss, message sizes, channel policies and interleaving: every message of a
        /// reliable channel arrives intact and in order; partially reliable ones never arrive
        /// corrupted or out of order.
        #[test]
        fn random_sessions_deliver(seed in any::<u64>(), loss in 0u64..35, idata in any::<bool>(), sizes in proptest::collection::vec(0usize..20_000, 1..40)) {
            // Heavy loss: retry budgets beyond the RFC defaults, so that what is tested is data
            // recovery, not the odds of ten losses in a row.
            let cfg = |role| sctp_core::association::Config {
                role,
                interleaving: idata,
                max_init_retransmissions: 30,
                max_retransmissions: 30,
                ..Default::default()
            };
            let mk = |role, s| support::Assoc::with_capacity(cfg(role), sansio::SeededEntropy::new(s), 1 << 18, 1 << 18);
            let mut p = Pair::new(mk(DtlsRole::Client, seed), mk(DtlsRole::Server, seed ^ 1));
            let mut rng = sansio::SeededEntropy::new(seed);
            p.lose = Box::new(move |_, _| {
                use sansio::Entropy;
                u64::from(rng.below(100)) < loss
            });
            p.connect();
            let now = p.now;
            let rel = p.a.open_channel(now, ChannelConfig::default()).unwrap();
            let pr = p.a.open_channel(now, ChannelConfig { ordered: true, reliability: Reliability::MaxRetransmits(1), ..Default::default() }).unwrap();
            let mut sent: std::collections::HashMap<ChannelId, Vec<Vec<u8>>> = Default::default();
            let mut todo: std::collections::VecDeque<(ChannelId, Vec<u8>)> = sizes
                .iter()
                .enumerate()
                .map(|(i, size)| (if i % 3 == 2 { pr } else { rel }, (0..*size).map(|k| (k ^ i) as u8).collect()))
                .collect();
            let want = todo.iter().filter(|(c, _)| *c == rel).count();
            let mut got: std::collections::HashMap<ChannelId, Vec<Vec<u8>>> = Default::default();
            let mut buf = vec![0u8; 1 << 16];
            let ok = p.run(Duration::from_secs(3600), |p| {
                while let Some((ch, data)) = todo.front() {
                    if !p.a.can_send(data.len()) {
                        break;
                    }
                    let now = p.now;
                    p.a.send(now, *ch, MessageKind::Binary, data).unwrap();
                    let (ch, data) = todo.pop_front().unwrap();
                    sent.entry(ch).or_default().push(data);
                }
                while let Ok(Some(r)) = p.b.poll_message(&mut buf) {
                    got.entry(r.channel).or_default().push(buf[..r.len].to_vec());
                }
                todo.is_empty() && got.get(&rel).map_or(0, Vec::len) == want && p.a.queued_bytes() == 0
            });
            prop_assert!(ok, "stalled: {:?} {:?} events {:?} / {:?}", p.a.stats(), p.b.stats(), p.ev_a, p.ev_b);
            prop_assert_eq!(got.get(&rel), sent.get(&rel));
            // Partially reliable: a subsequence, intact.
            let mut it = sent.get(&pr).into_iter().flatten();
            for m in got.get(&pr).into_iter().flatten() {
                prop_assert!(it.any(|s| s == m), "PR message out of order or corrupted");
            }
        }
    }
}

use sctp_core::association::ChannelId;
