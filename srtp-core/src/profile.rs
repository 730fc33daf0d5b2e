//! The SRTP protection profiles (RFC 5764 §4.1.2, RFC 7714 §14.2) and their sizes.

use crate::error::KeyError;

/// An SRTP protection profile: cipher, authentication and the sizes of keys, salts and tags.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// `SRTP_AES128_CM_HMAC_SHA1_80` (0x0001): AES-128 counter mode, HMAC-SHA1 with an
    /// 80-bit tag on SRTP and SRTCP. What every browser pair supports.
    Aes128CmHmacSha1_80,
    /// `SRTP_AES128_CM_HMAC_SHA1_32` (0x0002): as above with a 32-bit SRTP tag; SRTCP keeps
    /// the 80-bit tag (RFC 5764 §4.1.2).
    Aes128CmHmacSha1_32,
    /// `SRTP_AEAD_AES_128_GCM` (0x0007, RFC 7714): AES-128-GCM, 16-byte tag.
    AeadAes128Gcm,
    /// `SRTP_AEAD_AES_256_GCM` (0x0008, RFC 7714): AES-256-GCM, 16-byte tag.
    AeadAes256Gcm,
}

impl Profile {
    /// Every profile, most preferred first (GCM is both faster and stronger).
    pub const ALL: [Profile; 4] = [
        Profile::AeadAes128Gcm,
        Profile::AeadAes256Gcm,
        Profile::Aes128CmHmacSha1_80,
        Profile::Aes128CmHmacSha1_32,
    ];

    /// The DTLS-SRTP protection profile identifier (RFC 5764 §4.1.2, RFC 7714 §14.2).
    pub const fn id(self) -> u16 {
        match self {
            Profile::Aes128CmHmacSha1_80 => 0x0001,
            Profile::Aes128CmHmacSha1_32 => 0x0002,
            Profile::AeadAes128Gcm => 0x0007,
            Profile::AeadAes256Gcm => 0x0008,
        }
    }

    /// The profile for a DTLS-SRTP identifier.
    pub const fn from_id(id: u16) -> Result<Profile, KeyError> {
        match id {
            0x0001 => Ok(Profile::Aes128CmHmacSha1_80),
            0x0002 => Ok(Profile::Aes128CmHmacSha1_32),
            0x0007 => Ok(Profile::AeadAes128Gcm),
            0x0008 => Ok(Profile::AeadAes256Gcm),
            _ => Err(KeyError::UnknownProfile { id }),
        }
    }

    /// True for the AEAD (GCM) profiles.
    pub const fn is_aead(self) -> bool {
        matches!(self, Profile::AeadAes128Gcm | Profile::AeadAes256Gcm)
    }

    /// Master (and session) encryption key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Profile::AeadAes256Gcm => 32,
            _ => 16,
        }
    }

    /// Master (and session) salt length in bytes: 14 for AES-CM, 12 for GCM.
    pub const fn salt_len(self) -> usize {
        if self.is_aead() {
            12
        } else {
            14
        }
    }

    /// Session authentication key length (HMAC-SHA1: 20 bytes; GCM: none).
    pub const fn auth_key_len(self) -> usize {
        if self.is_aead() {
            0
        } else {
            20
        }
    }

    /// Bytes `protect_rtp` appends (the SRTP authentication tag).
    pub const fn rtp_tag_len(self) -> usize {
        match self {
            Profile::Aes128CmHmacSha1_80 => 10,
            Profile::Aes128CmHmacSha1_32 => 4,
            Profile::AeadAes128Gcm | Profile::AeadAes256Gcm => 16,
        }
    }

    /// The SRTCP authentication tag length.
    pub const fn rtcp_tag_len(self) -> usize {
        if self.is_aead() {
            16
        } else {
            10
        }
    }

    /// Bytes `protect_rtcp` appends: the 4-byte E flag + SRTCP index and the tag.
    pub const fn rtcp_overhead(self) -> usize {
        4 + self.rtcp_tag_len()
    }

    /// Length of the DTLS exporter output this profile needs (RFC 5764 §4.2):
    /// `2 × (key + salt)`.
    pub const fn keying_material_len(self) -> usize {
        2 * (self.key_len() + self.salt_len())
    }
}
