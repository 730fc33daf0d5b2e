//! NAT behaviours from RFC 4787 (UDP) and their configuration.

mod table;

pub(crate) use table::NatTable;

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use sansio::{Instant, Transport};

/// Which outbound flows share one external address and port (RFC 4787 §4.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mapping {
    /// One mapping per internal address and port, whatever the destination
    /// ("cone"; RFC 4787 REQ-1 requires it).
    EndpointIndependent,
    /// One mapping per internal endpoint and destination IP address.
    AddressDependent,
    /// One mapping per internal endpoint and destination IP address and port ("symmetric").
    AddressAndPortDependent,
}

/// Which inbound packets a mapping lets in (RFC 4787 §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Filtering {
    /// Anyone may send to the mapped address ("full cone").
    EndpointIndependent,
    /// Only IP addresses the internal endpoint has sent to ("restricted cone").
    AddressDependent,
    /// Only IP addresses and ports the internal endpoint has sent to ("port restricted").
    AddressAndPortDependent,
}

/// How a NAT picks the external port of a new mapping (RFC 4787 §4.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PortAllocation {
    /// Keep the internal port when it is free in the NAT's range, else fall back to
    /// [`Sequential`](PortAllocation::Sequential).
    Preserve,
    /// The next free port after the previous allocation, from a seeded starting point.
    Sequential,
    /// A seeded uniformly random free port.
    Random,
}

/// Configuration of one NAT box.
///
/// Mapping refresh (RFC 4787 §4.3): outbound traffic through a mapping always refreshes it
/// (REQ-6); inbound traffic refreshes it only when `refresh_on_inbound` is set (off by
/// default, the conservative choice: a peer alone cannot keep a hole open).
///
/// Filter state is kept per mapping, as connection-tracking NATs do: a mapping lets a remote
/// address (and port) in while the mapping carried a packet to it within `mapping_timeout`
/// (or, with `refresh_on_inbound`, received one from it). With endpoint-independent mapping
/// this is exactly RFC 4787 §5; with dependent mappings a reply must come back on the
/// mapping the request left through, as symmetric NATs in the field behave.
///
/// Hairpinned packets pass the receiving mapping's filter like any inbound packet, with the
/// sender's external address as source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NatConfig {
    /// Mapping behaviour.
    pub mapping: Mapping,
    /// Filtering behaviour.
    pub filtering: Filtering,
    /// Loop packets sent from inside to the NAT's own public address back inside, with the
    /// source translated to the sender's external mapping (RFC 4787 §6, REQ-9). When
    /// `false`, such packets are dropped.
    pub hairpinning: bool,
    /// A mapping idle (no refreshing traffic) this long is removed.
    pub mapping_timeout: Duration,
    /// Whether inbound traffic refreshes a mapping too.
    pub refresh_on_inbound: bool,
    /// External port choice.
    pub port_allocation: PortAllocation,
    /// Inclusive range of external ports the NAT allocates from.
    pub port_range: (u16, u16),
}

impl NatConfig {
    /// A NAT with the given mapping and filtering, hairpinning on, 120 s timeout (the RFC 4787
    /// REQ-5 minimum), random ports from 1024..=65535.
    pub const fn new(mapping: Mapping, filtering: Filtering) -> Self {
        NatConfig {
            mapping,
            filtering,
            hairpinning: true,
            mapping_timeout: Duration::from_secs(120),
            refresh_on_inbound: false,
            port_allocation: PortAllocation::Random,
            port_range: (1024, 65535),
        }
    }

    /// Full cone: endpoint-independent mapping and filtering.
    pub const fn full_cone() -> Self {
        NatConfig::new(Mapping::EndpointIndependent, Filtering::EndpointIndependent)
    }

    /// (Address-)restricted cone: endpoint-independent mapping, address-dependent filtering.
    pub const fn restricted() -> Self {
        NatConfig::new(Mapping::EndpointIndependent, Filtering::AddressDependent)
    }

    /// Port-restricted cone: endpoint-independent mapping, address-and-port-dependent
    /// filtering.
    pub const fn port_restricted() -> Self {
        NatConfig::new(
            Mapping::EndpointIndependent,
            Filtering::AddressAndPortDependent,
        )
    }

    /// Symmetric: address-and-port-dependent mapping and filtering.
    pub const fn symmetric() -> Self {
        NatConfig::new(
            Mapping::AddressAndPortDependent,
            Filtering::AddressAndPortDependent,
        )
    }
}

/// A live NAT mapping, as [`Network::mappings`](crate::Network::mappings) reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MappingInfo {
    /// Transport of the mapped flows.
    pub transport: Transport,
    /// Internal (private) address and port.
    pub internal: SocketAddr,
    /// External (public) address and port.
    pub external: SocketAddr,
    /// The destination the mapping is bound to: `None` for endpoint-independent mapping, an
    /// address with port 0 for address-dependent mapping, the full address otherwise.
    pub bound_to: Option<SocketAddr>,
    /// When the mapping was created.
    pub created: Instant,
    /// When the mapping expires unless refreshed.
    pub expires: Instant,
}

impl fmt::Display for MappingInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} {} -> {}",
            self.transport, self.internal, self.external
        )?;
        if let Some(b) = self.bound_to {
            write!(f, " (for {b})")?;
        }
        write!(f, " expires {}", self.expires)
    }
}
