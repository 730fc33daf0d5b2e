//! P-256 for the DTLS handshake on the Cortex-M4: Emil Lenngren's P256-Cortex-M4 (assembly
//! for ARMv7E-M, constant time, at most 2 KB of stack; through the `p256-cortex-m4-sys`
//! bindings) behind dtls-core's [`CryptoProvider`]. The records' AES-GCM stays on RustCrypto.
//!
//! Why: RustCrypto's `p256` + `ecdsa` took about 20 KB of this image's flash and its ECDSA
//! verification a 4.4 KB stack frame; this library is about 7 KB and signs in ~6 ms at 64 MHz.
//! It builds only for Cortex-M4/M33 (`thumbv7em`, `thumbv8m.main`); a board without the DSP
//! extension keeps `dtls_core::crypto::RustCrypto` (see the README's porting note).
//!
//! Nonces are RFC 6979's (RustCrypto's `rfc6979`), so a signature is a function of the key
//! and the digest alone — [`self_test`] checks one against RFC 6979 A.2.5 at boot.

use dtls_core::crypto::{
    signature_scalars, CryptoError, CryptoProvider, PrivateKey, PublicKey, RustCrypto,
    RustCryptoAead, SharedSecret, Signature, PUBLIC_KEY_LEN, SCALAR_LEN,
};
use dtls_core::CipherSuite;
use p256_cortex_m4_sys as ffi;
use rfc6979::bigint::U256;
use zeroize::Zeroize;

/// The order n of P-256's base point.
const ORDER: U256 =
    U256::from_be_hex("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

/// P-256 on P256-Cortex-M4, AES-GCM on RustCrypto. A zero-sized value.
#[derive(Clone, Copy, Debug, Default)]
pub struct P256M4;

/// A 256-bit integer as the library takes it: little-endian 32-bit words.
type Words = [u32; 8];

/// Big-endian bytes → the library's words.
fn words(be: &[u8; SCALAR_LEN]) -> Words {
    let mut w = [0u32; 8];
    for (word, chunk) in w.iter_mut().zip(be.rchunks_exact(4)) {
        *word = u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
    }
    w
}

/// The library's words → big-endian bytes.
fn bytes(w: &Words) -> [u8; SCALAR_LEN] {
    let mut be = [0u8; SCALAR_LEN];
    for (chunk, word) in be.rchunks_exact_mut(4).zip(w) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    be
}

/// Our scalar as words, checked to lie in `1..n` (the library checks only in keygen).
fn scalar(key: &PrivateKey) -> Result<Words, CryptoError> {
    let mut d = words(key.as_bytes());
    // SAFETY: reads the 8 words of `d`, which lives across the call.
    if unsafe { ffi::P256_check_range_n(d.as_ptr()) } {
        Ok(d)
    } else {
        d.zeroize();
        Err(CryptoError::BadPrivateKey)
    }
}

/// A peer's point, validated on the curve by the library.
fn point(public: &PublicKey) -> Result<(Words, Words), CryptoError> {
    let (mut x, mut y) = ([0u32; 8], [0u32; 8]);
    let sec1 = public.as_bytes();
    // SAFETY: writes 8 words to each of `x` and `y` and reads the 65 bytes of `sec1`, whose
    // length is passed; all live across the call.
    let ok = unsafe {
        ffi::p256_octet_string_to_point(
            x.as_mut_ptr(),
            y.as_mut_ptr(),
            sec1.as_ptr(),
            PUBLIC_KEY_LEN as u32,
        )
    };
    ok.then_some((x, y)).ok_or(CryptoError::BadPublicKey)
}

impl CryptoProvider for P256M4 {
    type Aead = RustCryptoAead;

    fn aead(&self, suite: CipherSuite, key: &[u8]) -> Result<RustCryptoAead, CryptoError> {
        RustCrypto.aead(suite, key)
    }

    fn public_key(&self, key: &PrivateKey) -> Result<PublicKey, CryptoError> {
        let mut d = scalar(key)?;
        let (mut x, mut y) = ([0u32; 8], [0u32; 8]);
        // SAFETY: writes 8 words to each of `x` and `y`, reads the 8 of `d`; all are ours.
        let ok = unsafe { ffi::p256_keygen(x.as_mut_ptr(), y.as_mut_ptr(), d.as_ptr()) };
        d.zeroize();
        if !ok {
            return Err(CryptoError::BadPrivateKey);
        }
        let mut sec1 = [4u8; PUBLIC_KEY_LEN];
        sec1[1..33].copy_from_slice(&bytes(&x));
        sec1[33..].copy_from_slice(&bytes(&y));
        Ok(PublicKey(sec1))
    }

    fn ecdh(&self, key: &PrivateKey, public: &PublicKey) -> Result<SharedSecret, CryptoError> {
        let (x, y) = point(public)?;
        let mut d = scalar(key)?;
        let mut shared = SharedSecret([0; 32]);
        // SAFETY: writes the 32 bytes of `shared.0` (big-endian x), reads 8 words from each of
        // `d`, `x` and `y`; all live across the call.
        let ok = unsafe {
            ffi::p256_ecdh_calc_shared_secret(
                shared.0.as_mut_ptr(),
                d.as_ptr(),
                x.as_ptr(),
                y.as_ptr(),
            )
        };
        d.zeroize();
        ok.then_some(shared).ok_or(CryptoError::BadPublicKey)
    }

    fn sign(&self, key: &PrivateKey, digest: &[u8; 32]) -> Result<Signature, CryptoError> {
        let mut d = scalar(key)?;
        let mut nonces =
            rfc6979::KGenerator::<sha2::Sha256, U256>::new(key.as_bytes(), digest, &[], &ORDER);
        let (mut r, mut s) = ([0u32; 8], [0u32; 8]);
        let mut signed = false;
        // The library refuses a k giving r = 0 or s = 0 (probability ~2^-32): take the next.
        for _ in 0..4 {
            let mut k_be = [0u8; SCALAR_LEN];
            nonces.fill_next_k(&mut k_be);
            let mut k = words(&k_be);
            k_be.zeroize();
            // SAFETY: writes 8 words to each of `r` and `s`; reads the 32 bytes of `digest`
            // (length passed) and 8 words from each of `d` and `k`; all live across the call.
            signed = unsafe {
                ffi::p256_sign(
                    r.as_mut_ptr(),
                    s.as_mut_ptr(),
                    digest.as_ptr(),
                    32,
                    d.as_ptr(),
                    k.as_ptr(),
                )
            };
            k.zeroize();
            if signed {
                break;
            }
        }
        d.zeroize();
        match signed {
            true => Signature::from_scalars(&bytes(&r), &bytes(&s)),
            false => Err(CryptoError::BadPrivateKey),
        }
    }

    fn verify(
        &self,
        public: &PublicKey,
        digest: &[u8; 32],
        signature: &[u8],
    ) -> Result<(), CryptoError> {
        let (r, s) = signature_scalars(signature)?;
        let (r, s) = (words(&r), words(&s));
        let (x, y) = point(public)?;
        // SAFETY: reads 8 words from each of `x`, `y`, `r`, `s` and the 32 bytes of `digest`
        // (length passed); all live across the call. `r` and `s` are range-checked inside.
        let ok = unsafe {
            ffi::p256_verify(
                x.as_ptr(),
                y.as_ptr(),
                digest.as_ptr(),
                32,
                r.as_ptr(),
                s.as_ptr(),
            )
        };
        ok.then_some(()).ok_or(CryptoError::BadSignature)
    }
}

/// Known answers at boot (RFC 6979 A.2.5: P-256, SHA-256 of "sample"): the public key of the
/// RFC's key, its deterministic signature byte for byte, that signature verified, and refused
/// once a bit of the digest is flipped; then ECDH agreement between that key and a second one.
/// Whether the library and its bindings work on this core, before a browser relies on them.
pub fn self_test() -> Result<(), &'static str> {
    let x = PrivateKey::from_bytes(hex(
        b"C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721",
    ));
    let ux = hex(b"60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6");
    let uy = hex(b"7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299");
    let r = hex(b"EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716");
    let s = hex(b"F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8");
    // SHA-256("sample").
    let digest = hex(b"AF2BDBE1AA9B6EC1E2ADE1D694F41FC71A831D0268E9891562113D8A62ADD1BF");
    let public = P256M4.public_key(&x).map_err(|_| "keygen")?;
    if public.0[1..33] != ux || public.0[33..] != uy {
        return Err("public key");
    }
    let sig = P256M4.sign(&x, &digest).map_err(|_| "sign")?;
    if signature_scalars(sig.as_der()) != Ok((r, s)) {
        return Err("signature");
    }
    P256M4
        .verify(&public, &digest, sig.as_der())
        .map_err(|_| "verify")?;
    let mut wrong = digest;
    wrong[31] ^= 1;
    if P256M4.verify(&public, &wrong, sig.as_der()).is_ok() {
        return Err("a wrong digest verified");
    }
    let y = PrivateKey::from_bytes(hex(
        b"0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
    ));
    let y_pub = P256M4.public_key(&y).map_err(|_| "keygen")?;
    let (a, b) = (P256M4.ecdh(&x, &y_pub), P256M4.ecdh(&y, &public));
    match (a, b) {
        (Ok(a), Ok(b)) if a.0 == b.0 && a.0 != [0; 32] => Ok(()),
        _ => Err("ecdh"),
    }
}

/// 32 bytes from 64 hex digits (constants only).
fn hex(s: &[u8; 64]) -> [u8; 32] {
    let digit = |c: u8| match c {
        b'0'..=b'9' => c - b'0',
        _ => (c | 0x20) - b'a' + 10,
    };
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        *o = digit(pair[0]) << 4 | digit(pair[1]);
    }
    out
}
