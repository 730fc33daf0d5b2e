//! What the peer keeps of a negotiation: sdp-core's [`Negotiated`] borrows the SDP text, so
//! the values the connection runs on are copied into fixed-size owned fields here.

use crate::config::{URI_ABS_SEND_TIME, URI_MID, URI_TWCC};
use crate::event::PeerError;
use dtls_core::Fingerprint;
use sansio::DtlsRole;
use sdp_core::negotiate::{Negotiated, NegotiatedCodec, NegotiatedMedia};
use sdp_core::{Direction, MediaKind};

/// Most RTP tracks (media sections) a connection carries.
pub const MAX_TRACKS: usize = 4;
/// Most codecs kept per track.
pub const MAX_CODECS: usize = 8;
/// Longest mid kept.
pub const MAX_MID: usize = 16;

/// The codecs this crate packetizes and depacketizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodecKind {
    /// H.264 (RFC 6184), packetization mode 1.
    H264,
    /// VP8 (RFC 7741).
    Vp8,
    /// Opus (RFC 7587).
    Opus,
    /// G.711 µ-law.
    Pcmu,
    /// G.711 A-law.
    Pcma,
    /// Something negotiated that this crate only forwards (RED, telephone-event, …).
    Other,
}

impl CodecKind {
    fn of(name: &str) -> Self {
        let is = |n: &str| name.eq_ignore_ascii_case(n);
        match () {
            _ if is("H264") => CodecKind::H264,
            _ if is("VP8") => CodecKind::Vp8,
            _ if is("opus") => CodecKind::Opus,
            _ if is("PCMU") => CodecKind::Pcmu,
            _ if is("PCMA") => CodecKind::Pcma,
            _ => CodecKind::Other,
        }
    }
}

/// One negotiated codec, owned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodecInfo {
    /// The payload type.
    pub pt: u8,
    /// Which codec.
    pub kind: CodecKind,
    /// RTP clock rate.
    pub clock_rate: u32,
    /// Audio channels (1 when unsaid).
    pub channels: u16,
    /// The RTX payload type, if negotiated.
    pub rtx_pt: Option<u8>,
}

impl From<&NegotiatedCodec<'_>> for CodecInfo {
    fn from(c: &NegotiatedCodec<'_>) -> Self {
        CodecInfo {
            pt: c.pt,
            kind: CodecKind::of(c.name),
            clock_rate: c.clock_rate,
            channels: c.channels.unwrap_or(1),
            rtx_pt: c.rtx_pt,
        }
    }
}

/// Audio or video.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrackKind {
    /// Audio.
    Audio,
    /// Video.
    Video,
}

/// One negotiated RTP media section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackInfo {
    /// `a=mid`.
    pub mid: heapless::String<MAX_MID>,
    /// Audio or video.
    pub kind: TrackKind,
    /// Our direction.
    pub direction: Direction,
    /// The codecs both sides use; the first is the one we send.
    pub codecs: heapless::Vec<CodecInfo, MAX_CODECS>,
    /// Our SSRC on this track (chosen at random).
    pub local_ssrc: u32,
    /// The peer's media SSRC, when its SDP says.
    pub remote_ssrc: Option<u32>,
    /// The peer's RTX SSRC, when its SDP says.
    pub remote_rtx_ssrc: Option<u32>,
    /// Our RTX SSRC (RFC 4588), when RTX was negotiated for the codec we send: NACKed
    /// packets go again on it, wrapped, instead of repeating the media stream's packet.
    pub local_rtx_ssrc: Option<u32>,
    /// Negotiated id of the mid header extension.
    pub ext_mid: Option<u8>,
    /// Negotiated id of abs-send-time.
    pub ext_abs_send_time: Option<u8>,
    /// Negotiated id of transport-wide sequence numbers.
    pub ext_twcc: Option<u8>,
}

impl TrackInfo {
    /// Whether we send on this track.
    pub fn sends(&self) -> bool {
        matches!(self.direction, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether we receive on this track.
    pub fn receives(&self) -> bool {
        matches!(self.direction, Direction::SendRecv | Direction::RecvOnly)
    }

    /// The codec we send with.
    pub fn send_codec(&self) -> Option<&CodecInfo> {
        self.codecs.first()
    }

    /// The codec of payload type `pt` (media or its RTX).
    pub fn codec(&self, pt: u8) -> Option<&CodecInfo> {
        self.codecs
            .iter()
            .find(|c| c.pt == pt || c.rtx_pt == Some(pt))
    }
}

/// The data channel transport.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SctpInfo {
    /// Our SCTP port.
    pub local_port: u16,
    /// The peer's SCTP port.
    pub remote_port: u16,
    /// Largest message the peer accepts (0: no limit).
    pub remote_max_message_size: u64,
}

/// Everything negotiated, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Our end of the DTLS handshake.
    pub dtls_role: DtlsRole,
    /// The fingerprint the peer's certificate must have.
    pub remote_fingerprint: Fingerprint,
    /// Data channels, when accepted.
    pub sctp: Option<SctpInfo>,
    /// RTP tracks, in `m=` order (rejected and data sections left out).
    pub tracks: heapless::Vec<TrackInfo, MAX_TRACKS>,
}

impl Session {
    /// Copy what the connection needs out of `n`; `ssrc` picks our SSRC for each track.
    pub fn from_negotiated<const M: usize, const C: usize, const E: usize, const K: usize>(
        n: &Negotiated<'_, M, C, E, K>,
        mut ssrc: impl FnMut() -> u32,
    ) -> Result<Self, PeerError> {
        if !n.remote_fingerprint.hash.eq_ignore_ascii_case("sha-256") {
            return Err(PeerError::Fingerprint);
        }
        let remote_fingerprint =
            Fingerprint::parse(n.remote_fingerprint.value).map_err(|_| PeerError::Fingerprint)?;
        let sctp = n.sctp.map(|s| SctpInfo {
            local_port: s.local_port,
            remote_port: s.remote_port,
            remote_max_message_size: s.remote_max_message_size,
        });
        let mut tracks = heapless::Vec::new();
        for m in n.media.iter().filter(|m| !m.rejected) {
            if let Some(t) = track(m, ssrc())? {
                tracks.push(t).map_err(|_| PeerError::TooLarge)?;
            }
        }
        Ok(Session {
            dtls_role: n.dtls_role,
            remote_fingerprint,
            sctp,
            tracks,
        })
    }

    /// The track with `mid`.
    pub fn track_by_mid(&self, mid: &str) -> Option<usize> {
        self.tracks.iter().position(|t| t.mid == mid)
    }
}

fn track<const C: usize, const E: usize>(
    m: &NegotiatedMedia<'_, C, E>,
    local_ssrc: u32,
) -> Result<Option<TrackInfo>, PeerError> {
    let kind = match m.kind {
        MediaKind::Audio => TrackKind::Audio,
        MediaKind::Video => TrackKind::Video,
        _ => return Ok(None),
    };
    let mid = heapless::String::try_from(m.mid.unwrap_or("")).map_err(|_| PeerError::TooLarge)?;
    let codecs = m
        .codecs
        .iter()
        .take(MAX_CODECS)
        .map(CodecInfo::from)
        .collect();
    let ext = |uri| m.extension_id(uri).and_then(|id| u8::try_from(id).ok());
    let remote = m.remote_track.unwrap_or_default();
    Ok(Some(TrackInfo {
        mid,
        kind,
        direction: m.direction,
        codecs,
        local_ssrc,
        remote_ssrc: remote.ssrc,
        remote_rtx_ssrc: remote.rtx_ssrc,
        local_rtx_ssrc: None,
        ext_mid: ext(URI_MID),
        ext_abs_send_time: ext(URI_ABS_SEND_TIME),
        ext_twcc: ext(URI_TWCC),
    }))
}
