//! VP8: the RTP payload descriptor (RFC 7741 §4.2) and the frame header at the start of
//! every frame (RFC 6386 §9.1).
//!
//! ```text
//! payload descriptor              frame header (first packet of a frame, after the descriptor)
//! |X|R|N|S|R| PID |   required    | size[2:0] |show|ver(3)|P|  frame tag, 3 bytes little-endian:
//! |I|L|T|K| RSV   |   if X        |        size[18:3]       |  P = 0 on keyframes
//! |M| PictureID   |   if I        | 9d 01 2a                |  start code    } keyframes
//! |   PictureID   |   if M        | scale(2) | width (14)   |  little-endian } only
//! |   TL0PICIDX   |   if L        | scale(2) | height (14)  |  little-endian }
//! |TID|Y| KEYIDX  |   if T or K
//! ```
//!
//! The R and RSV bits, TID/Y when T is clear and KEYIDX when K is clear are ignored when
//! reading and written as zero (RFC 7741 §4.2).

use crate::wire::bytes::{put, put_u8, slice, u16_at, u8_at};
use crate::wire::error::{need, room, EmitError, ParseError};

mod bit {
    // first octet
    pub const X: u8 = 0x80;
    pub const N: u8 = 0x20;
    pub const S: u8 = 0x10;
    pub const PID: u8 = 0x07;
    // extension octet
    pub const I: u8 = 0x80;
    pub const L: u8 = 0x40;
    pub const T: u8 = 0x20;
    pub const K: u8 = 0x10;
    // PictureID
    pub const M: u8 = 0x80;
    // TID/Y/KEYIDX
    pub const Y: u8 = 0x20;
    pub const KEYIDX: u8 = 0x1F;
}

/// A PictureID with the width it is sent with (the M bit).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PictureId {
    /// 7 bits (M = 0), 0–127.
    Short(u8),
    /// 15 bits (M = 1), 0–32767.
    Long(u16),
}

impl PictureId {
    /// The numeric value.
    pub fn value(self) -> u16 {
        match self {
            PictureId::Short(v) => u16::from(v),
            PictureId::Long(v) => v,
        }
    }

    /// The next picture ID at the same width (wrapping).
    pub fn next(self) -> PictureId {
        match self {
            PictureId::Short(v) => PictureId::Short(v.wrapping_add(1) & 0x7F),
            PictureId::Long(v) => PictureId::Long(v.wrapping_add(1) & 0x7FFF),
        }
    }

    fn len(self) -> usize {
        match self {
            PictureId::Short(_) => 1,
            PictureId::Long(_) => 2,
        }
    }
}

/// A zero-copy view of a VP8 RTP payload: the payload descriptor, then the VP8 data.
///
/// After [`new_checked`](Self::new_checked) succeeds no accessor panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadDescriptor<B> {
    buffer: B,
}

/// Length of the descriptor at the start of `b`, checking every byte it promises is there.
fn descriptor_len(b: &[u8]) -> Result<usize, ParseError> {
    need(b, 1)?;
    if u8_at(b, 0) & bit::X == 0 {
        return Ok(1);
    }
    need(b, 2)?;
    let x = u8_at(b, 1);
    let mut len = 2;
    if x & bit::I != 0 {
        need(b, len + 1)?;
        len += if u8_at(b, len) & bit::M != 0 { 2 } else { 1 };
    }
    if x & bit::L != 0 {
        len += 1;
    }
    if x & (bit::T | bit::K) != 0 {
        len += 1;
    }
    need(b, len)?;
    Ok(len)
}

impl<B: AsRef<[u8]>> PayloadDescriptor<B> {
    /// Validate that `buffer` starts with a complete payload descriptor.
    pub fn new_checked(buffer: B) -> Result<Self, ParseError> {
        descriptor_len(buffer.as_ref())?;
        Ok(PayloadDescriptor { buffer })
    }

    /// Wrap `buffer` without checking it; accessors of a short buffer read zeros.
    pub const fn new_unchecked(buffer: B) -> Self {
        PayloadDescriptor { buffer }
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> B {
        self.buffer
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn ext(&self) -> u8 {
        if self.extended() {
            u8_at(self.b(), 1)
        } else {
            0
        }
    }

    fn picture_id_len(&self) -> usize {
        match self.ext() & bit::I {
            0 => 0,
            _ if u8_at(self.b(), 2) & bit::M != 0 => 2,
            _ => 1,
        }
    }

    /// Offset of the TL0PICIDX octet, if present.
    fn tl0_at(&self) -> usize {
        2 + self.picture_id_len()
    }

    /// Offset of the TID/Y/KEYIDX octet, if present.
    fn tk_at(&self) -> usize {
        self.tl0_at() + usize::from(self.ext() & bit::L != 0)
    }

    /// X: the extension octet is present.
    pub fn extended(&self) -> bool {
        u8_at(self.b(), 0) & bit::X != 0
    }

    /// N: the frame is not used as a reference by other frames (may be dropped).
    pub fn non_reference(&self) -> bool {
        u8_at(self.b(), 0) & bit::N != 0
    }

    /// S: this payload starts a VP8 partition.
    pub fn start_of_partition(&self) -> bool {
        u8_at(self.b(), 0) & bit::S != 0
    }

    /// PID: the partition index (0–7).
    pub fn partition_id(&self) -> u8 {
        u8_at(self.b(), 0) & bit::PID
    }

    /// Whether this payload starts a frame: S set and partition 0 (RFC 7741 §4.2).
    pub fn is_frame_start(&self) -> bool {
        self.start_of_partition() && self.partition_id() == 0
    }

    /// The PictureID, with its width, if I is set.
    pub fn picture_id(&self) -> Option<PictureId> {
        match self.picture_id_len() {
            1 => Some(PictureId::Short(u8_at(self.b(), 2))),
            2 => Some(PictureId::Long(u16_at(self.b(), 2) & 0x7FFF)),
            _ => None,
        }
    }

    /// TL0PICIDX, if L is set.
    pub fn tl0_pic_idx(&self) -> Option<u8> {
        (self.ext() & bit::L != 0).then(|| u8_at(self.b(), self.tl0_at()))
    }

    /// TID (temporal layer index, 0–3), if T is set.
    pub fn tid(&self) -> Option<u8> {
        (self.ext() & bit::T != 0).then(|| u8_at(self.b(), self.tk_at()) >> 6)
    }

    /// Y (layer sync: this frame depends only on the base layer), if T is set.
    pub fn layer_sync(&self) -> Option<bool> {
        (self.ext() & bit::T != 0).then(|| u8_at(self.b(), self.tk_at()) & bit::Y != 0)
    }

    /// KEYIDX (temporal key frame index, 0–31), if K is set.
    pub fn key_idx(&self) -> Option<u8> {
        (self.ext() & bit::K != 0).then(|| u8_at(self.b(), self.tk_at()) & bit::KEYIDX)
    }

    /// Length of the descriptor in bytes (1–6).
    pub fn header_len(&self) -> usize {
        let ext = self.ext();
        if !self.extended() {
            return 1;
        }
        self.tk_at() + usize::from(ext & (bit::T | bit::K) != 0)
    }

    /// The VP8 data after the descriptor.
    pub fn payload(&self) -> &[u8] {
        slice(self.b(), self.header_len(), self.b().len())
    }

    /// The frame header, when this payload starts a frame and holds a valid one.
    pub fn frame_header(&self) -> Option<FrameHeader<&[u8]>> {
        if !self.is_frame_start() {
            return None;
        }
        FrameHeader::new_checked(self.payload()).ok()
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>> PayloadDescriptor<B> {
    /// Overwrite the PictureID, keeping its width (the value is masked to 7 or 15 bits).
    /// Does nothing when I is clear. An SFU switching between simulcast layers uses this to
    /// keep picture IDs continuous.
    pub fn set_picture_id(&mut self, value: u16) {
        let len = self.picture_id_len();
        let b = self.buffer.as_mut();
        match (len, b.get_mut(2..4)) {
            (1, _) => put_u8(b, 2, (value & 0x7F) as u8),
            (2, Some(dst)) => dst.copy_from_slice(&((value & 0x7FFF) | 0x8000).to_be_bytes()),
            _ => {}
        }
    }

    /// Overwrite TL0PICIDX; does nothing when L is clear.
    pub fn set_tl0_pic_idx(&mut self, value: u8) {
        if self.ext() & bit::L != 0 {
            let at = self.tl0_at();
            put_u8(self.buffer.as_mut(), at, value);
        }
    }
}

/// The fields of a VP8 payload descriptor, to write one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PayloadDescriptorRepr {
    /// N: not a reference frame.
    pub non_reference: bool,
    /// S: start of a partition.
    pub start_of_partition: bool,
    /// PID: partition index, 0–7.
    pub partition_id: u8,
    /// PictureID and its width (sets I).
    pub picture_id: Option<PictureId>,
    /// TL0PICIDX (sets L).
    pub tl0_pic_idx: Option<u8>,
    /// TID (0–3) and the Y bit (sets T).
    pub tid: Option<(u8, bool)>,
    /// KEYIDX, 0–31 (sets K).
    pub key_idx: Option<u8>,
}

impl PayloadDescriptorRepr {
    /// Read every field of `d`.
    pub fn parse<B: AsRef<[u8]>>(d: &PayloadDescriptor<B>) -> Self {
        PayloadDescriptorRepr {
            non_reference: d.non_reference(),
            start_of_partition: d.start_of_partition(),
            partition_id: d.partition_id(),
            picture_id: d.picture_id(),
            tl0_pic_idx: d.tl0_pic_idx(),
            tid: d.tid().zip(d.layer_sync()),
            key_idx: d.key_idx(),
        }
    }

    fn extended(&self) -> bool {
        self.picture_id.is_some()
            || self.tl0_pic_idx.is_some()
            || self.tid.is_some()
            || self.key_idx.is_some()
    }

    /// Bytes the descriptor takes (1–6).
    pub fn buffer_len(&self) -> usize {
        if !self.extended() {
            return 1;
        }
        2 + self.picture_id.map_or(0, PictureId::len)
            + usize::from(self.tl0_pic_idx.is_some())
            + usize::from(self.tid.is_some() || self.key_idx.is_some())
    }

    fn check(&self) -> Result<(), EmitError> {
        let pid_ok = match self.picture_id {
            Some(PictureId::Short(v)) => v <= 0x7F,
            Some(PictureId::Long(v)) => v <= 0x7FFF,
            None => true,
        };
        let tid_ok = self.tid.is_none_or(|(t, _)| t <= 3);
        let key_ok = self.key_idx.is_none_or(|k| k <= bit::KEYIDX);
        if pid_ok && tid_ok && key_ok && self.partition_id <= bit::PID {
            Ok(())
        } else {
            Err(EmitError::ValueOutOfRange)
        }
    }

    /// Write the descriptor at the start of `out`; returns its length. `out` is untouched
    /// on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        self.check()?;
        let len = self.buffer_len();
        room(out, len)?;
        let mut b = [0u8; 6];
        b[0] = u8::from(self.extended()) << 7
            | u8::from(self.non_reference) << 5
            | u8::from(self.start_of_partition) << 4
            | self.partition_id;
        let mut pos = 2;
        match self.picture_id {
            Some(PictureId::Short(v)) => {
                b[2] = v;
                pos += 1;
            }
            Some(PictureId::Long(v)) => {
                [b[2], b[3]] = (v | 0x8000).to_be_bytes();
                pos += 2;
            }
            None => {}
        }
        if let Some(t) = self.tl0_pic_idx {
            put_u8(&mut b, pos, t);
            pos += 1;
        }
        if self.tid.is_some() || self.key_idx.is_some() {
            let (tid, y) = self.tid.unwrap_or((0, false));
            let tk = tid << 6 | u8::from(y) << 5 | self.key_idx.unwrap_or(0);
            put_u8(&mut b, pos, tk);
        }
        b[1] = u8::from(self.picture_id.is_some()) << 7
            | u8::from(self.tl0_pic_idx.is_some()) << 6
            | u8::from(self.tid.is_some()) << 5
            | u8::from(self.key_idx.is_some()) << 4;
        put(out, 0, slice(&b, 0, len));
        Ok(len)
    }
}

/// Length of the frame tag every frame starts with.
pub const FRAME_TAG_LEN: usize = 3;
/// Length of a keyframe's header: frame tag, start code, width and height.
pub const KEYFRAME_HEADER_LEN: usize = 10;
/// The keyframe start code (RFC 6386 §9.1).
pub const START_CODE: [u8; 3] = [0x9d, 0x01, 0x2a];

/// A zero-copy view of the uncompressed header at the start of a VP8 frame
/// (RFC 6386 §9.1): the 3-byte frame tag, and on keyframes the start code and the
/// dimensions.
///
/// After [`new_checked`](Self::new_checked) succeeds no accessor panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameHeader<B> {
    buffer: B,
}

impl<B: AsRef<[u8]>> FrameHeader<B> {
    /// Validate the frame tag and, on a keyframe, the start code and dimensions.
    pub fn new_checked(buffer: B) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        need(b, FRAME_TAG_LEN)?;
        let h = FrameHeader { buffer };
        if h.is_keyframe() {
            let b = h.buffer.as_ref();
            need(b, KEYFRAME_HEADER_LEN)?;
            if slice(b, 3, 6) != START_CODE {
                return Err(ParseError::BadPayload);
            }
        }
        Ok(h)
    }

    /// Wrap `buffer` without checking it: [`is_keyframe`](Self::is_keyframe) then reads
    /// only the first byte (as a receiver deciding whether to wait for a keyframe does),
    /// and fields past the end of a short buffer read as zero.
    pub const fn new_unchecked(buffer: B) -> Self {
        FrameHeader { buffer }
    }

    fn b(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    fn tag(&self) -> u32 {
        let b = self.b();
        u32::from(u8_at(b, 0)) | u32::from(u8_at(b, 1)) << 8 | u32::from(u8_at(b, 2)) << 16
    }

    /// Whether this is a keyframe (the frame-type bit is 0). An empty buffer is not one.
    pub fn is_keyframe(&self) -> bool {
        self.b().first().is_some_and(|b| b & 0x01 == 0)
    }

    /// The version (0–3 are defined; it selects the reconstruction and loop filters).
    pub fn version(&self) -> u8 {
        ((self.tag() >> 1) & 0x07) as u8
    }

    /// Whether the frame is meant to be displayed.
    pub fn show_frame(&self) -> bool {
        (self.tag() >> 4) & 1 != 0
    }

    /// Size of the first data partition in bytes (19 bits), not counting this header.
    pub fn first_partition_size(&self) -> u32 {
        self.tag() >> 5
    }

    fn dimension(&self, at: usize) -> Option<u16> {
        self.is_keyframe().then(|| {
            let b = self.b();
            u16::from(u8_at(b, at)) | u16::from(u8_at(b, at + 1)) << 8
        })
    }

    /// Width in pixels (14 bits), on keyframes.
    pub fn width(&self) -> Option<u16> {
        self.dimension(6).map(|v| v & 0x3FFF)
    }

    /// Horizontal upscaling code (0: none, 1: 5/4, 2: 5/3, 3: 2), on keyframes.
    pub fn horizontal_scale(&self) -> Option<u8> {
        self.dimension(6).map(|v| (v >> 14) as u8)
    }

    /// Height in pixels (14 bits), on keyframes.
    pub fn height(&self) -> Option<u16> {
        self.dimension(8).map(|v| v & 0x3FFF)
    }

    /// Vertical upscaling code (0: none, 1: 5/4, 2: 5/3, 3: 2), on keyframes.
    pub fn vertical_scale(&self) -> Option<u8> {
        self.dimension(8).map(|v| (v >> 14) as u8)
    }

    /// Length of this header: 10 bytes on keyframes, 3 otherwise.
    pub fn header_len(&self) -> usize {
        if self.is_keyframe() {
            KEYFRAME_HEADER_LEN
        } else {
            FRAME_TAG_LEN
        }
    }
}

/// The dimensions a keyframe carries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyframeSize {
    /// Width in pixels, at most 16383.
    pub width: u16,
    /// Horizontal upscaling code, 0–3.
    pub horizontal_scale: u8,
    /// Height in pixels, at most 16383.
    pub height: u16,
    /// Vertical upscaling code, 0–3.
    pub vertical_scale: u8,
}

/// A VP8 frame header to write.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FrameHeaderRepr {
    /// Version, 0–7.
    pub version: u8,
    /// Whether the frame is displayed.
    pub show_frame: bool,
    /// First partition size, below 2^19.
    pub first_partition_size: u32,
    /// `Some` for a keyframe, with its dimensions.
    pub keyframe: Option<KeyframeSize>,
}

impl FrameHeaderRepr {
    /// Read every field of `h`.
    pub fn parse<B: AsRef<[u8]>>(h: &FrameHeader<B>) -> Self {
        let keyframe = match (
            h.width(),
            h.horizontal_scale(),
            h.height(),
            h.vertical_scale(),
        ) {
            (Some(width), Some(horizontal_scale), Some(height), Some(vertical_scale)) => {
                Some(KeyframeSize {
                    width,
                    horizontal_scale,
                    height,
                    vertical_scale,
                })
            }
            _ => None,
        };
        FrameHeaderRepr {
            version: h.version(),
            show_frame: h.show_frame(),
            first_partition_size: h.first_partition_size(),
            keyframe,
        }
    }

    /// Bytes the header takes: 10 for a keyframe, 3 otherwise.
    pub fn buffer_len(&self) -> usize {
        if self.keyframe.is_some() {
            KEYFRAME_HEADER_LEN
        } else {
            FRAME_TAG_LEN
        }
    }

    /// Write the header at the start of `out`; returns its length. `out` is untouched on
    /// error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let size_ok = |k: &KeyframeSize| {
            k.width <= 0x3FFF
                && k.height <= 0x3FFF
                && k.horizontal_scale <= 3
                && k.vertical_scale <= 3
        };
        if self.version > 7
            || self.first_partition_size >= 1 << 19
            || !self.keyframe.as_ref().is_none_or(size_ok)
        {
            return Err(EmitError::ValueOutOfRange);
        }
        let len = self.buffer_len();
        room(out, len)?;
        let tag = u32::from(self.keyframe.is_none())
            | u32::from(self.version) << 1
            | u32::from(self.show_frame) << 4
            | self.first_partition_size << 5;
        let mut b = [0u8; KEYFRAME_HEADER_LEN];
        [b[0], b[1], b[2], _] = tag.to_le_bytes();
        if let Some(k) = self.keyframe {
            [b[3], b[4], b[5]] = START_CODE;
            [b[6], b[7]] = (k.width | u16::from(k.horizontal_scale) << 14).to_le_bytes();
            [b[8], b[9]] = (k.height | u16::from(k.vertical_scale) << 14).to_le_bytes();
        }
        put(out, 0, slice(&b, 0, len));
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn roundtrip(bytes: &[u8]) -> PayloadDescriptorRepr {
        let d = PayloadDescriptor::new_checked(bytes).unwrap();
        let r = PayloadDescriptorRepr::parse(&d);
        assert_eq!(r.buffer_len(), d.header_len());
        let mut out = [0u8; 8];
        let n = r.emit(&mut out).unwrap();
        assert_eq!(&out[..n], &bytes[..d.header_len()], "{r:?}");
        r
    }

    #[test]
    fn every_field() {
        // X N S PID=2 | I L T K | M + 15-bit id 0x1234 | TL0 0x56 | TID 2, Y, KEYIDX 9
        let b = [0xB2, 0xF0, 0x92, 0x34, 0x56, 0xA9, 0xDE, 0xAD];
        let d = PayloadDescriptor::new_checked(&b[..]).unwrap();
        assert!(d.extended() && d.non_reference() && d.start_of_partition());
        assert_eq!(d.partition_id(), 2);
        assert!(!d.is_frame_start());
        assert_eq!(d.picture_id(), Some(PictureId::Long(0x1234)));
        assert_eq!(d.tl0_pic_idx(), Some(0x56));
        assert_eq!(
            (d.tid(), d.layer_sync(), d.key_idx()),
            (Some(2), Some(true), Some(9))
        );
        assert_eq!(d.header_len(), 6);
        assert_eq!(d.payload(), &[0xDE, 0xAD]);
        let r = roundtrip(&b);
        assert_eq!(r.tid, Some((2, true)));
    }

    #[test]
    fn minimal_and_partial_forms() {
        assert_eq!(
            roundtrip(&[0x10, 0x9d]),
            PayloadDescriptorRepr {
                start_of_partition: true,
                ..Default::default()
            }
        );
        // 7-bit picture ID only
        let r = roundtrip(&[0x90, 0x80, 0x05]);
        assert_eq!(r.picture_id, Some(PictureId::Short(5)));
        // a 15-bit ID with a small value stays 15 bits wide
        let r = roundtrip(&[0x90, 0x80, 0x80, 0x05]);
        assert_eq!(r.picture_id, Some(PictureId::Long(5)));
        // K without T: KEYIDX only
        let r = roundtrip(&[0x80, 0x10, 0x1F]);
        assert_eq!((r.tid, r.key_idx), (None, Some(31)));
        // T without K: TID/Y only
        let r = roundtrip(&[0x80, 0x20, 0x40]);
        assert_eq!((r.tid, r.key_idx), (Some((1, false)), None));
    }

    #[test]
    fn reserved_bits_ignored_and_zeroed() {
        let b = [0xC8 | 0x10, 0x2F, 0x40 | 0x1F]; // R bits, RSV bits, KEYIDX bits with K clear
        let d = PayloadDescriptor::new_checked(&b[..]).unwrap();
        assert_eq!((d.tid(), d.key_idx()), (Some(1), None));
        let mut out = [0u8; 4];
        let n = PayloadDescriptorRepr::parse(&d).emit(&mut out).unwrap();
        assert_eq!(&out[..n], &[0x90, 0x20, 0x40]);
    }

    #[test]
    fn truncated_descriptors() {
        for bad in [
            &[][..],
            &[0x80],
            &[0x80, 0x80],
            &[0x80, 0x80, 0x80],
            &[0x80, 0x40],
            &[0x80, 0x30],
        ] {
            assert!(
                matches!(
                    PayloadDescriptor::new_checked(bad),
                    Err(ParseError::Truncated { .. })
                ),
                "{bad:?}"
            );
        }
        // an X bit with no optional fields is a complete two-byte descriptor
        assert_eq!(
            PayloadDescriptor::new_checked(&[0x80, 0x00][..])
                .unwrap()
                .header_len(),
            2
        );
    }

    #[test]
    fn emit_checks_ranges_and_room() {
        let mut out = [0u8; 8];
        let bad = [
            PayloadDescriptorRepr {
                partition_id: 8,
                ..Default::default()
            },
            PayloadDescriptorRepr {
                picture_id: Some(PictureId::Short(128)),
                ..Default::default()
            },
            PayloadDescriptorRepr {
                picture_id: Some(PictureId::Long(0x8000)),
                ..Default::default()
            },
            PayloadDescriptorRepr {
                tid: Some((4, false)),
                ..Default::default()
            },
            PayloadDescriptorRepr {
                key_idx: Some(32),
                ..Default::default()
            },
        ];
        for r in bad {
            assert_eq!(r.emit(&mut out), Err(EmitError::ValueOutOfRange), "{r:?}");
        }
        let r = PayloadDescriptorRepr {
            picture_id: Some(PictureId::Long(7)),
            ..Default::default()
        };
        let mut small = [0xAAu8; 3];
        assert_eq!(
            r.emit(&mut small),
            Err(EmitError::BufferTooSmall { needed: 4 })
        );
        assert_eq!(small, [0xAA; 3]);
    }

    #[test]
    fn rewrite_picture_id() {
        let mut b = [0x90, 0x80, 0xFF, 0xFF, 0x00];
        let mut d = PayloadDescriptor::new_checked(&mut b[..]).unwrap();
        d.set_picture_id(0x0102);
        assert_eq!(d.picture_id(), Some(PictureId::Long(0x0102)));
        let mut b = [0x90, 0xC0, 0x7F, 0x03];
        let mut d = PayloadDescriptor::new_checked(&mut b[..]).unwrap();
        d.set_picture_id(0x0181); // masked to 7 bits
        d.set_tl0_pic_idx(9);
        assert_eq!(
            (d.picture_id(), d.tl0_pic_idx()),
            (Some(PictureId::Short(1)), Some(9))
        );
        assert_eq!(PictureId::Long(0x7FFF).next(), PictureId::Long(0));
        assert_eq!(PictureId::Short(0x7F).next(), PictureId::Short(0));
    }

    /// The keyframe layout of RFC 6386 §9.1 (the RFC gives no bytes): a 176×144 keyframe,
    /// version 0, shown, first partition of 0x1d2 bytes, no scaling.
    #[test]
    fn keyframe_header_fields() {
        let size: u32 = 0x1d2;
        let tag = (size << 5) | 1 << 4; // key frame (bit 0 = 0), version 0, show_frame
        let [a, b, c, _] = tag.to_le_bytes();
        let bytes = [a, b, c, 0x9d, 0x01, 0x2a, 176, 0, 144, 0, 0xFF];
        let h = FrameHeader::new_checked(&bytes[..]).unwrap();
        assert!(h.is_keyframe() && h.show_frame());
        assert_eq!((h.version(), h.first_partition_size()), (0, 0x1d2));
        assert_eq!((h.width(), h.height()), (Some(176), Some(144)));
        assert_eq!(
            (h.horizontal_scale(), h.vertical_scale()),
            (Some(0), Some(0))
        );
        assert_eq!(h.header_len(), 10);
        let r = FrameHeaderRepr::parse(&h);
        let mut out = [0u8; 10];
        assert_eq!(r.emit(&mut out), Ok(10));
        assert_eq!(out, bytes[..10]);
    }

    #[test]
    fn interframe_and_scaled_keyframe() {
        let r = FrameHeaderRepr {
            version: 3,
            show_frame: false,
            first_partition_size: (1 << 19) - 1,
            keyframe: None,
        };
        let mut out = [0u8; 10];
        assert_eq!(r.emit(&mut out), Ok(3));
        let h = FrameHeader::new_checked(&out[..3]).unwrap();
        assert!(!h.is_keyframe() && h.width().is_none());
        assert_eq!(FrameHeaderRepr::parse(&h), r);
        let k = FrameHeaderRepr {
            keyframe: Some(KeyframeSize {
                width: 16383,
                horizontal_scale: 3,
                height: 1080,
                vertical_scale: 1,
            }),
            ..r
        };
        assert_eq!(k.emit(&mut out), Ok(10));
        assert_eq!(
            FrameHeaderRepr::parse(&FrameHeader::new_checked(&out[..]).unwrap()),
            k
        );
        let too_wide = FrameHeaderRepr {
            keyframe: Some(KeyframeSize {
                width: 16384,
                ..Default::default()
            }),
            ..r
        };
        assert_eq!(too_wide.emit(&mut out), Err(EmitError::ValueOutOfRange));
    }

    #[test]
    fn bad_frame_headers() {
        assert!(matches!(
            FrameHeader::new_checked(&[0x10, 0][..]),
            Err(ParseError::Truncated { .. })
        ));
        // keyframe bit with too few bytes, then with a wrong start code
        assert!(matches!(
            FrameHeader::new_checked(&[0x10, 0, 0, 0x9d, 0x01, 0x2a, 1, 0, 1][..]),
            Err(ParseError::Truncated { needed: 10, got: 9 })
        ));
        assert_eq!(
            FrameHeader::new_checked(&[0x10, 0, 0, 0x9d, 0x01, 0x2b, 1, 0, 1, 0][..]),
            Err(ParseError::BadPayload)
        );
        // unchecked: only the first byte decides
        assert!(FrameHeader::new_unchecked(&[0x00][..]).is_keyframe());
        assert!(!FrameHeader::new_unchecked(&[][..]).is_keyframe());
    }
}
