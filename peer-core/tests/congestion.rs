//! Transport-wide congestion control between two peers in memory: the receiver reports
//! every packet's arrival in transport-cc feedback (every 100 ms), the sender's estimate
//! grows on a clean path and falls on a lossy one, and the application hears it as
//! `PeerEvent::TargetBitrate` and reads it in the stats.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use common::Pair;
use peer_core::{MediaConfig, PeerConfig, PeerEvent};
use sansio::{classify, PacketKind};
use sdp_core::negotiate::CodecCap;
use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

// With RTX a resend is a new packet with a new transport-wide number, so a loss stays a
// loss in the feedback (a repeat on the media stream could only repeat its number).
static VIDEO: [CodecCap<'static>; 1] = [CodecCap::vp8(96, Some(97))];

/// `a` sends 20 s of 3000-byte VP8 frames at 30 per second (about 750 kbit/s on the wire);
/// every `drop_every`th RTP datagram from `a` is lost. Returns the pair and the number of
/// transport-cc feedback datagrams `b` sent.
fn send_video(drop_every: Option<u32>) -> (Pair, u32) {
    let config = PeerConfig {
        video: Some(MediaConfig::send_recv(&VIDEO)),
        ..PeerConfig::default()
    };
    let mut p = Pair::new(config.clone(), config, |a| a);
    assert!(p.run(Duration::from_secs(10), Pair::connected));
    let track = p.a.track_by_mid("0").unwrap();
    let feedback = Rc::new(Cell::new(0u32));
    let fb = feedback.clone();
    let mut rtp = 0u32;
    p.filter = Some(Box::new(move |from_a, bytes| {
        let kind = classify(bytes);
        if !from_a && kind == PacketKind::Rtcp && bytes[1] == 205 {
            fb.set(fb.get() + 1); // RTPFB (its header is in clear); FMT 15 is transport-cc
        }
        if from_a && kind == PacketKind::Rtp {
            rtp += 1;
            return drop_every.is_some_and(|n| rtp % n == 0);
        }
        false
    }));
    for i in 0..600u32 {
        let mut frame = vec![(i % 251) as u8; 3000];
        frame[0] = if i == 0 { 0x10 } else { 0x11 };
        p.send_frame(true, track, i * 3000, &frame);
        p.wait(Duration::from_millis(33));
    }
    let n = feedback.get();
    (p, n)
}

fn announced(p: &Pair) -> Vec<u64> {
    p.events
        .0
        .iter()
        .filter_map(|e| match e {
            PeerEvent::TargetBitrate(b) => Some(*b),
            _ => None,
        })
        .collect()
}

#[test]
fn the_estimate_grows_on_a_clean_path() {
    let (p, feedback) = send_video(None);
    assert!(
        feedback >= 180,
        "about ten feedback messages a second: {feedback}"
    );
    let estimate = p.a.stats().target_bitrate.expect("estimating");
    let events = announced(&p);
    println!("clean: {estimate} bit/s, announced {events:?}");
    // 8 % a second from 300 kbit/s, capped at 1.5 × what was acknowledged (~750 kbit/s)
    assert!(
        estimate > 900_000,
        "grew from 300 kbit/s past what is sent: {estimate}"
    );
    assert!(
        estimate < 1_500_000,
        "not far above what the path showed: {estimate}"
    );
    assert!(
        events.len() >= 3 && events.windows(2).all(|w| w[1] > w[0]),
        "{events:?}"
    );
    let last = *events.last().unwrap();
    assert!(
        estimate.abs_diff(last) * 10 < last,
        "announced on every 10 % move: {last}"
    );
    assert_eq!(
        p.b.stats().target_bitrate,
        Some(300_000),
        "b sent nothing: start rate"
    );
}

#[test]
fn the_estimate_falls_when_a_quarter_of_the_packets_is_lost() {
    let (p, feedback) = send_video(Some(4));
    let estimate = p.a.stats().target_bitrate.expect("estimating");
    println!("25 % loss: {estimate} bit/s, announced {:?}", announced(&p));
    assert!(feedback >= 180, "{feedback}");
    assert!(estimate < 150_000, "25 % loss brings it down: {estimate}");
}
