//! A bounded log of what happened to every datagram, for printing when a test fails.

use std::collections::VecDeque;
use std::fmt;
use std::net::SocketAddr;

use sansio::Instant;

use crate::stats::DropReason;
use crate::{HostId, RealmId};

/// One thing that happened in the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TraceEvent {
    /// A host handed a datagram to the network.
    Sent {
        /// The sending host.
        host: HostId,
        /// Source address.
        src: SocketAddr,
        /// Destination address.
        dst: SocketAddr,
        /// Payload length.
        len: usize,
    },
    /// A NAT created a mapping.
    MappingCreated {
        /// The NAT (named by the LAN behind it).
        nat: RealmId,
        /// Internal endpoint.
        internal: SocketAddr,
        /// External endpoint.
        external: SocketAddr,
    },
    /// A NAT removed an idle mapping.
    MappingExpired {
        /// The NAT.
        nat: RealmId,
        /// Internal endpoint.
        internal: SocketAddr,
        /// External endpoint.
        external: SocketAddr,
    },
    /// A NAT rewrote a datagram's addresses (the new ones are shown).
    Translated {
        /// The NAT.
        nat: RealmId,
        /// New source address.
        src: SocketAddr,
        /// New destination address.
        dst: SocketAddr,
    },
    /// A NAT looped a datagram back inside (hairpinning).
    Hairpinned {
        /// The NAT.
        nat: RealmId,
    },
    /// A link duplicated the datagram.
    Duplicated,
    /// A link held the datagram back (reordering).
    Reordered,
    /// The datagram (one copy of it) was dropped.
    Dropped {
        /// Why.
        reason: DropReason,
    },
    /// The datagram reached a host.
    Delivered {
        /// The receiving host.
        host: HostId,
        /// Apparent source address (after NATs).
        src: SocketAddr,
        /// The receiver's address.
        dst: SocketAddr,
        /// Payload length.
        len: usize,
    },
}

/// One trace line: when, which datagram (`None` for events without one), what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceEntry {
    /// Virtual time.
    pub at: Instant,
    /// Datagram number, counting from 1 in send order; duplicates share it.
    pub packet: Option<u64>,
    /// What happened.
    pub event: TraceEvent,
}

impl fmt::Display for TraceEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:>14} ", self.at)?;
        match self.packet {
            Some(p) => write!(f, "#{p:<6} ")?,
            None => f.write_str("        ")?,
        }
        match &self.event {
            TraceEvent::Sent {
                host,
                src,
                dst,
                len,
            } => {
                write!(f, "{host} sends {src} -> {dst} ({len} B)")
            }
            TraceEvent::MappingCreated {
                nat,
                internal,
                external,
            } => write!(f, "nat {nat} maps {internal} -> {external}"),
            TraceEvent::MappingExpired {
                nat,
                internal,
                external,
            } => write!(f, "nat {nat} expires {internal} -> {external}"),
            TraceEvent::Translated { nat, src, dst } => {
                write!(f, "nat {nat} rewrites to {src} -> {dst}")
            }
            TraceEvent::Hairpinned { nat } => write!(f, "nat {nat} hairpins"),
            TraceEvent::Duplicated => f.write_str("duplicated"),
            TraceEvent::Reordered => f.write_str("held back (reorder)"),
            TraceEvent::Dropped { reason } => write!(f, "dropped: {reason}"),
            TraceEvent::Delivered {
                host,
                src,
                dst,
                len,
            } => {
                write!(f, "{host} receives {src} -> {dst} ({len} B)")
            }
        }
    }
}

/// The last `capacity` trace entries (oldest first).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trace {
    entries: VecDeque<TraceEntry>,
    capacity: usize,
    forgotten: u64,
}

impl Trace {
    /// An empty trace keeping at most `capacity` entries.
    pub(crate) fn new(capacity: usize) -> Self {
        Trace {
            entries: VecDeque::new(),
            capacity,
            forgotten: 0,
        }
    }

    pub(crate) fn push(&mut self, entry: TraceEntry) {
        if self.capacity == 0 {
            self.forgotten += 1;
            return;
        }
        if self.entries.len() == self.capacity {
            self.entries.pop_front();
            self.forgotten += 1;
        }
        self.entries.push_back(entry);
    }

    pub(crate) fn set_capacity(&mut self, capacity: usize) {
        self.capacity = capacity;
        while self.entries.len() > capacity {
            self.entries.pop_front();
            self.forgotten += 1;
        }
    }

    /// The kept entries, oldest first.
    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &TraceEntry> + '_ {
        self.entries.iter()
    }

    /// Number of kept entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entries discarded because the trace was full.
    pub fn forgotten(&self) -> u64 {
        self.forgotten
    }

    /// The last `n` entries as text, one per line (for a failure message).
    pub fn tail(&self, n: usize) -> String {
        let skip = self.entries.len().saturating_sub(n);
        let mut s = String::new();
        for e in self.entries.iter().skip(skip) {
            s.push_str(&e.to_string());
            s.push('\n');
        }
        s
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.forgotten > 0 {
            writeln!(f, "({} earlier entries forgotten)", self.forgotten)?;
        }
        for e in &self.entries {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}
