//! The parser: one pass over the lines, no allocation, every error naming its line.
//!
//! Accepted: CRLF or LF line ends, blank lines (skipped), the RFC 8866 line types in the
//! order of §5 with some leniency (session lines after `t=` in any order). Rejected with a
//! typed error: unknown type letters (§5 allows rejecting them), NUL or CR inside a line,
//! `v=` other than 0, malformed typed lines and attributes, duplicate `a=mid` (in a section
//! or across sections), duplicate direction, `a=rtpmap` or `a=fmtp` for one payload type.

use crate::attribute::SdpAttribute;
use crate::error::{AttributeKind, Limit, ParseError, ParseErrorKind};
use crate::model::{is_rtp_proto, Formats, Group, MediaDescription, SessionDescription, Timing};
use crate::text::{int, is_token, split_token, Tokens};
use crate::types::{BandwidthLine, Connection, Line, MediaKind, Origin};
use heapless::Vec;

type Kind = ParseErrorKind;

/// One line: number, type letter, value.
struct Lines<'a> {
    rest: &'a str,
    number: u32,
}

impl<'a> Lines<'a> {
    fn next(&mut self) -> Option<Result<(u32, u8, &'a str), ParseError>> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            let (line, rest) = match self.rest.find('\n') {
                Some(i) => (self.rest.get(..i)?, self.rest.get(i + 1..)?),
                None => (self.rest, ""),
            };
            self.rest = rest;
            self.number = self.number.saturating_add(1);
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.bytes().all(|b| b.is_ascii_whitespace()) {
                continue;
            }
            return Some(self.split(line));
        }
    }

    fn split(&self, line: &'a str) -> Result<(u32, u8, &'a str), ParseError> {
        let err = |k| ParseError::new(self.number, k);
        let b = line.as_bytes();
        // Two memchr scans beat one byte-by-byte loop.
        if b.contains(&0) || b.contains(&b'\r') {
            return Err(err(Kind::ControlCharacter));
        }
        match (b.first(), b.get(1)) {
            (Some(t), Some(b'=')) if t.is_ascii_lowercase() => {
                Ok((self.number, *t, line.get(2..).unwrap_or("")))
            }
            _ => Err(err(Kind::NotATypeLine)),
        }
    }
}

/// Per-section duplicate checks (bounded: a few bits per payload type).
#[derive(Default)]
struct SectionCheck {
    mid: bool,
    direction: bool,
    rtpmap: u128,
    fmtp: u128,
}

impl SectionCheck {
    fn check(&mut self, a: &SdpAttribute<'_>) -> Result<(), Kind> {
        let once = |seen: &mut bool, k| {
            if core::mem::replace(seen, true) {
                Err(Kind::Duplicate(k))
            } else {
                Ok(())
            }
        };
        let per_pt = |seen: &mut u128, pt: u8, k| {
            let bit = 1u128 << (pt & 127);
            if *seen & bit != 0 {
                return Err(Kind::Duplicate(k));
            }
            *seen |= bit;
            Ok(())
        };
        match a {
            SdpAttribute::Mid(_) => once(&mut self.mid, AttributeKind::Mid),
            SdpAttribute::Direction(_) => once(&mut self.direction, AttributeKind::Direction),
            SdpAttribute::Rtpmap(r) => per_pt(&mut self.rtpmap, r.pt, AttributeKind::Rtpmap),
            SdpAttribute::Fmtp { pt, .. } => per_pt(&mut self.fmtp, *pt, AttributeKind::Fmtp),
            _ => Ok(()),
        }
    }
}

impl<'a, const M: usize, const A: usize, const C: usize> SessionDescription<'a, M, A, C> {
    /// Parse a description from bytes; non-UTF-8 input fails with
    /// [`ParseErrorKind::NotUtf8`] naming the first offending line.
    pub fn parse_bytes(bytes: &'a [u8]) -> Result<Self, ParseError> {
        match core::str::from_utf8(bytes) {
            Ok(text) => Self::parse(text),
            Err(e) => {
                let good = bytes.get(..e.valid_up_to()).unwrap_or(&[]);
                let line = good.iter().filter(|b| **b == b'\n').count() + 1;
                let line = u32::try_from(line).unwrap_or(u32::MAX);
                Err(ParseError::new(line, Kind::NotUtf8))
            }
        }
    }

    /// Parse a description. Strings in the result borrow from `text`.
    pub fn parse(text: &'a str) -> Result<Self, ParseError> {
        let mut sdp = SessionDescription::new(Origin::EMPTY);
        sdp.parse_into(text)?;
        Ok(sdp)
    }

    /// Parse into `self`, replacing what it held, without building the description on the
    /// stack first: for large capacities in a `static` or a box. On error `self` holds
    /// whatever was parsed before the faulty line.
    pub fn parse_into(&mut self, text: &'a str) -> Result<(), ParseError> {
        let () = Self::CAPACITY_FITS;
        self.clear();
        let mut lines = Lines {
            rest: text,
            number: 0,
        };
        let (origin, name) = parse_header(&mut lines)?;
        self.origin = origin;
        self.name = name;
        let mut p = Parser {
            sdp: self,
            have_timing: false,
            check: SectionCheck::default(),
            mids: Vec::new(),
            rank: 0,
        };
        while let Some(line) = lines.next() {
            let (n, t, v) = line?;
            p.line(t, v).map_err(|k| ParseError::new(n, k))?;
        }
        if !p.have_timing {
            return Err(ParseError::new(lines.number, Kind::Missing(b't')));
        }
        Ok(())
    }
}

/// `v=0`, `o=`, `s=`: the fixed start.
fn parse_header<'a>(lines: &mut Lines<'a>) -> Result<(Origin<'a>, &'a str), ParseError> {
    if lines.rest.trim().is_empty() {
        return Err(ParseError::new(0, Kind::Empty));
    }
    let mut expect = |want: u8| match lines.next() {
        None => Err(ParseError::new(lines.number, Kind::Missing(want))),
        Some(Err(e)) => Err(e),
        Some(Ok((n, t, v))) if t == want => Ok((n, v)),
        Some(Ok((n, _, _))) => Err(ParseError::new(n, Kind::Missing(want))),
    };
    let (n, v) = expect(b'v')?;
    if v.trim() != "0" {
        return Err(ParseError::new(n, Kind::BadVersion));
    }
    let (n, v) = expect(b'o')?;
    let origin = parse_origin(v).ok_or(ParseError::new(n, Kind::BadOrigin))?;
    let (_, name) = expect(b's')?;
    Ok((origin, name))
}

fn parse_origin(v: &str) -> Option<Origin<'_>> {
    let mut it = Tokens::new(v);
    let o = Origin {
        username: it.next()?,
        session_id: it.next().and_then(int)?,
        session_version: it.next().and_then(int)?,
        net_type: it.next()?,
        addr_type: it.next()?,
        address: it.next()?,
    };
    it.finished().then_some(o)
}

fn parse_connection(v: &str) -> Result<Connection<'_>, Kind> {
    let mut it = Tokens::new(v);
    let mut next = || it.next().ok_or(Kind::BadConnection);
    let c = Connection {
        net_type: next()?,
        addr_type: next()?,
        address: next()?,
    };
    match it.finished() {
        true => Ok(c),
        false => Err(Kind::BadConnection),
    }
}

fn parse_bandwidth(v: &str) -> Result<BandwidthLine<'_>, Kind> {
    let (kind, value) = v.split_once(':').ok_or(Kind::BadBandwidth)?;
    let value = int(value.trim()).ok_or(Kind::BadBandwidth)?;
    if !is_token(kind) {
        return Err(Kind::BadBandwidth);
    }
    Ok(BandwidthLine { kind, value })
}

fn parse_timing(v: &str) -> Result<Timing, Kind> {
    let mut it = Tokens::new(v);
    let start = it.next().and_then(int).ok_or(Kind::BadTiming)?;
    let stop = it.next().and_then(int).ok_or(Kind::BadTiming)?;
    match it.finished() {
        true => Ok(Timing { start, stop }),
        false => Err(Kind::BadTiming),
    }
}

fn parse_media<const C: usize>(v: &str) -> Result<MediaDescription<'_, C>, Kind> {
    let (kind, rest) = split_token(v).ok_or(Kind::BadMedia)?;
    let (port, rest) = split_token(rest).ok_or(Kind::BadMedia)?;
    let (proto, fmts) = split_token(rest).ok_or(Kind::BadMedia)?;
    let (port, port_count) = match port.split_once('/') {
        Some((p, n)) => (p, Some(int(n).ok_or(Kind::BadMedia)?)),
        None => (port, None),
    };
    let port = int(port).ok_or(Kind::BadMedia)?;
    let fmts = fmts.trim_end();
    if fmts.is_empty() {
        return Err(Kind::BadMedia);
    }
    let formats = if is_rtp_proto(proto) {
        let mut pts = Vec::new();
        let mut it = Tokens::new(fmts);
        for f in it.by_ref() {
            let pt = int::<u8>(f)
                .filter(|pt| *pt <= 127)
                .ok_or(Kind::BadPayloadType)?;
            pts.push(pt).map_err(|_| Kind::TooMany(Limit::Formats))?;
        }
        if !it.finished() {
            return Err(Kind::BadPayloadType);
        }
        Formats::Payloads(pts)
    } else {
        let mut it = Tokens::new(fmts);
        if it.by_ref().nth(C).is_some() {
            return Err(Kind::TooMany(Limit::Formats));
        }
        if !it.finished() {
            return Err(Kind::BadMedia);
        }
        Formats::Text(fmts)
    };
    let mut m = MediaDescription::new(MediaKind::from_token(kind), port, proto, formats);
    m.port_count = port_count;
    Ok(m)
}

fn push<T, const N: usize>(v: &mut Vec<T, N>, x: T, limit: Limit) -> Result<(), Kind> {
    v.push(x).map_err(|_| Kind::TooMany(limit))
}

struct Parser<'p, 'a, const M: usize, const A: usize, const C: usize> {
    sdp: &'p mut SessionDescription<'a, M, A, C>,
    have_timing: bool,
    check: SectionCheck,
    /// The mids seen so far (one per section, so `M` bounds it and the search).
    mids: Vec<&'a str, M>,
    /// The RFC 8866 §5 position of the last line: lines may not go back.
    rank: u8,
}

/// The RFC 8866 §5 order of session-level lines after `s=`.
fn session_rank(t: u8) -> u8 {
    match t {
        b'i' => 1,
        b'u' => 2,
        b'e' => 3,
        b'p' => 4,
        b'c' => 5,
        b'b' => 6,
        b't' | b'r' => 7,
        b'z' => 8,
        b'k' => 9,
        _ => 10,
    }
}

/// The order of lines inside a media section after `m=`.
fn media_rank(t: u8) -> u8 {
    match t {
        b'i' => 1,
        b'c' => 2,
        b'b' => 3,
        b'k' => 4,
        _ => 5,
    }
}

impl<'a, const M: usize, const A: usize, const C: usize> Parser<'_, 'a, M, A, C> {
    fn line(&mut self, t: u8, v: &'a str) -> Result<(), Kind> {
        if t == b'm' {
            if !self.have_timing {
                return Err(Kind::Missing(b't'));
            }
            self.check = SectionCheck::default();
            self.rank = 0;
            let m = parse_media(v)?;
            return self
                .sdp
                .push_media(m)
                .map_err(|_| Kind::TooMany(Limit::MediaSections));
        }
        let rank = if self.sdp.media.is_empty() {
            session_rank(t)
        } else {
            media_rank(t)
        };
        if rank < self.rank || (t == b'r' && !self.have_timing) {
            return Err(Kind::UnexpectedLine(t));
        }
        self.rank = rank;
        if self.sdp.media.is_empty() {
            self.session_line(t, v)
        } else {
            self.media_line(t, v)
        }
    }

    fn session_line(&mut self, t: u8, v: &'a str) -> Result<(), Kind> {
        let s = &mut *self.sdp;
        let misc = Line { kind: t, value: v };
        match t {
            b't' if !self.have_timing => {
                s.timing = parse_timing(v)?;
                self.have_timing = true;
                Ok(())
            }
            b't' => {
                parse_timing(v)?;
                push(&mut s.misc, misc, Limit::MiscLines)
            }
            b'i' | b'u' | b'e' | b'p' | b'r' | b'z' | b'k' => {
                push(&mut s.misc, misc, Limit::MiscLines)
            }
            b'c' if s.connection.is_none() => {
                s.connection = Some(parse_connection(v)?);
                Ok(())
            }
            b'b' => push(&mut s.bandwidths, parse_bandwidth(v)?, Limit::Bandwidths),
            b'a' => self.session_attribute(v),
            b'v' | b'o' | b's' | b'c' => Err(Kind::UnexpectedLine(t)),
            _ => Err(Kind::UnknownType(t)),
        }
    }

    fn session_attribute(&mut self, v: &'a str) -> Result<(), Kind> {
        if let Some(g) = v.strip_prefix("group:") {
            let (semantics, rest) =
                split_token(g).ok_or(Kind::BadAttribute(AttributeKind::Group))?;
            let mut mids = Vec::new();
            let mut it = Tokens::new(rest);
            for mid in it.by_ref() {
                push(&mut mids, mid, Limit::GroupMembers)?;
            }
            if !it.finished() {
                return Err(Kind::BadAttribute(AttributeKind::Group));
            }
            let group = Group { semantics, mids };
            return push(&mut self.sdp.groups, group, Limit::Groups);
        }
        let a = SdpAttribute::parse(v)?;
        self.check.check(&a)?;
        self.sdp
            .push_session_attribute(a)
            .map_err(|_| Kind::TooMany(Limit::Attributes))
    }

    fn media_line(&mut self, t: u8, v: &'a str) -> Result<(), Kind> {
        let Some(m) = self.sdp.media.last_mut() else {
            return Err(Kind::UnexpectedLine(t));
        };
        match t {
            b'c' if m.connection.is_none() => {
                m.connection = Some(parse_connection(v)?);
                Ok(())
            }
            b'c' => {
                parse_connection(v)?;
                push(&mut m.misc, Line { kind: t, value: v }, Limit::MiscLines)
            }
            b'i' | b'k' => push(&mut m.misc, Line { kind: t, value: v }, Limit::MiscLines),
            b'b' => push(&mut m.bandwidths, parse_bandwidth(v)?, Limit::Bandwidths),
            b'a' => {
                let a = SdpAttribute::parse(v)?;
                self.check.check(&a)?;
                if let SdpAttribute::Mid(mid) = a {
                    if self.mids.contains(&mid) {
                        return Err(Kind::DuplicateMid);
                    }
                    // At most one mid per section (checked above), so this fits.
                    let _ = self.mids.push(mid);
                }
                self.sdp
                    .push_attribute(a)
                    .map_err(|_| Kind::TooMany(Limit::Attributes))
            }
            b'v' | b'o' | b's' | b't' | b'r' | b'z' | b'u' | b'e' | b'p' => {
                Err(Kind::UnexpectedLine(t))
            }
            _ => Err(Kind::UnknownType(t)),
        }
    }
}
