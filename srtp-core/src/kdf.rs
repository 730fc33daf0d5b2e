//! The SRTP key derivation function (RFC 3711 §4.3.1 and §4.3.3 with a key derivation rate
//! of 0; RFC 6188 §7 for AES-256; RFC 7714 §11 with erratum 4938 for the 12-byte GCM salt).
//!
//! `x = label × 2^48 XOR master_salt` (112 bits; a 96-bit GCM salt is multiplied by 2^16
//! first), and the key is the AES-CM keystream of the master key at `IV = x × 2^16`. With
//! `kdr = 0` the `index DIV kdr` term is 0, so each session key is derived once.

use crate::error::KeyError;
use aes::{Aes128, Aes256};
use ctr::cipher::{KeyIvInit, StreamCipher};
use ctr::Ctr128BE;

/// The six key-derivation labels (RFC 3711 §4.3.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Label {
    /// SRTP encryption key (`k_e`).
    RtpEncryption = 0x00,
    /// SRTP authentication key (`k_a`).
    RtpAuthentication = 0x01,
    /// SRTP session salt (`k_s`).
    RtpSalt = 0x02,
    /// SRTCP encryption key.
    RtcpEncryption = 0x03,
    /// SRTCP authentication key.
    RtcpAuthentication = 0x04,
    /// SRTCP session salt.
    RtcpSalt = 0x05,
}

/// Fill `out` with the key derived for `label` from a 16- or 32-byte `master_key` and a
/// master salt of at most 14 bytes (12-byte GCM salts are padded with zeros on the right,
/// i.e. multiplied by 2^16, as RFC 7714 erratum 4938 says).
pub fn derive(
    master_key: &[u8],
    master_salt: &[u8],
    label: Label,
    out: &mut [u8],
) -> Result<(), KeyError> {
    if master_salt.len() > 14 {
        return Err(KeyError::WrongLength {
            expected: 14,
            got: master_salt.len(),
        });
    }
    let mut iv = [0u8; 16];
    if let Some(dst) = iv.get_mut(..master_salt.len()) {
        dst.copy_from_slice(master_salt);
    }
    // key_id = label || (index DIV kdr) = label || 0^48, right-aligned in 112 bits: the label
    // lands on byte 7.
    iv[7] ^= label as u8;
    out.fill(0);
    match master_key.len() {
        16 => keystream::<Aes128>(master_key, &iv, out),
        32 => keystream::<Aes256>(master_key, &iv, out),
        got => {
            return Err(KeyError::WrongLength { expected: 16, got });
        }
    }
    Ok(())
}

fn keystream<C>(key: &[u8], iv: &[u8; 16], out: &mut [u8])
where
    Ctr128BE<C>: KeyIvInit + StreamCipher,
    C: ctr::cipher::BlockCipherEncrypt
        + ctr::cipher::BlockSizeUser<BlockSize = ctr::cipher::consts::U16>,
{
    if let Ok(mut ctr) = Ctr128BE::<C>::new_from_slices(key, iv) {
        ctr.apply_keystream(out);
    }
}
