//! What a client reports.

use crate::wire::attr::{AttrType, ErrorCode};
use crate::wire::{Class, EmitError, Message, TransactionId};
use core::fmt;
use core::net::SocketAddr;
use sansio::Path;

/// How a transaction ended without a response. (A response is handed up by
/// [`handle_datagram`](sansio::SansIo::handle_datagram) as a [`Response`], borrowing the
/// datagram: it is never copied or parsed twice.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientEvent {
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

impl ClientEvent {
    /// The transaction the event is about.
    pub fn id(&self) -> TransactionId {
        match self {
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
    /// A retry (after 401, 438 or 300) could not be built.
    Retry(EmitError),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::UnknownAttribute(t) => write!(f, "response has unknown attribute {t:?}"),
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

/// A response that ended a transaction: the checked view of the datagram it came in
/// (FINGERPRINT and MESSAGE-INTEGRITY already verified), with the caller's handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'a> {
    /// The transaction (the handle `start_request` returned).
    pub id: TransactionId,
    /// Where it came from.
    pub path: Path,
    /// The response, parsed once.
    pub message: Message<'a>,
}

impl<'a> Response<'a> {
    /// Whether it is a success response.
    pub fn is_success(&self) -> bool {
        self.message.class() == Class::Success
    }

    /// The error code of an error response.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.message.error_code()
    }

    /// XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from an RFC 3489-era server.
    pub fn mapped_address(&self) -> Option<SocketAddr> {
        self.message.mapped_address()
    }
}
