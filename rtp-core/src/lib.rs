//! # rtp-core
//!
//! WIP
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

#[doc(hidden)]
pub mod fuzzing;
pub mod interval;
pub mod jitter;
pub mod nack;
pub mod ntp;
pub mod packetize;
pub mod rtx;
pub mod seq;
pub mod session;
pub mod stats;
pub mod wire;

pub use sansio::Instant;
