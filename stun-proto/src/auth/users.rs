//! Ready [`KeyLookup`]s for a fixed list of users: every server of the workspace (the STUN
//! Binding server, the TURN server) and every adapter uses these instead of writing its own.
//!
//! Keys are derived once, when a user is added, for both password algorithms (MD5 and
//! SHA-256, RFC 8489 §18.5): a request costs one HMAC, never a password hash. Lookups check
//! the realm, so a table made for one realm never answers for another.

use super::{IntegrityKey, KeyLookup};
use crate::wire::attr::PasswordAlgorithm;
use core::fmt;

/// Longest user name a table keeps (RFC 8489 allows 513 bytes; real deployments use far
/// fewer).
pub const MAX_USER_NAME: usize = 128;
/// Longest realm a table keeps.
pub const MAX_TABLE_REALM: usize = 128;

/// Why a user could not be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UsersError {
    /// The table holds its `N` users already.
    Full,
    /// The name or realm is longer than this table keeps.
    TooLong,
}

impl fmt::Display for UsersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            UsersError::Full => "user table full",
            UsersError::TooLong => "user name or realm too long",
        })
    }
}

impl core::error::Error for UsersError {}

/// Keys of one user under both password algorithms.
#[derive(Clone)]
struct Keys {
    md5: IntegrityKey,
    sha256: IntegrityKey,
}

impl Keys {
    fn new(name: &str, realm: &str, password: &str) -> Self {
        let key = |alg| {
            IntegrityKey::long_term(name.as_bytes(), realm.as_bytes(), password.as_bytes(), alg)
        };
        Keys {
            md5: key(PasswordAlgorithm::Md5),
            sha256: key(PasswordAlgorithm::Sha256),
        }
    }

    fn get(&self, alg: PasswordAlgorithm) -> IntegrityKey {
        match alg {
            PasswordAlgorithm::Sha256 => self.sha256.clone(),
            _ => self.md5.clone(),
        }
    }
}

/// Up to `N` users of one realm, without an allocator (a linear scan: meant for a device or
/// a handful of users; [`UserTable`] scales with `alloc`).
#[derive(Clone)]
pub struct StaticUsers<const N: usize = 8> {
    realm: heapless::String<MAX_TABLE_REALM>,
    users: heapless::Vec<(heapless::String<MAX_USER_NAME>, Keys), N>,
}

impl<const N: usize> StaticUsers<N> {
    /// An empty table for `realm`.
    pub fn new(realm: &str) -> Result<Self, UsersError> {
        Ok(StaticUsers {
            realm: heapless::String::try_from(realm).map_err(|_| UsersError::TooLong)?,
            users: heapless::Vec::new(),
        })
    }

    /// Add (or replace) `name` with `password`.
    pub fn add(&mut self, name: &str, password: &str) -> Result<(), UsersError> {
        let keys = Keys::new(name, &self.realm, password);
        if let Some(slot) = self.users.iter_mut().find(|(n, _)| n == name) {
            slot.1 = keys;
            return Ok(());
        }
        let name = heapless::String::try_from(name).map_err(|_| UsersError::TooLong)?;
        self.users.push((name, keys)).map_err(|_| UsersError::Full)
    }

    /// Users held.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// No user.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

impl<const N: usize> KeyLookup for StaticUsers<N> {
    fn long_term_key(
        &self,
        user: &str,
        realm: &str,
        alg: PasswordAlgorithm,
    ) -> Option<IntegrityKey> {
        if realm != self.realm.as_str() {
            return None;
        }
        let (_, keys) = self.users.iter().find(|(n, _)| n == user)?;
        Some(keys.get(alg))
    }
}

impl<const N: usize> fmt::Debug for StaticUsers<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticUsers")
            .field("realm", &self.realm)
            .field("users", &self.users.len())
            .finish()
    }
}

/// Any number of users of one realm, looked up by name in O(log n) (`alloc`).
#[cfg(feature = "alloc")]
#[derive(Clone, Default)]
pub struct UserTable {
    realm: alloc::string::String,
    users: alloc::collections::BTreeMap<alloc::string::String, Keys>,
}

#[cfg(feature = "alloc")]
impl UserTable {
    /// An empty table for `realm`.
    pub fn new(realm: &str) -> Self {
        UserTable {
            realm: realm.into(),
            users: alloc::collections::BTreeMap::new(),
        }
    }

    /// A table for `realm` holding `users` as (name, password) pairs.
    pub fn with_users<'u>(
        realm: &str,
        users: impl IntoIterator<Item = (&'u str, &'u str)>,
    ) -> Self {
        let mut t = UserTable::new(realm);
        for (name, password) in users {
            t.add(name, password);
        }
        t
    }

    /// Add (or replace) `name` with `password`.
    pub fn add(&mut self, name: &str, password: &str) {
        let keys = Keys::new(name, &self.realm, password);
        self.users.insert(name.into(), keys);
    }

    /// Remove `name`; whether it was there.
    pub fn remove(&mut self, name: &str) -> bool {
        self.users.remove(name).is_some()
    }

    /// Users held.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// No user.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

#[cfg(feature = "alloc")]
impl KeyLookup for UserTable {
    fn long_term_key(
        &self,
        user: &str,
        realm: &str,
        alg: PasswordAlgorithm,
    ) -> Option<IntegrityKey> {
        if realm != self.realm {
            return None;
        }
        self.users.get(user).map(|k| k.get(alg))
    }
}

#[cfg(feature = "alloc")]
impl fmt::Debug for UserTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserTable")
            .field("realm", &self.realm)
            .field("users", &self.users.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::wire::{Message, MessageBuilder, MessageType, TransactionId};

    /// Whether a message signed with `a` verifies with `b`.
    fn same(a: &IntegrityKey, b: &IntegrityKey) -> bool {
        let mut buf = [0u8; 128];
        let mut m = MessageBuilder::new(
            &mut buf,
            MessageType::BINDING_REQUEST,
            TransactionId([7; 12]),
        )
        .unwrap();
        m.add_message_integrity(a).unwrap();
        let n = m.finish();
        b.verify(&Message::new_checked(&buf[..n]).unwrap()).is_ok()
    }

    #[test]
    fn both_tables_give_the_rfc_key_for_the_right_realm_only() {
        let mut fixed = StaticUsers::<2>::new("example.org").unwrap();
        fixed.add("alice", "secret").unwrap();
        fixed.add("bob", "hunter2").unwrap();
        assert_eq!(fixed.add("carol", "x"), Err(UsersError::Full));
        fixed.add("bob", "changed").unwrap(); // replacing needs no room
        #[cfg(feature = "alloc")]
        let heap = UserTable::with_users("example.org", [("alice", "secret")]);
        for alg in [PasswordAlgorithm::Md5, PasswordAlgorithm::Sha256] {
            let want = IntegrityKey::long_term(b"alice", b"example.org", b"secret", alg);
            assert!(same(
                &fixed.long_term_key("alice", "example.org", alg).unwrap(),
                &want
            ));
            #[cfg(feature = "alloc")]
            assert!(same(
                &heap.long_term_key("alice", "example.org", alg).unwrap(),
                &want
            ));
            let bob = IntegrityKey::long_term(b"bob", b"example.org", b"changed", alg);
            assert!(same(
                &fixed.long_term_key("bob", "example.org", alg).unwrap(),
                &bob
            ));
        }
        assert!(fixed
            .long_term_key("alice", "other.org", PasswordAlgorithm::Md5)
            .is_none());
        assert!(fixed
            .long_term_key("mallory", "example.org", PasswordAlgorithm::Md5)
            .is_none());
        #[cfg(feature = "alloc")]
        assert!(heap
            .long_term_key("alice", "other.org", PasswordAlgorithm::Md5)
            .is_none());
    }
}
