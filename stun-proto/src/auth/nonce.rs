//! Stateless nonces for the long-term credential mechanism (RFC 8489 §9.2).
//!
//! A nonce is `obMatJos2` + the 4-character security feature set + the expiry (hex seconds on
//! the server's timeline) + a truncated HMAC over the expiry and the client's transport
//! address. The server keeps no per-client state: it recomputes the MAC to check a nonce, so a
//! flood of unauthenticated requests costs it no memory, and a nonce stolen for one client
//! address is useless from another.

use crate::auth::IntegrityKey;
use core::net::SocketAddr;
use core::time::Duration;
use sansio::{Entropy, Instant};

/// The RFC 8489 §9.2 cookie that starts a nonce announcing security features.
pub const NONCE_COOKIE: &str = "obMatJos2";
/// Length of a nonce this module issues.
pub const NONCE_LEN: usize = 9 + 4 + 8 + 16;

/// Security features a server announces in its nonce (RFC 8489 §9.2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SecurityFeatures {
    /// Password algorithms negotiation (SHA-256 keys).
    pub password_algorithms: bool,
    /// Username anonymity (USERHASH).
    pub username_anonymity: bool,
}

impl SecurityFeatures {
    /// The four base64 characters encoding the 24-bit feature set (bit 0 is the MSB).
    fn encode(self) -> [u8; 4] {
        let first =
            (u8::from(self.password_algorithms) << 5) | (u8::from(self.username_anonymity) << 4);
        [b64(first), b'A', b'A', b'A']
    }
}

fn b64(v: u8) -> u8 {
    match v {
        0..=25 => b'A' + v,
        26..=51 => b'a' + v - 26,
        52..=61 => b'0' + v - 52,
        62 => b'+',
        _ => b'/',
    }
}

/// Whether a nonce is usable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonceCheck {
    /// Issued by us, for this client, not expired.
    Valid,
    /// Issued by us for this client but expired: answer 438 Stale Nonce.
    Stale,
    /// Not ours, or for another client: answer 401 with a fresh nonce.
    Invalid,
}

/// Issues and checks stateless nonces.
#[derive(Clone, Debug)]
pub struct NonceIssuer {
    mac: IntegrityKey,
    lifetime: Duration,
    features: SecurityFeatures,
}

impl NonceIssuer {
    /// An issuer with a fresh random secret; nonces last `lifetime` (RFC 8656 suggests
    /// about an hour for TURN; coturn uses 10 minutes).
    pub fn new(entropy: &mut dyn Entropy, lifetime: Duration, features: SecurityFeatures) -> Self {
        let mut secret = [0u8; 32];
        entropy.fill(&mut secret);
        NonceIssuer {
            mac: IntegrityKey::from_key(&secret),
            lifetime,
            features,
        }
    }

    /// The features announced.
    pub fn features(&self) -> SecurityFeatures {
        self.features
    }

    /// A nonce for `client`, valid until `now + lifetime`.
    pub fn issue(&self, now: Instant, client: SocketAddr) -> heapless::String<NONCE_LEN> {
        let expiry = (now + self.lifetime).as_micros() / 1_000_000;
        let expiry = u32::try_from(expiry).unwrap_or(u32::MAX);
        self.format(expiry, client)
    }

    fn format(&self, expiry: u32, client: SocketAddr) -> heapless::String<NONCE_LEN> {
        let mut out = heapless::String::new();
        let _ = out.push_str(NONCE_COOKIE);
        for c in self.features.encode() {
            let _ = out.push(char::from(c));
        }
        push_hex(&mut out, &expiry.to_be_bytes());
        let tag = self.tag(expiry, client);
        push_hex(&mut out, &tag);
        out
    }

    fn tag(&self, expiry: u32, client: SocketAddr) -> [u8; 8] {
        let mut addr = [0u8; 18];
        let ip: &[u8] = match client {
            SocketAddr::V4(a) => &a.ip().octets()[..],
            SocketAddr::V6(a) => &a.ip().octets()[..],
        };
        if let Some(dst) = addr.get_mut(..ip.len()) {
            dst.copy_from_slice(ip);
        }
        let full =
            self.mac
                .sha256_parts(&[&expiry.to_be_bytes(), &addr, &client.port().to_be_bytes()]);
        let mut tag = [0u8; 8];
        tag.copy_from_slice(full.get(..8).unwrap_or(&[0; 8]));
        tag
    }

    /// Check a nonce a request from `client` carries.
    pub fn check(&self, nonce: &str, now: Instant, client: SocketAddr) -> NonceCheck {
        let Some(expiry) = nonce
            .get(13..21)
            .and_then(|h| u32::from_str_radix(h, 16).ok())
        else {
            return NonceCheck::Invalid;
        };
        let expected = self.format(expiry, client);
        // Constant-time comparison: nonces are not secrets, but the tag must not be guessable
        // byte by byte.
        use subtle::ConstantTimeEq;
        if nonce.len() != expected.len() || !bool::from(nonce.as_bytes().ct_eq(expected.as_bytes()))
        {
            return NonceCheck::Invalid;
        }
        if now.as_micros() / 1_000_000 >= u64::from(expiry) {
            NonceCheck::Stale
        } else {
            NonceCheck::Valid
        }
    }
}

fn push_hex<const N: usize>(out: &mut heapless::String<N>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        for nib in [b >> 4, b & 0xF] {
            let _ = out.push(char::from(*HEX.get(usize::from(nib)).unwrap_or(&b'0')));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use sansio::SeededEntropy;

    #[test]
    fn nonce_is_bound_to_client_and_expires() {
        let mut e = SeededEntropy::new(3);
        let issuer = NonceIssuer::new(
            &mut e,
            Duration::from_secs(600),
            SecurityFeatures::default(),
        );
        let a: SocketAddr = "192.0.2.1:4000".parse().unwrap();
        let b: SocketAddr = "192.0.2.1:4001".parse().unwrap();
        let t0 = Instant::from_secs(100);
        let n = issuer.issue(t0, a);
        assert_eq!(n.len(), NONCE_LEN);
        assert!(n.starts_with("obMatJos2AAAA"));
        assert_eq!(issuer.check(&n, t0, a), NonceCheck::Valid);
        assert_eq!(
            issuer.check(&n, Instant::from_secs(699), a),
            NonceCheck::Valid
        );
        assert_eq!(
            issuer.check(&n, Instant::from_secs(700), a),
            NonceCheck::Stale
        );
        assert_eq!(issuer.check(&n, t0, b), NonceCheck::Invalid);
        let mut forged = n.clone();
        forged.truncate(NONCE_LEN - 1);
        let _ = forged.push('0');
        let forged_ok = forged == n;
        assert_eq!(issuer.check(&forged, t0, a) == NonceCheck::Valid, forged_ok);
        let other = NonceIssuer::new(
            &mut e,
            Duration::from_secs(600),
            SecurityFeatures::default(),
        );
        assert_eq!(other.check(&n, t0, a), NonceCheck::Invalid);
        assert_eq!(issuer.check("garbage", t0, a), NonceCheck::Invalid);
    }

    #[test]
    fn features_are_announced_in_the_cookie() {
        let mut e = SeededEntropy::new(3);
        let f = SecurityFeatures {
            password_algorithms: true,
            username_anonymity: false,
        };
        let issuer = NonceIssuer::new(&mut e, Duration::from_secs(60), f);
        let n = issuer.issue(Instant::ZERO, "192.0.2.1:1".parse().unwrap());
        assert!(n.starts_with("obMatJos2gAAA"), "{n}");
    }
}
