//! The fuzz body of `fuzz/fuzz_targets/peer_demux.rs` run in normal CI: a connected peer
//! (ICE, DTLS, SRTP, SCTP up with a real peer in memory) fed the committed seeds and
//! pseudo-random record streams — raw datagrams, SRTP and SRTCP that authenticate, datagrams
//! from strangers, time jumps and commands — must not panic, loop or grow without bound.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use peer_core::fuzzing::{peer_demux, Connected};
use peer_core::PeerState;
use sansio::{Entropy, SeededEntropy};

#[test]
fn the_fuzz_setup_connects() {
    let c = Connected::new();
    assert_eq!(c.a.state(), PeerState::Connected);
    assert_eq!(c.b.state(), PeerState::Connected);
    assert!(c.b.session().unwrap().tracks.len() == 2);
    assert!(c.b.track_stats(peer_core::TrackId(1)).is_some());
}

#[test]
fn committed_seeds_do_not_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/seeds/peer_demux");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        peer_demux(&std::fs::read(entry.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n >= 4, "seeds missing in {dir}");
}

#[test]
fn random_record_streams_do_not_panic() {
    let mut e = SeededEntropy::new(0xF022);
    for round in 0..24 {
        let mut data = vec![0u8; 64 + round * 40];
        e.fill(&mut data);
        // Bias towards well-framed RTP/RTCP so the SRTP modes reach routing and RTCP parsing.
        for rec in data.chunks_mut(32) {
            rec[0] %= 6;
            rec[1] = 30;
            if rec.len() > 3 {
                rec[2] = 0x80 | (rec[2] & 0x3F);
                if rec[0] == 2 {
                    rec[3] = 200 + rec[3] % 8;
                }
            }
        }
        peer_demux(&data);
    }
}
