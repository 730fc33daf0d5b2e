//! VP8 over RTP (RFC 7741).
//!
//! ```text
//! |X|R|N|S|R| PID |   required
//! |I|L|T|K| RSV   |   if X
//! |M| PictureID   |   if I (M: 15-bit ID follows)
//! |   TL0PICIDX   |   if L
//! |TID|Y| KEYIDX  |   if T or K
//! ```

use super::{DepacketizeError, Depacketizer, FrameWriter, PacketizeError, Packetizer, Payload};
use crate::wire::payload::vp8::{FrameHeader, PayloadDescriptor, PayloadDescriptorRepr, PictureId};

/// The fields of a VP8 payload descriptor that reassembly needs, as plain values. The full
/// view (with the PictureID width, a repr that re-emits it and the frame header) is
/// [`PayloadDescriptor`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Vp8Descriptor {
    /// N: the frame is not a reference frame.
    pub non_reference: bool,
    /// S: this payload starts a partition.
    pub start_of_partition: bool,
    /// PID: the partition index.
    pub partition_id: u8,
    /// PictureID, 7 or 15 bits.
    pub picture_id: Option<u16>,
    /// TL0PICIDX.
    pub tl0_pic_idx: Option<u8>,
    /// TID and the Y bit.
    pub tid: Option<(u8, bool)>,
    /// KEYIDX.
    pub key_idx: Option<u8>,
    /// Length of the descriptor in bytes.
    pub len: usize,
}

impl Vp8Descriptor {
    /// Parse the descriptor at the start of `payload` (with the
    /// [`PayloadDescriptor`] view).
    pub fn parse(payload: &[u8]) -> Result<Vp8Descriptor, DepacketizeError> {
        let d = PayloadDescriptor::new_checked(payload).map_err(|_| DepacketizeError::Malformed)?;
        Ok(Vp8Descriptor {
            non_reference: d.non_reference(),
            start_of_partition: d.start_of_partition(),
            partition_id: d.partition_id(),
            picture_id: d.picture_id().map(PictureId::value),
            tl0_pic_idx: d.tl0_pic_idx(),
            tid: d.tid().zip(d.layer_sync()),
            key_idx: d.key_idx(),
            len: d.header_len(),
        })
    }

    /// Whether this payload starts a frame (S set, partition 0).
    pub fn is_frame_start(&self) -> bool {
        self.start_of_partition && self.partition_id == 0
    }
}

/// VP8 packetizer: a 4-byte descriptor with a 15-bit PictureID on every payload.
#[derive(Clone, Debug, Default)]
pub struct Vp8Packetizer {
    offset: usize,
    started: bool,
    /// The next PictureID (15 bits; incremented per frame).
    pub picture_id: u16,
}

impl Vp8Packetizer {
    /// A packetizer whose first PictureID is `picture_id` (pick it at random).
    pub fn new(picture_id: u16) -> Self {
        Vp8Packetizer {
            offset: 0,
            started: false,
            picture_id: picture_id & 0x7FFF,
        }
    }
}

const DESCRIPTOR_LEN: usize = 4;

impl Packetizer for Vp8Packetizer {
    fn next_payload(
        &mut self,
        frame: &[u8],
        out: &mut [u8],
    ) -> Result<Option<Payload>, PacketizeError> {
        if frame.is_empty() {
            return Err(PacketizeError::BadFrame);
        }
        if self.started && self.offset >= frame.len() {
            self.started = false;
            self.offset = 0;
            self.picture_id = self.picture_id.wrapping_add(1) & 0x7FFF;
            return Ok(None);
        }
        let room = out.len().checked_sub(DESCRIPTOR_LEN).filter(|&r| r > 0);
        let room = room.ok_or(PacketizeError::BudgetTooSmall {
            needed: DESCRIPTOR_LEN + 1,
        })?;
        let n = room.min(frame.len() - self.offset);
        let first = self.offset == 0;
        let desc = PayloadDescriptorRepr {
            start_of_partition: first,
            picture_id: Some(PictureId::Long(self.picture_id & 0x7FFF)),
            ..Default::default()
        };
        let src = frame
            .get(self.offset..self.offset + n)
            .ok_or(PacketizeError::BadFrame)?;
        let dst = out
            .get_mut(..DESCRIPTOR_LEN + n)
            .ok_or(PacketizeError::BadFrame)?;
        let (d, body) = dst.split_at_mut(DESCRIPTOR_LEN);
        desc.emit(d).map_err(|_| PacketizeError::BadFrame)?;
        body.copy_from_slice(src);
        self.started = true;
        self.offset += n;
        Ok(Some(Payload {
            len: DESCRIPTOR_LEN + n,
            last: self.offset >= frame.len(),
        }))
    }

    fn start_frame(&mut self) {
        if core::mem::take(&mut self.started) {
            // The unfinished frame had its PictureID: the next frame takes the next one.
            self.offset = 0;
            self.picture_id = self.picture_id.wrapping_add(1) & 0x7FFF;
        }
    }
}

/// VP8 depacketizer: strips descriptors and joins partitions.
#[derive(Clone, Debug, Default)]
pub struct Vp8Depacketizer {
    in_frame: bool,
}

impl Depacketizer for Vp8Depacketizer {
    fn push(
        &mut self,
        payload: &[u8],
        frame: &mut FrameWriter<'_>,
    ) -> Result<(), DepacketizeError> {
        let d = PayloadDescriptor::new_checked(payload).map_err(|_| DepacketizeError::Malformed)?;
        let data = d.payload();
        if data.is_empty() {
            return Err(DepacketizeError::Malformed);
        }
        if d.is_frame_start() {
            self.in_frame = true;
        } else if !self.in_frame {
            return Err(DepacketizeError::MissingFragment);
        }
        frame.push(data)
    }

    fn is_frame_start(&self, payload: &[u8]) -> bool {
        PayloadDescriptor::new_checked(payload).is_ok_and(|d| d.is_frame_start())
    }

    fn is_keyframe(&self, payload: &[u8]) -> bool {
        // Only the frame-type bit of the frame tag: a receiver waiting for a keyframe does
        // not need the start code to be in this packet.
        PayloadDescriptor::new_checked(payload).is_ok_and(|d| {
            d.is_frame_start() && FrameHeader::new_unchecked(d.payload()).is_keyframe()
        })
    }

    fn reset(&mut self) {
        self.in_frame = false;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    extern crate std;
    use std::vec::Vec;

    #[test]
    fn split_and_join() {
        let frame: Vec<u8> = (0..2500u32).map(|i| (i % 256) as u8 & 0xFE).collect();
        let mut p = Vp8Packetizer::new(0x7FFF);
        let mut d = Vp8Depacketizer::default();
        let mut out = [0u8; 1000];
        let mut buf = [0u8; 4096];
        let mut w = FrameWriter::new(&mut buf);
        let mut n = 0;
        while let Some(pl) = p.next_payload(&frame, &mut out).unwrap() {
            let desc = Vp8Descriptor::parse(&out[..pl.len]).unwrap();
            assert_eq!(desc.picture_id, Some(0x7FFF));
            assert_eq!(desc.is_frame_start(), n == 0);
            assert_eq!(d.is_keyframe(&out[..pl.len]), n == 0);
            d.push(&out[..pl.len], &mut w).unwrap();
            n += 1;
            assert_eq!(pl.last, n == 3);
        }
        assert_eq!(w.as_slice(), &frame[..]);
        assert_eq!(p.picture_id, 0); // wrapped
    }

    #[test]
    fn descriptor_fields_and_errors() {
        let d = Vp8Descriptor::parse(&[0xB0, 0xF0, 0x12, 0x34, 0xC5, 0xAA]).unwrap();
        assert_eq!(d.picture_id, Some(0x12));
        assert_eq!(d.tl0_pic_idx, Some(0x34));
        assert_eq!(d.tid, Some((3, false)));
        assert_eq!(d.key_idx, Some(5));
        assert_eq!(d.len, 5);
        assert_eq!(
            Vp8Descriptor::parse(&[0x80]),
            Err(DepacketizeError::Malformed)
        );
        let mut dp = Vp8Depacketizer::default();
        let mut buf = [0u8; 8];
        let mut w = FrameWriter::new(&mut buf);
        assert_eq!(
            dp.push(&[0x00, 1, 2], &mut w),
            Err(DepacketizeError::MissingFragment)
        );
    }
}
