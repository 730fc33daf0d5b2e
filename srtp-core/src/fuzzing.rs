//! Fuzz body shared by the cargo-fuzz target `srtp_unprotect` and the property tests, so
//! normal CI runs it too. Under `cfg(fuzzing)` tags are not checked (see the cipher
//! module), so arbitrary bytes reach decryption, the ROC estimate and the replay window.

use crate::{Config, Error, MasterKey, Profile, SrtpContext, StreamStart};

/// The fixed master key and salt the fuzz target uses (the first 30 or 44 bytes).
pub const FUZZ_KEY: [u8; 46] = [
    0xE1, 0xF9, 0x7A, 0x0D, 0x3E, 0x01, 0x8B, 0xE0, 0xD6, 0x4F, 0xA3, 0x2C, 0x06, 0xDE, 0x41, 0x39,
    0x0E, 0xC6, 0x75, 0xAD, 0x49, 0x8A, 0xFE, 0xEB, 0xB6, 0x96, 0x0B, 0x3A, 0xAB, 0xE6, 0x11, 0x22,
    0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00,
];

/// The fuzz key as a master key for `profile`.
pub fn fuzz_master(profile: Profile) -> MasterKey {
    let len = profile.key_len() + profile.salt_len();
    // FUZZ_KEY is long enough for every profile, so this cannot fail.
    MasterKey::from_concatenated(profile, FUZZ_KEY.get(..len).unwrap_or_default())
        .unwrap_or_else(|_| fuzz_master(Profile::Aes128CmHmacSha1_80))
}

/// Input: byte 0 picks the profile (bits 0–1), the replay window (bits 2–4) and whether to
/// pre-register SSRC 0 with a ROC (bit 5, ROC from byte 1); then records `len: u8, flags:
/// u8, bytes[len]`, each unprotected as SRTP (flags bit 0 clear) or SRTCP (set). Returns
/// how many packets were accepted.
pub fn srtp_unprotect(data: &[u8]) -> usize {
    let [mode, roc, records @ ..] = data else {
        return 0;
    };
    let mut rest = records;
    let profile = Profile::ALL
        .get(usize::from(mode & 3))
        .copied()
        .unwrap_or(Profile::AeadAes128Gcm);
    let config = Config {
        replay_window: 1 + usize::from((mode >> 2) & 7) * 18,
        accept_unknown_ssrc: true,
        ..Config::DEFAULT
    };
    let Ok(mut ctx) = SrtpContext::<4, 2>::new(&fuzz_master(profile), config) else {
        return 0;
    };
    if mode & 0x20 != 0 {
        let _ = ctx.add_ssrc(
            0,
            StreamStart {
                roc: u32::from(*roc) << 8,
                srtcp_index: 0,
            },
        );
    }
    let mut buf = [0u8; 300];
    let mut accepted = 0;
    while let &[len, flags, ref tail @ ..] = rest {
        let len = usize::from(len).min(tail.len());
        let (packet, next) = tail.split_at(len);
        rest = next;
        let Some(b) = buf.get_mut(..len) else { break };
        b.copy_from_slice(packet);
        accepted += usize::from(one_packet(&mut ctx, b, flags & 1 != 0));
    }
    accepted
}

fn one_packet(ctx: &mut SrtpContext<4, 2>, b: &mut [u8], rtcp: bool) -> bool {
    let len = b.len();
    let ssrc = match rtcp {
        false => b.get(8..12),
        true => b.get(4..8),
    }
    .and_then(|s| s.try_into().ok())
    .map(u32::from_be_bytes);
    let before = ssrc.and_then(|s| ctx.roc(s));
    let result = if rtcp {
        ctx.unprotect_rtcp(b)
    } else {
        ctx.unprotect_rtp(b)
    };
    match result {
        Ok(n) => {
            let overhead = match rtcp {
                false => ctx.profile().rtp_tag_len(),
                true => ctx.profile().rtcp_overhead(),
            };
            assert_eq!(n + overhead, len, "plaintext length");
            true
        }
        Err(e) => {
            assert!(
                !matches!(e, Error::BufferTooSmall { .. }),
                "unprotect never asks for room"
            );
            let after = ssrc.and_then(|s| ctx.roc(s));
            assert_eq!(before, after, "a refused packet changed the ROC");
            false
        }
    }
}
