//! The state of one NAT box: mappings, filters, port allocation and expiry.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};

use sansio::{Instant, Transport};

use super::{Filtering, Mapping, MappingInfo, NatConfig, PortAllocation};
use crate::rng::Rng;
use crate::stats::DropReason;

/// What a mapping is bound to besides the internal endpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Bound {
    Any,
    Ip(IpAddr),
    Addr(SocketAddr),
}

/// The lookup key of an outbound flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    transport: Transport,
    internal: SocketAddr,
    bound: Bound,
}

#[derive(Clone, Debug)]
struct Entry {
    key: Key,
    created: Instant,
    refreshed: Instant,
    /// Remote endpoints this mapping sent to, with the time of the last such packet.
    sent_to: BTreeMap<SocketAddr, Instant>,
}

/// The result of translating an outbound packet.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Outbound {
    /// The external source address.
    pub external: SocketAddr,
    /// Whether the mapping was created by this packet.
    pub created: bool,
}

/// Mappings keyed by external (transport, port); ordered maps keep every walk deterministic.
#[derive(Clone, Debug)]
pub(crate) struct NatTable {
    pub config: NatConfig,
    pub public_ip: IpAddr,
    rng: Rng,
    cursor: u16,
    by_port: BTreeMap<(Transport, u16), Entry>,
    by_key: BTreeMap<Key, u16>,
}

impl NatTable {
    pub(crate) fn new(config: NatConfig, public_ip: IpAddr, mut rng: Rng) -> Self {
        let (lo, hi) = ordered(config.port_range);
        let span = u64::from(hi - lo);
        let cursor = lo + u16::try_from(rng.up_to(span)).unwrap_or(0);
        NatTable {
            config,
            public_ip,
            rng,
            cursor,
            by_port: BTreeMap::new(),
            by_key: BTreeMap::new(),
        }
    }

    fn timeout_at(&self, t: Instant) -> Instant {
        t + self.config.mapping_timeout
    }

    /// Removes mappings idle for the timeout; returns `(internal, external)` of each.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<(SocketAddr, SocketAddr)> {
        let timeout = self.config.mapping_timeout;
        let dead: Vec<(Transport, u16)> = self
            .by_port
            .iter()
            .filter(|(_, e)| e.refreshed + timeout <= now)
            .map(|(k, _)| *k)
            .collect();
        let mut gone = Vec::with_capacity(dead.len());
        for port_key in dead {
            if let Some(e) = self.by_port.remove(&port_key) {
                self.by_key.remove(&e.key);
                gone.push((e.key.internal, SocketAddr::new(self.public_ip, port_key.1)));
            }
        }
        gone
    }

    /// Removes every mapping (a NAT reboot).
    pub(crate) fn flush(&mut self) {
        self.by_port.clear();
        self.by_key.clear();
    }

    /// Translates an outbound packet from `internal` to `remote`, creating or refreshing the
    /// mapping. Call [`expire`](Self::expire) first.
    pub(crate) fn outbound(
        &mut self,
        now: Instant,
        transport: Transport,
        internal: SocketAddr,
        remote: SocketAddr,
    ) -> Result<Outbound, DropReason> {
        let bound = match self.config.mapping {
            Mapping::EndpointIndependent => Bound::Any,
            Mapping::AddressDependent => Bound::Ip(remote.ip()),
            Mapping::AddressAndPortDependent => Bound::Addr(remote),
        };
        let key = Key {
            transport,
            internal,
            bound,
        };
        let (port, created) = match self.by_key.get(&key) {
            Some(&port) => (port, false),
            None => {
                let port = self
                    .allocate(transport, internal.port())
                    .ok_or(DropReason::PortsExhausted)?;
                let entry = Entry {
                    key,
                    created: now,
                    refreshed: now,
                    sent_to: BTreeMap::new(),
                };
                self.by_port.insert((transport, port), entry);
                self.by_key.insert(key, port);
                (port, true)
            }
        };
        if let Some(e) = self.by_port.get_mut(&(transport, port)) {
            e.refreshed = now;
            e.sent_to.insert(remote, now);
        }
        Ok(Outbound {
            external: SocketAddr::new(self.public_ip, port),
            created,
        })
    }

    /// Translates an inbound packet from `remote` to external `port`: the internal
    /// destination, or why it is dropped. Call [`expire`](Self::expire) first.
    pub(crate) fn inbound(
        &mut self,
        now: Instant,
        transport: Transport,
        remote: SocketAddr,
        port: u16,
    ) -> Result<SocketAddr, DropReason> {
        let entry = self
            .by_port
            .get(&(transport, port))
            .ok_or(DropReason::NoMapping)?;
        if !self.permits(now, entry, remote) {
            return Err(DropReason::Filtered);
        }
        let internal = entry.key.internal;
        if self.config.refresh_on_inbound {
            let filtering = self.config.filtering;
            if let Some(e) = self.by_port.get_mut(&(transport, port)) {
                e.refreshed = now;
                for (to, at) in e.sent_to.iter_mut() {
                    if filter_matches(filtering, to, &remote) {
                        *at = now;
                    }
                }
            }
        }
        Ok(internal)
    }

    /// Whether the filter of mapping `entry` lets `remote` in: whether the mapping recently
    /// carried a packet to the remote address (and port).
    ///
    /// Filter state is kept per mapping, as connection-tracking NATs do. With
    /// endpoint-independent mapping this is exactly RFC 4787 §5 (what the internal endpoint
    /// sent to); with dependent mappings a reply must come back on the mapping the request
    /// left through, which is how symmetric NATs behave in the field.
    fn permits(&self, now: Instant, entry: &Entry, remote: SocketAddr) -> bool {
        let filtering = self.config.filtering;
        filtering == Filtering::EndpointIndependent
            || entry.sent_to.iter().any(|(to, at)| {
                filter_matches(filtering, to, &remote) && self.timeout_at(*at) > now
            })
    }

    fn is_free(&self, transport: Transport, port: u16) -> bool {
        !self.by_port.contains_key(&(transport, port))
    }

    fn allocate(&mut self, transport: Transport, internal_port: u16) -> Option<u16> {
        let (lo, hi) = ordered(self.config.port_range);
        match self.config.port_allocation {
            PortAllocation::Preserve
                if (lo..=hi).contains(&internal_port) && self.is_free(transport, internal_port) =>
            {
                Some(internal_port)
            }
            PortAllocation::Preserve | PortAllocation::Sequential => {
                self.scan_from(transport, self.cursor)
            }
            PortAllocation::Random => {
                for _ in 0..32 {
                    let p = lo + u16::try_from(self.rng.up_to(u64::from(hi - lo))).unwrap_or(0);
                    if self.is_free(transport, p) {
                        return Some(p);
                    }
                }
                let start = lo + u16::try_from(self.rng.up_to(u64::from(hi - lo))).unwrap_or(0);
                self.scan_from(transport, start)
            }
        }
    }

    /// The first free port at or after `start`, wrapping within the range; moves the cursor.
    fn scan_from(&mut self, transport: Transport, start: u16) -> Option<u16> {
        let (lo, hi) = ordered(self.config.port_range);
        let span = u32::from(hi - lo) + 1;
        let start = start.clamp(lo, hi);
        for i in 0..span {
            let off = (u32::from(start - lo) + i) % span;
            let p = lo + u16::try_from(off).unwrap_or(0);
            if self.is_free(transport, p) {
                self.cursor = if p == hi { lo } else { p + 1 };
                return Some(p);
            }
        }
        None
    }

    /// The live mappings at `now`, ordered by transport and external port.
    pub(crate) fn mappings(&self, now: Instant) -> Vec<MappingInfo> {
        self.by_port
            .iter()
            .filter(|(_, e)| self.timeout_at(e.refreshed) > now)
            .map(|(&(transport, port), e)| MappingInfo {
                transport,
                internal: e.key.internal,
                external: SocketAddr::new(self.public_ip, port),
                bound_to: match e.key.bound {
                    Bound::Any => None,
                    Bound::Ip(ip) => Some(SocketAddr::new(ip, 0)),
                    Bound::Addr(a) => Some(a),
                },
                created: e.created,
                expires: self.timeout_at(e.refreshed),
            })
            .collect()
    }
}

/// Whether a packet from `remote` matches a permission for `sent_to` under `filtering`.
fn filter_matches(filtering: Filtering, sent_to: &SocketAddr, remote: &SocketAddr) -> bool {
    match filtering {
        Filtering::EndpointIndependent => true,
        Filtering::AddressDependent => sent_to.ip() == remote.ip(),
        Filtering::AddressAndPortDependent => sent_to == remote,
    }
}

fn ordered((a, b): (u16, u16)) -> (u16, u16) {
    (a.min(b), a.max(b))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn table(config: NatConfig) -> NatTable {
        NatTable::new(config, "203.0.113.1".parse().unwrap(), Rng::stream(1, 2, 3))
    }

    #[test]
    fn sequential_and_preserve_allocation() {
        let mut t = table(NatConfig {
            port_allocation: PortAllocation::Preserve,
            ..NatConfig::symmetric()
        });
        let now = Instant::ZERO;
        let a = t.outbound(
            now,
            Transport::Udp,
            addr("10.0.0.1:5000"),
            addr("198.51.100.1:1"),
        );
        assert_eq!(a.unwrap().external.port(), 5000);
        let b = t.outbound(
            now,
            Transport::Udp,
            addr("10.0.0.1:5000"),
            addr("198.51.100.1:2"),
        );
        let b = b.unwrap().external.port();
        assert_ne!(b, 5000);
        let c = t.outbound(
            now,
            Transport::Udp,
            addr("10.0.0.1:5000"),
            addr("198.51.100.1:3"),
        );
        assert_eq!(
            c.unwrap().external.port(),
            if b == 65535 { 1024 } else { b + 1 }
        );
    }

    #[test]
    fn exhaustion_is_reported() {
        let mut t = table(NatConfig {
            port_range: (2000, 2001),
            ..NatConfig::symmetric()
        });
        let now = Instant::ZERO;
        let internal = addr("10.0.0.1:5000");
        let mut ports = Vec::new();
        for i in 1..=2 {
            let remote = SocketAddr::new("198.51.100.1".parse().unwrap(), i);
            ports.push(
                t.outbound(now, Transport::Udp, internal, remote)
                    .unwrap()
                    .external
                    .port(),
            );
        }
        ports.sort_unstable();
        assert_eq!(ports, vec![2000, 2001]);
        let r = t.outbound(now, Transport::Udp, internal, addr("198.51.100.1:3"));
        assert_eq!(r.unwrap_err(), DropReason::PortsExhausted);
        // A different transport has its own port space.
        assert!(t
            .outbound(now, Transport::Tcp, internal, addr("198.51.100.1:3"))
            .is_ok());
    }
}
