//! Parse and emit errors of the wire layer.

use core::fmt;

/// Why bytes could not be parsed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// Shorter than a header or a length field says.
    Truncated,
    /// A length field is below the minimum for its type.
    BadLength,
    /// The CRC32c does not match.
    BadChecksum,
    /// A field holds a value the format forbids (zero stream count, empty DATA, …).
    Invalid,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ParseError::Truncated => "truncated",
            ParseError::BadLength => "bad length field",
            ParseError::BadChecksum => "bad CRC32c",
            ParseError::Invalid => "invalid field value",
        })
    }
}

impl core::error::Error for ParseError {}

/// Why a repr could not be written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmitError {
    /// `needed` bytes are needed; the buffer is untouched.
    BufferTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// The repr cannot be encoded (a value longer than a 16-bit length field).
    TooLong,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::BufferTooSmall { needed } => write!(f, "buffer too small: {needed} needed"),
            EmitError::TooLong => f.write_str("value too long for its length field"),
        }
    }
}

impl core::error::Error for EmitError {}
