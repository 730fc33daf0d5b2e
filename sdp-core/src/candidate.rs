//! The typed view of an `a=candidate` value (RFC 8839 §5.1):
//!
//! ```text
//! <foundation> <component> <transport> <priority> <address> <port> typ <type>
//!     [raddr <address>] [rport <port>] *(<extension name> <extension value>)
//! ```

use crate::text::{int, Tokens};
use core::fmt;

/// The candidate type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CandidateType<'a> {
    /// `host`.
    Host,
    /// `srflx`.
    ServerReflexive,
    /// `prflx`.
    PeerReflexive,
    /// `relay`.
    Relayed,
    /// A future type token.
    Other(&'a str),
}

impl<'a> CandidateType<'a> {
    fn from_token(t: &'a str) -> Self {
        match t {
            "host" => CandidateType::Host,
            "srflx" => CandidateType::ServerReflexive,
            "prflx" => CandidateType::PeerReflexive,
            "relay" => CandidateType::Relayed,
            other => CandidateType::Other(other),
        }
    }
    /// The token.
    pub fn as_str(&self) -> &'a str {
        match self {
            CandidateType::Host => "host",
            CandidateType::ServerReflexive => "srflx",
            CandidateType::PeerReflexive => "prflx",
            CandidateType::Relayed => "relay",
            CandidateType::Other(t) => t,
        }
    }
}

/// One ICE candidate, borrowing from the attribute text. Addresses stay text: they may be
/// IPv4, IPv6 or a hostname (Chromium's mDNS `….local` names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CandidateLine<'a> {
    /// Foundation: 1–32 ICE characters.
    pub foundation: &'a str,
    /// Component: 1 for RTP (and everything with rtcp-mux), 2 for RTCP.
    pub component: u16,
    /// `UDP` or `TCP` (any case).
    pub transport: &'a str,
    /// Priority.
    pub priority: u32,
    /// Connection address.
    pub address: &'a str,
    /// Port.
    pub port: u16,
    /// CandidateLine type.
    pub kind: CandidateType<'a>,
    /// `raddr`.
    pub related_address: Option<&'a str>,
    /// `rport`.
    pub related_port: Option<u16>,
    /// Extension name/value pairs after the fixed fields (`generation 0 network-id 1`).
    pub extensions: &'a str,
}

fn is_ice_chars(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

impl<'a> CandidateLine<'a> {
    /// Parse the value after `candidate:`; `None` when it does not follow the grammar.
    pub fn parse(value: &'a str) -> Option<Self> {
        let value = value.trim();
        let mut it = Tokens::new(value);
        let foundation = it.next().filter(|f| f.len() <= 32 && is_ice_chars(f))?;
        let component = it.next().and_then(int).filter(|c| *c >= 1)?;
        let transport = it.next()?;
        let priority = it.next().and_then(int)?;
        let address = it.next()?;
        let port = it.next().and_then(int)?;
        if it.next()? != "typ" {
            return None;
        }
        let kind = CandidateType::from_token(it.next()?);
        let mut c = CandidateLine {
            foundation,
            component,
            transport,
            priority,
            address,
            port,
            kind,
            related_address: None,
            related_port: None,
            extensions: "",
        };
        c.extensions = c.parse_tail(it)?;
        Some(c)
    }

    /// `raddr`/`rport`, then the extensions as one slice of `value`.
    fn parse_tail(&mut self, mut it: Tokens<'a>) -> Option<&'a str> {
        loop {
            let rest = it.rest();
            let Some(name) = it.next() else {
                return it.finished().then_some("");
            };
            match name {
                "raddr" if self.related_address.is_none() => {
                    self.related_address = Some(it.next()?);
                }
                "rport" if self.related_port.is_none() => {
                    self.related_port = Some(it.next().and_then(int)?);
                }
                _ => {
                    // Extensions come in name/value pairs.
                    let n = rest.split_ascii_whitespace().count();
                    if n % 2 != 0 {
                        return None;
                    }
                    return Some(rest.trim_end());
                }
            }
        }
    }

    /// The value of extension `name` (`generation`, `ufrag`, `network-id`, `tcptype`, …).
    pub fn extension(&self, name: &str) -> Option<&'a str> {
        let mut it = self.extensions.split_ascii_whitespace();
        while let (Some(n), Some(v)) = (it.next(), it.next()) {
            if n == name {
                return Some(v);
            }
        }
        None
    }
}

impl fmt::Display for CandidateLine<'_> {
    /// The attribute value (what follows `a=candidate:`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {} {} {} {} typ {}",
            self.foundation,
            self.component,
            self.transport,
            self.priority,
            self.address,
            self.port,
            self.kind.as_str()
        )?;
        if let Some(a) = self.related_address {
            write!(f, " raddr {a}")?;
        }
        if let Some(p) = self.related_port {
            write!(f, " rport {p}")?;
        }
        if !self.extensions.is_empty() {
            write!(f, " {}", self.extensions)?;
        }
        Ok(())
    }
}
