//! DATA (RFC 9260 §3.3.1) and I-DATA (RFC 8260 §2.1).

use super::ChunkType;
use crate::wire::{ParseError, Reader, Writer};

/// A DATA or I-DATA chunk, unified: `mid` is the SSN for DATA (16 bits) and the Message
/// Identifier for I-DATA; `fsn` is the Fragment Sequence Number (I-DATA, 0 on the first
/// fragment) and 0 for DATA; `ppid` is present on DATA and on the first I-DATA fragment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Data<'a> {
    /// I-DATA rather than DATA.
    pub idata: bool,
    /// Transmission Sequence Number.
    pub tsn: u32,
    /// Stream identifier.
    pub stream: u16,
    /// SSN (DATA) or MID (I-DATA).
    pub mid: u32,
    /// Fragment sequence number (I-DATA, not first fragment).
    pub fsn: u32,
    /// Payload protocol identifier (DATA, or I-DATA with `begin`).
    pub ppid: u32,
    /// U: unordered.
    pub unordered: bool,
    /// B: first fragment.
    pub begin: bool,
    /// E: last fragment.
    pub end: bool,
    /// I: the receiver should SACK at once (RFC 7053).
    pub immediate: bool,
    /// User data (never empty on the wire).
    pub payload: &'a [u8],
}

impl<'a> Data<'a> {
    /// Header bytes before the payload, chunk header included.
    pub const fn header_len(idata: bool) -> usize {
        if idata {
            20
        } else {
            16
        }
    }

    pub(super) fn parse(flags: u8, v: &'a [u8], idata: bool) -> Result<Self, ParseError> {
        let mut r = Reader::new(v);
        let tsn = r.u32()?;
        let stream = r.u16()?;
        let mut d = Data {
            idata,
            tsn,
            stream,
            unordered: flags & 4 != 0,
            begin: flags & 2 != 0,
            end: flags & 1 != 0,
            immediate: flags & 8 != 0,
            ..Data::default()
        };
        if idata {
            let _reserved = r.u16()?;
            d.mid = r.u32()?;
            let word = r.u32()?;
            if d.begin {
                d.ppid = word;
            } else {
                d.fsn = word;
            }
        } else {
            d.mid = u32::from(r.u16()?);
            d.ppid = r.u32()?;
        }
        d.payload = r.rest();
        Ok(d)
    }

    pub(super) fn chunk_type(&self) -> u8 {
        if self.idata {
            ChunkType::I_DATA
        } else {
            ChunkType::DATA
        }
    }

    pub(super) fn flags(&self) -> u8 {
        u8::from(self.immediate) << 3
            | u8::from(self.unordered) << 2
            | u8::from(self.begin) << 1
            | u8::from(self.end)
    }

    pub(super) fn value_len(&self) -> usize {
        Self::header_len(self.idata) - 4 + self.payload.len()
    }

    pub(super) fn emit_value(&self, w: &mut Writer<'_>) {
        w.u32(self.tsn);
        w.u16(self.stream);
        if self.idata {
            w.u16(0);
            w.u32(self.mid);
            w.u32(if self.begin { self.ppid } else { self.fsn });
        } else {
            w.u16(self.mid as u16);
            w.u32(self.ppid);
        }
        w.bytes(self.payload);
    }
}
