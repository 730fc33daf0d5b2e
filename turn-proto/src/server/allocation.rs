//! One allocation (RFC 8656 §2.2): a relayed transport address bound to a client's 5-tuple,
//! with its lifetime, credentials, permissions, channel bindings and bandwidth bucket.

use super::auth::Username;
use super::channels::Binding;
use super::event::RelayRequestId;
use super::permissions::Permission;
use super::quota::TokenBucket;
use super::tables::{List, Tables};
use crate::wire::RelayProtocol;
use core::fmt;
use core::net::SocketAddr;
use core::time::Duration;
use sansio::Instant;
use stun_proto::auth::IntegrityKey;
use stun_proto::wire::TransactionId;

/// Where an allocation is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for the caller's relay socket.
    Pending(RelayRequestId),
    /// Relaying.
    Active,
}

/// One allocation, stored under its client's 5-tuple.
pub(crate) struct Allocation<T: Tables> {
    pub(crate) phase: Phase,
    /// The relayed transport address (unspecified while pending).
    pub(crate) relay: SocketAddr,
    pub(crate) protocol: RelayProtocol,
    /// The Allocate's transaction, to answer its retransmissions alike (RFC 8656 §7.2).
    pub(crate) allocate_tid: TransactionId,
    /// Lifetime granted, in seconds.
    pub(crate) lifetime: u32,
    pub(crate) expires: Instant,
    pub(crate) user: Username,
    pub(crate) key: IntegrityKey,
    /// The client authenticates with MESSAGE-INTEGRITY-SHA256.
    pub(crate) sha256: bool,
    /// The client uses FINGERPRINT; our indications to it carry one too.
    pub(crate) fingerprint: bool,
    pub(crate) dont_fragment: bool,
    /// RESERVATION-TOKEN to hand out with the success response.
    pub(crate) token: Option<[u8; 8]>,
    pub(crate) permissions: T::List<Permission>,
    pub(crate) channels: T::List<Binding>,
    pub(crate) bucket: TokenBucket,
    /// RFC 6062 peer connections held.
    pub(crate) connections: usize,
    /// ADDITIONAL-ADDRESS-FAMILY was asked for and refused (answered with
    /// ADDRESS-ERROR-CODE 440).
    pub(crate) refused_v6: bool,
    /// What it relayed.
    pub(crate) usage: super::config::AllocationUsage,
}

impl<T: Tables> fmt::Debug for Allocation<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Allocation")
            .field("phase", &self.phase)
            .field("relay", &self.relay)
            .field("protocol", &self.protocol)
            .field("expires", &self.expires)
            .field("user", &self.user)
            .field("permissions", &self.permissions.len())
            .field("channels", &self.channels.len())
            .finish_non_exhaustive()
    }
}

/// What an Allocate asked for, kept while the relay socket is being opened.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Grant {
    pub(crate) protocol: RelayProtocol,
    pub(crate) lifetime: u32,
    pub(crate) sha256: bool,
    pub(crate) fingerprint: bool,
    pub(crate) dont_fragment: bool,
}

impl<T: Tables> Allocation<T> {
    pub(crate) fn pending(
        id: RelayRequestId,
        now: Instant,
        tid: TransactionId,
        user: Username,
        key: IntegrityKey,
        grant: Grant,
        bucket: TokenBucket,
    ) -> Self {
        Allocation {
            phase: Phase::Pending(id),
            relay: SocketAddr::from(([0, 0, 0, 0], 0)),
            protocol: grant.protocol,
            allocate_tid: tid,
            lifetime: grant.lifetime,
            expires: now + Duration::from_secs(u64::from(grant.lifetime)),
            user,
            key,
            sha256: grant.sha256,
            fingerprint: grant.fingerprint,
            dont_fragment: grant.dont_fragment,
            token: None,
            permissions: T::List::new_list(),
            channels: T::List::new_list(),
            bucket,
            connections: 0,
            refused_v6: false,
            usage: super::config::AllocationUsage::default(),
        }
    }

    pub(crate) fn is_active(&self) -> bool {
        self.phase == Phase::Active
    }

    /// Seconds left, for LIFETIME in responses.
    pub(crate) fn remaining(&self, now: Instant) -> u32 {
        let secs = self.expires.saturating_duration_since(now).as_secs();
        u32::try_from(secs).unwrap_or(u32::MAX)
    }
}

/// The lifetime to grant for a requested one (RFC 8656 §7.2, §7.3): the request clamped to
/// the maximum, and never below the default.
pub(crate) fn granted_lifetime(requested: Option<u32>, default: Duration, max: Duration) -> u32 {
    let default = u32::try_from(default.as_secs()).unwrap_or(u32::MAX);
    let max = u32::try_from(max.as_secs())
        .unwrap_or(u32::MAX)
        .max(default);
    requested.map_or(default, |r| r.clamp(default, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_clamped() {
        let (d, m) = (Duration::from_secs(600), Duration::from_secs(3600));
        assert_eq!(granted_lifetime(None, d, m), 600);
        assert_eq!(granted_lifetime(Some(30), d, m), 600);
        assert_eq!(granted_lifetime(Some(1200), d, m), 1200);
        assert_eq!(granted_lifetime(Some(u32::MAX), d, m), 3600);
    }
}
