//! # stun-proto
//!
//! STUN (RFC 8489, RFC 5389, RFC 5780) as a `#![no_std]`, allocation-free, sans-IO crate: the
//! same code answers binding requests on a cloud server and discovers a public address on a
//! Cortex-M sensor node.
//!
//! * [`wire`] — a zero-copy [`Message`](wire::Message) view validated once, an attribute
//!   iterator yielding raw TLVs with lazy typed decoding, and a
//!   [`MessageBuilder`](wire::MessageBuilder) writing into the caller's buffer and filling
//!   MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT in place.
//! * [`auth`] — short-term and long-term keys with cached HMAC state, constant-time
//!   verification, USERHASH.
//!
//! Parsing, verifying and building never allocate and never panic on any input.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod auth;
pub mod client;
#[doc(hidden)]
pub mod fuzzing;
pub mod server;
pub mod wire;
