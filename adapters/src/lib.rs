//! Thin I/O around the sans-IO protocol cores.
//!
//! The cores never touch a socket or a clock; this crate does, and nothing else:
//! * [`Clock`] maps the OS monotonic clock onto [`sansio::Instant`];
//! * [`OsEntropy`] feeds the cores the operating system's CSPRNG;
//! * [`driver`] (feature `tokio`): the one generic driver — any [`sansio::SansIo`] machine
//!   over UDP sockets and framed TCP connections, with timers, commands and resource
//!   requests; every `p2p` subcommand but the TURN server's line-rate data path runs on it;
//! * [`stream`] (feature `tokio`) frames STUN/TURN messages on a TCP byte stream with bounded
//!   buffers and time;
//! * [`mmsg`] batches UDP receives and sends (`recvmmsg`, `sendmmsg`, UDP GSO) for servers;
//! * [`heap`] gives freed memory back to the kernel after a flood of connections closed;
//! * [`ratelog`] rate-limits repeated log lines (with the count of those suppressed), so a
//!   flood of failed logins or refused connections cannot flood the logs;
//! * [`turn`] (feature `tokio`): the TURN server runtime `p2p turn-server` runs, embeddable;
//! * `smoltcp` (feature `smoltcp`): the smoltcp driver for microcontrollers, the no_std
//!   crate `adapters-smoltcp` re-exported (any machine over a smoltcp UDP socket);
//! * [`whep`] (feature `whep`): WHEP over HTTP, one `peer_core` connection per viewer.
//!
//! The `p2p` program (`src/bin/p2p`) is built from these pieces.

// `unsafe` is denied workspace-wide; only `mmsg` (syscall wrappers) and `heap` (one
// `malloc_trim` call) allow it, locally.
#![deny(missing_docs)]

mod clock;
#[cfg(feature = "tokio")]
pub mod driver;
mod entropy;
pub mod heap;
pub mod mmsg;
pub mod ratelog;
#[cfg(feature = "tokio")]
pub mod stream;
#[cfg(feature = "tokio")]
pub mod turn;
#[cfg(feature = "whep")]
pub mod whep;

#[cfg(feature = "smoltcp")]
pub use adapters_smoltcp as smoltcp;

pub use clock::Clock;
pub use entropy::OsEntropy;
