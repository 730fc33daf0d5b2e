//! ECDSA signatures between DER and raw scalars, for providers whose primitive (a hardware
//! engine, an assembly library) signs and verifies with `(r, s)` as plain 32-byte integers.

use super::{CryptoError, Signature, MAX_SIGNATURE_LEN};
use crate::cert::der::{DerReader, DerWriter, INTEGER, SEQUENCE};

/// Bytes of a P-256 scalar.
pub const SCALAR_LEN: usize = 32;

impl Signature {
    /// The DER signature (`SEQUENCE { INTEGER r, INTEGER s }`, minimal) of the big-endian
    /// scalars `r` and `s`.
    pub fn from_scalars(r: &[u8; SCALAR_LEN], s: &[u8; SCALAR_LEN]) -> Result<Self, CryptoError> {
        let mut buf = [0u8; MAX_SIGNATURE_LEN];
        let mut w = DerWriter::new(&mut buf);
        w.nested(SEQUENCE, |w| {
            w.unsigned(r)?;
            w.unsigned(s)
        })
        .map_err(|_| CryptoError::BadLength)?;
        Signature::from_der(w.written())
    }
}

/// The scalars `(r, s)`, big-endian, of a DER ECDSA P-256 signature. Strict DER: one
/// SEQUENCE of two INTEGERs and nothing after it, each integer positive, minimally encoded
/// and at most 32 bytes of magnitude; anything else is [`CryptoError::BadSignature`]. Whether
/// `r` and `s` lie in `1..n` is for the primitive to check.
pub fn signature_scalars(der: &[u8]) -> Result<([u8; SCALAR_LEN], [u8; SCALAR_LEN]), CryptoError> {
    let mut outer = DerReader::new(der);
    let (tag, body) = outer.read().map_err(|_| CryptoError::BadSignature)?;
    if tag != SEQUENCE || !outer.is_empty() || !minimal_length(der) {
        return Err(CryptoError::BadSignature);
    }
    let mut inner = DerReader::new(body);
    let r = scalar(&mut inner)?;
    let s = scalar(&mut inner)?;
    if !inner.is_empty() {
        return Err(CryptoError::BadSignature);
    }
    // Strict DER has one encoding: an INTEGER's length in the long form (`02 81 01 ..`),
    // which the reader takes, is refused here.
    match Signature::from_scalars(&r, &s) {
        Ok(canonical) if canonical.as_der() == der => Ok((r, s)),
        _ => Err(CryptoError::BadSignature),
    }
}

/// Whether the outer element's length is in its shortest form (a signature's body is at most
/// 70 bytes: one length byte, never the long form).
fn minimal_length(der: &[u8]) -> bool {
    der.get(1).is_some_and(|len| *len < 0x80)
}

/// One positive INTEGER of at most 32 bytes of magnitude, right-aligned.
fn scalar(r: &mut DerReader<'_>) -> Result<[u8; SCALAR_LEN], CryptoError> {
    let v = r.expect(INTEGER).map_err(|_| CryptoError::BadSignature)?;
    let magnitude = match v {
        [] => return Err(CryptoError::BadSignature),
        [b, ..] if *b >= 0x80 => return Err(CryptoError::BadSignature), // negative
        [0, next, ..] if *next < 0x80 => return Err(CryptoError::BadSignature), // not minimal
        [0, rest @ ..] if !rest.is_empty() => rest,
        all => all,
    };
    let mut out = [0u8; SCALAR_LEN];
    let at = SCALAR_LEN
        .checked_sub(magnitude.len())
        .ok_or(CryptoError::BadSignature)?;
    out.get_mut(at..)
        .ok_or(CryptoError::BadSignature)?
        .copy_from_slice(magnitude);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::Signature as RcSignature;

    fn rustcrypto_der(r: &[u8; 32], s: &[u8; 32]) -> std::vec::Vec<u8> {
        let sig = RcSignature::from_scalars(*r, *s).unwrap();
        sig.to_der().as_bytes().to_vec()
    }

    #[test]
    fn scalars_round_trip_and_match_rustcrypto_der() {
        let mut cases = std::vec::Vec::new();
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..200u32 {
            let mut r = [0u8; 32];
            let mut s = [0u8; 32];
            for b in r.iter_mut().chain(s.iter_mut()) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                *b = x as u8;
            }
            // Edge shapes: a high bit (needs a 0x00 pad), leading zero bytes (shorter).
            match i % 4 {
                0 => r[0] |= 0x80,
                1 => r[..3].fill(0),
                2 => s[..31].fill(0),
                _ => s[0] &= 0x7f,
            }
            // Below n (0xffffffff00000000ff..) and non-zero, as RustCrypto requires.
            r[0] = r[0].min(0xfe);
            s[0] = s[0].min(0xfe);
            r[31] |= 1;
            s[31] |= 1;
            cases.push((r, s));
        }
        for (r, s) in cases {
            let ours = Signature::from_scalars(&r, &s).unwrap();
            assert_eq!(ours.as_der(), rustcrypto_der(&r, &s).as_slice());
            assert_eq!(signature_scalars(ours.as_der()), Ok((r, s)));
        }
    }

    #[test]
    fn non_strict_or_malformed_der_is_refused() {
        let (r, s) = ([0x11u8; 32], [0x92u8; 32]);
        let good = Signature::from_scalars(&r, &s).unwrap();
        let der = good.as_der().to_vec();
        assert_eq!(signature_scalars(&der), Ok((r, s)));
        let refused = |bytes: &[u8]| signature_scalars(bytes) == Err(CryptoError::BadSignature);
        assert!(refused(&[]));
        assert!(refused(&der[..der.len() - 1]), "cut short");
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(refused(&trailing), "bytes after the SEQUENCE");
        let mut tag = der.clone();
        tag[0] = 0x31;
        assert!(refused(&tag), "a SET");
        // s = 0x92.. needs its 0x00 pad: without it, it is negative.
        let neg = [&[0x30, 0x43, 0x02, 0x20][..], &r, &[0x02, 0x20], &s].concat();
        assert!(refused(&neg), "a negative s");
        // A needless 0x00 before r (whose top bit is clear).
        let padded = [
            &[0x30, 0x45, 0x02, 0x21, 0x00][..],
            &r,
            &[0x02, 0x21, 0x00],
            &s,
        ]
        .concat();
        assert!(refused(&padded), "r not minimal");
        // 33 bytes of magnitude.
        let long = [
            &[0x30, 0x46, 0x02, 0x21, 0x01][..],
            &r,
            &[0x02, 0x21, 0x00],
            &s,
        ]
        .concat();
        assert!(refused(&long), "r longer than 32 bytes");
        // The long form of a short length.
        let mut long_len = std::vec![0x30, 0x81, (der.len() - 2) as u8];
        long_len.extend_from_slice(&der[2..]);
        assert!(refused(&long_len), "non-minimal outer length");
        // The long form of an INTEGER's short length (found by the dtls_record fuzz target).
        assert!(refused(&[
            0x30, 0x07, 0x02, 0x81, 0x01, 0x02, 0x02, 0x01, 0x00
        ]));
        // An empty INTEGER and a third INTEGER.
        assert!(refused(&[0x30, 0x04, 0x02, 0x00, 0x02, 0x00]));
        let mut three = der[2..].to_vec();
        three.extend_from_slice(&[0x02, 0x01, 0x01]);
        let mut third = std::vec![0x30, three.len() as u8];
        third.extend_from_slice(&three);
        assert!(refused(&third), "three integers");
    }

    /// RFC 6979 A.2.5: P-256, SHA-256, message "sample". The key, public key and signature a
    /// provider built on raw scalars (the sensor node's) is checked against at boot, too.
    #[test]
    fn rfc6979_sample_signature_is_reproduced_and_splits_into_its_scalars() {
        use crate::crypto::{CryptoProvider, PrivateKey, RustCrypto};
        use sha2::Digest;
        let x = hex32("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721");
        let ux = hex32("60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6");
        let uy = hex32("7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299");
        let r = hex32("EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716");
        let s = hex32("F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
        let key = PrivateKey::from_bytes(x);
        let public = RustCrypto.public_key(&key).unwrap();
        assert_eq!(public.0[1..33], ux);
        assert_eq!(public.0[33..], uy);
        let digest: [u8; 32] = sha2::Sha256::digest(b"sample").into();
        let sig = RustCrypto.sign(&key, &digest).unwrap();
        assert_eq!(signature_scalars(sig.as_der()), Ok((r, s)));
        let ours = Signature::from_scalars(&r, &s).unwrap();
        assert_eq!(RustCrypto.verify(&public, &digest, ours.as_der()), Ok(()));
    }

    fn hex32(s: &str) -> [u8; 32] {
        let mut o = [0u8; 32];
        for (i, b) in o.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        o
    }
}
