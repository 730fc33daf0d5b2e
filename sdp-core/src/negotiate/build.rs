//! Writing the attributes offers and answers share, in the order browsers write them.

use super::config::{LocalSession, LocalTrack};
use crate::attribute::{Rtpmap, SdpAttribute};
use crate::error::BuildError;
use crate::fmtp::FmtpParams;
use crate::model::SessionDescription;
use crate::types::{Origin, RtcpFbSet, Setup};

/// `o=- <id> <version> IN IP4 127.0.0.1` (JSEP §5.2.1).
pub(crate) fn origin<'a>(local: &LocalSession<'a>) -> Origin<'a> {
    Origin {
        username: "-",
        session_id: local.session_id,
        session_version: local.session_version,
        net_type: "IN",
        addr_type: "IP4",
        address: "127.0.0.1",
    }
}

/// Session-level attributes: `a=ice-lite`, `a=extmap-allow-mixed` (when `mixed`).
pub(crate) fn session_attrs<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    local: &LocalSession<'a>,
    mixed: bool,
) -> Result<(), BuildError> {
    if local.ice_lite {
        sdp.push_session_attribute(SdpAttribute::IceLite)?;
    }
    if mixed {
        sdp.push_session_attribute(SdpAttribute::ExtmapAllowMixed)?;
    }
    Ok(())
}

/// ICE credentials and options, fingerprint, setup and mid.
pub(crate) fn transport_attrs<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    local: &LocalSession<'a>,
    setup: Setup,
    mid: Option<&'a str>,
) -> Result<(), BuildError> {
    sdp.push_attribute(SdpAttribute::IceUfrag(local.ice_ufrag))?;
    sdp.push_attribute(SdpAttribute::IcePwd(local.ice_pwd))?;
    if local.trickle {
        sdp.push_attribute(SdpAttribute::IceOptions("trickle"))?;
    }
    sdp.push_attribute(SdpAttribute::Fingerprint(local.fingerprint))?;
    sdp.push_attribute(SdpAttribute::Setup(setup))?;
    if let Some(mid) = mid {
        sdp.push_attribute(SdpAttribute::Mid(mid))?;
    }
    Ok(())
}

/// Our candidates and `a=end-of-candidates`.
pub(crate) fn candidate_attrs<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    local: &LocalSession<'a>,
) -> Result<(), BuildError> {
    for c in local.candidates {
        sdp.push_attribute(SdpAttribute::CandidateLine(c))?;
    }
    if local.end_of_candidates {
        sdp.push_attribute(SdpAttribute::EndOfCandidates)?;
    }
    Ok(())
}

/// One format: `a=rtpmap`, `a=rtcp-fb` for each feedback message, `a=fmtp` when there are
/// parameters.
pub(crate) fn codec_attrs<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    rtpmap: Rtpmap<'a>,
    params: FmtpParams<'a>,
    fb: RtcpFbSet,
) -> Result<(), BuildError> {
    let pt = rtpmap.pt;
    sdp.push_attribute(SdpAttribute::Rtpmap(rtpmap))?;
    for (kind, param) in fb.iter() {
        sdp.push_attribute(SdpAttribute::RtcpFb {
            pt: Some(pt),
            kind,
            param,
        })?;
    }
    if !params.is_empty() {
        sdp.push_attribute(SdpAttribute::Fmtp { pt, params })?;
    }
    Ok(())
}

/// `a=msid` (before the codecs, as JSEP writes it).
pub(crate) fn msid_attr<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    track: &LocalTrack<'a>,
) -> Result<(), BuildError> {
    sdp.push_attribute(SdpAttribute::Msid {
        stream: track.stream_id,
        track: Some(track.track_id),
    })
}

/// `a=ssrc-group:FID` and `a=ssrc:<ssrc> cname:` lines for a track we send (the stream
/// and track ids travel in the section's `a=msid`, RFC 8830); the RTX
/// SSRC only when `rtx` (an RTX format was negotiated or offered).
pub(crate) fn ssrc_attrs<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    track: &LocalTrack<'a>,
    rtx: bool,
) -> Result<(), BuildError> {
    let rtx_ssrc = track.rtx_ssrc.filter(|_| rtx);
    // Two SSRCs always fit a group.
    if let Some(group) = rtx_ssrc.and_then(|r| SdpAttribute::ssrc_group("FID", &[track.ssrc, r])) {
        sdp.push_attribute(group)?;
    }
    for ssrc in core::iter::once(track.ssrc).chain(rtx_ssrc) {
        sdp.push_attribute(SdpAttribute::Ssrc {
            ssrc,
            name: "cname",
            value: Some(track.cname),
        })?;
    }
    Ok(())
}
