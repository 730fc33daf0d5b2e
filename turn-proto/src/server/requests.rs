//! Requests on the control path: Binding, Allocate, Refresh, CreatePermission, ChannelBind
//! (RFC 8656 §7–§12). Connect and ConnectionBind are in `tcp.rs`.

use super::allocation::{granted_lifetime, Allocation, Grant};
use super::auth::{Authed, Refusal, Username, MAX_USERNAME};
use super::channels::{self, BindError};
use super::event::{CloseReason, Output, RelayRequest, RelayRequestId, ServerEvent};
use super::permissions;
use super::quota::TokenBucket;
use super::reply::{self, Seal};
use super::tables::{Map, Tables};
use super::{TurnConfig, TurnServer};
use crate::wire::{AddressFamily, RelayProtocol};
use crate::wire::{MAX_CHANNEL_RFC5766, MAX_CHANNEL_RFC8656, MIN_CHANNEL};
use core::net::SocketAddr;
use core::time::Duration;
use sansio::{Entropy, Instant, Path, Rejected, Transmit};
use stun_proto::auth::KeyLookup;
use stun_proto::wire::attr::{AttrType, Attribute, ErrorCode};
use stun_proto::wire::{Class, EmitError, Message, Method};

impl<L: KeyLookup, E: Entropy, T: Tables> TurnServer<L, E, T> {
    /// Dispatch a request by method.
    pub(super) fn request<'a>(
        &mut self,
        now: Instant,
        client: Path,
        msg: &Message<'_>,
        out: &mut [u8],
    ) -> Result<Output<'a>, Rejected> {
        if msg.first_unknown_required(AttrType::is_known).is_some() {
            let len = reply::unknown_attributes(msg, AttrType::is_known, out);
            return Ok(self.replied(client, len, false));
        }
        match msg.method() {
            Method::BINDING => {
                let len = Seal::answer(msg, Class::Success)
                    .write(out, |b| b.add(&Attribute::XorMappedAddress(client.remote)));
                Ok(self.replied(client, len, true))
            }
            Method::ALLOCATE => self.allocate(now, client, msg, out),
            Method::REFRESH
            | Method::CREATE_PERMISSION
            | Method::CHANNEL_BIND
            | Method::CONNECT => self.on_allocation(now, client, msg, out),
            Method::CONNECTION_BIND => self.connection_bind(now, client, msg, out),
            _ => {
                let len = reply::error(
                    &Seal::answer(msg, Class::Error),
                    ErrorCode::BAD_REQUEST,
                    None,
                    out,
                );
                Ok(self.replied(client, len, false))
            }
        }
    }

    /// Turn a written response into an output, counting it.
    pub(super) fn replied<'a>(
        &mut self,
        client: Path,
        len: Result<usize, EmitError>,
        ok: bool,
    ) -> Output<'a> {
        match len {
            Ok(len) => {
                if ok {
                    self.stats.requests_ok += 1;
                } else {
                    self.stats.requests_failed += 1;
                }
                Output::Reply(Transmit { path: client, len })
            }
            Err(_) => Output::None,
        }
    }

    /// Authenticate, answering refusals (401/438 with a challenge, 400) into `out`.
    pub(super) fn authenticate<'m>(
        &mut self,
        now: Instant,
        client: &Path,
        msg: &Message<'m>,
        cached_from: Option<&Path>,
        out: &mut [u8],
    ) -> Result<Authed<'m>, Output<'static>> {
        let cached = cached_from
            .and_then(|c| self.allocations.get(c))
            .map(|a| (a.user.as_str(), &a.key));
        match self.auth.check(now, client, msg, cached) {
            Ok(a) => Ok(a),
            Err(Refusal(code)) => Err(self.refuse(now, client, msg, code, out)),
        }
    }

    fn refuse(
        &mut self,
        now: Instant,
        client: &Path,
        msg: &Message<'_>,
        code: ErrorCode,
        out: &mut [u8],
    ) -> Output<'static> {
        let had_mac = msg.has_integrity();
        if code == ErrorCode::UNAUTHENTICATED && had_mac || code == ErrorCode::WRONG_CREDENTIALS {
            self.stats.auth_failures += 1;
            self.emit(ServerEvent::AuthFailed {
                client: *client,
                code,
                user: username_of(msg),
            });
        }
        let seal = Seal::answer(msg, Class::Error);
        let len = if code == ErrorCode::BAD_REQUEST {
            reply::error(&seal, code, None, out)
        } else {
            let nonce = self.auth.nonce(now, client);
            reply::error(&seal, code, Some((self.auth.realm(), &nonce)), out)
        };
        self.replied(*client, len, false)
    }

    /// An error response to an authenticated request, signed with the request's key.
    pub(super) fn signed_error<'a>(
        &mut self,
        client: Path,
        msg: &Message<'_>,
        auth: &Authed<'_>,
        code: ErrorCode,
        out: &mut [u8],
    ) -> Output<'a> {
        let key = match &auth.key {
            Some(k) => Some(k),
            None => self.allocations.get(&client).map(|a| &a.key),
        };
        let mut seal = Seal::answer(msg, Class::Error);
        if let Some(k) = key {
            seal = seal.with_key(k, self.config.software);
        }
        let len = reply::error(&seal, code, None, out);
        self.replied(client, len, false)
    }

    fn allocate<'a>(
        &mut self,
        now: Instant,
        client: Path,
        msg: &Message<'_>,
        out: &mut [u8],
    ) -> Result<Output<'a>, Rejected> {
        if let Some(alternate) = self.config.alternate_server {
            // Redirected before authentication, as coturn does: the client learns where to
            // go without spending a 401 round trip here.
            if self.allocations.get(&client).is_none() {
                let len = reply::try_alternate(&Seal::answer(msg, Class::Error), alternate, out);
                return Ok(self.replied(client, len, false));
            }
        }
        let auth = match self.authenticate(now, &client, msg, Some(&client), out) {
            Ok(a) => a,
            Err(o) => return Ok(o),
        };
        if let Some(existing) = self.allocations.get(&client) {
            if existing.allocate_tid != msg.transaction_id() {
                return Ok(self.signed_error(
                    client,
                    msg,
                    &auth,
                    ErrorCode::ALLOCATION_MISMATCH,
                    out,
                ));
            }
            if !existing.is_active() {
                return Ok(Output::None); // a retransmission while the relay is being opened
            }
            let len = allocate_success(existing, now, &client, &self.config, out);
            return Ok(self.replied(client, len, true));
        }
        match self.start_allocation(now, client, msg, &auth) {
            Ok(()) => Ok(Output::None),
            Err(code) => Ok(self.signed_error(client, msg, &auth, code, out)),
        }
    }

    /// Validate an Allocate and ask the caller for a relay.
    fn start_allocation(
        &mut self,
        now: Instant,
        client: Path,
        msg: &Message<'_>,
        auth: &Authed<'_>,
    ) -> Result<(), ErrorCode> {
        let plan = plan_allocation(msg, &client, &self.config)?;
        let user = Username::try_from(auth.user).map_err(|_| ErrorCode::BAD_REQUEST)?;
        let reserved = match plan.token {
            Some(token) => Some(
                self.redeem(now, token)
                    .ok_or(ErrorCode::INSUFFICIENT_CAPACITY)?,
            ),
            None => None,
        };
        if reserved.is_some_and(|r| AddressFamily::of(&r) != plan.family) {
            return Err(ErrorCode::INSUFFICIENT_CAPACITY);
        }
        self.check_quota(&user)?;
        let key = auth.key.clone().ok_or(ErrorCode::SERVER_ERROR)?;
        let id = RelayRequestId(self.next_request);
        self.next_request += 1;
        let grant = Grant {
            protocol: plan.protocol,
            lifetime: granted_lifetime(
                plan.lifetime,
                self.config.default_lifetime,
                self.config.max_lifetime,
            ),
            sha256: auth.sha256,
            fingerprint: msg.fingerprint_offset().is_some(),
            dont_fragment: plan.dont_fragment,
        };
        let mut alloc = Allocation::pending(
            id,
            now,
            msg.transaction_id(),
            user.clone(),
            key,
            grant,
            TokenBucket::new(now, self.config.bandwidth),
        );
        alloc.refused_v6 = plan.refuse_additional;
        self.allocations
            .insert(client, alloc)
            .map_err(|_| ErrorCode::INSUFFICIENT_CAPACITY)?;
        if self.pending.insert(id, client).is_err() {
            self.allocations.remove(&client);
            return Err(ErrorCode::INSUFFICIENT_CAPACITY);
        }
        let count = self.users.get(&user).copied().unwrap_or(0);
        let _ = self.users.insert(user, count + 1);
        let request = RelayRequest {
            id,
            client,
            family: plan.family,
            protocol: plan.protocol,
            even_port: plan.even_port.is_some(),
            reserve_next: plan.even_port == Some(true),
            reserved,
            dont_fragment: plan.dont_fragment,
        };
        if self
            .events
            .push_critical(ServerEvent::AllocateRelay(request))
            .is_err()
        {
            // The caller is not draining events: undo rather than wait forever.
            if let Some(gone) = self.allocations.remove(&client) {
                self.forget(&client, gone, CloseReason::Closed);
            }
            return Err(ErrorCode::INSUFFICIENT_CAPACITY);
        }
        Ok(())
    }

    /// The server's total (508: RFC 8656's "insufficient capacity", a limit of the server,
    /// so the client may try another one) and the user's quota (486: "no more allocations
    /// using this username", RFC 8656 §6.2).
    fn check_quota(&self, user: &Username) -> Result<(), ErrorCode> {
        if self.allocations.len() >= self.config.max_allocations {
            return Err(ErrorCode::INSUFFICIENT_CAPACITY);
        }
        if !self.allocations.has_room() || !self.pending.has_room() || !self.users.has_room() {
            return Err(ErrorCode::INSUFFICIENT_CAPACITY);
        }
        let held = self.users.get(user).copied().unwrap_or(0);
        if held >= self.config.max_allocations_per_user {
            return Err(ErrorCode::ALLOCATION_QUOTA_REACHED);
        }
        Ok(())
    }

    /// Refresh, CreatePermission, ChannelBind and Connect: authenticate, find the
    /// allocation, check the user, then act.
    fn on_allocation<'a>(
        &mut self,
        now: Instant,
        client: Path,
        msg: &Message<'_>,
        out: &mut [u8],
    ) -> Result<Output<'a>, Rejected> {
        if let Some(alternate) = self.config.alternate_server {
            // Redirected before authentication, as coturn does: the client learns where to
            // go without spending a 401 round trip here.
            if self.allocations.get(&client).is_none() {
                let len = reply::try_alternate(&Seal::answer(msg, Class::Error), alternate, out);
                return Ok(self.replied(client, len, false));
            }
        }
        let auth = match self.authenticate(now, &client, msg, Some(&client), out) {
            Ok(a) => a,
            Err(o) => return Ok(o),
        };
        let Some(alloc) = self.allocations.get(&client).filter(|a| a.is_active()) else {
            return Ok(self.signed_error(client, msg, &auth, ErrorCode::ALLOCATION_MISMATCH, out));
        };
        if alloc.user.as_str() != auth.user {
            self.stats.auth_failures += 1;
            self.emit(ServerEvent::AuthFailed {
                client,
                code: ErrorCode::WRONG_CREDENTIALS,
                user: username_of(msg),
            });
            return Ok(self.signed_error(client, msg, &auth, ErrorCode::WRONG_CREDENTIALS, out));
        }
        let verdict = match msg.method() {
            Method::REFRESH => self.refresh(now, &client, msg),
            Method::CREATE_PERMISSION => self.create_permission(now, &client, msg),
            Method::CHANNEL_BIND => self.channel_bind(now, &client, msg),
            _ => return Ok(self.connect(now, client, msg, &auth, out)),
        };
        match verdict {
            Err(code) => Ok(self.signed_error(client, msg, &auth, code, out)),
            Ok(lifetime) => {
                let output = self.signed_success(client, msg, &auth, lifetime, out);
                if msg.method() == Method::REFRESH && lifetime == Some(0) {
                    if let Some(gone) = self.allocations.remove(&client) {
                        self.forget(&client, gone, CloseReason::Deleted);
                    }
                }
                Ok(output)
            }
        }
    }

    /// The success response to Refresh (with LIFETIME), CreatePermission or ChannelBind.
    fn signed_success<'a>(
        &mut self,
        client: Path,
        msg: &Message<'_>,
        auth: &Authed<'_>,
        lifetime: Option<u32>,
        out: &mut [u8],
    ) -> Output<'a> {
        let software = self.config.software;
        let stored = self.allocations.get(&client).map(|a| &a.key);
        let Some(key) = auth.key.as_ref().or(stored) else {
            return Output::None;
        };
        let seal = Seal::answer(msg, Class::Success).with_key(key, software);
        let len = seal.write(out, |b| match lifetime {
            Some(l) => b.add(&Attribute::Lifetime(l)),
            None => Ok(()),
        });
        self.replied(client, len, true)
    }

    /// Refresh (RFC 8656 §7.3). `Ok(Some(lifetime))`; a lifetime of 0 deletes.
    fn refresh(
        &mut self,
        now: Instant,
        client: &Path,
        msg: &Message<'_>,
    ) -> Result<Option<u32>, ErrorCode> {
        let requested = match msg.decode(AttrType::LIFETIME) {
            Some(Ok(Attribute::Lifetime(l))) => Some(l),
            Some(_) => return Err(ErrorCode::BAD_REQUEST),
            None => None,
        };
        let alloc = self
            .allocations
            .get_mut(client)
            .ok_or(ErrorCode::ALLOCATION_MISMATCH)?;
        if let Some(Ok(Attribute::RequestedAddressFamily(f))) =
            msg.decode(AttrType::REQUESTED_ADDRESS_FAMILY)
        {
            if f != AddressFamily::of(&alloc.relay) {
                return Err(ErrorCode::PEER_ADDRESS_FAMILY_MISMATCH);
            }
        }
        if requested == Some(0) {
            return Ok(Some(0)); // deleted once the response is written
        }
        let lifetime = granted_lifetime(
            requested,
            self.config.default_lifetime,
            self.config.max_lifetime,
        );
        alloc.lifetime = lifetime;
        alloc.expires = now + Duration::from_secs(u64::from(lifetime));
        Ok(Some(lifetime))
    }

    /// CreatePermission (RFC 8656 §10): every XOR-PEER-ADDRESS must pass, or none is
    /// installed.
    ///
    /// Linear in the request: the limit comes first (one pass over the attribute headers: a
    /// request naming more peers than an allocation may hold is refused with 508 before any
    /// is decoded), then at most `max_permissions` peers are checked and staged, each against
    /// the allocation's list (at most `max_permissions` entries), so a 64 KiB request of
    /// 5,400 peers costs one walk, not 5,400² / 2 comparisons.
    fn create_permission(
        &mut self,
        now: Instant,
        client: &Path,
        msg: &Message<'_>,
    ) -> Result<Option<u32>, ErrorCode> {
        let relay = self
            .allocations
            .get(client)
            .map(|a| a.relay)
            .ok_or(ErrorCode::ALLOCATION_MISMATCH)?;
        let named = msg
            .attributes()
            .filter(|a| a.kind == AttrType::XOR_PEER_ADDRESS)
            .count();
        if named == 0 {
            return Err(ErrorCode::BAD_REQUEST);
        }
        if named > self.config.max_permissions {
            return Err(ErrorCode::INSUFFICIENT_CAPACITY);
        }
        for peer in msg.peer_addresses() {
            let peer = peer.map_err(|_| ErrorCode::BAD_REQUEST)?;
            if let Err(code) = self.check_peer(client, relay, peer, false) {
                self.stats.peers_denied += u64::from(code == ErrorCode::FORBIDDEN);
                return Err(code);
            }
        }
        let until = now + self.config.permission_lifetime;
        let max = self.config.max_permissions;
        let alloc = self
            .allocations
            .get_mut(client)
            .ok_or(ErrorCode::ALLOCATION_MISMATCH)?;
        let ips = msg.peer_addresses().flatten().map(|p| p.ip());
        if !permissions::stage(&mut alloc.permissions, ips, max) {
            return Err(ErrorCode::INSUFFICIENT_CAPACITY);
        }
        for peer in msg.peer_addresses().flatten() {
            permissions::install(&mut alloc.permissions, peer.ip(), until, max);
        }
        Ok(None)
    }

    /// A peer address must be of the relay's family (443) and pass the filter (403).
    /// The server's own addresses (the listening address the client reached, the relay's,
    /// and those the filter knows) are refused, unless the port is one of the server's relay
    /// ports (another allocation: two clients of this server meeting), or they are loopback
    /// and loopback is allowed (tests on one host).
    /// `port`: whether the peer's port counts (a channel or a TCP connection is for an
    /// address; a permission only for an IP).
    pub(super) fn check_peer(
        &self,
        client: &Path,
        relay: SocketAddr,
        peer: SocketAddr,
        port: bool,
    ) -> Result<(), ErrorCode> {
        if AddressFamily::of(&peer) != AddressFamily::of(&relay) {
            return Err(ErrorCode::PEER_ADDRESS_FAMILY_MISMATCH);
        }
        if self.peer_allowed(client, relay, peer, port) {
            Ok(())
        } else {
            Err(ErrorCode::FORBIDDEN)
        }
    }

    /// The filter's verdict on `peer`, with the server's own addresses as [`check_peer`]
    /// says.
    ///
    /// [`check_peer`]: Self::check_peer
    pub(super) fn peer_allowed(
        &self,
        client: &Path,
        relay: SocketAddr,
        peer: SocketAddr,
        port: bool,
    ) -> bool {
        let filter = &self.config.peer_filter;
        let ip = peer.ip();
        let own = ip == relay.ip() || ip == client.local.ip() || filter.is_own(ip);
        if own && !(ip.is_loopback() && filter.permits(ip)) {
            return filter.permits_own_relay(peer, port);
        }
        filter.permits(ip)
    }

    /// ChannelBind (RFC 8656 §11.2): binds or refreshes the channel and its permission.
    fn channel_bind(
        &mut self,
        now: Instant,
        client: &Path,
        msg: &Message<'_>,
    ) -> Result<Option<u32>, ErrorCode> {
        let max_channel = if self.config.rfc5766_channels {
            MAX_CHANNEL_RFC5766
        } else {
            MAX_CHANNEL_RFC8656
        };
        let number = match msg.decode(AttrType::CHANNEL_NUMBER) {
            Some(Ok(Attribute::ChannelNumber(n))) if (MIN_CHANNEL..=max_channel).contains(&n) => n,
            _ => return Err(ErrorCode::BAD_REQUEST),
        };
        let mut peers = msg.peer_addresses();
        let (Some(Ok(peer)), None) = (peers.next(), peers.next()) else {
            return Err(ErrorCode::BAD_REQUEST);
        };
        let (relay, protocol) = self
            .allocations
            .get(client)
            .map(|a| (a.relay, a.protocol))
            .ok_or(ErrorCode::ALLOCATION_MISMATCH)?;
        if protocol != RelayProtocol::Udp {
            return Err(ErrorCode::BAD_REQUEST); // RFC 6062: TCP allocations carry no channels
        }
        if let Err(code) = self.check_peer(client, relay, peer, true) {
            if code == ErrorCode::FORBIDDEN {
                self.stats.peers_denied += 1;
            }
            return Err(code);
        }
        let (max_perm, max_chan) = (self.config.max_permissions, self.config.max_channels);
        let perm_until = now + self.config.permission_lifetime;
        let chan_until = now + self.config.channel_lifetime;
        let alloc = self
            .allocations
            .get_mut(client)
            .ok_or(ErrorCode::ALLOCATION_MISMATCH)?;
        if permissions::is_new(&alloc.permissions, peer.ip()) && alloc.permissions.len() >= max_perm
        {
            return Err(ErrorCode::INSUFFICIENT_CAPACITY);
        }
        channels::bind(&mut alloc.channels, number, peer, chan_until, max_chan).map_err(
            |e| match e {
                BindError::Conflict => ErrorCode::BAD_REQUEST,
                BindError::Full => ErrorCode::INSUFFICIENT_CAPACITY,
            },
        )?;
        permissions::install(&mut alloc.permissions, peer.ip(), perm_until, max_perm);
        Ok(None)
    }
}

/// The request's USERNAME for logs and events, cut to [`MAX_USERNAME`] bytes at a character
/// boundary (empty when absent).
fn username_of(msg: &Message<'_>) -> Username {
    let name = msg
        .find_map(AttrType::USERNAME, |a| match a {
            Attribute::Username(u) => Some(u),
            _ => None,
        })
        .unwrap_or("");
    let mut end = name.len().min(MAX_USERNAME);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    Username::try_from(name.get(..end).unwrap_or("")).unwrap_or_default()
}

/// What an Allocate asks for, validated.
struct Plan {
    protocol: RelayProtocol,
    family: AddressFamily,
    lifetime: Option<u32>,
    /// `Some(reserve)` for EVEN-PORT.
    even_port: Option<bool>,
    token: Option<[u8; 8]>,
    dont_fragment: bool,
    refuse_additional: bool,
}

/// RFC 8656 §7.2 steps 2–6 (and RFC 6062 §5.1).
fn plan_allocation(
    msg: &Message<'_>,
    client: &Path,
    config: &super::TurnConfig,
) -> Result<Plan, ErrorCode> {
    let attr = |kind| {
        msg.decode(kind)
            .transpose()
            .map_err(|_| ErrorCode::BAD_REQUEST)
    };
    let protocol = match attr(AttrType::REQUESTED_TRANSPORT)? {
        Some(Attribute::RequestedTransport(p)) => p,
        _ => return Err(ErrorCode::BAD_REQUEST),
    };
    match protocol {
        RelayProtocol::Udp => {}
        RelayProtocol::Tcp if !config.tcp_relay => {
            return Err(ErrorCode::UNSUPPORTED_TRANSPORT_PROTOCOL)
        }
        RelayProtocol::Tcp if !client.transport.is_reliable() => {
            return Err(ErrorCode::BAD_REQUEST)
        }
        RelayProtocol::Tcp => {}
        RelayProtocol::Other(_) => return Err(ErrorCode::UNSUPPORTED_TRANSPORT_PROTOCOL),
    }
    let even_port = match attr(AttrType::EVEN_PORT)? {
        Some(Attribute::EvenPort { reserve }) => Some(reserve),
        _ => None,
    };
    let token = match attr(AttrType::RESERVATION_TOKEN)? {
        Some(Attribute::ReservationToken(t)) => Some(t),
        _ => None,
    };
    let requested = match attr(AttrType::REQUESTED_ADDRESS_FAMILY)? {
        Some(Attribute::RequestedAddressFamily(f)) => Some(f),
        _ => None,
    };
    let additional = match attr(AttrType::ADDITIONAL_ADDRESS_FAMILY)? {
        Some(Attribute::AdditionalAddressFamily(f)) => Some(f),
        _ => None,
    };
    let lifetime = match attr(AttrType::LIFETIME)? {
        Some(Attribute::Lifetime(l)) => Some(l),
        _ => None,
    };
    if token.is_some() && (even_port.is_some() || requested.is_some() || additional.is_some()) {
        return Err(ErrorCode::BAD_REQUEST);
    }
    if requested.is_some() && additional.is_some() || additional == Some(AddressFamily::V4) {
        return Err(ErrorCode::BAD_REQUEST);
    }
    let family = requested.unwrap_or(AddressFamily::V4);
    let supported = match family {
        AddressFamily::V4 => config.ipv4,
        AddressFamily::V6 => config.ipv6,
    };
    if !supported {
        return Err(ErrorCode::ADDRESS_FAMILY_NOT_SUPPORTED);
    }
    Ok(Plan {
        protocol,
        family,
        lifetime,
        even_port,
        token,
        dont_fragment: msg.get(AttrType::DONT_FRAGMENT).is_some(),
        refuse_additional: additional.is_some(),
    })
}

/// The Allocate success response (RFC 8656 §7.2): XOR-RELAYED-ADDRESS, LIFETIME,
/// XOR-MAPPED-ADDRESS, RESERVATION-TOKEN if one was reserved, ADDRESS-ERROR-CODE when a
/// second family was asked for (dual allocations are not offered).
pub(crate) fn allocate_success<T: Tables>(
    alloc: &Allocation<T>,
    now: Instant,
    client: &Path,
    config: &TurnConfig,
    out: &mut [u8],
) -> Result<usize, EmitError> {
    let seal = Seal {
        kind: stun_proto::wire::MessageType::new(Method::ALLOCATE, Class::Success),
        tid: alloc.allocate_tid,
        key: Some(&alloc.key),
        sha256: alloc.sha256,
        fingerprint: alloc.fingerprint,
        software: config.software,
    };
    seal.write(out, |b| {
        b.add(&Attribute::XorRelayedAddress(config.announced(alloc.relay)))?;
        b.add(&Attribute::Lifetime(alloc.remaining(now)))?;
        b.add(&Attribute::XorMappedAddress(client.remote))?;
        if let Some(t) = alloc.token {
            b.add(&Attribute::ReservationToken(t))?;
        }
        if alloc.refused_v6 {
            let code = ErrorCode::ADDRESS_FAMILY_NOT_SUPPORTED;
            b.add(&Attribute::AddressErrorCode {
                family: AddressFamily::V6,
                code,
                reason: code.reason(),
            })?;
        }
        Ok(())
    })
}

/// 508 for an Allocate whose relay could not be opened.
pub(crate) fn allocate_failure<T: Tables>(
    alloc: &Allocation<T>,
    code: ErrorCode,
    software: Option<&'static str>,
    out: &mut [u8],
) -> Result<usize, EmitError> {
    let seal = Seal {
        kind: stun_proto::wire::MessageType::new(Method::ALLOCATE, Class::Error),
        tid: alloc.allocate_tid,
        key: Some(&alloc.key),
        sha256: alloc.sha256,
        fingerprint: alloc.fingerprint,
        software,
    };
    reply::error(&seal, code, None, out)
}
