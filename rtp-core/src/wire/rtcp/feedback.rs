//! Feedback messages (RFC 4585 §6): generic NACK, PLI, FIR (RFC 5104 §4.3.1) and REMB
//! (draft-alvestrand-rmcat-remb).

use super::body::{emit_packet, packet_len, Body};
use super::twcc::TransportCc;
use super::{packet_type, RtcpPacket, HEADER_LEN};
use crate::wire::bytes::{
    put, put_u16, put_u24, put_u32, put_u8, slice, u16_at, u24_at, u32_at, u8_at,
};
use crate::wire::error::{EmitError, ParseError};

/// Feedback message types (FMT) for RTPFB and PSFB.
pub mod fmt {
    /// RTPFB: generic NACK.
    pub const NACK: u8 = 1;
    /// RTPFB: transport-wide congestion control.
    pub const TRANSPORT_CC: u8 = 15;
    /// PSFB: picture loss indication.
    pub const PLI: u8 = 1;
    /// PSFB: full intra request.
    pub const FIR: u8 = 4;
    /// PSFB: application layer feedback (REMB).
    pub const AFB: u8 = 15;
}

const COMMON_LEN: usize = 8; // sender SSRC + media SSRC

pub(super) fn parse(pt: u8, fmt: u8, body: &[u8]) -> Result<RtcpPacket<'_>, ParseError> {
    if body.len() < COMMON_LEN {
        return Err(ParseError::Truncated {
            needed: HEADER_LEN + COMMON_LEN,
            got: body.len() + HEADER_LEN,
        });
    }
    let fci = slice(body, COMMON_LEN, body.len());
    Ok(match (pt, fmt) {
        (packet_type::RTPFB, fmt::NACK) => RtcpPacket::Nack(Nack::new_checked(body)?),
        (packet_type::RTPFB, fmt::TRANSPORT_CC) => {
            RtcpPacket::TransportCc(TransportCc::new_checked(body)?)
        }
        (packet_type::PSFB, fmt::PLI) => RtcpPacket::Pli(Pli {
            sender_ssrc: u32_at(body, 0),
            media_ssrc: u32_at(body, 4),
        }),
        (packet_type::PSFB, fmt::FIR) => RtcpPacket::Fir(Fir::new_checked(body)?),
        (packet_type::PSFB, fmt::AFB) if fci.starts_with(b"REMB") => {
            RtcpPacket::Remb(Remb::new_checked(body)?)
        }
        _ => RtcpPacket::Feedback(Feedback {
            packet_type: pt,
            fmt,
            body,
        }),
    })
}

fn fci_entries(body: &[u8], size: usize) -> Result<(), ParseError> {
    let fci = body.len() - COMMON_LEN;
    if fci % size != 0 {
        return Err(ParseError::BadLength {
            offset: HEADER_LEN + COMMON_LEN,
        });
    }
    Ok(())
}

/// A feedback message this crate does not decode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Feedback<'a> {
    /// RTPFB (205) or PSFB (206).
    pub packet_type: u8,
    /// The FMT field.
    pub fmt: u8,
    body: &'a [u8],
}

impl<'a> Feedback<'a> {
    /// SSRC of the packet sender.
    pub fn sender_ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }
    /// SSRC of the media source.
    pub fn media_ssrc(&self) -> u32 {
        u32_at(self.body, 4)
    }
    /// The feedback control information.
    pub fn fci(&self) -> &'a [u8] {
        slice(self.body, COMMON_LEN, self.body.len())
    }
    /// The repr that writes this message again.
    pub fn to_repr(&self) -> FeedbackRepr<'a> {
        FeedbackRepr {
            packet_type: self.packet_type,
            fmt: self.fmt,
            sender_ssrc: self.sender_ssrc(),
            media_ssrc: self.media_ssrc(),
            fci: self.fci(),
        }
    }
}

/// Any transport-layer or payload-specific feedback message, with its FCI raw (TMMBR,
/// SLI, RPSI, LNTF, or a type this crate decodes, written by hand).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FeedbackRepr<'a> {
    /// RTPFB (205) or PSFB (206).
    pub packet_type: u8,
    /// The FMT field, 0–31.
    pub fmt: u8,
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
    /// The feedback control information; a multiple of 4 bytes unless padding follows.
    pub fci: &'a [u8],
}

impl Body for FeedbackRepr<'_> {
    fn count(&self) -> u8 {
        self.fmt
    }
    fn packet_type(&self) -> u8 {
        self.packet_type
    }
    fn body_len(&self) -> usize {
        COMMON_LEN + self.fci.len()
    }
    fn open_ended(&self) -> bool {
        true
    }
    fn write_body(&self, out: &mut [u8]) {
        put_u32(out, 4, self.sender_ssrc);
        put_u32(out, 8, self.media_ssrc);
        put(out, 12, self.fci);
    }
}

impl FeedbackRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }
    /// Write at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}

/// One generic NACK entry: a lost packet ID and a bitmask of the 16 following lost ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NackEntry {
    /// Packet ID: a lost sequence number.
    pub pid: u16,
    /// Bitmask of following lost packets: bit i set means `pid + i + 1` is lost.
    pub blp: u16,
}

impl NackEntry {
    /// Every sequence number this entry reports lost, in order.
    pub fn lost(self) -> impl Iterator<Item = u16> {
        core::iter::once(self.pid).chain(
            (0..16u16)
                .filter(move |i| self.blp & (1 << i) != 0)
                .map(move |i| self.pid.wrapping_add(i + 1)),
        )
    }
}

/// Pack sequence numbers (in increasing order, modulo 2^16) into as few NACK entries as
/// possible. Stops when `N` entries are full; returns how many sequence numbers fit.
pub fn nack_entries<const N: usize>(
    seqs: impl IntoIterator<Item = u16>,
    out: &mut heapless::Vec<NackEntry, N>,
) -> usize {
    let mut used = 0;
    for s in seqs {
        if let Some(last) = out.last_mut() {
            let d = s.wrapping_sub(last.pid);
            if d == 0 {
                used += 1;
                continue;
            }
            if (1..=16).contains(&d) {
                last.blp |= 1 << (d - 1);
                used += 1;
                continue;
            }
        }
        if out.push(NackEntry { pid: s, blp: 0 }).is_err() {
            break;
        }
        used += 1;
    }
    used
}

/// A validated generic NACK.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Nack<'a> {
    body: &'a [u8],
}

impl<'a> Nack<'a> {
    fn new_checked(body: &'a [u8]) -> Result<Self, ParseError> {
        fci_entries(body, 4)?;
        Ok(Nack { body })
    }
    /// SSRC of the packet sender.
    pub fn sender_ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }
    /// SSRC of the media source whose packets are lost.
    pub fn media_ssrc(&self) -> u32 {
        u32_at(self.body, 4)
    }
    /// The entries.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = NackEntry> + 'a {
        let body = self.body;
        (0..(body.len() - COMMON_LEN) / 4).map(move |i| NackEntry {
            pid: u16_at(body, COMMON_LEN + 4 * i),
            blp: u16_at(body, COMMON_LEN + 4 * i + 2),
        })
    }
    /// Every sequence number reported lost.
    pub fn lost(&self) -> impl Iterator<Item = u16> + 'a {
        self.entries().flat_map(NackEntry::lost)
    }
    /// A repr borrowing `entries` (collect [`entries`](Self::entries) first).
    pub fn to_repr<'b>(&self, entries: &'b [NackEntry]) -> NackRepr<'b> {
        NackRepr {
            sender_ssrc: self.sender_ssrc(),
            media_ssrc: self.media_ssrc(),
            entries,
        }
    }
}

/// A generic NACK to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NackRepr<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
    /// The entries (at least one).
    pub entries: &'a [NackEntry],
}

impl Body for NackRepr<'_> {
    fn count(&self) -> u8 {
        fmt::NACK
    }
    fn packet_type(&self) -> u8 {
        packet_type::RTPFB
    }
    fn body_len(&self) -> usize {
        COMMON_LEN + 4 * self.entries.len()
    }
    fn open_ended(&self) -> bool {
        true
    }
    fn write_body(&self, out: &mut [u8]) {
        put_u32(out, 4, self.sender_ssrc);
        put_u32(out, 8, self.media_ssrc);
        for (i, e) in self.entries.iter().enumerate() {
            put_u16(out, 12 + 4 * i, e.pid);
            put_u16(out, 14 + 4 * i, e.blp);
        }
    }
}

impl NackRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }
    /// Write at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}

/// A picture loss indication (also its repr).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pli {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source that should send a keyframe.
    pub media_ssrc: u32,
}

/// A PLI to write.
pub type PliRepr = Pli;

impl Body for Pli {
    fn count(&self) -> u8 {
        fmt::PLI
    }
    fn packet_type(&self) -> u8 {
        packet_type::PSFB
    }
    fn body_len(&self) -> usize {
        COMMON_LEN
    }
    fn write_body(&self, out: &mut [u8]) {
        put_u32(out, 4, self.sender_ssrc);
        put_u32(out, 8, self.media_ssrc);
    }
}

impl Pli {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }
    /// Write at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}

/// One FIR entry: the source asked for a keyframe and a command sequence number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FirEntry {
    /// The media sender asked for a decoder refresh.
    pub ssrc: u32,
    /// Command sequence number (incremented per new request, not per retransmission).
    pub seq: u8,
}

/// A validated full intra request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fir<'a> {
    body: &'a [u8],
}

impl<'a> Fir<'a> {
    fn new_checked(body: &'a [u8]) -> Result<Self, ParseError> {
        fci_entries(body, 8)?;
        Ok(Fir { body })
    }
    /// SSRC of the packet sender.
    pub fn sender_ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }
    /// SSRC of the media source: unused, 0 (RFC 5104 §4.3.1.2), though some senders set it.
    pub fn media_ssrc(&self) -> u32 {
        u32_at(self.body, 4)
    }
    /// The entries.
    pub fn entries(&self) -> impl ExactSizeIterator<Item = FirEntry> + 'a {
        let body = self.body;
        (0..(body.len() - COMMON_LEN) / 8).map(move |i| FirEntry {
            ssrc: u32_at(body, COMMON_LEN + 8 * i),
            seq: u8_at(body, COMMON_LEN + 8 * i + 4),
        })
    }
    /// A repr borrowing `entries` (collect [`entries`](Self::entries) first); `None` when
    /// the media SSRC or a reserved field is not zero, which [`FirRepr`] always writes.
    pub fn to_repr<'b>(&self, entries: &'b [FirEntry]) -> Option<FirRepr<'b>> {
        let reserved_zero =
            (0..self.entries().len()).all(|i| u24_at(self.body, COMMON_LEN + 8 * i + 5) == 0);
        (self.media_ssrc() == 0 && reserved_zero).then_some(FirRepr {
            sender_ssrc: self.sender_ssrc(),
            entries,
        })
    }
}

/// A FIR to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FirRepr<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// The entries.
    pub entries: &'a [FirEntry],
}

impl Body for FirRepr<'_> {
    fn count(&self) -> u8 {
        fmt::FIR
    }
    fn packet_type(&self) -> u8 {
        packet_type::PSFB
    }
    fn body_len(&self) -> usize {
        COMMON_LEN + 8 * self.entries.len()
    }
    fn open_ended(&self) -> bool {
        true
    }
    fn write_body(&self, out: &mut [u8]) {
        put_u32(out, 4, self.sender_ssrc);
        put_u32(out, 8, 0); // media source SSRC unused (RFC 5104 §4.3.1.2)
        for (i, e) in self.entries.iter().enumerate() {
            let at = 12 + 8 * i;
            put_u32(out, at, e.ssrc);
            put(out, at + 4, &[e.seq, 0, 0, 0]);
        }
    }
}

impl FirRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }
    /// Write at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}

/// A validated REMB message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Remb<'a> {
    body: &'a [u8],
}

impl<'a> Remb<'a> {
    fn new_checked(body: &'a [u8]) -> Result<Self, ParseError> {
        let n = usize::from(u8_at(body, COMMON_LEN + 4));
        let needed = COMMON_LEN + 8 + 4 * n;
        if body.len() < needed {
            return Err(ParseError::Truncated {
                needed: needed + HEADER_LEN,
                got: body.len() + HEADER_LEN,
            });
        }
        Ok(Remb { body })
    }
    /// SSRC of the packet sender.
    pub fn sender_ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }
    /// SSRC of the media source: unused, 0.
    pub fn media_ssrc(&self) -> u32 {
        u32_at(self.body, 4)
    }
    /// The estimated maximum bitrate, in bits per second (saturating).
    pub fn bitrate(&self) -> u64 {
        let v = u24_at(self.body, COMMON_LEN + 5);
        let exp = v >> 18;
        let mantissa = u64::from(v & 0x3_FFFF);
        mantissa
            .checked_shl(exp)
            .filter(|b| b >> exp == mantissa)
            .unwrap_or(u64::MAX)
    }
    /// The media sources the estimate applies to.
    pub fn ssrcs(&self) -> impl ExactSizeIterator<Item = u32> + 'a {
        let body = self.body;
        let n = usize::from(u8_at(body, COMMON_LEN + 4));
        (0..n).map(move |i| u32_at(body, COMMON_LEN + 8 + 4 * i))
    }
    /// A repr borrowing `ssrcs` (collect [`ssrcs`](Self::ssrcs) first); `None` when the
    /// media SSRC is not 0 or the exponent/mantissa are not the ones [`RembRepr`] would
    /// choose for this bitrate (so re-emitting would change the bytes).
    pub fn to_repr<'b>(&self, ssrcs: &'b [u32]) -> Option<RembRepr<'b>> {
        let wire = u24_at(self.body, COMMON_LEN + 5);
        let bitrate = self.bitrate();
        (self.media_ssrc() == 0 && remb_encode(bitrate) == wire).then_some(RembRepr {
            sender_ssrc: self.sender_ssrc(),
            bitrate,
            ssrcs,
        })
    }
}

/// The 6-bit exponent and 18-bit mantissa for `bitrate`: the smallest exponent whose
/// mantissa fits (as libwebrtc writes them), low bits rounded down.
fn remb_encode(bitrate: u64) -> u32 {
    let exp = (64 - bitrate.leading_zeros()).saturating_sub(18); // at most 46
    let mantissa = (bitrate >> exp) as u32 & 0x3_FFFF;
    (exp << 18) | mantissa
}

/// A REMB message to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RembRepr<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// Bits per second; rounded down to an 18-bit mantissa and a 6-bit exponent.
    pub bitrate: u64,
    /// At most 255 media sources.
    pub ssrcs: &'a [u32],
}

impl Body for RembRepr<'_> {
    fn count(&self) -> u8 {
        fmt::AFB
    }
    fn packet_type(&self) -> u8 {
        packet_type::PSFB
    }
    fn body_len(&self) -> usize {
        COMMON_LEN + 8 + 4 * self.ssrcs.len()
    }
    fn check(&self) -> Result<(), EmitError> {
        if self.ssrcs.len() > 255 {
            return Err(EmitError::ValueOutOfRange);
        }
        Ok(())
    }
    fn write_body(&self, out: &mut [u8]) {
        put_u32(out, 4, self.sender_ssrc);
        put_u32(out, 8, 0);
        put(out, 12, b"REMB");
        put_u8(out, 16, self.ssrcs.len() as u8);
        put_u24(out, 17, remb_encode(self.bitrate));
        for (i, &s) in self.ssrcs.iter().enumerate() {
            put_u32(out, 20 + 4 * i, s);
        }
    }
}

impl RembRepr<'_> {
    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        packet_len(self, &[], &[])
    }
    /// Write at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        emit_packet(self, &[], &[], out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::super::{emit_compound, Compound, RtcpRepr};
    use super::*;

    #[test]
    fn nack_packing_and_roundtrip() {
        let mut entries = heapless::Vec::<NackEntry, 4>::new();
        let used = nack_entries([65534, 65535, 0, 5, 40], &mut entries);
        assert_eq!(used, 5);
        assert_eq!(
            entries[0],
            NackEntry {
                pid: 65534,
                blp: 0b100_0011
            }
        );
        let repr = NackRepr {
            sender_ssrc: 1,
            media_ssrc: 2,
            entries: &entries,
        };
        let mut buf = [0u8; 64];
        let n = repr.emit(&mut buf).unwrap();
        let Some(Ok(RtcpPacket::Nack(p))) = Compound::new(&buf[..n]).next() else {
            panic!()
        };
        let lost: heapless::Vec<u16, 8> = p.lost().collect();
        assert_eq!(lost, [65534, 65535, 0, 5, 40]);
        assert_eq!((p.sender_ssrc(), p.media_ssrc()), (1, 2));
    }

    #[test]
    fn pli_fir_remb_roundtrip() {
        let fir = [FirEntry { ssrc: 9, seq: 3 }];
        let reprs = [
            RtcpRepr::Pli(Pli {
                sender_ssrc: 1,
                media_ssrc: 9,
            }),
            RtcpRepr::Fir(FirRepr {
                sender_ssrc: 1,
                entries: &fir,
            }),
            RtcpRepr::Remb(RembRepr {
                sender_ssrc: 1,
                bitrate: 2_500_000,
                ssrcs: &[9, 10],
            }),
        ];
        let mut buf = [0u8; 128];
        let n = emit_compound(&reprs, &mut buf).unwrap();
        let mut it = Compound::new(&buf[..n]);
        assert_eq!(
            it.next(),
            Some(Ok(RtcpPacket::Pli(Pli {
                sender_ssrc: 1,
                media_ssrc: 9
            })))
        );
        let Some(Ok(RtcpPacket::Fir(f))) = it.next() else {
            panic!()
        };
        assert_eq!(f.entries().next(), Some(fir[0]));
        let Some(Ok(RtcpPacket::Remb(r))) = it.next() else {
            panic!()
        };
        assert_eq!(r.bitrate(), 2_500_000);
        assert_eq!(r.ssrcs().collect::<heapless::Vec<u32, 2>>(), [9, 10]);
        // a large bitrate loses only low bits
        let big = RembRepr {
            sender_ssrc: 1,
            bitrate: 1_000_000_007,
            ssrcs: &[],
        };
        let n = big.emit(&mut buf).unwrap();
        let Some(Ok(RtcpPacket::Remb(r))) = Compound::new(&buf[..n]).next() else {
            panic!()
        };
        assert!(r.bitrate() <= 1_000_000_007 && r.bitrate() > 999_990_000);
    }

    #[test]
    fn malformed_fci() {
        // NACK with a 2-byte FCI
        let bad = [0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 0];
        let mut b = bad;
        b[3] = 3;
        assert!(Compound::new(&b).next().unwrap().is_ok());
        let short = [0x81, 205, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
        assert!(Compound::new(&short).next().unwrap().is_ok()); // empty FCI: zero entries
        let odd = [0x84, 206, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 9];
        assert!(matches!(
            Compound::new(&odd).next(),
            Some(Err(ParseError::BadLength { .. }))
        ));
    }
}
