//! Credentials: short-term and long-term keys, cached HMAC state, verification, USERHASH.
//!
//! An [`IntegrityKey`] holds HMAC-SHA1 and HMAC-SHA256 states already keyed, so checking or
//! writing a MESSAGE-INTEGRITY costs one HMAC and no key set-up. Build one per credential and
//! keep it (an ICE agent per remote password, a TURN client per realm, a server per user).
//!
//! Passwords, usernames and realms are used as the bytes given. RFC 8489 asks for the
//! OpaqueString profile (RFC 8265) to be applied first; that is the identity for the ASCII
//! credentials used in practice, and callers with non-ASCII credentials must normalise them
//! before calling (this crate carries no Unicode tables, to stay small on microcontrollers).

mod hmac_sha1;
mod nonce;
mod users;

pub use nonce::{NonceCheck, NonceIssuer, SecurityFeatures, NONCE_COOKIE, NONCE_LEN};
#[cfg(feature = "alloc")]
pub use users::UserTable;
pub use users::{StaticUsers, UsersError, MAX_TABLE_REALM, MAX_USER_NAME};

use crate::wire::attr::PasswordAlgorithm;
use crate::wire::Message;
use core::fmt;
use hmac::{Hmac, KeyInit, Mac};
use hmac_sha1::HmacSha1;
use md5::Md5;
use sha2::{Digest, Sha256};

/// Keyed HMAC state for one credential.
#[derive(Clone)]
pub struct IntegrityKey {
    sha1: HmacSha1,
    sha256: Hmac<Sha256>,
}

impl fmt::Debug for IntegrityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IntegrityKey(..)")
    }
}

/// Why a message's integrity check failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IntegrityError {
    /// Neither MESSAGE-INTEGRITY nor MESSAGE-INTEGRITY-SHA256 is present.
    Missing,
    /// The MAC does not match: wrong key, or the message was altered.
    Mismatch,
}

impl fmt::Display for IntegrityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IntegrityError::Missing => "no MESSAGE-INTEGRITY attribute",
            IntegrityError::Mismatch => "MESSAGE-INTEGRITY mismatch",
        })
    }
}

impl core::error::Error for IntegrityError {}

/// Which integrity attribute a message was verified with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IntegrityKind {
    /// MESSAGE-INTEGRITY (HMAC-SHA1).
    Sha1,
    /// MESSAGE-INTEGRITY-SHA256.
    Sha256,
}

impl IntegrityKey {
    /// A key from raw key bytes (any length; HMAC hashes long keys).
    pub fn from_key(key: &[u8]) -> Self {
        IntegrityKey {
            sha1: HmacSha1::new(key),
            sha256: <Hmac<Sha256> as KeyInit>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable_key()),
        }
    }

    /// The short-term key: the password itself (RFC 8489 §9.1.1), as ICE uses it.
    pub fn short_term(password: &[u8]) -> Self {
        Self::from_key(password)
    }

    /// The long-term key for `username`, `realm` and `password` under `algorithm`
    /// (RFC 8489 §9.2.2). Unknown algorithms fall back to MD5, as RFC 5389 agents do.
    pub fn long_term(
        username: &[u8],
        realm: &[u8],
        password: &[u8],
        algorithm: PasswordAlgorithm,
    ) -> Self {
        match algorithm {
            PasswordAlgorithm::Sha256 => {
                Self::from_key(&long_term_key_sha256(username, realm, password))
            }
            _ => Self::from_key(&long_term_key_md5(username, realm, password)),
        }
    }

    /// HMAC-SHA1 over the concatenation of `parts`.
    pub fn sha1_parts(&self, parts: &[&[u8]]) -> [u8; 20] {
        self.sha1.mac(parts)
    }

    /// HMAC-SHA256 over the concatenation of `parts`.
    pub fn sha256_parts(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = self.sha256.clone();
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }

    /// Verify `msg`'s MESSAGE-INTEGRITY-SHA256 if present, else its MESSAGE-INTEGRITY, in
    /// constant time.
    pub fn verify(&self, msg: &Message<'_>) -> Result<IntegrityKind, IntegrityError> {
        if let Some(at) = msg.integrity_sha256_offset() {
            let expected = msg.value_at(at);
            let (t, l, rest) = msg.integrity_input(at, expected.len());
            let mut mac = self.sha256.clone();
            mac.update(&t);
            mac.update(&l);
            mac.update(rest);
            return check(
                mac.verify_truncated_left(expected).is_ok(),
                IntegrityKind::Sha256,
            );
        }
        let at = msg.integrity_offset().ok_or(IntegrityError::Missing)?;
        let (_, length, _) = msg.integrity_input(at, hmac_sha1::MAC_LEN);
        let covered = msg.as_bytes().get(..at).unwrap_or(&[]);
        let mac = self.sha1.mac_with_length(covered, length);
        check(
            hmac_sha1::mac_eq(&mac, msg.value_at(at)),
            IntegrityKind::Sha1,
        )
    }
}

fn check(ok: bool, kind: IntegrityKind) -> Result<IntegrityKind, IntegrityError> {
    if ok || cfg!(fuzzing) {
        Ok(kind)
    } else {
        Err(IntegrityError::Mismatch)
    }
}

#[cold]
fn unreachable_key<T>() -> T {
    // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
    #[allow(clippy::panic)]
    {
        panic!("HMAC rejected a key")
    }
}

/// Where a server finds long-term keys: a user table, a REST-API shared secret (TURN), a
/// database in the adapter.
pub trait KeyLookup {
    /// The long-term key of `username` in `realm` under `algorithm`, or `None` for an unknown
    /// user. Called once per authenticated request: cache keys rather than hashing per call.
    fn long_term_key(
        &self,
        username: &str,
        realm: &str,
        algorithm: PasswordAlgorithm,
    ) -> Option<IntegrityKey>;
}

impl<T: KeyLookup + ?Sized> KeyLookup for &T {
    fn long_term_key(&self, u: &str, r: &str, a: PasswordAlgorithm) -> Option<IntegrityKey> {
        (**self).long_term_key(u, r, a)
    }
}

#[cfg(feature = "alloc")]
impl<T: KeyLookup + ?Sized> KeyLookup for alloc::sync::Arc<T> {
    fn long_term_key(&self, u: &str, r: &str, a: PasswordAlgorithm) -> Option<IntegrityKey> {
        (**self).long_term_key(u, r, a)
    }
}

#[cfg(feature = "alloc")]
impl<T: KeyLookup + ?Sized> KeyLookup for alloc::boxed::Box<T> {
    fn long_term_key(&self, u: &str, r: &str, a: PasswordAlgorithm) -> Option<IntegrityKey> {
        (**self).long_term_key(u, r, a)
    }
}

/// MD5(username ":" realm ":" password): the RFC 5389 long-term key.
pub fn long_term_key_md5(username: &[u8], realm: &[u8], password: &[u8]) -> [u8; 16] {
    let mut h = Md5::new();
    for part in [username, b":", realm, b":", password] {
        h.update(part);
    }
    h.finalize().into()
}

/// SHA-256(username ":" realm ":" password): the RFC 8489 SHA-256 long-term key.
pub fn long_term_key_sha256(username: &[u8], realm: &[u8], password: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [username, b":", realm, b":", password] {
        h.update(part);
    }
    h.finalize().into()
}

/// USERHASH: SHA-256(username ":" realm) (RFC 8489 §14.4).
pub fn userhash(username: &[u8], realm: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [username, b":", realm] {
        h.update(part);
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn md5_key_matches_rfc5769_2_4() {
        // RFC 5769 §2.4: username "マトリックス" (after SASLprep), realm "example.org",
        // password "TheMatrIX" (after SASLprep).
        let key = long_term_key_md5("マトリックス".as_bytes(), b"example.org", b"TheMatrIX");
        // Independently computed: python3 hashlib.md5("マトリックス:example.org:TheMatrIX")
        let expected = [
            0xe8, 0xca, 0x7a, 0xd5, 0x9d, 0x5e, 0xb0, 0x51, 0x8e, 0x31, 0x29, 0x11, 0xd2, 0xda,
            0xb2, 0xa9,
        ];
        assert_eq!(key, expected);
    }
}
