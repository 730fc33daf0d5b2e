//! The TURN attributes (RFC 8656 §18, RFC 6062 §6.2) as variants of the one [`Attribute`]
//! enum: decoded lazily from raw TLVs like every STUN attribute, written by the same builder
//! verb ([`MessageBuilder::add`](crate::wire::MessageBuilder::add)).

use super::address::{address_len, decode_xor_address, encode_xor_address};
use super::{AttrType, Attribute, ErrorCode};
use crate::wire::TransactionId;
use core::net::SocketAddr;

/// Longest ADDRESS-ERROR-CODE reason phrase (as ERROR-CODE's, RFC 8489 §14.8).
pub const MAX_REASON: usize = 763;

/// An IP address family as REQUESTED-ADDRESS-FAMILY and ADDITIONAL-ADDRESS-FAMILY carry it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AddressFamily {
    /// IPv4 (0x01).
    V4,
    /// IPv6 (0x02).
    V6,
}

impl AddressFamily {
    /// The wire value.
    pub const fn number(self) -> u8 {
        match self {
            AddressFamily::V4 => 0x01,
            AddressFamily::V6 => 0x02,
        }
    }

    /// The family of a wire value.
    pub const fn from_number(n: u8) -> Option<Self> {
        match n {
            0x01 => Some(AddressFamily::V4),
            0x02 => Some(AddressFamily::V6),
            _ => None,
        }
    }

    /// The family of an address.
    pub const fn of(addr: &SocketAddr) -> Self {
        match addr {
            SocketAddr::V4(_) => AddressFamily::V4,
            SocketAddr::V6(_) => AddressFamily::V6,
        }
    }
}

/// IANA protocol numbers REQUESTED-TRANSPORT may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RelayProtocol {
    /// UDP (17): RFC 8656 relaying.
    Udp,
    /// TCP (6): RFC 6062 relaying.
    Tcp,
    /// Any other protocol number (answered with 442).
    Other(u8),
}

impl RelayProtocol {
    /// The IANA protocol number.
    pub const fn number(self) -> u8 {
        match self {
            RelayProtocol::Udp => 17,
            RelayProtocol::Tcp => 6,
            RelayProtocol::Other(n) => n,
        }
    }

    /// The protocol with that number.
    pub const fn from_number(n: u8) -> Self {
        match n {
            17 => RelayProtocol::Udp,
            6 => RelayProtocol::Tcp,
            n => RelayProtocol::Other(n),
        }
    }
}

fn fixed<const N: usize>(v: &[u8]) -> Option<[u8; N]> {
    v.try_into().ok()
}

/// Decode a TURN attribute's value; `None` when malformed (or `kind` is not TURN's).
pub(super) fn decode<'a>(
    kind: AttrType,
    v: &'a [u8],
    tid: &TransactionId,
) -> Option<Attribute<'a>> {
    use Attribute as T;
    Some(match kind {
        AttrType::CHANNEL_NUMBER => {
            let [a, b, _, _] = fixed::<4>(v)?;
            T::ChannelNumber(u16::from_be_bytes([a, b]))
        }
        AttrType::LIFETIME => T::Lifetime(u32::from_be_bytes(fixed::<4>(v)?)),
        AttrType::XOR_PEER_ADDRESS => T::XorPeerAddress(decode_xor_address(v, tid)?),
        AttrType::DATA => T::Data(v),
        AttrType::XOR_RELAYED_ADDRESS => T::XorRelayedAddress(decode_xor_address(v, tid)?),
        AttrType::REQUESTED_ADDRESS_FAMILY => {
            let [f, _, _, _] = fixed::<4>(v)?;
            T::RequestedAddressFamily(AddressFamily::from_number(f)?)
        }
        AttrType::EVEN_PORT => {
            let [flags] = fixed::<1>(v)?;
            T::EvenPort {
                reserve: flags & 0x80 != 0,
            }
        }
        AttrType::REQUESTED_TRANSPORT => {
            let [p, _, _, _] = fixed::<4>(v)?;
            T::RequestedTransport(RelayProtocol::from_number(p))
        }
        AttrType::DONT_FRAGMENT => v.is_empty().then_some(T::DontFragment)?,
        AttrType::RESERVATION_TOKEN => T::ReservationToken(fixed::<8>(v)?),
        AttrType::CONNECTION_ID => T::ConnectionId(u32::from_be_bytes(fixed::<4>(v)?)),
        AttrType::ADDITIONAL_ADDRESS_FAMILY => {
            let [f, _, _, _] = fixed::<4>(v)?;
            T::AdditionalAddressFamily(AddressFamily::from_number(f)?)
        }
        AttrType::ADDRESS_ERROR_CODE => decode_address_error(v)?,
        AttrType::ICMP => {
            let [_, _, kind, code, d0, d1, d2, d3] = fixed::<8>(v)?;
            T::Icmp {
                kind,
                code,
                data: u32::from_be_bytes([d0, d1, d2, d3]),
            }
        }
        _ => return None,
    })
}

fn decode_address_error(v: &[u8]) -> Option<Attribute<'_>> {
    let family = AddressFamily::from_number(*v.first()?)?;
    let class = u16::from(*v.get(2)? & 0x07);
    let number = u16::from(*v.get(3)?);
    if number > 99 {
        return None;
    }
    let code = ErrorCode::new(class * 100 + number)?;
    let reason = v.get(4..)?;
    if reason.len() > MAX_REASON {
        return None;
    }
    Some(Attribute::AddressErrorCode {
        family,
        code,
        reason: core::str::from_utf8(reason).ok()?,
    })
}

/// Length of a TURN attribute's value; `None` for the other variants.
pub(super) fn value_len(a: &Attribute<'_>) -> Option<usize> {
    use Attribute as T;
    Some(match a {
        T::XorPeerAddress(a) | T::XorRelayedAddress(a) => address_len(a),
        T::Data(d) => d.len(),
        T::EvenPort { .. } => 1,
        T::DontFragment => 0,
        T::ReservationToken(_) | T::Icmp { .. } => 8,
        T::AddressErrorCode { reason, .. } => 4 + reason.len(),
        T::ChannelNumber(_)
        | T::Lifetime(_)
        | T::RequestedAddressFamily(_)
        | T::RequestedTransport(_)
        | T::ConnectionId(_)
        | T::AdditionalAddressFamily(_) => 4,
        _ => return None,
    })
}

/// Write a TURN attribute's value into `out`; `false` for the other variants.
pub(super) fn write_value(a: &Attribute<'_>, out: &mut [u8], tid: &TransactionId) -> bool {
    use Attribute as T;
    let put = |out: &mut [u8], b: &[u8]| {
        if let Some(o) = out.get_mut(..b.len()) {
            o.copy_from_slice(b)
        }
    };
    match *a {
        T::ChannelNumber(n) => {
            let [a, b] = n.to_be_bytes();
            put(out, &[a, b, 0, 0])
        }
        T::Lifetime(s) => put(out, &s.to_be_bytes()),
        T::XorPeerAddress(a) | T::XorRelayedAddress(a) => encode_xor_address(&a, tid, out),
        T::Data(d) => put(out, d),
        T::RequestedAddressFamily(f) | T::AdditionalAddressFamily(f) => {
            put(out, &[f.number(), 0, 0, 0])
        }
        T::EvenPort { reserve } => put(out, &[u8::from(reserve) << 7]),
        T::RequestedTransport(p) => put(out, &[p.number(), 0, 0, 0]),
        T::DontFragment => {}
        T::ReservationToken(t) => put(out, &t),
        T::ConnectionId(id) => put(out, &id.to_be_bytes()),
        T::AddressErrorCode {
            family,
            code,
            reason,
        } => {
            let c = code.code();
            put(out, &[family.number(), 0, (c / 100) as u8, (c % 100) as u8]);
            if let Some(rest) = out.get_mut(4..) {
                put(rest, reason.as_bytes())
            }
        }
        T::Icmp { kind, code, data } => {
            let [d0, d1, d2, d3] = data.to_be_bytes();
            put(out, &[0, 0, kind, code, d0, d1, d2, d3])
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::wire::attr::RawAttribute;
    use crate::wire::{Class, Message, MessageBuilder, MessageType, Method};

    fn all(reason: &str) -> [Attribute<'_>; 15] {
        use Attribute as T;
        [
            T::ChannelNumber(0x4001),
            T::Lifetime(600),
            T::XorPeerAddress("192.0.2.1:4000".parse().unwrap()),
            T::Data(b"hello"),
            T::XorRelayedAddress("[2001:db8::1]:5000".parse().unwrap()),
            T::RequestedAddressFamily(AddressFamily::V6),
            T::EvenPort { reserve: true },
            T::RequestedTransport(RelayProtocol::Udp),
            T::DontFragment,
            T::ReservationToken([1, 2, 3, 4, 5, 6, 7, 8]),
            T::ConnectionId(0xdead_beef),
            T::AdditionalAddressFamily(AddressFamily::V6),
            T::AddressErrorCode {
                family: AddressFamily::V6,
                code: ErrorCode::ADDRESS_FAMILY_NOT_SUPPORTED,
                reason,
            },
            T::Icmp {
                kind: 3,
                code: 4,
                data: 1400,
            },
            T::EvenPort { reserve: false },
        ]
    }

    #[test]
    fn every_turn_attribute_round_trips_through_the_one_builder_verb() {
        let tid = TransactionId([9; 12]);
        let mut buf = [0u8; 512];
        let kind = MessageType::new(Method::ALLOCATE, Class::Request);
        let mut b = MessageBuilder::new(&mut buf, kind, tid).unwrap();
        let attrs = all("no v6");
        for a in &attrs {
            b.add(a).unwrap();
        }
        let len = b.finish();
        let msg = Message::new_checked(&buf[..len]).unwrap();
        let got: heapless::Vec<_, 16> = msg.attributes().map(|r| r.decode(&tid).unwrap()).collect();
        assert_eq!(&got[..], &attrs[..]);
        assert_eq!(msg.lifetime(), Some(600));
        assert_eq!(msg.channel_number(), Some(0x4001));
        assert_eq!(msg.data(), Some(&b"hello"[..]));
        assert_eq!(msg.even_port(), Some(true));
        assert!(msg.dont_fragment());
        assert_eq!(msg.requested_transport(), Some(RelayProtocol::Udp));
        assert_eq!(msg.connection_id(), Some(0xdead_beef));
        assert_eq!(
            msg.xor_relayed_address(),
            Some("[2001:db8::1]:5000".parse().unwrap())
        );
        assert_eq!(msg.peer_addresses().count(), 1);
    }

    #[test]
    fn known_wire_bytes() {
        // REQUESTED-TRANSPORT UDP: 0x0019, length 4, 17 then RFFU.
        let tid = TransactionId([0; 12]);
        let mut buf = [0u8; 64];
        let kind = MessageType::new(Method::ALLOCATE, Class::Request);
        let mut b = MessageBuilder::new(&mut buf, kind, tid).unwrap();
        b.add(&Attribute::RequestedTransport(RelayProtocol::Udp))
            .unwrap();
        b.add(&Attribute::ChannelNumber(0x4000)).unwrap();
        b.add(&Attribute::EvenPort { reserve: true }).unwrap();
        let len = b.finish();
        assert_eq!(
            &buf[20..len],
            &[
                0, 0x19, 0, 4, 17, 0, 0, 0, 0, 0x0c, 0, 4, 0x40, 0, 0, 0, 0, 0x18, 0, 1, 0x80, 0,
                0, 0
            ]
        );
    }

    #[test]
    fn malformed_values_are_errors_not_panics() {
        let tid = TransactionId([0; 12]);
        let bad: [(AttrType, &[u8]); 8] = [
            (AttrType::CHANNEL_NUMBER, &[0x40]),
            (AttrType::LIFETIME, &[0, 0, 0]),
            (AttrType::XOR_PEER_ADDRESS, &[0, 3, 0, 0, 1, 2, 3, 4]),
            (AttrType::REQUESTED_ADDRESS_FAMILY, &[3, 0, 0, 0]),
            (AttrType::EVEN_PORT, &[0x80, 0]),
            (AttrType::DONT_FRAGMENT, &[1]),
            (AttrType::RESERVATION_TOKEN, &[1; 7]),
            (AttrType::ADDRESS_ERROR_CODE, &[2, 0, 4, 100]),
        ];
        for (kind, value) in bad {
            let raw = RawAttribute {
                kind,
                value,
                offset: 20,
            };
            assert!(raw.decode(&tid).is_err(), "{kind:?}");
        }
    }

    #[test]
    fn an_over_long_address_error_reason_is_refused_by_the_builder() {
        let long = core::str::from_utf8(&[b'x'; MAX_REASON + 1]).unwrap();
        let mut buf = [0u8; 2048];
        let kind = MessageType::new(Method::ALLOCATE, Class::Success);
        let mut b = MessageBuilder::new(&mut buf, kind, TransactionId([1; 12])).unwrap();
        let a = Attribute::AddressErrorCode {
            family: AddressFamily::V6,
            code: ErrorCode::ADDRESS_FAMILY_NOT_SUPPORTED,
            reason: long,
        };
        assert!(b.add(&a).is_err());
    }
}
