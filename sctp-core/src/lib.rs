//! # sctp-core
//!
//! SCTP (RFC 9260) and WebRTC data channels (RFC 8831, 8832) as one sans-IO machine, for a
//! browser-facing server and for a Cortex-M board alike: zero-copy wire views, an
//! [`Association`](association::Association) that implements [`sansio::SansIo`], bounded
//! memory everywhere (`#![no_std]`, no allocator needed), no `unsafe`.
//!
//! ## Why sans-IO
//! The association never touches a socket, a clock or a random number generator. SCTP
//! packets come in through [`handle_datagram`](sansio::SansIo::handle_datagram) (in WebRTC
//! they are DTLS application data), packets to send come out of
//! [`poll_transmit`](sansio::SansIo::poll_transmit), time is an argument, and verification
//! tags, initial TSNs and the cookie key come from the [`sansio::Entropy`] given at
//! construction. The same code runs under tokio, on smoltcp, in the `netsim` simulator
//! (ten lossy megabytes in a second) and in a fuzzer.
//!
//! ## Driving an association
//! Call order: one input (a packet, a timeout or a command), then drain `poll_transmit`, then
//! drain `poll_event` (and `poll_message`), then read `poll_timeout`.
//!
//! ```
//! use sansio::{Instant, Path, SansIo, SeededEntropy};
//! use sctp_core::association::{
//!     Association, ChannelConfig, Config, Event, MessageKind, DtlsRole, SmallAssociation,
//! };
//!
//! let path = Path::udp("10.0.0.1:5000".parse().unwrap(), "10.0.0.2:5000".parse().unwrap());
//! let cfg = |role| Config { role, ..Config::default() };
//! // No allocator: 20 KiB send and receive buffers, 4 channels (boxed here only to keep the
//! // doctest's stack small; a firmware puts them in a static).
//! let mut client: Box<SmallAssociation<_>> =
//!     Box::new(Association::new(cfg(DtlsRole::Client), SeededEntropy::new(1), [0; 20480], [0; 20480]));
//! let mut server: Box<SmallAssociation<_>> =
//!     Box::new(Association::new(cfg(DtlsRole::Server), SeededEntropy::new(2), [0; 20480], [0; 20480]));
//!
//! let now = Instant::ZERO;
//! client.connect(now, path); // the server just listens
//! let mut buf = [0u8; 1500];
//! let mut got = None;
//! for _ in 0..10 {
//!     // Move packets both ways (a real owner sends them through DTLS).
//!     while let Some(t) = client.poll_transmit(now, &mut buf) {
//!         server.handle_datagram(now, path.reversed(), &buf[..t.len]).ok();
//!     }
//!     while let Some(t) = server.poll_transmit(now, &mut buf) {
//!         client.handle_datagram(now, path, &buf[..t.len]).ok();
//!     }
//!     while let Some(ev) = client.poll_event() {
//!         if ev == Event::AssociationUp {
//!             let ch = client.open_channel(now, ChannelConfig { label: "telemetry", ..Default::default() }).unwrap();
//!             client.send(now, ch, MessageKind::String, b"21.5 C").unwrap();
//!         }
//!     }
//!     while let Some(_ev) = server.poll_event() {}
//!     if let Ok(Some(r)) = server.poll_message(&mut buf) {
//!         got = Some((r.kind, buf[..r.len].to_vec()));
//!     }
//!     // Then sleep until `poll_timeout()` and call `handle_timeout`.
//! }
//! assert_eq!(got, Some((MessageKind::String, b"21.5 C".to_vec())));
//! ```
//!
//! ## Pieces
//! | module | what |
//! |---|---|
//! | [`wire`] | common header and CRC32c, every chunk, parameters and error causes (view + repr) |
//! | [`association`] | the machine: handshake, data, congestion control, PR-SCTP, stream reset, channels |
//! | [`dcep`] | DATA_CHANNEL_OPEN / ACK |
//!
//! ## Standards checklist
//! - [x] RFC 9260: four-way handshake with an HMAC-SHA-256 state cookie (no state before a
//!   valid COOKIE-ECHO), INIT collision and peer restart (§5.2, actions A–D), DATA/SACK with
//!   gap blocks and duplicate TSNs, delayed SACK, RTO (§6.3), slow start, congestion
//!   avoidance, fast retransmit and recovery (§7.2), zero-window probing, heartbeats, graceful
//!   shutdown, ABORT, ERROR, out-of-the-blue handling (§8.4), verification-tag rules (§8.5),
//!   unknown chunk and parameter upper bits (§3.2), reneging to make room (§6.2)
//! - [x] RFC 3758 PR-SCTP: FORWARD-TSN, max-retransmissions and lifetime policies
//! - [x] RFC 6525 stream reset: outgoing requests, incoming requests answered by our own
//!   outgoing reset, responses, "in progress" deferral; SSN/TSN reset and add-streams are
//!   answered "denied"
//! - [x] RFC 8260 I-DATA and I-FORWARD-TSN when both sides offer them: fragments of
//!   different messages are received interleaved, and sending takes turns between streams
//! - [x] RFC 9653 zero checksum over DTLS, one-way as the RFC says
//! - [x] RFC 8831 / 8832: DCEP, reliability types, priority (carried, not scheduled),
//!   label and protocol, PPIDs with the empty forms, even/odd stream ids by DTLS role,
//!   negotiated channels, closing by stream reset
//! - [ ] multi-homing / ASCONF (RFC 5061), AUTH (RFC 4895), ECN, PMTU discovery (the owner
//!   fixes the MTU), weighted stream schedulers (RFC 8260 §3), RACK-style loss detection
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod association;
pub mod dcep;
#[doc(hidden)]
pub mod fuzzing;
pub mod wire;
