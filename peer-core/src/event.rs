//! What a peer connection reports, and why things fail.

use core::fmt;
use ice_core::{Candidate, SelectedPair};
pub use sctp_core::association::{ChannelId, MessageKind};

/// The state of the connection, in the spirit of `RTCPeerConnection.connectionState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeerState {
    /// Not negotiated yet, or negotiated and waiting for ICE to start.
    New,
    /// ICE checks or the DTLS handshake are under way.
    Connecting,
    /// DTLS is up over a selected ICE pair: media and data flow.
    Connected,
    /// Consent was lost on the selected pair; ICE looks for another (RFC 7675).
    Disconnected,
    /// Failed for good (see [`Failure`]).
    Failed(Failure),
    /// Closed by us or the peer.
    Closed,
}

/// Why a connection failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Failure {
    /// No ICE candidate pair works.
    Ice,
    /// The DTLS handshake failed (wrong fingerprint, alert, timeout).
    Dtls(dtls_core::Failure),
    /// The SCTP association was lost.
    Sctp(sctp_core::association::LostReason),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Ice => f.write_str("no ICE candidate pair works"),
            Failure::Dtls(d) => write!(f, "DTLS failed: {d:?}"),
            Failure::Sctp(r) => write!(f, "the SCTP association was lost: {r:?}"),
        }
    }
}

/// A media track of the negotiated session: its index in
/// [`PeerConnection::tracks`](crate::PeerConnection::tracks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackId(pub usize);

/// What happened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerEvent {
    /// A local candidate to send to the peer (trickle ICE, RFC 8838); its `Display` is the
    /// `candidate:` line.
    LocalCandidate(Candidate),
    /// Gathering is complete: signal end-of-candidates.
    GatheringComplete,
    /// The connection state changed.
    StateChanged(PeerState),
    /// ICE selected a pair (again, after a restart or recovery).
    SelectedPair(SelectedPair),
    /// The SCTP association is up: data channels can be opened.
    DataChannelsReady,
    /// A data channel is open (ours acknowledged, the peer's announced, or a negotiated one).
    ChannelOpen(ChannelId),
    /// A data channel closed.
    ChannelClosed(ChannelId),
    /// A data-channel message is ready: read it with
    /// [`poll_message`](crate::PeerConnection::poll_message).
    MessageReady(ChannelId),
    /// A channel's buffered amount fell to its low-water mark: send more.
    BufferedAmountLow(ChannelId),
    /// The peer asked for a keyframe on a track we send (PLI or FIR).
    KeyframeRequested(TrackId),
    /// The send-side bandwidth estimate moved by 10 % or more: the rate, in bits per
    /// second, that media may be sent at (give it to the encoder). Needs `alloc` and a peer
    /// that negotiated transport-wide congestion control.
    TargetBitrate(u64),
}

/// Why a command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PeerError {
    /// The description could not be parsed (SDP line number).
    Sdp {
        /// 1-based line of the error, 0 when not tied to a line.
        line: usize,
    },
    /// The description cannot be answered or does not answer our offer.
    Negotiation,
    /// Our description does not fit its buffer or a capacity.
    TooLarge,
    /// Offer/answer out of order (an answer without an offer, two offers).
    WrongState,
    /// The remote fingerprint is missing or not SHA-256.
    Fingerprint,
    /// A candidate line could not be used.
    Candidate,
    /// Not connected yet (no DTLS, no association, no keys).
    NotConnected,
    /// No such track or channel, or it cannot send.
    NoSuchTrack,
    /// The data channel refused the message (closed, too large, buffer full).
    Channel(sctp_core::association::SendError),
    /// The frame could not be packetized for this codec.
    Packetize,
}

impl fmt::Display for PeerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PeerError::Sdp { line } => write!(f, "bad SDP at line {line}"),
            PeerError::Negotiation => f.write_str("offer/answer cannot be negotiated"),
            PeerError::TooLarge => f.write_str("description too large"),
            PeerError::WrongState => f.write_str("offer/answer out of order"),
            PeerError::Fingerprint => f.write_str("missing or unusable DTLS fingerprint"),
            PeerError::Candidate => f.write_str("unusable candidate"),
            PeerError::NotConnected => f.write_str("not connected"),
            PeerError::NoSuchTrack => f.write_str("no such track or channel"),
            PeerError::Channel(e) => write!(f, "data channel refused: {e:?}"),
            PeerError::Packetize => f.write_str("frame cannot be packetized"),
        }
    }
}

impl core::error::Error for PeerError {}

/// What `handle_datagram` hands up: media that arrived (read it with
/// [`rtp_packet`](crate::PeerConnection::rtp_packet)). Data-channel messages are announced by
/// [`PeerEvent::MessageReady`] instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Delivered {
    /// An RTP packet of `track`, decrypted (`len` bytes).
    Rtp {
        /// The track it belongs to.
        track: TrackId,
        /// Its length.
        len: usize,
    },
}
