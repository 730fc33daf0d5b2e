//! Opus: the TOC byte and, for code 3 packets, the frame count byte (RFC 6716 §3.1,
//! §3.2.5). Every RTP payload of an Opus stream is one Opus packet (RFC 7587).
//!
//! ```text
//! TOC              frame count byte (code 3 only)
//! | config |s| c | |v|p|    M    |
//!   5 bits  1  2    1 1  6 bits
//! ```
//!
//! Frame lengths (codes 2 and 3) and padding are not decoded: a depacketizer passes the
//! packet to the decoder whole. Every bit is kept, so `emit(parse(x)) == x` for any packet.

use crate::wire::bytes::{put, u8_at};
use crate::wire::error::{need, room, EmitError, ParseError};
use core::time::Duration;

/// The longest packet RFC 6716 allows, 120 ms, in 48 kHz samples (§3.2.5, R5).
pub const MAX_PACKET_SAMPLES: u32 = 5760;

/// The coding mode a configuration selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// SILK only (speech, up to wideband), configurations 0–11.
    Silk,
    /// SILK and CELT together, configurations 12–15.
    Hybrid,
    /// CELT only (music, low delay), configurations 16–31.
    Celt,
}

/// The audio bandwidth a configuration selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bandwidth {
    /// 4 kHz audio, 8 kHz effective sample rate.
    Narrow,
    /// 6 kHz audio, 12 kHz effective sample rate.
    Medium,
    /// 8 kHz audio, 16 kHz effective sample rate.
    Wide,
    /// 12 kHz audio, 24 kHz effective sample rate.
    SuperWide,
    /// 20 kHz audio, 48 kHz effective sample rate.
    Full,
}

impl Bandwidth {
    /// The effective sample rate in Hz (RFC 6716 Table 1).
    pub const fn sample_rate(self) -> u32 {
        match self {
            Bandwidth::Narrow => 8_000,
            Bandwidth::Medium => 12_000,
            Bandwidth::Wide => 16_000,
            Bandwidth::SuperWide => 24_000,
            Bandwidth::Full => 48_000,
        }
    }
}

/// Mode, bandwidth and frame size (in 48 kHz samples) of configuration `config` (0–31),
/// from RFC 6716 Table 2.
pub const fn config(config: u8) -> (Mode, Bandwidth, u32) {
    let c = config & 0x1F;
    let step = c % 4;
    // SILK 10, 20, 40, 60 ms; Hybrid 10, 20 ms; CELT 2.5, 5, 10, 20 ms
    let silk = match step {
        0 => 480,
        1 => 960,
        2 => 1920,
        _ => 2880,
    };
    let hybrid = 480 << (step % 2);
    let celt = 120 << step;
    match c {
        0..=3 => (Mode::Silk, Bandwidth::Narrow, silk),
        4..=7 => (Mode::Silk, Bandwidth::Medium, silk),
        8..=11 => (Mode::Silk, Bandwidth::Wide, silk),
        12 | 13 => (Mode::Hybrid, Bandwidth::SuperWide, hybrid),
        14 | 15 => (Mode::Hybrid, Bandwidth::Full, hybrid),
        16..=19 => (Mode::Celt, Bandwidth::Narrow, celt),
        20..=23 => (Mode::Celt, Bandwidth::Wide, celt),
        24..=27 => (Mode::Celt, Bandwidth::SuperWide, celt),
        _ => (Mode::Celt, Bandwidth::Full, celt),
    }
}

/// A zero-copy view of the start of an Opus packet: the TOC byte and, for code 3, the
/// frame count byte.
///
/// [`new_checked`](Self::new_checked) enforces RFC 6716 §3.4 R1 (at least one byte) and R5
/// (a code 3 packet holds at least one frame and at most 120 ms); after it succeeds no
/// accessor panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Toc<B> {
    buffer: B,
}

impl<B: AsRef<[u8]>> Toc<B> {
    /// Validate the TOC (and frame count byte) at the start of `buffer`.
    pub fn new_checked(buffer: B) -> Result<Self, ParseError> {
        let b = buffer.as_ref();
        need(b, 1)?;
        if u8_at(b, 0) & 0x03 == 3 {
            need(b, 2)?;
        }
        let t = Toc { buffer };
        let total = t.frame_count() * t.frame_samples();
        if t.frame_count() == 0 || total > MAX_PACKET_SAMPLES {
            return Err(ParseError::BadPayload);
        }
        Ok(t)
    }

    fn toc(&self) -> u8 {
        u8_at(self.buffer.as_ref(), 0)
    }

    fn count_byte(&self) -> Option<u8> {
        (self.code() == 3).then(|| u8_at(self.buffer.as_ref(), 1))
    }

    /// The configuration number, 0–31.
    pub fn config(&self) -> u8 {
        self.toc() >> 3
    }

    /// SILK, Hybrid or CELT.
    pub fn mode(&self) -> Mode {
        config(self.config()).0
    }

    /// The audio bandwidth.
    pub fn bandwidth(&self) -> Bandwidth {
        config(self.config()).1
    }

    /// Samples per channel of one frame at 48 kHz (120 to 2880: 2.5 to 60 ms).
    pub fn frame_samples(&self) -> u32 {
        config(self.config()).2
    }

    /// Whether the packet is stereo (s bit).
    pub fn stereo(&self) -> bool {
        self.toc() & 0x04 != 0
    }

    /// The frame count code c: 0 one frame, 1 two equal frames, 2 two frames of different
    /// sizes, 3 an arbitrary number of frames.
    pub fn code(&self) -> u8 {
        self.toc() & 0x03
    }

    /// Number of frames in the packet (1–48).
    pub fn frame_count(&self) -> u32 {
        match self.count_byte() {
            Some(m) => u32::from(m & 0x3F),
            None if self.code() == 0 => 1,
            None => 2,
        }
    }

    /// Code 3: whether frames have different sizes (v bit).
    pub fn vbr(&self) -> Option<bool> {
        self.count_byte().map(|m| m & 0x80 != 0)
    }

    /// Code 3: whether padding follows the frame count byte (p bit).
    pub fn has_padding(&self) -> Option<bool> {
        self.count_byte().map(|m| m & 0x40 != 0)
    }

    /// Samples per channel of the whole packet at 48 kHz: how far the RTP timestamp
    /// advances (RFC 7587 §4.1).
    pub fn samples_per_packet(&self) -> u32 {
        self.frame_count() * self.frame_samples()
    }

    /// Duration of the packet.
    pub fn duration(&self) -> Duration {
        Duration::from_micros(u64::from(self.samples_per_packet()) * 1000 / 48)
    }

    /// Length of the TOC and frame count byte: 1 or 2.
    pub fn header_len(&self) -> usize {
        1 + usize::from(self.code() == 3)
    }
}

/// How many frames a packet holds, and how (the c field and frame count byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameCount {
    /// Code 0: one frame.
    One,
    /// Code 1: two frames of equal size.
    TwoEqual,
    /// Code 2: two frames of different sizes.
    TwoDifferent,
    /// Code 3: `count` frames (1–48), with the v and p flags.
    Arbitrary {
        /// M, the number of frames.
        count: u8,
        /// v: frames have different sizes.
        vbr: bool,
        /// p: padding follows.
        padding: bool,
    },
}

/// A TOC (and frame count byte) to write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TocRepr {
    /// Configuration, 0–31.
    pub config: u8,
    /// Stereo.
    pub stereo: bool,
    /// Frame count code and, for code 3, its byte.
    pub frames: FrameCount,
}

impl TocRepr {
    /// Read every field of `t`.
    pub fn parse<B: AsRef<[u8]>>(t: &Toc<B>) -> Self {
        let frames = match (t.code(), t.count_byte()) {
            (0, _) => FrameCount::One,
            (1, _) => FrameCount::TwoEqual,
            (2, _) => FrameCount::TwoDifferent,
            (_, m) => {
                let m = m.unwrap_or(0);
                FrameCount::Arbitrary {
                    count: m & 0x3F,
                    vbr: m & 0x80 != 0,
                    padding: m & 0x40 != 0,
                }
            }
        };
        TocRepr {
            config: t.config(),
            stereo: t.stereo(),
            frames,
        }
    }

    /// Bytes on the wire: 1, or 2 for code 3.
    pub fn buffer_len(&self) -> usize {
        match self.frames {
            FrameCount::Arbitrary { .. } => 2,
            _ => 1,
        }
    }

    /// Write at the start of `out`; returns the length. `out` is untouched on error.
    pub fn emit(&self, out: &mut [u8]) -> Result<usize, EmitError> {
        let (code, count_byte) = match self.frames {
            FrameCount::One => (0, None),
            FrameCount::TwoEqual => (1, None),
            FrameCount::TwoDifferent => (2, None),
            FrameCount::Arbitrary {
                count,
                vbr,
                padding,
            } => {
                let frames = u32::from(count) * config(self.config).2;
                if count == 0 || count > 0x3F || frames > MAX_PACKET_SAMPLES {
                    return Err(EmitError::ValueOutOfRange);
                }
                (3, Some(u8::from(vbr) << 7 | u8::from(padding) << 6 | count))
            }
        };
        if self.config > 31 {
            return Err(EmitError::ValueOutOfRange);
        }
        let len = self.buffer_len();
        room(out, len)?;
        let toc = self.config << 3 | u8::from(self.stereo) << 2 | code;
        match count_byte {
            Some(m) => put(out, 0, &[toc, m]),
            None => put(out, 0, &[toc]),
        }
        Ok(len)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// RFC 6716 §3.1 Table 2, row by row: configurations, mode, bandwidth, frame sizes.
    #[test]
    fn rfc6716_3_1_table_2() {
        use Bandwidth::*;
        use Mode::*;
        let rows: [(core::ops::RangeInclusive<u8>, Mode, Bandwidth, &[u32]); 9] = [
            (0..=3, Silk, Narrow, &[10_000, 20_000, 40_000, 60_000]),
            (4..=7, Silk, Medium, &[10_000, 20_000, 40_000, 60_000]),
            (8..=11, Silk, Wide, &[10_000, 20_000, 40_000, 60_000]),
            (12..=13, Hybrid, SuperWide, &[10_000, 20_000]),
            (14..=15, Hybrid, Full, &[10_000, 20_000]),
            (16..=19, Celt, Narrow, &[2_500, 5_000, 10_000, 20_000]),
            (20..=23, Celt, Wide, &[2_500, 5_000, 10_000, 20_000]),
            (24..=27, Celt, SuperWide, &[2_500, 5_000, 10_000, 20_000]),
            (28..=31, Celt, Full, &[2_500, 5_000, 10_000, 20_000]),
        ];
        let mut seen = 0;
        for (configs, mode, bw, micros) in rows {
            for (c, us) in configs.zip(micros) {
                let t = Toc::new_checked([c << 3]).unwrap();
                assert_eq!(
                    (t.config(), t.mode(), t.bandwidth()),
                    (c, mode, bw),
                    "config {c}"
                );
                assert_eq!(
                    t.duration(),
                    Duration::from_micros(u64::from(*us)),
                    "config {c}"
                );
                assert_eq!(t.frame_samples() * 1000 / 48, *us);
                seen += 1;
            }
        }
        assert_eq!(seen, 32);
        assert_eq!(Full.sample_rate(), 48_000);
        assert!(Narrow < SuperWide);
    }

    /// RFC 6716 §3.2: the four frame count codes.
    #[test]
    fn frame_count_codes() {
        let celt_fb_20 = 31 << 3;
        let t = Toc::new_checked([celt_fb_20 | 0x04]).unwrap();
        assert!(t.stereo());
        assert_eq!(
            (t.code(), t.frame_count(), t.samples_per_packet()),
            (0, 1, 960)
        );
        assert_eq!((t.vbr(), t.has_padding(), t.header_len()), (None, None, 1));
        let t = Toc::new_checked([celt_fb_20 | 1]).unwrap();
        assert_eq!((t.frame_count(), t.samples_per_packet()), (2, 1920));
        let t = Toc::new_checked([celt_fb_20 | 2]).unwrap();
        assert_eq!(t.frame_count(), 2);
        // code 3: 6 frames of 20 ms = 120 ms, VBR, padded
        let b = [celt_fb_20 | 3, 0xC6, 0xAA];
        let t = Toc::new_checked(&b[..]).unwrap();
        assert_eq!((t.frame_count(), t.samples_per_packet()), (6, 5760));
        assert_eq!(
            (t.vbr(), t.has_padding(), t.header_len()),
            (Some(true), Some(true), 2)
        );
        assert_eq!(t.duration(), Duration::from_millis(120));
        let r = TocRepr::parse(&t);
        assert_eq!(
            r.frames,
            FrameCount::Arbitrary {
                count: 6,
                vbr: true,
                padding: true
            }
        );
        let mut out = [0u8; 2];
        assert_eq!(r.emit(&mut out), Ok(2));
        assert_eq!(out, b[..2]);
    }

    #[test]
    fn every_toc_byte_roundtrips() {
        for toc in 0..=255u8 {
            for m in [1u8, 2, 0x83, 0x41] {
                let b = [toc, m];
                let Ok(t) = Toc::new_checked(&b[..]) else {
                    continue;
                };
                let r = TocRepr::parse(&t);
                let mut out = [0u8; 2];
                let n = r.emit(&mut out).unwrap();
                assert_eq!(n, t.header_len());
                assert_eq!(&out[..n], &b[..n]);
            }
        }
    }

    #[test]
    fn invalid_packets() {
        assert!(matches!(
            Toc::new_checked(&[][..]),
            Err(ParseError::Truncated { .. })
        ));
        assert!(matches!(
            Toc::new_checked(&[0x03][..]),
            Err(ParseError::Truncated { .. })
        ));
        assert_eq!(
            Toc::new_checked(&[0x03, 0x80][..]),
            Err(ParseError::BadPayload)
        ); // M = 0
           // SILK 60 ms × 3 = 180 ms > 120 ms (R5)
        assert_eq!(
            Toc::new_checked(&[0x18 | 3, 3][..]),
            Err(ParseError::BadPayload)
        );
        let too_long = TocRepr {
            config: 3,
            stereo: false,
            frames: FrameCount::Arbitrary {
                count: 3,
                vbr: false,
                padding: false,
            },
        };
        assert_eq!(
            too_long.emit(&mut [0u8; 2]),
            Err(EmitError::ValueOutOfRange)
        );
        let bad = TocRepr {
            config: 32,
            stereo: false,
            frames: FrameCount::One,
        };
        assert_eq!(bad.emit(&mut [0u8; 2]), Err(EmitError::ValueOutOfRange));
        let one = TocRepr {
            frames: FrameCount::One,
            ..bad
        };
        let one = TocRepr { config: 1, ..one };
        assert_eq!(
            one.emit(&mut []),
            Err(EmitError::BufferTooSmall { needed: 1 })
        );
    }
}
