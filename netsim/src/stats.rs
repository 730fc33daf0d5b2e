//! Counters: datagrams sent, delivered, duplicated, reordered and dropped by reason.

use std::fmt;

/// Why the network dropped a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DropReason {
    /// Random loss on a link.
    Loss,
    /// Larger than a link's MTU.
    Mtu,
    /// No host owns the destination and no gateway leads to it (or an address-family
    /// mismatch at a NAT).
    NoRoute,
    /// Arrived at a NAT's public address on a port with no live mapping.
    NoMapping,
    /// A live mapping exists but the NAT's filtering behaviour rejected the source.
    Filtered,
    /// Sent to the NAT's own public address from inside, with hairpinning disabled.
    Hairpin,
    /// The NAT had no free external port for a new mapping.
    PortsExhausted,
    /// The sender's source address is not one of its host's addresses.
    BadSource,
}

impl DropReason {
    /// Every reason, in counter order.
    pub const ALL: [DropReason; 8] = [
        DropReason::Loss,
        DropReason::Mtu,
        DropReason::NoRoute,
        DropReason::NoMapping,
        DropReason::Filtered,
        DropReason::Hairpin,
        DropReason::PortsExhausted,
        DropReason::BadSource,
    ];

    const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::Loss => "link loss",
            DropReason::Mtu => "larger than MTU",
            DropReason::NoRoute => "no route",
            DropReason::NoMapping => "no NAT mapping",
            DropReason::Filtered => "NAT filtered",
            DropReason::Hairpin => "hairpinning disabled",
            DropReason::PortsExhausted => "NAT ports exhausted",
            DropReason::BadSource => "source not a host address",
        })
    }
}

/// Datagram counters, for the whole network or for one host (by sender for drops,
/// duplicates and reorders; by receiver for deliveries).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Datagrams handed to [`Network::send`](crate::Network::send).
    pub sent: u64,
    /// Datagrams (including duplicates) delivered to a host.
    pub delivered: u64,
    /// Extra copies created by link duplication.
    pub duplicated: u64,
    /// Copies held back by link reordering.
    pub reordered: u64,
    dropped: [u64; DropReason::ALL.len()],
}

impl Counters {
    /// Datagrams dropped for `reason`.
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped.get(reason.index()).copied().unwrap_or(0)
    }

    /// Datagrams dropped for any reason.
    pub fn dropped_total(&self) -> u64 {
        self.dropped.iter().sum()
    }

    pub(crate) fn count_drop(&mut self, reason: DropReason) {
        if let Some(c) = self.dropped.get_mut(reason.index()) {
            *c += 1;
        }
    }
}

impl fmt::Display for Counters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "sent {} delivered {} duplicated {} reordered {} dropped {}",
            self.sent,
            self.delivered,
            self.duplicated,
            self.reordered,
            self.dropped_total()
        )?;
        for r in DropReason::ALL {
            let n = self.dropped(r);
            if n > 0 {
                write!(f, " [{r}: {n}]")?;
            }
        }
        Ok(())
    }
}
