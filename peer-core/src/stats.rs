//! What the application can read about a connection: the selected pair, the round-trip
//! time, packet and byte counts, what was dropped and why, and per track loss, jitter,
//! frames and feedback.

use core::time::Duration;
use ice_core::SelectedPair;

/// Connection-wide counters and measurements (see
/// [`PeerConnection::stats`](crate::PeerConnection::stats)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerStats {
    /// The pair media and data travel on, with its candidate types (host, srflx, relay).
    pub selected_pair: Option<SelectedPair>,
    /// The latest round-trip time RTCP measured (from a report block about our stream).
    pub rtt: Option<Duration>,
    /// The send-side bandwidth estimate (bit/s): what media may be sent at. `None` without
    /// `alloc` or when the peer did not negotiate transport-wide congestion control.
    pub target_bitrate: Option<u64>,
    /// RTP packets sent (retransmissions included).
    pub rtp_packets_sent: u64,
    /// RTP packets received, authenticated and routed to a track.
    pub rtp_packets_received: u64,
    /// SRTCP packets sent.
    pub rtcp_sent: u64,
    /// SRTCP packets received and authenticated.
    pub rtcp_received: u64,
    /// Authenticated RTP dropped: no track announced or matches its SSRC (nor its mid).
    pub dropped_unknown_ssrc: u64,
    /// Authenticated RTP dropped: its track does not use its payload type.
    pub dropped_unknown_payload_type: u64,
    /// SRTP or SRTCP that failed authentication, was replayed or malformed.
    pub dropped_unauthenticated: u64,
    /// Media that arrived before SRTP keys existed.
    pub dropped_before_keys: u64,
    /// RTP packets dropped undecrypted: built without the `rtp-receive` feature.
    pub dropped_not_receiving: u64,
    /// Retransmission requests (NACKed sequence numbers) not answered: the packet was no
    /// longer stored, resent too recently, or the queue was full.
    pub retransmits_refused: u64,
}

/// Counters and measurements of one track (see
/// [`PeerConnection::track_stats`](crate::PeerConnection::track_stats)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrackStats {
    /// Frames handed to [`send_frame`](crate::PeerConnection::send_frame).
    pub frames_sent: u64,
    /// RTP packets sent (retransmissions included).
    pub packets_sent: u64,
    /// Payload bytes sent.
    pub bytes_sent: u64,
    /// RTP packets received on this track.
    pub packets_received: u64,
    /// Payload bytes received.
    pub bytes_received: u64,
    /// Packets the peer's stream lost (RFC 3550 A.3, cumulative; may be negative after
    /// duplicates).
    pub packets_lost: i32,
    /// Interarrival jitter of the peer's stream, in RTP timestamp units (RFC 3550 A.8).
    pub jitter: u32,
    /// Keyframes the peer started (counted once per RTP timestamp).
    pub keyframes_received: u64,
    /// The peer's SSRC on this track, announced or learned from its first packet.
    pub remote_ssrc: Option<u32>,
    /// Sequence numbers we NACKed.
    pub nacks_sent: u64,
    /// Sequence numbers the peer NACKed.
    pub nacks_received: u64,
    /// Packets resent after a NACK.
    pub retransmitted: u64,
    /// Of those, resent on our RTX stream (RFC 4588) rather than repeated on the media
    /// stream.
    pub rtx_sent: u64,
    /// Keyframe requests (PLI) we sent.
    pub plis_sent: u64,
    /// Keyframe requests (PLI or FIR) the peer sent.
    pub keyframe_requests_received: u64,
    /// Sender and receiver reports we sent.
    pub reports_sent: u64,
}
