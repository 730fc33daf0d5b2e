//! Properties over random packets: round trips through roll-over, no panic on any input,
//! every tampered byte refused, replays refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use proptest::prelude::*;
use srtp_core::{Config, Error, MasterKey, Profile, SrtpContext, StreamStart};
use support::rtp_packet;

fn profile() -> impl Strategy<Value = Profile> {
    prop::sample::select(Profile::ALL.to_vec())
}

fn contexts(profile: Profile, key_seed: u8, roc: u32) -> (SrtpContext<4>, SrtpContext<4>) {
    let key: Vec<u8> = (0..profile.key_len() as u8).map(|i| i ^ key_seed).collect();
    let salt: Vec<u8> = (0..profile.salt_len() as u8)
        .map(|i| i.wrapping_mul(7))
        .collect();
    let master = MasterKey::new(profile, &key, &salt).unwrap();
    let mut tx = SrtpContext::new(&master, Config::default()).unwrap();
    let mut rx = SrtpContext::new(&master, Config::default()).unwrap();
    let start = StreamStart {
        roc,
        srtcp_index: 0,
    };
    tx.add_ssrc(0xABCD, start).unwrap();
    rx.add_ssrc(0xABCD, start).unwrap();
    (tx, rx)
}

/// One random RTP packet shape: CSRCs, extension words, payload, padding.
#[derive(Clone, Debug)]
struct Shape {
    csrcs: Vec<u32>,
    ext_words: usize,
    payload: Vec<u8>,
    padding: u8,
}

fn shape() -> impl Strategy<Value = Shape> {
    (
        prop::collection::vec(any::<u32>(), 0..4),
        0usize..4,
        prop::collection::vec(any::<u8>(), 0..300),
        prop_oneof![Just(0u8), 1u8..8],
    )
        .prop_map(|(csrcs, ext_words, payload, padding)| Shape {
            csrcs,
            ext_words,
            payload,
            padding,
        })
}

fn build(seq: u16, s: &Shape) -> Vec<u8> {
    let ext: Vec<u8> = (0..4 * s.ext_words as u8).collect();
    rtp_packet(seq, 0xABCD, &s.csrcs, &ext, &s.payload, s.padding)
}

fn protect(tx: &mut SrtpContext<4>, plain: &[u8]) -> Vec<u8> {
    let mut buf = plain.to_vec();
    buf.resize(plain.len() + 16, 0);
    let n = tx.protect_rtp(&mut buf, plain.len()).unwrap();
    buf.truncate(n);
    buf
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Packets sent with gaps across one or more sequence wraps, delivered with neighbours
    /// swapped, all come back bit for bit and both sides agree on the ROC.
    #[test]
    fn round_trip_across_rollover(
        profile in profile(),
        key_seed in any::<u8>(),
        roc in 0u32..3,
        start in 0xFF00u16..=0xFFFF,
        steps in prop::collection::vec((1u16..4, shape()), 1..80),
        swaps in prop::collection::vec(any::<bool>(), 80),
    ) {
        let (mut tx, mut rx) = contexts(profile, key_seed, roc);
        let mut seq = start;
        let mut sent = Vec::new();
        for (step, s) in &steps {
            let plain = build(seq, s);
            sent.push((plain.clone(), protect(&mut tx, &plain)));
            seq = seq.wrapping_add(*step);
        }
        // Swap some neighbours (never the first packet: it fixes the receiver's start).
        let last = sent.len().saturating_sub(1);
        for (i, _) in swaps.iter().enumerate().take(last).skip(1).filter(|(_, s)| **s) {
            sent.swap(i, i + 1);
        }
        for (plain, mut wire) in sent {
            let n = rx.unprotect_rtp(&mut wire).unwrap();
            prop_assert_eq!(&wire[..n], &plain[..]);
        }
        let total: u32 = steps.iter().map(|(s, _)| u32::from(*s)).sum::<u32>()
            - u32::from(steps.last().unwrap().0);
        let expected_roc = roc + (u32::from(start) + total) / 0x10000;
        prop_assert_eq!(tx.roc(0xABCD), Some(expected_roc));
        prop_assert_eq!(rx.roc(0xABCD), Some(expected_roc));
    }

    /// Flipping any bits of any byte of a protected packet gets it refused, with the ROC
    /// unchanged; the untampered packet still goes through afterwards.
    #[test]
    fn any_tampered_byte_is_refused(
        profile in profile(),
        s in shape(),
        seq in any::<u16>(),
        at in any::<prop::sample::Index>(),
        flip in 1u8..=255,
        rtcp in any::<bool>(),
    ) {
        let (mut tx, mut rx) = contexts(profile, 1, 0);
        let wire = if rtcp {
            let mut plain = vec![0x81, 0xC8, 0, 6, 0, 0, 0xAB, 0xCD];
            plain.extend_from_slice(&s.payload);
            let len = plain.len();
            plain.resize(len + profile.rtcp_overhead(), 0);
            let n = tx.protect_rtcp(&mut plain, len).unwrap();
            plain.truncate(n);
            plain
        } else {
            protect(&mut tx, &build(seq, &s))
        };
        let mut bad = wire.clone();
        bad[at.index(wire.len())] ^= flip;
        let before = bad.clone();
        let roc = rx.roc(0xABCD);
        let result = if rtcp { rx.unprotect_rtcp(&mut bad) } else { rx.unprotect_rtp(&mut bad) };
        prop_assert!(result.is_err(), "tampered packet accepted");
        prop_assert_eq!(&bad, &before);
        prop_assert_eq!(rx.roc(0xABCD), roc);
        let mut good = wire;
        let ok = if rtcp { rx.unprotect_rtcp(&mut good) } else { rx.unprotect_rtp(&mut good) };
        prop_assert!(ok.is_ok());
    }

    /// Delivering any accepted packet again is a replay.
    #[test]
    fn replays_are_refused(
        profile in profile(),
        count in 1usize..40,
        again in any::<prop::sample::Index>(),
    ) {
        let (mut tx, mut rx) = contexts(profile, 2, 0);
        let sent: Vec<_> = (0..count)
            .map(|i| protect(&mut tx, &build(0xFFF0u16.wrapping_add(i as u16), &Shape {
                csrcs: vec![], ext_words: 0, payload: vec![i as u8; 20], padding: 0,
            })))
            .collect();
        for w in &sent {
            rx.unprotect_rtp(&mut w.clone()).unwrap();
        }
        let mut replay = sent[again.index(count)].clone();
        let result = rx.unprotect_rtp(&mut replay);
        prop_assert!(matches!(result, Err(Error::Replayed { .. })), "{:?}", result);
    }

    /// Arbitrary bytes into every unprotect path never panic, never report more bytes than
    /// given, and a failure changes nothing.
    #[test]
    fn arbitrary_bytes_never_panic(
        profile in profile(),
        data in prop::collection::vec(any::<u8>(), 0..200),
        rtp_like in any::<bool>(),
    ) {
        let (_, mut rx) = contexts(profile, 3, 0);
        let mut data = data;
        if rtp_like && !data.is_empty() {
            data[0] = 0x80 | (data[0] & 0x3F);
        }
        for rtcp in [false, true] {
            let mut buf = data.clone();
            let result = if rtcp { rx.unprotect_rtcp(&mut buf) } else { rx.unprotect_rtp(&mut buf) };
            match result {
                Ok(n) => prop_assert!(n <= data.len()),
                Err(_) => prop_assert_eq!(&buf, &data),
            }
        }
    }

    /// The fuzz body (fixed key, records of packets) never fails its own invariants.
    #[test]
    fn fuzz_body_holds(data in prop::collection::vec(any::<u8>(), 0..600)) {
        srtp_core::fuzzing::srtp_unprotect(&data);
    }
}

/// The committed fuzz seeds are valid streams: 6 SRTP packets across a wrap and one SRTCP
/// packet accepted, the trailing replay refused.
#[test]
fn fuzz_seeds_are_accepted_by_the_fuzz_body() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/seeds/srtp_unprotect");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        assert_eq!(srtp_core::fuzzing::srtp_unprotect(&data), 7);
        seen += 1;
    }
    assert_eq!(seen, 4, "one seed per profile");
}
