//! SCTP wire formats (RFC 9260 and extensions): zero-copy views and borrowed reprs.
//!
//! * [`Packet`] — the common header and its CRC32c; [`Packet::chunks`] walks the chunks as
//!   raw TLVs ([`RawChunk`]) and [`Chunk::parse`] decodes one lazily.
//! * [`PacketWriter`] — writes a header and chunks into a caller buffer, then the checksum.
//! * [`Chunk`] — every chunk of RFC 9260, 3758, 6525, 8260 and 4820 (PAD), both ways.
//! * [`Param`] / [`ErrorCause`] — INIT parameters and error causes, both ways.
//!
//! Nothing here knows about association state; after `new_checked`/`parse` succeed no
//! accessor panics. Unknown chunk and parameter types stay readable as raw TLVs, with the
//! RFC 9260 §3.2 upper-bit [`UnknownAction`].
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

pub mod chunk;
mod crc;
mod error;
mod packet;
pub mod param;

pub use chunk::{Chunk, ChunkType, RawChunk, UnknownAction};
pub use crc::crc32c;
pub use error::{EmitError, ParseError};
pub use packet::{Packet, PacketWriter, HEADER_LEN};
pub use param::{ErrorCause, Param};

/// Round `n` up to a multiple of 4 (chunks and parameters are padded to 4 bytes).
pub(crate) const fn pad4(n: usize) -> usize {
    (n + 3) & !3
}

/// A big-endian reader over a slice that reports truncation instead of panicking.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], ParseError> {
        let end = self.pos.checked_add(n).ok_or(ParseError::Truncated)?;
        let s = self.buf.get(self.pos..end).ok_or(ParseError::Truncated)?;
        self.pos = end;
        Ok(s)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, ParseError> {
        Ok(self.bytes(1)?.first().copied().unwrap_or(0))
    }

    pub(crate) fn u16(&mut self) -> Result<u16, ParseError> {
        let b = self.bytes(2)?;
        Ok(u16::from_be_bytes([
            b.first().copied().unwrap_or(0),
            b.get(1).copied().unwrap_or(0),
        ]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, ParseError> {
        let hi = self.u16()?;
        let lo = self.u16()?;
        Ok(u32::from(hi) << 16 | u32::from(lo))
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let s = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos = self.buf.len();
        s
    }
}

/// A big-endian writer over a slice whose length was checked beforehand; writes past the end
/// are dropped (they cannot happen when `buffer_len` was checked).
#[derive(Debug)]
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) {
        let end = self.pos + b.len();
        if let Some(d) = self.buf.get_mut(self.pos..end) {
            d.copy_from_slice(b);
        }
        self.pos = end;
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }

    /// Zero bytes up to the next multiple of 4.
    pub(crate) fn pad(&mut self) {
        while self.pos % 4 != 0 {
            self.u8(0);
        }
    }

    /// Let `f` write `len` bytes in place (a nested TLV), then move past them.
    pub(crate) fn emit_with(
        &mut self,
        len: usize,
        f: impl FnOnce(&mut [u8]) -> Result<(), EmitError>,
    ) {
        let end = self.pos + len;
        if let Some(d) = self.buf.get_mut(self.pos..end) {
            let _ = f(d);
        }
        self.pos = end;
    }
}

/// A list carried in a repr: raw bytes from a parsed packet, or items to emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List<'a, T> {
    /// As received: decoded lazily by `iter`.
    Raw(&'a [u8]),
    /// As built by the sender.
    Items(&'a [T]),
}

impl<T> Default for List<'_, T> {
    fn default() -> Self {
        List::Items(&[])
    }
}
