//! The SCTP common header (RFC 9260 §3.1) and packet writing.

use super::chunk::{Chunk, RawChunk, RawChunks};
use super::crc::crc32c_with_zero_field;
use super::{EmitError, ParseError};

/// Length of the common header.
pub const HEADER_LEN: usize = 12;

mod field {
    use core::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const VTAG: Range<usize> = 4..8;
    pub const CHECKSUM: Range<usize> = 8..12;
}

/// A view of an SCTP packet: common header and chunks.
#[derive(Clone, Copy, Debug)]
pub struct Packet<B: AsRef<[u8]>> {
    buf: B,
}

fn word<const N: usize>(b: &[u8], r: core::ops::Range<usize>) -> [u8; N] {
    let mut out = [0u8; N];
    if let Some(s) = b.get(r) {
        out.copy_from_slice(s);
    }
    out
}

impl<B: AsRef<[u8]>> Packet<B> {
    /// Wrap `buf` after checking it holds a common header and that its length is a multiple
    /// of 4 (every chunk is padded).
    pub fn new_checked(buf: B) -> Result<Self, ParseError> {
        let len = buf.as_ref().len();
        if len < HEADER_LEN {
            return Err(ParseError::Truncated);
        }
        if len % 4 != 0 {
            return Err(ParseError::BadLength);
        }
        Ok(Packet { buf })
    }

    /// Source port.
    pub fn src_port(&self) -> u16 {
        u16::from_be_bytes(word(self.buf.as_ref(), field::SRC_PORT))
    }

    /// Destination port.
    pub fn dst_port(&self) -> u16 {
        u16::from_be_bytes(word(self.buf.as_ref(), field::DST_PORT))
    }

    /// Verification tag.
    pub fn verification_tag(&self) -> u32 {
        u32::from_be_bytes(word(self.buf.as_ref(), field::VTAG))
    }

    /// The checksum field as a CRC32c value (0 when a zero checksum was sent, RFC 9653).
    pub fn checksum(&self) -> u32 {
        u32::from_le_bytes(word(self.buf.as_ref(), field::CHECKSUM))
    }

    /// The CRC32c of the packet computed with its checksum field as zero.
    pub fn compute_checksum(&self) -> u32 {
        let b = self.buf.as_ref();
        crc32c_with_zero_field(
            b.get(..field::CHECKSUM.start).unwrap_or(&[]),
            b.get(HEADER_LEN..).unwrap_or(&[]),
        )
    }

    /// Whether the checksum is right; a zero checksum passes only when `accept_zero` (we
    /// announced RFC 9653's Zero Checksum Acceptable). Always true under `cfg(fuzzing)`.
    pub fn checksum_ok(&self, accept_zero: bool) -> bool {
        if cfg!(fuzzing) || (accept_zero && self.checksum() == 0) {
            return true;
        }
        self.checksum() == self.compute_checksum()
    }

    /// Everything after the common header.
    pub fn chunk_bytes(&self) -> &[u8] {
        self.buf.as_ref().get(HEADER_LEN..).unwrap_or(&[])
    }

    /// The chunks as raw TLVs; an item is `Err` (and ends the walk) when a chunk length is
    /// below 4 or runs past the packet.
    pub fn chunks(&self) -> RawChunks<'_> {
        RawChunks::new(self.chunk_bytes())
    }

    /// The bytes.
    pub fn into_inner(self) -> B {
        self.buf
    }
}

/// Writes a packet into a caller buffer: header first, then chunks, then
/// [`finish`](PacketWriter::finish) fills the checksum.
#[derive(Debug)]
pub struct PacketWriter<'a> {
    out: &'a mut [u8],
    len: usize,
    chunks: usize,
}

impl<'a> PacketWriter<'a> {
    /// Start a packet with the given ports and verification tag. `out` bounds its size (pass
    /// a slice of the path MTU).
    pub fn new(out: &'a mut [u8], src: u16, dst: u16, vtag: u32) -> Result<Self, EmitError> {
        let hdr = out
            .get_mut(..HEADER_LEN)
            .ok_or(EmitError::BufferTooSmall { needed: HEADER_LEN })?;
        let mut w = super::Writer::new(hdr);
        w.u16(src);
        w.u16(dst);
        w.u32(vtag);
        w.u32(0);
        Ok(PacketWriter {
            out,
            len: HEADER_LEN,
            chunks: 0,
        })
    }

    /// Bytes left for chunks.
    pub fn remaining(&self) -> usize {
        self.out.len().saturating_sub(self.len)
    }

    /// Chunks written so far.
    pub fn chunk_count(&self) -> usize {
        self.chunks
    }

    /// Whether nothing but the header was written.
    pub fn is_empty(&self) -> bool {
        self.chunks == 0
    }

    /// Append a chunk (padded); on `BufferTooSmall` nothing is written.
    pub fn push(&mut self, chunk: &Chunk<'_>) -> Result<(), EmitError> {
        let rest = self.out.get_mut(self.len..).unwrap_or(&mut []);
        let n = chunk.emit(rest)?;
        self.len += n;
        self.chunks += 1;
        Ok(())
    }

    /// Append a raw chunk (an unrecognized one being reported, a canned reply).
    pub fn push_raw(&mut self, raw: &RawChunk<'_>) -> Result<(), EmitError> {
        let rest = self.out.get_mut(self.len..).unwrap_or(&mut []);
        let n = raw.emit(rest)?;
        self.len += n;
        self.chunks += 1;
        Ok(())
    }

    /// Write the checksum (or zero, RFC 9653) and return the packet length.
    pub fn finish(self, zero_checksum: bool) -> usize {
        let len = self.len;
        let crc = if zero_checksum {
            0
        } else {
            let b = self.out.get(..len).unwrap_or(&[]);
            crc32c_with_zero_field(
                b.get(..8).unwrap_or(&[]),
                b.get(HEADER_LEN..).unwrap_or(&[]),
            )
        };
        if let Some(f) = self.out.get_mut(field::CHECKSUM) {
            f.copy_from_slice(&crc.to_le_bytes());
        }
        len
    }
}
