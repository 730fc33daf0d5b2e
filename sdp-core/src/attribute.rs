//! The `a=` lines: one typed enum borrowing from the text, its parser and its writer.
//!
//! Every attribute WebRTC negotiates is typed; anything else becomes
//! [`SdpAttribute::Other`] and is written back exactly as it came.

use crate::error::{AttributeKind, Limit, ParseErrorKind};
use crate::fmtp::FmtpParams;
use crate::text::{int, is_token, split_token};
use crate::types::{Direction, Fingerprint, Setup};
use heapless::Vec;

/// SSRCs one `a=ssrc-group` can hold (FID and FEC-FR use 2, SIM up to 3). Three keep
/// [`SdpAttribute`] at 24 bytes on a 32-bit target (32 with four), and every description
/// holds a pool of them.
pub const MAX_GROUP_SSRCS: usize = 3;

/// `a=rtpmap:<pt> <name>/<clock rate>[/<channels>]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rtpmap<'a> {
    /// The payload type, 0–127.
    pub pt: u8,
    /// The encoding name (compare case-insensitively).
    pub name: &'a str,
    /// The RTP clock rate in Hz.
    pub clock_rate: u32,
    /// The encoding parameters: the channel count for audio.
    pub channels: Option<u16>,
}

/// `a=extmap:<id>[/<direction>] <uri> [<attributes>]` (RFC 8285 §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Extmap<'a> {
    /// The extension id: 1–14 for one-byte headers, up to 255 for two-byte ones.
    pub id: u16,
    /// A direction restricting the extension, if any.
    pub direction: Option<Direction>,
    /// The extension URI.
    pub uri: &'a str,
    /// Extension attributes after the URI.
    pub attributes: Option<&'a str>,
}

/// The direction of a restriction identifier (RFC 8851).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RidDirection {
    /// `send`.
    Send,
    /// `recv`.
    Recv,
}

impl RidDirection {
    /// The token.
    pub fn as_str(self) -> &'static str {
        match self {
            RidDirection::Send => "send",
            RidDirection::Recv => "recv",
        }
    }
}

/// One `a=` line.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SdpAttribute<'a> {
    /// `a=mid:<id>` (RFC 9143 §14).
    Mid(&'a str),
    /// `a=sendrecv`, `a=sendonly`, `a=recvonly`, `a=inactive`.
    Direction(Direction),
    /// `a=rtcp-mux` (RFC 5761).
    RtcpMux,
    /// `a=rtcp-mux-only` (RFC 8858).
    RtcpMuxOnly,
    /// `a=rtcp-rsize` (RFC 5506).
    RtcpRsize,
    /// `a=rtcp:<port>[ <nettype> <addrtype> <address>]` (RFC 3605).
    Rtcp {
        /// The RTCP port.
        port: u16,
        /// The address part, as written.
        address: Option<&'a str>,
    },
    /// `a=ice-lite` (RFC 8839 §5.3).
    IceLite,
    /// `a=ice-ufrag:<ufrag>` (RFC 8839 §5.4).
    IceUfrag(&'a str),
    /// `a=ice-pwd:<password>` (RFC 8839 §5.4).
    IcePwd(&'a str),
    /// `a=ice-options:<option> …` (RFC 8839 §5.6), e.g. `trickle`.
    IceOptions(&'a str),
    /// `a=candidate:<value>` (RFC 8839 §5.1); the value after `candidate:` was validated,
    /// [`CandidateLine::parse`](crate::CandidateLine::parse) gives the typed view.
    CandidateLine(&'a str),
    /// `a=end-of-candidates` (RFC 8840).
    EndOfCandidates,
    /// `a=fingerprint:<hash> <value>` (RFC 8122).
    Fingerprint(Fingerprint<'a>),
    /// `a=setup:<role>` (RFC 4145, RFC 8842).
    Setup(Setup),
    /// `a=sctp-port:<port>` (RFC 8841).
    SctpPort(u16),
    /// `a=max-message-size:<bytes>` (RFC 8841; 0 means no limit).
    MaxMessageSize(u64),
    /// `a=msid:<stream id>[ <track id>]` (RFC 8830).
    Msid {
        /// The MediaStream id (`-` for none).
        stream: &'a str,
        /// The track (application data) id.
        track: Option<&'a str>,
    },
    /// `a=extmap-allow-mixed` (RFC 8285 §6): one-byte and two-byte headers may be mixed.
    ExtmapAllowMixed,
    /// `a=extmap` (RFC 8285).
    Extmap(Extmap<'a>),
    /// `a=rtpmap`.
    Rtpmap(Rtpmap<'a>),
    /// `a=fmtp:<pt> <parameters>`.
    Fmtp {
        /// The payload type.
        pt: u8,
        /// The parameters.
        params: FmtpParams<'a>,
    },
    /// `a=rtcp-fb:<pt or *> <type>[ <parameters>]` (RFC 4585 §4.2).
    RtcpFb {
        /// The payload type; `None` for `*` (every format of the section).
        pt: Option<u8>,
        /// The feedback type (`nack`, `ccm`, `goog-remb`, `transport-cc`, …).
        kind: &'a str,
        /// The parameter (`pli`, `fir`, …).
        param: Option<&'a str>,
    },
    /// `a=ssrc:<ssrc> <attribute>[:<value>]` (RFC 5576 §4.1).
    Ssrc {
        /// The SSRC.
        ssrc: u32,
        /// The source attribute (`cname`, `msid`, …).
        name: &'a str,
        /// Its value.
        value: Option<&'a str>,
    },
    /// `a=ssrc-group:<semantics> <ssrc> …` (RFC 5576 §4.2), e.g. `FID` for RTX. Made with
    /// [`SdpAttribute::ssrc_group`]; read with [`SdpAttribute::group_ssrcs`] or
    /// `Media::ssrc_groups`.
    SsrcGroup {
        /// `FID`, `FEC-FR`, `SIM`, …
        semantics: &'a str,
        /// How many of `ssrcs` the group has.
        count: u8,
        /// The SSRCs, in order: the first `count` (the rest 0).
        ssrcs: [u32; MAX_GROUP_SSRCS],
    },
    /// `a=rid:<id> <send|recv>[ <restrictions>]` (RFC 8851).
    Rid {
        /// The restriction identifier.
        id: &'a str,
        /// `send` or `recv`.
        direction: RidDirection,
        /// `pt=…;max-width=…` and the like, as written.
        restrictions: Option<&'a str>,
    },
    /// `a=simulcast:<value>` (RFC 8853), as written (`send 1;2 recv 3`).
    Simulcast(&'a str),
    /// Any other attribute: `a=<name>[:<value>]`, kept verbatim.
    Other {
        /// The attribute name.
        name: &'a str,
        /// The value after `:` (`None` for a property attribute without `:`).
        value: Option<&'a str>,
    },
}

type AttrResult<'a> = Result<SdpAttribute<'a>, ParseErrorKind>;

fn bad(kind: AttributeKind) -> ParseErrorKind {
    ParseErrorKind::BadAttribute(kind)
}

/// A non-empty token without whitespace.
fn token(v: &str, kind: AttributeKind) -> Result<&str, ParseErrorKind> {
    let v = v.trim();
    if is_token(v) {
        Ok(v)
    } else {
        Err(bad(kind))
    }
}

fn flag<'a>(value: Option<&'a str>, attr: SdpAttribute<'a>) -> AttrResult<'a> {
    match value {
        None => Ok(attr),
        Some(_) => Err(bad(AttributeKind::Flag)),
    }
}

impl<'a> SdpAttribute<'a> {
    /// `a=ssrc-group:<semantics> <ssrcs…>`; `None` with more than [`MAX_GROUP_SSRCS`].
    pub fn ssrc_group(semantics: &'a str, ssrcs: &[u32]) -> Option<Self> {
        let mut held = [0u32; MAX_GROUP_SSRCS];
        held.get_mut(..ssrcs.len())?.copy_from_slice(ssrcs);
        Some(SdpAttribute::SsrcGroup {
            semantics,
            count: u8::try_from(ssrcs.len()).ok()?,
            ssrcs: held,
        })
    }

    /// The semantics and SSRCs of an `a=ssrc-group` (`None` for any other attribute).
    pub fn group_ssrcs(&self) -> Option<(&'a str, &[u32])> {
        match self {
            SdpAttribute::SsrcGroup {
                semantics,
                count,
                ssrcs,
            } => Some((
                *semantics,
                ssrcs.get(..usize::from(*count)).unwrap_or(ssrcs),
            )),
            _ => None,
        }
    }

    /// Parse the text after `a=`. `a=group` is handled by the session parser.
    pub fn parse(text: &'a str) -> AttrResult<'a> {
        let (name, value) = match text.split_once(':') {
            Some((n, v)) => (n, Some(v)),
            None => (text, None),
        };
        if name.is_empty() {
            return Err(bad(AttributeKind::Other));
        }
        if let Some(d) = Direction::from_name(name) {
            return match value {
                None => Ok(SdpAttribute::Direction(d)),
                Some(_) => Err(bad(AttributeKind::Direction)),
            };
        }
        match (name, value) {
            ("rtcp-mux", v) => flag(v, SdpAttribute::RtcpMux),
            ("rtcp-mux-only", v) => flag(v, SdpAttribute::RtcpMuxOnly),
            ("rtcp-rsize", v) => flag(v, SdpAttribute::RtcpRsize),
            ("ice-lite", v) => flag(v, SdpAttribute::IceLite),
            ("end-of-candidates", v) => flag(v, SdpAttribute::EndOfCandidates),
            ("extmap-allow-mixed", v) => flag(v, SdpAttribute::ExtmapAllowMixed),
            // A known attribute that needs a value and has none fails its grammar.
            (_, None) => match Self::parse_valued(name, "")? {
                SdpAttribute::Other { .. } => Ok(SdpAttribute::Other { name, value: None }),
                typed => Err(bad(typed.kind())),
            },
            (_, Some(v)) => Self::parse_valued(name, v),
        }
    }

    fn parse_valued(name: &'a str, v: &'a str) -> AttrResult<'a> {
        use AttributeKind as K;
        Ok(match name {
            "mid" => SdpAttribute::Mid(token(v, K::Mid)?),
            "ice-ufrag" => SdpAttribute::IceUfrag(token(v, K::IceUfrag)?),
            "ice-pwd" => SdpAttribute::IcePwd(token(v, K::IcePwd)?),
            "ice-options" => parse_ice_options(v)?,
            "candidate" => parse_candidate(v)?,
            "fingerprint" => parse_fingerprint(v)?,
            "setup" => SdpAttribute::Setup(Setup::from_value(v.trim()).ok_or(bad(K::Setup))?),
            "sctp-port" => SdpAttribute::SctpPort(int(v.trim()).ok_or(bad(K::SctpPort))?),
            "max-message-size" => {
                SdpAttribute::MaxMessageSize(int(v.trim()).ok_or(bad(K::MaxMessageSize))?)
            }
            "rtcp" => parse_rtcp(v)?,
            "msid" => parse_msid(v)?,
            "extmap" => parse_extmap(v)?,
            "rtpmap" => parse_rtpmap(v)?,
            "fmtp" => parse_fmtp(name, v)?,
            "rtcp-fb" => parse_rtcp_fb(v)?,
            "ssrc" => parse_ssrc(v)?,
            "ssrc-group" => parse_ssrc_group(v)?,
            "rid" => parse_rid(v)?,
            "simulcast" => parse_simulcast(v)?,
            _ => SdpAttribute::Other {
                name,
                value: Some(v),
            },
        })
    }

    /// The kind named in errors.
    pub fn kind(&self) -> AttributeKind {
        use AttributeKind as K;
        match self {
            SdpAttribute::Mid(_) => K::Mid,
            SdpAttribute::Direction(_) => K::Direction,
            SdpAttribute::RtcpMux
            | SdpAttribute::RtcpMuxOnly
            | SdpAttribute::RtcpRsize
            | SdpAttribute::IceLite
            | SdpAttribute::EndOfCandidates
            | SdpAttribute::ExtmapAllowMixed => K::Flag,
            SdpAttribute::Rtcp { .. } => K::Rtcp,
            SdpAttribute::IceUfrag(_) => K::IceUfrag,
            SdpAttribute::IcePwd(_) => K::IcePwd,
            SdpAttribute::IceOptions(_) => K::IceOptions,
            SdpAttribute::CandidateLine(_) => K::CandidateLine,
            SdpAttribute::Fingerprint(_) => K::Fingerprint,
            SdpAttribute::Setup(_) => K::Setup,
            SdpAttribute::SctpPort(_) => K::SctpPort,
            SdpAttribute::MaxMessageSize(_) => K::MaxMessageSize,
            SdpAttribute::Msid { .. } => K::Msid,
            SdpAttribute::Extmap(_) => K::Extmap,
            SdpAttribute::Rtpmap(_) => K::Rtpmap,
            SdpAttribute::Fmtp { .. } => K::Fmtp,
            SdpAttribute::RtcpFb { .. } => K::RtcpFb,
            SdpAttribute::Ssrc { .. } => K::Ssrc,
            SdpAttribute::SsrcGroup { .. } => K::SsrcGroup,
            SdpAttribute::Rid { .. } => K::Rid,
            SdpAttribute::Simulcast(_) => K::Simulcast,
            SdpAttribute::Other { .. } => K::Other,
        }
    }
}

fn parse_ice_options(v: &str) -> AttrResult<'_> {
    let v = v.trim();
    if v.is_empty() {
        return Err(bad(AttributeKind::IceOptions));
    }
    Ok(SdpAttribute::IceOptions(v))
}

fn parse_candidate(v: &str) -> AttrResult<'_> {
    match crate::candidate::CandidateLine::parse(v) {
        Some(_) => Ok(SdpAttribute::CandidateLine(v)),
        None => Err(bad(AttributeKind::CandidateLine)),
    }
}

fn parse_fingerprint(v: &str) -> AttrResult<'_> {
    let e = bad(AttributeKind::Fingerprint);
    let (hash, value) = split_token(v).ok_or(e)?;
    let value = value.trim_end();
    let pairs_ok = value
        .split(':')
        .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()));
    // 64 bytes (SHA-512) at most.
    if !pairs_ok || value.len() > 64 * 3 {
        return Err(e);
    }
    Ok(SdpAttribute::Fingerprint(Fingerprint { hash, value }))
}

fn parse_rtcp(v: &str) -> AttrResult<'_> {
    let e = bad(AttributeKind::Rtcp);
    let (port, rest) = split_token(v).ok_or(e)?;
    let port = int(port).ok_or(e)?;
    let rest = rest.trim_end();
    Ok(SdpAttribute::Rtcp {
        port,
        address: (!rest.is_empty()).then_some(rest),
    })
}

fn parse_msid(v: &str) -> AttrResult<'_> {
    let e = bad(AttributeKind::Msid);
    let (stream, rest) = split_token(v).ok_or(e)?;
    let rest = rest.trim_end();
    if rest.contains(char::is_whitespace) {
        return Err(e);
    }
    Ok(SdpAttribute::Msid {
        stream,
        track: (!rest.is_empty()).then_some(rest),
    })
}

fn parse_extmap(v: &str) -> AttrResult<'_> {
    let e = bad(AttributeKind::Extmap);
    let (head, rest) = split_token(v).ok_or(e)?;
    let (id, direction) = match head.split_once('/') {
        Some((id, d)) => (id, Some(Direction::from_name(d).ok_or(e)?)),
        None => (head, None),
    };
    let id: u16 = int(id).ok_or(e)?;
    if id == 0 {
        return Err(e);
    }
    let (uri, attrs) = split_token(rest).ok_or(e)?;
    let attrs = attrs.trim_end();
    Ok(SdpAttribute::Extmap(Extmap {
        id,
        direction,
        uri,
        attributes: (!attrs.is_empty()).then_some(attrs),
    }))
}

fn payload_type(t: &str) -> Option<u8> {
    int::<u8>(t).filter(|pt| *pt <= 127)
}

fn parse_rtpmap(v: &str) -> AttrResult<'_> {
    let e = bad(AttributeKind::Rtpmap);
    let (pt, rest) = split_token(v).ok_or(e)?;
    let pt = payload_type(pt).ok_or(e)?;
    let mut parts = rest.trim_end().split('/');
    let name = parts.next().filter(|n| is_token(n)).ok_or(e)?;
    let clock_rate = parts.next().and_then(int).ok_or(e)?;
    let channels = match parts.next() {
        Some(c) => Some(int(c).ok_or(e)?),
        None => None,
    };
    if parts.next().is_some() {
        return Err(e);
    }
    Ok(SdpAttribute::Rtpmap(Rtpmap {
        pt,
        name,
        clock_rate,
        channels,
    }))
}

fn parse_fmtp<'a>(name: &'a str, v: &'a str) -> AttrResult<'a> {
    let (fmt, rest) = match v.split_once(|c: char| c.is_ascii_whitespace()) {
        Some((f, r)) => (f, r.trim()),
        None => (v, ""),
    };
    match payload_type(fmt) {
        Some(pt) => Ok(SdpAttribute::Fmtp {
            pt,
            params: FmtpParams::Text(rest),
        }),
        // Non-RTP formats (`a=fmtp:webrtc-datachannel …`) stay as written.
        None if is_token(fmt) => Ok(SdpAttribute::Other {
            name,
            value: Some(v),
        }),
        None => Err(bad(AttributeKind::Fmtp)),
    }
}

fn parse_rtcp_fb(v: &str) -> AttrResult<'_> {
    let e = bad(AttributeKind::RtcpFb);
    let (pt, rest) = split_token(v).ok_or(e)?;
    let pt = match pt {
        "*" => None,
        p => Some(payload_type(p).ok_or(e)?),
    };
    let (kind, param) = split_token(rest).ok_or(e)?;
    let param = param.trim_end();
    Ok(SdpAttribute::RtcpFb {
        pt,
        kind,
        param: (!param.is_empty()).then_some(param),
    })
}

fn parse_ssrc(v: &str) -> AttrResult<'_> {
    let e = bad(AttributeKind::Ssrc);
    let (ssrc, rest) = split_token(v).ok_or(e)?;
    let ssrc = int(ssrc).ok_or(e)?;
    if rest.is_empty() {
        return Err(e);
    }
    let (name, value) = match rest.split_once(':') {
        Some((n, v)) => (n, Some(v)),
        None => (rest, None),
    };
    if !is_token(name) {
        return Err(e);
    }
    Ok(SdpAttribute::Ssrc { ssrc, name, value })
}

fn parse_ssrc_group(v: &str) -> AttrResult<'_> {
    let e = bad(AttributeKind::SsrcGroup);
    let mut it = v.split_ascii_whitespace();
    let semantics = it.next().ok_or(e)?;
    let mut ssrcs: Vec<u32, MAX_GROUP_SSRCS> = Vec::new();
    for s in it {
        ssrcs
            .push(int(s).ok_or(e)?)
            .map_err(|_| ParseErrorKind::TooMany(Limit::GroupSsrcs))?;
    }
    SdpAttribute::ssrc_group(semantics, &ssrcs).ok_or(e)
}

fn parse_rid(v: &str) -> AttrResult<'_> {
    let e = bad(AttributeKind::Rid);
    let (id, rest) = split_token(v).ok_or(e)?;
    let (dir, restrictions) = split_token(rest).ok_or(e)?;
    let direction = match dir {
        "send" => RidDirection::Send,
        "recv" => RidDirection::Recv,
        _ => return Err(e),
    };
    let restrictions = restrictions.trim_end();
    Ok(SdpAttribute::Rid {
        id,
        direction,
        restrictions: (!restrictions.is_empty()).then_some(restrictions),
    })
}

fn parse_simulcast(v: &str) -> AttrResult<'_> {
    let v = v.trim();
    let first = v.split_ascii_whitespace().next();
    if !matches!(first, Some("send" | "recv")) {
        return Err(bad(AttributeKind::Simulcast));
    }
    Ok(SdpAttribute::Simulcast(v))
}
