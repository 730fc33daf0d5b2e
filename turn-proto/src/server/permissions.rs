//! Permissions (RFC 8656 §9): which peer IP addresses an allocation may exchange data with,
//! each for 300 s after it was last installed or refreshed.

use super::tables::List;
use core::net::IpAddr;
use sansio::Instant;

/// One installed permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Permission {
    /// The peer IP (the port is ignored, RFC 8656 §9).
    pub(crate) ip: IpAddr,
    /// When it lapses.
    pub(crate) expires: Instant,
}

/// Whether `ip` holds an unexpired permission.
pub(crate) fn permitted(list: &[Permission], ip: IpAddr, now: Instant) -> bool {
    list.iter().any(|p| p.ip == ip && now < p.expires)
}

/// Whether installing `ip` needs a new entry (not already present).
pub(crate) fn is_new(list: &[Permission], ip: IpAddr) -> bool {
    !list.iter().any(|p| p.ip == ip)
}

/// The expiry of an entry [`stage`] added, until [`install`] sets the real one.
const STAGED: Instant = Instant::from_micros(0);

/// Make room for every address of `ips` not yet in the list (added with a placeholder expiry
/// for [`install`] to set, so a repeated address finds the first): `false`, with the list as
/// it was, when they do not all fit under `max`. Each address costs one scan of the list
/// (at most `max` entries), never a scan of the request.
pub(crate) fn stage<L: List<Permission>>(
    list: &mut L,
    ips: impl Iterator<Item = IpAddr>,
    max: usize,
) -> bool {
    for ip in ips {
        if !is_new(list, ip) {
            continue;
        }
        if list.len() >= max
            || list
                .push(Permission {
                    ip,
                    expires: STAGED,
                })
                .is_err()
        {
            list.retain(|p| p.expires != STAGED);
            return false;
        }
    }
    true
}

/// Install or refresh the permission for `ip` until `until`; `false` when a new entry would
/// exceed `max` (RFC 8656: 508 Insufficient Capacity).
pub(crate) fn install<L: List<Permission>>(
    list: &mut L,
    ip: IpAddr,
    until: Instant,
    max: usize,
) -> bool {
    if let Some(p) = list.iter_mut().find(|p| p.ip == ip) {
        p.expires = p.expires.max(until);
        return true;
    }
    list.len() < max && list.push(Permission { ip, expires: until }).is_ok()
}

/// Drop lapsed permissions.
pub(crate) fn sweep<L: List<Permission>>(list: &mut L, now: Instant) {
    list.retain(|p| now < p.expires);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use core::time::Duration;

    #[test]
    fn install_refresh_expire_and_cap() {
        let mut l = heapless::Vec::<Permission, 4>::new();
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        let t0 = Instant::from_secs(10);
        let ttl = Duration::from_secs(300);
        assert!(install(&mut l, a, t0 + ttl, 1));
        assert!(!install(&mut l, b, t0 + ttl, 1));
        assert!(permitted(&l, a, t0));
        assert!(!permitted(&l, b, t0));
        let t1 = t0 + Duration::from_secs(200);
        assert!(install(&mut l, a, t1 + ttl, 1));
        assert!(permitted(&l, a, t0 + ttl));
        assert!(!permitted(&l, a, t1 + ttl));
        sweep(&mut l, t1 + ttl);
        assert!(l.is_empty());
    }

    #[test]
    fn staging_is_all_or_nothing_and_counts_repeats_once() {
        let mut l = heapless::Vec::<Permission, 8>::new();
        let ip = |i: u8| IpAddr::from([192, 0, 2, i]);
        let t0 = Instant::from_secs(10);
        assert!(install(&mut l, ip(1), t0, 3));
        // ip(1) is there, ip(2) twice is one entry: two new would pass 3.
        assert!(!stage(&mut l, [ip(1), ip(2), ip(2), ip(3)].into_iter(), 2));
        assert_eq!(l.len(), 1, "nothing staged stays");
        assert!(stage(&mut l, [ip(1), ip(2), ip(2), ip(3)].into_iter(), 3));
        assert_eq!(l.len(), 3);
        for i in [1, 2, 3] {
            assert!(install(&mut l, ip(i), t0, 3));
        }
        assert!(l.iter().all(|p| p.expires == t0));
    }
}
