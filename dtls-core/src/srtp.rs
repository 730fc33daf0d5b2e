//! DTLS-SRTP keying material (RFC 5764 §4.2) split into the SRTP master keys and salts.

use crate::types::{DtlsRole, SrtpProfile};
use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Most keying material a profile needs (SRTP_AEAD_AES_256_GCM: 2 × (32 + 12)).
pub const MAX_KEYING_MATERIAL: usize = 88;

/// The SRTP master keys and salts both ends derive from the DTLS handshake: what srtp-core
/// is keyed with. Zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SrtpKeys {
    #[zeroize(skip)]
    profile: SrtpProfile,
    #[zeroize(skip)]
    role: DtlsRole,
    material: [u8; MAX_KEYING_MATERIAL],
}

impl fmt::Debug for SrtpKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SrtpKeys")
            .field("profile", &self.profile)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

impl SrtpKeys {
    /// From the exported `material` (`client key || server key || client salt || server
    /// salt`, [`SrtpProfile::keying_material_len`] bytes) of the endpoint in `role`.
    pub fn new(profile: SrtpProfile, role: DtlsRole, material: &[u8]) -> Option<Self> {
        if material.len() != profile.keying_material_len() {
            return None;
        }
        let mut keys = SrtpKeys {
            profile,
            role,
            material: [0; MAX_KEYING_MATERIAL],
        };
        keys.material
            .get_mut(..material.len())?
            .copy_from_slice(material);
        Some(keys)
    }

    /// The profile.
    pub fn profile(&self) -> SrtpProfile {
        self.profile
    }

    /// The exported bytes, as RFC 5764 lays them out.
    pub fn as_bytes(&self) -> &[u8] {
        self.material
            .get(..self.profile.keying_material_len())
            .unwrap_or(&[])
    }

    fn part(&self, index: usize) -> &[u8] {
        let (k, s) = (self.profile.key_len(), self.profile.salt_len());
        let (start, len) = match index {
            0 => (0, k),
            1 => (k, k),
            2 => (2 * k, s),
            _ => (2 * k + s, s),
        };
        self.material.get(start..start + len).unwrap_or(&[])
    }

    /// The client's master key (it protects what the DTLS client sends).
    pub fn client_key(&self) -> &[u8] {
        self.part(0)
    }

    /// The server's master key.
    pub fn server_key(&self) -> &[u8] {
        self.part(1)
    }

    /// The client's master salt.
    pub fn client_salt(&self) -> &[u8] {
        self.part(2)
    }

    /// The server's master salt.
    pub fn server_salt(&self) -> &[u8] {
        self.part(3)
    }

    /// Key and salt for what we send.
    pub fn local(&self) -> (&[u8], &[u8]) {
        match self.role {
            DtlsRole::Client => (self.client_key(), self.client_salt()),
            DtlsRole::Server => (self.server_key(), self.server_salt()),
        }
    }

    /// Key and salt for what the peer sends.
    pub fn remote(&self) -> (&[u8], &[u8]) {
        match self.role {
            DtlsRole::Client => (self.server_key(), self.server_salt()),
            DtlsRole::Server => (self.client_key(), self.client_salt()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_of_rfc5764_section_4_2() {
        let m: [u8; 60] = core::array::from_fn(|i| i as u8);
        let k = SrtpKeys::new(SrtpProfile::Aes128CmHmacSha1_80, DtlsRole::Server, &m).unwrap();
        assert_eq!(k.client_key(), &m[..16]);
        assert_eq!(k.server_key(), &m[16..32]);
        assert_eq!(k.client_salt(), &m[32..46]);
        assert_eq!(k.server_salt(), &m[46..60]);
        assert_eq!(k.local(), (&m[16..32], &m[46..60]));
        assert_eq!(k.remote(), (&m[..16], &m[32..46]));
        assert_eq!(k.as_bytes(), &m[..]);
        assert!(SrtpKeys::new(SrtpProfile::AeadAes128Gcm, DtlsRole::Client, &m).is_none());
        let g: [u8; 88] = core::array::from_fn(|i| i as u8);
        let k = SrtpKeys::new(SrtpProfile::AeadAes256Gcm, DtlsRole::Client, &g).unwrap();
        assert_eq!(k.server_salt(), &g[76..88]);
    }
}
