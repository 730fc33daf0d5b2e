//! AES-128 counter mode + HMAC-SHA1 (RFC 3711 §4.1.1, §4.2.1; SRTCP §3.4).

use super::{be32, put, BadTag};
use crate::keys::SessionKeys;
use aes::cipher::{InnerIvInit, KeyInit, StreamCipher};
use aes::Aes128Enc;
use ctr::{Ctr128BE, CtrCore};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// Keyed AES-CM + HMAC-SHA1 state for SRTP or SRTCP of one direction.
pub(crate) struct CmHmac {
    aes: Aes128Enc,
    mac: Hmac<Sha1>,
    salt: [u8; 14],
    tag_len: usize,
}

impl CmHmac {
    pub(crate) fn new(keys: &SessionKeys, tag_len: usize) -> CmHmac {
        let mut salt = [0u8; 14];
        put(&mut salt, 0, keys.salt());
        // Lengths were checked when `keys` was built (16-byte key, 20-byte auth key), so
        // neither `new_from_slice` can fail; the fallbacks are unreachable.
        let aes = Aes128Enc::new_from_slice(keys.enc_key())
            .unwrap_or_else(|_| Aes128Enc::new(&Default::default()));
        let mac = <Hmac<Sha1> as KeyInit>::new_from_slice(keys.auth_key())
            .unwrap_or_else(|_| <Hmac<Sha1> as KeyInit>::new(&Default::default()));
        CmHmac {
            aes,
            mac,
            salt,
            tag_len: tag_len.min(20),
        }
    }

    pub(crate) fn tag_len(&self) -> usize {
        self.tag_len
    }

    /// XOR the keystream for (`ssrc`, `index`) onto `data`.
    fn crypt(&self, ssrc: u32, index: u64, data: &mut [u8]) {
        let iv = iv(&self.salt, ssrc, index);
        let mut ctr = Ctr128BE::from_core(CtrCore::inner_iv_init(&self.aes, &iv.into()));
        ctr.apply_keystream(data);
    }

    /// HMAC-SHA1 over `parts`, truncated to the tag length.
    fn tag(&self, parts: &[&[u8]]) -> [u8; 20] {
        let mut mac = self.mac.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }

    fn tag_matches(&self, expected: &[u8; 20], got: &[u8]) -> bool {
        let expected = expected.get(..self.tag_len).unwrap_or_default();
        cfg!(fuzzing) || bool::from(expected.ct_eq(got))
    }

    pub(crate) fn seal_rtp(
        &self,
        pkt: &mut [u8],
        header_len: usize,
        len: usize,
        index: u64,
    ) -> usize {
        let ssrc = be32(pkt, 8);
        if let Some(payload) = pkt.get_mut(header_len..len) {
            self.crypt(ssrc, index, payload);
        }
        let roc = ((index >> 16) as u32).to_be_bytes();
        let tag = self.tag(&[pkt.get(..len).unwrap_or_default(), &roc]);
        put(pkt, len, tag.get(..self.tag_len).unwrap_or_default());
        len + self.tag_len
    }

    pub(crate) fn open_rtp(
        &self,
        pkt: &mut [u8],
        header_len: usize,
        index: u64,
    ) -> Result<usize, BadTag> {
        let end = pkt.len() - self.tag_len;
        let (authed, tag) = pkt.split_at_mut(end);
        let roc = ((index >> 16) as u32).to_be_bytes();
        if !self.tag_matches(&self.tag(&[authed, &roc]), tag) {
            return Err(BadTag);
        }
        let ssrc = be32(authed, 8);
        if let Some(payload) = authed.get_mut(header_len..) {
            self.crypt(ssrc, index, payload);
        }
        Ok(end)
    }

    pub(crate) fn seal_rtcp(&self, pkt: &mut [u8], len: usize, index: u32, encrypt: bool) -> usize {
        let ssrc = be32(pkt, 4);
        if encrypt {
            if let Some(payload) = pkt.get_mut(8..len) {
                self.crypt(ssrc, u64::from(index), payload);
            }
        }
        let word = index | if encrypt { 0x8000_0000 } else { 0 };
        put(pkt, len, &word.to_be_bytes());
        let tag = self.tag(&[pkt.get(..len + 4).unwrap_or_default()]);
        put(pkt, len + 4, tag.get(..self.tag_len).unwrap_or_default());
        len + 4 + self.tag_len
    }

    pub(crate) fn open_rtcp(&self, pkt: &mut [u8], word: u32) -> Result<usize, BadTag> {
        let end = pkt.len() - self.tag_len;
        let (authed, tag) = pkt.split_at_mut(end);
        if !self.tag_matches(&self.tag(&[authed]), tag) {
            return Err(BadTag);
        }
        let plain_len = end - 4;
        if word & 0x8000_0000 != 0 {
            let ssrc = be32(authed, 4);
            if let Some(payload) = authed.get_mut(8..plain_len) {
                self.crypt(ssrc, u64::from(word & 0x7FFF_FFFF), payload);
            }
        }
        Ok(plain_len)
    }
}

impl Drop for CmHmac {
    fn drop(&mut self) {
        // The AES round keys wipe themselves (the `aes/zeroize` feature); the HMAC state is
        // wiped by `hmac/zeroize`.
        self.salt.zeroize();
    }
}

/// The AES-CM IV (RFC 3711 §4.1.1): `k_s × 2^16 XOR SSRC × 2^64 XOR index × 2^16`.
fn iv(salt: &[u8; 14], ssrc: u32, index: u64) -> [u8; 16] {
    let mut iv = [0u8; 16];
    put(&mut iv, 0, salt);
    let ssrc = ssrc.to_be_bytes();
    let index = index.to_be_bytes();
    for (d, s) in iv
        .iter_mut()
        .skip(4)
        .zip(ssrc.iter().chain(index.iter().skip(2)))
    {
        *d ^= s;
    }
    iv
}

/// XOR the AES-128 counter-mode keystream of RFC 3711 §4.1.1 onto `data`: session key
/// `session_key`, session salt `session_salt` (14 bytes), for packet `index` (48 bits) of
/// `ssrc`. This is the raw SRTP cipher, exposed for test vectors (RFC 3711 Appendix B.2);
/// packets go through [`SrtpContext`](crate::SrtpContext).
pub fn aes_cm_apply_keystream(
    session_key: &[u8; 16],
    session_salt: &[u8; 14],
    ssrc: u32,
    index: u64,
    data: &mut [u8],
) {
    let aes = Aes128Enc::new(session_key.into());
    let iv = iv(session_salt, ssrc, index);
    let mut ctr = Ctr128BE::from_core(CtrCore::inner_iv_init(&aes, &iv.into()));
    ctr.apply_keystream(data);
}
