//! What an endpoint reports.

use crate::cert::Fingerprint;
use crate::types::{CipherSuite, SrtpProfile};
use crate::wire::AlertDescription;
use core::fmt;

/// An endpoint's events (see [`Endpoint::poll_event`](crate::Endpoint)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake completed and the peer's certificate matches the expected fingerprint:
    /// application data flows and SRTP keys can be exported.
    Connected(Connected),
    /// The handshake or the connection failed; nothing more will be sent or received.
    Failed(Failure),
    /// The connection was closed with close_notify (by us or by the peer).
    Closed,
}

/// What a handshake agreed on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Connected {
    /// The cipher suite (`None` when the implementation does not say: `DimplDtls`).
    pub cipher_suite: Option<CipherSuite>,
    /// The SRTP protection profile, if `use_srtp` was negotiated.
    pub srtp_profile: Option<SrtpProfile>,
    /// The SHA-256 fingerprint of the peer's certificate; `None` when it presented none (a
    /// server with [`Config::request_client_certificate`](crate::Config) off).
    pub peer_fingerprint: Option<Fingerprint>,
}

/// Why a connection failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// The peer's certificate does not have the fingerprint from its SDP (RFC 8122); a
    /// bad_certificate alert was sent.
    FingerprintMismatch,
    /// The handshake did not complete within the configured time.
    HandshakeTimeout,
    /// The peer sent this fatal alert.
    Alert(AlertDescription),
    /// We aborted with this fatal alert (the peer misbehaved or nothing could be agreed).
    Aborted(AlertDescription),
    /// The endpoint was asked to be a server, and this build of dtls-core has no server role
    /// (its `server` feature is off).
    RoleNotBuilt,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::FingerprintMismatch => f.write_str("peer certificate fingerprint mismatch"),
            Failure::HandshakeTimeout => f.write_str("handshake timed out"),
            Failure::Alert(d) => write!(f, "peer sent fatal alert {d:?}"),
            Failure::Aborted(d) => write!(f, "aborted with alert {d:?}"),
            Failure::RoleNotBuilt => f.write_str("no server role in this build"),
        }
    }
}

impl core::error::Error for Failure {}
