//! Small value types shared by the model and the negotiation: directions, DTLS setup roles,
//! media kinds, RTCP feedback sets, and the lines of the session header.

use core::fmt;

/// A media direction attribute (RFC 8866 §6.7; RFC 3264 §5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `a=sendrecv` (the default when a section has none).
    SendRecv,
    /// `a=sendonly`.
    SendOnly,
    /// `a=recvonly`.
    RecvOnly,
    /// `a=inactive`.
    Inactive,
}

impl Direction {
    /// From "sends" and "receives".
    pub const fn new(send: bool, recv: bool) -> Self {
        match (send, recv) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }
    /// Whether this side sends.
    pub const fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }
    /// Whether this side receives.
    pub const fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }
    /// The same stream seen from the other side (`sendonly` ↔ `recvonly`).
    pub const fn reversed(self) -> Self {
        Direction::new(self.receives(), self.sends())
    }
    /// The answer to an offered direction given what the answerer wants (RFC 3264 §6.1):
    /// the answerer sends only if it wants to and the offerer receives, and vice versa.
    pub const fn answer(offered: Direction, wanted: Direction) -> Self {
        Direction::new(
            wanted.sends() && offered.receives(),
            wanted.receives() && offered.sends(),
        )
    }
    /// The attribute name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }
    /// From the attribute name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "sendrecv" => Direction::SendRecv,
            "sendonly" => Direction::SendOnly,
            "recvonly" => Direction::RecvOnly,
            "inactive" => Direction::Inactive,
            _ => return None,
        })
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The DTLS `a=setup` role (RFC 4145 §4, RFC 8842).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Setup {
    /// `active`: this side starts the DTLS handshake (is the DTLS client).
    Active,
    /// `passive`: this side waits for the handshake (is the DTLS server).
    Passive,
    /// `actpass`: either; offers use it (RFC 8842 §5.2).
    ActPass,
    /// `holdconn`: no connection yet (not used by WebRTC).
    HoldConn,
}

impl Setup {
    /// The attribute value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Setup::Active => "active",
            Setup::Passive => "passive",
            Setup::ActPass => "actpass",
            Setup::HoldConn => "holdconn",
        }
    }
    /// From the attribute value.
    pub fn from_value(v: &str) -> Option<Self> {
        Some(match v {
            "active" => Setup::Active,
            "passive" => Setup::Passive,
            "actpass" => Setup::ActPass,
            "holdconn" => Setup::HoldConn,
            _ => return None,
        })
    }
}

pub use sansio::DtlsRole;

/// The `<media>` of an `m=` line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MediaKind<'a> {
    /// `audio`.
    Audio,
    /// `video`.
    Video,
    /// `application` (data channels).
    Application,
    /// Anything else (`text`, `message`, `image`, …), kept as written.
    Other(&'a str),
}

impl<'a> MediaKind<'a> {
    /// From the token of an `m=` line.
    pub fn from_token(t: &'a str) -> Self {
        match t {
            "audio" => MediaKind::Audio,
            "video" => MediaKind::Video,
            "application" => MediaKind::Application,
            other => MediaKind::Other(other),
        }
    }
    /// The token.
    pub const fn as_str(&self) -> &'a str {
        match self {
            MediaKind::Audio => "audio",
            MediaKind::Video => "video",
            MediaKind::Application => "application",
            MediaKind::Other(t) => t,
        }
    }
}

/// The RTCP feedback messages (RFC 4585, RFC 5104 and the two WebRTC congestion-control
/// ones) this crate negotiates, as a set. Others stay in the description as text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RtcpFbSet(u8);

impl RtcpFbSet {
    /// No feedback.
    pub const NONE: Self = RtcpFbSet(0);
    /// `nack` (generic NACK, RFC 4585 §6.2.1).
    pub const NACK: Self = RtcpFbSet(1);
    /// `nack pli` (picture loss indication, RFC 4585 §6.3.1).
    pub const NACK_PLI: Self = RtcpFbSet(2);
    /// `ccm fir` (full intra request, RFC 5104 §4.3.1).
    pub const CCM_FIR: Self = RtcpFbSet(4);
    /// `goog-remb` (receiver estimated maximum bitrate).
    pub const GOOG_REMB: Self = RtcpFbSet(8);
    /// `transport-cc` (transport-wide congestion control feedback).
    pub const TRANSPORT_CC: Self = RtcpFbSet(16);
    /// Everything above: what a video receiver built on rtp-core can do.
    pub const ALL: Self = RtcpFbSet(31);

    const TABLE: [(RtcpFbSet, &'static str, Option<&'static str>); 5] = [
        (Self::GOOG_REMB, "goog-remb", None),
        (Self::TRANSPORT_CC, "transport-cc", None),
        (Self::CCM_FIR, "ccm", Some("fir")),
        (Self::NACK, "nack", None),
        (Self::NACK_PLI, "nack", Some("pli")),
    ];

    /// Whether every member of `other` is in `self`.
    pub const fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
    /// Members of both.
    pub const fn intersection(self, other: Self) -> Self {
        RtcpFbSet(self.0 & other.0)
    }
    /// Members of either.
    pub const fn union(self, other: Self) -> Self {
        RtcpFbSet(self.0 | other.0)
    }
    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The member named by an `a=rtcp-fb` type and parameter, if it is one of ours.
    pub fn from_attribute(kind: &str, param: Option<&str>) -> Self {
        Self::TABLE
            .iter()
            .find(|(_, k, p)| *k == kind && *p == param)
            .map_or(Self::NONE, |(s, _, _)| *s)
    }
    /// The members as `(type, parameter)` pairs, in the order Chromium writes them.
    pub fn iter(self) -> impl Iterator<Item = (&'static str, Option<&'static str>)> {
        Self::TABLE
            .into_iter()
            .filter(move |(s, _, _)| self.contains(*s))
            .map(|(_, k, p)| (k, p))
    }
}

/// `a=fingerprint:<hash> <value>` (RFC 8122 §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fingerprint<'a> {
    /// The hash function, e.g. `sha-256` (compare case-insensitively).
    pub hash: &'a str,
    /// Upper-case hex bytes separated by colons.
    pub value: &'a str,
}

impl Fingerprint<'_> {
    /// The fingerprint bytes decoded into `out`; `None` when `out` is too short. The value
    /// was validated when parsed, so a parsed fingerprint always decodes.
    pub fn bytes<'o>(&self, out: &'o mut [u8]) -> Option<&'o [u8]> {
        let mut n = 0;
        for pair in self.value.split(':') {
            let byte = u8::from_str_radix(pair, 16).ok()?;
            *out.get_mut(n)? = byte;
            n += 1;
        }
        out.get(..n)
    }
}

/// `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin<'a> {
    /// `-` in WebRTC.
    pub username: &'a str,
    /// The session id.
    pub session_id: u64,
    /// Incremented on every new offer or answer of the session.
    pub session_version: u64,
    /// `IN`.
    pub net_type: &'a str,
    /// `IP4` or `IP6`.
    pub addr_type: &'a str,
    /// An address; WebRTC uses `127.0.0.1` or `0.0.0.0`.
    pub address: &'a str,
}

impl Origin<'static> {
    /// `- 0 0 IN IP4 0.0.0.0`: what a description holds before
    /// [`parse_into`](crate::SessionDescription::parse_into) fills it.
    pub const EMPTY: Origin<'static> = Origin {
        username: "-",
        session_id: 0,
        session_version: 0,
        net_type: "IN",
        addr_type: "IP4",
        address: "0.0.0.0",
    };
}

/// `c=<nettype> <addrtype> <connection-address>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Connection<'a> {
    /// `IN`.
    pub net_type: &'a str,
    /// `IP4` or `IP6`.
    pub addr_type: &'a str,
    /// The address (with `/ttl` or `/count` for multicast, kept as written).
    pub address: &'a str,
}

impl Connection<'static> {
    /// `c=IN IP4 0.0.0.0`, what JSEP writes while candidates trickle.
    pub const UNSPECIFIED: Self = Connection {
        net_type: "IN",
        addr_type: "IP4",
        address: "0.0.0.0",
    };
}

/// `b=<bwtype>:<bandwidth>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BandwidthLine<'a> {
    /// `AS`, `CT`, `TIAS`, …
    pub kind: &'a str,
    /// The value (kbit/s for `AS` and `CT`, bit/s for `TIAS`).
    pub value: u64,
}

/// A line this crate keeps but does not interpret (`i=`, `u=`, `e=`, `p=`, `r=`, `z=`, `k=`,
/// or an extra `t=` or `c=`), written back as it came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Line<'a> {
    /// The type letter.
    pub kind: u8,
    /// Everything after `=`.
    pub value: &'a str,
}
