//! Channel bindings (RFC 8656 §12): a channel number stands for a peer transport address for
//! 600 s after the last ChannelBind; after it lapses neither the number nor the address may be
//! rebound to anything else for another 300 s, so late packets cannot be misdelivered.

use super::tables::List;
use core::net::SocketAddr;
use core::time::Duration;
use sansio::Instant;

/// After a binding lapses, how long its number and address stay reserved (RFC 8656 §12).
pub(crate) const COOL_DOWN: Duration = Duration::from_secs(300);

/// One channel binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Binding {
    /// The channel number.
    pub(crate) number: u16,
    /// The peer.
    pub(crate) peer: SocketAddr,
    /// When the binding lapses (it is removed `COOL_DOWN` later).
    pub(crate) expires: Instant,
}

/// Why a ChannelBind cannot be honoured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BindError {
    /// The number is bound to another peer, or the peer to another number: 400.
    Conflict,
    /// The allocation's channel limit is reached: 508.
    Full,
}

/// The peer of an active channel `number`.
pub(crate) fn peer_of(list: &[Binding], number: u16, now: Instant) -> Option<SocketAddr> {
    list.iter()
        .find(|b| b.number == number)
        .filter(|b| now < b.expires)
        .map(|b| b.peer)
}

/// The active channel bound to `peer`.
pub(crate) fn number_of(list: &[Binding], peer: SocketAddr, now: Instant) -> Option<u16> {
    list.iter()
        .find(|b| b.peer == peer)
        .filter(|b| now < b.expires)
        .map(|b| b.number)
}

/// Bind or refresh `number` ↔ `peer` until `until`.
pub(crate) fn bind<L: List<Binding>>(
    list: &mut L,
    number: u16,
    peer: SocketAddr,
    until: Instant,
    max: usize,
) -> Result<(), BindError> {
    for b in list.iter_mut() {
        match (b.number == number, b.peer == peer) {
            (true, true) => {
                b.expires = b.expires.max(until);
                return Ok(());
            }
            (true, false) | (false, true) => return Err(BindError::Conflict),
            (false, false) => {}
        }
    }
    if list.len() >= max {
        return Err(BindError::Full);
    }
    list.push(Binding {
        number,
        peer,
        expires: until,
    })
    .map_err(|_| BindError::Full)
}

/// Drop bindings whose cool-down is over.
pub(crate) fn sweep<L: List<Binding>>(list: &mut L, now: Instant) {
    list.retain(|b| now < b.expires + COOL_DOWN);
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn bind_refresh_conflict_and_cool_down() {
        let mut l = heapless::Vec::<Binding, 4>::new();
        let p: SocketAddr = "192.0.2.1:5000".parse().unwrap();
        let q: SocketAddr = "192.0.2.1:5001".parse().unwrap();
        let t0 = Instant::from_secs(1);
        let ttl = Duration::from_secs(600);
        bind(&mut l, 0x4000, p, t0 + ttl, 2).unwrap();
        assert_eq!(
            bind(&mut l, 0x4000, q, t0 + ttl, 2),
            Err(BindError::Conflict)
        );
        assert_eq!(
            bind(&mut l, 0x4001, p, t0 + ttl, 2),
            Err(BindError::Conflict)
        );
        bind(&mut l, 0x4001, q, t0 + ttl, 2).unwrap();
        assert_eq!(
            bind(&mut l, 0x4002, "192.0.2.9:1".parse().unwrap(), t0, 2),
            Err(BindError::Full)
        );
        assert_eq!(peer_of(&l, 0x4000, t0), Some(p));
        assert_eq!(number_of(&l, q, t0), Some(0x4001));
        let lapsed = t0 + ttl;
        assert_eq!(peer_of(&l, 0x4000, lapsed), None);
        sweep(&mut l, lapsed);
        // Still reserved during the cool-down.
        assert_eq!(
            bind(&mut l, 0x4000, q, lapsed + ttl, 4),
            Err(BindError::Conflict)
        );
        sweep(&mut l, lapsed + COOL_DOWN);
        assert!(l.is_empty());
        bind(&mut l, 0x4000, q, lapsed + COOL_DOWN + ttl, 4).unwrap();
    }
}
