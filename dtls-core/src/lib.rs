//! dtls-core
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

#[cfg(feature = "std")]
extern crate std;

pub mod types;
pub mod wire;

pub use types::{CipherSuite, Role, SrtpProfile};
pub mod cert;
pub mod crypto;
pub mod record;
