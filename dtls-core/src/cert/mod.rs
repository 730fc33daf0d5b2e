//! Certificates: a self-signed ECDSA P-256 certificate generated from injected entropy or
//! loaded (so a device keeps its fingerprint across reboots), the peer certificate's public
//! key, and SHA-256 fingerprints (RFC 8122).

pub mod der;
mod fingerprint;
mod keys;

pub use fingerprint::{Fingerprint, FingerprintParseError};
pub use keys::{private_key_from_der, private_key_to_pkcs8};

use crate::crypto::{CryptoError, CryptoProvider, PrivateKey, PublicKey};
use core::fmt;
use der::{DerError, DerReader, DerWriter};
use sansio::Entropy;
use sha2::{Digest, Sha256};

/// Largest certificate (DER) an endpoint holds: ours, generated (about 300 bytes) or loaded.
pub const MAX_CERT_LEN: usize = 1024;

/// OID 1.2.840.10045.4.3.2, ecdsa-with-SHA256 (content bytes).
const OID_ECDSA_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
/// OID 1.2.840.10045.2.1, id-ecPublicKey.
pub(crate) const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// OID 1.2.840.10045.3.1.7, prime256v1 (secp256r1).
pub(crate) const OID_PRIME256V1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// OID 2.5.4.3, commonName.
const OID_COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];

/// Why a certificate could not be made, loaded or read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertError {
    /// Not well-formed DER, or not an X.509 certificate.
    Malformed,
    /// The key is not an ECDSA P-256 key.
    UnsupportedKey,
    /// The private key does not belong to the certificate.
    KeyMismatch,
    /// Longer than [`MAX_CERT_LEN`], or a field is too long.
    TooLarge,
    /// A cryptographic operation failed.
    Crypto(CryptoError),
}

impl fmt::Display for CertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CertError::Malformed => f.write_str("malformed certificate"),
            CertError::UnsupportedKey => f.write_str("not an ECDSA P-256 key"),
            CertError::KeyMismatch => f.write_str("private key does not match the certificate"),
            CertError::TooLarge => f.write_str("certificate too large"),
            CertError::Crypto(e) => write!(f, "crypto: {e}"),
        }
    }
}

impl core::error::Error for CertError {}

impl From<DerError> for CertError {
    fn from(e: DerError) -> Self {
        match e {
            DerError::BufferTooSmall => CertError::TooLarge,
            _ => CertError::Malformed,
        }
    }
}

impl From<CryptoError> for CertError {
    fn from(e: CryptoError) -> Self {
        CertError::Crypto(e)
    }
}

/// A calendar time in UTC, for the validity of a generated certificate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateTime {
    /// Year (0–9999).
    pub year: u16,
    /// Month (1–12).
    pub month: u8,
    /// Day (1–31).
    pub day: u8,
    /// Hour (0–23).
    pub hour: u8,
    /// Minute (0–59).
    pub minute: u8,
    /// Second (0–59).
    pub second: u8,
}

impl DateTime {
    /// Midnight at the start of a day.
    pub const fn date(year: u16, month: u8, day: u8) -> Self {
        DateTime {
            year,
            month,
            day,
            hour: 0,
            minute: 0,
            second: 0,
        }
    }

    /// Write as UTCTime (1950–2049) or GeneralizedTime (RFC 5280 §4.1.2.5).
    fn emit(&self, w: &mut DerWriter<'_>) -> Result<(), DerError> {
        let mut s = [0u8; 15];
        let digits = |out: &mut [u8], v: u16| {
            let mut v = v;
            for d in out.iter_mut().rev() {
                *d = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        let utc = (1950..2050).contains(&self.year);
        let (year_len, tag) = if utc {
            (2, der::UTC_TIME)
        } else {
            (4, der::GENERALIZED_TIME)
        };
        let fields = [
            (year_len, self.year),
            (2, u16::from(self.month)),
            (2, u16::from(self.day)),
            (2, u16::from(self.hour)),
            (2, u16::from(self.minute)),
            (2, u16::from(self.second)),
        ];
        let mut at = 0;
        for (len, v) in fields {
            digits(s.get_mut(at..at + len).ok_or(DerError::Malformed)?, v);
            at += len;
        }
        *s.get_mut(at).ok_or(DerError::Malformed)? = b'Z';
        w.element(tag, s.get(..=at).ok_or(DerError::Malformed)?)
    }
}

/// What goes into a generated certificate.
#[derive(Clone, Copy, Debug)]
pub struct CertParams<'a> {
    /// Subject and issuer common name.
    pub common_name: &'a str,
    /// Start of validity.
    pub not_before: DateTime,
    /// End of validity (`9999-12-31 23:59:59`: no well-defined expiration, RFC 5280).
    pub not_after: DateTime,
}

impl Default for CertParams<'_> {
    fn default() -> Self {
        CertParams {
            common_name: "WebRTC",
            not_before: DateTime::date(2025, 1, 1),
            not_after: DateTime {
                year: 9999,
                month: 12,
                day: 31,
                hour: 23,
                minute: 59,
                second: 59,
            },
        }
    }
}

/// Our certificate and its private key.
#[derive(Clone)]
pub struct Certificate {
    der: heapless::Vec<u8, MAX_CERT_LEN>,
    key: PrivateKey,
    public: PublicKey,
    fingerprint: Fingerprint,
}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("len", &self.der.len())
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl Certificate {
    /// A fresh self-signed certificate with a new key drawn from `entropy`.
    pub fn generate<C: CryptoProvider>(
        crypto: &C,
        entropy: &mut dyn Entropy,
        params: &CertParams<'_>,
    ) -> Result<Self, CertError> {
        let (key, public) = PrivateKey::generate(crypto, entropy)?;
        let mut serial = [0u8; 16];
        entropy.fill(&mut serial);
        // Positive and minimally encoded: first byte in 0x40..=0x7f.
        serial[0] = (serial[0] & 0x3f) | 0x40;
        let mut der = [0u8; MAX_CERT_LEN];
        let len = write_certificate(crypto, &key, &public, &serial, params, &mut der)?;
        Self::assemble(der.get(..len).unwrap_or(&[]), key, public)
    }

    /// Load a certificate (DER) and its private key, checking that they belong together.
    pub fn from_der<C: CryptoProvider>(
        crypto: &C,
        der: &[u8],
        key: PrivateKey,
    ) -> Result<Self, CertError> {
        let public = crypto.public_key(&key)?;
        if peer_public_key(der)? != public {
            return Err(CertError::KeyMismatch);
        }
        Self::assemble(der, key, public)
    }

    fn assemble(der: &[u8], key: PrivateKey, public: PublicKey) -> Result<Self, CertError> {
        Ok(Certificate {
            der: heapless::Vec::from_slice(der).map_err(|_| CertError::TooLarge)?,
            key,
            public,
            fingerprint: Fingerprint::of(der),
        })
    }

    /// The certificate (DER).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The private key.
    pub fn private_key(&self) -> &PrivateKey {
        &self.key
    }

    /// The public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// SHA-256 fingerprint, for `a=fingerprint:sha-256 …`.
    pub fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }
}

fn write_name(w: &mut DerWriter<'_>, cn: &str) -> Result<(), DerError> {
    w.nested(der::SEQUENCE, |w| {
        w.nested(der::SET, |w| {
            w.nested(der::SEQUENCE, |w| {
                w.element(der::OID, OID_COMMON_NAME)?;
                w.element(der::UTF8_STRING, cn.as_bytes())
            })
        })
    })
}

fn write_spki(w: &mut DerWriter<'_>, public: &PublicKey) -> Result<(), DerError> {
    w.nested(der::SEQUENCE, |w| {
        w.nested(der::SEQUENCE, |w| {
            w.element(der::OID, OID_EC_PUBLIC_KEY)?;
            w.element(der::OID, OID_PRIME256V1)
        })?;
        w.nested(der::BIT_STRING, |w| {
            w.raw(&[0])?;
            w.raw(public.as_bytes())
        })
    })
}

fn write_ecdsa_sha256(w: &mut DerWriter<'_>) -> Result<(), DerError> {
    w.nested(der::SEQUENCE, |w| w.element(der::OID, OID_ECDSA_SHA256))
}

/// Write the TBSCertificate of RFC 5280 §4.1 (v3, no extensions).
fn write_tbs(
    w: &mut DerWriter<'_>,
    public: &PublicKey,
    serial: &[u8],
    p: &CertParams<'_>,
) -> Result<(), DerError> {
    w.nested(der::SEQUENCE, |w| {
        w.nested(der::CONTEXT_0, |w| w.unsigned(&[2]))?;
        w.unsigned(serial)?;
        write_ecdsa_sha256(w)?;
        write_name(w, p.common_name)?;
        w.nested(der::SEQUENCE, |w| {
            p.not_before.emit(w)?;
            p.not_after.emit(w)
        })?;
        write_name(w, p.common_name)?;
        write_spki(w, public)
    })
}

fn write_certificate<C: CryptoProvider>(
    crypto: &C,
    key: &PrivateKey,
    public: &PublicKey,
    serial: &[u8],
    params: &CertParams<'_>,
    out: &mut [u8],
) -> Result<usize, CertError> {
    let mut tbs = [0u8; MAX_CERT_LEN];
    let mut tw = DerWriter::new(&mut tbs);
    write_tbs(&mut tw, public, serial, params)?;
    let tbs = tw.written();
    let digest: [u8; 32] = Sha256::digest(tbs).into();
    let sig = crypto.sign(key, &digest)?;
    let mut w = DerWriter::new(out);
    w.nested(der::SEQUENCE, |w| {
        w.raw(tbs)?;
        write_ecdsa_sha256(w)?;
        w.nested(der::BIT_STRING, |w| {
            w.raw(&[0])?;
            w.raw(sig.as_der())
        })
    })?;
    Ok(w.len())
}

/// The ECDSA P-256 public key of a certificate (DER): what a handshake needs from the peer's.
///
/// Only the structure up to subjectPublicKeyInfo is read; no chain, name or date is checked
/// (WebRTC authenticates the certificate by its fingerprint).
pub fn peer_public_key(cert: &[u8]) -> Result<PublicKey, CertError> {
    let mut outer = DerReader::new(cert);
    let mut certificate = outer.sequence()?;
    let mut tbs = certificate.sequence()?;
    if tbs.peek_tag() == Some(der::CONTEXT_0) {
        tbs.read()?; // version
    }
    tbs.expect(der::INTEGER)?; // serialNumber
    tbs.sequence()?; // signature
    tbs.sequence()?; // issuer
    tbs.sequence()?; // validity
    tbs.sequence()?; // subject
    let mut spki = tbs.sequence()?;
    let mut alg = spki.sequence()?;
    if alg.expect(der::OID)? != OID_EC_PUBLIC_KEY || alg.read()? != (der::OID, OID_PRIME256V1) {
        return Err(CertError::UnsupportedKey);
    }
    let bits = spki.expect(der::BIT_STRING)?;
    match bits.split_first() {
        Some((0, point)) => PublicKey::from_sec1(point).map_err(|_| CertError::UnsupportedKey),
        _ => Err(CertError::Malformed),
    }
}

#[cfg(test)]
mod tests;
