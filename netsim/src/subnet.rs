//! IP prefixes for private networks.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

/// An IP prefix such as `192.168.1.0/24` or `fd00::/64`: the addresses of one LAN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subnet {
    addr: IpAddr,
    prefix: u8,
}

/// Why a [`Subnet`] could not be built or parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SubnetError {
    /// The text is not `ADDRESS/PREFIX`.
    Syntax,
    /// The prefix length exceeds 32 (IPv4) or 128 (IPv6).
    PrefixTooLong {
        /// The prefix length given.
        prefix: u8,
    },
}

impl fmt::Display for SubnetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SubnetError::Syntax => f.write_str("expected ADDRESS/PREFIX, e.g. 192.168.1.0/24"),
            SubnetError::PrefixTooLong { prefix } => write!(f, "prefix /{prefix} is too long"),
        }
    }
}

impl std::error::Error for SubnetError {}

impl Subnet {
    /// The prefix `addr/prefix`; host bits of `addr` are cleared.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<Self, SubnetError> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        if prefix > max {
            return Err(SubnetError::PrefixTooLong { prefix });
        }
        let addr = match addr {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) & mask32(prefix)).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) & mask128(prefix)).into()),
        };
        Ok(Subnet { addr, prefix })
    }

    /// The network address (host bits zero).
    pub const fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    pub const fn prefix(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` lies in this prefix (never across address families).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => u32::from(ip) & mask32(self.prefix) == net.into(),
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                u128::from(ip) & mask128(self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(prefix.min(32)))
        .unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(prefix.min(128)))
        .unwrap_or(0)
}

impl FromStr for Subnet {
    type Err = SubnetError;
    fn from_str(s: &str) -> Result<Self, SubnetError> {
        let (addr, prefix) = s.split_once('/').ok_or(SubnetError::Syntax)?;
        let addr = addr.parse().map_err(|_| SubnetError::Syntax)?;
        let prefix = prefix.parse().map_err(|_| SubnetError::Syntax)?;
        Subnet::new(addr, prefix)
    }
}

impl fmt::Display for Subnet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn parse_contains_display() {
        let s: Subnet = "192.168.1.77/24".parse().unwrap();
        assert_eq!(s.to_string(), "192.168.1.0/24");
        assert!(s.contains("192.168.1.200".parse().unwrap()));
        assert!(!s.contains("192.168.2.1".parse().unwrap()));
        assert!(!s.contains("::1".parse().unwrap()));
        let all: Subnet = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        let v6: Subnet = "fd00:1::/64".parse().unwrap();
        assert!(v6.contains("fd00:1::5".parse().unwrap()));
        assert!(!v6.contains("fd00:2::5".parse().unwrap()));
        assert_eq!(
            "10.0.0.0/33".parse::<Subnet>(),
            Err(SubnetError::PrefixTooLong { prefix: 33 })
        );
        assert_eq!("10.0.0.0".parse::<Subnet>(), Err(SubnetError::Syntax));
    }
}
