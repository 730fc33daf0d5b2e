//! Built without the `rtp-receive` feature (`cargo test -p peer-core --no-default-features
//! --features std,dtls-server --test send_only`; `cargo xtask test` runs it so): a connection sends its
//! media, RTCP flows both ways, and RTP it receives is dropped undecrypted and counted —
//! never delivered.
#![cfg(not(feature = "rtp-receive"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::Pair;
use peer_core::{MediaConfig, PeerConfig};
use sdp_core::negotiate::CodecCap;
use std::time::Duration;

static AUDIO: [CodecCap<'static>; 1] = [CodecCap::pcmu()];

fn audio_config() -> PeerConfig {
    PeerConfig {
        audio: Some(MediaConfig::send_recv(&AUDIO)),
        ..PeerConfig::default()
    }
}

#[test]
fn received_rtp_is_dropped_and_counted_while_rtcp_flows() {
    let mut p = Pair::new(audio_config(), audio_config(), |a| a);
    assert!(p.run(Duration::from_secs(10), Pair::connected));
    let track = p.a.track_by_mid("0").unwrap();
    let mut sent = 0;
    for i in 0..50u32 {
        sent += p.send_frame(true, track, i * 160, &[0x55; 160]);
        p.wait(Duration::from_millis(20));
    }
    assert_eq!(sent, 50);
    p.wait(Duration::from_secs(6));
    let (a, b) = (p.a.stats(), p.b.stats());
    assert!(
        p.media.1.is_empty(),
        "{} packets delivered",
        p.media.1.len()
    );
    assert_eq!(b.dropped_not_receiving, 50);
    assert_eq!((b.rtp_packets_received, b.dropped_unauthenticated), (0, 0));
    // Reports both ways: the sender's SR reached b, b's RR reached a.
    assert!(a.rtcp_received > 0 && b.rtcp_received > 0, "{a:?} / {b:?}");
    assert_eq!(p.a.track_stats(track).unwrap().packets_sent, 50);
}
