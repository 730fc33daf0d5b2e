//! # rtp-core
//!
//! RTP and RTCP for a media server and for a camera or sensor on a Cortex-M: zero-copy wire
//! formats, a sans-IO session, a fixed-memory jitter buffer, loss repair and payload formats.
//! `#![no_std]`, no allocator, no `unsafe`; every buffer is the caller's or sized by a const
//! generic.
//!
//! ## Why sans-IO
//! Nothing here opens a socket, reads a clock or draws a random number. Time comes in as
//! [`Instant`] arguments and randomness through [`sansio::Entropy`], so the same code runs
//! under tokio, under smoltcp on a microcontroller, and in a deterministic simulation (the
//! tests run minutes of lossy calls in milliseconds).
//!
//! ## Pieces
//! | module | what |
//! |---|---|
//! | [`wire`] | RTP view + [`RtpHeader`](wire::RtpHeader) writer; RFC 8285 extensions with typed abs-send-time, transport-wide seq, audio level, mid, rid; RTCP compound/reduced-size: SR, RR, SDES, BYE, APP, NACK, PLI, FIR, REMB, TWCC, each with a repr that re-emits a parsed packet byte for byte, and [`Compound::entries`](wire::rtcp::Compound::entries) with offsets; [`payload`](wire::payload) views: VP8 descriptor and frame header, H.264 NAL/FU-A/STAP-A, Opus TOC |
//! | [`session`] | [`RtpSession`](session::RtpSession): receive statistics, SR/RR/SDES at the randomised RFC 3550 interval, RTT, NTP↔RTP mapping, BYE, time-outs, feedback in and out |
//! | [`jitter`] | [`JitterBuffer`](jitter::JitterBuffer): reorder, loss detection, bounded playout delay, complete frames, fixed memory |
//! | [`nack`], [`rtx`], [`keyframe`] | receiver NACK timing with retry limits; sender retransmission buffer with RFC 4588 RTX; rate-limited PLI/FIR |
//! | [`bwe`] | [`BandwidthEstimator`](bwe::BandwidthEstimator): send-side bandwidth estimation (GCC: delay trend and loss) from transport-wide feedback |
//! | [`packetize`] | H.264 (RFC 6184), VP8 (RFC 7741), Opus (RFC 7587), sensor readings |
//! | [`seq`], [`stats`], [`ntp`], [`interval`] | unwrapping, RFC 3550 A.1/A.3/A.8 statistics, NTP time and RTT, A.7 interval |
//!
//! ## Driving a session
//! The call order of every machine in this workspace: one `handle_*` call or command, then
//! drain `poll_transmit`, then drain `poll_event`, then read `poll_timeout`.
//!
//! ```
//! use core::time::Duration;
//! use rtp_core::ntp::NtpTime;
//! use rtp_core::session::{RtpSession, SessionConfig, SessionEvent};
//! use rtp_core::wire::RtpHeader;
//! use sansio::{Instant, Path, SeededEntropy};
//!
//! let path = Path::udp("127.0.0.1:5004".parse().unwrap(), "127.0.0.1:6004".parse().unwrap());
//! let config = SessionConfig {
//!     local_ssrc: 0x1234_5678,
//!     cname: heapless::String::try_from("cam-7").unwrap(),
//!     clock_rate: 90_000,
//!     remote_clock_rate: 90_000,
//!     session_bandwidth: 1_000_000,
//!     min_interval: Duration::from_secs(1),
//!     ntp_at_zero: NtpTime::from_unix_micros(1_700_000_000_000_000), // wall clock, read once
//!     path,
//!     probation: 0,
//!     reduced_size: false,
//! };
//! let mut now = Instant::ZERO;
//! // Tests use a seeded source; production passes the OS or a hardware RNG.
//! let mut session = RtpSession::<_, 4>::new(config, now, SeededEntropy::new(1));
//! let mut packet = [0u8; 1500];
//! let mut rtcp = [0u8; 1500];
//! for frame in 0..100u32 {
//!     // send media: write the packet, tell the session (for sender reports)
//!     let header = RtpHeader { payload_type: 96, sequence_number: frame as u16, timestamp: frame * 3000,
//!                              ssrc: 0x1234_5678, marker: true, ..Default::default() };
//!     let n = header.emit(b"frame", &mut packet).unwrap();
//!     session.on_rtp_sent(now, frame * 3000, n - 12);
//!     // socket.send_to(&packet[..n], path.remote)
//!
//!     // received datagrams go to `session.handle_datagram(now, path, &bytes)`
//!     if session.poll_timeout().is_some_and(|t| t <= now) {
//!         session.handle_timeout(now);
//!     }
//!     while let Some(t) = session.poll_transmit(now, &mut rtcp) {
//!         // socket.send_to(&rtcp[..t.len], t.path.remote)
//!         assert!(t.len >= 8);
//!     }
//!     while let Some(event) = session.poll_event() {
//!         if let SessionEvent::PictureLoss { .. } = event { /* encode a keyframe */ }
//!     }
//!     now += Duration::from_millis(33);
//! }
//! assert!(session.stats().rtcp_sent >= 2);
//! ```
//!
//! ## Standards checklist
//! - [x] RFC 3550: header, CSRC, padding, extension; SR, RR, SDES, BYE, APP; A.1 sequence
//!   validation, A.3 loss, A.7 interval (with the initial halving; no timer reconsideration
//!   for BYE floods), A.8 jitter; source time-out after 5 intervals; NTP/RTP mapping; RTT
//! - [x] RFC 8285 one-byte and two-byte extensions (read, write, typed helpers)
//! - [x] RFC 4585 generic NACK and PLI; RFC 5104 FIR; RFC 5506 reduced-size RTCP (parse; send
//!   feedback alone with `reduced_size`)
//! - [x] draft-alvestrand-rmcat-remb, draft-holmer-rmcat-transport-wide-cc-extensions-01
//!   (feedback parse and write; no bandwidth estimator)
//! - [x] RFC 4588 RTX (session multiplexing)
//! - [x] RFC 6184 H.264 mode 1 (single NAL, STAP-A, FU-A); not STAP-B/MTAP/FU-B (mode 2)
//! - [x] RFC 7741 VP8 (every descriptor field, 7/15-bit PictureID); RFC 6386 §9.1 VP8 frame
//!   header (keyframe, version, show_frame, partition size, dimensions and scaling); RFC 7587
//!   Opus with the RFC 6716 §3.1 TOC (mode, bandwidth, frame size, frame count)
//! - [ ] RFC 3611 XR (kept raw), RFC 5104 TMMBR/TSTR/VBCM, SRTP (RFC 3711), FEC (RFC 5109, 8627),
//!   H.265/VP9/AV1 payloads, a congestion controller
//!
//! ## Memory
//! Nothing grows. On a 64-bit host: `JitterBuffer<SLOTS, MTU>` is `SLOTS × (MTU + 42)`
//! bytes (64 × 1200: 78 KB), `RtxBuffer<SLOTS, MTU>` the same, `NackTracker<N>` `N × 12 +
//! 184`, `RtpSession<E, N>` about 2.3 KB plus 128 bytes per remote source. Big ones belong in
//! a `static` (their `new` is `const`) or a `Box` (in debug builds `Box::new` builds them on
//! the stack first).
//!
//! [`Instant`]: sansio::Instant
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

pub mod bwe;
#[doc(hidden)]
pub mod fuzzing;
pub mod interval;
pub mod jitter;
pub mod keyframe;
pub mod nack;
pub mod ntp;
pub mod packetize;
pub mod rtx;
pub mod seq;
pub mod session;
pub mod stats;
pub mod wire;

pub use sansio::Instant;
