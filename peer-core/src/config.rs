//! What a peer connection can do and how it behaves: codecs, data channels, ICE, sizes.

use core::time::Duration;
use ice_core::IceConfig;
use rtp_core::ntp::NtpTime;
use sdp_core::negotiate::{CodecCap, Extension};
use sdp_core::Direction;

/// The RTP header extensions a peer offers and accepts by default: mid (BUNDLE demux),
/// abs-send-time and transport-wide sequence numbers.
pub const DEFAULT_EXTENSIONS: [Extension<'static>; 3] = [
    Extension {
        id: 1,
        uri: URI_MID,
    },
    Extension {
        id: 2,
        uri: URI_ABS_SEND_TIME,
    },
    Extension {
        id: 3,
        uri: URI_TWCC,
    },
];

/// `urn:ietf:params:rtp-hdrext:sdes:mid` (RFC 9143).
pub const URI_MID: &str = "urn:ietf:params:rtp-hdrext:sdes:mid";
/// abs-send-time (WebRTC).
pub const URI_ABS_SEND_TIME: &str = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time";
/// Transport-wide sequence numbers (draft-holmer-rmcat-transport-wide-cc-extensions).
pub const URI_TWCC: &str =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";

/// One kind of RTP media (audio or video) the peer supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MediaConfig {
    /// Codecs in order of preference (the first both sides support is sent).
    pub codecs: &'static [CodecCap<'static>],
    /// Header extensions offered and accepted.
    pub extensions: &'static [Extension<'static>],
    /// What we want: `SendOnly` for a camera, `RecvOnly` for a viewer, `SendRecv` for a call.
    pub direction: Direction,
}

impl MediaConfig {
    /// Send and receive with `codecs` and the default extensions.
    pub const fn send_recv(codecs: &'static [CodecCap<'static>]) -> Self {
        MediaConfig {
            codecs,
            extensions: &DEFAULT_EXTENSIONS,
            direction: Direction::SendRecv,
        }
    }

    /// The same with another direction.
    pub const fn with_direction(self, direction: Direction) -> Self {
        MediaConfig { direction, ..self }
    }
}

/// Everything a [`PeerConnection`](crate::PeerConnection) is configured with.
#[derive(Clone, Debug)]
pub struct PeerConfig {
    /// ICE: STUN and TURN servers, timers, lite mode.
    pub ice: IceConfig,
    /// Audio, if any.
    pub audio: Option<MediaConfig>,
    /// Video, if any.
    pub video: Option<MediaConfig>,
    /// Data channels.
    pub data_channels: bool,
    /// Largest datagram sent (before any TURN framing): 1200 keeps well under every path
    /// MTU, as browsers do.
    pub mtu: usize,
    /// Our SCTP port (RFC 8841: 5000 by convention).
    pub sctp_port: u16,
    /// The largest data-channel message we accept (`a=max-message-size`); bounded by the SCTP
    /// receive buffer. What we send is bounded by the peer's `a=max-message-size` and by our
    /// SCTP send buffer instead.
    pub max_message_size: usize,
    /// RTCP CNAME of what we send.
    pub cname: &'static str,
    /// Least time between RTCP reports of a track (RFC 3550 says 5 s; WebRTC stacks send
    /// about every second).
    pub rtcp_interval: Duration,
    /// The wall-clock (NTP) time at `Instant::ZERO`, for sender reports: read the clock once
    /// when the connection starts (zero will do when nobody syncs our streams to others').
    pub ntp_at_zero: NtpTime,
    /// Start and bounds of the send-side bandwidth estimate (with `alloc`, when the peer
    /// negotiates transport-wide congestion control).
    pub bandwidth: rtp_core::bwe::BweConfig,
}

impl Default for PeerConfig {
    /// Data channels only, default ICE, 1200-byte datagrams, 16 KiB messages.
    fn default() -> Self {
        PeerConfig {
            ice: IceConfig::default(),
            audio: None,
            video: None,
            data_channels: true,
            mtu: 1200,
            sctp_port: 5000,
            max_message_size: 16 * 1024,
            cname: "peer-core",
            rtcp_interval: Duration::from_secs(1),
            ntp_at_zero: NtpTime(0),
            bandwidth: rtp_core::bwe::BweConfig::default(),
        }
    }
}

/// What a connection keeps of its [`PeerConfig`]: everything but the ICE configuration,
/// which its agent holds (STUN and TURN servers with their credentials: 864 bytes on a
/// Cortex-M, not kept twice).
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) ice_lite: bool,
    pub(crate) audio: Option<MediaConfig>,
    pub(crate) video: Option<MediaConfig>,
    pub(crate) data_channels: bool,
    pub(crate) mtu: usize,
    pub(crate) sctp_port: u16,
    pub(crate) max_message_size: usize,
    pub(crate) cname: &'static str,
    pub(crate) rtcp_interval: Duration,
    pub(crate) ntp_at_zero: NtpTime,
    pub(crate) bandwidth: rtp_core::bwe::BweConfig,
}

impl PeerConfig {
    /// The ICE configuration, for the agent, and the rest, for the connection.
    pub(crate) fn split(self) -> (IceConfig, Settings) {
        let settings = Settings {
            ice_lite: self.ice.lite,
            audio: self.audio,
            video: self.video,
            data_channels: self.data_channels,
            mtu: self.mtu,
            sctp_port: self.sctp_port,
            max_message_size: self.max_message_size,
            cname: self.cname,
            rtcp_interval: self.rtcp_interval,
            ntp_at_zero: self.ntp_at_zero,
            bandwidth: self.bandwidth,
        };
        (self.ice, settings)
    }
}
