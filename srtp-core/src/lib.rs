//! # srtp-core
//!
//! SRTP and SRTCP (RFC 3711) with the profiles WebRTC negotiates — AES-CM with HMAC-SHA1
//! (80- and 32-bit tags) and AES-GCM (RFC 7714, 128 and 256) — for a media server and for a
//! camera on a Cortex-M. `#![no_std]`, no allocator, no `unsafe`; packets are protected and
//! unprotected in the caller's buffer, per-SSRC state lives in fixed tables sized by const
//! generics, and the cipher state (expanded AES keys, keyed HMAC) is computed once per key.
//!
//! ## Why sans-IO
//! SRTP is a pure transform: bytes in, bytes out, plus per-stream counters. Nothing here
//! reads a clock, opens a socket or draws randomness, so the same code runs under tokio, on
//! smoltcp, in a fuzzer and in a deterministic simulation.
//!
//! ## Use
//! Keys come from the DTLS exporter (`EXTRACTOR-dtls_srtp`, RFC 5764 §4.2) or are given
//! directly. A [`SrtpSession`] holds our outbound context and the peer's inbound one.
//!
//! ```
//! use srtp_core::{Config, Profile, DtlsRole, SrtpSession};
//!
//! // 60 bytes exported by DTLS: client key | server key | client salt | server salt.
//! let material: [u8; 60] = core::array::from_fn(|i| i as u8);
//! let profile = Profile::Aes128CmHmacSha1_80;
//! // Up to 4 SSRCs per direction, the default 128-packet replay window.
//! let mut client = SrtpSession::<4>::from_keying_material(profile, &material, DtlsRole::Client, Config::default())?;
//! let mut server = SrtpSession::<4>::from_keying_material(profile, &material, DtlsRole::Server, Config::default())?;
//!
//! // An RTP packet (12-byte header, payload) with room for the 10-byte tag after it.
//! let mut buf = [0u8; 1500];
//! let rtp = [0x80, 96, 0x12, 0x34, 0, 0, 0x10, 0, 0xCA, 0xFE, 0xBA, 0xBE, b'h', b'i'];
//! buf[..rtp.len()].copy_from_slice(&rtp);
//! let n = client.protect_rtp(&mut buf, rtp.len())?;       // send buf[..n]
//! assert_eq!(n, rtp.len() + profile.rtp_tag_len());
//!
//! let m = server.unprotect_rtp(&mut buf[..n])?;           // the received datagram
//! assert_eq!(&buf[..m], &rtp);
//! // A replayed copy is refused, and changes nothing.
//! # let mut again = [0u8; 1500];
//! # again[..rtp.len()].copy_from_slice(&rtp);
//! # let mut client2 = SrtpSession::<4>::from_keying_material(profile, &material, DtlsRole::Client, Config::default())?;
//! # let n2 = client2.protect_rtp(&mut again, rtp.len())?;
//! assert!(matches!(server.unprotect_rtp(&mut again[..n2]), Err(srtp_core::Error::Replayed { .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! On a shared socket, `sansio::classify` tells SRTP from SRTCP (RFC 5761 §4, RFC 7983)
//! before calling `unprotect_rtp` or `unprotect_rtcp`.
//!
//! ## Memory
//! `SrtpContext<N, W>` holds everything inline: on `thumbv7em-none-eabihf`, 768 bytes for one
//! SSRC, 992 for four, about 72 more per SSRC (see the README for the table).
//!
//! ## Standards checklist
//! - [x] RFC 3711 SRTP and SRTCP: AES-128 counter mode, HMAC-SHA1 80/32-bit tags, the
//!   KDF with key derivation rate 0, ROC estimation and roll-over (§3.3.1, Appendix A),
//!   replay window (§3.3.2, size configurable up to `64 × W`), SRTCP index and E flag
//!   (sending E = 0 optional, receiving both), packet-index exhaustion refused (§9.2)
//! - [x] RFC 7714 AEAD_AES_128_GCM and AEAD_AES_256_GCM for SRTP and SRTCP (E = 1 and
//!   E = 0), 12-byte salts with erratum 4938 in the KDF
//! - [x] RFC 5764 §4.2 keying material layout and roles; profile identifiers 0x0001,
//!   0x0002, 0x0007, 0x0008
//! - [ ] MKI (RFC 3711 §3.1, unused by DTLS-SRTP); key derivation rate ≠ 0; the NULL
//!   cipher/auth profiles; AES-256-CM (RFC 6188); RFC 6904 header-extension encryption;
//!   RFC 9335 cryptex; double encryption (RFC 8723)
//!
//! ## Errors
//! [`Error`] says why a packet was refused: replayed, too old, authentication failed,
//! truncated, bad version, unknown SSRC, table full, buffer too small, key exhausted. A
//! refused packet changes neither the buffer nor the replay window nor the ROC.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

mod cipher;
mod context;
mod error;
#[doc(hidden)]
pub mod fuzzing;
mod header;
pub mod kdf;
mod keys;
mod profile;
mod replay;
mod session;
mod table;

pub use cipher::aes_cm_apply_keystream;
pub use context::{Config, SrtpContext, StreamStart};
pub use error::{Error, KeyError};
pub use keys::{DtlsRole, DtlsSrtpKeys, MasterKey, SessionKeys};
pub use profile::Profile;
pub use session::SrtpSession;

// Memory bounds, checked at compile time (the figures are in the README): one direction
// for 4 SSRCs with the default 128-packet windows.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(core::mem::size_of::<SrtpContext<4>>() <= 1024);
#[cfg(target_pointer_width = "64")]
const _: () = assert!(core::mem::size_of::<SrtpContext<4>>() <= 1280);
