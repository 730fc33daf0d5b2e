//! Wire errors.

use core::fmt;

/// Why bytes are not a valid STUN message. Every variant is the sender's fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer bytes than the header or the length field promise.
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// Not STUN: the two top bits are set or the magic cookie is wrong (RFC 3489 messages,
    /// which lack the cookie, land here too).
    NotStun,
    /// The length field is not a multiple of four, or disagrees with the datagram size.
    BadLength {
        /// The length field.
        length: u16,
    },
    /// An attribute runs past the end of the message.
    AttributeOverrun {
        /// Offset of the attribute header from the start of the message.
        offset: usize,
    },
    /// FINGERPRINT is present but is not the last attribute.
    FingerprintNotLast,
    /// An attribute's value does not decode as its type requires.
    InvalidAttribute {
        /// The attribute type.
        attr: u16,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ParseError::Truncated { needed, got } => {
                write!(f, "truncated STUN message: need {needed} bytes, got {got}")
            }
            ParseError::NotStun => f.write_str("not a STUN message"),
            ParseError::BadLength { length } => write!(f, "bad STUN length field {length}"),
            ParseError::AttributeOverrun { offset } => {
                write!(f, "STUN attribute at offset {offset} overruns the message")
            }
            ParseError::FingerprintNotLast => f.write_str("FINGERPRINT is not the last attribute"),
            ParseError::InvalidAttribute { attr } => {
                write!(f, "invalid value for STUN attribute {attr:#06x}")
            }
        }
    }
}

impl core::error::Error for ParseError {}

/// Why a message could not be written. Every variant is the caller's fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmitError {
    /// The output buffer is too small; nothing was written.
    BufferTooSmall {
        /// Total bytes the message would need so far.
        needed: usize,
    },
    /// A value exceeds what its attribute or the length field allows.
    ValueTooLong {
        /// The attribute type.
        attr: u16,
    },
    /// An attribute was added after MESSAGE-INTEGRITY(-SHA256) or FINGERPRINT, where
    /// RFC 8489 §14.5 and §14.7 forbid it.
    AfterIntegrity,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EmitError::BufferTooSmall { needed } => {
                write!(f, "buffer too small: {needed} bytes needed")
            }
            EmitError::ValueTooLong { attr } => {
                write!(f, "value too long for STUN attribute {attr:#06x}")
            }
            EmitError::AfterIntegrity => {
                f.write_str("attribute added after MESSAGE-INTEGRITY or FINGERPRINT")
            }
        }
    }
}

impl core::error::Error for EmitError {}
