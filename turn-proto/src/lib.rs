//! # turn-proto
//!
//! TURN (RFC 8656, with RFC 6062 TCP allocations) as sans-IO machines: a **client** that an
//! ICE agent embeds for relayed candidates, and a **server** that an adapter drives at line
//! rate to stand in for coturn. `#![no_std]`, `forbid(unsafe_code)`, no allocator needed;
//! the `alloc` feature swaps the server's fixed tables for seeded hash maps sized by
//! configuration.
//!
//! * [`wire`] — every TURN attribute as a typed, lazily decoded value on top of stun-proto's
//!   zero-copy [`Message`](stun_proto::wire::Message); ChannelData view and emitter (also in
//!   place); Send/Data indications framed in place around a payload; stream framing for
//!   TCP/TLS (`frame_len`, [`Deframer`](wire::Deframer)).
//! * [`client`] — [`TurnClient`](client::TurnClient): allocate with the long-term credential
//!   challenge, refresh, delete, permissions and channel bindings refreshed before they lapse,
//!   `send_to` choosing ChannelData or a Send indication, received data borrowed from the
//!   datagram.
//! * [`server`] — [`TurnServer`](server::TurnServer): allocations keyed by 5-tuple, relays
//!   requested from the caller through events, permissions and channels with their timers,
//!   stateless nonces, long-term and REST-API credentials, quotas, a bandwidth cap and a peer
//!   filter that denies private and special-purpose ranges by default.
//!
//! Why sans-IO: the same state machines run under tokio on a server, under smoltcp on a
//! microcontroller, inside a deterministic network simulator and inside a fuzzer. Time is an
//! argument, randomness comes from a [`sansio::Entropy`], sockets belong to the caller.
//!
//! ## Driving the server
//!
//! The adapter owns the sockets: the listening sockets (UDP, TCP, TLS) and one relay socket
//! per allocation. The core never opens one; it asks.
//!
//! ```text
//! let mut server = TurnServer::<_, _, HeapTables>::new(config, auth, entropy);
//! server.auth_mut().set_unix_time(now, unix_secs);        // REST credentials need the wall clock
//!
//! // 1. A datagram (or one frame cut from a TCP/TLS stream with wire::frame_len) from a client
//! //    on 5-tuple `path` = Path { transport, local: listening addr, remote: client addr }:
//! match server.handle_client_datagram(now, path, &data, &mut out)? {
//!     Output::Reply(t)  => listener.send_to(&out[..t.len], t.path.remote),
//!     Output::Relay { relay, peer, payload, .. } => relay_socket(relay).send_to(payload, peer),
//!     Output::None      => {}
//! }
//! // 2. A datagram from `peer` on relay socket `relay`:
//! if let Some(t) = server.handle_peer_datagram(now, relay, peer, &data, &mut out) {
//!     listener(t.path.local).send_to(&out[..t.len], t.path.remote);   // ChannelData or Data
//! }
//! //    Zero-copy variant: receive into buf[PEER_HEADROOM..] and call
//! //    handle_peer_datagram_in_place(now, relay, peer, &mut buf, PEER_HEADROOM, n)
//! //    -> Some((start, t)): send buf[start..start + t.len].
//! // 3. Events, after every call:
//! while let Some(ev) = server.poll_event() {
//!     match ev {
//!         ServerEvent::AllocateRelay(req) => {
//!             // open a UDP (or, for req.protocol == Tcp, a listening TCP) socket of req.family,
//!             // even port if req.even_port, also reserving port+1 if req.reserve_next, or reuse
//!             // req.reserved; then:
//!             if let Some(t) = server.relay_allocated(now, req.id, addr, reserved_next, &mut out) {
//!                 send(&out[..t.len], t.path)                     // the Allocate success
//!             }
//!             // or, on failure: server.relay_failed(now, req.id, &mut out) -> 508 to send
//!         }
//!         ServerEvent::AllocationClosed { relay, .. } => close(relay),
//!         ServerEvent::ReservationExpired { relay } => close(relay),
//!         ServerEvent::ConnectPeer { connection, relay, peer } => {
//!             // RFC 6062: connect from `relay` to `peer`, then
//!             // server.peer_connected(now, connection, &mut out) or peer_connect_failed(..)
//!         }
//!         ServerEvent::ConnectionBound { connection, data } => splice(data, connection),
//!         ServerEvent::CloseConnection { connection } => close_conn(connection),
//!         ServerEvent::AllocationCreated { .. } | ServerEvent::AuthFailed { .. } => log_and_count(),
//!         _ => {}
//!     }
//! }
//! // 4. Timers: sleep until server.poll_timeout(), then server.handle_timeout(now).
//! // RFC 6062 inbound: a peer connects to a TCP relay ->
//! //    server.peer_connection_incoming(now, relay, peer, &mut out) -> Some((id, t)): send the
//! //    ConnectionAttempt in out[..t.len]; None: close the peer connection.
//! // A TCP/TLS control connection closes -> server.close_client(&path);
//! // a peer or data connection closes -> server.connection_closed(id).
//! // Metrics: server.stats(), server.allocation_count().
//! ```
//!
//! Every handler writes at most one datagram into the caller's `out` (1500 bytes always
//! suffices) and returns it; payloads to peers are slices of the input; nothing is queued
//! but events.
//!
//! ## Driving the client
//!
//! ```text
//! let mut c = TurnClient::<_, 16>::new(TurnClientConfig::new(server_path), user, pass, entropy)?;
//! c.allocate(now)?;                         // 401 -> REALM/NONCE -> retry handled inside
//! loop {
//!     // a datagram on the shared socket:
//!     match c.handle_datagram(now, path, &data) {
//!         Ok(Some(PeerData { peer, data, .. })) => deliver(peer, data),   // zero-copy
//!         Ok(None) => {}
//!         Err(Rejected::NotForUs) => other_machine.handle_datagram(now, path, &data),
//!         Err(_) => {}
//!     }
//!     while let Some(t) = c.poll_transmit(now, &mut buf) { socket.send_to(&buf[..t.len], t.path.remote) }
//!     while let Some(ev) = c.poll_event() {
//!         // TurnEvent::Allocated { relayed, .. } -> c.create_permission(now, peer_ip) / c.bind_channel(now, peer)
//!     }
//!     // c.send_to(now, peer, data, &mut buf) -> ChannelData if bound, else a Send indication
//!     // sleep until c.poll_timeout(), then c.handle_timeout(now) (refreshes happen there)
//! }
//! c.delete(now)?;                           // Refresh LIFETIME 0 -> TurnEvent::Deleted
//! ```
//!
//! ## RFC checklist
//!
//! | feature | status |
//! |---|---|
//! | RFC 8656 attributes (all fourteen), methods, ChannelData (padding over streams) | done |
//! | Allocate / Refresh / CreatePermission / ChannelBind / Send / Data, both sides | done |
//! | long-term credentials, 401/438, MESSAGE-INTEGRITY-SHA256 and PASSWORD-ALGORITHM (server verifies, client via stun-proto) | done |
//! | REST-API ephemeral credentials (coturn `--use-auth-secret`) | done (server) |
//! | EVEN-PORT, RESERVATION-TOKEN (30 s reservations), DONT-FRAGMENT (passed to the adapter) | done (server) |
//! | REQUESTED-ADDRESS-FAMILY (440), ADDITIONAL-ADDRESS-FAMILY | single-family only: a dual request gets ADDRESS-ERROR-CODE 440 for IPv6 |
//! | channel numbers 0x4000–0x7FFF accepted (RFC 5766 clients), 0x4000–0x4FFF used by our client | done |
//! | channel/number reuse blocked for 5 min after a binding lapses (RFC 8656 §12) | done |
//! | RFC 6062 Connect / ConnectionAttempt / ConnectionBind, 30 s bind timer, 446/447 | done (both sides) |
//! | per-user quota (486), total quota and capacity (508), bandwidth cap, peer filter (403) incl. own addresses | done |
//! | ICMP attribute | wire only: the core does not receive ICMP from the adapter yet |
//! | USERHASH on the server, third-party authorization (RFC 7635), mobility (RFC 8016) | not done |
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

/// The STUN layer this crate builds on (credentials, `KeyLookup`, error codes, messages).
pub use stun_proto;

pub mod client;
#[doc(hidden)]
pub mod fuzzing;
pub mod rest;
pub mod server;
pub mod wire;
