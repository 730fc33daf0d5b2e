//! [`CryptoProvider`] on the RustCrypto crates.

use super::{
    CryptoError, CryptoProvider, PrivateKey, PublicKey, RecordAead, SharedSecret, Signature,
    NONCE_LEN, TAG_LEN,
};
use crate::types::CipherSuite;
use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::Aes128Gcm;
use core::fmt;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use p256::ecdsa::{DerSignature, VerifyingKey};
use p256::elliptic_curve::sec1::ToSec1Point;

/// The default provider: `p256` (with its precomputed tables when the `p256-tables` feature is
/// on), `aes-gcm`, `chacha20poly1305`. A zero-sized value.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustCrypto;

/// A keyed RustCrypto AEAD (key schedules are zeroized on drop).
// No allocator to box the larger key schedule: the enum is as big as AES-GCM's.
#[allow(clippy::large_enum_variant)]
pub enum RustCryptoAead {
    /// AES-128-GCM.
    Aes128Gcm(Aes128Gcm),
    /// ChaCha20-Poly1305.
    #[cfg(feature = "chacha20")]
    Chacha20Poly1305(chacha20poly1305::ChaCha20Poly1305),
}

impl fmt::Debug for RustCryptoAead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RustCryptoAead::Aes128Gcm(_) => "Aes128Gcm(..)",
            #[cfg(feature = "chacha20")]
            RustCryptoAead::Chacha20Poly1305(_) => "Chacha20Poly1305(..)",
        })
    }
}

fn seal_with<A: AeadInOut>(
    a: &A,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut [u8],
) -> Result<[u8; TAG_LEN], CryptoError> {
    let nonce =
        aes_gcm::aead::Nonce::<A>::try_from(&nonce[..]).map_err(|_| CryptoError::BadLength)?;
    let tag = a
        .encrypt_inout_detached(&nonce, aad, buf.into())
        .map_err(|_| CryptoError::BadLength)?;
    <[u8; TAG_LEN]>::try_from(tag.as_slice()).map_err(|_| CryptoError::BadLength)
}

fn open_with<A: AeadInOut>(
    a: &A,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), CryptoError> {
    let nonce =
        aes_gcm::aead::Nonce::<A>::try_from(&nonce[..]).map_err(|_| CryptoError::BadLength)?;
    let tag = aes_gcm::aead::Tag::<A>::try_from(&tag[..]).map_err(|_| CryptoError::BadLength)?;
    a.decrypt_inout_detached(&nonce, aad, buf.into(), &tag)
        .map_err(|_| CryptoError::BadTag)
}

impl RecordAead for RustCryptoAead {
    fn seal(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN], CryptoError> {
        match self {
            RustCryptoAead::Aes128Gcm(a) => seal_with(a, nonce, aad, buf),
            #[cfg(feature = "chacha20")]
            RustCryptoAead::Chacha20Poly1305(a) => seal_with(a, nonce, aad, buf),
        }
    }

    fn open(
        &self,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), CryptoError> {
        match self {
            RustCryptoAead::Aes128Gcm(a) => open_with(a, nonce, aad, buf, tag),
            #[cfg(feature = "chacha20")]
            RustCryptoAead::Chacha20Poly1305(a) => open_with(a, nonce, aad, buf, tag),
        }
    }
}

fn secret_key(key: &PrivateKey) -> Result<p256::SecretKey, CryptoError> {
    let bytes = p256::FieldBytes::from(*key.as_bytes());
    p256::SecretKey::from_bytes(&bytes).map_err(|_| CryptoError::BadPrivateKey)
}

fn point(public: &PublicKey) -> Result<p256::PublicKey, CryptoError> {
    p256::PublicKey::from_sec1_bytes(public.as_bytes()).map_err(|_| CryptoError::BadPublicKey)
}

impl CryptoProvider for RustCrypto {
    type Aead = RustCryptoAead;

    fn aead(&self, suite: CipherSuite, key: &[u8]) -> Result<RustCryptoAead, CryptoError> {
        match suite {
            CipherSuite::EcdheEcdsaAes128GcmSha256 => Aes128Gcm::new_from_slice(key)
                .map(RustCryptoAead::Aes128Gcm)
                .map_err(|_| CryptoError::BadLength),
            #[cfg(feature = "chacha20")]
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => {
                chacha20poly1305::ChaCha20Poly1305::new_from_slice(key)
                    .map(RustCryptoAead::Chacha20Poly1305)
                    .map_err(|_| CryptoError::BadLength)
            }
            #[cfg(not(feature = "chacha20"))]
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256 => Err(CryptoError::BadLength),
        }
    }

    fn public_key(&self, key: &PrivateKey) -> Result<PublicKey, CryptoError> {
        let sk = secret_key(key)?;
        let enc = sk.public_key().to_sec1_point(false);
        PublicKey::from_sec1(enc.as_bytes())
    }

    fn ecdh(&self, key: &PrivateKey, public: &PublicKey) -> Result<SharedSecret, CryptoError> {
        let sk = secret_key(key)?;
        let pk = point(public)?;
        let shared = p256::ecdh::diffie_hellman(sk.to_nonzero_scalar(), pk.as_affine());
        let mut out = SharedSecret([0; 32]);
        out.0.copy_from_slice(shared.raw_secret_bytes());
        Ok(out)
    }

    fn sign(&self, key: &PrivateKey, digest: &[u8; 32]) -> Result<Signature, CryptoError> {
        // RFC 6979 from the secret scalar directly: `SigningKey::from_bytes` would also compute
        // the public key, one more scalar multiplication per signature.
        let d = secret_key(key)?.to_nonzero_scalar();
        let (sig, _) =
            ecdsa::hazmat::sign_prehashed_rfc6979::<p256::NistP256, sha2::Sha256>(&d, digest, &[]);
        let der: DerSignature = sig.to_der();
        Signature::from_der(der.as_bytes())
    }

    fn verify(
        &self,
        public: &PublicKey,
        digest: &[u8; 32],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let vk = VerifyingKey::from_sec1_bytes(public.as_bytes())
            .map_err(|_| CryptoError::BadPublicKey)?;
        let sig =
            p256::ecdsa::Signature::from_der(signature).map_err(|_| CryptoError::BadSignature)?;
        vk.verify_prehash(digest, &sig)
            .map_err(|_| CryptoError::BadSignature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sansio::SeededEntropy;

    #[test]
    fn ecdh_agrees_and_signatures_verify() {
        let c = RustCrypto;
        let mut e = SeededEntropy::new(1);
        let (a, a_pub) = PrivateKey::generate(&c, &mut e).unwrap();
        let (b, b_pub) = PrivateKey::generate(&c, &mut e).unwrap();
        assert_eq!(c.ecdh(&a, &b_pub).unwrap().0, c.ecdh(&b, &a_pub).unwrap().0);
        let digest = [7u8; 32];
        let sig = c.sign(&a, &digest).unwrap();
        assert_eq!(c.verify(&a_pub, &digest, sig.as_der()), Ok(()));
        assert_eq!(
            c.verify(&b_pub, &digest, sig.as_der()),
            Err(CryptoError::BadSignature)
        );
        assert_eq!(
            c.verify(&a_pub, &[8; 32], sig.as_der()),
            Err(CryptoError::BadSignature)
        );
        // Not on the curve.
        let mut bad = a_pub;
        bad.0[64] ^= 1;
        assert_eq!(c.ecdh(&a, &bad).err(), Some(CryptoError::BadPublicKey));
        assert_eq!(
            c.public_key(&PrivateKey::from_bytes([0; 32])),
            Err(CryptoError::BadPrivateKey)
        );
        assert_eq!(
            c.public_key(&PrivateKey::from_bytes([0xff; 32])),
            Err(CryptoError::BadPrivateKey)
        );
    }

    #[test]
    // One suite without the `chacha20` feature.
    #[allow(clippy::single_element_loop)]
    fn aead_round_trip_and_tamper() {
        let c = RustCrypto;
        for suite in [
            CipherSuite::EcdheEcdsaAes128GcmSha256,
            #[cfg(feature = "chacha20")]
            CipherSuite::EcdheEcdsaChacha20Poly1305Sha256,
        ] {
            let key = [3u8; 32];
            let a = c.aead(suite, &key[..suite.key_len()]).unwrap();
            let mut buf = *b"hello, record layer";
            let tag = a.seal(&[1; 12], b"aad", &mut buf).unwrap();
            assert_ne!(&buf, b"hello, record layer");
            let mut copy = buf;
            a.open(&[1; 12], b"aad", &mut copy, &tag).unwrap();
            assert_eq!(&copy, b"hello, record layer");
            let mut copy = buf;
            assert_eq!(
                a.open(&[1; 12], b"aaD", &mut copy, &tag),
                Err(CryptoError::BadTag)
            );
            assert!(c.aead(suite, &key[..5]).is_err());
        }
    }

    #[test]
    fn aes128gcm_matches_the_gcm_spec_test_case_4() {
        // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 4 (AES-128).
        let key = hex("feffe9928665731c6d6a8f9467308308");
        let iv: [u8; 12] = hex("cafebabefacedbaddecaf888").try_into().unwrap();
        let pt = hex("d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        let aad = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        let ct = hex("42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091");
        let tag = hex("5bc94fbc3221a5db94fae95ae7121a47");
        let a = RustCrypto
            .aead(CipherSuite::EcdheEcdsaAes128GcmSha256, &key)
            .unwrap();
        let mut buf = pt.clone();
        assert_eq!(a.seal(&iv, &aad, &mut buf).unwrap().to_vec(), tag);
        assert_eq!(buf, ct);
    }

    fn hex(s: &str) -> std::vec::Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }
}
