//! Typed STUN attribute values, decoded on demand from raw TLVs and written by the builder.

use super::address::{
    address_len, decode_address, decode_xor_address, encode_address, encode_xor_address,
};
use super::turn::{AddressFamily, RelayProtocol};
use super::{AttrType, ErrorCode, PasswordAlgorithm, PasswordAlgorithms, UnknownAttributes};
use crate::wire::{be16, be32, be64, ParseError, TransactionId};
use core::net::SocketAddr;

/// Longest USERNAME value (RFC 8489 §14.3).
pub const MAX_USERNAME: usize = 513;
/// Longest REALM, NONCE, SOFTWARE and ERROR-CODE reason value (RFC 8489 §14: 763 bytes).
pub const MAX_TEXT: usize = 763;
/// Longest ALTERNATE-DOMAIN value (a DNS name).
pub const MAX_DOMAIN: usize = 255;

/// CHANGE-REQUEST flags (RFC 5780 §7.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ChangeRequest {
    /// Answer from the other IP address.
    pub change_ip: bool,
    /// Answer from the other port.
    pub change_port: bool,
}

/// A typed STUN attribute. Borrowed from the message it was decoded from, or from the caller
/// when building.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Attribute<'a> {
    /// MAPPED-ADDRESS.
    MappedAddress(SocketAddr),
    /// XOR-MAPPED-ADDRESS (stored un-XOR-ed).
    XorMappedAddress(SocketAddr),
    /// USERNAME (≤ 513 bytes of UTF-8).
    Username(&'a str),
    /// USERHASH: SHA-256 of username and realm.
    UserHash(&'a [u8; 32]),
    /// MESSAGE-INTEGRITY: HMAC-SHA1.
    MessageIntegrity(&'a [u8; 20]),
    /// MESSAGE-INTEGRITY-SHA256: HMAC-SHA256, 16 to 32 bytes.
    MessageIntegritySha256(&'a [u8]),
    /// FINGERPRINT: CRC-32 XOR 0x5354554E.
    Fingerprint(u32),
    /// ERROR-CODE with its reason phrase.
    ErrorCode(ErrorCode, &'a str),
    /// REALM.
    Realm(&'a str),
    /// NONCE.
    Nonce(&'a str),
    /// PASSWORD-ALGORITHMS.
    PasswordAlgorithms(PasswordAlgorithms<'a>),
    /// PASSWORD-ALGORITHM.
    PasswordAlgorithm(PasswordAlgorithm),
    /// UNKNOWN-ATTRIBUTES.
    UnknownAttributes(UnknownAttributes<'a>),
    /// SOFTWARE.
    Software(&'a str),
    /// ALTERNATE-SERVER.
    AlternateServer(SocketAddr),
    /// ALTERNATE-DOMAIN.
    AlternateDomain(&'a str),
    /// PRIORITY (ICE).
    Priority(u32),
    /// USE-CANDIDATE (ICE).
    UseCandidate,
    /// ICE-CONTROLLED with its tie-breaker.
    IceControlled(u64),
    /// ICE-CONTROLLING with its tie-breaker.
    IceControlling(u64),
    /// CHANGE-REQUEST (RFC 5780).
    ChangeRequest(ChangeRequest),
    /// RESPONSE-ORIGIN (RFC 5780).
    ResponseOrigin(SocketAddr),
    /// OTHER-ADDRESS (RFC 5780).
    OtherAddress(SocketAddr),
    /// RESPONSE-PORT (RFC 5780).
    ResponsePort(u16),
    /// PADDING (RFC 5780).
    Padding(&'a [u8]),
    /// CHANNEL-NUMBER (TURN, 0x000C): the channel in the top 16 bits, RFFU below.
    ChannelNumber(u16),
    /// LIFETIME (TURN, 0x000D), in seconds.
    Lifetime(u32),
    /// XOR-PEER-ADDRESS (TURN, 0x0012), stored un-XOR-ed.
    XorPeerAddress(SocketAddr),
    /// DATA (TURN, 0x0013): the application payload, borrowed (zero-copy).
    Data(&'a [u8]),
    /// XOR-RELAYED-ADDRESS (TURN, 0x0016), stored un-XOR-ed.
    XorRelayedAddress(SocketAddr),
    /// REQUESTED-ADDRESS-FAMILY (TURN, 0x0017).
    RequestedAddressFamily(AddressFamily),
    /// EVEN-PORT (TURN, 0x0018): ask for an even port; `reserve` also reserves the next one.
    EvenPort {
        /// The R bit.
        reserve: bool,
    },
    /// REQUESTED-TRANSPORT (TURN, 0x0019).
    RequestedTransport(RelayProtocol),
    /// DONT-FRAGMENT (TURN, 0x001A), no value.
    DontFragment,
    /// RESERVATION-TOKEN (TURN, 0x0022): 8 opaque bytes.
    ReservationToken([u8; 8]),
    /// CONNECTION-ID (RFC 6062, 0x002A).
    ConnectionId(u32),
    /// ADDITIONAL-ADDRESS-FAMILY (TURN, 0x8000): only IPv6 is allowed in it.
    AdditionalAddressFamily(AddressFamily),
    /// ADDRESS-ERROR-CODE (TURN, 0x8001): why one family of a dual allocation failed.
    AddressErrorCode {
        /// The family that failed.
        family: AddressFamily,
        /// The error code.
        code: ErrorCode,
        /// Reason phrase.
        reason: &'a str,
    },
    /// ICMP (TURN, 0x8004): an ICMP error a peer's address produced.
    Icmp {
        /// ICMP type.
        kind: u8,
        /// ICMP code.
        code: u8,
        /// ICMP error data (e.g. the next-hop MTU).
        data: u32,
    },
    /// Any other attribute, raw.
    Other(AttrType, &'a [u8]),
}

fn text(value: &[u8], max: usize) -> Option<&str> {
    if value.len() > max {
        return None;
    }
    core::str::from_utf8(value).ok()
}

fn exact<const N: usize>(value: &[u8]) -> Option<&[u8; N]> {
    value.try_into().ok()
}

impl<'a> Attribute<'a> {
    /// Decode `value` as an attribute of type `kind` found in the message with `tid`.
    pub fn decode(
        kind: AttrType,
        value: &'a [u8],
        tid: &TransactionId,
    ) -> Result<Self, ParseError> {
        Self::try_decode(kind, value, tid).ok_or(ParseError::InvalidAttribute { attr: kind.0 })
    }

    fn try_decode(kind: AttrType, v: &'a [u8], tid: &TransactionId) -> Option<Self> {
        use Attribute as A;
        Some(match kind {
            AttrType::MAPPED_ADDRESS => A::MappedAddress(decode_address(v)?),
            AttrType::XOR_MAPPED_ADDRESS => A::XorMappedAddress(decode_xor_address(v, tid)?),
            AttrType::USERNAME => A::Username(text(v, MAX_USERNAME)?),
            AttrType::USERHASH => A::UserHash(exact::<32>(v)?),
            AttrType::MESSAGE_INTEGRITY => A::MessageIntegrity(exact::<20>(v)?),
            AttrType::MESSAGE_INTEGRITY_SHA256 => {
                let ok = (16..=32).contains(&v.len()) && v.len() % 4 == 0;
                A::MessageIntegritySha256(ok.then_some(v)?)
            }
            AttrType::FINGERPRINT => A::Fingerprint(u32::from_be_bytes(*exact::<4>(v)?)),
            AttrType::ERROR_CODE => {
                let reason = text(v.get(4..)?, MAX_TEXT)?;
                A::ErrorCode(ErrorCode::from_header(v)?, reason)
            }
            AttrType::REALM => A::Realm(text(v, MAX_TEXT)?),
            AttrType::NONCE => A::Nonce(text(v, MAX_TEXT)?),
            AttrType::PASSWORD_ALGORITHMS => A::PasswordAlgorithms(PasswordAlgorithms::decode(v)?),
            AttrType::PASSWORD_ALGORITHM => A::PasswordAlgorithm(PasswordAlgorithm::decode(v)?),
            AttrType::UNKNOWN_ATTRIBUTES => A::UnknownAttributes(UnknownAttributes::decode(v)?),
            AttrType::SOFTWARE => A::Software(text(v, MAX_TEXT)?),
            AttrType::ALTERNATE_SERVER => A::AlternateServer(decode_address(v)?),
            AttrType::ALTERNATE_DOMAIN => A::AlternateDomain(text(v, MAX_DOMAIN)?),
            AttrType::PRIORITY => A::Priority(u32::from_be_bytes(*exact::<4>(v)?)),
            AttrType::USE_CANDIDATE => A::UseCandidate.only_if(v.is_empty())?,
            AttrType::ICE_CONTROLLED => A::IceControlled(be64(exact::<8>(v)?, 0)?),
            AttrType::ICE_CONTROLLING => A::IceControlling(be64(exact::<8>(v)?, 0)?),
            AttrType::CHANGE_REQUEST => {
                let flags = be32(exact::<4>(v)?, 0)?;
                A::ChangeRequest(ChangeRequest {
                    change_ip: flags & 0x4 != 0,
                    change_port: flags & 0x2 != 0,
                })
            }
            AttrType::RESPONSE_ORIGIN => A::ResponseOrigin(decode_address(v)?),
            AttrType::OTHER_ADDRESS => A::OtherAddress(decode_address(v)?),
            AttrType::RESPONSE_PORT => A::ResponsePort(be16(exact::<4>(v)?, 0)?),
            AttrType::PADDING => A::Padding(v),
            k if is_turn(k) => super::turn::decode(k, v, tid)?,
            other => A::Other(other, v),
        })
    }

    fn only_if(self, cond: bool) -> Option<Self> {
        cond.then_some(self)
    }

    /// The attribute type.
    pub fn kind(&self) -> AttrType {
        use Attribute as A;
        match self {
            A::MappedAddress(_) => AttrType::MAPPED_ADDRESS,
            A::XorMappedAddress(_) => AttrType::XOR_MAPPED_ADDRESS,
            A::Username(_) => AttrType::USERNAME,
            A::UserHash(_) => AttrType::USERHASH,
            A::MessageIntegrity(_) => AttrType::MESSAGE_INTEGRITY,
            A::MessageIntegritySha256(_) => AttrType::MESSAGE_INTEGRITY_SHA256,
            A::Fingerprint(_) => AttrType::FINGERPRINT,
            A::ErrorCode(..) => AttrType::ERROR_CODE,
            A::Realm(_) => AttrType::REALM,
            A::Nonce(_) => AttrType::NONCE,
            A::PasswordAlgorithms(_) => AttrType::PASSWORD_ALGORITHMS,
            A::PasswordAlgorithm(_) => AttrType::PASSWORD_ALGORITHM,
            A::UnknownAttributes(_) => AttrType::UNKNOWN_ATTRIBUTES,
            A::Software(_) => AttrType::SOFTWARE,
            A::AlternateServer(_) => AttrType::ALTERNATE_SERVER,
            A::AlternateDomain(_) => AttrType::ALTERNATE_DOMAIN,
            A::Priority(_) => AttrType::PRIORITY,
            A::UseCandidate => AttrType::USE_CANDIDATE,
            A::IceControlled(_) => AttrType::ICE_CONTROLLED,
            A::IceControlling(_) => AttrType::ICE_CONTROLLING,
            A::ChangeRequest(_) => AttrType::CHANGE_REQUEST,
            A::ResponseOrigin(_) => AttrType::RESPONSE_ORIGIN,
            A::OtherAddress(_) => AttrType::OTHER_ADDRESS,
            A::ResponsePort(_) => AttrType::RESPONSE_PORT,
            A::Padding(_) => AttrType::PADDING,
            A::ChannelNumber(_) => AttrType::CHANNEL_NUMBER,
            A::Lifetime(_) => AttrType::LIFETIME,
            A::XorPeerAddress(_) => AttrType::XOR_PEER_ADDRESS,
            A::Data(_) => AttrType::DATA,
            A::XorRelayedAddress(_) => AttrType::XOR_RELAYED_ADDRESS,
            A::RequestedAddressFamily(_) => AttrType::REQUESTED_ADDRESS_FAMILY,
            A::EvenPort { .. } => AttrType::EVEN_PORT,
            A::RequestedTransport(_) => AttrType::REQUESTED_TRANSPORT,
            A::DontFragment => AttrType::DONT_FRAGMENT,
            A::ReservationToken(_) => AttrType::RESERVATION_TOKEN,
            A::ConnectionId(_) => AttrType::CONNECTION_ID,
            A::AdditionalAddressFamily(_) => AttrType::ADDITIONAL_ADDRESS_FAMILY,
            A::AddressErrorCode { .. } => AttrType::ADDRESS_ERROR_CODE,
            A::Icmp { .. } => AttrType::ICMP,
            A::Other(t, _) => *t,
        }
    }

    /// Length of the encoded value, without padding.
    pub fn value_len(&self) -> usize {
        use Attribute as A;
        match self {
            A::MappedAddress(a)
            | A::XorMappedAddress(a)
            | A::AlternateServer(a)
            | A::ResponseOrigin(a)
            | A::OtherAddress(a) => address_len(a),
            A::Username(s) | A::Realm(s) | A::Nonce(s) | A::Software(s) | A::AlternateDomain(s) => {
                s.len()
            }
            A::UserHash(_) => 32,
            A::MessageIntegrity(_) => 20,
            A::MessageIntegritySha256(m) => m.len(),
            A::Fingerprint(_) | A::Priority(_) | A::ChangeRequest(_) | A::ResponsePort(_) => 4,
            A::PasswordAlgorithm(_) => PasswordAlgorithm::ENTRY_LEN,
            A::ErrorCode(_, reason) => 4 + reason.len(),
            A::PasswordAlgorithms(l) => l.len(),
            A::UnknownAttributes(l) => l.len(),
            A::UseCandidate => 0,
            A::IceControlled(_) | A::IceControlling(_) => 8,
            A::Padding(b) | A::Other(_, b) => b.len(),
            turn => super::turn::value_len(turn).unwrap_or(0),
        }
    }

    /// Whether the value respects its type's size limits (checked by the builder).
    pub(crate) fn value_fits(&self) -> bool {
        use Attribute as A;
        match self {
            A::Username(s) => s.len() <= MAX_USERNAME,
            A::Realm(s) | A::Nonce(s) | A::Software(s) | A::ErrorCode(_, s) => s.len() <= MAX_TEXT,
            A::AlternateDomain(s) => s.len() <= MAX_DOMAIN,
            A::AddressErrorCode { reason, .. } => reason.len() <= super::turn::MAX_REASON,
            A::MessageIntegritySha256(m) => (16..=32).contains(&m.len()) && m.len() % 4 == 0,
            _ => self.value_len() <= 0xFFFF,
        }
    }

    /// Write the value into `out` (exactly [`value_len`](Self::value_len) bytes).
    pub(crate) fn write_value(&self, out: &mut [u8], tid: &TransactionId) {
        use Attribute as A;
        let copy = |out: &mut [u8], b: &[u8]| {
            if let Some(o) = out.get_mut(..b.len()) {
                o.copy_from_slice(b)
            }
        };
        match self {
            A::MappedAddress(a)
            | A::AlternateServer(a)
            | A::ResponseOrigin(a)
            | A::OtherAddress(a) => encode_address(a, out),
            A::XorMappedAddress(a) => encode_xor_address(a, tid, out),
            A::Username(s) | A::Realm(s) | A::Nonce(s) | A::Software(s) | A::AlternateDomain(s) => {
                copy(out, s.as_bytes())
            }
            A::UserHash(h) => copy(out, &h[..]),
            A::MessageIntegrity(m) => copy(out, &m[..]),
            A::MessageIntegritySha256(m) | A::Padding(m) | A::Other(_, m) => copy(out, m),
            A::Fingerprint(v) | A::Priority(v) => copy(out, &v.to_be_bytes()),
            A::ErrorCode(code, reason) => {
                copy(out, &code.header());
                if let Some(rest) = out.get_mut(4..) {
                    copy(rest, reason.as_bytes())
                }
            }
            A::PasswordAlgorithms(l) => l.write(out),
            A::PasswordAlgorithm(alg) => {
                let [a, b] = alg.number().to_be_bytes();
                copy(out, &[a, b, 0, 0])
            }
            A::UnknownAttributes(l) => l.write(out),
            A::UseCandidate => {}
            A::IceControlled(t) | A::IceControlling(t) => copy(out, &t.to_be_bytes()),
            A::ChangeRequest(c) => {
                let flags = (u32::from(c.change_ip) << 2) | (u32::from(c.change_port) << 1);
                copy(out, &flags.to_be_bytes())
            }
            A::ResponsePort(p) => {
                let [a, b] = p.to_be_bytes();
                copy(out, &[a, b, 0, 0])
            }
            turn => {
                super::turn::write_value(turn, out, tid);
            }
        }
    }
}

/// Whether `kind` is one of the TURN attributes (RFC 8656, RFC 6062) this crate decodes.
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
