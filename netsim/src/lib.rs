//! placeholder docs
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

mod link;
mod nat;
mod network;
mod rng;
mod route;
mod sim;
mod stats;
mod subnet;
mod topology;
mod trace;

pub use link::LinkConfig;
pub use nat::{Filtering, Mapping, MappingInfo, NatConfig, PortAllocation};
pub use network::Network;
pub use route::Delivery;
pub use sim::{Machine, Node, NodeId, NodeStats, Sim};
pub use stats::{Counters, DropReason};
pub use subnet::{Subnet, SubnetError};
pub use topology::{HostId, IntoIp, IntoSubnet, RealmId};
pub use trace::{Trace, TraceEntry, TraceEvent};
