//! H.264 in RTP (RFC 6184): the NAL unit header (§1.3), STAP-A aggregation packets
//! (§5.7.1) and FU-A fragmentation units (§5.8).
//!
//! ```text
//! NAL unit header     STAP-A                                   FU-A
//! |F|NRI| Type  |     |F|NRI| 24 | size (16) | NAL unit | …    |F|NRI| 28 |S|E|R| Type | data…
//! ```
//!
//! Every bit is kept (F, and FU-A's R, too), so `emit(parse(x)) == x` for any input.

use crate::wire::bytes::{put, put_u16, put_u8, slice, u16_at, u8_at};
use crate::wire::error::{need, room, EmitError, ParseError};

/// NAL unit types (ITU-T H.264 Table 7-1, RFC 6184 §5.4).
pub mod nal_type {
    /// Coded slice of a non-IDR picture.
    pub const NON_IDR: u8 = 1;
    /// Coded slice of an IDR picture.
    pub const IDR: u8 = 5;
    /// Supplemental enhancement information.
    pub const SEI: u8 = 6;
    /// Sequence parameter set.
    pub const SPS: u8 = 7;
    /// Picture parameter set.
    pub const PPS: u8 = 8;
    /// Access unit delimiter.
    pub const AUD: u8 = 9;
    /// Single-time aggregation packet.
    pub const STAP_A: u8 = 24;
    /// Single-time aggregation packet with DON.
    pub const STAP_B: u8 = 25;
    /// Multi-time aggregation packets.
    pub const MTAP16: u8 = 26;
    /// Multi-time aggregation packets (24-bit offsets).
    pub const MTAP24: u8 = 27;
    /// Fragmentation unit.
    pub const FU_A: u8 = 28;
    /// Fragmentation unit with DON.
    pub const FU_B: u8 = 29;
}

/// The one-byte NAL unit header; also the first byte of a STAP-A (type 24) and the FU
/// indicator of a FU-A (type 28).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct NalHeader {
    /// F: forbidden_zero_bit; 1 means the unit may contain errors.
    pub forbidden: bool,
    /// NRI: nal_ref_idc, 0–3 (0: not used for reference).
    pub nri: u8,
    /// The NAL unit type, 0–31 (see [`nal_type`]).
    pub nal_type: u8,
}

impl NalHeader {
    /// Decode a header byte (every byte is one).
    pub const fn from_byte(b: u8) -> NalHeader {
        NalHeader {
            forbidden: b & 0x80 != 0,
            nri: (b >> 5) & 0x03,
            nal_type: b & 0x1F,
        }
    }

    /// Encode (out-of-range fields are masked).
    pub const fn to_byte(self) -> u8 {
        (self.forbidden as u8) << 7 | (self.nri & 0x03) << 5 | (self.nal_type & 0x1F)
    }

    /// The header at the start of `data`.
    pub fn parse(data: &[u8]) -> Result<NalHeader, ParseError> {
        need(data, 1)?;
        Ok(NalHeader::from_byte(u8_at(data, 0)))
    }

    /// Bytes on the wire: 1.
    pub const fn buffer_len(&self) -> usize {
        1
    }

    /// Write the header byte at the start of `out`.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        if self.nri > 3 || self.nal_type > 31 {
            return Err(EmitError::ValueOutOfRange);
        }
        room(out, 1)?;
        put_u8(out, 0, self.to_byte());
        Ok(1)
    }

    /// Whether a receiver can start decoding here: an IDR slice or a sequence parameter set.
    pub const fn starts_keyframe(&self) -> bool {
        self.nal_type == nal_type::IDR || self.nal_type == nal_type::SPS
    }
}

/// The FU header, the second byte of a FU-A.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FuHeader {
    /// S: first fragment of the NAL unit.
    pub start: bool,
    /// E: last fragment of the NAL unit.
    pub end: bool,
    /// R: reserved, must be 0 (kept so that re-emitting is exact).
    pub reserved: bool,
    /// Type of the fragmented NAL unit, 0–31.
    pub nal_type: u8,
}

impl FuHeader {
    /// Decode a FU header byte.
    pub const fn from_byte(b: u8) -> FuHeader {
        FuHeader {
            start: b & 0x80 != 0,
            end: b & 0x40 != 0,
            reserved: b & 0x20 != 0,
            nal_type: b & 0x1F,
        }
    }

    /// Encode (the type is masked to 5 bits).
    pub const fn to_byte(self) -> u8 {
        (self.start as u8) << 7
            | (self.end as u8) << 6
            | (self.reserved as u8) << 5
            | (self.nal_type & 0x1F)
    }
}

/// A zero-copy view of a FU-A payload: FU indicator, FU header, fragment data.
///
/// After [`new_checked`](Self::new_checked) succeeds no accessor panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuA<B> {
    buffer: B,
}

/// Length of the FU indicator and FU header.
pub const FU_A_HEADER_LEN: usize = 2;

impl<B: AsRef<[u8]>> FuA<B> {
    /// Validate a FU-A: two header bytes, type 28, and not both S and E (RFC 6184 §5.8).
    pub fn new_checked(buffer: B) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        need(b, FU_A_HEADER_LEN)?;
        let fu = FuHeader::from_byte(u8_at(b, 1));
        if u8_at(b, 0) & 0x1F != nal_type::FU_A || (fu.start && fu.end) {
            return Err(ParseError::BadPayload);
        }
        Ok(FuA { buffer })
    }

    /// The FU indicator (F and NRI of the fragmented unit, type 28).
    pub fn indicator(&self) -> NalHeader {
        NalHeader::from_byte(u8_at(self.buffer.as_ref(), 0))
    }

    /// The FU header.
    pub fn fu_header(&self) -> FuHeader {
        FuHeader::from_byte(u8_at(self.buffer.as_ref(), 1))
    }

    /// Whether this is the first fragment.
    pub fn is_start(&self) -> bool {
        self.fu_header().start
    }

    /// Whether this is the last fragment.
    pub fn is_end(&self) -> bool {
        self.fu_header().end
    }

    /// The header of the fragmented NAL unit: F and NRI from the indicator, type from the
    /// FU header (RFC 6184 §5.8).
    pub fn nal_header(&self) -> NalHeader {
        NalHeader {
            nal_type: self.fu_header().nal_type,
            ..self.indicator()
        }
    }

    /// The fragment (without the NAL header byte, which only the reassembler writes).
    pub fn data(&self) -> &[u8] {
        let b = self.buffer.as_ref();
        slice(b, FU_A_HEADER_LEN, b.len())
    }
}

/// A FU-A to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuARepr<'a> {
    /// The FU indicator; its type must be 28.
    pub indicator: NalHeader,
    /// The FU header.
    pub header: FuHeader,
    /// The fragment.
    pub data: &'a [u8],
}

impl<'a> FuARepr<'a> {
    /// A fragment of the NAL unit whose header is `nal`.
    pub fn fragment(nal: NalHeader, start: bool, end: bool, data: &'a [u8]) -> Self {
        FuARepr {
            indicator: NalHeader {
                nal_type: nal_type::FU_A,
                ..nal
            },
            header: FuHeader {
                start,
                end,
                reserved: false,
                nal_type: nal.nal_type,
            },
            data,
        }
    }

    /// Read every field of `fu`.
    pub fn parse<B: AsRef<[u8]>>(fu: &'a FuA<B>) -> Self {
        FuARepr {
            indicator: fu.indicator(),
            header: fu.fu_header(),
            data: fu.data(),
        }
    }

    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        FU_A_HEADER_LEN + self.data.len()
    }

    /// Write at the start of `out`; returns the length. `out` is untouched on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let h = self.header;
        if self.indicator.nal_type != nal_type::FU_A
            || self.indicator.nri > 3
            || h.nal_type > 31
            || (h.start && h.end)
        {
            return Err(EmitError::ValueOutOfRange);
        }
        let len = self.buffer_len();
        room(out, len)?;
        put_u8(out, 0, self.indicator.to_byte());
        put_u8(out, 1, h.to_byte());
        put(out, FU_A_HEADER_LEN, self.data);
        Ok(len)
    }
}

/// A zero-copy view of a STAP-A payload: a header byte, then NAL units each preceded by a
/// 16-bit size.
///
/// After [`new_checked`](Self::new_checked) succeeds no accessor panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StapA<B> {
    buffer: B,
}

impl<B: AsRef<[u8]>> StapA<B> {
    /// Validate a STAP-A: type 24, at least one unit, every unit non-empty and complete,
    /// nothing after the last one.
    pub fn new_checked(buffer: B) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        need(b, 1)?;
        if u8_at(b, 0) & 0x1F != nal_type::STAP_A {
            return Err(ParseError::BadPayload);
        }
        let mut pos = 1;
        while pos < b.len() {
            need(b, pos + 2)?;
            let size = usize::from(u16_at(b, pos));
            if size == 0 {
                return Err(ParseError::BadLength { offset: pos });
            }
            pos += 2 + size;
            need(b, pos)?;
        }
        if pos == 1 {
            return Err(ParseError::BadPayload);
        }
        Ok(StapA { buffer })
    }

    /// Wrap `buffer` without checking it; [`units`](Self::units) then stops at the first
    /// unit that does not fit.
    pub const fn new_unchecked(buffer: B) -> Self {
        StapA { buffer }
    }

    /// The STAP-A header (F: any unit's F; NRI: the largest unit NRI; type 24).
    pub fn header(&self) -> NalHeader {
        NalHeader::from_byte(u8_at(self.buffer.as_ref(), 0))
    }

    /// The aggregated NAL units, each with its own header byte.
    pub fn units(&self) -> StapAUnits<'_> {
        StapAUnits {
            data: self.buffer.as_ref(),
            pos: 1,
        }
    }
}

/// Iterator over the NAL units of a [`StapA`].
#[derive(Clone, Debug)]
pub struct StapAUnits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for StapAUnits<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let size = usize::from(u16_at(self.data, self.pos));
        let start = self.pos + 2;
        let unit = self
            .data
            .get(start..start + size)
            .filter(|u| !u.is_empty())?;
        self.pos = start + size;
        Some(unit)
    }
}

/// A STAP-A to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StapARepr<'a> {
    /// The header; its type must be 24.
    pub header: NalHeader,
    /// The NAL units (at least one, each 1–65535 bytes).
    pub units: &'a [&'a [u8]],
}

impl<'a> StapARepr<'a> {
    /// A STAP-A of `units` with the header RFC 6184 §5.7.1 asks for: F set if any unit's F
    /// is, NRI the largest of the units'.
    pub fn aggregate(units: &'a [&'a [u8]]) -> Self {
        let mut header = NalHeader {
            nal_type: nal_type::STAP_A,
            ..NalHeader::default()
        };
        for u in units {
            let h = NalHeader::from_byte(u.first().copied().unwrap_or(0));
            header.forbidden |= h.forbidden;
            header.nri = header.nri.max(h.nri);
        }
        StapARepr { header, units }
    }

    /// Bytes on the wire.
    pub fn buffer_len(&self) -> usize {
        1 + self.units.iter().map(|u| 2 + u.len()).sum::<usize>()
    }

    /// Write at the start of `out`; returns the length. `out` is untouched on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let bad_unit = |u: &&[u8]| u.is_empty() || u.len() > usize::from(u16::MAX);
        if self.header.nal_type != nal_type::STAP_A
            || self.header.nri > 3
            || self.units.is_empty()
            || self.units.iter().any(bad_unit)
        {
            return Err(EmitError::ValueOutOfRange);
        }
        let len = self.buffer_len();
        room(out, len)?;
        put_u8(out, 0, self.header.to_byte());
        let mut pos = 1;
        for u in self.units {
            put_u16(out, pos, u.len() as u16);
            put(out, pos + 2, u);
            pos += 2 + u.len();
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn nal_header_every_byte_roundtrips() {
        for b in 0..=255u8 {
            let h = NalHeader::from_byte(b);
            assert_eq!(h.to_byte(), b);
            let mut out = [0u8; 1];
            assert_eq!(h.emit(&mut out), Ok(1));
            assert_eq!(out[0], b);
            assert_eq!(FuHeader::from_byte(b).to_byte(), b);
        }
        let sps = NalHeader::parse(&[0x67, 0x42]).unwrap();
        assert_eq!(
            (sps.forbidden, sps.nri, sps.nal_type),
            (false, 3, nal_type::SPS)
        );
        assert!(sps.starts_keyframe());
        assert!(!NalHeader::from_byte(0x41).starts_keyframe());
        assert!(matches!(
            NalHeader::parse(&[]),
            Err(ParseError::Truncated { .. })
        ));
        let bad = NalHeader { nri: 4, ..sps };
        assert_eq!(bad.emit(&mut [0u8; 1]), Err(EmitError::ValueOutOfRange));
    }

    #[test]
    fn fu_a_view_and_repr() {
        // IDR (0x65) fragment: indicator 0x7C (NRI 3, type 28), header S + type 5
        let b = [0x7C, 0x85, 1, 2, 3];
        let fu = FuA::new_checked(&b[..]).unwrap();
        assert!(fu.is_start() && !fu.is_end());
        assert_eq!(fu.nal_header().to_byte(), 0x65);
        assert_eq!(fu.data(), &[1, 2, 3]);
        let r = FuARepr::parse(&fu);
        assert_eq!(
            r,
            FuARepr::fragment(NalHeader::from_byte(0x65), true, false, &[1, 2, 3])
        );
        let mut out = [0u8; 8];
        assert_eq!(r.emit(&mut out), Ok(5));
        assert_eq!(&out[..5], &b);
        assert_eq!(
            r.emit(&mut out[..4]),
            Err(EmitError::BufferTooSmall { needed: 5 })
        );
        // R bit kept
        let rb = [0x5C, 0x25];
        let fu = FuA::new_checked(&rb[..]).unwrap();
        assert!(fu.fu_header().reserved);
        assert_eq!(FuARepr::parse(&fu).emit(&mut out), Ok(2));
        assert_eq!(&out[..2], &rb);
    }

    #[test]
    fn fu_a_invalid() {
        assert!(matches!(
            FuA::new_checked(&[0x7C][..]),
            Err(ParseError::Truncated { .. })
        ));
        assert_eq!(
            FuA::new_checked(&[0x78, 0x05][..]),
            Err(ParseError::BadPayload)
        ); // STAP-A
        assert_eq!(
            FuA::new_checked(&[0x7C, 0xC5][..]),
            Err(ParseError::BadPayload)
        ); // S and E
        let mut r = FuARepr::fragment(NalHeader::from_byte(0x65), true, true, &[]);
        assert_eq!(r.emit(&mut [0u8; 4]), Err(EmitError::ValueOutOfRange));
        r.header.end = false;
        r.indicator.nal_type = 5;
        assert_eq!(r.emit(&mut [0u8; 4]), Err(EmitError::ValueOutOfRange));
    }

    /// The layout of RFC 6184 §5.7.1 Figure 7 (a STAP-A with two aggregation units; the RFC
    /// draws it without bytes), filled with an SPS and a PPS.
    #[test]
    fn stap_a_two_units() {
        let sps = [0x67, 0x42, 0x00, 0x1f];
        let pps = [0x68, 0xce, 0x3c, 0x80];
        let b = [
            0x78, 0x00, 0x04, 0x67, 0x42, 0x00, 0x1f, 0x00, 0x04, 0x68, 0xce, 0x3c, 0x80,
        ];
        let s = StapA::new_checked(&b[..]).unwrap();
        assert_eq!(s.header().nri, 3);
        let units: heapless::Vec<&[u8], 4> = s.units().collect();
        assert_eq!(units, [&sps[..], &pps[..]]);
        let r = StapARepr::aggregate(&units);
        assert_eq!(r.header, s.header());
        let mut out = [0u8; 16];
        assert_eq!(r.emit(&mut out), Ok(b.len()));
        assert_eq!(&out[..b.len()], &b);
    }

    #[test]
    fn stap_a_invalid() {
        assert_eq!(StapA::new_checked(&[0x78][..]), Err(ParseError::BadPayload)); // no unit
        assert_eq!(
            StapA::new_checked(&[0x7C, 0, 1, 5][..]),
            Err(ParseError::BadPayload)
        );
        assert!(matches!(
            StapA::new_checked(&[0x78, 0, 3, 0x41, 1][..]),
            Err(ParseError::Truncated { needed: 6, got: 5 })
        ));
        assert!(matches!(
            StapA::new_checked(&[0x78, 0, 1, 0x41, 0][..]), // trailing byte
            Err(ParseError::Truncated { .. })
        ));
        assert_eq!(
            StapA::new_checked(&[0x78, 0, 0, 0, 1, 0x41][..]),
            Err(ParseError::BadLength { offset: 1 })
        );
        // unchecked: complete units only
        let partial = StapA::new_unchecked(&[0x78, 0, 1, 0x65, 0, 9, 0x41][..]);
        assert_eq!(
            partial.units().collect::<heapless::Vec<&[u8], 2>>(),
            [&[0x65u8][..]]
        );
        let empty: [&[u8]; 0] = [];
        assert_eq!(
            StapARepr::aggregate(&empty).emit(&mut [0u8; 4]),
            Err(EmitError::ValueOutOfRange)
        );
        let zero: [&[u8]; 1] = [&[]];
        assert_eq!(
            StapARepr::aggregate(&zero).emit(&mut [0u8; 4]),
            Err(EmitError::ValueOutOfRange)
        );
    }
}
