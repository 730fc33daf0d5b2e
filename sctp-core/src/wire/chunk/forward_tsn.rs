//! FORWARD-TSN (RFC 3758 §3.2) and I-FORWARD-TSN (RFC 8260 §2.3).

use super::ChunkType;
use crate::wire::{List, ParseError, Reader, Writer};

/// One stream entry: the last skipped SSN (FORWARD-TSN) or MID (I-FORWARD-TSN).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForwardTsnEntry {
    /// Stream identifier.
    pub stream: u16,
    /// Unordered (I-FORWARD-TSN only).
    pub unordered: bool,
    /// SSN or MID.
    pub id: u32,
}

/// FORWARD-TSN or I-FORWARD-TSN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ForwardTsn<'a> {
    /// I-FORWARD-TSN rather than FORWARD-TSN.
    pub idata: bool,
    /// New Cumulative TSN.
    pub new_cum_tsn: u32,
    /// Stream entries.
    pub entries: List<'a, ForwardTsnEntry>,
}

impl<'a> ForwardTsn<'a> {
    fn entry_len(idata: bool) -> usize {
        if idata {
            8
        } else {
            4
        }
    }

    pub(super) fn parse(v: &'a [u8], idata: bool) -> Result<Self, ParseError> {
        let mut r = Reader::new(v);
        let new_cum_tsn = r.u32()?;
        let rest = r.rest();
        if rest.len() % Self::entry_len(idata) != 0 {
            return Err(ParseError::BadLength);
        }
        Ok(ForwardTsn {
            idata,
            new_cum_tsn,
            entries: List::Raw(rest),
        })
    }

    /// The stream entries.
    pub fn entries(&self) -> impl Iterator<Item = ForwardTsnEntry> + 'a {
        let idata = self.idata;
        let (raw, items): (&'a [u8], &'a [ForwardTsnEntry]) = match self.entries {
            List::Raw(r) => (r, &[]),
            List::Items(i) => (&[], i),
        };
        raw.chunks_exact(Self::entry_len(idata))
            .map(move |c| {
                let mut r = Reader::new(c);
                let stream = r.u16().unwrap_or(0);
                if idata {
                    let flags = r.u16().unwrap_or(0);
                    ForwardTsnEntry {
                        stream,
                        unordered: flags & 1 != 0,
                        id: r.u32().unwrap_or(0),
                    }
                } else {
                    ForwardTsnEntry {
                        stream,
                        unordered: false,
                        id: u32::from(r.u16().unwrap_or(0)),
                    }
                }
            })
            .chain(items.iter().copied())
    }

    pub(super) fn chunk_type(&self) -> u8 {
        if self.idata {
            ChunkType::I_FORWARD_TSN
        } else {
            ChunkType::FORWARD_TSN
        }
    }

    pub(super) fn value_len(&self) -> usize {
        4 + match self.entries {
            List::Raw(r) => r.len(),
            List::Items(i) => i.len() * Self::entry_len(self.idata),
        }
    }

    pub(super) fn emit_value(&self, w: &mut Writer<'_>) {
        w.u32(self.new_cum_tsn);
        for e in self.entries() {
            w.u16(e.stream);
            if self.idata {
                w.u16(u16::from(e.unordered));
                w.u32(e.id);
            } else {
                w.u16(e.id as u16);
            }
        }
    }
}
