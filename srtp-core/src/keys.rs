//! Master keys (given, or exported by DTLS as RFC 5764 §4.2 lays them out) and the session
//! keys derived from them. Every key type wipes itself when dropped.

use crate::cipher::put;
use crate::error::KeyError;
use crate::kdf::{derive, Label};
use crate::profile::Profile;
use core::fmt;
use zeroize::Zeroize;

/// An SRTP master key and master salt for one direction.
#[derive(Clone)]
pub struct MasterKey {
    profile: Profile,
    key: [u8; 32],
    salt: [u8; 14],
}

impl MasterKey {
    /// A master key and salt of the lengths `profile` needs (16 or 32 bytes of key, 14 or
    /// 12 bytes of salt).
    pub fn new(profile: Profile, key: &[u8], salt: &[u8]) -> Result<MasterKey, KeyError> {
        check_len(profile.key_len(), key.len())?;
        check_len(profile.salt_len(), salt.len())?;
        let mut k = MasterKey {
            profile,
            key: [0; 32],
            salt: [0; 14],
        };
        put(&mut k.key, 0, key);
        put(&mut k.salt, 0, salt);
        Ok(k)
    }

    /// Key then salt concatenated, as GStreamer's `srtpenc key=` and SDES `inline:` carry them.
    pub fn from_concatenated(profile: Profile, key_and_salt: &[u8]) -> Result<MasterKey, KeyError> {
        check_len(profile.key_len() + profile.salt_len(), key_and_salt.len())?;
        let (key, salt) = key_and_salt.split_at(profile.key_len());
        MasterKey::new(profile, key, salt)
    }

    /// The profile these keys are for.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The master key.
    pub fn key(&self) -> &[u8] {
        prefix(&self.key, self.profile.key_len())
    }

    /// The master salt.
    pub fn salt(&self) -> &[u8] {
        prefix(&self.salt, self.profile.salt_len())
    }
}

impl Drop for MasterKey {
    fn drop(&mut self) {
        self.key.zeroize();
        self.salt.zeroize();
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}

/// The first `n` bytes of `a` (all of it if shorter; callers pass `n <= a.len()`).
fn prefix(a: &[u8], n: usize) -> &[u8] {
    a.get(..n).unwrap_or(a)
}

fn prefix_mut(a: &mut [u8], n: usize) -> &mut [u8] {
    let n = n.min(a.len());
    a.split_at_mut(n).0
}

fn check_len(expected: usize, got: usize) -> Result<(), KeyError> {
    if expected == got {
        Ok(())
    } else {
        Err(KeyError::WrongLength { expected, got })
    }
}

pub use sansio::DtlsRole;

/// The two master keys of a DTLS-SRTP association: ours (outbound) and the peer's
/// (inbound).
#[derive(Clone, Debug)]
pub struct DtlsSrtpKeys {
    /// Protects what we send.
    pub local: MasterKey,
    /// Unprotects what we receive.
    pub remote: MasterKey,
}

impl DtlsSrtpKeys {
    /// Split the output of the DTLS exporter (label `EXTRACTOR-dtls_srtp`, length
    /// [`Profile::keying_material_len`]) laid out as RFC 5764 §4.2 says:
    /// `client_key | server_key | client_salt | server_salt`.
    pub fn from_keying_material(
        profile: Profile,
        material: &[u8],
        role: DtlsRole,
    ) -> Result<DtlsSrtpKeys, KeyError> {
        check_len(profile.keying_material_len(), material.len())?;
        let (k, s) = (profile.key_len(), profile.salt_len());
        let part = |from: usize, len: usize| material.get(from..from + len).unwrap_or_default();
        let client = MasterKey::new(profile, part(0, k), part(2 * k, s))?;
        let server = MasterKey::new(profile, part(k, k), part(2 * k + s, s))?;
        Ok(match role {
            DtlsRole::Client => DtlsSrtpKeys {
                local: client,
                remote: server,
            },
            DtlsRole::Server => DtlsSrtpKeys {
                local: server,
                remote: client,
            },
        })
    }
}

/// Session keys for SRTP or for SRTCP of one direction: encryption key, authentication key
/// (AES-CM profiles) and session salt.
#[derive(Clone)]
pub struct SessionKeys {
    profile: Profile,
    enc: [u8; 32],
    auth: [u8; 20],
    salt: [u8; 14],
}

impl SessionKeys {
    /// Session keys given directly (test vectors such as RFC 7714 §16, or keys from another
    /// KDF). `auth` is ignored for GCM profiles.
    pub fn new(profile: Profile, enc: &[u8], auth: &[u8], salt: &[u8]) -> Result<Self, KeyError> {
        check_len(profile.key_len(), enc.len())?;
        check_len(profile.salt_len(), salt.len())?;
        let mut keys = SessionKeys {
            profile,
            enc: [0; 32],
            auth: [0; 20],
            salt: [0; 14],
        };
        if !profile.is_aead() {
            check_len(profile.auth_key_len(), auth.len())?;
            keys.auth.copy_from_slice(auth);
        }
        put(&mut keys.enc, 0, enc);
        put(&mut keys.salt, 0, salt);
        Ok(keys)
    }

    /// Derive the SRTP session keys (labels 0, 1, 2) from a master key.
    pub fn derive_rtp(master: &MasterKey) -> SessionKeys {
        Self::derive(
            master,
            [
                Label::RtpEncryption,
                Label::RtpAuthentication,
                Label::RtpSalt,
            ],
        )
    }

    /// Derive the SRTCP session keys (labels 3, 4, 5) from a master key.
    pub fn derive_rtcp(master: &MasterKey) -> SessionKeys {
        Self::derive(
            master,
            [
                Label::RtcpEncryption,
                Label::RtcpAuthentication,
                Label::RtcpSalt,
            ],
        )
    }

    fn derive(master: &MasterKey, [enc, auth, salt]: [Label; 3]) -> SessionKeys {
        let p = master.profile;
        let mut keys = SessionKeys {
            profile: p,
            enc: [0; 32],
            auth: [0; 20],
            salt: [0; 14],
        };
        // The master key and salt lengths were checked by `MasterKey::new`, so `derive`
        // cannot fail here.
        let _ = derive(
            master.key(),
            master.salt(),
            enc,
            prefix_mut(&mut keys.enc, p.key_len()),
        );
        let _ = derive(
            master.key(),
            master.salt(),
            salt,
            prefix_mut(&mut keys.salt, p.salt_len()),
        );
        if !p.is_aead() {
            let _ = derive(master.key(), master.salt(), auth, &mut keys.auth);
        }
        keys
    }

    /// The profile.
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The session encryption key.
    pub fn enc_key(&self) -> &[u8] {
        prefix(&self.enc, self.profile.key_len())
    }

    /// The session authentication key (empty for GCM).
    pub fn auth_key(&self) -> &[u8] {
        prefix(&self.auth, self.profile.auth_key_len())
    }

    /// The session salt.
    pub fn salt(&self) -> &[u8] {
        prefix(&self.salt, self.profile.salt_len())
    }
}

impl Drop for SessionKeys {
    fn drop(&mut self) {
        self.enc.zeroize();
        self.auth.zeroize();
        self.salt.zeroize();
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys")
            .field("profile", &self.profile)
            .finish_non_exhaustive()
    }
}
