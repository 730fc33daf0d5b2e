//! What an agent reports.

use crate::candidate::{Candidate, CandidateKind};
use core::net::SocketAddr;

/// The agent's role (RFC 8445 §6.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IceRole {
    /// Nominates the pair to use.
    Controlling,
    /// Follows the controlling agent's nomination.
    Controlled,
}

/// Overall connection state (named as in the W3C `RTCIceTransportState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IceState {
    /// No remote credentials or candidates yet.
    New,
    /// Checks are running; no pair selected yet.
    Checking,
    /// A pair is selected; data flows.
    Connected,
    /// Consent on the selected pair was lost; looking for another working pair.
    Disconnected,
    /// Every pair failed after both sides finished gathering.
    Failed,
}

/// The pair data is sent on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelectedPair {
    /// Local socket address datagrams leave from (the local candidate's base).
    pub local: SocketAddr,
    /// The local candidate's own address (the relayed address for a relayed candidate).
    pub local_addr: SocketAddr,
    /// How the local candidate was obtained.
    pub local_kind: CandidateKind,
    /// The remote candidate's address.
    pub remote: SocketAddr,
    /// How the remote candidate was obtained.
    pub remote_kind: CandidateKind,
}

/// An event for the application.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IceEvent {
    /// A new local candidate: send it to the peer over signaling (trickle, RFC 8838).
    LocalCandidate(Candidate),
    /// Gathering finished: signal end-of-candidates.
    GatheringComplete,
    /// The connection state changed.
    StateChanged(IceState),
    /// A new pair was selected for data.
    Selected(SelectedPair),
    /// The role changed after a conflict (RFC 8445 §7.3.1.1).
    RoleChanged(IceRole),
    /// No consent response on the selected pair for the consent timeout (RFC 7675): stop
    /// sending on it.
    ConsentLost(SelectedPair),
}
