//! TURN attributes (RFC 8656 §18, RFC 6062 §6.2), decoded lazily from stun-proto's raw TLVs
//! and written through its [`MessageBuilder`].

use core::net::SocketAddr;
use stun_proto::wire::attr::{
    address_len, decode_xor_address, encode_xor_address, AttrType, ErrorCode, RawAttribute,
};
use stun_proto::wire::{EmitError, Message, MessageBuilder, ParseError, TransactionId};

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

/// A typed TURN attribute: borrowed from the message it was decoded from, or from the caller
/// when building.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TurnAttribute<'a> {
    /// CHANNEL-NUMBER (0x000C): the channel in the top 16 bits, RFFU below.
    ChannelNumber(u16),
    /// LIFETIME (0x000D), in seconds.
    Lifetime(u32),
    /// XOR-PEER-ADDRESS (0x0012), stored un-XOR-ed.
    XorPeerAddress(SocketAddr),
    /// DATA (0x0013): the application payload, borrowed (zero-copy).
    Data(&'a [u8]),
    /// XOR-RELAYED-ADDRESS (0x0016), stored un-XOR-ed.
    XorRelayedAddress(SocketAddr),
    /// REQUESTED-ADDRESS-FAMILY (0x0017).
    RequestedAddressFamily(AddressFamily),
    /// EVEN-PORT (0x0018): ask for an even port; `reserve` also reserves the next one.
    EvenPort {
        /// The R bit.
        reserve: bool,
    },
    /// REQUESTED-TRANSPORT (0x0019).
    RequestedTransport(RelayProtocol),
    /// DONT-FRAGMENT (0x001A), no value.
    DontFragment,
    /// RESERVATION-TOKEN (0x0022): 8 opaque bytes.
    ReservationToken([u8; 8]),
    /// CONNECTION-ID (0x002A, RFC 6062).
    ConnectionId(u32),
    /// ADDITIONAL-ADDRESS-FAMILY (0x8000): only IPv6 is allowed in it.
    AdditionalAddressFamily(AddressFamily),
    /// ADDRESS-ERROR-CODE (0x8001): why one family of a dual allocation failed.
    AddressErrorCode {
        /// The family that failed.
        family: AddressFamily,
        /// The error code.
        code: ErrorCode,
        /// Reason phrase.
        reason: &'a str,
    },
    /// ICMP (0x8004): an ICMP error a peer's address produced.
    Icmp {
        /// ICMP type.
        kind: u8,
        /// ICMP code.
        code: u8,
        /// ICMP error data (e.g. the next-hop MTU).
        data: u32,
    },
}

fn fixed<const N: usize>(v: &[u8]) -> Option<[u8; N]> {
    v.try_into().ok()
}

impl<'a> TurnAttribute<'a> {
    /// Whether this crate decodes attributes of `kind` as TURN attributes.
    pub const fn is_turn(kind: AttrType) -> bool {
        matches!(
            kind,
            AttrType::CHANNEL_NUMBER
                | AttrType::LIFETIME
                | AttrType::XOR_PEER_ADDRESS
                | AttrType::DATA
                | AttrType::XOR_RELAYED_ADDRESS
                | AttrType::REQUESTED_ADDRESS_FAMILY
                | AttrType::EVEN_PORT
                | AttrType::REQUESTED_TRANSPORT
                | AttrType::DONT_FRAGMENT
                | AttrType::RESERVATION_TOKEN
                | AttrType::CONNECTION_ID
                | AttrType::ADDITIONAL_ADDRESS_FAMILY
                | AttrType::ADDRESS_ERROR_CODE
                | AttrType::ICMP
        )
    }

    /// Decode a raw attribute of a message with transaction ID `tid`. `Ok(None)` when the type
    /// is not a TURN attribute; an error when it is one but its value is malformed.
    pub fn decode(raw: &RawAttribute<'a>, tid: &TransactionId) -> Result<Option<Self>, ParseError> {
        if !Self::is_turn(raw.kind) {
            return Ok(None);
        }
        Self::try_decode(raw.kind, raw.value, tid)
            .map(Some)
            .ok_or(ParseError::InvalidAttribute { attr: raw.kind.0 })
    }

    fn try_decode(kind: AttrType, v: &'a [u8], tid: &TransactionId) -> Option<Self> {
        use TurnAttribute as T;
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

    /// The attribute type.
    pub const fn kind(&self) -> AttrType {
        use TurnAttribute as T;
        match self {
            T::ChannelNumber(_) => AttrType::CHANNEL_NUMBER,
            T::Lifetime(_) => AttrType::LIFETIME,
            T::XorPeerAddress(_) => AttrType::XOR_PEER_ADDRESS,
            T::Data(_) => AttrType::DATA,
            T::XorRelayedAddress(_) => AttrType::XOR_RELAYED_ADDRESS,
            T::RequestedAddressFamily(_) => AttrType::REQUESTED_ADDRESS_FAMILY,
            T::EvenPort { .. } => AttrType::EVEN_PORT,
            T::RequestedTransport(_) => AttrType::REQUESTED_TRANSPORT,
            T::DontFragment => AttrType::DONT_FRAGMENT,
            T::ReservationToken(_) => AttrType::RESERVATION_TOKEN,
            T::ConnectionId(_) => AttrType::CONNECTION_ID,
            T::AdditionalAddressFamily(_) => AttrType::ADDITIONAL_ADDRESS_FAMILY,
            T::AddressErrorCode { .. } => AttrType::ADDRESS_ERROR_CODE,
            T::Icmp { .. } => AttrType::ICMP,
        }
    }

    /// Length of the encoded value, without padding.
    pub fn value_len(&self) -> usize {
        use TurnAttribute as T;
        match self {
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
        }
    }

    /// Write the value into `out` (exactly [`value_len`](Self::value_len) bytes).
    fn write_value(&self, out: &mut [u8], tid: &TransactionId) {
        use TurnAttribute as T;
        let put = |out: &mut [u8], b: &[u8]| {
            if let Some(o) = out.get_mut(..b.len()) {
                o.copy_from_slice(b)
            }
        };
        match *self {
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
        }
    }

    /// Append this attribute to a message being built.
    pub fn add_to(&self, b: &mut MessageBuilder<'_>) -> Result<(), EmitError> {
        if let TurnAttribute::AddressErrorCode { reason, .. } = self {
            if reason.len() > MAX_REASON {
                return Err(EmitError::ValueTooLong {
                    attr: self.kind().0,
                });
            }
        }
        let tid = b.transaction_id();
        b.add_with(self.kind(), self.value_len(), |out| {
            self.write_value(out, &tid)
        })
    }
}

fn decode_address_error(v: &[u8]) -> Option<TurnAttribute<'_>> {
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
    Some(TurnAttribute::AddressErrorCode {
        family,
        code,
        reason: core::str::from_utf8(reason).ok()?,
    })
}

/// Reading TURN attributes out of a validated [`Message`].
pub trait TurnMessageExt<'a> {
    /// The first attribute of type `kind` decoded as a TURN attribute: `None` when absent,
    /// `Some(Err)` when present but malformed.
    fn turn(&self, kind: AttrType) -> Option<Result<TurnAttribute<'a>, ParseError>>;

    /// Every XOR-PEER-ADDRESS, in order (CreatePermission may carry several); malformed ones
    /// come out as errors.
    fn peer_addresses(&self) -> PeerAddresses<'a>;
}

impl<'a> TurnMessageExt<'a> for Message<'a> {
    fn turn(&self, kind: AttrType) -> Option<Result<TurnAttribute<'a>, ParseError>> {
        let tid = self.transaction_id();
        let raw = self.get(kind)?;
        match TurnAttribute::decode(&raw, &tid) {
            Ok(Some(a)) => Some(Ok(a)),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }

    fn peer_addresses(&self) -> PeerAddresses<'a> {
        PeerAddresses {
            tid: self.transaction_id(),
            inner: self.attributes(),
        }
    }
}

/// Iterator over the XOR-PEER-ADDRESS attributes of a message.
#[derive(Clone, Debug)]
pub struct PeerAddresses<'a> {
    tid: TransactionId,
    inner: stun_proto::wire::AttrIter<'a>,
}

impl Iterator for PeerAddresses<'_> {
    type Item = Result<SocketAddr, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let raw = self
            .inner
            .by_ref()
            .find(|a| a.kind == AttrType::XOR_PEER_ADDRESS)?;
        Some(decode_xor_address(raw.value, &self.tid).ok_or(raw.invalid()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use stun_proto::wire::{Class, MessageType, Method};

    fn all(reason: &str) -> [TurnAttribute<'_>; 15] {
        use TurnAttribute as T;
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
    fn every_attribute_round_trips() {
        let tid = TransactionId([9; 12]);
        let mut buf = [0u8; 512];
        let kind = MessageType::new(Method::ALLOCATE, Class::Request);
        let mut b = MessageBuilder::new(&mut buf, kind, tid).unwrap();
        let attrs = all("no v6");
        for a in &attrs {
            a.add_to(&mut b).unwrap();
        }
        let len = b.finish();
        let msg = Message::new_checked(&buf[..len]).unwrap();
        let got: heapless::Vec<_, 16> = msg
            .attributes()
            .map(|r| TurnAttribute::decode(&r, &tid).unwrap().unwrap())
            .collect();
        assert_eq!(&got[..], &attrs[..]);
        assert_eq!(
            msg.turn(AttrType::LIFETIME),
            Some(Ok(TurnAttribute::Lifetime(600)))
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
        TurnAttribute::RequestedTransport(RelayProtocol::Udp)
            .add_to(&mut b)
            .unwrap();
        TurnAttribute::ChannelNumber(0x4000).add_to(&mut b).unwrap();
        TurnAttribute::EvenPort { reserve: true }
            .add_to(&mut b)
            .unwrap();
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
            assert!(TurnAttribute::decode(&raw, &tid).is_err(), "{kind:?}");
        }
        let other = RawAttribute {
            kind: AttrType::SOFTWARE,
            value: b"x",
            offset: 20,
        };
        assert_eq!(TurnAttribute::decode(&other, &tid), Ok(None));
    }
}
