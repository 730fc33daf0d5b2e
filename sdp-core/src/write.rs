//! The writer: a description into any `fmt::Write`, or into a caller buffer.
//!
//! Lines come out in RFC 8866 §5 order with CRLF ends: `v o s [i u e p] [c] b* t [t r z k]
//! a=group… a*` then per section `m [i] [c] [c…] b* [k] a*`. Attributes keep their order.

use crate::attribute::SdpAttribute;
use crate::error::EmitError;
use crate::fmtp::FmtpParams;
use crate::model::{Formats, MediaDescription, SessionDescription};
use crate::types::{BandwidthLine, Connection, Direction, Line};
use core::fmt::{self, Write};

/// Writes into a slice while what comes fits, and counts every byte, stored or not: with an
/// empty slice it only counts. One writer type for [`SessionDescription::buffer_len`] and
/// [`SessionDescription::emit`], so the writing code is there once (a second instance of it
/// was 3.2 KB of flash on a Cortex-M4).
struct SliceWriter<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.saturating_add(s.len());
        if let Some(dst) = self.out.get_mut(self.len..end) {
            dst.copy_from_slice(s.as_bytes());
        }
        self.len = end;
        Ok(())
    }
}

/// Pieces in order. Direct `write_str` calls: no `format_args!` machinery on the hot path.
fn put(w: &mut impl Write, parts: &[&str]) -> fmt::Result {
    parts.iter().try_for_each(|p| w.write_str(p))
}

/// A decimal number, most significant digit first, one `&str` slice per digit (no UTF-8
/// validation, no formatting machinery).
fn num(w: &mut impl Write, n: impl Into<u64>) -> fmt::Result {
    const DIGITS: &str = "0123456789";
    let n: u64 = n.into();
    let mut div = 1u64;
    while n / div >= 10 {
        div *= 10;
    }
    while div > 0 {
        let d = usize::try_from(n / div % 10).unwrap_or(0);
        w.write_str(DIGITS.get(d..d + 1).unwrap_or("0"))?;
        div /= 10;
    }
    Ok(())
}

/// `sep` and `v` when there is a `v`.
fn opt(w: &mut impl Write, sep: &str, v: Option<&str>) -> fmt::Result {
    match v {
        Some(v) => put(w, &[sep, v]),
        None => Ok(()),
    }
}

fn connection(w: &mut impl Write, c: &Connection<'_>) -> fmt::Result {
    put(
        w,
        &["c=", c.net_type, " ", c.addr_type, " ", c.address, "\r\n"],
    )
}

fn bandwidths(w: &mut impl Write, b: &[BandwidthLine<'_>]) -> fmt::Result {
    b.iter().try_for_each(|b| {
        put(w, &["b=", b.kind, ":"])?;
        num(w, b.value)?;
        w.write_str("\r\n")
    })
}

fn misc(w: &mut impl Write, lines: &[Line<'_>], kinds: &[u8]) -> fmt::Result {
    lines
        .iter()
        .filter(|l| kinds.contains(&l.kind))
        .try_for_each(|l| write!(w, "{}={}\r\n", char::from(l.kind), l.value))
}

fn media_line<const C: usize>(w: &mut impl Write, m: &MediaDescription<'_, C>) -> fmt::Result {
    put(w, &["m=", m.kind.as_str(), " "])?;
    num(w, m.port)?;
    if let Some(n) = m.port_count {
        w.write_str("/")?;
        num(w, n)?;
    }
    put(w, &[" ", m.proto])?;
    match &m.formats {
        Formats::Payloads(p) => p.iter().try_for_each(|pt| {
            w.write_str(" ")?;
            num(w, *pt)
        })?,
        Formats::Text(t) => put(w, &[" ", t])?,
    }
    w.write_str("\r\n")
}

fn fmtp(w: &mut impl Write, pt: u8, params: &FmtpParams<'_>) -> fmt::Result {
    w.write_str("fmtp:")?;
    num(w, pt)?;
    match params {
        p if p.is_empty() => Ok(()),
        FmtpParams::Text(t) => put(w, &[" ", t]),
        typed => write!(w, " {typed}"),
    }
}

impl SdpAttribute<'_> {
    /// Write the line without its line break: `a=…`.
    pub fn write_to(&self, w: &mut impl Write) -> fmt::Result {
        w.write_str("a=")?;
        match self {
            SdpAttribute::Mid(m) => put(w, &["mid:", m]),
            SdpAttribute::Direction(d) => w.write_str(d.as_str()),
            SdpAttribute::RtcpMux => w.write_str("rtcp-mux"),
            SdpAttribute::RtcpMuxOnly => w.write_str("rtcp-mux-only"),
            SdpAttribute::RtcpRsize => w.write_str("rtcp-rsize"),
            SdpAttribute::Rtcp { port, address } => {
                w.write_str("rtcp:")?;
                num(w, *port)?;
                opt(w, " ", *address)
            }
            SdpAttribute::IceLite => w.write_str("ice-lite"),
            SdpAttribute::IceUfrag(u) => put(w, &["ice-ufrag:", u]),
            SdpAttribute::IcePwd(p) => put(w, &["ice-pwd:", p]),
            SdpAttribute::IceOptions(o) => put(w, &["ice-options:", o]),
            SdpAttribute::CandidateLine(c) => put(w, &["candidate:", c]),
            SdpAttribute::EndOfCandidates => w.write_str("end-of-candidates"),
            SdpAttribute::Fingerprint(fp) => put(w, &["fingerprint:", fp.hash, " ", fp.value]),
            SdpAttribute::Setup(s) => put(w, &["setup:", s.as_str()]),
            SdpAttribute::SctpPort(p) => {
                w.write_str("sctp-port:")?;
                num(w, *p)
            }
            SdpAttribute::MaxMessageSize(s) => {
                w.write_str("max-message-size:")?;
                num(w, *s)
            }
            SdpAttribute::Msid { stream, track } => {
                put(w, &["msid:", stream])?;
                opt(w, " ", *track)
            }
            SdpAttribute::ExtmapAllowMixed => w.write_str("extmap-allow-mixed"),
            SdpAttribute::Extmap(x) => {
                w.write_str("extmap:")?;
                num(w, x.id)?;
                opt(w, "/", x.direction.map(Direction::as_str))?;
                put(w, &[" ", x.uri])?;
                opt(w, " ", x.attributes)
            }
            SdpAttribute::Rtpmap(r) => {
                w.write_str("rtpmap:")?;
                num(w, r.pt)?;
                put(w, &[" ", r.name, "/"])?;
                num(w, r.clock_rate)?;
                match r.channels {
                    Some(c) => {
                        w.write_str("/")?;
                        num(w, c)
                    }
                    None => Ok(()),
                }
            }
            SdpAttribute::Fmtp { pt, params } => fmtp(w, *pt, params),
            SdpAttribute::RtcpFb { pt, kind, param } => {
                w.write_str("rtcp-fb:")?;
                match pt {
                    Some(pt) => num(w, *pt)?,
                    None => w.write_str("*")?,
                }
                put(w, &[" ", kind])?;
                opt(w, " ", *param)
            }
            SdpAttribute::Ssrc { ssrc, name, value } => {
                w.write_str("ssrc:")?;
                num(w, *ssrc)?;
                put(w, &[" ", name])?;
                opt(w, ":", *value)
            }
            SdpAttribute::SsrcGroup { semantics, .. } => {
                put(w, &["ssrc-group:", semantics])?;
                let ssrcs = self.group_ssrcs().map_or(&[][..], |g| g.1);
                ssrcs.iter().try_for_each(|s| {
                    w.write_str(" ")?;
                    num(w, *s)
                })
            }
            SdpAttribute::Rid {
                id,
                direction,
                restrictions,
            } => {
                put(w, &["rid:", id, " ", direction.as_str()])?;
                opt(w, " ", *restrictions)
            }
            SdpAttribute::Simulcast(s) => put(w, &["simulcast:", s]),
            SdpAttribute::Other { name, value } => {
                w.write_str(name)?;
                opt(w, ":", *value)
            }
        }
    }
}

impl fmt::Display for SdpAttribute<'_> {
    /// The line without its line break: `a=…`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}

impl<const M: usize, const A: usize, const C: usize> SessionDescription<'_, M, A, C> {
    /// Write the description (CRLF line ends) into `w`.
    pub fn write_to(&self, w: &mut impl Write) -> fmt::Result {
        let o = &self.origin;
        put(w, &["v=0\r\no=", o.username, " "])?;
        num(w, o.session_id)?;
        w.write_str(" ")?;
        num(w, o.session_version)?;
        put(w, &[" ", o.net_type, " ", o.addr_type, " ", o.address])?;
        put(w, &["\r\ns=", self.name, "\r\n"])?;
        misc(w, &self.misc, b"iuep")?;
        if let Some(c) = &self.connection {
            connection(w, c)?;
        }
        bandwidths(w, &self.bandwidths)?;
        w.write_str("t=")?;
        num(w, self.timing.start)?;
        w.write_str(" ")?;
        num(w, self.timing.stop)?;
        w.write_str("\r\n")?;
        misc(w, &self.misc, b"trzk")?;
        for g in &self.groups {
            put(w, &["a=group:", g.semantics])?;
            g.mids.iter().try_for_each(|m| put(w, &[" ", m]))?;
            w.write_str("\r\n")?;
        }
        self.session_attributes().iter().try_for_each(|a| {
            a.write_to(w)?;
            w.write_str("\r\n")
        })?;
        for m in self.media() {
            media_line(w, m.desc)?;
            misc(w, &m.desc.misc, b"i")?;
            if let Some(c) = &m.desc.connection {
                connection(w, c)?;
            }
            misc(w, &m.desc.misc, b"c")?;
            bandwidths(w, &m.desc.bandwidths)?;
            misc(w, &m.desc.misc, b"k")?;
            m.attributes.iter().try_for_each(|a| {
                a.write_to(w)?;
                w.write_str("\r\n")
            })?;
        }
        Ok(())
    }

    /// The number of bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        let mut c = SliceWriter {
            out: &mut [],
            len: 0,
        };
        // Counting never fails.
        let _ = self.write_to(&mut c);
        c.len
    }

    /// Write the description into `out` and return its length. When `out` is too short,
    /// nothing is written and the error says how many bytes are needed.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let needed = self.buffer_len();
        if needed > out.len() {
            return Err(EmitError::BufferTooSmall { needed });
        }
        let mut w = SliceWriter { out, len: 0 };
        match self.write_to(&mut w) {
            Ok(()) if w.len == needed => Ok(needed),
            // Only reachable if a value's Display is not deterministic.
            _ => Err(EmitError::BufferTooSmall {
                needed: needed.max(w.len),
            }),
        }
    }

    /// The description as bytes, in a new vector.
    #[cfg(feature = "alloc")]
    pub fn to_vec(&self) -> alloc::vec::Vec<u8> {
        let mut s = alloc::string::String::with_capacity(self.buffer_len());
        let _ = self.write_to(&mut s);
        s.into_bytes()
    }
}

impl<const M: usize, const A: usize, const C: usize> fmt::Display
    for SessionDescription<'_, M, A, C>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_to(f)
    }
}
