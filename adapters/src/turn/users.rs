//! The users the server authenticates: those of its configuration, and those of the fleet's
//! Redis (coturn's layout: an MD5 long-term key per user, hex).

use std::collections::HashMap;
use stun_proto::auth::{IntegrityKey, KeyLookup, UserTable};
use stun_proto::wire::attr::PasswordAlgorithm;

/// Configuration users first, then the fleet's.
#[derive(Debug, Default)]
pub struct Users {
    /// From `--user` and the configuration file.
    pub local: UserTable,
    /// From Redis: name → MD5(name:realm:password), coturn's `…/user/<name>/key`.
    fleet: HashMap<String, [u8; 16]>,
    realm: String,
}

impl Users {
    /// The configuration's users of `realm`, no fleet users yet.
    pub fn new(realm: &str, local: UserTable) -> Self {
        Users {
            local,
            fleet: HashMap::new(),
            realm: realm.into(),
        }
    }

    /// Replace the fleet's users (a Redis sync).
    pub fn set_fleet(&mut self, fleet: HashMap<String, [u8; 16]>) {
        self.fleet = fleet;
    }

    /// Users loaded from the fleet.
    pub fn fleet_len(&self) -> usize {
        self.fleet.len()
    }
}

impl KeyLookup for Users {
    fn long_term_key(
        &self,
        user: &str,
        realm: &str,
        alg: PasswordAlgorithm,
    ) -> Option<IntegrityKey> {
        if let Some(k) = self.local.long_term_key(user, realm, alg) {
            return Some(k);
        }
        // An MD5 key cannot answer a SHA-256 challenge: such a client is refused.
        if realm != self.realm || alg == PasswordAlgorithm::Sha256 {
            return None;
        }
        self.fleet.get(user).map(|k| IntegrityKey::from_key(k))
    }
}

/// The 16-byte key of 32 hex digits (coturn's `key` values), or `None`.
pub fn parse_hex_key(text: &str) -> Option<[u8; 16]> {
    let text = text.trim();
    let text = text.strip_prefix("0x").unwrap_or(text);
    if text.len() != 32 {
        return None;
    }
    let mut key = [0u8; 16];
    for (i, byte) in key.iter_mut().enumerate() {
        let pair = text.get(2 * i..2 * i + 2)?;
        *byte = u8::from_str_radix(pair, 16).ok()?;
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn fleet_keys_are_coturns_md5_keys_and_garbage_is_refused() {
        let md5 = stun_proto::auth::long_term_key_md5(b"carol", b"fleet", b"pw");
        let hex: String = md5.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(parse_hex_key(&hex), Some(md5));
        assert_eq!(
            parse_hex_key(&format!("0x{}", hex.to_uppercase())),
            Some(md5)
        );
        for bad in [
            "",
            "abc",
            &hex[..30],
            &format!("{}zz", &hex[..30]),
            "é".repeat(16).as_str(),
        ] {
            assert_eq!(parse_hex_key(bad), None, "{bad:?}");
        }
        let mut users = Users::new("fleet", UserTable::new("fleet"));
        assert!(users
            .long_term_key("carol", "fleet", PasswordAlgorithm::Md5)
            .is_none());
        users.set_fleet([("carol".to_string(), md5)].into_iter().collect());
        assert!(users
            .long_term_key("carol", "fleet", PasswordAlgorithm::Md5)
            .is_some());
        assert!(users
            .long_term_key("carol", "other", PasswordAlgorithm::Md5)
            .is_none());
        assert!(users
            .long_term_key("carol", "fleet", PasswordAlgorithm::Sha256)
            .is_none());
        assert!(users
            .long_term_key("dave", "fleet", PasswordAlgorithm::Md5)
            .is_none());
    }
}
