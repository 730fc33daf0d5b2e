//! The negotiated result: one value built from an offer and its answer, whichever side we
//! were. This is what a peer connection configures its ICE agent, DTLS, SRTP, RTP sessions
//! and SCTP association from.

use super::config::Extension;
use super::NegotiationError;
use crate::attribute::SdpAttribute;
use crate::codec::CodecTable;
use crate::error::Limit;
use crate::fmtp::{FmtpParams, H264Params, OpusParams};
use crate::model::{Media, SessionDescription};
use crate::types::{Direction, DtlsRole, Fingerprint, MediaKind, RtcpFbSet, Setup};
use heapless::Vec;

/// Which side of the offer/answer exchange this side was.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SdpRole {
    /// We sent the offer.
    Offerer,
    /// We sent the answer.
    Answerer,
}

/// ICE parameters of one side (RFC 8839 §5.3–5.6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IceParameters<'a> {
    /// Username fragment.
    pub ufrag: &'a str,
    /// Password.
    pub pwd: &'a str,
    /// `a=ice-lite`.
    pub lite: bool,
    /// `a=ice-options:trickle`.
    pub trickle: bool,
}

/// The data channel transport (RFC 8841).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SctpParameters<'a> {
    /// The data section's mid.
    pub mid: Option<&'a str>,
    /// Our SCTP port.
    pub local_port: u16,
    /// The peer's SCTP port.
    pub remote_port: u16,
    /// The largest message we accept.
    pub local_max_message_size: u64,
    /// The largest message the peer accepts (65536 when it did not say, RFC 8841 §6.1;
    /// 0 means no limit): the limit for what we send.
    pub remote_max_message_size: u64,
}

/// What the peer said it sends on a section.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RemoteTrack<'a> {
    /// `a=msid` stream id.
    pub stream_id: Option<&'a str>,
    /// `a=msid` track id.
    pub track_id: Option<&'a str>,
    /// The media SSRC (first of `a=ssrc-group:FID`, else the first `a=ssrc`).
    pub ssrc: Option<u32>,
    /// The RTX SSRC (second of `a=ssrc-group:FID`).
    pub rtx_ssrc: Option<u32>,
    /// `a=ssrc:<ssrc> cname:` of the media SSRC.
    pub cname: Option<&'a str>,
}

/// One codec both sides use, under the offerer's payload type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NegotiatedCodec<'a> {
    /// The payload type, for both directions.
    pub pt: u8,
    /// The encoding name as answered.
    pub name: &'a str,
    /// The RTP clock rate.
    pub clock_rate: u32,
    /// The channel count, as written.
    pub channels: Option<u16>,
    /// Our format parameters (what we receive).
    pub local_params: FmtpParams<'a>,
    /// The peer's format parameters (what it receives: they bound what we send).
    pub remote_params: FmtpParams<'a>,
    /// Feedback messages both sides listed.
    pub rtcp_fb: RtcpFbSet,
    /// The RTX payload type, when retransmission was negotiated.
    pub rtx_pt: Option<u8>,
}

impl NegotiatedCodec<'_> {
    /// For H.264: the parameters to send with — the peer's profile and level, but the lower
    /// of both levels unless both allow level asymmetry (RFC 6184 §8.2.2).
    pub fn h264_send_params(&self) -> Option<H264Params> {
        if !self.name.eq_ignore_ascii_case("H264") {
            return None;
        }
        let remote = H264Params::from_params(&self.remote_params)?;
        let local = H264Params::from_params(&self.local_params)?;
        let theirs = remote.profile_level_id.level_rank();
        let rank = if remote.level_asymmetry_allowed && local.level_asymmetry_allowed {
            theirs
        } else {
            theirs.min(local.profile_level_id.level_rank())
        };
        Some(H264Params {
            profile_level_id: remote.profile_level_id.with_level_rank(rank),
            ..remote
        })
    }
    /// For Opus: the peer's receive preferences (stereo, in-band FEC, DTX, …).
    pub fn opus_remote(&self) -> Option<OpusParams> {
        self.name
            .eq_ignore_ascii_case("opus")
            .then(|| OpusParams::from_params(&self.remote_params))
    }
}

/// One media section after negotiation.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NegotiatedMedia<'a, const C: usize, const E: usize> {
    /// The position of the `m=` line.
    pub index: usize,
    /// `a=mid`.
    pub mid: Option<&'a str>,
    /// Audio, video, application, …
    pub kind: MediaKind<'a>,
    /// Rejected (port 0 in the answer): nothing flows, the rest is empty.
    pub rejected: bool,
    /// In the answer's BUNDLE group (shares the transport of [`Negotiated::bundle_tag`]).
    pub bundled: bool,
    /// Our direction: `SendOnly` means we send and do not receive.
    pub direction: Direction,
    /// The codecs in the answer's order of preference; the first is the one to send.
    pub codecs: Vec<NegotiatedCodec<'a>, C>,
    /// Header extensions both sides use.
    pub extensions: Vec<Extension<'a>, E>,
    /// RTP and RTCP share the port (RFC 5761).
    pub rtcp_mux: bool,
    /// Reduced-size RTCP may be sent (RFC 5506).
    pub rtcp_rsize: bool,
    /// What the peer sends, if it sends.
    pub remote_track: Option<RemoteTrack<'a>>,
}

impl<'a, const C: usize, const E: usize> NegotiatedMedia<'a, C, E> {
    /// The codec to send with (the first).
    pub fn send_codec(&self) -> Option<&NegotiatedCodec<'a>> {
        self.codecs.first()
    }
    /// The codec with payload type `pt` (also found by its RTX payload type).
    pub fn codec(&self, pt: u8) -> Option<&NegotiatedCodec<'a>> {
        self.codecs
            .iter()
            .find(|c| c.pt == pt || c.rtx_pt == Some(pt))
    }
    /// The id of the header extension `uri`.
    pub fn extension_id(&self, uri: &str) -> Option<u16> {
        self.extensions.iter().find(|e| e.uri == uri).map(|e| e.id)
    }
}

/// The result of an offer/answer exchange, for the side that was `role`.
///
/// Capacities: `M` sections, `C` codecs and `E` header extensions per section, `K`
/// remote candidates.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Negotiated<
    'a,
    const M: usize = 16,
    const C: usize = 8,
    const E: usize = 8,
    const K: usize = 16,
> {
    /// Which side we were.
    pub role: SdpRole,
    /// Our ICE parameters.
    pub local_ice: IceParameters<'a>,
    /// The peer's ICE parameters.
    pub remote_ice: IceParameters<'a>,
    /// The peer's candidates (values after `candidate:`) from its transport section; more
    /// arrive by trickling.
    pub remote_candidates: Vec<&'a str, K>,
    /// The peer said `a=end-of-candidates`.
    pub remote_end_of_candidates: bool,
    /// Our certificate fingerprint.
    pub local_fingerprint: Fingerprint<'a>,
    /// The fingerprint the peer's DTLS certificate must match.
    pub remote_fingerprint: Fingerprint<'a>,
    /// Our end of the DTLS handshake.
    pub dtls_role: DtlsRole,
    /// The mid of the section whose transport every bundled section shares.
    pub bundle_tag: Option<&'a str>,
    /// Both sides accept mixed one-byte and two-byte header extensions.
    pub extmap_allow_mixed: bool,
    /// The data channel transport, if a data section was accepted.
    pub sctp: Option<SctpParameters<'a>>,
    /// Every section, in `m=` order (rejected ones too).
    pub media: Vec<NegotiatedMedia<'a, C, E>, M>,
}

impl<'a, const M: usize, const C: usize, const E: usize, const K: usize>
    Negotiated<'a, M, C, E, K>
{
    /// The section with `a=mid:<mid>`.
    pub fn media_by_mid(&self, mid: &str) -> Option<&NegotiatedMedia<'a, C, E>> {
        self.media.iter().find(|m| m.mid == Some(mid))
    }
}

/// Combine an offer and its answer into the negotiated result, for the side that was
/// `role`. The answerer calls this with the remote offer and its own answer (as built by
/// [`create_answer`](super::create_answer)); the offerer with its own offer and the remote
/// answer.
pub fn negotiate<
    'a,
    const M1: usize,
    const A1: usize,
    const C1: usize,
    const M2: usize,
    const A2: usize,
    const C2: usize,
    const M: usize,
    const C: usize,
    const E: usize,
    const K: usize,
>(
    offer: &SessionDescription<'a, M1, A1, C1>,
    answer: &SessionDescription<'a, M2, A2, C2>,
    role: SdpRole,
) -> Result<Negotiated<'a, M, C, E, K>, NegotiationError> {
    let mut n = Negotiated::new(role);
    negotiate_into(offer, answer, role, &mut n)?;
    Ok(n)
}

impl<const M: usize, const C: usize, const E: usize, const K: usize> Negotiated<'_, M, C, E, K> {
    /// An empty result for `role` (no sections, empty ICE parameters and fingerprints), for
    /// [`negotiate_into`] to fill.
    pub fn new(role: SdpRole) -> Self {
        let ice = IceParameters {
            ufrag: "",
            pwd: "",
            lite: false,
            trickle: false,
        };
        let fingerprint = Fingerprint {
            hash: "",
            value: "",
        };
        Negotiated {
            role,
            local_ice: ice,
            remote_ice: ice,
            remote_candidates: Vec::new(),
            remote_end_of_candidates: false,
            local_fingerprint: fingerprint,
            remote_fingerprint: fingerprint,
            dtls_role: DtlsRole::Client,
            bundle_tag: None,
            extmap_allow_mixed: false,
            sctp: None,
            media: Vec::new(),
        }
    }
}

/// [`negotiate`] into `out`, which is overwritten where it lives: no result is built on the
/// stack and moved (a microcontroller's answer path is its deepest stack). On an error `out`
/// holds a partial result.
pub fn negotiate_into<
    'a,
    const M1: usize,
    const A1: usize,
    const C1: usize,
    const M2: usize,
    const A2: usize,
    const C2: usize,
    const M: usize,
    const C: usize,
    const E: usize,
    const K: usize,
>(
    offer: &SessionDescription<'a, M1, A1, C1>,
    answer: &SessionDescription<'a, M2, A2, C2>,
    role: SdpRole,
    out: &mut Negotiated<'a, M, C, E, K>,
) -> Result<(), NegotiationError> {
    if offer.media_count() != answer.media_count() {
        return Err(NegotiationError::SectionCount {
            offer: offer.media_count(),
            answer: answer.media_count(),
        });
    }
    transport_into(offer, answer, role, out)?;
    out.bundle_tag = answer.bundle().and_then(|g| g.mids.first().copied());
    out.extmap_allow_mixed = offer.extmap_allow_mixed() && answer.extmap_allow_mixed();
    out.sctp = None;
    out.media.clear();
    for i in 0..offer.media_count() {
        let (om, am) = pair(offer, answer, i)?;
        let bundled = match (answer.bundle(), am.mid()) {
            (Some(g), Some(mid)) => g.mids.contains(&mid),
            _ => false,
        };
        out.media
            .push(NegotiatedMedia::blank(&am))
            .map_err(|_| NegotiationError::TooMany(Limit::MediaSections))?;
        let Some(media) = out.media.last_mut() else {
            continue; // just pushed
        };
        section_into(&om, &am, role, bundled, media)?;
        if media.kind == MediaKind::Application && !media.rejected && out.sctp.is_none() {
            out.sctp = Some(sctp(&om, &am, role));
        }
    }
    Ok(())
}

/// Role, ICE parameters, candidates, fingerprints and DTLS role: the transport section's.
fn transport_into<
    'a,
    const M1: usize,
    const A1: usize,
    const C1: usize,
    const M2: usize,
    const A2: usize,
    const C2: usize,
    const M: usize,
    const C: usize,
    const E: usize,
    const K: usize,
>(
    offer: &SessionDescription<'a, M1, A1, C1>,
    answer: &SessionDescription<'a, M2, A2, C2>,
    role: SdpRole,
    out: &mut Negotiated<'a, M, C, E, K>,
) -> Result<(), NegotiationError> {
    let t = transport_index(answer).ok_or(NegotiationError::NothingAccepted)?;
    let (om, am) = pair(offer, answer, t)?;
    let o = side::<C1, K>(&om, offer.ice_lite())?;
    let a = side::<C2, K>(&am, answer.ice_lite())?;
    out.role = role;
    out.dtls_role = dtls_role(am.setup(), role)?;
    let (local, remote) = match role {
        SdpRole::Answerer => (a, o),
        SdpRole::Offerer => (o, a),
    };
    out.local_ice = local.ice;
    out.remote_ice = remote.ice;
    out.remote_candidates = remote.candidates;
    out.remote_end_of_candidates = remote.end_of_candidates;
    out.local_fingerprint = local.fingerprint;
    out.remote_fingerprint = remote.fingerprint;
    Ok(())
}

/// Section `i` of both, with matching kind and mid.
fn pair<
    's,
    'a,
    const M1: usize,
    const A1: usize,
    const C1: usize,
    const M2: usize,
    const A2: usize,
    const C2: usize,
>(
    offer: &'s SessionDescription<'a, M1, A1, C1>,
    answer: &'s SessionDescription<'a, M2, A2, C2>,
    i: usize,
) -> Result<(Media<'s, 'a, C1>, Media<'s, 'a, C2>), NegotiationError> {
    let count = NegotiationError::SectionCount {
        offer: offer.media_count(),
        answer: answer.media_count(),
    };
    let om = offer.media_at(i).ok_or(count)?;
    let am = answer.media_at(i).ok_or(count)?;
    if om.desc.kind != am.desc.kind {
        return Err(NegotiationError::KindMismatch { index: i });
    }
    if let (Some(a), Some(b)) = (om.mid(), am.mid()) {
        if a != b {
            return Err(NegotiationError::MidMismatch { index: i });
        }
    }
    Ok((om, am))
}

/// The section whose transport is used: the answer's BUNDLE tag, else the first accepted.
fn transport_index<const M: usize, const A: usize, const C: usize>(
    answer: &SessionDescription<'_, M, A, C>,
) -> Option<usize> {
    let tagged = answer
        .bundle()
        .and_then(|g| g.mids.first())
        .and_then(|mid| answer.media_by_mid(mid));
    tagged
        .or_else(|| answer.media().find(|m| !m.is_rejected()))
        .map(|m| m.index)
}

/// One side's transport: what its transport section says.
struct Side<'a, const K: usize> {
    ice: IceParameters<'a>,
    fingerprint: Fingerprint<'a>,
    candidates: Vec<&'a str, K>,
    end_of_candidates: bool,
}

fn side<'a, const C: usize, const K: usize>(
    m: &Media<'_, 'a, C>,
    lite: bool,
) -> Result<Side<'a, K>, NegotiationError> {
    let index = m.index;
    let missing = NegotiationError::MissingIce { index };
    let ice = IceParameters {
        ufrag: m.ice_ufrag().ok_or(missing)?,
        pwd: m.ice_pwd().ok_or(missing)?,
        lite,
        trickle: m.has_ice_option("trickle"),
    };
    let mut candidates = Vec::new();
    for a in m.attributes {
        if let SdpAttribute::CandidateLine(c) = a {
            candidates
                .push(*c)
                .map_err(|_| NegotiationError::TooMany(Limit::Candidates))?;
        }
    }
    Ok(Side {
        ice,
        fingerprint: m
            .fingerprint()
            .ok_or(NegotiationError::MissingFingerprint { index })?,
        candidates,
        end_of_candidates: m.end_of_candidates(),
    })
}

/// Our DTLS role from the answer's `a=setup` (RFC 8842 §5.3).
fn dtls_role(answer_setup: Option<Setup>, role: SdpRole) -> Result<DtlsRole, NegotiationError> {
    let answerer_is_client = match answer_setup {
        Some(Setup::Active) => true,
        Some(Setup::Passive) => false,
        _ => return Err(NegotiationError::BadSetup),
    };
    Ok(if answerer_is_client == (role == SdpRole::Answerer) {
        DtlsRole::Client
    } else {
        DtlsRole::Server
    })
}

fn sctp<'a, const C1: usize, const C2: usize>(
    om: &Media<'_, 'a, C1>,
    am: &Media<'_, 'a, C2>,
    role: SdpRole,
) -> SctpParameters<'a> {
    let (lp, lm, rp, rm) = match role {
        SdpRole::Offerer => (
            om.sctp_port(),
            om.max_message_size(),
            am.sctp_port(),
            am.max_message_size(),
        ),
        SdpRole::Answerer => (
            am.sctp_port(),
            am.max_message_size(),
            om.sctp_port(),
            om.max_message_size(),
        ),
    };
    SctpParameters {
        mid: am.mid(),
        local_port: lp.unwrap_or(5000),
        remote_port: rp.unwrap_or(5000),
        local_max_message_size: lm.unwrap_or(65_536),
        remote_max_message_size: rm.unwrap_or(65_536),
    }
}

impl<'a, const C: usize, const E: usize> NegotiatedMedia<'a, C, E> {
    /// Section `am` before negotiation: no codecs, extensions or remote track.
    fn blank<const C2: usize>(am: &Media<'_, 'a, C2>) -> Self {
        NegotiatedMedia {
            index: am.index,
            mid: am.mid(),
            kind: am.desc.kind,
            rejected: true,
            bundled: false,
            direction: Direction::Inactive,
            codecs: Vec::new(),
            extensions: Vec::new(),
            rtcp_mux: false,
            rtcp_rsize: false,
            remote_track: None,
        }
    }
}

/// One section of the result, filled in `out` (made by [`NegotiatedMedia::blank`]).
fn section_into<'a, const C1: usize, const C2: usize, const C: usize, const E: usize>(
    om: &Media<'_, 'a, C1>,
    am: &Media<'_, 'a, C2>,
    role: SdpRole,
    bundled: bool,
    out: &mut NegotiatedMedia<'a, C, E>,
) -> Result<(), NegotiationError> {
    let rejected = am.is_rejected() && !bundled;
    let direction = match role {
        SdpRole::Answerer => am.direction(),
        SdpRole::Offerer => am.direction().reversed(),
    };
    out.rejected = rejected;
    out.bundled = bundled;
    out.direction = if rejected {
        Direction::Inactive
    } else {
        direction
    };
    out.rtcp_mux = am.rtcp_mux() && om.rtcp_mux();
    out.rtcp_rsize = am.rtcp_rsize() && om.rtcp_rsize();
    if rejected || !am.desc.is_rtp() {
        return Ok(());
    }
    codecs(om, am, role, &mut out.codecs)?;
    extensions(om, am, &mut out.extensions)?;
    if out.direction.receives() {
        out.remote_track = Some(match role {
            SdpRole::Answerer => remote_track(*om),
            SdpRole::Offerer => remote_track(*am),
        });
    }
    Ok(())
}

fn bit(pt: u8) -> u128 {
    1u128 << (pt & 127)
}

/// The answered formats, checked against the offer, into `out`; RTX formats attached to
/// their codec.
fn codecs<'a, const C1: usize, const C2: usize, const C: usize>(
    om: &Media<'_, 'a, C1>,
    am: &Media<'_, 'a, C2>,
    role: SdpRole,
    out: &mut Vec<NegotiatedCodec<'a>, C>,
) -> Result<(), NegotiationError> {
    let (ot, at) = (CodecTable::new(om), CodecTable::new(am));
    out.clear();
    let mut seen = 0u128;
    let mut rtx = 0u128;
    for &pt in am.desc.payload_types() {
        let Some(ac) = at.codec(am, pt).filter(|_| seen & bit(pt) == 0) else {
            continue;
        };
        seen |= bit(pt);
        let index = am.index;
        let oc = ot
            .codec(om, pt)
            .ok_or(NegotiationError::UnknownPayloadType { index, pt })?;
        if !ac.same_encoding(oc.name, oc.clock_rate, oc.channels) {
            return Err(NegotiationError::CodecMismatch { index, pt });
        }
        if ac.is_rtx() {
            rtx |= bit(pt);
            continue;
        }
        let (local_params, remote_params) = match role {
            SdpRole::Answerer => (ac.params, oc.params),
            SdpRole::Offerer => (oc.params, ac.params),
        };
        out.push(NegotiatedCodec {
            pt,
            name: ac.name,
            clock_rate: ac.clock_rate,
            channels: ac.channels,
            local_params,
            remote_params,
            rtcp_fb: ac.rtcp_fb.intersection(oc.rtcp_fb),
            rtx_pt: None,
        })
        .map_err(|_| NegotiationError::TooMany(Limit::NegotiatedCodecs))?;
    }
    for &pt in am
        .desc
        .payload_types()
        .iter()
        .filter(|pt| rtx & bit(**pt) != 0)
    {
        let apt = at.codec(am, pt).and_then(|c| c.params.apt());
        if let Some(c) = out
            .iter_mut()
            .find(|c| Some(c.pt) == apt && c.rtx_pt.is_none())
        {
            c.rtx_pt = Some(pt);
        }
    }
    Ok(())
}

/// Answered `a=extmap` lines that the offer has with the same id and URI; linear, through a
/// table of where the offer's ids are (ids above 255 are not usable in RTP and are skipped).
/// The table holds attribute positions, not the URIs (512 bytes of stack instead of 2 KiB).
fn extensions<'a, const C1: usize, const C2: usize, const E: usize>(
    om: &Media<'_, 'a, C1>,
    am: &Media<'_, 'a, C2>,
    out: &mut Vec<Extension<'a>, E>,
) -> Result<(), NegotiationError> {
    const NONE: u16 = u16::MAX;
    let mut offered = [NONE; 256];
    for (i, a) in om.attributes.iter().enumerate() {
        if let (SdpAttribute::Extmap(x), Ok(i)) = (a, u16::try_from(i)) {
            if let Some(slot) = offered.get_mut(usize::from(x.id)).filter(|s| **s == NONE) {
                *slot = i;
            }
        }
    }
    let offered_uri = |id: u16| match offered.get(usize::from(id)) {
        Some(&i) if i != NONE => match om.attributes.get(usize::from(i)) {
            Some(SdpAttribute::Extmap(x)) => Some(x.uri),
            _ => None,
        },
        _ => None,
    };
    out.clear();
    let mut seen = [0u128; 2];
    for x in am.extmaps() {
        let Some(uri) = offered_uri(x.id) else {
            continue;
        };
        let (word, bit) = (usize::from(x.id / 128) & 1, 1u128 << (x.id % 128));
        let first = seen.get(word).is_some_and(|w| w & bit == 0);
        if uri == x.uri && first {
            if let Some(w) = seen.get_mut(word) {
                *w |= bit;
            }
            out.push(Extension {
                id: x.id,
                uri: x.uri,
            })
            .map_err(|_| NegotiationError::TooMany(Limit::NegotiatedExtensions))?;
        }
    }
    Ok(())
}

fn remote_track<'a, const C: usize>(m: Media<'_, 'a, C>) -> RemoteTrack<'a> {
    let (stream_id, track_id) = match m.msid() {
        Some((s, t)) => (Some(s), t),
        None => (None, None),
    };
    let fid = m
        .ssrc_groups()
        .find(|(s, ssrcs)| *s == "FID" && ssrcs.len() >= 2);
    let (ssrc, rtx_ssrc) = match fid {
        Some((_, ssrcs)) => (ssrcs.first().copied(), ssrcs.get(1).copied()),
        None => (m.ssrcs().next().map(|s| s.0), None),
    };
    let cname = m
        .ssrcs()
        .find(|(s, name, _)| Some(*s) == ssrc && *name == "cname")
        .and_then(|s| s.2);
    RemoteTrack {
        stream_id,
        track_id,
        ssrc,
        rtx_ssrc,
        cname,
    }
}
