//! HMAC-SHA1 (RFC 2104) with both keyed states cached, on the `sha1` crate's block function.
//!
//! MESSAGE-INTEGRITY is an HMAC-SHA1 over about a hundred bytes: three SHA-1 blocks (two
//! inner, one outer) once the key's pad blocks are absorbed. `hmac::Hmac<Sha1>` spent a quarter
//! of a verification outside those blocks (a 136-byte state clone, block-buffer copies, one
//! padding closure and one compression call per block, each re-reading a block it had just
//! written). Here the cached state is two 20-byte chaining values, whole blocks are compressed
//! straight from the message, and the padding is written once into a stack block. SHA-1 itself
//! is still the `sha1` crate's (SHA-NI on x86 hosts that have it). The tests check the result
//! against `hmac::Hmac<Sha1>` for every message length up to 300 bytes and keys around the
//! block size, and against RFC 2202.

use sha1::block_api::compress;
use sha1::{Digest, Sha1};
use subtle::ConstantTimeEq;

/// SHA-1 block size.
const BLOCK: usize = 64;
/// Blocks gathered on the stack for a short message: 119 bytes fit in two, 183 in three.
const SHORT_BLOCKS: usize = 3;
/// The longest message hashed through one stack buffer (the rest of the last block holds at
/// least the 0x80 byte and the 8-byte length).
const SHORT: usize = SHORT_BLOCKS * BLOCK - 9;
/// SHA-1 output size.
pub(crate) const MAC_LEN: usize = 20;
/// SHA-1 initial chaining value (FIPS 180-4 §5.3.1).
const H0: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// The SHA-1 states after absorbing `key ^ ipad` and `key ^ opad`.
#[derive(Clone)]
pub(crate) struct HmacSha1 {
    inner: [u32; 5],
    outer: [u32; 5],
}

impl HmacSha1 {
    /// Key the HMAC: keys longer than a block are hashed first (RFC 2104 §2).
    pub(crate) fn new(key: &[u8]) -> Self {
        let mut k = [0u8; BLOCK];
        if key.len() > BLOCK {
            copy_into(&mut k, 0, &Sha1::digest(key));
        } else {
            copy_into(&mut k, 0, key);
        }
        HmacSha1 {
            inner: pad_state(&k, 0x36),
            outer: pad_state(&k, 0x5c),
        }
    }

    /// HMAC of the concatenation of `parts`.
    pub(crate) fn mac(&self, parts: &[&[u8]]) -> [u8; MAC_LEN] {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if len > SHORT {
            return self.outer(self.inner_long(parts));
        }
        let mut blocks = [[0u8; BLOCK]; SHORT_BLOCKS];
        let flat = blocks.as_flattened_mut();
        let mut fill = 0;
        for part in parts {
            fill = copy_into(flat, fill, part);
        }
        self.outer(self.inner_short(&mut blocks, len))
    }

    /// HMAC of `msg` with its bytes 2..4 (a STUN header's length field) replaced by
    /// `length`: the MESSAGE-INTEGRITY input, hashed without splitting `msg` into parts. (A
    /// `msg` shorter than 4 bytes, never a STUN message, is hashed as it is.)
    pub(crate) fn mac_with_length(&self, msg: &[u8], length: [u8; 2]) -> [u8; MAC_LEN] {
        let (Some(head), Some(rest)) = (msg.get(..2), msg.get(4..)) else {
            return self.mac(&[msg]);
        };
        if msg.len() > SHORT {
            return self.outer(self.inner_long(&[head, &length, rest]));
        }
        let mut blocks = [[0u8; BLOCK]; SHORT_BLOCKS];
        let flat = blocks.as_flattened_mut();
        match msg.split_first_chunk::<16>() {
            // The first 16 bytes, length patched, as one store the compression's first load
            // can forward from.
            Some((&first, tail)) => {
                let mut lane = first;
                copy_into(&mut lane, 2, &length);
                copy_into(flat, 0, &lane);
                copy_into(flat, 16, tail);
            }
            None => {
                copy_into(flat, 0, msg);
                copy_into(flat, 2, &length);
            }
        }
        self.outer(self.inner_short(&mut blocks, msg.len()))
    }

    /// The outer hash over the inner digest: always one block.
    fn outer(&self, inner: [u32; 5]) -> [u8; MAC_LEN] {
        let mut block = [0u8; BLOCK];
        copy_into(&mut block, 0, &digest(&inner));
        copy_into(&mut block, MAC_LEN, &[0x80]);
        copy_into(
            &mut block,
            BLOCK - 8,
            &(((BLOCK + MAC_LEN) * 8) as u64).to_be_bytes(),
        );
        let mut outer = self.outer;
        compress(&mut outer, core::slice::from_ref(&block));
        digest(&outer)
    }

    /// Inner hash of a short message (every STUN message an ICE agent sends) already copied
    /// into zeroed `blocks`: padded in place and compressed in one call.
    fn inner_short(&self, blocks: &mut [[u8; BLOCK]; SHORT_BLOCKS], len: usize) -> [u32; 5] {
        let mut state = self.inner;
        let n = pad(blocks.as_flattened_mut(), len, BLOCK + len);
        compress(&mut state, blocks.get(..n).unwrap_or(&[]));
        state
    }

    /// Inner hash of any message: whole blocks compressed straight from the parts.
    fn inner_long(&self, parts: &[&[u8]]) -> [u32; 5] {
        let mut state = self.inner;
        // The pending partial block, plus room for the padding to spill into a second block.
        let mut tail = [[0u8; BLOCK]; 2];
        let mut fill = 0;
        let mut total = BLOCK; // the ipad block
        for part in parts {
            total += part.len();
            let mut rest: &[u8] = part;
            if fill > 0 {
                let (now, later) = rest.split_at(rest.len().min(BLOCK - fill));
                fill = copy_into(&mut tail[0], fill, now);
                rest = later;
                if fill < BLOCK {
                    continue;
                }
                compress(&mut state, &tail[..1]);
            }
            let blocks = rest.chunks_exact(BLOCK);
            let remainder = blocks.remainder();
            for block in blocks {
                if let Ok(block) = <&[u8; BLOCK]>::try_from(block) {
                    compress(&mut state, core::slice::from_ref(block));
                }
            }
            fill = copy_into(&mut tail[0], 0, remainder);
        }
        let flat = tail.as_flattened_mut();
        if let Some(stale) = flat.get_mut(fill..) {
            stale.fill(0);
        }
        let n = pad(flat, fill, total);
        compress(&mut state, tail.get(..n).unwrap_or(&[]));
        state
    }
}

/// Write SHA-1 padding after `fill` message bytes in `buf`, whose bytes after them are zero:
/// 0x80, then the bit length of all `total` hashed bytes in the last 8 bytes of a block.
/// Returns the number of blocks the padded message spans.
fn pad(buf: &mut [u8], fill: usize, total: usize) -> usize {
    let blocks = (fill + 8) / BLOCK + 1;
    let end = blocks * BLOCK;
    copy_into(buf, fill, &[0x80]);
    copy_into(buf, end - 8, &(total as u64 * 8).to_be_bytes());
    blocks
}

/// Whether `mac` equals `expected`, in constant time: the bytes' differences are OR-ed
/// together without branching and only the total is compared, through `subtle` (one
/// optimisation barrier instead of one per byte).
pub(crate) fn mac_eq(mac: &[u8; MAC_LEN], expected: &[u8]) -> bool {
    let diff = mac
        .iter()
        .zip(expected)
        .fold(0u8, |acc, (a, b)| acc | (a ^ b));
    expected.len() == MAC_LEN && bool::from(diff.ct_eq(&0))
}

/// The state after compressing `key ^ pad`.
fn pad_state(key: &[u8; BLOCK], pad: u8) -> [u32; 5] {
    let mut block = [0u8; BLOCK];
    for (b, k) in block.iter_mut().zip(key) {
        *b = k ^ pad;
    }
    let mut state = H0;
    compress(&mut state, core::slice::from_ref(&block));
    state
}

/// A chaining value as the big-endian digest bytes.
fn digest(state: &[u32; 5]) -> [u8; MAC_LEN] {
    let mut out = [0u8; MAC_LEN];
    for (o, w) in out.chunks_exact_mut(4).zip(state) {
        o.copy_from_slice(&w.to_be_bytes());
    }
    out
}

/// Copy `src` into `dst` at `at` (callers keep it in bounds); returns the end offset.
fn copy_into(dst: &mut [u8], at: usize, src: &[u8]) -> usize {
    let end = at + src.len();
    if let Some(d) = dst.get_mut(at..end) {
        d.copy_from_slice(src);
    }
    end
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use hmac::{Hmac, KeyInit, Mac};

    fn reference(key: &[u8], msg: &[u8]) -> [u8; MAC_LEN] {
        let mut m = <Hmac<Sha1> as KeyInit>::new_from_slice(key).unwrap();
        m.update(msg);
        m.finalize().into_bytes().into()
    }

    #[test]
    fn matches_the_hmac_crate_for_every_length_and_split() {
        let data: [u8; 300] = core::array::from_fn(|i| (i * 7 + 3) as u8);
        for key_len in [0, 1, 20, 22, 63, 64, 65, 100] {
            let key = &data[..key_len];
            let h = HmacSha1::new(key);
            for len in 0..=data.len() {
                let msg = &data[..len];
                let want = reference(key, msg);
                assert_eq!(h.mac(&[msg]), want, "key {key_len}, len {len}");
                // STUN's split: type, rewritten length, the rest; and uneven splits.
                for cut in [0, 2, 4, 5, 63, 64, 65, 127, 128] {
                    let (a, b) = msg.split_at(cut.min(len));
                    let (b1, b2) = b.split_at(b.len() / 3);
                    assert_eq!(
                        h.mac(&[a, b1, b2]),
                        want,
                        "key {key_len}, len {len}, cut {cut}"
                    );
                }
            }
        }
    }

    #[test]
    fn mac_eq_accepts_only_the_exact_mac() {
        let h = HmacSha1::new(b"key");
        let mac = h.mac(&[b"message"]);
        assert!(mac_eq(&h.mac(&[b"mess", b"age"]), &mac));
        for i in 0..MAC_LEN {
            let mut bad = mac;
            bad[i] ^= 0x80;
            assert!(!mac_eq(&mac, &bad), "byte {i}");
        }
        assert!(!mac_eq(&mac, &mac[..MAC_LEN - 1]));
        assert!(!mac_eq(&mac, &[]));
    }

    #[test]
    fn mac_with_length_patches_the_length_field() {
        let data: [u8; 300] = core::array::from_fn(|i| (i * 5 + 1) as u8);
        let h = HmacSha1::new(b"VOkJxbRl1RmTxUk/WvJxBt");
        for len in 4..=data.len() {
            let mut patched = data;
            patched[2..4].copy_from_slice(&[0xAB, 0xCD]);
            let want = reference(b"VOkJxbRl1RmTxUk/WvJxBt", &patched[..len]);
            assert_eq!(
                h.mac_with_length(&data[..len], [0xAB, 0xCD]),
                want,
                "len {len}"
            );
        }
    }

    #[test]
    fn rfc2202_sha1_vectors() {
        // RFC 2202 §3, test cases 1, 2 and 6.
        let cases: [(&[u8], &[u8], &str); 3] = [
            (
                &[0x0b; 20],
                b"Hi There",
                "b617318655057264e28bc0b6fb378c8ef146be00",
            ),
            (
                b"Jefe",
                b"what do ya want for nothing?",
                "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
            ),
            (
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "aa4ae5e15272d00e95705637ce8a3b55ed402112",
            ),
        ];
        for (key, msg, want) in cases {
            let want: [u8; MAC_LEN] =
                core::array::from_fn(|i| u8::from_str_radix(&want[2 * i..2 * i + 2], 16).unwrap());
            assert_eq!(HmacSha1::new(key).mac(&[msg]), want);
        }
    }
}
