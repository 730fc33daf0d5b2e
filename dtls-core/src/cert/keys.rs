//! EC private keys in DER: SEC1 `ECPrivateKey` (RFC 5915) and PKCS #8 (RFC 5208), read and
//! written, so a device can keep its key (and fingerprint) and hand it to other stacks.

use super::der::{self, DerReader, DerWriter};
use super::{CertError, OID_EC_PUBLIC_KEY, OID_PRIME256V1};
use crate::crypto::{PrivateKey, PublicKey};

/// The P-256 private key in `der`: an `ECPrivateKey` (`openssl ec -outform der`) or a PKCS #8
/// `PrivateKeyInfo` holding one (`openssl pkey -outform der`).
pub fn private_key_from_der(der: &[u8]) -> Result<PrivateKey, CertError> {
    let mut r = DerReader::new(der);
    let mut seq = r.sequence()?;
    let version = seq.expect(der::INTEGER)?;
    match version {
        [1] => sec1_scalar(seq),
        [0] => {
            let mut alg = seq.sequence()?;
            if alg.expect(der::OID)? != OID_EC_PUBLIC_KEY
                || alg.read()? != (der::OID, OID_PRIME256V1)
            {
                return Err(CertError::UnsupportedKey);
            }
            let inner = seq.expect(der::OCTET_STRING)?;
            let mut r = DerReader::new(inner);
            let mut ec = r.sequence()?;
            if ec.expect(der::INTEGER)? != [1] {
                return Err(CertError::Malformed);
            }
            sec1_scalar(ec)
        }
        _ => Err(CertError::Malformed),
    }
}

fn sec1_scalar(mut ec: DerReader<'_>) -> Result<PrivateKey, CertError> {
    let scalar = ec.expect(der::OCTET_STRING)?;
    let bytes: [u8; 32] = scalar.try_into().map_err(|_| CertError::UnsupportedKey)?;
    if let Some(der::CONTEXT_0) = ec.peek_tag() {
        let params = ec.read()?.1;
        if DerReader::new(params).expect(der::OID)? != OID_PRIME256V1 {
            return Err(CertError::UnsupportedKey);
        }
    }
    Ok(PrivateKey::from_bytes(bytes))
}

/// Write `key` (with its `public` key) as PKCS #8 DER into `out`; returns the length.
pub fn private_key_to_pkcs8(
    key: &PrivateKey,
    public: &PublicKey,
    out: &mut [u8],
) -> Result<usize, CertError> {
    let mut inner = [0u8; 128];
    let mut iw = DerWriter::new(&mut inner);
    iw.nested(der::SEQUENCE, |w| {
        w.unsigned(&[1])?;
        w.element(der::OCTET_STRING, key.as_bytes())?;
        w.nested(der::CONTEXT_1, |w| {
            w.nested(der::BIT_STRING, |w| {
                w.raw(&[0])?;
                w.raw(public.as_bytes())
            })
        })
    })?;
    let ec = iw.written();
    let mut w = DerWriter::new(out);
    w.nested(der::SEQUENCE, |w| {
        w.raw(&[der::INTEGER, 1, 0])?;
        w.nested(der::SEQUENCE, |w| {
            w.element(der::OID, OID_EC_PUBLIC_KEY)?;
            w.element(der::OID, OID_PRIME256V1)
        })?;
        w.element(der::OCTET_STRING, ec)
    })?;
    let n = w.len();
    zeroize::Zeroize::zeroize(&mut inner);
    Ok(n)
}
