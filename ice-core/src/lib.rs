//! # ice-core
//!
//! ICE (RFC 8445) as a `#![no_std]`, allocation-free, sans-IO agent: it finds the shortest
//! working route between two peers behind NATs — the same LAN first, then the address a STUN
//! server saw, and only then a TURN relay — and keeps checking that the route still works.
//!
//! The agent owns no socket and reads no clock: the application reports the local addresses
//! it has bound ([`IceAgent::add_host`]), carries candidates and credentials over any
//! signaling channel in their standard text form ([`Candidate`]'s `Display`,
//! [`parse_candidate`]), feeds every datagram it receives ([`sansio::SansIo::handle_datagram`]) and sends
//! what [`sansio::SansIo::poll_transmit`] hands out, from the socket whose address is
//! `transmit.path.local`.
//!
//! ## Driving it
//!
//! The agent implements [`sansio::SansIo`], the workspace's one contract: one
//! `handle_datagram`/`handle_timeout` call or a command, then drain `poll_transmit`, then
//! drain `poll_event`, then sleep until `poll_timeout`. Application data that arrives on a
//! valid pair comes back from `handle_datagram` as `Ok(Some(payload))` ([`IceAgent::receive`]
//! also tells the pair's path, which for data relayed to a relayed candidate is not the
//! socket's); data goes out with [`sansio::Carrier::send`]. Two agents wired back to back in
//! memory:
//!
//! ```
//! use ice_core::{IceAgent, IceConfig, IceEvent, IceRole};
//! use sansio::{Instant, Path, SansIo, SeededEntropy};
//!
//! // Real code passes a cryptographically secure entropy source.
//! let mut a: IceAgent<SeededEntropy> = IceAgent::new(IceConfig::default(), IceRole::Controlling, SeededEntropy::new(1));
//! let mut b: IceAgent<SeededEntropy> = IceAgent::new(IceConfig::default(), IceRole::Controlled, SeededEntropy::new(2));
//! let mut now = Instant::ZERO;
//! a.add_host(now, "10.0.0.1:5000".parse().unwrap(), 65535).unwrap();
//! b.add_host(now, "10.0.0.2:6000".parse().unwrap(), 65535).unwrap();
//! // Signaling: credentials and candidates, as text.
//! a.set_remote_credentials(now, b.local_credentials().clone(), false);
//! b.set_remote_credentials(now, a.local_credentials().clone(), false);
//! let line_a = a.local_candidates()[0].to_string();
//! let line_b = b.local_candidates()[0].to_string();
//! a.add_remote_candidate_line(now, &line_b).unwrap();
//! b.add_remote_candidate_line(now, &line_a).unwrap();
//!
//! let mut out = [0u8; 1500];
//! let mut selected = (false, false);
//! while !(selected.0 && selected.1) {
//!     // The "network": deliver each datagram to the other agent, arriving on the path seen
//!     // from its end.
//!     while let Some(t) = a.poll_transmit(now, &mut out) {
//!         let _ = b.handle_datagram(now, t.path.reversed(), &out[..t.len]);
//!     }
//!     while let Some(t) = b.poll_transmit(now, &mut out) {
//!         let _ = a.handle_datagram(now, t.path.reversed(), &out[..t.len]);
//!     }
//!     while let Some(ev) = a.poll_event() { if let IceEvent::Selected(_) = ev { selected.0 = true } }
//!     while let Some(ev) = b.poll_event() { if let IceEvent::Selected(_) = ev { selected.1 = true } }
//!     now = [a.poll_timeout(), b.poll_timeout()].into_iter().flatten().min().unwrap();
//!     a.handle_timeout(now);
//!     b.handle_timeout(now);
//! }
//! assert_eq!(a.selected_path(), Some(Path::udp("10.0.0.1:5000".parse().unwrap(), "10.0.0.2:6000".parse().unwrap())));
//! // Application data over the selected pair, handed up on the other side.
//! use sansio::Carrier;
//! let t = a.send(now, (), b"23.5 C", &mut out).unwrap();
//! assert_eq!(b.handle_datagram(now, t.path.reversed(), &out[..t.len]), Ok(Some(&b"23.5 C"[..])));
//! ```
//!
//! ## What is done (RFC checklist)
//! * RFC 8445: host, server-reflexive (STUN), relayed (TURN, through `turn-proto`) and
//!   peer-reflexive candidates; priorities and foundations; pairing and pruning; frozen,
//!   waiting, in-progress, succeeded and failed states; Ta pacing; triggered checks; the
//!   symmetric-response rule; role conflicts (487) with the tie-breaker; regular nomination
//!   when controlling, acceptance of aggressive nomination when controlled; ICE-lite, as the
//!   lite side and against a lite peer; ICE restart.
//! * RFC 8838 trickle: candidates at any time, end-of-candidates, checks before gathering ends.
//! * RFC 7675 consent freshness: checks every ~5 s (randomised 0.8–1.2), consent lost after
//!   30 s. Recovery: other pairs are checked again; a controlled agent follows the pair the
//!   controlling peer keeps checking (survives NAT rebinding without a restart).
//! * RFC 8839 `candidate:` lines, parsed and written.
//!
//! Not done: **one component only** (RTP and RTCP multiplexed, as with BUNDLE, which every
//! browser uses); UDP only (no ICE-TCP, RFC 6544); mDNS `.local` candidates must be resolved
//! by the application; no renomination.
//!
//! ## Memory
//! Capacities are const generics: `IceAgent<E, C, P, T, R, S, EV>` holds `C` local and `C`
//! remote candidates, `P` pairs, `T` checks in flight, `R` TURN allocations, (`S` = 1, the
//! default) a STUN client gathering server-reflexive candidates and `EV` events, inline. Without TURN,
//! `IceAgent<_, 4, 8, 4, 0>` is about 12.5 KB on a 64-bit host; one TURN allocation adds
//! about 13 KB; `S = 0` takes 3 KB off (see the `memory` and `no_stun_gathering` tests; on
//! a 32-bit target `IceAgent<_, 4, 8, 4, 0, 0>` is about 9 KB). The agent's STUN clients keep
//! no room for a long-term realm and nonce (stun-proto's `StunClient<_, _, _, 0>`): checks
//! use short-term credentials, STUN servers are asked without any.
//!
//! ## Features
//! `std` (default) and `alloc`. `ipv6` (default; `std` brings it): IPv6 candidates in text,
//! through `core::net`'s parser and RFC 5952 formatter. An IPv4-only device leaves it out
//! (about 3 KB of flash on a Cortex-M4): [`parse_candidate`] then refuses an IPv6 address
//! ([`CandidateParseError::UnsupportedFamily`]) and an IPv6 candidate the agent is given is
//! written in RFC 4291's full form.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(any(feature = "std", test))]
extern crate std;

mod agent;
mod candidate;
mod event;
#[doc(hidden)]
pub mod fuzzing;
mod iptext;
mod pair;
mod sdp;

pub use agent::{
    IceAgent, IceConfig, IceCredentials, IceError, TurnServerConfig, EVENTS, MAX_PWD, MAX_UFRAG,
    TURN_SERVERS,
};
pub use candidate::{foundation, priority, Candidate, CandidateKind, Foundation};
pub use event::{IceEvent, IceRole, IceState, SelectedPair};
pub use pair::{pair_priority, Pair, PairState};
pub use sdp::{parse_candidate, CandidateParseError};
