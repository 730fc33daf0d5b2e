//! The cryptographic primitives, behind a small trait a board can replace.
//!
//! [`CryptoProvider`] is what a handshake and the record layer need from the outside:
//! AEAD record protection and P-256 (ECDH, ECDSA sign and verify). [`RustCrypto`] implements it
//! with the RustCrypto crates (`p256`, `aes-gcm`, `chacha20poly1305`) and is the default; a
//! board with a hardware AES engine or a P-256 accelerator implements the trait on its own type
//! and passes it to the endpoint. Hashing (SHA-256) and HMAC stay on `sha2`/`hmac`: the key
//! schedule in [`prf`] is protocol logic on top of them.

pub mod prf;
mod rustcrypto;
mod scalars;

pub use rustcrypto::{RustCrypto, RustCryptoAead};
pub use scalars::{signature_scalars, SCALAR_LEN};

use crate::types::CipherSuite;
use core::fmt;
use sansio::Entropy;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Bytes of an AEAD tag (GCM and Poly1305).
pub const TAG_LEN: usize = 16;
/// Bytes of an AEAD nonce for our suites.
pub const NONCE_LEN: usize = 12;
/// Bytes of an uncompressed P-256 point (`04 || x || y`).
pub const PUBLIC_KEY_LEN: usize = 65;
/// Largest DER ECDSA P-256 signature.
pub const MAX_SIGNATURE_LEN: usize = 72;

/// A cryptographic operation failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// An AEAD tag did not verify.
    BadTag,
    /// A signature did not verify (or was not a valid encoding).
    BadSignature,
    /// A public key is not a valid point (or not uncompressed P-256).
    BadPublicKey,
    /// A private key is not a valid scalar.
    BadPrivateKey,
    /// A key or buffer length the primitive does not accept.
    BadLength,
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CryptoError::BadTag => "AEAD tag mismatch",
            CryptoError::BadSignature => "signature did not verify",
            CryptoError::BadPublicKey => "invalid public key",
            CryptoError::BadPrivateKey => "invalid private key",
            CryptoError::BadLength => "invalid key or buffer length",
        })
    }
}

impl core::error::Error for CryptoError {}

/// A P-256 private key: a big-endian scalar in `1..n`, zeroized on drop.
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop)]
pub struct PrivateKey([u8; 32]);

impl PrivateKey {
    /// The key with scalar `bytes` (checked when used: see [`CryptoProvider::public_key`]).
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        PrivateKey(bytes)
    }

    /// The scalar bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A fresh key from `entropy` (draws again in the negligible case that the bytes are not a
    /// valid scalar), with its public key.
    pub fn generate<C: CryptoProvider + ?Sized>(
        crypto: &C,
        entropy: &mut dyn Entropy,
    ) -> Result<(Self, PublicKey), CryptoError> {
        for _ in 0..8 {
            let mut key = PrivateKey([0; 32]);
            entropy.fill(&mut key.0);
            if let Ok(public) = crypto.public_key(&key) {
                return Ok((key, public));
            }
        }
        Err(CryptoError::BadPrivateKey)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PrivateKey(..)")
    }
}

/// A P-256 public key as an uncompressed SEC1 point.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(pub [u8; PUBLIC_KEY_LEN]);

impl PublicKey {
    /// From SEC1 bytes, which must be an uncompressed point (`04 || x || y`); validity on the
    /// curve is checked by the provider when the key is used.
    pub fn from_sec1(bytes: &[u8]) -> Result<Self, CryptoError> {
        let arr: [u8; PUBLIC_KEY_LEN] = bytes.try_into().map_err(|_| CryptoError::BadPublicKey)?;
        if arr[0] != 4 {
            return Err(CryptoError::BadPublicKey);
        }
        Ok(PublicKey(arr))
    }

    /// The SEC1 bytes.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.0
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PublicKey({:02x}{:02x}{:02x}{:02x}..)",
            self.0[1], self.0[2], self.0[3], self.0[4]
        )
    }
}

/// An ECDH shared secret (the x-coordinate), zeroized on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SharedSecret(pub [u8; 32]);

impl fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedSecret(..)")
    }
}

/// A DER-encoded ECDSA signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    der: [u8; MAX_SIGNATURE_LEN],
    len: usize,
}

impl Signature {
    /// From DER bytes (at most [`MAX_SIGNATURE_LEN`]).
    pub fn from_der(der: &[u8]) -> Result<Self, CryptoError> {
        let mut out = Signature {
            der: [0; MAX_SIGNATURE_LEN],
            len: der.len(),
        };
        out.der
            .get_mut(..der.len())
            .ok_or(CryptoError::BadLength)?
            .copy_from_slice(der);
        Ok(out)
    }

    /// The DER bytes.
    pub fn as_der(&self) -> &[u8] {
        self.der.get(..self.len).unwrap_or(&[])
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({} bytes)", self.len)
    }
}

/// AEAD record protection with one key (one direction of one epoch).
pub trait RecordAead {
    /// Encrypt `buf` in place; returns the tag.
    fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError>;

    /// Decrypt `buf` in place if `tag` verifies; on [`CryptoError::BadTag`] the content of
    /// `buf` is unspecified and must be discarded.
    fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), CryptoError>;
}

/// The primitives a DTLS endpoint needs; implement it to use hardware.
///
/// Implementations must be constant-time where the secret is involved and must verify that
/// public keys are valid curve points.
pub trait CryptoProvider {
    /// A keyed AEAD for one direction of one epoch. Drop should zeroize the key schedule.
    type Aead: RecordAead;

    /// Key the AEAD of `suite` (`key` is [`CipherSuite::key_len`] bytes).
    fn aead(&self, suite: CipherSuite, key: &[u8]) -> Result<Self::Aead, CryptoError>;

    /// The public key of `key`; [`CryptoError::BadPrivateKey`] if it is not a valid scalar.
    fn public_key(&self, key: &PrivateKey) -> Result<PublicKey, CryptoError>;

    /// ECDH: our `key` with the peer's `public` (which must be validated).
    fn ecdh(&self, key: &PrivateKey, public: &PublicKey) -> Result<SharedSecret, CryptoError>;

    /// ECDSA-sign the SHA-256 `digest` (deterministic nonces, RFC 6979, are fine).
    fn sign(&self, key: &PrivateKey, digest: &[u8; 32]) -> Result<Signature, CryptoError>;

    /// Verify the DER ECDSA `signature` of the SHA-256 `digest` by `public`.
    fn verify(
        &self,
        public: &PublicKey,
        digest: &[u8; 32],
        signature: &[u8],
    ) -> Result<(), CryptoError>;
}
