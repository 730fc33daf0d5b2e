//! A small documented RTP payload for sensor readings (this crate's own format).
//!
//! Use a dynamic payload type, e.g. `a=rtpmap:100 x-sensor/1000` where the clock rate is the
//! sampling clock. The RTP timestamp is the time of the first sample of the packet; each
//! record's sample `k` was taken at `timestamp + offset + k × interval` ticks.
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! |V=1|  reserved |  record count |       (records follow)        |
//! +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//! record:
//! |    channel    |    format     |          sample count         |
//! |        offset (ticks)         |       interval (ticks)        |
//! |                 samples, big-endian, count × size ...         |
//! ```
//!
//! Formats: 1 `i8`, 2 `u8`, 3 `i16`, 4 `u16`, 5 `i32`, 6 `u32`, 7 `f32`, 8 `f64`. There is
//! no padding between records. V is 1 (the top two bits). Unknown versions and formats are
//! rejected; a payload whose records do not add up to its length exactly is malformed.

use super::{DepacketizeError, Depacketizer, FrameWriter, PacketizeError, Packetizer, Payload};
use crate::wire::bytes::{put, put_u16, u16_at, u8_at};

const VERSION: u8 = 1;
const HEADER_LEN: usize = 2;
const RECORD_HEADER_LEN: usize = 8;
/// Most records in one payload.
pub const MAX_RECORDS: usize = 255;

/// How samples are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum SampleFormat {
    /// Signed 8-bit.
    I8 = 1,
    /// Unsigned 8-bit.
    U8 = 2,
    /// Signed 16-bit.
    I16 = 3,
    /// Unsigned 16-bit.
    U16 = 4,
    /// Signed 32-bit.
    I32 = 5,
    /// Unsigned 32-bit.
    U32 = 6,
    /// IEEE 754 single.
    F32 = 7,
    /// IEEE 754 double.
    F64 = 8,
}

impl SampleFormat {
    /// The format with wire code `code`.
    pub fn from_code(code: u8) -> Option<SampleFormat> {
        use SampleFormat::*;
        Some(match code {
            1 => I8,
            2 => U8,
            3 => I16,
            4 => U16,
            5 => I32,
            6 => U32,
            7 => F32,
            8 => F64,
            _ => return None,
        })
    }

    /// Bytes per sample.
    pub const fn size(self) -> usize {
        use SampleFormat::*;
        match self {
            I8 | U8 => 1,
            I16 | U16 => 2,
            I32 | U32 | F32 => 4,
            F64 => 8,
        }
    }
}

/// One decoded sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Value {
    /// A signed integer sample.
    Int(i64),
    /// An unsigned integer sample.
    UInt(u64),
    /// A floating-point sample.
    Float(f64),
}

fn decode(format: SampleFormat, b: &[u8]) -> Value {
    let mut w = [0u8; 8];
    let n = b.len().min(8);
    if let (Some(dst), Some(src)) = (w.get_mut(8 - n..), b.get(..n)) {
        dst.copy_from_slice(src);
    }
    let raw = u64::from_be_bytes(w);
    match format {
        SampleFormat::I8 => Value::Int(i64::from(raw as u8 as i8)),
        SampleFormat::I16 => Value::Int(i64::from(raw as u16 as i16)),
        SampleFormat::I32 => Value::Int(i64::from(raw as u32 as i32)),
        SampleFormat::U8 | SampleFormat::U16 | SampleFormat::U32 => Value::UInt(raw),
        SampleFormat::F32 => Value::Float(f64::from(f32::from_bits(raw as u32))),
        SampleFormat::F64 => Value::Float(f64::from_bits(raw)),
    }
}

/// Samples to write, typed.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Samples<'a> {
    /// `i8` samples.
    I8(&'a [i8]),
    /// `u8` samples.
    U8(&'a [u8]),
    /// `i16` samples.
    I16(&'a [i16]),
    /// `u16` samples.
    U16(&'a [u16]),
    /// `i32` samples.
    I32(&'a [i32]),
    /// `u32` samples.
    U32(&'a [u32]),
    /// `f32` samples.
    F32(&'a [f32]),
    /// `f64` samples.
    F64(&'a [f64]),
}

impl Samples<'_> {
    fn format(&self) -> SampleFormat {
        match self {
            Samples::I8(_) => SampleFormat::I8,
            Samples::U8(_) => SampleFormat::U8,
            Samples::I16(_) => SampleFormat::I16,
            Samples::U16(_) => SampleFormat::U16,
            Samples::I32(_) => SampleFormat::I32,
            Samples::U32(_) => SampleFormat::U32,
            Samples::F32(_) => SampleFormat::F32,
            Samples::F64(_) => SampleFormat::F64,
        }
    }

    fn len(&self) -> usize {
        match self {
            Samples::I8(s) => s.len(),
            Samples::U8(s) => s.len(),
            Samples::I16(s) => s.len(),
            Samples::U16(s) => s.len(),
            Samples::I32(s) => s.len(),
            Samples::U32(s) => s.len(),
            Samples::F32(s) => s.len(),
            Samples::F64(s) => s.len(),
        }
    }

    fn write(&self, out: &mut [u8], at: usize) {
        let size = self.format().size();
        for i in 0..self.len() {
            let b: [u8; 8] = match self {
                Samples::I8(s) => widen(&s.get(i).copied().unwrap_or(0).to_be_bytes()),
                Samples::U8(s) => widen(&s.get(i).copied().unwrap_or(0).to_be_bytes()),
                Samples::I16(s) => widen(&s.get(i).copied().unwrap_or(0).to_be_bytes()),
                Samples::U16(s) => widen(&s.get(i).copied().unwrap_or(0).to_be_bytes()),
                Samples::I32(s) => widen(&s.get(i).copied().unwrap_or(0).to_be_bytes()),
                Samples::U32(s) => widen(&s.get(i).copied().unwrap_or(0).to_be_bytes()),
                Samples::F32(s) => widen(&s.get(i).copied().unwrap_or(0.0).to_be_bytes()),
                Samples::F64(s) => s.get(i).copied().unwrap_or(0.0).to_be_bytes(),
            };
            put(out, at + i * size, b.get(8 - size..).unwrap_or(&[]));
        }
    }
}

/// Right-align big-endian bytes in 8 bytes.
fn widen(b: &[u8]) -> [u8; 8] {
    let mut w = [0u8; 8];
    if let Some(dst) = w.get_mut(8 - b.len().min(8)..) {
        dst.copy_from_slice(b.get(..dst.len()).unwrap_or(&[]));
    }
    w
}

/// A record to write.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RecordRepr<'a> {
    /// Channel (sensor) number.
    pub channel: u8,
    /// Ticks from the RTP timestamp to the first sample.
    pub offset: u16,
    /// Ticks between samples.
    pub interval: u16,
    /// The samples (at most 65535).
    pub samples: Samples<'a>,
}

impl RecordRepr<'_> {
    fn len(&self) -> usize {
        RECORD_HEADER_LEN + self.samples.len() * self.samples.format().size()
    }
}

/// Bytes a payload of `records` takes.
pub fn payload_len(records: &[RecordRepr<'_>]) -> usize {
    HEADER_LEN + records.iter().map(RecordRepr::len).sum::<usize>()
}

/// Write a payload holding `records` into `out`; returns its length (`out` untouched on
/// error).
pub fn emit(records: &[RecordRepr<'_>], out: &mut [u8]) -> Result<usize, PacketizeError> {
    if records.is_empty()
        || records.len() > MAX_RECORDS
        || records.iter().any(|r| r.samples.len() > 0xFFFF)
    {
        return Err(PacketizeError::BadFrame);
    }
    let len = payload_len(records);
    if out.len() < len {
        return Err(PacketizeError::BudgetTooSmall { needed: len });
    }
    put(out, 0, &[VERSION << 6, records.len() as u8]);
    let mut pos = HEADER_LEN;
    for r in records {
        put(out, pos, &[r.channel, r.samples.format() as u8]);
        put_u16(out, pos + 2, r.samples.len() as u16);
        put_u16(out, pos + 4, r.offset);
        put_u16(out, pos + 6, r.interval);
        r.samples.write(out, pos + RECORD_HEADER_LEN);
        pos += r.len();
    }
    Ok(len)
}

/// A validated sensor payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SensorPayload<'a> {
    data: &'a [u8],
}

impl<'a> SensorPayload<'a> {
    /// Validate `data`.
    pub fn new_checked(data: &'a [u8]) -> Result<Self, DepacketizeError> {
        if data.len() < HEADER_LEN || u8_at(data, 0) >> 6 != VERSION {
            return Err(DepacketizeError::Malformed);
        }
        let mut pos = HEADER_LEN;
        for _ in 0..u8_at(data, 1) {
            let f =
                SampleFormat::from_code(u8_at(data, pos + 1)).ok_or(DepacketizeError::Malformed)?;
            if pos + RECORD_HEADER_LEN > data.len() {
                return Err(DepacketizeError::Malformed);
            }
            pos += RECORD_HEADER_LEN + usize::from(u16_at(data, pos + 2)) * f.size();
        }
        if pos != data.len() {
            return Err(DepacketizeError::Malformed);
        }
        Ok(SensorPayload { data })
    }

    /// The records.
    pub fn records(&self) -> impl Iterator<Item = Record<'a>> + 'a {
        let data = self.data;
        let mut pos = HEADER_LEN;
        (0..u8_at(data, 1)).map_while(move |_| {
            let format = SampleFormat::from_code(u8_at(data, pos + 1))?;
            let count = usize::from(u16_at(data, pos + 2));
            let end = pos + RECORD_HEADER_LEN + count * format.size();
            let r = Record {
                channel: u8_at(data, pos),
                format,
                offset: u16_at(data, pos + 4),
                interval: u16_at(data, pos + 6),
                samples: data.get(pos + RECORD_HEADER_LEN..end)?,
            };
            pos = end;
            Some(r)
        })
    }
}

/// One record of a received payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// Channel number.
    pub channel: u8,
    /// Sample format.
    pub format: SampleFormat,
    /// Ticks from the RTP timestamp to the first sample.
    pub offset: u16,
    /// Ticks between samples.
    pub interval: u16,
    samples: &'a [u8],
}

impl<'a> Record<'a> {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len() / self.format.size()
    }
    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }
    /// The samples, decoded, with their offsets in ticks from the RTP timestamp.
    pub fn values(&self) -> impl Iterator<Item = (u32, Value)> + 'a {
        let (f, off, iv) = (
            self.format,
            u32::from(self.offset),
            u32::from(self.interval),
        );
        self.samples
            .chunks_exact(f.size())
            .enumerate()
            .map(move |(k, b)| (off + k as u32 * iv, decode(f, b)))
    }
}

/// Packetizer for already-encoded sensor payloads (see [`emit`]): one payload per frame.
#[derive(Clone, Debug, Default)]
pub struct SensorPacketizer {
    done: bool,
}

impl Packetizer for SensorPacketizer {
    fn next_payload(
        &mut self,
        frame: &[u8],
        out: &mut [u8],
    ) -> Result<Option<Payload>, PacketizeError> {
        if core::mem::take(&mut self.done) {
            return Ok(None);
        }
        SensorPayload::new_checked(frame).map_err(|_| PacketizeError::BadFrame)?;
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
    fn start_frame(&mut self) {
        self.done = false;
    }
}

/// Depacketizer for sensor payloads: validates and copies.
#[derive(Clone, Copy, Debug, Default)]
pub struct SensorDepacketizer;

impl Depacketizer for SensorDepacketizer {
    fn push(
        &mut self,
        payload: &[u8],
        frame: &mut FrameWriter<'_>,
    ) -> Result<(), DepacketizeError> {
        SensorPayload::new_checked(payload)?;
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
    fn roundtrip_mixed_records() {
        let temps = [21.5f32, 21.75];
        let accel = [-3i16, 0, 4095];
        let recs = [
            RecordRepr {
                channel: 1,
                offset: 0,
                interval: 500,
                samples: Samples::F32(&temps),
            },
            RecordRepr {
                channel: 2,
                offset: 10,
                interval: 1,
                samples: Samples::I16(&accel),
            },
        ];
        let mut buf = [0u8; 64];
        let n = emit(&recs, &mut buf).unwrap();
        assert_eq!(n, 2 + 8 + 8 + 8 + 6);
        let p = SensorPayload::new_checked(&buf[..n]).unwrap();
        let mut it = p.records();
        let r1 = it.next().unwrap();
        assert_eq!((r1.channel, r1.format, r1.len()), (1, SampleFormat::F32, 2));
        let v: heapless::Vec<(u32, Value), 4> = r1.values().collect();
        assert_eq!(v, [(0, Value::Float(21.5)), (500, Value::Float(21.75))]);
        let r2 = it.next().unwrap();
        let v: heapless::Vec<(u32, Value), 4> = r2.values().collect();
        assert_eq!(
            v,
            [
                (10, Value::Int(-3)),
                (11, Value::Int(0)),
                (12, Value::Int(4095))
            ]
        );
        assert!(it.next().is_none());
    }

    #[test]
    fn rejects_bad_payloads() {
        assert!(SensorPayload::new_checked(&[0x40, 1, 1, 9, 0, 0, 0, 0, 0, 0]).is_err()); // format 9
        assert!(SensorPayload::new_checked(&[0x40, 1, 1, 3, 0, 2, 0, 0, 0, 0, 1, 2]).is_err()); // short
        assert!(SensorPayload::new_checked(&[0x80, 0]).is_err()); // version 2
        assert!(SensorPayload::new_checked(&[0x40, 0, 7]).is_err()); // trailing byte
        assert!(SensorPayload::new_checked(&[0x40, 0]).is_ok());
    }
}
