//! Payload formats: split frames into RTP payloads ([`Packetizer`]) and put them back
//! together ([`Depacketizer`]).
//!
//! | codec | RFC | packetizer | depacketizer |
//! |---|---|---|---|
//! | H.264 | 6184 (mode 1) | single NAL, STAP-A, FU-A | single NAL, STAP-A, FU-A |
//! | VP8 | 7741 | 15-bit PictureID, S/PID | all descriptor fields |
//! | Opus | 7587 | one packet per payload | idem, plus duration from the TOC |
//! | sensor readings | this crate, see [`sensor`] | records of typed samples | idem |
//!
//! Everything writes into caller buffers: a packetizer fills the payload area of an RTP
//! packet (its length is the payload budget), a depacketizer appends to a [`FrameWriter`]
//! over the caller's frame buffer. [`RtpPacketizer`] adds RTP headers around any
//! packetizer.

pub mod h264;
pub mod opus;
pub mod sensor;
pub mod vp8;

use crate::wire::{EmitError, RtpHeader};
use core::fmt;

/// Why a payload could not be depacketized. The frame being assembled is unusable; drop
/// it and (for video) wait for or request a keyframe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DepacketizeError {
    /// The payload does not follow its format (the sender's fault).
    Malformed,
    /// A fragment arrived without the fragments before it (a loss upstream).
    MissingFragment,
    /// A valid payload structure this depacketizer does not implement (e.g. H.264 MTAP).
    Unsupported,
    /// The frame does not fit the caller's buffer.
    FrameTooLarge {
        /// Bytes the frame needs so far.
        needed: usize,
    },
}

impl fmt::Display for DepacketizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            DepacketizeError::Malformed => f.write_str("malformed payload"),
            DepacketizeError::MissingFragment => f.write_str("fragment without its start"),
            DepacketizeError::Unsupported => f.write_str("unsupported payload structure"),
            DepacketizeError::FrameTooLarge { needed } => {
                write!(f, "frame needs {needed} bytes, more than the buffer")
            }
        }
    }
}

impl core::error::Error for DepacketizeError {}

/// Why a frame could not be packetized (the caller's fault).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PacketizeError {
    /// The payload budget is too small for this format's headers (or, for formats that do
    /// not fragment, for the frame).
    BudgetTooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// The frame is empty or does not follow its format.
    BadFrame,
    /// Writing the RTP header failed.
    Header(EmitError),
}

impl fmt::Display for PacketizeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            PacketizeError::BudgetTooSmall { needed } => {
                write!(f, "payload budget too small: {needed} bytes needed")
            }
            PacketizeError::BadFrame => f.write_str("empty or malformed frame"),
            PacketizeError::Header(e) => write!(f, "RTP header: {e}"),
        }
    }
}

impl core::error::Error for PacketizeError {}

/// Append-only writer over the caller's frame buffer.
#[derive(Debug)]
pub struct FrameWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl<'a> FrameWriter<'a> {
    /// An empty frame over `buf`.
    pub fn new(buf: &'a mut [u8]) -> Self {
        FrameWriter { buf, len: 0 }
    }

    /// Append `data`; on error nothing is appended.
    #[inline]
    pub fn push(&mut self, data: &[u8]) -> Result<(), DepacketizeError> {
        let end = self.len + data.len();
        let dst = self
            .buf
            .get_mut(self.len..end)
            .ok_or(DepacketizeError::FrameTooLarge { needed: end })?;
        dst.copy_from_slice(data);
        self.len = end;
        Ok(())
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The frame so far.
    pub fn as_slice(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or(&[])
    }

    /// Forget the frame so far.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// Drop bytes after `len` (used to undo a partial append).
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }
}

/// One payload written by a [`Packetizer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Payload {
    /// Bytes written at the start of the output.
    pub len: usize,
    /// Whether this is the last payload of the frame (the RTP marker bit for video).
    pub last: bool,
}

/// Splits frames into RTP payloads.
///
/// Call [`next_payload`](Packetizer::next_payload) with the same frame until it returns
/// `Ok(None)`; the following call starts the next frame. The length of `out` is the payload
/// budget (MTU minus RTP header); keep it constant within a frame. A caller that stops
/// before `Ok(None)` (its socket was full, say) calls
/// [`start_frame`](Packetizer::start_frame) before the next frame.
pub trait Packetizer {
    /// Write the next payload of `frame` into `out`.
    fn next_payload(
        &mut self,
        frame: &[u8],
        out: &mut [u8],
    ) -> Result<Option<Payload>, PacketizeError>;

    /// Whether a frame's last packet carries the RTP marker bit (video: yes; audio: no).
    fn marks_frame_end(&self) -> bool {
        true
    }

    /// Forget a frame left unfinished, so that the next call starts a new one (a no-op
    /// after `Ok(None)`).
    fn start_frame(&mut self);
}

/// Puts frames back together from RTP payloads, in sequence order.
pub trait Depacketizer {
    /// Append the media carried by `payload` to `frame`.
    fn push(&mut self, payload: &[u8], frame: &mut FrameWriter<'_>)
        -> Result<(), DepacketizeError>;

    /// Whether `payload` starts a frame (so assembly can resume after a loss).
    fn is_frame_start(&self, payload: &[u8]) -> bool;

    /// Whether `payload` belongs to a keyframe (decodable without earlier frames).
    fn is_keyframe(&self, payload: &[u8]) -> bool;

    /// Forget partial state (call after a loss or when dropping a frame).
    fn reset(&mut self);
}

/// A packetizer with the RTP header around it: sequence numbers, timestamp, SSRC, marker.
#[derive(Clone, Debug)]
pub struct RtpPacketizer<P> {
    /// The payload packetizer.
    pub inner: P,
    /// Payload type.
    pub payload_type: u8,
    /// SSRC.
    pub ssrc: u32,
    /// Sequence number of the next packet.
    pub sequence_number: u16,
    /// Largest packet to produce (RTP header included).
    pub mtu: usize,
}

impl<P: Packetizer> RtpPacketizer<P> {
    /// A packetizer starting at `sequence_number` (pick it at random, RFC 3550 §5.1).
    pub fn new(inner: P, payload_type: u8, ssrc: u32, sequence_number: u16, mtu: usize) -> Self {
        RtpPacketizer {
            inner,
            payload_type,
            ssrc,
            sequence_number,
            mtu,
        }
    }

    /// Forget a frame left unfinished ([`Packetizer::start_frame`]).
    pub fn start_frame(&mut self) {
        self.inner.start_frame();
    }

    /// Write the next packet of `frame` (sampled at `timestamp`) into `out`; `Ok(None)`
    /// when the frame is done.
    pub fn next_packet(
        &mut self,
        frame: &[u8],
        timestamp: u32,
        out: &mut [u8],
    ) -> Result<Option<usize>, PacketizeError> {
        let header = RtpHeader {
            payload_type: self.payload_type,
            sequence_number: self.sequence_number,
            timestamp,
            ssrc: self.ssrc,
            ..Default::default()
        };
        let h = header.header_len().map_err(PacketizeError::Header)?;
        let end = self.mtu.min(out.len());
        let Some(body) = out.get_mut(h..end) else {
            return Err(PacketizeError::BudgetTooSmall { needed: h + 1 });
        };
        let Some(p) = self.inner.next_payload(frame, body)? else {
            return Ok(None);
        };
        let header = RtpHeader {
            marker: p.last && self.inner.marks_frame_end(),
            ..header
        };
        header.emit_header(out).map_err(PacketizeError::Header)?;
        self.sequence_number = self.sequence_number.wrapping_add(1);
        Ok(Some(h + p.len))
    }
}
