//! # turn-proto
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod client;
#[doc(hidden)]
pub mod fuzzing;
pub mod server;
pub mod wire;
