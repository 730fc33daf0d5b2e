//! What the TURN client reports.

use core::fmt;
use core::net::{IpAddr, SocketAddr};
use core::time::Duration;
use stun_proto::wire::attr::ErrorCode;

/// An outcome of a TURN operation. `code` is `None` when the server never answered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TurnEvent {
    /// The allocation exists: `relayed` is the relayed transport address to advertise as a
    /// relay candidate, `mapped` the server-reflexive address the server saw.
    Allocated {
        /// XOR-RELAYED-ADDRESS.
        relayed: SocketAddr,
        /// XOR-MAPPED-ADDRESS.
        mapped: Option<SocketAddr>,
        /// Lifetime granted.
        lifetime: Duration,
    },
    /// The Allocate failed.
    AllocationFailed {
        /// The server's error code.
        code: Option<ErrorCode>,
    },
    /// The server redirected the Allocate (300 Try Alternate, RFC 8489 §10): allocate on
    /// `server` instead (a new client). Reported in place of [`AllocationFailed`].
    ///
    /// [`AllocationFailed`]: TurnEvent::AllocationFailed
    TryAlternate {
        /// ALTERNATE-SERVER.
        server: SocketAddr,
    },
    /// A refresh was granted.
    Refreshed {
        /// Lifetime granted.
        lifetime: Duration,
    },
    /// A refresh failed; the allocation lasts until its current expiry.
    RefreshFailed {
        /// The server's error code.
        code: Option<ErrorCode>,
    },
    /// The allocation was deleted at our request.
    Deleted,
    /// The allocation ran out without a successful refresh.
    Expired,
    /// A permission was installed (reported once, not on refreshes).
    PermissionCreated {
        /// The peer IP.
        peer: IpAddr,
    },
    /// A permission could not be installed or refreshed; it is gone.
    PermissionFailed {
        /// The peer IP.
        peer: IpAddr,
        /// The server's error code.
        code: Option<ErrorCode>,
    },
    /// A channel is bound: `send_to` this peer now uses ChannelData.
    ChannelBound {
        /// The peer.
        peer: SocketAddr,
        /// The channel number.
        channel: u16,
    },
    /// A channel could not be bound or refreshed; data to the peer goes as Send indications.
    ChannelBindFailed {
        /// The peer.
        peer: SocketAddr,
        /// The server's error code.
        code: Option<ErrorCode>,
    },
    /// RFC 6062: the server connected to `peer`; open a data connection and call
    /// [`connection_bind`](super::TurnClient::connection_bind) with `connection`.
    PeerConnected {
        /// The peer.
        peer: SocketAddr,
        /// CONNECTION-ID.
        connection: u32,
    },
    /// RFC 6062: the Connect failed.
    ConnectFailed {
        /// The peer.
        peer: SocketAddr,
        /// The server's error code (447 when the peer did not answer).
        code: Option<ErrorCode>,
    },
    /// RFC 6062: a peer connected to the relay; bind a data connection to accept it.
    ConnectionAttempt {
        /// The peer.
        peer: SocketAddr,
        /// CONNECTION-ID.
        connection: u32,
    },
    /// RFC 6062: the data connection is bound; from now on it carries raw peer bytes.
    ConnectionBound {
        /// CONNECTION-ID.
        connection: u32,
    },
    /// RFC 6062: the ConnectionBind failed.
    ConnectionBindFailed {
        /// CONNECTION-ID.
        connection: u32,
        /// The server's error code.
        code: Option<ErrorCode>,
    },
}

/// Data a peer sent through the relay, borrowed from the datagram it came in (zero-copy).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerData<'a> {
    /// The peer's transport address.
    pub peer: SocketAddr,
    /// The application data.
    pub data: &'a [u8],
    /// Whether it came as ChannelData (else as a Data indication).
    pub channel: Option<u16>,
}

/// Why a command was refused. Every variant is the caller's to handle; nothing was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// No allocation yet (or it is gone).
    NotAllocated,
    /// An allocation exists or is being made.
    AlreadyAllocated,
    /// No permission for the peer: call `create_permission` or `bind_channel` first.
    NoPermission,
    /// The table of permissions or channels (`P`) or of transactions is full.
    Full,
    /// Every channel number is in use.
    NoChannelLeft,
    /// The message does not fit in the buffer given or in the client's request buffer.
    TooLarge,
    /// Not possible on this allocation (RFC 6062 needs a TCP allocation over TCP or TLS).
    Unsupported,
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CommandError::NotAllocated => "no allocation",
            CommandError::AlreadyAllocated => "allocation already exists",
            CommandError::NoPermission => "no permission for this peer",
            CommandError::Full => "table full",
            CommandError::NoChannelLeft => "no channel number left",
            CommandError::TooLarge => "message too large",
            CommandError::Unsupported => "not supported on this allocation",
        })
    }
}

impl core::error::Error for CommandError {}
