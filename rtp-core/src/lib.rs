//! # rtp-core
//!
//! WIP
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod packetize;
pub mod wire;
