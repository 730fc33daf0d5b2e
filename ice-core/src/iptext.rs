//! Addresses in candidate lines, as text. With the `ipv6` feature both families go through
//! `core::net` (RFC 5952's shortest IPv6 form out); an IPv4-only build (a microcontroller
//! whose IP stack has no IPv6) leaves out `core::net`'s IPv6 parser and formatter, about 3 KB
//! of flash: it refuses IPv6 candidate lines and writes an IPv6 address it is given in the
//! full eight-group form of RFC 4291 §2.2, which every parser takes.

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why an address field did not parse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IpTextError {
    /// Neither an IPv4 nor (in a build with IPv6) an IPv6 address.
    Invalid,
    /// An IPv6 address, in a build without the `ipv6` feature.
    Ipv6,
}

/// The address in `s`.
pub(crate) fn parse_ip(s: &str) -> Result<IpAddr, IpTextError> {
    #[cfg(feature = "ipv6")]
    {
        s.parse::<IpAddr>().map_err(|_| IpTextError::Invalid)
    }
    #[cfg(not(feature = "ipv6"))]
    parse_ipv4_only(s)
}

/// The IPv4 address in `s`; anything with a colon is taken for IPv6 and refused as such.
#[cfg_attr(feature = "ipv6", allow(dead_code))] // tested in every build
pub(crate) fn parse_ipv4_only(s: &str) -> Result<IpAddr, IpTextError> {
    match s.parse::<Ipv4Addr>() {
        Ok(v4) => Ok(IpAddr::V4(v4)),
        Err(_) if s.contains(':') => Err(IpTextError::Ipv6),
        Err(_) => Err(IpTextError::Invalid),
    }
}

/// `ip` as text: [`fmt::Display`] for an address, in the form this build writes.
pub(crate) struct IpText(pub IpAddr);

impl fmt::Display for IpText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        #[cfg(feature = "ipv6")]
        {
            fmt::Display::fmt(&self.0, f)
        }
        #[cfg(not(feature = "ipv6"))]
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write_ipv6_full(f, &v6),
        }
    }
}

/// `v6` as eight hexadecimal groups (`2001:db8:0:0:0:0:0:1`), no `::` compression.
#[cfg_attr(feature = "ipv6", allow(dead_code))] // tested in every build
pub(crate) fn write_ipv6_full(f: &mut impl fmt::Write, v6: &Ipv6Addr) -> fmt::Result {
    for (i, group) in v6.segments().iter().enumerate() {
        if i > 0 {
            f.write_char(':')?;
        }
        write!(f, "{group:x}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::string::String;

    #[test]
    fn the_full_ipv6_form_parses_back_to_the_same_address() {
        for text in [
            "2001:db8::1",
            "::",
            "::ffff:198.18.0.1",
            "fe80::1:2:3:4",
            "ff02::fb",
        ] {
            let v6: Ipv6Addr = text.parse().unwrap();
            let mut out = String::new();
            write_ipv6_full(&mut out, &v6).unwrap();
            assert_eq!(out.split(':').count(), 8, "{out}");
            assert_eq!(out.parse::<Ipv6Addr>().unwrap(), v6, "{out}");
        }
    }

    #[test]
    fn an_ipv4_only_build_refuses_ipv6_as_such() {
        let v4 = parse_ipv4_only("198.18.0.7").unwrap();
        assert_eq!(v4, IpAddr::from([198, 18, 0, 7]));
        assert_eq!(parse_ipv4_only("2001:db8::1"), Err(IpTextError::Ipv6));
        assert_eq!(parse_ipv4_only("198.18.0"), Err(IpTextError::Invalid));
        assert_eq!(parse_ipv4_only("host.local"), Err(IpTextError::Invalid));
    }
}
