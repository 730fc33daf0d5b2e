//! The sans-IO contract shared by every protocol machine of this workspace.
//!
//! A protocol machine (a STUN transaction table, a TURN allocation, an ICE agent, an SCTP
//! association, an RTP session) never touches a socket, a clock or a random number generator.
//! Time arrives as an [`Instant`] argument, randomness through an [`Entropy`] source given at
//! construction, and everything the machine wants done is *polled out* of it:
//!
//! ```text
//! loop {
//!     // 1. one input: a datagram, a timeout or a command
//!     machine.handle_datagram(now, path, &bytes)?;      // or handle_timeout(now), or a verb
//!     // 2. drain the datagrams it wants sent
//!     while let Some(t) = machine.poll_transmit(now, &mut buf) { socket.send_to(&buf[..t.len], t.path.remote) }
//!     // 3. drain its events
//!     while let Some(ev) = machine.poll_event() { /* react */ }
//!     // 4. sleep until the next deadline or the next datagram
//!     let deadline = machine.poll_timeout();
//! }
//! ```
//!
//! Skipping a drain may delay output but never corrupts state. This crate holds the common
//! vocabulary: [`Instant`], [`Path`], [`Transmit`], the [`SansIo`] trait, the [`Entropy`]
//! trait with a deterministic [`SeededEntropy`] for tests, and [`classify`], the RFC 7983 /
//! RFC 9443 first-byte demultiplexer that lets STUN, TURN ChannelData, DTLS, RTP and RTCP share
//! one socket.
//!
//! `#![no_std]`, no allocator, no dependencies.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

mod demux;
mod entropy;
mod machine;
mod time;
mod transmit;

pub use demux::{classify, PacketKind};
pub use entropy::{Entropy, Forked, SeededEntropy};
pub use machine::{Rejected, SansIo};
pub use time::Instant;
pub use transmit::{Path, Transmit, Transport};
