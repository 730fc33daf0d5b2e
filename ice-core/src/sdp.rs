//! The RFC 8839 §5.1 `candidate` attribute grammar, so candidates travel over any signaling.
//!
//! ```text
//! candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
//!           [raddr <address>] [rport <port>] *(<extension-name> <extension-value>)
//! ```
//! Parsing accepts an optional `a=` prefix, an optional `candidate:` prefix (aioice and some
//! libraries omit it), any case for the transport and type tokens, and skips extensions
//! (`generation`, `ufrag`, `network-id`, …).

use crate::candidate::{Candidate, CandidateKind, Foundation, MAX_FOUNDATION};
use crate::iptext::IpTextError;
use core::fmt;
use core::net::{IpAddr, SocketAddr};

/// Why a candidate line did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CandidateParseError {
    /// A required field is missing.
    Missing(&'static str),
    /// A field is malformed.
    Invalid(&'static str),
    /// Not UDP (TCP candidates, RFC 6544, are not supported by this agent).
    UnsupportedTransport,
    /// The address is a hostname (for example an mDNS `.local` name): resolve it and pass
    /// the address.
    Hostname,
    /// An IPv6 address, and this agent was built without the `ipv6` feature.
    UnsupportedFamily,
}

impl fmt::Display for CandidateParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CandidateParseError::Missing(w) => write!(f, "candidate line lacks {w}"),
            CandidateParseError::Invalid(w) => write!(f, "candidate line has an invalid {w}"),
            CandidateParseError::UnsupportedTransport => {
                f.write_str("only UDP candidates are supported")
            }
            CandidateParseError::Hostname => {
                f.write_str("candidate address is a hostname, not an IP")
            }
            CandidateParseError::UnsupportedFamily => {
                f.write_str("an IPv6 candidate, and this agent is IPv4-only")
            }
        }
    }
}

impl core::error::Error for CandidateParseError {}

fn is_ice_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/'
}

/// Parse a remote candidate from its attribute line.
pub fn parse_candidate(line: &str) -> Result<Candidate, CandidateParseError> {
    use CandidateParseError as E;
    let line = line.trim();
    let line = line.strip_prefix("a=").unwrap_or(line);
    let line = line.strip_prefix("candidate:").unwrap_or(line);
    let mut it = line.split_ascii_whitespace();
    let mut next = |what| it.next().ok_or(E::Missing(what));
    let foundation_text = next("foundation")?;
    if foundation_text.len() > MAX_FOUNDATION || !foundation_text.chars().all(is_ice_char) {
        return Err(E::Invalid("foundation"));
    }
    let component: u16 = next("component")?
        .parse()
        .map_err(|_| E::Invalid("component"))?;
    if !next("transport")?.eq_ignore_ascii_case("udp") {
        return Err(E::UnsupportedTransport);
    }
    let priority: u32 = next("priority")?
        .parse()
        .map_err(|_| E::Invalid("priority"))?;
    let ip = parse_ip(next("address")?)?;
    let port: u16 = next("port")?.parse().map_err(|_| E::Invalid("port"))?;
    if next("typ")? != "typ" {
        return Err(E::Invalid("typ"));
    }
    let typ = next("type")?;
    let kinds = [
        CandidateKind::Host,
        CandidateKind::ServerReflexive,
        CandidateKind::PeerReflexive,
        CandidateKind::Relayed,
    ];
    let kind = kinds
        .into_iter()
        .find(|k| k.token().eq_ignore_ascii_case(typ))
        .ok_or(E::Invalid("type"))?;
    let (mut raddr, mut rport) = (None, None);
    while let Some(name) = it.next() {
        let value = it.next().ok_or(E::Missing("extension value"))?;
        match name {
            "raddr" => raddr = Some(parse_ip(value)?),
            "rport" => rport = Some(value.parse::<u16>().map_err(|_| E::Invalid("rport"))?),
            _ => {}
        }
    }
    let mut foundation = Foundation::new();
    let _ = foundation.push_str(foundation_text);
    let addr = SocketAddr::new(ip, port);
    Ok(Candidate {
        kind,
        addr,
        base: addr,
        related: raddr.map(|ip| SocketAddr::new(ip, rport.unwrap_or(0))),
        priority,
        foundation,
        component,
    })
}

fn parse_ip(s: &str) -> Result<IpAddr, CandidateParseError> {
    crate::iptext::parse_ip(s).map_err(|e| match e {
        IpTextError::Ipv6 => CandidateParseError::UnsupportedFamily,
        IpTextError::Invalid
            if s.contains(|c: char| c.is_ascii_alphabetic()) && !s.contains(':') =>
        {
            CandidateParseError::Hostname
        }
        IpTextError::Invalid => CandidateParseError::Invalid("address"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::string::ToString;

    #[test]
    fn parses_browser_and_aioice_lines() {
        let c = parse_candidate(
            "a=candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 10.0.0.5 rport 61665 generation 0 ufrag EsAw network-cost 999",
        )
        .unwrap();
        assert_eq!(c.kind, CandidateKind::ServerReflexive);
        assert_eq!(c.addr, "203.0.113.7:61665".parse().unwrap());
        assert_eq!(c.related, Some("10.0.0.5:61665".parse().unwrap()));
        assert_eq!(c.priority, 1_677_729_535);
        assert_eq!(c.foundation.as_str(), "842163049");
        let a = parse_candidate("6815297761 1 UDP 2130706431 127.0.0.1 53442 typ host").unwrap();
        assert_eq!(a.kind, CandidateKind::Host);
        let v6 = parse_candidate("candidate:1 1 udp 2122262783 2001:db8::1 9 typ host");
        #[cfg(feature = "ipv6")]
        assert!(v6.unwrap().addr.is_ipv6());
        // An IPv4-only build (`cargo xtask test` runs this one too) refuses it as such.
        #[cfg(not(feature = "ipv6"))]
        assert_eq!(v6.unwrap_err(), CandidateParseError::UnsupportedFamily);
    }

    #[test]
    fn round_trips_through_display() {
        let base: SocketAddr = "10.0.0.5:5000".parse().unwrap();
        let c = Candidate::server_reflexive(
            "198.51.100.9:6000".parse().unwrap(),
            base,
            "192.0.2.1".parse().unwrap(),
            65535,
        );
        let line = c.to_string();
        let back = parse_candidate(&line).unwrap();
        assert_eq!(back.addr, c.addr);
        assert_eq!(back.priority, c.priority);
        assert_eq!(back.foundation, c.foundation);
        assert_eq!(back.related, c.related);
        assert_eq!(back.kind, c.kind);
    }

    #[test]
    fn rejects_bad_lines() {
        use CandidateParseError as E;
        assert_eq!(parse_candidate(""), Err(E::Missing("foundation")));
        assert_eq!(
            parse_candidate("candidate:1 1 tcp 1 1.2.3.4 9 typ host tcptype active"),
            Err(E::UnsupportedTransport)
        );
        assert_eq!(
            parse_candidate("candidate:1 1 udp 1 abcd.local 9 typ host"),
            Err(E::Hostname)
        );
        assert_eq!(
            parse_candidate("candidate:1 1 udp x 1.2.3.4 9 typ host"),
            Err(E::Invalid("priority"))
        );
        assert_eq!(
            parse_candidate("candidate:1 1 udp 1 1.2.3.4 9 typ bogus"),
            Err(E::Invalid("type"))
        );
        assert_eq!(
            parse_candidate("candidate:1 1 udp 1 1.2.3.4 99999 typ host"),
            Err(E::Invalid("port"))
        );
        assert_eq!(
            parse_candidate("candidate:1 1 udp 1 1.2.3.4 9 typ host raddr"),
            Err(E::Missing("extension value"))
        );
        assert_eq!(
            parse_candidate("candidate:a_b 1 udp 1 1.2.3.4 9 typ host"),
            Err(E::Invalid("foundation"))
        );
    }
}
