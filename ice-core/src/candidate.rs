//! Candidates: kinds, priorities and foundations (RFC 8445 §5.1.2–5.1.3).

use crate::iptext::IpText;
use core::fmt::{self, Write};
use core::net::{IpAddr, SocketAddr};

/// Longest foundation (RFC 8839: 1 to 32 ice-chars).
pub const MAX_FOUNDATION: usize = 32;

/// A foundation: candidates with the same one share a type, base IP and server.
pub type Foundation = heapless::String<MAX_FOUNDATION>;

/// How a candidate was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CandidateKind {
    /// An address of a local interface.
    Host,
    /// The address a STUN server saw (our NAT's mapping).
    ServerReflexive,
    /// An address learned from a connectivity check.
    PeerReflexive,
    /// An address on a TURN server relaying for us.
    Relayed,
}

impl CandidateKind {
    /// The RFC 8445 §5.1.2.2 recommended type preference.
    pub const fn type_preference(self) -> u32 {
        match self {
            CandidateKind::Host => 126,
            CandidateKind::PeerReflexive => 110,
            CandidateKind::ServerReflexive => 100,
            CandidateKind::Relayed => 0,
        }
    }

    /// The `typ` token of the candidate attribute.
    pub const fn token(self) -> &'static str {
        match self {
            CandidateKind::Host => "host",
            CandidateKind::ServerReflexive => "srflx",
            CandidateKind::PeerReflexive => "prflx",
            CandidateKind::Relayed => "relay",
        }
    }
}

/// `(2^24) × type preference + (2^8) × local preference + (256 − component)`.
pub const fn priority(kind: CandidateKind, local_preference: u16, component: u16) -> u32 {
    let component = if component == 0 || component > 256 {
        256
    } else {
        component
    } as u32;
    (kind.type_preference() << 24) + ((local_preference as u32) << 8) + (256 - component)
}

/// A transport address a peer may be reached at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    /// How it was obtained.
    pub kind: CandidateKind,
    /// The address.
    pub addr: SocketAddr,
    /// The local address datagrams for it are sent from (for a remote candidate: `addr`).
    pub base: SocketAddr,
    /// `raddr`/`rport`: the base or mapped address it derives from, if any.
    pub related: Option<SocketAddr>,
    /// Priority.
    pub priority: u32,
    /// Foundation.
    pub foundation: Foundation,
    /// Component ID (1: this agent handles one component, RTP and RTCP multiplexed).
    pub component: u16,
}

impl Candidate {
    /// The local preference packed into the priority (bits 8–23, RFC 8445 §5.1.2.1).
    pub const fn local_preference(&self) -> u16 {
        ((self.priority >> 8) & 0xFFFF) as u16
    }

    /// A local host candidate on `addr`.
    pub fn host(addr: SocketAddr, local_preference: u16) -> Self {
        Candidate {
            kind: CandidateKind::Host,
            addr,
            base: addr,
            related: None,
            priority: priority(CandidateKind::Host, local_preference, 1),
            foundation: foundation(CandidateKind::Host, addr.ip(), None),
            component: 1,
        }
    }

    /// A server-reflexive candidate at `mapped`, learned from `server` for `base`.
    pub fn server_reflexive(
        mapped: SocketAddr,
        base: SocketAddr,
        server: IpAddr,
        local_preference: u16,
    ) -> Self {
        Candidate {
            kind: CandidateKind::ServerReflexive,
            addr: mapped,
            base,
            related: Some(base),
            priority: priority(CandidateKind::ServerReflexive, local_preference, 1),
            foundation: foundation(CandidateKind::ServerReflexive, base.ip(), Some(server)),
            component: 1,
        }
    }

    /// A relayed candidate at `relayed` on `server`, allocated from the host candidate at
    /// `host`; `mapped` is the server-reflexive address the TURN server reported. Its base is
    /// itself (RFC 8445 §5.1.1.2): checks from it leave through the TURN server.
    pub fn relayed(
        relayed: SocketAddr,
        host: SocketAddr,
        mapped: Option<SocketAddr>,
        server: IpAddr,
        local_preference: u16,
    ) -> Self {
        Candidate {
            kind: CandidateKind::Relayed,
            addr: relayed,
            base: relayed,
            related: mapped,
            priority: priority(CandidateKind::Relayed, local_preference, 1),
            foundation: foundation(CandidateKind::Relayed, host.ip(), Some(server)),
            component: 1,
        }
    }

    /// A peer-reflexive candidate with the priority a check announced.
    pub fn peer_reflexive(addr: SocketAddr, base: SocketAddr, priority: u32) -> Self {
        Candidate {
            kind: CandidateKind::PeerReflexive,
            addr,
            base,
            related: None,
            priority,
            foundation: foundation(CandidateKind::PeerReflexive, base.ip(), Some(addr.ip())),
            component: 1,
        }
    }
}

/// A foundation from type, base IP and server IP (RFC 8445 §5.1.1.3): a short hash in
/// ice-chars, equal exactly when the inputs are.
pub fn foundation(kind: CandidateKind, base: IpAddr, server: Option<IpAddr>) -> Foundation {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(kind.token().as_bytes());
    let ip_bytes = |ip: IpAddr| -> [u8; 16] {
        match ip {
            IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
            IpAddr::V6(v6) => v6.octets(),
        }
    };
    eat(&ip_bytes(base));
    if let Some(s) = server {
        eat(&ip_bytes(s));
    }
    let mut f = Foundation::new();
    let _ = write!(f, "{}", (h % 10_000_000_000));
    f
}

impl fmt::Display for Candidate {
    /// The RFC 8839 candidate attribute value: `candidate:…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "candidate:{} {} udp {} {} {} typ {}",
            self.foundation,
            self.component,
            self.priority,
            IpText(self.addr.ip()),
            self.addr.port(),
            self.kind.token()
        )?;
        if let Some(r) = self.related {
            write!(f, " raddr {} rport {}", IpText(r.ip()), r.port())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_follow_rfc8445_formula() {
        assert_eq!(priority(CandidateKind::Host, 65535, 1), 2_130_706_431);
        assert_eq!(
            priority(CandidateKind::ServerReflexive, 65535, 1),
            1_694_498_815
        );
        assert_eq!(priority(CandidateKind::Relayed, 65535, 1), 16_777_215);
        assert_eq!(
            priority(CandidateKind::PeerReflexive, 65535, 1),
            1_862_270_975
        );
        assert!(
            priority(CandidateKind::Host, 0, 1) > priority(CandidateKind::PeerReflexive, 65535, 1)
        );
    }

    #[test]
    fn foundations_equal_exactly_when_type_base_and_server_are() {
        let a: IpAddr = "10.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let b: IpAddr = "10.0.0.2".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let s: IpAddr = "192.0.2.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let k = CandidateKind::ServerReflexive;
        assert_eq!(foundation(k, a, Some(s)), foundation(k, a, Some(s)));
        assert_ne!(foundation(k, a, Some(s)), foundation(k, b, Some(s)));
        assert_ne!(
            foundation(k, a, Some(s)),
            foundation(CandidateKind::Relayed, a, Some(s))
        );
        assert_ne!(foundation(k, a, Some(s)), foundation(k, a, None));
        assert!(foundation(k, a, None)
            .chars()
            .all(|c| c.is_ascii_alphanumeric()));
    }
}
