//! TURN REST API credentials (draft-uberti-behave-turn-rest, coturn's `--use-auth-secret`):
//! the username is `EXPIRY[:NAME]` (UNIX seconds) and the password
//! `base64(HMAC-SHA1(secret, username))`. Clients make them ([`credentials`]), servers check
//! them (`ServerAuth::with_rest_secret`) with the same functions.

use stun_proto::auth::IntegrityKey;

/// Longest REST username [`credentials`] writes (20 digits, `:`, a name up to 107 bytes).
pub const MAX_USERNAME: usize = 128;
/// Length of a REST password: base64 of a 20-byte HMAC-SHA1.
pub const PASSWORD_LEN: usize = 28;

/// The expiry of a REST-API username `expiry[:user]`, if it has that shape.
pub fn expiry(user: &str) -> Option<u64> {
    let digits = user.split_once(':').map_or(user, |(e, _)| e);
    if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The REST-API password of `username` under `secret`, written to `out`; returns the length
/// written ([`PASSWORD_LEN`]).
pub fn password(secret: &[u8], username: &str, out: &mut [u8; PASSWORD_LEN]) -> usize {
    password_with_key(&IntegrityKey::from_key(secret), username, out)
}

/// [`password`] with the secret's HMAC key already prepared (servers check many).
pub fn password_with_key(
    secret: &IntegrityKey,
    username: &str,
    out: &mut [u8; PASSWORD_LEN],
) -> usize {
    use base64::Engine;
    let mac = secret.sha1_parts(&[username.as_bytes()]);
    base64::engine::general_purpose::STANDARD
        .encode_slice(mac, out)
        .unwrap_or(0)
}

/// A REST username and password for `name`, valid until `expiry` (UNIX seconds).
/// `None` when `name` is too long for [`MAX_USERNAME`].
pub fn credentials(
    secret: &[u8],
    name: &str,
    expiry: u64,
) -> Option<(
    heapless::String<MAX_USERNAME>,
    heapless::String<PASSWORD_LEN>,
)> {
    use core::fmt::Write;
    let mut user = heapless::String::new();
    write!(user, "{expiry}:{name}").ok()?;
    let mut pass = [0u8; PASSWORD_LEN];
    let n = password(secret, &user, &mut pass);
    let text = core::str::from_utf8(pass.get(..n)?).ok()?;
    Some((user, heapless::String::try_from(text).ok()?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn password_matches_coturn_formula() {
        // python3: base64.b64encode(hmac.new(b"secret", b"1700000000:alice", hashlib.sha1).digest())
        let mut out = [0u8; 28];
        let n = password(b"secret", "1700000000:alice", &mut out);
        assert_eq!(n, 28);
        assert_eq!(&out[..], b"d8soP47RbdIKLDUOpnJPVQyq5Ts=");
        let (user, pass) = credentials(b"secret", "alice", 1_700_000_000).unwrap();
        assert_eq!(user.as_str(), "1700000000:alice");
        assert_eq!(pass.as_bytes(), b"d8soP47RbdIKLDUOpnJPVQyq5Ts=");
    }

    #[test]
    fn usernames() {
        assert_eq!(expiry("1700000000:alice"), Some(1_700_000_000));
        assert_eq!(expiry("1700000000"), Some(1_700_000_000));
        assert_eq!(expiry("alice"), None);
        assert_eq!(expiry(":alice"), None);
        assert_eq!(expiry("12a:b"), None);
        assert_eq!(expiry("999999999999999999999:x"), None);
    }
}
