//! Server settings and counters.

use super::peer_filter::PeerFilter;
use super::quota::BandwidthCap;
use core::time::Duration;

/// Server settings. [`Default`] follows RFC 8656 and coturn's defaults, with the peer filter
/// denying private ranges.
#[derive(Clone, Debug)]
pub struct TurnConfig {
    /// SOFTWARE in responses to authenticated requests.
    pub software: Option<&'static str>,
    /// Lifetime granted when the client asks for less or nothing (RFC 8656: 600 s).
    pub default_lifetime: Duration,
    /// Longest lifetime granted (coturn: 3600 s).
    pub max_lifetime: Duration,
    /// Permission lifetime (RFC 8656: 300 s).
    pub permission_lifetime: Duration,
    /// Channel binding lifetime (RFC 8656: 600 s).
    pub channel_lifetime: Duration,
    /// How long an EVEN-PORT reservation waits for its RESERVATION-TOKEN (RFC 8656: 30 s).
    pub reservation_lifetime: Duration,
    /// RFC 6062: how long a peer connection waits for the client's ConnectionBind (30 s).
    pub connection_bind_timeout: Duration,
    /// Most allocations at once, pending ones included (beyond: 508 Insufficient Capacity,
    /// RFC 8656's code for a limit of the server; coturn answers 486 here, which RFC 8656
    /// reserves for a limit of the username). Without `alloc` the tables' capacity also
    /// bounds it (beyond that: 508).
    pub max_allocations: usize,
    /// Most allocations one username may hold (beyond: 486). `usize::MAX` for no limit.
    pub max_allocations_per_user: usize,
    /// Most permissions per allocation (beyond: 508).
    pub max_permissions: usize,
    /// Most channel bindings per allocation (beyond: 508).
    pub max_channels: usize,
    /// Most RFC 6062 peer connections per allocation (beyond: 508).
    pub max_connections: usize,
    /// Per-allocation bandwidth cap; `None` for none.
    pub bandwidth: Option<BandwidthCap>,
    /// Grant IPv4 relays.
    pub ipv4: bool,
    /// Grant IPv6 relays.
    pub ipv6: bool,
    /// Grant RFC 6062 TCP allocations (to clients on TCP or TLS control connections).
    pub tcp_relay: bool,
    /// Accept channel numbers 0x5000–0x7FFF (RFC 5766's range, which coturn's uclient uses)
    /// as well as RFC 8656's 0x4000–0x4FFF.
    pub rfc5766_channels: bool,
    /// Which peers relays may reach.
    pub peer_filter: PeerFilter,
    /// The public IPv4 address relays are announced with when the server sits behind a 1:1
    /// NAT (coturn's `--external-ip`): XOR-RELAYED-ADDRESS carries it with the relay's port.
    pub external_v4: Option<core::net::IpAddr>,
    /// The same for IPv6 relays.
    pub external_v6: Option<core::net::IpAddr>,
    /// Redirect every Allocate to this server with 300 Try Alternate (RFC 8489 §10, for
    /// draining a node or spreading load; coturn's `--alternate-server`).
    pub alternate_server: Option<core::net::SocketAddr>,
}

impl TurnConfig {
    /// The address a client is told for `relay`: its external IP if one is set for the
    /// family, with the relay's port.
    pub fn announced(&self, relay: core::net::SocketAddr) -> core::net::SocketAddr {
        let external = if relay.is_ipv4() {
            self.external_v4
        } else {
            self.external_v6
        };
        external.map_or(relay, |ip| core::net::SocketAddr::new(ip, relay.port()))
    }
}

impl Default for TurnConfig {
    fn default() -> Self {
        TurnConfig {
            software: None,
            default_lifetime: Duration::from_secs(600),
            max_lifetime: Duration::from_secs(3600),
            permission_lifetime: Duration::from_secs(300),
            channel_lifetime: Duration::from_secs(600),
            reservation_lifetime: Duration::from_secs(30),
            connection_bind_timeout: Duration::from_secs(30),
            max_allocations: 10_000,
            max_allocations_per_user: usize::MAX,
            max_permissions: 32,
            max_channels: 32,
            max_connections: 32,
            bandwidth: None,
            ipv4: true,
            ipv6: true,
            tcp_relay: true,
            rfc5766_channels: true,
            peer_filter: PeerFilter::new(),
            external_v4: None,
            external_v6: None,
            alternate_server: None,
        }
    }
}

/// What one allocation relayed (payload bytes, as [`TurnStats`] counts them): usage per
/// user is the sum over the user's allocations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AllocationUsage {
    /// Datagrams relayed from the client to peers.
    pub packets_to_peers: u64,
    /// Payload bytes relayed from the client to peers.
    pub bytes_to_peers: u64,
    /// Datagrams relayed from peers to the client.
    pub packets_to_clients: u64,
    /// Payload bytes relayed from peers to the client.
    pub bytes_to_clients: u64,
}

impl AllocationUsage {
    /// What was relayed since `earlier` (an older reading of the same allocation).
    pub fn since(&self, earlier: &AllocationUsage) -> AllocationUsage {
        AllocationUsage {
            packets_to_peers: self
                .packets_to_peers
                .saturating_sub(earlier.packets_to_peers),
            bytes_to_peers: self.bytes_to_peers.saturating_sub(earlier.bytes_to_peers),
            packets_to_clients: self
                .packets_to_clients
                .saturating_sub(earlier.packets_to_clients),
            bytes_to_clients: self
                .bytes_to_clients
                .saturating_sub(earlier.bytes_to_clients),
        }
    }
}

/// Counters since start, for metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TurnStats {
    /// Allocations granted.
    pub allocations_created: u64,
    /// Allocations ended (deleted, expired or closed).
    pub allocations_closed: u64,
    /// Requests answered with a success response.
    pub requests_ok: u64,
    /// Requests answered with an error response.
    pub requests_failed: u64,
    /// Requests refused for authentication (401, 438, 441).
    pub auth_failures: u64,
    /// Datagrams relayed from clients to peers.
    pub packets_to_peers: u64,
    /// Payload bytes relayed from clients to peers.
    pub bytes_to_peers: u64,
    /// Datagrams relayed from peers to clients.
    pub packets_to_clients: u64,
    /// Payload bytes relayed from peers to clients.
    pub bytes_to_clients: u64,
    /// Data dropped: no permission or channel, unknown allocation.
    pub dropped_no_route: u64,
    /// Data dropped by the bandwidth cap.
    pub dropped_bandwidth: u64,
    /// Datagrams dropped as malformed.
    pub dropped_malformed: u64,
    /// Peer addresses refused by the filter (403).
    pub peers_denied: u64,
    /// Ordinary events dropped because the owner did not drain them.
    pub events_dropped: u64,
    /// Critical events lost (every queue and the backlog full: the owner stopped draining).
    pub events_lost: u64,
    /// Datagrams dropped on the [`sansio::SansIo`] path (transmit queue full or too large).
    pub transmits_dropped: u64,
}
