//! Stateless HelloVerifyRequest cookies (RFC 6347 §4.2.1): an HMAC over the client's address
//! and the ClientHello fields that stay the same when it is resent, under a secret drawn at
//! start. A server answers an unverified ClientHello without keeping anything.

use crate::wire::hello::ClientHelloPrefix;
use core::net::SocketAddr;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// Bytes of our cookies (a truncated HMAC-SHA256).
pub const COOKIE_LEN: usize = 16;

/// The cookie secret.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct CookieKey([u8; 32]);

impl core::fmt::Debug for CookieKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("CookieKey(..)")
    }
}

impl CookieKey {
    /// A key from 32 random bytes.
    pub fn new(secret: [u8; 32]) -> Self {
        CookieKey(secret)
    }

    /// The cookie for a ClientHello from `from`.
    pub fn cookie(&self, from: SocketAddr, hello: &ClientHelloPrefix<'_>) -> [u8; COOKIE_LEN] {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return [0; COOKIE_LEN];
        };
        match from {
            SocketAddr::V4(a) => mac.update(&a.ip().octets()),
            SocketAddr::V6(a) => mac.update(&a.ip().octets()),
        }
        mac.update(&from.port().to_be_bytes());
        mac.update(&hello.version.to_be_bytes());
        mac.update(&hello.random);
        mac.update(&[hello.session_id.len() as u8]);
        mac.update(hello.session_id);
        let full = mac.finalize().into_bytes();
        let mut out = [0u8; COOKIE_LEN];
        out.copy_from_slice(full.get(..COOKIE_LEN).unwrap_or(&[0; COOKIE_LEN]));
        out
    }

    /// Whether `hello` carries the cookie we would give a ClientHello from `from` (constant
    /// time). Under `cfg(fuzzing)` any non-empty cookie passes, so fuzzers reach the handshake.
    pub fn verify(&self, from: SocketAddr, hello: &ClientHelloPrefix<'_>) -> bool {
        if cfg!(fuzzing) {
            return !hello.cookie.is_empty();
        }
        let expected = self.cookie(from, hello);
        subtle::ConstantTimeEq::ct_eq(&expected[..], hello.cookie).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_binds_address_and_hello() {
        let key = CookieKey::new([9; 32]);
        let a: SocketAddr = "192.0.2.1:5000".parse().unwrap();
        let b: SocketAddr = "192.0.2.1:5001".parse().unwrap();
        let mut hello = ClientHelloPrefix {
            version: 0xfefd,
            random: [1; 32],
            session_id: &[],
            cookie: &[],
        };
        let c = key.cookie(a, &hello);
        hello.cookie = &c;
        assert!(key.verify(a, &hello));
        assert!(!key.verify(b, &hello), "another port");
        let mut other = hello;
        other.random[0] = 2;
        assert!(!key.verify(a, &other), "another random");
        assert!(!CookieKey::new([8; 32]).verify(a, &hello), "another secret");
        let short = ClientHelloPrefix {
            cookie: &c[..15],
            ..hello
        };
        assert!(!key.verify(a, &short));
    }
}
