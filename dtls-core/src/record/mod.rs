//! The record layer: AEAD protection of one epoch (RFC 5288 / RFC 7905 nonces, RFC 5246 §6.2.3.3
//! additional data) and the anti-replay window.

mod epochs;
mod replay;

pub use epochs::{Epochs, SealError};
pub use replay::ReplayWindow;

use crate::crypto::{CryptoError, CryptoProvider, RecordAead, NONCE_LEN, TAG_LEN};
use crate::types::CipherSuite;
use crate::wire::record::{ContentType, RecordHeader, HEADER_LEN, MAX_SEQUENCE};
use crate::wire::{EmitError, DTLS_1_2};
use core::fmt;
use zeroize::Zeroize;

/// Largest key block our suites use: 2 × 32-byte keys + 2 × 12-byte IVs (ChaCha20).
pub const MAX_KEY_BLOCK: usize = 88;

/// One direction of one epoch: an AEAD key and its IV.
pub struct Protection<A> {
    aead: A,
    iv: [u8; NONCE_LEN],
    suite: CipherSuite,
}

impl<A> fmt::Debug for Protection<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Protection")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

impl<A> Drop for Protection<A> {
    fn drop(&mut self) {
        self.iv.zeroize();
    }
}

/// The additional data of RFC 5246 §6.2.3.3: `seq_num || type || version || length`.
fn additional_data(header: &RecordHeader, plaintext_len: usize) -> [u8; 13] {
    let mut aad = [0u8; 13];
    aad[..8].copy_from_slice(&header.epoch_sequence().to_be_bytes());
    aad[8] = header.content_type.to_u8();
    aad[9..11].copy_from_slice(&header.version.to_be_bytes());
    // plaintext_len is at most 2^14 + 2048 (checked by callers), so it fits.
    aad[11..13].copy_from_slice(&(plaintext_len as u16).to_be_bytes());
    aad
}

impl<A: RecordAead> Protection<A> {
    /// The write and read protection of one side from the key block (RFC 5246 §6.3: client
    /// key, server key, client IV, server IV; no MAC keys with AEAD).
    pub fn pair<C: CryptoProvider<Aead = A>>(
        crypto: &C,
        suite: CipherSuite,
        key_block: &[u8],
        is_client: bool,
    ) -> Result<(Self, Self), CryptoError> {
        let (k, i) = (suite.key_len(), suite.fixed_iv_len());
        if key_block.len() < 2 * (k + i) {
            return Err(CryptoError::BadLength);
        }
        let slice = |from: usize, len: usize| key_block.get(from..from + len).unwrap_or(&[]);
        let make = |key: &[u8], iv: &[u8]| -> Result<Self, CryptoError> {
            let mut full = [0u8; NONCE_LEN];
            full.get_mut(..iv.len())
                .ok_or(CryptoError::BadLength)?
                .copy_from_slice(iv);
            Ok(Protection {
                aead: crypto.aead(suite, key)?,
                iv: full,
                suite,
            })
        };
        let client = make(slice(0, k), slice(2 * k, i))?;
        let server = make(slice(k, k), slice(2 * k + i, i))?;
        Ok(if is_client {
            (client, server)
        } else {
            (server, client)
        })
    }

    /// The suite.
    pub fn suite(&self) -> CipherSuite {
        self.suite
    }

    fn nonce(&self, explicit: u64) -> [u8; NONCE_LEN] {
        let mut nonce = self.iv;
        let e = explicit.to_be_bytes();
        match self.suite.explicit_nonce_len() {
            // GCM: salt || explicit nonce.
            8 => nonce[4..].copy_from_slice(&e),
            // ChaCha20-Poly1305: IV XOR the padded sequence number.
            _ => {
                for (n, s) in nonce[4..].iter_mut().zip(e) {
                    *n ^= s;
                }
            }
        }
        nonce
    }

    /// Protect a record in place. `out[HEADER_LEN + explicit_nonce_len..][..plaintext_len]`
    /// holds the plaintext; the header, explicit nonce and tag are written around it. Returns
    /// the record's length.
    pub fn seal(
        &self,
        content_type: ContentType,
        epoch: u16,
        sequence: u64,
        out: &mut [u8],
        plaintext_len: usize,
    ) -> Result<usize, EmitError> {
        let nonce_len = self.suite.explicit_nonce_len();
        let total = HEADER_LEN + nonce_len + plaintext_len + TAG_LEN;
        if out.len() < total {
            return Err(EmitError::BufferTooSmall { needed: total });
        }
        let length = u16::try_from(total - HEADER_LEN).map_err(|_| EmitError::TooLong)?;
        let header = RecordHeader {
            content_type,
            version: DTLS_1_2,
            epoch,
            sequence: sequence & MAX_SEQUENCE,
            length,
        };
        let explicit = header.epoch_sequence();
        let aad = additional_data(&header, plaintext_len);
        let (head, rest) = out.split_at_mut(HEADER_LEN + nonce_len);
        if let Some(h) = head.get_mut(..HEADER_LEN) {
            h.copy_from_slice(&header.to_bytes());
        }
        if let Some(n) = head.get_mut(HEADER_LEN..) {
            let e = explicit.to_be_bytes();
            n.copy_from_slice(e.get(..nonce_len).unwrap_or(&[]));
        }
        let (body, tail) = rest.split_at_mut(plaintext_len);
        let tag = self
            .aead
            .seal(&self.nonce(explicit), &aad, body)
            .map_err(|_| EmitError::TooLong)?;
        if let Some(t) = tail.get_mut(..TAG_LEN) {
            t.copy_from_slice(&tag);
        }
        Ok(total)
    }

    /// Unprotect `payload` (a record's bytes after its header) in place; returns the
    /// plaintext's range within `payload`.
    pub fn open(
        &self,
        header: &RecordHeader,
        payload: &mut [u8],
    ) -> Result<core::ops::Range<usize>, CryptoError> {
        let nonce_len = self.suite.explicit_nonce_len();
        let plaintext_len = payload
            .len()
            .checked_sub(nonce_len + TAG_LEN)
            .ok_or(CryptoError::BadLength)?;
        let explicit = match payload.get(..nonce_len) {
            Some(n) if nonce_len == 8 => {
                u64::from_be_bytes(n.try_into().map_err(|_| CryptoError::BadLength)?)
            }
            _ => header.epoch_sequence(),
        };
        let aad = additional_data(header, plaintext_len);
        let nonce = self.nonce(explicit);
        let (body, tag) = payload
            .get_mut(nonce_len..)
            .ok_or(CryptoError::BadLength)?
            .split_at_mut(plaintext_len);
        let tag: &[u8; TAG_LEN] = (&*tag).try_into().map_err(|_| CryptoError::BadLength)?;
        self.aead.open(&nonce, &aad, body, tag)?;
        Ok(nonce_len..nonce_len + plaintext_len)
    }
}

/// Write an unprotected (epoch 0) record around `out[HEADER_LEN..][..payload_len]`; returns its
/// length.
pub fn seal_plaintext(
    content_type: ContentType,
    version: u16,
    sequence: u64,
    out: &mut [u8],
    payload_len: usize,
) -> Result<usize, EmitError> {
    let total = HEADER_LEN + payload_len;
    if out.len() < total {
        return Err(EmitError::BufferTooSmall { needed: total });
    }
    let header = RecordHeader {
        content_type,
        version,
        epoch: 0,
        sequence: sequence & MAX_SEQUENCE,
        length: u16::try_from(payload_len).map_err(|_| EmitError::TooLong)?,
    };
    if let Some(h) = out.get_mut(..HEADER_LEN) {
        h.copy_from_slice(&header.to_bytes());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RustCrypto;

    type P = Protection<crate::crypto::RustCryptoAead>;

    fn pairs(suite: CipherSuite) -> ((P, P), (P, P)) {
        let mut kb = [0u8; MAX_KEY_BLOCK];
        for (i, b) in kb.iter_mut().enumerate() {
            *b = i as u8;
        }
        (
            Protection::pair(&RustCrypto, suite, &kb, true).unwrap(),
            Protection::pair(&RustCrypto, suite, &kb, false).unwrap(),
        )
    }

    #[test]
    fn client_write_is_server_read() {
        for suite in [
            CipherSuite::EcdheEcdsaAes128GcmSha256,
            #[cfg(feature = "chacha20")]
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256,
        ] {
            let ((c_write, _c_read), (_s_write, s_read)) = pairs(suite);
            let mut buf = [0u8; 64];
            let n = suite.explicit_nonce_len();
            buf[HEADER_LEN + n..HEADER_LEN + n + 5].copy_from_slice(b"hello");
            let len = c_write
                .seal(ContentType::ApplicationData, 1, 7, &mut buf, 5)
                .unwrap();
            assert_eq!(len, HEADER_LEN + n + 5 + 16);
            let header = RecordHeader::parse(&buf).unwrap();
            assert_eq!(
                (header.epoch, header.sequence, usize::from(header.length)),
                (1, 7, len - 13)
            );
            let mut payload = buf;
            let range = s_read.open(&header, &mut payload[HEADER_LEN..len]).unwrap();
            assert_eq!(&payload[HEADER_LEN..len][range], b"hello");
            // Any flipped bit of header (through the AAD), nonce, ciphertext or tag fails.
            for bit in 0..len * 8 {
                let mut t = buf;
                t[bit / 8] ^= 1 << (bit % 8);
                let Ok(h) = RecordHeader::parse(&t) else {
                    continue;
                };
                if usize::from(h.length) != len - HEADER_LEN {
                    continue;
                }
                assert!(
                    s_read.open(&h, &mut t[HEADER_LEN..len]).is_err(),
                    "bit {bit}"
                );
            }
        }
    }

    #[test]
    fn short_records_and_small_buffers_are_refused() {
        let ((c_write, c_read), _) = pairs(CipherSuite::EcdheEcdsaAes128GcmSha256);
        let mut small = [0u8; 40];
        assert_eq!(
            c_write.seal(ContentType::ApplicationData, 1, 0, &mut small, 10),
            Err(EmitError::BufferTooSmall {
                needed: 13 + 8 + 10 + 16
            })
        );
        let header = RecordHeader::parse(&[23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23]).unwrap();
        assert_eq!(
            c_read.open(&header, &mut [0u8; 23]),
            Err(CryptoError::BadLength)
        );
    }
}
