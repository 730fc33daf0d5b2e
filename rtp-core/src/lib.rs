//! # rtp-core
//!
//! WIP
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod jitter;
pub mod ntp;
pub mod packetize;
pub mod seq;
pub mod stats;
pub mod wire;
