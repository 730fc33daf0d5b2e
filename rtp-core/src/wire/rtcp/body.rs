//! The one place an RTCP packet is framed: common header, typed body, extension, zero fill
//! to 32 bits, RFC 3550 padding. Every repr implements [`Body`]; [`emit_packet`] does the
//! rest, so the length rules are written once.

use super::HEADER_LEN;
use crate::wire::bytes::{put, put_u16, put_u8, zero};
use crate::wire::error::{room, EmitError};

/// What a packet repr tells the framer.
pub(crate) trait Body {
    /// The 5-bit count / FMT / subtype field.
    fn count(&self) -> u8;
    /// The packet type.
    fn packet_type(&self) -> u8;
    /// Bytes of the typed body after the common header, before any fill or padding.
    fn body_len(&self) -> usize;
    /// Check values fit their fields.
    fn check(&self) -> Result<(), EmitError> {
        Ok(())
    }
    /// Whether a parser reads the body up to the end of the packet (APP data, an unknown
    /// FCI, a raw body): zero fill would become part of it, so the body must end on a
    /// 32-bit boundary by itself.
    fn open_ended(&self) -> bool {
        false
    }
    /// Write `body_len()` bytes at `out[HEADER_LEN..]`; `out` is known to be long enough.
    fn write_body(&self, out: &mut [u8]);
}

/// Bytes a packet takes: header, body, extension, zero fill and padding, on 32 bits.
pub(crate) fn packet_len(b: &impl Body, extension: &[u8], padding: &[u8]) -> usize {
    (HEADER_LEN + b.body_len() + extension.len() + padding.len()).next_multiple_of(4)
}

/// Check every value of a packet (fields, count, fill, padding, 16-bit length) and return
/// its length on the wire.
pub(crate) fn frame_len(
    b: &impl Body,
    extension: &[u8],
    padding: &[u8],
) -> Result<usize, EmitError> {
    b.check()?;
    let content = HEADER_LEN + b.body_len() + extension.len();
    let len = packet_len(b, extension, padding);
    let fill = len - content - padding.len();
    // Zero fill is only allowed where a parser skips it: after a typed body that knows
    // its own end, and never between an extension and the padding.
    let fill_ok = fill == 0 || (!b.open_ended() && extension.is_empty());
    let padding_ok = padding.is_empty()
        || (padding.len() <= 255 && padding.last() == Some(&(padding.len() as u8)));
    if b.count() > 31 || !fill_ok || !padding_ok || len / 4 > usize::from(u16::MAX) + 1 {
        return Err(EmitError::ValueOutOfRange);
    }
    Ok(len)
}

/// Write one packet: header (with the P bit when `padding` is not empty), body,
/// `extension`, zero fill up to 32 bits, `padding` (whose last byte must be its length).
/// `out` is untouched on error.
pub(crate) fn emit_packet(
    b: &impl Body,
    extension: &[u8],
    padding: &[u8],
    out: &mut [u8],
) -> Result<usize, EmitError> {
    let len = frame_len(b, extension, padding)?;
    room(out, len)?;
    let body_end = HEADER_LEN + b.body_len();
    let content = body_end + extension.len();
    put_u8(
        out,
        0,
        0x80 | u8::from(!padding.is_empty()) << 5 | b.count(),
    );
    put_u8(out, 1, b.packet_type());
    put_u16(out, 2, (len / 4 - 1) as u16);
    b.write_body(out);
    put(out, body_end, extension);
    zero(out, content, len - padding.len());
    put(out, len - padding.len(), padding);
    Ok(len)
}

/// A packet written from its raw parts: any packet type (XR, or one this crate does not
/// decode), or a packet whose bytes a typed repr cannot reproduce exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RawRepr<'a> {
    /// The packet type.
    pub packet_type: u8,
    /// The 5-bit count / format / subtype field.
    pub count: u8,
    /// Everything after the common header (padding excluded); its length must be a
    /// multiple of 4 unless padding follows.
    pub body: &'a [u8],
}

impl Body for RawRepr<'_> {
    fn count(&self) -> u8 {
        self.count
    }
    fn packet_type(&self) -> u8 {
        self.packet_type
    }
    fn body_len(&self) -> usize {
        self.body.len()
    }
    fn open_ended(&self) -> bool {
        true
    }
    fn write_body(&self, out: &mut [u8]) {
        put(out, HEADER_LEN, self.body);
    }
}

impl RawRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }

    /// Write at the start of `out`; returns the length. `out` is untouched on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}
