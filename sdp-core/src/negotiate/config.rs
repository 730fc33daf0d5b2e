//! What the local side supports and who it is: the input of offers and answers.

use crate::fmtp::{FmtpParams, H264Params};
use crate::types::{Direction, Fingerprint, RtcpFbSet, Setup};

/// A codec the local side can send and receive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CodecCap<'a> {
    /// The payload type used in our offers (answers use the offerer's).
    pub pt: u8,
    /// The encoding name.
    pub name: &'a str,
    /// The RTP clock rate.
    pub clock_rate: u32,
    /// The channel count (audio).
    pub channels: Option<u16>,
    /// Our format parameters. In answers: for H.264 the level is adapted to the offer
    /// (RFC 6184 §8.2.2); `None` echoes the offerer's parameters (RED, telephone-event).
    pub params: Option<FmtpParams<'a>>,
    /// The feedback messages we handle for this codec.
    pub rtcp_fb: RtcpFbSet,
    /// Retransmission (RFC 4588): the RTX payload type of our offers. In answers, `Some`
    /// accepts the offered RTX format for this codec.
    pub rtx_pt: Option<u8>,
}

impl CodecCap<'static> {
    /// Opus, 48 kHz stereo, `minptime=10;useinbandfec=1`, transport-cc.
    pub const fn opus(pt: u8) -> Self {
        CodecCap {
            pt,
            name: "opus",
            clock_rate: 48_000,
            channels: Some(2),
            params: Some(FmtpParams::Text("minptime=10;useinbandfec=1")),
            rtcp_fb: RtcpFbSet::TRANSPORT_CC,
            rtx_pt: None,
        }
    }
    /// G.711 µ-law, static payload type 0.
    pub const fn pcmu() -> Self {
        Self::g711("PCMU", 0)
    }
    /// G.711 A-law, static payload type 8.
    pub const fn pcma() -> Self {
        Self::g711("PCMA", 8)
    }
    const fn g711(name: &'static str, pt: u8) -> Self {
        CodecCap {
            pt,
            name,
            clock_rate: 8000,
            channels: Some(1),
            params: None,
            rtcp_fb: RtcpFbSet::NONE,
            rtx_pt: None,
        }
    }
    /// VP8 with every feedback message and RTX on `rtx_pt`.
    pub const fn vp8(pt: u8, rtx_pt: Option<u8>) -> Self {
        CodecCap {
            pt,
            name: "VP8",
            clock_rate: 90_000,
            channels: None,
            params: Some(FmtpParams::Text("")),
            rtcp_fb: RtcpFbSet::ALL,
            rtx_pt,
        }
    }
    /// H.264 with the given parameters, every feedback message and RTX on `rtx_pt`.
    pub const fn h264(pt: u8, params: H264Params, rtx_pt: Option<u8>) -> Self {
        CodecCap {
            pt,
            name: "H264",
            clock_rate: 90_000,
            channels: None,
            params: Some(FmtpParams::H264(params)),
            rtcp_fb: RtcpFbSet::ALL,
            rtx_pt,
        }
    }
}

/// An RTP header extension: id and URI (RFC 8285).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Extension<'a> {
    /// The id (1–14 fit one-byte headers).
    pub id: u16,
    /// The URI.
    pub uri: &'a str,
}

/// What this side sends on a media section: identifiers and SSRCs written as `a=msid`,
/// `a=ssrc` and `a=ssrc-group:FID`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LocalTrack<'a> {
    /// MediaStream id (`-` for none).
    pub stream_id: &'a str,
    /// Track id.
    pub track_id: &'a str,
    /// RTCP CNAME.
    pub cname: &'a str,
    /// The media SSRC.
    pub ssrc: u32,
    /// The RTX SSRC.
    pub rtx_ssrc: Option<u32>,
}

/// What we support for one kind of RTP media.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MediaCaps<'a> {
    /// Codecs in order of preference.
    pub codecs: &'a [CodecCap<'a>],
    /// Header extensions: offered with these ids; in answers matched by URI.
    pub extensions: &'a [Extension<'a>],
    /// What we want to do: in answers intersected with the offer (RFC 3264 §6.1).
    pub direction: Direction,
    /// What we send, attached to the first section of this kind where we send.
    pub track: Option<LocalTrack<'a>>,
}

/// Data channels (SCTP over DTLS, RFC 8841).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DataCaps {
    /// Our SCTP port (5000 by convention).
    pub sctp_port: u16,
    /// The largest message we accept (0: no limit).
    pub max_message_size: u64,
}

impl Default for DataCaps {
    fn default() -> Self {
        DataCaps {
            sctp_port: 5000,
            max_message_size: 262_144,
        }
    }
}

/// Everything we can do; a kind that is `None` is not offered and is rejected in answers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Capabilities<'a> {
    /// Audio.
    pub audio: Option<MediaCaps<'a>>,
    /// Video.
    pub video: Option<MediaCaps<'a>>,
    /// Data channels.
    pub data: Option<DataCaps>,
}

/// Who we are on the wire: session ids, ICE credentials, DTLS fingerprint, candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LocalSession<'a> {
    /// `o=` session id.
    pub session_id: u64,
    /// `o=` session version (increment for each new description).
    pub session_version: u64,
    /// ICE username fragment (4–256 ICE characters, RFC 8839 §5.4).
    pub ice_ufrag: &'a str,
    /// ICE password (22–256 ICE characters).
    pub ice_pwd: &'a str,
    /// Whether we are an ICE lite agent.
    pub ice_lite: bool,
    /// Whether we trickle candidates (`a=ice-options:trickle`).
    pub trickle: bool,
    /// Our DTLS certificate fingerprint.
    pub fingerprint: Fingerprint<'a>,
    /// Our role when an offer says `actpass`: `Active` (DTLS client, what browsers pick)
    /// or `Passive`.
    pub answer_setup: Setup,
    /// CandidateLine values (after `candidate:`) to include.
    pub candidates: &'a [&'a str],
    /// Write `a=end-of-candidates` after them.
    pub end_of_candidates: bool,
    /// Whether we accept mixed one-byte and two-byte header extensions.
    pub extmap_allow_mixed: bool,
    /// Whether we accept reduced-size RTCP (RFC 5506).
    pub rtcp_rsize: bool,
}

impl<'a> LocalSession<'a> {
    /// Defaults: version 1, trickle, setup active, extmap-allow-mixed, rtcp-rsize, no
    /// candidates.
    pub fn new(
        session_id: u64,
        ice_ufrag: &'a str,
        ice_pwd: &'a str,
        fingerprint: Fingerprint<'a>,
    ) -> Self {
        LocalSession {
            session_id,
            session_version: 1,
            ice_ufrag,
            ice_pwd,
            ice_lite: false,
            trickle: true,
            fingerprint,
            answer_setup: Setup::Active,
            candidates: &[],
            end_of_candidates: false,
            extmap_allow_mixed: true,
            rtcp_rsize: true,
        }
    }
}
