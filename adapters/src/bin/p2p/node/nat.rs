//! `--nat KIND`: the node's sockets behave as if behind that NAT, by filtering datagrams in
//! the driver ([`UdpFilter`]) — loopback and test namespaces only, nothing is rewritten.
//!
//! Every session has one socket, so the mapping is endpoint-independent, as a cone NAT's is.
//! What differs is filtering, of what comes in from a peer the node has not sent to:
//! * `full-cone`: everything passes;
//! * `restricted`: only from an IP the node has sent to;
//! * `port-restricted`: only from an IP and port the node has sent to;
//! * `symmetric`: nothing direct passes either way — only the node's STUN/TURN server and its
//!   relay addresses are reachable, as between two symmetric NATs, where a new mapping per
//!   destination makes every direct pair fail and only a relay works.

use adapters::driver::UdpFilter;
use std::collections::HashSet;
use std::net::{IpAddr, SocketAddr};

/// Destinations remembered per session; past it the oldest are forgotten at once (as a NAT's
/// idle mappings expire).
const MAX_SENT_TO: usize = 1024;

/// The NAT types a node can emulate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum NatKind {
    /// Endpoint-independent mapping and filtering.
    FullCone,
    /// Address-dependent filtering.
    Restricted,
    /// Address- and port-dependent filtering.
    PortRestricted,
    /// A new mapping per destination: only relays work.
    Symmetric,
}

/// The node's own STUN/TURN server: always reachable, like a server on the public side.
#[derive(Clone, Copy, Debug)]
pub struct Servers {
    /// The server's address.
    pub server: SocketAddr,
    /// Its relay IP and relay port range.
    pub relay_ip: IpAddr,
    /// First and last relay port.
    pub relay_ports: (u16, u16),
}

impl Servers {
    fn contains(&self, a: SocketAddr) -> bool {
        a == self.server
            || (a.ip() == self.relay_ip
                && (self.relay_ports.0..=self.relay_ports.1).contains(&a.port()))
    }
}

/// One session's NAT state.
#[derive(Debug)]
pub struct Nat {
    kind: NatKind,
    servers: Option<Servers>,
    sent_to: HashSet<SocketAddr>,
}

impl Nat {
    /// A fresh NAT of `kind` in front of one session.
    pub fn new(kind: NatKind, servers: Option<Servers>) -> Self {
        Nat {
            kind,
            servers,
            sent_to: HashSet::new(),
        }
    }

    fn is_server(&self, a: SocketAddr) -> bool {
        self.servers.is_some_and(|s| s.contains(a))
    }
}

impl UdpFilter for Nat {
    fn outbound(&mut self, _local: SocketAddr, remote: SocketAddr) -> bool {
        if self.kind == NatKind::Symmetric && !self.is_server(remote) {
            return false;
        }
        if self.sent_to.len() >= MAX_SENT_TO {
            self.sent_to.clear();
        }
        self.sent_to.insert(remote);
        true
    }

    fn inbound(&mut self, _local: SocketAddr, remote: SocketAddr) -> bool {
        if self.is_server(remote) {
            return true;
        }
        match self.kind {
            NatKind::FullCone => true,
            NatKind::Restricted => self.sent_to.iter().any(|a| a.ip() == remote.ip()),
            NatKind::PortRestricted => self.sent_to.contains(&remote),
            NatKind::Symmetric => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> SocketAddr {
        s.parse()
            .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    #[test]
    fn each_kind_filters_as_its_nat_does() {
        let me = a("127.0.0.1:5000");
        let peer = a("127.0.0.1:6000");
        let same_ip = a("127.0.0.1:6001");
        let other = a("127.0.0.2:6000");
        let verdicts = |kind| {
            let mut n = Nat::new(kind, None);
            let before = n.inbound(me, peer);
            let out = n.outbound(me, peer);
            [
                before,
                out,
                n.inbound(me, peer),
                n.inbound(me, same_ip),
                n.inbound(me, other),
            ]
        };
        assert_eq!(verdicts(NatKind::FullCone), [true; 5]);
        assert_eq!(
            verdicts(NatKind::Restricted),
            [false, true, true, true, false]
        );
        assert_eq!(
            verdicts(NatKind::PortRestricted),
            [false, true, true, false, false]
        );
        assert_eq!(verdicts(NatKind::Symmetric), [false; 5]);
    }

    #[test]
    fn the_servers_and_their_relays_pass_a_symmetric_nat() {
        let servers = Servers {
            server: a("127.0.0.1:3478"),
            relay_ip: a("127.0.0.1:0").ip(),
            relay_ports: (20_000, 20_999),
        };
        let mut n = Nat::new(NatKind::Symmetric, Some(servers));
        let me = a("127.0.0.1:5000");
        assert!(n.outbound(me, a("127.0.0.1:3478")));
        assert!(n.inbound(me, a("127.0.0.1:3478")));
        assert!(n.outbound(me, a("127.0.0.1:20017")));
        assert!(n.inbound(me, a("127.0.0.1:20017")));
        assert!(!n.outbound(me, a("127.0.0.1:40000")));
        assert!(!n.inbound(me, a("127.0.0.1:21000")));
    }
}
