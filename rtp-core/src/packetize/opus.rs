//! Opus over RTP (RFC 7587): one Opus packet per RTP payload, 48 kHz timestamps.

use super::{DepacketizeError, Depacketizer, FrameWriter, PacketizeError, Packetizer, Payload};
use crate::wire::payload::opus::Toc;

/// The RTP clock rate of Opus, whatever the sampling rate (RFC 7587 §4.1).
pub const CLOCK_RATE: u32 = 48_000;

/// Duration of an Opus packet in 48 kHz samples — how far the RTP timestamp advances — or
/// `None` when the TOC is malformed or the packet is over 120 ms (RFC 6716 §3.2.5). The
/// [`Toc`] view gives the mode, bandwidth, stereo flag and frame count too.
pub fn packet_samples(packet: &[u8]) -> Option<u32> {
    Toc::new_checked(packet)
        .ok()
        .map(|t| t.samples_per_packet())
}

/// Opus packetizer: copies each Opus packet into one payload.
#[derive(Clone, Debug, Default)]
pub struct OpusPacketizer {
    done: bool,
}

impl OpusPacketizer {
    /// A packetizer.
    pub fn new() -> Self {
        OpusPacketizer::default()
    }
}

impl Packetizer for OpusPacketizer {
    fn next_payload(
        &mut self,
        frame: &[u8],
        out: &mut [u8],
    ) -> Result<Option<Payload>, PacketizeError> {
        if self.done {
            self.done = false;
            return Ok(None);
        }
        if frame.is_empty() {
            return Err(PacketizeError::BadFrame);
        }
        let dst = out
            .get_mut(..frame.len())
            .ok_or(PacketizeError::BudgetTooSmall {
                needed: frame.len(),
            })?;
        dst.copy_from_slice(frame);
        self.done = true;
        Ok(Some(Payload {
            len: frame.len(),
            last: true,
        }))
    }

    fn marks_frame_end(&self) -> bool {
        false // RFC 7587 §4.1: the marker only flags the start of a talkspurt
    }

    fn start_frame(&mut self) {
        self.done = false;
    }
}

/// Opus depacketizer: each payload is one Opus packet.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpusDepacketizer;

impl Depacketizer for OpusDepacketizer {
    fn push(
        &mut self,
        payload: &[u8],
        frame: &mut FrameWriter<'_>,
    ) -> Result<(), DepacketizeError> {
        if payload.is_empty() {
            return Err(DepacketizeError::Malformed);
        }
        frame.push(payload)
    }
    fn is_frame_start(&self, _payload: &[u8]) -> bool {
        true
    }
    fn is_keyframe(&self, _payload: &[u8]) -> bool {
        true
    }
    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn durations_from_toc() {
        assert_eq!(packet_samples(&[0xFC, 0xAA]), Some(960)); // CELT FB 20 ms, code 0
        assert_eq!(packet_samples(&[0x78 | 0x01]), Some(1920)); // hybrid 20 ms ×2
        assert_eq!(packet_samples(&[0x08 | 0x03, 3]), Some(2880)); // SILK 20 ms ×3
        assert_eq!(packet_samples(&[0x18 | 0x03, 3]), None); // 60 ms ×3 > 120 ms
        assert_eq!(packet_samples(&[0x03, 0]), None);
        assert_eq!(packet_samples(&[]), None);
    }

    #[test]
    fn one_packet_per_payload() {
        let mut p = OpusPacketizer::new();
        let mut out = [0u8; 8];
        assert_eq!(
            p.next_payload(&[1, 2, 3], &mut out),
            Ok(Some(Payload { len: 3, last: true }))
        );
        assert_eq!(p.next_payload(&[1, 2, 3], &mut out), Ok(None));
        assert_eq!(
            p.next_payload(&[0; 9], &mut out),
            Err(PacketizeError::BudgetTooSmall { needed: 9 })
        );
        let mut buf = [0u8; 8];
        let mut w = FrameWriter::new(&mut buf);
        OpusDepacketizer.push(&out[..3], &mut w).unwrap();
        assert_eq!(w.as_slice(), &[1, 2, 3]);
    }
}
