//! Per-packet transforms with precomputed cipher state: the AES key schedule and the keyed
//! HMAC state are built once per context, so a packet costs no key expansion.
//!
//! Layout of what these functions read and write (`|` separates regions of the buffer):
//! - SRTP: `header | payload | tag` (payload encrypted; AES-CM tags cover `header | payload
//!   | ROC`, GCM uses the header as associated data).
//! - SRTCP, AES-CM: `header(8) | payload | E+index(4) | tag`.
//! - SRTCP, GCM (RFC 7714 §9.3): `header(8) | payload | tag(16) | E+index(4)`.

mod cm;
mod gcm;

pub use cm::aes_cm_apply_keystream;

use crate::keys::SessionKeys;
use crate::profile::Profile;
use aes::{Aes128Enc, Aes256Enc};

/// An authentication failure (the only way opening a packet can fail here).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct BadTag;

/// The keyed transform of one direction for SRTP or for SRTCP.
pub(crate) enum Cipher {
    Cm(cm::CmHmac),
    Gcm128(gcm::Gcm<Aes128Enc>),
    Gcm256(gcm::Gcm<Aes256Enc>),
}

impl Cipher {
    /// Expand the keys once; `tag_len` is the SRTP or SRTCP tag length of the profile.
    pub(crate) fn new(keys: &SessionKeys, tag_len: usize) -> Cipher {
        match keys.profile() {
            Profile::AeadAes128Gcm => Cipher::Gcm128(gcm::Gcm::new(keys)),
            Profile::AeadAes256Gcm => Cipher::Gcm256(gcm::Gcm::new(keys)),
            _ => Cipher::Cm(cm::CmHmac::new(keys, tag_len)),
        }
    }

    /// Protect `pkt[..len]` (header of `header_len` bytes) in place and append the tag;
    /// the caller checked `pkt.len() >= len + tag_len`. Returns the new length.
    pub(crate) fn seal_rtp(
        &self,
        pkt: &mut [u8],
        header_len: usize,
        len: usize,
        index: u64,
    ) -> usize {
        match self {
            Cipher::Cm(c) => c.seal_rtp(pkt, header_len, len, index),
            Cipher::Gcm128(c) => c.seal_rtp(pkt, header_len, len, index),
            Cipher::Gcm256(c) => c.seal_rtp(pkt, header_len, len, index),
        }
    }

    /// Check the tag of the SRTP packet `pkt` and decrypt it in place; the caller checked
    /// `pkt.len() >= header_len + tag_len`. Returns the plaintext length. `pkt` is left
    /// untouched on failure.
    pub(crate) fn open_rtp(
        &self,
        pkt: &mut [u8],
        header_len: usize,
        index: u64,
    ) -> Result<usize, BadTag> {
        match self {
            Cipher::Cm(c) => c.open_rtp(pkt, header_len, index),
            Cipher::Gcm128(c) => c.open_rtp(pkt, header_len, index),
            Cipher::Gcm256(c) => c.open_rtp(pkt, header_len, index),
        }
    }

    /// Protect the compound RTCP packet `pkt[..len]` with SRTCP index `index` (encrypted
    /// when `encrypt`, else authenticated only, E = 0); the caller checked room for
    /// [`Profile::rtcp_overhead`]. Returns the new length.
    pub(crate) fn seal_rtcp(&self, pkt: &mut [u8], len: usize, index: u32, encrypt: bool) -> usize {
        match self {
            Cipher::Cm(c) => c.seal_rtcp(pkt, len, index, encrypt),
            Cipher::Gcm128(c) => c.seal_rtcp(pkt, len, index, encrypt),
            Cipher::Gcm256(c) => c.seal_rtcp(pkt, len, index, encrypt),
        }
    }

    /// Offset of the E flag + SRTCP index word in an SRTCP packet of `len` bytes (the
    /// caller checked `len >= 8 + overhead`).
    pub(crate) fn rtcp_word_at(&self, len: usize) -> usize {
        match self {
            Cipher::Cm(c) => len - c.tag_len() - 4,
            Cipher::Gcm128(_) | Cipher::Gcm256(_) => len - 4,
        }
    }

    /// Check and decrypt the SRTCP packet `pkt` whose E + index word is `word`. Returns the
    /// length of the compound RTCP packet.
    pub(crate) fn open_rtcp(&self, pkt: &mut [u8], word: u32) -> Result<usize, BadTag> {
        match self {
            Cipher::Cm(c) => c.open_rtcp(pkt, word),
            Cipher::Gcm128(c) => c.open_rtcp(pkt, word),
            Cipher::Gcm256(c) => c.open_rtcp(pkt, word),
        }
    }
}

impl core::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Cipher::Cm(_) => "Cipher::AesCmHmacSha1",
            Cipher::Gcm128(_) => "Cipher::Aes128Gcm",
            Cipher::Gcm256(_) => "Cipher::Aes256Gcm",
        })
    }
}

/// Big-endian SSRC at bytes 8..12 of RTP or 4..8 of RTCP (the caller checked the length).
pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[w, x, y, z]) => u32::from_be_bytes([w, x, y, z]),
        _ => 0,
    }
}

/// Copy `src` into `dst` at `at` if it fits (callers checked that it does).
pub(crate) fn put(dst: &mut [u8], at: usize, src: &[u8]) {
    if let Some(d) = dst.get_mut(at..at + src.len()) {
        d.copy_from_slice(src);
    }
}
