//! # peer-core
//!
//! One WebRTC peer connection as a sans-IO machine: ICE (ice-core), DTLS (dtls-core, or
//! any [`dtls_core::Dtls`]), SRTP (srtp-core), SCTP data channels (sctp-core), RTP media
//! (rtp-core) and SDP offer/answer (sdp-core), on one socket. `#![no_std]`: with the small
//! configuration it needs no allocator.
//!
//! ## Why sans-IO
//! The connection never touches a socket or a clock: the owner feeds it datagrams and time
//! and sends what it polls out, so the same code runs in a tokio server
//! (`adapters::driver`), on smoltcp in a microcontroller and in the `netsim` simulator.
//!
//! ## A connection
//! The workspace's call order ([`sansio::SansIo`]): one input, then drain `poll_transmit`,
//! then `poll_event`, then read `poll_timeout`.
//! 1. Bind a UDP socket, report it with [`PeerConnection::add_host`] and
//!    [`hosts_done`](PeerConnection::hosts_done).
//! 2. Signal: [`create_offer`](PeerConnection::create_offer) and
//!    [`accept_answer`](PeerConnection::accept_answer), or
//!    [`accept_offer`](PeerConnection::accept_offer) (WHEP: the viewer offers). Trickle with
//!    [`PeerEvent::LocalCandidate`] and [`add_remote_candidate`](PeerConnection::add_remote_candidate).
//! 3. ICE selects a pair, DTLS runs on it, then SRTP keys and the SCTP association follow:
//!    [`PeerState::Connected`].
//! 4. Data: [`open_channel`](PeerConnection::open_channel), [`send`](PeerConnection::send),
//!    [`PeerEvent::MessageReady`] and [`poll_message`](PeerConnection::poll_message).
//!    Media: [`send_frame`](PeerConnection::send_frame); packets that arrive come back from
//!    `handle_datagram` as [`Delivered::Rtp`], read with
//!    [`rtp_packet`](PeerConnection::rtp_packet), and turn back into frames in a
//!    [`FrameAssembler`] (jitter buffer + depacketizer) the owner keeps per track.
//! 5. RTCP rides the same pipeline ([`rtcp`]): sender and receiver reports at the RFC 3550
//!    interval, NACKs of lost video packets (and resends of ours, with `alloc`: on our RTX
//!    stream when RTX is negotiated), transport-wide congestion control (with `alloc`: the
//!    peer's feedback drives a GCC estimate, [`PeerEvent::TargetBitrate`], and we send
//!    feedback on what we receive),
//!    [`request_keyframe`](PeerConnection::request_keyframe) as a PLI, the peer's PLI/FIR as
//!    [`PeerEvent::KeyframeRequested`]. [`stats`](PeerConnection::stats) and
//!    [`track_stats`](PeerConnection::track_stats) tell the selected pair and its candidate
//!    types, RTT, packets, loss, jitter, keyframes and what was dropped (unknown SSRC or
//!    payload type, failed authentication).
//!
//! ## Features
//! `std` (default) and `alloc`: see above. `rtp-receive` (default): receiving RTP media —
//! routing, RTX unwrapping, receive statistics, NACK and keyframe tracking. A device that
//! only sends media builds without it (about 11 KB less code on a Cortex-M4): received RTP
//! is dropped undecrypted and counted ([`PeerStats::dropped_not_receiving`]); negotiate its
//! tracks send-only. RTCP is always handled. `dtls-server` (default): dtls-core's server
//! role; without it a negotiation that would make this side the DTLS server is refused.
//! `ipv6` (default; `std` brings it): IPv6 candidates in text (ice-core's `ipv6`); an
//! IPv4-only device leaves it out (about 3 KB), and an offer's IPv6 candidates are skipped.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs, missing_debug_implementations)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod config;
mod congestion;
pub mod data;
mod event;
#[cfg(feature = "std")]
#[doc(hidden)]
pub mod fuzzing;
mod io;
pub mod media;
mod peer;
pub mod receive;
pub mod rtcp;
pub mod session;
pub mod signaling;
pub mod stats;

pub use config::{MediaConfig, PeerConfig};
pub use congestion::{BWE_HISTORY, FEEDBACK_WINDOW};
pub use event::{
    ChannelId, Delivered, Failure, MessageKind, PeerError, PeerEvent, PeerState, TrackId,
};
pub use media::FrameSender;
pub use peer::{
    Ice, PeerConnection, DATAGRAM, EVENT_CAPACITY, ICE_EVENTS, MAX_LOCAL_SDP, RESEND_QUEUE,
    SRTP_STREAMS,
};
pub use receive::{AssembledFrame, FrameAssembler};
pub use stats::{PeerStats, TrackStats};
