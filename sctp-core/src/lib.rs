//! # sctp-core
//!
//! SCTP (RFC 9260) and WebRTC data channels (RFC 8831, 8832) as a sans-IO machine.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod association;
pub mod dcep;
#[doc(hidden)]
pub mod fuzzing;
pub mod wire;
