//! AEAD_AES_128_GCM and AEAD_AES_256_GCM (RFC 7714 §8 SRTP, §9 SRTCP).

use super::{be32, put, BadTag};
use crate::keys::SessionKeys;
use aes::cipher::consts::{U12, U16};
use aes::cipher::{BlockCipherEncrypt, BlockSizeUser, KeyInit};
use aes_gcm::aead::inout::InOutBuf;
use aes_gcm::{AeadInOut, AesGcm, Nonce, Tag};
use zeroize::Zeroize;

const TAG: usize = 16;

/// Keyed AES-GCM state (expanded key and GHASH key) for SRTP or SRTCP of one direction.
pub(crate) struct Gcm<A: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16>> {
    aead: AesGcm<A, U12>,
    salt: [u8; 12],
}

impl<A> Gcm<A>
where
    A: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16> + KeyInit,
{
    pub(crate) fn new(keys: &SessionKeys) -> Gcm<A> {
        let mut salt = [0u8; 12];
        put(&mut salt, 0, keys.salt());
        // The key length was checked when `keys` was built for this profile, so
        // `new_from_slice` cannot fail; the fallback is unreachable.
        let aes = A::new_from_slice(keys.enc_key()).unwrap_or_else(|_| A::new(&Default::default()));
        Gcm {
            aead: AesGcm::from(aes),
            salt,
        }
    }

    fn nonce(&self, mut iv: [u8; 12]) -> Nonce<U12> {
        for (d, s) in iv.iter_mut().zip(self.salt) {
            *d ^= s;
        }
        Nonce::<U12>::from(iv)
    }

    /// RFC 7714 §8.1: `00 00 | SSRC | ROC | SEQ` XOR salt.
    fn rtp_nonce(&self, ssrc: u32, index: u64) -> Nonce<U12> {
        let mut iv = [0u8; 12];
        put(&mut iv, 2, &ssrc.to_be_bytes());
        put(&mut iv, 6, &index.to_be_bytes()[2..]);
        self.nonce(iv)
    }

    /// RFC 7714 §9.1: `00 00 | SSRC | 00 00 | 0 | SRTCP index` XOR salt.
    fn rtcp_nonce(&self, ssrc: u32, index: u32) -> Nonce<U12> {
        let mut iv = [0u8; 12];
        put(&mut iv, 2, &ssrc.to_be_bytes());
        put(&mut iv, 8, &(index & 0x7FFF_FFFF).to_be_bytes());
        self.nonce(iv)
    }

    /// Encrypt `data` in place and return the tag. Inputs here are far below the GCM
    /// limits, so the AEAD cannot refuse them; the fallback tag is unreachable.
    fn seal(&self, nonce: &Nonce<U12>, aad: &[u8], data: &mut [u8]) -> Tag {
        self.aead
            .encrypt_inout_detached(nonce, aad, InOutBuf::from(data))
            .unwrap_or_default()
    }

    /// Check `tag` and decrypt `data` in place (`data` untouched on failure). Under
    /// `cfg(fuzzing)` the tag is not checked, so fuzzers reach the state updates.
    fn open(
        &self,
        nonce: &Nonce<U12>,
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), BadTag> {
        if cfg!(fuzzing) {
            // Counter mode is its own inverse: "encrypting" the ciphertext decrypts it.
            let _ = self.seal(nonce, aad, data);
            return Ok(());
        }
        let tag = Tag::try_from(tag).map_err(|_| BadTag)?;
        self.aead
            .decrypt_inout_detached(nonce, aad, InOutBuf::from(data), &tag)
            .map_err(|_| BadTag)
    }

    pub(crate) fn seal_rtp(
        &self,
        pkt: &mut [u8],
        header_len: usize,
        len: usize,
        index: u64,
    ) -> usize {
        let nonce = self.rtp_nonce(be32(pkt, 8), index);
        let (header, rest) = pkt.split_at_mut(header_len.min(len));
        let payload = rest.get_mut(..len - header.len()).unwrap_or_default();
        let tag = self.seal(&nonce, header, payload);
        put(pkt, len, &tag);
        len + TAG
    }

    pub(crate) fn open_rtp(
        &self,
        pkt: &mut [u8],
        header_len: usize,
        index: u64,
    ) -> Result<usize, BadTag> {
        let end = pkt.len() - TAG;
        let nonce = self.rtp_nonce(be32(pkt, 8), index);
        let (sealed, tag) = pkt.split_at_mut(end);
        let (header, payload) = sealed.split_at_mut(header_len.min(end));
        self.open(&nonce, header, payload, tag)?;
        Ok(end)
    }

    pub(crate) fn seal_rtcp(&self, pkt: &mut [u8], len: usize, index: u32, encrypt: bool) -> usize {
        let nonce = self.rtcp_nonce(be32(pkt, 4), index);
        let word = (index | if encrypt { 0x8000_0000 } else { 0 }).to_be_bytes();
        let tag = if encrypt {
            // AAD = first 8 header bytes | E + index (§9.3 Figure 3).
            let aad = rtcp_aad(pkt, word);
            let payload = pkt.get_mut(8..len).unwrap_or_default();
            self.seal(&nonce, &aad, payload)
        } else {
            // E = 0: the whole packet and the E + index word are AAD, nothing is encrypted.
            // Place the word right after the packet so the AAD is contiguous.
            put(pkt, len, &word);
            self.seal(&nonce, pkt.get(..len + 4).unwrap_or_default(), &mut [])
        };
        put(pkt, len, &tag);
        put(pkt, len + TAG, &word);
        len + TAG + 4
    }

    pub(crate) fn open_rtcp(&self, pkt: &mut [u8], word: u32) -> Result<usize, BadTag> {
        let plain_len = pkt.len() - TAG - 4;
        let nonce = self.rtcp_nonce(be32(pkt, 4), word);
        let word = word.to_be_bytes();
        if word[0] & 0x80 != 0 {
            let aad = rtcp_aad(pkt, word);
            let (sealed, rest) = pkt.split_at_mut(plain_len);
            let payload = sealed.get_mut(8..).unwrap_or_default();
            self.open(&nonce, &aad, payload, rest.get(..TAG).unwrap_or_default())?;
            return Ok(plain_len);
        }
        // E = 0: authenticate `packet | word` without decrypting. Move the word next to the
        // packet for a contiguous AAD, and put the tag back if it does not verify.
        let mut tag = [0u8; TAG];
        put(
            &mut tag,
            0,
            pkt.get(plain_len..plain_len + TAG).unwrap_or_default(),
        );
        put(pkt, plain_len, &word);
        let aad = pkt.get(..plain_len + 4).unwrap_or_default();
        if let Err(e) = self.open(&nonce, aad, &mut [], &tag) {
            put(pkt, plain_len, &tag);
            return Err(e);
        }
        Ok(plain_len)
    }
}

/// The SRTCP GCM associated data when E = 1: header bytes 0..8 then the E + index word.
fn rtcp_aad(pkt: &[u8], word: [u8; 4]) -> [u8; 12] {
    let mut aad = [0u8; 12];
    put(&mut aad, 0, pkt.get(..8).unwrap_or_default());
    put(&mut aad, 8, &word);
    aad
}

impl<A: BlockCipherEncrypt + BlockSizeUser<BlockSize = U16>> Drop for Gcm<A> {
    fn drop(&mut self) {
        // The AES round keys and the GHASH key wipe themselves (`aes-gcm/zeroize`).
        self.salt.zeroize();
    }
}
