//! MAPPED-ADDRESS-style and XOR-MAPPED-ADDRESS-style address values (RFC 8489 §14.1–14.2).
//!
//! TURN's XOR-PEER-ADDRESS and XOR-RELAYED-ADDRESS and RFC 5780's RESPONSE-ORIGIN and
//! OTHER-ADDRESS share these encodings, so the functions are public.

use crate::wire::{be16, TransactionId, MAGIC_COOKIE};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

const FAMILY_V4: u8 = 0x01;
const FAMILY_V6: u8 = 0x02;

/// Encoded size of an address value: 8 bytes for IPv4, 20 for IPv6.
pub const fn address_len(addr: &SocketAddr) -> usize {
    match addr {
        SocketAddr::V4(_) => 8,
        SocketAddr::V6(_) => 20,
    }
}

/// Decode a plain address value; `None` when the family or length is wrong.
pub fn decode_address(value: &[u8]) -> Option<SocketAddr> {
    let family = *value.get(1)?;
    let port = be16(value, 2)?;
    let ip = match (family, value.len()) {
        (FAMILY_V4, 8) => {
            let b: [u8; 4] = value.get(4..8)?.try_into().ok()?;
            IpAddr::V4(Ipv4Addr::from(b))
        }
        (FAMILY_V6, 20) => {
            let b: [u8; 16] = value.get(4..20)?.try_into().ok()?;
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    Some(SocketAddr::new(ip, port))
}

/// Encode a plain address into `out`, which must be exactly [`address_len`] bytes long.
pub fn encode_address(addr: &SocketAddr, out: &mut [u8]) {
    let (family, ip): (u8, &[u8]) = match addr {
        SocketAddr::V4(a) => (FAMILY_V4, &a.ip().octets()[..]),
        SocketAddr::V6(a) => (FAMILY_V6, &a.ip().octets()[..]),
    };
    let _ = write_address(out, family, addr.port(), ip);
}

fn write_address(out: &mut [u8], family: u8, port: u16, ip: &[u8]) -> Option<()> {
    let [p0, p1] = port.to_be_bytes();
    out.get_mut(..4)?.copy_from_slice(&[0, family, p0, p1]);
    out.get_mut(4..4 + ip.len())?.copy_from_slice(ip);
    Some(())
}

/// The XOR mask for an address: cookie, then transaction ID (RFC 8489 §14.2).
fn mask(tid: &TransactionId) -> [u8; 16] {
    let mut m = [0u8; 16];
    let (cookie, rest) = m.split_at_mut(4);
    cookie.copy_from_slice(&MAGIC_COOKIE.to_be_bytes());
    rest.copy_from_slice(&tid.0);
    m
}

fn xor_in_place(bytes: &mut [u8], mask: &[u8; 16]) {
    for (b, m) in bytes.iter_mut().zip(mask.iter()) {
        *b ^= m;
    }
}

/// Decode an XOR-ed address value; `None` when the family or length is wrong.
pub fn decode_xor_address(value: &[u8], tid: &TransactionId) -> Option<SocketAddr> {
    let plain = decode_address(value)?;
    let m = mask(tid);
    let port = plain.port() ^ (MAGIC_COOKIE >> 16) as u16;
    let ip = match plain.ip() {
        IpAddr::V4(ip) => {
            let mut o = ip.octets();
            xor_in_place(&mut o, &m);
            IpAddr::V4(Ipv4Addr::from(o))
        }
        IpAddr::V6(ip) => {
            let mut o = ip.octets();
            xor_in_place(&mut o, &m);
            IpAddr::V6(Ipv6Addr::from(o))
        }
    };
    Some(SocketAddr::new(ip, port))
}

/// Encode an XOR-ed address into `out`, which must be exactly [`address_len`] bytes long.
pub fn encode_xor_address(addr: &SocketAddr, tid: &TransactionId, out: &mut [u8]) {
    let m = mask(tid);
    let port = addr.port() ^ (MAGIC_COOKIE >> 16) as u16;
    match addr {
        SocketAddr::V4(a) => {
            let mut o = a.ip().octets();
            xor_in_place(&mut o, &m);
            let _ = write_address(out, FAMILY_V4, port, &o);
        }
        SocketAddr::V6(a) => {
            let mut o = a.ip().octets();
            xor_in_place(&mut o, &m);
            let _ = write_address(out, FAMILY_V6, port, &o);
        }
    }
}

/// An address to be written XOR-ed with the transaction ID of the message it goes into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XorAddress(pub SocketAddr);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn xor_round_trip_v4_v6() {
        let tid = TransactionId([7; 12]);
        for a in [
            "192.0.2.1:32853",
            "[2001:db8:1234:5678:11:2233:4455:6677]:32853",
        ] {
            let a: SocketAddr = a.parse().unwrap();
            let mut buf = [0u8; 20];
            let out = &mut buf[..address_len(&a)];
            encode_xor_address(&a, &tid, out);
            assert_eq!(decode_xor_address(out, &tid), Some(a));
            assert_ne!(decode_address(out), Some(a));
            encode_address(&a, out);
            assert_eq!(decode_address(out), Some(a));
        }
    }

    #[test]
    fn rejects_bad_family_and_length() {
        assert_eq!(decode_address(&[0, 1, 0, 1, 1, 2, 3]), None);
        assert_eq!(decode_address(&[0, 3, 0, 1, 1, 2, 3, 4]), None);
        assert_eq!(decode_address(&[0, 2, 0, 1, 1, 2, 3, 4]), None);
        assert_eq!(decode_address(&[]), None);
    }
}
