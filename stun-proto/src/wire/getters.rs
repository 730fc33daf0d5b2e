//! Typed getters for the common attributes: one call instead of
//! `msg.find_map(AttrType::X, |a| match a { Attribute::X(v) => Some(v), _ => None })`.
//!
//! Each returns `None` when the attribute is absent or malformed. The [`INDEXED`] types cost no
//! walk (their offsets were recorded by [`Message::new_checked`]).
//!
//! [`INDEXED`]: super::message::INDEXED

use super::attr::{
    decode_xor_address, AddressFamily, AttrType, Attribute, ChangeRequest, ErrorCode,
    PasswordAlgorithm, PasswordAlgorithms, RelayProtocol,
};
use super::{AttrIter, Message, ParseError, TransactionId};
use core::net::SocketAddr;

macro_rules! getters {
    ($($(#[$doc:meta])* $name:ident -> $ty:ty = $kind:ident, $pat:pat => $val:expr;)*) => {
        impl<'a> Message<'a> {
            $(
                $(#[$doc])*
                #[inline]
                pub fn $name(&self) -> Option<$ty> {
                    self.find_map(AttrType::$kind, |a| match a {
                        $pat => Some($val),
                        _ => None,
                    })
                }
            )*
        }
    };
}

getters! {
    /// USERNAME.
    username -> &'a str = USERNAME, Attribute::Username(v) => v;
    /// REALM.
    realm -> &'a str = REALM, Attribute::Realm(v) => v;
    /// NONCE.
    nonce -> &'a str = NONCE, Attribute::Nonce(v) => v;
    /// ERROR-CODE's code.
    error_code -> ErrorCode = ERROR_CODE, Attribute::ErrorCode(c, _) => c;
    /// ERROR-CODE's reason phrase.
    error_reason -> &'a str = ERROR_CODE, Attribute::ErrorCode(_, r) => r;
    /// XOR-MAPPED-ADDRESS.
    xor_mapped_address -> SocketAddr = XOR_MAPPED_ADDRESS, Attribute::XorMappedAddress(v) => v;
    /// SOFTWARE.
    software -> &'a str = SOFTWARE, Attribute::Software(v) => v;
    /// ALTERNATE-SERVER.
    alternate_server -> SocketAddr = ALTERNATE_SERVER, Attribute::AlternateServer(v) => v;
    /// PASSWORD-ALGORITHMS.
    password_algorithms -> PasswordAlgorithms<'a> = PASSWORD_ALGORITHMS,
        Attribute::PasswordAlgorithms(v) => v;
    /// PASSWORD-ALGORITHM.
    password_algorithm -> PasswordAlgorithm = PASSWORD_ALGORITHM,
        Attribute::PasswordAlgorithm(v) => v;
    /// USERHASH.
    userhash -> &'a [u8; 32] = USERHASH, Attribute::UserHash(v) => v;
    /// PRIORITY (ICE).
    priority -> u32 = PRIORITY, Attribute::Priority(v) => v;
    /// ICE-CONTROLLING's tie-breaker.
    ice_controlling -> u64 = ICE_CONTROLLING, Attribute::IceControlling(v) => v;
    /// ICE-CONTROLLED's tie-breaker.
    ice_controlled -> u64 = ICE_CONTROLLED, Attribute::IceControlled(v) => v;
    /// CHANGE-REQUEST (RFC 5780).
    change_request -> ChangeRequest = CHANGE_REQUEST, Attribute::ChangeRequest(v) => v;
    /// RESPONSE-ORIGIN (RFC 5780).
    response_origin -> SocketAddr = RESPONSE_ORIGIN, Attribute::ResponseOrigin(v) => v;
    /// OTHER-ADDRESS (RFC 5780).
    other_address -> SocketAddr = OTHER_ADDRESS, Attribute::OtherAddress(v) => v;
    /// RESPONSE-PORT (RFC 5780).
    response_port -> u16 = RESPONSE_PORT, Attribute::ResponsePort(v) => v;
    /// CHANNEL-NUMBER (TURN).
    channel_number -> u16 = CHANNEL_NUMBER, Attribute::ChannelNumber(v) => v;
    /// LIFETIME in seconds (TURN).
    lifetime -> u32 = LIFETIME, Attribute::Lifetime(v) => v;
    /// The first XOR-PEER-ADDRESS (TURN; see [`peer_addresses`](Message::peer_addresses)
    /// for all of them).
    xor_peer_address -> SocketAddr = XOR_PEER_ADDRESS, Attribute::XorPeerAddress(v) => v;
    /// DATA (TURN): the payload, borrowed.
    data -> &'a [u8] = DATA, Attribute::Data(v) => v;
    /// XOR-RELAYED-ADDRESS (TURN).
    xor_relayed_address -> SocketAddr = XOR_RELAYED_ADDRESS,
        Attribute::XorRelayedAddress(v) => v;
    /// REQUESTED-ADDRESS-FAMILY (TURN).
    requested_address_family -> AddressFamily = REQUESTED_ADDRESS_FAMILY,
        Attribute::RequestedAddressFamily(v) => v;
    /// ADDITIONAL-ADDRESS-FAMILY (TURN).
    additional_address_family -> AddressFamily = ADDITIONAL_ADDRESS_FAMILY,
        Attribute::AdditionalAddressFamily(v) => v;
    /// EVEN-PORT's R bit (TURN): `Some(reserve)` when present.
    even_port -> bool = EVEN_PORT, Attribute::EvenPort { reserve } => reserve;
    /// REQUESTED-TRANSPORT (TURN).
    requested_transport -> RelayProtocol = REQUESTED_TRANSPORT,
        Attribute::RequestedTransport(v) => v;
    /// RESERVATION-TOKEN (TURN).
    reservation_token -> [u8; 8] = RESERVATION_TOKEN, Attribute::ReservationToken(v) => v;
    /// CONNECTION-ID (RFC 6062).
    connection_id -> u32 = CONNECTION_ID, Attribute::ConnectionId(v) => v;
}

impl Message<'_> {
    /// XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from an RFC 3489-era server.
    pub fn mapped_address(&self) -> Option<SocketAddr> {
        self.xor_mapped_address().or_else(|| {
            self.find_map(AttrType::MAPPED_ADDRESS, |a| match a {
                Attribute::MappedAddress(v) => Some(v),
                _ => None,
            })
        })
    }

    /// Whether USE-CANDIDATE is present (ICE).
    #[inline]
    pub fn use_candidate(&self) -> bool {
        self.get(AttrType::USE_CANDIDATE).is_some()
    }

    /// Whether DONT-FRAGMENT is present (TURN).
    #[inline]
    pub fn dont_fragment(&self) -> bool {
        self.get(AttrType::DONT_FRAGMENT).is_some()
    }
}

impl<'a> Message<'a> {
    /// Every XOR-PEER-ADDRESS, in order (CreatePermission may carry several); malformed
    /// ones come out as errors.
    pub fn peer_addresses(&self) -> PeerAddresses<'a> {
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
    inner: AttrIter<'a>,
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
