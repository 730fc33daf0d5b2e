//! The TURN client (RFC 8656 §7–§12, RFC 6062 §4) as a sans-IO machine, for an ICE agent's
//! relayed candidates or any program that needs a relay.
//!
//! It embeds a [`StunClient`] for transactions, so retransmission, the long-term credential
//! challenge (401 → REALM/NONCE → retry), 438 Stale Nonce and SHA-256 password algorithms
//! come for free. What it adds: the allocation's lifetime and refreshes, permissions (refreshed
//! 60 s before their 300 s run out), channel bindings (600 s, refreshed likewise), and the
//! data path: [`send_to`](TurnClient::send_to) picks ChannelData when a channel is bound and a
//! Send indication otherwise; received data comes back from
//! [`handle_datagram`](sansio::SansIo::handle_datagram) as a [`PeerData`] borrowing the datagram.
//!
//! The client can share a socket with other machines: datagrams that are not from its server
//! or not TURN are refused with [`Rejected::NotForUs`](sansio::Rejected::NotForUs). Over TCP or TLS, cut the stream with
//! [`Deframer`](crate::wire::Deframer) and feed each frame as a datagram.

mod event;
mod io;
mod outcome;
mod peers;

pub use event::{CommandError, PeerData, TurnEvent};

use crate::wire::{AddressFamily, Attribute, RelayProtocol, MIN_CHANNEL};
use core::net::{IpAddr, SocketAddr};
use peers::{next_channel, Chan, Perm};
use sansio::{Entropy, Instant, Path};
use stun_proto::client::{ClientConfig, Credentials, CredentialsError, StunClient};
use stun_proto::wire::{MessageBuilder, Method, TransactionId};

/// Headroom [`TurnClient::send_to_in_place`] needs before the payload (a Send indication for
/// an IPv6 peer: header 20, XOR-PEER-ADDRESS 24, DATA header 4).
pub const CLIENT_HEADROOM: usize = 48;
/// Room it needs after the payload (padding 3, FINGERPRINT 8, rounded).
pub const CLIENT_TAILROOM: usize = 12;

/// Transactions the client runs at once.
const TRANSACTIONS: usize = 8;
/// Largest request or response the client keeps.
const MESSAGE_BUF: usize = 768;

/// TURN client settings.
#[derive(Clone, Copy, Debug)]
pub struct TurnClientConfig {
    /// The path to the TURN server: transport, our local address (may be unspecified), the
    /// server's address.
    pub server: Path,
    /// Transactions: retransmission, FINGERPRINT, SOFTWARE.
    pub stun: ClientConfig,
    /// LIFETIME to ask for; `None` takes the server's default (600 s).
    pub lifetime: Option<u32>,
    /// REQUESTED-ADDRESS-FAMILY (IPv4 is the default and is not sent).
    pub family: AddressFamily,
    /// REQUESTED-TRANSPORT: UDP, or TCP for an RFC 6062 allocation (server path over TCP/TLS).
    pub protocol: RelayProtocol,
    /// Ask for DONT-FRAGMENT.
    pub dont_fragment: bool,
}

impl TurnClientConfig {
    /// Defaults for a server at `server`.
    pub fn new(server: Path) -> Self {
        TurnClientConfig {
            server,
            // An allocation lives on one server and every later request must go there: a
            // 300 is reported (`TurnEvent::TryAlternate`) for the caller to start over on the
            // alternate rather than followed inside the transaction.
            stun: ClientConfig {
                max_redirects: 0,
                ..ClientConfig::default()
            },
            lifetime: None,
            family: AddressFamily::V4,
            protocol: RelayProtocol::Udp,
            dont_fragment: false,
        }
    }
}

/// Where the allocation is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    Allocating,
    Allocated,
    Deleting,
    Closed,
}

/// A transaction in flight and what it is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Allocate,
    Refresh { delete: bool },
    Permission(IpAddr),
    Channel(SocketAddr),
    Connect(SocketAddr),
    ConnectionBind(u32),
}

/// A TURN client with up to `P` permissions and `P` channels, drawing transaction IDs from
/// `E`. No allocator.
///
/// Driven through [`sansio::SansIo`] (the workspace's one contract: one input, then drain
/// `poll_transmit`, then `poll_event`, then read `poll_timeout`); data to peers goes through
/// [`sansio::Carrier::send`] (or [`send_to_in_place`](Self::send_to_in_place), zero-copy).
#[derive(Debug)]
pub struct TurnClient<E, const P: usize = 16> {
    config: TurnClientConfig,
    stun: StunClient<E, TRANSACTIONS, MESSAGE_BUF>,
    state: State,
    relayed: Option<SocketAddr>,
    mapped: Option<SocketAddr>,
    expires: Instant,
    refresh_at: Instant,
    ops: heapless::Vec<(TransactionId, Op), TRANSACTIONS>,
    perms: heapless::Vec<Perm, P>,
    chans: heapless::Vec<Chan, P>,
    events: sansio::EventQueue<TurnEvent, 32>,
    events_lost: u64,
    next_channel: u16,
    indications: u64,
}

impl<E: Entropy, const P: usize> TurnClient<E, P> {
    /// A client for `config.server` with long-term `credentials`.
    pub fn new(
        config: TurnClientConfig,
        username: &str,
        password: &str,
        entropy: E,
    ) -> Result<Self, CredentialsError> {
        let creds = Credentials::LongTerm { username, password };
        Ok(TurnClient {
            stun: StunClient::new(config.stun, creds, entropy)?,
            config,
            state: State::Idle,
            relayed: None,
            mapped: None,
            expires: Instant::ZERO,
            refresh_at: Instant::MAX,
            ops: heapless::Vec::new(),
            perms: heapless::Vec::new(),
            chans: heapless::Vec::new(),
            events: sansio::EventQueue::new(),
            events_lost: 0,
            next_channel: MIN_CHANNEL,
            indications: 0,
        })
    }

    /// Events the owner missed by not draining (see [`sansio::EventQueue`]).
    pub fn events_dropped(&self) -> u64 {
        self.events.dropped() + self.events_lost
    }

    /// The relayed transport address, once allocated.
    pub fn relayed_address(&self) -> Option<SocketAddr> {
        self.relayed.filter(|_| self.state == State::Allocated)
    }

    /// The server-reflexive address the server reported.
    pub fn mapped_address(&self) -> Option<SocketAddr> {
        self.mapped
    }

    /// The path to the server.
    pub fn server(&self) -> Path {
        self.config.server
    }

    /// Whether data to `peer` would go as ChannelData now.
    pub fn channel_of(&self, peer: SocketAddr, now: Instant) -> Option<u16> {
        self.chans
            .iter()
            .find(|c| c.peer == peer && c.usable(now))
            .map(|c| c.number)
    }

    fn start(
        &mut self,
        now: Instant,
        path: Path,
        method: Method,
        op: Op,
        build: impl FnOnce(&mut MessageBuilder<'_>) -> Result<(), stun_proto::wire::EmitError>,
    ) -> Result<TransactionId, CommandError> {
        if self.ops.is_full() {
            return Err(CommandError::Full);
        }
        let tid = self
            .stun
            .start_request_with(now, path, method, build)
            .map_err(|e| match e {
                stun_proto::client::StartError::Full => CommandError::Full,
                _ => CommandError::TooLarge,
            })?;
        let _ = self.ops.push((tid, op));
        Ok(tid)
    }

    /// Ask for an allocation (the first request goes without credentials; the server's 401
    /// supplies REALM and NONCE and the client retries by itself).
    pub fn allocate(&mut self, now: Instant) -> Result<(), CommandError> {
        if self.state != State::Idle && self.state != State::Closed {
            return Err(CommandError::AlreadyAllocated);
        }
        let c = self.config;
        self.start(now, c.server, Method::ALLOCATE, Op::Allocate, |b| {
            b.add(&Attribute::RequestedTransport(c.protocol))?;
            if let Some(l) = c.lifetime {
                b.add(&Attribute::Lifetime(l))?;
            }
            if c.family != AddressFamily::V4 {
                b.add(&Attribute::RequestedAddressFamily(c.family))?;
            }
            if c.dont_fragment {
                b.add(&Attribute::DontFragment)?;
            }
            Ok(())
        })?;
        self.state = State::Allocating;
        Ok(())
    }

    /// Refresh the allocation now (the client also does it by itself before expiry).
    pub fn refresh(&mut self, now: Instant) -> Result<(), CommandError> {
        self.send_refresh(now, self.config.lifetime, false)
    }

    /// Delete the allocation (Refresh with LIFETIME 0); [`TurnEvent::Deleted`] follows.
    pub fn delete(&mut self, now: Instant) -> Result<(), CommandError> {
        self.send_refresh(now, Some(0), true)?;
        self.state = State::Deleting;
        Ok(())
    }

    fn send_refresh(
        &mut self,
        now: Instant,
        lifetime: Option<u32>,
        delete: bool,
    ) -> Result<(), CommandError> {
        if self.state != State::Allocated {
            return Err(CommandError::NotAllocated);
        }
        self.start(
            now,
            self.config.server,
            Method::REFRESH,
            Op::Refresh { delete },
            |b| match lifetime {
                Some(l) => b.add(&Attribute::Lifetime(l)),
                None => Ok(()),
            },
        )?;
        self.refresh_at = Instant::MAX;
        Ok(())
    }

    /// Install a permission for `peer` (kept refreshed until the allocation ends).
    pub fn create_permission(&mut self, now: Instant, peer: IpAddr) -> Result<(), CommandError> {
        if self.state != State::Allocated {
            return Err(CommandError::NotAllocated);
        }
        if self.perms.iter().any(|p| p.ip == peer) {
            return Ok(());
        }
        self.perms
            .push(Perm {
                ip: peer,
                installed: false,
                in_flight: false,
                refresh_at: Instant::MAX,
            })
            .map_err(|_| CommandError::Full)?;
        self.send_permission(now, peer)
            .inspect_err(|_| self.perms.retain(|p| p.ip != peer))
    }

    fn send_permission(&mut self, now: Instant, peer: IpAddr) -> Result<(), CommandError> {
        let addr = SocketAddr::new(peer, 0);
        self.start(
            now,
            self.config.server,
            Method::CREATE_PERMISSION,
            Op::Permission(peer),
            |b| b.add(&Attribute::XorPeerAddress(addr)),
        )?;
        if let Some(p) = self.perms.iter_mut().find(|p| p.ip == peer) {
            p.in_flight = true;
        }
        Ok(())
    }

    /// Bind a channel to `peer` (and install its permission); returns the channel number.
    /// Until [`TurnEvent::ChannelBound`], data goes as Send indications.
    pub fn bind_channel(&mut self, now: Instant, peer: SocketAddr) -> Result<u16, CommandError> {
        if self.state != State::Allocated {
            return Err(CommandError::NotAllocated);
        }
        if let Some(c) = self.chans.iter().find(|c| c.peer == peer) {
            return Ok(c.number);
        }
        let number = self.free_channel().ok_or(CommandError::NoChannelLeft)?;
        let chan = Chan {
            number,
            peer,
            bound: false,
            in_flight: false,
            refresh_at: Instant::MAX,
            expires: Instant::ZERO,
        };
        self.chans.push(chan).map_err(|_| CommandError::Full)?;
        self.send_channel_bind(now, number, peer)
            .inspect_err(|_| self.chans.retain(|c| c.number != number))?;
        Ok(number)
    }

    fn free_channel(&mut self) -> Option<u16> {
        for _ in 0..=(crate::wire::MAX_CHANNEL_RFC8656 - MIN_CHANNEL) {
            let n = self.next_channel;
            self.next_channel = next_channel(n);
            if !self.chans.iter().any(|c| c.number == n) {
                return Some(n);
            }
        }
        None
    }

    fn send_channel_bind(
        &mut self,
        now: Instant,
        number: u16,
        peer: SocketAddr,
    ) -> Result<(), CommandError> {
        self.start(
            now,
            self.config.server,
            Method::CHANNEL_BIND,
            Op::Channel(peer),
            |b| {
                b.add(&Attribute::ChannelNumber(number))?;
                b.add(&Attribute::XorPeerAddress(peer))
            },
        )?;
        if let Some(c) = self.chans.iter_mut().find(|c| c.number == number) {
            c.in_flight = true;
        }
        Ok(())
    }

    /// RFC 6062: ask the server to open a TCP connection to `peer` (needs a TCP allocation
    /// and a permission); [`TurnEvent::PeerConnected`] follows.
    pub fn connect(&mut self, now: Instant, peer: SocketAddr) -> Result<(), CommandError> {
        if self.state != State::Allocated {
            return Err(CommandError::NotAllocated);
        }
        if self.config.protocol != RelayProtocol::Tcp {
            return Err(CommandError::Unsupported);
        }
        self.start(
            now,
            self.config.server,
            Method::CONNECT,
            Op::Connect(peer),
            |b| b.add(&Attribute::XorPeerAddress(peer)),
        )?;
        Ok(())
    }

    /// RFC 6062: bind the new data connection `data` (a TCP/TLS path to the server) to
    /// `connection`; [`TurnEvent::ConnectionBound`] follows, after which `data` carries the
    /// peer's raw bytes and must not be fed to this client any more.
    pub fn connection_bind(
        &mut self,
        now: Instant,
        data: Path,
        connection: u32,
    ) -> Result<(), CommandError> {
        if self.config.protocol != RelayProtocol::Tcp || !data.transport.is_reliable() {
            return Err(CommandError::Unsupported);
        }
        self.start(
            now,
            data,
            Method::CONNECTION_BIND,
            Op::ConnectionBind(connection),
            |b| b.add(&Attribute::ConnectionId(connection)),
        )?;
        Ok(())
    }
}
