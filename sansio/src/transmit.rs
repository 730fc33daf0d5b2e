//! Where a datagram came from or goes to.

use core::net::SocketAddr;

/// The transport a [`Path`] runs over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    /// UDP: unreliable datagrams; machines retransmit.
    Udp,
    /// TCP: a reliable byte stream; machines do not retransmit.
    Tcp,
    /// TLS over TCP: reliable, and the adapter terminates TLS.
    Tls,
    /// DTLS over UDP (TURN's `turns:` over UDP, RFC 7350): unreliable datagrams, and the
    /// adapter terminates DTLS.
    Dtls,
}

impl Transport {
    /// Whether the transport is reliable (no retransmissions needed).
    pub const fn is_reliable(self) -> bool {
        !matches!(self, Transport::Udp | Transport::Dtls)
    }
}

/// A 5-tuple: the local and remote transport addresses and the transport between them.
///
/// `local` may be an unspecified address (`0.0.0.0:0`) when the caller does not know or care
/// which local address a datagram leaves from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Path {
    /// Transport protocol.
    pub transport: Transport,
    /// Our address.
    pub local: SocketAddr,
    /// The peer's address.
    pub remote: SocketAddr,
}

impl Path {
    /// A path over UDP.
    pub const fn udp(local: SocketAddr, remote: SocketAddr) -> Self {
        Path {
            transport: Transport::Udp,
            local,
            remote,
        }
    }

    /// A path over TCP.
    pub const fn tcp(local: SocketAddr, remote: SocketAddr) -> Self {
        Path {
            transport: Transport::Tcp,
            local,
            remote,
        }
    }

    /// The same path seen from the other end.
    pub const fn reversed(self) -> Self {
        Path {
            transport: self.transport,
            local: self.remote,
            remote: self.local,
        }
    }
}

/// A datagram a machine wants sent: its bytes are in `out[..len]` of the buffer passed to
/// `poll_transmit`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transmit {
    /// Where to send it, and from which local address.
    pub path: Path,
    /// Number of bytes written at the start of the caller's buffer.
    pub len: usize,
}
