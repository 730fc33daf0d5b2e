//! The DTLS role: one vocabulary for the crates that depend on it.

/// Which end of the DTLS handshake a peer is (RFC 8842: `a=setup:active` is the client).
///
/// SDP negotiation decides it; DTLS acts on it; SRTP uses it to pick which half of the
/// exported keying material protects what we send (RFC 5764 §4.2); SCTP data channels take
/// even stream ids as client and odd ones as server (RFC 8832 §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DtlsRole {
    /// Sends the ClientHello (`a=setup:active`).
    Client,
    /// Waits for a ClientHello (`a=setup:passive`).
    Server,
}

impl DtlsRole {
    /// The other end's role.
    pub const fn opposite(self) -> Self {
        match self {
            DtlsRole::Client => DtlsRole::Server,
            DtlsRole::Server => DtlsRole::Client,
        }
    }
}
