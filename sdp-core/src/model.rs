//! The typed model of a session description, borrowing its text from the input.
//!
//! Attributes of the whole description live in one pool of `A` entries in the order they
//! were written: the session-level ones first, then each media section's. A media section
//! records where its attributes end, so a description with one large video section and two
//! small ones needs no per-section worst case. [`Media`] pairs a section with its slice.

use crate::attribute::{Extmap, Rtpmap, SdpAttribute};
use crate::candidate::CandidateLine;
use crate::error::{BuildError, Limit};
use crate::types::{
    BandwidthLine, Connection, Direction, Fingerprint, Line, MediaKind, Origin, Setup,
};
use heapless::Vec;

/// `a=group` lines a description can hold (BUNDLE, and one more such as LS).
pub const MAX_GROUPS: usize = 2;
/// `b=` lines per section.
pub const MAX_BANDWIDTHS: usize = 3;
/// Rarely used lines (`i=`, `u=`, `e=`, `p=`, `r=`, `z=`, `k=`, extra `t=`/`c=`) per section.
pub const MAX_MISC_LINES: usize = 4;

/// Default number of media sections.
pub const DEFAULT_MEDIA: usize = 16;
/// Default number of attributes in the whole description (a Chromium audio + video + data
/// offer has about 170).
pub const DEFAULT_ATTRIBUTES: usize = 512;
/// Default number of formats on one `m=` line (Chromium's video section lists 23).
pub const DEFAULT_FORMATS: usize = 64;

/// `a=group:<semantics> <mid> …` (RFC 5888; `BUNDLE` per RFC 9143).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Group<'a, const N: usize> {
    /// `BUNDLE`, `LS`, …
    pub semantics: &'a str,
    /// The identification tags, in order; for BUNDLE the first is the tagged section.
    pub mids: Vec<&'a str, N>,
}

/// The formats of an `m=` line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Formats<'a, const C: usize> {
    /// RTP payload types (any protocol with an `RTP` part).
    Payloads(Vec<u8, C>),
    /// Anything else, as written (`webrtc-datachannel`).
    Text(&'a str),
}

/// The session timing, `t=<start> <stop>` (`t=0 0` in WebRTC).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Timing {
    /// Start time (NTP seconds, 0 for unbounded).
    pub start: u64,
    /// Stop time (NTP seconds, 0 for unbounded).
    pub stop: u64,
}

/// One `m=` section without its attributes (they are in the description's pool).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MediaDescription<'a, const C: usize> {
    /// `audio`, `video`, `application`, …
    pub kind: MediaKind<'a>,
    /// The port; 0 rejects (or disables) the section.
    pub port: u16,
    /// `/<number of ports>` after the port, if written.
    pub port_count: Option<u16>,
    /// `UDP/TLS/RTP/SAVPF`, `UDP/DTLS/SCTP`, …
    pub proto: &'a str,
    /// The formats.
    pub formats: Formats<'a, C>,
    /// The first `c=` line.
    pub connection: Option<Connection<'a>>,
    /// `b=` lines.
    pub bandwidths: Vec<BandwidthLine<'a>, MAX_BANDWIDTHS>,
    /// `i=`, `k=` and further `c=` lines.
    pub misc: Vec<Line<'a>, MAX_MISC_LINES>,
    pub(crate) attrs_end: u16,
}

impl<'a, const C: usize> MediaDescription<'a, C> {
    /// A section with no connection, bandwidth or attributes.
    pub fn new(kind: MediaKind<'a>, port: u16, proto: &'a str, formats: Formats<'a, C>) -> Self {
        MediaDescription {
            kind,
            port,
            port_count: None,
            proto,
            formats,
            connection: None,
            bandwidths: Vec::new(),
            misc: Vec::new(),
            attrs_end: 0,
        }
    }
    /// Whether the protocol carries RTP (`RTP/AVP`, `UDP/TLS/RTP/SAVPF`, …).
    pub fn is_rtp(&self) -> bool {
        is_rtp_proto(self.proto)
    }
    /// The payload types (empty for non-RTP sections).
    pub fn payload_types(&self) -> &[u8] {
        match &self.formats {
            Formats::Payloads(p) => p,
            Formats::Text(_) => &[],
        }
    }
}

pub(crate) fn is_rtp_proto(proto: &str) -> bool {
    proto.split('/').any(|p| p == "RTP")
}

/// A parsed or built session description.
///
/// * `M`: media sections ([`DEFAULT_MEDIA`]),
/// * `A`: attributes in the whole description ([`DEFAULT_ATTRIBUTES`]),
/// * `C`: formats per `m=` line ([`DEFAULT_FORMATS`]).
///
/// Memory is fixed by these (see the crate README for the byte figures); parsing input that
/// needs more fails with [`ParseErrorKind::TooMany`](crate::ParseErrorKind::TooMany).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SessionDescription<
    'a,
    const M: usize = DEFAULT_MEDIA,
    const A: usize = DEFAULT_ATTRIBUTES,
    const C: usize = DEFAULT_FORMATS,
> {
    /// `o=`.
    pub origin: Origin<'a>,
    /// `s=` (`-` in WebRTC).
    pub name: &'a str,
    /// The first `t=` line.
    pub timing: Timing,
    /// Session-level `c=`.
    pub connection: Option<Connection<'a>>,
    /// Session-level `b=` lines.
    pub bandwidths: Vec<BandwidthLine<'a>, MAX_BANDWIDTHS>,
    /// `i=`, `u=`, `e=`, `p=`, `r=`, `z=`, `k=` and further `t=` lines, in order.
    pub misc: Vec<Line<'a>, MAX_MISC_LINES>,
    /// `a=group` lines (written first among the session attributes).
    pub groups: Vec<Group<'a, M>, MAX_GROUPS>,
    pub(crate) session_attrs: u16,
    pub(crate) media: Vec<MediaDescription<'a, C>, M>,
    pub(crate) attributes: Vec<SdpAttribute<'a>, A>,
}

impl<'a, const M: usize, const A: usize, const C: usize> SessionDescription<'a, M, A, C> {
    /// An empty description: the origin, `s=-`, `t=0 0`, nothing else.
    pub fn new(origin: Origin<'a>) -> Self {
        let () = Self::CAPACITY_FITS;
        SessionDescription {
            origin,
            name: "-",
            timing: Timing::default(),
            connection: None,
            bandwidths: Vec::new(),
            misc: Vec::new(),
            groups: Vec::new(),
            session_attrs: 0,
            media: Vec::new(),
            attributes: Vec::new(),
        }
    }

    /// Empty everything (the origin stays) so the description can be filled again.
    pub fn clear(&mut self) {
        self.name = "-";
        self.timing = Timing::default();
        self.connection = None;
        self.bandwidths.clear();
        self.misc.clear();
        self.groups.clear();
        self.session_attrs = 0;
        self.media.clear();
        self.attributes.clear();
    }

    /// Append a session-level attribute; only before the first media section.
    pub fn push_session_attribute(&mut self, a: SdpAttribute<'a>) -> Result<(), BuildError> {
        if !self.media.is_empty() {
            return Err(BuildError::SessionAttributeAfterMedia);
        }
        self.push_attr(a)?;
        self.session_attrs = self.attr_len();
        Ok(())
    }

    /// Append a media section (its attributes follow with [`push_attribute`](Self::push_attribute)).
    pub fn push_media(&mut self, mut m: MediaDescription<'a, C>) -> Result<(), BuildError> {
        m.attrs_end = self.attr_len();
        self.media
            .push(m)
            .map_err(|_| BuildError::TooMany(Limit::MediaSections))
    }

    /// Append an attribute to the last media section.
    pub fn push_attribute(&mut self, a: SdpAttribute<'a>) -> Result<(), BuildError> {
        if self.media.is_empty() {
            return Err(BuildError::NoMediaSection);
        }
        self.push_attr(a)?;
        let end = self.attr_len();
        if let Some(m) = self.media.last_mut() {
            m.attrs_end = end;
        }
        Ok(())
    }

    /// Append an `a=group` line.
    pub fn push_group(&mut self, g: Group<'a, M>) -> Result<(), BuildError> {
        self.groups
            .push(g)
            .map_err(|_| BuildError::TooMany(Limit::Groups))
    }

    fn push_attr(&mut self, a: SdpAttribute<'a>) -> Result<(), BuildError> {
        self.attributes
            .push(a)
            .map_err(|_| BuildError::TooMany(Limit::Attributes))
    }

    fn attr_len(&self) -> u16 {
        // `CAPACITY_FITS` guarantees A <= u16::MAX, so this never saturates.
        u16::try_from(self.attributes.len()).unwrap_or(u16::MAX)
    }

    /// SdpAttribute positions are stored as `u16`: refuse larger pools at compile time.
    pub(crate) const CAPACITY_FITS: () = assert!(A <= u16::MAX as usize, "A must be <= 65535");

    /// The session-level attributes.
    pub fn session_attributes(&self) -> &[SdpAttribute<'a>] {
        self.attributes
            .get(..usize::from(self.session_attrs))
            .unwrap_or(&[])
    }

    /// The number of media sections.
    pub fn media_count(&self) -> usize {
        self.media.len()
    }

    /// Media section `index` with its attributes.
    pub fn media_at(&self, index: usize) -> Option<Media<'_, 'a, C>> {
        let desc = self.media.get(index)?;
        let start = match index.checked_sub(1) {
            Some(prev) => self.media.get(prev)?.attrs_end,
            None => self.session_attrs,
        };
        let attributes = self
            .attributes
            .get(usize::from(start)..usize::from(desc.attrs_end))
            .unwrap_or(&[]);
        Some(Media {
            index,
            desc,
            attributes,
            session: self.session_attributes(),
        })
    }

    /// The media sections in order.
    pub fn media(&self) -> impl Iterator<Item = Media<'_, 'a, C>> {
        (0..self.media.len()).filter_map(move |i| self.media_at(i))
    }

    /// Mutable access to a section's `m=`/`c=`/`b=` fields (not its attributes).
    pub fn media_description_mut(&mut self, index: usize) -> Option<&mut MediaDescription<'a, C>> {
        self.media.get_mut(index)
    }

    /// The first `a=group:BUNDLE`.
    pub fn bundle(&self) -> Option<&Group<'a, M>> {
        self.groups.iter().find(|g| g.semantics == "BUNDLE")
    }

    /// The section carrying `a=mid:<mid>`.
    pub fn media_by_mid(&self, mid: &str) -> Option<Media<'_, 'a, C>> {
        self.media().find(|m| m.mid() == Some(mid))
    }

    /// Whether the session declares `a=ice-lite`.
    pub fn ice_lite(&self) -> bool {
        self.session_attributes()
            .iter()
            .any(|a| matches!(a, SdpAttribute::IceLite))
    }

    /// Whether the session declares `a=extmap-allow-mixed`.
    pub fn extmap_allow_mixed(&self) -> bool {
        self.session_attributes()
            .iter()
            .any(|a| matches!(a, SdpAttribute::ExtmapAllowMixed))
    }
}

/// A media section with its attributes (and the session's, for the values a section
/// inherits: ICE credentials and options, fingerprint, setup, direction).
#[derive(Clone, Copy, Debug)]
pub struct Media<'s, 'a, const C: usize> {
    /// The position of the section (0-based, the order of `m=` lines).
    pub index: usize,
    /// The `m=` line and its `c=`/`b=`/misc lines.
    pub desc: &'s MediaDescription<'a, C>,
    /// The section's attributes in order.
    pub attributes: &'s [SdpAttribute<'a>],
    /// The session-level attributes.
    pub session: &'s [SdpAttribute<'a>],
}

macro_rules! find {
    ($attrs:expr, $pat:pat => $v:expr) => {
        $attrs.iter().find_map(|a| match a {
            $pat => Some($v),
            _ => None,
        })
    };
}

impl<'s, 'a, const C: usize> Media<'s, 'a, C> {
    /// `a=mid`.
    pub fn mid(&self) -> Option<&'a str> {
        find!(self.attributes, SdpAttribute::Mid(m) => *m)
    }
    /// The direction: the section's, else the session's, else `sendrecv` (RFC 8866 §6.7).
    pub fn direction(&self) -> Direction {
        find!(self.attributes, SdpAttribute::Direction(d) => *d)
            .or_else(|| find!(self.session, SdpAttribute::Direction(d) => *d))
            .unwrap_or(Direction::SendRecv)
    }
    /// Whether the section is rejected or disabled (port 0).
    pub fn is_rejected(&self) -> bool {
        self.desc.port == 0
    }
    /// `a=ice-ufrag`, from the section or the session.
    pub fn ice_ufrag(&self) -> Option<&'a str> {
        find!(self.attributes, SdpAttribute::IceUfrag(u) => *u)
            .or_else(|| find!(self.session, SdpAttribute::IceUfrag(u) => *u))
    }
    /// `a=ice-pwd`, from the section or the session.
    pub fn ice_pwd(&self) -> Option<&'a str> {
        find!(self.attributes, SdpAttribute::IcePwd(p) => *p)
            .or_else(|| find!(self.session, SdpAttribute::IcePwd(p) => *p))
    }
    /// Whether `a=ice-options` (section or session) lists `option` (e.g. `trickle`).
    pub fn has_ice_option(&self, option: &str) -> bool {
        self.attributes
            .iter()
            .chain(self.session)
            .any(|a| matches!(a, SdpAttribute::IceOptions(o) if o.split_ascii_whitespace().any(|x| x == option)))
    }
    /// `a=fingerprint` (the first), from the section or the session.
    pub fn fingerprint(&self) -> Option<Fingerprint<'a>> {
        find!(self.attributes, SdpAttribute::Fingerprint(f) => *f)
            .or_else(|| find!(self.session, SdpAttribute::Fingerprint(f) => *f))
    }
    /// `a=setup`, from the section or the session.
    pub fn setup(&self) -> Option<Setup> {
        find!(self.attributes, SdpAttribute::Setup(s) => *s)
            .or_else(|| find!(self.session, SdpAttribute::Setup(s) => *s))
    }
    /// The `a=candidate` lines of the section, typed.
    pub fn candidates(&self) -> impl Iterator<Item = CandidateLine<'a>> + 's {
        self.attributes.iter().filter_map(|a| match a {
            SdpAttribute::CandidateLine(c) => CandidateLine::parse(c),
            _ => None,
        })
    }
    /// Whether the section has `a=end-of-candidates` (or the session has).
    pub fn end_of_candidates(&self) -> bool {
        self.flag(|a| matches!(a, SdpAttribute::EndOfCandidates))
            || self
                .session
                .iter()
                .any(|a| matches!(a, SdpAttribute::EndOfCandidates))
    }
    fn flag(&self, f: impl Fn(&SdpAttribute<'a>) -> bool) -> bool {
        self.attributes.iter().any(f)
    }
    /// `a=rtcp-mux`.
    pub fn rtcp_mux(&self) -> bool {
        self.flag(|a| matches!(a, SdpAttribute::RtcpMux))
    }
    /// `a=rtcp-mux-only`.
    pub fn rtcp_mux_only(&self) -> bool {
        self.flag(|a| matches!(a, SdpAttribute::RtcpMuxOnly))
    }
    /// `a=rtcp-rsize`.
    pub fn rtcp_rsize(&self) -> bool {
        self.flag(|a| matches!(a, SdpAttribute::RtcpRsize))
    }
    /// `a=sctp-port`.
    pub fn sctp_port(&self) -> Option<u16> {
        find!(self.attributes, SdpAttribute::SctpPort(p) => *p)
    }
    /// `a=max-message-size`.
    pub fn max_message_size(&self) -> Option<u64> {
        find!(self.attributes, SdpAttribute::MaxMessageSize(s) => *s)
    }
    /// `a=msid` (the first): stream id and track id.
    pub fn msid(&self) -> Option<(&'a str, Option<&'a str>)> {
        find!(self.attributes, SdpAttribute::Msid { stream, track } => (*stream, *track))
    }
    /// The `a=extmap` lines.
    pub fn extmaps(&self) -> impl Iterator<Item = Extmap<'a>> + 's {
        self.attributes.iter().filter_map(|a| match a {
            SdpAttribute::Extmap(x) => Some(*x),
            _ => None,
        })
    }
    /// The `a=rtpmap` lines.
    pub fn rtpmaps(&self) -> impl Iterator<Item = Rtpmap<'a>> + 's {
        self.attributes.iter().filter_map(|a| match a {
            SdpAttribute::Rtpmap(r) => Some(*r),
            _ => None,
        })
    }
    /// `a=ssrc` lines: `(ssrc, attribute, value)`.
    pub fn ssrcs(&self) -> impl Iterator<Item = (u32, &'a str, Option<&'a str>)> + 's {
        self.attributes.iter().filter_map(|a| match a {
            SdpAttribute::Ssrc { ssrc, name, value } => Some((*ssrc, *name, *value)),
            _ => None,
        })
    }
    /// `a=ssrc-group` lines: `(semantics, ssrcs)`.
    pub fn ssrc_groups(&self) -> impl Iterator<Item = (&'a str, &'s [u32])> + 's {
        self.attributes.iter().filter_map(SdpAttribute::group_ssrcs)
    }
    /// `a=rid` lines: `(id, direction, restrictions)`.
    pub fn rids(
        &self,
    ) -> impl Iterator<Item = (&'a str, crate::attribute::RidDirection, Option<&'a str>)> + 's {
        self.attributes.iter().filter_map(|a| match a {
            SdpAttribute::Rid {
                id,
                direction,
                restrictions,
            } => Some((*id, *direction, *restrictions)),
            _ => None,
        })
    }
    /// `a=simulcast`, as written.
    pub fn simulcast(&self) -> Option<&'a str> {
        find!(self.attributes, SdpAttribute::Simulcast(s) => *s)
    }
    /// Attributes this crate does not interpret: `(name, value)`.
    pub fn other_attributes(&self) -> impl Iterator<Item = (&'a str, Option<&'a str>)> + 's {
        self.attributes.iter().filter_map(|a| match a {
            SdpAttribute::Other { name, value } => Some((*name, *value)),
            _ => None,
        })
    }
}
