//! A client's credentials and what it learned from the server's challenge.

use crate::auth::{userhash, IntegrityKey};
use crate::wire::attr::{AttrType, Attribute, ErrorCode, PasswordAlgorithm, PasswordAlgorithms};
use crate::wire::{EmitError, Message, MessageBuilder};
use heapless::{String, Vec};

/// Longest username or password a client stores.
pub const MAX_CREDENTIAL_LEN: usize = 128;
/// Longest REALM or NONCE a client stores, in bytes (RFC 8489 allows 127 characters; real
/// servers use ASCII realms and nonces well under 100 bytes).
pub const MAX_CHALLENGE_LEN: usize = 256;

/// The RFC 8489 §9.2 nonce cookie announcing the security feature set.
const NONCE_COOKIE: &str = "obMatJos2";

/// Credentials given to a client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Credentials<'a> {
    /// No authentication (a plain Binding request to a public STUN server).
    None,
    /// Short-term credentials: every request carries USERNAME and MESSAGE-INTEGRITY keyed with
    /// the password (ICE connectivity checks).
    ShortTerm {
        /// USERNAME value.
        username: &'a str,
        /// Password (the HMAC key).
        password: &'a str,
    },
    /// Long-term credentials: the first request goes without, the server's 401 brings REALM
    /// and NONCE, and requests are retried with the derived key (RFC 8489 §9.2).
    LongTerm {
        /// USERNAME value.
        username: &'a str,
        /// Password.
        password: &'a str,
    },
}

/// Why credentials were not accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialsError {
    /// The username or password exceeds [`MAX_CREDENTIAL_LEN`].
    TooLong,
    /// Long-term credentials for a client built without room for a realm and nonce
    /// (`StunClient`'s `L` = 0).
    NoLongTerm,
}

impl core::fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            CredentialsError::TooLong => write!(
                f,
                "username or password longer than {MAX_CREDENTIAL_LEN} bytes"
            ),
            CredentialsError::NoLongTerm => {
                f.write_str("long-term credentials need a client with room for a realm and nonce")
            }
        }
    }
}

impl core::error::Error for CredentialsError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    None,
    ShortTerm,
    LongTerm,
}

/// What to do after an error response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// Retry the request with (new) credentials.
    Retry,
    /// Nothing to retry: report the response.
    GiveUp,
}

/// Authentication state of a client.
#[derive(Clone, Debug)]
pub(crate) struct AuthState<const L: usize> {
    mode: Mode,
    username: String<MAX_CREDENTIAL_LEN>,
    password: String<MAX_CREDENTIAL_LEN>,
    key: Option<IntegrityKey>,
    realm: String<L>,
    nonce: String<L>,
    algorithm: PasswordAlgorithm,
    offered: Vec<PasswordAlgorithm, 4>,
    use_userhash: bool,
    sha256_integrity: bool,
}

fn copy_str<const N: usize>(s: &str) -> Result<String<N>, CredentialsError> {
    let mut out = String::new();
    out.push_str(s).map_err(|_| CredentialsError::TooLong)?;
    Ok(out)
}

impl<const L: usize> AuthState<L> {
    pub(crate) fn new(c: Credentials<'_>) -> Result<Self, CredentialsError> {
        if L == 0 && matches!(c, Credentials::LongTerm { .. }) {
            return Err(CredentialsError::NoLongTerm);
        }
        let (mode, user, pass) = match c {
            Credentials::None => (Mode::None, "", ""),
            Credentials::ShortTerm { username, password } => (Mode::ShortTerm, username, password),
            Credentials::LongTerm { username, password } => (Mode::LongTerm, username, password),
        };
        let key = (mode == Mode::ShortTerm).then(|| IntegrityKey::short_term(pass.as_bytes()));
        Ok(AuthState {
            mode,
            username: copy_str(user)?,
            password: copy_str(pass)?,
            key,
            realm: String::new(),
            nonce: String::new(),
            algorithm: PasswordAlgorithm::Md5,
            offered: Vec::new(),
            use_userhash: false,
            sha256_integrity: false,
        })
    }

    /// The key responses are checked with, once known.
    pub(crate) fn key(&self) -> Option<&IntegrityKey> {
        self.key.as_ref()
    }

    /// Add the authentication attributes and the integrity attribute, if the client has
    /// something to authenticate with yet.
    pub(crate) fn authenticate(&self, b: &mut MessageBuilder<'_>) -> Result<(), EmitError> {
        let Some(key) = &self.key else { return Ok(()) };
        if L > 0 && self.mode == Mode::LongTerm {
            if self.use_userhash {
                let uh = userhash(self.username.as_bytes(), self.realm.as_bytes());
                b.add(&Attribute::UserHash(&uh))?;
            } else {
                b.add(&Attribute::Username(&self.username))?;
            }
            b.add(&Attribute::Realm(&self.realm))?;
            b.add(&Attribute::Nonce(&self.nonce))?;
            if !self.offered.is_empty() {
                b.add(&Attribute::PasswordAlgorithms(PasswordAlgorithms::List(
                    &self.offered,
                )))?;
                b.add(&Attribute::PasswordAlgorithm(self.algorithm))?;
            }
        } else {
            b.add(&Attribute::Username(&self.username))?;
        }
        if self.sha256_integrity {
            b.add_message_integrity_sha256(key)
        } else {
            b.add_message_integrity(key)
        }
    }

    /// Process a 401 or 438 for a request sent with (`had_auth`) or without credentials.
    pub(crate) fn on_challenge(
        &mut self,
        msg: &Message<'_>,
        code: ErrorCode,
        had_auth: bool,
    ) -> Challenge {
        // `L == 0`: no room for a realm and nonce, so no long-term credentials — and none of
        // the code below (MD5 among it) in the image.
        if L == 0 || self.mode != Mode::LongTerm {
            return Challenge::GiveUp;
        }
        let realm = msg.find_map(AttrType::REALM, |a| match a {
            Attribute::Realm(r) => Some(r),
            _ => None,
        });
        let nonce = msg.find_map(AttrType::NONCE, |a| match a {
            Attribute::Nonce(n) => Some(n),
            _ => None,
        });
        let Some(nonce) = nonce else {
            return Challenge::GiveUp;
        };
        let realm_now = match realm {
            Some(r) => copy_str::<L>(r),
            None => Ok(self.realm.clone()),
        };
        let Ok(realm_now) = realm_now else {
            return Challenge::GiveUp;
        };
        if realm_now.is_empty() {
            return Challenge::GiveUp;
        }
        // A 401 after we sent credentials for this realm means they are wrong; a 438 only
        // means the nonce went stale.
        let same_realm = realm_now == self.realm;
        if code == ErrorCode::UNAUTHENTICATED && had_auth && same_realm && self.key.is_some() {
            return Challenge::GiveUp;
        }
        if self.learn(msg, &realm_now, nonce).is_err() {
            return Challenge::GiveUp;
        }
        Challenge::Retry
    }

    fn learn(
        &mut self,
        msg: &Message<'_>,
        realm: &str,
        nonce: &str,
    ) -> Result<(), CredentialsError> {
        let realm_changed = realm != self.realm.as_str();
        self.realm = copy_str(realm)?;
        self.nonce = copy_str(nonce)?;
        let features = security_features(nonce);
        self.offered.clear();
        self.algorithm = PasswordAlgorithm::Md5;
        if let Some(list) = msg.find_map(AttrType::PASSWORD_ALGORITHMS, |a| match a {
            Attribute::PasswordAlgorithms(l) => Some(l),
            _ => None,
        }) {
            // RFC 8489 §9.2.4: negotiate only when the nonce carries the security-feature
            // cookie. The password-algorithms bit is not required: RFC 8489's own example
            // (Appendix B.1) offers algorithms with it clear.
            if features.is_some() {
                for alg in list.iter().take(4) {
                    let _ = self.offered.push(alg);
                }
                if list.contains(PasswordAlgorithm::Sha256) {
                    self.algorithm = PasswordAlgorithm::Sha256;
                }
            }
        }
        self.use_userhash = features.is_some_and(|f| f & FEATURE_USERNAME_ANONYMITY != 0);
        self.sha256_integrity = self.algorithm == PasswordAlgorithm::Sha256;
        if realm_changed || self.key.is_none() || !self.offered.is_empty() {
            self.key = Some(IntegrityKey::long_term(
                self.username.as_bytes(),
                self.realm.as_bytes(),
                self.password.as_bytes(),
                self.algorithm,
            ));
        }
        Ok(())
    }

    /// Remember a fresh NONCE a success response carried.
    pub(crate) fn refresh_nonce(&mut self, msg: &Message<'_>) {
        if self.mode != Mode::LongTerm {
            return;
        }
        if let Some(n) = msg.find_map(AttrType::NONCE, |a| match a {
            Attribute::Nonce(n) => Some(n),
            _ => None,
        }) {
            if let Ok(n) = copy_str(n) {
                self.nonce = n;
            }
        }
    }

    /// The realm learned from the server, if any.
    pub(crate) fn realm(&self) -> Option<&str> {
        (!self.realm.is_empty()).then_some(self.realm.as_str())
    }
}

/// Password-algorithm negotiation (bit 0 of the feature set, RFC 8489 §9.2.1).
#[cfg(test)]
const FEATURE_PASSWORD_ALGORITHMS: u32 = 1 << 23;
/// Username anonymity (bit 1).
const FEATURE_USERNAME_ANONYMITY: u32 = 1 << 22;

/// The 24-bit security feature set a nonce announces, if it starts with the RFC 8489 cookie.
fn security_features(nonce: &str) -> Option<u32> {
    let rest = nonce.strip_prefix(NONCE_COOKIE)?;
    let mut v = 0u32;
    for c in rest.bytes().take(4) {
        v = (v << 6) | u32::from(base64_value(c)?);
    }
    (rest.len() >= 4).then_some(v)
}

fn base64_value(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_set_decodes_from_the_nonce_cookie() {
        assert_eq!(security_features("obMatJos2AAAC..."), Some(2));
        assert_eq!(
            security_features("obMatJos2gAAAxyz"),
            Some(FEATURE_PASSWORD_ALGORITHMS)
        );
        assert_eq!(security_features("obMatJos2wAAA"), Some(0xC0_0000));
        assert_eq!(security_features("f//499k954d6OL34oL9FSTvy64sA"), None);
        assert_eq!(security_features("obMatJos2AA"), None);
    }
}
