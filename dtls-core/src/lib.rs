//! dtls-core
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

#[cfg(feature = "std")]
extern crate std;

pub mod appdata;
pub mod cert;
pub mod config;
pub mod crypto;
mod dtls_impl;
pub mod endpoint;
pub mod event;
pub mod handshake;
pub mod record;
pub mod types;
pub mod wire;

pub use appdata::AppData;
pub use cert::{Certificate, Fingerprint};
pub use config::Config;
pub use endpoint::{Endpoint, State, Stats};
pub use event::{Connected, Event, Failure};
pub use types::{CipherSuite, Role, SrtpProfile};
