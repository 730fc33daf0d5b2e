//! Typed getters for the common attributes: one call instead of
//! `msg.find_map(AttrType::X, |a| match a { Attribute::X(v) => Some(v), _ => None })`.
//!
//! Each returns `None` when the attribute is absent or malformed. The [`INDEXED`] types cost no
//! walk (their offsets were recorded by [`Message::new_checked`]).
//!
//! [`INDEXED`]: super::message::INDEXED

use super::attr::{
    AttrType, Attribute, ChangeRequest, ErrorCode, PasswordAlgorithm, PasswordAlgorithms,
};
use super::Message;
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
}
