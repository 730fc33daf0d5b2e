//! RFC 7714 test vectors (§16 SRTP, §17 SRTCP; AEAD_AES_128_GCM and AEAD_AES_256_GCM),
//! encrypt and decrypt, byte for byte; and libsrtp's `srtp_validate_gcm` known-answer
//! packets, which go through the key derivation with a 12-byte master salt.
//!
//! The RFC vectors use the session key and salt directly (no KDF). The values are the
//! RFC's, as quoted identically by pion/srtp and libsrtp-derived suites; none was produced
//! by this crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use srtp_core::{Config, Error, MasterKey, Profile, SessionKeys, SrtpContext, StreamStart};
use support::hex;

const KEY_128: &str = "000102030405060708090a0b0c0d0e0f";
const KEY_256: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
/// "Quid pro quo".
const SALT: &str = "517569642070726f2071756f";

/// SSRC 0x5501a0b2, SEQ 0xf17b, ROC 0; payload "Gallia est omnis divisa in partes tres".
const RTP: &str = "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976
                   69736120 696e2070 61727465 73207472 6573";
/// A sender report of SSRC "Mars"; SRTCP index 0x5d4.
const RTCP: &str = "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a 0000e930 4c756e61
                    deadbeef deadbeef deadbeef deadbeef deadbeef";
const RTCP_SSRC: u32 = 0x4d61_7273;
const RTCP_INDEX: u32 = 0x5d4;

const SRTP_128: &str = "8040f17b 8041f8d3 5501a0b2 f24de3a3 fb34de6c acba861c 9d7e4bca
                        be633bd5 0d294e6f 42a5f47a 51c7d19b 36de3adf 8833899d 7f27beb1
                        6a9152cf 765ee439 0cce";
const SRTP_256: &str = "8040f17b 8041f8d3 5501a0b2 32b1de78 a822fe12 ef9f78fa 332e33aa
                        b1801238 9a58e2f3 b50b2a02 76ffae0f 1ba63799 b87b7aa3 db36dfff
                        d6b0f9bb 7878d7a7 6c13";
const SRTCP_128: &str = "81c8000d 4d617273 63e94885 dcdab67c a727d766 2f6b7e99 7ff5c0f7
                         6c06f32d c676a5f1 730d6fda 4ce09b46 86303ded 0bb9275b c84aa458
                         96cf4d2f c5abf872 45d9eade 800005d4";
const SRTCP_256: &str = "81c8000d 4d617273 d50ae4d1 f5ce5d30 4ba297e4 7d470c28 2c3ece5d
                         bffe0a50 a2eaa5c1 110555be 8415f658 c61de047 6f1b6fad 1d1eb30c
                         4446839f 57ff6f6c b26ac3be 800005d4";
/// E = 0: the packet in the clear, then the tag, then the index word.
const SRTCP_128_AUTH_ONLY: &str = "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a
                                   0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef
                                   deadbeef 841dd968 3dd78ec9 2ae58790 125f62b3 000005d4";
const SRTCP_256_AUTH_ONLY: &str = "81c8000d 4d617273 4e545031 4e545032 52545020 0000042a
                                   0000e930 4c756e61 deadbeef deadbeef deadbeef deadbeef
                                   deadbeef 91db4afb feee5a97 8fab4393 ed2615fe 000005d4";

fn context(profile: Profile, config: Config) -> SrtpContext<2> {
    let key = hex(if profile == Profile::AeadAes256Gcm {
        KEY_256
    } else {
        KEY_128
    });
    let keys = SessionKeys::new(profile, &key, &[], &hex(SALT)).unwrap();
    SrtpContext::from_session_keys(&keys, &keys, config).unwrap()
}

fn protect_rtp(profile: Profile) -> Vec<u8> {
    let plain = hex(RTP);
    let mut buf = vec![0u8; plain.len() + 16];
    buf[..plain.len()].copy_from_slice(&plain);
    let n = context(profile, Config::default())
        .protect_rtp(&mut buf, plain.len())
        .unwrap();
    buf.truncate(n);
    buf
}

fn unprotect_rtp(profile: Profile, wire: &str) -> Vec<u8> {
    let mut buf = hex(wire);
    let n = context(profile, Config::default())
        .unprotect_rtp(&mut buf)
        .unwrap();
    buf.truncate(n);
    buf
}

fn protect_rtcp(profile: Profile, encrypt: bool) -> Vec<u8> {
    let config = Config {
        encrypt_rtcp: encrypt,
        ..Config::default()
    };
    let mut ctx = context(profile, config);
    let start = StreamStart {
        roc: 0,
        srtcp_index: RTCP_INDEX,
    };
    ctx.add_ssrc(RTCP_SSRC, start).unwrap();
    let plain = hex(RTCP);
    let mut buf = vec![0u8; plain.len() + 20];
    buf[..plain.len()].copy_from_slice(&plain);
    let n = ctx.protect_rtcp(&mut buf, plain.len()).unwrap();
    buf.truncate(n);
    buf
}

fn unprotect_rtcp(profile: Profile, wire: &str) -> Vec<u8> {
    let mut ctx = context(profile, Config::default());
    let mut buf = hex(wire);
    let n = ctx.unprotect_rtcp(&mut buf).unwrap();
    assert_eq!(ctx.srtcp_index(RTCP_SSRC), Some(RTCP_INDEX));
    buf.truncate(n);
    buf
}

#[test]
fn rfc7714_16_1_aes_128_gcm_srtp_encrypt() {
    assert_eq!(protect_rtp(Profile::AeadAes128Gcm), hex(SRTP_128));
}

#[test]
fn rfc7714_16_1_aes_128_gcm_srtp_decrypt() {
    assert_eq!(unprotect_rtp(Profile::AeadAes128Gcm, SRTP_128), hex(RTP));
}

#[test]
fn rfc7714_16_2_aes_256_gcm_srtp_encrypt() {
    assert_eq!(protect_rtp(Profile::AeadAes256Gcm), hex(SRTP_256));
}

#[test]
fn rfc7714_16_2_aes_256_gcm_srtp_decrypt() {
    assert_eq!(unprotect_rtp(Profile::AeadAes256Gcm, SRTP_256), hex(RTP));
}

#[test]
fn rfc7714_17_1_aes_128_gcm_srtcp_encrypt() {
    assert_eq!(protect_rtcp(Profile::AeadAes128Gcm, true), hex(SRTCP_128));
}

#[test]
fn rfc7714_17_1_aes_128_gcm_srtcp_decrypt() {
    assert_eq!(unprotect_rtcp(Profile::AeadAes128Gcm, SRTCP_128), hex(RTCP));
}

#[test]
fn rfc7714_17_2_aes_256_gcm_srtcp_encrypt() {
    assert_eq!(protect_rtcp(Profile::AeadAes256Gcm, true), hex(SRTCP_256));
}

#[test]
fn rfc7714_17_2_aes_256_gcm_srtcp_decrypt() {
    assert_eq!(unprotect_rtcp(Profile::AeadAes256Gcm, SRTCP_256), hex(RTCP));
}

#[test]
fn rfc7714_17_3_aes_128_gcm_srtcp_authentication_only() {
    assert_eq!(
        protect_rtcp(Profile::AeadAes128Gcm, false),
        hex(SRTCP_128_AUTH_ONLY)
    );
    assert_eq!(
        unprotect_rtcp(Profile::AeadAes128Gcm, SRTCP_128_AUTH_ONLY),
        hex(RTCP)
    );
}

#[test]
fn rfc7714_17_4_aes_256_gcm_srtcp_authentication_only() {
    assert_eq!(
        protect_rtcp(Profile::AeadAes256Gcm, false),
        hex(SRTCP_256_AUTH_ONLY)
    );
    assert_eq!(
        unprotect_rtcp(Profile::AeadAes256Gcm, SRTCP_256_AUTH_ONLY),
        hex(RTCP)
    );
}

/// A flipped bit anywhere (header, payload, tag, index word) fails authentication and
/// leaves the buffer as it was — also for E = 0, where checking moves bytes around.
#[test]
fn rfc7714_tampered_vectors_are_refused_untouched() {
    for (profile, wire, rtcp) in [
        (Profile::AeadAes128Gcm, SRTP_128, false),
        (Profile::AeadAes256Gcm, SRTP_256, false),
        (Profile::AeadAes128Gcm, SRTCP_128, true),
        (Profile::AeadAes128Gcm, SRTCP_128_AUTH_ONLY, true),
        (Profile::AeadAes256Gcm, SRTCP_256_AUTH_ONLY, true),
    ] {
        let good = hex(wire);
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x10;
            let before = bad.clone();
            let mut ctx = context(profile, Config::default());
            let result = if rtcp {
                ctx.unprotect_rtcp(&mut bad)
            } else {
                ctx.unprotect_rtp(&mut bad)
            };
            assert!(result.is_err(), "{profile:?} byte {i} flipped was accepted");
            if matches!(result, Err(Error::AuthFailed { .. })) {
                assert_eq!(bad, before, "{profile:?} byte {i}: buffer changed");
            }
        }
    }
}

/// libsrtp `srtp_validate_gcm` (test/srtp_driver.c): master key 00…0f, 12-byte master salt
/// a0…ab, SSRC 0xCAFEBABE — exercises the KDF with a GCM salt (RFC 7714 erratum 4938).
const GCM_MASTER: &str = "000102030405060708090a0b0c0d0e0f a0a1a2a3a4a5a6a7a8a9aaab";
const LIBSRTP_RTP: &str = "800f1234decafbadcafebabeabababababababababababababababab";
const LIBSRTP_SRTP_GCM: &str = "800f1234decafbadcafebabe c5002ede04cfdd2eb91159e0880aa06e
                                d2976826f796b201df3131a127e8a392";
const LIBSRTP_RTCP: &str = "81c8000bcafebabeabababababababababababababababab";
const LIBSRTP_SRTCP_GCM: &str = "81c8000bcafebabe c98b8b5df0392a55852b6c21ac8e7025
                                 c52c6fbea2b3b446ea31123ba88ce61e 80000001";

#[test]
fn libsrtp_validate_gcm_derived_keys() {
    let master = MasterKey::from_concatenated(Profile::AeadAes128Gcm, &hex(GCM_MASTER)).unwrap();
    let mut tx = SrtpContext::<2>::new(&master, Config::default()).unwrap();
    tx.add_ssrc(
        0xCAFE_BABE,
        StreamStart {
            roc: 0,
            srtcp_index: 1,
        },
    )
    .unwrap();

    let plain = hex(LIBSRTP_RTP);
    let mut buf = [0u8; 64];
    buf[..plain.len()].copy_from_slice(&plain);
    let n = tx.protect_rtp(&mut buf, plain.len()).unwrap();
    assert_eq!(buf[..n].to_vec(), hex(LIBSRTP_SRTP_GCM));

    let plain = hex(LIBSRTP_RTCP);
    buf[..plain.len()].copy_from_slice(&plain);
    let n = tx.protect_rtcp(&mut buf, plain.len()).unwrap();
    assert_eq!(buf[..n].to_vec(), hex(LIBSRTP_SRTCP_GCM));

    let mut rx = SrtpContext::<2>::new(&master, Config::default()).unwrap();
    let mut wire = hex(LIBSRTP_SRTP_GCM);
    let n = rx.unprotect_rtp(&mut wire).unwrap();
    assert_eq!(wire[..n].to_vec(), hex(LIBSRTP_RTP));
    let mut wire = hex(LIBSRTP_SRTCP_GCM);
    let n = rx.unprotect_rtcp(&mut wire).unwrap();
    assert_eq!(wire[..n].to_vec(), hex(LIBSRTP_RTCP));
}
