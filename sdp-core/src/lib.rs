//! # sdp-core
//!
//! The Session Description Protocol as WebRTC uses it, for a browser-facing server and for
//! a camera on a Cortex-M: a zero-copy parser and a writer (RFC 8866) with typed JSEP
//! attributes, and offer/answer negotiation (RFC 3264, JSEP RFC 8829, BUNDLE RFC 9143)
//! that ends in one [`Negotiated`](negotiate::Negotiated) value. `#![no_std]`, no
//! allocator, no `unsafe`; memory is fixed by const generics.
//!
//! ## Why this shape
//! SDP is text that arrives once per session, so the parser borrows: every string in a
//! [`SessionDescription`] is a `&str` into the caller's text, and the model holds typed
//! values (payload types, ports, directions, fingerprints, candidates) in fixed-capacity
//! vectors. Nothing is interpreted twice: parsing validates every typed line, and the
//! accessors cannot fail. Lines this crate does not interpret are kept as written and come
//! back unchanged; a Chromium offer is written back byte for byte.
//!
//! ## Answering a browser
//! ```
//! use sdp_core::fmtp::H264Params;
//! use sdp_core::negotiate::{create_answer, negotiate, Capabilities, CodecCap, DataCaps,
//!     LocalSession, MediaCaps, Negotiated, SdpRole};
//! use sdp_core::{Direction, Fingerprint, SessionDescription};
//!
//! # let offer_text = include_str!("../tests/fixtures/chromium_av_offer.sdp");
//! // What we can do: H.264 constrained baseline 3.1 with RTX, data channels, no audio.
//! let video = [CodecCap::h264(102, H264Params::constrained_baseline(31), Some(103))];
//! let caps = Capabilities {
//!     audio: None,
//!     video: Some(MediaCaps { codecs: &video, extensions: &[], direction: Direction::SendOnly, track: None }),
//!     data: Some(DataCaps::default()),
//! };
//! let fingerprint = Fingerprint { hash: "sha-256", value: "AB:CD:EF" }; // of our DTLS certificate
//! let local = LocalSession::new(42, "Fx9q", "aB3dE5fG7hJ9kL1mN3pQ5r", fingerprint);
//!
//! let offer: SessionDescription = SessionDescription::parse(offer_text)?;
//! let answer: SessionDescription = create_answer(&offer, &local, &caps)?;
//! let mut out = [0u8; 4096];
//! let len = answer.emit(&mut out)?; // send out[..len] back over your signaling channel
//!
//! let n: Negotiated = negotiate(&offer, &answer, SdpRole::Answerer)?;
//! let video = n.media_by_mid("1").unwrap();
//! assert_eq!(video.direction, Direction::SendOnly);
//! let h264 = video.send_codec().unwrap();
//! assert_eq!((h264.name, h264.pt, h264.rtx_pt), ("H264", 109, Some(114))); // Chromium's numbers
//! assert!(n.media_by_mid("0").unwrap().rejected); // audio: port 0, out of BUNDLE
//! # assert!(len > 0);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Pieces
//! | item | what |
//! |---|---|
//! | [`SessionDescription`] | the model: `o=`, `s=`, `t=`, `c=`, `b=`, `a=group`, media sections, one pool of typed [`SdpAttribute`]s; `parse`, `parse_bytes`, `parse_into`, `emit`, `Display` |
//! | [`Media`] | one section with its attributes: mid, direction, ICE, fingerprint, setup, [`codecs`](Media::codecs), extmaps, SSRCs, rids, candidates, SCTP |
//! | [`CandidateLine`] | the RFC 8839 candidate grammar, zero-copy |
//! | [`fmtp`] | format parameters: H.264 profile-level-id (RFC 6184), RTX, Opus, VP9/AV1 profiles |
//! | [`negotiate`] | [`create_offer`](negotiate::create_offer), [`create_answer`](negotiate::create_answer), [`negotiate`](negotiate::negotiate) → [`Negotiated`](negotiate::Negotiated) |
//! | [`fuzzing`] | the bodies of the fuzz targets, also run by the tests |
//!
//! ## Errors
//! [`ParseError`] names the line (1-based) and a [`ParseErrorKind`]; capacity overflows
//! are [`ParseErrorKind::TooMany`] with the [`Limit`]. Writing fails only with
//! [`EmitError::BufferTooSmall`], leaving the buffer untouched.
//! [`NegotiationError`](negotiate::NegotiationError) sorts offers we cannot answer and
//! answers that do not fit their offer.
//!
//! ## Standards checklist
//! See the crate README for the full list with what is and is not done.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod attribute;
mod candidate;
mod codec;
mod error;
pub mod fmtp;
pub mod fuzzing;
mod model;
pub mod negotiate;
mod parse;
mod text;
mod types;
mod write;

pub use attribute::{Extmap, RidDirection, Rtpmap, SdpAttribute, MAX_GROUP_SSRCS};
pub use candidate::{CandidateLine, CandidateType};
pub use codec::{static_payload, Codec, CodecTable};
pub use error::{AttributeKind, BuildError, EmitError, Limit, ParseError, ParseErrorKind};
pub use fmtp::FmtpParams;
pub use model::{
    Formats, Group, Media, MediaDescription, SessionDescription, Timing, DEFAULT_ATTRIBUTES,
    DEFAULT_FORMATS, DEFAULT_MEDIA, MAX_BANDWIDTHS, MAX_GROUPS, MAX_MISC_LINES,
};
pub use types::{
    BandwidthLine, Connection, Direction, DtlsRole, Fingerprint, Line, MediaKind, Origin,
    RtcpFbSet, Setup,
};
