//! RFC 6062 TCP allocations (Connect, ConnectionAttempt, ConnectionBind, connection ids and
//! their 30 s timers) and EVEN-PORT reservations (RFC 8656 §7.2, RESERVATION-TOKEN).

use super::auth::Authed;
use super::event::{ConnectionId, Output, ServerEvent};
use super::permissions;
use super::reply::{self, Seal};
use super::tables::{Map, Tables};
use super::TurnServer;
use crate::wire::{Attribute, RelayProtocol};
use core::net::SocketAddr;
use sansio::{Entropy, Instant, Path, Rejected, Transmit};
use stun_proto::auth::KeyLookup;
use stun_proto::wire::attr::{AttrType, ErrorCode};
use stun_proto::wire::{Class, Message, MessageBuilder, MessageType, Method, TransactionId};

/// A relay socket reserved by EVEN-PORT with R, waiting for its RESERVATION-TOKEN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reservation {
    pub(crate) relay: SocketAddr,
    pub(crate) expires: Instant,
}

/// Where a peer connection is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ConnState {
    /// Connect sent to the caller; the client's request waits for the outcome.
    Connecting {
        tid: TransactionId,
        sha256: bool,
        fingerprint: bool,
    },
    /// Connected; waiting for the client's ConnectionBind until the deadline.
    AwaitingBind,
    /// Spliced with the client's data connection.
    Bound,
}

/// One RFC 6062 peer connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Connection {
    /// The control connection's 5-tuple (the allocation's key).
    pub(crate) control: Path,
    pub(crate) peer: SocketAddr,
    pub(crate) state: ConnState,
    pub(crate) deadline: Instant,
}

impl<L: KeyLookup, E: Entropy, T: Tables> TurnServer<L, E, T> {
    /// Reserve `relay` for a later Allocate; returns its token.
    pub(super) fn reserve(&mut self, now: Instant, relay: SocketAddr) -> Option<[u8; 8]> {
        let mut token = [0u8; 8];
        self.entropy.fill(&mut token);
        let expires = now + self.config.reservation_lifetime;
        self.reservations
            .insert(token, Reservation { relay, expires })
            .ok()?;
        Some(token)
    }

    /// Claim a reservation.
    pub(super) fn redeem(&mut self, now: Instant, token: [u8; 8]) -> Option<SocketAddr> {
        let r = self.reservations.remove(&token)?;
        (now < r.expires).then_some(r.relay)
    }

    pub(super) fn sweep_reservations(&mut self, now: Instant) {
        let events = &mut self.events;
        self.reservations.retain(|_, r| {
            now < r.expires
                || events
                    .push_critical(ServerEvent::ReservationExpired { relay: r.relay })
                    .is_err()
        });
    }

    pub(super) fn sweep_connections(&mut self, now: Instant) {
        let (events, allocations) = (&mut self.events, &mut self.allocations);
        self.connections.retain(|id, c| {
            let orphan = allocations.get(&c.control).is_none();
            let late = c.state == ConnState::AwaitingBind && now >= c.deadline;
            if !orphan && !late {
                return true;
            }
            if events
                .push_critical(ServerEvent::CloseConnection { connection: *id })
                .is_err()
            {
                return true;
            }
            if let Some(a) = allocations.get_mut(&c.control) {
                a.connections = a.connections.saturating_sub(1);
            }
            false
        });
    }

    pub(super) fn close_connections_of(&mut self, control: &Path) {
        let mut closing: heapless::Vec<ConnectionId, 64> = heapless::Vec::new();
        self.connections.retain(|id, c| {
            c.control != *control || closing.push(*id).is_err() // the rest: next sweep (orphans)
        });
        for connection in closing {
            self.emit_critical(ServerEvent::CloseConnection { connection });
        }
    }

    fn new_connection_id(&mut self) -> Option<ConnectionId> {
        (0..8).find_map(|_| {
            let id = ConnectionId(self.entropy.next_u32());
            (id.0 != 0 && self.connections.get(&id).is_none()).then_some(id)
        })
    }

    /// Connect (RFC 6062 §5.2): ask the caller to open a TCP connection to the peer.
    pub(super) fn connect<'a>(
        &mut self,
        now: Instant,
        client: Path,
        msg: &Message<'_>,
        auth: &Authed<'_>,
        out: &mut [u8],
    ) -> Output<'a> {
        match self.start_connect(now, client, msg) {
            Ok(()) => Output::None,
            Err(code) => self.signed_error(client, msg, auth, code, out),
        }
    }

    fn start_connect(
        &mut self,
        now: Instant,
        client: Path,
        msg: &Message<'_>,
    ) -> Result<(), ErrorCode> {
        let alloc = self
            .allocations
            .get(&client)
            .ok_or(ErrorCode::ALLOCATION_MISMATCH)?;
        if alloc.protocol != RelayProtocol::Tcp {
            return Err(ErrorCode::BAD_REQUEST);
        }
        let Some(Ok(peer)) = msg.peer_addresses().next() else {
            return Err(ErrorCode::BAD_REQUEST);
        };
        let relay = alloc.relay;
        if let Err(code) = self.check_peer(&client, relay, peer, true) {
            self.stats.peers_denied += u64::from(code == ErrorCode::FORBIDDEN);
            return Err(code);
        }
        let mut exists = false;
        self.connections
            .for_each(|_, c| exists |= c.control == client && c.peer == peer);
        if exists {
            return Err(ErrorCode::CONNECTION_ALREADY_EXISTS);
        }
        if alloc.connections >= self.config.max_connections || !self.connections.has_room() {
            return Err(ErrorCode::INSUFFICIENT_CAPACITY);
        }
        let id = self
            .new_connection_id()
            .ok_or(ErrorCode::INSUFFICIENT_CAPACITY)?;
        let state = ConnState::Connecting {
            tid: msg.transaction_id(),
            sha256: msg.integrity_sha256_offset().is_some(),
            fingerprint: msg.fingerprint_offset().is_some(),
        };
        let conn = Connection {
            control: client,
            peer,
            state,
            deadline: now,
        };
        self.connections
            .insert(id, conn)
            .map_err(|_| ErrorCode::INSUFFICIENT_CAPACITY)?;
        if let Some(a) = self.allocations.get_mut(&client) {
            a.connections += 1;
        }
        self.emit_critical(ServerEvent::ConnectPeer {
            connection: id,
            relay,
            peer,
        });
        Ok(())
    }

    /// The caller connected `connection` to its peer: the Connect success response (with
    /// CONNECTION-ID) is queued for the client's control connection. `false` when the
    /// connection is unknown: close it.
    pub fn peer_connected(&mut self, now: Instant, connection: ConnectionId) -> bool {
        let mut out = [0u8; super::MAX_REPLY];
        match self.connect_outcome(now, connection, None, &mut out) {
            Some(t) => self.queue(t, &out),
            None => false,
        }
    }

    /// The caller could not connect `connection` to its peer: 447 is queued for the client.
    pub fn peer_connect_failed(&mut self, now: Instant, connection: ConnectionId) {
        let mut out = [0u8; super::MAX_REPLY];
        let failure = Some(ErrorCode::CONNECTION_TIMEOUT_OR_FAILURE);
        if let Some(t) = self.connect_outcome(now, connection, failure, &mut out) {
            self.queue(t, &out);
        }
    }

    fn connect_outcome(
        &mut self,
        now: Instant,
        id: ConnectionId,
        failure: Option<ErrorCode>,
        out: &mut [u8],
    ) -> Option<Transmit> {
        let conn = *self.connections.get(&id)?;
        let ConnState::Connecting {
            tid,
            sha256,
            fingerprint,
        } = conn.state
        else {
            return None;
        };
        if failure.is_some() {
            self.connection_closed(id);
        } else if let Some(c) = self.connections.get_mut(&id) {
            c.state = ConnState::AwaitingBind;
            c.deadline = now + self.config.connection_bind_timeout;
        }
        let alloc = self.allocations.get(&conn.control)?;
        let class = if failure.is_some() {
            Class::Error
        } else {
            Class::Success
        };
        let seal = Seal {
            kind: MessageType::new(Method::CONNECT, class),
            tid,
            key: Some(&alloc.key),
            sha256,
            fingerprint,
            software: self.config.software,
        };
        let len = match failure {
            Some(code) => reply::error(&seal, code, None, out),
            None => seal.write(out, |b| b.add(&Attribute::ConnectionId(id.0))),
        };
        match self.replied(conn.control, len, failure.is_none()) {
            Output::Reply(t) => Some(t),
            _ => None,
        }
    }

    /// A peer opened a TCP connection to the TCP relay `relay`: when it holds a permission,
    /// the ConnectionAttempt indication for the client is queued and the new connection's id
    /// returned (keep the peer connection, unread, until `ConnectionBound` or
    /// `CloseConnection`). `None`: refuse (close) it.
    pub fn peer_connection_incoming(
        &mut self,
        now: Instant,
        relay: SocketAddr,
        peer: SocketAddr,
    ) -> Option<ConnectionId> {
        let mut out = [0u8; super::MAX_REPLY];
        let (id, t) = self.connection_attempt(now, relay, peer, &mut out)?;
        self.queue(t, &out);
        Some(id)
    }

    fn connection_attempt(
        &mut self,
        now: Instant,
        relay: SocketAddr,
        peer: SocketAddr,
        out: &mut [u8],
    ) -> Option<(ConnectionId, Transmit)> {
        let control = *self.relays.get(&relay)?;
        let alloc = self.allocations.get(&control)?;
        let allowed = alloc.protocol == RelayProtocol::Tcp
            && permissions::permitted(&alloc.permissions, peer.ip(), now)
            && alloc.connections < self.config.max_connections
            && self.connections.has_room();
        if !allowed {
            self.stats.dropped_no_route += 1;
            return None;
        }
        let fingerprint = alloc.fingerprint;
        let id = self.new_connection_id()?;
        let mut tid = [0u8; 12];
        self.entropy.fill(&mut tid);
        let kind = MessageType::new(Method::CONNECTION_ATTEMPT, Class::Indication);
        let mut b = MessageBuilder::new(out, kind, TransactionId(tid)).ok()?;
        b.add(&Attribute::XorPeerAddress(peer)).ok()?;
        b.add(&Attribute::ConnectionId(id.0)).ok()?;
        if fingerprint {
            b.add_fingerprint().ok()?;
        }
        let len = b.finish();
        let deadline = now + self.config.connection_bind_timeout;
        let conn = Connection {
            control,
            peer,
            state: ConnState::AwaitingBind,
            deadline,
        };
        self.connections.insert(id, conn).ok()?;
        if let Some(a) = self.allocations.get_mut(&control) {
            a.connections += 1;
        }
        Some((id, Transmit { path: control, len }))
    }

    /// The caller closed `connection` (peer or data side hung up).
    pub fn connection_closed(&mut self, connection: ConnectionId) {
        if let Some(c) = self.connections.remove(&connection) {
            if let Some(a) = self.allocations.get_mut(&c.control) {
                a.connections = a.connections.saturating_sub(1);
            }
        }
    }

    /// ConnectionBind (RFC 6062 §5.4) on a new data connection `client`.
    pub(super) fn connection_bind<'a>(
        &mut self,
        now: Instant,
        client: Path,
        msg: &Message<'_>,
        out: &mut [u8],
    ) -> Result<Output<'a>, Rejected> {
        let id = match msg.decode(AttrType::CONNECTION_ID) {
            Some(Ok(Attribute::ConnectionId(id))) => ConnectionId(id),
            _ => return Ok(self.plain_error(client, msg, ErrorCode::BAD_REQUEST, out)),
        };
        let Some(conn) = self.connections.get(&id).copied() else {
            return Ok(self.plain_error(client, msg, ErrorCode::BAD_REQUEST, out));
        };
        let auth = match self.authenticate(now, &client, msg, Some(&conn.control), out) {
            Ok(a) => a,
            Err(o) => return Ok(o),
        };
        let same_user = self
            .allocations
            .get(&conn.control)
            .is_some_and(|a| a.user.as_str() == auth.user);
        if !same_user {
            return Ok(self
                .signed_error(conn.control, msg, &auth, ErrorCode::WRONG_CREDENTIALS, out)
                .with_path(client));
        }
        if conn.state != ConnState::AwaitingBind || !client.transport.is_reliable() {
            return Ok(self
                .signed_error(conn.control, msg, &auth, ErrorCode::BAD_REQUEST, out)
                .with_path(client));
        }
        if let Some(c) = self.connections.get_mut(&id) {
            c.state = ConnState::Bound;
        }
        self.emit_critical(ServerEvent::ConnectionBound {
            connection: id,
            data: client,
        });
        let software = self.config.software;
        let Some(key) = auth
            .key
            .as_ref()
            .or(self.allocations.get(&conn.control).map(|a| &a.key))
        else {
            return Ok(Output::None);
        };
        let len = Seal::answer(msg, Class::Success)
            .with_key(key, software)
            .write(out, |_| Ok(()));
        Ok(self.replied(client, len, true))
    }

    fn plain_error<'a>(
        &mut self,
        client: Path,
        msg: &Message<'_>,
        code: ErrorCode,
        out: &mut [u8],
    ) -> Output<'a> {
        let len = reply::error(&Seal::answer(msg, Class::Error), code, None, out);
        self.replied(client, len, false)
    }
}

impl Output<'_> {
    /// The same reply sent on another path.
    fn with_path(self, path: Path) -> Self {
        match self {
            Output::Reply(t) => Output::Reply(Transmit { path, len: t.len }),
            other => other,
        }
    }
}
