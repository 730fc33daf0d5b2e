//! What a client reports.

use crate::wire::attr::{AttrType, Attribute, ErrorCode};
use crate::wire::{Class, EmitError, Message, TransactionId};
use core::fmt;
use core::net::SocketAddr;
use sansio::Path;

/// The outcome of a transaction.
#[derive(Clone, Debug)]
pub enum ClientEvent<const B: usize> {
    /// A success or error response (after any 401/438/300 handling).
    Response(Response<B>),
    /// No response before the final timeout.
    TimedOut {
        /// The transaction.
        id: TransactionId,
    },
    /// The transaction failed for another reason.
    Failed {
        /// The transaction.
        id: TransactionId,
        /// Why.
        reason: Failure,
    },
}

impl<const B: usize> ClientEvent<B> {
    /// The transaction the event is about.
    pub fn id(&self) -> TransactionId {
        match self {
            ClientEvent::Response(r) => r.id,
            ClientEvent::TimedOut { id } | ClientEvent::Failed { id, .. } => *id,
        }
    }
}

/// Why a transaction failed without a usable response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The response carried a comprehension-required attribute we do not understand
    /// (RFC 8489 §6.3.1).
    UnknownAttribute(AttrType),
    /// The response does not fit the client's message buffer `B`.
    ResponseTooLarge,
    /// A retry (after 401, 438 or 300) could not be built.
    Retry(EmitError),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::UnknownAttribute(t) => write!(f, "response has unknown attribute {t:?}"),
            Failure::ResponseTooLarge => f.write_str("response too large"),
            Failure::Retry(e) => write!(f, "could not build retry: {e}"),
        }
    }
}

/// Why a request could not be started.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StartError {
    /// `N` transactions (plus undrained events) are in flight.
    Full,
    /// The request does not fit in `B` bytes.
    TooLarge,
    /// An attribute could not be written.
    Emit(EmitError),
}

impl From<EmitError> for StartError {
    fn from(e: EmitError) -> Self {
        match e {
            EmitError::BufferTooSmall { .. } => StartError::TooLarge,
            e => StartError::Emit(e),
        }
    }
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StartError::Full => f.write_str("too many transactions in flight"),
            StartError::TooLarge => f.write_str("request too large"),
            StartError::Emit(e) => write!(f, "cannot build request: {e}"),
        }
    }
}

impl core::error::Error for StartError {}

/// A response, copied out of the datagram it came in.
#[derive(Clone, Debug)]
pub struct Response<const B: usize> {
    /// The transaction (the handle `start_request` returned).
    pub id: TransactionId,
    /// Where it came from.
    pub path: Path,
    bytes: heapless::Vec<u8, B>,
}

impl<const B: usize> Response<B> {
    pub(crate) fn new(id: TransactionId, path: Path, bytes: heapless::Vec<u8, B>) -> Self {
        Response { id, path, bytes }
    }

    /// The response message (validated when it arrived).
    pub fn message(&self) -> Message<'_> {
        // The bytes passed `Message::new_checked` before they were stored.
        Message::new_checked(&self.bytes).unwrap_or_else(|_| unreachable_message())
    }

    /// Whether it is a success response.
    pub fn is_success(&self) -> bool {
        self.message().class() == Class::Success
    }

    /// The error code of an error response.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.message().find_map(AttrType::ERROR_CODE, |a| match a {
            Attribute::ErrorCode(c, _) => Some(c),
            _ => None,
        })
    }

    /// XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from an RFC 3489-era server.
    pub fn mapped_address(&self) -> Option<SocketAddr> {
        let m = self.message();
        m.find_map(AttrType::XOR_MAPPED_ADDRESS, |a| match a {
            Attribute::XorMappedAddress(s) => Some(s),
            _ => None,
        })
        .or_else(|| {
            m.find_map(AttrType::MAPPED_ADDRESS, |a| match a {
                Attribute::MappedAddress(s) => Some(s),
                _ => None,
            })
        })
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

#[cold]
fn unreachable_message() -> Message<'static> {
    #[allow(clippy::panic)]
    {
        panic!("a stored response no longer parses")
    }
}
