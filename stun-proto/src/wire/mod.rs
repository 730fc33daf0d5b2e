//! The STUN wire format: message view, attributes, builder.
//!
//! Nothing here knows about protocol state. After [`Message::new_checked`] succeeds no
//! accessor panics and every attribute's bounds are known.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

pub mod attr;
mod builder;
mod crc;
mod error;
mod getters;
pub use getters::PeerAddresses;
mod header;
mod message;

pub use builder::MessageBuilder;
pub use error::{EmitError, ParseError};
pub use header::{Class, MessageType, Method, TransactionId};
pub use message::{fingerprint, AttrIter, Message, INDEXED};

/// The fixed value in bytes 4..8 of every RFC 5389/8489 message.
pub const MAGIC_COOKIE: u32 = 0x2112_A442;
/// Size of the STUN header.
pub const HEADER_LEN: usize = 20;
/// XOR-ed into the CRC-32 of a message to form FINGERPRINT ("STUN").
pub const FINGERPRINT_XOR: u32 = 0x5354_554E;
/// Largest message this crate parses or builds: the length field's limit.
pub const MAX_MESSAGE_LEN: usize = HEADER_LEN + 0xFFFC;

/// Bytes a value of `len` occupies on the wire once padded to a multiple of four.
pub const fn padded(len: usize) -> usize {
    (len + 3) & !3
}

/// Read a big-endian `u16` at `at`, if in bounds.
pub(crate) fn be16(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_be_bytes([*s.first()?, *s.get(1)?]))
}

/// Read a big-endian `u32` at `at`, if in bounds.
pub(crate) fn be32(b: &[u8], at: usize) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_be_bytes(s))
}

/// Read a big-endian `u64` at `at`, if in bounds.
pub(crate) fn be64(b: &[u8], at: usize) -> Option<u64> {
    let s: [u8; 8] = b.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_be_bytes(s))
}

/// How many bytes a complete STUN message starting at `stream[0]` occupies, for framing a TCP
/// or TLS byte stream (RFC 8489 §6.2.2): `Ok(None)` means more bytes are needed to know.
///
/// Errors when the first bytes cannot start a STUN message (the stream is then unusable).
pub fn frame_len(stream: &[u8]) -> Result<Option<usize>, ParseError> {
    let Some(first) = stream.first() else {
        return Ok(None);
    };
    if first & 0xC0 != 0 {
        return Err(ParseError::NotStun);
    }
    match be16(stream, 2) {
        None => Ok(None),
        Some(len) if len % 4 != 0 => Err(ParseError::BadLength { length: len }),
        Some(len) => Ok(Some(HEADER_LEN + usize::from(len))),
    }
}
