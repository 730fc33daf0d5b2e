//! Which peer addresses a relay may reach: private, loopback, link-local, unspecified,
//! multicast and the server's own addresses are denied by default, so the server is never an
//! open relay into the network it sits in (the coturn CVE-2020-26262 class of bug).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Most ranges an explicit allow or deny list holds.
pub const MAX_RULES: usize = 16;
/// Most own addresses the filter refuses.
pub const MAX_OWN_ADDRESSES: usize = 8;
/// Most service ports (listening STUN/TURN/TLS ports) the filter knows.
pub const MAX_SERVICE_PORTS: usize = 8;

/// An IP prefix such as `10.0.0.0/8` or `2001:db8::/32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IpRange {
    net: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// A range; `None` when the prefix is longer than the address.
    pub const fn new(net: IpAddr, prefix: u8) -> Option<Self> {
        let max = match net {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        if prefix > max {
            None
        } else {
            Some(IpRange { net, prefix })
        }
    }

    /// A range holding exactly `ip`.
    pub const fn single(ip: IpAddr) -> Self {
        let prefix = match ip {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        IpRange { net: ip, prefix }
    }

    const fn v4(a: u8, b: u8, c: u8, d: u8, prefix: u8) -> Self {
        IpRange {
            net: IpAddr::V4(Ipv4Addr::new(a, b, c, d)),
            prefix,
        }
    }

    const fn v6(first: u16, prefix: u8) -> Self {
        IpRange {
            net: IpAddr::V6(Ipv6Addr::new(first, 0, 0, 0, 0, 0, 0, 0)),
            prefix,
        }
    }

    /// Whether `ip` is in the range (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(
                u128::from(n.to_bits()) << 96,
                u128::from(a.to_bits()) << 96,
                self.prefix,
            ),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(n.to_bits(), a.to_bits(), self.prefix),
            _ => false,
        }
    }

    /// Parse `a.b.c.d/n`, `x::y/n`, or a bare address.
    pub fn parse(s: &str) -> Option<Self> {
        let (ip, prefix) = match s.split_once('/') {
            Some((ip, p)) => (ip.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.parse::<IpAddr>().ok()?, None),
        };
        match prefix {
            Some(p) => IpRange::new(ip, p),
            None => Some(IpRange::single(ip)),
        }
    }
}

fn prefix_eq(a: u128, b: u128, prefix: u8) -> bool {
    if prefix == 0 {
        return true;
    }
    let mask = u128::MAX << (128 - u32::from(prefix.min(128)));
    a & mask == b & mask
}

/// IPv4-mapped IPv6 (`::ffff:a.b.c.d`) as IPv4, so a mapped address cannot sneak past an
/// IPv4 rule.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// Ranges denied unless allowed explicitly.
const DEFAULT_DENY: [IpRange; 17] = [
    IpRange::v4(0, 0, 0, 0, 8),      // "this network", unspecified
    IpRange::v4(10, 0, 0, 0, 8),     // RFC 1918
    IpRange::v4(100, 64, 0, 0, 10),  // RFC 6598 carrier-grade NAT
    IpRange::v4(127, 0, 0, 0, 8),    // loopback
    IpRange::v4(169, 254, 0, 0, 16), // link-local (and cloud metadata at .169.254)
    IpRange::v4(172, 16, 0, 0, 12),  // RFC 1918
    IpRange::v4(192, 0, 0, 0, 24),   // IETF protocol assignments
    IpRange::v4(192, 168, 0, 0, 16), // RFC 1918
    IpRange::v4(198, 18, 0, 0, 15),  // benchmarking
    IpRange::v4(224, 0, 0, 0, 4),    // multicast
    IpRange::v4(240, 0, 0, 0, 4),    // reserved, broadcast
    IpRange::v6(0, 128),             // :: unspecified
    IpRange::single(IpAddr::V6(Ipv6Addr::LOCALHOST)), // ::1
    IpRange::v6(0xfc00, 7),          // unique local
    IpRange::v6(0xfe80, 10),         // link-local
    IpRange::v6(0xfec0, 10),         // deprecated site-local
    IpRange::v6(0xff00, 8),          // multicast
];

/// The peer address policy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeerFilter {
    allow: heapless::Vec<IpRange, MAX_RULES>,
    deny: heapless::Vec<IpRange, MAX_RULES>,
    own: heapless::Vec<IpAddr, MAX_OWN_ADDRESSES>,
    /// The server's relay ports: on an own address only these may be peers (another
    /// allocation of this server — two clients meeting on one server).
    relay_ports: Option<(u16, u16)>,
    /// Ports the server listens on: never a peer, even inside the relay range.
    service_ports: heapless::Vec<u16, MAX_SERVICE_PORTS>,
    default_deny: bool,
}

impl Default for PeerFilter {
    fn default() -> Self {
        PeerFilter::new()
    }
}

impl PeerFilter {
    /// The default policy: the special-purpose ranges above are denied, everything else is
    /// allowed.
    pub const fn new() -> Self {
        PeerFilter {
            allow: heapless::Vec::new(),
            deny: heapless::Vec::new(),
            own: heapless::Vec::new(),
            relay_ports: None,
            service_ports: heapless::Vec::new(),
            default_deny: true,
        }
    }

    /// No built-in denials (only for closed test networks; explicit `deny` rules and own
    /// addresses still apply).
    pub fn without_defaults(mut self) -> Self {
        self.default_deny = false;
        self
    }

    /// Allow `range` even if a default rule denies it (an explicit deny still wins).
    pub fn allow(mut self, range: IpRange) -> Result<Self, IpRange> {
        self.allow.push(range)?;
        Ok(self)
    }

    /// Allow loopback peers (127.0.0.0/8 and ::1), as coturn's `--allow-loopback-peers`.
    pub fn allow_loopback(self) -> Result<Self, IpRange> {
        self.allow(IpRange::v4(127, 0, 0, 0, 8))?
            .allow(IpRange::single(IpAddr::V6(Ipv6Addr::LOCALHOST)))
    }

    /// Deny `range` whatever the allow list says.
    pub fn deny(mut self, range: IpRange) -> Result<Self, IpRange> {
        self.deny.push(range)?;
        Ok(self)
    }

    /// Refuse the server's own address `ip` (its listening and relay addresses), so a client
    /// cannot loop the relay into itself. Loopback exemptions do not lift this one unless the
    /// address is loopback and loopback is allowed (tests on 127.0.0.1).
    pub fn own_address(mut self, ip: IpAddr) -> Result<Self, IpAddr> {
        let ip = canonical(ip);
        if !self.own.contains(&ip) {
            self.own.push(ip)?;
        }
        Ok(self)
    }

    /// Let peers on the server's own addresses through when their port is one of its relay
    /// ports `lo..=hi` (not one it listens on): two clients of this server relaying to each
    /// other, as two relay-only browsers on one TURN server do. Only relay sockets listen
    /// there, and what reaches a relay socket is peer data, never a request, so this opens
    /// no loop.
    pub fn own_relay_ports(mut self, lo: u16, hi: u16) -> Self {
        self.relay_ports = Some((lo, hi));
        self
    }

    /// A port the server listens on (STUN/TURN, TLS, DTLS): never a peer on an own address.
    pub fn service_port(mut self, port: u16) -> Result<Self, u16> {
        if !self.service_ports.contains(&port) {
            self.service_ports.push(port)?;
        }
        Ok(self)
    }

    /// Whether `ip` is one of the server's own addresses.
    pub fn is_own(&self, ip: IpAddr) -> bool {
        self.own.contains(&canonical(ip))
    }

    /// Whether `peer`, on one of the server's own addresses, is another allocation's relay
    /// port of this server; with `port` false only whether such peers are let through at all
    /// (a permission is for an IP: the port is checked when data is sent). Explicit denials
    /// still win.
    pub fn permits_own_relay(&self, peer: SocketAddr, port: bool) -> bool {
        let ip = canonical(peer.ip());
        let p = peer.port();
        let Some((lo, hi)) = self.relay_ports else {
            return false;
        };
        let port_ok = !port || ((lo..=hi).contains(&p) && !self.service_ports.contains(&p));
        port_ok && !self.deny.iter().any(|r| r.contains(ip))
    }

    /// Whether a relay may send to, or accept from, `ip`.
    pub fn permits(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        if self.deny.iter().any(|r| r.contains(ip)) {
            return false;
        }
        let allowed = self.allow.iter().any(|r| r.contains(ip));
        if self.own.contains(&ip) && !(allowed && ip.is_loopback()) {
            return false;
        }
        if allowed {
            return true;
        }
        !(self.default_deny && is_special(ip))
    }
}

fn is_special(ip: IpAddr) -> bool {
    if DEFAULT_DENY.iter().any(|r| r.contains(ip)) {
        return true;
    }
    match ip {
        // NAT64 (64:ff9b::/96) and Teredo (2001::/32) embed an IPv4 address that may be
        // private, as do the deprecated IPv4-compatible addresses (::a.b.c.d).
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let nat64 = s.first() == Some(&0x0064) && s.get(1) == Some(&0xff9b);
            let teredo = s.first() == Some(&0x2001) && s.get(1) == Some(&0x0000);
            let v4_compat = v6.to_bits() >> 32 == 0;
            nat64 || teredo || v4_compat
        }
        IpAddr::V4(v4) => v4.is_broadcast(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn private_ranges_are_denied_by_default() {
        let f = PeerFilter::new();
        for bad in [
            "0.0.0.0",
            "10.1.2.3",
            "100.64.0.1",
            "127.0.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "::ffff:10.0.0.1",
            "::ffff:127.0.0.1",
            "64:ff9b::a00:1",
            "::10.0.0.1",
        ] {
            assert!(!f.permits(ip(bad)), "{bad} should be denied");
        }
        for good in [
            "8.8.8.8",
            "172.32.0.1",
            "93.184.216.34",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(f.permits(ip(good)), "{good} should be allowed");
        }
    }

    #[test]
    fn allow_deny_and_own_addresses() {
        let f = PeerFilter::new()
            .allow_loopback()
            .unwrap()
            .allow(IpRange::parse("10.1.0.0/16").unwrap())
            .unwrap()
            .deny(IpRange::parse("10.1.2.0/24").unwrap())
            .unwrap()
            .own_address(ip("203.0.113.5"))
            .unwrap()
            .own_address(ip("127.0.0.1"))
            .unwrap();
        assert!(f.permits(ip("127.0.0.1")));
        assert!(f.permits(ip("::1")));
        assert!(f.permits(ip("10.1.9.9")));
        assert!(!f.permits(ip("10.1.2.3")));
        assert!(!f.permits(ip("10.2.0.1")));
        assert!(!f.permits(ip("203.0.113.5")));
        assert!(!f.permits(ip("::ffff:203.0.113.5")));
        assert!(f.permits(ip("203.0.113.6")));
    }

    #[test]
    fn ranges_parse_and_match() {
        let r = IpRange::parse("2001:db8::/32").unwrap();
        assert!(r.contains(ip("2001:db8:1::1")));
        assert!(!r.contains(ip("2001:db9::1")));
        assert!(!r.contains(ip("1.2.3.4")));
        assert!(IpRange::parse("1.2.3.4/33").is_none());
        assert!(IpRange::parse("0.0.0.0/0").unwrap().contains(ip("9.9.9.9")));
        assert!(IpRange::parse("nonsense").is_none());
    }
}
