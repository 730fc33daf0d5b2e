//! # dtls-core
//!
//! DTLS 1.2 (RFC 6347) for WebRTC, client and server, as a sans-IO machine: `#![no_std]`, no
//! allocator, no `unsafe`. It is what lets a Cortex-M camera or sensor finish the DTLS
//! handshake a browser starts, and export the SRTP keys (RFC 5764) for its media — the one
//! piece of a browser-to-microcontroller WebRTC connection that had no allocation-free
//! implementation.
//!
//! * `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256` on P-256 (what browsers require, RFC 8827) and
//!   `TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256` (feature `chacha20`); extended master
//!   secret required (RFC 7627); `use_srtp` and the RFC 5705 exporter; `renegotiation_info`
//!   empty, renegotiation refused.
//! * Record layer with epochs, 48-bit sequence numbers and a 64-record replay window;
//!   handshake fragmentation and fixed-memory reassembly (a browser's ClientHello with
//!   post-quantum key shares, DTLS 1.3 offered, is reassembled and answered with 1.2); flight
//!   retransmission with a doubling timer; stateless HelloVerifyRequest cookies on the server
//!   (no state and no reply larger than the ClientHello for an unverified client); alerts and
//!   close_notify.
//! * Certificates: a self-signed ECDSA P-256 certificate generated from injected entropy, or
//!   loaded (so a device keeps its fingerprint); the peer's SHA-256 fingerprint checked against
//!   the one from SDP (RFC 8122) — a mismatch fails with [`Failure::FingerprintMismatch`].
//! * Crypto from RustCrypto behind [`crypto::CryptoProvider`], so a board's hardware AES or
//!   P-256 can be plugged in; secrets are zeroized.
//! * The [`Dtls`] trait the peer connection drives, implemented by [`Endpoint`] and (feature
//!   `dimpl`, std only) by the published `dimpl` crate (`DimplDtls`).
//!
//! ## Why sans-IO
//! The endpoint never touches a socket, reads a clock or draws a random number itself: time is
//! an argument, randomness comes from the [`sansio::Entropy`] given at construction, and
//! datagrams are polled out. The same code runs under tokio, on smoltcp on a microcontroller, in
//! the deterministic `netsim` simulator and in a fuzzer.
//!
//! ## Driving it
//! The workspace's call order: one input — `handle_datagram`, `handle_timeout` or a command
//! ([`Endpoint::start`], `send`, [`Endpoint::close`], [`Endpoint::set_remote_fingerprint`]) —
//! then drain `poll_transmit`, then drain `poll_event`, then read `poll_timeout`.
//!
//! ```
//! use dtls_core::cert::{CertParams, Certificate};
//! use dtls_core::crypto::RustCrypto;
//! use dtls_core::{Config, Dtls, Endpoint, Event, DtlsRole};
//! use sansio::{Carrier, Instant, Path, SansIo, SeededEntropy};
//!
//! // Each side has a certificate; its fingerprint travels in SDP (a=fingerprint:sha-256 ...).
//! // Real code passes a hardware or OS random source where this passes SeededEntropy.
//! let params = CertParams::default();
//! let client_cert = Certificate::generate(&RustCrypto, &mut SeededEntropy::new(1), &params)?;
//! let server_cert = Certificate::generate(&RustCrypto, &mut SeededEntropy::new(2), &params)?;
//! let (cfp, sfp) = (client_cert.fingerprint(), server_cert.fingerprint());
//! let mut client = Endpoint::new(DtlsRole::Client, Config::default(), client_cert, SeededEntropy::new(3));
//! let mut server = Endpoint::new(DtlsRole::Server, Config::default(), server_cert, SeededEntropy::new(4));
//! client.set_remote_fingerprint(sfp);
//! server.set_remote_fingerprint(cfp);
//!
//! let path = Path::udp("192.0.2.1:5000".parse()?, "192.0.2.2:5000".parse()?);
//! let now = Instant::ZERO;
//! server.start(now, path.reversed());
//! client.start(now, path);
//! let mut out = [0u8; 1500];
//! while !(client.is_connected() && server.is_connected()) {
//!     while let Some(t) = client.poll_transmit(now, &mut out) {
//!         server.handle_datagram(now, t.path.reversed(), &out[..t.len])?;
//!     }
//!     while let Some(t) = server.poll_transmit(now, &mut out) {
//!         client.handle_datagram(now, t.path.reversed(), &out[..t.len])?;
//!     }
//! }
//! assert!(matches!(client.poll_event(), Some(Event::Connected(_))));
//!
//! // Application data (SCTP, in WebRTC) goes down through `send` and comes up decrypted.
//! let t = client.send(now, (), b"hello", &mut out)?;
//! let got = server.handle_datagram(now, path.reversed(), &out[..t.len])?.unwrap();
//! assert_eq!((got.records, got.bytes), (1, 5));
//! assert_eq!(server.received().first(), b"hello"); // decrypted in the endpoint's buffer
//!
//! // Both ends derive the same SRTP master keys and salts (RFC 5764 §4.2).
//! let (ck, sk) = (client.srtp_keys().unwrap(), server.srtp_keys().unwrap());
//! assert_eq!(ck.local(), sk.remote());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Memory
//! An [`Endpoint`] is 9 824 bytes on `thumbv7em-none-eabihf` (10 560 on x86-64), client or
//! server, 2 KiB less with `MEM` = 2048 (a device that is always the client:
//! [`Endpoint::with_crypto_sized`]): the handshake's reassembly arena (`MEM`, 4 KiB by
//! default) and flight buffer (1.5 KiB) share memory
//! with the 2 KiB receive buffer of the connected phase. See the crate README for flash, stack
//! and Cortex-M4 timing.
//!
//! ## RFC checklist
//! Done: RFC 6347 (record layer, replay window, fragmentation, retransmission, HelloVerifyRequest,
//! alerts); RFC 5246 handshake with client certificates; RFC 8422 (P-256, uncompressed points);
//! RFC 5289 and RFC 7905 suites; RFC 7627; RFC 5746 (empty `renegotiation_info`, renegotiation
//! refused); RFC 5764 `use_srtp` (profiles 0x0001, 0x0002, 0x0007, 0x0008, empty MKI) and
//! RFC 5705 exporter; RFC 8122 SHA-256 fingerprints.
//! Not done: DTLS 1.3 (use `DimplDtls` where it is needed), session resumption and tickets,
//! Connection ID (RFC 9146), RSA, P-384, X25519, AES-256-GCM suites, fingerprints other than
//! SHA-256, certificate chains and dates (WebRTC authenticates by fingerprint).
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

pub use appdata::{AppData, Received, RX_LEN};
pub use cert::{Certificate, Fingerprint};
pub use config::Config;
#[cfg(feature = "dimpl")]
pub use dimpl_adapter::{DimplDtls, DimplVersion};
pub use dtls::Dtls;
pub use endpoint::{Endpoint, State, Stats, MEMORY};
pub use event::{Connected, Event, Failure};
pub use srtp::SrtpKeys;
pub use types::{CipherSuite, DtlsRole, SrtpProfile};
pub use wire::AlertDescription;
