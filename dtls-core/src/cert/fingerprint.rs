//! SHA-256 certificate fingerprints as SDP carries them (RFC 8122 §5).

use core::fmt;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The SHA-256 fingerprint of a certificate (DER).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

/// The text is not 32 colon-separated hex bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FingerprintParseError;

impl fmt::Display for FingerprintParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a SHA-256 fingerprint (32 colon-separated hex bytes)")
    }
}

impl core::error::Error for FingerprintParseError {}

impl Fingerprint {
    /// The fingerprint of `der`.
    pub fn of(der: &[u8]) -> Self {
        Fingerprint(Sha256::digest(der).into())
    }

    /// Parse the value of `a=fingerprint:sha-256 AB:CD:…` (upper or lower case; the hash name
    /// is the caller's to check).
    pub fn parse(text: &str) -> Result<Self, FingerprintParseError> {
        let mut out = [0u8; 32];
        let mut parts = text.trim().split(':');
        for byte in out.iter_mut() {
            let part = parts.next().ok_or(FingerprintParseError)?;
            if part.len() != 2 {
                return Err(FingerprintParseError);
            }
            *byte = u8::from_str_radix(part, 16).map_err(|_| FingerprintParseError)?;
        }
        if parts.next().is_some() {
            return Err(FingerprintParseError);
        }
        Ok(Fingerprint(out))
    }

    /// Compare in constant time.
    pub fn matches(&self, other: &Fingerprint) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Display for Fingerprint {
    /// Upper-case hex bytes separated by colons, as browsers write them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(":")?;
            }
            write!(f, "{b:02X}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}
