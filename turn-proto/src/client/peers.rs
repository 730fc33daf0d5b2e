//! The client's permissions and channel bindings with their refresh timers.

use core::net::{IpAddr, SocketAddr};
use core::time::Duration;
use sansio::Instant;

/// Refresh this long before a permission or binding lapses.
pub(crate) const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Permission lifetime (RFC 8656 §9).
pub(crate) const PERMISSION_LIFETIME: Duration = Duration::from_secs(300);
/// Channel binding lifetime (RFC 8656 §12).
pub(crate) const CHANNEL_LIFETIME: Duration = Duration::from_secs(600);

/// One permission the client holds or is asking for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Perm {
    pub(crate) ip: IpAddr,
    /// The server confirmed it at least once.
    pub(crate) installed: bool,
    /// A CreatePermission is in flight.
    pub(crate) in_flight: bool,
    /// When to refresh (only meaningful once installed).
    pub(crate) refresh_at: Instant,
}

/// One channel the client holds or is binding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Chan {
    pub(crate) number: u16,
    pub(crate) peer: SocketAddr,
    pub(crate) bound: bool,
    pub(crate) in_flight: bool,
    pub(crate) refresh_at: Instant,
    pub(crate) expires: Instant,
}

impl Perm {
    pub(crate) fn due(&self, now: Instant) -> bool {
        self.installed && !self.in_flight && now >= self.refresh_at
    }
}

impl Chan {
    pub(crate) fn due(&self, now: Instant) -> bool {
        self.bound && !self.in_flight && now >= self.refresh_at
    }

    /// Usable for ChannelData.
    pub(crate) fn usable(&self, now: Instant) -> bool {
        self.bound && now < self.expires
    }
}

/// The next channel number after `n` in RFC 8656's 0x4000–0x4FFF, wrapping.
pub(crate) fn next_channel(n: u16) -> u16 {
    if n >= crate::wire::MAX_CHANNEL_RFC8656 {
        crate::wire::MIN_CHANNEL
    } else {
        n + 1
    }
}
