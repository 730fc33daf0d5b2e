use super::*;
use crate::crypto::RustCrypto;
use sansio::SeededEntropy;

const OPENSSL_CERT: &[u8] = include_bytes!("../../tests/fixtures/openssl_cert.der");
const OPENSSL_KEY_SEC1: &[u8] = include_bytes!("../../tests/fixtures/openssl_key_sec1.der");
const OPENSSL_KEY_PKCS8: &[u8] = include_bytes!("../../tests/fixtures/openssl_key_pkcs8.der");
const OPENSSL_FINGERPRINT: &str = include_str!("../../tests/fixtures/openssl_cert.sha256");

#[test]
fn openssl_certificate_loads_with_its_key_in_both_encodings() {
    let sec1 = private_key_from_der(OPENSSL_KEY_SEC1).unwrap();
    let pkcs8 = private_key_from_der(OPENSSL_KEY_PKCS8).unwrap();
    assert_eq!(sec1, pkcs8);
    let cert = Certificate::from_der(&RustCrypto, OPENSSL_CERT, sec1).unwrap();
    let expected = OPENSSL_FINGERPRINT
        .trim()
        .trim_start_matches("sha256 Fingerprint=");
    assert_eq!(cert.fingerprint(), Fingerprint::parse(expected).unwrap());
    assert_eq!(std::format!("{}", cert.fingerprint()), expected);
    // Another key does not load with it.
    let other = PrivateKey::from_bytes([1; 32]);
    assert_eq!(
        Certificate::from_der(&RustCrypto, OPENSSL_CERT, other).err(),
        Some(CertError::KeyMismatch)
    );
}

#[test]
fn pkcs8_we_write_reads_back() {
    let key = private_key_from_der(OPENSSL_KEY_SEC1).unwrap();
    let public = RustCrypto.public_key(&key).unwrap();
    let mut out = [0u8; 160];
    let n = private_key_to_pkcs8(&key, &public, &mut out).unwrap();
    assert_eq!(private_key_from_der(&out[..n]).unwrap(), key);
    // OpenSSL's PKCS #8 differs only in carrying the public key too; both start alike.
    assert_eq!(out[..26], OPENSSL_KEY_PKCS8[..26]);
}

#[test]
fn generated_certificate_is_self_consistent() {
    let mut e = SeededEntropy::new(3);
    let cert = Certificate::generate(&RustCrypto, &mut e, &CertParams::default()).unwrap();
    assert!(cert.der().len() < 400, "{} bytes", cert.der().len());
    assert_eq!(peer_public_key(cert.der()).unwrap(), *cert.public_key());
    assert_eq!(cert.fingerprint(), Fingerprint::of(cert.der()));
    // The signature covers the TBS: verify it with the public key.
    let mut c = DerReader::new(cert.der()).sequence().unwrap();
    let tbs = c.read_encoded().unwrap();
    c.sequence().unwrap();
    let bits = c.expect(der::BIT_STRING).unwrap();
    let digest: [u8; 32] = Sha256::digest(tbs).into();
    RustCrypto
        .verify(cert.public_key(), &digest, &bits[1..])
        .unwrap();
    // Another run with other entropy gives another key and fingerprint.
    let other = Certificate::generate(&RustCrypto, &mut e, &CertParams::default()).unwrap();
    assert_ne!(other.fingerprint(), cert.fingerprint());
    // And it reloads from its DER and key.
    let again = Certificate::from_der(&RustCrypto, cert.der(), cert.private_key().clone()).unwrap();
    assert_eq!(again.fingerprint(), cert.fingerprint());
}

#[test]
fn times_use_utc_or_generalized_time() {
    let mut buf = [0u8; 32];
    let mut w = DerWriter::new(&mut buf);
    DateTime::date(2025, 1, 2).emit(&mut w).unwrap();
    assert_eq!(w.written(), b"\x17\x0d250102000000Z");
    let mut w = DerWriter::new(&mut buf);
    CertParams::default().not_after.emit(&mut w).unwrap();
    assert_eq!(w.written(), b"\x18\x0f99991231235959Z");
}

#[test]
fn peer_public_key_refuses_other_keys_and_garbage() {
    assert_eq!(peer_public_key(&[]), Err(CertError::Malformed));
    assert_eq!(
        peer_public_key(&OPENSSL_CERT[..100]),
        Err(CertError::Malformed)
    );
    // Change prime256v1's last OID byte (7 → 8): an unsupported curve.
    let mut other = OPENSSL_CERT.to_vec();
    let at = other
        .windows(OID_PRIME256V1.len())
        .position(|w| w == OID_PRIME256V1)
        .unwrap();
    other[at + OID_PRIME256V1.len() - 1] = 8;
    assert_eq!(peer_public_key(&other), Err(CertError::UnsupportedKey));
}

#[test]
fn fingerprints_parse_and_print() {
    let f = Fingerprint([0xab; 32]);
    let text = std::format!("{f}");
    assert_eq!(text.len(), 32 * 3 - 1);
    assert_eq!(Fingerprint::parse(&text.to_lowercase()), Ok(f));
    assert!(f.matches(&Fingerprint::parse(&text).unwrap()));
    assert!(!f.matches(&Fingerprint([0xac; 32])));
    assert_eq!(
        Fingerprint::parse(&text[..text.len() - 3]),
        Err(FingerprintParseError)
    );
    assert_eq!(
        Fingerprint::parse(&std::format!("{text}:00")),
        Err(FingerprintParseError)
    );
    assert_eq!(Fingerprint::parse("zz"), Err(FingerprintParseError));
}
