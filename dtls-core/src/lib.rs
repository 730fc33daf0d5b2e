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
#[cfg(feature = "dimpl")]
pub mod dimpl_adapter;
mod dtls;
mod dtls_impl;
pub mod endpoint;
pub mod event;
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod fuzzing;
pub mod handshake;
pub mod record;
pub mod srtp;
pub mod types;
pub mod wire;

pub use appdata::AppData;
pub use cert::{Certificate, Fingerprint};
pub use config::Config;
#[cfg(feature = "dimpl")]
pub use dimpl_adapter::{DimplDtls, DimplVersion};
pub use dtls::Dtls;
pub use endpoint::{Endpoint, State, Stats};
pub use event::{Connected, Event, Failure};
pub use srtp::SrtpKeys;
pub use types::{CipherSuite, Role, SrtpProfile};
