//! Answering an offer (RFC 3264 §6, JSEP §5.3.1): one answer section per offered section
//! in the same order, codecs intersected under the offerer's payload types, directions
//! reversed and narrowed to what we want, unsupported sections rejected with port 0 and left
//! out of BUNDLE.

use super::build::{
    candidate_attrs, codec_attrs, msid_attr, origin, session_attrs, ssrc_attrs, transport_attrs,
};
use super::config::{Capabilities, CodecCap, DataCaps, LocalSession, MediaCaps};
use super::NegotiationError;
use crate::attribute::{Extmap, Rtpmap, SdpAttribute};
use crate::codec::{Codec, CodecTable};
use crate::error::{BuildError, Limit};
use crate::fmtp::{self, FmtpParams, H264Params, ProfileLevelId};
use crate::model::{Formats, Group, Media, MediaDescription, SessionDescription};
use crate::types::{Connection, Direction, MediaKind, RtcpFbSet, Setup};
use heapless::Vec;

/// One answered format.
#[derive(Clone, Copy, Debug)]
struct Choice<'a> {
    codec: Codec<'a>,
    params: FmtpParams<'a>,
    fb: RtcpFbSet,
}

/// What to do with one offered section.
enum Plan<'a> {
    Reject,
    /// Answer with these capabilities and the codec choices made (in the caller's buffer).
    Rtp(MediaCaps<'a>),
    Data(DataCaps),
}

/// Mutable state across sections.
struct Answering<'a, const M: usize> {
    bundle: Group<'a, M>,
    /// Whether our candidates were written (into the first accepted section).
    candidates_done: bool,
    /// Whether our audio / video track was attached already.
    track_done: [bool; 2],
    /// Whether a data channel section was accepted already (JSEP allows one).
    data_done: bool,
}

/// Answer `offer` with what `caps` supports.
///
/// Errors are capacity errors and offers we cannot answer at all (`a=setup:holdconn`).
/// Feed the offer and the answer to [`negotiate`](super::negotiate) for the result.
pub fn create_answer<'a, const M: usize, const A: usize, const C: usize>(
    offer: &SessionDescription<'a, M, A, C>,
    local: &LocalSession<'a>,
    caps: &Capabilities<'a>,
) -> Result<SessionDescription<'a, M, A, C>, NegotiationError> {
    let mut sdp = SessionDescription::new(origin(local));
    create_answer_into(&mut sdp, offer, local, caps)?;
    Ok(sdp)
}

/// [`create_answer`] into a description the caller owns (a `static` on a microcontroller),
/// replacing what it held, so the answer is never built on the stack. The answer may hold
/// fewer attributes (`A`) than the offer (`AO`): what we write is bounded by our own
/// capabilities and candidates, not by what the offer carries.
pub fn create_answer_into<'a, const M: usize, const A: usize, const C: usize, const AO: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    offer: &SessionDescription<'a, M, AO, C>,
    local: &LocalSession<'a>,
    caps: &Capabilities<'a>,
) -> Result<(), NegotiationError> {
    sdp.clear();
    sdp.origin = origin(local);
    let sdp = &mut *sdp;
    let mixed = offer.extmap_allow_mixed() && local.extmap_allow_mixed;
    session_attrs(sdp, local, mixed)?;
    let mut st = Answering {
        bundle: Group {
            semantics: "BUNDLE",
            mids: Vec::new(),
        },
        candidates_done: false,
        track_done: [false; 2],
        data_done: false,
    };
    // One buffer of codec choices for every section, filled where it lives.
    let mut choices = Vec::new();
    for m in offer.media() {
        let plan = plan(&m, caps, &mut st, &mut choices);
        match plan {
            Plan::Reject => reject(sdp, &m)?,
            Plan::Rtp(media_caps) => answer_rtp(sdp, local, &m, &media_caps, &choices, &mut st)?,
            Plan::Data(data) => answer_data(sdp, local, &m, &data, &mut st)?,
        }
    }
    // BUNDLE: the offered group minus rejected sections, in the offered order.
    if let Some(offered) = offer.bundle() {
        let mut g = Group {
            semantics: offered.semantics,
            mids: Vec::new(),
        };
        for mid in offered.mids.iter().filter(|m| st.bundle.mids.contains(m)) {
            g.mids
                .push(mid)
                .map_err(|_| BuildError::TooMany(Limit::GroupMembers))?;
        }
        if !g.mids.is_empty() {
            sdp.push_group(g)?;
        }
    }
    Ok(())
}

/// What to do with section `m`; for RTP, `choices` holds the codecs to answer with.
fn plan<'a, const C: usize, const M: usize>(
    m: &Media<'_, 'a, C>,
    caps: &Capabilities<'a>,
    st: &mut Answering<'a, M>,
    choices: &mut Vec<Choice<'a>, C>,
) -> Plan<'a> {
    let bundle_only = m
        .other_attributes()
        .any(|(name, value)| name == "bundle-only" && value.is_none());
    if m.is_rejected() && !bundle_only {
        return Plan::Reject;
    }
    let media_caps = match m.desc.kind {
        MediaKind::Audio => caps.audio,
        MediaKind::Video => caps.video,
        MediaKind::Application => {
            let datachannel =
                matches!(m.desc.formats, Formats::Text(t) if t == "webrtc-datachannel");
            let proto_ok = matches!(m.desc.proto, "UDP/DTLS/SCTP" | "TCP/DTLS/SCTP");
            return match caps.data {
                Some(d) if datachannel && proto_ok && !st.data_done => {
                    st.data_done = true;
                    Plan::Data(d)
                }
                _ => Plan::Reject,
            };
        }
        MediaKind::Other(_) => None,
    };
    // WebRTC media is SRTP with DTLS keys: plain RTP/AVP profiles are not answered. (A part
    // `SAVP` or `SAVPF`, not a substring search, whose searcher is 1 KB of flash on a
    // microcontroller.)
    let savp = m.desc.proto.split('/').any(|p| p.starts_with("SAVP"));
    let secure = m.desc.is_rtp() && savp;
    match media_caps {
        Some(mc) if secure => {
            choose_codecs(m, &mc, choices);
            if choices.is_empty() {
                Plan::Reject
            } else {
                Plan::Rtp(mc)
            }
        }
        _ => Plan::Reject,
    }
}

fn bit(pt: u8) -> u128 {
    1u128 << (pt & 127)
}

/// The offered formats we support (into `out`), in the offer's order, each followed by
/// nothing else: primary codecs matching a capability, then RTX formats whose `apt` is one
/// of them and whose capability accepts RTX.
fn choose_codecs<'a, const C: usize>(
    m: &Media<'_, 'a, C>,
    caps: &MediaCaps<'a>,
    out: &mut Vec<Choice<'a>, C>,
) {
    let table = CodecTable::new(m);
    let mut cap_of = [u8::MAX; 128];
    let mut rtx_ok = 0u128;
    for &pt in m.desc.payload_types() {
        let Some(codec) = table.codec(m, pt).filter(|c| !c.is_rtx()) else {
            continue;
        };
        let found = caps.codecs.iter().position(|cap| matches(&codec, cap));
        if let (Some(i), Some(slot)) = (found, cap_of.get_mut(usize::from(pt))) {
            *slot = u8::try_from(i).unwrap_or(u8::MAX);
            if caps.codecs.get(i).is_some_and(|c| c.rtx_pt.is_some()) {
                rtx_ok |= bit(pt);
            }
        }
    }
    out.clear();
    let mut done = 0u128;
    for &pt in m.desc.payload_types() {
        let Some(codec) = table.codec(m, pt) else {
            continue;
        };
        if done & bit(pt) != 0 {
            continue;
        }
        let choice = if codec.is_rtx() {
            let apt_ok = codec.params.apt().is_some_and(|apt| rtx_ok & bit(apt) != 0);
            apt_ok.then_some(Choice {
                codec,
                params: codec.params,
                fb: RtcpFbSet::NONE,
            })
        } else {
            let cap = cap_of
                .get(usize::from(pt))
                .and_then(|i| caps.codecs.get(usize::from(*i)));
            cap.map(|cap| Choice {
                codec,
                params: answer_params(&codec, cap),
                fb: codec.rtcp_fb.intersection(cap.rtcp_fb),
            })
        };
        if let Some(c) = choice {
            done |= bit(pt);
            // At most one choice per offered format, and C bounds those.
            let _ = out.push(c);
        }
    }
}

/// Same name (case-insensitive), clock rate, channels, and compatible parameters.
fn matches(offered: &Codec<'_>, cap: &CodecCap<'_>) -> bool {
    let local = cap.params.unwrap_or(FmtpParams::Text(""));
    offered.same_encoding(cap.name, cap.clock_rate, cap.channels)
        && fmtp::compatible(cap.name, &offered.params, &local)
}

fn answer_params<'a>(offered: &Codec<'a>, cap: &CodecCap<'a>) -> FmtpParams<'a> {
    if offered.name.eq_ignore_ascii_case("H264") {
        let default = H264Params {
            profile_level_id: ProfileLevelId::DEFAULT,
            packetization_mode: 0,
            level_asymmetry_allowed: false,
        };
        let ours = cap
            .params
            .and_then(|p| H264Params::from_params(&p))
            .unwrap_or(default);
        let theirs = H264Params::from_params(&offered.params).unwrap_or(default);
        return FmtpParams::H264(ours.answer_to(&theirs));
    }
    cap.params.unwrap_or(offered.params)
}

/// Our setup for an offered one (RFC 8842 §5.3): `actpass` lets us choose, `active` makes us
/// `passive` and vice versa; no attribute counts as `active` (RFC 4145 §4).
fn answer_setup(
    offered: Option<Setup>,
    local: &LocalSession<'_>,
) -> Result<Setup, NegotiationError> {
    match offered {
        Some(Setup::ActPass) => Ok(match local.answer_setup {
            Setup::Passive => Setup::Passive,
            _ => Setup::Active,
        }),
        Some(Setup::Active) | None => Ok(Setup::Passive),
        Some(Setup::Passive) => Ok(Setup::Active),
        Some(Setup::HoldConn) => Err(NegotiationError::BadSetup),
    }
}

/// Port 0, the offered formats, the mid; nothing else (RFC 3264 §6, JSEP §5.3.1).
fn reject<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    m: &Media<'_, 'a, C>,
) -> Result<(), BuildError> {
    let mut d = MediaDescription::new(m.desc.kind, 0, m.desc.proto, m.desc.formats.clone());
    d.connection = Some(Connection::UNSPECIFIED);
    sdp.push_media(d)?;
    if let Some(mid) = m.mid() {
        sdp.push_attribute(SdpAttribute::Mid(mid))?;
    }
    Ok(())
}

/// The start of an accepted section: `m=`, `c=`, transport attributes, and our candidates
/// if this is the first accepted section.
fn accept<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    local: &LocalSession<'a>,
    m: &Media<'_, 'a, C>,
    formats: Formats<'a, C>,
    st: &mut Answering<'a, M>,
) -> Result<(), NegotiationError> {
    let mut d = MediaDescription::new(m.desc.kind, 9, m.desc.proto, formats);
    d.connection = Some(Connection::UNSPECIFIED);
    sdp.push_media(d)?;
    let setup = answer_setup(m.setup(), local)?;
    transport_attrs(sdp, local, setup, m.mid())?;
    if let Some(mid) = m.mid() {
        // At most one mid per section and M sections.
        let _ = st.bundle.mids.push(mid);
    }
    Ok(())
}

fn candidates<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    local: &LocalSession<'a>,
    st: &mut Answering<'a, M>,
) -> Result<(), BuildError> {
    if !core::mem::replace(&mut st.candidates_done, true) {
        candidate_attrs(sdp, local)?;
    }
    Ok(())
}

fn answer_data<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    local: &LocalSession<'a>,
    m: &Media<'_, 'a, C>,
    data: &DataCaps,
    st: &mut Answering<'a, M>,
) -> Result<(), NegotiationError> {
    accept(sdp, local, m, m.desc.formats.clone(), st)?;
    sdp.push_attribute(SdpAttribute::SctpPort(data.sctp_port))?;
    sdp.push_attribute(SdpAttribute::MaxMessageSize(data.max_message_size))?;
    candidates(sdp, local, st)?;
    Ok(())
}

fn answer_rtp<'a, const M: usize, const A: usize, const C: usize>(
    sdp: &mut SessionDescription<'a, M, A, C>,
    local: &LocalSession<'a>,
    m: &Media<'_, 'a, C>,
    caps: &MediaCaps<'a>,
    choices: &[Choice<'a>],
    st: &mut Answering<'a, M>,
) -> Result<(), NegotiationError> {
    let mut pts = Vec::new();
    for c in choices {
        pts.push(c.codec.pt)
            .map_err(|_| BuildError::TooMany(Limit::Formats))?;
    }
    accept(sdp, local, m, Formats::Payloads(pts), st)?;
    for x in m.extmaps() {
        if caps.extensions.iter().any(|e| e.uri == x.uri) {
            sdp.push_attribute(SdpAttribute::Extmap(Extmap {
                id: x.id,
                direction: x.direction.map(Direction::reversed),
                uri: x.uri,
                attributes: None,
            }))?;
        }
    }
    let direction = Direction::answer(m.direction(), caps.direction);
    sdp.push_attribute(SdpAttribute::Direction(direction))?;
    let slot = usize::from(m.desc.kind == MediaKind::Video);
    let track = match (caps.track, st.track_done.get_mut(slot)) {
        (Some(t), Some(done)) if direction.sends() && !*done => {
            *done = true;
            Some(t)
        }
        _ => None,
    };
    if let Some(t) = &track {
        msid_attr(sdp, t)?;
    }
    if m.rtcp_mux() {
        sdp.push_attribute(SdpAttribute::RtcpMux)?;
    }
    if m.rtcp_rsize() && local.rtcp_rsize {
        sdp.push_attribute(SdpAttribute::RtcpRsize)?;
    }
    for c in choices {
        let rtpmap = Rtpmap {
            pt: c.codec.pt,
            name: c.codec.name,
            clock_rate: c.codec.clock_rate,
            channels: c.codec.channels,
        };
        codec_attrs(sdp, rtpmap, c.params, c.fb)?;
    }
    if let Some(t) = &track {
        ssrc_attrs(sdp, t, choices.iter().any(|c| c.codec.is_rtx()))?;
    }
    candidates(sdp, local, st)?;
    Ok(())
}
