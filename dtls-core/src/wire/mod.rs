//! DTLS 1.2 wire formats: record headers, handshake fragments, hello messages, extensions,
//! the other handshake messages and alerts.
//!
//! Views borrow from the received bytes and are validated once; reprs are plain structs with
//! `parse` and `emit`. Nothing here knows about connection state, and nothing panics on any
//! input (see `fuzzing::record_parse`).

pub mod alert;
pub mod codec;
pub mod extensions;
pub mod handshake;
pub mod hello;
pub mod messages;
pub mod record;

use core::fmt;

pub use alert::{Alert, AlertDescription, AlertLevel};
pub use codec::{Reader, Writer};
pub use handshake::{Fragment, Fragments, HandshakeHeader, HandshakeType};
pub use hello::{ClientHello, ServerHello};
pub use record::{ContentType, Record, RecordHeader, Records};

/// DTLS 1.0 on the wire (`{254, 255}`): allowed in the record layer of a first ClientHello and a
/// HelloVerifyRequest (RFC 6347 §4.2.1).
pub const DTLS_1_0: u16 = 0xfeff;
/// DTLS 1.2 on the wire (`{254, 253}`).
pub const DTLS_1_2: u16 = 0xfefd;
/// DTLS 1.3 in `supported_versions` (RFC 9147); never in our records.
pub const DTLS_1_3: u16 = 0xfefc;

/// Why received bytes could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// The bytes end before a field does.
    Truncated,
    /// Bytes left over after a structure that must fill its container.
    TrailingBytes,
    /// A protocol version we do not speak.
    UnsupportedVersion(u16),
    /// A length over the protocol's limit (record payloads, handshake fragments).
    TooLong,
    /// A field holds a value the protocol forbids; names the field.
    Invalid(&'static str),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Truncated => f.write_str("truncated"),
            ParseError::TrailingBytes => f.write_str("trailing bytes"),
            ParseError::UnsupportedVersion(v) => write!(f, "unsupported version {v:#06x}"),
            ParseError::TooLong => f.write_str("length over the protocol limit"),
            ParseError::Invalid(what) => write!(f, "invalid {what}"),
        }
    }
}

impl core::error::Error for ParseError {}

/// Why a structure could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmitError {
    /// The output buffer is too small: `needed` bytes are needed from its start.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// A vector is longer than its length prefix can express.
    TooLong,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::BufferTooSmall { needed } => {
                write!(f, "buffer too small: {needed} bytes needed")
            }
            EmitError::TooLong => f.write_str("vector longer than its length prefix allows"),
        }
    }
}

impl core::error::Error for EmitError {}
