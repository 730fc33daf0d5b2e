//! Ready-made topologies for the usual two-peer tests.

use std::net::IpAddr;

use crate::{HostId, NatConfig, Network, RealmId};

/// Where a peer of [`peer_pair`] sits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Site {
    /// Directly on the internet.
    Public,
    /// Alone behind its own NAT.
    BehindNat(NatConfig),
    /// For peer B only: on peer A's LAN (behind A's NAT), or on the internet when A is
    /// public.
    WithA,
}

/// Two peers and two servers, as built by [`peer_pair`].
#[derive(Debug)]
pub struct PeerPair {
    /// The network, ideal links everywhere (set them as needed).
    pub net: Network,
    /// Peer A.
    pub a: HostId,
    /// Peer B.
    pub b: HostId,
    /// A's LAN and NAT, when behind one.
    pub lan_a: Option<RealmId>,
    /// B's LAN and NAT, when behind one (the same as `lan_a` for [`Site::WithA`]).
    pub lan_b: Option<RealmId>,
    /// A public server at 198.51.100.1 (e.g. STUN and TURN).
    pub server: HostId,
    /// A second public server at 198.51.100.2 (e.g. a second STUN server or a TURN peer).
    pub server2: HostId,
}

impl PeerPair {
    /// Peer A's address.
    pub fn a_ip(&self) -> IpAddr {
        self.net.host_ip(self.a)
    }

    /// Peer B's address.
    pub fn b_ip(&self) -> IpAddr {
        self.net.host_ip(self.b)
    }

    /// The server's address.
    pub fn server_ip(&self) -> IpAddr {
        self.net.host_ip(self.server)
    }
}

/// Builds two peers placed as `a` and `b`, and two public servers.
///
/// Addresses: A is 192.168.1.10 behind NAT 203.0.113.1 (or 203.0.113.10 when public); B is
/// 192.168.2.10 behind NAT 203.0.113.2 (or 203.0.113.20 when public), or 192.168.1.11 on A's
/// LAN; servers are 198.51.100.1 and 198.51.100.2.
///
/// # Panics
/// When `a` is [`Site::WithA`].
pub fn peer_pair(seed: u64, a: Site, b: Site) -> PeerPair {
    let mut net = Network::new(seed);
    let internet = net.internet();
    let (lan_a, host_a) = match a {
        Site::Public => (None, net.add_host(internet, "203.0.113.10")),
        Site::BehindNat(cfg) => {
            let lan = net.add_nat(internet, "203.0.113.1", "192.168.1.0/24", cfg);
            (Some(lan), net.add_host(lan, "192.168.1.10"))
        }
        Site::WithA => misuse(),
    };
    let (lan_b, host_b) = match (b, lan_a) {
        (Site::Public, _) | (Site::WithA, None) => (None, net.add_host(internet, "203.0.113.20")),
        (Site::BehindNat(cfg), _) => {
            let lan = net.add_nat(internet, "203.0.113.2", "192.168.2.0/24", cfg);
            (Some(lan), net.add_host(lan, "192.168.2.10"))
        }
        (Site::WithA, Some(lan)) => (Some(lan), net.add_host(lan, "192.168.1.11")),
    };
    let server = net.add_host(internet, "198.51.100.1");
    let server2 = net.add_host(internet, "198.51.100.2");
    PeerPair {
        net,
        a: host_a,
        b: host_b,
        lan_a,
        lan_b,
        server,
        server2,
    }
}

#[track_caller]
#[allow(clippy::panic, reason = "test-tool misuse is a test bug")]
fn misuse() -> ! {
    panic!("netsim::scenario::peer_pair: peer A cannot be placed WithA")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use sansio::Path;

    #[test]
    fn shared_lan_peers_reach_each_other_directly_and_via_hairpin() {
        let mut p = peer_pair(1, Site::BehindNat(NatConfig::full_cone()), Site::WithA);
        assert_eq!(p.lan_a, p.lan_b);
        let (a, b) = (
            "192.168.1.10:1".parse().unwrap(),
            "192.168.1.11:2".parse().unwrap(),
        );
        p.net.send(p.a, Path::udp(a, b), b"x");
        let got = p.net.run_until_idle();
        assert_eq!((got.len(), got[0].host), (1, p.b));
        let stun = "198.51.100.1:3478".parse().unwrap();
        p.net.send(p.b, Path::udp(b, stun), b"x");
        let mapped_b = p.net.run_until_idle()[0].path.remote;
        p.net.send(p.a, Path::udp(a, mapped_b), b"x");
        let got = p.net.run_until_idle();
        assert_eq!((got.len(), got[0].host), (1, p.b));
    }

    #[test]
    fn addresses_follow_the_sites() {
        let p = peer_pair(1, Site::Public, Site::BehindNat(NatConfig::symmetric()));
        assert_eq!(p.a_ip().to_string(), "203.0.113.10");
        assert_eq!(p.b_ip().to_string(), "192.168.2.10");
        assert_eq!(
            p.net.nat_public_ip(p.lan_b.unwrap()).to_string(),
            "203.0.113.2"
        );
        assert_eq!(p.server_ip().to_string(), "198.51.100.1");
        let p = peer_pair(1, Site::Public, Site::WithA);
        assert_eq!(
            (p.lan_b, p.b_ip().to_string()),
            (None, "203.0.113.20".into())
        );
    }
}
