//! The state cookie (RFC 9260 §5.1.3): everything needed to create the association, signed
//! with HMAC-SHA-256 under a key drawn from the owner's entropy, so the listening side keeps
//! no state before a valid COOKIE-ECHO.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// What the peer offered and both sides will use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Caps {
    pub(crate) forward_tsn: bool,
    pub(crate) reconfig: bool,
    pub(crate) idata: bool,
    /// The peer accepts packets with a zero checksum (RFC 9653).
    pub(crate) zero_checksum: bool,
}

impl Caps {
    fn bits(self) -> u8 {
        u8::from(self.forward_tsn)
            | u8::from(self.reconfig) << 1
            | u8::from(self.idata) << 2
            | u8::from(self.zero_checksum) << 3
    }

    fn from_bits(b: u8) -> Self {
        Caps {
            forward_tsn: b & 1 != 0,
            reconfig: b & 2 != 0,
            idata: b & 4 != 0,
            zero_checksum: b & 8 != 0,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cookie {
    pub(crate) local_tag: u32,
    pub(crate) local_tsn: u32,
    pub(crate) peer_tag: u32,
    pub(crate) peer_tsn: u32,
    pub(crate) peer_rwnd: u32,
    pub(crate) tie_local: u32,
    pub(crate) tie_peer: u32,
    pub(crate) caps: Caps,
    pub(crate) created_us: u64,
}

const BODY: usize = 4 * 7 + 1 + 8 + 3;
const MAC: usize = 32;
pub(crate) const COOKIE_LEN: usize = BODY + MAC;
const VERSION: u8 = 1;

impl Cookie {
    fn body(&self) -> [u8; BODY] {
        let mut b = [0u8; BODY];
        let mut w = crate::wire::Writer::new(&mut b);
        for v in [
            self.local_tag,
            self.local_tsn,
            self.peer_tag,
            self.peer_tsn,
            self.peer_rwnd,
            self.tie_local,
            self.tie_peer,
        ] {
            w.u32(v);
        }
        w.u8(self.caps.bits());
        w.bytes(&self.created_us.to_be_bytes());
        w.u8(VERSION);
        b
    }

    pub(crate) fn seal(&self, key: &[u8; 32]) -> [u8; COOKIE_LEN] {
        let body = self.body();
        let mut out = [0u8; COOKIE_LEN];
        let (b, m) = out.split_at_mut(BODY);
        b.copy_from_slice(&body);
        m.copy_from_slice(&mac(key, &body));
        out
    }

    /// Check the MAC (constant time) and decode; `None` for anything else.
    pub(crate) fn open(key: &[u8; 32], bytes: &[u8]) -> Option<Cookie> {
        if bytes.len() != COOKIE_LEN {
            return None;
        }
        let (body, tag) = bytes.split_at(BODY);
        let mut m = <Hmac<Sha256> as KeyInit>::new_from_slice(key).ok()?;
        m.update(body);
        m.verify_slice(tag).ok()?;
        let w = |i: usize| {
            body.get(i * 4..i * 4 + 4)
                .and_then(|s| s.try_into().ok())
                .map_or(0, u32::from_be_bytes)
        };
        let t = body.get(28..BODY)?;
        if t.get(9) != Some(&VERSION) {
            return None;
        }
        Some(Cookie {
            local_tag: w(0),
            local_tsn: w(1),
            peer_tag: w(2),
            peer_tsn: w(3),
            peer_rwnd: w(4),
            tie_local: w(5),
            tie_peer: w(6),
            caps: Caps::from_bits(*t.first()?),
            created_us: u64::from_be_bytes(t.get(1..9)?.try_into().ok()?),
        })
    }
}

fn mac(key: &[u8; 32], body: &[u8]) -> [u8; MAC] {
    let mut out = [0u8; MAC];
    if let Ok(mut m) = <Hmac<Sha256> as KeyInit>::new_from_slice(key) {
        m.update(body);
        out.copy_from_slice(&m.finalize().into_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sealed_cookie_opens_and_any_change_is_refused() {
        let key = [7u8; 32];
        let c = Cookie {
            local_tag: 1,
            local_tsn: 2,
            peer_tag: 3,
            peer_tsn: 4,
            peer_rwnd: 5,
            tie_local: 6,
            tie_peer: 7,
            caps: Caps {
                idata: true,
                ..Caps::default()
            },
            created_us: 99,
        };
        let sealed = c.seal(&key);
        assert_eq!(Cookie::open(&key, &sealed), Some(c));
        for i in 0..COOKIE_LEN {
            let mut bad = sealed;
            bad[i] ^= 0x40;
            assert_eq!(Cookie::open(&key, &bad), None, "byte {i}");
        }
        assert_eq!(Cookie::open(&[8u8; 32], &sealed), None);
        assert_eq!(Cookie::open(&key, &sealed[..COOKIE_LEN - 1]), None);
    }
}
