//! Long-term credentials on the server (RFC 8489 §9.2, RFC 8656 §5): REALM, stateless
//! NONCEs, keys from a caller-supplied [`KeyLookup`], and coturn-compatible REST-API
//! ephemeral credentials (`--use-auth-secret`).

use core::time::Duration;
use sansio::{Entropy, Instant, Path};
use stun_proto::auth::{IntegrityKey, KeyLookup, NonceCheck, NonceIssuer, SecurityFeatures};
use stun_proto::wire::attr::{AttrType, Attribute, ErrorCode, PasswordAlgorithm};
use stun_proto::wire::Message;

/// Longest REALM this server announces. The realm is in every 401 challenge, the largest
/// answer an unauthenticated request gets, so it bounds the amplification factor: with 32
/// bytes a 20-byte request draws at most 108 bytes (5.4×; see the module docs).
pub const MAX_REALM: usize = 32;
/// Longest USERNAME an allocation records (longer ones are refused with 400).
pub const MAX_USERNAME: usize = 128;
/// Longest REST shared secret.
pub const MAX_SECRET: usize = 256;
/// Most REST shared secrets accepted at once (several, so that a secret can be rotated:
/// add the new one, let credentials made with the old one expire, remove it).
pub const MAX_SECRETS: usize = 8;
/// A username as an allocation stores it.
pub type Username = heapless::String<MAX_USERNAME>;

/// How the server authenticates requests.
#[derive(Debug)]
pub struct TurnAuth<L> {
    realm: heapless::String<MAX_REALM>,
    users: L,
    rest: heapless::Vec<IntegrityKey, MAX_SECRETS>,
    nonces: NonceIssuer,
    unix_at_zero: Option<u64>,
}

/// A request that passed authentication.
#[derive(Debug)]
pub(crate) struct Authed<'m> {
    /// USERNAME as sent.
    pub(crate) user: &'m str,
    /// A freshly derived key, or `None` when the caller's cached key verified the request.
    pub(crate) key: Option<IntegrityKey>,
    /// Whether the request used MESSAGE-INTEGRITY-SHA256 (answer in kind).
    pub(crate) sha256: bool,
}

/// Why a request was not authenticated: the code to answer with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Refusal(pub(crate) ErrorCode);

impl<L: KeyLookup> TurnAuth<L> {
    /// Long-term credentials in `realm` with keys from `users`; nonces last `nonce_lifetime`
    /// (coturn: 600 s) and are keyed with a secret drawn from `entropy`.
    pub fn new(
        realm: &str,
        users: L,
        nonce_lifetime: Duration,
        entropy: &mut dyn Entropy,
    ) -> Result<Self, ConfigError> {
        let realm = heapless::String::try_from(realm).map_err(|_| ConfigError::RealmTooLong)?;
        Ok(TurnAuth {
            realm,
            users,
            rest: heapless::Vec::new(),
            nonces: NonceIssuer::new(entropy, nonce_lifetime, SecurityFeatures::default()),
            unix_at_zero: None,
        })
    }

    /// Also accept REST-API ephemeral credentials made with `secret`: username
    /// `expiry[:user]` (expiry in Unix seconds), password `base64(HMAC-SHA1(secret,
    /// username))`. Expired usernames are refused; the server must know the wall clock
    /// ([`set_unix_time`](Self::set_unix_time)) or it refuses every REST username.
    pub fn with_rest_secret(mut self, secret: &[u8]) -> Result<Self, ConfigError> {
        if secret.len() > MAX_SECRET || secret.is_empty() {
            return Err(ConfigError::SecretLength);
        }
        self.rest
            .push(IntegrityKey::from_key(secret))
            .map_err(|_| ConfigError::TooManySecrets)?;
        Ok(self)
    }

    /// Replace the REST secrets (a configuration reload): `None` stops accepting REST
    /// credentials. Allocations made with the old secret keep their keys.
    pub fn set_rest_secret(&mut self, secret: Option<&[u8]>) -> Result<(), ConfigError> {
        self.set_rest_secrets(secret.into_iter())
    }

    /// Replace the REST secrets with `secrets` (at most [`MAX_SECRETS`]; none stops accepting
    /// REST credentials). A credential made with any of them is accepted. On an error nothing
    /// changes.
    pub fn set_rest_secrets<'s>(
        &mut self,
        secrets: impl Iterator<Item = &'s [u8]>,
    ) -> Result<(), ConfigError> {
        let mut keys = heapless::Vec::new();
        for s in secrets {
            if s.len() > MAX_SECRET || s.is_empty() {
                return Err(ConfigError::SecretLength);
            }
            keys.push(IntegrityKey::from_key(s))
                .map_err(|_| ConfigError::TooManySecrets)?;
        }
        self.rest = keys;
        Ok(())
    }

    /// The key lookup.
    pub fn users(&self) -> &L {
        &self.users
    }

    /// The key lookup (e.g. to replace the users on a configuration reload; allocations keep
    /// the key they were made with until their user sends a request with another).
    pub fn users_mut(&mut self) -> &mut L {
        &mut self.users
    }

    /// Tell the server that `now` is `unix_secs` on the wall clock (call at start and after
    /// clock steps); REST expiries are compared against it.
    pub fn set_unix_time(&mut self, now: Instant, unix_secs: u64) {
        self.unix_at_zero = Some(unix_secs.saturating_sub(now.as_micros() / 1_000_000));
    }

    /// The realm.
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// A fresh nonce for `client`.
    pub(crate) fn nonce(
        &self,
        now: Instant,
        client: &Path,
    ) -> heapless::String<{ stun_proto::auth::NONCE_LEN }> {
        self.nonces.issue(now, nonce_subject(client))
    }

    fn unix_now(&self, now: Instant) -> Option<u64> {
        self.unix_at_zero
            .map(|z| z.saturating_add(now.as_micros() / 1_000_000))
    }

    /// Authenticate `msg` from `client`. `cached` is the allocation's (username, key) pair:
    /// when the request's username matches it the key is reused and no lookup happens.
    pub(crate) fn check<'m>(
        &self,
        now: Instant,
        client: &Path,
        msg: &Message<'m>,
        cached: Option<(&str, &IntegrityKey)>,
    ) -> Result<Authed<'m>, Refusal> {
        let sha256 = msg.integrity_sha256_offset().is_some();
        if !sha256 && msg.integrity_offset().is_none() {
            return Err(Refusal(ErrorCode::UNAUTHENTICATED));
        }
        let text = |kind| {
            msg.find_map(kind, |a| match a {
                Attribute::Realm(s) | Attribute::Nonce(s) | Attribute::Username(s) => Some(s),
                _ => None,
            })
        };
        let (Some(user), Some(realm), Some(nonce)) = (
            text(AttrType::USERNAME),
            text(AttrType::REALM),
            text(AttrType::NONCE),
        ) else {
            return Err(Refusal(ErrorCode::BAD_REQUEST));
        };
        match self.nonces.check(nonce, now, nonce_subject(client)) {
            NonceCheck::Valid => {}
            NonceCheck::Stale => return Err(Refusal(ErrorCode::STALE_NONCE)),
            NonceCheck::Invalid => return Err(Refusal(ErrorCode::UNAUTHENTICATED)),
        }
        if realm != self.realm.as_str() {
            return Err(Refusal(ErrorCode::UNAUTHENTICATED));
        }
        let algorithm = msg
            .find_map(AttrType::PASSWORD_ALGORITHM, |a| match a {
                Attribute::PasswordAlgorithm(p) => Some(p),
                _ => None,
            })
            .unwrap_or(PasswordAlgorithm::Md5);
        if self.rest_user(user).is_some() && !self.rest_valid(now, user) {
            return Err(Refusal(ErrorCode::UNAUTHENTICATED));
        }
        if let Some((cached_user, key)) = cached {
            if cached_user == user && key.verify(msg).is_ok() {
                return Ok(Authed {
                    user,
                    key: None,
                    sha256,
                });
            }
        }
        match self.verified_key(user, algorithm, msg) {
            Some(key) => Ok(Authed {
                user,
                key: Some(key),
                sha256,
            }),
            None => Err(Refusal(ErrorCode::UNAUTHENTICATED)),
        }
    }

    /// `Some(expiry)` when a REST secret is configured and `user` is shaped `expiry[:name]`.
    fn rest_user(&self, user: &str) -> Option<u64> {
        if self.rest.is_empty() {
            return None;
        }
        crate::rest::expiry(user)
    }

    fn rest_valid(&self, now: Instant, user: &str) -> bool {
        match (self.rest_user(user), self.unix_now(now)) {
            (Some(expiry), Some(unix)) => expiry > unix,
            _ => false,
        }
    }

    /// The key `msg` verifies with: a REST-shaped username is tried with every secret, any
    /// other is looked up.
    fn verified_key(
        &self,
        user: &str,
        algorithm: PasswordAlgorithm,
        msg: &Message<'_>,
    ) -> Option<IntegrityKey> {
        if self.rest.is_empty() || crate::rest::expiry(user).is_none() {
            let key = self.users.long_term_key(user, &self.realm, algorithm)?;
            return key.verify(msg).is_ok().then_some(key);
        }
        self.rest.iter().find_map(|secret| {
            let mut pass = [0u8; 28];
            let n = crate::rest::password_with_key(secret, user, &mut pass);
            let key = IntegrityKey::long_term(
                user.as_bytes(),
                self.realm.as_bytes(),
                pass.get(..n)?,
                algorithm,
            );
            key.verify(msg).is_ok().then_some(key)
        })
    }
}

/// Nonces are bound to the client's IP address, not its port: an RFC 6062 client opens data
/// connections from new ports and authenticates them with the nonce of its control
/// connection.
fn nonce_subject(client: &Path) -> core::net::SocketAddr {
    core::net::SocketAddr::new(client.remote.ip(), 0)
}

/// Why a server configuration was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The realm exceeds [`MAX_REALM`].
    RealmTooLong,
    /// The REST secret is empty or exceeds [`MAX_SECRET`].
    SecretLength,
    /// More than [`MAX_SECRETS`] REST secrets.
    TooManySecrets,
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            ConfigError::RealmTooLong => "realm too long",
            ConfigError::SecretLength => "REST secret empty or too long",
            ConfigError::TooManySecrets => "too many REST secrets",
        })
    }
}

impl core::error::Error for ConfigError {}
