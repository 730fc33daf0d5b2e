//! The writer: a description into any `fmt::Write`, or into a caller buffer.
//!
//! Lines come out in RFC 8866 §5 order with CRLF ends: `v o s [i u e p] [c] b* t [t r z k]
//! a=group… a*` then per section `m [i] [c] [c…] b* [k] a*`. Attributes keep their order.

use crate::error::EmitError;
use crate::model::{Formats, MediaDescription, SessionDescription};
use crate::types::{Bandwidth, Connection, Line};
use core::fmt::{self, Write};

/// Counts bytes without storing them.
struct Counter(usize);

impl Write for Counter {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.saturating_add(s.len());
        Ok(())
    }
}

/// Writes into a slice; fails when it is full.
struct SliceWriter<'o> {
    out: &'o mut [u8],
    len: usize,
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        let dst = self.out.get_mut(self.len..end).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

fn connection(w: &mut impl Write, c: &Connection<'_>) -> fmt::Result {
    write!(w, "c={} {} {}\r\n", c.net_type, c.addr_type, c.address)
}

fn bandwidths(w: &mut impl Write, b: &[Bandwidth<'_>]) -> fmt::Result {
    b.iter()
        .try_for_each(|b| write!(w, "b={}:{}\r\n", b.kind, b.value))
}

fn misc(w: &mut impl Write, lines: &[Line<'_>], kinds: &[u8]) -> fmt::Result {
    lines
        .iter()
        .filter(|l| kinds.contains(&l.kind))
        .try_for_each(|l| write!(w, "{}={}\r\n", char::from(l.kind), l.value))
}

fn media_line<const C: usize>(w: &mut impl Write, m: &MediaDescription<'_, C>) -> fmt::Result {
    write!(w, "m={} {}", m.kind.as_str(), m.port)?;
    if let Some(n) = m.port_count {
        write!(w, "/{n}")?;
    }
    write!(w, " {}", m.proto)?;
    match &m.formats {
        Formats::Payloads(p) => p.iter().try_for_each(|pt| write!(w, " {pt}"))?,
        Formats::Text(t) => write!(w, " {t}")?,
    }
    w.write_str("\r\n")
}

impl<const M: usize, const A: usize, const C: usize> SessionDescription<'_, M, A, C> {
    /// Write the description (CRLF line ends) into `w`.
    pub fn write_to(&self, w: &mut impl Write) -> fmt::Result {
        let o = &self.origin;
        write!(
            w,
            "v=0\r\no={} {} {} {} {} {}\r\ns={}\r\n",
            o.username,
            o.session_id,
            o.session_version,
            o.net_type,
            o.addr_type,
            o.address,
            self.name
        )?;
        misc(w, &self.misc, b"iuep")?;
        if let Some(c) = &self.connection {
            connection(w, c)?;
        }
        bandwidths(w, &self.bandwidths)?;
        write!(w, "t={} {}\r\n", self.timing.start, self.timing.stop)?;
        misc(w, &self.misc, b"trzk")?;
        for g in &self.groups {
            write!(w, "a=group:{}", g.semantics)?;
            g.mids.iter().try_for_each(|m| write!(w, " {m}"))?;
            w.write_str("\r\n")?;
        }
        self.session_attributes()
            .iter()
            .try_for_each(|a| write!(w, "{a}\r\n"))?;
        for m in self.media() {
            media_line(w, m.desc)?;
            misc(w, &m.desc.misc, b"i")?;
            if let Some(c) = &m.desc.connection {
                connection(w, c)?;
            }
            misc(w, &m.desc.misc, b"c")?;
            bandwidths(w, &m.desc.bandwidths)?;
            misc(w, &m.desc.misc, b"k")?;
            m.attributes.iter().try_for_each(|a| write!(w, "{a}\r\n"))?;
        }
        Ok(())
    }

    /// The number of bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        let mut c = Counter(0);
        // Counting never fails.
        let _ = self.write_to(&mut c);
        c.0
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
            Ok(()) => Ok(w.len),
            // Only reachable if a value's Display is not deterministic.
            Err(_) => Err(EmitError::BufferTooSmall { needed }),
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
