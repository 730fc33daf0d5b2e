//! Zero-copy wire formats: RTP ([`rtp`]), RFC 8285 header extensions ([`ext`]), RTCP
//! ([`rtcp`]) and the codec headers inside RTP payloads ([`payload`]: VP8, H.264, Opus).
//!
//! Views (`RtpPacket`, `rtcp::Compound`…) are validated once and then never panic; reprs
//! (`RtpHeader`, `rtcp::RtcpRepr`…) borrow from the input and `emit` into a caller buffer.
//! Nothing here allocates.

pub mod error;
pub mod ext;
pub mod payload;
pub mod rtcp;
pub mod rtp;

pub use error::{EmitError, ParseError};
pub use ext::{ExtensionElement, ExtensionForm, Extensions, HeaderExtension};
pub use rtp::{CsrcList, RtpHeader, RtpPacket};

/// Big-endian reads and writes that never panic: an out-of-range read gives 0 and an
/// out-of-range write does nothing. Views only read offsets their `new_checked` proved in
/// range, and emitters only write after checking the buffer length, so the fallbacks are
/// unreachable in practice; they exist so that a bug becomes wrong bytes, never a panic.
pub(crate) mod bytes {
    #[inline(always)]
    pub(crate) fn u8_at(b: &[u8], at: usize) -> u8 {
        b.get(at).copied().unwrap_or(0)
    }
    #[inline(always)]
    pub(crate) fn u16_at(b: &[u8], at: usize) -> u16 {
        match b.get(at..at.wrapping_add(2)) {
            Some(&[x, y]) => u16::from_be_bytes([x, y]),
            _ => 0,
        }
    }
    #[inline(always)]
    pub(crate) fn u24_at(b: &[u8], at: usize) -> u32 {
        match b.get(at..at.wrapping_add(3)) {
            Some(&[x, y, z]) => u32::from_be_bytes([0, x, y, z]),
            _ => 0,
        }
    }
    #[inline(always)]
    pub(crate) fn u32_at(b: &[u8], at: usize) -> u32 {
        match b.get(at..at.wrapping_add(4)) {
            Some(&[w, x, y, z]) => u32::from_be_bytes([w, x, y, z]),
            _ => 0,
        }
    }
    #[inline(always)]
    pub(crate) fn u64_at(b: &[u8], at: usize) -> u64 {
        (u64::from(u32_at(b, at)) << 32) | u64::from(u32_at(b, at.wrapping_add(4)))
    }
    #[inline(always)]
    pub(crate) fn put(out: &mut [u8], at: usize, bytes: &[u8]) {
        if let Some(dst) = out.get_mut(at..at.wrapping_add(bytes.len())) {
            dst.copy_from_slice(bytes);
        }
    }
    #[inline(always)]
    pub(crate) fn put_u8(out: &mut [u8], at: usize, v: u8) {
        if let Some(dst) = out.get_mut(at) {
            *dst = v;
        }
    }
    #[inline(always)]
    pub(crate) fn put_u16(out: &mut [u8], at: usize, v: u16) {
        put(out, at, &v.to_be_bytes());
    }
    #[inline(always)]
    pub(crate) fn put_u24(out: &mut [u8], at: usize, v: u32) {
        let b = v.to_be_bytes();
        put(out, at, &[b[1], b[2], b[3]]);
    }
    #[inline(always)]
    pub(crate) fn put_u32(out: &mut [u8], at: usize, v: u32) {
        put(out, at, &v.to_be_bytes());
    }
    #[inline(always)]
    pub(crate) fn put_u64(out: &mut [u8], at: usize, v: u64) {
        put(out, at, &v.to_be_bytes());
    }
    /// `b[from..to]`, or an empty slice when out of range.
    #[inline(always)]
    pub(crate) fn slice(b: &[u8], from: usize, to: usize) -> &[u8] {
        b.get(from..to).unwrap_or(&[])
    }
    /// Zero `out[from..to]` (nothing when out of range).
    #[inline(always)]
    pub(crate) fn zero(out: &mut [u8], from: usize, to: usize) {
        if let Some(dst) = out.get_mut(from..to) {
            dst.fill(0);
        }
    }
}
