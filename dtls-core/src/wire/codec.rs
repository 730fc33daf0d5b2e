//! A bounded reader and writer for the TLS presentation language (big-endian integers,
//! length-prefixed vectors). Nothing here panics: every read checks the remaining length and
//! every write the remaining room.

use super::{EmitError, ParseError};

/// A cursor over received bytes.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `data`.
    pub const fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    /// Whether every byte was read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// The unread bytes, without consuming them.
    pub fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or(&[])
    }

    /// The next `n` bytes.
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], ParseError> {
        let end = self.pos.checked_add(n).ok_or(ParseError::Truncated)?;
        let out = self.data.get(self.pos..end).ok_or(ParseError::Truncated)?;
        self.pos = end;
        Ok(out)
    }

    /// The next `N` bytes as an array.
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], ParseError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N)?);
        Ok(out)
    }

    /// One byte.
    pub fn u8(&mut self) -> Result<u8, ParseError> {
        Ok(self.array::<1>()?[0])
    }

    /// A big-endian `u16`.
    pub fn u16(&mut self) -> Result<u16, ParseError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    /// A big-endian 24-bit integer.
    pub fn u24(&mut self) -> Result<u32, ParseError> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_be_bytes([0, a, b, c]))
    }

    /// A big-endian 48-bit integer.
    pub fn u48(&mut self) -> Result<u64, ParseError> {
        let [a, b, c, d, e, f] = self.array()?;
        Ok(u64::from_be_bytes([0, 0, a, b, c, d, e, f]))
    }

    /// A vector with a one-byte length prefix.
    pub fn vec8(&mut self) -> Result<&'a [u8], ParseError> {
        let n = self.u8()?;
        self.bytes(usize::from(n))
    }

    /// A vector with a two-byte length prefix.
    pub fn vec16(&mut self) -> Result<&'a [u8], ParseError> {
        let n = self.u16()?;
        self.bytes(usize::from(n))
    }

    /// A vector with a three-byte length prefix.
    pub fn vec24(&mut self) -> Result<&'a [u8], ParseError> {
        let n = self.u24()?;
        self.bytes(n as usize)
    }

    /// Fail unless every byte was read.
    pub fn finish(&self) -> Result<(), ParseError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ParseError::TrailingBytes)
        }
    }
}

/// A cursor writing into a caller's buffer.
#[derive(Debug)]
pub struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Writer { buf, pos: 0 }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.pos
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.pos == 0
    }

    /// Room left.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The bytes written so far.
    pub fn written(&self) -> &[u8] {
        self.buf.get(..self.pos).unwrap_or(&[])
    }

    /// The bytes written so far, mutably.
    pub fn written_mut(&mut self) -> &mut [u8] {
        self.buf.get_mut(..self.pos).unwrap_or(&mut [])
    }

    /// Reserve `n` bytes and return them for the caller to fill.
    pub fn reserve(&mut self, n: usize) -> Result<&mut [u8], EmitError> {
        let end = self.pos.checked_add(n).filter(|e| *e <= self.buf.len());
        let Some(end) = end else {
            return Err(EmitError::BufferTooSmall {
                needed: self.pos.saturating_add(n),
            });
        };
        let out = self
            .buf
            .get_mut(self.pos..end)
            .ok_or(EmitError::BufferTooSmall { needed: end })?;
        self.pos = end;
        Ok(out)
    }

    /// Append bytes.
    pub fn put(&mut self, data: &[u8]) -> Result<(), EmitError> {
        self.reserve(data.len())?.copy_from_slice(data);
        Ok(())
    }

    /// Append one byte.
    pub fn u8(&mut self, v: u8) -> Result<(), EmitError> {
        self.put(&[v])
    }

    /// Append a big-endian `u16`.
    pub fn u16(&mut self, v: u16) -> Result<(), EmitError> {
        self.put(&v.to_be_bytes())
    }

    /// Append a big-endian 24-bit integer (the top byte of `v` is ignored).
    pub fn u24(&mut self, v: u32) -> Result<(), EmitError> {
        let [_, a, b, c] = v.to_be_bytes();
        self.put(&[a, b, c])
    }

    /// Append a big-endian 48-bit integer (the top two bytes of `v` are ignored).
    pub fn u48(&mut self, v: u64) -> Result<(), EmitError> {
        let [_, _, a, b, c, d, e, f] = v.to_be_bytes();
        self.put(&[a, b, c, d, e, f])
    }

    /// Append `data` with a one-byte length prefix.
    pub fn vec8(&mut self, data: &[u8]) -> Result<(), EmitError> {
        let n = u8::try_from(data.len()).map_err(|_| EmitError::TooLong)?;
        self.u8(n)?;
        self.put(data)
    }

    /// Append `data` with a two-byte length prefix.
    pub fn vec16(&mut self, data: &[u8]) -> Result<(), EmitError> {
        let n = u16::try_from(data.len()).map_err(|_| EmitError::TooLong)?;
        self.u16(n)?;
        self.put(data)
    }

    /// Start a vector whose length prefix (`width` bytes: 1, 2 or 3) is written by
    /// [`end_vec`](Writer::end_vec) once the content is known.
    pub fn begin_vec(&mut self, width: usize) -> Result<LengthMark, EmitError> {
        let at = self.pos;
        self.reserve(width)?.fill(0);
        Ok(LengthMark { at, width })
    }

    /// Patch the length prefix started by `mark` to the bytes written since.
    pub fn end_vec(&mut self, mark: LengthMark) -> Result<(), EmitError> {
        let len = self.pos - mark.at - mark.width;
        let max = (1usize << (8 * mark.width)) - 1;
        if len > max {
            return Err(EmitError::TooLong);
        }
        let be = (len as u32).to_be_bytes();
        let src = be.get(4 - mark.width..).ok_or(EmitError::TooLong)?;
        self.buf
            .get_mut(mark.at..mark.at + mark.width)
            .ok_or(EmitError::TooLong)?
            .copy_from_slice(src);
        Ok(())
    }
}

/// Where a length prefix waits to be patched (see [`Writer::begin_vec`]).
#[derive(Clone, Copy, Debug)]
#[must_use = "end_vec patches the length"]
pub struct LengthMark {
    at: usize,
    width: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reads_and_bounds() {
        let data = [1, 0, 2, 0, 0, 3, 0, 0, 0, 0, 0, 4, 2, 9, 9, 7];
        let mut r = Reader::new(&data);
        assert_eq!(r.u8(), Ok(1));
        assert_eq!(r.u16(), Ok(2));
        assert_eq!(r.u24(), Ok(3));
        assert_eq!(r.u48(), Ok(4));
        assert_eq!(r.vec8(), Ok(&[9u8, 9][..]));
        assert_eq!(r.finish(), Err(ParseError::TrailingBytes));
        assert_eq!(r.u16(), Err(ParseError::Truncated));
        assert_eq!(r.u8(), Ok(7));
        assert_eq!(r.u8(), Err(ParseError::Truncated));
        assert_eq!(Reader::new(&[0, 5, 1]).vec16(), Err(ParseError::Truncated));
        assert_eq!(
            Reader::new(&[0xff, 0xff, 0xff]).vec24(),
            Err(ParseError::Truncated)
        );
    }

    #[test]
    fn writer_patches_lengths_and_refuses_overflow() {
        let mut buf = [0u8; 11];
        let mut w = Writer::new(&mut buf);
        let m = w.begin_vec(3).unwrap();
        w.u16(0xabcd).unwrap();
        w.end_vec(m).unwrap();
        w.u48(0x0102_0304_0506).unwrap();
        assert_eq!(w.written(), [0, 0, 2, 0xab, 0xcd, 1, 2, 3, 4, 5, 6]);
        assert_eq!(w.u8(1), Err(EmitError::BufferTooSmall { needed: 12 }));
        let mut small = [0u8; 300];
        let mut w = Writer::new(&mut small);
        let m = w.begin_vec(1).unwrap();
        w.put(&[0; 256]).unwrap();
        assert_eq!(w.end_vec(m), Err(EmitError::TooLong));
    }
}
