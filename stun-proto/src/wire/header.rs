//! The 20-byte header: message type (class + method), length, cookie, transaction ID.

use core::fmt;
use sansio::Entropy;

/// The class of a message (RFC 8489 §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Class {
    /// A request: expects a response.
    Request,
    /// An indication: no response.
    Indication,
    /// A success response.
    Success,
    /// An error response.
    Error,
}

impl Class {
    const fn bits(self) -> u16 {
        match self {
            Class::Request => 0b00,
            Class::Indication => 0b01,
            Class::Success => 0b10,
            Class::Error => 0b11,
        }
    }

    /// Whether this is a success or error response.
    pub const fn is_response(self) -> bool {
        matches!(self, Class::Success | Class::Error)
    }
}

/// A STUN method: a 12-bit number. STUN defines Binding; TURN adds the rest (RFC 8656 §18,
/// RFC 6062 §6.1).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Method(u16);

impl Method {
    /// Binding (RFC 8489).
    pub const BINDING: Method = Method(0x001);
    /// Allocate (RFC 8656).
    pub const ALLOCATE: Method = Method(0x003);
    /// Refresh (RFC 8656).
    pub const REFRESH: Method = Method(0x004);
    /// Send (RFC 8656, indication only).
    pub const SEND: Method = Method(0x006);
    /// Data (RFC 8656, indication only).
    pub const DATA: Method = Method(0x007);
    /// CreatePermission (RFC 8656).
    pub const CREATE_PERMISSION: Method = Method(0x008);
    /// ChannelBind (RFC 8656).
    pub const CHANNEL_BIND: Method = Method(0x009);
    /// Connect (RFC 6062).
    pub const CONNECT: Method = Method(0x00A);
    /// ConnectionBind (RFC 6062).
    pub const CONNECTION_BIND: Method = Method(0x00B);
    /// ConnectionAttempt (RFC 6062, indication only).
    pub const CONNECTION_ATTEMPT: Method = Method(0x00C);

    /// A method from its 12-bit number, or `None` if it does not fit in 12 bits.
    pub const fn new(value: u16) -> Option<Method> {
        if value <= 0x0FFF {
            Some(Method(value))
        } else {
            None
        }
    }

    /// The 12-bit method number.
    pub const fn value(self) -> u16 {
        self.0
    }
}

impl fmt::Debug for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match *self {
            Method::BINDING => "Binding",
            Method::ALLOCATE => "Allocate",
            Method::REFRESH => "Refresh",
            Method::SEND => "Send",
            Method::DATA => "Data",
            Method::CREATE_PERMISSION => "CreatePermission",
            Method::CHANNEL_BIND => "ChannelBind",
            Method::CONNECT => "Connect",
            Method::CONNECTION_BIND => "ConnectionBind",
            Method::CONNECTION_ATTEMPT => "ConnectionAttempt",
            _ => return write!(f, "Method({:#05x})", self.0),
        };
        f.write_str(name)
    }
}

/// Method and class, as packed into the 14-bit type field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MessageType {
    /// The method.
    pub method: Method,
    /// The class.
    pub class: Class,
}

impl MessageType {
    /// Binding request.
    pub const BINDING_REQUEST: MessageType = MessageType::new(Method::BINDING, Class::Request);
    /// Binding success response.
    pub const BINDING_SUCCESS: MessageType = MessageType::new(Method::BINDING, Class::Success);
    /// Binding error response.
    pub const BINDING_ERROR: MessageType = MessageType::new(Method::BINDING, Class::Error);
    /// Binding indication (keepalive).
    pub const BINDING_INDICATION: MessageType =
        MessageType::new(Method::BINDING, Class::Indication);

    /// A message type from its parts.
    pub const fn new(method: Method, class: Class) -> Self {
        MessageType { method, class }
    }

    /// The same method with another class (e.g. the response type of a request).
    pub const fn with_class(self, class: Class) -> Self {
        MessageType {
            method: self.method,
            class,
        }
    }

    /// Decode the 16-bit type field (the two top bits must be zero; checked by the caller).
    pub const fn from_u16(v: u16) -> Self {
        let m = (v & 0x000F) | ((v & 0x00E0) >> 1) | ((v & 0x3E00) >> 2);
        let class = match ((v >> 4) & 1) | ((v >> 7) & 2) {
            0 => Class::Request,
            1 => Class::Indication,
            2 => Class::Success,
            _ => Class::Error,
        };
        MessageType {
            method: Method(m),
            class,
        }
    }

    /// Encode into the 16-bit type field.
    pub const fn to_u16(self) -> u16 {
        let m = self.method.0;
        let c = self.class.bits();
        (m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) | ((c & 1) << 4) | ((c & 2) << 7)
    }
}

/// The 96-bit transaction ID.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TransactionId(pub [u8; 12]);

impl TransactionId {
    /// A fresh random ID. Pass a cryptographically secure source: RFC 8489 §6 requires the
    /// ID to be unpredictable so off-path attackers cannot forge responses.
    pub fn random(entropy: &mut dyn Entropy) -> Self {
        let mut id = [0u8; 12];
        entropy.fill(&mut id);
        TransactionId(id)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 12] {
        &self.0
    }
}

impl fmt::Debug for TransactionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_field_round_trips_for_every_method_and_class() {
        for m in 0..=0x0FFF {
            for class in [
                Class::Request,
                Class::Indication,
                Class::Success,
                Class::Error,
            ] {
                let t = MessageType::new(Method(m), class);
                let v = t.to_u16();
                assert_eq!(v & 0xC000, 0);
                assert_eq!(MessageType::from_u16(v), t);
            }
        }
    }

    #[test]
    fn known_type_values() {
        assert_eq!(MessageType::BINDING_REQUEST.to_u16(), 0x0001);
        assert_eq!(MessageType::BINDING_SUCCESS.to_u16(), 0x0101);
        assert_eq!(MessageType::BINDING_ERROR.to_u16(), 0x0111);
        assert_eq!(MessageType::BINDING_INDICATION.to_u16(), 0x0011);
        assert_eq!(
            MessageType::new(Method::ALLOCATE, Class::Request).to_u16(),
            0x0003
        );
        assert_eq!(
            MessageType::new(Method::DATA, Class::Indication).to_u16(),
            0x0017
        );
        assert_eq!(
            MessageType::new(Method::CHANNEL_BIND, Class::Error).to_u16(),
            0x0119
        );
    }
}
