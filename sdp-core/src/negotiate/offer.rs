//! Creating an offer (JSEP §5.2.1): audio, video and a data channel, any subset, in that
//! order, all in one BUNDLE group, with rtcp-mux, `a=setup:actpass` and trickle ICE.

use super::build::{
    candidate_attrs, codec_attrs, msid_attr, origin, session_attrs, ssrc_attrs, transport_attrs,
};
use super::config::{Capabilities, DataCaps, LocalSession, MediaCaps};
use crate::attribute::{Rtpmap, SdpAttribute};
use crate::error::{BuildError, Limit};
use crate::fmtp::FmtpParams;
use crate::model::{Formats, Group, MediaDescription, SessionDescription};
use crate::types::{Connection, MediaKind, RtcpFbSet, Setup};
use heapless::Vec;

/// The mids of our offers' sections, in order.
const MIDS: [&str; 3] = ["0", "1", "2"];

/// The protocol of RTP sections (JSEP §5.1.2).
pub const RTP_PROTO: &str = "UDP/TLS/RTP/SAVPF";
/// The protocol of data channel sections (RFC 8841 §4.1).
pub const SCTP_PROTO: &str = "UDP/DTLS/SCTP";

/// Create an offer with a section for each kind `caps` has (audio, video, data channel).
///
/// Every section carries our ICE credentials, fingerprint and `a=setup:actpass`; our
/// candidates go into the first (the BUNDLE-tagged) section. An offer with no kind is
/// legal but useless; it has no media section.
pub fn create_offer<'a, const M: usize, const A: usize, const C: usize>(
    local: &LocalSession<'a>,
    caps: &Capabilities<'a>,
) -> Result<SessionDescription<'a, M, A, C>, BuildError> {
    let mut sdp = SessionDescription::new(origin(local));
    session_attrs(&mut sdp, local, local.extmap_allow_mixed)?;
    let kinds = [
        caps.audio.as_ref().map(|c| (MediaKind::Audio, c)),
        caps.video.as_ref().map(|c| (MediaKind::Video, c)),
    ];
    let mut bundle = Group {
        semantics: "BUNDLE",
        mids: Vec::new(),
    };
    let mut mids = MIDS.iter();
    for (kind, media) in kinds.into_iter().flatten() {
        let mid = mids.next().copied().unwrap_or("");
        let first = bundle.mids.is_empty();
        offer_rtp(&mut sdp, local, kind, media, mid, first)?;
        push_mid(&mut bundle, mid)?;
    }
    if let Some(data) = &caps.data {
        let mid = mids.next().copied().unwrap_or("");
        let first = bundle.mids.is_empty();
        offer_data(&mut sdp, local, data, mid, first)?;
        push_mid(&mut bundle, mid)?;
    }
    if !bundle.mids.is_empty() {
        sdp.push_group(bundle)?;
    }
    Ok(sdp)
}

fn push_mid<'a, const M: usize>(g: &mut Group<'a, M>, mid: &'a str) -> Result<(), BuildError> {
    g.mids
        .push(mid)
        .map_err(|_| BuildError::TooMany(Limit::GroupMembers))
}

fn offer_rtp<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    local: &LocalSession<'a>,
    kind: MediaKind<'a>,
    caps: &MediaCaps<'a>,
    mid: &'a str,
    first: bool,
) -> Result<(), BuildError> {
    let mut pts = Vec::new();
    for c in caps.codecs {
        for pt in core::iter::once(c.pt).chain(c.rtx_pt) {
            pts.push(pt)
                .map_err(|_| BuildError::TooMany(Limit::Formats))?;
        }
    }
    let mut m = MediaDescription::new(kind, 9, RTP_PROTO, Formats::Payloads(pts));
    m.connection = Some(Connection::UNSPECIFIED);
    sdp.push_media(m)?;
    transport_attrs(sdp, local, Setup::ActPass, Some(mid))?;
    for x in caps.extensions {
        sdp.push_attribute(SdpAttribute::Extmap(crate::attribute::Extmap {
            id: x.id,
            direction: None,
            uri: x.uri,
            attributes: None,
        }))?;
    }
    sdp.push_attribute(SdpAttribute::Direction(caps.direction))?;
    let track = caps.track.filter(|_| caps.direction.sends());
    if let Some(t) = &track {
        msid_attr(sdp, t)?;
    }
    sdp.push_attribute(SdpAttribute::RtcpMux)?;
    if local.rtcp_rsize {
        sdp.push_attribute(SdpAttribute::RtcpRsize)?;
    }
    let mut any_rtx = false;
    for c in caps.codecs {
        let rtpmap = Rtpmap {
            pt: c.pt,
            name: c.name,
            clock_rate: c.clock_rate,
            channels: c.channels,
        };
        codec_attrs(
            sdp,
            rtpmap,
            c.params.unwrap_or(FmtpParams::Text("")),
            c.rtcp_fb,
        )?;
        if let Some(rtx) = c.rtx_pt {
            any_rtx = true;
            let rtpmap = Rtpmap {
                pt: rtx,
                name: "rtx",
                clock_rate: c.clock_rate,
                channels: None,
            };
            let apt = FmtpParams::Rtx {
                apt: c.pt,
                rtx_time: None,
            };
            codec_attrs(sdp, rtpmap, apt, RtcpFbSet::NONE)?;
        }
    }
    if let Some(t) = &track {
        ssrc_attrs(sdp, t, any_rtx)?;
    }
    if first {
        candidate_attrs(sdp, local)?;
    }
    Ok(())
}

fn offer_data<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    local: &LocalSession<'a>,
    data: &DataCaps,
    mid: &'a str,
    first: bool,
) -> Result<(), BuildError> {
    let mut m = MediaDescription::new(
        MediaKind::Application,
        9,
        SCTP_PROTO,
        Formats::Text("webrtc-datachannel"),
    );
    m.connection = Some(Connection::UNSPECIFIED);
    sdp.push_media(m)?;
    transport_attrs(sdp, local, Setup::ActPass, Some(mid))?;
    sdp.push_attribute(SdpAttribute::SctpPort(data.sctp_port))?;
    sdp.push_attribute(SdpAttribute::MaxMessageSize(data.max_message_size))?;
    if first {
        candidate_attrs(sdp, local)?;
    }
    Ok(())
}
