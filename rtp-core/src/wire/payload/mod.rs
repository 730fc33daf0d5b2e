//! Stateless views of the codec headers inside RTP payloads: the VP8 payload descriptor and
//! frame header ([`vp8`]), the H.264 NAL unit header, FU-A and STAP-A ([`h264`]), and the
//! Opus TOC byte ([`opus`]).
//!
//! Same model as the rest of [`wire`](super): a view over the caller's bytes validated once
//! by `new_checked` (after which no accessor panics), and a `Copy` repr that `emit`s the
//! same bytes back. They know nothing about frames or loss; the depacketizers in
//! [`packetize`](crate::packetize) are built on them, and a media server can use them to
//! inspect or rewrite payloads (picture IDs, keyframe detection, resolution, audio frame
//! sizes) without depacketizing.
//!
//! Reserved bits that the RFCs say receivers must ignore are ignored by the views and
//! written as zero by the reprs, so `emit(parse(x)) == x` for every payload whose reserved
//! bits are zero, as senders must write them.

pub mod h264;
pub mod opus;
pub mod vp8;
