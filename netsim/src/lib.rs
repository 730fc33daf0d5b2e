//! # netsim
//!
//! A deterministic, seeded, virtual-time network for testing sans-IO protocol machines:
//! hosts, impaired links and NAT boxes with the RFC 4787 behaviours, so that ICE, STUN and
//! TURN tests can prove NAT traversal for every NAT type, reproducibly, in milliseconds of
//! real time. Nothing here touches a socket or a clock. `publish = false`: a test tool.
//!
//! ## Model
//!
//! * **Realms.** The public [`internet`](Network::internet) is the root realm. Each
//!   [`add_nat`](Network::add_nat) adds a private realm (a LAN prefix) behind a NAT whose
//!   public address lives in the parent realm: the internet, or another LAN for NAT behind
//!   NAT (carrier-grade NAT). The [`RealmId`] it returns names both the LAN and its NAT.
//!   Use RFC 5737 addresses (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24) and
//!   2001:db8::/32 for the public side and RFC 1918 / RFC 6598 prefixes for LANs; two LANs
//!   may use the same prefix.
//! * **Hosts** have one or more interfaces ([`add_host`](Network::add_host),
//!   [`add_interface`](Network::add_interface)) and receive on every port of their
//!   addresses. Routing inside a realm: a host or NAT owning the destination address gets it;
//!   an unused address of the LAN prefix is unreachable; anything else goes to the LAN's
//!   NAT; the internet drops what nobody owns ([`DropReason::NoRoute`]).
//! * **Links** ([`LinkConfig`]: delay, jitter, loss, duplication, reordering, MTU). A
//!   datagram crosses the sender's host link, the link of every realm on its route and the
//!   receiver's host link; each applies its own settings with its own random stream.
//! * **NATs** ([`NatConfig`]): endpoint-independent, address-dependent or
//!   address-and-port-dependent [`Mapping`] and [`Filtering`] (full cone, restricted,
//!   port-restricted, symmetric), hairpinning on or off, mapping timeout with outbound (and
//!   optionally inbound) refresh, preserved, sequential or random port allocation. A NAT acts
//!   when a datagram reaches it (after the links before it), so simultaneous hole punching
//!   behaves as on a real network.
//!
//! ## Replay
//!
//! [`replay`] records one machine's calls and outputs while it talks to a real peer over real
//! sockets (the recording driver lives in the tests that use it) and replays such a capture
//! byte for byte without the peer.
//!
//! ## Driving it
//!
//! [`Network`] itself follows the sans-IO shape: [`send`](Network::send) at
//! [`now`](Network::now), [`poll_timeout`](Network::poll_timeout),
//! [`advance_to`](Network::advance_to), [`poll_delivery`](Network::poll_delivery). [`Sim`]
//! runs [`sansio::SansIo`] machines (or any [`Node`]) on hosts and steps the whole system
//! event by event; tests reach into machines with [`Sim::machine_mut`] / [`Sim::with`] and
//! read their events with [`Sim::events`]. [`scenario::peer_pair`] builds the usual
//! two-peers-and-servers topology for a NAT matrix in one call.
//!
//! ```
//! use netsim::{DropReason, NatConfig, Network};
//! use sansio::Path;
//!
//! let mut net = Network::new(42); // the seed: same seed and calls, same run
//! let internet = net.internet();
//! let lan = net.add_nat(internet, "203.0.113.1", "192.168.1.0/24", NatConfig::port_restricted());
//! let alice = net.add_host(lan, "192.168.1.10");
//! let stun = net.add_host(internet, "198.51.100.1");
//! let other = net.add_host(internet, "198.51.100.2");
//!
//! let (local, server) = ("192.168.1.10:5000".parse()?, "198.51.100.1:3478".parse()?);
//! net.send(alice, Path::udp(local, server), b"binding request");
//! let got = net.run_until_idle();
//! let mapped = got[0].path.remote; // what the server sees: the NAT's public mapping
//! assert_eq!(mapped.ip().to_string(), "203.0.113.1");
//!
//! // The server's answer gets back in; another host is filtered (port-restricted NAT).
//! net.send(stun, Path::udp(server, mapped), b"binding response");
//! net.send(other, Path::udp("198.51.100.2:9".parse()?, mapped), b"unsolicited");
//! let got = net.run_until_idle();
//! assert_eq!(got.len(), 1);
//! assert_eq!((got[0].host, got[0].path.local, got[0].path.remote), (alice, local, server));
//! assert_eq!(net.stats().dropped(DropReason::Filtered), 1);
//! # Ok::<(), std::net::AddrParseError>(())
//! ```
//!
//! ## RFC 4787 checklist
//!
//! | behaviour | status |
//! |---|---|
//! | §4.1 mapping: EIM / ADM / APDM | done |
//! | §4.1 IP address pooling (several public IPs) | not modelled: one public IP per NAT |
//! | §4.2 port assignment: preservation, sequential, random; no port overloading | done |
//! | §4.2 port parity / contiguity | not modelled |
//! | §4.3 mapping timeout, outbound refresh (REQ-6), optional inbound refresh | done |
//! | §5 filtering: EIF / ADF / APDF (state kept per mapping, see [`NatConfig`]) | done |
//! | §6 hairpinning with external source (REQ-9), on or off | done |
//! | §7 ICMP, §8 fragments | not modelled (datagrams over the MTU are dropped) |
//! | NAT behind NAT | done |
//! | TCP (RFC 5382) | TCP/TLS paths carried as reliable messages, no connection state |
//!
//! Not modelled either: bandwidth and queueing, ICMP errors, IPv6 behind an IPv4 NAT
//! (give a dual-stack host a second interface on the internet instead).
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

mod link;
mod nat;
mod network;
pub mod replay;
mod rng;
mod route;
pub mod scenario;
mod sim;
mod stats;
mod subnet;
mod topology;
mod trace;

pub use link::LinkConfig;
pub use nat::{Filtering, Mapping, MappingInfo, NatConfig, PortAllocation};
pub use network::Network;
pub use route::Delivery;
pub use sim::{AppData, Machine, Node, NodeId, NodeStats, Sim};
pub use stats::{Counters, DropReason};
pub use subnet::{Subnet, SubnetError};
pub use topology::{HostId, IntoIp, IntoSubnet, RealmId};
pub use trace::{Trace, TraceEntry, TraceEvent};
