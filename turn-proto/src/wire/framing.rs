//! Cutting a TCP or TLS byte stream to the TURN server into STUN messages and ChannelData
//! messages (RFC 8656 §12.5: over streams ChannelData is padded to a multiple of four).

use super::channel_data::CHANNEL_DATA_HEADER;
use super::FrameError;
use stun_proto::wire::{padded, HEADER_LEN};

/// What the next frame of a stream is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameKind {
    /// A STUN message.
    Stun,
    /// A ChannelData message (length includes padding).
    ChannelData,
}

/// Length of the complete frame starting at `stream[0]`: `Ok(None)` means more bytes are
/// needed to know. An error means the stream is out of sync (the connection must be closed).
pub fn frame_len(stream: &[u8]) -> Result<Option<(FrameKind, usize)>, FrameError> {
    let Some(&first) = stream.first() else {
        return Ok(None);
    };
    let (Some(&a), Some(&b)) = (stream.get(2), stream.get(3)) else {
        return match first >> 6 {
            0 | 1 => Ok(None),
            _ => Err(FrameError::Unsynchronised { first }),
        };
    };
    let len = usize::from(u16::from_be_bytes([a, b]));
    match first >> 6 {
        0 if len % 4 == 0 => Ok(Some((FrameKind::Stun, HEADER_LEN + len))),
        0 => Err(FrameError::Unsynchronised { first }),
        1 => Ok(Some((
            FrameKind::ChannelData,
            padded(CHANNEL_DATA_HEADER + len),
        ))),
        _ => Err(FrameError::Unsynchronised { first }),
    }
}

/// A fixed-capacity reassembly buffer for a stream transport: push received bytes, pop whole
/// frames. `N` must hold the largest frame accepted (a ChannelData of 1500 bytes needs 1504;
/// 65556 covers anything).
#[derive(Clone, Debug)]
pub struct Deframer<const N: usize> {
    buf: heapless::Vec<u8, N>,
    consumed: usize,
}

impl<const N: usize> Default for Deframer<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Deframer<N> {
    /// An empty buffer.
    pub const fn new() -> Self {
        Deframer {
            buf: heapless::Vec::new(),
            consumed: 0,
        }
    }

    /// Bytes buffered and not yet handed out.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.consumed
    }

    /// Append received bytes; returns how many fitted (the rest must be pushed again after
    /// frames are popped).
    pub fn push(&mut self, data: &[u8]) -> usize {
        self.compact();
        let room = N - self.buf.len();
        let n = room.min(data.len());
        let _ = self.buf.extend_from_slice(data.get(..n).unwrap_or(&[]));
        n
    }

    /// The next whole frame, if buffered. `Err` when the stream is out of sync or a frame is
    /// larger than `N` (close the connection).
    pub fn next_frame(&mut self) -> Result<Option<(FrameKind, &[u8])>, FrameError> {
        let pending = self.buf.get(self.consumed..).unwrap_or(&[]);
        let Some((kind, len)) = frame_len(pending)? else {
            return Ok(None);
        };
        if len > N {
            return Err(FrameError::TooLarge { len });
        }
        if pending.len() < len {
            return Ok(None);
        }
        let start = self.consumed;
        self.consumed += len;
        Ok(self.buf.get(start..start + len).map(|f| (kind, f)))
    }

    fn compact(&mut self) {
        if self.consumed == 0 {
            return;
        }
        let keep = self.buf.len() - self.consumed;
        self.buf.copy_within(self.consumed.., 0);
        self.buf.truncate(keep);
        self.consumed = 0;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn frame_lengths() {
        assert_eq!(frame_len(&[]), Ok(None));
        assert_eq!(frame_len(&[0x00, 0x01, 0x00]), Ok(None));
        assert_eq!(
            frame_len(&[0x00, 0x01, 0x00, 0x08]),
            Ok(Some((FrameKind::Stun, 28)))
        );
        assert_eq!(
            frame_len(&[0x40, 0x00, 0x00, 0x05]),
            Ok(Some((FrameKind::ChannelData, 12)))
        );
        assert_eq!(
            frame_len(&[0x40, 0x00, 0x00, 0x04]),
            Ok(Some((FrameKind::ChannelData, 8)))
        );
        assert!(frame_len(&[0x00, 0x01, 0x00, 0x07]).is_err());
        assert!(frame_len(&[0x80]).is_err());
        assert!(frame_len(&[0xC0, 0, 0, 0]).is_err());
    }

    #[test]
    fn deframer_splits_and_joins() {
        let mut d = Deframer::<64>::new();
        let cd = [0x40, 0x01, 0x00, 0x03, 1, 2, 3, 0];
        let mut stun = [0u8; 20];
        stun[1] = 1;
        stun[4..8].copy_from_slice(&0x2112_A442u32.to_be_bytes());
        let mut stream = heapless::Vec::<u8, 64>::new();
        stream.extend_from_slice(&cd).unwrap();
        stream.extend_from_slice(&stun).unwrap();
        // Byte by byte.
        let mut frames = 0;
        for b in &stream {
            assert_eq!(d.push(&[*b]), 1);
            while let Some((kind, f)) = d.next_frame().unwrap() {
                frames += 1;
                match kind {
                    FrameKind::ChannelData => assert_eq!(f, &cd),
                    FrameKind::Stun => assert_eq!(f, &stun),
                }
            }
        }
        assert_eq!(frames, 2);
        assert_eq!(d.buffered(), 0);
    }

    #[test]
    fn deframer_refuses_oversized_frames() {
        let mut d = Deframer::<16>::new();
        d.push(&[0x40, 0x00, 0x00, 0x40]);
        assert_eq!(d.next_frame(), Err(FrameError::TooLarge { len: 68 }));
    }
}
