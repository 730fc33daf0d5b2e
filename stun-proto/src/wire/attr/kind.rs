//! The attribute type registry (IANA "STUN Attributes").

use core::fmt;

/// An attribute type. Types below 0x8000 are comprehension-required: an agent that does not
/// understand one must reject the message (RFC 8489 §14).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AttrType(pub u16);

macro_rules! registry {
    ($($(#[$doc:meta])* $name:ident = $val:expr, $text:expr;)*) => {
        impl AttrType {
            $($(#[$doc])* pub const $name: AttrType = AttrType($val);)*

            /// The registered name, if this crate knows the type.
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($val => Some($text),)*
                    _ => None,
                }
            }
        }
    };
}

registry! {
    /// MAPPED-ADDRESS (RFC 8489).
    MAPPED_ADDRESS = 0x0001, "MAPPED-ADDRESS";
    /// CHANGE-REQUEST (RFC 5780).
    CHANGE_REQUEST = 0x0003, "CHANGE-REQUEST";
    /// USERNAME (RFC 8489).
    USERNAME = 0x0006, "USERNAME";
    /// MESSAGE-INTEGRITY (RFC 8489).
    MESSAGE_INTEGRITY = 0x0008, "MESSAGE-INTEGRITY";
    /// ERROR-CODE (RFC 8489).
    ERROR_CODE = 0x0009, "ERROR-CODE";
    /// UNKNOWN-ATTRIBUTES (RFC 8489).
    UNKNOWN_ATTRIBUTES = 0x000A, "UNKNOWN-ATTRIBUTES";
    /// CHANNEL-NUMBER (RFC 8656).
    CHANNEL_NUMBER = 0x000C, "CHANNEL-NUMBER";
    /// LIFETIME (RFC 8656).
    LIFETIME = 0x000D, "LIFETIME";
    /// XOR-PEER-ADDRESS (RFC 8656).
    XOR_PEER_ADDRESS = 0x0012, "XOR-PEER-ADDRESS";
    /// DATA (RFC 8656).
    DATA = 0x0013, "DATA";
    /// REALM (RFC 8489).
    REALM = 0x0014, "REALM";
    /// NONCE (RFC 8489).
    NONCE = 0x0015, "NONCE";
    /// XOR-RELAYED-ADDRESS (RFC 8656).
    XOR_RELAYED_ADDRESS = 0x0016, "XOR-RELAYED-ADDRESS";
    /// REQUESTED-ADDRESS-FAMILY (RFC 8656).
    REQUESTED_ADDRESS_FAMILY = 0x0017, "REQUESTED-ADDRESS-FAMILY";
    /// EVEN-PORT (RFC 8656).
    EVEN_PORT = 0x0018, "EVEN-PORT";
    /// REQUESTED-TRANSPORT (RFC 8656).
    REQUESTED_TRANSPORT = 0x0019, "REQUESTED-TRANSPORT";
    /// DONT-FRAGMENT (RFC 8656).
    DONT_FRAGMENT = 0x001A, "DONT-FRAGMENT";
    /// MESSAGE-INTEGRITY-SHA256 (RFC 8489).
    MESSAGE_INTEGRITY_SHA256 = 0x001C, "MESSAGE-INTEGRITY-SHA256";
    /// PASSWORD-ALGORITHM (RFC 8489).
    PASSWORD_ALGORITHM = 0x001D, "PASSWORD-ALGORITHM";
    /// USERHASH (RFC 8489).
    USERHASH = 0x001E, "USERHASH";
    /// XOR-MAPPED-ADDRESS (RFC 8489).
    XOR_MAPPED_ADDRESS = 0x0020, "XOR-MAPPED-ADDRESS";
    /// RESERVATION-TOKEN (RFC 8656).
    RESERVATION_TOKEN = 0x0022, "RESERVATION-TOKEN";
    /// PRIORITY (RFC 8445).
    PRIORITY = 0x0024, "PRIORITY";
    /// USE-CANDIDATE (RFC 8445).
    USE_CANDIDATE = 0x0025, "USE-CANDIDATE";
    /// PADDING (RFC 5780).
    PADDING = 0x0026, "PADDING";
    /// RESPONSE-PORT (RFC 5780).
    RESPONSE_PORT = 0x0027, "RESPONSE-PORT";
    /// CONNECTION-ID (RFC 6062).
    CONNECTION_ID = 0x002A, "CONNECTION-ID";
    /// ADDITIONAL-ADDRESS-FAMILY (RFC 8656).
    ADDITIONAL_ADDRESS_FAMILY = 0x8000, "ADDITIONAL-ADDRESS-FAMILY";
    /// ADDRESS-ERROR-CODE (RFC 8656).
    ADDRESS_ERROR_CODE = 0x8001, "ADDRESS-ERROR-CODE";
    /// PASSWORD-ALGORITHMS (RFC 8489).
    PASSWORD_ALGORITHMS = 0x8002, "PASSWORD-ALGORITHMS";
    /// ALTERNATE-DOMAIN (RFC 8489).
    ALTERNATE_DOMAIN = 0x8003, "ALTERNATE-DOMAIN";
    /// ICMP (RFC 8656).
    ICMP = 0x8004, "ICMP";
    /// SOFTWARE (RFC 8489).
    SOFTWARE = 0x8022, "SOFTWARE";
    /// ALTERNATE-SERVER (RFC 8489).
    ALTERNATE_SERVER = 0x8023, "ALTERNATE-SERVER";
    /// CACHE-TIMEOUT (RFC 5780).
    CACHE_TIMEOUT = 0x8027, "CACHE-TIMEOUT";
    /// FINGERPRINT (RFC 8489).
    FINGERPRINT = 0x8028, "FINGERPRINT";
    /// ICE-CONTROLLED (RFC 8445).
    ICE_CONTROLLED = 0x8029, "ICE-CONTROLLED";
    /// ICE-CONTROLLING (RFC 8445).
    ICE_CONTROLLING = 0x802A, "ICE-CONTROLLING";
    /// RESPONSE-ORIGIN (RFC 5780).
    RESPONSE_ORIGIN = 0x802B, "RESPONSE-ORIGIN";
    /// OTHER-ADDRESS (RFC 5780).
    OTHER_ADDRESS = 0x802C, "OTHER-ADDRESS";
}

impl AttrType {
    /// Whether an agent that does not understand this type must reject the message.
    pub const fn is_comprehension_required(self) -> bool {
        self.0 < 0x8000
    }

    /// Whether this crate's registry names the type.
    pub const fn is_known(self) -> bool {
        self.name().is_some()
    }
}

impl fmt::Debug for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "AttrType({:#06x})", self.0),
        }
    }
}
