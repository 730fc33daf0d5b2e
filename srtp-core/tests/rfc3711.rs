//! RFC 3711 Appendix B test vectors, byte for byte, plus libsrtp's `srtp_validate`
//! known-answer packets for the AES-CM profiles.
//!
//! The Appendix B values are the RFC's (the same numbers are quoted by libsrtp, pion/srtp
//! and webrtc-rs, which agree with each other); none was produced by this crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use srtp_core::kdf::{derive, Label};
use srtp_core::{
    aes_cm_apply_keystream, Config, Error, MasterKey, Profile, SessionKeys, SrtpContext,
    StreamStart,
};
use support::hex;

/// B.2: AES-CM keystream for session key 2B7E…, session salt F0F1…FD, SSRC 0, index 0:
/// the counter runs from F0F1…FD0000, and the keystream of a zero payload is the cipher
/// output itself.
#[test]
fn rfc3711_b2_aes_cm_keystream() {
    let key: [u8; 16] = hex("2B7E151628AED2A6ABF7158809CF4F3C").try_into().unwrap();
    let salt: [u8; 14] = hex("F0F1F2F3F4F5F6F7F8F9FAFBFCFD").try_into().unwrap();
    // Blocks 0x0000 ..= 0xFF01 of the keystream segment.
    let mut stream = vec![0u8; 0xFF02 * 16];
    aes_cm_apply_keystream(&key, &salt, 0, 0, &mut stream);
    let block = |i: usize| &stream[i * 16..(i + 1) * 16];
    assert_eq!(block(0x0000), hex("E03EAD0935C95E80E166B16DD92B4EB4"));
    assert_eq!(block(0x0001), hex("D23513162B02D0F72A43A2FE4A5F97AB"));
    assert_eq!(block(0x0002), hex("41E95B3BB0A2E8DD477901E4FCA894C0"));
    assert_eq!(block(0xFEFF), hex("EC8CDF7398607CB0F2D21675EA9EA1E4"));
    assert_eq!(block(0xFF00), hex("362B7C3C6773516318A077D7FC5073AE"));
    assert_eq!(block(0xFF01), hex("6A2CC3787889374FBEB4C81B17BA6C44"));
}

const B3_MASTER_KEY: &str = "E1F97A0D3E018BE0D64FA32C06DE4139";
const B3_MASTER_SALT: &str = "0EC675AD498AFEEBB6960B3AABE6";

/// B.3: the session encryption key, salt and (94 bytes of) authentication key derived from
/// one master key with key derivation rate 0.
#[test]
fn rfc3711_b3_key_derivation() {
    let (mk, ms) = (hex(B3_MASTER_KEY), hex(B3_MASTER_SALT));
    let mut cipher_key = [0u8; 16];
    derive(&mk, &ms, Label::RtpEncryption, &mut cipher_key).unwrap();
    assert_eq!(cipher_key.to_vec(), hex("C61E7A93744F39EE10734AFE3FF7A087"));

    let mut cipher_salt = [0u8; 14];
    derive(&mk, &ms, Label::RtpSalt, &mut cipher_salt).unwrap();
    assert_eq!(cipher_salt.to_vec(), hex("30CBBC08863D8C85D49DB34A9AE1"));

    let mut auth_key = [0u8; 94];
    derive(&mk, &ms, Label::RtpAuthentication, &mut auth_key).unwrap();
    assert_eq!(
        auth_key.to_vec(),
        hex(
            "CEBE321F6FF7716B6FD4AB49AF256A15 6D38BAA48F0A0ACF3C34E2359E6CDBCE \
             E049646C43D9327AD175578EF7227098 6371C10C9A369AC2F94A8C5FBCDDDC25 \
             6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2"
        )
    );
}

/// B.3 through the public key types: what a context actually keys itself with.
#[test]
fn rfc3711_b3_session_keys_of_a_master_key() {
    let master = MasterKey::new(
        Profile::Aes128CmHmacSha1_80,
        &hex(B3_MASTER_KEY),
        &hex(B3_MASTER_SALT),
    )
    .unwrap();
    let keys = SessionKeys::derive_rtp(&master);
    assert_eq!(keys.enc_key(), hex("C61E7A93744F39EE10734AFE3FF7A087"));
    assert_eq!(keys.salt(), hex("30CBBC08863D8C85D49DB34A9AE1"));
    assert_eq!(
        keys.auth_key(),
        hex("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4")
    );
}

/// libsrtp's `srtp_validate` (test/srtp_driver.c): the default policy
/// (AES_CM_128_HMAC_SHA1_80) with the B.3 master key, SSRC 0xCAFEBABE, SEQ 0x1234.
const LIBSRTP_RTP: &str = "800f1234decafbadcafebabeabababababababababababababababab";
const LIBSRTP_SRTP_80: &str =
    "800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb";
const LIBSRTP_RTCP: &str = "81c8000bcafebabeabababababababababababababababab";
/// libsrtp numbers its first SRTCP packet 1.
const LIBSRTP_SRTCP_80: &str =
    "81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798";

fn libsrtp_context(profile: Profile) -> SrtpContext<2> {
    let master = MasterKey::new(profile, &hex(B3_MASTER_KEY), &hex(B3_MASTER_SALT)).unwrap();
    SrtpContext::new(&master, Config::default()).unwrap()
}

#[test]
fn libsrtp_validate_rtp_cm_hmac_sha1_80() {
    let plain = hex(LIBSRTP_RTP);
    let mut buf = [0u8; 64];
    buf[..plain.len()].copy_from_slice(&plain);
    let n = libsrtp_context(Profile::Aes128CmHmacSha1_80)
        .protect_rtp(&mut buf, plain.len())
        .unwrap();
    assert_eq!(buf[..n].to_vec(), hex(LIBSRTP_SRTP_80));

    let mut wire = hex(LIBSRTP_SRTP_80);
    let mut rx = libsrtp_context(Profile::Aes128CmHmacSha1_80);
    let n = rx.unprotect_rtp(&mut wire).unwrap();
    assert_eq!(wire[..n].to_vec(), plain);
}

/// The 32-bit tag is the first four bytes of the 80-bit one (same key, same HMAC).
#[test]
fn libsrtp_validate_rtp_cm_hmac_sha1_32() {
    let plain = hex(LIBSRTP_RTP);
    let want = &hex(LIBSRTP_SRTP_80)[..plain.len() + 4];
    let mut buf = [0u8; 64];
    buf[..plain.len()].copy_from_slice(&plain);
    let n = libsrtp_context(Profile::Aes128CmHmacSha1_32)
        .protect_rtp(&mut buf, plain.len())
        .unwrap();
    assert_eq!(&buf[..n], want);
    let mut wire = want.to_vec();
    let n = libsrtp_context(Profile::Aes128CmHmacSha1_32)
        .unprotect_rtp(&mut wire)
        .unwrap();
    assert_eq!(wire[..n].to_vec(), plain);
}

#[test]
fn libsrtp_validate_srtcp_cm_hmac_sha1_80() {
    let plain = hex(LIBSRTP_RTCP);
    let mut tx = libsrtp_context(Profile::Aes128CmHmacSha1_80);
    tx.add_ssrc(
        0xCAFE_BABE,
        StreamStart {
            roc: 0,
            srtcp_index: 1,
        },
    )
    .unwrap();
    let mut buf = [0u8; 64];
    buf[..plain.len()].copy_from_slice(&plain);
    let n = tx.protect_rtcp(&mut buf, plain.len()).unwrap();
    assert_eq!(buf[..n].to_vec(), hex(LIBSRTP_SRTCP_80));

    let mut rx = libsrtp_context(Profile::Aes128CmHmacSha1_80);
    let mut wire = hex(LIBSRTP_SRTCP_80);
    let n = rx.unprotect_rtcp(&mut wire).unwrap();
    assert_eq!(wire[..n].to_vec(), plain);
    assert_eq!(rx.srtcp_index(0xCAFE_BABE), Some(1));
    // The same packet again is a replay.
    let mut wire = hex(LIBSRTP_SRTCP_80);
    assert_eq!(
        rx.unprotect_rtcp(&mut wire),
        Err(Error::Replayed {
            ssrc: 0xCAFE_BABE,
            index: 1
        })
    );
}
