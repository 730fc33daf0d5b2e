//! Identifiers and the realm/host records behind them.

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::link::LinkConfig;
use crate::nat::NatTable;
use crate::rng::Rng;
use crate::stats::Counters;
use crate::subnet::Subnet;

/// A simulated host (one or more interfaces, each in a realm).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostId(pub(crate) u32);

/// An address realm: the public internet ([`Network::internet`](crate::Network::internet))
/// or a private network behind a NAT, which the same id also names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RealmId(pub(crate) u32);

impl HostId {
    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

impl RealmId {
    /// The public internet.
    pub(crate) const INTERNET: RealmId = RealmId(0);

    pub(crate) fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for HostId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host{}", self.0)
    }
}

impl fmt::Display for RealmId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == RealmId::INTERNET {
            f.write_str("internet")
        } else {
            write!(f, "lan{}", self.0)
        }
    }
}

/// Who answers for an address inside a realm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner {
    /// A host interface.
    Host(HostId),
    /// The public side of the NAT in front of this child realm.
    Nat(RealmId),
}

/// A realm: its addresses, link and (for a LAN) the NAT connecting it to its parent.
#[derive(Debug)]
pub(crate) struct Realm {
    pub subnet: Option<Subnet>,
    pub parent: Option<RealmId>,
    pub nat: Option<NatTable>,
    pub link: LinkConfig,
    pub rng: Rng,
    pub owners: BTreeMap<IpAddr, Owner>,
}

/// A host: its interfaces, its access link and its counters.
#[derive(Debug)]
pub(crate) struct Host {
    pub ifaces: Vec<(RealmId, IpAddr)>,
    pub link: LinkConfig,
    pub rng: Rng,
    pub stats: Counters,
}

/// Anything usable as an IP address in the topology calls: `IpAddr`, `Ipv4Addr`,
/// `Ipv6Addr` or a literal such as `"192.0.2.1"` (which panics when malformed).
pub trait IntoIp {
    /// The address.
    fn into_ip(self) -> IpAddr;
}

impl IntoIp for IpAddr {
    fn into_ip(self) -> IpAddr {
        self
    }
}

impl IntoIp for Ipv4Addr {
    fn into_ip(self) -> IpAddr {
        IpAddr::V4(self)
    }
}

impl IntoIp for Ipv6Addr {
    fn into_ip(self) -> IpAddr {
        IpAddr::V6(self)
    }
}

impl IntoIp for &str {
    #[track_caller]
    #[allow(
        clippy::panic,
        reason = "test-tool topology literal; a typo must stop the test"
    )]
    fn into_ip(self) -> IpAddr {
        match self.parse() {
            Ok(ip) => ip,
            Err(_) => panic!("netsim: {self:?} is not an IP address"),
        }
    }
}

/// Anything usable as a LAN prefix: a [`Subnet`] or a literal such as `"192.168.1.0/24"`
/// (which panics when malformed).
pub trait IntoSubnet {
    /// The prefix.
    fn into_subnet(self) -> Subnet;
}

impl IntoSubnet for Subnet {
    fn into_subnet(self) -> Subnet {
        self
    }
}

impl IntoSubnet for &str {
    #[track_caller]
    #[allow(
        clippy::panic,
        reason = "test-tool topology literal; a typo must stop the test"
    )]
    fn into_subnet(self) -> Subnet {
        match self.parse() {
            Ok(s) => s,
            Err(e) => panic!("netsim: {self:?} is not a subnet: {e}"),
        }
    }
}
