//! The RTP fixed header, CSRCs, header extension, payload and padding (RFC 3550 §5.1).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//! |                           timestamp                           |
//! |           synchronization source (SSRC) identifier            |
//! |            contributing source (CSRC) identifiers             | ×CC
//! |  defined by profile           |           length              | if X
//! |                     header extension                          |
//! |                          payload ...          | padding | count |
//! ```

use super::bytes::{put, put_u16, put_u32, put_u8, slice, u16_at, u32_at, u8_at, zero};
use super::error::{need, room, EmitError, ParseError};
use super::ext::{ExtensionForm, Extensions, HeaderExtension, Layout};

mod field {
    pub const FLAGS: usize = 0;
    pub const MARKER_PT: usize = 1;
    pub const SEQ: usize = 2;
    pub const TIMESTAMP: usize = 4;
    pub const SSRC: usize = 8;
    pub const CSRC: usize = 12;
}

/// Length of the fixed header.
pub const FIXED_HEADER_LEN: usize = 12;

/// A validated, zero-copy view of an RTP packet.
///
/// After [`new_checked`](RtpPacket::new_checked) succeeds no accessor panics. The offsets of
/// the payload are computed once there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtpPacket<B> {
    buffer: B,
    payload_start: usize,
    payload_end: usize,
}

impl<B: AsRef<[u8]>> RtpPacket<B> {
    /// Validate `buffer` as an RTP packet: version 2, CSRCs, extension and padding in range.
    #[inline]
    pub fn new_checked(buffer: B) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        need(b, FIXED_HEADER_LEN)?;
        let flags = u8_at(b, field::FLAGS);
        if flags >> 6 != 2 {
            return Err(ParseError::BadVersion {
                version: flags >> 6,
            });
        }
        let mut start = FIXED_HEADER_LEN + 4 * usize::from(flags & 0x0F);
        if flags & 0x10 != 0 {
            need(b, start + 4)?;
            start += 4 + 4 * usize::from(u16_at(b, start + 2));
        }
        need(b, start)?;
        let mut end = b.len();
        if flags & 0x20 != 0 {
            let count = u8_at(b, end - 1);
            if count == 0 || usize::from(count) > end - start {
                return Err(ParseError::BadPadding { count });
            }
            end -= usize::from(count);
        }
        Ok(RtpPacket {
            buffer,
            payload_start: start,
            payload_end: end,
        })
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buffer
    }

    /// The whole packet.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    #[inline]
    fn flags(&self) -> u8 {
        u8_at(self.as_bytes(), field::FLAGS)
    }

    /// The version (always 2 once validated).
    pub fn version(&self) -> u8 {
        self.flags() >> 6
    }

    /// The P bit.
    pub fn has_padding(&self) -> bool {
        self.flags() & 0x20 != 0
    }

    /// The X bit.
    pub fn has_extension(&self) -> bool {
        self.flags() & 0x10 != 0
    }

    /// The CSRC count.
    pub fn csrc_count(&self) -> u8 {
        self.flags() & 0x0F
    }

    /// The marker bit.
    #[inline]
    pub fn marker(&self) -> bool {
        u8_at(self.as_bytes(), field::MARKER_PT) & 0x80 != 0
    }

    /// The payload type.
    #[inline]
    pub fn payload_type(&self) -> u8 {
        u8_at(self.as_bytes(), field::MARKER_PT) & 0x7F
    }

    /// The sequence number.
    #[inline]
    pub fn sequence_number(&self) -> u16 {
        u16_at(self.as_bytes(), field::SEQ)
    }

    /// The timestamp.
    #[inline]
    pub fn timestamp(&self) -> u32 {
        u32_at(self.as_bytes(), field::TIMESTAMP)
    }

    /// The synchronization source.
    #[inline]
    pub fn ssrc(&self) -> u32 {
        u32_at(self.as_bytes(), field::SSRC)
    }

    /// The contributing sources.
    pub fn csrcs(&self) -> impl ExactSizeIterator<Item = u32> + '_ {
        let b = self.as_bytes();
        (0..usize::from(self.csrc_count())).map(move |i| u32_at(b, field::CSRC + 4 * i))
    }

    fn ext_offset(&self) -> Option<usize> {
        self.has_extension()
            .then(|| field::CSRC + 4 * usize::from(self.csrc_count()))
    }

    /// The "defined by profile" field of the header extension, if there is one.
    pub fn extension_profile(&self) -> Option<u16> {
        self.ext_offset().map(|o| u16_at(self.as_bytes(), o))
    }

    /// The header extension data (after its 4-byte header), if there is one.
    #[inline]
    pub fn extension_data(&self) -> Option<&[u8]> {
        self.ext_offset()
            .map(|o| slice(self.as_bytes(), o + 4, self.payload_start))
    }

    /// The RFC 8285 extension elements (empty when there is no extension or its profile is
    /// not RFC 8285's).
    #[inline]
    pub fn extensions(&self) -> Extensions<'_> {
        match (
            self.extension_profile()
                .and_then(ExtensionForm::from_profile),
            self.extension_data(),
        ) {
            (Some(form), Some(data)) => Extensions::new(form, data),
            _ => Extensions::empty(),
        }
    }

    /// The data of the RFC 8285 extension element `id`, if present.
    pub fn extension(&self, id: u8) -> Option<&[u8]> {
        self.extensions().get(id)
    }

    /// Offset of the payload from the start of the packet (= header length).
    pub fn header_len(&self) -> usize {
        self.payload_start
    }

    /// The payload, without padding.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        slice(self.as_bytes(), self.payload_start, self.payload_end)
    }

    /// Number of padding bytes, including the count byte (0 without padding).
    pub fn padding_len(&self) -> usize {
        self.as_bytes().len() - self.payload_end
    }

    /// A repr of the header: borrows the extension block as [`HeaderExtension::Raw`].
    pub fn header(&self) -> RtpHeader<'_> {
        let extension = match (self.extension_profile(), self.extension_data()) {
            (Some(profile), Some(data)) => HeaderExtension::Raw { profile, data },
            _ => HeaderExtension::None,
        };
        RtpHeader {
            marker: self.marker(),
            payload_type: self.payload_type(),
            sequence_number: self.sequence_number(),
            timestamp: self.timestamp(),
            ssrc: self.ssrc(),
            csrcs: self.csrcs().collect(),
            extension,
            padding: self.padding_len() as u8,
        }
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> RtpPacket<B> {
    /// Set the marker bit.
    pub fn set_marker(&mut self, marker: bool) {
        let b = self.buffer.as_mut();
        let v = (u8_at(b, field::MARKER_PT) & 0x7F) | ((marker as u8) << 7);
        put_u8(b, field::MARKER_PT, v);
    }

    /// Set the payload type (7 bits; the high bit is ignored).
    pub fn set_payload_type(&mut self, pt: u8) {
        let b = self.buffer.as_mut();
        let v = (u8_at(b, field::MARKER_PT) & 0x80) | (pt & 0x7F);
        put_u8(b, field::MARKER_PT, v);
    }

    /// Set the sequence number.
    pub fn set_sequence_number(&mut self, seq: u16) {
        put_u16(self.buffer.as_mut(), field::SEQ, seq);
    }

    /// Set the timestamp.
    pub fn set_timestamp(&mut self, ts: u32) {
        put_u32(self.buffer.as_mut(), field::TIMESTAMP, ts);
    }

    /// Set the SSRC.
    pub fn set_ssrc(&mut self, ssrc: u32) {
        put_u32(self.buffer.as_mut(), field::SSRC, ssrc);
    }

    /// The payload, writable.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (s, e) = (self.payload_start, self.payload_end);
        self.buffer.as_mut().get_mut(s..e).unwrap_or(&mut [])
    }

    /// The data of the RFC 8285 extension element `id`, writable in place (same length), e.g.
    /// to give a retransmission a fresh transport-wide sequence number.
    pub fn extension_mut(&mut self, id: u8) -> Option<&mut [u8]> {
        let (start, len) = {
            let data = self.extension_data()?;
            let found = self.extensions().get(id)?;
            // `found` borrows from `data`: its offset there is the difference of the pointers.
            (
                found.as_ptr() as usize - data.as_ptr() as usize,
                found.len(),
            )
        };
        self.extension_data_mut()?.get_mut(start..start + len)
    }

    /// The extension data (after its 4-byte header), writable, e.g. to stamp a
    /// transport-wide sequence number or abs-send-time just before sending.
    pub fn extension_data_mut(&mut self) -> Option<&mut [u8]> {
        let o = self.ext_offset()?;
        let s = self.payload_start;
        self.buffer.as_mut().get_mut(o + 4..s)
    }
}

/// Up to 15 contributing sources.
pub type CsrcList = heapless::Vec<u32, 15>;

/// The header fields of an RTP packet to write (and as read back by
/// [`RtpPacket::header`]).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct RtpHeader<'a> {
    /// The marker bit.
    pub marker: bool,
    /// The payload type (0–127).
    pub payload_type: u8,
    /// The sequence number.
    pub sequence_number: u16,
    /// The timestamp.
    pub timestamp: u32,
    /// The synchronization source.
    pub ssrc: u32,
    /// The contributing sources.
    pub csrcs: CsrcList,
    /// The header extension.
    pub extension: HeaderExtension<'a>,
    /// Padding bytes appended after the payload, count byte included (0: no padding).
    pub padding: u8,
}

impl RtpHeader<'_> {
    /// Bytes before the payload: fixed header, CSRCs and extension.
    pub fn header_len(&self) -> Result<usize, EmitError> {
        Ok(FIXED_HEADER_LEN + 4 * self.csrcs.len() + self.extension.buffer_len()?)
    }

    /// Total bytes of a packet with a payload of `payload_len` bytes.
    pub fn buffer_len(&self, payload_len: usize) -> Result<usize, EmitError> {
        Ok(self.header_len()? + payload_len + usize::from(self.padding))
    }

    /// Write the header (not the payload, not the padding) at the start of `out`; the
    /// caller writes the payload at `out[len..]`. Returns the header length.
    #[inline]
    pub fn emit_header(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let layout = self.extension.layout()?;
        let len = FIXED_HEADER_LEN + 4 * self.csrcs.len() + layout.len;
        room(out, len)?;
        self.write_header(out, layout)
    }

    #[inline]
    fn write_header(&self, out: &mut [u8], layout: Layout) -> Result<usize, EmitError> {
        if self.payload_type > 0x7F {
            return Err(EmitError::ValueOutOfRange);
        }
        let flags = 0x80
            | (u8::from(self.padding > 0) << 5)
            | (u8::from(layout.len > 0) << 4)
            | self.csrcs.len() as u8;
        let mut fixed = [0u8; FIXED_HEADER_LEN];
        fixed[field::FLAGS] = flags;
        fixed[field::MARKER_PT] = (u8::from(self.marker) << 7) | self.payload_type;
        fixed[2..4].copy_from_slice(&self.sequence_number.to_be_bytes());
        fixed[4..8].copy_from_slice(&self.timestamp.to_be_bytes());
        fixed[8..12].copy_from_slice(&self.ssrc.to_be_bytes());
        put(out, 0, &fixed);
        let mut pos = field::CSRC;
        for &c in &self.csrcs {
            put_u32(out, pos, c);
            pos += 4;
        }
        if let Some(rest) = out.get_mut(pos..pos + layout.len) {
            self.extension.emit_with(layout, rest);
        }
        Ok(pos + layout.len)
    }

    /// Write the whole packet: header, `payload`, padding. Returns its length; `out` is
    /// untouched on error.
    #[inline]
    pub fn emit(&self, payload: &[u8], out: &mut [u8]) -> Result<usize, EmitError> {
        let layout = self.extension.layout()?;
        let h = FIXED_HEADER_LEN + 4 * self.csrcs.len() + layout.len;
        let total = h + payload.len() + usize::from(self.padding);
        room(out, total)?;
        self.write_header(out, layout)?;
        self.emit_tail(out, h, payload.len(), Some(payload))?;
        Ok(total)
    }

    /// Write padding after a payload the caller already placed at `out[header_len..]`;
    /// returns the total packet length.
    pub fn finish(
        &self,
        out: &mut [u8],
        header_len: usize,
        payload_len: usize,
    ) -> Result<usize, EmitError> {
        self.emit_tail(out, header_len, payload_len, None)
    }

    fn emit_tail(
        &self,
        out: &mut [u8],
        h: usize,
        payload_len: usize,
        payload: Option<&[u8]>,
    ) -> Result<usize, EmitError> {
        let end = h + payload_len;
        let total = end + usize::from(self.padding);
        room(out, total)?;
        if let (Some(p), Some(dst)) = (payload, out.get_mut(h..end)) {
            dst.copy_from_slice(p);
        }
        if self.padding > 0 {
            zero(out, end, total - 1);
            put_u8(out, total - 1, self.padding);
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use crate::wire::ext::ExtensionElement;

    // A packet with 1 CSRC, a one-byte extension (mid="a") and 2 bytes of padding.
    const PKT: [u8; 30] = [
        0xB1, 0xE0, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, // fixed
        0xCA, 0xFE, 0xBA, 0xBE, // csrc
        0xBE, 0xDE, 0x00, 0x01, 0x30, b'a', 0x00, 0x00, // ext
        0x11, 0x22, 0x33, 0x44, // payload
        0x00, 0x02, // padding
    ];

    #[test]
    fn extension_element_rewritten_in_place() {
        let mut buf = PKT;
        let mut p = RtpPacket::new_checked(&mut buf[..]).unwrap();
        p.extension_mut(3).unwrap().copy_from_slice(b"z");
        assert!(p.extension_mut(4).is_none(), "no element 4");
        assert_eq!(p.extension(3), Some(&b"z"[..]));
        assert_eq!(p.payload(), [0x11, 0x22, 0x33, 0x44]);
        assert_eq!(buf[21], b'z');
    }

    #[test]
    fn parse_fields() {
        let p = RtpPacket::new_checked(&PKT[..]).unwrap();
        assert_eq!(p.version(), 2);
        assert!(p.has_padding() && p.has_extension() && p.marker());
        assert_eq!(p.payload_type(), 0x60);
        assert_eq!(p.sequence_number(), 0x1234);
        assert_eq!(p.timestamp(), 0xDEADBEEF);
        assert_eq!(p.ssrc(), 0x01020304);
        assert_eq!(p.csrcs().collect::<heapless::Vec<u32, 2>>(), [0xCAFEBABE]);
        assert_eq!(p.extension_profile(), Some(0xBEDE));
        assert_eq!(p.extension(3), Some(&b"a"[..]));
        assert_eq!(p.payload(), &[0x11, 0x22, 0x33, 0x44]);
        assert_eq!(p.padding_len(), 2);
    }

    #[test]
    fn header_repr_roundtrip_is_byte_exact() {
        let p = RtpPacket::new_checked(&PKT[..]).unwrap();
        let h = p.header();
        let mut out = [0u8; 64];
        let n = h.emit(p.payload(), &mut out).unwrap();
        assert_eq!(&out[..n], &PKT[..]);
    }

    #[test]
    fn emit_elements_and_setters() {
        let els = [ExtensionElement::new(1, &[9, 9, 9])];
        let h = RtpHeader {
            payload_type: 111,
            sequence_number: 65535,
            timestamp: 7,
            ssrc: 9,
            extension: HeaderExtension::Elements(&els),
            ..Default::default()
        };
        let mut out = [0u8; 40];
        let n = h.emit(b"xyz", &mut out).unwrap();
        assert_eq!(n, 12 + 8 + 3);
        let mut p = RtpPacket::new_checked(&mut out[..n]).unwrap();
        assert_eq!(p.extension(1), Some(&[9u8, 9, 9][..]));
        p.set_marker(true);
        p.set_payload_type(96);
        p.set_sequence_number(1);
        p.payload_mut()[0] = b'X';
        assert!(p.marker());
        assert_eq!((p.payload_type(), p.sequence_number()), (96, 1));
        assert_eq!(p.payload(), b"Xyz");
    }

    #[test]
    fn invalid_inputs() {
        assert_eq!(
            RtpPacket::new_checked(&PKT[..11]).unwrap_err(),
            ParseError::Truncated {
                needed: 12,
                got: 11
            }
        );
        let mut v1 = PKT;
        v1[0] = 0x40;
        assert_eq!(
            RtpPacket::new_checked(&v1[..]).unwrap_err(),
            ParseError::BadVersion { version: 1 }
        );
        let mut pad = PKT;
        pad[29] = 0;
        assert_eq!(
            RtpPacket::new_checked(&pad[..]).unwrap_err(),
            ParseError::BadPadding { count: 0 }
        );
        pad[29] = 7; // more than the 6 payload+padding bytes
        assert_eq!(
            RtpPacket::new_checked(&pad[..]).unwrap_err(),
            ParseError::BadPadding { count: 7 }
        );
        let mut ext = PKT;
        ext[19] = 9; // extension longer than the packet
        assert!(matches!(
            RtpPacket::new_checked(&ext[..]),
            Err(ParseError::Truncated { .. })
        ));
        let mut out = [0xAAu8; 20];
        let h = RtpHeader {
            padding: 4,
            ..Default::default()
        };
        assert_eq!(
            h.emit(&[0; 8], &mut out),
            Err(EmitError::BufferTooSmall { needed: 24 })
        );
        assert_eq!(out, [0xAA; 20]);
    }
}
