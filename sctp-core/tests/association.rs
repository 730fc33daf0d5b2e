//! Association behaviour between two of ours, back to back in memory.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use sansio::SansIo;
use sctp_core::association::{ChannelConfig, Event, MessageKind, Reliability, Role, State};
use std::time::Duration;
use support::{assoc, Pair};

#[test]
fn handshake_channel_and_messages_both_ways() {
    let mut p = Pair::new(
        assoc(Role::Client, 1, 1 << 20),
        assoc(Role::Server, 2, 1 << 20),
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
