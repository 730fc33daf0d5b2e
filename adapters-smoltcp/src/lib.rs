//! # adapters-smoltcp — the sans-IO machines over smoltcp, with no allocator
//!
//! Every machine of this workspace (STUN, TURN, ICE, the whole `peer_core` connection) is a
//! [`sansio::SansIo`]: it is fed datagrams and time and polled for what to send. This crate
//! runs that loop over [smoltcp](https://docs.rs/smoltcp), the TCP/IP stack of embedded Rust:
//! * [`UdpDriver`] moves datagrams between one smoltcp UDP socket and one machine, fires its
//!   timers, hands its events and data up, and tells when it next needs to run; it takes
//!   the machine's output only while the socket has room for it, so a burst waits in the
//!   machine instead of being dropped, and it records the most each socket buffer held
//!   (`DriverStats::rx_peak`, `tx_peak`) so a device's buffers can be sized from a run;
//! * [`to_smoltcp`] / [`from_smoltcp`] convert between the two clocks (both count
//!   microseconds since an arbitrary start);
//! * [`deadline`] merges the machine's `poll_timeout` with the interface's own
//!   (`Interface::poll_delay`), which is how long a device may sleep or wait for an interrupt;
//! * [`memory`]: an in-memory Ethernet [`smoltcp::phy::Device`] pair (fixed frame queues) so
//!   two interfaces can talk in a host test or a simulator, no root, no TAP;
//! * [`lan9118`] (feature `lan9118`): a polled driver for the SMSC LAN9118/LAN9220 Ethernet
//!   controller of ARM's MPS2 boards (QEMU `mps2-an386`), as a smoltcp `Device` that holds
//!   no frame buffers (a frame passes through a token's stack);
//! * [`http_head`]: the TCP helper for a device's small HTTP endpoint — a streaming reader of
//!   request heads that keeps the method, the path and `Content-Length` and buffers nothing,
//!   so a connection reads its head where the TCP socket holds it.
//!
//! Feature `ipv6` (on by default) builds smoltcp with IPv6; an IPv4-only device leaves it
//! out (about 23 KB of flash on the sensor node), and a datagram a machine addresses to an
//! IPv6 peer is then dropped and counted (`DriverStats::send_dropped`). Feature `medium-ip`
//! (on by default) lets smoltcp run interfaces without Ethernet framing; an Ethernet-only
//! device leaves it out (0.7 KB).
//!
//! ## The loop on a device
//! ```text
//! loop {
//!     let now = clock();                                   // smoltcp::time::Instant
//!     iface.poll(now, &mut nic, &mut sockets);             // frames <-> sockets
//!     let next = driver.poll(now, &mut sockets, &mut machine, &mut scratch,
//!                            |data| use_it(data), |event| react(event));
//!     let sleep = deadline(now, iface.poll_delay(now, &sockets), next);
//!     wait_for_interrupt_or(sleep);
//! }
//! ```
//! `#![no_std]`, no `alloc`: buffers are the caller's (statics on a microcontroller).
//!
//! Why a crate of its own rather than a feature of `adapters`: `adapters` is the host side
//! (tokio, libc, socket2, getrandom, tracing are unconditional dependencies there), and a
//! firmware must not even resolve them; `adapters` re-exports this crate behind its
//! `smoltcp` feature for host users.
#![no_std]
// `unsafe` is denied; only `lan9118::Mmio` (volatile register access) allows it, locally.
#![deny(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

pub mod http_head;
#[cfg(feature = "lan9118")]
pub mod lan9118;
pub mod memory;
mod time;
mod udp;

pub use smoltcp;
pub use time::{deadline, from_smoltcp, to_smoltcp};
pub use udp::{DriverStats, UdpDriver};
