//! The TURN wire format: TURN attributes on top of stun-proto's message view and builder,
//! ChannelData framing, and stream framing for TCP/TLS.
//!
//! Nothing here knows about protocol state. The methods (Allocate, Refresh, Send, Data,
//! CreatePermission, ChannelBind, Connect, ConnectionBind, ConnectionAttempt) are
//! [`stun_proto::wire::Method`] constants; the attribute type numbers are
//! [`AttrType`](stun_proto::wire::attr::AttrType) constants. Parsing and building never
//! allocate and never panic.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

mod channel_data;
mod framing;
mod indication;

pub use channel_data::{is_channel_number, ChannelData, CHANNEL_DATA_HEADER};
pub use channel_data::{MAX_CHANNEL_RFC5766, MAX_CHANNEL_RFC8656, MIN_CHANNEL};
pub use framing::{frame_len, Deframer, FrameKind};
pub use indication::{emit_indication, emit_indication_in_place};
pub use indication::{indication_headroom, indication_tailroom};
pub use stun_proto::wire::attr::{AddressFamily, Attribute, RelayProtocol};
pub use stun_proto::wire::{EmitError, Method, ParseError};

use core::fmt;

/// Why bytes are not a valid ChannelData message. Every variant is the sender's fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChannelError {
    /// Fewer bytes than the header or the length field promise.
    Truncated {
        /// Bytes needed.
        needed: usize,
        /// Bytes given.
        got: usize,
    },
    /// The channel number is outside 0x4000–0x7FFF.
    BadChannel {
        /// The number found.
        channel: u16,
    },
    /// More bytes follow the data than padding allows.
    TrailingBytes {
        /// Bytes after the data.
        extra: usize,
    },
}

impl fmt::Display for ChannelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ChannelError::Truncated { needed, got } => {
                write!(f, "truncated ChannelData: need {needed} bytes, got {got}")
            }
            ChannelError::BadChannel { channel } => {
                write!(f, "channel number {channel:#06x} outside 0x4000-0x7FFF")
            }
            ChannelError::TrailingBytes { extra } => {
                write!(f, "{extra} bytes after ChannelData exceed its padding")
            }
        }
    }
}

impl core::error::Error for ChannelError {}

/// Why a byte stream cannot be cut into frames. The connection must be closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// The next byte starts neither a STUN nor a ChannelData message.
    Unsynchronised {
        /// The offending first byte.
        first: u8,
    },
    /// A frame is larger than the reassembly buffer.
    TooLarge {
        /// The frame's length.
        len: usize,
    },
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            FrameError::Unsynchronised { first } => {
                write!(
                    f,
                    "stream out of sync: byte {first:#04x} starts no TURN frame"
                )
            }
            FrameError::TooLarge { len } => write!(f, "frame of {len} bytes exceeds the buffer"),
        }
    }
}

impl core::error::Error for FrameError {}
