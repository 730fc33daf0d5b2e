//! # sansio — the one contract of this workspace
//!
//! Every protocol machine here — STUN client and server, TURN client and server, ICE agent,
//! RTP session, SCTP association, DTLS endpoint, the whole peer connection — is driven the
//! same way, through the [`SansIo`] trait. Read this page and you can drive any of them.
//!
//! ## Why sans-IO
//! A machine never touches a socket, reads a clock or draws a random number. Time arrives as
//! an [`Instant`] argument, randomness through an [`Entropy`] source given at construction,
//! and everything the machine wants done is *polled out* of it. So the same code runs under
//! tokio on a server, under smoltcp on a microcontroller, in a deterministic network
//! simulator (minutes of lossy traffic in milliseconds) and inside a fuzzer.
//!
//! ## The loop
//! ```text
//! loop {
//!     // 1. one input: a datagram, a timeout, or a command of the concrete type
//!     match machine.handle_datagram(now, path, &bytes) {
//!         Ok(Some(data)) => { /* application data handed up (ICE payload, TURN peer data) */ }
//!         Ok(None) => {}                       // consumed
//!         Err(Rejected::NotForUs) => { /* offer it to the next machine on this socket */ }
//!         Err(_) => {}                         // malformed or unauthenticated: dropped
//!     }
//!     // 2. drain the datagrams it wants sent: out[..t.len] from t.path.local to t.path.remote
//!     // 3. drain its events
//!     sansio::drain(&mut machine, now, &mut out, |t, bytes| send(t.path, bytes), |ev| react(ev));
//!     // 4. sleep until the next datagram or machine.poll_timeout(), then handle_timeout(now)
//! }
//! ```
//! Skipping a drain may delay output but never corrupts state. Early or repeated
//! `handle_timeout` calls do nothing. A machine never blocks and does bounded work per call.
//!
//! * **Commands** are methods of the concrete type (`start_request`, `create_permission`,
//!   `add_remote_candidate`, `open_channel`…); those that start timers take `now`. Outcomes
//!   (a response, a timeout, a 401) come back as events, not as `Err` from the command.
//! * **Data up**: [`SansIo::Data`] is what a datagram carries to the owner, borrowed from the
//!   datagram (never from the machine). Machines that consume everything use [`NoData`].
//! * **Data down**: a machine that carries its owner's datagrams implements [`Carrier`]:
//!   `send(now, to, data, out)` wraps `data` into `out` at once and returns the [`Transmit`].
//! * **Resources** (a relay socket, a TCP connection) are asked for with an event and granted
//!   with a method of the concrete type.
//! * **Events** go through an [`EventQueue`]: one bounded queue, one overflow rule (ordinary
//!   events are dropped and counted when the owner does not drain; events that release or
//!   request a resource are never dropped).
//! * **Timers** live in a [`Timers`] table indexed by an enum; `poll_timeout` is its minimum.
//! * **One socket, many machines**: [`classify`] sorts a datagram by its first byte (RFC 7983
//!   / RFC 9443) — STUN, DTLS, TURN ChannelData, RTP, RTCP — so a composite (the peer
//!   connection) parses it once and routes it; `Rejected::NotForUs` is for the edges.
//!
//! ## A machine and its driver, complete
//! ```
//! use sansio::{drain, EventQueue, Instant, NoData, Path, Rejected, SansIo, Transmit};
//! use core::time::Duration;
//!
//! /// Echoes every datagram back once, one second later.
//! struct Echo { pending: Option<(Path, [u8; 16], usize, Instant)>, events: EventQueue<usize, 4> }
//!
//! impl SansIo for Echo {
//!     type Event = usize;                 // bytes echoed
//!     type Data<'a> = NoData;
//!     fn handle_datagram<'a>(&mut self, now: Instant, path: Path, data: &'a [u8])
//!         -> Result<Option<NoData>, Rejected> {
//!         let mut copy = [0u8; 16];
//!         let n = data.len().min(16);
//!         copy[..n].copy_from_slice(&data[..n]);
//!         self.pending = Some((path.reversed(), copy, n, now + Duration::from_secs(1)));
//!         Ok(None)
//!     }
//!     fn handle_timeout(&mut self, _now: Instant) {}
//!     fn poll_transmit(&mut self, now: Instant, out: &mut [u8]) -> Option<Transmit> {
//!         let (path, bytes, len, at) = self.pending?;
//!         if at > now { return None; }
//!         self.pending = None;
//!         out.get_mut(..len)?.copy_from_slice(&bytes[..len]);
//!         self.events.push(len);
//!         Some(Transmit { path, len })
//!     }
//!     fn poll_event(&mut self) -> Option<usize> { self.events.pop() }
//!     fn poll_timeout(&self) -> Option<Instant> { self.pending.map(|p| p.3) }
//! }
//!
//! let mut m = Echo { pending: None, events: EventQueue::new() };
//! let path = Path::udp("127.0.0.1:1".parse().unwrap(), "127.0.0.1:2".parse().unwrap());
//! let (mut out, mut sent, mut echoed) = ([0u8; 1500], Vec::new(), 0);
//! m.handle_datagram(Instant::ZERO, path, b"ping").unwrap();
//! drain(&mut m, Instant::ZERO, &mut out, |t, b| sent.push((t.path, b.to_vec())), |n| echoed += n);
//! assert!(sent.is_empty());
//! let t = m.poll_timeout().unwrap();            // sleep until then
//! m.handle_timeout(t);
//! drain(&mut m, t, &mut out, |t, b| sent.push((t.path, b.to_vec())), |n| echoed += n);
//! assert_eq!(sent, [(path.reversed(), b"ping".to_vec())]);
//! assert_eq!(echoed, 4);
//! ```
//! ## Replaying a real exchange byte for byte
//! A machine's output depends only on its inputs, their `now` and its entropy. Record those
//! (the workspace's test tool `netsim::replay` does, with the entropy drawn) while it talks to
//! a real peer, and a fresh machine built on a [`ScriptedEntropy`] over the recorded bytes
//! uses the same transaction IDs, ICE credentials and nonce secrets: fed the same datagrams at
//! the same times it must send the same bytes. The TURN client and server and the ICE agent
//! are replayed this way against coturn and aioice captures (`turn-proto/tests/fixtures`).
//!
//! The tokio driver (`adapters::driver`), the smoltcp driver and the `netsim` simulator are
//! this loop around real or simulated sockets.
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
mod queue;
mod role;
mod time;
mod timers;
mod transmit;
mod txqueue;

pub use demux::{classify, PacketKind};
pub use entropy::{Entropy, Forked, ScriptCursor, ScriptedEntropy, SeededEntropy};
pub use machine::{Carrier, NoData, Rejected, SansIo, SendError};
pub use queue::EventQueue;
pub use role::DtlsRole;
pub use time::Instant;
pub use timers::{TimerKey, Timers};
pub use transmit::{Path, Transmit, Transport};
pub use txqueue::TransmitQueue;

/// Step 2 and 3 of the loop: send every datagram `machine` has ready (`send(t, &out[..t.len])`),
/// then hand every event to `on_event`. Returns the number of datagrams sent.
pub fn drain<M: SansIo + ?Sized>(
    machine: &mut M,
    now: Instant,
    out: &mut [u8],
    mut send: impl FnMut(Transmit, &[u8]),
    mut on_event: impl FnMut(M::Event),
) -> usize {
    let mut sent = 0;
    while let Some(t) = machine.poll_transmit(now, out) {
        send(t, out.get(..t.len).unwrap_or(&[]));
        sent += 1;
    }
    while let Some(ev) = machine.poll_event() {
        on_event(ev);
    }
    sent
}
