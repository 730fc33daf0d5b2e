//! Frames back from the RTP packets of a track: rtp-core's [`JitterBuffer`] (reordering,
//! loss, bounded playout delay, fixed memory) followed by the depacketizer of the track's
//! codec (VP8, H.264, Opus; G.711 payloads are the samples).
//!
//! The connection hands packets up as [`Delivered::Rtp`](crate::Delivered::Rtp); the owner
//! keeps one [`FrameAssembler`] per receiving track (its size is the owner's choice: `SLOTS`
//! packets of at most `MTU` payload bytes), pushes each packet in, and pops complete frames
//! into its own buffer. After a loss a video decoder needs a keyframe:
//! [`needs_keyframe`](FrameAssembler::needs_keyframe) says so until one arrives — answer with
//! [`PeerConnection::request_keyframe`](crate::PeerConnection::request_keyframe).

use crate::session::{CodecKind, TrackInfo, TrackKind};
use rtp_core::jitter::{JitterBuffer, JitterConfig, JitterStats, PushOutcome};
use rtp_core::packetize::h264::H264Depacketizer;
use rtp_core::packetize::opus::OpusDepacketizer;
use rtp_core::packetize::vp8::Vp8Depacketizer;
use rtp_core::packetize::{DepacketizeError, Depacketizer, FrameWriter};
use rtp_core::wire::RtpPacket;
use sansio::Instant;

/// The depacketizer of one codec.
#[derive(Clone, Debug)]
enum Depack {
    Vp8(Vp8Depacketizer),
    H264(H264Depacketizer),
    /// Opus and G.711: a payload is a frame.
    Whole(OpusDepacketizer),
}

impl Depack {
    fn of(codec: CodecKind) -> Self {
        match codec {
            CodecKind::Vp8 => Depack::Vp8(Vp8Depacketizer::default()),
            CodecKind::H264 => Depack::H264(H264Depacketizer::new()),
            _ => Depack::Whole(OpusDepacketizer),
        }
    }

    fn get(&mut self) -> &mut dyn Depacketizer {
        match self {
            Depack::Vp8(d) => d,
            Depack::H264(d) => d,
            Depack::Whole(d) => d,
        }
    }
}

/// A frame popped from a [`FrameAssembler`]: its bytes are `out[..len]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssembledFrame {
    /// Length of the frame in the caller's buffer.
    pub len: usize,
    /// Its RTP timestamp.
    pub timestamp: u32,
    /// Whether it is a keyframe (decodable alone).
    pub keyframe: bool,
    /// Whether packets or frames were lost since the last keyframe: a video decoder cannot
    /// use it (wait for a keyframe, ask for one).
    pub after_loss: bool,
}

/// Counters of a [`FrameAssembler`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AssemblerStats {
    /// The jitter buffer's counters (stored, late, lost, frames dropped…).
    pub jitter: JitterStats,
    /// Frames assembled.
    pub frames: u64,
    /// Keyframes among them.
    pub keyframes: u64,
    /// Frames the depacketizer refused (malformed, missing fragment, too large).
    pub broken: u64,
}

/// Jitter buffer + depacketizer for one receiving track. See the [module docs](self).
#[derive(Clone, Debug)]
pub struct FrameAssembler<const SLOTS: usize, const MTU: usize> {
    jitter: JitterBuffer<SLOTS, MTU>,
    depack: Depack,
    video: bool,
    waiting_keyframe: bool,
    stats: AssemblerStats,
}

impl<const SLOTS: usize, const MTU: usize> FrameAssembler<SLOTS, MTU> {
    /// An assembler for `codec` with jitter-buffer settings `config`.
    pub fn new(codec: CodecKind, config: JitterConfig) -> Self {
        let video = matches!(codec, CodecKind::Vp8 | CodecKind::H264);
        FrameAssembler {
            jitter: JitterBuffer::new(config),
            depack: Depack::of(codec),
            video,
            waiting_keyframe: video,
            stats: AssemblerStats::default(),
        }
    }

    /// An assembler for what `track` receives, with rtp-core's video or audio defaults.
    pub fn for_track(track: &TrackInfo) -> Self {
        let codec = track.send_codec().map_or(CodecKind::Other, |c| c.kind);
        let config = match track.kind {
            TrackKind::Video => JitterConfig::video(),
            TrackKind::Audio => JitterConfig::audio(),
        };
        Self::new(codec, config)
    }

    /// Counters.
    pub fn stats(&self) -> AssemblerStats {
        AssemblerStats {
            jitter: self.jitter.stats(),
            ..self.stats
        }
    }

    /// Whether a video decoder waits for a keyframe (at the start, after a loss or a broken
    /// frame); ask the sender for one.
    pub fn needs_keyframe(&self) -> bool {
        self.waiting_keyframe
    }

    /// Store a packet received at `now`.
    pub fn push<B: AsRef<[u8]>>(&mut self, now: Instant, packet: &RtpPacket<B>) -> PushOutcome {
        self.jitter.push(now, packet)
    }

    /// When [`pop`](Self::pop) may next return a frame (`None`: waiting for packets).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.jitter.poll_timeout()
    }

    /// The next complete frame due at `now`, depacketized into `out`; `Some(Err)` for a frame
    /// that could not be put together (it is dropped; a keyframe is awaited).
    pub fn pop(
        &mut self,
        now: Instant,
        out: &mut [u8],
    ) -> Option<Result<AssembledFrame, DepacketizeError>> {
        loop {
            let frame = self.jitter.pop_frame(now)?;
            let info = frame.info();
            let depack = self.depack.get();
            depack.reset();
            let mut w = FrameWriter::new(out);
            let mut keyframe = None;
            let mut result = Ok(());
            // Padding-only packets (bandwidth probes) hold sequence numbers and no media.
            for payload in frame.payloads().filter(|p| !p.is_empty()) {
                keyframe.get_or_insert_with(|| depack.is_keyframe(payload));
                result = result.and_then(|()| depack.push(payload, &mut w));
            }
            drop(frame);
            let Some(keyframe) = keyframe else {
                continue; // nothing but padding: not a frame
            };
            return Some(self.finish(info.after_loss, keyframe, result.map(|()| w.len()), info));
        }
    }

    fn finish(
        &mut self,
        after_loss: bool,
        keyframe: bool,
        result: Result<usize, DepacketizeError>,
        info: rtp_core::jitter::FrameInfo,
    ) -> Result<AssembledFrame, DepacketizeError> {
        if self.video && after_loss && !keyframe {
            self.waiting_keyframe = true;
        }
        let len = result.inspect_err(|_| {
            self.stats.broken += 1;
            self.waiting_keyframe |= self.video;
        })?;
        if keyframe {
            self.waiting_keyframe = false;
            self.stats.keyframes += u64::from(self.video);
        }
        self.stats.frames += 1;
        Ok(AssembledFrame {
            len,
            timestamp: info.timestamp,
            keyframe,
            after_loss: self.video && self.waiting_keyframe,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use core::time::Duration;
    use rtp_core::packetize::vp8::Vp8Packetizer;
    use rtp_core::packetize::RtpPacketizer;
    use rtp_core::wire::RtpHeader;
    extern crate std;
    use std::vec::Vec;

    fn frame(key: bool, len: usize, seed: u8) -> Vec<u8> {
        let mut f: Vec<u8> = (0..len).map(|i| (i as u8).wrapping_mul(7) ^ seed).collect();
        f[0] = if key { 0x10 } else { 0x11 };
        f
    }

    #[test]
    fn vp8_frames_come_back_whole_in_order_with_keyframes_and_loss_flagged() {
        let mut p = RtpPacketizer::new(Vp8Packetizer::new(5), 96, 0xAB, 65_530, 500);
        let frames: Vec<Vec<u8>> = (0..6).map(|i| frame(i == 0 || i == 4, 1200, i)).collect();
        let mut packets = Vec::new();
        for (i, f) in frames.iter().enumerate() {
            let mut out = [0u8; 600];
            while let Some(n) = p.next_packet(f, i as u32 * 3000, &mut out).unwrap() {
                packets.push(out[..n].to_vec());
            }
        }
        // Reorder two packets of frame 1, lose one packet of frame 2, and a padding-only
        // packet (a bandwidth probe) after frame 0 takes a sequence number.
        packets.swap(3, 4);
        let probe = RtpHeader {
            payload_type: 96,
            sequence_number: 65_533,
            timestamp: 0,
            ssrc: 0xAB,
            padding: 200,
            ..Default::default()
        };
        let mut pad = [0u8; 300];
        let n = probe.emit(&[], &mut pad).unwrap();
        for pkt in packets.iter_mut().skip(3) {
            let seq = u16::from_be_bytes([pkt[2], pkt[3]]).wrapping_add(1);
            pkt[2..4].copy_from_slice(&seq.to_be_bytes());
        }
        packets.insert(3, pad[..n].to_vec());
        let lost = packets.remove(8);
        assert!(!lost.is_empty());
        let mut a = FrameAssembler::<64, 1200>::new(CodecKind::Vp8, JitterConfig::video());
        assert!(a.needs_keyframe());
        let mut now = Instant::from_secs(1);
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        for pkt in &packets {
            a.push(now, &RtpPacket::new_checked(&pkt[..]).unwrap());
            now += Duration::from_millis(5);
            while let Some(r) = a.pop(now, &mut buf) {
                let f = r.unwrap();
                got.push((f.timestamp, f.keyframe, f.after_loss, buf[..f.len].to_vec()));
            }
        }
        now += Duration::from_secs(1);
        while let Some(r) = a.pop(now, &mut buf) {
            let f = r.unwrap();
            got.push((f.timestamp, f.keyframe, f.after_loss, buf[..f.len].to_vec()));
        }
        let ts: Vec<u32> = got.iter().map(|g| g.0).collect();
        assert_eq!(ts, [0, 3000, 9000, 12000, 15000], "frame 2 given up");
        assert_eq!(got[0].3, frames[0]);
        assert_eq!(got[1].3, frames[1], "reordered packets put back in order");
        assert!(got[2].2, "frame 3 follows a loss: not decodable");
        assert!(got[3].1 && !got[3].2, "the keyframe ends the wait");
        assert!(!got[4].2);
        let s = a.stats();
        assert_eq!((s.frames, s.keyframes), (5, 2));
        assert_eq!(s.jitter.frames_dropped, 1);
        assert!(!a.needs_keyframe());
    }
}
