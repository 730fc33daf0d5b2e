//! A minimal DER reader and writer: enough for a self-signed P-256 certificate, its
//! subjectPublicKeyInfo and EC private keys.

/// Tag of INTEGER.
pub const INTEGER: u8 = 0x02;
/// Tag of BIT STRING.
pub const BIT_STRING: u8 = 0x03;
/// Tag of OCTET STRING.
pub const OCTET_STRING: u8 = 0x04;
/// Tag of OBJECT IDENTIFIER.
pub const OID: u8 = 0x06;
/// Tag of UTF8String.
pub const UTF8_STRING: u8 = 0x0c;
/// Tag of UTCTime.
pub const UTC_TIME: u8 = 0x17;
/// Tag of GeneralizedTime.
pub const GENERALIZED_TIME: u8 = 0x18;
/// Tag of SEQUENCE (constructed).
pub const SEQUENCE: u8 = 0x30;
/// Tag of SET (constructed).
pub const SET: u8 = 0x31;
/// Tag of `[0]` constructed, context-specific.
pub const CONTEXT_0: u8 = 0xa0;
/// Tag of `[1]` constructed, context-specific.
pub const CONTEXT_1: u8 = 0xa1;

/// DER could not be read or written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DerError {
    /// The input ends inside an element, or a length is not definite and at most 3 bytes.
    Malformed,
    /// An element has another tag than expected.
    UnexpectedTag,
    /// The output buffer is full.
    BufferTooSmall,
}

/// Reads TLV elements from a slice.
#[derive(Clone, Copy, Debug)]
pub struct DerReader<'a> {
    data: &'a [u8],
}

impl<'a> DerReader<'a> {
    /// A reader over `data`.
    pub const fn new(data: &'a [u8]) -> Self {
        DerReader { data }
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The next element's tag, without reading it.
    pub fn peek_tag(&self) -> Option<u8> {
        self.data.first().copied()
    }

    /// The next element: its tag and value. High tag numbers and indefinite lengths are refused.
    pub fn read(&mut self) -> Result<(u8, &'a [u8]), DerError> {
        let (&tag, rest) = self.data.split_first().ok_or(DerError::Malformed)?;
        if tag & 0x1f == 0x1f {
            return Err(DerError::Malformed);
        }
        let (&first, mut rest) = rest.split_first().ok_or(DerError::Malformed)?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 3 {
                return Err(DerError::Malformed);
            }
            let (bytes, after) = rest.split_at_checked(n).ok_or(DerError::Malformed)?;
            rest = after;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        };
        let (value, after) = rest.split_at_checked(len).ok_or(DerError::Malformed)?;
        self.data = after;
        Ok((tag, value))
    }

    /// The next element whole (tag, length and value), e.g. to hash a TBSCertificate.
    pub fn read_encoded(&mut self) -> Result<&'a [u8], DerError> {
        let before = self.data;
        self.read()?;
        Ok(before.get(..before.len() - self.data.len()).unwrap_or(&[]))
    }

    /// The next element's value, which must have `tag`.
    pub fn expect(&mut self, tag: u8) -> Result<&'a [u8], DerError> {
        match self.read()? {
            (t, v) if t == tag => Ok(v),
            _ => Err(DerError::UnexpectedTag),
        }
    }

    /// The contents of a SEQUENCE, as a reader.
    pub fn sequence(&mut self) -> Result<DerReader<'a>, DerError> {
        self.expect(SEQUENCE).map(DerReader::new)
    }
}

/// Writes DER into a caller's buffer; nested elements are written content first and their
/// header inserted once the length is known.
#[derive(Debug)]
pub struct DerWriter<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> DerWriter<'a> {
    /// A writer at the start of `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        DerWriter { buf, pos: 0 }
    }

    /// Bytes written.
    pub fn len(&self) -> usize {
        self.pos
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.pos == 0
    }

    /// The bytes written.
    pub fn written(&self) -> &[u8] {
        self.buf.get(..self.pos).unwrap_or(&[])
    }

    /// Append raw bytes (already-encoded elements).
    pub fn raw(&mut self, data: &[u8]) -> Result<(), DerError> {
        let end = self.pos + data.len();
        self.buf
            .get_mut(self.pos..end)
            .ok_or(DerError::BufferTooSmall)?
            .copy_from_slice(data);
        self.pos = end;
        Ok(())
    }

    /// An element with a primitive `value`.
    pub fn element(&mut self, tag: u8, value: &[u8]) -> Result<(), DerError> {
        self.nested(tag, |w| w.raw(value))
    }

    /// A non-negative INTEGER from big-endian magnitude bytes (minimal encoding).
    pub fn unsigned(&mut self, magnitude: &[u8]) -> Result<(), DerError> {
        let start = magnitude
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(magnitude.len());
        let m = magnitude.get(start..).unwrap_or(&[]);
        self.nested(INTEGER, |w| match m.first() {
            None => w.raw(&[0]),
            Some(b) if *b >= 0x80 => {
                w.raw(&[0])?;
                w.raw(m)
            }
            Some(_) => w.raw(m),
        })
    }

    /// A constructed element whose content `f` writes.
    pub fn nested(
        &mut self,
        tag: u8,
        f: impl FnOnce(&mut Self) -> Result<(), DerError>,
    ) -> Result<(), DerError> {
        let start = self.pos;
        f(self)?;
        let len = self.pos - start;
        let mut head = [0u8; 5];
        head[0] = tag;
        let head_len = match len {
            0..=0x7f => {
                head[1] = len as u8;
                2
            }
            0x80..=0xff => {
                head[1..3].copy_from_slice(&[0x81, len as u8]);
                3
            }
            0x100..=0xffff => {
                head[1] = 0x82;
                head[2..4].copy_from_slice(&(len as u16).to_be_bytes());
                4
            }
            _ => return Err(DerError::BufferTooSmall),
        };
        let end = self.pos + head_len;
        if end > self.buf.len() {
            return Err(DerError::BufferTooSmall);
        }
        self.buf.copy_within(start..self.pos, start + head_len);
        self.buf
            .get_mut(start..start + head_len)
            .ok_or(DerError::BufferTooSmall)?
            .copy_from_slice(head.get(..head_len).unwrap_or(&[]));
        self.pos = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_lengths_use_the_minimal_form() {
        let mut buf = [0u8; 400];
        let mut w = DerWriter::new(&mut buf);
        w.nested(SEQUENCE, |w| {
            w.unsigned(&[0, 0, 0x80])?;
            w.unsigned(&[0, 5])?;
            w.unsigned(&[])?;
            w.element(OCTET_STRING, &[7; 200])
        })
        .unwrap();
        let out = w.written();
        assert_eq!(
            &out[..14],
            &[0x30, 0x81, 213, 2, 2, 0, 0x80, 2, 1, 5, 2, 1, 0, 4]
        );
        assert_eq!(&out[14..16], &[0x81, 200]);
        let mut r = DerReader::new(out);
        let mut seq = r.sequence().unwrap();
        assert!(r.is_empty());
        assert_eq!(seq.expect(INTEGER), Ok(&[0u8, 0x80][..]));
        assert_eq!(seq.expect(INTEGER), Ok(&[5u8][..]));
        assert_eq!(seq.expect(OCTET_STRING), Err(DerError::UnexpectedTag));
    }

    #[test]
    fn malformed_input_is_refused() {
        for bad in [
            &[0x30u8][..],
            &[0x30, 0x05, 1],
            &[0x30, 0x80, 0, 0],
            &[0x30, 0x84, 0, 0, 0, 1, 0],
            &[0x1f, 0x01, 0],
            &[0x04, 0x82, 0x01],
        ] {
            assert_eq!(
                DerReader::new(bad).read(),
                Err(DerError::Malformed),
                "{bad:?}"
            );
        }
        assert_eq!(
            DerWriter::new(&mut [0u8; 3]).element(OCTET_STRING, &[1, 2]),
            Err(DerError::BufferTooSmall)
        );
    }
}
