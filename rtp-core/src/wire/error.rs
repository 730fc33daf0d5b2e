//! Wire errors, sorted by fault: [`ParseError`] is the sender's, [`EmitError`] the caller's.

use core::fmt;

/// Why bytes are not a valid RTP or RTCP packet. Every variant is the sender's fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseError {
    /// Fewer bytes than a header or a length field promise.
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// The version field is not 2.
    BadVersion {
        /// The version found.
        version: u8,
    },
    /// The padding count is zero or larger than the packet allows.
    BadPadding {
        /// The padding count found in the last byte.
        count: u8,
    },
    /// A length field disagrees with the structure it describes.
    BadLength {
        /// Offset of the offending structure from the start of the packet.
        offset: usize,
    },
    /// A header extension element is malformed (RFC 8285 §4.2, §4.3).
    BadExtension {
        /// Offset of the element inside the extension block.
        offset: usize,
    },
    /// An RTCP packet type or format this packet type does not allow here.
    BadPacketType {
        /// The RTCP packet type.
        packet_type: u8,
    },
    /// An RTCP compound packet breaks RFC 3550 §6.1 / A.2 (first packet not SR/RR, or padding
    /// on a packet that is not the last one).
    BadCompound,
    /// A payload does not follow its payload format.
    BadPayload,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ParseError::Truncated { needed, got } => {
                write!(f, "truncated packet: need {needed} bytes, got {got}")
            }
            ParseError::BadVersion { version } => write!(f, "RTP/RTCP version {version}, not 2"),
            ParseError::BadPadding { count } => write!(f, "invalid padding count {count}"),
            ParseError::BadLength { offset } => write!(f, "invalid length at offset {offset}"),
            ParseError::BadExtension { offset } => {
                write!(f, "malformed header extension element at offset {offset}")
            }
            ParseError::BadPacketType { packet_type } => {
                write!(f, "unexpected RTCP packet type {packet_type}")
            }
            ParseError::BadCompound => f.write_str("invalid RTCP compound packet"),
            ParseError::BadPayload => f.write_str("payload does not follow its format"),
        }
    }
}

impl core::error::Error for ParseError {}

/// Why a packet could not be written. Every variant is the caller's fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmitError {
    /// The output buffer is too small; nothing was written.
    BufferTooSmall {
        /// Total bytes the packet needs.
        needed: usize,
    },
    /// A value does not fit its field (too many CSRCs or report blocks, an extension ID or
    /// length out of range, a packet longer than the 16-bit RTCP length allows...).
    ValueOutOfRange,
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            EmitError::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
            EmitError::ValueOutOfRange => f.write_str("value out of range for its field"),
        }
    }
}

impl core::error::Error for EmitError {}

/// Fail with [`ParseError::Truncated`] unless `data` holds at least `needed` bytes.
#[inline]
pub(crate) fn need(data: &[u8], needed: usize) -> Result<(), ParseError> {
    if data.len() < needed {
        Err(ParseError::Truncated {
            needed,
            got: data.len(),
        })
    } else {
        Ok(())
    }
}

/// Fail with [`EmitError::BufferTooSmall`] unless `out` holds at least `needed` bytes.
#[inline]
pub(crate) fn room(out: &[u8], needed: usize) -> Result<(), EmitError> {
    if out.len() < needed {
        Err(EmitError::BufferTooSmall { needed })
    } else {
        Ok(())
    }
}
