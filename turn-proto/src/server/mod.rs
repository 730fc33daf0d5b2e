//! The TURN server (RFC 8656, RFC 6062) as a sans-IO machine.
//!
//! See the crate documentation, section "Driving the server", for the call sequence.
//!
//! The server keeps allocations keyed by the client's 5-tuple and, for the peer side, a map
//! from relayed transport address to 5-tuple: a ChannelData or Send indication from a client
//! and a datagram from a peer are each routed with one or two O(1) lookups and a short scan of
//! the allocation's permissions and channels (bounded by `max_permissions` and
//! `max_channels`). Payloads are never copied by the core when going to peers (the output
//! borrows the input) and copied once (or not at all, with the `_in_place` variant) when
//! going to clients.
//!
//! ## Amplification
//! A request that does not authenticate gets a small answer, so the server is a poor
//! reflector: SOFTWARE and MESSAGE-INTEGRITY go only to authenticated requests, FINGERPRINT
//! only to requests that carried one, and a 401/438 challenge carries no reason phrase. With
//! a realm of at most [`MAX_REALM`] (32) bytes, for the smallest request of each kind:
//!
//! | answer | request | answer | factor |
//! |---|---|---|---|
//! | Binding success (IPv4 / IPv6) | 20 B | 32 / 44 B | ≤ 2.2× |
//! | 400 Bad Request | 20 B | 40 B | 2× |
//! | 420 with one unknown attribute | 24 B | 56 B | 2.33× |
//! | 401 challenge (REALM, NONCE) | 20 B | 76 B + realm padded, ≤ 108 B | ≤ 5.4× |
//!
//! so every answer to an unauthenticated request is at most 5.4× its size and at most 116
//! bytes (a request with FINGERPRINT is 28 bytes or more and its answer 8 bytes longer).
//! `tests/amplification.rs` checks the bound on every kind of request.

mod allocation;
mod auth;
mod channels;
mod config;
mod event;
mod invariants;
mod peer_filter;
mod permissions;
mod quota;
mod relay;
mod reply;
mod requests;
mod tables;
mod tcp;

pub use auth::{ConfigError, TurnAuth, Username};
pub use auth::{MAX_REALM, MAX_SECRET, MAX_SECRETS, MAX_USERNAME};
pub(crate) use channels::COOL_DOWN;
pub use config::{AllocationUsage, TurnConfig, TurnStats};
pub use event::{CloseReason, ConnectionId, Output, RelayRequest, RelayRequestId, ServerEvent};
pub use peer_filter::{IpRange, PeerFilter, MAX_OWN_ADDRESSES, MAX_RULES, MAX_SERVICE_PORTS};
pub use quota::BandwidthCap;
pub use relay::{PEER_HEADROOM, PEER_TAILROOM};
#[cfg(feature = "alloc")]
pub use tables::HeapTables;
pub use tables::{FixedTables, List, Map, Queue, Tables};

use allocation::{Allocation, Phase};
use core::fmt;
use core::net::SocketAddr;
use core::time::Duration;
use sansio::{Entropy, EventQueue, Instant, NoData, Path, Rejected, SansIo, Transmit};
use sansio::{TransmitQueue, Transport};
use stun_proto::auth::KeyLookup;
use stun_proto::wire::attr::ErrorCode;
use stun_proto::wire::{Message, Method};
use tcp::{Connection, Reservation};

/// How often the expiry sweep runs.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);
/// Events held until the owner drains them (see [`sansio::EventQueue`] for the overflow rule;
/// critical events that find the queue full of critical events wait in a backlog bounded by
/// the allocation and connection tables).
pub const EVENT_CAPACITY: usize = 64;
/// Bytes of datagrams held for [`SansIo::poll_transmit`] (answers to commands, and everything
/// the [`SansIo`] path produces); a longer datagram is dropped on that path (the zero-copy
/// methods have no such limit).
pub const TRANSMIT_BYTES: usize = 16 * 1024;
/// Datagrams held for [`SansIo::poll_transmit`].
pub const TRANSMIT_COUNT: usize = 32;
/// Largest reply the server writes (a response is always shorter).
pub(super) const MAX_REPLY: usize = 1500;
/// Largest datagram to a client the [`SansIo`] path frames (on the stack): a peer's datagram
/// longer than this less the framing is dropped there and counted in `dropped_no_route`
/// (the zero-copy methods have no such limit).
pub const TRAIT_PATH_DATAGRAM: usize = 2048;

/// A TURN server with keys from `L`, randomness from `E` and state in `T`'s containers.
///
/// It implements [`SansIo`], the workspace's one contract (see the [`sansio`] crate page):
/// `handle_datagram` takes what clients send to a listening address and what peers send to a
/// relay address (told apart by `path.local`), answers (`relay_allocated`, `peer_connected`,
/// …) queue their response, and everything to send comes out of `poll_transmit` — from the
/// listening socket, or from a relay socket to a peer. Resources are asked for with events
/// ([`ServerEvent::AllocateRelay`], [`ServerEvent::ConnectPeer`]) and released with events
/// that are never dropped ([`ServerEvent::AllocationClosed`], …).
///
/// Zero-copy fast path for a line-rate relay: [`handle_client_datagram`](Self::handle_client_datagram)
/// (the payload for a peer borrows the input) and
/// [`handle_peer_datagram_in_place`](Self::handle_peer_datagram_in_place) (the client's frame
/// is written around the payload in the receive buffer).
pub struct TurnServer<L, E, T: Tables> {
    config: TurnConfig,
    auth: TurnAuth<L>,
    entropy: E,
    allocations: T::Map<Path, Allocation<T>>,
    relays: T::Map<SocketAddr, Path>,
    pending: T::Map<RelayRequestId, Path>,
    users: T::Map<Username, usize>,
    reservations: T::Map<[u8; 8], Reservation>,
    connections: T::Map<ConnectionId, Connection>,
    events: EventQueue<ServerEvent, EVENT_CAPACITY>,
    backlog: T::Queue<ServerEvent>,
    tx: TransmitQueue<TRANSMIT_BYTES, TRANSMIT_COUNT>,
    next_request: u64,
    indication_base: [u8; 4],
    indications: u64,
    next_sweep: Instant,
    stats: TurnStats,
}

impl<L, E, T: Tables> fmt::Debug for TurnServer<L, E, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TurnServer")
            .field("allocations", &self.allocations.len())
            .field("connections", &self.connections.len())
            .field("stats", &self.stats)
            .finish_non_exhaustive()
    }
}

impl<L: KeyLookup, E: Entropy, T: Tables> TurnServer<L, E, T> {
    /// A server with `config`, authenticating with `auth`, drawing randomness (table seeds,
    /// reservation tokens, connection ids) from `entropy`.
    pub fn new(config: TurnConfig, auth: TurnAuth<L>, mut entropy: E) -> Self {
        let seed = entropy.next_u64();
        let mut indication_base = [0u8; 4];
        entropy.fill(&mut indication_base);
        TurnServer {
            config,
            auth,
            allocations: T::Map::with_seed(seed),
            relays: T::Map::with_seed(seed ^ 1),
            pending: T::Map::with_seed(seed ^ 2),
            users: T::Map::with_seed(seed ^ 3),
            reservations: T::Map::with_seed(seed ^ 4),
            connections: T::Map::with_seed(seed ^ 5),
            events: EventQueue::new(),
            backlog: T::Queue::new_queue(),
            tx: TransmitQueue::new(),
            entropy,
            next_request: 1,
            indication_base,
            indications: 0,
            next_sweep: Instant::ZERO,
            stats: TurnStats::default(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &TurnConfig {
        &self.config
    }

    /// Replace the peer filter (a configuration reload): later permissions, channels and
    /// relayed datagrams are checked against `filter`; allocations stay.
    pub fn set_peer_filter(&mut self, filter: PeerFilter) {
        self.config.peer_filter = filter;
    }

    /// The authentication settings.
    pub fn auth(&self) -> &TurnAuth<L> {
        &self.auth
    }

    /// The authentication settings (e.g. to [`set_unix_time`](TurnAuth::set_unix_time)).
    pub fn auth_mut(&mut self) -> &mut TurnAuth<L> {
        &mut self.auth
    }

    /// Counters since start.
    pub fn stats(&self) -> TurnStats {
        TurnStats {
            events_dropped: self.events.dropped(),
            transmits_dropped: self.tx.dropped(),
            ..self.stats
        }
    }

    /// Queue an ordinary event (dropped and counted when the owner does not drain).
    pub(super) fn emit(&mut self, event: ServerEvent) {
        self.events.push(event);
    }

    /// Queue an event that releases or requests a resource: never dropped.
    pub(super) fn emit_critical(&mut self, event: ServerEvent) {
        if let Err(event) = self.events.push_critical(event) {
            if self.backlog.push_back(event).is_err() {
                self.stats.events_lost += 1;
            }
        }
    }

    /// The user `client`'s allocation belongs to.
    pub fn user_of(&self, client: &Path) -> Option<&str> {
        self.allocations.get(client).map(|a| a.user.as_str())
    }

    /// Call `f` with each active allocation's client, user, relayed address and usage so
    /// far (usage per user for publishing; the relay path keeps the counters in the
    /// allocation it already holds, so counting costs no lookup).
    pub fn for_each_usage(&self, mut f: impl FnMut(&Path, &str, SocketAddr, AllocationUsage)) {
        self.allocations.for_each(|client, a| {
            if a.is_active() {
                f(client, a.user.as_str(), a.relay, a.usage);
            }
        });
    }

    /// Allocations held, pending ones included.
    pub fn allocation_count(&self) -> usize {
        self.allocations.len()
    }

    /// RFC 6062 connections held.
    pub fn connection_count(&self) -> usize {
        self.connections.len()
    }

    /// The relayed address of the allocation of `client`, once active.
    pub fn relayed_address(&self, client: &Path) -> Option<SocketAddr> {
        self.allocations
            .get(client)
            .filter(|a| a.is_active())
            .map(|a| a.relay)
    }

    /// Feed a datagram (or a frame cut from a TCP/TLS stream) a client sent on `client`
    /// (transport, server's local address, client's address). A response, if any, is
    /// written into `out` (1500 bytes is always enough); data for a peer is returned as a
    /// slice of `data`.
    pub fn handle_client_datagram<'a>(
        &mut self,
        now: Instant,
        client: Path,
        data: &'a [u8],
        out: &mut [u8],
    ) -> Result<Output<'a>, Rejected> {
        match data.first().map(|b| b >> 6) {
            Some(1) => return self.channel_data(now, &client, data),
            Some(0) => {}
            _ => return Err(Rejected::NotForUs),
        }
        let Ok(msg) = Message::new_checked(data) else {
            self.stats.dropped_malformed += 1;
            return Err(Rejected::Malformed);
        };
        if msg.fingerprint_offset().is_some() && !msg.fingerprint_ok() {
            self.stats.dropped_malformed += 1;
            return Err(Rejected::Malformed);
        }
        match msg.class() {
            stun_proto::wire::Class::Request => self.request(now, client, &msg, out),
            stun_proto::wire::Class::Indication if msg.method() == Method::SEND => {
                self.send_indication(now, &client, &msg)
            }
            stun_proto::wire::Class::Indication => Ok(Output::None),
            _ => Err(Rejected::NotForUs),
        }
    }

    /// The caller's relay socket for request `id` is open at `relay` (and, for EVEN-PORT with
    /// R, `reserved_next` holds the next port). The Allocate response is queued for
    /// `poll_transmit`. `false` when the request is unknown (the client went away) or the
    /// address is refused: close `relay` (and `reserved_next`).
    pub fn relay_allocated(
        &mut self,
        now: Instant,
        id: RelayRequestId,
        relay: SocketAddr,
        reserved_next: Option<SocketAddr>,
    ) -> bool {
        let mut out = [0u8; MAX_REPLY];
        let in_use = self.is_relay(&relay);
        if let Some(t) = self.relay_allocated_into(now, id, relay, reserved_next, &mut out) {
            self.queue(t, &out);
        }
        !in_use && self.is_relay(&relay)
    }

    pub(super) fn queue(&mut self, t: Transmit, out: &[u8]) -> bool {
        self.tx.push(t.path, out.get(..t.len).unwrap_or(&[]))
    }

    fn relay_allocated_into(
        &mut self,
        now: Instant,
        id: RelayRequestId,
        relay: SocketAddr,
        reserved_next: Option<SocketAddr>,
        out: &mut [u8],
    ) -> Option<Transmit> {
        let client = self.pending.remove(&id)?;
        if self.relays.get(&relay).is_some() || !self.relays.has_room() {
            // The caller handed out an address already in use: refuse rather than misroute.
            return self.allocation_failed(now, client, out);
        }
        if self.allocations.get(&client)?.phase != Phase::Pending(id) {
            return None;
        }
        let token = reserved_next.and_then(|r| self.reserve(now, r));
        let alloc = self.allocations.get_mut(&client)?;
        alloc.phase = Phase::Active;
        alloc.relay = relay;
        alloc.token = token;
        let user = alloc.user.clone();
        let len = requests::allocate_success(alloc, now, &client, &self.config, out).ok();
        if self.relays.insert(relay, client).is_err() {
            // has_room() was checked above; never here, but never misroute either.
            return self.allocation_failed(now, client, out);
        }
        self.stats.allocations_created += 1;
        self.stats.requests_ok += 1;
        self.emit(ServerEvent::AllocationCreated {
            client,
            relay,
            user,
        });
        len.map(|len| Transmit { path: client, len })
    }

    /// The caller could not open a relay socket for request `id`: the 508 response is queued.
    pub fn relay_failed(&mut self, now: Instant, id: RelayRequestId) {
        self.relay_refused(now, id, ErrorCode::INSUFFICIENT_CAPACITY);
    }

    /// The caller refuses request `id` with `code` (e.g. 486 when a quota shared with other
    /// servers is reached): the signed error response is queued.
    pub fn relay_refused(&mut self, now: Instant, id: RelayRequestId, code: ErrorCode) {
        let mut out = [0u8; MAX_REPLY];
        let Some(client) = self.pending.remove(&id) else {
            return;
        };
        if let Some(t) = self.refuse_allocation(now, client, code, &mut out) {
            self.queue(t, &out);
        }
    }

    fn allocation_failed(
        &mut self,
        now: Instant,
        client: Path,
        out: &mut [u8],
    ) -> Option<Transmit> {
        self.refuse_allocation(now, client, ErrorCode::INSUFFICIENT_CAPACITY, out)
    }

    fn refuse_allocation(
        &mut self,
        _now: Instant,
        client: Path,
        code: ErrorCode,
        out: &mut [u8],
    ) -> Option<Transmit> {
        let alloc = self.allocations.remove(&client)?;
        self.release_user(&alloc.user);
        self.stats.requests_failed += 1;
        let software = self.config.software;
        let len = requests::allocate_failure(&alloc, code, software, out).ok()?;
        Some(Transmit { path: client, len })
    }

    /// The caller lost `client` (its TCP or TLS control connection closed): the allocation
    /// ends at once (RFC 6062 §5.4, RFC 8656 §3.1).
    pub fn close_client(&mut self, client: &Path) {
        if let Some(alloc) = self.allocations.remove(client) {
            self.forget(client, alloc, CloseReason::Closed);
        }
    }

    /// Book-keeping after an allocation left the table.
    fn forget(&mut self, client: &Path, alloc: Allocation<T>, reason: CloseReason) {
        self.release_user(&alloc.user);
        match alloc.phase {
            Phase::Pending(id) => {
                self.pending.remove(&id);
            }
            Phase::Active => {
                self.relays.remove(&alloc.relay);
                self.stats.allocations_closed += 1;
                self.emit_critical(ServerEvent::AllocationClosed {
                    client: *client,
                    relay: alloc.relay,
                    reason,
                    usage: alloc.usage,
                });
            }
        }
        if alloc.connections > 0 {
            self.close_connections_of(client);
        }
    }

    fn release_user(&mut self, user: &Username) {
        let gone = match self.users.get_mut(user) {
            Some(n) => {
                *n = n.saturating_sub(1);
                *n == 0
            }
            None => false,
        };
        if gone {
            self.users.remove(user);
        }
    }

    fn sweep_allocations(&mut self, now: Instant) {
        let (events, relays, pending, users, stats) = (
            &mut self.events,
            &mut self.relays,
            &mut self.pending,
            &mut self.users,
            &mut self.stats,
        );
        self.allocations.retain(|client, a| {
            if now < a.expires {
                permissions::sweep(&mut a.permissions, now);
                channels::sweep(&mut a.channels, now);
                return true;
            }
            if let Phase::Active = a.phase {
                let ev = ServerEvent::AllocationClosed {
                    client: *client,
                    relay: a.relay,
                    reason: CloseReason::Expired,
                    usage: a.usage,
                };
                if events.push_critical(ev).is_err() {
                    return true; // retried on the next sweep, once events are drained
                }
                relays.remove(&a.relay);
                stats.allocations_closed += 1;
            }
            if let Phase::Pending(id) = a.phase {
                pending.remove(&id);
            }
            let gone = users.get_mut(&a.user).map(|n| {
                *n = n.saturating_sub(1);
                *n == 0
            });
            if gone == Some(true) {
                users.remove(&a.user);
            }
            false
        });
    }

    /// Whether `addr` is one of the relay addresses the caller handed out.
    pub fn is_relay(&self, addr: &SocketAddr) -> bool {
        self.relays.get(addr).is_some()
    }
}

/// The trait path: complete on its own (see the type's documentation for the fast path).
impl<L: KeyLookup, E: Entropy, T: Tables> SansIo for TurnServer<L, E, T> {
    type Event = ServerEvent;
    type Data<'a> = NoData;

    /// A datagram to a relay address (`path.local` is a relay, `path.remote` the peer) goes to
    /// the client; anything else is what a client sent to a listening address.
    fn handle_datagram(
        &mut self,
        now: Instant,
        path: Path,
        data: &[u8],
    ) -> Result<Option<NoData>, Rejected> {
        let mut out = [0u8; TRAIT_PATH_DATAGRAM];
        if path.transport == Transport::Udp && self.is_relay(&path.local) {
            if let Some(t) = self.handle_peer_datagram(now, path.local, path.remote, data, &mut out)
            {
                self.queue(t, &out);
            }
            return Ok(None);
        }
        match self.handle_client_datagram(now, path, data, &mut out)? {
            Output::None => {}
            Output::Reply(t) => {
                self.queue(t, &out);
            }
            Output::Relay {
                relay,
                peer,
                payload,
                ..
            } => {
                self.tx.push(Path::udp(relay, peer), payload);
            }
        }
        Ok(None)
    }

    /// Let timers fire: allocations, permissions, channel bindings, reservations and
    /// connection-bind deadlines. Early or repeated calls do nothing.
    fn handle_timeout(&mut self, now: Instant) {
        if now < self.next_sweep {
            return;
        }
        self.next_sweep = now + SWEEP_INTERVAL;
        self.sweep_allocations(now);
        self.sweep_reservations(now);
        self.sweep_connections(now);
    }

    fn poll_transmit(&mut self, _now: Instant, out: &mut [u8]) -> Option<Transmit> {
        self.tx.pop(out)
    }

    /// The next event; critical events that waited in the backlog come after the queue.
    fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop().or_else(|| self.backlog.pop_front())
    }

    /// When `handle_timeout` should next be called; `None` when no state can expire.
    fn poll_timeout(&self) -> Option<Instant> {
        let idle = self.allocations.is_empty()
            && self.reservations.is_empty()
            && self.connections.is_empty();
        (!idle).then_some(self.next_sweep)
    }
}
