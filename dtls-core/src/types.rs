//! Negotiated parameters: cipher suites, SRTP protection profiles, groups and signature schemes.

use core::fmt;

/// The cipher suites this crate implements (all ECDHE with ECDSA P-256 certificates).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CipherSuite {
    /// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (0xC02B, RFC 5289): what browsers require
    /// (RFC 8827).
    EcdheEcdsaAes128GcmSha256,
    /// TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 (0xCCA9, RFC 7905).
    EcdheEcdsaChacha20Poly1305Sha256,
}

impl CipherSuite {
    /// The wire value.
    pub const fn id(self) -> u16 {
        match self {
            CipherSuite::EcdheEcdsaAes128GcmSha256 => 0xc02b,
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => 0xcca9,
        }
    }

    /// From the wire value, if we implement it.
    pub const fn from_id(id: u16) -> Option<Self> {
        match id {
            0xc02b => Some(CipherSuite::EcdheEcdsaAes128GcmSha256),
            0xcca9 => Some(CipherSuite::EcdheEcdsaChacha20Poly1305Sha256),
            _ => None,
        }
    }

    /// AEAD key length.
    pub const fn key_len(self) -> usize {
        match self {
            CipherSuite::EcdheEcdsaAes128GcmSha256 => 16,
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => 32,
        }
    }

    /// Length of the IV taken from the key block: the GCM salt (RFC 5288) or the whole
    /// ChaCha20-Poly1305 nonce mask (RFC 7905).
    pub const fn fixed_iv_len(self) -> usize {
        match self {
            CipherSuite::EcdheEcdsaAes128GcmSha256 => 4,
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => 12,
        }
    }

    /// Bytes of explicit nonce carried in each record.
    pub const fn explicit_nonce_len(self) -> usize {
        match self {
            CipherSuite::EcdheEcdsaAes128GcmSha256 => 8,
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => 0,
        }
    }

    /// Bytes a protected record adds to its plaintext (explicit nonce and tag).
    pub const fn overhead(self) -> usize {
        self.explicit_nonce_len() + 16
    }
}

impl fmt::Display for CipherSuite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CipherSuite::EcdheEcdsaAes128GcmSha256 => "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => {
                "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
            }
        })
    }
}

/// An SRTP protection profile negotiated by `use_srtp` (RFC 5764 §4.1.2, RFC 7714 §14.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SrtpProfile {
    /// SRTP_AES128_CM_HMAC_SHA1_80 (0x0001): mandatory in WebRTC (RFC 8827).
    Aes128CmHmacSha1_80,
    /// SRTP_AES128_CM_HMAC_SHA1_32 (0x0002).
    Aes128CmHmacSha1_32,
    /// SRTP_AEAD_AES_128_GCM (0x0007).
    AeadAes128Gcm,
    /// SRTP_AEAD_AES_256_GCM (0x0008).
    AeadAes256Gcm,
}

impl SrtpProfile {
    /// Every profile, in the default order of preference.
    pub const ALL: [SrtpProfile; 4] = [
        SrtpProfile::AeadAes128Gcm,
        SrtpProfile::Aes128CmHmacSha1_80,
        SrtpProfile::AeadAes256Gcm,
        SrtpProfile::Aes128CmHmacSha1_32,
    ];

    /// The wire value.
    pub const fn id(self) -> u16 {
        match self {
            SrtpProfile::Aes128CmHmacSha1_80 => 0x0001,
            SrtpProfile::Aes128CmHmacSha1_32 => 0x0002,
            SrtpProfile::AeadAes128Gcm => 0x0007,
            SrtpProfile::AeadAes256Gcm => 0x0008,
        }
    }

    /// From the wire value, if known.
    pub const fn from_id(id: u16) -> Option<Self> {
        match id {
            0x0001 => Some(SrtpProfile::Aes128CmHmacSha1_80),
            0x0002 => Some(SrtpProfile::Aes128CmHmacSha1_32),
            0x0007 => Some(SrtpProfile::AeadAes128Gcm),
            0x0008 => Some(SrtpProfile::AeadAes256Gcm),
            _ => None,
        }
    }

    /// SRTP master key length.
    pub const fn key_len(self) -> usize {
        match self {
            SrtpProfile::AeadAes256Gcm => 32,
            _ => 16,
        }
    }

    /// SRTP master salt length.
    pub const fn salt_len(self) -> usize {
        match self {
            SrtpProfile::AeadAes128Gcm | SrtpProfile::AeadAes256Gcm => 12,
            _ => 14,
        }
    }

    /// Bytes exported with `EXTRACTOR-dtls_srtp` (RFC 5764 §4.2): `2 × (key + salt)`.
    pub const fn keying_material_len(self) -> usize {
        2 * (self.key_len() + self.salt_len())
    }
}

impl fmt::Display for SrtpProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SrtpProfile::Aes128CmHmacSha1_80 => "SRTP_AES128_CM_HMAC_SHA1_80",
            SrtpProfile::Aes128CmHmacSha1_32 => "SRTP_AES128_CM_HMAC_SHA1_32",
            SrtpProfile::AeadAes128Gcm => "SRTP_AEAD_AES_128_GCM",
            SrtpProfile::AeadAes256Gcm => "SRTP_AEAD_AES_256_GCM",
        })
    }
}

/// Named group secp256r1 (23), the only key-exchange group we offer and accept.
pub const GROUP_SECP256R1: u16 = 23;
/// Signature scheme ecdsa_secp256r1_sha256 (0x0403): hash SHA-256 (4), signature ECDSA (3).
pub const SIG_ECDSA_SECP256R1_SHA256: u16 = 0x0403;
/// ec_point_formats: uncompressed (0), the only format (RFC 8422 §5.1.2).
pub const POINT_FORMAT_UNCOMPRESSED: u8 = 0;
/// ClientCertificateType ecdsa_sign (64).
pub const CERT_TYPE_ECDSA_SIGN: u8 = 64;
/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3).
pub const EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00ff;

pub use sansio::DtlsRole;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn srtp_keying_material_lengths() {
        // RFC 5764 §4.2 with the key/salt lengths of RFC 3711 §8.2 and RFC 7714 §12.
        assert_eq!(SrtpProfile::Aes128CmHmacSha1_80.keying_material_len(), 60);
        assert_eq!(SrtpProfile::Aes128CmHmacSha1_32.keying_material_len(), 60);
        assert_eq!(SrtpProfile::AeadAes128Gcm.keying_material_len(), 56);
        assert_eq!(SrtpProfile::AeadAes256Gcm.keying_material_len(), 88);
        for p in SrtpProfile::ALL {
            assert_eq!(SrtpProfile::from_id(p.id()), Some(p));
        }
        assert_eq!(SrtpProfile::from_id(0x0003), None);
    }
}
