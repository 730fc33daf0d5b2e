//! Errors: parsing (malformed text, with the line number), capacity limits, writing.

use core::fmt;

/// Which fixed capacity an input exceeded. Every one is a const generic or a documented
/// constant, so memory stays bounded whatever the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// More `m=` sections than the description's `M`.
    MediaSections,
    /// More `a=` lines (session and media together) than the description's `A`.
    Attributes,
    /// More formats on one `m=` line than the description's `C`.
    Formats,
    /// More `a=group` lines than [`MAX_GROUPS`](crate::MAX_GROUPS).
    Groups,
    /// More identifiers in one `a=group` than the description's `M`.
    GroupMembers,
    /// More SSRCs in one `a=ssrc-group` than [`MAX_GROUP_SSRCS`](crate::MAX_GROUP_SSRCS).
    GroupSsrcs,
    /// More `b=` lines in one section than [`MAX_BANDWIDTHS`](crate::MAX_BANDWIDTHS).
    Bandwidths,
    /// More rarely used lines (`i=`, `u=`, `e=`, `p=`, `r=`, `z=`, `k=`, extra `t=` or `c=`)
    /// in one section than [`MAX_MISC_LINES`](crate::MAX_MISC_LINES).
    MiscLines,
    /// More negotiated codecs in one section than the negotiated value's `C`.
    NegotiatedCodecs,
    /// More negotiated header extensions in one section than the negotiated value's `E`.
    NegotiatedExtensions,
    /// More remote candidates than the negotiated value's `K`.
    Candidates,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Limit::MediaSections => "media sections",
            Limit::Attributes => "attributes",
            Limit::Formats => "formats on one m= line",
            Limit::Groups => "a=group lines",
            Limit::GroupMembers => "identifiers in one a=group",
            Limit::GroupSsrcs => "SSRCs in one a=ssrc-group",
            Limit::Bandwidths => "b= lines in one section",
            Limit::MiscLines => "i=/u=/e=/p=/r=/z=/k= lines in one section",
            Limit::NegotiatedCodecs => "negotiated codecs in one section",
            Limit::NegotiatedExtensions => "negotiated header extensions in one section",
            Limit::Candidates => "remote candidates",
        })
    }
}

/// The typed attributes, named in errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttributeKind {
    /// `a=group` (RFC 5888, RFC 9143).
    Group,
    /// `a=mid`.
    Mid,
    /// A direction attribute with a value, or a second one in a section.
    Direction,
    /// `a=rtcp` (RFC 3605).
    Rtcp,
    /// `a=rtcp-mux`, `a=rtcp-mux-only`, `a=rtcp-rsize`, `a=ice-lite`, `a=end-of-candidates`,
    /// `a=extmap-allow-mixed` given a value.
    Flag,
    /// `a=ice-ufrag`.
    IceUfrag,
    /// `a=ice-pwd`.
    IcePwd,
    /// `a=ice-options`.
    IceOptions,
    /// `a=candidate` (RFC 8839 §5.1).
    CandidateLine,
    /// `a=fingerprint` (RFC 8122).
    Fingerprint,
    /// `a=setup` (RFC 4145).
    Setup,
    /// `a=sctp-port` (RFC 8841).
    SctpPort,
    /// `a=max-message-size` (RFC 8841).
    MaxMessageSize,
    /// `a=msid` (RFC 8830).
    Msid,
    /// `a=extmap` (RFC 8285).
    Extmap,
    /// `a=rtpmap`.
    Rtpmap,
    /// `a=fmtp`.
    Fmtp,
    /// `a=rtcp-fb` (RFC 4585).
    RtcpFb,
    /// `a=ssrc` (RFC 5576).
    Ssrc,
    /// `a=ssrc-group` (RFC 5576).
    SsrcGroup,
    /// `a=rid` (RFC 8851).
    Rid,
    /// `a=simulcast` (RFC 8853).
    Simulcast,
    /// Any other attribute (empty name).
    Other,
}

/// What was wrong with a line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ParseErrorKind {
    /// The input is empty (or only blank lines).
    Empty,
    /// The bytes of this line are not UTF-8.
    NotUtf8,
    /// The line does not look like `<letter>=<value>`.
    NotATypeLine,
    /// A NUL or carriage return inside the line (RFC 8866 §9 excludes them).
    ControlCharacter,
    /// A type letter SDP does not define (RFC 8866 §5: such descriptions are rejected).
    UnknownType(u8),
    /// A known line in a place the grammar does not allow it (for example `o=` twice, or
    /// `t=` inside a media section).
    UnexpectedLine(u8),
    /// The description ended (or a media section began) without a required line.
    Missing(u8),
    /// `v=` is not `v=0`.
    BadVersion,
    /// `o=` does not have six fields with numeric session id and version.
    BadOrigin,
    /// `c=` does not have three fields.
    BadConnection,
    /// `b=` is not `<type>:<number>`.
    BadBandwidth,
    /// `t=` is not two numbers.
    BadTiming,
    /// `m=` is not `<media> <port>[/<count>] <proto> <fmt>...`.
    BadMedia,
    /// An RTP `m=` line lists a format that is not a payload type 0–127.
    BadPayloadType,
    /// The value of an attribute does not follow its grammar.
    BadAttribute(AttributeKind),
    /// An attribute that may appear once per section appears again (`a=mid`, a direction,
    /// `a=rtpmap` or `a=fmtp` for the same payload type).
    Duplicate(AttributeKind),
    /// Two media sections carry the same `a=mid`.
    DuplicateMid,
    /// A fixed capacity was exceeded.
    TooMany(Limit),
}

/// A description could not be parsed: which line (1-based) and what was wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The line number, counting from 1 (`0` only for [`ParseErrorKind::Empty`]).
    pub line: u32,
    /// What was wrong.
    pub kind: ParseErrorKind,
}

impl ParseError {
    pub(crate) fn new(line: u32, kind: ParseErrorKind) -> Self {
        ParseError { line, kind }
    }
}

impl fmt::Display for ParseErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseErrorKind::Empty => f.write_str("empty description"),
            ParseErrorKind::NotUtf8 => f.write_str("not UTF-8"),
            ParseErrorKind::NotATypeLine => f.write_str("not a <type>=<value> line"),
            ParseErrorKind::ControlCharacter => f.write_str("NUL or CR inside the line"),
            ParseErrorKind::UnknownType(t) => write!(f, "unknown line type '{}'", char::from(*t)),
            ParseErrorKind::UnexpectedLine(t) => {
                write!(f, "'{}=' not allowed here", char::from(*t))
            }
            ParseErrorKind::Missing(t) => write!(f, "missing '{}=' line", char::from(*t)),
            ParseErrorKind::BadVersion => f.write_str("v= must be 0"),
            ParseErrorKind::BadOrigin => f.write_str("malformed o= line"),
            ParseErrorKind::BadConnection => f.write_str("malformed c= line"),
            ParseErrorKind::BadBandwidth => f.write_str("malformed b= line"),
            ParseErrorKind::BadTiming => f.write_str("malformed t= line"),
            ParseErrorKind::BadMedia => f.write_str("malformed m= line"),
            ParseErrorKind::BadPayloadType => f.write_str("RTP format is not a payload type 0-127"),
            ParseErrorKind::BadAttribute(a) => write!(f, "malformed {a:?} attribute"),
            ParseErrorKind::Duplicate(a) => write!(f, "duplicate {a:?} attribute"),
            ParseErrorKind::DuplicateMid => f.write_str("two media sections with the same mid"),
            ParseErrorKind::TooMany(l) => write!(f, "too many {l}"),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SDP line {}: {}", self.line, self.kind)
    }
}

impl core::error::Error for ParseError {}

/// Writing a description into a caller buffer failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmitError {
    /// `out` is shorter than the description; it was left untouched.
    BufferTooSmall {
        /// Bytes the whole description needs.
        needed: usize,
    },
}

impl fmt::Display for EmitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EmitError::BufferTooSmall { needed } => {
                write!(f, "output buffer too small: {needed} bytes needed")
            }
        }
    }
}

impl core::error::Error for EmitError {}

/// Building a description by hand failed (caller misuse or capacity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BuildError {
    /// A fixed capacity was exceeded.
    TooMany(Limit),
    /// A session-level attribute was pushed after the first media section.
    SessionAttributeAfterMedia,
    /// A media attribute was pushed before any media section.
    NoMediaSection,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::TooMany(l) => write!(f, "too many {l}"),
            BuildError::SessionAttributeAfterMedia => {
                f.write_str("session attribute pushed after a media section")
            }
            BuildError::NoMediaSection => {
                f.write_str("media attribute pushed before any m= section")
            }
        }
    }
}

impl core::error::Error for BuildError {}
