//! Shared topology and probing helpers for the netsim integration tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod toys;

use std::net::SocketAddr;

use netsim::{Delivery, HostId, NatConfig, Network, RealmId};
use sansio::Path;

/// `"1.2.3.4:5"` as a socket address.
pub fn sa(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// One inside host behind a NAT and two servers (two IPs) on the internet.
pub struct World {
    pub net: Network,
    pub lan: RealmId,
    /// 192.168.1.10, sends from port 5000.
    pub inside: HostId,
    /// 198.51.100.1 (ports 3478 and 3479 used).
    pub s1: HostId,
    /// 198.51.100.2.
    pub s2: HostId,
}

pub const INSIDE: &str = "192.168.1.10:5000";
pub const S1A: &str = "198.51.100.1:3478";
pub const S1B: &str = "198.51.100.1:3479";
pub const S2A: &str = "198.51.100.2:3478";
pub const NAT_IP: &str = "203.0.113.1";

pub fn world(seed: u64, config: NatConfig) -> World {
    let mut net = Network::new(seed);
    let internet = net.internet();
    let lan = net.add_nat(internet, NAT_IP, "192.168.1.0/24", config);
    let inside = net.add_host(lan, "192.168.1.10");
    let s1 = net.add_host(internet, "198.51.100.1");
    let s2 = net.add_host(internet, "198.51.100.2");
    World {
        net,
        lan,
        inside,
        s1,
        s2,
    }
}

/// Sends one datagram and runs the network until idle; returns everything delivered.
pub fn exchange(
    net: &mut Network,
    from: HostId,
    local: SocketAddr,
    remote: SocketAddr,
) -> Vec<Delivery> {
    net.send(from, Path::udp(local, remote), b"probe");
    net.run_until_idle()
}

/// Like [`exchange`] but expects exactly one delivery and returns it.
pub fn one(net: &mut Network, from: HostId, local: SocketAddr, remote: SocketAddr) -> Delivery {
    let mut got = exchange(net, from, local, remote);
    assert_eq!(
        got.len(),
        1,
        "expected one delivery, got {got:?}\n{}",
        net.trace()
    );
    got.pop().unwrap()
}

/// Sends from the inside host to `remote` and returns the mapped source the server saw.
pub fn mapped(w: &mut World, remote: &str) -> SocketAddr {
    let d = one(&mut w.net, w.inside, sa(INSIDE), sa(remote));
    assert_eq!(d.path.local, sa(remote));
    d.path.remote
}
