//! Thin I/O around the sans-IO protocol cores.
//!
//! The cores never touch a socket or a clock; this crate does, and nothing else:
//! * [`Clock`] maps the OS monotonic clock onto [`sansio::Instant`];
//! * [`OsEntropy`] feeds the cores the operating system's CSPRNG;
//! * [`udp`] (feature `tokio`) drives any [`sansio::SansIo`] machine over a tokio UDP socket;
//! * [`stream`] (feature `tokio`) frames STUN messages on a TCP byte stream;
//! * [`mmsg`] batches UDP receives and sends (`recvmmsg`, `sendmmsg`, UDP GSO) for servers.
//!
//! The `p2p` program (`src/bin/p2p`) is built from these pieces.

// `unsafe` is denied workspace-wide; only `mmsg` (syscall wrappers) allows it, locally.
#![deny(missing_docs)]

mod clock;
mod entropy;
pub mod mmsg;
#[cfg(feature = "tokio")]
pub mod stream;
#[cfg(feature = "tokio")]
pub mod udp;

pub use clock::Clock;
pub use entropy::OsEntropy;
