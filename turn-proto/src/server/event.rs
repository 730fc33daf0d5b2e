//! What the server asks of, and reports to, the caller.

use super::auth::Username;
use crate::wire::{AddressFamily, RelayProtocol};
use core::net::SocketAddr;
use sansio::{Path, Transmit};
use stun_proto::wire::attr::ErrorCode;

/// Handle of a relay the server asked for; answer with
/// [`relay_allocated`](super::TurnServer::relay_allocated) or
/// [`relay_failed`](super::TurnServer::relay_failed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelayRequestId(pub u64);

/// An RFC 6062 connection between a TCP relay and a peer (the CONNECTION-ID value).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConnectionId(pub u32);

/// The relay socket an Allocate needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RelayRequest {
    /// Answer with this.
    pub id: RelayRequestId,
    /// The client's 5-tuple (for logs).
    pub client: Path,
    /// IPv4 or IPv6.
    pub family: AddressFamily,
    /// UDP, or TCP for an RFC 6062 allocation (a listening socket that also connects out).
    pub protocol: RelayProtocol,
    /// EVEN-PORT: the port must be even.
    pub even_port: bool,
    /// EVEN-PORT with R: also reserve port + 1 and report it in `relay_allocated`.
    pub reserve_next: bool,
    /// RESERVATION-TOKEN redeemed: use this socket, reserved earlier (no new one).
    pub reserved: Option<SocketAddr>,
    /// DONT-FRAGMENT: set the DF bit on datagrams to peers.
    pub dont_fragment: bool,
}

/// Why an allocation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloseReason {
    /// The client deleted it (Refresh with LIFETIME 0).
    Deleted,
    /// Its lifetime ran out.
    Expired,
    /// The caller closed it ([`close_client`](super::TurnServer::close_client), e.g. its TCP
    /// control connection dropped).
    Closed,
}

/// Something the caller must act on or may record.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServerEvent {
    /// Open a relay socket and answer with
    /// [`relay_allocated`](super::TurnServer::relay_allocated) or
    /// [`relay_failed`](super::TurnServer::relay_failed).
    AllocateRelay(RelayRequest),
    /// An allocation was granted (for logs and metrics).
    AllocationCreated {
        /// The client's 5-tuple.
        client: Path,
        /// The relayed transport address.
        relay: SocketAddr,
        /// Who.
        user: Username,
    },
    /// An allocation ended: close its relay socket (and any TCP connections).
    AllocationClosed {
        /// The client's 5-tuple.
        client: Path,
        /// The relay socket to close.
        relay: SocketAddr,
        /// Why.
        reason: CloseReason,
        /// What it relayed over its life.
        usage: super::config::AllocationUsage,
    },
    /// A socket reserved by EVEN-PORT was not claimed in time: close it.
    ReservationExpired {
        /// The reserved socket's address.
        relay: SocketAddr,
    },
    /// A request was refused for authentication (for metrics and fail2ban-style logs).
    AuthFailed {
        /// Who asked.
        client: Path,
        /// 401, 438 or 441.
        code: ErrorCode,
        /// The USERNAME the request carried (cut to [`MAX_USERNAME`](super::MAX_USERNAME)
        /// bytes; empty when absent). Untrusted text: escape it before logging.
        user: Username,
    },
    /// RFC 6062: open a TCP connection from `relay` to `peer` and answer with
    /// [`peer_connected`](super::TurnServer::peer_connected) or
    /// [`peer_connect_failed`](super::TurnServer::peer_connect_failed).
    ConnectPeer {
        /// The connection.
        connection: ConnectionId,
        /// The relay (local address to bind).
        relay: SocketAddr,
        /// The peer.
        peer: SocketAddr,
    },
    /// RFC 6062: the client bound its data connection `data` to `connection`: after sending
    /// the ConnectionBind response on it, splice `data` and the peer connection.
    ConnectionBound {
        /// The connection.
        connection: ConnectionId,
        /// The client's data connection.
        data: Path,
    },
    /// RFC 6062: close the peer connection (and its data connection, if bound).
    CloseConnection {
        /// The connection.
        connection: ConnectionId,
    },
}

/// What to do with a datagram the client sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Output<'a> {
    /// Nothing to send (an indication dropped on purpose, a response deferred until the relay
    /// socket exists).
    None,
    /// Send `out[..len]` back to the client on `path`.
    Reply(Transmit),
    /// Send `payload` (a slice of the input: zero-copy) from the relay socket to the peer.
    Relay {
        /// The relay socket's address.
        relay: SocketAddr,
        /// The peer.
        peer: SocketAddr,
        /// The application data.
        payload: &'a [u8],
        /// Set the DF bit (the allocation asked for DONT-FRAGMENT).
        dont_fragment: bool,
    },
}
