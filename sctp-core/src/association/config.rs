//! What the owner configures, and the small public types of the data-channel API.

use core::fmt;
use core::time::Duration;

pub use sansio::DtlsRole;

/// Association settings. [`Config::default`] suits WebRTC over DTLS on the Internet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// DTLS role, for stream-id parity.
    pub role: DtlsRole,
    /// Largest SCTP packet we send (the owner's path MTU minus DTLS/UDP/IP overhead).
    pub mtu: usize,
    /// Our SCTP port (5000 in WebRTC unless SDP says otherwise).
    pub local_port: u16,
    /// The peer's SCTP port.
    pub remote_port: u16,
    /// Largest message accepted from the peer (bounded by the receive buffer too): what a
    /// WebRTC endpoint announces as its SDP `a=max-message-size` (RFC 8841).
    pub max_message_size: usize,
    /// Largest message the peer accepts (its `a=max-message-size`; `usize::MAX` for its
    /// "0: any size"): a longer one is refused to the owner (and so is one longer than the
    /// send buffer).
    pub peer_max_message_size: usize,
    /// Announce RFC 9653 Zero Checksum Acceptable (method: DTLS). Set it only when SCTP runs
    /// over DTLS, which protects the packets.
    pub zero_checksum: bool,
    /// Offer I-DATA (RFC 8260); used when both sides offer it.
    pub interleaving: bool,
    /// RTO.Initial.
    pub rto_initial: Duration,
    /// RTO.Min.
    pub rto_min: Duration,
    /// RTO.Max.
    pub rto_max: Duration,
    /// Association.Max.Retrans: consecutive timeouts before the association is declared lost.
    pub max_retransmissions: u32,
    /// Max.Init.Retransmits.
    pub max_init_retransmissions: u32,
    /// HB.interval on an idle association (zero: no heartbeats).
    pub heartbeat_interval: Duration,
    /// Longest a SACK is delayed (RFC 9260 says at most 500 ms; 200 ms is customary).
    pub delayed_ack: Duration,
    /// Valid.Cookie.Life.
    pub cookie_lifetime: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            role: DtlsRole::Client,
            mtu: 1200,
            local_port: 5000,
            remote_port: 5000,
            max_message_size: 256 * 1024,
            peer_max_message_size: 256 * 1024,
            zero_checksum: false,
            interleaving: true,
            rto_initial: Duration::from_secs(1),
            rto_min: Duration::from_millis(200),
            rto_max: Duration::from_secs(10),
            max_retransmissions: 10,
            max_init_retransmissions: 8,
            heartbeat_interval: Duration::from_secs(30),
            delayed_ack: Duration::from_millis(200),
            cookie_lifetime: Duration::from_secs(60),
        }
    }
}

/// A data channel: its SCTP stream id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelId(pub u16);

impl fmt::Display for ChannelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "channel {}", self.0)
    }
}

/// How hard a channel tries to deliver (RFC 8831 §6.1, RFC 3758).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Reliability {
    /// Retransmit until acknowledged.
    #[default]
    Reliable,
    /// Give a message up after this many retransmissions.
    MaxRetransmits(u32),
    /// Give a message up once it is this many milliseconds old.
    MaxLifetimeMs(u32),
}

/// What [`open_channel`](super::Association::open_channel) creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelConfig<'a> {
    /// Label (at most [`MAX_LABEL`] bytes).
    pub label: &'a str,
    /// Sub-protocol (at most [`MAX_PROTOCOL`] bytes).
    pub protocol: &'a str,
    /// In-order delivery.
    pub ordered: bool,
    /// Retransmission policy.
    pub reliability: Reliability,
    /// Priority (RFC 8832 §5.1; 256 is "normal").
    pub priority: u16,
    /// A pre-agreed stream id: no DCEP handshake, both sides open it themselves.
    pub negotiated_id: Option<u16>,
}

impl Default for ChannelConfig<'_> {
    fn default() -> Self {
        ChannelConfig {
            label: "",
            protocol: "",
            ordered: true,
            reliability: Reliability::Reliable,
            priority: 256,
            negotiated_id: None,
        }
    }
}

/// Longest channel label kept.
pub const MAX_LABEL: usize = 128;
/// Longest sub-protocol kept.
pub const MAX_PROTOCOL: usize = 64;

/// String or binary message (the PPID, RFC 8831 §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageKind {
    /// WebRTC String (PPID 51; 56 when empty).
    String,
    /// WebRTC Binary (PPID 53; 57 when empty).
    Binary,
}

/// Payload protocol identifiers (RFC 8831 §8).
pub mod ppid {
    /// WebRTC DCEP.
    pub const DCEP: u32 = 50;
    /// WebRTC String.
    pub const STRING: u32 = 51;
    /// WebRTC Binary Partial (deprecated).
    pub const BINARY_PARTIAL: u32 = 52;
    /// WebRTC Binary.
    pub const BINARY: u32 = 53;
    /// WebRTC String Partial (deprecated).
    pub const STRING_PARTIAL: u32 = 54;
    /// WebRTC String Empty.
    pub const STRING_EMPTY: u32 = 56;
    /// WebRTC Binary Empty.
    pub const BINARY_EMPTY: u32 = 57;
}

/// A message taken with [`poll_message`](super::Association::poll_message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Received {
    /// The channel it arrived on.
    pub channel: ChannelId,
    /// String or binary.
    pub kind: MessageKind,
    /// Its length (`out[..len]`); 0 for an empty message.
    pub len: usize,
}

/// Why a command was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The association is not established (or is shutting down).
    NotConnected,
    /// No such channel, or it is closing.
    UnknownChannel,
    /// Longer than `max_message_size` or than the send buffer can ever hold.
    TooLarge,
    /// The send buffer is full now: wait for [`Event::BufferedAmountLow`](super::Event).
    BufferFull,
    /// The channel table is full, or the stream id is taken.
    NoChannelSlot,
    /// Label or protocol too long.
    InvalidConfig,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SendError::NotConnected => "association not established",
            SendError::UnknownChannel => "unknown or closing channel",
            SendError::TooLarge => "message too large",
            SendError::BufferFull => "send buffer full",
            SendError::NoChannelSlot => "no channel slot or stream id taken",
            SendError::InvalidConfig => "invalid channel configuration",
        })
    }
}

impl core::error::Error for SendError {}

/// Why [`poll_message`](super::Association::poll_message) kept the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BufferTooSmall {
    /// The message length.
    pub needed: usize,
}

impl fmt::Display for BufferTooSmall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "buffer too small: {} bytes needed", self.needed)
    }
}

impl core::error::Error for BufferTooSmall {}
