//! Behaviour of contexts and sessions: rollover, replay, refusals that change nothing,
//! tables, buffers, key layout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use srtp_core::{
    Config, DtlsRole, DtlsSrtpKeys, Error, KeyError, MasterKey, Profile, SrtpContext, SrtpSession,
    StreamStart,
};
use support::rtp_packet;

const SSRC: u32 = 0x1234_5678;

fn master(profile: Profile, fill: u8) -> MasterKey {
    let key = vec![fill; profile.key_len()];
    let salt = vec![fill ^ 0x5A; profile.salt_len()];
    MasterKey::new(profile, &key, &salt).unwrap()
}

fn pair(profile: Profile, config: Config) -> (SrtpContext<4>, SrtpContext<4>) {
    let m = master(profile, 7);
    (
        SrtpContext::new(&m, config).unwrap(),
        SrtpContext::new(&m, config).unwrap(),
    )
}

/// Protect the RTP packet with `seq`; returns the wire bytes.
fn send(tx: &mut SrtpContext<4>, seq: u16, payload: &[u8]) -> Vec<u8> {
    let plain = rtp_packet(seq, SSRC, &[], &[], payload, 0);
    let mut buf = plain.clone();
    buf.resize(plain.len() + 16, 0);
    let n = tx.protect_rtp(&mut buf, plain.len()).unwrap();
    buf.truncate(n);
    buf
}

#[test]
fn rollover_across_0xffff_both_sides() {
    for profile in Profile::ALL {
        let (mut tx, mut rx) = pair(profile, Config::default());
        for i in 0..40u32 {
            let seq = 0xFFEC_u32.wrapping_add(i) as u16;
            let payload = i.to_be_bytes();
            let mut wire = send(&mut tx, seq, &payload);
            let n = rx.unprotect_rtp(&mut wire).unwrap();
            assert_eq!(&wire[n - 4..n], &payload);
        }
        assert_eq!(tx.roc(SSRC), Some(1), "{profile:?}");
        assert_eq!(rx.roc(SSRC), Some(1), "{profile:?}");
    }
}

#[test]
fn late_packet_from_before_the_rollover_uses_the_old_roc() {
    let (mut tx, mut rx) = pair(Profile::Aes128CmHmacSha1_80, Config::default());
    let mut first = send(&mut tx, 0xFFFD, b"first");
    rx.unprotect_rtp(&mut first).unwrap();
    let before = send(&mut tx, 0xFFFE, b"old");
    let after: Vec<_> = (0..3).map(|s| send(&mut tx, s, b"new")).collect();
    for mut p in after {
        rx.unprotect_rtp(&mut p).unwrap();
    }
    assert_eq!(rx.roc(SSRC), Some(1));
    let mut late = before;
    let n = rx.unprotect_rtp(&mut late).unwrap();
    assert_eq!(&late[n - 3..n], b"old");
    assert_eq!(rx.roc(SSRC), Some(1));
}

#[test]
fn replayed_and_too_old_are_refused() {
    let config = Config {
        replay_window: 64,
        ..Config::default()
    };
    let (mut tx, mut rx) = pair(Profile::AeadAes128Gcm, config);
    let first = send(&mut tx, 100, b"a");
    let mut copy = first.clone();
    rx.unprotect_rtp(&mut copy).unwrap();
    let mut copy = first.clone();
    assert_eq!(
        rx.unprotect_rtp(&mut copy),
        Err(Error::Replayed {
            ssrc: SSRC,
            index: 100
        })
    );
    assert_eq!(copy, first, "refused packet must stay as received");
    let mut old = Vec::new();
    for seq in 101..=200 {
        let mut p = send(&mut tx, seq, b"b");
        if seq == 136 {
            // Held back: it arrives after 200, 64 packets behind.
            old = p;
            continue;
        }
        rx.unprotect_rtp(&mut p).unwrap();
    }
    assert_eq!(
        rx.unprotect_rtp(&mut old),
        Err(Error::TooOld {
            ssrc: SSRC,
            index: 136
        })
    );
}

#[test]
fn forged_packet_leaves_roc_and_window_unchanged() {
    let (mut tx, mut rx) = pair(Profile::Aes128CmHmacSha1_80, Config::default());
    let mut p = send(&mut tx, 0xFFF0, b"x");
    rx.unprotect_rtp(&mut p).unwrap();
    // A packet claiming SEQ 5 (which would roll the ROC to 1) with a bad tag.
    let mut forged = send(&mut tx, 5, b"forged");
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert_eq!(
        rx.unprotect_rtp(&mut forged),
        Err(Error::AuthFailed { ssrc: SSRC })
    );
    assert_eq!(rx.roc(SSRC), Some(0));
    // The genuine packets, including SEQ 5 itself, still go through.
    let mut genuine = send(&mut tx, 6, b"y");
    rx.unprotect_rtp(&mut genuine).unwrap();
    assert_eq!(rx.roc(SSRC), Some(1));
}

#[test]
fn sender_refuses_to_reuse_an_index_unless_allowed() {
    let (mut tx, _) = pair(Profile::Aes128CmHmacSha1_80, Config::default());
    send(&mut tx, 9, b"a");
    let plain = rtp_packet(9, SSRC, &[], &[], b"b", 0);
    let mut buf = plain.clone();
    buf.resize(plain.len() + 10, 0);
    assert_eq!(
        tx.protect_rtp(&mut buf, plain.len()),
        Err(Error::Replayed {
            ssrc: SSRC,
            index: 9
        })
    );
    assert_eq!(&buf[..plain.len()], &plain[..], "refused: buffer untouched");

    let config = Config {
        allow_repeat_tx: true,
        ..Config::default()
    };
    let (mut tx, mut rx) = pair(Profile::Aes128CmHmacSha1_80, config);
    let a = send(&mut tx, 9, b"same");
    let b = send(&mut tx, 9, b"same");
    assert_eq!(a, b, "identical packet, identical bytes");
    let mut a = a;
    rx.unprotect_rtp(&mut a).unwrap();
}

#[test]
fn buffer_too_small_leaves_the_buffer_untouched() {
    let (mut tx, _) = pair(Profile::AeadAes256Gcm, Config::default());
    let plain = rtp_packet(1, SSRC, &[], &[], b"payload", 0);
    let mut buf = plain.clone();
    buf.resize(plain.len() + 15, 0);
    let before = buf.clone();
    assert_eq!(
        tx.protect_rtp(&mut buf, plain.len()),
        Err(Error::BufferTooSmall {
            needed: plain.len() + 16
        })
    );
    assert_eq!(buf, before);
    let too_long = buf.len() + 1;
    assert_eq!(
        tx.protect_rtp(&mut buf, too_long),
        Err(Error::BufferTooSmall {
            needed: plain.len() + 32
        })
    );
    let mut rtcp = [0x81, 0xC8, 0, 1, 0, 0, 0, 1];
    assert_eq!(
        tx.protect_rtcp(&mut rtcp, 8),
        Err(Error::BufferTooSmall { needed: 8 + 20 })
    );
}

#[test]
fn table_capacity_and_unknown_ssrcs() {
    let m = master(Profile::Aes128CmHmacSha1_80, 3);
    let mut tx = SrtpContext::<2>::new(&m, Config::default()).unwrap();
    let mut protect = |ssrc: u32| {
        let plain = rtp_packet(1, ssrc, &[], &[], b"p", 0);
        let mut buf = plain.clone();
        buf.resize(plain.len() + 10, 0);
        tx.protect_rtp(&mut buf, plain.len())
            .map(|n| buf[..n].to_vec())
    };
    let a = protect(1).unwrap();
    let b = protect(2).unwrap();
    assert_eq!(protect(3), Err(Error::TableFull { ssrc: 3 }));

    let strict = Config {
        accept_unknown_ssrc: false,
        ..Config::default()
    };
    let mut rx = SrtpContext::<2>::new(&m, strict).unwrap();
    let mut p = a.clone();
    assert_eq!(
        rx.unprotect_rtp(&mut p),
        Err(Error::UnknownSsrc { ssrc: 1 })
    );
    rx.add_ssrc(1, StreamStart::default()).unwrap();
    let mut p = a;
    rx.unprotect_rtp(&mut p).unwrap();
    assert_eq!(rx.rtp_streams(), 1);
    assert!(rx.remove_ssrc(1));
    let mut p = b;
    assert_eq!(
        rx.unprotect_rtp(&mut p),
        Err(Error::UnknownSsrc { ssrc: 2 })
    );
}

#[test]
fn unauthenticated_packets_do_not_take_table_slots() {
    let m = master(Profile::Aes128CmHmacSha1_80, 3);
    let mut rx = SrtpContext::<1>::new(&m, Config::default()).unwrap();
    let mut junk = rtp_packet(1, 0xBAD, &[], &[], b"0123456789abcdef", 0);
    assert_eq!(
        rx.unprotect_rtp(&mut junk),
        Err(Error::AuthFailed { ssrc: 0xBAD })
    );
    assert_eq!(rx.rtp_streams(), 0);
}

#[test]
fn signalled_roc_is_used_for_the_first_packet() {
    let (mut tx, mut rx) = pair(Profile::AeadAes128Gcm, Config::default());
    let start = StreamStart {
        roc: 7,
        srtcp_index: 0,
    };
    tx.add_ssrc(SSRC, start).unwrap();
    let mut p = send(&mut tx, 10, b"z");
    // Without the ROC the receiver computes another IV and the tag fails.
    assert_eq!(
        rx.unprotect_rtp(&mut p.clone()),
        Err(Error::AuthFailed { ssrc: SSRC })
    );
    rx.add_ssrc(SSRC, start).unwrap();
    rx.unprotect_rtp(&mut p).unwrap();
    assert_eq!(rx.roc(SSRC), Some(7));
}

#[test]
fn index_exhaustion_is_refused() {
    let (mut tx, _) = pair(Profile::Aes128CmHmacSha1_80, Config::default());
    tx.add_ssrc(
        SSRC,
        StreamStart {
            roc: u32::MAX,
            srtcp_index: 0x7FFF_FFFF,
        },
    )
    .unwrap();
    send(&mut tx, 0xFFFF, b"last");
    let plain = rtp_packet(0, SSRC, &[], &[], b"one too many", 0);
    let mut buf = plain.clone();
    buf.resize(plain.len() + 10, 0);
    assert_eq!(
        tx.protect_rtp(&mut buf, plain.len()),
        Err(Error::KeyExhausted { ssrc: SSRC })
    );
    let rtcp = [0x80, 0xC9, 0, 1, 0x12, 0x34, 0x56, 0x78];
    let mut buf = [0u8; 64];
    buf[..8].copy_from_slice(&rtcp);
    tx.protect_rtcp(&mut buf, 8).unwrap();
    buf[..8].copy_from_slice(&rtcp);
    assert_eq!(
        tx.protect_rtcp(&mut buf, 8),
        Err(Error::KeyExhausted { ssrc: SSRC })
    );
}

#[test]
fn replay_window_size_must_fit_the_context() {
    let m = master(Profile::Aes128CmHmacSha1_80, 1);
    let config = |replay_window| Config {
        replay_window,
        ..Config::default()
    };
    assert!(SrtpContext::<1, 1>::new(&m, config(64)).is_ok());
    assert_eq!(
        SrtpContext::<1, 1>::new(&m, config(65)).err(),
        Some(KeyError::WindowSize { asked: 65, max: 64 })
    );
    assert!(SrtpContext::<1, 16>::new(&m, config(1024)).is_ok());
    assert!(SrtpContext::<1>::new(&m, config(0)).is_err());
}

#[test]
fn srtcp_round_trip_with_e_flag_set_and_clear() {
    for profile in Profile::ALL {
        for encrypt in [true, false] {
            let config = Config {
                encrypt_rtcp: encrypt,
                ..Config::default()
            };
            let (mut tx, mut rx) = pair(profile, config);
            let rr = [0x81, 0xC9, 0, 7, 0xCA, 0xFE, 0xBA, 0xBE];
            let mut plain = rr.to_vec();
            plain.extend_from_slice(&[0x42; 24]);
            for i in 0..3u32 {
                let mut buf = plain.clone();
                buf.resize(plain.len() + profile.rtcp_overhead(), 0);
                let n = tx.protect_rtcp(&mut buf, plain.len()).unwrap();
                assert_eq!(n, plain.len() + profile.rtcp_overhead());
                assert_eq!(buf[8..plain.len()] == plain[8..], !encrypt, "{profile:?}");
                let m = rx.unprotect_rtcp(&mut buf[..n]).unwrap();
                assert_eq!(&buf[..m], &plain[..]);
                assert_eq!(rx.srtcp_index(0xCAFE_BABE), Some(i));
            }
        }
    }
}

#[test]
fn dtls_keying_material_roles_pair_up() {
    for profile in Profile::ALL {
        let material: Vec<u8> = (0..profile.keying_material_len() as u8).collect();
        let client =
            DtlsSrtpKeys::from_keying_material(profile, &material, DtlsRole::Client).unwrap();
        let (k, s) = (profile.key_len(), profile.salt_len());
        assert_eq!(client.local.key(), &material[..k]);
        assert_eq!(client.remote.key(), &material[k..2 * k]);
        assert_eq!(client.local.salt(), &material[2 * k..2 * k + s]);
        assert_eq!(client.remote.salt(), &material[2 * k + s..]);

        let mut a = SrtpSession::<2>::from_keying_material(
            profile,
            &material,
            DtlsRole::Client,
            Config::default(),
        )
        .unwrap();
        let mut b = SrtpSession::<2>::from_keying_material(
            profile,
            &material,
            DtlsRole::Server,
            Config::default(),
        )
        .unwrap();
        for a_sends in [true, false] {
            let (from, to) = if a_sends {
                (&mut a, &mut b)
            } else {
                (&mut b, &mut a)
            };
            let plain = rtp_packet(1, SSRC, &[1, 2], &[0x10, 0xAA, 0, 0], b"media", 0);
            let mut buf = plain.clone();
            buf.resize(plain.len() + 16, 0);
            let n = from.protect_rtp(&mut buf, plain.len()).unwrap();
            let m = to.unprotect_rtp(&mut buf[..n]).unwrap();
            assert_eq!(&buf[..m], &plain[..]);
        }
        // Our own packets do not decrypt with our inbound key.
        let plain = rtp_packet(2, SSRC, &[], &[], b"media", 0);
        let mut buf = plain.clone();
        buf.resize(plain.len() + 16, 0);
        let n = a.protect_rtp(&mut buf, plain.len()).unwrap();
        assert!(matches!(
            a.unprotect_rtp(&mut buf[..n]),
            Err(Error::AuthFailed { .. })
        ));
    }
    assert_eq!(
        DtlsSrtpKeys::from_keying_material(Profile::AeadAes128Gcm, &[0; 60], DtlsRole::Client)
            .err(),
        Some(KeyError::WrongLength {
            expected: 56,
            got: 60
        })
    );
}

#[test]
fn profiles_match_their_dtls_ids() {
    for p in Profile::ALL {
        assert_eq!(Profile::from_id(p.id()), Ok(p));
    }
    assert_eq!(Profile::Aes128CmHmacSha1_80.keying_material_len(), 60);
    assert_eq!(Profile::AeadAes128Gcm.keying_material_len(), 56);
    assert_eq!(Profile::AeadAes256Gcm.keying_material_len(), 88);
    assert!(Profile::from_id(0x0005).is_err());
}

/// The sizes the README states for this host (the thumbv7em figures are bounded by a
/// compile-time assertion in lib.rs and measured by `cargo build --target
/// thumbv7em-none-eabihf`).
#[test]
fn context_sizes_are_bounded() {
    use core::mem::size_of;
    let sizes = [
        ("SrtpContext<1>", size_of::<SrtpContext<1>>()),
        ("SrtpContext<4>", size_of::<SrtpContext<4>>()),
        ("SrtpContext<16>", size_of::<SrtpContext<16>>()),
        ("SrtpContext<4, 16>", size_of::<SrtpContext<4, 16>>()),
        ("SrtpSession<4>", size_of::<SrtpSession<4>>()),
    ];
    for (name, size) in sizes {
        println!("{name}: {size} bytes");
    }
    // Each extra SSRC costs its SRTP and SRTCP state: 2 × (SSRC + 128-bit window + index).
    let per_ssrc = (size_of::<SrtpContext<16>>() - size_of::<SrtpContext<4>>()) / 12;
    assert!(per_ssrc <= 80, "{per_ssrc} bytes per SSRC");
    assert!(size_of::<SrtpSession<4>>() <= 2 * 1280);
}

#[test]
fn session_keys_of_different_profiles_are_refused() {
    let cm = MasterKey::new(Profile::Aes128CmHmacSha1_80, &[1; 16], &[2; 14]).unwrap();
    let gcm = MasterKey::new(Profile::AeadAes128Gcm, &[1; 16], &[2; 12]).unwrap();
    let rtp = srtp_core::SessionKeys::derive_rtp(&cm);
    let rtcp = srtp_core::SessionKeys::derive_rtcp(&gcm);
    assert_eq!(
        SrtpContext::<1>::from_session_keys(&rtp, &rtcp, Config::default()).err(),
        Some(KeyError::ProfileMismatch)
    );
}
