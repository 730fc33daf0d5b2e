//! H.264 over RTP (RFC 6184), packetization mode 1: single NAL unit packets, STAP-A
//! aggregation and FU-A fragmentation.
//!
//! Frames (access units) are Annex-B byte streams: NAL units each preceded by a
//! `00 00 01` or `00 00 00 01` start code. The depacketizer writes Annex-B with 4-byte
//! start codes.

use super::{DepacketizeError, Depacketizer, FrameWriter, PacketizeError, Packetizer, Payload};
use crate::wire::payload::h264::{FuA, FuARepr, FuHeader, NalHeader, StapA, StapARepr};

/// NAL unit types (ITU-T H.264 Table 7-1, RFC 6184 §5.4); the same constants as
/// [`wire::payload::h264::nal_type`](crate::wire::payload::h264::nal_type).
pub use crate::wire::payload::h264::nal_type as nal;

const START_CODE: [u8; 4] = [0, 0, 0, 1];

/// The NAL units of an Annex-B stream: `(start, end)` offsets of each, start codes and
/// trailing zero bytes excluded.
pub fn nal_units(stream: &[u8]) -> NalUnits<'_> {
    NalUnits {
        data: stream,
        pos: 0,
    }
}

/// Iterator returned by [`nal_units`].
#[derive(Clone, Debug)]
pub struct NalUnits<'a> {
    data: &'a [u8],
    pos: usize,
}

/// Offset just after the next start code at or after `from`, if any.
fn after_start_code(data: &[u8], from: usize) -> Option<(usize, usize)> {
    let rest = data.get(from..)?;
    let i = rest.windows(3).position(|w| w == [0, 0, 1])?;
    Some((from + i, from + i + 3))
}

impl<'a> Iterator for NalUnits<'a> {
    type Item = (usize, usize);

    fn next(&mut self) -> Option<(usize, usize)> {
        loop {
            if self.pos >= self.data.len() {
                return None;
            }
            let start = match after_start_code(self.data, self.pos) {
                Some((sc, after))
                    if sc == self.pos || self.data.get(self.pos..sc)?.iter().all(|&b| b == 0) =>
                {
                    after
                }
                _ if self.pos == 0 => 0, // no leading start code: the stream starts with a NAL
                Some((_, after)) => after,
                None => return None,
            };
            let mut end = after_start_code(self.data, start).map_or(self.data.len(), |(sc, _)| sc);
            self.pos = end;
            while end > start && self.data.get(end - 1) == Some(&0) {
                end -= 1;
            }
            if end > start {
                return Some((start, end));
            }
        }
    }
}

/// H.264 packetizer (mode 1). Aggregates consecutive small NAL units into STAP-A packets and
/// fragments large ones into FU-A.
#[derive(Clone, Debug, Default)]
pub struct H264Packetizer {
    /// Current NAL unit `(start, end)` and bytes of it already sent (FU-A in progress).
    current: Option<(usize, usize)>,
    fu_offset: usize,
    /// Where to look for the next NAL unit.
    scan: usize,
    /// Drop access unit delimiters (WebRTC peers do not expect them).
    pub drop_aud: bool,
}

impl H264Packetizer {
    /// A packetizer that keeps every NAL unit.
    pub fn new() -> Self {
        H264Packetizer::default()
    }

    fn next_nal(&mut self, frame: &[u8]) -> Option<(usize, usize)> {
        loop {
            let mut it = NalUnits {
                data: frame,
                pos: self.scan,
            };
            let nal = it.next();
            self.scan = it.pos;
            let (s, e) = nal?;
            if self.drop_aud
                && frame.get(s).map(|&b| NalHeader::from_byte(b).nal_type) == Some(nal::AUD)
            {
                continue;
            }
            return Some((s, e));
        }
    }

    fn peek_nal(&self, frame: &[u8]) -> Option<(usize, usize)> {
        let mut copy = self.clone();
        copy.next_nal(frame)
    }

    fn finish(&mut self) {
        self.current = None;
        self.fu_offset = 0;
        self.scan = 0;
    }

    /// Pack `first` and as many following NAL units as fit into a STAP-A; returns its length
    /// or `None` when a second unit does not fit.
    fn stap_a(&mut self, frame: &[u8], first: (usize, usize), out: &mut [u8]) -> Option<usize> {
        let budget = out.len();
        let mut len = 1 + 2 + (first.1 - first.0);
        let mut units: heapless::Vec<&[u8], 32> = heapless::Vec::new();
        units.push(frame.get(first.0..first.1)?).ok()?;
        let mut probe = self.clone();
        while let Some(n) = probe.next_nal(frame) {
            let unit = frame.get(n.0..n.1)?;
            if len + 2 + unit.len() > budget || units.push(unit).is_err() {
                break;
            }
            len += 2 + unit.len();
            self.scan = probe.scan;
        }
        if units.len() < 2 {
            return None;
        }
        StapARepr::aggregate(&units).emit(out).ok()
    }

    fn fu_a(
        &mut self,
        frame: &[u8],
        (s, e): (usize, usize),
        out: &mut [u8],
    ) -> Result<Payload, PacketizeError> {
        let hdr = NalHeader::from_byte(frame.get(s).copied().ok_or(PacketizeError::BadFrame)?);
        let body = frame.get(s + 1..e).ok_or(PacketizeError::BadFrame)?;
        let room = out
            .len()
            .checked_sub(2)
            .filter(|&r| r > 0)
            .ok_or(PacketizeError::BudgetTooSmall { needed: 3 })?;
        let start = self.fu_offset;
        let n = room.min(body.len().saturating_sub(start));
        if n == 0 {
            self.finish(); // the caller switched frames mid-way
            return Err(PacketizeError::BadFrame);
        }
        let end_bit = start + n == body.len();
        let data = body.get(start..start + n).unwrap_or(&[]);
        if FuARepr::fragment(hdr, start == 0, end_bit, data)
            .emit(out)
            .is_err()
        {
            self.finish(); // a single fragment with S and E: the caller switched frames
            return Err(PacketizeError::BadFrame);
        }
        if end_bit {
            self.current = None;
            self.fu_offset = 0;
        } else {
            self.fu_offset = start + n;
        }
        let last = end_bit && self.peek_nal(frame).is_none();
        Ok(Payload { len: 2 + n, last })
    }
}

impl Packetizer for H264Packetizer {
    fn next_payload(
        &mut self,
        frame: &[u8],
        out: &mut [u8],
    ) -> Result<Option<Payload>, PacketizeError> {
        let nal = match self.current {
            Some(n) => n,
            None => match self.next_nal(frame) {
                Some(n) => n,
                None => {
                    self.finish();
                    return Ok(None);
                }
            },
        };
        let size = nal.1 - nal.0;
        let payload = if self.current.is_some() || size > out.len() {
            self.current = Some(nal);
            self.fu_a(frame, nal, out)?
        } else if let Some(len) = self.stap_a(frame, nal, out) {
            Payload {
                len,
                last: self.peek_nal(frame).is_none(),
            }
        } else {
            let src = frame.get(nal.0..nal.1).ok_or(PacketizeError::BadFrame)?;
            out.get_mut(..size)
                .ok_or(PacketizeError::BadFrame)?
                .copy_from_slice(src);
            Payload {
                len: size,
                last: self.peek_nal(frame).is_none(),
            }
        };
        Ok(Some(payload))
    }

    fn start_frame(&mut self) {
        self.finish();
    }
}

/// H.264 depacketizer (mode 1): writes Annex-B with 4-byte start codes.
#[derive(Clone, Debug, Default)]
pub struct H264Depacketizer {
    in_fu: bool,
}

impl H264Depacketizer {
    /// A depacketizer.
    pub fn new() -> Self {
        H264Depacketizer::default()
    }

    fn nal(frame: &mut FrameWriter<'_>, nal: &[u8]) -> Result<(), DepacketizeError> {
        if nal.is_empty() {
            return Err(DepacketizeError::Malformed);
        }
        let mark = frame.len();
        let r = frame.push(&START_CODE).and_then(|()| frame.push(nal));
        if r.is_err() {
            frame.truncate(mark);
        }
        r
    }

    fn stap_a(frame: &mut FrameWriter<'_>, payload: &[u8]) -> Result<(), DepacketizeError> {
        let stap = StapA::new_checked(payload).map_err(|_| DepacketizeError::Malformed)?;
        let mark = frame.len();
        for unit in stap.units() {
            if let Err(e) = Self::nal(frame, unit) {
                frame.truncate(mark);
                return Err(e);
            }
        }
        Ok(())
    }

    fn fu_a(
        &mut self,
        frame: &mut FrameWriter<'_>,
        payload: &[u8],
    ) -> Result<(), DepacketizeError> {
        // RFC 6184 §5.8: S and E both set is malformed; the view rejects it.
        let fu = FuA::new_checked(payload).map_err(|_| DepacketizeError::Malformed)?;
        if fu.is_start() {
            let mark = frame.len();
            let r = frame
                .push(&START_CODE)
                .and_then(|()| frame.push(&[fu.nal_header().to_byte()]))
                .and_then(|()| frame.push(fu.data()));
            if r.is_err() {
                frame.truncate(mark);
                self.in_fu = false;
                return r;
            }
            self.in_fu = true;
            return Ok(());
        }
        if !self.in_fu {
            return Err(DepacketizeError::MissingFragment);
        }
        let r = frame.push(fu.data());
        if fu.is_end() || r.is_err() {
            self.in_fu = false;
        }
        r
    }
}

impl Depacketizer for H264Depacketizer {
    fn push(
        &mut self,
        payload: &[u8],
        frame: &mut FrameWriter<'_>,
    ) -> Result<(), DepacketizeError> {
        let header = NalHeader::parse(payload).map_err(|_| DepacketizeError::Malformed)?;
        if header.forbidden {
            return Err(DepacketizeError::Malformed); // forbidden_zero_bit
        }
        if header.nal_type != nal::FU_A && self.in_fu {
            self.in_fu = false;
            return Err(DepacketizeError::MissingFragment); // FU end lost
        }
        match header.nal_type {
            1..=23 => Self::nal(frame, payload),
            nal::STAP_A => Self::stap_a(frame, payload),
            nal::FU_A => self.fu_a(frame, payload),
            nal::STAP_B | nal::MTAP16 | nal::MTAP24 | nal::FU_B => {
                Err(DepacketizeError::Unsupported)
            }
            _ => Err(DepacketizeError::Malformed),
        }
    }

    fn is_frame_start(&self, payload: &[u8]) -> bool {
        match payload {
            [b, rest @ ..] if NalHeader::from_byte(*b).nal_type == nal::FU_A => rest
                .first()
                .is_some_and(|&fu| FuHeader::from_byte(fu).start),
            [_, ..] => true,
            [] => false,
        }
    }

    fn is_keyframe(&self, payload: &[u8]) -> bool {
        let Ok(header) = NalHeader::parse(payload) else {
            return false;
        };
        match header.nal_type {
            // complete units only: a truncated STAP-A cannot be depacketized anyway
            nal::STAP_A => StapA::new_unchecked(payload)
                .units()
                .any(|u| NalHeader::parse(u).is_ok_and(|h| h.starts_keyframe())),
            nal::FU_A => payload.get(1).is_some_and(|&b| {
                let fu = FuHeader::from_byte(b);
                fu.start && NalHeader::from_byte(fu.nal_type).starts_keyframe()
            }),
            _ => header.starts_keyframe(),
        }
    }

    fn reset(&mut self) {
        self.in_fu = false;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    extern crate std;
    use std::vec::Vec;

    fn annexb(nals: &[&[u8]]) -> Vec<u8> {
        let mut v = Vec::new();
        for (i, n) in nals.iter().enumerate() {
            v.extend_from_slice(if i % 2 == 0 {
                &[0, 0, 0, 1]
            } else {
                &[0, 0, 1]
            });
            v.extend_from_slice(n);
        }
        v
    }

    fn roundtrip(frame: &[u8], budget: usize) -> (Vec<Vec<u8>>, Vec<u8>) {
        let mut p = H264Packetizer::new();
        let mut payloads = Vec::new();
        let mut out = std::vec![0u8; budget];
        while let Some(pl) = p.next_payload(frame, &mut out).unwrap() {
            payloads.push(out[..pl.len].to_vec());
            if pl.last {
                assert!(p.next_payload(frame, &mut out).unwrap().is_none());
                break;
            }
        }
        let mut d = H264Depacketizer::new();
        let mut buf = std::vec![0u8; frame.len() * 2 + 64];
        let mut w = FrameWriter::new(&mut buf);
        for pl in &payloads {
            d.push(pl, &mut w).unwrap();
        }
        (payloads, w.as_slice().to_vec())
    }

    fn canonical(frame: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for (s, e) in nal_units(frame) {
            v.extend_from_slice(&START_CODE);
            v.extend_from_slice(&frame[s..e]);
        }
        v
    }

    #[test]
    fn stap_a_then_fu_a() {
        let sps = [0x67, 0x42, 0x00, 0x1f];
        let pps = [0x68, 0xce, 0x3c, 0x80];
        let mut idr = std::vec![0x65u8];
        idr.extend((0..3000u32).map(|i| (i % 251) as u8 + 1));
        let frame = annexb(&[&sps, &pps, &idr]);
        let (payloads, out) = roundtrip(&frame, 1200);
        assert_eq!(payloads[0][0] & 0x1F, nal::STAP_A);
        assert_eq!(payloads[1][0] & 0x1F, nal::FU_A);
        assert_eq!(payloads[1][1], 0x80 | 5);
        assert_eq!(payloads.last().unwrap()[1] & 0x40, 0x40);
        assert!(payloads.iter().all(|p| p.len() <= 1200));
        assert_eq!(out, canonical(&frame));
        let d = H264Depacketizer::new();
        assert!(d.is_keyframe(&payloads[0]) && d.is_keyframe(&payloads[1]));
        assert!(!d.is_frame_start(&payloads[2]));
    }

    #[test]
    fn single_nal_and_lost_fragment() {
        let frame = annexb(&[&[0x41, 1, 2, 3]]);
        let (payloads, out) = roundtrip(&frame, 100);
        assert_eq!(payloads, [std::vec![0x41, 1, 2, 3]]);
        assert_eq!(out, canonical(&frame));
        let mut d = H264Depacketizer::new();
        let mut buf = [0u8; 64];
        let mut w = FrameWriter::new(&mut buf);
        assert_eq!(
            d.push(&[0x7C, 0x05, 9, 9], &mut w),
            Err(DepacketizeError::MissingFragment)
        );
        assert_eq!(
            d.push(&[0x78, 0x00, 0x05], &mut w),
            Err(DepacketizeError::Malformed)
        );
        assert_eq!(d.push(&[0x7A], &mut w), Err(DepacketizeError::Unsupported));
        assert!(w.is_empty());
    }

    #[test]
    fn nal_scanner_handles_zero_trails() {
        let s = [
            0, 0, 0, 1, 0x09, 0xF0, 0, 0, 0, 1, 0x41, 0xAA, 0, 0, 1, 0x41, 0xBB, 0, 0,
        ];
        let v: Vec<_> = nal_units(&s).collect();
        assert_eq!(v, [(4, 6), (10, 12), (15, 17)]);
        assert_eq!(nal_units(&[0x41, 1]).collect::<Vec<_>>(), [(0, 2)]);
    }
}
