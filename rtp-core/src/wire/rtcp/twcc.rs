//! Transport-wide congestion control feedback
//! (draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1): RTPFB, FMT 15.
//!
//! ```text
//! | sender SSRC | media SSRC | base seq (16) | status count (16) |
//! | reference time (24, ×64 ms) | fb pkt count (8) | packet chunks… | recv deltas… |
//! ```

use super::body::{emit_packet, packet_len, Body};
use super::feedback::fmt;
use super::{packet_type, HEADER_LEN};
use crate::wire::bytes::{
    put, put_u16, put_u24, put_u32, put_u8, slice, u16_at, u24_at, u32_at, u8_at,
};
use crate::wire::error::{EmitError, ParseError};

const FIXED: usize = 16; // SSRCs, base seq, count, reference time, fb count
const SYM_NONE: u8 = 0;
const SYM_SMALL: u8 = 1;
const SYM_LARGE: u8 = 2;

/// A decoded chunk: how many symbols it holds and a way to read symbol `i`.
#[derive(Clone, Copy)]
struct Chunk(u16);

impl Chunk {
    fn len(self) -> usize {
        if self.0 & 0x8000 == 0 {
            usize::from(self.0 & 0x1FFF)
        } else if self.0 & 0x4000 == 0 {
            14
        } else {
            7
        }
    }
    fn symbol(self, i: usize) -> u8 {
        if self.0 & 0x8000 == 0 {
            ((self.0 >> 13) & 0x3) as u8
        } else if self.0 & 0x4000 == 0 {
            ((self.0 >> (13 - i)) & 0x1) as u8
        } else {
            ((self.0 >> (12 - 2 * i)) & 0x3) as u8
        }
    }
}

/// Walk `count` packet statuses over the chunks at the start of `data`: returns where the
/// receive deltas start and end, relative to `data`. `base` (the offset of `data` in the
/// packet) is added to the offsets in errors.
fn walk(data: &[u8], count: usize, base: usize) -> Result<(usize, usize), ParseError> {
    let (mut pos, mut seen, mut delta_bytes) = (0usize, 0usize, 0usize);
    while seen < count {
        let bad = ParseError::BadLength { offset: base + pos };
        if pos + 2 > data.len() {
            return Err(bad);
        }
        let c = Chunk(u16_at(data, pos));
        let n = c.len().min(count - seen);
        if n == 0 {
            return Err(bad);
        }
        for i in 0..n {
            // a run-length chunk holds one symbol: counting it n times is exact
            delta_bytes += match c.symbol(i) {
                SYM_NONE => 0,
                SYM_SMALL => 1,
                SYM_LARGE => 2,
                _ => return Err(bad),
            };
        }
        seen += n;
        pos += 2;
    }
    if pos + delta_bytes > data.len() {
        return Err(ParseError::Truncated {
            needed: base + pos + delta_bytes,
            got: base + data.len(),
        });
    }
    Ok((pos, pos + delta_bytes))
}

/// A validated transport-wide feedback message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportCc<'a> {
    body: &'a [u8],
    deltas_at: usize,
    end: usize,
}

impl<'a> TransportCc<'a> {
    /// Validate the body (after the common header).
    pub(super) fn new_checked(body: &'a [u8]) -> Result<Self, ParseError> {
        if body.len() < FIXED {
            return Err(ParseError::Truncated {
                needed: HEADER_LEN + FIXED,
                got: HEADER_LEN + body.len(),
            });
        }
        let count = usize::from(u16_at(body, 10));
        let data = slice(body, FIXED, body.len());
        let (deltas_at, end) = walk(data, count, HEADER_LEN + FIXED)?;
        Ok(TransportCc {
            body,
            deltas_at: FIXED + deltas_at,
            end: FIXED + end,
        })
    }

    /// The repr that writes this message again byte for byte: the status chunks and
    /// deltas stay as the sender encoded them ([`TwccPackets::Encoded`]).
    pub fn to_repr(&self) -> TransportCcRepr<'a> {
        TransportCcRepr {
            sender_ssrc: self.sender_ssrc(),
            media_ssrc: self.media_ssrc(),
            base_seq: self.base_seq(),
            reference_time: self.reference_time(),
            fb_count: self.fb_count(),
            packets: TwccPackets::Encoded {
                status_count: self.status_count(),
                data: slice(self.body, FIXED, self.end),
            },
        }
    }

    /// SSRC of the packet sender.
    pub fn sender_ssrc(&self) -> u32 {
        u32_at(self.body, 0)
    }
    /// SSRC of the media source (often 0 or the first stream).
    pub fn media_ssrc(&self) -> u32 {
        u32_at(self.body, 4)
    }
    /// Transport-wide sequence number of the first packet reported.
    pub fn base_seq(&self) -> u16 {
        u16_at(self.body, 8)
    }
    /// Number of packets reported.
    pub fn status_count(&self) -> u16 {
        u16_at(self.body, 10)
    }
    /// Reference time, in multiples of 64 ms (24-bit signed).
    pub fn reference_time(&self) -> i32 {
        ((u24_at(self.body, 12) << 8) as i32) >> 8
    }
    /// Feedback packet count (wraps at 256).
    pub fn fb_count(&self) -> u8 {
        u8_at(self.body, 15)
    }
    /// Every packet reported, in sequence order.
    pub fn packets(&self) -> TwccIter<'a> {
        TwccIter {
            body: self.body,
            chunk_pos: FIXED,
            in_chunk: 0,
            delta_pos: self.deltas_at,
            index: 0,
            count: self.status_count(),
            base: self.base_seq(),
        }
    }
}

/// What happened to one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TwccStatus {
    /// Not received (yet).
    NotReceived,
    /// Received; arrival delta from the previous received packet (or the reference time),
    /// in units of 250 µs.
    Received {
        /// The delta, ×250 µs.
        delta: i16,
    },
}

/// One reported packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TwccPacket {
    /// Its transport-wide sequence number.
    pub seq: u16,
    /// Its status.
    pub status: TwccStatus,
}

/// Iterator over the packets of a [`TransportCc`].
#[derive(Clone, Debug)]
pub struct TwccIter<'a> {
    body: &'a [u8],
    chunk_pos: usize,
    in_chunk: usize,
    delta_pos: usize,
    index: u16,
    count: u16,
    base: u16,
}

impl Iterator for TwccIter<'_> {
    type Item = TwccPacket;

    fn next(&mut self) -> Option<TwccPacket> {
        if self.index >= self.count {
            return None;
        }
        let mut c = Chunk(u16_at(self.body, self.chunk_pos));
        if self.in_chunk >= c.len() {
            self.chunk_pos += 2;
            self.in_chunk = 0;
            c = Chunk(u16_at(self.body, self.chunk_pos));
        }
        let status = match c.symbol(self.in_chunk) {
            SYM_SMALL => {
                let d = u8_at(self.body, self.delta_pos);
                self.delta_pos += 1;
                TwccStatus::Received {
                    delta: i16::from(d),
                }
            }
            SYM_LARGE => {
                let d = u16_at(self.body, self.delta_pos) as i16;
                self.delta_pos += 2;
                TwccStatus::Received { delta: d }
            }
            _ => TwccStatus::NotReceived,
        };
        let seq = self.base.wrapping_add(self.index);
        self.index += 1;
        self.in_chunk += 1;
        Some(TwccPacket { seq, status })
    }
}

/// The packets a [`TransportCcRepr`] reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TwccPackets<'a> {
    /// One entry per packet from `base_seq` on: `None` if not received, else the arrival
    /// delta ×250 µs (at most 65535 entries). [`TransportCcRepr::emit`] chooses the chunks.
    Deltas(&'a [Option<i16>]),
    /// Status chunks and receive deltas exactly as a sender encoded them (what
    /// [`TransportCc::to_repr`] gives, so forwarding keeps the bytes).
    Encoded {
        /// Number of packets the chunks describe.
        status_count: u16,
        /// The packet chunks followed by the receive deltas, nothing after them.
        data: &'a [u8],
    },
}

impl<'a> From<&'a [Option<i16>]> for TwccPackets<'a> {
    fn from(p: &'a [Option<i16>]) -> Self {
        TwccPackets::Deltas(p)
    }
}

/// A transport-wide feedback message to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransportCcRepr<'a> {
    /// SSRC of the packet sender.
    pub sender_ssrc: u32,
    /// SSRC of the media source.
    pub media_ssrc: u32,
    /// Sequence number of the first packet reported.
    pub base_seq: u16,
    /// Reference time, ×64 ms (24-bit signed).
    pub reference_time: i32,
    /// Feedback packet count.
    pub fb_count: u8,
    /// The packets reported.
    pub packets: TwccPackets<'a>,
}

fn symbol(p: Option<i16>) -> u8 {
    match p {
        None => SYM_NONE,
        Some(d) if (0..=255).contains(&d) => SYM_SMALL,
        Some(_) => SYM_LARGE,
    }
}

/// The chunks of `packets`, one at a time: (chunk word, symbols covered).
fn chunks(packets: &[Option<i16>]) -> impl Iterator<Item = u16> + '_ {
    let mut i = 0;
    core::iter::from_fn(move || {
        let rest = packets.get(i..).filter(|r| !r.is_empty())?;
        let first = symbol(*rest.first()?);
        let run = rest
            .iter()
            .take(0x1FFF)
            .take_while(|p| symbol(**p) == first)
            .count();
        if run >= 7 {
            i += run;
            return Some((u16::from(first) << 13) | run as u16);
        }
        let k14 = rest.len().min(14);
        let window = rest.get(..k14).unwrap_or(&[]);
        if window.iter().all(|p| symbol(*p) <= SYM_SMALL) {
            let mut w = 0x8000u16;
            for (j, p) in window.iter().enumerate() {
                w |= u16::from(symbol(*p)) << (13 - j);
            }
            i += k14;
            return Some(w);
        }
        let k7 = rest.len().min(7);
        let mut w = 0xC000u16;
        for (j, p) in rest.iter().take(k7).enumerate() {
            w |= u16::from(symbol(*p)) << (12 - 2 * j);
        }
        i += k7;
        Some(w)
    })
}

fn delta_bytes(packets: &[Option<i16>]) -> usize {
    packets
        .iter()
        .map(|p| match symbol(*p) {
            SYM_SMALL => 1,
            SYM_LARGE => 2,
            _ => 0,
        })
        .sum()
}

impl Body for TransportCcRepr<'_> {
    fn count(&self) -> u8 {
        fmt::TRANSPORT_CC
    }
    fn packet_type(&self) -> u8 {
        packet_type::RTPFB
    }
    fn body_len(&self) -> usize {
        FIXED
            + match self.packets {
                TwccPackets::Deltas(p) => 2 * chunks(p).count() + delta_bytes(p),
                TwccPackets::Encoded { data, .. } => data.len(),
            }
    }
    fn check(&self) -> Result<(), EmitError> {
        let ok = match self.packets {
            TwccPackets::Deltas(p) => p.len() <= usize::from(u16::MAX),
            TwccPackets::Encoded { status_count, data } => {
                walk(data, usize::from(status_count), 0).is_ok_and(|(_, end)| end == data.len())
            }
        };
        if !ok || !(-0x80_0000..0x80_0000).contains(&self.reference_time) {
            return Err(EmitError::ValueOutOfRange);
        }
        Ok(())
    }
    fn write_body(&self, out: &mut [u8]) {
        put_u32(out, 4, self.sender_ssrc);
        put_u32(out, 8, self.media_ssrc);
        put_u16(out, 12, self.base_seq);
        put_u24(out, 16, self.reference_time as u32 & 0x00FF_FFFF);
        put_u8(out, 19, self.fb_count);
        let mut pos = HEADER_LEN + FIXED;
        let packets = match self.packets {
            TwccPackets::Encoded { status_count, data } => {
                put_u16(out, 14, status_count);
                put(out, pos, data);
                return;
            }
            TwccPackets::Deltas(p) => p,
        };
        put_u16(out, 14, packets.len() as u16);
        for c in chunks(packets) {
            put_u16(out, pos, c);
            pos += 2;
        }
        for p in packets.iter().flatten() {
            if (0..=255).contains(p) {
                put_u8(out, pos, *p as u8);
                pos += 1;
            } else {
                put_u16(out, pos, *p as u16);
                pos += 2;
            }
        }
        // The draft pads to 32 bits with zero bytes (no P bit): receivers stop after the
        // last delta. `emit_packet` writes them.
    }
}

impl TransportCcRepr<'_> {
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
    use super::super::{Compound, RtcpPacket};
    use super::*;

    fn roundtrip(packets: &[Option<i16>]) {
        let repr = TransportCcRepr {
            sender_ssrc: 1,
            media_ssrc: 2,
            base_seq: 65530,
            reference_time: -5,
            fb_count: 9,
            packets: packets.into(),
        };
        let mut buf = [0u8; 512];
        let n = repr.emit(&mut buf).unwrap();
        assert_eq!(n % 4, 0);
        let Some(Ok(RtcpPacket::TransportCc(t))) = Compound::new(&buf[..n]).next() else {
            panic!()
        };
        assert_eq!(
            (t.base_seq(), t.reference_time(), t.fb_count()),
            (65530, -5, 9)
        );
        assert_eq!(usize::from(t.status_count()), packets.len());
        for (i, (got, want)) in t.packets().zip(packets).enumerate() {
            assert_eq!(got.seq, 65530u16.wrapping_add(i as u16));
            let want = want.map_or(TwccStatus::NotReceived, |d| TwccStatus::Received {
                delta: d,
            });
            assert_eq!(got.status, want, "packet {i}");
        }
        assert_eq!(t.packets().count(), packets.len());
    }

    #[test]
    fn every_chunk_kind() {
        roundtrip(&[Some(4); 20]); // run length
        roundtrip(&[Some(1), None, Some(2), None, Some(3), None, Some(4), None]); // 1-bit vector
        roundtrip(&[Some(-1), None, Some(300), Some(2), None]); // 2-bit vector
        roundtrip(&[None; 3]);
        let mut mixed = [None; 100];
        for (i, m) in mixed.iter_mut().enumerate() {
            if i % 3 != 0 {
                *m = Some(if i % 7 == 0 { -(i as i16) } else { i as i16 });
            }
        }
        roundtrip(&mixed);
    }

    #[test]
    fn missing_deltas_rejected() {
        let repr = TransportCcRepr {
            sender_ssrc: 1,
            media_ssrc: 2,
            base_seq: 0,
            reference_time: 0,
            fb_count: 0,
            packets: TwccPackets::Deltas(&[Some(300); 8]),
        };
        let mut buf = [0u8; 64];
        let n = repr.emit(&mut buf).unwrap();
        // cut the last delta word off and fix the length field
        let cut = n - 4;
        buf[3] = (cut / 4 - 1) as u8;
        assert!(Compound::new(&buf[..cut]).next().unwrap().is_err());
    }
}
