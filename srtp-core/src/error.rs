//! Typed errors: what went wrong with a packet ([`Error`]) or with keys and configuration
//! ([`KeyError`]).

use core::fmt;

/// Why a packet was not protected or unprotected.
///
/// Every error leaves the context unchanged: the replay window, the rollover counter and the
/// SRTCP index move only when a packet succeeds. On [`Error::BufferTooSmall`] the buffer is
/// untouched; on the other errors of `unprotect_*` it is untouched as well (authentication is
/// checked before anything is decrypted).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// Caller: the buffer cannot hold the protected packet (`needed` bytes), or `len` is
    /// larger than the buffer.
    BufferTooSmall {
        /// Bytes the buffer must have.
        needed: usize,
    },
    /// Input: the packet is shorter than its header, CSRC list, extension, trailer and tag.
    Truncated {
        /// Bytes the packet would need.
        needed: usize,
        /// Bytes it has.
        got: usize,
    },
    /// Input: the version field is not 2.
    BadVersion {
        /// The version found.
        version: u8,
    },
    /// Peer or attacker: this packet index was already accepted for `ssrc`.
    Replayed {
        /// The stream.
        ssrc: u32,
        /// The SRTP packet index (ROC × 65536 + SEQ) or SRTCP index.
        index: u64,
    },
    /// Peer or network: the packet is older than the replay window reaches.
    TooOld {
        /// The stream.
        ssrc: u32,
        /// The SRTP packet index or SRTCP index.
        index: u64,
    },
    /// Attacker, corruption or wrong key: the authentication tag does not match.
    AuthFailed {
        /// The stream (as read from the unauthenticated header).
        ssrc: u32,
    },
    /// The SSRC is not in the table and the context does not accept new ones
    /// ([`Config::accept_unknown_ssrc`](crate::Config::accept_unknown_ssrc)).
    UnknownSsrc {
        /// The stream.
        ssrc: u32,
    },
    /// The per-SSRC table (capacity `N`) is full; remove a stream first.
    TableFull {
        /// The stream that did not fit.
        ssrc: u32,
    },
    /// The key may not protect more packets for `ssrc`: the 48-bit SRTP index or the 31-bit
    /// SRTCP index would wrap (RFC 3711 §9.2). Re-key.
    KeyExhausted {
        /// The stream.
        ssrc: u32,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Error::BufferTooSmall { needed } => {
                write!(f, "buffer too small: {needed} bytes needed")
            }
            Error::Truncated { needed, got } => {
                write!(f, "truncated packet: {needed} bytes needed, {got} given")
            }
            Error::BadVersion { version } => {
                write!(f, "not RTP/RTCP version 2 (version {version})")
            }
            Error::Replayed { ssrc, index } => {
                write!(f, "replayed packet: ssrc {ssrc:#010x} index {index}")
            }
            Error::TooOld { ssrc, index } => write!(
                f,
                "packet older than the replay window: ssrc {ssrc:#010x} index {index}"
            ),
            Error::AuthFailed { ssrc } => write!(f, "authentication failed: ssrc {ssrc:#010x}"),
            Error::UnknownSsrc { ssrc } => write!(f, "unknown ssrc {ssrc:#010x}"),
            Error::TableFull { ssrc } => write!(f, "ssrc table full: cannot add {ssrc:#010x}"),
            Error::KeyExhausted { ssrc } => {
                write!(f, "packet index would wrap for ssrc {ssrc:#010x}: re-key")
            }
        }
    }
}

impl core::error::Error for Error {}

/// Why keys or a configuration were refused at construction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// A master key, salt or keying-material block has the wrong length for the profile.
    WrongLength {
        /// What the profile needs.
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// The replay window asked for is 0 or larger than the context's capacity
    /// (`64 × W` bits).
    WindowSize {
        /// The size asked for, in packets.
        asked: usize,
        /// The largest size this context type holds.
        max: usize,
    },
    /// The SRTP and SRTCP session keys given are for different profiles.
    ProfileMismatch,
    /// A DTLS-SRTP protection profile identifier this crate does not implement.
    UnknownProfile {
        /// The RFC 5764 / IANA identifier.
        id: u16,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            KeyError::WrongLength { expected, got } => {
                write!(
                    f,
                    "wrong key length: {expected} bytes expected, {got} given"
                )
            }
            KeyError::WindowSize { asked, max } => {
                write!(f, "replay window of {asked} packets: must be 1..={max}")
            }
            KeyError::ProfileMismatch => f.write_str("SRTP and SRTCP keys of different profiles"),
            KeyError::UnknownProfile { id } => {
                write!(f, "unsupported SRTP protection profile {id:#06x}")
            }
        }
    }
}

impl core::error::Error for KeyError {}
